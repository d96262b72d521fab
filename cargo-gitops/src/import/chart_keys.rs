//! The chart keys: the keys `helm create` defines and the generated chart's
//! own Kubernetes keys, which the generated chart owns; and how an original
//! chart's values of them compare with the generated chart's defaults.
//!
//! Decision: every top-level key of the generated chart is a chart key
//! (stays at the top of values files, never becomes config) when its name
//! says what the generated chart uses it for: `helm create`'s keys and the
//! pod's and chart's Kubernetes settings (`startupProbe`,
//! `terminationGracePeriodSeconds`, `networkPolicy`, …). Two are left to the
//! app, [`APP_NAMED_KEYS`]: `test` and `secrets` are generic words, and the
//! generated chart's (its `helm test` pod's image, its Secret delivery) are
//! its own inventions, so an original chart's key of that name is far more
//! likely the app's. Partition ([`super::import`]), conversion
//! ([`super::convert`]), the templates' paths ([`super::templates`]) and the
//! comparison here all go by [`is_chart_key`].
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

/// The chart keys: `helm create`'s top-level keys, then the generated
/// chart's own Kubernetes keys (a unit test checks them against the keys of
/// a chart gitops-gen generates).
pub const CHART_KEYS: &[&str] = &[
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
    // The generated chart's own.
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
];

/// Keys the generated chart has that stay app keys in an import (see the
/// module's decision): they move under `config:` like any other, with a note.
pub const APP_NAMED_KEYS: &[&str] = &["test", "secrets"];

/// The generated chart's groups of fixed keys (everything else holds a
/// Kubernetes object or a free map, whose fields any value may set).
const GROUPS: &[&str] = &[
    "image",
    "serviceAccount",
    "service",
    "ingress",
    "httpRoute",
    "autoscaling",
    "podDisruptionBudget",
    "networkPolicy",
];

pub fn is_chart_key(key: &str) -> bool {
    CHART_KEYS.contains(&key)
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

/// The image of the in-memory reference chart: a fixed one, so that no
/// value of the original chart can make its generation fail.
const PLACEHOLDER_IMAGE: &str = "app";

/// The generated chart's values.yaml as JSON, for a config with a port (or
/// without: `service`, `ingress`, `httpRoute` left out), the image
/// `repository` (the one the user passes to `Chart::image`, set after
/// generating; see [`repository_problem`]) and the root struct's probe paths.
pub fn generated_defaults(
    repository: &str,
    has_port: bool,
    probes: &Probes,
) -> Result<Value, String> {
    let files = gitops_gen::Chart::new("import")
        .image(PLACEHOLDER_IMAGE)
        .config::<OnePort>()
        .files()
        .map_err(|e| format!("generating the reference chart: {e}"))?;
    let text = files.get("values.yaml").ok_or("the reference chart has no values.yaml")?;
    let mut values = read::values(text)?.to_json();
    let object = values.as_object_mut().ok_or("the reference values are not a map")?;
    object.remove("config");
    if let Some(image) = object.get_mut("image").and_then(Value::as_object_mut) {
        image.insert("repository".into(), Value::from(repository));
    }
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

/// Why gitops-gen would refuse `repository` as the chart's image (the user
/// passes it to `Chart::image`), if it would.
pub fn repository_problem(repository: &str) -> Option<String> {
    let refused =
        gitops_gen::Chart::new("import").image(repository).config::<OnePort>().files().err()?;
    Some(format!(
        "`image.repository` {repository:?}: gitops-gen refuses it as the chart's image ({refused}); pass another to `Chart::image`."
    ))
}

/// How an original value of a chart key compares with the generated chart.
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
    for (key, value) in original.iter().filter(|(k, _)| is_chart_key(k)) {
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
        // A repository gitops-gen refuses does not stop the comparison.
        let odd = generated_defaults("Not An Image!", true, &Probes::default()).unwrap();
        assert_eq!(odd["image"]["repository"], json!("Not An Image!"));
        assert!(repository_problem("Not An Image!").is_some());
        assert!(repository_problem("ghcr.io/acme/billing").is_none());
    }

    #[test]
    fn the_chart_keys_are_the_generated_charts_keys() {
        let values = generated_defaults("nginx", true, &Probes::default()).unwrap();
        let mut generated: Vec<&str> =
            values.as_object().unwrap().keys().map(String::as_str).collect();
        generated.retain(|k| !APP_NAMED_KEYS.contains(k));
        generated.sort();
        let mut table = CHART_KEYS.to_vec();
        table.sort();
        assert_eq!(
            generated, table,
            "a key of the generated chart is neither a chart key nor an app-named key"
        );
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
