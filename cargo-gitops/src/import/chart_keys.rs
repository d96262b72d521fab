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

/// Keys the generated chart has that stay app keys in an import (see the
/// module's decision): they move under `config:` like any other, with a note.
pub(crate) const APP_NAMED_KEYS: &[&str] = &["test", "secrets"];

/// The chart keys: every top-level key of the values.yaml gitops-gen writes
/// for a one-port config (which has them all: `helm create`'s, then the
/// generated chart's own Kubernetes keys) but `config` and [`APP_NAMED_KEYS`].
/// Read from gitops-gen, so a key it adds is a chart key without an edit here.
pub fn chart_keys() -> impl Iterator<Item = &'static str> {
    reference().keys.iter().map(String::as_str)
}

pub fn is_chart_key(key: &str) -> bool {
    reference().keys.iter().any(|k| k == key)
}

/// A config with one port: the smallest config whose chart has every chart
/// key (`service`, `ingress` and `httpRoute` need a port).
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

/// The one-port reference chart, generated once (it never changes within a
/// run): its values.yaml as JSON without `config`, its chart keys, and its
/// groups, the chart keys whose schema fixes their own keys (`image`,
/// `service`, …; every other holds a Kubernetes object or a free map, whose
/// fields any value may set).
struct Reference {
    values: Value,
    /// `config` as the reference chart has it, for validating a file's chart keys.
    config: Value,
    keys: Vec<String>,
    groups: Vec<String>,
    /// The reference chart's values.schema.json, compiled.
    validator: gitops_model::schema::Validator,
}

fn reference() -> &'static Reference {
    static REFERENCE: std::sync::OnceLock<Reference> = std::sync::OnceLock::new();
    REFERENCE.get_or_init(|| {
        // Fixed inputs of our own: a failure here is a bug in gitops-gen, not bad input.
        let files = gitops_gen::Chart::new("import")
            .image(PLACEHOLDER_IMAGE)
            .config::<OnePort>()
            .generate()
            .map(|g| g.chart)
            .expect("gitops-gen generates the one-port reference chart");
        let text = files.get("values.yaml").expect("the reference chart has a values.yaml");
        let mut values = read::values(text).expect("gitops-gen's values.yaml reads back").to_json();
        let config = values.as_object_mut().and_then(|o| o.remove("config")).unwrap_or(Value::Null);
        let schema: Value = files
            .get("values.schema.json")
            .and_then(|text| serde_json::from_str(text).ok())
            .expect("the reference chart has a values.schema.json");
        let keys: Vec<String> = values
            .as_object()
            .into_iter()
            .flat_map(|values| values.keys())
            .filter(|key| !APP_NAMED_KEYS.contains(&key.as_str()))
            .cloned()
            .collect();
        let groups = keys
            .iter()
            .filter(|key| {
                let s = &schema["properties"][key.as_str()];
                s.get("properties").is_some()
                    && s.get("additionalProperties") == Some(&Value::Bool(false))
            })
            .cloned()
            .collect();
        let validator = gitops_model::schema::Validator::by_parts(&schema)
            .expect("the reference chart's schema compiles");
        Reference { values, config, keys, groups, validator }
    })
}

/// The generated chart's values.yaml as JSON, for a config with a port (or
/// without: `service`, `ingress`, `httpRoute` left out), the image
/// `repository` (the one the user passes to `Chart::image`, set after
/// generating; see [`repository_problem`]) and the root struct's probe paths.
pub(crate) fn generated_defaults(repository: &str, has_port: bool, probes: &Probes) -> Value {
    let mut values = reference().values.clone();
    let Some(object) = values.as_object_mut() else { return values };
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
    values
}

/// Why gitops-gen would refuse `repository` as the chart's image (the user
/// passes it to `Chart::image`), if it would.
pub(crate) fn repository_problem(repository: &str) -> Option<String> {
    let refused =
        gitops_gen::Chart::new("import").image(repository).config::<OnePort>().generate().err()?;
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
pub(crate) fn differences(original: &Value, generated: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let Some(original) = original.as_object() else { return out };
    for (key, value) in original.iter().filter(|(k, _)| is_chart_key(k)) {
        match generated.get(key) {
            None => out.push(Difference::NotCarried { path: key.clone(), original: value.clone() }),
            Some(g) => compare(key, reference().groups.contains(key), value, g, &mut out),
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

/// Keys of a values file's chart-key part that the generated chart rejects:
/// keys it does not have, and values its values.schema.json refuses once
/// the file is merged over its defaults as Helm merges it (an `enabled`
/// inside a probe, a `tls: false` where a list goes). A refusal inside a
/// list names the list. Each path is where the file sets it.
pub(crate) fn not_carried(values: &Value, generated: &Value) -> Vec<String> {
    let mut out: Vec<String> = differences(values, generated)
        .into_iter()
        .filter_map(|d| match d {
            Difference::NotCarried { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    let Some(file) = values.as_object() else { return out };
    let chart_part: serde_json::Map<String, Value> = file
        .iter()
        .filter(|(k, _)| is_chart_key(k) && generated.get(*k).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut merged = generated.clone();
    gitops_gen::coalesce(&mut merged, &Value::Object(chart_part));
    if let Some(object) = merged.as_object_mut() {
        object.insert("config".into(), reference().config.clone());
        object.remove("secrets");
    }
    for violation in reference().validator.violations(&merged) {
        // Up to the first list index or key with a dot in it (a dotted path
        // could not name it), then back to what the file itself sets.
        let mut at: Vec<&str> = violation
            .at
            .iter()
            .map(String::as_str)
            .take_while(|segment| segment.parse::<usize>().is_err() && !segment.contains('.'))
            .collect();
        while !at.is_empty() && at.iter().try_fold(values, |v, k| v.get(*k)).is_none() {
            at.pop();
        }
        let path = at.join(".");
        let covered = out.iter().any(|p| path == *p || path.starts_with(&format!("{p}.")));
        if !path.is_empty() && !covered {
            out.retain(|p| !p.starts_with(&format!("{path}.")));
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_defaults_come_from_gitops_gen() {
        let probes = Probes { liveness: Some("/".into()), ..Probes::default() };
        let values = generated_defaults("nginx", true, &probes);
        assert_eq!(values["image"]["repository"], json!("nginx"));
        assert_eq!(values["service"]["port"], json!(80));
        assert_eq!(values["livenessProbe"], json!({"httpGet": {"path": "/", "port": "http"}}));
        assert!(values.get("config").is_none());
        let no_port = generated_defaults("nginx", false, &Probes::default());
        assert!(no_port.get("service").is_none());
        // A repository gitops-gen refuses does not stop the comparison.
        let odd = generated_defaults("Not An Image!", true, &Probes::default());
        assert_eq!(odd["image"]["repository"], json!("Not An Image!"));
        assert!(repository_problem("Not An Image!").is_some());
        assert!(repository_problem("ghcr.io/acme/billing").is_none());
    }

    #[test]
    fn the_chart_keys_are_the_generated_charts_keys_but_the_app_named() {
        let keys: Vec<&str> = chart_keys().collect();
        for key in
            ["replicaCount", "image", "service", "resources", "startupProbe", "networkPolicy"]
        {
            assert!(keys.contains(&key), "{key}: {keys:?}");
        }
        for key in ["config", "test", "secrets"] {
            assert!(!is_chart_key(key), "{key}");
        }
        let mut groups = reference().groups.clone();
        groups.sort();
        assert_eq!(
            groups,
            [
                "autoscaling",
                "httpRoute",
                "image",
                "ingress",
                "networkPolicy",
                "podDisruptionBudget",
                "service",
                "serviceAccount"
            ]
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
    }

    #[test]
    fn what_the_schema_refuses_is_not_carried() {
        let generated = generated_defaults("nginx", true, &Probes::default());
        let file = json!({
            "image": {"tag": "1.2.3", "extra": 1},
            "service": {"port": 8080, "nodePort": 30000},
            "livenessProbe": {"enabled": true, "periodSeconds": 10},
            "ingress": {"tls": false},
            "tolerations": [{"key": "a", "operatr": "Exists"}],
            "nodeSelector": {"kubernetes.io/os": 1},
            "resources": null,
            "replicaCount": 2,
            "app": {"anything": true}
        });
        let mut not = not_carried(&file, &generated);
        not.sort();
        assert_eq!(
            not,
            [
                "image.extra",
                "ingress.tls",
                "livenessProbe.enabled",
                "nodeSelector",
                "service.nodePort",
                "tolerations"
            ]
        );
    }
}
