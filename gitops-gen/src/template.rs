//! Helm templates as a small tree, so that one emitter decides every
//! indentation, `nindent` and quote instead of each template getting them right
//! by hand.

use crate::yaml;

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
                out.push_str(&format!("{{{{- if {cond} }}}}\n"));
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
                line(out, indent, &format!("{{{{- if {cond} }}}}"));
                emit_parts(out, indent, then, item);
                if !otherwise.is_empty() {
                    line(out, indent, "{{- else }}");
                    emit_parts(out, indent, otherwise, item);
                }
                line(out, indent, "{{- end }}");
            }
            Part::With(e, body) | Part::Range(e, body) => {
                let action = if matches!(part, Part::With(..)) { "with" } else { "range" };
                line(out, indent, &format!("{{{{- {action} {e} }}}}"));
                emit_parts(out, indent, body, item);
                line(out, indent, "{{- end }}");
            }
            Part::ToYaml(e) => {
                line(out, indent, &format!("{{{{- toYaml {e} | nindent {indent} }}}}"))
            }
            Part::Include(name) => {
                line(out, indent, &format!("{{{{- include {name:?} . | nindent {indent} }}}}"))
            }
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
        Node::ToYaml(e) => line(out, indent, &format!("{{{{- toYaml {e} | nindent {indent} }}}}")),
        scalar => line(out, indent, &inline(scalar)),
    }
}

fn inline(node: &Node) -> String {
    match node {
        // A literal containing `{{` would be read as a template by Helm.
        Node::Str(s) if s.contains("{{") || s.contains("}}") => {
            format!("{{{{ {} | quote }}}}", serde_json::to_string(s).expect("string"))
        }
        Node::Str(s) => yaml::string(s),
        Node::Int(i) => i.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Expr(e) => format!("{{{{ {e} }}}}"),
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
