//! The fleet: clusters declared once ([`Cluster`], `Chart::cluster`), each
//! with its labels and what the chart's values need there (its region's
//! image registry, pull secrets, any chart key), and the [`Selector`] by
//! which an environment deploys to a set of them
//! (`Environment::clusters`). Each cluster's values are written to
//! `clusters/<name>.yaml` in the chart directory, read after the
//! environment's values file and before its pin.

use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::k8s::{is_dns_label, is_dns_subdomain, is_label_key, is_label_value};
use crate::helm::keys as k;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The label that says a cluster's region ([`Cluster::region`]).
pub const REGION_LABEL: &str = "region";

/// A cluster of the fleet, under the name the controllers know it by (Argo
/// CD's cluster Secret's `name`, whose labels a [`Selector`] matches).
///
/// ```
/// use gitops_gen::Cluster;
///
/// let beijing = Cluster::new("prod-beijing", "https://beijing.k8s.example.com:6443")
///     .region("beijing")
///     .registry("registry.cn-beijing.example.com")
///     .image_pull_secret("registry-beijing");
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    pub(crate) name: String,
    pub(crate) server: String,
    pub(crate) labels: BTreeMap<String, String>,
    /// Every region it was given, to refuse a second one.
    regions: Vec<String>,
    registry: Option<String>,
    pull_secrets: Vec<String>,
    /// Chart keys by dotted path, in the order they were set.
    pub(crate) values: Vec<(String, Result<Value, String>)>,
}

impl Cluster {
    /// The cluster `name` (a DNS label: it names `clusters/<name>.yaml`
    /// and its Applications), at the API server `server` (as Argo CD knows
    /// it).
    pub fn new(name: impl Into<String>, server: impl Into<String>) -> Self {
        Cluster {
            name: name.into(),
            server: server.into(),
            labels: BTreeMap::new(),
            regions: Vec::new(),
            registry: None,
            pull_secrets: Vec::new(),
            values: Vec::new(),
        }
    }

    /// A label a [`Selector`] can match; Argo CD's cluster Secret must carry
    /// the same (its cluster generator selects by them).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// The cluster's region: the label `region`. A cluster is in one region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        let region = region.into();
        self.regions.push(region.clone());
        self.label(REGION_LABEL, region)
    }

    /// The image registry the cluster pulls from (a host, with a port if
    /// any): the chart's image repository with its registry replaced, e.g.
    /// `ghcr.io/acme/orders` → `registry.cn-beijing.example.com/acme/orders`.
    pub fn registry(mut self, host: impl Into<String>) -> Self {
        self.registry = Some(host.into());
        self
    }

    /// A Secret (of type `kubernetes.io/dockerconfigjson`, in the release's
    /// namespace) with the credentials of the cluster's registry: the pods'
    /// `imagePullSecrets`. Not generated: credentials never go in Git.
    pub fn image_pull_secret(mut self, name: impl Into<String>) -> Self {
        self.pull_secrets.push(name.into());
        self
    }

    /// Sets the chart key at `path` (dotted) on this cluster, as
    /// `Environment::set` does for an environment.
    pub fn set(mut self, path: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).map_err(|e| e.to_string());
        self.values.push((path.into(), value));
        self
    }

    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its API server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Its labels (its region's included), as Argo CD's cluster Secret must
    /// carry them.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// The typed settings as chart keys (the registry needs the chart's
    /// image repository), before the keys set by path.
    pub(crate) fn typed_values(&self, image: &str) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if let Some(registry) = &self.registry {
            let repository = format!("{registry}/{}", image_path(image));
            out.push(("image.repository".to_owned(), json!(repository)));
        }
        if !self.pull_secrets.is_empty() {
            let secrets: Vec<Value> =
                self.pull_secrets.iter().map(|n| json!({"name": n})).collect();
            out.push((k::IMAGE_PULL_SECRETS.path().to_owned(), Value::Array(secrets)));
        }
        out
    }
}

/// The path of an image repository without its registry: the first part
/// names a registry when it has a `.` or a `:`, or is `localhost` (Docker's
/// rule); otherwise the repository is on Docker Hub and has none.
fn image_path(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => repository,
    }
}

/// Which clusters an environment deploys to: all the labels given, and for
/// each key given a set, one of its values (a Kubernetes label selector, as
/// Argo CD's cluster generator reads it).
///
/// ```
/// use gitops_gen::Selector;
///
/// let regional = Selector::new()
///     .label("tier", "prod")
///     .label_in("region", ["beijing", "guangzhou", "singapore"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    labels: BTreeMap<String, String>,
    any_of: BTreeMap<String, BTreeSet<String>>,
}

impl Selector {
    /// No label yet: add at least one (an empty selector is refused, as
    /// Argo CD would take every cluster it knows, its own included).
    pub fn new() -> Self {
        Selector::default()
    }

    /// Clusters labelled `key: value`.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Clusters whose label `key` is one of `values`.
    pub fn label_in<V: Into<String>>(
        mut self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.any_of.entry(key.into()).or_default().extend(values.into_iter().map(Into::into));
        self
    }

    pub(crate) fn matches(&self, cluster: &Cluster) -> bool {
        self.labels.iter().all(|(k, v)| cluster.labels.get(k) == Some(v))
            && self
                .any_of
                .iter()
                .all(|(k, values)| cluster.labels.get(k).is_some_and(|v| values.contains(v)))
    }

    /// `matchLabels` and `matchExpressions` (`In`).
    pub(crate) fn to_k8s(&self) -> Value {
        let mut selector = json!({});
        if !self.labels.is_empty() {
            selector["matchLabels"] = json!(self.labels);
        }
        if !self.any_of.is_empty() {
            let expressions: Vec<Value> = self
                .any_of
                .iter()
                .map(|(key, values)| json!({"key": key, "operator": "In", "values": values}))
                .collect();
            selector["matchExpressions"] = Value::Array(expressions);
        }
        selector
    }

    fn keys_and_values(&self) -> impl Iterator<Item = (&String, &String)> {
        let sets = self.any_of.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)));
        self.labels.iter().chain(sets)
    }
}

/// Every problem of the declared clusters, each naming the cluster and the
/// setting.
pub(crate) fn problems(clusters: &[Cluster]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut servers = BTreeMap::new();
    for cluster in clusters {
        let name = &cluster.name;
        let mut push = |kind, key: &str, message: String| {
            out.push(Problem::new(kind, format!("cluster `{name}`: {message}")).key(key));
        };
        if !is_dns_label(name) {
            push(ProblemKind::InvalidName, "Cluster.name", "the name must be a DNS label (lower case letters, digits and `-`): it names `clusters/<name>.yaml` and the cluster's Applications".into());
        }
        if !seen.insert(name.as_str()) {
            push(ProblemKind::Clash, "Cluster.name", "declared twice".into());
        }
        let server = cluster.server.as_str();
        let host = server.strip_prefix("https://").or_else(|| server.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            push(
                ProblemKind::InvalidSetting,
                "Cluster.server",
                format!("the API server {server:?} is not an http(s) URL"),
            );
        }
        if let Some(other) = servers.insert(server.trim_end_matches('/'), name.as_str()) {
            push(
                ProblemKind::Clash,
                "Cluster.server",
                format!(
                    "the API server {server:?} is cluster `{other}`'s too: one cluster, one name"
                ),
            );
        }
        let regions: BTreeSet<&String> = cluster.regions.iter().collect();
        if regions.len() > 1 {
            let regions: Vec<&str> = regions.iter().map(|r| r.as_str()).collect();
            push(
                ProblemKind::Clash,
                "Cluster.region",
                format!("in two regions ({}): a cluster is in one", regions.join(", ")),
            );
        }
        if let Some(registry) = cluster.registry.as_deref().filter(|r| !is_registry_host(r)) {
            push(ProblemKind::InvalidSetting, "Cluster.registry", format!("the registry {registry:?} is not a host (e.g. `registry.example.com` or `registry.example.com:5000`; no scheme, no path)"));
        }
        for secret in cluster.pull_secrets.iter().filter(|s| !is_dns_subdomain(s)) {
            push(
                ProblemKind::InvalidName,
                "Cluster.image_pull_secret",
                format!("the pull secret {secret:?} is not a valid Secret name"),
            );
        }
        for (key, value) in &cluster.labels {
            if !is_label_key(key) || !is_label_value(value) {
                push(
                    ProblemKind::InvalidName,
                    "Cluster.label",
                    format!("the label `{key}: {value}` is not a valid Kubernetes label"),
                );
            }
        }
    }
    out
}

/// The declared clusters `selector` matches; a problem of `env`'s when
/// none does, or when the selector is not one Kubernetes takes.
pub(crate) fn select<'c>(
    selector: &Selector,
    clusters: &'c [Cluster],
    env: &str,
) -> Result<Vec<&'c Cluster>, Problem> {
    let problem = |message: String| {
        Problem::new(ProblemKind::InvalidSetting, message)
            .key("Environment.clusters")
            .environment(env)
    };
    if let Some((key, value)) =
        selector.keys_and_values().find(|(k, v)| !is_label_key(k) || !is_label_value(v))
    {
        return Err(problem(format!(
            "environment `{env}`: the selector's `{key}: {value}` is not a valid Kubernetes label"
        )));
    }
    if selector.labels.is_empty() && selector.any_of.is_empty() {
        // argo-cd applicationset/generators/cluster.go: with an empty
        // selector the cluster generator takes every cluster, Argo CD's own
        // included.
        return Err(problem(format!("environment `{env}`: its selector names no label, which Argo CD's cluster generator reads as every cluster it knows, its own included: select by label, e.g. `Selector::new().label(\"tier\", \"prod\")`")));
    }
    let selected: Vec<&Cluster> = clusters.iter().filter(|c| selector.matches(c)).collect();
    if selected.is_empty() {
        let declared: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        let declared = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
        return Err(problem(format!("environment `{env}`: its selector {} matches none of the declared clusters ({declared}): declare them with `Chart::cluster`, with the labels the selector asks for", selector.to_k8s())));
    }
    Ok(selected)
}

/// A registry host: DNS labels joined by `.`, an optional port.
fn is_registry_host(registry: &str) -> bool {
    let (host, port) = match registry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    port_ok && !host.is_empty() && host.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_replaces_the_images() {
        let c = Cluster::new("a", "https://a").registry("r.example.com:5000");
        assert_eq!(
            c.typed_values("ghcr.io/acme/orders"),
            [("image.repository".to_owned(), json!("r.example.com:5000/acme/orders"))]
        );
        assert_eq!(image_path("acme/orders"), "acme/orders");
        assert_eq!(image_path("localhost/orders"), "orders");
        assert_eq!(image_path("localhost:5000/a/b"), "a/b");
        assert_eq!(image_path("orders"), "orders");
    }

    #[test]
    fn hosts_and_labels() {
        for ok in ["registry.example.com", "r.example.com:5000", "localhost"] {
            assert!(is_registry_host(ok), "{ok}");
        }
        for bad in ["https://r.example.com", "r.example.com/acme", "R_1.com", "r.example.com:", ""]
        {
            assert!(!is_registry_host(bad), "{bad}");
        }
        assert!(is_label_key("topology.kubernetes.io/region") && is_label_key("region"));
        assert!(!is_label_key("a b") && !is_label_key("/x") && !is_label_value("-x"));
        assert!(is_label_value("") && !is_label_key(""));
    }

    #[test]
    fn selectors_match_every_label_and_one_of_each_set() {
        let bj = Cluster::new("bj", "https://bj").region("beijing").label("tier", "prod");
        let sg = Cluster::new("sg", "https://sg").region("singapore");
        let s = Selector::new().label("tier", "prod").label_in("region", ["beijing", "singapore"]);
        assert!(s.matches(&bj) && !s.matches(&sg));
        assert!(Selector::new().matches(&sg));
        assert_eq!(
            s.to_k8s(),
            json!({"matchLabels": {"tier": "prod"}, "matchExpressions": [{"key": "region", "operator": "In", "values": ["beijing", "singapore"]}]})
        );
        let clusters = [bj, sg];
        let none = select(&Selector::new().label("region", "mars"), &clusters, "prod").unwrap_err();
        assert!(
            none.message.contains("matches none of the declared clusters (bj, sg)"),
            "{}",
            none.message
        );
    }
}
