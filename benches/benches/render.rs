//! Helm's render cost of the generated charts, beside `helm create`'s starter.
//!
//! Helm compiles values.schema.json inside every render (`helm template`,
//! install, upgrade, each Argo CD or Flux refresh), so the schema's shape is
//! a cost users feel. This renders, in one oracle process (Helm v4's Go SDK,
//! timed there with `perf_counter`, so process start is not measured) and in
//! turn so that load on the machine falls on every chart alike:
//!
//! - `starter`: `helm create`'s chart, which has no schema: the 1× line;
//! - the example charts, `examples/orders/chart` and `examples/worker/chart`;
//! - `big`: the chart of the 1,000-leaf `Big` config;
//! - variants of the orders chart that locate the cost: without its schema,
//!   with `{"type": "object"}`, with every Kubernetes `$ref` replaced by
//!   `{"type": "object"}` (no definitions), and with its definitions bundled
//!   twice (the copies unused);
//! - any chart named in `RENDER_EXTRA` (`name=dir,name=dir`).
//!
//! `cargo bench -p gitops-benches --bench render` (`RENDER_ROUNDS`, default
//! 200). Under `cargo test` it runs 2 rounds, to show it works; it never
//! judges a time. It needs the oracle venv that `cargo xtask test` creates.

use gitops_benches::{big_chart, TempDir};
use gitops_tests::{oracle, workspace};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = match std::env::var("RENDER_ROUNDS") {
        Ok(n) => n.parse().expect("RENDER_ROUNDS is a number of rounds"),
        Err(_) if bench => 200,
        Err(_) => 2,
    };
    let tmp = TempDir::new("render-bench");
    let starter = oracle::one(oracle::create_starter("starter", tmp.path()));
    assert_eq!(starter["ok"], true, "helm create: {starter}");
    let big = tmp.path().join("big");
    big_chart().write(&gitops_gen::Outputs::chart(&big)).expect("write the chart of Big");
    let orders = workspace().join("examples/orders/chart");
    let mut charts: Vec<(String, PathBuf)> = vec![
        ("starter".into(), tmp.path().join("starter")),
        ("orders".into(), orders.clone()),
        ("worker".into(), workspace().join("examples/worker/chart")),
        ("big".into(), big),
    ];
    let schema = read_schema(&orders);
    for (name, variant) in [
        ("orders, no schema", None),
        ("orders, {\"type\": \"object\"}", Some(json!({"type": "object"}))),
        ("orders, no Kubernetes $ref", Some(without_kubernetes_refs(&schema))),
        ("orders, definitions twice", Some(definitions_twice(&schema))),
    ] {
        let dir = tmp.path().join(format!("variant-{}", charts.len()));
        copy_chart(&orders, &dir, variant.as_ref());
        charts.push((name.into(), dir));
    }
    if let Ok(extra) = std::env::var("RENDER_EXTRA") {
        for entry in extra.split(',').filter(|e| !e.is_empty()) {
            let (name, dir) = entry.split_once('=').expect("RENDER_EXTRA entries are name=dir");
            charts.push((name.into(), PathBuf::from(dir)));
        }
    }
    let named: Vec<(&str, &Path)> = charts.iter().map(|(n, d)| (n.as_str(), d.as_path())).collect();
    let result = oracle::one(oracle::render_bench(&named, rounds));
    assert_eq!(result["ok"], true, "render bench: {result}");
    print_table(&charts, &result, rounds);
}

fn read_schema(chart: &Path) -> Value {
    let text = std::fs::read_to_string(chart.join("values.schema.json")).expect("read the schema");
    serde_json::from_str(&text).expect("values.schema.json is JSON")
}

/// A copy of `chart` in `dir`, with `schema` as values.schema.json (none if None).
fn copy_chart(chart: &Path, dir: &Path, schema: Option<&Value>) {
    gitops_tests::copy_dir(chart, dir);
    let path = dir.join("values.schema.json");
    match schema {
        Some(schema) => {
            std::fs::write(path, serde_json::to_string_pretty(schema).unwrap()).unwrap()
        }
        None => std::fs::remove_file(path).expect("remove the schema"),
    }
}

/// Every `$ref` to a Kubernetes definition replaced by `{"type": "object"}`, and
/// the definitions dropped: the chart's own keys and `config` only.
fn without_kubernetes_refs(schema: &Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let kube =
                    map.get("$ref").and_then(Value::as_str).is_some_and(|r| r.contains("io.k8s."));
                if kube {
                    *map = Map::from_iter([("type".to_owned(), json!("object"))]);
                } else {
                    map.values_mut().for_each(strip);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut schema = schema.clone();
    schema["definitions"] = json!({});
    strip(&mut schema);
    schema
}

/// The definitions bundled twice, the copies (`unused.<name>`) referred to by
/// nothing: whether Helm pays for a definition it never uses.
fn definitions_twice(schema: &Value) -> Value {
    let mut schema = schema.clone();
    let definitions = schema["definitions"].as_object().cloned().unwrap_or_default();
    let all = schema["definitions"].as_object_mut().expect("definitions");
    for (name, definition) in definitions {
        all.insert(format!("unused.{name}"), definition);
    }
    schema
}

/// Per chart: its definitions and schema size, then the median, the 10th
/// percentile and the mean of its renders, and the medians' ratio to the starter's.
fn print_table(charts: &[(String, PathBuf)], result: &Value, rounds: usize) {
    let stats = |name: &str| -> (f64, f64, f64) {
        let mut ms: Vec<f64> = result["ms"][name]
            .as_array()
            .expect("timings")
            .iter()
            .map(|v| v.as_f64().expect("ms"))
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        (at(0.5), at(0.1), ms.iter().sum::<f64>() / ms.len() as f64)
    };
    let (starter, starter_p10, _) = stats("starter");
    println!("Helm {} render, default values, {rounds} interleaved rounds", result["helm"]);
    println!(
        "| chart | definitions | schema bytes | median ms | p10 ms | mean ms | median / starter | p10 / starter |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, dir) in charts {
        let text = std::fs::read_to_string(dir.join("values.schema.json")).unwrap_or_default();
        let definitions = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|s| s.get("definitions").and_then(Value::as_object).map(Map::len))
            .unwrap_or(0);
        let (median, p10, mean) = stats(name);
        assert!(median > 0.0 && p10 > 0.0, "{name}: a render takes time");
        println!(
            "| {name} | {definitions} | {} | {median:.2} | {p10:.2} | {mean:.2} | {:.1}× | {:.1}× |",
            text.len(),
            median / starter,
            p10 / starter_p10
        );
    }
}
