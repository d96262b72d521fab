//! `templates/externalsecret.yaml`.

use super::{optional_resource, Names};
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The External Secrets Operator's ExternalSecret, when
/// `secrets.externalSecret.enabled` is set: it fills the Secret the pods
/// read, one `data` entry per secret field.
pub fn external_secret(names: &Names, tree: &ConfigTree) -> Document {
    optional_resource(
        names,
        Some(k::EXTERNAL_SECRET_ENABLED),
        "external-secrets.io/v1",
        "ExternalSecret",
        None,
        vec![external_secret_spec(tree, names.include("secretName"))],
    )
}

/// The ExternalSecret's `spec`, filling the Secret named `target`.
pub(super) fn external_secret_spec(tree: &ConfigTree, target: Node) -> Part<(String, Node)> {
    let refs = format!("({} | default dict)", k::EXTERNAL_SECRET_REMOTE_REFS);
    let remote_key = k::EXTERNAL_SECRET_REMOTE_KEY;
    let secrets = tree.secrets();
    let listed = |key: &str| format!("hasKey {refs} {}", go_quote(key));
    let data: Vec<Part<Node>> = secrets
        .iter()
        .map(|leaf| {
            let key = leaf.key();
            let quoted = go_quote(&key);
            let listed = listed(&key);
            let item = |remote_ref: Vec<Part<(String, Node)>>| {
                Part::Item(map(vec![
                    entry("secretKey", str(&key)),
                    entry("remoteRef", map(remote_ref)),
                ]))
            };
            let own = Part::ToYaml(format!("(index {refs} {quoted})"));
            if leaf.optional {
                // The app runs without an optional key: fetch it only when its
                // place in the store is given.
                Part::If(listed, vec![item(vec![own])], vec![])
            } else {
                let message = go_quote(&format!(
                    "{} (or remoteRefs.{key}) is required: the store's secret that holds {key}",
                    remote_key.path()
                ));
                let from_remote_key = vec![
                    entry("key", expr(format!("required {message} {remote_key} | quote"))),
                    entry("property", str(&key)),
                ];
                item(vec![Part::If(listed, vec![own], from_remote_key)])
            }
        })
        .collect();
    let store_name = k::EXTERNAL_SECRET_STORE_NAME;
    let store_message =
        go_quote(&format!("{} is required: the store to read from", store_name.path()));
    entry(
        "spec",
        map(vec![
            entry(
                "refreshInterval",
                expr(format!("{} | quote", k::EXTERNAL_SECRET_REFRESH_INTERVAL)),
            ),
            entry(
                "secretStoreRef",
                map(vec![
                    entry("kind", expr(format!("{} | quote", k::EXTERNAL_SECRET_STORE_KIND))),
                    entry("name", expr(format!("required {store_message} {store_name} | quote"))),
                ]),
            ),
            entry(
                "target",
                map(vec![entry("name", target), entry("creationPolicy", str("Owner"))]),
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
    )
}
