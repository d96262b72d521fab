//! `gitops-gen/src/foundation/kube-definitions.json`, the Kubernetes schemas the chart's
//! values.schema.json refers to, is generated here from k8s-openapi
//! (Kubernetes 1.33) and compared with the committed copy. gitops-gen bundles
//! the copy so users never compile k8s-openapi. After a k8s-openapi upgrade or
//! a change of the roots or the rewriting below:
//!
//! ```sh
//! GITOPS_BLESS=1 cargo test -p gitops-tests --test kube_definitions
//! ```

use gitops_model::schema::{leaf, visit};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as networking;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const BUNDLE: &str = "gitops-gen/src/foundation/kube-definitions.json";

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Kubernetes' quantity grammar (`<signedNumber><suffix>`), as one regex.
const QUANTITY_PATTERN: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

/// The types whose whole schema the chart's values use: the keys users set
/// most, checked by Helm down to the last field (see docs/chart.md, "What
/// Helm checks and what the API server checks").
fn roots(generator: &mut SchemaGenerator) -> Vec<String> {
    vec![
        root::<core::ResourceRequirements>(generator),
        root::<core::Toleration>(generator),
        root::<core::PodSecurityContext>(generator),
        root::<core::SecurityContext>(generator),
        root::<core::Probe>(generator),
        root::<core::VolumeMount>(generator),
        root::<core::EnvVar>(generator),
        root::<core::LocalObjectReference>(generator),
        root::<apps::DeploymentStrategy>(generator),
        root::<core::PodDNSConfig>(generator),
        root::<core::HostAlias>(generator),
    ]
}

/// The types the chart's values check only shallowly: their field names and
/// required fields. Their full schemas would be most of values.schema.json,
/// which Helm compiles on every render (`volumes` alone reaches 55
/// definitions); the API server checks the rest when the manifest is applied.
fn shallow_roots(generator: &mut SchemaGenerator) -> Vec<String> {
    vec![
        root::<core::Volume>(generator),
        root::<core::Affinity>(generator),
        root::<core::TopologySpreadConstraint>(generator),
        root::<core::EnvFromSource>(generator),
        root::<core::Container>(generator),
        root::<networking::IngressTLS>(generator),
        root::<networking::NetworkPolicyPeer>(generator),
        root::<networking::NetworkPolicyEgressRule>(generator),
    ]
}

fn root<T: JsonSchema>(generator: &mut SchemaGenerator) -> String {
    generator.subschema_for::<T>();
    T::schema_name().into_owned()
}

/// The bundle's text, exactly as committed.
fn generate() -> String {
    let mut generator = SchemaSettings::draft07().into_generator();
    let roots = roots(&mut generator);
    let shallow_roots = shallow_roots(&mut generator);
    let all = generator.take_definitions(true);
    let mut bundle = transform(all.clone(), &roots);
    for name in &shallow_roots {
        assert!(!bundle.contains_key(name), "{name} is both a shallow root and reached in full");
        bundle.insert(name.clone(), shallow(&all[name.as_str()]));
    }
    let bundle = sort_keys(Value::Object(bundle));
    let mut text = serde_json::to_string_pretty(&bundle).expect("serializes");
    text.push('\n');
    text
}

/// A shallow check of a Kubernetes object: an object, with only the field
/// names Kubernetes knows (one `propertyNames` enum, not a subschema per
/// field) and the fields it requires. What Helm costs per render grows with
/// the number of subschemas it compiles; this is two.
fn shallow(schema: &Value) -> Value {
    let names: Vec<&String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let mut out = json!({
        "description": "Checked here by field names and required fields only; the API server checks the rest.",
        "type": "object",
        "propertyNames": {"enum": names}
    });
    if let Some(required) = schema.get("required") {
        out["required"] = required.clone();
    }
    out
}

/// k8s-openapi's schemas, rewritten for Helm's draft-07 validator, one step each.
fn transform(definitions: Map<String, Value>, roots: &[String]) -> Map<String, Value> {
    let mut definitions = keep_reachable(definitions, roots);
    for (name, schema) in definitions.iter_mut() {
        int_or_string(name, schema);
        remove_descriptions(schema);
        remove_kubernetes_extensions(schema);
        unwrap_lone_all_of(schema);
        local_refs(schema);
        close_objects(schema);
        *schema = leaf(schema);
    }
    definitions
}

/// Only what the roots reach ships: the chart carries the schema.
fn keep_reachable(mut definitions: Map<String, Value>, roots: &[String]) -> Map<String, Value> {
    let mut kept = Map::new();
    let mut todo: Vec<String> = roots.to_vec();
    while let Some(name) = todo.pop() {
        if let Some(schema) = definitions.remove(&name) {
            todo.extend(refs(&schema).into_iter().map(|r| ref_name(&r).to_owned()));
            kept.insert(name, schema);
        }
    }
    kept
}

/// Every `$ref` in `value` (Kubernetes has no property named `$ref`).
fn refs(value: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                out.extend(map.get("$ref").and_then(Value::as_str).map(str::to_owned));
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

/// The definition name a `$ref` points to, whatever the definitions path.
fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Quantity and IntOrString are bare `x-kubernetes-int-or-string` markers,
/// which draft-07 does not know: state what Kubernetes accepts. A quantity
/// is a number or a string of the quantity grammar (`pattern` applies to
/// strings only); an IntOrString holds an int32 or any string.
fn int_or_string(name: &str, schema: &mut Value) {
    if schema.get("x-kubernetes-int-or-string") != Some(&json!(true)) {
        return;
    }
    *schema = if name == QUANTITY {
        json!({"type": ["string", "number"], "pattern": QUANTITY_PATTERN})
    } else {
        json!({"type": ["string", "integer"], "format": "int32"})
    };
}

/// Descriptions are most of the size, the chart ships the schema, and
/// `kubectl explain` has them.
fn remove_descriptions(schema: &mut Value) {
    visit(schema, &mut |node| {
        node.remove("description");
    });
}

/// `x-kubernetes-*` keys mean nothing to a JSON Schema validator.
fn remove_kubernetes_extensions(schema: &mut Value) {
    visit(schema, &mut |node| node.retain(|key, _| !key.starts_with("x-kubernetes-")));
}

/// schemars wraps a `$ref` that had siblings (a description) in `allOf`;
/// with the siblings gone, the plain `$ref` says the same.
fn unwrap_lone_all_of(schema: &mut Value) {
    visit(schema, &mut |node| {
        if node.len() != 1 {
            return;
        }
        let lone = match node.get("allOf") {
            Some(Value::Array(items)) if items.len() == 1 => items[0].as_object().cloned(),
            _ => None,
        };
        if let Some(inner) = lone {
            *node = inner;
        }
    });
}

/// Every `$ref` points into the schema's own `definitions`, never elsewhere.
fn local_refs(schema: &mut Value) {
    visit(schema, &mut |node| {
        if let Some(Value::String(reference)) = node.get_mut("$ref") {
            *reference = format!("#/definitions/{}", ref_name(reference));
        }
    });
}

/// Kubernetes' strict decoding rejects unknown fields; so does the schema.
fn close_objects(schema: &mut Value) {
    visit(schema, &mut |node| {
        if node.contains_key("properties") && !node.contains_key("additionalProperties") {
            node.insert("additionalProperties".into(), json!(false));
        }
    });
}

/// Keys in order, whatever serde_json's map type: the bytes are compared.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// What differs between the committed bundle and the generated one, briefly.
fn summary(committed: &str, generated: &str) -> String {
    let names = |text: &str| -> Option<Map<String, Value>> {
        serde_json::from_str::<Value>(text).ok()?.as_object().cloned()
    };
    let mut out = Vec::new();
    match (names(committed), names(generated)) {
        (Some(old), Some(new)) => {
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                match (old.get(key), new.get(key)) {
                    (None, Some(_)) => out.push(format!("  added    {key}")),
                    (Some(_), None) => out.push(format!("  removed  {key}")),
                    (Some(a), Some(b)) if a != b => out.push(format!("  changed  {key}")),
                    _ => {}
                }
            }
        }
        _ => out.push("  the committed file is not a JSON object".into()),
    }
    if out.is_empty() {
        out.push("  same definitions, different bytes (formatting)".into());
    }
    let line = committed.lines().zip(generated.lines()).take_while(|(a, b)| a == b).count() + 1;
    let total = out.len();
    out.truncate(20);
    if total > out.len() {
        out.push(format!("  … and {} more", total - out.len()));
    }
    format!("{}\n  first differing line: {line}", out.join("\n"))
}

#[test]
fn the_bundled_kubernetes_definitions_are_current() {
    let path = gitops_tests::workspace().join(BUNDLE);
    let generated = generate();
    if std::env::var_os("GITOPS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write the bundle");
        eprintln!("wrote {} ({} bytes)", path.display(), generated.len());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{BUNDLE} is not what k8s-openapi and the rewriting in tests/tests/kube_definitions.rs \
         give:\n{}\nreview, then rewrite it with \
         `GITOPS_BLESS=1 cargo test -p gitops-tests --test kube_definitions`",
        summary(&committed, &generated)
    );
}

#[test]
fn the_bundle_is_closed_and_draft_07_clean() {
    let text = generate();
    let bundle: Map<String, Value> = serde_json::from_str(&text).unwrap();
    for name in ["io.k8s.api.core.v1.Probe", "io.k8s.api.networking.v1.NetworkPolicyPeer"] {
        assert!(bundle.contains_key(name), "{name}");
    }
    assert!(!bundle.contains_key("io.k8s.api.core.v1.HostPathVolumeSource"), "volumes are shallow");
    for target in refs(&Value::Object(bundle.clone())) {
        let name = target.strip_prefix("#/definitions/").expect("a local ref");
        assert!(bundle.contains_key(name), "dangling {target}");
    }
    for word in ["x-kubernetes-", "\"allOf\"", "int64", "\"byte\""] {
        assert!(!text.contains(word), "{word} left in the bundle");
    }
    let described = bundle.values().filter(|d| d.get("description").is_some()).count();
    assert_eq!(
        described,
        shallow_roots(&mut SchemaSettings::draft07().into_generator()).len(),
        "only the shallow definitions keep a description"
    );
    assert_eq!(
        bundle[QUANTITY],
        json!({"type": ["string", "number"], "pattern": QUANTITY_PATTERN})
    );
    let probe = &bundle["io.k8s.api.core.v1.Probe"];
    assert_eq!(probe["additionalProperties"], false);
    assert_eq!(
        probe["properties"]["httpGet"],
        json!({"$ref": "#/definitions/io.k8s.api.core.v1.HTTPGetAction"})
    );
    assert_eq!(
        probe["properties"]["periodSeconds"],
        json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX})
    );
}

#[test]
fn only_what_the_roots_reach_is_kept() {
    let definitions = json!({
        "A": {"properties": {"b": {"$ref": "#/definitions/B"}}},
        "B": {"items": {"$ref": "#/$defs/C"}},
        "C": {"type": "string"},
        "D": {"type": "string"}
    });
    let kept = keep_reachable(definitions.as_object().unwrap().clone(), &["A".into()]);
    assert_eq!(kept.keys().collect::<Vec<_>>(), ["A", "B", "C"]);
}

#[test]
fn quantities_and_int_or_strings_get_types() {
    let marker = json!({"description": "…", "x-kubernetes-int-or-string": true});
    let mut quantity = marker.clone();
    int_or_string(QUANTITY, &mut quantity);
    assert_eq!(quantity["type"], json!(["string", "number"]));
    assert_eq!(quantity["pattern"], QUANTITY_PATTERN);
    let mut port = marker;
    int_or_string("io.k8s.apimachinery.pkg.util.intstr.IntOrString", &mut port);
    assert_eq!(
        leaf(&port),
        json!({"type": ["string", "integer"], "minimum": i32::MIN, "maximum": i32::MAX})
    );
    let mut plain = json!({"type": "string"});
    int_or_string(QUANTITY, &mut plain);
    assert_eq!(plain, json!({"type": "string"}));
}

#[test]
fn the_quantity_pattern_is_kubernetes_grammar() {
    // No regex engine here: the pattern's alternatives, spelt out, must be
    // the grammar's. Helm's validator runs the real regex in tests/tests/helm.rs.
    let number = r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))";
    let signed = format!(r"(\+|-)?{number}");
    let suffix = format!(r"(([KMGTPE]i)|[numkMGTPE]|([eE]{signed}))");
    assert_eq!(QUANTITY_PATTERN, format!("^{signed}{suffix}?$"));
}

#[test]
fn descriptions_and_extensions_go_but_properties_of_those_names_stay() {
    let mut schema = json!({
        "description": "d",
        "x-kubernetes-list-type": "map",
        "properties": {
            "description": {"type": "string", "description": "d"},
            "x-kubernetes-thing": {"type": "string", "x-kubernetes-map-type": "atomic"}
        }
    });
    remove_descriptions(&mut schema);
    remove_kubernetes_extensions(&mut schema);
    assert_eq!(
        schema,
        json!({"properties": {"description": {"type": "string"}, "x-kubernetes-thing": {"type": "string"}}})
    );
}

#[test]
fn a_lone_all_of_becomes_its_ref_and_refs_become_local() {
    let mut schema = json!({"properties": {
        "a": {"allOf": [{"$ref": "#/$defs/io.k8s.api.core.v1.Probe"}]},
        "b": {"allOf": [{"$ref": "#/definitions/X"}, {"type": "object"}]},
        "c": {"allOf": [{"$ref": "#/definitions/X"}], "title": "kept"}
    }});
    unwrap_lone_all_of(&mut schema);
    local_refs(&mut schema);
    assert_eq!(
        schema,
        json!({"properties": {
            "a": {"$ref": "#/definitions/io.k8s.api.core.v1.Probe"},
            "b": {"allOf": [{"$ref": "#/definitions/X"}, {"type": "object"}]},
            "c": {"allOf": [{"$ref": "#/definitions/X"}], "title": "kept"}
        }})
    );
}

#[test]
fn objects_with_properties_are_closed_maps_stay_open() {
    let mut schema = json!({"type": "object", "properties": {
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "nested": {"type": "object", "properties": {"x": {"type": "integer"}}}
    }});
    close_objects(&mut schema);
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["labels"]["additionalProperties"], json!({"type": "string"}));
    assert_eq!(schema["properties"]["nested"]["additionalProperties"], false);
}

#[test]
fn integers_are_bounded_and_unknown_formats_go() {
    // The same rule as config schemas (gitops-gen's `leaf`), on Kubernetes' formats.
    let schema = leaf(&json!({"properties": {
        "a": {"type": "integer", "format": "int32"},
        "b": {"type": "integer", "format": "int64"},
        "c": {"type": "string", "format": "byte"},
        "d": {"type": "number", "format": "double"},
        "e": {"type": "string", "format": "date-time"}
    }}));
    let max = (1i64 << 53) - 1;
    assert_eq!(
        schema,
        json!({"properties": {
            "a": {"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX},
            "b": {"type": "integer", "minimum": -max, "maximum": max},
            "c": {"type": "string"},
            "d": {"type": "number"},
            "e": {"type": "string", "format": "date-time"}
        }})
    );
}

#[test]
fn keys_are_sorted_at_every_level() {
    let sorted = sort_keys(json!({"b": {"d": 1, "c": [{"f": 1, "e": 2}]}, "a": 0}));
    assert_eq!(
        serde_json::to_string(&sorted).unwrap(),
        r#"{"a":0,"b":{"c":[{"e":2,"f":1}],"d":1}}"#
    );
}

#[test]
fn the_summary_names_the_definitions_that_differ() {
    let old = r#"{"A": {"type": "string"}, "B": {}}"#;
    let new = r#"{"A": {"type": "integer"}, "C": {}}"#;
    let text = summary(old, new);
    assert!(text.contains("changed  A"), "{text}");
    assert!(text.contains("removed  B"), "{text}");
    assert!(text.contains("added    C"), "{text}");
    assert!(summary("", new).contains("not a JSON object"));
}

#[test]
fn a_shallow_definition_names_the_fields_and_keeps_required() {
    let schema = json!({
        "type": "object",
        "description": "d",
        "properties": {"name": {"type": "string"}, "emptyDir": {"$ref": "#/definitions/E"}},
        "required": ["name"]
    });
    let volume = shallow(&schema);
    assert_eq!(volume["type"], "object");
    assert_eq!(volume["propertyNames"], json!({"enum": ["emptyDir", "name"]}));
    assert_eq!(volume["required"], json!(["name"]));
    assert!(volume.get("properties").is_none() && volume.get("additionalProperties").is_none());
    assert!(shallow(&json!({"properties": {}})).get("required").is_none());
}
