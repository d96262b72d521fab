//! Stage 4: a chart's values file in the generated chart's layout: the
//! chart keys ([`is_chart_key`]) stay at the top, every other top-level key
//! moves under `config:`.
//!
//! The file is edited as text, block by block (a top-level key with the
//! comment lines directly above it and everything up to the next such
//! block), and moved blocks are indented by two spaces, so comments,
//! quoting and layout survive. The result is parsed back and must hold
//! exactly the values it should; if not, the conversion is an error rather
//! than a silently different file.

use super::chart_keys::is_chart_key;
use super::read::{self, Node};
use serde_json::{Map, Value};

/// A converted values file.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub text: String,
    /// The top-level keys moved under `config:`, in file order.
    pub moved: Vec<String>,
}

struct Block {
    key: String,
    lines: Vec<String>,
}

/// Converts a values file: `text` as read, `tree` its values after the
/// relocations (`relocated`: they changed something), `rejected` the paths
/// of keys the generated chart's schema refuses. A file the relocations
/// left alone and that holds nothing rejected is converted as text
/// ([`convert_text`]); any other is written again from its values
/// ([`convert_values`]), the rejected keys commented out at its end.
pub fn convert(
    text: &str,
    tree: &Node,
    relocated: bool,
    rejected: &[String],
) -> Result<Converted, String> {
    if !relocated && rejected.is_empty() {
        return convert_text(text);
    }
    convert_values(tree, rejected)
}

/// [`convert`] for a file that needs more than moving top-level blocks:
/// its values in the generated layout, written anew (its comments are not
/// kept; a first line says so), then a commented block listing every
/// rejected key with its value, so nothing of the file is lost and the
/// first build does not fail on it.
fn convert_values(tree: &Node, rejected: &[String]) -> Result<Converted, String> {
    let mut values = tree.to_json();
    let mut removed = Vec::new();
    for path in rejected {
        if let Some(value) = remove_path(&mut values, path) {
            removed.push((path.clone(), value));
        }
    }
    let expected = expected_layout(&values);
    let mut text = String::from(
        "# Converted by `cargo gitops import` to the generated chart's keys; written anew,\n# so the original file's comments are not here.\n",
    );
    let mut moved = Vec::new();
    // The chart keys, then `config:`, as the generated values.yaml orders them.
    let entries = expected.as_object().into_iter().flatten();
    let (config, chart): (Vec<_>, Vec<_>) = entries.partition(|(key, _)| *key == "config");
    for (key, value) in chart.into_iter().chain(config) {
        if key == "config" {
            moved.extend(value.as_object().into_iter().flat_map(|o| o.keys().cloned()));
        }
        gitops_gen::foundation::yaml::write_entry(&mut text, 0, key, value);
    }
    if !removed.is_empty() {
        text.push_str(
            "\n# Not carried over: the generated chart's values.schema.json rejects these keys\n# (see the import report). Their values, as they were:\n",
        );
        for (path, value) in &removed {
            text.push_str(&format!(
                "# {path}: {}\n",
                serde_json::to_string(value).unwrap_or_default()
            ));
        }
    }
    let got = read::values(&text)
        .map_err(|e| format!("the converted file does not parse: {e}"))?
        .to_json();
    if got != expected {
        return Err("the converted file would not hold the same values".into());
    }
    Ok(Converted { text, moved })
}

/// Removes the value at the dotted `path`, returning it.
fn remove_path(value: &mut Value, path: &str) -> Option<Value> {
    let (parents, last) = match path.rsplit_once('.') {
        Some((parents, last)) => (Some(parents), last),
        None => (None, path),
    };
    let parent = match parents {
        Some(parents) => parents.split('.').try_fold(value, |v, k| v.get_mut(k))?,
        None => value,
    };
    parent.as_object_mut()?.remove(last)
}

/// Converts `text` as text; `Err` says why it cannot be.
fn convert_text(text: &str) -> Result<Converted, String> {
    let tree = read::values(text)?;
    let original = tree.to_json();
    let lines: Vec<&str> = text.lines().collect();
    // Each top-level key's line, as the parser saw it; a key that does not
    // start its line at column 0 (a flow map `{a: 1}`, an explicit `? key`,
    // an indented document) cannot be moved as text.
    let key_lines: Vec<(usize, String)> =
        tree.entries().iter().map(|e| (e.line - 1, e.key.clone())).collect();
    for (at, key) in &key_lines {
        if lines.get(*at).is_none_or(|l| l.starts_with([' ', '\t', '#', '{', '-', '?'])) {
            return Err(format!("line {}: the key `{key}` is not a plain top-level key", at + 1));
        }
    }
    let starts: Vec<usize> = key_lines
        .iter()
        .map(|(at, _)| {
            let mut start = *at;
            while start > 0 && lines[start - 1].trim_start().starts_with('#') {
                start -= 1;
            }
            start
        })
        .collect();
    let header_end = starts.first().copied().unwrap_or(lines.len());
    let mut blocks = Vec::new();
    for (i, (_, key)) in key_lines.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(lines.len());
        blocks.push(Block {
            key: key.clone(),
            lines: lines[starts[i]..end].iter().map(|l| l.to_string()).collect(),
        });
    }
    let (chart, app): (Vec<&Block>, Vec<&Block>) =
        blocks.iter().partition(|b| is_chart_key(&b.key));
    let mut out: Vec<String> = lines[..header_end].iter().map(|l| l.to_string()).collect();
    for block in &chart {
        out.extend(block.lines.iter().cloned());
    }
    if !app.is_empty() {
        if out.last().is_some_and(|l| !l.trim().is_empty()) {
            out.push(String::new());
        }
        out.push("config:".into());
        for block in &app {
            out.extend(block.lines.iter().map(|l| {
                if l.trim().is_empty() {
                    String::new()
                } else {
                    format!("  {l}")
                }
            }));
        }
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    let mut converted = out.join("\n");
    if !converted.is_empty() {
        converted.push('\n');
    }

    let expected = expected_layout(&original);
    let got = read::values(&converted)
        .map_err(|e| format!("the converted file does not parse: {e}"))?
        .to_json();
    if got != expected {
        return Err("the converted file would not hold the same values (anchors or flow style across keys?)".into());
    }
    Ok(Converted { text: converted, moved: app.iter().map(|b| b.key.clone()).collect() })
}

/// `values` in the generated layout: chart keys at the top, the rest under `config`.
pub fn expected_layout(values: &Value) -> Value {
    let mut top = Map::new();
    let mut config = Map::new();
    for (key, value) in values.as_object().into_iter().flatten() {
        if is_chart_key(key) {
            top.insert(key.clone(), value.clone());
        } else {
            config.insert(key.clone(), value.clone());
        }
    }
    if !config.is_empty() {
        top.insert("config".into(), Value::Object(config));
    }
    Value::Object(top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_keys_move_under_config_with_their_comments() {
        let text = "\
# Production values.

replicaCount: 3
# -- Workers per pod.
workers: 8

image:
  tag: \"1.2.3\"
db:
  # the pool
  pool: |
    line one
    line two
";
        let converted = convert_text(text).unwrap();
        assert_eq!(converted.moved, ["workers", "db"]);
        assert_eq!(
            converted.text,
            "\
# Production values.

replicaCount: 3
image:
  tag: \"1.2.3\"

config:
  # -- Workers per pod.
  workers: 8

  db:
    # the pool
    pool: |
      line one
      line two
"
        );
        let values = read::values(&converted.text).unwrap().to_json();
        assert_eq!(values["config"]["db"]["pool"], json!("line one\nline two\n"));
    }

    #[test]
    fn a_file_of_chart_keys_only_is_unchanged() {
        let text = "replicaCount: 2\nresources:\n  limits:\n    cpu: 1\n";
        assert_eq!(convert_text(text).unwrap(), Converted { text: text.into(), moved: vec![] });
        assert_eq!(convert_text("").unwrap().text, "");
    }

    #[test]
    fn a_relocated_file_is_written_anew_with_rejected_keys_commented_out() {
        let mut tree = read::values(
            "env: [{name: A, value: b}]\nlivenessProbe: {enabled: false}\nworkers: 4\n",
        )
        .unwrap();
        let relocation =
            super::super::relocate::Relocation { from: "env".into(), to: "extraEnv".into() };
        super::super::relocate::apply(&mut tree, &[relocation]);
        let converted = convert("", &tree, true, &["livenessProbe.enabled".into()]).unwrap();
        assert_eq!(converted.moved, ["workers"]);
        assert!(converted.text.ends_with("# livenessProbe.enabled: false\n"), "{}", converted.text);
        let values = read::values(&converted.text).unwrap().to_json();
        assert_eq!(
            values,
            json!({"extraEnv": [{"name": "A", "value": "b"}], "livenessProbe": {}, "config": {"workers": 4}})
        );
        // Chart keys first, then `config:`.
        assert!(
            converted.text.find("extraEnv:") < converted.text.find("config:"),
            "{}",
            converted.text
        );
    }

    #[test]
    fn an_alias_across_moved_keys_is_refused_rather_than_changed() {
        assert!(convert_text("a: &x 1\nreplicaCount: *x\n").is_err());
        assert!(convert_text("replicaCount: &x 1\na: *x\n").is_ok());
        assert!(convert_text("{a: 1, replicaCount: 2}\n").is_err());
    }
}
