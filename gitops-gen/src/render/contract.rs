//! `contract.json`: what the app reads (env vars, Secret keys, ports), which
//! the compatibility check compares between releases.

use gitops_model::tree::ConfigTree;
use serde_json::{Map, Value};

/// `contract.json`: what the app reads, which the check compares.
pub fn contract_json(tree: &ConfigTree) -> String {
    let env: Map<String, Value> = tree
        .value_leaves()
        .iter()
        .map(|l| (format!("config.{}", l.key()), Value::from(l.env.clone())))
        .collect();
    let secrets: Map<String, Value> = tree
        .secrets()
        .iter()
        .map(|l| (l.key(), serde_json::json!({"env": l.env, "optional": l.optional})))
        .collect();
    let ports: Map<String, Value> = tree
        .ports()
        .iter()
        .map(|(name, l)| ((*name).to_owned(), Value::from(format!("config.{}", l.key()))))
        .collect();
    let contract: Map<String, Value> =
        [("envVars", env), ("secretKeys", secrets), ("ports", ports)]
            .into_iter()
            .map(|(key, map)| (key.to_owned(), Value::Object(map)))
            .collect();
    serde_json::to_string_pretty(&contract).expect("JSON") + "\n"
}
