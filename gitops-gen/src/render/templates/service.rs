//! `templates/service.yaml`.

use super::{labelled_resource, renamed, values_path, with_label, Names};
use crate::foundation::template::{entry, expr, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

pub fn service(names: &Names, tree: &ConfigTree) -> Document {
    service_named(names, tree, names.include("fullname"), None)
}

/// The Service named `name`, with an `app.kubernetes.io/component` label
/// when `component` is given (the canary's Service).
pub(super) fn service_named(
    names: &Names,
    tree: &ConfigTree,
    name: Node,
    component: Option<&str>,
) -> Document {
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
    let service = labelled_resource(
        names,
        None,
        "v1",
        "Service",
        Some(k::SERVICE_ANNOTATIONS),
        Some(k::SERVICE_LABELS),
        vec![entry(
            "spec",
            map(vec![
                entry("type", expr(k::SERVICE_TYPE.to_string())),
                entry("ports", seq(ports)),
                entry("selector", map(vec![Part::Include(names.helper("selectorLabels"))])),
            ]),
        )],
    );
    let service = renamed(service, name);
    match component {
        Some(component) => with_label(service, "app.kubernetes.io/component", component),
        None => service,
    }
}
