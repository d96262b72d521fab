//! `templates/hpa.yaml`.

use super::{optional_resource, Names};
use crate::foundation::template::{entry, expr, map, seq, str, Document, Part};
use crate::helm::keys::{self as k, ValuesKey};

/// The HorizontalPodAutoscaler, when `autoscaling.enabled` is set; it
/// scales the Rollout instead of the Deployment while `canary.enabled` is
/// (a chart with [`Canary`](super::Canary) steps).
pub fn autoscaler(names: &Names, has_canary: bool) -> Document {
    let workload = |api_version: &str, kind: &str| {
        vec![entry("apiVersion", str(api_version)), entry("kind", str(kind))]
    };
    let mut target = if has_canary {
        vec![Part::If(
            k::CANARY_ENABLED.to_string(),
            workload("argoproj.io/v1alpha1", "Rollout"),
            workload("apps/v1", "Deployment"),
        )]
    } else {
        workload("apps/v1", "Deployment")
    };
    target.push(entry("name", names.include("fullname")));
    let metric = |resource: &str, key: ValuesKey| {
        Part::If(
            key.to_string(),
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
                                entry("averageUtilization", expr(format!("{key} | int"))),
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
        Some(k::AUTOSCALING_ENABLED),
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("scaleTargetRef", map(target)),
                entry("minReplicas", expr(format!("{} | int", k::AUTOSCALING_MIN_REPLICAS))),
                entry("maxReplicas", expr(format!("{} | int", k::AUTOSCALING_MAX_REPLICAS))),
                // Without targets the HPA's own default (80% CPU) applies.
                Part::If(
                    format!("or {} {}", k::AUTOSCALING_TARGET_CPU, k::AUTOSCALING_TARGET_MEMORY),
                    vec![entry(
                        "metrics",
                        seq(vec![
                            metric("cpu", k::AUTOSCALING_TARGET_CPU),
                            metric("memory", k::AUTOSCALING_TARGET_MEMORY),
                        ]),
                    )],
                    vec![],
                ),
            ]),
        )],
    )
}
