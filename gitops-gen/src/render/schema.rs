//! values.schema.json: draft-07 (every Helm 3 and 4 reads it), self-contained,
//! every key covered. The `config` subtree is the struct's schemars schema,
//! rewritten where Helm needs it: unknown keys rejected, formats Helm's
//! validator does not know removed, integers bounded to what float64 holds.
//! The keys that hold Kubernetes objects refer to Kubernetes' own schemas
//! ([`crate::foundation::k8s`]), bundled into `definitions`.

use crate::foundation::k8s;
use crate::render::values::{properties, Values};
use gitops_model::schema::visit;
use serde_json::{json, Map, Value};

const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// The whole values.schema.json: the chart's own keys, `config`, and
/// `global` (so the chart also works as a subchart).
pub fn values_schema(
    rust_name: &str,
    values: &Values,
    mut config: Value,
    definitions: Option<&Value>,
) -> Value {
    let keys = || values.before_config.iter().chain(&values.after_config).flatten();
    let (mut props, mut required) = properties(keys());
    props.insert(
        "global".into(),
        json!({"description": "Values shared with parent and sibling charts.", "type": "object"}),
    );
    let mut definitions = own_definitions(&mut config, definitions);
    definitions.extend(k8s::reachable(&props));
    props.insert("config".into(), config);
    required.push(json!("config"));
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT_07));
    root.insert("title".into(), json!(format!("Values of the chart generated from `{rust_name}`")));
    root.insert("type".into(), json!("object"));
    root.insert("properties".into(), Value::Object(props));
    root.insert("required".into(), Value::Array(required));
    root.insert("additionalProperties".into(), json!(false));
    root.insert("definitions".into(), Value::Object(definitions));
    Value::Object(root)
}

/// The config's own definitions (recursive types keep `$ref`s into these
/// even with inlining on), which go beside Kubernetes'. Their
/// names cannot meet in practice (`io.k8s.api.core.v1.Probe` is no Rust type
/// name), but a config type renamed to one, or a recursive k8s-openapi type
/// in the config, would make them: the config's definition then moves to a
/// name of its own and the config's `$ref`s follow it.
fn own_definitions(config: &mut Value, config_definitions: Option<&Value>) -> Map<String, Value> {
    let all = k8s::definitions();
    let Some(Value::Object(mut own)) = config_definitions.cloned() else { return Map::new() };
    let mut moved = Vec::new();
    for name in own.keys() {
        if all.contains_key(name) {
            let mut new = format!("config:{name}");
            while all.contains_key(&new) || own.contains_key(&new) {
                new.insert_str(0, "config:");
            }
            moved.push((name.clone(), new));
        }
    }
    for (old, new) in &moved {
        let schema = own.remove(old).unwrap_or_default();
        own.insert(new.clone(), schema);
    }
    if !moved.is_empty() {
        let mut follow = |node: &mut Map<String, Value>| {
            let target = node.get("$ref").and_then(Value::as_str).and_then(|r| {
                moved.iter().find(|(old, _)| r == format!("#/definitions/{old}")).map(|m| &m.1)
            });
            if let Some(new) = target {
                node.insert("$ref".into(), json!(format!("#/definitions/{new}")));
            }
        };
        visit(config, &mut follow);
        own.values_mut().for_each(|schema| visit(schema, &mut follow));
    }
    own
}

/// values.schema.json's text: serde_json's pretty printing, and a newline.
pub fn to_text(schema: Value) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON value always prints");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::values::tests::tree;

    fn no_values() -> Values {
        Values { before_config: Vec::new(), after_config: Vec::new() }
    }

    #[test]
    fn only_the_kubernetes_definitions_the_keys_reach_are_bundled() {
        let none = values_schema("C", &no_values(), json!({"type": "object"}), None);
        assert_eq!(none["definitions"], json!({}), "no Kubernetes key, no definition");
        assert_eq!(none["required"], json!(["config"]));
        let values = crate::render::values::table(&tree(), "app", Default::default());
        let schema = values_schema("C", &values, json!({"type": "object"}), None);
        let definitions = schema["definitions"].as_object().unwrap();
        assert!(definitions.contains_key(k8s::PROBE) && definitions.contains_key(k8s::VOLUME));
        let (keys, _) = properties(values.before_config.iter().flatten());
        assert_eq!(definitions, &k8s::reachable(&keys));
        // This tree has no port: no ingress, so no IngressTLS.
        assert!(!definitions.contains_key(k8s::INGRESS_TLS));
    }

    #[test]
    fn the_text_is_serde_jsons_pretty_printing() {
        let schema = values_schema("C", &no_values(), json!({"type": "object"}), None);
        let text = to_text(schema.clone());
        assert_eq!(text, serde_json::to_string_pretty(&schema).unwrap() + "\n");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), schema);
    }

    #[test]
    fn a_config_definition_named_like_a_kubernetes_one_moves_aside() {
        let probe = "io.k8s.api.core.v1.Probe";
        let config = json!({"type": "object", "properties": {"p": {"$ref": format!("#/definitions/{probe}")}}});
        let own = json!({
            probe: {"type": "object", "properties": {"next": {"$ref": format!("#/definitions/{probe}")}}},
            "Tree": {"type": "string"}
        });
        let values = crate::render::values::table(&tree(), "app", Default::default());
        let schema = values_schema("C", &values, config, Some(&own));
        let moved = format!("#/definitions/config:{probe}");
        assert_eq!(schema["properties"]["config"]["properties"]["p"]["$ref"], moved);
        let definitions = &schema["definitions"];
        assert_eq!(definitions[probe], k8s::definitions()[probe], "Kubernetes' Probe stays");
        assert_eq!(definitions[format!("config:{probe}")]["properties"]["next"]["$ref"], moved);
        assert_eq!(definitions["Tree"], json!({"type": "string"}));
    }
}
