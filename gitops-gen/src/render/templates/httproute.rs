//! `templates/httproute.yaml`.

use super::{optional_resource, service_port, with_yaml, Names};
use crate::foundation::template::{entry, map, seq, Document, Node, Part};
use crate::helm::keys as k;

/// The Gateway API HTTPRoute, when `httpRoute.enabled` is set: each rule's
/// matches and filters, sent to the Service port. While a canary is on (a
/// chart with [`Canary`](super::Canary) steps), each rule sends to the
/// stable and the canary Service without weights: Argo Rollouts' Gateway
/// API plugin sets them, and a weight in the manifest would be a
/// difference that Helm or Argo CD undoes mid-release.
pub fn http_route(names: &Names, has_canary: bool) -> Document {
    let weight = entry("weight", Node::Int(1));
    let mut backends = vec![Part::Item(map(vec![
        entry("name", names.include_from("fullname", "$")),
        entry("port", service_port()),
        if has_canary {
            Part::If(format!("not {}", k::CANARY_ENABLED.rooted()), vec![weight], vec![])
        } else {
            weight
        },
    ]))];
    if has_canary {
        backends.push(Part::If(
            k::CANARY_ENABLED.rooted(),
            vec![Part::Item(map(vec![
                entry("name", super::canary::canary_service_name(names, "$")),
                entry("port", service_port()),
            ]))],
            vec![],
        ));
    }
    let rule = map(vec![
        entry("backendRefs", seq(backends)),
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
