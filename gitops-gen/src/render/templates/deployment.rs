//! `templates/deployment.yaml`.

use super::configmap::{CONFIGMAP_FILE, CONFIG_FILE};
use super::{resource, selector_labels, values_path, with_yaml, Names, ANNOTATION_PREFIX};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys::{self as k, ValuesKey};
use crate::render::values::EXIT_SLACK_SECONDS;
use gitops_model::tree::ConfigTree;
use gitops_model::{naming, Delivery};

/// A probe's handlers, of which Kubernetes allows exactly one.
const PROBE_HANDLERS: [&str; 4] = ["exec", "grpc", "httpGet", "tcpSocket"];

/// How the config and the secrets reach a container: `envFrom`, `env`,
/// `volumeMounts` and the pod's `volumes`, the user's extras included. The
/// Deployment's and the migration Job's container get the same, each from
/// its own ConfigMap and Secret (`config_map`, `secret`: their names).
pub(super) struct ConfigDelivery {
    pub env_from: Part<(String, Node)>,
    pub env: Part<(String, Node)>,
    pub mounts: Part<(String, Node)>,
    pub volumes: Part<(String, Node)>,
}

pub(super) fn config_delivery(
    names: &Names,
    tree: &ConfigTree,
    config_map: Node,
    secret: Node,
) -> ConfigDelivery {
    let has_values = tree.has_values();
    let secrets = tree.secrets();
    let file = tree.delivery == Delivery::File;
    // Secrets as env vars, only with `secrets.envVars` (both delivery modes).
    let secret_env: Vec<Part<Node>> = secrets
        .iter()
        .map(|leaf| {
            let mut key_ref = vec![entry("name", secret.clone()), entry("key", str(leaf.key()))];
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
    let env_from = if has_values && !file {
        vec![Part::Item(map(vec![entry(
            "configMapRef",
            map(vec![entry("name", config_map.clone())]),
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
            entry("configMap", map(vec![entry("name", config_map)])),
        ])));
    }
    if !secrets.is_empty() {
        // By default, in both delivery modes, the Secret as files (mode 0440,
        // read-only) and their directory for the loader; env vars only when
        // `secrets.envVars` asks for them.
        let env_vars = k::SECRETS_ENV_VARS.to_string();
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
            entry("secretName", secret),
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
    mounts.push(Part::With(k::VOLUME_MOUNTS.to_string(), vec![Part::ToYaml(".".into())]));
    volumes.push(Part::With(k::VOLUMES.to_string(), vec![Part::ToYaml(".".into())]));
    ConfigDelivery {
        env_from: list_with_extra("envFrom", env_from, k::EXTRA_ENV_FROM),
        env: list_with_extra("env", env, k::EXTRA_ENV),
        mounts: entry("volumeMounts", seq(mounts)),
        volumes: entry("volumes", seq(volumes)),
    }
}

/// Where the pod may run, from values: node selector, affinity, the spread
/// across zones (`spread`: the Deployment's, not a one-pod Job's),
/// priority and tolerations. The Deployment's and the migration Job's pods
/// are placed alike.
pub(super) fn scheduling(spread: bool) -> Vec<Part<(String, Node)>> {
    let mut parts =
        vec![with_yaml(k::NODE_SELECTOR, "nodeSelector"), with_yaml(k::AFFINITY, "affinity")];
    if spread {
        parts.push(with_yaml(k::TOPOLOGY_SPREAD_CONSTRAINTS, "topologySpreadConstraints"));
    }
    parts.push(Part::With(
        k::PRIORITY_CLASS_NAME.to_string(),
        vec![entry("priorityClassName", expr(". | quote"))],
    ));
    parts.push(with_yaml(k::TOLERATIONS, "tolerations"));
    parts
}

/// How the pod resolves names, from values: the DNS policy and settings and
/// extra `/etc/hosts` entries. The migration Job reaches what the app
/// reaches, so its pod gets the same.
pub(super) fn name_resolution() -> Vec<Part<(String, Node)>> {
    vec![
        Part::With(k::DNS_POLICY.to_string(), vec![entry("dnsPolicy", expr(". | quote"))]),
        with_yaml(k::DNS_CONFIG, "dnsConfig"),
        with_yaml(k::HOST_ALIASES, "hostAliases"),
    ]
}

/// The Deployment; with [`Canary`](super::Canary) steps, only while
/// `canary.enabled` is off (the Rollout takes its place).
pub fn deployment(names: &Names, tree: &ConfigTree, has_canary: bool) -> Document {
    let mut spec = workload_spec(names, tree);
    // After replicas and revisionHistoryLimit, as Kubernetes lists them.
    spec.insert(2, with_yaml(k::STRATEGY, "strategy"));
    let mut deployment = resource(names, "apps/v1", "Deployment", vec![entry("spec", map(spec))]);
    if has_canary {
        deployment.guard = Some(format!("not {}", k::CANARY_ENABLED));
    }
    deployment
}

/// What a Deployment and a Rollout share of their `spec`: replicas (unless
/// autoscaled), revisionHistoryLimit, the selector and the pod template.
pub(super) fn workload_spec(names: &Names, tree: &ConfigTree) -> Vec<Part<(String, Node)>> {
    let has_values = tree.has_values();
    let delivery =
        config_delivery(names, tree, names.include("fullname"), names.include("secretName"));
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
        entry("securityContext", Node::ToYaml(k::SECURITY_CONTEXT.to_string())),
        entry("image", expr(format!("{} | quote", names.include_text("image", ".")))),
        entry("imagePullPolicy", expr(k::IMAGE_PULL_POLICY.to_string())),
    ];
    if !ports.is_empty() {
        container.push(entry("ports", seq(ports)));
    }
    let ConfigDelivery { env_from, env, mounts, volumes } = delivery;
    container.push(env_from);
    container.push(env);
    let first_port = tree.ports().into_iter().next().map(|(name, _)| name);
    for (probe, default, _) in crate::render::values::probes(tree, first_port) {
        // The probe's own key in the table.
        let key = ValuesKey(probe);
        let handler = default.as_object().and_then(|o| o.keys().next()).cloned();
        container.push(match handler {
            // Helm merges a values file's probe into the default, so a handler
            // set there would sit beside the default's, which Kubernetes
            // refuses: the default's handler gives way.
            Some(handler) => {
                let others: Vec<String> = PROBE_HANDLERS
                    .iter()
                    .filter(|h| **h != handler)
                    .map(|h| format!("(hasKey . {})", go_quote(h)))
                    .collect();
                Part::With(
                    key.to_string(),
                    vec![entry(
                        probe,
                        Node::ToYaml(format!(
                            "(ternary (omit . {}) . (or {}))",
                            go_quote(&handler),
                            others.join(" ")
                        )),
                    )],
                )
            }
            None => with_yaml(key, probe),
        });
    }
    container.push(mounts);
    container.push(entry("resources", Node::ToYaml(k::RESOURCES.to_string())));
    // Endpoints are removed while the pod sleeps; only then does SIGTERM
    // arrive. The kubelet's own sleep needs no shell in the image.
    container.push(Part::If(
        k::PRE_STOP_SLEEP_SECONDS.to_string(),
        vec![entry(
            "lifecycle",
            map(vec![entry(
                "preStop",
                map(vec![entry(
                    "sleep",
                    map(vec![entry(
                        "seconds",
                        expr(format!("{} | int", k::PRE_STOP_SLEEP_SECONDS)),
                    )]),
                )]),
            )]),
        )],
        vec![],
    ));
    let grace = match tree.shutdown_timeout() {
        // The app's timeout and the pod's grace period come from one value.
        Some(leaf) => format!(
            "add ({} | int) ({} | int) {EXIT_SLACK_SECONDS}",
            k::PRE_STOP_SLEEP_SECONDS,
            values_path(&leaf.path)
        ),
        None => format!("{} | int", k::TERMINATION_GRACE_PERIOD_SECONDS),
    };

    let mut pod_spec = vec![
        with_yaml(k::IMAGE_PULL_SECRETS, "imagePullSecrets"),
        entry("serviceAccountName", names.include("serviceAccountName")),
        entry("automountServiceAccountToken", expr(k::SERVICE_ACCOUNT_AUTOMOUNT.to_string())),
        entry("securityContext", Node::ToYaml(k::POD_SECURITY_CONTEXT.to_string())),
        entry("enableServiceLinks", expr(k::ENABLE_SERVICE_LINKS.to_string())),
        entry("terminationGracePeriodSeconds", expr(grace)),
        with_yaml(k::INIT_CONTAINERS, "initContainers"),
        entry("containers", seq(vec![Part::Item(map(container))])),
        // The root filesystem is read-only; /tmp is where the app may write.
        volumes,
    ];
    pod_spec.extend(name_resolution());
    pod_spec.extend(scheduling(true));
    let mut annotations = Vec::new();
    if has_values {
        // A config change changes this hash, which rolls the pods.
        let checksum = expr(format!(
            "include (print $.Template.BasePath {}) . | sha256sum | quote",
            go_quote(&format!("/{CONFIGMAP_FILE}"))
        ));
        annotations.push(entry("checksum/config", checksum));
    }
    // Provenance on every pod: the image's tag (as the image helper falls
    // back to appVersion) and, when pinned, its digest.
    annotations.push(entry(
        &format!("{ANNOTATION_PREFIX}image-tag"),
        expr(format!("{} | default .Chart.AppVersion | quote", k::IMAGE_TAG)),
    ));
    annotations.push(Part::If(
        k::IMAGE_DIGEST.to_string(),
        vec![entry(
            &format!("{ANNOTATION_PREFIX}image-digest"),
            expr(format!("{} | quote", k::IMAGE_DIGEST)),
        )],
        vec![],
    ));
    annotations.extend(scrape_annotations(tree));
    annotations.push(Part::With(k::POD_ANNOTATIONS.to_string(), vec![Part::ToYaml(".".into())]));
    let annotations = entry("annotations", map(annotations));

    vec![
        // With autoscaling on, the HPA owns the replica count.
        Part::If(
            format!("not {}", k::AUTOSCALING_ENABLED),
            vec![entry("replicas", expr(format!("{} | int", k::REPLICA_COUNT)))],
            vec![],
        ),
        entry("revisionHistoryLimit", expr(format!("{} | int", k::REVISION_HISTORY_LIMIT))),
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
                                    k::POD_LABELS.to_string(),
                                    vec![Part::ToYaml(".".into())],
                                ),
                            ]),
                        ),
                    ]),
                ),
                entry("spec", map(pod_spec)),
            ]),
        ),
    ]
}

/// `key:` with the generated `items`, then the user's list at `extra`; when
/// nothing is generated, the key appears only if the user's list is set (an
/// empty `key:` would be null).
fn list_with_extra(key: &str, items: Vec<Part<Node>>, extra: ValuesKey) -> Part<(String, Node)> {
    let user = Part::With(extra.to_string(), vec![Part::ToYaml(".".into())]);
    if items.is_empty() {
        with_yaml(extra, key)
    } else {
        let mut all = items;
        all.push(user);
        entry(key, seq(all))
    }
}

/// `prometheus.io/*` on the pods when `metrics.scrape` is `annotations`:
/// the convention Prometheus's example Kubernetes scrape config reads. It
/// holds one port per pod, so the first metrics port.
fn scrape_annotations(tree: &ConfigTree) -> Option<Part<(String, Node)>> {
    let (name, path) = *tree.metrics_ports().first()?;
    let (_, leaf) = tree.ports().into_iter().find(|(port, _)| *port == name)?;
    Some(Part::If(
        format!("eq {} \"annotations\"", k::METRICS_SCRAPE),
        vec![
            entry("prometheus.io/scrape", str("true")),
            entry("prometheus.io/port", expr(format!("{} | int | quote", values_path(&leaf.path)))),
            entry("prometheus.io/path", str(path)),
        ],
        vec![],
    ))
}
