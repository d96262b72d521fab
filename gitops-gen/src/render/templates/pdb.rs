//! `templates/pdb.yaml`.

use super::{optional_resource, selector_labels, Names};
use crate::foundation::template::{entry, expr, map, Document, Part};
use crate::helm::keys as k;

/// The PodDisruptionBudget, when `podDisruptionBudget.enabled` is set.
pub fn pod_disruption_budget(names: &Names) -> Document {
    let max = k::POD_DISRUPTION_BUDGET_MAX_UNAVAILABLE;
    optional_resource(
        names,
        Some(k::POD_DISRUPTION_BUDGET_ENABLED),
        "policy/v1",
        "PodDisruptionBudget",
        None,
        vec![entry(
            "spec",
            map(vec![
                // maxUnavailable wins when set (0 included, hence not a plain `if`);
                // toJson keeps 1 a number and "50%" a string.
                Part::If(
                    format!("and (not (kindIs \"invalid\" {max})) (ne (toString {max}) \"\")"),
                    vec![entry("maxUnavailable", expr(format!("{max} | toJson")))],
                    vec![entry(
                        "minAvailable",
                        expr(format!("{} | toJson", k::POD_DISRUPTION_BUDGET_MIN_AVAILABLE)),
                    )],
                ),
                entry("selector", selector_labels(names)),
            ]),
        )],
    )
}
