//! `templates/configmap.yaml`.

use super::{resource, values_path, when_set, Names};
use crate::foundation::template::{entry, expr, map, Document, Node, Part};
use gitops_model::tree::ConfigTree;
use gitops_model::Delivery;

/// This template's file in `templates/`; the Deployment's checksum reads it.
pub const CONFIGMAP_FILE: &str = "configmap.yaml";

/// The key of the config file in the ConfigMap, and its name when mounted.
pub const CONFIG_FILE: &str = "config.json";

/// The ConfigMap: in env delivery one key per non-secret leaf, named as the
/// env var it becomes; in file delivery one key, the `config` values as JSON.
pub fn configmap(names: &Names, tree: &ConfigTree) -> Document {
    resource(names, "v1", "ConfigMap", vec![configmap_data(names, tree)])
}

/// The ConfigMap's `data`.
pub(super) fn configmap_data(names: &Names, tree: &ConfigTree) -> Part<(String, Node)> {
    if tree.delivery == Delivery::File {
        // JSON with the same keys as values.yaml's `config:` (see the
        // `configJson` helper). Not toYaml: Helm's
        // toYaml writes a NEL raw, which YAML readers fold into a space, and
        // returns "" for keys it cannot write (the round-trip test found
        // both); toJson carries every string. `quote` keeps it one scalar.
        let file = expr(format!("{} | quote", names.include_text("configJson", ".")));
        return entry("data", map(vec![entry(CONFIG_FILE, file)]));
    }
    let data = tree
        .value_leaves()
        .into_iter()
        .map(|leaf| {
            // Strings go as themselves, everything else as JSON text; `toJson`
            // also prints large numbers whole where `{{ }}` would print 1e+06.
            let filter = if leaf.text { "quote" } else { "toJson | quote" };
            let value = expr(format!("{} | {filter}", values_path(&leaf.path)));
            // A JSON leaf is always set, `null` when a values file unset it
            // (Helm deletes the key, and toJson prints nil as null): the
            // app's default never comes back for a key the user cleared.
            if leaf.text {
                when_set(leaf, entry(&leaf.env, value))
            } else {
                entry(&leaf.env, value)
            }
        })
        .collect();
    entry("data", map(data))
}
