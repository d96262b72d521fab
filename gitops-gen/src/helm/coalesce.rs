//! How Helm reads several values files as one: it merges the files given
//! (`-f a -f b`, Argo CD's valueFiles, Flux's valuesFrom) into one, `null`
//! kept, then coalesces that onto the chart's values (`null` deletes); and
//! the difference that, coalesced onto a base, gives back a target.

use serde_json::{Map, Value};

/// Helm's coalescing of a values file onto the chart's values: maps merge
/// key by key, `null` deletes, anything else replaces.
pub fn coalesce(base: &mut Value, overlay: &Value) {
    let (Value::Object(base), Value::Object(overlay)) = (base, overlay) else { return };
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (_, Value::Null) => {
                base.remove(key);
            }
            (Some(old @ Value::Object(_)), Value::Object(_)) => coalesce(old, value),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Helm's merge of the values files given, in order (`mergeMaps`): maps
/// merge key by key, anything else, `null` included, replaces.
pub fn merge_files(base: &mut Value, overlay: &Value) {
    let (Value::Object(base), Value::Object(overlay)) = (base, overlay) else { return };
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(old @ Value::Object(_)), Value::Object(_)) => merge_files(old, value),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// What must be written after `base` so that Helm, coalescing the two, reads
/// `target`: changed keys whole, keys of maps recursively, removed ones as
/// null. `None` when they are equal.
pub fn difference(base: &Value, target: &Value) -> Option<Value> {
    match (base, target) {
        (Value::Object(base), Value::Object(target)) => {
            let mut out = Map::new();
            for (key, value) in target {
                let changed = match base.get(key) {
                    Some(old) => difference(old, value),
                    None => Some(value.clone()),
                };
                if let Some(changed) = changed {
                    out.insert(key.clone(), changed);
                }
            }
            for key in base.keys().filter(|k| !target.contains_key(*k)) {
                out.insert(key.clone(), Value::Null);
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        _ => (base != target).then(|| target.clone()),
    }
}

/// The paths of `value`'s leaves (a leaf: anything but a non-empty map).
pub fn leaf_paths(value: &Value) -> Vec<Vec<String>> {
    match value {
        Value::Object(map) if !map.is_empty() => map
            .iter()
            .flat_map(|(key, inner)| {
                leaf_paths(inner).into_iter().map(move |mut path| {
                    path.insert(0, key.clone());
                    path
                })
            })
            .collect(),
        Value::Null => Vec::new(),
        _ => vec![Vec::new()],
    }
}

pub fn remove_at(value: &mut Value, path: &[String]) {
    let Some((last, sections)) = path.split_last() else { return };
    let parent = sections.iter().try_fold(value, |v, key| v.get_mut(key));
    if let Some(Value::Object(map)) = parent {
        map.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_difference_is_what_helm_needs_on_top() {
        let base = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}, "e": true});
        let target = json!({"a": 1, "b": {"c": [1], "d": "x", "f": {}}, "g": null});
        assert_eq!(
            difference(&base, &target),
            Some(json!({"b": {"c": [1], "f": {}}, "e": null, "g": null}))
        );
        assert_eq!(difference(&base, &base), None);
    }
}
