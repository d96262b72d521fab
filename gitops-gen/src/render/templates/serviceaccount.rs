//! `templates/serviceaccount.yaml`.

use super::{with_yaml, Names};
use crate::foundation::template::{entry, expr, map, str, Document, Part};
use crate::helm::keys as k;

/// The ServiceAccount, when `serviceAccount.create` is set.
pub fn service_account(names: &Names) -> Document {
    Document {
        guard: Some(k::SERVICE_ACCOUNT_CREATE.to_string()),
        body: vec![
            entry("apiVersion", str("v1")),
            entry("kind", str("ServiceAccount")),
            entry(
                "metadata",
                map(vec![
                    entry("name", names.include("serviceAccountName")),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    with_yaml(k::SERVICE_ACCOUNT_ANNOTATIONS, "annotations"),
                ]),
            ),
            entry("automountServiceAccountToken", expr(k::SERVICE_ACCOUNT_AUTOMOUNT.to_string())),
        ],
    }
}
