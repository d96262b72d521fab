//! The native render against real Helm's: for one chart and one values
//! file, the same verdict and, when both render, the same objects from the
//! same templates, compared exactly (numbers as a kube client reads them).

use gitops_gen::{Files, RenderOptions, Renderer};
use serde_json::Value;
use std::path::Path;

/// The release and namespace every oracle render uses (`oracle::render_validate`).
pub fn options() -> RenderOptions {
    RenderOptions::new("release", "shop")
}

/// A chart directory's files, as `Renderer::new` takes them.
pub fn chart_files(dir: &Path) -> Files {
    let mut files = Files::new();
    for path in crate::files_under(dir) {
        if let Ok(text) = std::fs::read_to_string(&path) {
            let rel = path.strip_prefix(dir).expect("inside").to_string_lossy().replace('\\', "/");
            files.insert(rel, text);
        }
    }
    files
}

/// Compares Helm's render result (the oracle's `render` op) with the native
/// render of the same values; `Err` says how they differ.
pub fn compare(renderer: &Renderer, values_yaml: Option<&str>, helm: &Value) -> Result<(), String> {
    compare_as(renderer, values_yaml, helm, &options())
}

/// [`compare`] for another release or namespace.
pub fn compare_as(
    renderer: &Renderer,
    values_yaml: Option<&str>,
    helm: &Value,
    options: &RenderOptions,
) -> Result<(), String> {
    let files: Vec<(&str, &str)> = values_yaml.map(|v| ("values.yaml", v)).into_iter().collect();
    let native = renderer.render(&files, options);
    let rendered = match (helm["ok"] == true, native) {
        (true, Ok(rendered)) => rendered,
        (false, Err(_)) => return Ok(()),
        (true, Err(e)) => return Err(format!("Helm renders, the native render refuses: {e}")),
        (false, Ok(_)) => {
            return Err(format!("Helm refuses ({}), the native render renders", helm["error"]))
        }
    };
    // The ConfigMap's text, which `checksum/config` hashes, byte for byte.
    for (template, text) in &rendered.files {
        if !template.ends_with("/configmap.yaml") {
            continue;
        }
        let Some(helm_text) = helm["manifests"][template].as_str() else {
            return Err(format!("{template}: Helm's result has no text for it"));
        };
        if let Some((h, n)) = helm_text.lines().zip(text.lines()).find(|(h, n)| h != n) {
            return Err(format!("{template}: the text differs: Helm {h:?}, native {n:?}"));
        }
        if helm_text != text {
            let (h, n) = (helm_text.lines().count(), text.lines().count());
            let longer = if h > n { helm_text } else { text.as_str() };
            let extra: Vec<&str> = longer.lines().skip(h.min(n)).take(3).collect();
            return Err(format!(
                "{template}: the text differs: Helm {h} lines, native {n}; the first extra: {extra:?}; Helm ends {:?}, native {:?}",
                &helm_text[helm_text.len().saturating_sub(20)..],
                &text[text.len().saturating_sub(20)..]
            ));
        }
    }
    // The objects as the oracle lists them: templates in name order,
    // documents in file order.
    let mut native_objects = Vec::new();
    for (template, text) in &rendered.files {
        if template.ends_with("NOTES.txt") {
            continue;
        }
        for doc in yaml_serde::Deserializer::from_str(text) {
            let object: Value = serde::Deserialize::deserialize(doc)
                .map_err(|e| format!("{template}: native output is not YAML: {e}"))?;
            if !object.is_null() {
                native_objects.push((template.clone(), normalize(object)));
            }
        }
    }
    let helm_objects: Vec<(String, Value)> = helm["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| {
            (o["template"].as_str().expect("template").to_owned(), normalize(o["object"].clone()))
        })
        .collect();
    let templates =
        |objects: &[(String, Value)]| objects.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    if templates(&helm_objects) != templates(&native_objects) {
        return Err(format!(
            "different objects: Helm {:?}, native {:?}",
            templates(&helm_objects),
            templates(&native_objects)
        ));
    }
    for ((template, helm), (_, native)) in helm_objects.iter().zip(&native_objects) {
        if let Some(path) = first_difference(helm, native, String::new()) {
            return Err(format!("{template}: first difference at {path}"));
        }
    }
    // The engine's own reading of its output (split as Helm splits a file,
    // manifests and hooks apart) holds the same objects.
    let key = |(t, o): &(String, Value)| format!("{t} {o}");
    let mut split: Vec<(String, Value)> = rendered
        .manifests
        .iter()
        .chain(&rendered.hooks)
        .map(|o| (o.template.clone(), normalize(o.object.clone())))
        .collect();
    let mut parsed = native_objects.clone();
    split.sort_by_key(key);
    parsed.sort_by_key(key);
    if split != parsed {
        return Err(
            "the engine's objects (manifests and hooks) are not the documents it rendered".into()
        );
    }
    // The typed variant holds every field: each object, typed and written
    // back, is itself (but for keys set to null, which the API server drops
    // and a type has no room for).
    let typed = gitops_gen::typed::typed(&rendered).map_err(|e| format!("typed: {e}"))?;
    for (typed, object) in typed.iter().zip(rendered.applied()) {
        let back = normalize(serde_json::to_value(typed).expect("a typed object serializes"));
        let rendered = without_nulls(normalize(object.object.clone()));
        if let Some(at) =
            first_difference_of(&rendered, &back, String::new(), ("rendered", "typed"))
        {
            return Err(format!("{}: the typed object differs at {at}", object.template));
        }
    }
    Ok(())
}

/// `value` without the keys whose value is null.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Numbers as a kube client sends them: integral ones as integers.
fn normalize(value: Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
        }
        other => other,
    }
}

/// The first path at which `a` (Helm's) and `b` (the native render's)
/// differ, with both values there.
pub fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    first_difference_of(a, b, path, ("Helm", "native"))
}

/// [`first_difference`], the two sides named by `labels`.
pub fn first_difference_of(
    a: &Value,
    b: &Value,
    path: String,
    labels: (&str, &str),
) -> Option<String> {
    let (left, right) = labels;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let at = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference_of(p, q, at, labels) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{at}: {left} {p:?}, {right} {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference_of(p, q, format!("{path}[{i}]"), labels)),
        _ if a == b => None,
        _ => Some(format!("{path}: {left} {a}, {right} {b}")),
    }
}
