//! `templates/httproute.yaml`.

use super::{optional_resource, service_port, with_yaml, Names};
use crate::foundation::template::{entry, map, seq, Document, Node, Part};
use crate::helm::keys as k;

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
        Some(k::HTTP_ROUTE_ENABLED),
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        Some(k::HTTP_ROUTE_ANNOTATIONS),
        vec![entry(
            "spec",
            map(vec![
                entry("parentRefs", Node::ToYaml(k::HTTP_ROUTE_PARENT_REFS.to_string())),
                with_yaml(k::HTTP_ROUTE_HOSTNAMES, "hostnames"),
                entry(
                    "rules",
                    seq(vec![Part::Range(k::HTTP_ROUTE_RULES.to_string(), vec![Part::Item(rule)])]),
                ),
            ]),
        )],
    )
}
