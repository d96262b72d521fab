//! The values a chart's templates see, as Helm computes them: a copy of the
//! chart whose only template prints `.Values` as JSON, rendered by real
//! Helm. The import tests compare an original chart's with the generated
//! one's, key by key.

use crate::oracle;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A copy of `chart` at `into` whose only template prints `.Values` as JSON
/// (subcharts and the schema kept, so Helm merges and checks as it would).
pub fn values_dumper(chart: &Path, into: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(into);
    crate::copy_dir(chart, into);
    std::fs::remove_dir_all(into.join("templates")).expect("remove the templates");
    std::fs::create_dir_all(into.join("templates")).expect("create templates/");
    std::fs::write(
        into.join("templates/values.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  values: {{ .Values | toJson | quote }}\n",
    )
    .expect("write the dumping template");
    into.to_owned()
}

/// The oracle's render of a dumper with `values_yaml`.
pub fn render(chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({"op": "render", "chart": chart, "values_yaml": values_yaml, "name": "release", "namespace": "shop"})
}

/// The effective values in a dumper's render result.
pub fn effective(result: &Value) -> Value {
    assert_eq!(result["ok"], json!(true), "render failed: {result}");
    let text =
        oracle::object(result, "ConfigMap")["data"]["values"].as_str().expect("values").to_owned();
    serde_json::from_str(&text).expect("JSON values")
}

/// Every leaf (a non-object, or an empty object) of `value` with its dotted path.
pub fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value.as_object() {
        Some(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(&path, v, out);
            }
        }
        _ => out.push((prefix.to_owned(), value.clone())),
    }
}

/// The value at a dotted path.
pub fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}
