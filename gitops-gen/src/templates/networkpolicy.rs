//! `templates/networkpolicy.yaml`.

use super::{optional_resource, selector_labels, with_yaml, Names};
use crate::build::ConfigTree;
use crate::template::{entry, map, seq, str, Document, Node, Part};

/// The NetworkPolicy, when `networkPolicy.enabled` is set (the default):
/// ingress only to the declared ports, from `networkPolicy.from` or anywhere;
/// egress restricted only once `networkPolicy.egress` lists rules.
pub fn network_policy(names: &Names, tree: &ConfigTree) -> Document {
    let n = ".Values.networkPolicy";
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
            with_yaml(&format!("{n}.from"), "from"),
        ]))])
    };
    optional_resource(
        names,
        Some(format!("{n}.enabled")),
        "networking.k8s.io/v1",
        "NetworkPolicy",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("podSelector", selector_labels(names)),
                entry(
                    "policyTypes",
                    seq(vec![
                        Part::Item(str("Ingress")),
                        Part::If(format!("{n}.egress"), vec![Part::Item(str("Egress"))], vec![]),
                    ]),
                ),
                entry("ingress", ingress),
                with_yaml(&format!("{n}.egress"), "egress"),
            ]),
        )],
    )
}
