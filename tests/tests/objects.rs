//! The template trees checked independently: for the default values, Helm's
//! render equals the same objects built here with k8s-openapi's types. The
//! expected ConfigMap is derived from the struct's description and default
//! with the naming rule, not from the generator's output.

use gitops_gen::Chart;
use gitops_model::{naming, ConfigStruct, Role};
use gitops_tests::fixtures::Shop;
use gitops_tests::oracle;
use gitops_tests::scratch_dir;
use gitops_types::GitOps;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, EnvVar, HTTPGetAction, Lifecycle, LifecycleHandler, Pod, PodSecurityContext,
    PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecretVolumeSource,
    SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec, SleepAction, Volume,
    VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::Resource;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const FULLNAME: &str = "release-shop";
const NAMESPACE: &str = "shop";

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn selector_labels() -> BTreeMap<String, String> {
    labels(&[("app.kubernetes.io/name", "shop"), ("app.kubernetes.io/instance", "release")])
}

/// `helm.sh/chart`: the chart's name and Chart.yaml's version (which
/// carries a digest of the chart), `+` made `_` for a label; read off the
/// written chart.
static CHART_LABEL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn all_labels() -> BTreeMap<String, String> {
    let mut all = selector_labels();
    let chart = CHART_LABEL.get().expect("the chart label, read first");
    all.extend(labels(&[
        ("helm.sh/chart", chart.as_str()),
        ("app.kubernetes.io/version", "0.1.0"),
        ("app.kubernetes.io/managed-by", "Helm"),
    ]));
    all
}

fn metadata(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(NAMESPACE.into()),
        labels: Some(all_labels()),
        ..Default::default()
    }
}

/// `apiVersion` and `kind` beside the object's fields, as a manifest has them.
fn manifest<K: Resource + Serialize>(object: &K) -> Value {
    let mut value = serde_json::to_value(object).expect("serialize");
    value["apiVersion"] = json!(K::API_VERSION);
    value["kind"] = json!(K::KIND);
    value
}

/// The ConfigMap's data from the description, the default and schemars'
/// schema: every value leaf under its env var, strings raw, the rest as
/// JSON; a `None` left out when the field is a string (schema type
/// `string`), else `null`.
fn config_data(
    desc: &ConfigStruct,
    default: &Value,
    schema: &Value,
    prefix: &str,
    path: &[&'static str],
    out: &mut BTreeMap<String, String>,
) {
    for field in &desc.fields {
        if matches!(field.role, Role::Skip | Role::Secret) {
            continue;
        }
        let mut field_path = path.to_vec();
        field_path.push(field.key);
        let value = &default[field.key];
        let property = &schema["properties"][field.key];
        let env =
            field.env.map(str::to_owned).unwrap_or_else(|| naming::env_var(prefix, &field_path));
        match field.nested() {
            Some(nested) => config_data(&nested, value, property, prefix, &field_path, out),
            None if value.is_null() => {
                let types = property["type"].as_array().cloned().unwrap_or_default();
                if !types.contains(&json!("string")) {
                    out.insert(env, "null".into());
                }
            }
            None => {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.insert(env, text);
            }
        }
    }
}

fn runtime_default() -> Option<SeccompProfile> {
    Some(SeccompProfile { type_: "RuntimeDefault".into(), ..Default::default() })
}

fn restricted_container_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), ..Default::default() }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(65532),
        seccomp_profile: runtime_default(),
        ..Default::default()
    }
}

/// The pod's restricted context; the app's pod also sets `fsGroup`.
fn non_root_pod(fs_group: Option<i64>) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(65532),
        run_as_group: Some(65532),
        fs_group,
        seccomp_profile: runtime_default(),
        ..Default::default()
    }
}

fn http_probe(path: &str) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String("http".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn quantities(cpu: &str, memory: &str) -> BTreeMap<String, Quantity> {
    [("cpu", cpu), ("memory", memory)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
        .collect()
}

fn deployment(checksum: &str) -> Deployment {
    let port = |name: &str, number: i32| ContainerPort {
        name: Some(name.into()),
        container_port: number,
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    let container = Container {
        name: "shop".into(),
        image: Some("ghcr.io/acme/shop:0.1.0".into()),
        image_pull_policy: Some("IfNotPresent".into()),
        security_context: Some(restricted_container_context()),
        ports: Some(vec![port("http", 8080), port("metrics", 9090)]),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource { name: FULLNAME.into(), optional: None }),
            ..Default::default()
        }]),
        // The Secret as files, their directory for the loader.
        env: Some(vec![EnvVar {
            name: "SHOP_SECRETS_DIR".into(),
            value: Some("/var/run/secrets/shop".into()),
            ..Default::default()
        }]),
        liveness_probe: Some(http_probe("/healthz")),
        readiness_probe: Some(http_probe("/readyz")),
        volume_mounts: Some(vec![
            VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..Default::default() },
            VolumeMount {
                name: "secret-files".into(),
                mount_path: "/var/run/secrets/shop".into(),
                read_only: Some(true),
                ..Default::default()
            },
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("100m", "128Mi")),
            // No CPU limit by default: it would throttle.
            limits: Some([("memory".to_string(), Quantity("256Mi".into()))].into()),
            ..Default::default()
        }),
        lifecycle: Some(Lifecycle {
            pre_stop: Some(LifecycleHandler {
                sleep: Some(SleepAction { seconds: 5 }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    Deployment {
        metadata: metadata(FULLNAME),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            revision_history_limit: Some(10),
            selector: LabelSelector { match_labels: Some(selector_labels()), ..Default::default() },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    annotations: Some(labels(&[
                        ("checksum/config", checksum),
                        ("gitops-rs.io/image-tag", "0.1.0"),
                        ("prometheus.io/scrape", "true"),
                        ("prometheus.io/port", "9090"),
                        ("prometheus.io/path", "/metrics"),
                    ])),
                    labels: Some(all_labels()),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(FULLNAME.into()),
                    automount_service_account_token: Some(false),
                    security_context: Some(non_root_pod(Some(65532))),
                    enable_service_links: Some(false),
                    termination_grace_period_seconds: Some(30),
                    containers: vec![container],
                    volumes: Some(vec![
                        Volume {
                            name: "tmp".into(),
                            empty_dir: Some(EmptyDirVolumeSource::default()),
                            ..Default::default()
                        },
                        Volume {
                            name: "secret-files".into(),
                            secret: Some(SecretVolumeSource {
                                secret_name: Some(FULLNAME.into()),
                                default_mode: Some(0o440),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn service() -> Service {
    let port = |name: &str, number: i32| ServicePort {
        name: Some(name.into()),
        port: number,
        target_port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    Service {
        metadata: metadata(FULLNAME),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            ports: Some(vec![port("http", 80), port("metrics", 9090)]),
            selector: Some(selector_labels()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn network_policy() -> NetworkPolicy {
    let port = |name: &str| NetworkPolicyPort {
        port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    NetworkPolicy {
        metadata: metadata(FULLNAME),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(selector_labels()),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![
                NetworkPolicyIngressRule { ports: Some(vec![port("http")]), from: None },
                NetworkPolicyIngressRule {
                    ports: Some(vec![port("metrics")]),
                    from: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(LabelSelector {
                            match_labels: Some(labels(&[(
                                "kubernetes.io/metadata.name",
                                "monitoring",
                            )])),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]),
                },
            ]),
            ..Default::default()
        }),
    }
}

fn test_pod() -> Pod {
    let mut meta = metadata("release-shop-test-connection");
    meta.annotations = Some(labels(&[
        ("helm.sh/hook", "test"),
        ("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded"),
        ("checkov.io/skip1", "CKV_K8S_8=a run-to-completion test pod has no liveness to probe"),
        ("checkov.io/skip2", "CKV_K8S_9=a run-to-completion test pod serves no traffic to gate"),
    ]));
    Pod {
        metadata: meta,
        spec: Some(PodSpec {
            restart_policy: Some("Never".into()),
            automount_service_account_token: Some(false),
            security_context: Some(non_root_pod(None)),
            containers: vec![Container {
                name: "wget".into(),
                image: Some("busybox:1.37".into()),
                command: Some(vec!["wget".into()]),
                args: Some(
                    ["-q", "-O", "/dev/null", "-T", "10", "http://release-shop:80/readyz"]
                        .map(String::from)
                        .to_vec(),
                ),
                // The pod sets the user and seccomp profile; the container
                // only drops what it would not need.
                security_context: Some(SecurityContext {
                    run_as_non_root: None,
                    run_as_user: None,
                    seccomp_profile: None,
                    ..restricted_container_context()
                }),
                resources: Some(ResourceRequirements {
                    requests: Some(quantities("10m", "16Mi")),
                    limits: Some(quantities("100m", "32Mi")),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn the_default_render_equals_the_objects_built_with_k8s_openapi() {
    let dir = scratch_dir("objects-shop");
    Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Shop>()
        .write(&gitops_gen::Outputs::chart(&dir))
        .unwrap();
    let chart_yaml: Value =
        yaml_serde::from_str(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()).unwrap();
    let version = chart_yaml["version"].as_str().unwrap();
    assert_eq!(version, "0.1.0", "no digest without Flux");
    CHART_LABEL.get_or_init(|| format!("shop-{}", version.replace('+', "_")));
    let rendered = oracle::one(oracle::render_validate(&dir, None));
    assert_eq!(rendered["ok"], true, "{rendered:#}");
    let objects: BTreeMap<String, Value> = rendered["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["object"]["kind"].as_str().unwrap().to_owned(), o["object"].clone()))
        .collect();

    let checksum = objects["Deployment"]["spec"]["template"]["metadata"]["annotations"]
        ["checksum/config"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(checksum.len() == 64 && checksum.chars().all(|c| c.is_ascii_hexdigit()));

    let mut data = BTreeMap::new();
    let default = serde_json::to_value(Shop::default()).unwrap();
    let schema = gitops_model::schema::of::<Shop>();
    config_data(&Shop::describe(), &default, &schema, "SHOP_", &[], &mut data);
    assert!(data.len() > 5, "{data:?}");
    let config_map =
        ConfigMap { metadata: metadata(FULLNAME), data: Some(data), ..Default::default() };
    let service_account = ServiceAccount {
        metadata: metadata(FULLNAME),
        automount_service_account_token: Some(false),
        ..Default::default()
    };

    let expected: BTreeMap<String, Value> = [
        manifest(&config_map),
        manifest(&deployment(&checksum)),
        manifest(&network_policy()),
        manifest(&test_pod()),
        manifest(&service()),
        manifest(&service_account),
    ]
    .into_iter()
    .map(|o| (o["kind"].as_str().unwrap().to_owned(), o))
    .collect();
    assert_eq!(
        objects.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the default render's kinds"
    );
    for (kind, object) in &expected {
        assert_eq!(
            &objects[kind],
            object,
            "{kind}: Helm's render differs from the k8s-openapi object\nrendered: {:#}\nexpected: {object:#}",
            objects[kind]
        );
    }
}
