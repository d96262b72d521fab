//! Whether Helm or the API server would refuse a chart's values: the
//! chart's schema (the model's `Validator`, as Helm 4 validates), then what
//! the schema cannot say (relations between keys).

use super::keys::{self as k, ValuesKey};
use gitops_model::Validator;
use serde_json::Value;

/// One value Helm or the API server would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The dotted key it is at (empty: the whole values).
    pub key: String,
    /// Why, naming the key: `` `key`: expected … ``.
    pub text: String,
}

/// Why Helm (the chart's schema) or the API server (what the schema cannot
/// say) would refuse these values, each naming the key; empty when neither would.
pub fn refusals(validator: &Validator, values: &Value) -> Vec<Refusal> {
    let mut out: Vec<Refusal> = validator
        .violations(values)
        .into_iter()
        .map(|v| {
            let key = v.at.join(".");
            Refusal { text: format!("`{key}`: {}", v.message), key }
        })
        .collect();
    out.extend(cross_checks(values));
    out
}

/// What the schema cannot say: relations between keys that the API server
/// would refuse at sync time.
fn cross_checks(values: &Value) -> Vec<Refusal> {
    let number = |key: ValuesKey| {
        let keys: Vec<String> = key.path().split('.').map(str::to_owned).collect();
        keys.iter().try_fold(values, |v, k| v.get(k)).and_then(Value::as_f64)
    };
    let mut out = Vec::new();
    let enabled = values.pointer("/autoscaling/enabled") == Some(&Value::Bool(true));
    if let (true, Some(min), Some(max)) =
        (enabled, number(k::AUTOSCALING_MIN_REPLICAS), number(k::AUTOSCALING_MAX_REPLICAS))
    {
        if min > max {
            out.push(Refusal {
                key: k::AUTOSCALING_MIN_REPLICAS.path().into(),
                text: format!(
                    "`{}` ({min}) is above `{}` ({max})",
                    k::AUTOSCALING_MIN_REPLICAS.path(),
                    k::AUTOSCALING_MAX_REPLICAS.path()
                ),
            });
        }
    }
    out
}
