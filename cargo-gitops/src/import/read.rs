//! Stage 1: a chart's values.yaml (and values files) as a tree of keys with
//! their line and doc comment, scalars resolved the way Helm resolves them,
//! plus the values.schema.json when there is one.
//!
//! The tree comes from `saphyr-parser`'s events rather than a serde YAML
//! crate for two reasons: each key's line is needed to find the comment
//! above it, and Helm reads YAML 1.1 (`yes`, `on`, `0777`, `1_000`), which
//! the YAML 1.2 crates do not; scalars are resolved here by Helm's rules.

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};
use std::collections::{HashMap, HashSet};

/// A values node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A key of a map, with the line it is on (1-based) and its doc comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub line: usize,
    pub doc: String,
    pub node: Node,
}

impl Node {
    /// The node as JSON, which is what Helm's templates see.
    pub fn to_json(&self) -> Value {
        match self {
            Node::Scalar(v) => v.clone(),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(entries) => Value::Object(
                entries.iter().map(|e| (e.key.clone(), e.node.to_json())).collect::<Map<_, _>>(),
            ),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }
}

/// How deep maps and lists may nest: the reader recurses per level, and no
/// chart's values come near it.
pub(crate) const MAX_DEPTH: usize = 256;

/// How many values a file may hold once its aliases are expanded (each
/// alias is a copy): a few anchors aliased in layers would otherwise
/// expand to billions.
pub(crate) const MAX_NODES: usize = 1_000_000;

/// Parses a values file. An empty file is an empty map; the top level must
/// be a map. Nesting deeper than [`MAX_DEPTH`] and more than [`MAX_NODES`]
/// values after alias expansion are errors. Docs come from the comment lines directly above each key
/// (helm-docs' `# --` block when there is one) or a comment after its value.
pub fn values(text: &str) -> Result<Node, String> {
    let mut events = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| format!("not valid YAML: {e}"))?;
        events.push((event, span.start.line(), span.start.col(), span.end.line(), span.end.col()));
    }
    let documents = events.iter().filter(|e| matches!(e.0, Event::DocumentStart(_))).count();
    if documents > 1 {
        return Err("holds more than one YAML document".into());
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = Reader { events, at: 0, lines, anchors: HashMap::new(), depth: 0, nodes: 0 };
    while reader.at < reader.events.len() {
        match reader.events[reader.at].0 {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => reader.at += 1,
            Event::StreamEnd | Event::DocumentEnd => return Ok(Node::Map(Vec::new())),
            _ => break,
        }
    }
    match reader.node()? {
        node @ Node::Map(_) => Ok(node),
        Node::Scalar(Value::Null) => Ok(Node::Map(Vec::new())),
        _ => Err("the top level is not a map of keys".into()),
    }
}

type Located<'a> = (Event<'a>, usize, usize, usize, usize);

struct Reader<'a> {
    events: Vec<Located<'a>>,
    at: usize,
    lines: Vec<&'a str>,
    /// Each anchor's node and how many values it holds.
    anchors: HashMap<usize, (Node, usize)>,
    depth: usize,
    /// Values read so far, aliases counted at their expanded size.
    nodes: usize,
}

impl Reader<'_> {
    fn count(&mut self, n: usize, line: usize) -> Result<(), String> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(format!(
                "line {line}: more than {MAX_NODES} values once its aliases are expanded"
            ));
        }
        Ok(())
    }

    fn node(&mut self) -> Result<Node, String> {
        let (event, line, col, ..) = self.events.get(self.at).cloned().ok_or("unexpected end")?;
        self.at += 1;
        let before = self.nodes;
        self.count(1, line)?;
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(format!("line {line}: nested deeper than {MAX_DEPTH} levels"));
            }
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let value = scalar(&text, style, tag.as_deref())
                    .map_err(|e| format!("line {line}, column {col}: {e}"))?;
                (Node::Scalar(value), anchor)
            }
            Event::Alias(id) => {
                let (node, size) =
                    self.anchors.get(&id).cloned().ok_or("an alias to an unknown anchor")?;
                self.count(size.saturating_sub(1), line)?;
                return Ok(node);
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                while !matches!(self.events.get(self.at).map(|e| &e.0), Some(Event::SequenceEnd)) {
                    items.push(self.node()?);
                }
                self.at += 1;
                (Node::Seq(items), anchor)
            }
            Event::MappingStart(anchor, _) => {
                let mut entries: Vec<Entry> = Vec::new();
                while !matches!(self.events.get(self.at).map(|e| &e.0), Some(Event::MappingEnd)) {
                    let key_line = self.events.get(self.at).map(|e| e.1).unwrap_or(line);
                    let key = match self.node()? {
                        Node::Scalar(Value::String(s)) => s,
                        Node::Scalar(Value::Null) => {
                            return Err(format!("line {key_line}: a null key"))
                        }
                        Node::Scalar(other) => other.to_string(),
                        _ => return Err(format!("line {key_line}: a key that is not a scalar")),
                    };
                    if key == "<<" {
                        return Err(format!(
                            "line {key_line}: merge keys (`<<`) are not supported"
                        ));
                    }
                    let value_at = self.at;
                    let node = self.node()?;
                    let mut doc = self.doc_above(key_line);
                    if doc.is_empty() {
                        doc = self.trailing_comment(value_at, &node);
                    }
                    // A repeated key: the last wins, as in Helm.
                    entries.retain(|e| e.key != key);
                    entries.push(Entry { key, line: key_line, doc, node });
                }
                self.at += 1;
                (Node::Map(entries), anchor)
            }
            other => return Err(format!("line {line}, column {col}: unexpected {other:?}")),
        };
        if matches!(node, Node::Seq(_) | Node::Map(_)) {
            self.depth -= 1;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), self.nodes - before));
        }
        Ok(node)
    }

    /// The comment lines directly above `line` (1-based), no blank line between.
    fn doc_above(&self, line: usize) -> String {
        let mut block = Vec::new();
        let mut at = line.saturating_sub(1);
        while at >= 1 {
            let text = self.lines.get(at - 1).map(|l| l.trim()).unwrap_or("");
            match text.strip_prefix('#') {
                Some(comment) => block.push(comment),
                None => break,
            }
            at -= 1;
        }
        block.reverse();
        doc_text(&block)
    }

    /// `key: value  # a comment` on the value's line, for a one-line scalar.
    fn trailing_comment(&self, value_at: usize, node: &Node) -> String {
        let Some((Event::Scalar(_, style, ..), line, col, end_line, _)) = self.events.get(value_at)
        else {
            return String::new();
        };
        if !matches!(node, Node::Scalar(_)) || *line != *end_line && *style != ScalarStyle::Plain {
            return String::new();
        }
        let Some(text) = self.lines.get(line - 1) else { return String::new() };
        let rest: String = text.chars().skip(*col).collect();
        match after_scalar(&rest, *style).trim_start().strip_prefix('#') {
            Some(comment) => doc_text(&[comment]),
            None => String::new(),
        }
    }
}

/// What follows a one-line scalar written at the start of `text`.
fn after_scalar(text: &str, style: ScalarStyle) -> &str {
    let mut chars = text.char_indices().peekable();
    match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let quote = if style == ScalarStyle::SingleQuoted { '\'' } else { '"' };
            chars.next();
            while let Some((i, c)) = chars.next() {
                if quote == '"' && c == '\\' {
                    chars.next();
                } else if c == quote {
                    if quote == '\'' && chars.peek().map(|p| p.1) == Some('\'') {
                        chars.next();
                    } else {
                        return &text[i + 1..];
                    }
                }
            }
            ""
        }
        ScalarStyle::Plain => match text.find(" #") {
            Some(i) => &text[i..],
            None => "",
        },
        _ => "",
    }
}

/// A comment block as doc text: from the last helm-docs `# --` line when
/// there is one (its `(type)` hint dropped), without `# @…` annotations.
pub(crate) fn doc_text(block: &[&str]) -> String {
    let start = block.iter().rposition(|l| l.trim_start().starts_with("--")).unwrap_or(0);
    let mut out = Vec::new();
    for (i, line) in block[start..].iter().enumerate() {
        let mut line = line.strip_prefix(' ').unwrap_or(line).trim_end();
        if i == 0 {
            if let Some(rest) = line.strip_prefix("--") {
                line = rest.trim_start();
                if line.starts_with('(') {
                    line = line.find(')').map(|end| line[end + 1..].trim_start()).unwrap_or(line);
                }
            }
        }
        if line.trim_start().starts_with('@') {
            continue;
        }
        out.push(line);
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    code_as_text(&out).join("\n")
}

/// Comment text made safe as Rust docs, where a code block is a doctest
/// that would fail: the block's common indentation removed, every fence
/// (```` ``` ````, `~~~`, whatever its language) made ```` ```text ````, and
/// an indented code block (four spaces, after a blank line) fenced the same way.
fn code_as_text(lines: &[&str]) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| indent(l)).min();
    let lines: Vec<&str> =
        lines.iter().map(|l| l.get(common.unwrap_or(0)..).unwrap_or("").trim_end()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    let mut indented: Option<usize> = None;
    for line in lines {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker)
                && trimmed.trim_start_matches(marker.as_bytes()[0] as char).is_empty()
            {
                out.push("```".into());
                fence = None;
            } else {
                out.push(line.to_owned());
            }
            continue;
        }
        if let Some(depth) = indented {
            if line.is_empty() || indent(line) >= depth {
                out.push(line.get(depth..).unwrap_or("").to_owned());
                continue;
            }
            close_indented(&mut out);
            indented = None;
        }
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        if let Some(marker) = marker {
            out.push("```text".into());
            fence = Some(marker);
        } else if indent(line) >= 4 && out.last().is_none_or(|l| l.is_empty()) {
            out.push("```text".into());
            out.push(trimmed.to_owned());
            indented = Some(indent(line));
        } else {
            out.push(line.to_owned());
        }
    }
    if fence.is_some() {
        out.push("```".into());
    }
    if indented.is_some() {
        close_indented(&mut out);
    }
    out
}

/// Ends an indented block made a fence, before its trailing blank lines.
fn close_indented(out: &mut Vec<String>) {
    let blanks = out.iter().rev().take_while(|l| l.is_empty()).count();
    out.truncate(out.len() - blanks);
    out.push("```".into());
    out.extend(std::iter::repeat_n(String::new(), blanks));
}

/// A scalar as Helm reads it: YAML 1.1 plain scalars (`yes`/`on` are
/// booleans, `0777` and `0o17` octal, `0x1F`/`0X1F` hexadecimal, `1_000` a
/// number, `~` null); quoted and block scalars are strings. Infinity and
/// NaN (`.inf`, `.nan`) are errors, as in Helm, whose values become JSON.
/// The oracle test in `tests/import.rs` compares this with Helm's reading.
pub(crate) fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    let plain_style = style == ScalarStyle::Plain;
    match tag {
        Some("tag:yaml.org,2002:str" | "!!str") => return Ok(Value::String(text.into())),
        Some("tag:yaml.org,2002:int" | "!!int" | "tag:yaml.org,2002:float" | "!!float") => {}
        _ if !plain_style => return Ok(Value::String(text.into())),
        _ => {}
    }
    let body = text.trim_start_matches(['-', '+']);
    if [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(&body) {
        return Err(format!("`{text}` is not a number Helm can read (values become JSON, which has no infinity or NaN)"));
    }
    Ok(plain(text).unwrap_or_else(|| Value::String(text.into())))
}

fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Some(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Some(Value::Bool(false))
        }
        _ => {}
    }
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return None;
    }
    let digits = text.replace('_', "");
    if let Some(i) = integer(&digits) {
        return Some(i);
    }
    float(&digits)
}

fn integer(text: &str) -> Option<Value> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // Go's `strconv.ParseInt(text, 0, 64)`: either case of the prefix.
    let radix = |prefixes: [&str; 2]| prefixes.into_iter().find_map(|p| body.strip_prefix(p));
    let digits = |text: &str, radix: u32| {
        // `from_str_radix` takes a sign; Go does not, after the prefix.
        text.bytes()
            .all(|b| (b as char).is_digit(radix))
            .then(|| u64::from_str_radix(text, radix).ok())?
    };
    let magnitude = if let Some(hex) = radix(["0x", "0X"]) {
        digits(hex, 16)?
    } else if let Some(bin) = radix(["0b", "0B"]) {
        digits(bin, 2)?
    } else if let Some(oct) = radix(["0o", "0O"]) {
        digits(oct, 8)?
    } else if body.len() > 1 && body.starts_with('0') {
        digits(&body[1..], 8)?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match body.parse::<u64>() {
            Ok(n) => n,
            // Beyond 64 bits Helm has a float.
            Err(_) => {
                return body.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number)
            }
        }
    };
    if negative {
        let n = i64::try_from(magnitude).ok()?.checked_neg()?;
        Some(Value::Number(n.into()))
    } else {
        Some(Value::Number(magnitude.into()))
    }
}

fn float(text: &str) -> Option<Value> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = digits(whole)
        && digits(fraction)
        && !(whole.is_empty() && fraction.is_empty())
        && exponent.is_none_or(|e| {
            let e = e.trim_start_matches(['-', '+']);
            !e.is_empty() && digits(e)
        });
    if !ok {
        return None;
    }
    text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number)
}

/// values.schema.json, with `$ref`s into its own definitions resolved.
pub(crate) struct Schema {
    root: Value,
}

impl Schema {
    pub fn parse(text: &str) -> Result<Schema, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        Ok(Schema { root })
    }

    pub fn root(&self) -> &Value {
        self.resolve(&self.root)
    }

    /// `schema` with a local `$ref` followed (once per level, up to ten).
    pub fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..10 {
            let Some(pointer) = schema.get("$ref").and_then(Value::as_str) else { break };
            match pointer.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The schema of `key` inside the object schema `parent`: its
    /// `properties`, else its `additionalProperties` schema; `anyOf`/`oneOf`
    /// alternatives searched too (`[T, null]` is the common case).
    pub fn property<'a>(&'a self, parent: &'a Value, key: &str) -> Option<&'a Value> {
        self.property_unseen(parent, key, &mut HashSet::new())
    }

    /// [`Schema::property`], each schema searched once: a `$ref` back to
    /// itself through `anyOf`/`allOf` must not recurse forever (nor a
    /// diamond of them take exponential time).
    fn property_unseen<'a>(
        &'a self,
        parent: &'a Value,
        key: &str,
        seen: &mut HashSet<*const Value>,
    ) -> Option<&'a Value> {
        let parent = self.resolve(parent);
        if !seen.insert(parent) {
            return None;
        }
        if let Some(found) = parent.get("properties").and_then(|p| p.get(key)) {
            return Some(self.resolve(found));
        }
        for alternatives in ["anyOf", "oneOf", "allOf"] {
            for alt in parent.get(alternatives).and_then(Value::as_array).into_iter().flatten() {
                if let Some(found) = self.property_unseen(alt, key, seen) {
                    return Some(found);
                }
            }
        }
        parent.get("additionalProperties").filter(|a| a.is_object()).map(|a| self.resolve(a))
    }

    /// The schema of a list's items.
    pub fn items<'a>(&'a self, list: &'a Value) -> Option<&'a Value> {
        self.items_unseen(list, &mut HashSet::new())
    }

    fn items_unseen<'a>(
        &'a self,
        list: &'a Value,
        seen: &mut HashSet<*const Value>,
    ) -> Option<&'a Value> {
        let list = self.resolve(list);
        if !seen.insert(list) {
            return None;
        }
        if let Some(items) = list.get("items").filter(|i| i.is_object()) {
            return Some(self.resolve(items));
        }
        self.alternatives(list).into_iter().find_map(|alt| self.items_unseen(alt, seen))
    }

    /// The `anyOf`/`oneOf` alternatives of `schema`, resolved.
    pub fn alternatives<'a>(&'a self, schema: &'a Value) -> Vec<&'a Value> {
        ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .flatten()
            .map(|alt| self.resolve(alt))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_follow_yaml_1_1_as_helm_reads_them() {
        let p = |t: &str| scalar(t, ScalarStyle::Plain, None).unwrap();
        assert_eq!(p("yes"), json!(true));
        assert_eq!(p("off"), json!(false));
        assert_eq!(p("~"), json!(null));
        assert_eq!(p("0777"), json!(511));
        assert_eq!(p("1_000"), json!(1000));
        assert_eq!(p("-3"), json!(-3));
        assert_eq!(p("0.25"), json!(0.25));
        assert_eq!(p("1e3"), json!(1000.0));
        assert_eq!(p("1.2.3"), json!("1.2.3"));
        assert_eq!(p("100m"), json!("100m"));
        assert_eq!(p("0X1F"), json!(31));
        assert_eq!(p("0O17"), json!(15));
        assert_eq!(p("-0B101"), json!(-5));
        assert_eq!(p("0x-1"), json!("0x-1"));
        assert_eq!(p("0b2"), json!("0b2"));
        assert!(scalar(".inf", ScalarStyle::Plain, None).is_err());
        assert!(scalar("-.nan", ScalarStyle::Plain, None).is_err());
        assert_eq!(scalar(".inf", ScalarStyle::SingleQuoted, None).unwrap(), json!(".inf"));
        assert_eq!(scalar("yes", ScalarStyle::DoubleQuoted, None).unwrap(), json!("yes"));
        assert_eq!(
            scalar("8", ScalarStyle::Plain, Some("tag:yaml.org,2002:str")).unwrap(),
            json!("8")
        );
    }

    #[test]
    fn keys_get_the_comment_block_above_or_after_them() {
        let text = "\
# Default values.

# A plain comment
# on two lines.
name: shop
# ignored: no key follows directly
# -- (int) Workers per core.
# @default -- the number of cores
workers: 4 # not this one
retries: 3 # -- How often to retry.
nested:
  # -- Inner key.
  inner: 'a # b' # the quote's end is found
list:
  - a
";
        let tree = values(text).unwrap();
        assert_eq!(tree.get("name").unwrap().doc, "A plain comment\non two lines.");
        assert_eq!(tree.get("workers").unwrap().doc, "Workers per core.");
        assert_eq!(tree.get("retries").unwrap().doc, "How often to retry.");
        let nested = &tree.get("nested").unwrap().node;
        assert_eq!(nested.get("inner").unwrap().doc, "Inner key.");
        assert_eq!(tree.to_json()["nested"]["inner"], json!("a # b"));
        assert_eq!(tree.get("list").unwrap().line, 14);
        assert_eq!(tree.to_json()["list"], json!(["a"]));
    }

    #[test]
    fn anchors_are_copied_and_empty_files_are_empty_maps() {
        let tree = values("a: &x {b: 1}\nc: *x\n").unwrap();
        assert_eq!(tree.to_json(), json!({"a": {"b": 1}, "c": {"b": 1}}));
        assert_eq!(values("# nothing\n").unwrap(), Node::Map(vec![]));
        assert!(values("- a\n").is_err());
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_errors() {
        // Flow collections: the parser has a limit of its own.
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(values(&deep).is_err());
        // Block maps: this reader's.
        let block = |levels: usize| -> String {
            (0..levels).map(|i| format!("{}k:\n", " ".repeat(i))).collect::<String>()
                + &" ".repeat(levels)
                + "v: 1\n"
        };
        let error = values(&block(300)).unwrap_err();
        assert!(error.contains("nested deeper than 256"), "{error}");
        assert!(values(&block(200)).is_ok());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(values(&bomb).unwrap_err().contains("more than 1000000 values"));
    }

    #[test]
    fn comment_code_is_text_in_rust_docs() {
        let block = [
            " Example:",
            "",
            "     replicas: 2",
            "     name: x",
            "",
            " ```yaml",
            " a: 1",
            " ```",
            " Done.",
        ];
        assert_eq!(
            doc_text(&block),
            "Example:\n\n```text\nreplicas: 2\nname: x\n```\n\n```text\na: 1\n```\nDone."
        );
        assert_eq!(doc_text(&["   indented", "   alike"]), "indented\nalike");
        assert_eq!(doc_text(&[" ~~~", " open"]), "```text\nopen\n```");
    }

    #[test]
    fn a_self_referencing_schema_ends() {
        let schema = Schema::parse(
            r##"{"$ref": "#/definitions/A", "definitions": {"A": {"anyOf": [{"$ref": "#/definitions/A"}], "allOf": [{"$ref": "#/definitions/A"}]}}}"##,
        )
        .unwrap();
        assert_eq!(schema.property(schema.root(), "x"), None);
        assert_eq!(schema.items(schema.root()), None);
    }

    #[test]
    fn schema_properties_follow_refs_and_alternatives() {
        let schema = Schema::parse(
            r##"{"properties": {"a": {"$ref": "#/definitions/A"}},
                "definitions": {"A": {"anyOf": [{"type": "object", "properties": {"b": {"type": "integer"}}}, {"type": "null"}]}}}"##,
        )
        .unwrap();
        let a = schema.property(schema.root(), "a").unwrap();
        assert_eq!(schema.property(a, "b").unwrap(), &json!({"type": "integer"}));
    }
}
