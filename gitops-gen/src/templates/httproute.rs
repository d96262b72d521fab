//! `templates/httproute.yaml`.

use super::{optional_resource, service_port, with_yaml, Names};
use crate::template::{entry, map, seq, Document, Node, Part};

/// The Gateway API HTTPRoute, when `httpRoute.enabled` is set: each rule's
/// matches and filters, sent to the Service port.
pub fn http_route(names: &Names) -> Document {
    let backend = map(vec![
        entry("name", names.include_from("fullname", "$")),
        entry("port", service_port()),
        entry("weight", Node::Int(1)),
    ]);
    let rule = map(vec![
        entry("backendRefs", seq(vec![Part::Item(backend)])),
        with_yaml(".matches", "matches"),
        with_yaml(".filters", "filters"),
    ]);
    optional_resource(
        names,
        Some(".Values.httpRoute.enabled".into()),
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        Some(".Values.httpRoute.annotations"),
        vec![entry(
            "spec",
            map(vec![
                entry("parentRefs", Node::ToYaml(".Values.httpRoute.parentRefs".into())),
                with_yaml(".Values.httpRoute.hostnames", "hostnames"),
                entry(
                    "rules",
                    seq(vec![Part::Range(
                        ".Values.httpRoute.rules".into(),
                        vec![Part::Item(rule)],
                    )]),
                ),
            ]),
        )],
    )
}
