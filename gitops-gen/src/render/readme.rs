//! The chart's README.md: what the chart is and every values key in a
//! helm-docs style table, written from the same table as values.yaml.

use super::templates::Names;
use super::values::{Block, Body, Key, Values};
use super::ChartInfo;
use crate::foundation::layout::MARKER;
use gitops_model::naming;
use gitops_model::tree::{ConfigTree, Item, LeafKind};
use serde_json::Value;

pub fn readme(info: &ChartInfo, tree: &ConfigTree, values: &Values, description: &str) -> String {
    let mut out = format!(
        "<!-- {MARKER} from `{}`. DO NOT EDIT. -->\n# {}\n\n{}\n\nChart version {}, app version {}. Generated from the Rust struct `{}`: change the struct, not this chart.\n",
        tree.rust_name,
        info.name,
        cell(description).replace("<br>", "\n"),
        info.version,
        info.app_version,
        tree.rust_name
    );
    let secrets = tree.secrets();
    if !secrets.is_empty() {
        out.push_str(&format!(
            "\n## Secret\n\nThe pods read these keys of the Secret named by `secrets.existingSecret` (default: the release's full name), or filled by the ExternalSecret when `secrets.externalSecret.enabled`. They arrive as files named by the keys in `{}/` (a read-only volume, mode 0440; the directory in `{}`), or, with `secrets.envVars: true`, as the env vars below, which anything that can read the process's environment sees (checkov's CKV_K8S_35).\n\n| Key | Env var | Required | Description |\n|-----|---------|----------|-------------|\n",
            Names { chart: info.name }.secrets_dir(),
            naming::secrets_dir_var(&tree.env_prefix)
        ));
        for leaf in secrets {
            let required = if leaf.optional { "no" } else { "yes" };
            out.push_str(&format!(
                "| `{}` | `{}` | {required} | {} |\n",
                leaf.key(),
                leaf.env,
                cell(&leaf.doc)
            ));
        }
    }
    out.push_str(
        "\n## Values\n\n| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n",
    );
    let rows = |out: &mut String, blocks: &[Block]| {
        for key in blocks.iter().flatten() {
            key_rows(out, "", key);
        }
    };
    rows(&mut out, &values.before_config);
    config_rows(&mut out, &tree.items);
    rows(&mut out, &values.after_config);
    out
}

fn key_rows(out: &mut String, prefix: &str, key: &Key) {
    let path = format!("{prefix}{}", key.name);
    match &key.body {
        Body::Value { default, .. } => row(out, &path, default, &key.doc),
        Body::Group(keys) => {
            for k in keys {
                key_rows(out, &format!("{path}."), k);
            }
        }
    }
}

fn config_rows(out: &mut String, items: &[Item]) {
    for item in items {
        match item {
            Item::Section { items, .. } => config_rows(out, items),
            Item::Leaf(leaf) if leaf.kind == LeafKind::Secret => {}
            Item::Leaf(leaf) => {
                let mut path = String::from("config");
                for key in &leaf.path {
                    path.push('.');
                    // helm-docs quotes a key that holds a dot.
                    if key.contains('.') {
                        path.push_str(&serde_json::to_string(key).expect("string"));
                    } else {
                        path.push_str(key);
                    }
                }
                let env = format!("Env var: `{}`.", leaf.env);
                let doc = if leaf.doc.is_empty() { env } else { format!("{}\n{env}", leaf.doc) };
                row(out, &path, &leaf.default, &doc);
            }
        }
    }
}

/// One table row; the README is written for every generation, so straight
/// into `out`, without intermediate strings.
fn row(out: &mut String, path: &str, default: &Value, doc: &str) {
    out.push_str("| ");
    push_code(out, path);
    out.push_str(" | ");
    out.push_str(type_name(default));
    out.push_str(" | ");
    push_code(out, &serde_json::to_string(default).expect("JSON value serializes"));
    out.push_str(" | ");
    push_cell(out, doc.trim());
    out.push_str(" |\n");
}

/// helm-docs' type names, from the default's JSON type.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Text inside a table cell: one line (`<br>` between lines), pipes
/// escaped.
fn push_cell(out: &mut String, text: &str) {
    // `[u8]::contains` and splitting at one `char` are memchr, fast even in
    // the unoptimised builds build scripts get; a loop over chars is not,
    // and every row's text has a line break (the env var's line).
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        let bytes = line.as_bytes();
        if !bytes.contains(&b'|') && !bytes.contains(&b'\r') {
            out.push_str(line);
            continue;
        }
        for c in line.chars() {
            match c {
                '|' => out.push_str("\\|"),
                '\r' => {}
                c => out.push(c),
            }
        }
    }
}

fn cell(text: &str) -> String {
    let mut out = String::new();
    push_cell(&mut out, text.trim());
    out
}

/// A code span that survives any content: fenced with more backticks than
/// it contains, and pipes escaped for the table.
fn push_code(out: &mut String, text: &str) {
    let mut longest = 0;
    if text.as_bytes().contains(&b'`') {
        let mut run = 0;
        for b in text.bytes() {
            run = if b == b'`' { run + 1 } else { 0 };
            longest = longest.max(run);
        }
    }
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    for _ in 0..=longest {
        out.push('`');
    }
    out.push_str(pad);
    push_cell(out, text);
    out.push_str(pad);
    for _ in 0..=longest {
        out.push('`');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_stay_on_one_line_and_in_their_column() {
        let code = |text: &str| {
            let mut out = String::new();
            push_code(&mut out, text);
            out
        };
        assert_eq!(cell("a | b\r\nc "), "a \\| b<br>c");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`"), "`` ` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn types_follow_helm_docs() {
        assert_eq!(type_name(&json!(1)), "int");
        assert_eq!(type_name(&json!(1.5)), "float");
        assert_eq!(type_name(&json!([])), "list");
        assert_eq!(type_name(&json!({})), "object");
        assert_eq!(type_name(&json!("")), "string");
    }
}
