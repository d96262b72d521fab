//! The chart's templates, one Rust file per generated file, named after it
//! (`deployment.rs` writes `templates/deployment.yaml`; `test_connection.rs`
//! the `helm test` pod, `templates/tests/test-connection.yaml`). Resources are
//! [`template`](crate::foundation::template) trees; `_helpers.tpl` and `NOTES.txt` are
//! fixed Go-template text from the `.tpl` files here (`helpers*.tpl`,
//! `notes*.tpl`) plus the few lines a config adds. Which templates a config
//! gets is decided in `render/mod.rs`. What they share (names, metadata, the
//! config's values paths) is in this file; every other `.Values` path is a
//! [`keys`](crate::render::values::keys) constant.

mod canary;
mod configmap;
mod deployment;
mod externalsecret;
mod helpers;
mod hpa;
mod httproute;
mod ingress;
mod migration;
mod monitor;
mod networkpolicy;
mod notes;
mod pdb;
mod rbac;
mod sealedsecret;
mod service;
mod serviceaccount;
mod test_connection;

pub use canary::{rollout, Canary, ROLLOUT_FILE};
pub use configmap::{configmap, CONFIGMAP_FILE};
pub use deployment::deployment;
pub use externalsecret::external_secret;
pub use helpers::helpers;
pub use hpa::autoscaler;
pub use httproute::http_route;
pub use ingress::ingress;
pub use migration::{migration, Migration, MIGRATION_FILE};
pub use monitor::{pod_monitor, service_monitor};
pub use networkpolicy::network_policy;
pub use notes::notes;
pub use pdb::pod_disruption_budget;
pub use rbac::{rbac, Rbac, Rule, RBAC_FILE};
pub use sealedsecret::sealed_secret;
pub use service::service;
pub use serviceaccount::service_account;
pub use test_connection::test_connection;

use crate::foundation::template::{entry, expr, go_quote, map, str, Document, Node, Part};
use crate::helm::keys::{self as k, ValuesKey};
use gitops_model::tree::Leaf;

/// The prefix of the annotations the chart itself puts on pods (the image's
/// tag and digest: provenance a label cannot hold, since a digest has `:`).
pub const ANNOTATION_PREFIX: &str = "gitops-rs.io/";

/// The placeholder of the fixed `.tpl` files, replaced by the chart name as
/// in `helm create`'s starters; the only substitution they get. A chart name
/// is lower case letters, digits and `-` (`Chart` checks it), so it needs
/// no quoting, inside a Go string literal included.
const CHARTNAME: &str = "<CHARTNAME>";

/// What the templates need to know besides the config tree.
pub struct Names<'a> {
    /// The chart name, which prefixes every helper (`orders.fullname`).
    pub chart: &'a str,
}

impl Names<'_> {
    /// A fixed `.tpl` text for this chart.
    fn fill(&self, tpl: &str) -> String {
        tpl.replace(CHARTNAME, self.chart)
    }
    fn helper(&self, name: &str) -> String {
        format!("{}.{name}", self.chart)
    }
    /// `include "CHART.NAME" CTX`, the helper with context `ctx`.
    fn include_text(&self, name: &str, ctx: &str) -> String {
        format!("include {} {ctx}", go_quote(&self.helper(name)))
    }
    fn include(&self, name: &str) -> Node {
        self.include_from(name, ".")
    }
    /// The helper with context `ctx`: `$` inside a `range`.
    fn include_from(&self, name: &str, ctx: &str) -> Node {
        expr(self.include_text(name, ctx))
    }
    /// Where file delivery mounts the config file's directory.
    fn config_dir(&self) -> String {
        format!("/etc/{}", self.chart)
    }
    /// Where the Secret's files are mounted (unless `secrets.envVars`).
    pub fn secrets_dir(&self) -> String {
        format!("/var/run/secrets/{}", self.chart)
    }
}

/// `.Values.config.a.b`, or `index .Values "config" "a-b"` where a key is
/// not a template identifier.
pub fn values_path(path: &[String]) -> String {
    // Bytes: a non-ASCII character's are none of these.
    let ident = |k: &String| {
        k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if path.iter().all(ident) {
        format!("{}.{}", k::CONFIG, path.join("."))
    } else {
        let keys: Vec<String> = path.iter().map(|k| go_quote(k)).collect();
        format!("(index .Values {} {})", go_quote(k::CONFIG.path()), keys.join(" "))
    }
}

/// Wraps an optional text leaf's part so a null (deleted) value sets nothing
/// and the app keeps its default, which is `None`: an `Option` defaulting
/// to `Some` is a JSON leaf.
fn when_set<T>(leaf: &Leaf, part: Part<T>) -> Part<T> {
    if leaf.optional {
        Part::If(
            format!("not (kindIs \"invalid\" {})", values_path(&leaf.path)),
            vec![part],
            vec![],
        )
    } else {
        part
    }
}

/// `key:` holding the values at `path` as YAML, present only when they are
/// set (an empty `key:` would be null).
fn with_yaml(path: impl ToString, key: &str) -> Part<(String, Node)> {
    Part::With(path.to_string(), vec![entry(key, Node::ToYaml(".".into()))])
}

/// A namespaced resource named and labelled like every other of the chart,
/// with `body` after its metadata.
fn resource(
    names: &Names,
    api_version: &str,
    kind: &str,
    body: Vec<Part<(String, Node)>>,
) -> Document {
    optional_resource(names, None, api_version, kind, None, body)
}

/// [`resource`], rendered only when `guard` holds, with the annotations at
/// the values path `annotations` when set.
fn optional_resource(
    names: &Names,
    guard: Option<ValuesKey>,
    api_version: &str,
    kind: &str,
    annotations: Option<ValuesKey>,
    body: Vec<Part<(String, Node)>>,
) -> Document {
    labelled_resource(names, guard, api_version, kind, annotations, None, body)
}

/// [`optional_resource`], with the user's labels at the values path
/// `labels` after the chart's own.
fn labelled_resource(
    names: &Names,
    guard: Option<ValuesKey>,
    api_version: &str,
    kind: &str,
    annotations: Option<ValuesKey>,
    labels: Option<ValuesKey>,
    body: Vec<Part<(String, Node)>>,
) -> Document {
    let metadata = Metadata { annotations, labels, ..Metadata::of(names) };
    object(names, guard, api_version, kind, metadata, body)
}

/// What a resource's `metadata` holds besides the chart's labels.
struct Metadata {
    name: Node,
    /// In the release's namespace (all but cluster-wide objects).
    namespaced: bool,
    /// Fixed labels after the chart's own.
    fixed_labels: Vec<(&'static str, &'static str)>,
    /// The user's labels and annotations: values paths.
    labels: Option<ValuesKey>,
    annotations: Option<ValuesKey>,
}

impl Metadata {
    /// Named for the release, in its namespace, nothing else.
    fn of(names: &Names) -> Self {
        Metadata {
            name: names.include("fullname"),
            namespaced: true,
            fixed_labels: Vec::new(),
            labels: None,
            annotations: None,
        }
    }
}

/// A resource labelled like every other of the chart, with `body` after its
/// metadata, rendered only when `guard` holds.
fn object(
    names: &Names,
    guard: Option<ValuesKey>,
    api_version: &str,
    kind: &str,
    metadata: Metadata,
    body: Vec<Part<(String, Node)>>,
) -> Document {
    let mut labels = vec![Part::Include(names.helper("labels"))];
    labels.extend(metadata.fixed_labels.iter().map(|(key, value)| entry(key, str(*value))));
    if let Some(path) = metadata.labels {
        labels.push(Part::With(path.to_string(), vec![Part::ToYaml(".".into())]));
    }
    let mut meta = vec![entry("name", metadata.name)];
    if metadata.namespaced {
        meta.push(entry("namespace", expr(".Release.Namespace")));
    }
    meta.push(entry("labels", map(labels)));
    if let Some(path) = metadata.annotations {
        meta.push(with_yaml(path, "annotations"));
    }
    let mut parts = vec![
        entry("apiVersion", str(api_version)),
        entry("kind", str(kind)),
        entry("metadata", map(meta)),
    ];
    parts.extend(body);
    Document { guard: guard.map(|key| key.to_string()), body: parts }
}

/// Several documents as one template file: `header`, then each document,
/// `---` between them (a document whose guard is off leaves an empty one,
/// which Helm skips).
fn join_documents(header: &str, documents: &[Document]) -> String {
    let mut out = String::from(header);
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&document.emit(""));
    }
    out
}

fn selector_labels(names: &Names) -> Node {
    map(vec![entry("matchLabels", map(vec![Part::Include(names.helper("selectorLabels"))]))])
}

/// The Service's backend as Ingress and HTTPRoute reference it from inside
/// a `range`.
fn service_port() -> Node {
    expr(format!("{} | int", k::SERVICE_PORT.rooted()))
}

#[cfg(test)]
mod tests {
    use super::{Canary, Rbac, Rule};
    use crate::render::values;
    use crate::render::{self, ChartInfo};
    use gitops_model::tree::{ConfigTree, Item, Leaf, LeafKind};
    use gitops_model::Delivery;
    use serde_json::json;

    fn leaf(path: &[&str], kind: LeafKind, optional: bool) -> Item {
        Item::Leaf(Leaf {
            path: path.iter().map(|k| k.to_string()).collect(),
            doc: String::new(),
            env: path.join("_").to_uppercase().replace('-', "_"),
            kind,
            optional,
            text: true,
            default: json!(30),
        })
    }

    fn tree(delivery: Delivery, items: Vec<Item>) -> ConfigTree {
        ConfigTree {
            rust_name: "C".into(),
            doc: String::new(),
            probes: Default::default(),
            delivery,
            env_prefix: "APP_".into(),
            items,
            schema: json!({}),
            definitions: None,
        }
    }

    /// Every `.Values.a.b` a generated template reads, `.tpl` text included,
    /// is a key of the values table (or under `config`).
    #[test]
    fn every_values_path_in_the_templates_is_in_the_table() {
        // With every builder extra, so their templates' keys are read too.
        let canary = Canary::new().set_weight(50);
        let rbac = Rbac::new().rule(Rule::new([""], ["configmaps"], ["get"]));
        let info = ChartInfo {
            name: "app",
            version: "0.1.0",
            app_version: "0.1.0",
            image: "app",
            description: None,
            migration: None,
            canary: Some(&canary),
            rbac: Some(&rbac),
            versioned_by_content: false,
        };
        let full = || {
            vec![
                leaf(&["port"], LeafKind::Port { name: "http".into(), metrics: None }, false),
                leaf(
                    &["metricsPort"],
                    LeafKind::Port { name: "metrics".into(), metrics: Some("/metrics".into()) },
                    false,
                ),
                leaf(&["greeting"], LeafKind::Value, true),
                Item::Section {
                    key: "a-b".into(),
                    doc: String::new(),
                    items: vec![leaf(&["a-b", "c"], LeafKind::Value, true)],
                },
                leaf(&["token"], LeafKind::Secret, false),
            ]
        };
        let mut with_shutdown = full();
        with_shutdown.push(leaf(&["grace"], LeafKind::ShutdownTimeout, false));
        let trees = [
            tree(Delivery::Env, full()),
            tree(Delivery::File, with_shutdown),
            tree(Delivery::File, vec![leaf(&["token"], LeafKind::Secret, true)]),
        ];
        let mut seen = 0;
        for tree in trees {
            let values = values::table(&tree, info.image, info.extras());
            for (file, text) in render::chart(&info, tree) {
                if !file.starts_with("templates/") {
                    continue;
                }
                for (at, _) in text.match_indices(".Values") {
                    let rest = &text[at + ".Values".len()..];
                    if rest.starts_with(" \"config\"") {
                        continue;
                    }
                    let path: String = rest
                        .strip_prefix('.')
                        .unwrap_or_else(|| panic!("{file}: `.Values` alone: {rest:.40}"))
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                        .collect();
                    seen += 1;
                    assert!(
                        path == "config"
                            || path.starts_with("config.")
                            || values::has_path(&values, &path),
                        "{file} reads .Values.{path}, which is not in the values table"
                    );
                }
            }
        }
        assert!(seen > 100, "only {seen} paths found");
    }
}
