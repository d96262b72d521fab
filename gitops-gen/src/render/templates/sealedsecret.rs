//! `templates/sealedsecret.yaml`.

use super::Names;
use crate::foundation::template::{entry, expr, go_quote, map, str, Document, Node, Part};
use crate::helm::keys as k;

/// The sealed-secrets controller's SealedSecret, when
/// `secrets.sealedSecret.enabled` is set: the values' ciphertexts, which the
/// controller unseals into the Secret the pods read (the SealedSecret's
/// name and namespace, the chart's labels). It carries the scope the values
/// were sealed with. With `externalSecret` on too, the render fails naming
/// both: two controllers would fight over one Secret.
pub fn sealed_secret(names: &Names) -> Document {
    let conflict = go_quote(&format!(
        "{} and {} both fill the Secret: enable one",
        k::SEALED_SECRET_ENABLED.path(),
        k::EXTERNAL_SECRET_ENABLED.path()
    ));
    // `ternary` gives "" when both are on, which `required` refuses with the message.
    let name = expr(format!(
        "required {conflict} (ternary \"\" ({}) {}) | quote",
        names.include_text("secretName", "."),
        k::EXTERNAL_SECRET_ENABLED
    ));
    let scope = k::SEALED_SECRET_SCOPE;
    Document {
        guard: Some(k::SEALED_SECRET_ENABLED.to_string()),
        body: vec![
            entry("apiVersion", str("bitnami.com/v1alpha1")),
            entry("kind", str("SealedSecret")),
            entry(
                "metadata",
                map(vec![
                    entry("name", name),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    // `strict`, the controller's default, needs none.
                    Part::If(
                        format!("ne {scope} \"strict\""),
                        vec![entry("annotations", map(scope_annotations()))],
                        vec![],
                    ),
                ]),
            ),
            sealed_secret_spec(names, names.include("secretName")),
        ],
    }
}

/// The controller's annotation for the scope the values were sealed with,
/// for the two wider scopes (`strict` has none).
pub(super) fn scope_annotations() -> Vec<Part<(String, Node)>> {
    ["namespace-wide", "cluster-wide"]
        .into_iter()
        .map(|value| {
            Part::If(
                format!("eq {} {}", k::SEALED_SECRET_SCOPE, go_quote(value)),
                vec![entry(&format!("sealedsecrets.bitnami.com/{value}"), str("true"))],
                vec![],
            )
        })
        .collect()
}

/// A SealedSecret's `spec`: the values' ciphertexts, unsealed into the
/// Secret `secret_name` with the chart's labels.
pub(super) fn sealed_secret_spec(names: &Names, secret_name: Node) -> Part<(String, Node)> {
    entry(
        "spec",
        map(vec![
            entry(
                "encryptedData",
                Node::ToYaml(format!("({} | default dict)", k::SEALED_SECRET_ENCRYPTED_DATA)),
            ),
            entry(
                "template",
                map(vec![entry(
                    "metadata",
                    map(vec![
                        entry("name", secret_name),
                        entry("namespace", expr(".Release.Namespace")),
                        entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    ]),
                )]),
            ),
        ]),
    )
}
