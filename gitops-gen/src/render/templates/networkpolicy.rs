//! `templates/networkpolicy.yaml`.

use super::{optional_resource, selector_labels, with_yaml, Names};
use crate::foundation::template::{entry, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The NetworkPolicy, when `networkPolicy.enabled` is set (the default):
/// ingress only to the declared ports, from `networkPolicy.from` or anywhere;
/// egress restricted only once `networkPolicy.egress` lists rules.
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

pub fn network_policy(names: &Names, tree: &ConfigTree) -> Document {
    let ports: Vec<Part<Node>> = tree
        .ports()
        .into_iter()
        .map(|(name, _)| {
            Part::Item(map(vec![entry("port", str(name)), entry("protocol", str("TCP"))]))
        })
        .collect();
    let ingress = if ports.is_empty() {
        // No port: nothing may connect.
        seq(vec![])
    } else {
        seq(vec![Part::Item(map(vec![
            entry("ports", seq(ports)),
            with_yaml(k::NETWORK_POLICY_FROM, "from"),
        ]))])
    };
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
