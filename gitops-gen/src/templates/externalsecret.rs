//! `templates/externalsecret.yaml`.

use super::{optional_resource, Names};
use crate::build::ConfigTree;
use crate::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};

/// The External Secrets Operator's ExternalSecret, when
/// `secrets.externalSecret.enabled` is set: it fills the Secret the pods
/// read, one `data` entry per secret field.
pub fn external_secret(names: &Names, tree: &ConfigTree) -> Document {
    let es = ".Values.secrets.externalSecret";
    let refs = format!("({es}.remoteRefs | default dict)");
    let secrets = tree.secrets();
    let listed = |key: &str| format!("hasKey {refs} {}", go_quote(key));
    let data: Vec<Part<Node>> = secrets
        .iter()
        .map(|leaf| {
            let key = leaf.key();
            let quoted = go_quote(&key);
            let listed = listed(&key);
            let item = |remote_ref: Vec<Part<(String, Node)>>| {
                Part::Item(map(vec![entry("secretKey", str(&key)), entry("remoteRef", map(remote_ref))]))
            };
            let own = Part::ToYaml(format!("(index {refs} {quoted})"));
            if leaf.optional {
                // The app runs without an optional key: fetch it only when its
                // place in the store is given.
                Part::If(listed, vec![item(vec![own])], vec![])
            } else {
                let message = format!(
                    "secrets.externalSecret.remoteKey (or remoteRefs.{key}) is required: the store's secret that holds {key}"
                );
                let from_remote_key = vec![
                    entry("key", expr(format!("required {} {es}.remoteKey | quote", go_quote(&message)))),
                    entry("property", str(&key)),
                ];
                item(vec![Part::If(listed, vec![own], from_remote_key)])
            }
        })
        .collect();
    let store = format!("{es}.secretStoreRef");
    optional_resource(
        names,
        Some(format!("{es}.enabled")),
        "external-secrets.io/v1",
        "ExternalSecret",
        None,
        vec![entry(
            "spec",
            map(vec![
                entry("refreshInterval", expr(format!("{es}.refreshInterval | quote"))),
                entry(
                    "secretStoreRef",
                    map(vec![
                        entry("kind", expr(format!("{store}.kind | quote"))),
                        entry(
                            "name",
                            expr(format!(
                                "required \"secrets.externalSecret.secretStoreRef.name is required: the store to read from\" {store}.name | quote"
                            )),
                        ),
                    ]),
                ),
                entry(
                    "target",
                    map(vec![
                        entry("name", names.include("secretName")),
                        entry("creationPolicy", str("Owner")),
                    ]),
                ),
                if secrets.iter().any(|l| !l.optional) {
                    entry("data", seq(data))
                } else {
                    // Only optional keys: `data` exists when one of them is listed
                    // (an empty `data:` would be null).
                    let any_listed: Vec<String> =
                        secrets.iter().map(|l| format!("({})", listed(&l.key()))).collect();
                    Part::If(
                        format!("or {}", any_listed.join(" ")),
                        vec![entry("data", seq(data))],
                        vec![],
                    )
                },
            ]),
        )],
    )
}
