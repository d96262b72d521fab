//! Helm templates as a small tree, so that one emitter decides every
//! indentation, `nindent` and quote instead of each template getting them right
//! by hand.

use crate::foundation::yaml;
use std::fmt::Write;

/// `s` as a Go interpreted string literal, for a template's actions: quotes
/// and backslashes escaped, control characters and invisible or line-breaking
/// ones (U+2028, bidi controls) as `\u` escapes, everything else as itself.
/// Go's lexer refuses a raw newline, and Rust's `{:?}` writes `\u{..}`,
/// which Go refuses; this is JSON's quoting where JSON's is valid Go.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
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
            c if c.is_control() || invisible(c) => {
                write!(out, "\\u{:04x}", u32::from(c)).expect("a String takes any write")
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that print nothing or break lines in editors and diffs.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `{{- TEXT }}`: an action that trims the whitespace before it.
pub fn trimmed(text: &str) -> String {
    ["{{- ", text, " }}"].concat()
}

/// `{{ TEXT }}`: an action printing its value in place.
pub fn action(text: &str) -> String {
    ["{{ ", text, " }}"].concat()
}

/// A value in a template.
#[derive(Debug, Clone)]
pub enum Node {
    /// A literal string, quoted as YAML needs.
    Str(String),
    /// A literal integer.
    Int(i64),
    /// A literal boolean.
    Bool(bool),
    /// `{{ EXPR }}`: a Helm expression printing one scalar.
    Expr(String),
    /// `{{- toYaml EXPR | nindent N }}`: a block copied from values.
    ToYaml(String),
    Map(Vec<Part<(String, Node)>>),
    Seq(Vec<Part<Node>>),
}

/// An entry of a map or an item of a sequence, possibly conditional.
#[derive(Debug, Clone)]
pub enum Part<T> {
    Item(T),
    /// `{{- if COND }}` … `{{- else }}` … `{{- end }}`.
    If(String, Vec<Part<T>>, Vec<Part<T>>),
    /// `{{- with EXPR }}` … `{{- end }}`; inside, `.` is EXPR's value.
    With(String, Vec<Part<T>>),
    /// `{{- range EXPR }}` … `{{- end }}`; inside, `.` is each element and
    /// `$` the root.
    Range(String, Vec<Part<T>>),
    /// `{{- toYaml EXPR | nindent N }}` merged into this map or sequence.
    ToYaml(String),
    /// `{{- include "NAME" . | nindent N }}` merged into this map.
    Include(String),
}

/// Shorthands that keep template definitions readable.
pub fn str(s: impl Into<String>) -> Node {
    Node::Str(s.into())
}
pub fn expr(e: impl Into<String>) -> Node {
    Node::Expr(e.into())
}
pub fn entry(key: &str, value: Node) -> Part<(String, Node)> {
    Part::Item((key.to_owned(), value))
}
pub fn map(parts: Vec<Part<(String, Node)>>) -> Node {
    Node::Map(parts)
}
pub fn seq(parts: Vec<Part<Node>>) -> Node {
    Node::Seq(parts)
}

/// A whole template file: a top-level map, optionally rendered only when
/// `guard` holds.
pub struct Document {
    pub guard: Option<String>,
    pub body: Vec<Part<(String, Node)>>,
}

impl Document {
    pub fn emit(&self, header: &str) -> String {
        let mut out = String::from(header);
        match &self.guard {
            Some(cond) => {
                out.push_str(&trimmed(&format!("if {cond}")));
                out.push('\n');
                emit_map(&mut out, 0, &self.body);
                out.push_str("{{- end }}\n");
            }
            None => emit_map(&mut out, 0, &self.body),
        }
        out
    }
}

fn line(out: &mut String, indent: usize, text: &str) {
    out.push_str(&" ".repeat(indent));
    out.push_str(text);
    out.push('\n');
}

/// Emits the directives shared by maps and sequences; `item` emits one item.
fn emit_parts<T>(
    out: &mut String,
    indent: usize,
    parts: &[Part<T>],
    item: &dyn Fn(&mut String, usize, &T),
) {
    for part in parts {
        match part {
            Part::Item(t) => item(out, indent, t),
            Part::If(cond, then, otherwise) => {
                line(out, indent, &trimmed(&format!("if {cond}")));
                emit_parts(out, indent, then, item);
                if !otherwise.is_empty() {
                    line(out, indent, "{{- else }}");
                    emit_parts(out, indent, otherwise, item);
                }
                line(out, indent, "{{- end }}");
            }
            Part::With(e, body) | Part::Range(e, body) => {
                let action = if matches!(part, Part::With(..)) { "with" } else { "range" };
                line(out, indent, &trimmed(&format!("{action} {e}")));
                emit_parts(out, indent, body, item);
                line(out, indent, "{{- end }}");
            }
            Part::ToYaml(e) => line(out, indent, &to_yaml(e, indent)),
            Part::Include(name) => line(
                out,
                indent,
                &trimmed(&format!("include {} . | nindent {indent}", go_quote(name))),
            ),
        }
    }
}

fn emit_map(out: &mut String, indent: usize, parts: &[Part<(String, Node)>]) {
    emit_parts(out, indent, parts, &|out, indent, (key, value)| {
        let key = yaml::string(key);
        match value {
            // An empty block would be read as null.
            Node::Map(parts) if parts.is_empty() => line(out, indent, &format!("{key}: {{}}")),
            Node::Seq(parts) if parts.is_empty() => line(out, indent, &format!("{key}: []")),
            Node::Map(_) | Node::Seq(_) | Node::ToYaml(_) => {
                line(out, indent, &format!("{key}:"));
                emit_block(out, indent + 2, value);
            }
            scalar => line(out, indent, &format!("{key}: {}", inline(scalar))),
        }
    });
}

fn emit_seq(out: &mut String, indent: usize, parts: &[Part<Node>]) {
    emit_parts(out, indent, parts, &|out, indent, node| match node {
        Node::Map(_) | Node::Seq(_) => {
            // The item's block at indent + 2, its first line moved onto the dash.
            let mut block = String::new();
            emit_block(&mut block, indent + 2, node);
            debug_assert!(
                !block.trim_start().starts_with("{{"),
                "a sequence item must start with a plain entry"
            );
            out.push_str(&" ".repeat(indent));
            out.push_str("- ");
            out.push_str(&block[indent + 2..]);
        }
        scalar => line(out, indent, &format!("- {}", inline(scalar))),
    });
}

fn emit_block(out: &mut String, indent: usize, node: &Node) {
    match node {
        Node::Map(parts) => emit_map(out, indent, parts),
        Node::Seq(parts) => emit_seq(out, indent, parts),
        Node::ToYaml(e) => line(out, indent, &to_yaml(e, indent)),
        scalar => line(out, indent, &inline(scalar)),
    }
}

fn to_yaml(e: &str, indent: usize) -> String {
    trimmed(&format!("toYaml {e} | nindent {indent}"))
}

fn inline(node: &Node) -> String {
    match node {
        // A literal containing `{{` would be read as a template by Helm.
        Node::Str(s) if s.contains("{{") || s.contains("}}") => {
            action(&format!("{} | quote", go_quote(s)))
        }
        Node::Str(s) => yaml::string(s),
        Node::Int(i) => i.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Expr(e) => action(e),
        Node::Map(_) | Node::Seq(_) | Node::ToYaml(_) => unreachable!("blocks are not inline"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_maps_sequences_and_directives() {
        let doc = Document {
            guard: None,
            body: vec![
                entry("kind", str("Service")),
                entry(
                    "metadata",
                    map(vec![
                        entry("name", expr("include \"x.fullname\" .")),
                        entry("labels", map(vec![Part::Include("x.labels".into())])),
                    ]),
                ),
                entry(
                    "ports",
                    seq(vec![
                        Part::Item(map(vec![
                            entry("name", str("http")),
                            entry("port", Node::Int(80)),
                        ])),
                        Part::If(
                            ".Values.extra".into(),
                            vec![Part::Item(map(vec![entry("name", str("on"))]))],
                            vec![],
                        ),
                    ]),
                ),
                Part::With(".Values.sel".into(), vec![entry("selector", Node::ToYaml(".".into()))]),
            ],
        };
        assert_eq!(
            doc.emit(""),
            "kind: Service
metadata:
  name: {{ include \"x.fullname\" . }}
  labels:
    {{- include \"x.labels\" . | nindent 4 }}
ports:
  - name: http
    port: 80
  {{- if .Values.extra }}
  - name: \"on\"
  {{- end }}
{{- with .Values.sel }}
selector:
  {{- toYaml . | nindent 2 }}
{{- end }}
"
        );
    }

    #[test]
    fn go_quote_escapes_what_go_refuses_or_hides() {
        assert_eq!(go_quote("orders.fullname"), r#""orders.fullname""#);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(go_quote("\0\u{1}\u{8}\u{b}\u{c}\u{1f}"), r#""\u0000\u0001\b\u000b\f\u001f""#);
        assert_eq!(go_quote("\u{7f}\u{85}\u{9f}"), r#""\u007f\u0085\u009f""#);
        assert_eq!(go_quote("\u{2028}\u{2029}\u{202e}\u{feff}"), r#""\u2028\u2029\u202e\ufeff""#);
        // Printable text, non-ASCII and template delimiters stay as they are.
        assert_eq!(go_quote("é ✓ 🦀 {{ x }} %s"), "\"é ✓ 🦀 {{ x }} %s\"");
        assert_eq!(go_quote(""), r#""""#);
    }

    #[test]
    fn go_quote_agrees_with_json_on_what_json_escapes() {
        // JSON's escapes are a subset of Go's; where JSON writes a character
        // raw, go_quote may escape it (DEL, C1, U+2028), never the reverse.
        for s in ["plain", "q\"uo\\te", "\u{1}\u{1f}\n\r\t\u{8}\u{c}", "unicode é ✓"] {
            assert_eq!(go_quote(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn go_quote_has_one_line_and_no_raw_controls() {
        let all: String = (0..=0x3000u32).filter_map(char::from_u32).collect();
        let quoted = go_quote(&all);
        assert!(!quoted.chars().any(|c| c.is_control() || invisible(c)));
    }

    #[test]
    fn literal_braces_cannot_become_templates() {
        assert_eq!(inline(&str("{{ x }}")), r#"{{ "{{ x }}" | quote }}"#);
    }

    #[test]
    fn guarded_documents_wrap_everything() {
        let doc =
            Document { guard: Some(".Values.on".into()), body: vec![entry("a", Node::Int(1))] };
        assert_eq!(doc.emit("# h\n"), "# h\n{{- if .Values.on }}\na: 1\n{{- end }}\n");
    }
}
