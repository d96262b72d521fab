//! The chart's templates, each built as a [`template`](crate::template) tree.

use crate::build::{ConfigTree, Leaf};
use crate::template::{entry, expr, map, seq, str, Document, Node, Part};
use gitops_model::{naming, Delivery};

/// Seconds the app may take to exit after its own shutdown timeout, before
/// the kubelet's SIGKILL.
pub const EXIT_SLACK_SECONDS: u32 = 5;

/// What the templates need to know besides the config tree.
pub struct Names<'a> {
    /// The chart name, which prefixes every helper (`orders.fullname`).
    pub chart: &'a str,
}

impl Names<'_> {
    fn helper(&self, name: &str) -> String {
        format!("{}.{name}", self.chart)
    }
    fn include(&self, name: &str) -> Node {
        self.include_from(name, ".")
    }
    /// The helper with context `ctx`: `$` inside a `range`.
    fn include_from(&self, name: &str, ctx: &str) -> Node {
        expr(format!("include {:?} {ctx}", self.helper(name)))
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
    let ident = |k: &String| {
        k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if path.iter().all(ident) {
        format!(".Values.config.{}", path.join("."))
    } else {
        // JSON string escapes are valid Go template string escapes.
        let keys: Vec<String> =
            path.iter().map(|k| serde_json::to_string(k).expect("string")).collect();
        format!("(index .Values \"config\" {})", keys.join(" "))
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
fn with_yaml(path: &str, key: &str) -> Part<(String, Node)> {
    Part::With(path.into(), vec![entry(key, Node::ToYaml(".".into()))])
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
    guard: Option<String>,
    api_version: &str,
    kind: &str,
    annotations: Option<&str>,
    body: Vec<Part<(String, Node)>>,
) -> Document {
    let mut metadata = vec![
        entry("name", names.include("fullname")),
        entry("namespace", expr(".Release.Namespace")),
        entry("labels", map(vec![Part::Include(names.helper("labels"))])),
    ];
    if let Some(path) = annotations {
        metadata.push(with_yaml(path, "annotations"));
    }
    let mut parts = vec![
        entry("apiVersion", str(api_version)),
        entry("kind", str(kind)),
        entry("metadata", map(metadata)),
    ];
    parts.extend(body);
    Document { guard, body: parts }
}

fn selector_labels(names: &Names) -> Node {
    map(vec![entry("matchLabels", map(vec![Part::Include(names.helper("selectorLabels"))]))])
}

/// The Service's backend as Ingress and HTTPRoute reference it from inside
/// a `range`.
fn service_port() -> Node {
    expr("$.Values.service.port | int")
}

/// The Ingress, when `ingress.enabled` is set: every host and path to the
/// Service port.
pub fn ingress(names: &Names) -> Document {
    let path = map(vec![
        entry("path", expr(".path | quote")),
        entry("pathType", expr(".pathType | quote")),
        entry(
            "backend",
            map(vec![entry(
                "service",
                map(vec![
                    entry("name", names.include_from("fullname", "$")),
                    entry("port", map(vec![entry("number", service_port())])),
                ]),
            )]),
        ),
    ]);
    let rule = map(vec![
        entry("host", expr(".host | quote")),
        entry(
            "http",
            map(vec![entry(
                "paths",
                seq(vec![Part::Range(".paths".into(), vec![Part::Item(path)])]),
            )]),
        ),
    ]);
    optional_resource(
        names,
        Some(".Values.ingress.enabled".into()),
        "networking.k8s.io/v1",
        "Ingress",
        Some(".Values.ingress.annotations"),
        vec![entry(
            "spec",
            map(vec![
                Part::With(
                    ".Values.ingress.className".into(),
                    vec![entry("ingressClassName", expr(". | quote"))],
                ),
                with_yaml(".Values.ingress.tls", "tls"),
                entry(
                    "rules",
                    seq(vec![Part::Range(".Values.ingress.hosts".into(), vec![Part::Item(rule)])]),
                ),
            ]),
        )],
    )
}

/// The Gateway API HTTPRoute, when `httpRoute.enabled` is set: each rule's
/// matches and filters, sent to the Service port.
pub fn http_route(names: &Names) -> Document {
    let backend = map(vec![
        entry("name", names.include_from("fullname", "$")),
        entry("port", service_port()),
        entry("weight", Node::Int(1)),
    ]);
    let rule = map(vec![
        entry("backendRefs", seq(vec![Part::Item(backend)])),
        with_yaml(".matches", "matches"),
        with_yaml(".filters", "filters"),
    ]);
    optional_resource(
        names,
        Some(".Values.httpRoute.enabled".into()),
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        Some(".Values.httpRoute.annotations"),
        vec![entry(
            "spec",
            map(vec![
                entry("parentRefs", Node::ToYaml(".Values.httpRoute.parentRefs".into())),
                with_yaml(".Values.httpRoute.hostnames", "hostnames"),
                entry(
                    "rules",
                    seq(vec![Part::Range(
                        ".Values.httpRoute.rules".into(),
                        vec![Part::Item(rule)],
                    )]),
                ),
            ]),
        )],
    )
}

/// The HorizontalPodAutoscaler, when `autoscaling.enabled` is set.
pub fn autoscaler(names: &Names) -> Document {
    let a = ".Values.autoscaling";
    let metric = |resource: &str, key: &str| {
        Part::If(
            format!("{a}.{key}"),
            vec![Part::Item(map(vec![
                entry("type", str("Resource")),
                entry(
                    "resource",
                    map(vec![
                        entry("name", str(resource)),
                        entry(
                            "target",
                            map(vec![
                                entry("type", str("Utilization")),
                                entry("averageUtilization", expr(format!("{a}.{key} | int"))),
                            ]),
                        ),
                    ]),
                ),
            ]))],
            vec![],
        )
    };
    optional_resource(
        names,
        Some(format!("{a}.enabled")),
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry(
                    "scaleTargetRef",
                    map(vec![
                        entry("apiVersion", str("apps/v1")),
                        entry("kind", str("Deployment")),
                        entry("name", names.include("fullname")),
                    ]),
                ),
                entry("minReplicas", expr(format!("{a}.minReplicas | int"))),
                entry("maxReplicas", expr(format!("{a}.maxReplicas | int"))),
                // Without targets the HPA's own default (80% CPU) applies.
                Part::If(
                    format!(
                        "or {a}.targetCPUUtilizationPercentage {a}.targetMemoryUtilizationPercentage"
                    ),
                    vec![entry(
                        "metrics",
                        seq(vec![
                            metric("cpu", "targetCPUUtilizationPercentage"),
                            metric("memory", "targetMemoryUtilizationPercentage"),
                        ]),
                    )],
                    vec![],
                ),
            ]),
        )],
    )
}

/// The NetworkPolicy, when `networkPolicy.enabled` is set (the default):
/// ingress only to the declared ports, from `networkPolicy.from` or anywhere;
/// egress restricted only once `networkPolicy.egress` lists rules.
pub fn network_policy(names: &Names, tree: &ConfigTree) -> Document {
    let n = ".Values.networkPolicy";
    let ports: Vec<Part<Node>> = tree
        .ports()
        .into_iter()
        .map(|(name, _)| {
            Part::Item(map(vec![entry("port", str(name)), entry("protocol", str("TCP"))]))
        })
        .collect();
    let ingress = if ports.is_empty() {
        // No port: nothing may connect.
        seq(vec![])
    } else {
        seq(vec![Part::Item(map(vec![
            entry("ports", seq(ports)),
            with_yaml(&format!("{n}.from"), "from"),
        ]))])
    };
    optional_resource(
        names,
        Some(format!("{n}.enabled")),
        "networking.k8s.io/v1",
        "NetworkPolicy",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("podSelector", selector_labels(names)),
                entry(
                    "policyTypes",
                    seq(vec![
                        Part::Item(str("Ingress")),
                        Part::If(format!("{n}.egress"), vec![Part::Item(str("Egress"))], vec![]),
                    ]),
                ),
                entry("ingress", ingress),
                with_yaml(&format!("{n}.egress"), "egress"),
            ]),
        )],
    )
}

/// The External Secrets Operator's ExternalSecret, when
/// `secrets.externalSecret.enabled` is set: it fills the Secret the pods
/// read, one `data` entry per secret field.
pub fn external_secret(names: &Names, tree: &ConfigTree) -> Document {
    let es = ".Values.secrets.externalSecret";
    let refs = format!("({es}.remoteRefs | default dict)");
    let secrets = tree.secrets();
    let listed =
        |key: &str| format!("hasKey {refs} {}", serde_json::to_string(key).expect("string"));
    let data: Vec<Part<Node>> = secrets
        .iter()
        .map(|leaf| {
            let key = leaf.key();
            let quoted = serde_json::to_string(&key).expect("string");
            let listed = listed(&key);
            let item = |remote_ref: Vec<Part<(String, Node)>>| {
                Part::Item(map(vec![entry("secretKey", str(&key)), entry("remoteRef", map(remote_ref))]))
            };
            let own = Part::ToYaml(format!("(index {refs} {quoted})"));
            if leaf.optional {
                // The app runs without an optional key: fetch it only when its
                // place in the store is given.
                Part::If(listed, vec![item(vec![own])], vec![])
            } else {
                let message = format!(
                    "secrets.externalSecret.remoteKey (or remoteRefs.{key}) is required: the store's secret that holds {key}"
                );
                let from_remote_key = vec![
                    entry("key", expr(format!("required {message:?} {es}.remoteKey | quote"))),
                    entry("property", str(&key)),
                ];
                item(vec![Part::If(listed, vec![own], from_remote_key)])
            }
        })
        .collect();
    let store = format!("{es}.secretStoreRef");
    optional_resource(
        names,
        Some(format!("{es}.enabled")),
        "external-secrets.io/v1",
        "ExternalSecret",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("refreshInterval", expr(format!("{es}.refreshInterval | quote"))),
                entry(
                    "secretStoreRef",
                    map(vec![
                        entry("kind", expr(format!("{store}.kind | quote"))),
                        entry(
                            "name",
                            expr(format!(
                                "required \"secrets.externalSecret.secretStoreRef.name is required: the store to read from\" {store}.name | quote"
                            )),
                        ),
                    ]),
                ),
                entry(
                    "target",
                    map(vec![
                        entry("name", names.include("secretName")),
                        entry("creationPolicy", str("Owner")),
                    ]),
                ),
                if secrets.iter().any(|l| !l.optional) {
                    entry("data", seq(data))
                } else {
                    // Only optional keys: `data` exists when one of them is listed
                    // (an empty `data:` would be null).
                    let any_listed: Vec<String> =
                        secrets.iter().map(|l| format!("({})", listed(&l.key()))).collect();
                    Part::If(
                        format!("or {}", any_listed.join(" ")),
                        vec![entry("data", seq(data))],
                        vec![],
                    )
                },
            ]),
        )],
    )
}

/// The `helm test` pod: fetches the readiness path (else `/`) through the
/// Service, as restricted as the app's own pod.
pub fn test_connection(names: &Names, tree: &ConfigTree) -> Document {
    let path = tree.probes.readiness.or(tree.probes.liveness).unwrap_or("/");
    // JSON string escapes are valid Go template string escapes.
    let format =
        serde_json::to_string(&format!("http://%s:%d{}", path.replace('%', "%%"))).expect("string");
    let url = expr(format!(
        "printf {format} (include {:?} .) (.Values.service.port | int) | quote",
        names.helper("fullname")
    ));
    let container = map(vec![
        entry("name", str("wget")),
        entry("image", expr(".Values.test.image | quote")),
        entry("command", seq(vec![Part::Item(str("wget"))])),
        entry(
            "args",
            seq(vec![
                Part::Item(str("-q")),
                Part::Item(str("-O")),
                Part::Item(str("/dev/null")),
                Part::Item(str("-T")),
                Part::Item(str("10")),
                Part::Item(url),
            ]),
        ),
        entry(
            "securityContext",
            map(vec![
                entry("allowPrivilegeEscalation", Node::Bool(false)),
                entry("capabilities", map(vec![entry("drop", seq(vec![Part::Item(str("ALL"))]))])),
                entry("readOnlyRootFilesystem", Node::Bool(true)),
            ]),
        ),
        entry(
            "resources",
            map(vec![
                entry(
                    "requests",
                    map(vec![entry("cpu", str("10m")), entry("memory", str("16Mi"))]),
                ),
                entry("limits", map(vec![entry("cpu", str("100m")), entry("memory", str("32Mi"))])),
            ]),
        ),
    ]);
    Document {
        guard: None,
        body: vec![
            entry("apiVersion", str("v1")),
            entry("kind", str("Pod")),
            entry(
                "metadata",
                map(vec![
                    entry(
                        "name",
                        expr(format!(
                            "printf \"%s-test-connection\" (include {:?} .) | trunc 63 | trimSuffix \"-\"",
                            names.helper("fullname")
                        )),
                    ),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    entry(
                        "annotations",
                        map(vec![
                            entry("helm.sh/hook", str("test")),
                            entry(
                                "helm.sh/hook-delete-policy",
                                str("before-hook-creation,hook-succeeded"),
                            ),
                            // checkov's suppressions, with their reasons, where a reviewer sees them.
                            entry(
                                "checkov.io/skip1",
                                str("CKV_K8S_8=a run-to-completion test pod has no liveness to probe"),
                            ),
                            entry(
                                "checkov.io/skip2",
                                str("CKV_K8S_9=a run-to-completion test pod serves no traffic to gate"),
                            ),
                        ]),
                    ),
                ]),
            ),
            entry(
                "spec",
                map(vec![
                    entry("restartPolicy", str("Never")),
                    entry("automountServiceAccountToken", Node::Bool(false)),
                    entry(
                        "securityContext",
                        map(vec![
                            entry("runAsNonRoot", Node::Bool(true)),
                            entry("runAsUser", Node::Int(65532)),
                            entry("runAsGroup", Node::Int(65532)),
                            entry("seccompProfile", map(vec![entry("type", str("RuntimeDefault"))])),
                        ]),
                    ),
                    entry("containers", seq(vec![Part::Item(container)])),
                ]),
            ),
        ],
    }
}

/// The key of the config file in the ConfigMap, and its name when mounted.
pub const CONFIG_FILE: &str = "config.json";

/// The ConfigMap: in env delivery one key per non-secret leaf, named as the
/// env var it becomes; in file delivery one key, the `config` values as JSON.
pub fn configmap(names: &Names, tree: &ConfigTree) -> Document {
    if tree.delivery == Delivery::File {
        // JSON with the same keys as values.yaml's `config:` (see the
        // `configJson` helper). Not toYaml: Helm's
        // toYaml writes a NEL raw, which YAML readers fold into a space, and
        // returns "" for keys it cannot write (the round-trip test found
        // both); toJson carries every string. `quote` keeps it one scalar.
        let file = expr(format!("include {:?} . | quote", names.helper("configJson")));
        return resource(
            names,
            "v1",
            "ConfigMap",
            vec![entry("data", map(vec![entry(CONFIG_FILE, file)]))],
        );
    }
    let data = tree
        .value_leaves()
        .into_iter()
        .map(|leaf| {
            // Strings go as themselves, everything else as JSON text; `toJson`
            // also prints large numbers whole where `{{ }}` would print 1e+06.
            let filter = if leaf.text { "quote" } else { "toJson | quote" };
            let value = expr(format!("{} | {filter}", values_path(&leaf.path)));
            // A JSON leaf is always set, `null` when a values file unset it
            // (Helm deletes the key, and toJson prints nil as null): the
            // app's default never comes back for a key the user cleared.
            if leaf.text {
                when_set(leaf, entry(&leaf.env, value))
            } else {
                entry(&leaf.env, value)
            }
        })
        .collect();
    resource(names, "v1", "ConfigMap", vec![entry("data", map(data))])
}

pub fn service(names: &Names, tree: &ConfigTree) -> Document {
    let ports = tree
        .ports()
        .into_iter()
        .enumerate()
        .map(|(i, (name, leaf))| {
            // The first port is the one `service.port` exposes, as in `helm create`.
            let port = if i == 0 {
                expr(".Values.service.port | int")
            } else {
                expr(format!("{} | int", values_path(&leaf.path)))
            };
            Part::Item(map(vec![
                entry("name", str(name)),
                entry("port", port),
                entry("targetPort", str(name)),
                entry("protocol", str("TCP")),
            ]))
        })
        .collect();
    resource(
        names,
        "v1",
        "Service",
        vec![entry(
            "spec",
            map(vec![
                entry("type", expr(".Values.service.type")),
                entry("ports", seq(ports)),
                entry("selector", map(vec![Part::Include(names.helper("selectorLabels"))])),
            ]),
        )],
    )
}

/// A probe's handlers, of which Kubernetes allows exactly one.
const PROBE_HANDLERS: [&str; 4] = ["exec", "grpc", "httpGet", "tcpSocket"];

pub fn deployment(names: &Names, tree: &ConfigTree) -> Document {
    let has_values = tree.has_values();
    let secrets = tree.secrets();
    let file = tree.delivery == Delivery::File;
    // Secrets as env vars, only with `secrets.envVars` (both delivery modes).
    let secret_env: Vec<Part<Node>> = secrets
        .iter()
        .map(|leaf| {
            let mut key_ref =
                vec![entry("name", names.include("secretName")), entry("key", str(leaf.key()))];
            if leaf.optional {
                key_ref.push(entry("optional", Node::Bool(true)));
            }
            Part::Item(map(vec![
                entry("name", str(&leaf.env)),
                entry("valueFrom", map(vec![entry("secretKeyRef", map(key_ref))])),
            ]))
        })
        .collect();
    let mut env: Vec<Part<Node>> = Vec::new();
    let ports: Vec<Part<Node>> = tree
        .ports()
        .into_iter()
        .map(|(name, leaf)| {
            Part::Item(map(vec![
                entry("name", str(name)),
                entry("containerPort", expr(format!("{} | int", values_path(&leaf.path)))),
                entry("protocol", str("TCP")),
            ]))
        })
        .collect();

    let mut container = vec![
        entry("name", expr(".Chart.Name")),
        entry("securityContext", Node::ToYaml(".Values.securityContext".into())),
        entry("image", expr(format!("include {:?} . | quote", names.helper("image")))),
        entry("imagePullPolicy", expr(".Values.image.pullPolicy")),
    ];
    if !ports.is_empty() {
        container.push(entry("ports", seq(ports)));
    }
    let env_from = if has_values && !file {
        vec![Part::Item(map(vec![entry(
            "configMapRef",
            map(vec![entry("name", names.include("fullname"))]),
        )]))]
    } else {
        Vec::new()
    };
    let mut mounts =
        vec![Part::Item(map(vec![entry("name", str("tmp")), entry("mountPath", str("/tmp"))]))];
    let mut volumes =
        vec![Part::Item(map(vec![entry("name", str("tmp")), entry("emptyDir", map(vec![]))]))];
    let mount = |name: &str, path: String| {
        Part::Item(map(vec![
            entry("name", str(name)),
            entry("mountPath", str(path)),
            entry("readOnly", Node::Bool(true)),
        ]))
    };
    let path_var = |name: String, path: String| {
        Part::Item(map(vec![entry("name", str(name)), entry("value", str(path))]))
    };
    if file && has_values {
        env.push(path_var(
            naming::config_file_var(&tree.env_prefix),
            format!("{}/{CONFIG_FILE}", names.config_dir()),
        ));
        mounts.push(mount("config-file", names.config_dir()));
        volumes.push(Part::Item(map(vec![
            entry("name", str("config-file")),
            entry("configMap", map(vec![entry("name", names.include("fullname"))])),
        ])));
    }
    if !secrets.is_empty() {
        // By default, in both delivery modes, the Secret as files (mode 0440,
        // read-only) and their directory for the loader; env vars only when
        // `secrets.envVars` asks for them.
        let env_vars = ".Values.secrets.envVars".to_owned();
        env.push(Part::If(
            env_vars.clone(),
            secret_env,
            vec![path_var(naming::secrets_dir_var(&tree.env_prefix), names.secrets_dir())],
        ));
        mounts.push(Part::If(
            format!("not {env_vars}"),
            vec![mount("secret-files", names.secrets_dir())],
            vec![],
        ));
        let mut secret = vec![
            entry("secretName", names.include("secretName")),
            // Readable by the pod's group (fsGroup) only.
            entry("defaultMode", Node::Int(0o440)),
        ];
        if secrets.iter().all(|l| l.optional) {
            // Without a required key the app starts without the Secret.
            secret.push(entry("optional", Node::Bool(true)));
        }
        volumes.push(Part::If(
            format!("not {env_vars}"),
            vec![Part::Item(map(vec![
                entry("name", str("secret-files")),
                entry("secret", map(secret)),
            ]))],
            vec![],
        ));
    }
    container.push(list_with_extra("envFrom", env_from, ".Values.extraEnvFrom"));
    container.push(list_with_extra("env", env, ".Values.extraEnv"));
    let first_port = tree.ports().into_iter().next().map(|(name, _)| name);
    for (probe, default, _) in crate::values::probes(tree, first_port) {
        let path = format!(".Values.{probe}");
        let handler = default.as_object().and_then(|o| o.keys().next()).cloned();
        container.push(match handler {
            // Helm merges a values file's probe into the default, so a handler
            // set there would sit beside the default's, which Kubernetes
            // refuses: the default's handler gives way.
            Some(handler) => {
                let others: Vec<String> = PROBE_HANDLERS
                    .iter()
                    .filter(|h| **h != handler)
                    .map(|h| format!("(hasKey . {h:?})"))
                    .collect();
                Part::With(
                    path,
                    vec![entry(
                        probe,
                        Node::ToYaml(format!(
                            "(ternary (omit . {handler:?}) . (or {}))",
                            others.join(" ")
                        )),
                    )],
                )
            }
            None => with_yaml(&path, probe),
        });
    }
    mounts.push(Part::With(".Values.volumeMounts".into(), vec![Part::ToYaml(".".into())]));
    container.push(entry("volumeMounts", seq(mounts)));
    container.push(entry("resources", Node::ToYaml(".Values.resources".into())));
    // Endpoints are removed while the pod sleeps; only then does SIGTERM
    // arrive. The kubelet's own sleep needs no shell in the image.
    container.push(Part::If(
        ".Values.preStopSleepSeconds".into(),
        vec![entry(
            "lifecycle",
            map(vec![entry(
                "preStop",
                map(vec![entry(
                    "sleep",
                    map(vec![entry("seconds", expr(".Values.preStopSleepSeconds | int"))]),
                )]),
            )]),
        )],
        vec![],
    ));
    let grace = match tree.shutdown_timeout() {
        // The app's timeout and the pod's grace period come from one value.
        Some(leaf) => format!(
            "add (.Values.preStopSleepSeconds | int) ({} | int) {EXIT_SLACK_SECONDS}",
            values_path(&leaf.path)
        ),
        None => ".Values.terminationGracePeriodSeconds | int".into(),
    };

    volumes.push(Part::With(".Values.volumes".into(), vec![Part::ToYaml(".".into())]));
    let pod_spec = vec![
        with_yaml(".Values.imagePullSecrets", "imagePullSecrets"),
        entry("serviceAccountName", names.include("serviceAccountName")),
        entry("automountServiceAccountToken", expr(".Values.serviceAccount.automount")),
        entry("securityContext", Node::ToYaml(".Values.podSecurityContext".into())),
        entry("enableServiceLinks", expr(".Values.enableServiceLinks")),
        entry("terminationGracePeriodSeconds", expr(grace)),
        entry("containers", seq(vec![Part::Item(map(container))])),
        // The root filesystem is read-only; /tmp is where the app may write.
        entry("volumes", seq(volumes)),
        with_yaml(".Values.nodeSelector", "nodeSelector"),
        with_yaml(".Values.affinity", "affinity"),
        with_yaml(".Values.topologySpreadConstraints", "topologySpreadConstraints"),
        Part::With(
            ".Values.priorityClassName".into(),
            vec![entry("priorityClassName", expr(". | quote"))],
        ),
        with_yaml(".Values.tolerations", "tolerations"),
    ];
    let user_annotations =
        Part::With(".Values.podAnnotations".into(), vec![Part::ToYaml(".".into())]);
    let annotations = if has_values {
        // A config change changes this hash, which rolls the pods.
        let checksum =
            expr("include (print $.Template.BasePath \"/configmap.yaml\") . | sha256sum | quote");
        entry("annotations", map(vec![entry("checksum/config", checksum), user_annotations]))
    } else {
        // Without a ConfigMap there is no checksum; an empty `annotations:` would be null.
        with_yaml(".Values.podAnnotations", "annotations")
    };

    resource(
        names,
        "apps/v1",
        "Deployment",
        vec![entry(
            "spec",
            map(vec![
                // With autoscaling on, the HPA owns the replica count.
                Part::If(
                    "not .Values.autoscaling.enabled".into(),
                    vec![entry("replicas", expr(".Values.replicaCount | int"))],
                    vec![],
                ),
                entry("selector", selector_labels(names)),
                entry(
                    "template",
                    map(vec![
                        entry(
                            "metadata",
                            map(vec![
                                annotations,
                                entry(
                                    "labels",
                                    map(vec![
                                        Part::Include(names.helper("labels")),
                                        Part::With(
                                            ".Values.podLabels".into(),
                                            vec![Part::ToYaml(".".into())],
                                        ),
                                    ]),
                                ),
                            ]),
                        ),
                        entry("spec", map(pod_spec)),
                    ]),
                ),
            ]),
        )],
    )
}

/// `key:` with the generated `items`, then the user's list at `extra`; when
/// nothing is generated, the key appears only if the user's list is set (an
/// empty `key:` would be null).
fn list_with_extra(key: &str, items: Vec<Part<Node>>, extra: &str) -> Part<(String, Node)> {
    let user = Part::With(extra.into(), vec![Part::ToYaml(".".into())]);
    if items.is_empty() {
        with_yaml(extra, key)
    } else {
        let mut all = items;
        all.push(user);
        entry(key, seq(all))
    }
}

/// The PodDisruptionBudget, when `podDisruptionBudget.enabled` is set.
pub fn pod_disruption_budget(names: &Names) -> Document {
    let budget = ".Values.podDisruptionBudget";
    optional_resource(
        names,
        Some(format!("{budget}.enabled")),
        "policy/v1",
        "PodDisruptionBudget",
        None,
        vec![entry(
            "spec",
            map(vec![
                // maxUnavailable wins when set (0 included, hence not a plain `if`);
                // toJson keeps 1 a number and "50%" a string.
                Part::If(
                    format!(
                        "and (not (kindIs \"invalid\" {budget}.maxUnavailable)) (ne (toString {budget}.maxUnavailable) \"\")"
                    ),
                    vec![entry(
                        "maxUnavailable",
                        expr(format!("{budget}.maxUnavailable | toJson")),
                    )],
                    vec![entry("minAvailable", expr(format!("{budget}.minAvailable | toJson")))],
                ),
                entry("selector", selector_labels(names)),
            ]),
        )],
    )
}

/// The ServiceAccount, when `serviceAccount.create` is set.
pub fn service_account(names: &Names) -> Document {
    Document {
        guard: Some(".Values.serviceAccount.create".into()),
        body: vec![
            entry("apiVersion", str("v1")),
            entry("kind", str("ServiceAccount")),
            entry(
                "metadata",
                map(vec![
                    entry("name", names.include("serviceAccountName")),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    with_yaml(".Values.serviceAccount.annotations", "annotations"),
                ]),
            ),
            entry("automountServiceAccountToken", expr(".Values.serviceAccount.automount")),
        ],
    }
}

/// `NOTES.txt`, printed by `helm install`: how to reach the app and which
/// Secret it waits for.
pub fn notes(names: &Names, tree: &ConfigTree, header: &str) -> String {
    let c = names.chart;
    // The header's comment trims the newline after it: notes start at line one.
    let mut out = format!("{}\n", header.replace("*/}}", "*/ -}}"));
    out.push_str(&format!(
        "{{{{ include \"{c}.fullname\" . }}}} is deployed to namespace {{{{ .Release.Namespace }}}}.\n"
    ));
    if let Some((name, _)) = tree.ports().into_iter().next() {
        out.push_str(&format!(
            "\nReach it from your machine:\n  kubectl --namespace {{{{ .Release.Namespace }}}} port-forward service/{{{{ include \"{c}.fullname\" . }}}} 8080:{{{{ .Values.service.port }}}}\nthen open http://127.0.0.1:8080 (the container's `{name}` port).\n"
        ));
    }
    let secrets = tree.secrets();
    if !secrets.is_empty() {
        out.push_str(&format!(
            "\nThe pods read these keys from the Secret {{{{ include \"{c}.secretName\" . }}}} in the same namespace:\n"
        ));
        for leaf in &secrets {
            let optional = if leaf.optional { " (optional)" } else { "" };
            out.push_str(&format!("  {}{optional}\n", leaf.key()));
        }
        let dir = names.secrets_dir();
        if secrets.iter().all(|l| l.optional) {
            out.push_str(&format!(
                "Every key is optional: the pods start without it.\n{{{{ if .Values.secrets.envVars -}}}}\nThey arrive as env vars (secrets.envVars).\n{{{{ else -}}}}\nThey arrive as files in {dir}.\n{{{{ end -}}}}\n"
            ));
        } else {
            // The kubelet's own states: a missing secretKeyRef stops the
            // container's creation, a missing Secret volume the pod's mounts.
            out.push_str(&format!(
                "{{{{ if .Values.secrets.envVars -}}}}\nThey arrive as env vars (secrets.envVars): pods stay in CreateContainerConfigError until it exists\nwith every required key.\n{{{{ else -}}}}\nThey arrive as files in {dir}: pods stay in ContainerCreating until it exists; a\nrequired key missing from it stops the app at start-up with an error naming the key.\n{{{{ end -}}}}\n"
            ));
        }
    }
    out
}

/// `_helpers.tpl`: the naming and labelling conventions every Helm chart
/// shares, so resources are named and selected as users expect.
pub fn helpers(names: &Names, tree: &ConfigTree, header: &str) -> String {
    let c = names.chart;
    let has_secrets = !tree.secrets().is_empty();
    let mut out = format!(
        r#"{header}
{{{{/*
The chart name, or nameOverride. Kubernetes names stop at 63 characters.
*/}}}}
{{{{- define "{c}.name" -}}}}
{{{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
The name of every resource: fullnameOverride, else the release name, suffixed
with the chart name unless the release name already contains it.
*/}}}}
{{{{- define "{c}.fullname" -}}}}
{{{{- if .Values.fullnameOverride }}}}
{{{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- $name := default .Chart.Name .Values.nameOverride }}}}
{{{{- if contains $name .Release.Name }}}}
{{{{- .Release.Name | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
Chart name and version, for the helm.sh/chart label.
*/}}}}
{{{{- define "{c}.chart" -}}}}
{{{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
Labels on every resource.
*/}}}}
{{{{- define "{c}.labels" -}}}}
helm.sh/chart: {{{{ include "{c}.chart" . }}}}
{{{{ include "{c}.selectorLabels" . }}}}
{{{{- if .Chart.AppVersion }}}}
app.kubernetes.io/version: {{{{ .Chart.AppVersion | quote }}}}
{{{{- end }}}}
app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}
{{{{- end }}}}

{{{{/*
The container image: pinned by image.digest when set, else image.tag, else
the chart's appVersion.
*/}}}}
{{{{- define "{c}.image" -}}}}
{{{{- if .Values.image.digest }}}}
{{{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}}}
{{{{- else }}}}
{{{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
The ServiceAccount the pods run as.
*/}}}}
{{{{- define "{c}.serviceAccountName" -}}}}
{{{{- if .Values.serviceAccount.create }}}}
{{{{- default (include "{c}.fullname" .) .Values.serviceAccount.name }}}}
{{{{- else }}}}
{{{{- default "default" .Values.serviceAccount.name }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
Labels that select the pods; they never change over a release's life.
*/}}}}
{{{{- define "{c}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ include "{c}.name" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{{{{- end }}}}
"#
    );
    if tree.delivery == Delivery::File {
        out.push_str(&config_json(names, tree));
    }
    if has_secrets {
        out.push_str(&format!(
            r#"
{{{{/*
The Secret that holds the secret config fields: secrets.existingSecret, else
the full name.
*/}}}}
{{{{- define "{c}.secretName" -}}}}
{{{{- default (include "{c}.fullname" .) .Values.secrets.existingSecret }}}}
{{{{- end }}}}
"#
        ));
    }
    out
}

/// The `configJson` helper (file delivery): `.Values.config` as JSON with
/// every `Option` key present, `null` where a values file unset it. Helm
/// deletes a key set to null, and a key missing from the file would leave
/// the app's default (`Some`) in place.
fn config_json(names: &Names, tree: &ConfigTree) -> String {
    let mut out = format!(
        "\n{{{{/*\nThe config file: the config values as JSON, each optional key present (null when unset).\n*/}}}}\n{{{{- define \"{}\" -}}}}\n{{{{- $config := deepCopy .Values.config }}}}\n",
        names.helper("configJson")
    );
    let quoted = |keys: &[String]| -> String {
        keys.iter().map(|k| format!(" {}", serde_json::to_string(k).expect("string"))).collect()
    };
    for leaf in tree.value_leaves().into_iter().filter(|l| l.optional) {
        let (last, sections) = leaf.path.split_last().expect("a leaf has a key");
        let section = if sections.is_empty() {
            "$config".to_owned()
        } else {
            format!("(index $config{})", quoted(sections))
        };
        // `index` of a missing key is nil: the key is set to itself, or to null.
        out.push_str(&format!(
            "{{{{- $_ := set {section}{} (index $config{}) }}}}\n",
            quoted(std::slice::from_ref(last)),
            quoted(&leaf.path)
        ));
    }
    out.push_str("{{- toJson $config }}\n{{- end }}\n");
    out
}
