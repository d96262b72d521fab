//! values.schema.json: draft-07 (every Helm 3 and 4 reads it), self-contained,
//! every key covered. The `config` subtree is the struct's schemars schema,
//! rewritten where Helm needs it: unknown keys rejected, formats Helm's
//! validator does not know removed, integers bounded to what float64 holds.
//! The keys that hold Kubernetes objects refer to Kubernetes' own schemas
//! ([`crate::kube`]), bundled into `definitions`.

use crate::build::MAX_SAFE_INTEGER;
use crate::kube;
use crate::values::{properties, Values};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// Formats draft-07 defines; schemars' own (`uint16`, `double`, ...) go.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The struct's schema with all subschemas inlined, as [`crate::build`] walks it.
pub fn of<T: schemars::JsonSchema>() -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    settings.into_generator().into_root_schema_for::<T>().to_value()
}

/// Whether values of this schema are strings (or null): those reach the app
/// as their raw text, everything else as JSON.
pub fn is_text(schema: &Value) -> bool {
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    if let Some(t) = schema.get("type") {
        return match t {
            Value::String(t) => t == "string",
            Value::Array(ts) => {
                ts.iter().any(|t| t == "string") && ts.iter().all(|t| t == "string" || t == "null")
            }
            _ => false,
        };
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.iter().any(Value::is_string)
            && values.iter().all(|v| v.is_string() || v.is_null());
    }
    if let Some(c) = schema.get("const") {
        return c.is_string();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            return branches.iter().any(is_text)
                && branches.iter().all(|b| is_text(b) || is_null(b));
        }
    }
    false
}

/// A leaf's schema as values.schema.json states it.
pub fn leaf(schema: &Value) -> Value {
    let mut out = schema.clone();
    visit(&mut out, &mut |node| {
        bound_integers(node);
        if let Some(Value::String(f)) = node.get("format") {
            if !STANDARD_FORMATS.contains(&f.as_str()) {
                node.remove("format");
            }
        }
    });
    out
}

/// One struct as an object schema with exactly `props`.
pub fn section(original: &Value, props: Map<String, Value>, required: Vec<Value>) -> Value {
    let mut out = Map::new();
    if let Some(d) = original.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    out.insert("additionalProperties".into(), json!(false));
    Value::Object(out)
}

/// Why `value` breaks `schema`, for the keywords a default can break without
/// a regex engine: type, enum, const, numeric bounds, lengths, items,
/// properties, `anyOf`/`oneOf`. (`pattern` is left to Helm's validator.)
pub fn violation(schema: &Value, value: &Value) -> Option<String> {
    let Value::Object(s) = schema else { return None };
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
            return Some(format!("{value} is not of type {}", types.join(" or ")));
        }
    }
    if let Some(Value::Array(allowed)) = s.get("enum") {
        if !allowed.contains(value) {
            return Some(format!("{value} is not one of {}", Value::Array(allowed.clone())));
        }
    }
    if let Some(c) = s.get("const") {
        if c != value {
            return Some(format!("{value} is not {c}"));
        }
    }
    if let Some(n) = value.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        if bound("minimum").is_some_and(|m| n < m)
            || bound("exclusiveMinimum").is_some_and(|m| n <= m)
        {
            return Some(format!("{value} is below the minimum"));
        }
        if bound("maximum").is_some_and(|m| n > m)
            || bound("exclusiveMaximum").is_some_and(|m| n >= m)
        {
            return Some(format!("{value} is above the maximum"));
        }
    }
    let count = |k: &str| s.get(k).and_then(Value::as_u64);
    let too = |len: usize, what: &str| {
        if count(&format!("min{what}")).is_some_and(|m| (len as u64) < m) {
            Some(format!("{value} is too short"))
        } else if count(&format!("max{what}")).is_some_and(|m| (len as u64) > m) {
            Some(format!("{value} is too long"))
        } else {
            None
        }
    };
    match value {
        Value::String(v) => {
            if let Some(problem) = too(v.chars().count(), "Length") {
                return Some(problem);
            }
        }
        Value::Array(items) => {
            if let Some(problem) = too(items.len(), "Items") {
                return Some(problem);
            }
            if let Some(item_schema) = s.get("items").filter(|i| i.is_object()) {
                return items.iter().find_map(|i| violation(item_schema, i));
            }
        }
        Value::Object(map) => {
            let props = s.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                let sub = props.and_then(|p| p.get(k)).or_else(|| s.get("additionalProperties"));
                if let Some(problem) = sub.and_then(|sub| violation(sub, v)) {
                    return Some(format!("key `{k}`: {problem}"));
                }
            }
        }
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = s.get(key) {
            if branches.iter().all(|b| violation(b, value).is_some()) {
                return Some(format!("{value} matches none of the allowed forms"));
            }
        }
    }
    None
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => {
            value.as_i64().is_some()
                || value.as_u64().is_some()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => true,
    }
}

/// Tightens `minimum`/`maximum` of an integer schema to `lo..=hi`.
pub fn narrow_range(schema: &mut Value, lo: i64, hi: i64) {
    if let Value::Object(node) = schema {
        let min =
            node.get("minimum").and_then(Value::as_f64).map_or(lo as f64, |m| m.max(lo as f64));
        let max =
            node.get("maximum").and_then(Value::as_f64).map_or(hi as f64, |m| m.min(hi as f64));
        node.insert("minimum".into(), number(min));
        node.insert("maximum".into(), number(max));
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// Integer schemas get the bounds of their Rust type (from schemars'
/// `format`), never wider than float64 holds exactly.
fn bound_integers(node: &mut Map<String, Value>) {
    let is_integer = match node.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        return;
    }
    let safe = MAX_SAFE_INTEGER;
    let (lo, hi) = match node.get("format").and_then(Value::as_str) {
        Some("int8") => (i8::MIN as i64, i8::MAX as i64),
        Some("int16") => (i16::MIN as i64, i16::MAX as i64),
        Some("int32") => (i32::MIN as i64, i32::MAX as i64),
        Some("uint8") => (0, u8::MAX as i64),
        Some("uint16") => (0, u16::MAX as i64),
        Some("uint32") => (0, u32::MAX as i64),
        Some(f) if f.starts_with("uint") => (0, safe),
        _ => (-safe, safe),
    };
    let mut v = Value::Object(std::mem::take(node));
    narrow_range(&mut v, lo, hi);
    if let Value::Object(m) = v {
        *node = m;
    }
}

/// Calls `f` on every schema object inside `schema`, itself included.
pub fn visit(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Value::Object(node) = schema else { return };
    f(node);
    for (key, child) in node.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(|c| visit(c, f));
                }
            }
            "items" | "anyOf" | "oneOf" | "allOf" | "prefixItems" => match child {
                Value::Array(children) => children.iter_mut().for_each(|c| visit(c, f)),
                other => visit(other, f),
            },
            "additionalProperties"
            | "additionalItems"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames" => visit(child, f),
            _ => {}
        }
    }
}

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
    let Some(Value::Object(mut own)) = config_definitions.map(leaf) else { return Map::new() };
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

    #[test]
    fn text_schemas() {
        assert!(is_text(&json!({"type": "string"})));
        assert!(is_text(&json!({"type": ["string", "null"]})));
        assert!(is_text(&json!({"enum": ["a", "b"]})));
        assert!(is_text(&json!({"oneOf": [{"const": "a"}, {"const": "b"}]})));
        assert!(is_text(&json!({"anyOf": [{"type": "string"}, {"type": "null"}]})));
        assert!(!is_text(&json!({"type": "integer"})));
        assert!(!is_text(&json!({"type": ["integer", "string"]})));
        assert!(!is_text(&json!({"type": "array", "items": {"type": "string"}})));
    }

    #[test]
    fn integers_get_type_bounds_and_formats_go() {
        let s = leaf(&json!({"type": "integer", "format": "uint64", "minimum": 0}));
        assert_eq!(s, json!({"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER}));
        let s = leaf(&json!({"type": ["integer", "null"], "format": "int32"}));
        assert_eq!(
            s,
            json!({"type": ["integer", "null"], "minimum": i32::MIN, "maximum": i32::MAX})
        );
        let s = leaf(&json!({"type": "number", "format": "double"}));
        assert_eq!(s, json!({"type": "number"}));
        let s = leaf(&json!({"type": "string", "format": "uri"}));
        assert_eq!(s, json!({"type": "string", "format": "uri"}));
    }

    #[test]
    fn nested_schemas_are_visited_but_property_names_are_not() {
        let s = leaf(
            &json!({"type": "object", "properties": {"format": {"type": "integer", "format": "uint8"}}}),
        );
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"format": {"type": "integer", "minimum": 0, "maximum": 255}}})
        );
    }

    #[test]
    fn violations_of_defaults() {
        let port = json!({"type": "integer", "minimum": 1024, "maximum": 65535});
        assert_eq!(violation(&port, &json!(8080)), None);
        assert!(violation(&port, &json!(80)).unwrap().contains("minimum"));
        assert!(violation(&port, &json!("80")).unwrap().contains("type"));
        let name = json!({"type": "string", "minLength": 1});
        assert!(violation(&name, &json!("")).unwrap().contains("short"));
        let level = json!({"oneOf": [{"const": "info"}, {"const": "debug"}]});
        assert_eq!(violation(&level, &json!("info")), None);
        assert!(violation(&level, &json!("trace")).is_some());
        let list = json!({"type": "array", "items": {"type": "string", "maxLength": 2}});
        assert!(violation(&list, &json!(["ok", "long"])).unwrap().contains("long"));
        let map = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert!(violation(&map, &json!({"a": "x"})).unwrap().contains("key `a`"));
    }

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

    #[test]
    fn ranges_only_narrow() {
        let mut s = json!({"type": "integer", "minimum": 1024, "maximum": 70000});
        narrow_range(&mut s, 1, 65535);
        assert_eq!(s, json!({"type": "integer", "minimum": 1024, "maximum": 65535}));
    }
}
