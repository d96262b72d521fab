//! The loader's verdict equals Helm's: for several hundred values files,
//! each a valid base with one to three changes drawn from valid and invalid
//! values of every kind of key (wrong types, out of range, too long, a
//! pattern or an enum broken, unknown keys in a section or inside an object
//! value, a required key or section set to null), real Helm renders the
//! chart and the loader reads the same `config` as its config file. Both
//! must accept, or both refuse; and the native render gives Helm's verdict
//! and, when it renders, Helm's objects (`gitops_tests::differential`).

use gitops_gen::{Chart, Renderer};
use gitops_tests::differential::{chart_files, compare};
use gitops_tests::fixtures::Verdicts;
use gitops_tests::{oracle, scratch_dir};
use gitops_types::Loader;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

const CASES: usize = 400;

/// Each key's candidates: valid ones first in no particular order; the
/// verdict is never assumed, it is Helm's.
fn candidates() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        (
            "port",
            vec![
                json!(8443),
                json!(80),
                json!(70000),
                json!("8080"),
                json!(8080.5),
                json!(null),
                json!(true),
            ],
        ),
        (
            "signed",
            vec![
                json!(-5),
                json!(9_007_199_254_740_991i64),
                json!(9_007_199_254_740_992i64),
                json!(1.5),
                json!("1"),
            ],
        ),
        ("ratio", vec![json!(0.25), json!(1), json!(1.5), json!(-0.1), json!("0.5")]),
        ("flag", vec![json!(true), json!("true"), json!(1)]),
        ("name", vec![json!("abc"), json!(""), json!("abcdefghi"), json!("ABC"), json!(5)]),
        ("level", vec![json!("debug"), json!("loud"), json!("DEBUG"), json!(null)]),
        ("retries", vec![json!(3), json!(null), json!(256), json!(-1), json!("3")]),
        (
            "tags",
            vec![
                json!([]),
                json!(["a", "b", "c"]),
                json!(["a", "b", "c", "d"]),
                json!([1]),
                json!("a"),
            ],
        ),
        (
            "weights",
            vec![json!({}), json!({"a": 1}), json!({"a": -1}), json!({"a": "x"}), json!([])],
        ),
        (
            "endpoint",
            vec![
                json!(null),
                json!({"host": "db", "port": 5432}),
                json!({"host": "db"}),
                json!({"host": "db", "port": 5432, "tls": true}),
                json!({"host": 1, "port": 5432}),
                json!({"host": "db", "port": 70000}),
                json!("db:5432"),
            ],
        ),
        ("limits.perSecond", vec![json!(5), json!(0), json!(null), json!(-3)]),
        ("limits.burst", vec![json!(null), json!(7), json!(-7)]),
        ("limits.extra", vec![json!(1)]),
        ("portt", vec![json!(8080)]),
        ("limits", vec![json!(null), json!({"perSecond": 2}), json!("none")]),
    ]
}

/// A `config` map with `changes` applied at their dotted keys.
fn values(changes: &[(&str, Value)]) -> Value {
    let mut config = json!({});
    for (key, value) in changes {
        let mut at = &mut config;
        let parts: Vec<&str> = key.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            if !at[*part].is_object() {
                at[*part] = json!({});
            }
            at = &mut at[*part];
        }
        at[parts[parts.len() - 1]] = value.clone();
    }
    config
}

fn cases() -> Vec<Value> {
    let table = candidates();
    let pick = (1..=3usize).prop_flat_map(move |n| {
        let table = table.clone();
        proptest::collection::vec((0..table.len(), 0..7usize), n).prop_map(move |picks| {
            let changes: Vec<(&str, Value)> = picks
                .into_iter()
                .map(|(k, v)| {
                    let (key, values) = &table[k];
                    (*key, values[v % values.len()].clone())
                })
                .collect();
            values(&changes)
        })
    });
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    (0..CASES).map(|_| pick.new_tree(&mut runner).expect("a case").current()).collect()
}

#[test]
fn the_loader_and_helm_give_the_same_verdict() {
    let chart = scratch_dir("verdicts-chart");
    Chart::new("verdicts")
        .image("registry.local/v")
        .config::<Verdicts>()
        .write(&gitops_gen::Outputs::chart(&chart))
        .unwrap();
    let files = scratch_dir("verdicts-files");
    let cases = cases();
    let ops = cases
        .iter()
        .map(|config| {
            json!({"op": "render", "chart": chart, "values_yaml": json!({"config": config}).to_string(),
                   "name": "release", "namespace": "shop"})
        })
        .collect();
    let helm = oracle::run(ops);
    let renderer = Renderer::new(&chart_files(&chart)).expect("the chart parses");
    let (mut accepted, mut mismatches) = (0, Vec::new());
    for (i, (config, helm)) in cases.iter().zip(&helm).enumerate() {
        // The native render: the same verdict, and the same objects.
        if let Err(e) = compare(&renderer, Some(&json!({"config": config}).to_string()), helm) {
            mismatches.push(format!("case {i}: config {config}\n  native render: {e}"));
        }
        let file = files.join(format!("{i}.json"));
        std::fs::write(&file, config.to_string()).unwrap();
        let loader =
            Loader::<Verdicts>::with_vars(Vec::<(String, String)>::new()).file(&file).load();
        let helm_ok = helm["ok"] == true;
        accepted += usize::from(helm_ok);
        if helm_ok != loader.is_ok() {
            mismatches.push(format!(
                "case {i}: config {config}\n  helm: {}\n  loader: {:?}",
                if helm_ok { "accepts".to_owned() } else { helm["error"].to_string() },
                loader.map(|_| "accepts")
            ));
        }
    }
    // Both verdicts occur often enough for the comparison to mean something.
    assert!(
        accepted > CASES / 10 && accepted < CASES * 9 / 10,
        "Helm accepted {accepted} of {CASES}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {CASES} verdicts differ; the first:\n{}",
        mismatches.len(),
        mismatches.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}
