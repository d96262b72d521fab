//! `.env.example`: every environment variable the app reads, with its
//! default, its doc and whether it is a secret, for running the app on a
//! laptop (`set -a; . ./.env.example; set +a`). Written from the config tree
//! like the chart's files; `cargo gitops env` asks a build script for it.
//!
//! The format is the subset a POSIX shell and the common dotenv readers
//! agree on: `NAME='value'` lines and `#` comment lines. Inside single
//! quotes a shell takes every byte literally; dotenv readers differ only on
//! a backslash (some unescape `\\` and `\'`) and on line breaks, so a value
//! holding a `'`, a `\` or a control character is written commented out,
//! with a note: the default applies without it, and the user sets it by
//! hand. Each value is what the loader reads (`gitops_types::load`): text
//! keys the text as is, every other key JSON, as the chart's ConfigMap
//! writes them. Secrets are commented out: a required one must be set
//! (the app stops at start-up naming it), an optional one may be.

use crate::foundation::layout::header;
use gitops_model::tree::{ConfigTree, LeafKind};
use gitops_model::{naming, schema, Delivery};
use serde_json::Value;

/// The file's text for `tree`. Pure: the same tree, the same bytes.
pub fn env_example(tree: &ConfigTree) -> String {
    let prefix = &tree.env_prefix;
    let mut out = header(&tree.rust_name);
    out.push_str("# Regenerate with `cargo gitops env`. The environment variables the app\n");
    out.push_str("# reads, each set to its default (values.yaml's `config:` as is).\n");
    out.push_str("#\n");
    out.push_str("# Run the app with them (POSIX shell; secrets set first):\n");
    out.push_str("#   set -a; . ./.env.example; set +a; cargo run\n");
    out.push_str("# Values are single-quoted and taken literally. Text keys take the text\n");
    out.push_str("# as is; every other key takes JSON (numbers `8080`, lists `[\"a\",\"b\"]`).\n");
    out.push_str("# A commented-out variable is unset: the default applies.\n");
    if tree.delivery == Delivery::File {
        out.push_str(&format!(
            "# The chart delivers these values as a config file ({}); the app reads\n# the variables the same way.\n",
            naming::config_file_var(prefix)
        ));
    }
    if !tree.secrets().is_empty() {
        out.push_str(&format!(
            "# Secrets are commented out: set them in your shell or in a file you do not\n# commit, or put one file per key in a directory named by {}.\n",
            naming::secrets_dir_var(prefix)
        ));
    }
    for leaf in tree.leaves() {
        out.push('\n');
        for line in leaf.doc.lines() {
            let line = line.trim_end();
            out.push_str(if line.is_empty() { "#" } else { "# " });
            out.push_str(line);
            out.push('\n');
        }
        if leaf.kind == LeafKind::Secret {
            let need = if leaf.optional {
                "optional: unset, the app runs without it"
            } else {
                "required: the app does not start without it"
            };
            out.push_str(&format!("# Secret (Secret key `{}`), {need}.\n", leaf.key()));
            out.push_str(&format!("# {}=''\n", leaf.env));
            continue;
        }
        let takes = tree.leaf_schema(leaf).map_or("a value".to_owned(), schema::describe);
        let form = if leaf.text { "text" } else { "JSON" };
        let mut note = format!("# Takes {takes}, as {form}");
        match &leaf.kind {
            LeafKind::Port { name, .. } => note.push_str(&format!("; container port `{name}`")),
            LeafKind::ShutdownTimeout => note.push_str("; sizes the pod's grace period"),
            _ => {}
        }
        note.push_str(".\n");
        out.push_str(&note);
        match value_text(leaf.text, &leaf.default) {
            Some(text) if portable(&text) => {
                out.push_str(&format!("{}='{text}'\n", leaf.env));
            }
            Some(_) => {
                // JSON text is one line whatever the value holds.
                out.push_str(&format!("# Default, as JSON: {}\n", leaf.default));
                out.push_str(
                    "# Not written out: it holds a quote, a backslash or a control character,\n",
                );
                out.push_str(
                    "# which shells and dotenv readers read differently. Unset, it applies.\n",
                );
                out.push_str(&format!("# {}=''\n", leaf.env));
            }
            None => {
                out.push_str("# Unset by default (None).\n");
                out.push_str(&format!("# {}=''\n", leaf.env));
            }
        }
    }
    out
}

/// The variable's text for `default`, as the loader reads it; `None` for a
/// default of none, which a variable left unset says.
fn value_text(text: bool, default: &Value) -> Option<String> {
    match default {
        Value::Null => None,
        Value::String(s) if text => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Single quotes carry `text` the same for a POSIX shell and dotenv readers.
fn portable(text: &str) -> bool {
    !text.chars().any(|c| c == '\'' || c == '\\' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_values() {
        for ok in ["", "8080", "[\"a\",\"b\"]", "a b", "$HOME", "#x", "é ✓", "a=b"] {
            assert!(portable(ok), "{ok:?}");
        }
        for bad in ["it's", "a\\b", "two\nlines", "tab\there", "\u{85}"] {
            assert!(!portable(bad), "{bad:?}");
        }
    }

    #[test]
    fn values_as_the_loader_reads_them() {
        assert_eq!(value_text(true, &Value::from("x y")), Some("x y".into()));
        assert_eq!(value_text(false, &Value::from("x")), Some("\"x\"".into()));
        assert_eq!(value_text(false, &serde_json::json!([1, 2])), Some("[1,2]".into()));
        assert_eq!(value_text(false, &Value::Null), None);
    }
}
