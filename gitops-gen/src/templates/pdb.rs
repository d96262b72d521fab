//! `templates/pdb.yaml`.

use super::{optional_resource, selector_labels, Names};
use crate::template::{entry, expr, map, Document, Part};

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
