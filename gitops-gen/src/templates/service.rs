//! `templates/service.yaml`.

use super::{resource, values_path, Names};
use crate::build::ConfigTree;
use crate::template::{entry, expr, map, seq, str, Document, Part};

pub fn service(names: &Names, tree: &ConfigTree) -> Document {
    let ports = tree
        .ports()
        .into_iter()
        .enumerate()
        .map(|(i, (name, leaf))| {
            // The first port is the one `service.port` exposes, as in `helm create`.
            let port = if i == 0 {
                expr(".Values.service.port | int")
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
    resource(
        names,
        "v1",
        "Service",
        vec![entry(
            "spec",
            map(vec![
                entry("type", expr(".Values.service.type")),
                entry("ports", seq(ports)),
                entry("selector", map(vec![Part::Include(names.helper("selectorLabels"))])),
            ]),
        )],
    )
}
