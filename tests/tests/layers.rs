//! The module graphs of gitops-gen, gitops-model and cargo-gitops, read
//! from their sources with syn: no import cycle in any of them, and in
//! gitops-gen no module importing from a layer above its own (the layers
//! ARCHITECTURE.md draws).
//!
//! A module is a file, found from the crate's roots by its `mod` items. An
//! edge is any path naming another module (`use`, a type, a call, inside a
//! macro's tokens too). Not counted: `#[cfg(test)]` items (tests may reach
//! up to build what they check), and a module naming its own descendants (a
//! parent declares and re-exports its children).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// gitops-gen's layers, lowest first: a module may use its own layer and
/// those below. `lib.rs` only re-exports; nothing imports through it.
/// `chart` orchestrates the layers below; `build_script` drives a `Chart`.
const GEN_LAYERS: &[(&str, usize)] = &[
    ("foundation", 0),
    ("helm", 1),
    ("render", 2),
    ("deploy", 3),
    ("release", 4),
    ("requires", 5),
    ("chart", 5),
    ("native_render", 4),
    ("typed", 4),
    ("build_script", 6),
];

/// A module's path inside its crate (`render::templates::deployment`); the
/// root is empty.
type Module = Vec<String>;

struct Graph {
    /// Every module and the modules it names (before resolution: raw paths).
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

#[test]
fn gitops_gen_imports_only_from_its_own_layer_and_below() {
    let graph = Graph::read(&[&workspace().join("gitops-gen/src/lib.rs")]);
    let problems = graph.layer_problems(GEN_LAYERS);
    assert!(problems.is_empty(), "gitops-gen's layers are broken:\n{}", problems.join("\n"));
}

#[test]
fn no_import_cycles() {
    let root = workspace();
    // Each crate root on its own: a binary's `crate::` is not its library's.
    for (crate_root, at_least) in [
        ("gitops-gen/src/lib.rs", 30),
        ("gitops-model/src/lib.rs", 5),
        ("cargo-gitops/src/lib.rs", 10),
        ("cargo-gitops/src/main.rs", 1),
    ] {
        let graph = Graph::read(&[&root.join(crate_root)]);
        assert!(
            graph.edges.len() >= at_least,
            "{crate_root}: too few modules found: {:?}",
            graph.edges.keys()
        );
        let cycles = graph.cycles();
        assert!(cycles.is_empty(), "{crate_root} has import cycles: {cycles:#?}");
    }
}

/// The checks themselves, on a small crate written here: an upward import
/// and a cycle are both caught, naming the modules.
#[test]
fn an_upward_import_and_a_cycle_are_caught() {
    let dir = gitops_tests::scratch_dir("layers-self-test");
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod foundation;\nmod render;\npub use render::chart;\n");
    write("foundation/mod.rs", "pub mod fs;\npub mod layout;\n");
    write("foundation/layout.rs", "pub const MARKER: &str = \"x\";\n");
    // Upward, and inside a macro's tokens: foundation names render.
    write(
        "foundation/fs.rs",
        "use super::layout::MARKER;\npub fn f() { let _ = format!(\"{}\", crate::render::chart()); }\n\
         #[cfg(test)]\nmod tests { use crate::render::chart; }\n",
    );
    write("render/mod.rs", "pub mod values;\npub fn chart() -> &'static str { values::V }\n");
    // A cycle within a layer: values names render (its parent), which names values.
    write("render/values.rs", "pub const V: &str = crate::foundation::layout::MARKER;\n");
    let graph = Graph::read(&[&dir.join("lib.rs")]);
    let layers = [("foundation", 0), ("render", 2)];
    assert_eq!(
        graph.layer_problems(&layers),
        ["`foundation::fs` (layer 0) names `render` (layer 2)"]
    );
    assert!(graph.cycles().is_empty(), "a parent naming its child is no cycle");

    // A cycle between siblings: values names table, which names values.
    write("render/values.rs", "pub const V: &str = super::table::T;\n");
    write(
        "render/mod.rs",
        "pub mod table;\npub mod values;\npub fn chart() -> &'static str { values::V }\n",
    );
    write(
        "render/table.rs",
        "pub const T: &str = \"t\";\npub fn f() -> &'static str { super::values::V }\n",
    );
    write("foundation/fs.rs", "use crate::render::values::V;\n");
    let graph = Graph::read(&[&dir.join("lib.rs")]);
    assert_eq!(graph.cycles(), [vec!["render::table".to_owned(), "render::values".into()]]);

    // An import through the crate root, and a module in no layer.
    write("lib.rs", "mod foundation;\nmod render;\nmod extra;\npub use render::chart;\n");
    write("extra.rs", "pub fn e() {}\n");
    write("foundation/fs.rs", "pub fn f() -> &'static str { crate::chart() }\n");
    let graph = Graph::read(&[&dir.join("lib.rs")]);
    let problems = graph.layer_problems(&layers);
    assert!(
        problems.contains(
            &"`foundation::fs` names the crate root: import from the defining module".to_owned()
        ) && problems.contains(&"`extra` is in no layer: add it to the table".to_owned()),
        "{problems:#?}"
    );
    write("lib.rs", "mod foundation;\nmod render;\npub use render::chart;\n");
    write("foundation/fs.rs", "use crate::render::values::V;\n");
    let graph = Graph::read(&[&dir.join("lib.rs")]);
    assert_eq!(
        graph.layer_problems(&layers),
        ["`foundation::fs` (layer 0) names `render::values` (layer 2)"]
    );
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn show(module: &Module) -> String {
    if module.is_empty() {
        "the crate root".into()
    } else {
        module.join("::")
    }
}

impl Graph {
    /// The modules reachable from `roots` (one crate's root file) and what
    /// each names, resolved to modules.
    fn read(roots: &[&Path]) -> Graph {
        let mut files = BTreeMap::new();
        for root in roots {
            let dir = root.parent().unwrap();
            collect_files(Vec::new(), root, dir, &mut files);
        }
        let modules: BTreeSet<Module> = files.keys().cloned().collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let mut paths = Paths::default();
            for item in ast.items.iter().filter(|item| !is_test(item)) {
                paths.visit_item(item);
            }
            let targets = paths
                .found
                .iter()
                .filter_map(|path| resolve(module, path, &modules))
                .filter(|target| target != module && !target.starts_with(module))
                .collect();
            edges.insert(module.clone(), targets);
        }
        Graph { edges }
    }

    /// Every edge from a layer to one above it, and every module outside the
    /// layers (the root excepted, which nothing may name).
    fn layer_problems(&self, layers: &[(&str, usize)]) -> Vec<String> {
        let layer = |module: &Module| {
            let top = module.first()?;
            layers.iter().find(|(name, _)| name == top).map(|(_, layer)| *layer)
        };
        let mut out = Vec::new();
        for (from, targets) in &self.edges {
            if from.is_empty() {
                continue;
            }
            let Some(own) = layer(from) else {
                out.push(format!("`{}` is in no layer: add it to the table", show(from)));
                continue;
            };
            for to in targets {
                match layer(to) {
                    None => out.push(format!(
                        "`{}` names {}: import from the defining module",
                        show(from),
                        show(to)
                    )),
                    Some(theirs) if theirs > own => out.push(format!(
                        "`{}` (layer {own}) names `{}` (layer {theirs})",
                        show(from),
                        show(to)
                    )),
                    Some(_) => {}
                }
            }
        }
        out
    }

    /// The strongly connected components of more than one module (Tarjan's
    /// algorithm), each sorted.
    fn cycles(&self) -> Vec<Vec<String>> {
        struct State<'a> {
            graph: &'a Graph,
            index: BTreeMap<&'a Module, usize>,
            low: BTreeMap<&'a Module, usize>,
            stack: Vec<&'a Module>,
            on_stack: BTreeSet<&'a Module>,
            out: Vec<Vec<String>>,
        }
        fn connect<'a>(s: &mut State<'a>, v: &'a Module) {
            let n = s.index.len();
            s.index.insert(v, n);
            s.low.insert(v, n);
            s.stack.push(v);
            s.on_stack.insert(v);
            for w in &s.graph.edges[v] {
                let Some((w, _)) = s.graph.edges.get_key_value(w) else { continue };
                if !s.index.contains_key(w) {
                    connect(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
            if s.low[v] == s.index[v] {
                let mut component = Vec::new();
                while let Some(w) = s.stack.pop() {
                    s.on_stack.remove(w);
                    component.push(show(w));
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    s.out.push(component);
                }
            }
        }
        let mut state = State {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !state.index.contains_key(v) {
                connect(&mut state, v);
            }
        }
        state.out.sort();
        state.out
    }
}

/// `module`'s file and, through its `mod name;` items, its descendants'.
fn collect_files(module: Module, file: &Path, dir: &Path, out: &mut BTreeMap<Module, PathBuf>) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    out.insert(module.clone(), file.to_owned());
    for item in &ast.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.content.is_some() || is_test(item) {
            continue;
        }
        let name = m.ident.to_string();
        let child_dir = dir.join(&name);
        let child = [dir.join(format!("{name}.rs")), child_dir.join("mod.rs")]
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{}: no file for `mod {name}`", file.display()));
        let mut path = module.clone();
        path.push(name);
        collect_files(path, &child, &child_dir, out);
    }
}

fn is_test(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Const(c) => &c.attrs,
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Macro(m) => &m.attrs,
        _ => return false,
    };
    // `cfg(test)` and `cfg(all(test, …))`; not `cfg(not(test))`.
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                let cfg = l.tokens.to_string();
                cfg == "test"
                    || (cfg.starts_with("all") && cfg.contains("(test") && !cfg.contains("not"))
            })
    })
}

/// Every path a file names, as its segments (`use` trees flattened; paths
/// in macro tokens as far as `crate`/`super`/`self` and the idents after).
#[derive(Default)]
struct Paths {
    found: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        fn flatten(prefix: &[String], tree: &syn::UseTree, out: &mut Vec<Vec<String>>) {
            let with = |name: &syn::Ident| {
                let mut p = prefix.to_vec();
                p.push(name.to_string());
                p
            };
            match tree {
                syn::UseTree::Path(p) => flatten(&with(&p.ident), &p.tree, out),
                syn::UseTree::Name(n) => out.push(with(&n.ident)),
                syn::UseTree::Rename(r) => out.push(with(&r.ident)),
                syn::UseTree::Glob(_) => out.push(prefix.to_vec()),
                syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten(prefix, t, out)),
            }
        }
        flatten(&[], &item.tree, &mut self.found);
    }

    /// `pub(crate)` names no module.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.found.push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let tokens: Vec<String> =
            mac.tokens.clone().into_iter().flat_map(flatten_tokens).filter(|t| t != ":").collect();
        for (i, token) in tokens.iter().enumerate() {
            if matches!(token.as_str(), "crate" | "super" | "self") {
                let mut path = vec![token.clone()];
                path.extend(
                    tokens[i + 1..]
                        .iter()
                        .take_while(|t| t.chars().all(|c| c.is_alphanumeric() || c == '_'))
                        .cloned(),
                );
                self.found.push(path);
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// A token tree's tokens in order, groups opened.
fn flatten_tokens(tree: proc_macro2::TokenTree) -> Vec<String> {
    match tree {
        proc_macro2::TokenTree::Group(g) => {
            let mut out = vec!["(".to_owned()];
            out.extend(g.stream().into_iter().flat_map(flatten_tokens));
            out.push(")".into());
            out
        }
        other => vec![other.to_string()],
    }
}

/// The module a path in `from` names: the longest module that prefixes its
/// absolute form; the root for a `crate::` path naming a root item. Paths
/// that name no module of this crate (std, other crates, locals) give `None`.
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut absolute: Vec<String> = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "super" => from[..from.len().checked_sub(1)?].to_vec(),
        "self" => from.clone(),
        // A bare name: a child module of this one (`mod x;` then `x::f`).
        first => {
            let mut child = from.clone();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
            from.clone()
        }
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        while rest.first().map(String::as_str) == Some("super") {
            absolute.pop();
            rest = &rest[1..];
        }
    } else if !matches!(path[0].as_str(), "crate" | "self") {
        rest = path;
    }
    absolute.extend(rest.iter().cloned());
    (0..=absolute.len()).rev().map(|n| absolute[..n].to_vec()).find(|m| modules.contains(m))
}
