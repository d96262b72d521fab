//! values.yaml: the table's keys with their helm-docs comments, and the
//! app's `config:` with each leaf's env var.

use super::values::{Block, Body, Key, Values};
use crate::foundation::yaml;
use gitops_model::tree::{ConfigTree, Item, LeafKind};
use gitops_model::Delivery;

pub fn values_yaml(values: &Values, tree: &ConfigTree, header: &str) -> String {
    let mut out = header.to_owned();
    out.push_str(
        "# Override these in your own values file; the keys under `config` are the app's own.\n",
    );
    let write_blocks = |out: &mut String, blocks: &[Block]| {
        for block in blocks {
            out.push('\n');
            for key in block {
                write_key(out, 0, key);
            }
        }
    };
    write_blocks(&mut out, &values.before_config);
    out.push('\n');
    let mut doc = format!("The app's configuration (the `{}` struct).", tree.rust_name);
    if !tree.doc.is_empty() {
        doc = format!("{}\n{doc}", tree.doc);
    }
    doc.push_str(match tree.delivery {
        Delivery::Env => " Each key reaches the container as the environment variable named below it.",
        Delivery::File => " The app reads these keys from a mounted JSON file; the environment variable named below a key overrides it.",
    });
    yaml::write_doc(&mut out, 0, &doc);
    config_section(&mut out, tree);
    write_blocks(&mut out, &values.after_config);
    out
}

/// One key of the table with its helm-docs comment; a group's keys below it.
fn write_key(out: &mut String, indent: usize, key: &Key) {
    if !key.doc.is_empty() {
        yaml::write_doc(out, indent, &key.doc);
    }
    match &key.body {
        Body::Value { default, .. } => yaml::write_entry(out, indent, key.name, default),
        Body::Group(keys) => {
            out.push_str(&format!("{}{}:\n", " ".repeat(indent), key.name));
            for k in keys {
                write_key(out, indent + 2, k);
            }
        }
    }
}

/// `config:` and its items, or `config: {}` when all of them are secrets (a
/// bare `config:` would be null, which Helm reads as "delete this key").
fn config_section(out: &mut String, tree: &ConfigTree) {
    if tree.has_values() {
        out.push_str("config:\n");
        config_items(out, 2, &tree.items);
    } else {
        out.push_str("config: {}\n");
    }
}

fn config_items(out: &mut String, indent: usize, items: &[Item]) {
    for item in items {
        match item {
            Item::Section { .. } if !item.has_values() => {}
            Item::Section { key, doc, items } => {
                if !doc.is_empty() {
                    yaml::write_doc(out, indent, doc);
                }
                out.push_str(&format!("{}{}:\n", " ".repeat(indent), yaml::string(key)));
                config_items(out, indent + 2, items);
            }
            Item::Leaf(leaf) if leaf.kind == LeafKind::Secret => {}
            Item::Leaf(leaf) => {
                // The doc, then the env var as its last line.
                yaml::write_doc(out, indent, &leaf.doc);
                let lead = if leaf.doc.is_empty() { "# -- " } else { "# " };
                out.extend(std::iter::repeat_n(' ', indent));
                out.push_str(lead);
                out.push_str("Env var: `");
                out.push_str(&leaf.env);
                out.push_str("`.\n");
                yaml::write_entry(
                    out,
                    indent,
                    leaf.path.last().expect("leaf has a key"),
                    &leaf.default,
                );
            }
        }
    }
}
