//! Environments (dev, staging, prod, ...): each one a values file beside
//! values.yaml holding only what differs from it, so a review shows just that,
//! and every value checked at generation by the chart's own schema.
//!
//! The app's keys are set on a real config value (a typo is a compile error);
//! chart keys are set by path, a few common ones through typed methods. The
//! environment's file is the difference between values.yaml and the values
//! the environment wants, which is what Helm gives back when it reads the two
//! in order: a changed key is written whole (lists too, as Helm replaces
//! them), a removed one as `null` (Helm deletes it from a user's values
//! file; Flux reads the same files as user values too, through `valuesFrom`).

use super::fleet::{self, Cluster, Selector};
use super::notifications::Notification;
use crate::foundation::error::{Problem, ProblemKind};
use crate::foundation::k8s::{is_dns_label, IN_CLUSTER};
use crate::foundation::{layout, yaml};
use crate::helm::coalesce::{coalesce, difference, leaf_paths, merge_files, remove_at};
use crate::helm::keys as k;
use crate::helm::verdict::refusals;
use crate::render::values::{Body, Key, Values};
use gitops_model::tree::{set_at, ConfigTree};
use gitops_model::Validator;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One environment the chart is deployed to.
///
/// ```
/// # #[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema, gitops_types::GitOps)]
/// # struct Config { greeting: String }
/// use gitops_gen::Environment;
///
/// let prod = Environment::production("prod")
///     .namespace("orders")
///     .cluster_server("https://prod.k8s.example:6443")
///     .replicas(3)
///     .config(|c: &mut Config| c.greeting = "hello".into())
///     .set("podDisruptionBudget.enabled", true);
/// ```
#[derive(Debug, Clone)]
pub struct Environment {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) cluster: Destination,
    pub(crate) automated: bool,
    /// Made by [`Environment::production`]: `cargo gitops diff` reports
    /// its changes apart.
    pub(crate) production: bool,
    pub(crate) server_side_apply: bool,
    pub(crate) controller: Option<Controller>,
    pub(crate) notifications: Vec<Notification>,
    config: Option<ConfigEdit>,
    /// Chart keys by dotted path, in the order they were set.
    values: Vec<(String, Result<Value, String>)>,
}

/// Where an environment's cluster is, for the GitOps controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The cluster the controller runs in (`https://kubernetes.default.svc`).
    InCluster,
    /// An API server URL, as the controller knows it.
    Server(String),
    /// A cluster by the name the controller knows it under.
    Name(String),
    /// The declared clusters ([`Cluster`]) the selector matches.
    Fleet(Selector),
}

/// The GitOps controller that deploys an environment
/// ([`Environment::controller`]; the chart's are `Controllers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Controller {
    ArgoCd,
    Flux,
}

impl Controller {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Controller::ArgoCd => "Argo CD",
            Controller::Flux => "Flux",
        }
    }
}

/// The environment's config as the typed edits left it, as JSON.
#[derive(Debug, Clone)]
struct ConfigEdit {
    /// `std::any::type_name` of the config type, to match the chart's.
    rust_name: &'static str,
    value: Result<Value, String>,
}

impl Environment {
    /// An environment named `name` (a DNS label: its values file is
    /// `values-<name>.yaml` and it names the controller's resources). Argo CD
    /// syncs it automatically, pruning and self-healing.
    pub fn new(name: impl Into<String>) -> Self {
        Environment {
            name: name.into(),
            namespace: None,
            cluster: Destination::InCluster,
            automated: true,
            production: false,
            server_side_apply: false,
            controller: None,
            notifications: Vec::new(),
            config: None,
            values: Vec::new(),
        }
    }

    /// A production environment: as [`new`](Environment::new), but Argo CD
    /// only reports drift until someone syncs (or
    /// [`automated(true)`](Environment::automated)). Flux has no such gate: it
    /// deploys what the branch holds, so the gate is the merge.
    pub fn production(name: impl Into<String>) -> Self {
        Environment { automated: false, production: true, ..Environment::new(name) }
    }

    /// The namespace the release goes to; default `<chart>-<environment>`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The cluster by its API server URL (Argo CD's destination; Flux runs
    /// in each cluster and applies that environment's directory).
    pub fn cluster_server(mut self, url: impl Into<String>) -> Self {
        self.cluster = Destination::Server(url.into());
        self
    }

    /// The cluster by the name Argo CD knows it under.
    pub fn cluster_name(mut self, name: impl Into<String>) -> Self {
        self.cluster = Destination::Name(name.into());
        self
    }

    /// Every declared cluster (`Chart::cluster`) `selector` matches: one
    /// release per cluster, each with the environment's values, then the
    /// cluster's (`clusters/<name>.yaml`), then the environment's pin.
    pub fn clusters(mut self, selector: Selector) -> Self {
        self.cluster = Destination::Fleet(selector);
        self
    }

    /// Whether Argo CD syncs on its own (prune and self-heal on).
    pub fn automated(mut self, on: bool) -> Self {
        self.automated = on;
        self
    }

    /// Server-side apply (Argo CD's `ServerSideApply=true`).
    pub fn server_side_apply(mut self, on: bool) -> Self {
        self.server_side_apply = on;
        self
    }

    /// The GitOps controller that deploys this environment, when the chart
    /// has both: never both for one environment, which would make two
    /// owners of one release.
    pub fn controller(mut self, controller: Controller) -> Self {
        self.controller = Some(controller);
        self
    }

    /// Notifies a service (Slack, Teams, a webhook, email) of this
    /// environment's deployments: Argo CD's subscription annotations on its
    /// Application, Flux's Provider and Alert in its directory
    /// (docs/environments.md, "Notifications").
    pub fn notify(mut self, notification: Notification) -> Self {
        self.notifications.push(notification);
        self
    }

    /// Edits the app's config for this environment, starting from its
    /// `Default` (or from the previous edit). `T` must be the chart's config
    /// type.
    pub fn config<T>(mut self, edit: impl FnOnce(&mut T)) -> Self
    where
        T: Serialize + DeserializeOwned + Default,
    {
        let rust_name = std::any::type_name::<T>();
        let start = match self.config.take() {
            Some(ConfigEdit { rust_name: previous, value: Ok(value) }) if previous == rust_name => {
                serde_json::from_value(value).map_err(|e| e.to_string())
            }
            Some(other) => {
                // Reported at generation, with the type the chart expects.
                self.config = Some(other);
                return self;
            }
            None => Ok(T::default()),
        };
        let value = start.and_then(|mut config: T| {
            edit(&mut config);
            serde_json::to_value(config).map_err(|e| e.to_string())
        });
        self.config = Some(ConfigEdit { rust_name, value });
        self
    }

    /// Sets the chart key at `path` (dotted, e.g. `ingress.enabled`) to
    /// `value`; `null` removes the chart's default. Checked against the
    /// chart's schema at generation.
    pub fn set(mut self, path: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).map_err(|e| e.to_string());
        self.values.push((path.into(), value));
        self
    }

    /// `replicaCount`.
    pub fn replicas(self, replicas: u32) -> Self {
        self.set(k::REPLICA_COUNT.path(), replicas)
    }

    /// `autoscaling`: on, between `min` and `max` replicas.
    pub fn autoscaling(self, min: u32, max: u32) -> Self {
        self.set(k::AUTOSCALING_ENABLED.path(), true)
            .set(k::AUTOSCALING_MIN_REPLICAS.path(), min)
            .set(k::AUTOSCALING_MAX_REPLICAS.path(), max)
    }

    /// `resources`: the app container's CPU and memory requests, in
    /// Kubernetes quantities (`"250m"`, `"256Mi"`), and a memory limit equal
    /// to the memory request; no CPU limit. That is Burstable QoS: the
    /// request is the app's share when the node is busy, and it may use
    /// idle CPU beyond it, where a CPU limit would throttle it even on an
    /// idle node. [`cpu_limit`](Environment::cpu_limit) sets one; with it
    /// equal to the CPU request the pod is Guaranteed (evicted last).
    /// docs/chart.md, "Resources", has the trade-off.
    pub fn resources(self, cpu: &str, memory: &str) -> Self {
        let resources = k::RESOURCES.path();
        self.set(format!("{resources}.requests.cpu"), cpu)
            .set(format!("{resources}.requests.memory"), memory)
            .set(format!("{resources}.limits.memory"), memory)
    }

    /// `resources.limits.cpu`: a CPU limit (a quantity, `"1"`, `"500m"`),
    /// which the kernel enforces by throttling; at least the CPU request.
    pub fn cpu_limit(self, cpu: &str) -> Self {
        self.set(format!("{}.limits.cpu", k::RESOURCES.path()), cpu)
    }

    /// `resources.limits.memory`: where the kernel stops the container
    /// (OOM), when it is to differ from the memory request.
    pub fn memory_limit(self, memory: &str) -> Self {
        self.set(format!("{}.limits.memory", k::RESOURCES.path()), memory)
    }

    /// An Ingress for `host` at `/`, with TLS from the Secret `tls_secret`
    /// when given.
    pub fn ingress(self, host: &str, tls_secret: Option<&str>) -> Self {
        let hosts =
            serde_json::json!([{"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}]);
        let tls = match tls_secret {
            Some(secret) => serde_json::json!([{"secretName": secret, "hosts": [host]}]),
            None => serde_json::json!([]),
        };
        self.set(k::INGRESS_ENABLED.path(), true)
            .set(k::INGRESS_HOSTS.path(), hosts)
            .set(k::INGRESS_TLS.path(), tls)
    }

    /// A PodDisruptionBudget keeping `min_available` pods up.
    pub fn pod_disruption_budget(self, min_available: u32) -> Self {
        self.set(k::POD_DISRUPTION_BUDGET_ENABLED.path(), true)
            .set(k::POD_DISRUPTION_BUDGET_MIN_AVAILABLE.path(), min_available)
    }

    /// The values file's name inside the chart directory.
    pub fn values_file(&self) -> String {
        layout::values_file(&self.name)
    }

    /// The namespace the release goes to.
    pub fn namespace_for(&self, chart: &str) -> String {
        self.namespace.clone().unwrap_or_else(|| format!("{chart}-{}", self.name))
    }
}

/// What the environments need from the chart being generated.
pub(crate) struct ChartValues<'a> {
    pub chart: &'a str,
    /// `std::any::type_name` of the chart's config type.
    pub config_type: &'a str,
    pub tree: &'a ConfigTree,
    pub values: &'a Values,
    /// values.schema.json as written.
    pub schema: &'a Value,
    /// The config's default, as JSON.
    pub default: &'a Value,
    /// The declared clusters.
    pub clusters: &'a [Cluster],
    /// `Chart::migration` is set: its Job needs a copy of the Secret.
    pub has_migration: bool,
}

/// Each environment's values file (name → text), after checking them and
/// the user's own values files `(name, text)`; or every problem of every
/// environment and file at once, each naming it and the key. With
/// clusters, each cluster's file too, and each environment checked on each
/// cluster it deploys to.
pub(crate) fn generate(
    environments: &[Environment],
    hand_written: &[(String, String)],
    chart: &ChartValues,
    header: &str,
) -> Result<BTreeMap<String, String>, Vec<Problem>> {
    let mut problems = declarations(environments, chart);
    let validator = Validator::new(chart.schema)
        .map_err(|e| vec![Problem::new(ProblemKind::NotValues, e).file(layout::VALUES_SCHEMA)])?;
    // Each refusal as a problem of `culprit` (its environment or file).
    let check = |values: &Value, culprit: &str, blame: &Problem, problems: &mut Vec<Problem>| {
        problems.extend(refusals(&validator, values).into_iter().map(|r| Problem {
            kind: ProblemKind::Refused,
            key: Some(r.key),
            message: format!("{culprit}: {}", r.text),
            ..blame.clone()
        }));
    };
    let defaults = defaults(chart);
    let mut out = BTreeMap::new();
    // Each cluster's file, as Helm reads it after an environment's.
    let mut cluster_files = BTreeMap::new();
    for cluster in chart.clusters {
        let before = problems.len();
        let file = cluster_values(cluster, &defaults, &mut problems);
        if problems.len() == before {
            out.insert(
                layout::cluster_file(&cluster.name),
                cluster_file(cluster, chart, &file, header),
            );
            cluster_files.insert(cluster.name.as_str(), file);
        }
    }
    // Each environment's values, under which its pin file is read.
    let mut wanted_by_env = BTreeMap::new();
    for env in environments {
        let culprit = format!("environment `{}`", env.name);
        let blame = Problem::new(ProblemKind::Refused, "").environment(&env.name);
        let before = problems.len();
        let wanted = wanted_values(env, chart, &defaults, &mut problems);
        if problems.len() > before {
            continue;
        }
        // Two controllers would fill the one Secret, each undoing the other.
        let at = |key: k::ValuesKey| key.path().split('.').try_fold(&wanted, |v, p| v.get(p));
        let on = |key: k::ValuesKey| at(key) == Some(&Value::Bool(true));
        if on(k::EXTERNAL_SECRET_ENABLED) && on(k::SEALED_SECRET_ENABLED) {
            problems.push(Problem {
                kind: ProblemKind::Clash,
                key: Some(k::SEALED_SECRET_ENABLED.path().into()),
                message: format!(
                    "{culprit}: {} and {} both fill the Secret: enable one",
                    k::SEALED_SECRET_ENABLED.path(),
                    k::EXTERNAL_SECRET_ENABLED.path()
                ),
                ..blame.clone()
            });
            continue;
        }
        // A `strict` ciphertext is sealed for one Secret name: the migration
        // Job's copy cannot be unsealed (the template refuses it too).
        if chart.has_migration
            && on(k::SEALED_SECRET_ENABLED)
            && at(k::SEALED_SECRET_SCOPE).and_then(Value::as_str) == Some("strict")
        {
            problems.push(Problem {
                kind: ProblemKind::Unsupported,
                key: Some(k::SEALED_SECRET_SCOPE.path().into()),
                message: format!(
                    "{culprit}: a `strict` SealedSecret is sealed for the Secret's name alone, so the migration Job's copy \
                     cannot be unsealed; seal with `kubeseal --scope namespace-wide` and set {} to `namespace-wide`",
                    k::SEALED_SECRET_SCOPE.path()
                ),
                ..blame.clone()
            });
            continue;
        }
        let diff = difference(&defaults, &wanted).unwrap_or_else(|| Value::Object(Map::new()));
        // What Helm reads for each release of the environment: its values,
        // or on each cluster of its fleet its values then the cluster's.
        let mut releases = Vec::new();
        match &env.cluster {
            Destination::Fleet(selector) => {
                // An empty selection is reported with the declarations.
                let selected =
                    fleet::select(selector, chart.clusters, &env.name).unwrap_or_default();
                for cluster in selected {
                    let Some(file) = cluster_files.get(cluster.name.as_str()) else { continue };
                    let on = format!("{culprit} on cluster `{}`", cluster.name);
                    // The cluster's file comes after the environment's: its
                    // registry would quietly replace the environment's image.
                    let own_image =
                        wanted["image"]["repository"] != defaults["image"]["repository"];
                    if own_image && file["image"]["repository"].is_string() {
                        problems.push(Problem {
                            kind: ProblemKind::Clash,
                            key: Some("image.repository".into()),
                            message: format!("{on}: the environment sets its image's repository and the cluster its registry, which would replace it: set one of the two"),
                            ..blame.clone()
                        });
                        continue;
                    }
                    let mut files = diff.clone();
                    merge_files(&mut files, file);
                    let mut values = defaults.clone();
                    coalesce(&mut values, &files);
                    releases.push((on, values));
                }
            }
            _ => releases.push((culprit.clone(), wanted.clone())),
        }
        for (who, values) in &releases {
            check(values, who, &blame, &mut problems);
        }
        wanted_by_env.insert(
            env.name.clone(),
            releases.into_iter().map(|(_, values)| values).collect::<Vec<_>>(),
        );
        out.insert(env.values_file(), values_file(env, chart, &diff, header));
    }
    for (name, text) in hand_written {
        let culprit = format!("file `{name}`");
        let blame = Problem::new(ProblemKind::Refused, "").file(name);
        // A pin file is read after its environment's values file.
        let pinned = name.strip_prefix(layout::PINS_DIR).and_then(|n| n.strip_prefix('/'));
        if pinned.is_some_and(|n| n.ends_with(".yml")) {
            problems.push(Problem {
                kind: ProblemKind::UnknownEnvironment,
                message: format!(
                    "{culprit}: the controllers read `pins/<environment>.yaml`; rename it"
                ),
                ..blame
            });
            continue;
        }
        let pinned = pinned.map(|n| n.trim_end_matches(".yaml"));
        // What the file is read on: the chart's values, or each of its
        // environment's releases.
        let defaults_only = [defaults.clone()];
        let bases: &[Value] = match pinned {
            None => &defaults_only,
            Some(env) => match wanted_by_env.get(env) {
                Some(releases) => releases,
                None if environments.iter().any(|e| e.name == env) => continue,
                None => {
                    problems.push(Problem {
                        kind: ProblemKind::UnknownEnvironment,
                        message: format!("{culprit}: no environment `{env}` to pin (remove the file, or declare the environment)"),
                        ..blame
                    }.environment(env));
                    continue;
                }
            },
        };
        match yaml_serde::from_str::<Value>(text) {
            // An empty file is no values at all.
            Ok(Value::Null) => {}
            Ok(file @ Value::Object(_)) => {
                let blame = match pinned {
                    Some(env) => blame.environment(env),
                    None => blame,
                };
                let before = problems.len();
                for base in bases {
                    let mut values = base.clone();
                    coalesce(&mut values, &file);
                    // What the file adds: a refusal the values under it
                    // already have is the environment's, reported with it.
                    let already = refusals(&validator, base);
                    problems.extend(
                        refusals(&validator, &values)
                            .into_iter()
                            .filter(|r| !already.contains(r))
                            .map(|r| Problem {
                                kind: ProblemKind::Refused,
                                key: Some(r.key),
                                message: format!("{culprit}: {}", r.text),
                                ..blame.clone()
                            }),
                    );
                }
                // A pin refused on every cluster is one problem.
                let mut seen = Vec::new();
                let found = problems.split_off(before);
                for problem in found {
                    if !seen.contains(&problem) {
                        seen.push(problem);
                    }
                }
                problems.extend(seen);
            }
            Ok(other) => problems.push(Problem {
                kind: ProblemKind::NotValues,
                message: format!("{culprit}: expected a map of values, found {other}"),
                ..blame
            }),
            Err(e) => problems.push(
                Problem {
                    kind: ProblemKind::NotValues,
                    message: format!("{culprit}: not valid YAML: {e}"),
                    ..blame
                }
                .line(e.location().map(|l| l.line())),
            ),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What is wrong with the declarations themselves: names, namespaces,
/// clusters, two environments in one place.
fn declarations(environments: &[Environment], chart: &ChartValues) -> Vec<Problem> {
    let mut problems = fleet::problems(chart.clusters);
    let mut seen = BTreeSet::new();
    let mut destinations: BTreeMap<(String, String), &str> = BTreeMap::new();
    // The controllers name a release's objects `<chart>-<env>`, or
    // `<chart>-<env>-<cluster>` on a fleet: no two may be one.
    let mut releases: BTreeMap<String, String> = BTreeMap::new();
    for env in environments {
        let name = env.name.as_str();
        let problem = |kind, message: String| Problem::new(kind, message).environment(name);
        if !is_dns_label(name) {
            problems.push(problem(ProblemKind::InvalidName, format!("environment {name:?}: the name must be a DNS label (lower case letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit): it names `values-{name}.yaml` and the controller's resources")));
        }
        if !seen.insert(name) {
            problems.push(problem(
                ProblemKind::Clash,
                format!("environment `{name}` is declared twice"),
            ));
            continue;
        }
        let namespace = env.namespace_for(chart.chart);
        // A default namespace is only as bad as the name, reported above.
        if !is_dns_label(&namespace) && (env.namespace.is_some() || is_dns_label(name)) {
            problems.push(problem(
                ProblemKind::InvalidName,
                format!("environment `{name}`: namespace {namespace:?} is not a DNS label"),
            ));
        }
        let mut release = |suffix: String, what: String| {
            if let Some(other) = releases.insert(suffix.clone(), what.clone()) {
                problems.push(problem(ProblemKind::Clash, format!("{other} and {what} would both name their controllers' objects `{}-{suffix}`: rename the environment or the cluster", chart.chart)));
            }
        };
        match &env.cluster {
            Destination::Fleet(selector) => {
                for cluster in fleet::select(selector, chart.clusters, name).unwrap_or_default() {
                    let what = format!("environment `{name}` on cluster `{}`", cluster.name);
                    release(format!("{name}-{}", cluster.name), what);
                }
            }
            _ => release(name.to_owned(), format!("environment `{name}`")),
        }
        let clusters = match &env.cluster {
            Destination::Server(url) if url.trim().is_empty() => {
                problems.push(problem(
                    ProblemKind::Missing,
                    format!("environment `{name}`: the cluster's server URL is empty"),
                ));
                continue;
            }
            Destination::Name(n) if n.trim().is_empty() => {
                problems.push(problem(
                    ProblemKind::Missing,
                    format!("environment `{name}`: the cluster's name is empty"),
                ));
                continue;
            }
            // Argo CD's name for its own cluster is that cluster too.
            Destination::InCluster => vec!["the controller's own cluster".to_owned()],
            Destination::Server(url) if url.trim_end_matches('/') == IN_CLUSTER => {
                vec!["the controller's own cluster".to_owned()]
            }
            Destination::Server(url) => vec![format!("cluster {}", url.trim_end_matches('/'))],
            Destination::Name(n) => vec![format!("cluster `{n}`")],
            // Keyed as `cluster_server` is: by the API server.
            Destination::Fleet(selector) => match fleet::select(selector, chart.clusters, name) {
                Ok(selected) => selected
                    .iter()
                    .map(|c| format!("cluster {}", c.server.trim_end_matches('/')))
                    .collect(),
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            },
        };
        for cluster in clusters {
            if let Some(other) = destinations.insert((cluster.clone(), namespace.clone()), name) {
                problems.push(problem(ProblemKind::Clash, format!("environments `{other}` and `{name}` both deploy to namespace `{namespace}` in {cluster}: their releases would overwrite each other")));
            }
        }
    }
    problems
}

/// A cluster's values file as a map: its typed settings, then its keys
/// (`null` kept: Helm then deletes the key).
fn cluster_values(cluster: &Cluster, defaults: &Value, problems: &mut Vec<Problem>) -> Value {
    let image = defaults["image"]["repository"].as_str().unwrap_or_default();
    let mut file = Value::Object(Map::new());
    for (path, value) in cluster.typed_values(image) {
        let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
        set_at(&mut file, &keys, value);
    }
    let name = &cluster.name;
    for (path, value) in &cluster.values {
        let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
        let problem = |message: String| {
            Problem::new(ProblemKind::InvalidEdit, format!("cluster `{name}`: {message}"))
                .key("Cluster.set")
        };
        match value {
            _ if keys.iter().any(String::is_empty) => {
                problems.push(problem(format!("{path:?} is not a dotted key path")));
            }
            Ok(value) => set_at(&mut file, &keys, value.clone()),
            Err(e) => problems
                .push(problem(format!("the value for `{path}` does not serialize to JSON: {e}"))),
        }
    }
    file
}

/// The cluster's values file: the header, then its keys with their
/// helm-docs comments from values.yaml.
fn cluster_file(cluster: &Cluster, chart: &ChartValues, file: &Value, header: &str) -> String {
    let mut out = header.to_owned();
    out.push_str(&format!(
        "# Cluster `{}`: Helm reads it after the environment's values file, before its pin.\n",
        cluster.name
    ));
    write_values(&mut out, chart, file);
    out
}

/// values.yaml as Helm reads it: the table's defaults and `config`.
fn defaults(chart: &ChartValues) -> Value {
    fn add(keys: &[Key], out: &mut Map<String, Value>) {
        for key in keys {
            match &key.body {
                Body::Value { default, .. } => {
                    out.insert(key.name.to_owned(), default.clone());
                }
                Body::Group(group) => {
                    let mut inner = Map::new();
                    add(group, &mut inner);
                    out.insert(key.name.to_owned(), Value::Object(inner));
                }
            }
        }
    }
    let mut out = Map::new();
    for block in chart.values.before_config.iter().chain(&chart.values.after_config) {
        add(block, &mut out);
    }
    out.insert(k::CONFIG.path().into(), chart.tree.values_of(chart.default));
    Value::Object(out)
}

/// The whole values the environment wants: values.yaml with its config and
/// keys applied.
fn wanted_values(
    env: &Environment,
    chart: &ChartValues,
    defaults: &Value,
    problems: &mut Vec<Problem>,
) -> Value {
    let mut wanted = defaults.clone();
    let name = &env.name;
    let edit = |message: String| Problem::new(ProblemKind::InvalidEdit, message).environment(name);
    match &env.config {
        None => {}
        Some(config) if config.rust_name != chart.config_type => problems.push(edit(format!(
            "environment `{name}` edits a `{}`, but the chart's config is `{}`",
            config.rust_name, chart.config_type
        ))),
        Some(ConfigEdit { value: Err(e), .. }) => problems
            .push(edit(format!("environment `{name}`: its config could not be edited: {e}"))),
        Some(ConfigEdit { value: Ok(config), .. }) => {
            // What the chart does not carry cannot differ per environment.
            let changed = difference(chart.default, config).unwrap_or(Value::Null);
            for path in leaf_paths(&changed) {
                let carried = chart.tree.value_leaves().iter().any(|l| path.starts_with(&l.path));
                if !carried {
                    let why = match chart.tree.leaf_at(&path) {
                        Some(_) => "a secret, which comes from the Secret, not from values",
                        None => "not in the chart (`#[gitops(skip)]` or `#[serde(skip)]`)",
                    };
                    let key = format!("{}.{}", k::CONFIG.path(), path.join("."));
                    problems.push(
                        edit(format!("environment `{name}` sets `{}`: {why}", path.join(".")))
                            .key(key),
                    );
                }
            }
            wanted[k::CONFIG.path()] = chart.tree.values_of(config);
        }
    }
    for (path, value) in &env.values {
        let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
        if keys.iter().any(String::is_empty) {
            problems.push(edit(format!("environment `{name}`: {path:?} is not a dotted key path")));
            continue;
        }
        match value {
            Ok(Value::Null) => remove_at(&mut wanted, &keys),
            Ok(value) => set_at(&mut wanted, &keys, value.clone()),
            Err(e) => problems.push(
                edit(format!(
                    "environment `{name}`: the value for `{path}` does not serialize to JSON: {e}"
                ))
                .key(path),
            ),
        }
    }
    wanted
}

/// The environment's values file: the header, then each differing key with
/// its helm-docs comment from values.yaml.
fn values_file(env: &Environment, chart: &ChartValues, diff: &Value, header: &str) -> String {
    let mut out = header.to_owned();
    out.push_str(&format!(
        "# Environment `{}`: only what differs from values.yaml. Helm reads values.yaml, then this file.\n",
        env.name
    ));
    write_values(&mut out, chart, diff);
    out
}

/// A values map with values.yaml's docs (`{}` when empty).
fn write_values(out: &mut String, chart: &ChartValues, values: &Value) {
    let Value::Object(map) = values else { return };
    if map.is_empty() {
        out.push_str("{}\n");
        return;
    }
    write_map(out, 0, &mut Vec::new(), map, &docs(chart));
}

fn write_map(
    out: &mut String,
    indent: usize,
    path: &mut Vec<String>,
    map: &Map<String, Value>,
    docs: &BTreeMap<Vec<String>, String>,
) {
    for (key, value) in map {
        path.push(key.clone());
        if let Some(doc) = docs.get(path.as_slice()).filter(|d| !d.is_empty()) {
            yaml::write_doc(out, indent, doc);
        }
        // A map of known keys (a group, `config`, a section) goes key by
        // key with their docs; any other value whole.
        let known_below = docs.keys().any(|k| k.len() > path.len() && k.starts_with(path));
        match value {
            Value::Object(inner) if known_below && !inner.is_empty() => {
                out.push_str(&format!("{}{}:\n", " ".repeat(indent), yaml::string(key)));
                write_map(out, indent + 2, path, inner, docs);
            }
            _ => yaml::write_entry(out, indent, key, value),
        }
        path.pop();
    }
}

/// Every documented key's doc, by path: the table's and the config's.
fn docs(chart: &ChartValues) -> BTreeMap<Vec<String>, String> {
    fn add(keys: &[Key], path: &mut Vec<String>, out: &mut BTreeMap<Vec<String>, String>) {
        for key in keys {
            path.push(key.name.to_owned());
            out.insert(path.clone(), key.doc.clone());
            if let Body::Group(group) = &key.body {
                add(group, path, out);
            }
            path.pop();
        }
    }
    let mut out = BTreeMap::new();
    for block in chart.values.before_config.iter().chain(&chart.values.after_config) {
        add(block, &mut Vec::new(), &mut out);
    }
    out.insert(vec![k::CONFIG.path().to_owned()], String::new());
    for leaf in chart.tree.value_leaves() {
        let mut path = vec![k::CONFIG.path().to_owned()];
        for key in &leaf.path {
            path.push(key.clone());
            out.entry(path.clone()).or_default();
        }
        let mut doc = leaf.doc.clone();
        doc.push_str(&format!(
            "{}Env var: `{}`.",
            if doc.is_empty() { "" } else { "\n" },
            leaf.env
        ));
        out.insert(path, doc);
    }
    out
}
