//! `templates/service.yaml`.

use super::{labelled_resource, object, values_path, Metadata, Names};
use crate::foundation::template::{entry, expr, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

pub fn service(names: &Names, tree: &ConfigTree) -> Document {
    let service_type = expr(k::SERVICE_TYPE.to_string());
    labelled_resource(
        names,
        None,
        "v1",
        "Service",
        Some(k::SERVICE_ANNOTATIONS),
        Some(k::SERVICE_LABELS),
        spec(names, tree, service_type),
    )
}

/// A canary's Service `name`: the same ports and selector (Argo Rollouts
/// adds the canary's pod-template hash), cluster-internal only, without
/// the Service's annotations and labels from values (a second load
/// balancer, a second DNS record), labelled as the canary's.
pub(super) fn canary_service(names: &Names, tree: &ConfigTree, name: Node) -> Document {
    let fixed_labels = vec![("app.kubernetes.io/component", "canary")];
    let metadata = Metadata { name, fixed_labels, ..Metadata::of(names) };
    object(names, None, "v1", "Service", metadata, spec(names, tree, str("ClusterIP")))
}

fn spec(names: &Names, tree: &ConfigTree, service_type: Node) -> Vec<Part<(String, Node)>> {
    let ports = tree
        .ports()
        .into_iter()
        .enumerate()
        .map(|(i, (name, leaf))| {
            // The first port is the one `service.port` exposes, as in `helm create`.
            let port = if i == 0 {
                expr(format!("{} | int", k::SERVICE_PORT))
            } else {
                expr(format!("{} | int", values_path(&leaf.path)))
            };
            Part::Item(map(vec![
                entry("name", str(name)),
                entry("port", port),
                entry("targetPort", str(name)),
                entry("protocol", str("TCP")),
            ]))
        })
        .collect();
    vec![entry(
        "spec",
        map(vec![
            entry("type", service_type),
            entry("ports", seq(ports)),
            entry("selector", map(vec![Part::Include(names.helper("selectorLabels"))])),
        ]),
    )]
}
