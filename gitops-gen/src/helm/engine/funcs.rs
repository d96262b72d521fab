//! The functions Helm charts call, as Go's builtins and sprig define them,
//! argument types included: a function given a value of the wrong type
//! fails as Go's reflection would make it fail. Only the functions this
//! project's templates use are here; any other name is an error.

use super::go_text;
use super::value::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

type Result<T> = std::result::Result<T, String>;

fn wrong(expected: &str, got: &Value) -> String {
    match got {
        Value::Nil => format!("invalid value; expected {expected}"),
        other => format!("wrong type for value; expected {expected}; got {}", other.type_name()),
    }
}

fn string(v: &Value) -> Result<&str> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(wrong("string", other)),
    }
}

/// An `int` parameter: Go converts an untyped constant, nothing else.
fn int(v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(wrong("int", other)),
    }
}

/// A `map[string]interface{}` parameter (nil is an empty map).
fn map(v: &Value) -> Result<Rc<Map>> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Nil => Ok(Rc::new(Map::new())),
        other => Err(wrong("map[string]interface {}", other)),
    }
}

fn arity(name: &str, args: &[Value], want: usize) -> Result<()> {
    if args.len() == want {
        Ok(())
    } else {
        Err(format!("wrong number of args for {name}: want {want} got {}", args.len()))
    }
}

/// sprig's `strval`: a string as itself, anything else as `%v`.
fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => go_text::sprint(other),
    }
}

/// spf13/cast's `ToInt64`, which sprig's `int` and `add` use: numbers
/// truncated, strings parsed in any Go base (0 when they do not parse),
/// booleans 1 or 0, anything else 0.
fn cast_int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        // Go's conversion on amd64: out of range (or NaN) is the minimum.
        Value::Float(f)
            if f.is_nan() || *f >= 9.223_372_036_854_776e18 || *f < -9.223_372_036_854_776e18 =>
        {
            i64::MIN
        }
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_go_int(s).unwrap_or(0),
        _ => 0,
    }
}

/// `strconv.ParseInt(s, 0, 64)` after cast's trimming of a zero decimal part.
fn parse_go_int(s: &str) -> Option<i64> {
    let s = match s.split_once('.') {
        Some((whole, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => whole,
        _ => s,
    };
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.starts_with(['-', '+']) {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    // Go's literal syntax: an underscore between digits, or right after a
    // base prefix.
    let misplaced =
        digits.ends_with('_') || digits.contains("__") || (!prefixed && digits.starts_with('_'));
    if digits.is_empty() || misplaced {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

pub fn call(name: &str, args: Vec<Value>) -> Result<Value> {
    let a = &args;
    Ok(match name {
        "quote" => Value::Str(
            a.iter()
                .filter(|v| **v != Value::Nil)
                .map(|v| go_text::quote(&strval(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "toString" => {
            arity(name, a, 1)?;
            Value::Str(strval(&a[0]))
        }
        "toJson" => {
            arity(name, a, 1)?;
            Value::Str(go_text::to_json(&a[0]))
        }
        "toYaml" => {
            arity(name, a, 1)?;
            Value::Str(go_text::to_yaml(&a[0]))
        }
        "int" => {
            arity(name, a, 1)?;
            Value::Int(cast_int(&a[0]))
        }
        "add" => Value::Int(a.iter().map(cast_int).fold(0i64, i64::wrapping_add)),
        "default" => match a.as_slice() {
            [] => return Err("wrong number of args for default: want at least 1 got 0".into()),
            [fallback] => fallback.clone(),
            [fallback, given, ..] => {
                if given.truth() {
                    given.clone()
                } else {
                    fallback.clone()
                }
            }
        },
        "ternary" => {
            arity(name, a, 3)?;
            match &a[2] {
                Value::Bool(true) => a[0].clone(),
                Value::Bool(false) => a[1].clone(),
                other => return Err(wrong("bool", other)),
            }
        }
        "not" => {
            arity(name, a, 1)?;
            Value::Bool(!a[0].truth())
        }
        "eq" | "ne" => {
            if a.len() < 2 {
                return Err(format!(
                    "wrong number of args for {name}: want at least 2 got {}",
                    a.len()
                ));
            }
            // `eq a b c`: a equals any of the others; the first match ends it.
            let mut equal = false;
            for other in &a[1..] {
                if go_equal(&a[0], other)? {
                    equal = true;
                    break;
                }
            }
            Value::Bool(if name == "eq" { equal } else { !equal })
        }
        "kindIs" => {
            arity(name, a, 2)?;
            Value::Bool(string(&a[0])? == a[1].kind())
        }
        // A key without a value maps to "", as sprig's does.
        "dict" => Value::map(
            a.chunks(2)
                .map(|pair| {
                    (strval(&pair[0]), pair.get(1).cloned().unwrap_or_else(|| Value::str("")))
                })
                .collect(),
        ),
        "hasKey" => {
            arity(name, a, 2)?;
            Value::Bool(map(&a[0])?.contains_key(string(&a[1])?))
        }
        "omit" => {
            let Some((first, keys)) = a.split_first() else {
                return Err("wrong number of args for omit: want at least 1 got 0".into());
            };
            let mut out: Map = (*map(first)?).clone();
            for key in keys {
                out.remove(string(key)?);
            }
            Value::map(out)
        }
        "index" => {
            let Some((item, keys)) = a.split_first() else {
                return Err("wrong number of args for index: want at least 1 got 0".into());
            };
            let mut item = item.clone();
            for key in keys {
                item = match (&item, key) {
                    (Value::Nil, _) => return Err("index of untyped nil".into()),
                    (Value::Map(m), Value::Str(k)) => m.get(k).cloned().unwrap_or(Value::Nil),
                    (Value::List(l), Value::Int(i)) => {
                        match usize::try_from(*i).ok().and_then(|i| l.get(i)) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(format!("error calling index: index out of range: {i}"))
                            }
                        }
                    }
                    (other, key) => {
                        return Err(format!(
                            "can't index item of type {} with {}",
                            other.type_name(),
                            key.type_name()
                        ))
                    }
                };
            }
            item
        }
        "required" => {
            arity(name, a, 2)?;
            let message = string(&a[0])?;
            match &a[1] {
                Value::Nil => return Err(message.to_owned()),
                Value::Str(s) if s.is_empty() => return Err(message.to_owned()),
                v => v.clone(),
            }
        }
        "fail" => {
            arity(name, a, 1)?;
            return Err(string(&a[0])?.to_owned());
        }
        "nindent" | "indent" => {
            arity(name, a, 2)?;
            let count = int(&a[0])?;
            if count > 4096 {
                return Err(format!("{count} spaces is more than any chart indents"));
            }
            let pad = " ".repeat(usize::try_from(count).unwrap_or(0));
            let text = format!("{pad}{}", string(&a[1])?.replace('\n', &format!("\n{pad}")));
            Value::Str(if name == "nindent" { format!("\n{text}") } else { text })
        }
        "trunc" => {
            arity(name, a, 2)?;
            let (n, s) = (int(&a[0])?, string(&a[1])?);
            let len = s.len() as i64;
            let bytes = s.as_bytes();
            let cut = if n < 0 && len + n > 0 {
                &bytes[(len + n) as usize..]
            } else if n >= 0 && len > n {
                &bytes[..n as usize]
            } else {
                bytes
            };
            Value::Str(String::from_utf8_lossy(cut).into_owned())
        }
        "trimSuffix" => {
            arity(name, a, 2)?;
            let (suffix, s) = (string(&a[0])?, string(&a[1])?);
            Value::str(s.strip_suffix(suffix).unwrap_or(s))
        }
        "replace" => {
            arity(name, a, 3)?;
            Value::Str(string(&a[2])?.replace(string(&a[0])?, string(&a[1])?))
        }
        "contains" => {
            arity(name, a, 2)?;
            Value::Bool(string(&a[1])?.contains(string(&a[0])?))
        }
        "regexReplaceAll" => {
            arity(name, a, 3)?;
            let re = compiled(string(&a[0])?)?;
            Value::Str(re.replace_all(string(&a[1])?, string(&a[2])?).into_owned())
        }
        "sha256sum" => {
            arity(name, a, 1)?;
            let digest = Sha256::digest(string(&a[0])?.as_bytes());
            Value::Str(digest.iter().map(|b| format!("{b:02x}")).collect())
        }
        "deepCopy" => {
            arity(name, a, 1)?;
            deep_copy(&a[0])
        }
        "print" => Value::Str(sprint_args(a)),
        "printf" => {
            let Some((format, rest)) = a.split_first() else {
                return Err("wrong number of args for printf: want at least 1 got 0".into());
            };
            Value::Str(sprintf(string(format)?, rest)?)
        }
        "len" => {
            arity(name, a, 1)?;
            Value::Int(match &a[0] {
                Value::Str(s) => s.len() as i64,
                Value::List(l) => l.len() as i64,
                Value::Map(m) => m.len() as i64,
                other => return Err(format!("len of type {}", other.type_name())),
            })
        }
        other => return Err(format!("function {other:?} not defined")),
    })
}

/// A copy sharing nothing with `value`, so that `set` may change it.
fn deep_copy(value: &Value) -> Value {
    match value {
        Value::List(items) => Value::List(Rc::new(items.iter().map(deep_copy).collect())),
        Value::Map(map) => Value::map(map.iter().map(|(k, v)| (k.clone(), deep_copy(v))).collect()),
        other => other.clone(),
    }
}

/// The functions `call` knows, and those the executor runs itself: a
/// template calling any other is refused when it is parsed, as Go refuses it.
pub const NAMES: &[&str] = &[
    "add",
    "and",
    "contains",
    "deepCopy",
    "default",
    "dict",
    "eq",
    "fail",
    "hasKey",
    "include",
    "index",
    "indent",
    "int",
    "kindIs",
    "len",
    "ne",
    "nindent",
    "not",
    "omit",
    "or",
    "print",
    "printf",
    "quote",
    "regexReplaceAll",
    "replace",
    "required",
    "set",
    "sha256sum",
    "ternary",
    "toJson",
    "toString",
    "toYaml",
    "trimSuffix",
    "trunc",
];

/// A pattern compiled once per process: templates name a handful, and
/// compiling one costs more than a whole render.
/// Shared as `Arc`s: a `Regex` clone starts a cold matching cache of its own.
fn compiled(pattern: &str) -> Result<Arc<regex::Regex>> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Arc<regex::Regex>>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Arc::new(regex::Regex::new(pattern).map_err(|e| e.to_string())?);
    cache.insert(pattern.to_owned(), re.clone());
    Ok(re)
}

/// Go's `eq` on basic kinds: nil equals only nil, values of two kinds are
/// an error.
fn go_equal(a: &Value, b: &Value) -> Result<bool> {
    Ok(match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::Nil, _) | (_, Value::Nil) => false,
        (Value::List(_) | Value::Map(_), _) | (_, Value::List(_) | Value::Map(_)) => {
            return Err("non-comparable types".into())
        }
        _ => return Err("incompatible types for comparison".into()),
    })
}

/// `fmt.Sprint`: a space between operands when neither is a string.
fn sprint_args(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        let is_str = |v: &Value| matches!(v, Value::Str(_));
        if i > 0 && !is_str(arg) && !is_str(&args[i - 1]) {
            out.push(' ');
        }
        out.push_str(&strval(arg));
    }
    out
}

/// One `%verb` of `value`, as fmt writes it: a list or map verb by verb
/// for each element (a nil element as `<nil>`), a mismatch as
/// `%!s(float64=1)`.
fn format_verb(out: &mut String, verb: char, value: &Value, top: bool) {
    match (verb, value) {
        ('s' | 'v', Value::Str(s)) => out.push_str(s),
        ('v', other) => out.push_str(&go_text::sprint(other)),
        ('d', Value::Int(i)) => out.push_str(&i.to_string()),
        ('q', Value::Str(s)) => out.push_str(&go_text::quote(s)),
        (_, Value::Nil) if !top => out.push_str("<nil>"),
        (verb, Value::Nil) => out.push_str(&format!("%!{verb}(<nil>)")),
        (verb, Value::List(items)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_verb(out, verb, item, false);
            }
            out.push(']');
        }
        (verb, Value::Map(map)) => {
            out.push_str("map[");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_verb(out, verb, &Value::str(key.as_str()), false);
                out.push(':');
                format_verb(out, verb, item, false);
            }
            out.push(']');
        }
        (verb, other) => {
            out.push_str(&format!("%!{verb}({}={})", other.type_name(), go_text::sprint(other)))
        }
    }
}

/// `fmt.Sprintf` for the verbs charts use: `%s`, `%v`, `%d`, `%q`, `%%`,
/// without flags or widths (any other is refused, not printed wrong); an
/// argument of another type is written as Go writes it (`%!s(float64=1)`).
fn sprintf(format: &str, args: &[Value]) -> Result<String> {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !matches!(verb, 's' | 'v' | 'd' | 'q') {
            return Err(format!(
                "printf verb %{verb} (or a flag or width) is not one gitops-gen's engine writes"
            ));
        }
        let Some(arg) = next.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        format_verb(&mut out, verb, arg, true);
    }
    let extra: Vec<String> =
        next.map(|v| format!("{}={}", v.type_name(), go_text::sprint(v))).collect();
    if !extra.is_empty() {
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn casts_as_sprig() {
        for (input, want) in [
            ("8080", 8080),
            ("0x1f", 31),
            ("010", 8),
            ("8.0", 8),
            ("x", 0),
            ("1_000", 1000),
            ("1__0", 0),
            ("_1", 0),
            ("0x_1_0", 16),
        ] {
            assert_eq!(cast_int(&s(input)), want, "{input}");
        }
        assert_eq!(cast_int(&Value::Float(2.9)), 2);
        assert_eq!(cast_int(&Value::Nil), 0);
    }

    #[test]
    fn strings() {
        assert_eq!(call("trunc", vec![Value::Int(3), s("abcdef")]).unwrap(), s("abc"));
        assert_eq!(call("trimSuffix", vec![s("-"), s("a-")]).unwrap(), s("a"));
        assert_eq!(call("contains", vec![s("b"), s("abc")]).unwrap(), Value::Bool(true));
        assert_eq!(call("nindent", vec![Value::Int(2), s("a\nb")]).unwrap(), s("\n  a\n  b"));
        assert_eq!(call("quote", vec![Value::Nil]).unwrap(), s(""));
        assert_eq!(
            call("printf", vec![s("%s-%s"), s("a"), Value::Float(1.0)]).unwrap(),
            s("a-%!s(float64=1)")
        );
        assert_eq!(
            call("sha256sum", vec![s("")]).unwrap(),
            s("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert!(call("trunc", vec![Value::Int(3), Value::Float(1.0)])
            .unwrap_err()
            .contains("expected string"));
    }

    #[test]
    fn default_and_ternary() {
        assert_eq!(call("default", vec![s("d"), s("")]).unwrap(), s("d"));
        assert_eq!(call("default", vec![s("d"), Value::Float(0.0)]).unwrap(), s("d"));
        assert_eq!(call("default", vec![s("d"), s("x")]).unwrap(), s("x"));
        assert_eq!(call("ternary", vec![s("a"), s("b"), Value::Bool(false)]).unwrap(), s("b"));
        assert!(call("ternary", vec![s("a"), s("b"), s("true")]).is_err());
        assert!(call("required", vec![s("need x"), s("")]).unwrap_err().contains("need x"));
    }
}
