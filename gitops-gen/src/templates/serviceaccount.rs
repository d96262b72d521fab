//! `templates/serviceaccount.yaml`.

use super::{with_yaml, Names};
use crate::template::{entry, expr, map, str, Document, Part};

/// The ServiceAccount, when `serviceAccount.create` is set.
pub fn service_account(names: &Names) -> Document {
    Document {
        guard: Some(".Values.serviceAccount.create".into()),
        body: vec![
            entry("apiVersion", str("v1")),
            entry("kind", str("ServiceAccount")),
            entry(
                "metadata",
                map(vec![
                    entry("name", names.include("serviceAccountName")),
                    entry("namespace", expr(".Release.Namespace")),
                    entry("labels", map(vec![Part::Include(names.helper("labels"))])),
                    with_yaml(".Values.serviceAccount.annotations", "annotations"),
                ]),
            ),
            entry("automountServiceAccountToken", expr(".Values.serviceAccount.automount")),
        ],
    }
}
