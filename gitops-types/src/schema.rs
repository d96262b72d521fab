//! The config schema as both the chart and the loader enforce it: schemars'
//! schema of the struct, rewritten where Helm needs it (integers bounded to
//! what a float64 holds, formats Helm's validator does not know removed),
//! and a validator for the keywords those schemas use. `gitops-gen` writes
//! it into values.schema.json; [`crate::load`] checks values against it, so
//! `helm install` and start-up give the same verdict.

use serde_json::{json, Map, Value};

/// The largest integer a float64 holds exactly: Helm keeps every number
/// from a values file as a float64.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

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
    // Each message says what was expected: a loader error must tell the
    // operator what to write instead.
    if let Some(n) = value.as_f64() {
        let bound = |k: &str| s.get(k).and_then(|b| Some((b.as_f64()?, b)));
        if let Some((_, m)) = bound("minimum").filter(|(m, _)| n < *m) {
            return Some(format!("{value} is below the minimum {m}"));
        }
        if let Some((_, m)) = bound("exclusiveMinimum").filter(|(m, _)| n <= *m) {
            return Some(format!("{value} is not above {m}"));
        }
        if let Some((_, m)) = bound("maximum").filter(|(m, _)| n > *m) {
            return Some(format!("{value} is above the maximum {m}"));
        }
        if let Some((_, m)) = bound("exclusiveMaximum").filter(|(m, _)| n >= *m) {
            return Some(format!("{value} is not below {m}"));
        }
    }
    let count = |k: &str| s.get(k).and_then(Value::as_u64);
    let too = |len: usize, what: &str, unit: &str| {
        if let Some(m) = count(&format!("min{what}")).filter(|m| (len as u64) < *m) {
            Some(format!("{value} is too short: at least {m} {unit}"))
        } else {
            count(&format!("max{what}"))
                .filter(|m| (len as u64) > *m)
                .map(|m| format!("{value} is too long: at most {m} {unit}"))
        }
    };
    match value {
        Value::String(v) => {
            if let Some(problem) = too(v.chars().count(), "Length", "characters") {
                return Some(problem);
            }
            // Helm's validators use RE2-style regexes, as regex-lite does; a
            // pattern neither can compile is Helm's to report.
            if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
                if regex_lite::Regex::new(pattern).is_ok_and(|re| !re.is_match(v)) {
                    return Some(format!("{value} does not match the pattern {pattern}"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(problem) = too(items.len(), "Items", "items") {
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
                // An enum as schemars writes it: one `const` per variant.
                let allowed: Option<Vec<&Value>> =
                    branches.iter().map(|b| b.get("const")).collect();
                return Some(match allowed {
                    Some(allowed) => {
                        let allowed: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
                        format!("{value} is not one of {}", allowed.join(", "))
                    }
                    None => format!("{value} matches none of the allowed forms"),
                });
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
        assert_eq!(
            violation(&level, &json!("trace")).unwrap(),
            r#""trace" is not one of "info", "debug""#
        );
        let port = json!({"type": "integer", "minimum": 1024, "maximum": 65535});
        assert_eq!(violation(&port, &json!(80)).unwrap(), "80 is below the minimum 1024");
        let name = json!({"type": "string", "maxLength": 2});
        assert_eq!(
            violation(&name, &json!("abc")).unwrap(),
            r#""abc" is too long: at most 2 characters"#
        );
        let list = json!({"type": "array", "items": {"type": "string", "maxLength": 2}});
        assert!(violation(&list, &json!(["ok", "long"])).unwrap().contains("long"));
        let map = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert!(violation(&map, &json!({"a": "x"})).unwrap().contains("key `a`"));
    }

    #[test]
    fn ranges_only_narrow() {
        let mut s = json!({"type": "integer", "minimum": 1024, "maximum": 70000});
        narrow_range(&mut s, 1, 65535);
        assert_eq!(s, json!({"type": "integer", "minimum": 1024, "maximum": 65535}));
    }
}
