//! `templates/networkpolicy.yaml`.

use super::{optional_resource, selector_labels, with_yaml, Names};
use crate::foundation::template::{entry, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// `policyTypes`: ingress always; egress once rules restrict it.
pub(super) fn policy_types() -> Part<(String, Node)> {
    entry(
        "policyTypes",
        seq(vec![
            Part::Item(str("Ingress")),
            Part::If(k::NETWORK_POLICY_EGRESS.to_string(), vec![Part::Item(str("Egress"))], vec![]),
        ]),
    )
}

/// The NetworkPolicy, when `networkPolicy.enabled` is set (the default):
/// ingress only to the declared ports, from `networkPolicy.from` or anywhere,
/// and to the metrics ports from `networkPolicy.metricsFrom`; egress
/// restricted only once `networkPolicy.egress` lists rules.
pub fn network_policy(names: &Names, tree: &ConfigTree) -> Document {
    let port =
        |name: &str| Part::Item(map(vec![entry("port", str(name)), entry("protocol", str("TCP"))]));
    let rule = |ports: Vec<Part<Node>>, from| {
        Part::Item(map(vec![entry("ports", seq(ports)), with_yaml(from, "from")]))
    };
    let metrics: Vec<&str> = tree.metrics_ports().into_iter().map(|(name, _)| name).collect();
    // The app's ports take `from`; the first is the Service's, whatever it
    // also serves. The metrics ports take `metricsFrom`.
    let app_ports: Vec<Part<Node>> = tree
        .ports()
        .into_iter()
        .enumerate()
        .filter(|(i, (name, _))| *i == 0 || !metrics.contains(name))
        .map(|(_, (name, _))| port(name))
        .collect();
    let mut rules = Vec::new();
    if !app_ports.is_empty() {
        rules.push(rule(app_ports, k::NETWORK_POLICY_FROM));
    }
    if !metrics.is_empty() {
        rules.push(rule(metrics.into_iter().map(port).collect(), k::NETWORK_POLICY_METRICS_FROM));
    }
    // No port: an empty list, so nothing may connect.
    let ingress = seq(rules);
    optional_resource(
        names,
        Some(k::NETWORK_POLICY_ENABLED),
        "networking.k8s.io/v1",
        "NetworkPolicy",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("podSelector", selector_labels(names)),
                policy_types(),
                entry("ingress", ingress),
                with_yaml(k::NETWORK_POLICY_EGRESS, "egress"),
            ]),
        )],
    )
}
