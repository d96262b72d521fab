//! `templates/servicemonitor.yaml` and `templates/podmonitor.yaml`: the
//! Prometheus Operator's scrape targets for the ports the config struct
//! marks `metrics`, one of them (or neither) as `metrics.scrape` says.

use super::{labelled_resource, selector_labels, Names, CANARY_COMPONENT};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The ServiceMonitor: the Service's metrics ports, by name. The operator
/// looks the names up on the Services it selects, which the chart's Service
/// carries (every container port is a Service port). A canary's Service
/// selects some of the same pods, so it is left out.
pub fn service_monitor(names: &Names, tree: &ConfigTree, has_canary: bool) -> Document {
    let mut selector = selector_labels(names);
    if has_canary {
        let Node::Map(parts) = &mut selector else { unreachable!("selector_labels is a map") };
        parts.push(entry(
            "matchExpressions",
            seq(vec![Part::Item(map(vec![
                entry("key", str("app.kubernetes.io/component")),
                entry("operator", str("NotIn")),
                entry("values", seq(vec![Part::Item(str(CANARY_COMPONENT))])),
            ]))]),
        ));
    }
    monitor(names, tree, "ServiceMonitor", "serviceMonitor", "endpoints", selector)
}

/// The PodMonitor: the pods' metrics container ports, by name, with no
/// Service in between (e.g. when the Service is for the app port only).
pub fn pod_monitor(names: &Names, tree: &ConfigTree) -> Document {
    monitor(names, tree, "PodMonitor", "podMonitor", "podMetricsEndpoints", selector_labels(names))
}

fn monitor(
    names: &Names,
    tree: &ConfigTree,
    kind: &str,
    scrape: &str,
    endpoints_key: &str,
    selector: Node,
) -> Document {
    let endpoints = tree
        .metrics_ports()
        .into_iter()
        .map(|(port, path)| {
            Part::Item(map(vec![
                entry("port", str(port)),
                entry("path", str(path)),
                Part::With(
                    k::METRICS_INTERVAL.to_string(),
                    vec![entry("interval", expr(". | quote"))],
                ),
            ]))
        })
        .collect();
    let mut document = labelled_resource(
        names,
        None,
        "monitoring.coreos.com/v1",
        kind,
        None,
        Some(k::METRICS_LABELS),
        vec![entry(
            "spec",
            map(vec![entry("selector", selector), entry(endpoints_key, seq(endpoints))]),
        )],
    );
    document.guard = Some(format!("eq {} {}", k::METRICS_SCRAPE, go_quote(scrape)));
    document
}
