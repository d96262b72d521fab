//! The round-trip proof: for generated configs (strings hostile to YAML, Go
//! templates and shells, extreme numbers, `None`/`Some`, an `Option` whose
//! default is `Some` left alone, changed or set to `null`, empty and full lists
//! and maps), write a values file, render the chart with real Helm, build the
//! container's environment and files from the render as the kubelet would
//! (`gitops_tests::pod`), run the loader, and compare with the input; and
//! the native render of the same values gives the very objects Helm's
//! does (`gitops_tests::differential`). Both
//! delivery modes, each with the secrets as files (the default) and as env
//! vars (`secrets.envVars`), case by case.
//!
//! Cases come from proptest strategies with a fixed seed, rendered in one
//! batch (one Helm process for all of them). A failing case is printed whole
//! (values file, environment, files); it is not shrunk.

use gitops_gen::{Chart, Renderer};
use gitops_tests::differential::{chart_files, compare};
use gitops_tests::fixtures::{LogLevel, RoundTripEnv, RoundTripFile, HOSTILE_STRINGS};
use gitops_tests::{oracle, pod, scratch_dir};
use gitops_types::{GitOps, Loader};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Debug;

/// Cases per delivery mode.
const CASES: usize = 300;
const MAX_SAFE: i64 = (1 << 53) - 1;

fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => proptest::sample::select(vec![
            '\n', '\t', '\r', 'é', '✓', '日', '🦀', '\u{a0}', '\u{2028}', '\u{85}', '\u{feff}',
        ]),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => proptest::sample::select(HOSTILE_STRINGS).prop_map(String::from),
        3 => vec(text_char(), 0..24).prop_map(|chars| chars.into_iter().collect()),
        1 => (proptest::sample::select(HOSTILE_STRINGS), proptest::sample::select(HOSTILE_STRINGS))
            .prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

/// A secret's value: [`text`] without line endings at its end, which the
/// loader drops from secrets (one; the rule has its own test in
/// gitops-types' `load.rs`).
fn secret_text() -> impl Strategy<Value = String> {
    text().prop_map(|mut s| {
        while s.ends_with('\n') {
            s.pop();
            if s.ends_with('\r') {
                s.pop();
            }
        }
        s
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
        1 => proptest::sample::select(vec![0.0, -0.0, 0.1, 1e-300, 1e300, f64::MAX, f64::MIN_POSITIVE, 1e21, 123456789.0]),
    ]
}

fn config() -> impl Strategy<Value = RoundTripEnv> {
    let values = (
        text(),
        proptest::option::of(text()),
        any::<u32>(),
        prop_oneof![0..=MAX_SAFE as u64, Just(MAX_SAFE as u64), Just(0)],
        -MAX_SAFE..=MAX_SAFE,
        finite_f64(),
        any::<f32>().prop_filter("finite", |f| f.is_finite()),
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        vec(text(), 0..4),
        btree_map(text(), text(), 0..4),
    );
    let rest = (
        proptest::sample::select(vec![
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
        ]),
        secret_text(),
        proptest::option::of(secret_text()),
        proptest::option::of(any::<u32>()),
        vec(any::<u16>(), 0..3),
        text(),
        (some_by_default(30), some_by_default("hello".to_owned()), some_by_default(5)),
    );
    (values, rest).prop_map(
        |(
            (
                text,
                maybe_text,
                count,
                big,
                signed,
                ratio,
                small_ratio,
                flag,
                maybe_flag,
                words,
                labels,
            ),
            (level, token, maybe_token, per_minute, ports, nested_text, (timeout, greeting, burst)),
        )| {
            let mut config = RoundTripEnv {
                text,
                maybe_text,
                count,
                big,
                signed,
                ratio,
                small_ratio,
                flag,
                maybe_flag,
                words,
                labels,
                level,
                token,
                maybe_token,
                timeout,
                greeting,
                ..Default::default()
            };
            config.limits.burst = burst;
            config.limits.per_minute = per_minute;
            config.limits.ports = ports;
            config.limits.nested_text = nested_text;
            config
        },
    )
}

/// An `Option` whose default is `Some(default)`: left alone (the values
/// file leaves the key out, see [`values_file`]), set to another value, or
/// set to `null`.
fn some_by_default<T: Arbitrary + Clone + Debug + 'static>(
    default: T,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![Just(Some(default)), any::<T>().prop_map(Some), Just(None)]
}

fn cases() -> Vec<RoundTripEnv> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = config();
    (0..CASES).map(|_| strategy.new_tree(&mut runner).expect("a case").current()).collect()
}

/// The values file for `config`: its non-secret keys under `config:`, and
/// `secrets.envVars` when the secrets are to arrive as env vars. JSON,
/// which Helm's YAML parser reads as YAML, so no scalar is left to YAML 1.1's
/// guessing; non-ASCII characters escaped, because YAML reads a raw NEL, LS
/// or PS as a line break and refuses a BOM inside a scalar.
fn values_file(config: &Value, secret_env_vars: bool) -> String {
    let mut values = config.clone();
    let map = values.as_object_mut().expect("an object");
    map.remove("token");
    map.remove("maybeToken");
    // A `Some` default left alone: the key is not in the user's file at all.
    let default = serde_json::to_value(RoundTripEnv::default()).expect("serialize");
    for key in ["timeout", "greeting"] {
        if map[key] == default[key] {
            map.remove(key);
        }
    }
    let limits = map["limits"].as_object_mut().expect("a section");
    if limits["burst"] == default["limits"]["burst"] {
        limits.remove("burst");
    }
    let mut out = String::new();
    let file = json!({ "config": values, "secrets": {"envVars": secret_env_vars} });
    for c in file.to_string().chars() {
        match c as u32 {
            0..=0x7f => out.push(c),
            // YAML's 8-digit escape: no surrogate pairs to get wrong.
            code => out.push_str(&format!("\\U{code:08X}")),
        }
    }
    out
}

/// The keys of two configs' JSON whose values differ, with both values.
fn differences(loaded: &Value, expected: &Value) -> Vec<String> {
    let (Value::Object(a), Value::Object(b)) = (loaded, expected) else {
        return vec![format!("loaded {loaded}, expected {expected}")];
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: loaded {}, expected {v}", a.get(k).unwrap_or(&Value::Null)))
        .collect()
}

/// The Secret an operator would create, with the secret fields' values.
fn secret(config: &Value) -> Value {
    let mut data = serde_json::Map::new();
    for key in ["token", "maybeToken"] {
        if let Some(text) = config[key].as_str() {
            data.insert(key.into(), json!(text));
        }
    }
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "release-rt"}, "stringData": data})
}

fn round_trip<T>(name: &str)
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default + PartialEq + Debug,
{
    let chart = scratch_dir(&format!("round-trip-{name}"));
    Chart::new("rt")
        .image("registry.local/rt")
        .config::<T>()
        .write(&gitops_gen::Outputs::chart(&chart))
        .expect("chart");
    let inputs: Vec<Value> =
        cases().iter().map(|c| serde_json::to_value(c).expect("serialize")).collect();
    // Every other case takes its secrets as env vars (`secrets.envVars`),
    // the others as the Secret's files, the default.
    let env_vars = |i: usize| i % 2 == 1;
    let ops = inputs
        .iter()
        .enumerate()
        .map(|(i, config)| {
            json!({"op": "render", "chart": chart, "values_yaml": values_file(config, env_vars(i)),
                   "name": "release", "namespace": "shop"})
        })
        .collect();
    let rendered = oracle::run(ops);
    let renderer = Renderer::new(&chart_files(&chart)).expect("the chart parses");
    let mut failures = Vec::new();
    for (i, (config, render)) in inputs.iter().zip(&rendered).enumerate() {
        let expected: T = serde_json::from_value(config.clone()).expect("same fields");
        let outcome = (|| {
            if render["ok"] != true {
                return Err(format!("render failed: {}", render["error"]));
            }
            // The native render gives these very objects.
            compare(&renderer, Some(&values_file(config, env_vars(i))), render)
                .map_err(|e| format!("native render: {e}"))?;
            let objects: Vec<Value> =
                render["objects"].as_array().unwrap().iter().map(|o| o["object"].clone()).collect();
            let pod = pod::simulate(&objects, &[secret(config)])?;
            let env = pod.materialize(&scratch_dir(&format!("round-trip-{name}-{i}")));
            if env.contains_key("RT_TOKEN") != env_vars(i) {
                return Err(format!(
                    "the token did not arrive as asked (env vars: {})",
                    env_vars(i)
                ));
            }
            let loaded = Loader::<T>::with_vars(env.clone()).load().map_err(|e| e.to_string())?;
            if loaded == expected {
                Ok(())
            } else {
                let loaded = serde_json::to_value(&loaded).expect("serialize");
                let files: Vec<String> = pod
                    .files
                    .iter()
                    .map(|(p, b)| format!("{}: {:?}", p.display(), String::from_utf8_lossy(b)))
                    .collect();
                Err(format!("{:#?}\nenv {env:?}\nfiles {files:#?}", differences(&loaded, config)))
            }
        })();
        if let Err(why) = outcome {
            failures.push(format!("case {i}: values {}\n{why}", values_file(config, env_vars(i))));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CASES} {name} cases do not round-trip; the first:\n{}",
        failures.len(),
        failures.iter().take(3).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

#[test]
fn env_delivery_round_trips() {
    round_trip::<RoundTripEnv>("env");
}

#[test]
fn file_delivery_round_trips() {
    round_trip::<RoundTripFile>("file");
}
