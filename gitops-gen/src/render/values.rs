//! The chart's own values, everything but `config`: one table from which
//! values.yaml, values.schema.json and the chart README's table are all
//! written, so a key's default, schema and doc cannot disagree.

use crate::foundation::k8s;
use crate::render::templates::{Canary, Rbac};
use gitops_model::naming;
use gitops_model::tree::{ConfigTree, Leaf};
use serde_json::{json, Map, Value};

/// A key of values.yaml: one value, or a map of further keys.
pub struct Key {
    pub name: &'static str,
    /// helm-docs text (`# -- …`).
    pub doc: String,
    pub body: Body,
}

pub enum Body {
    Value { default: Value, schema: Value },
    Group(Vec<Key>),
}

/// Keys written together, separated from the next block by a blank line.
pub type Block = Vec<Key>;

/// The values around the app's `config:` section.
pub struct Values {
    pub before_config: Vec<Block>,
    pub after_config: Vec<Block>,
}

/// Seconds the app may take to exit after its own shutdown timeout, before
/// the kubelet's SIGKILL.
pub const EXIT_SLACK_SECONDS: u32 = 5;

/// Whether the dotted `path` names a key of the table, or a field inside a
/// key's object default (`secrets.externalSecret.secretStoreRef.name`).
#[cfg(test)]
pub fn has_path(values: &Values, path: &str) -> bool {
    let mut segments = path.split('.');
    let mut keys: Vec<&Key> =
        values.before_config.iter().chain(&values.after_config).flatten().collect();
    while let Some(segment) = segments.next() {
        let Some(key) = keys.iter().find(|k| k.name == segment) else { return false };
        match &key.body {
            Body::Group(inner) => keys = inner.iter().collect(),
            Body::Value { default, .. } => {
                return segments.try_fold(default, |value, field| value.get(field)).is_some()
            }
        }
    }
    false
}

fn value(name: &'static str, doc: impl Into<String>, default: Value, schema: Value) -> Key {
    Key { name, doc: doc.into(), body: Body::Value { default, schema } }
}

fn group(name: &'static str, doc: impl Into<String>, keys: Vec<Key>) -> Key {
    Key { name, doc: doc.into(), body: Body::Group(keys) }
}

/// The schema of a map from strings to strings (labels, annotations, ...).
fn string_map() -> Value {
    json!({"type": ["object", "null"], "additionalProperties": {"type": "string"}})
}

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

fn list_of(items: Value) -> Value {
    json!({"type": ["array", "null"], "items": items})
}

/// A Kubernetes object of the bundled definition `name`, or null: in a
/// values file, `null` removes the chart's default.
fn kube_object(name: &str) -> Value {
    json!({"anyOf": [k8s::schema_ref(name), {"type": "null"}]})
}

/// A list of Kubernetes objects of the bundled definition `name`, or null.
fn kube_list(name: &str) -> Value {
    list_of(k8s::schema_ref(name))
}

/// Whether `schema` accepts null: such keys may be left out (a user's `null`
/// deletes a default in Helm); all others are required.
pub fn accepts_null(schema: &Value) -> bool {
    let listed = |key: &str| {
        schema.get(key).and_then(Value::as_array).is_some_and(|all| all.iter().any(accepts_null))
    };
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => listed("anyOf") || listed("oneOf") || schema.get("const") == Some(&Value::Null),
    }
}

impl Key {
    /// This key's schema; a group rejects unknown keys and requires the
    /// keys that do not accept null.
    pub fn schema(&self) -> Value {
        match &self.body {
            Body::Value { schema, .. } => schema.clone(),
            Body::Group(keys) => {
                let (props, required) = properties(keys.iter());
                json!({
                    "type": "object",
                    "properties": props,
                    "required": required,
                    "additionalProperties": false
                })
            }
        }
    }
}

/// `properties` and `required` of an object holding `keys`.
pub fn properties<'a>(keys: impl Iterator<Item = &'a Key>) -> (Map<String, Value>, Vec<Value>) {
    let mut props = Map::new();
    let mut required = Vec::new();
    for key in keys {
        let schema = key.schema();
        if !accepts_null(&schema) {
            required.push(json!(key.name));
        }
        props.insert(key.name.to_owned(), schema);
    }
    (props, required)
}

/// What the chart's builder adds beside the config, each with keys of its
/// own: [`Canary`] steps (`canary.*`) and [`Rbac`] rules (`rbac.*`, and the
/// ServiceAccount's token mounted by default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    pub canary: Option<&'a Canary>,
    pub rbac: Option<&'a Rbac>,
}

/// Every standard key of the chart generated for `tree`.
pub fn table(tree: &ConfigTree, image: &str, extras: Extras) -> Values {
    let calls_the_api = extras.rbac.is_some_and(Rbac::has_rules);
    let automount_doc = if calls_the_api {
        "Mount its API token into the pods: the app's RBAC rules are for it to call the Kubernetes API."
    } else {
        "Mount its API token into the pods; the app does not call the Kubernetes API unless you say so."
    };
    let first_port = tree.ports().first().map(|(name, _)| *name);
    let secrets = tree.secrets();

    let mut before = vec![
        vec![value("replicaCount", "Number of pod replicas (ignored while autoscaling is on).", json!(1), json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}))],
        vec![image_group(image)],
        vec![
            value("imagePullSecrets", "Secrets for pulling from a private registry, e.g. `[{name: regcred}]`.", json!([]), kube_list(k8s::LOCAL_OBJECT_REFERENCE)),
            value("nameOverride", "Replaces the chart name in resource names.", json!(""), nullable("string")),
            value("fullnameOverride", "Replaces the whole resource name.", json!(""), nullable("string")),
        ],
        vec![
            value("podAnnotations", "Annotations added to the pod.", json!({}), string_map()),
            value("podLabels", "Labels added to the pod.", json!({}), string_map()),
        ],
        vec![group("serviceAccount", "", vec![
            value("create", "Create a ServiceAccount for the pods.", json!(true), json!({"type": "boolean"})),
            value("automount", automount_doc, json!(calls_the_api), json!({"type": "boolean"})),
            value("annotations", "Annotations of the ServiceAccount.", json!({}), string_map()),
            value("name", "Its name; empty means the release's full name (or `default` when not created).", json!(""), nullable("string")),
        ])],
        // The Pod Security Standards' "restricted" profile, loosened per key through values.
        vec![
            value("podSecurityContext", "Security context of the pod: non-root, with the runtime's default seccomp profile.", json!({
                "runAsNonRoot": true,
                "runAsUser": 65532,
                "runAsGroup": 65532,
                "fsGroup": 65532,
                "seccompProfile": {"type": "RuntimeDefault"}
            }), kube_object(k8s::POD_SECURITY_CONTEXT)),
            value("securityContext", "Security context of the app container: no privilege escalation, no capabilities,\na read-only root filesystem (`/tmp` is a writable emptyDir).", json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": true,
                "runAsNonRoot": true,
                "runAsUser": 65532,
                "seccompProfile": {"type": "RuntimeDefault"}
            }), kube_object(k8s::SECURITY_CONTEXT)),
        ],
    ];
    if let Some(port) = first_port {
        before.push(vec![service_group(port)]);
        before.push(vec![ingress_group()]);
        before.push(vec![http_route_group()]);
    }
    if let Some(canary) = extras.canary {
        before.push(vec![canary_group(
            canary,
            first_port.is_some(),
            !tree.metrics_ports().is_empty(),
        )]);
    }
    if calls_the_api {
        before.push(vec![group("rbac", "", vec![value(
            "create",
            "Create the Role, ClusterRole and bindings of the app's RBAC rules for its ServiceAccount.",
            json!(true),
            json!({"type": "boolean"}),
        )])]);
    }
    let mut pod = vec![value(
        "resources",
        "CPU and memory of the app container; size them for your app. Requests are its share of the node\n(the scheduler places the pod by them); the memory limit is where the kernel stops it. No CPU\nlimit: one throttles the app even on an idle node. Set `limits.cpu` to cap it, or every limit\nequal to its request for Guaranteed QoS (evicted last).",
        json!({
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"}
        }),
        kube_object(k8s::RESOURCE_REQUIREMENTS),
    )];
    for (name, default, doc) in probes(tree, first_port) {
        let doc = match default.as_object().and_then(|o| o.keys().next()).map(String::as_str) {
            None => format!("{doc} Off unless set here."),
            Some(handler) => {
                let how = if handler == "httpGet" {
                    "an HTTP GET of the path declared on the config struct".to_owned()
                } else {
                    format!(
                        "a TCP connect to the `{}` port, as the config struct declares no HTTP path for it",
                        first_port.unwrap_or_default()
                    )
                };
                format!("{doc}\nDefault: {how}.\nA handler set here (`exec`, `grpc`, `httpGet`, `tcpSocket`) replaces it; `null` turns it off.")
            }
        };
        pod.push(value(name, doc, default, kube_object(k8s::PROBE)));
    }
    pod.push(value(
        "enableServiceLinks",
        "Let the kubelet add Docker-link variables (`<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT`, ...) for every\nService in the namespace. Off: the app reads none of them, and a namespace with many Services\nbloats every pod's environment. The app's loader ignores them when on.",
        json!(false),
        json!({"type": "boolean"}),
    ));
    let shutdown = tree.shutdown_timeout();
    let mut sleep_doc = String::from("Seconds the pod keeps serving after it is told to stop, so load balancers take it out of\nrotation before the app sees SIGTERM; 0 turns the delay off.");
    if let Some(leaf) = shutdown {
        sleep_doc.push_str(&format!(
            "\nThe pod's grace period is this delay + `config.{}` + {} s.",
            leaf.path.join("."),
            EXIT_SLACK_SECONDS
        ));
    }
    pod.push(value(
        "preStopSleepSeconds",
        sleep_doc,
        json!(if first_port.is_some() { 5 } else { 0 }),
        json!({"type": "integer", "minimum": 0, "maximum": 3600}),
    ));
    // With a `shutdown_timeout` field the struct owns the number; a values
    // key could only disagree with it.
    if shutdown.is_none() {
        pod.push(value(
            "terminationGracePeriodSeconds",
            "Seconds between the stop request and SIGKILL, the preStop delay included.",
            json!(30),
            json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}),
        ));
    }
    before.push(pod);
    before.push(vec![
        value(
            "revisionHistoryLimit",
            "Old ReplicaSets the Deployment keeps, each a revision `kubectl rollout undo` can go back to.",
            json!(10),
            json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}),
        ),
        value(
            "strategy",
            "How the Deployment replaces its pods: `{type: Recreate}`, or `{type: RollingUpdate, rollingUpdate:\n{maxSurge: 1, maxUnavailable: 0}}`; empty is Kubernetes' default (rolling, 25% each).",
            json!({}),
            kube_object(k8s::DEPLOYMENT_STRATEGY),
        ),
    ]);
    before.push(vec![autoscaling_group()]);
    before.push(vec![pod_disruption_budget_group()]);
    let metrics = tree.metrics_ports();
    before.push(vec![network_policy_group(first_port.is_some(), !metrics.is_empty())]);
    if !metrics.is_empty() {
        before.push(vec![metrics_group(&metrics)]);
    }
    before.push(vec![
        value("extraEnv", "Extra environment variables of the app container, for what the config struct does not model\n(e.g. `[{name: RUST_LOG, value: info}]`); they win over config variables of the same name.", json!([]), kube_list(k8s::ENV_VAR)),
        value("extraEnvFrom", "Extra `envFrom` sources of the app container (ConfigMaps or Secrets).", json!([]), kube_list(k8s::ENV_FROM_SOURCE)),
        value("volumes", "Extra volumes of the pod, beside the `/tmp` emptyDir.", json!([]), kube_list(k8s::VOLUME)),
        value("volumeMounts", "Extra volume mounts of the app container.", json!([]), kube_list(k8s::VOLUME_MOUNT)),
        value("initContainers", "Containers that run to completion, in order, before the app container starts.", json!([]), kube_list(k8s::CONTAINER)),
        value("dnsPolicy", "DNS policy of the pod: ClusterFirst, ClusterFirstWithHostNet, Default or None; empty is\nKubernetes' default (ClusterFirst).", json!(""), json!({"type": ["string", "null"], "enum": ["", "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None", null]})),
        value("dnsConfig", "DNS settings of the pod (nameservers, searches, options), merged with the policy's.", json!({}), kube_object(k8s::POD_DNS_CONFIG)),
        value("hostAliases", "Entries added to the pod's /etc/hosts.", json!([]), kube_list(k8s::HOST_ALIAS)),
        value("nodeSelector", "Node labels the pod must be scheduled on.", json!({}), string_map()),
        value("tolerations", "Tolerations of the pod.", json!([]), kube_list(k8s::TOLERATION)),
        value("affinity", "Affinity rules of the pod.", json!({}), kube_object(k8s::AFFINITY)),
        value("topologySpreadConstraints", "How the pods spread over zones or nodes (each entry's labelSelector picks the pods).", json!([]), kube_list(k8s::TOPOLOGY_SPREAD_CONSTRAINT)),
        value("priorityClassName", "PriorityClass of the pods; empty means the cluster's default.", json!(""), nullable("string")),
    ]);
    if first_port.is_some() {
        before.push(vec![test_group()]);
    }

    let mut after = Vec::new();
    if !secrets.is_empty() {
        after.push(vec![secrets_group(&secrets, &naming::secrets_dir_var(&tree.env_prefix))]);
    }
    Values { before_config: before, after_config: after }
}

/// The container's probes as values keys, with their defaults and what each
/// does: an HTTP GET of the path the struct declares, on the first port;
/// for liveness and readiness without a path, a TCP connect to that port
/// (checkov's CKV_K8S_8 and CKV_K8S_9 ask for both); otherwise none (`{}`).
/// The Deployment template reads the defaults' handlers from here.
pub fn probes(
    tree: &ConfigTree,
    first_port: Option<&str>,
) -> [(&'static str, Value, &'static str); 3] {
    let probe = |path: Option<&str>, tcp: bool| match (path, first_port) {
        (Some(path), Some(port)) => json!({"httpGet": {"path": path, "port": port}}),
        (None, Some(port)) if tcp => json!({"tcpSocket": {"port": port}}),
        _ => json!({}),
    };
    [
        (
            "livenessProbe",
            probe(tree.probes.liveness, true),
            "Restarts the container when it fails.",
        ),
        (
            "readinessProbe",
            probe(tree.probes.readiness, true),
            "Takes the pod out of the Service while it fails.",
        ),
        (
            "startupProbe",
            probe(tree.probes.startup, false),
            "Holds the other probes until it first succeeds.",
        ),
    ]
}

fn image_group(image: &str) -> Key {
    group(
        "image",
        "",
        vec![
            value(
                "repository",
                "Container image repository.",
                json!(image),
                json!({"type": "string", "minLength": 1}),
            ),
            value(
                "pullPolicy",
                "When to pull the image: Always, IfNotPresent or Never.",
                json!("IfNotPresent"),
                json!({"type": "string", "enum": ["Always", "IfNotPresent", "Never"]}),
            ),
            value(
                "tag",
                "Image tag; empty means the chart's appVersion. Also the `app.kubernetes.io/version` label and the pods' `gitops-rs.io/image-tag` annotation.",
                json!(""),
                json!({"type": "string"}),
            ),
            value(
                "digest",
                "Image digest (`sha256:…`); when set, it pins the image and the tag only labels it. Also the pods' `gitops-rs.io/image-digest` annotation.",
                json!(""),
                json!({"type": ["string", "null"], "pattern": "^(sha256:[a-f0-9]{64})?$"}),
            ),
        ],
    )
}

fn service_group(first_port: &str) -> Key {
    group(
        "service",
        "",
        vec![
            value(
                "type",
                "Service type: ClusterIP, NodePort or LoadBalancer.",
                json!("ClusterIP"),
                json!({"type": "string", "enum": ["ClusterIP", "NodePort", "LoadBalancer"]}),
            ),
            value(
                "port",
                format!(
                    "Port the Service exposes; it forwards to the container's `{first_port}` port."
                ),
                json!(80),
                json!({"type": "integer", "minimum": 1, "maximum": 65535}),
            ),
            value(
                "annotations",
                "Annotations of the Service (a load balancer's settings, say).",
                json!({}),
                string_map(),
            ),
            value(
                "labels",
                "Labels of the Service, beside the chart's own.",
                json!({}),
                string_map(),
            ),
        ],
    )
}

fn ingress_group() -> Key {
    let path = json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "pattern": "^/"},
            "pathType": {"type": "string", "enum": ["Exact", "Prefix", "ImplementationSpecific"]}
        },
        "required": ["path", "pathType"],
        "additionalProperties": false
    });
    let host = json!({
        "type": "object",
        "properties": {
            "host": {"type": "string"},
            "paths": {"type": "array", "minItems": 1, "items": path}
        },
        "required": ["host", "paths"],
        "additionalProperties": false
    });
    group(
        "ingress",
        "",
        vec![
            value(
                "enabled",
                "Create an Ingress (networking.k8s.io/v1) in front of the Service.",
                json!(false),
                json!({"type": "boolean"}),
            ),
            value(
                "className",
                "IngressClass to use; empty means the cluster's default class.",
                json!(""),
                nullable("string"),
            ),
            value("annotations", "Annotations of the Ingress.", json!({}), string_map()),
            value(
                "hosts",
                "Hosts and paths routed to the Service port.",
                json!([{"host": "chart-example.local", "paths": [{"path": "/", "pathType": "ImplementationSpecific"}]}]),
                json!({"type": "array", "items": host}),
            ),
            value(
                "tls",
                "TLS: each entry's hosts are served with the certificate in its secretName.",
                json!([]),
                kube_list(k8s::INGRESS_TLS),
            ),
        ],
    )
}

fn http_route_group() -> Key {
    let rule = json!({
        "type": "object",
        "properties": {
            "matches": {"type": "array", "items": {"type": "object"}},
            "filters": {"type": "array", "items": {"type": "object"}}
        },
        "additionalProperties": false
    });
    group(
        "httpRoute",
        "",
        vec![
            value(
                "enabled",
                "Create a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) to the Service.",
                json!(false),
                json!({"type": "boolean"}),
            ),
            value("annotations", "Annotations of the HTTPRoute.", json!({}), string_map()),
            value(
                "parentRefs",
                "Gateways (and listeners) the route attaches to.",
                json!([{"name": "gateway", "sectionName": "http"}]),
                json!({"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name"]}}),
            ),
            value(
                "hostnames",
                "Hostnames the route matches.",
                json!(["chart-example.local"]),
                list_of(json!({"type": "string"})),
            ),
            value(
                "rules",
                "Rules: each rule's matches and filters, all sent to the Service port.",
                json!([{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]),
                json!({"type": "array", "minItems": 1, "items": rule}),
            ),
        ],
    )
}

fn canary_group(canary: &Canary, has_port: bool, has_metrics: bool) -> Key {
    let shift = if has_port {
        "With `httpRoute.enabled` the steps shift requests through the HTTPRoute\n(Argo Rollouts' Gateway API plugin), else replicas."
    } else {
        "The steps shift replicas."
    };
    let mut keys = vec![value(
        "enabled",
        format!(
            "Release by canary: an Argo Rollouts Rollout (argoproj.io/v1alpha1) replaces the Deployment, stepping\n\
             {}. {shift} Argo Rollouts must run in the cluster.",
            canary.describe()
        ),
        json!(false),
        json!({"type": "boolean"}),
    )];
    if has_metrics {
        keys.push(group("analysis", "", vec![
            value("enabled", "Judge the canary by a Prometheus query (an AnalysisTemplate, from its first weight on); failing\nresults abort the rollout.", json!(false), json!({"type": "boolean"})),
            value("prometheusAddress", "Prometheus's URL, as Argo Rollouts reaches it.", json!("http://prometheus-operated.monitoring.svc:9090"), json!({"type": "string", "pattern": "^https?://"})),
            value("query", "PromQL of the canary's success rate, from 0 to 1; `{{args.namespace}}` is the release's namespace,\n`{{args.canary-hash}}` the new pods' template hash (their names carry it). Required when enabled.", json!(""), json!({"type": "string"})),
            value("successCondition", "When a result passes (Argo Rollouts' expression on `result`): no series at all fails (the canary\nis not scraped), no request in the window (NaN) passes.", json!("len(result) > 0 && (isNaN(result[0]) || result[0] >= 0.95)"), json!({"type": "string", "minLength": 1})),
            value("interval", "How often the query runs.", json!("1m"), json!({"type": "string", "pattern": "^[1-9][0-9]*(s|m|h)$"})),
            value("failureLimit", "Failed results before the rollout is aborted.", json!(2), json!({"type": "integer", "minimum": 0, "maximum": 100})),
        ]));
    }
    group("canary", "", keys)
}

fn autoscaling_group() -> Key {
    let replicas = json!({"type": "integer", "minimum": 1, "maximum": i32::MAX});
    let target = json!({"type": "integer", "minimum": 0, "maximum": i32::MAX});
    group("autoscaling", "", vec![
        value("enabled", "Create a HorizontalPodAutoscaler (autoscaling/v2); the Deployment then leaves `replicas` to it.", json!(false), json!({"type": "boolean"})),
        value("minReplicas", "Fewest replicas.", json!(1), replicas.clone()),
        value("maxReplicas", "Most replicas.", json!(100), replicas),
        value("targetCPUUtilizationPercentage", "Average CPU use, in percent of the request, to scale at; 0 leaves CPU out.", json!(80), target.clone()),
        value("targetMemoryUtilizationPercentage", "Average memory use, in percent of the request, to scale at; 0 leaves memory out.", json!(0), target),
    ])
}

fn pod_disruption_budget_group() -> Key {
    let int_or_percent = json!({"anyOf": [
        {"type": "integer", "minimum": 0, "maximum": i32::MAX},
        {"type": "string", "pattern": "^[0-9]+%$"}
    ]});
    group("podDisruptionBudget", "", vec![
        value("enabled", "Create a PodDisruptionBudget, so node drains keep enough pods running.", json!(false), json!({"type": "boolean"})),
        value("minAvailable", "Pods that must stay available (a number or a percentage such as \"50%\").", json!(1), int_or_percent.clone()),
        value("maxUnavailable", "Pods that may be unavailable at once; when set, it is used instead of minAvailable.", json!(""), json!({"anyOf": [int_or_percent, {"const": ""}, {"type": "null"}]})),
    ])
}

fn network_policy_group(has_ports: bool, has_metrics: bool) -> Key {
    let ingress_doc = if has_ports {
        "Create a NetworkPolicy: ingress only to the app's declared ports."
    } else {
        "Create a NetworkPolicy: no ingress at all (the app declares no port)."
    };
    let mut keys = vec![value("enabled", ingress_doc, json!(true), json!({"type": "boolean"}))];
    if has_ports {
        keys.push(value("from", "Sources allowed to reach those ports (NetworkPolicyPeer entries); empty allows any source.", json!([]), kube_list(k8s::NETWORK_POLICY_PEER)));
    }
    if has_metrics {
        keys.push(value(
            "metricsFrom",
            "Sources allowed to reach the metrics ports (NetworkPolicyPeer entries): by default the pods of the\nnamespace `monitoring`, where Prometheus usually runs; empty allows any source.",
            json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]),
            kube_list(k8s::NETWORK_POLICY_PEER),
        ));
    }
    keys.push(value("egress", "Egress rules (NetworkPolicyEgressRule entries); empty leaves egress open. Once set, only\nthe listed traffic leaves the pod: remember DNS.", json!([]), kube_list(k8s::NETWORK_POLICY_EGRESS_RULE)));
    group("networkPolicy", "", keys)
}

/// How Prometheus finds the ports the config struct marks `metrics`.
fn metrics_group(ports: &[(&str, &str)]) -> Key {
    let ports =
        ports.iter().map(|(port, path)| format!("`{port}` at `{path}`")).collect::<Vec<_>>();
    let scrape_doc = format!(
        "How Prometheus finds the metrics ({}):\n\
         - `annotations`: `prometheus.io/scrape`, `port` and `path` on the pods, for scrape configs that read them\n  \
         (one port per pod: the first);\n\
         - `serviceMonitor` or `podMonitor`: a Prometheus Operator ServiceMonitor or PodMonitor\n  \
         (monitoring.coreos.com/v1; the operator's CRDs must be installed);\n\
         - `none`: nothing.",
        ports.join(", ")
    );
    group("metrics", "", vec![
        value("scrape", scrape_doc, json!("annotations"), json!({"type": "string", "enum": ["annotations", "serviceMonitor", "podMonitor", "none"]})),
        value(
            "interval",
            "Scrape interval of the ServiceMonitor or PodMonitor (e.g. `30s`); empty is Prometheus's own.",
            json!(""),
            // The operator's Duration pattern (it matches "" too), so a typo fails at install, not at apply.
            json!({"type": "string", "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"}),
        ),
        value("labels", "Labels of the ServiceMonitor or PodMonitor, which the Prometheus resource selects by\n(e.g. `release: kube-prometheus-stack`).", json!({}), string_map()),
    ])
}

fn test_group() -> Key {
    group("test", "", vec![value(
        "image",
        "Image of the `helm test` pod, which fetches the app's readiness path through the Service\n(it needs `wget`).",
        json!("busybox:1.37"),
        json!({"type": "string", "minLength": 1}),
    )])
}

fn secrets_group(secrets: &[&Leaf], secrets_dir_var: &str) -> Key {
    let keys: Vec<String> = secrets
        .iter()
        .map(|l| {
            let optional = if l.optional { "optional, " } else { "" };
            format!("- `{}` ({optional}env `{}`){}", l.key(), l.env, doc_suffix(&l.doc))
        })
        .collect();
    let name_doc = format!(
        "Name of the Secret in the release namespace; empty means the release's full name.\nIts keys:\n{}",
        keys.join("\n")
    );
    // The opt-in to env-var secrets, with its trade-off.
    let env_vars_doc = format!(
        "Hand the secrets to the app as env vars (`secretKeyRef`, the variables listed above) instead of as\n\
         files named by their keys, in a read-only Secret volume (mode 0440: the pod's `fsGroup` reads them)\n\
         whose directory is in `{secrets_dir_var}`. Env vars need no volume, but anything that can read the\n\
         process's environment sees them (`kubectl exec … env`, `/proc/<pid>/environ`, every child process,\n\
         crash reports and debug dumps), and checkov fails CKV_K8S_35."
    );
    let remote_ref = json!({
        "type": "object",
        "properties": {
            "key": {"type": "string", "minLength": 1},
            "property": {"type": "string"},
            "version": {"type": "string"}
        },
        "required": ["key"],
        "additionalProperties": false
    });
    let external = group("externalSecret", "", vec![
        value("enabled", "Create an External Secrets Operator ExternalSecret (external-secrets.io/v1) that fills the\nSecret from a secret store, instead of creating the Secret yourself.", json!(false), json!({"type": "boolean"})),
        value("secretStoreRef", "The SecretStore or ClusterSecretStore to read from.", json!({"kind": "ClusterSecretStore", "name": ""}), json!({
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["SecretStore", "ClusterSecretStore"]},
                "name": {"type": "string"}
            },
            "required": ["kind", "name"],
            "additionalProperties": false
        })),
        value("refreshInterval", "How often the operator re-reads the store (a duration such as `1h`; `0` reads once).", json!("1h"), json!({"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$"})),
        value("remoteKey", "The store's secret holding every key; each Secret key is read from its property of the same name.", json!(""), json!({"type": "string"})),
        value("remoteRefs", "Per Secret key, where else to read it (`{key, property, version}`), e.g.\n`{\"db.password\": {key: prod/db, property: password}}`. Optional keys are fetched only when listed here.", json!({}), json!({"type": ["object", "null"], "additionalProperties": remote_ref})),
    ]);
    let secret_keys: Vec<String> = secrets.iter().map(|l| l.key()).collect();
    let sealed = group("sealedSecret", "", vec![
        value("enabled", "Create a SealedSecret (bitnami.com/v1alpha1) holding the Secret's values encrypted for the cluster's\nsealed-secrets controller, which unseals it into the Secret the pods read: the ciphertexts are safe in Git.\nNot together with `externalSecret`: both would fill the one Secret.", json!(false), json!({"type": "boolean"})),
        value("scope", "The scope the values were sealed with (`kubeseal --scope`): `strict` binds each to the Secret's name\nand namespace, `namespace-wide` to the namespace, `cluster-wide` to neither.", json!("strict"), json!({"type": "string", "enum": ["strict", "namespace-wide", "cluster-wide"]})),
        value("encryptedData", "Each Secret key's ciphertext, as `kubeseal --raw` prints it (see docs/runtime.md, \"Where the Secret comes from\").", json!({}), json!({
            "type": ["object", "null"],
            "propertyNames": {"enum": secret_keys},
            "additionalProperties": {"type": "string", "pattern": "^[A-Za-z0-9+/]+=*$"}
        })),
    ]);
    group(
        "secrets",
        "Secret config fields come from a Kubernetes Secret, never from this file.",
        vec![
            value("existingSecret", name_doc, json!(""), nullable("string")),
            value("envVars", env_vars_doc, json!(false), json!({"type": "boolean"})),
            external,
            sealed,
        ],
    )
}

fn doc_suffix(doc: &str) -> String {
    match doc.lines().next() {
        Some(first) if !first.is_empty() => format!(": {first}"),
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A config tree with no items: only the chart's own keys. Shared by
    /// the schema's tests.
    pub(crate) fn tree() -> ConfigTree {
        ConfigTree {
            rust_name: "C".into(),
            doc: String::new(),
            probes: Default::default(),
            delivery: Default::default(),
            env_prefix: String::new(),
            items: Vec::new(),
            schema: json!({}),
            definitions: None,
        }
    }

    #[test]
    fn kubernetes_keys_refer_to_the_bundled_definitions_and_accept_null() {
        let values = table(&tree(), "app", Extras::default());
        let (props, required) = properties(values.before_config.iter().flatten());
        assert_eq!(
            props["resources"],
            json!({"anyOf": [
                {"$ref": "#/definitions/io.k8s.api.core.v1.ResourceRequirements"},
                {"type": "null"}
            ]})
        );
        assert_eq!(
            props["tolerations"],
            json!({"type": ["array", "null"], "items": {"$ref": "#/definitions/io.k8s.api.core.v1.Toleration"}})
        );
        assert_eq!(props["nodeSelector"]["additionalProperties"], json!({"type": "string"}));
        assert!(!required.contains(&json!("resources")), "null removes a default");
        assert!(required.contains(&json!("image")) && required.contains(&json!("networkPolicy")));
    }

    #[test]
    fn groups_close_their_keys_and_require_what_cannot_be_null() {
        let values = table(&tree(), "app", Extras::default());
        let image = values.before_config.iter().flatten().find(|k| k.name == "image").unwrap();
        let schema = image.schema();
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], json!(["repository", "pullPolicy", "tag"]));
    }

    #[test]
    fn template_keys_are_in_the_table() {
        use gitops_model::tree::{Item, LeafKind};
        let leaf = |key: &str, kind| {
            Item::Leaf(Leaf {
                path: vec![key.into()],
                doc: String::new(),
                env: key.to_uppercase(),
                kind,
                optional: false,
                text: false,
                default: json!(8080),
            })
        };
        // A port, a metrics port and a secret: every optional group of the table is there.
        let mut tree = tree();
        tree.items = vec![
            leaf("port", LeafKind::Port { name: "http".into(), metrics: None }),
            leaf(
                "metricsPort",
                LeafKind::Port { name: "metrics".into(), metrics: Some("/m".into()) },
            ),
            leaf("token", LeafKind::Secret),
        ];
        // With the builder's extras, whose keys are the canary's and RBAC's.
        let canary = Canary::new().set_weight(50);
        let rbac = Rbac::new().rule(crate::Rule::new([""], ["pods"], ["get"]));
        let values = table(&tree, "app", Extras { canary: Some(&canary), rbac: Some(&rbac) });
        for key in crate::helm::keys::ALL {
            assert!(has_path(&values, key.path()), "{key} is not in the values table");
        }
        for (probe, _, _) in probes(&tree, Some("http")) {
            assert!(has_path(&values, probe), "{probe}");
        }
        assert!(
            !has_path(&values, "image.nope")
                && !has_path(&values, "secrets.externalSecret.secretStoreRef.nope")
        );
    }

    #[test]
    fn null_acceptance() {
        assert!(accepts_null(&json!({"type": ["string", "null"]})));
        assert!(accepts_null(&json!({"anyOf": [{"type": "integer"}, {"type": "null"}]})));
        assert!(!accepts_null(&json!({"type": "object"})));
        assert!(!accepts_null(&json!({"anyOf": [{"type": "integer"}, {"const": ""}]})));
    }
}
