//! `templates/servicemonitor.yaml` and `templates/podmonitor.yaml`: the
//! Prometheus Operator's scrape targets for the ports the config struct
//! marks `metrics`, one of them (or neither) as `metrics.scrape` says.

use super::{labelled_resource, selector_labels, Names};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The ServiceMonitor: the Service's metrics ports, by name. The operator
/// looks the names up on the Services it selects, which the chart's Service
/// carries (every container port is a Service port). A canary's Service
/// carries the same labels: while a canary runs its pods are behind it
/// alone, so it must be scraped too (at rest both Services point at the
/// stable pods, which a PodMonitor does not count twice).
pub fn service_monitor(names: &Names, tree: &ConfigTree) -> Document {
    monitor(names, tree, "ServiceMonitor", "serviceMonitor", "endpoints", selector_labels(names))
}

/// The PodMonitor: the pods' metrics container ports, by name, with no
/// Service in between, so each pod is scraped once however many Services
/// select it (a canary's included).
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
