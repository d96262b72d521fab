//! `templates/hpa.yaml`.

use super::{optional_resource, Names};
use crate::template::{entry, expr, map, seq, str, Document, Part};

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
