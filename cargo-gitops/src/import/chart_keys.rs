//! The keys `helm create` defines, which the generated chart owns, and how
//! an original chart's values of them compare with the generated chart's
//! defaults.
//!
//! The generated defaults are not copied here: they come from gitops-gen
//! itself, by generating (in memory) the chart of a one-port config, so the
//! comparison cannot drift from what `Chart::write` produces.

use super::infer::Probes;
use super::read;
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The top-level keys of `helm create`'s values.yaml.
pub const HELM_CREATE_KEYS: &[&str] = &[
    "replicaCount",
    "image",
    "imagePullSecrets",
    "nameOverride",
    "fullnameOverride",
    "serviceAccount",
    "podAnnotations",
    "podLabels",
    "podSecurityContext",
    "securityContext",
    "service",
    "ingress",
    "httpRoute",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "autoscaling",
    "volumes",
    "volumeMounts",
    "nodeSelector",
    "tolerations",
    "affinity",
];

/// Keys the generated chart has beside `helm create`'s: an app key with one
/// of these names moves under `config:` like any other, but is worth a note.
pub const OTHER_CHART_KEYS: &[&str] = &[
    "startupProbe",
    "enableServiceLinks",
    "preStopSleepSeconds",
    "terminationGracePeriodSeconds",
    "podDisruptionBudget",
    "networkPolicy",
    "extraEnv",
    "extraEnvFrom",
    "topologySpreadConstraints",
    "priorityClassName",
    "test",
    "secrets",
];

/// The generated chart's groups of fixed keys (everything else holds a
/// Kubernetes object or a free map, whose fields any value may set).
const GROUPS: &[&str] =
    &["image", "serviceAccount", "service", "ingress", "httpRoute", "autoscaling"];

pub fn is_helm_create_key(key: &str) -> bool {
    HELM_CREATE_KEYS.contains(&key)
}

/// A config with one port: the smallest config whose chart has every key
/// of the table (`service`, `ingress` and `httpRoute` need a port).
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "IMPORT_")]
struct OnePort {
    #[gitops(port = "http")]
    http_port: u16,
}

impl Default for OnePort {
    fn default() -> Self {
        OnePort { http_port: 8080 }
    }
}

/// The generated chart's values.yaml as JSON, for a config with a port (or
/// without: `service`, `ingress`, `httpRoute` left out), the image
/// `repository` and the root struct's probe paths.
pub fn generated_defaults(
    repository: &str,
    has_port: bool,
    probes: &Probes,
) -> Result<Value, String> {
    let repository = if repository.is_empty() { "app" } else { repository };
    let files = gitops_gen::Chart::new("import")
        .image(repository)
        .config::<OnePort>()
        .files()
        .map_err(|e| format!("generating the reference chart: {e}"))?;
    let text = files.get("values.yaml").ok_or("the reference chart has no values.yaml")?;
    let mut values = read::values(text)?.to_json();
    let object = values.as_object_mut().expect("values are a map");
    object.remove("config");
    if !has_port {
        for key in ["service", "ingress", "httpRoute", "test"] {
            object.remove(key);
        }
    }
    // The derive turns each declared path into an HTTP GET on the first port.
    for (key, path) in [
        ("livenessProbe", &probes.liveness),
        ("readinessProbe", &probes.readiness),
        ("startupProbe", &probes.startup),
    ] {
        if let Some(path) = path {
            object.insert(key.into(), json!({"httpGet": {"path": path, "port": "http"}}));
        }
    }
    Ok(values)
}

/// How an original value of a `helm create` key compares with the generated chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// Both charts have the key, with different defaults.
    Value { path: String, original: Value, generated: Value },
    /// The generated chart has no such key: its schema rejects it.
    NotCarried { path: String, original: Value },
}

impl Difference {
    pub fn path(&self) -> &str {
        match self {
            Difference::Value { path, .. } | Difference::NotCarried { path, .. } => path,
        }
    }
}

/// Every difference between `original`'s helm-create keys and `generated`,
/// as deep as both sides are non-empty maps.
pub fn differences(original: &Value, generated: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let Some(original) = original.as_object() else { return out };
    for (key, value) in original.iter().filter(|(k, _)| is_helm_create_key(k)) {
        match generated.get(key) {
            None => out.push(Difference::NotCarried { path: key.clone(), original: value.clone() }),
            Some(g) => compare(key, GROUPS.contains(&key.as_str()), value, g, &mut out),
        }
    }
    out
}

fn compare(
    path: &str,
    group: bool,
    original: &Value,
    generated: &Value,
    out: &mut Vec<Difference>,
) {
    match (original.as_object(), generated.as_object()) {
        (Some(o), Some(g)) if !o.is_empty() && !g.is_empty() => {
            for (key, value) in o {
                let inner = format!("{path}.{key}");
                match g.get(key) {
                    Some(gv) => compare(&inner, false, value, gv, out),
                    None if group => {
                        out.push(Difference::NotCarried { path: inner, original: value.clone() })
                    }
                    None => out.push(Difference::Value {
                        path: inner,
                        original: value.clone(),
                        generated: Value::Null,
                    }),
                }
            }
            for (key, value) in g.iter().filter(|(k, _)| !o.contains_key(*k)) {
                // A group's extra keys (`image.digest`) are the generated chart's own additions.
                if !group {
                    out.push(Difference::Value {
                        path: format!("{path}.{key}"),
                        original: Value::Null,
                        generated: value.clone(),
                    });
                }
            }
        }
        _ if original != generated => out.push(Difference::Value {
            path: path.into(),
            original: original.clone(),
            generated: generated.clone(),
        }),
        _ => {}
    }
}

/// Keys of a values file's helm-create part that the generated chart does
/// not have (its schema would reject the file).
pub fn not_carried(values: &Value, generated: &Value) -> Vec<String> {
    differences(values, generated)
        .into_iter()
        .filter_map(|d| match d {
            Difference::NotCarried { path, .. } => Some(path),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_defaults_come_from_gitops_gen() {
        let probes = Probes { liveness: Some("/".into()), ..Probes::default() };
        let values = generated_defaults("nginx", true, &probes).unwrap();
        assert_eq!(values["image"]["repository"], json!("nginx"));
        assert_eq!(values["service"]["port"], json!(80));
        assert_eq!(values["livenessProbe"], json!({"httpGet": {"path": "/", "port": "http"}}));
        assert!(values.get("config").is_none());
        let no_port = generated_defaults("nginx", false, &Probes::default()).unwrap();
        assert!(no_port.get("service").is_none());
    }

    #[test]
    fn differences_go_as_deep_as_both_maps() {
        let original = json!({
            "replicaCount": 1,
            "image": {"repository": "nginx", "tag": "", "extra": 1},
            "securityContext": {},
            "service": {"type": "ClusterIP", "port": 80, "nodePort": 30000},
            "resources": {"limits": {"cpu": "1"}},
            "app": 1
        });
        let generated = json!({
            "replicaCount": 1,
            "image": {"repository": "nginx", "tag": "", "digest": ""},
            "securityContext": {"runAsNonRoot": true},
            "service": {"type": "ClusterIP", "port": 80},
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m"}}
        });
        let mut paths: Vec<String> =
            differences(&original, &generated).iter().map(|d| d.path().to_owned()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "image.extra",
                "resources.limits.cpu",
                "resources.limits.memory",
                "resources.requests",
                "securityContext",
                "service.nodePort"
            ]
        );
        let mut not = not_carried(&original, &generated);
        not.sort();
        assert_eq!(not, ["image.extra", "service.nodePort"]);
    }
}
