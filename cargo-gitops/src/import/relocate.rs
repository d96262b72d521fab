//! Stage 1b: the original chart's Kubernetes settings found where the chart
//! keeps them, and moved to where the generated chart keeps them, in every
//! values tree (values.yaml and each values file) before anything is split
//! into chart keys and config.
//!
//! A key is recognised by name and shape, or by its schema's `$ref` to a
//! Kubernetes definition; a name alone is not enough (Reloader's `env` is a
//! map of its own, not a list of `EnvVar`s):
//! - **at the top**, under another name: `env`/`extraEnvs` → `extraEnv`,
//!   `extraVolumes` → `volumes`, `deploymentStrategy` → `strategy`,
//!   `automountServiceAccountToken` → `serviceAccount.automount`, … ([`ALIASES`]);
//! - **in a workload section** (a map holding at least [`SECTION_MIN`] of
//!   the pod's settings, as Reloader's `reloader.deployment`): each setting
//!   by its own name or an alias (`replicas` → `replicaCount`);
//! - **the app's ports kept under `service`** (`service.httpPort`,
//!   `service.metricsPort`) or in a map (`containerPorts: {http: 8080}` →
//!   `httpPort`): moved to the root of the config, where the import makes
//!   each a named container port.
//!
//! A target the tree already has is never overwritten: the key stays where
//! it was and the report says why.

use super::read::{Entry, Node, Schema};
use serde_json::Value;

/// A key moved: from its dotted path in the original chart to its path in
/// the generated chart's values (a chart key, or a config key at the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocation {
    pub from: String,
    pub to: String,
}

/// What a value must look like to be the Kubernetes setting its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A list of objects, each with a string `name` (env vars, volumes,
    /// mounts, containers); empty or null too.
    Named,
    /// A list of objects; empty or null too.
    List,
    /// An object; empty or null too.
    Object,
    Bool,
    Integer,
    String,
}

impl Shape {
    fn fits(self, value: &Value) -> bool {
        let objects = |items: &Vec<Value>, named: bool| {
            items.iter().all(|i| {
                i.as_object().is_some_and(|o| !named || o.get("name").is_some_and(Value::is_string))
            })
        };
        match (self, value) {
            (Shape::Named | Shape::List | Shape::Object, Value::Null) => true,
            (Shape::Named, Value::Array(items)) => objects(items, true),
            (Shape::List, Value::Array(items)) => objects(items, false),
            (Shape::Object, Value::Object(_)) => true,
            (Shape::Bool, Value::Bool(_)) => true,
            (Shape::Integer, Value::Number(n)) => n.as_u64().is_some(),
            (Shape::String, Value::String(_)) => true,
            _ => false,
        }
    }
}

/// The pod's and the Deployment's settings the generated chart has, each
/// under the names charts give it: (names, chart key, shape).
const SETTINGS: &[(&[&str], &str, Shape)] = &[
    (&["replicaCount", "replicas"], "replicaCount", Shape::Integer),
    (&["revisionHistoryLimit"], "revisionHistoryLimit", Shape::Integer),
    (&["strategy", "deploymentStrategy", "updateStrategy"], "strategy", Shape::Object),
    (&["extraEnv", "env", "extraEnvs", "extraEnvVars", "envVars"], "extraEnv", Shape::Named),
    (&["extraEnvFrom", "envFrom", "extraEnvVarsFrom"], "extraEnvFrom", Shape::List),
    (&["volumes", "extraVolumes"], "volumes", Shape::Named),
    (&["volumeMounts", "extraVolumeMounts"], "volumeMounts", Shape::Named),
    (&["initContainers", "extraInitContainers"], "initContainers", Shape::Named),
    (&["dnsPolicy"], "dnsPolicy", Shape::String),
    (&["dnsConfig"], "dnsConfig", Shape::Object),
    (&["hostAliases"], "hostAliases", Shape::List),
    (&["podAnnotations"], "podAnnotations", Shape::Object),
    (&["podLabels"], "podLabels", Shape::Object),
    (&["podSecurityContext"], "podSecurityContext", Shape::Object),
    (&["securityContext", "containerSecurityContext"], "securityContext", Shape::Object),
    (&["resources"], "resources", Shape::Object),
    (&["livenessProbe"], "livenessProbe", Shape::Object),
    (&["readinessProbe"], "readinessProbe", Shape::Object),
    (&["startupProbe"], "startupProbe", Shape::Object),
    (&["nodeSelector"], "nodeSelector", Shape::Object),
    (&["tolerations"], "tolerations", Shape::List),
    (&["affinity"], "affinity", Shape::Object),
    (&["topologySpreadConstraints"], "topologySpreadConstraints", Shape::List),
    (&["priorityClassName"], "priorityClassName", Shape::String),
    (&["terminationGracePeriodSeconds"], "terminationGracePeriodSeconds", Shape::Integer),
    (&["imagePullSecrets"], "imagePullSecrets", Shape::List),
    (&["automountServiceAccountToken"], "serviceAccount.automount", Shape::Bool),
];

/// Top-level keys under another name than the generated chart's, and
/// nested keys of the generated chart's groups under another name: (path in
/// the original, target, shape). Derived from [`SETTINGS`]' aliases, plus
/// these.
const ALIASES: &[(&str, &str, Shape)] =
    &[("serviceAccount.automountServiceAccountToken", "serviceAccount.automount", Shape::Bool)];

/// How many pod settings make a map a workload section.
const SECTION_MIN: usize = 3;

/// Kubernetes definitions a schema's `$ref` may name, and the chart key
/// that holds one (a list of them for the list keys).
const DEFINITIONS: &[(&str, &str)] = &[
    ("io.k8s.api.core.v1.EnvVar", "extraEnv"),
    ("io.k8s.api.core.v1.EnvFromSource", "extraEnvFrom"),
    ("io.k8s.api.core.v1.Volume", "volumes"),
    ("io.k8s.api.core.v1.VolumeMount", "volumeMounts"),
    ("io.k8s.api.core.v1.Toleration", "tolerations"),
    ("io.k8s.api.core.v1.Affinity", "affinity"),
    ("io.k8s.api.core.v1.ResourceRequirements", "resources"),
    ("io.k8s.api.core.v1.PodSecurityContext", "podSecurityContext"),
    ("io.k8s.api.core.v1.SecurityContext", "securityContext"),
    ("io.k8s.api.core.v1.TopologySpreadConstraint", "topologySpreadConstraints"),
    ("io.k8s.api.core.v1.PodDNSConfig", "dnsConfig"),
    ("io.k8s.api.core.v1.HostAlias", "hostAliases"),
    ("io.k8s.api.apps.v1.DeploymentStrategy", "strategy"),
];

/// Fields only a pod's security context has, and only a container's.
const POD_ONLY: &[&str] = &["fsGroup", "fsGroupChangePolicy", "supplementalGroups", "sysctls"];
const CONTAINER_ONLY: &[&str] = &[
    "capabilities",
    "allowPrivilegeEscalation",
    "privileged",
    "readOnlyRootFilesystem",
    "procMount",
];

/// What values.yaml calls for: the relocations, and the keys that stay
/// where they are because their target is set already (each as
/// `from` → `to`, for the report).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub relocations: Vec<Relocation>,
    pub blocked: Vec<String>,
}

impl Found {
    /// Takes `from` → `to` unless `to` is set in `values` or taken already.
    fn offer(&mut self, values: &Value, from: String, to: &str) {
        if self.relocations.iter().any(|r| r.to == to) || has_path(values, to) {
            self.blocked.push(format!("`{from}` (`{to}` is set already)"));
        } else {
            self.relocations.push(Relocation { from, to: to.to_owned() });
        }
    }
}

impl Relocation {
    /// Where the value at the dotted `path` of the original chart is now,
    /// when this relocation moved it (it or a key inside it).
    pub fn moved(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix(self.from.as_str())?;
        (rest.is_empty() || rest.starts_with('.')).then(|| format!("{}{rest}", self.to))
    }
}

/// Every relocation `defaults` (values.yaml) calls for. `is_chart_key`
/// says which top-level keys the generated chart has under their own name.
pub(crate) fn find(
    defaults: &Node,
    schema: Option<&Schema>,
    is_chart_key: impl Fn(&str) -> bool,
) -> Found {
    let values = defaults.to_json();
    let mut found = Found::default();
    // Top-level aliases, by name and shape or by the schema's `$ref`.
    for entry in defaults.entries() {
        let key = entry.key.as_str();
        if is_chart_key(key) {
            continue;
        }
        let value = entry.node.to_json();
        let by_name = SETTINGS
            .iter()
            .find(|(names, target, shape)| {
                names.contains(&key) && key != *target && shape.fits(&value)
            })
            .map(|(_, target, _)| *target);
        let by_ref = schema.and_then(|s| referenced_key(s, key, &value));
        if let Some(target) = by_name.or(by_ref) {
            found.offer(&values, key.to_owned(), target);
        }
    }
    for (from, target, shape) in ALIASES {
        if path_value(&values, from).is_some_and(|v| shape.fits(v)) {
            found.offer(&values, (*from).to_owned(), target);
        }
    }
    // The app's ports under `service`.
    if let Some(service) = values.get("service").and_then(Value::as_object) {
        for (key, value) in service {
            let named_port = key.len() > 4
                && key.ends_with("Port")
                && !["nodePort", "targetPort"].contains(&key.as_str());
            if named_port && value.as_u64().is_some_and(|p| (1..=65535).contains(&p)) {
                found.offer(&values, format!("service.{key}"), key);
            }
        }
    }
    // The app's ports as a map of their own (`containerPorts: {http: 8080}`).
    if let Some(ports) = values.get("containerPorts").and_then(Value::as_object) {
        for (name, value) in ports {
            let valid = value.as_u64().is_some_and(|p| (1..=65535).contains(&p));
            if valid && name.chars().all(|c| c.is_ascii_alphanumeric()) {
                found.offer(&values, format!("containerPorts.{name}"), &format!("{name}Port"));
            }
        }
    }
    // One workload section: the first map, depth first, with enough pod settings.
    if let Some(section) = workload_section(defaults, "") {
        let fields =
            path_value(&values, &section).and_then(Value::as_object).cloned().unwrap_or_default();
        let container_context = fields.contains_key("containerSecurityContext");
        for (key, value) in &fields {
            let Some((_, target, _)) = SETTINGS
                .iter()
                .find(|(names, _, shape)| names.contains(&key.as_str()) && shape.fits(value))
            else {
                continue;
            };
            // A section's `securityContext` is the pod's when the section
            // has a container one beside it, or when its fields say so.
            let target = match (*target, key.as_str()) {
                ("securityContext", "securityContext")
                    if container_context || is_pod_context(value) =>
                {
                    "podSecurityContext"
                }
                ("securityContext", "securityContext") if !is_container_context(value) => continue,
                (target, _) => target,
            };
            found.offer(&values, format!("{section}.{key}"), target);
        }
    }
    found
}

fn is_pod_context(value: &Value) -> bool {
    value.as_object().is_some_and(|o| o.keys().any(|k| POD_ONLY.contains(&k.as_str())))
}

fn is_container_context(value: &Value) -> bool {
    value.as_object().is_some_and(|o| o.keys().any(|k| CONTAINER_ONLY.contains(&k.as_str())))
}

/// The chart key a top-level key's schema names by `$ref` (its own, or its
/// items' for a list), when the value has that shape.
fn referenced_key(schema: &Schema, key: &str, value: &Value) -> Option<&'static str> {
    let own = schema.root().get("properties").and_then(|p| p.get(key))?;
    let reference = |s: &Value| s.get("$ref").and_then(Value::as_str).map(str::to_owned);
    let named = reference(own).or_else(|| own.get("items").and_then(reference))?;
    let (_, target) = DEFINITIONS.iter().find(|(definition, _)| named.ends_with(definition))?;
    let (_, _, shape) = SETTINGS.iter().find(|(_, t, _)| t == target)?;
    shape.fits(value).then_some(*target)
}

/// The dotted path of the first map below the root (depth first) holding
/// at least [`SECTION_MIN`] pod settings by name and shape.
fn workload_section(node: &Node, prefix: &str) -> Option<String> {
    for entry in node.entries() {
        let Node::Map(entries) = &entry.node else { continue };
        // A map with an image of its own is another container (a metrics
        // exporter, a sidecar): its settings are not the app's.
        if entries.iter().any(|e| e.key == "image") {
            continue;
        }
        let path =
            if prefix.is_empty() { entry.key.clone() } else { format!("{prefix}.{}", entry.key) };
        let settings = entries
            .iter()
            .filter(|e| {
                let value = e.node.to_json();
                SETTINGS
                    .iter()
                    .any(|(names, _, shape)| names.contains(&e.key.as_str()) && shape.fits(&value))
            })
            .count();
        if settings >= SECTION_MIN && (!prefix.is_empty() || !is_generated_group(&entry.key)) {
            return Some(path);
        }
        if let Some(found) = workload_section(&entry.node, &path) {
            return Some(found);
        }
    }
    None
}

/// Top-level groups of the generated chart, never a workload section.
fn is_generated_group(key: &str) -> bool {
    ["serviceAccount", "service", "ingress", "autoscaling", "image"].contains(&key)
}

fn path_value<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}

fn has_path(value: &Value, path: &str) -> bool {
    path_value(value, path).is_some()
}

/// Applies `relocations` to `tree` (values.yaml or a values file): each key
/// found at `from` moves to `to`, creating the maps on the way; an empty
/// map left behind is removed. A `to` the tree already holds is left as it
/// is, and the key stays: its path is returned.
pub(crate) fn apply(tree: &mut Node, relocations: &[Relocation]) -> Vec<String> {
    let mut kept = Vec::new();
    for relocation in relocations {
        let from: Vec<&str> = relocation.from.split('.').collect();
        let to: Vec<&str> = relocation.to.split('.').collect();
        if get(tree, &from).is_none() {
            continue;
        }
        // Set already, or under a parent that is not a map (`serviceAccount: null`).
        let parents = &to[..to.len() - 1];
        let blocked = (1..=parents.len())
            .any(|n| get(tree, &parents[..n]).is_some_and(|e| !matches!(e.node, Node::Map(_))));
        if get(tree, &to).is_some() || blocked {
            kept.push(relocation.from.clone());
            continue;
        }
        let Some(mut entry) = take(tree, &from) else { continue };
        entry.key = to[to.len() - 1].to_owned();
        insert(tree, &to[..to.len() - 1], entry);
    }
    kept
}

fn get<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Entry> {
    let (first, rest) = path.split_first()?;
    let entry = node.get(first)?;
    if rest.is_empty() {
        Some(entry)
    } else {
        get(&entry.node, rest)
    }
}

/// Removes the entry at `path`, and the maps it leaves empty.
fn take(node: &mut Node, path: &[&str]) -> Option<Entry> {
    let Node::Map(entries) = node else { return None };
    let (first, rest) = path.split_first()?;
    let at = entries.iter().position(|e| e.key == *first)?;
    if rest.is_empty() {
        return Some(entries.remove(at));
    }
    let taken = take(&mut entries[at].node, rest);
    if matches!(&entries[at].node, Node::Map(inner) if inner.is_empty()) {
        entries.remove(at);
    }
    taken
}

fn insert(node: &mut Node, parents: &[&str], entry: Entry) {
    let Node::Map(entries) = node else { return };
    match parents.split_first() {
        None => entries.push(entry),
        Some((first, rest)) => {
            let at = match entries.iter().position(|e| e.key == *first) {
                Some(at) => at,
                None => {
                    entries.push(Entry {
                        key: (*first).to_owned(),
                        line: entry.line,
                        doc: String::new(),
                        node: Node::Map(Vec::new()),
                    });
                    entries.len() - 1
                }
            };
            insert(&mut entries[at].node, rest, entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read;

    fn chart_key(key: &str) -> bool {
        [
            "replicaCount",
            "service",
            "serviceAccount",
            "resources",
            "nodeSelector",
            "extraEnv",
            "volumes",
        ]
        .contains(&key)
    }

    fn found(yaml: &str) -> Vec<(String, String)> {
        find(&read::values(yaml).unwrap(), None, chart_key)
            .relocations
            .into_iter()
            .map(|r| (r.from, r.to))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn top_level_keys_by_name_and_shape() {
        assert_eq!(
            found("env: [{name: A, value: b}]\nextraVolumes: []\ndeploymentStrategy: {type: Recreate}\nautomountServiceAccountToken: false\n"),
            pairs(&[("env", "extraEnv"), ("extraVolumes", "volumes"), ("deploymentStrategy", "strategy"), ("automountServiceAccountToken", "serviceAccount.automount")])
        );
        // A map called `env` is the app's own; a target the chart has is not overwritten.
        assert_eq!(found("env: {open: {A: b}}\n"), pairs(&[]));
        assert_eq!(found("extraEnv: []\nenv: []\n"), pairs(&[]));
        assert_eq!(
            found("serviceAccount:\n  automountServiceAccountToken: true\n"),
            pairs(&[("serviceAccount.automountServiceAccountToken", "serviceAccount.automount")])
        );
    }

    #[test]
    fn ports_under_service_move_to_the_config() {
        assert_eq!(
            found(
                "service:\n  port: 80\n  httpPort: 8080\n  metricsPort: 9090\n  nodePort: 30000\n"
            ),
            pairs(&[("service.httpPort", "httpPort"), ("service.metricsPort", "metricsPort")])
        );
    }

    #[test]
    fn a_map_of_ports_moves_to_the_config() {
        assert_eq!(
            found("containerPorts:\n  http: 8080\n  https: 8443\n  bad-name: 1\n"),
            pairs(&[("containerPorts.http", "httpPort"), ("containerPorts.https", "httpsPort")])
        );
    }

    #[test]
    fn a_workload_section_by_its_pod_settings() {
        let yaml = "app:\n  deployment:\n    replicas: 2\n    nodeSelector: {a: b}\n    securityContext: {runAsNonRoot: true}\n    containerSecurityContext: {readOnlyRootFilesystem: true}\n    env: {open: {}}\n    labels: {a: b}\n  logLevel: info\n";
        assert_eq!(
            found(yaml),
            pairs(&[
                ("app.deployment.containerSecurityContext", "securityContext"),
                ("app.deployment.nodeSelector", "nodeSelector"),
                ("app.deployment.replicas", "replicaCount"),
                ("app.deployment.securityContext", "podSecurityContext"),
            ])
        );
        let mut tree = read::values(yaml).unwrap();
        let relocations = find(&tree, None, |k| k == "nodeSelector").relocations;
        assert_eq!(apply(&mut tree, &relocations), Vec::<String>::new());
        let json = tree.to_json();
        assert_eq!(json["replicaCount"], serde_json::json!(2));
        assert_eq!(json["podSecurityContext"], serde_json::json!({"runAsNonRoot": true}));
        assert!(json["app"]["deployment"].get("replicas").is_none());
        assert_eq!(json["app"]["deployment"]["labels"], serde_json::json!({"a": "b"}));
    }

    #[test]
    fn by_a_schema_ref() {
        let schema = read::Schema::parse(r##"{"properties": {"sidecarVolumes": {"type": "array", "items": {"$ref": "#/definitions/io.k8s.api.core.v1.Volume"}}}}"##).unwrap();
        let tree = read::values("sidecarVolumes: [{name: cache, emptyDir: {}}]\n").unwrap();
        let relocations = find(&tree, Some(&schema), |k| k == "nothing").relocations;
        assert_eq!(
            relocations,
            [Relocation { from: "sidecarVolumes".into(), to: "volumes".into() }]
        );
    }

    #[test]
    fn a_blocked_target_is_reported_and_a_sidecar_is_no_workload_section() {
        let found = find(
            &read::values("extraEnv: []\nenv: [{name: A}]\nmetrics:\n  image: {repository: exporter}\n  resources: {}\n  podAnnotations: {}\n  securityContext: {privileged: false}\n").unwrap(),
            None,
            |k| k == "extraEnv",
        );
        assert_eq!(found.relocations, []);
        assert_eq!(found.blocked, ["`env` (`extraEnv` is set already)"]);
        assert_eq!(
            Relocation { from: "a.b".into(), to: "c".into() }.moved("a.b.d").as_deref(),
            Some("c.d")
        );
        assert_eq!(Relocation { from: "a.b".into(), to: "c".into() }.moved("a.bc"), None);
    }

    #[test]
    fn applying_moves_empties_and_keeps_what_is_taken() {
        let mut tree =
            read::values("service:\n  httpPort: 8080\nenv: []\nextraEnv: [{name: A}]\n").unwrap();
        let kept = apply(
            &mut tree,
            &[
                Relocation { from: "service.httpPort".into(), to: "httpPort".into() },
                Relocation { from: "env".into(), to: "extraEnv".into() },
            ],
        );
        assert_eq!(kept, ["env"]);
        // A target under a value that is not a map: kept where it was.
        let mut odd =
            read::values("serviceAccount: null\nautomountServiceAccountToken: false\n").unwrap();
        let to_automount = Relocation {
            from: "automountServiceAccountToken".into(),
            to: "serviceAccount.automount".into(),
        };
        assert_eq!(apply(&mut odd, &[to_automount]), ["automountServiceAccountToken"]);
        assert_eq!(odd.to_json()["automountServiceAccountToken"], serde_json::json!(false));
        let json = tree.to_json();
        assert_eq!(
            json,
            serde_json::json!({"httpPort": 8080, "env": [], "extraEnv": [{"name": "A"}]})
        );
    }
}
