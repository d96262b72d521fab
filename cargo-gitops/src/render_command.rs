//! `cargo gitops render` and `cargo gitops diff`: what would be applied,
//! rendered natively (no Helm) by the crate's build script in its `render`
//! mode (see `gitops_gen::build_script`), which answers with every release's
//! objects as JSON.
//!
//! `diff --base REV` renders the working tree and REV (checked out apart in
//! a temporary Git worktree, built in `<target>/gitops-diff-base`) and
//! compares them release by release, object by object, field by field.

use crate::build_command::{ask, Crate};
use crate::Error;
use gitops_gen::build_script as gen_vars;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `cargo gitops render`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    krate: Crate,
    /// Render this environment's releases (values-ENV.yaml, its cluster's file, its pin)
    #[arg(long, value_name = "NAME", conflicts_with = "values")]
    env: Option<String>,
    /// Only this fleet cluster's release of the environment
    #[arg(long, value_name = "NAME", requires = "env")]
    cluster: Option<String>,
    /// Values files, merged in order on top of the chart's defaults (as `helm template -f`)
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// The release name, for -f [default: the chart's name; an
    /// environment's is its controllers']
    #[arg(long, value_name = "NAME", conflicts_with = "env")]
    release: Option<String>,
    /// The namespace, for -f [default: `default`; an environment's is its own]
    #[arg(long, value_name = "NAME", conflicts_with = "env")]
    namespace: Option<String>,
}

/// `cargo gitops diff`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    krate: Crate,
    /// The revision to compare with (a branch, tag or commit: the pull request's base)
    #[arg(long, value_name = "REV")]
    base: String,
    /// Markdown for a pull request comment, or JSON
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// One release as the build script answered it.
#[derive(Debug, Clone)]
pub(crate) struct Release {
    pub environment: Option<String>,
    pub cluster: Option<String>,
    pub production: bool,
    pub release: String,
    pub namespace: String,
    pub stream: String,
    /// (kind/name, object), in `helm template`'s order.
    pub objects: Vec<(String, Value)>,
}

impl Release {
    /// `env`, `env on cluster`, or `values`.
    pub fn label(&self) -> String {
        crate::policy::release_label(self.environment.as_deref(), self.cluster.as_deref())
    }
}

/// Asks the build script of the crate (at `manifest`, else found as cargo
/// finds it) to render `values` (`None`: every environment's releases).
pub(crate) fn render(
    command: &'static str,
    package: &str,
    manifest: Option<&Path>,
    values: Option<&[PathBuf]>,
    release: Option<&str>,
    namespace: Option<&str>,
    target_dir: Option<&Path>,
) -> Result<Vec<Release>, Error> {
    let out = tempfile::Builder::new()
        .prefix("cargo-gitops-render.")
        .tempfile()
        .map_err(|source| Error::Receipt { command, source })?;
    let request = json!({
        "values": values.map(|v| v.iter().map(|p| crate::manifest::absolute(p)).collect::<Vec<_>>()),
        "release": release, "namespace": namespace, "out": out.path(),
    });
    let mut vars = vec![(gen_vars::RENDER, OsString::from(request.to_string()))];
    if let Some(dir) = target_dir {
        vars.push(("CARGO_TARGET_DIR", dir.as_os_str().to_owned()));
    }
    ask("render", package, manifest, &vars).map_err(|e| e.during(command))?;
    let text = std::fs::read_to_string(out.path())
        .map_err(|source| Error::Io { path: out.path().to_owned(), source })?;
    let answer: Value = serde_json::from_str(&text)
        .map_err(|e| Error::BadAnswer { command, message: e.to_string() })?;
    let field = |r: &Value, key: &str| r[key].as_str().map(str::to_owned);
    Ok(answer["renders"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| Release {
            environment: field(r, "environment"),
            cluster: field(r, "cluster"),
            production: r["production"] == true,
            release: field(r, "release").unwrap_or_default(),
            namespace: field(r, "namespace").unwrap_or_default(),
            stream: field(r, "stream").unwrap_or_default(),
            objects: r["objects"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|o| (object_id(&o["object"]), o["object"].clone()))
                .collect(),
        })
        .collect())
}

/// `Kind/name` (with `namespace/` before the name when the object sets one).
fn object_id(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    match text("/metadata/namespace") {
        "" => format!("{}/{}", text("/kind"), text("/metadata/name")),
        ns => format!("{}/{ns}/{}", text("/kind"), text("/metadata/name")),
    }
}

/// Runs `render`.
pub(crate) fn run_render(args: RenderArgs) -> Result<(), Error> {
    let (package, manifest) = args.krate.resolve("render")?;
    // Every environment (then one picked), or the -f files (none: the defaults).
    let values = args.env.is_none().then_some(args.values.as_slice());
    let releases = render(
        "render",
        &package,
        manifest.as_deref(),
        values,
        args.release.as_deref(),
        args.namespace.as_deref(),
        None,
    )?;
    let chosen: Vec<&Release> = match &args.env {
        None => releases.iter().collect(),
        Some(env) => pick(&releases, env, args.cluster.as_deref())?,
    };
    for (i, release) in chosen.iter().enumerate() {
        if chosen.len() > 1 {
            println!("{}# Release: {}", if i > 0 { "---\n" } else { "" }, release.label());
        }
        print!("{}", release.stream);
    }
    Ok(())
}

/// The releases of `env` (on `cluster`), or an error naming what exists.
fn pick<'a>(
    releases: &'a [Release],
    env: &str,
    cluster: Option<&str>,
) -> Result<Vec<&'a Release>, Error> {
    let of_env: Vec<&Release> =
        releases.iter().filter(|r| r.environment.as_deref() == Some(env)).collect();
    if of_env.is_empty() {
        let mut known: Vec<&str> =
            releases.iter().filter_map(|r| r.environment.as_deref()).collect();
        known.dedup();
        return Err(Error::UnknownEnvironment {
            name: env.to_owned(),
            suggestion: gitops_model::naming::nearest(env, known.iter().copied())
                .map(str::to_owned),
            known: known.iter().map(|k| (*k).to_owned()).collect(),
        });
    }
    match cluster {
        None => Ok(of_env),
        Some(cluster) => {
            let on: Vec<&Release> =
                of_env.iter().copied().filter(|r| r.cluster.as_deref() == Some(cluster)).collect();
            if on.is_empty() {
                let known: Vec<String> = of_env.iter().filter_map(|r| r.cluster.clone()).collect();
                return Err(Error::UnknownCluster {
                    environment: env.to_owned(),
                    name: cluster.to_owned(),
                    suggestion: gitops_model::naming::nearest(
                        cluster,
                        known.iter().map(String::as_str),
                    )
                    .map(str::to_owned),
                    known,
                });
            }
            Ok(on)
        }
    }
}

/// One changed field: its path, its value before and after (`null`: absent).
type FieldChange = (String, Value, Value);

/// What changed in one release.
#[derive(Debug, Default)]
struct ReleaseDiff {
    label: String,
    production: bool,
    added: Vec<String>,
    removed: Vec<String>,
    /// Each changed object and its changed fields.
    changed: Vec<(String, Vec<FieldChange>)>,
}

impl ReleaseDiff {
    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Runs `diff`: exit status 0 when no production release changes, 2 when
/// one does (so CI can ask for an approval), 1 on failure.
pub(crate) fn run_diff(args: DiffArgs) -> Result<ExitCode, Error> {
    let (package, manifest) = args.krate.resolve("diff")?;
    let manifest_path = match &manifest {
        Some(path) => path.clone(),
        None => crate::manifest::manifest_path(None, crate::manifest::Find::Upward)?,
    };
    let crate_dir = manifest_path.parent().map(Path::to_owned).unwrap_or_default();
    let base = BaseCheckout::new(&crate_dir, &args.base)?;
    let head = render("diff", &package, manifest.as_deref(), None, None, None, None)?;
    let base_manifest = base.dir.join(&base.prefix).join("Cargo.toml");
    // The base is built into a target directory of its own, kept inside
    // the working tree's so that the next diff finds it warm. Not the
    // working tree's own: cargo names a workspace's crates by their path
    // inside the workspace, so two checkouts' builds would overwrite each
    // other's there.
    let target_dir = target_dir(&crate_dir)?.join("gitops-diff-base");
    eprintln!("cargo gitops diff: rendering {package} as of {}", args.base);
    let before =
        render("diff", &package, Some(&base_manifest), None, None, None, Some(&target_dir))
            .map_err(|e| Error::BadBase {
                rev: args.base.clone(),
                message: format!("rendering the base failed (a base older than `cargo gitops render` cannot render): {e}"),
            })?;
    let diffs = compare(&before, &head);
    let production = diffs.iter().any(|d| d.production && !d.is_empty());
    match args.format {
        Format::Markdown => print!("{}", markdown(&args.base, &diffs)),
        Format::Json => println!("{:#}", to_json(&args.base, &diffs, production)),
    }
    Ok(if production { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// The target directory cargo builds the crate at `crate_dir` into.
fn target_dir(crate_dir: &Path) -> Result<PathBuf, Error> {
    let cargo = std::env::var_os("CARGO").map(PathBuf::from).unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(&cargo)
        .current_dir(crate_dir)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output()
        .map_err(|source| Error::RunCargo { command: "diff", cargo: cargo.clone(), source })?;
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    match metadata["target_directory"].as_str() {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Err(Error::CargoFailed {
            command: "diff",
            package: crate_dir.display().to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim_end().to_owned(),
        }),
    }
}

/// REV checked out in a temporary Git worktree, removed when dropped.
struct BaseCheckout {
    repo: PathBuf,
    dir: PathBuf,
    /// The crate's directory inside the repository.
    prefix: String,
    _temp: tempfile::TempDir,
}

impl BaseCheckout {
    fn new(crate_dir: &Path, rev: &str) -> Result<BaseCheckout, Error> {
        let git = gitops_gen::foundation::git::Git::new();
        let fail = |message: String| Error::BadBase { rev: rev.to_owned(), message };
        if rev.is_empty() || rev.starts_with('-') {
            return Err(fail("not a revision".into()));
        }
        let repo = git.run(crate_dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
            fail(format!("{} is not in a Git repository: {e}", crate_dir.display()))
        })?;
        let repo = PathBuf::from(repo.trim());
        git.run(&repo, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map_err(|_| fail("no such commit in this repository (a shallow clone may need `git fetch` of it)".into()))?;
        let prefix = git
            .run(crate_dir, &["rev-parse", "--show-prefix"])
            .map_err(|e| fail(e.to_string()))?
            .trim()
            .to_owned();
        let temp = tempfile::Builder::new()
            .prefix("cargo-gitops-base.")
            .tempdir()
            .map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
        let dir = temp.path().join("base");
        git.run(&repo, &["worktree", "add", "--detach", "--quiet", &dir.to_string_lossy(), rev])
            .map_err(|e| fail(e.to_string()))?;
        Ok(BaseCheckout { repo, dir, prefix, _temp: temp })
    }
}

impl Drop for BaseCheckout {
    fn drop(&mut self) {
        let git = gitops_gen::foundation::git::Git::new();
        let _ =
            git.run(&self.repo, &["worktree", "remove", "--force", &self.dir.to_string_lossy()]);
    }
}

/// Release by release (matched by environment and cluster), object by object.
fn compare(before: &[Release], after: &[Release]) -> Vec<ReleaseDiff> {
    let key = |r: &Release| (r.environment.clone(), r.cluster.clone());
    let old: BTreeMap<_, &Release> = before.iter().map(|r| (key(r), r)).collect();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for release in after {
        seen.push(key(release));
        let empty = Release { objects: Vec::new(), ..release.clone() };
        let was = old.get(&key(release)).copied().unwrap_or(&empty);
        out.push(diff_release(release.label(), release.production, was, release));
    }
    for release in before.iter().filter(|r| !seen.contains(&key(r))) {
        let gone = Release { objects: Vec::new(), ..release.clone() };
        out.push(diff_release(
            format!("{} (removed)", release.label()),
            release.production,
            release,
            &gone,
        ));
    }
    out
}

fn diff_release(label: String, production: bool, before: &Release, after: &Release) -> ReleaseDiff {
    let old: BTreeMap<&str, &Value> =
        before.objects.iter().map(|(id, o)| (id.as_str(), o)).collect();
    let new: BTreeMap<&str, &Value> =
        after.objects.iter().map(|(id, o)| (id.as_str(), o)).collect();
    let mut diff = ReleaseDiff { label, production, ..Default::default() };
    for (id, object) in &new {
        match old.get(id) {
            None => diff.added.push((*id).to_owned()),
            Some(was) if was != object => {
                let mut fields = Vec::new();
                field_changes(was, object, String::new(), &mut fields);
                diff.changed.push(((*id).to_owned(), fields));
            }
            Some(_) => {}
        }
    }
    diff.removed =
        old.keys().filter(|id| !new.contains_key(*id)).map(|id| (*id).to_owned()).collect();
    diff
}

/// Every changed leaf between `a` and `b` as (path, before, after); a key
/// missing on one side is `null` there.
fn field_changes(a: &Value, b: &Value, path: String, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let (p, q) =
                    (x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null));
                if p != q {
                    field_changes(p, q, format!("{path}.{key}"), out);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    field_changes(p, q, format!("{path}[{i}]"), out);
                }
            }
        }
        _ => out.push((path, a.clone(), b.clone())),
    }
}

/// Fields listed per changed object; the rest are counted.
const FIELDS_SHOWN: usize = 20;

fn markdown(base: &str, diffs: &[ReleaseDiff]) -> String {
    let changed: Vec<&ReleaseDiff> = diffs.iter().filter(|d| !d.is_empty()).collect();
    let mut out = format!("## What this change does to each release (against `{base}`)\n\n");
    if changed.is_empty() {
        out.push_str("No release changes.\n");
        return out;
    }
    for d in &changed {
        let prod = if d.production { " — **production**" } else { "" };
        out.push_str(&format!("### {}{prod}\n\n", d.label));
        for id in &d.added {
            out.push_str(&format!("- added `{id}`\n"));
        }
        for id in &d.removed {
            out.push_str(&format!("- removed `{id}`\n"));
        }
        for (id, fields) in &d.changed {
            out.push_str(&format!("- changed `{id}`\n"));
            for (path, before, after) in fields.iter().take(FIELDS_SHOWN) {
                out.push_str(&format!("  - `{path}`: `{}` → `{}`\n", short(before), short(after)));
            }
            if fields.len() > FIELDS_SHOWN {
                out.push_str(&format!("  - and {} more fields\n", fields.len() - FIELDS_SHOWN));
            }
        }
        out.push('\n');
    }
    let unchanged = diffs.len() - changed.len();
    if unchanged > 0 {
        out.push_str(&format!("{unchanged} other release(s) unchanged.\n"));
    }
    out
}

/// A value on one line, cut at 80 characters; backticks escaped for Markdown.
fn short(value: &Value) -> String {
    let text = value.to_string().replace('`', "'");
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

fn to_json(base: &str, diffs: &[ReleaseDiff], production: bool) -> Value {
    let releases: Vec<Value> = diffs
        .iter()
        .map(|d| {
            json!({
                "release": d.label, "production": d.production,
                "added": d.added, "removed": d.removed,
                "changed": d.changed.iter().map(|(id, fields)| json!({
                    "object": id,
                    "fields": fields.iter().map(|(p, b, a)| json!({"path": p, "before": b, "after": a})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"base": base, "production_changed": production, "releases": releases})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(env: &str, production: bool, objects: Vec<Value>) -> Release {
        Release {
            environment: Some(env.into()),
            cluster: None,
            production,
            release: "a".into(),
            namespace: "a".into(),
            stream: String::new(),
            objects: objects.into_iter().map(|o| (object_id(&o), o)).collect(),
        }
    }

    #[test]
    fn changes_are_found_per_release_object_and_field() {
        let dep = |replicas: u32| json!({"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": replicas}});
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "a"}});
        let before =
            [release("dev", false, vec![dep(1), cm.clone()]), release("prod", true, vec![dep(3)])];
        let after = [release("dev", false, vec![dep(2)]), release("prod", true, vec![dep(3)])];
        let diffs = compare(&before, &after);
        assert_eq!(diffs[0].removed, ["ConfigMap/a"]);
        assert_eq!(diffs[0].changed[0].1, [(".spec.replicas".to_owned(), json!(1), json!(2))]);
        assert!(diffs[1].is_empty());
        let text = markdown("main", &diffs);
        assert!(
            text.contains("### dev\n") && text.contains("`.spec.replicas`: `1` → `2`"),
            "{text}"
        );
        assert!(!text.contains("production"), "{text}");
    }
}
