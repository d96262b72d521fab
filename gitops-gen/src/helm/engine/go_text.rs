//! Go's text for values, byte for byte where a byte reaches a checksum:
//! `fmt`'s `%v` (what `{{ x }}`, `toString` and `print` write),
//! `strconv.Quote` (`quote`), `encoding/json` (`toJson`); and YAML that
//! reads back as the same value (`toYaml`, whose bytes no checksum covers).

use super::value::Value;
use crate::foundation::yaml;
use std::fmt::Write;
use unicode_general_category::{get_general_category, GeneralCategory as G};

/// `fmt.Sprint(v)` for one value.
pub fn sprint(v: &Value) -> String {
    let mut out = String::new();
    write_sprint(&mut out, v);
    out
}

fn write_sprint(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => write!(out, "{i}").expect("String write"),
        Value::Float(f) => out.push_str(&format_g(*f)),
        Value::Str(s) => out.push_str(s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_sprint(out, item);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push_str("map[");
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_sprint(out, item);
            }
            out.push(']');
        }
    }
}

/// A float's shortest digits and decimal exponent: `1.5e-07` → ("15", -7).
/// Ryū's digits, as Go's `strconv` finds them (Rust's own formatting breaks
/// ties between two shortest forms the other way).
fn shortest(f: f64) -> (String, i32) {
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(f.abs());
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu writes an integer exponent")),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = [whole, fraction].concat();
    let Some(first) = all.bytes().position(|b| b != b'0') else {
        return ("0".into(), 0);
    };
    let digits = all[first..].trim_end_matches('0').to_owned();
    (digits, whole.len() as i32 - 1 - first as i32 + exp)
}

/// `digits` × 10^`exp` written out without an exponent.
fn plain_form(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::from(if negative { "-" } else { "" });
    if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let whole = exp as usize + 1;
        if digits.len() <= whole {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', whole - digits.len()));
        } else {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
        }
    }
    out
}

/// `digits` as d.ddd with Go's exponent (`e+06`, `e-07`; two digits at least).
fn exponent_form(negative: bool, digits: &str, exp: i32, min_exp_digits: usize) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    write!(out, "e{sign}{:0width$}", exp.abs(), width = min_exp_digits).expect("String write");
    out
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// `%v` of a float64: Go's `%g` with the shortest digits, in exponent
/// form when the exponent is below -4 or at least 6 (`1e+06`, `123456`).
pub fn format_g(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (digits, exp) = shortest(f);
    if !(-4..6).contains(&exp) {
        return exponent_form(f < 0.0, &digits, exp, 2);
    }
    plain_form(f < 0.0, &digits, exp)
}

/// `encoding/json`'s float64: plain from 1e-6 up to 1e21, else exponent
/// form with the exponent's leading zero dropped (`1e-7`, `1e+21`).
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (digits, exp) = shortest(f);
    if !(1e-6..1e21).contains(&abs) {
        return exponent_form(f < 0.0, &digits, exp, 1);
    }
    plain_form(f < 0.0, &digits, exp)
}

/// `json.Marshal(v)` as `toJson` gives it (HTML-safe escapes, keys in order).
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => write!(out, "{i}").expect("String write"),
        Value::Float(f) => out.push_str(&json_float(*f)),
        Value::Str(s) => json_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                write!(out, "\\u{:04x}", c as u32).expect("String write")
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `strconv.Quote(s)`: Go syntax, printable characters as themselves.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                write!(out, "\\x{:02x}", c as u32).expect("String write")
            }
            c if (c as u32) < 0x10000 => write!(out, "\\u{:04x}", c as u32).expect("String write"),
            c => write!(out, "\\U{:08x}", c as u32).expect("String write"),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
    )
}

/// `toYaml`: block YAML that a YAML 1.1 reader reads back as `v`, without
/// the final newline (Helm trims it).
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Map(m) if !m.is_empty() => write_block(&mut out, 0, v),
        Value::List(l) if !l.is_empty() => write_block(&mut out, 0, v),
        scalar => out.push_str(&yaml_scalar(scalar)),
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => json_float(*f),
        Value::Str(s) => yaml::string(s),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
        _ => false,
    }
}

fn write_block(out: &mut String, indent: usize, v: &Value) {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(map) => {
            for (k, child) in map.iter() {
                out.push_str(&pad);
                out.push_str(&yaml::string(k));
                if is_block(child) {
                    out.push_str(":\n");
                    // Go's YAML writes a list under its key unindented.
                    let child_indent =
                        if matches!(child, Value::List(_)) { indent } else { indent + 2 };
                    write_block(out, child_indent, child);
                } else {
                    out.push_str(": ");
                    out.push_str(&yaml_scalar(child));
                    out.push('\n');
                }
            }
        }
        Value::List(items) => {
            for item in items.iter() {
                if is_block(item) {
                    let mut block = String::new();
                    write_block(&mut block, indent + 2, item);
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(&block[indent + 2..]);
                } else {
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(&yaml_scalar(item));
                    out.push('\n');
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_prints_them() {
        for (f, v, json) in [
            (1e6, "1e+06", "1000000"),
            (123456.0, "123456", "123456"),
            (1234567.0, "1.234567e+06", "1234567"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001, "1e-05", "0.00001"),
            (1e-7, "1e-07", "1e-7"),
            (1e21, "1e+21", "1e+21"),
            (1.5, "1.5", "1.5"),
            (-2.0, "-2", "-2"),
            (0.0, "0", "0"),
            (1e100, "1e+100", "1e+100"),
            // An f32 widened: two shortest forms, Go takes the even one.
            (f64::from(-149.479_52_f32), "-149.47952270507812", "-149.47952270507812"),
            (0.000123, "0.000123", "0.000123"),
            (120.5, "120.5", "120.5"),
            (1e20, "1e+20", "100000000000000000000"),
        ] {
            assert_eq!(format_g(f), v, "%v of {f}");
            assert_eq!(json_float(f), json, "json of {f}");
        }
    }

    #[test]
    fn quote_as_strconv() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\n\t\u{7}\u{1}\u{7f}"), r#""\n\t\a\x01\x7f""#);
        assert_eq!(quote("é✓日🦀"), "\"é✓日🦀\"");
        assert_eq!(quote("\u{a0}\u{2028}\u{85}\u{feff}"), r#""\u00a0\u2028\u0085\ufeff""#);
        assert_eq!(quote("\u{e0001}"), r#""\U000e0001""#);
        // Go 1.26's tables are Unicode 15.0: a letter assigned in 16.0 is
        // not printable to Go (real Helm escaped these three in round_trip.rs).
        assert_eq!(unicode_general_category::UNICODE_VERSION, (15, 0, 0));
        assert_eq!(quote("\u{113b9}\u{10ec3}\u{1ccad}"), r#""\U000113b9\U00010ec3\U0001ccad""#);
    }

    #[test]
    fn json_as_go_writes_it() {
        let v = Value::str("<a&b>\u{2028}\u{1}\u{8}\u{7f}");
        assert_eq!(to_json(&v), "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\\b\u{7f}\"");
    }
}
