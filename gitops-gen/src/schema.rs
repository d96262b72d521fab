//! values.schema.json: draft-07 (every Helm 3 and 4 reads it), self-contained,
//! every key covered. The `config` subtree is the struct's schemars schema,
//! rewritten where Helm needs it: unknown keys rejected, formats Helm's
//! validator does not know removed, integers bounded to what float64 holds.
//! The keys that hold Kubernetes objects refer to Kubernetes' own schemas
//! ([`crate::kube`]), bundled into `definitions`.

use crate::kube;
use crate::values::{properties, Values};
use gitops_model::schema::visit;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

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
    let definitions = own_definitions(&mut config, definitions);
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
/// even with inlining on), which [`to_text`] puts beside Kubernetes'. Their
/// names cannot meet in practice (`io.k8s.api.core.v1.Probe` is no Rust type
/// name), but a config type renamed to one, or a recursive k8s-openapi type
/// in the config, would make them: the config's definition then moves to a
/// name of its own and the config's `$ref`s follow it.
fn own_definitions(config: &mut Value, config_definitions: Option<&Value>) -> Map<String, Value> {
    let all = kube::definitions();
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

/// values.schema.json's text: `schema` pretty-printed, with Kubernetes'
/// definitions added to its own `definitions`. They are most of the file and
/// the same in every chart, so each is printed once per process and spliced
/// in; the result is byte for byte what printing the merged map would give.
pub fn to_text(mut schema: Value) -> String {
    static KUBE: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let kube = KUBE.get_or_init(|| {
        kube::definitions()
            .iter()
            .map(|(name, def)| (name.as_str(), entry_text(name, def)))
            .collect()
    });
    let own = match schema.as_object_mut().and_then(|root| root.remove("definitions")) {
        Some(Value::Object(own)) => own,
        _ => Map::new(),
    };
    let own: Vec<(&str, String)> =
        own.iter().map(|(name, def)| (name.as_str(), entry_text(name, def))).collect();
    let mut entries: Vec<&(&str, String)> = kube.iter().chain(&own).collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let definitions = if entries.is_empty() {
        "{}".to_owned()
    } else {
        let body: Vec<&str> = entries.iter().map(|(_, text)| text.as_str()).collect();
        format!("{{\n{}\n  }}", body.join(",\n"))
    };
    // Root keys print sorted, so this placeholder comes before any text of the
    // config's own (in `properties`), and `replacen` finds it first.
    const PLACEHOLDER: &str = "\u{0}definitions";
    if let Some(root) = schema.as_object_mut() {
        root.insert("definitions".into(), json!(PLACEHOLDER));
    }
    let mut text = String::new();
    write_pretty(&mut text, &schema, 0);
    let mut quoted = String::new();
    write_string(&mut quoted, PLACEHOLDER);
    text = text.replacen(&quoted, &definitions, 1);
    text.push('\n');
    text
}

/// `    "name": {…}`: one entry of the root's `definitions`, indented as
/// the pretty printer indents it there.
fn entry_text(name: &str, definition: &Value) -> String {
    let mut out = String::from("    ");
    write_string(&mut out, name);
    out.push_str(": ");
    write_pretty(&mut out, definition, 4);
    out
}

/// Pretty-prints `value` at `indent` exactly as `serde_json::to_string_pretty`
/// does. Build scripts run unoptimised, where serde_json's generic printer
/// is the largest single cost of a big chart; this direct one does the same
/// in about half the instructions.
fn write_pretty(out: &mut String, value: &Value, indent: usize) {
    fn newline(out: &mut String, indent: usize) {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent));
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                write_pretty(out, item, indent + 2);
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                write_string(out, key);
                out.push_str(": ");
                write_pretty(out, item, indent + 2);
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

/// A JSON string with serde_json's escapes: `"`, `\\` and control
/// characters; everything else as is.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_values() -> Values {
        Values { before_config: Vec::new(), after_config: Vec::new() }
    }

    #[test]
    fn the_kubernetes_definitions_are_bundled() {
        let schema = values_schema("C", &no_values(), json!({"type": "object"}), None);
        let text: Value = serde_json::from_str(&to_text(schema.clone())).unwrap();
        assert_eq!(text["definitions"].as_object().unwrap(), kube::definitions());
        assert_eq!(schema["required"], json!(["config"]));
    }

    #[test]
    fn a_config_definition_named_like_a_kubernetes_one_moves_aside() {
        let probe = "io.k8s.api.core.v1.Probe";
        let config = json!({"type": "object", "properties": {"p": {"$ref": format!("#/definitions/{probe}")}}});
        let own = json!({
            probe: {"type": "object", "properties": {"next": {"$ref": format!("#/definitions/{probe}")}}},
            "Tree": {"type": "string"}
        });
        let schema = values_schema("C", &no_values(), config, Some(&own));
        let schema: Value = serde_json::from_str(&to_text(schema)).unwrap();
        let moved = format!("#/definitions/config:{probe}");
        assert_eq!(schema["properties"]["config"]["properties"]["p"]["$ref"], moved);
        let definitions = &schema["definitions"];
        assert_eq!(definitions[probe], kube::definitions()[probe], "Kubernetes' Probe stays");
        assert_eq!(definitions[format!("config:{probe}")]["properties"]["next"]["$ref"], moved);
        assert_eq!(definitions["Tree"], json!({"type": "string"}));
    }

    #[test]
    fn the_spliced_text_is_what_printing_the_merged_schema_gives() {
        let own = json!({"Tree": {"type": "string"}, "zz": {"type": "object", "properties": {}}});
        let config =
            json!({"type": "object", "properties": {"d": {"description": "\u{0}definitions"}}});
        let schema = values_schema("C", &no_values(), config, Some(&own));
        let mut merged = schema.clone();
        let defs = merged["definitions"].as_object_mut().unwrap();
        defs.extend(kube::definitions().clone());
        let expected = serde_json::to_string_pretty(&merged).unwrap() + "\n";
        assert_eq!(to_text(schema), expected);
    }

    #[test]
    fn the_printer_prints_what_serde_json_prints() {
        let odd = json!({
            "s": "quote \" backslash \\ nl \n tab \t cr \r bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} é ✓ \u{2028}",
            "n": [0, -1, 9007199254740991u64, 1.5, 0.1, 1e300, -2.5e-8],
            "e": [{}, [], null, true, false, [[]], {"a": {}}],
            "": "empty key"
        });
        for value in [odd, Value::Object(kube::definitions().clone())] {
            let mut ours = String::new();
            write_pretty(&mut ours, &value, 0);
            assert_eq!(ours, serde_json::to_string_pretty(&value).unwrap());
        }
    }
}
