//! `templates/ingress.yaml`.

use super::{optional_resource, service_port, with_yaml, Names};
use crate::foundation::template::{entry, expr, map, seq, Document, Part};
use crate::helm::keys as k;

/// The Ingress, when `ingress.enabled` is set: every host and path to the
/// Service port.
pub fn ingress(names: &Names) -> Document {
    let path = map(vec![
        entry("path", expr(".path | quote")),
        entry("pathType", expr(".pathType | quote")),
        entry(
            "backend",
            map(vec![entry(
                "service",
                map(vec![
                    entry("name", names.include_from("fullname", "$")),
                    entry("port", map(vec![entry("number", service_port())])),
                ]),
            )]),
        ),
    ]);
    let rule = map(vec![
        entry("host", expr(".host | quote")),
        entry(
            "http",
            map(vec![entry(
                "paths",
                seq(vec![Part::Range(".paths".into(), vec![Part::Item(path)])]),
            )]),
        ),
    ]);
    optional_resource(
        names,
        Some(k::INGRESS_ENABLED),
        "networking.k8s.io/v1",
        "Ingress",
        Some(k::INGRESS_ANNOTATIONS),
        vec![entry(
            "spec",
            map(vec![
                Part::With(
                    k::INGRESS_CLASS_NAME.to_string(),
                    vec![entry("ingressClassName", expr(". | quote"))],
                ),
                with_yaml(k::INGRESS_TLS, "tls"),
                entry(
                    "rules",
                    seq(vec![Part::Range(k::INGRESS_HOSTS.to_string(), vec![Part::Item(rule)])]),
                ),
            ]),
        )],
    )
}
