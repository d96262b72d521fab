//! `templates/tests/test-connection.yaml`, the `helm test` pod.

use super::Names;
use crate::foundation::template::{entry, expr, go_quote, map, seq, str, Document, Node, Part};
use crate::helm::keys as k;
use gitops_model::tree::ConfigTree;

/// The `helm test` pod: fetches the readiness path (else `/`) through the
/// Service, as restricted as the app's own pod.
pub fn test_connection(names: &Names, tree: &ConfigTree) -> Document {
    let path = tree.probes.readiness.or(tree.probes.liveness).unwrap_or("/");
    let format = go_quote(&format!("http://%s:%d{}", path.replace('%', "%%")));
    let url = expr(format!(
        "printf {format} ({}) ({} | int) | quote",
        names.include_text("fullname", "."),
        k::SERVICE_PORT
    ));
    let container = map(vec![
        entry("name", str("wget")),
        entry("image", expr(format!("{} | quote", k::TEST_IMAGE))),
        entry("command", seq(vec![Part::Item(str("wget"))])),
        entry(
            "args",
            seq(vec![
                Part::Item(str("-q")),
                Part::Item(str("-O")),
                Part::Item(str("/dev/null")),
                Part::Item(str("-T")),
                Part::Item(str("10")),
                Part::Item(url),
            ]),
        ),
        entry(
            "securityContext",
            map(vec![
                entry("allowPrivilegeEscalation", Node::Bool(false)),
                entry("capabilities", map(vec![entry("drop", seq(vec![Part::Item(str("ALL"))]))])),
                entry("readOnlyRootFilesystem", Node::Bool(true)),
            ]),
        ),
        entry(
            "resources",
            map(vec![
                entry(
                    "requests",
                    map(vec![entry("cpu", str("10m")), entry("memory", str("16Mi"))]),
                ),
                entry("limits", map(vec![entry("cpu", str("100m")), entry("memory", str("32Mi"))])),
            ]),
        ),
    ]);
    Document {
        guard: None,
        body: vec![
            entry("apiVersion", str("v1")),
            entry("kind", str("Pod")),
            entry(
                "metadata",
                map(vec![
                    entry(
                        "name",
                        expr(format!(
                            "printf \"%s-test-connection\" ({}) | trunc 63 | trimSuffix \"-\"",
                            names.include_text("fullname", ".")
                        )),
                    ),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    entry(
                        "annotations",
                        map(vec![
                            entry("helm.sh/hook", str("test")),
                            entry(
                                "helm.sh/hook-delete-policy",
                                str("before-hook-creation,hook-succeeded"),
                            ),
                            // checkov's suppressions, with their reasons, where a reviewer sees them.
                            entry(
                                "checkov.io/skip1",
                                str("CKV_K8S_8=a run-to-completion test pod has no liveness to probe"),
                            ),
                            entry(
                                "checkov.io/skip2",
                                str("CKV_K8S_9=a run-to-completion test pod serves no traffic to gate"),
                            ),
                        ]),
                    ),
                ]),
            ),
            entry(
                "spec",
                map(vec![
                    entry("restartPolicy", str("Never")),
                    entry("automountServiceAccountToken", Node::Bool(false)),
                    entry(
                        "securityContext",
                        map(vec![
                            entry("runAsNonRoot", Node::Bool(true)),
                            entry("runAsUser", Node::Int(65532)),
                            entry("runAsGroup", Node::Int(65532)),
                            entry("seccompProfile", map(vec![entry("type", str("RuntimeDefault"))])),
                        ]),
                    ),
                    entry("containers", seq(vec![Part::Item(container)])),
                ]),
            ),
        ],
    }
}
