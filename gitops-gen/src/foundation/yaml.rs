//! YAML text that Helm reads back unchanged. Helm parses values and rendered
//! manifests as YAML 1.1, where `on`, `y`, `0777`, `1e3` and `~` are not
//! strings, so a string is written plain only when it cannot mean anything
//! else, and in double quotes otherwise.

use serde_json::Value;

/// Words YAML 1.1 reads as booleans or null, in any of their spellings.
const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];

/// Whether `s` can be written as a plain scalar and still be read back as
/// this exact string by a YAML 1.1 parser (and by any later YAML).
pub fn is_plain_safe(s: &str) -> bool {
    // Bytes, not chars: only ASCII is allowed, and a non-ASCII character's
    // bytes are none of these (cheaper in unoptimised build scripts).
    let first = match s.as_bytes().first() {
        Some(b) => *b,
        None => return false,
    };
    // Starting with a letter or `/` rules out numbers, `.inf`, `-`, `?`,
    // anchors, tags and flow indicators in one go.
    (first.is_ascii_alphabetic() || first == b'/')
        && !s.ends_with(' ')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-' | b' '))
        && !YAML11_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A string as a YAML scalar: plain when safe, else double-quoted. JSON's
/// string escapes are a subset of YAML's double-quoted escapes; on top of
/// them, characters YAML reads as line breaks (NEL, LS, PS) or does not allow
/// in a stream (DEL, C1 controls, BOM, U+FFFE/U+FFFF) are escaped too.
pub fn string(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_owned();
    }
    let json = serde_json::to_string(s).expect("a string always serializes");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if matches!(
            c,
            '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
        ) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON scalar as YAML (objects and arrays are written by [`write_value`]).
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => serde_json::to_string(other).expect("JSON value serializes"),
    }
}

/// Whether `v` is written on its key's line (`key: v`) rather than below it.
pub fn is_inline(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}

/// Appends `key: value` at `indent`, nesting objects and arrays as blocks.
pub fn write_entry(out: &mut String, indent: usize, key: &str, v: &Value) {
    // Straight into `out`: values.yaml has a line per config key, and this
    // runs in every build script.
    push_pad(out, indent);
    push_string(out, key);
    if is_inline(v) {
        out.push_str(": ");
        match v {
            Value::String(s) => push_string(out, s),
            other => out.push_str(&scalar(other)),
        }
        out.push('\n');
    } else {
        out.push_str(":\n");
        write_value(out, indent + 2, v);
    }
}

fn push_pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// [`string`], without an allocation when the string is written plain.
fn push_string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push_str(&string(s));
    }
}

/// Appends a non-inline object or array as a block at `indent`.
pub fn write_value(out: &mut String, indent: usize, v: &Value) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                write_entry(out, indent, k, child);
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_inline(item) {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                } else {
                    // The item's block, with its first line moved onto the dash.
                    let mut block = String::new();
                    write_value(&mut block, indent + 2, item);
                    out.push_str(&format!("{pad}- {}", &block[indent + 2..]));
                }
            }
        }
        scalar_value => out.push_str(&format!("{pad}{}\n", scalar(scalar_value))),
    }
}

/// Appends a helm-docs comment (`# -- first line`, then `# more`) at `indent`.
pub fn write_doc(out: &mut String, indent: usize, doc: &str) {
    for (i, line) in doc.lines().enumerate() {
        let lead = if i == 0 { "# -- " } else { "# " };
        let line = line.trim_end();
        push_pad(out, indent);
        // No trailing spaces, even on an empty line.
        out.push_str(if line.is_empty() { lead.trim_end() } else { lead });
        out.push_str(line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml11_specials_are_quoted() {
        for s in [
            "on", "Yes", "N", "~", "null", "0777", "1e3", "1_000", "", " x", "x ", "a: b", "#x",
            "-", ".inf", "12:30",
        ] {
            assert!(string(s).starts_with('"'), "{s:?} must be quoted, got {}", string(s));
        }
        for s in ["info", "ghcr.io/acme/orders", "/healthz", "hello from orders", "IfNotPresent"] {
            assert_eq!(string(s), s);
        }
    }

    #[test]
    fn quoted_strings_escape_like_json() {
        assert_eq!(string("a\"b\nc"), r#""a\"b\nc""#);
    }

    #[test]
    fn yaml_line_breaks_and_non_printables_are_escaped() {
        assert_eq!(string("a\u{85}b\u{2028}c\u{7F}"), r#""a\u0085b\u2028c\u007F""#);
        assert_eq!(string("é ✓"), "\"é ✓\"");
    }

    #[test]
    fn blocks_nest_maps_and_lists() {
        let mut out = String::new();
        write_entry(&mut out, 0, "a", &json!({"b": [1, {"c": "on", "d": []}], "e": {}}));
        assert_eq!(out, "a:\n  b:\n    - 1\n    - c: \"on\"\n      d: []\n  e: {}\n");
    }

    #[test]
    fn docs_use_helm_docs_markers() {
        let mut out = String::new();
        write_doc(&mut out, 2, "One.\n\nTwo.");
        assert_eq!(out, "  # -- One.\n  #\n  # Two.\n");
    }
}
