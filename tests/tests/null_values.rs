//! What Helm v4 does with a config key that a user's values set to `null`,
//! asked of Helm's own SDK (the `releases` op of `tests/oracle/oracle.py`:
//! Helm's install and upgrade actions, releases in Helm's memory storage
//! driver, a stand-in API server on 127.0.0.1), for an `Option` whose Rust
//! default is `Some`: `timeout` (default `Some(30)`) and `limits.burst`
//! (default `Some(5)`, in a section) of the round-trip fixtures.
//!
//! Every step's answer is checked twice: what the chart delivers (the
//! ConfigMap's `RT_TIMEOUT` with env delivery, `config.json`'s `timeout` with
//! file delivery), and what `gitops_types::Loader` makes of the pod the
//! kubelet would build from the manifest (`None` or `Some`).
//!
//! What Helm does, in short (Helm v4.2.3, the SDK `helm-python-sdk` pins):
//! - a values file or `--set` with `null` deletes the key before templates
//!   run: the app gets `None` (install and `helm template` alike);
//! - upgrades: the null lives in the release's stored user values, so it
//!   stays with `--reuse-values`, `--reset-then-reuse-values` and a plain
//!   upgrade given no values at all (Helm then reuses the last values); a
//!   plain upgrade given other values, or `--reset-values`, brings the
//!   chart's default back;
//! - parent charts: a user's `rt: {config: {timeout: null}}` reaches the
//!   subchart; a null in the parent chart's own values.yaml does not (the
//!   subchart's default wins) unless the user's values name the subchart
//!   key at all (even `rt: {}`), or pass the parent's values.yaml as a values
//!   file (helm/helm#10812, helm/helm#32132).

use gitops_gen::Chart;
use gitops_gen::Outputs;
use gitops_tests::fixtures::{RoundTripEnv, RoundTripFile};
use gitops_tests::{oracle, pod, scratch_dir};
use gitops_types::{GitOps, Loader};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A user's values file that sets both `Some`-by-default keys to `null`.
const BOTH_NULL: &str = "config:\n  timeout: null\n  limits:\n    burst: null\n";
const TIMEOUT_NULL: &str = "config:\n  timeout: null\n";
const OTHER: &str = "config:\n  count: 3\n";
/// Where the stored user values keep `timeout`.
const TIMEOUT: &str = "/config/timeout";

#[derive(Clone, Copy, Debug)]
enum Delivery {
    Env,
    File,
}

impl Delivery {
    const ALL: [Delivery; 2] = [Delivery::Env, Delivery::File];

    fn name(self) -> &'static str {
        match self {
            Delivery::Env => "env",
            Delivery::File => "file",
        }
    }

    /// Writes the generated chart `rt` into `dir`.
    fn write_chart(self, dir: &Path) {
        let chart = Chart::new("rt").image("registry.local/rt");
        match self {
            Delivery::Env => chart.config::<RoundTripEnv>().write(&Outputs::chart(dir)),
            Delivery::File => chart.config::<RoundTripFile>().write(&Outputs::chart(dir)),
        }
        .expect("chart");
    }

    /// The generated chart in a scratch dir of its own.
    fn chart(self, test: &str) -> PathBuf {
        let dir = scratch_dir(&format!("null-values-{test}-{}", self.name()));
        self.write_chart(&dir);
        dir
    }

    /// `(timeout, limits.burst)` as the chart delivers them: the env vars
    /// `RT_TIMEOUT` and `RT_LIMITS__BURST` (JSON text), or `config.json`'s keys.
    fn delivered(self, objects: &[Value]) -> Result<(Value, Value), String> {
        let config_map = objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "release-rt")
            .ok_or("no ConfigMap release-rt")?;
        let data = &config_map["data"];
        match self {
            Delivery::Env => {
                // The exact text: `null` or `30`, nothing that merely parses as such.
                let read = |key: &str| {
                    let text = data[key].as_str().ok_or(format!("no {key} in the ConfigMap"))?;
                    let value: Value =
                        serde_json::from_str(text).map_err(|e| format!("{key} {text:?}: {e}"))?;
                    if serde_json::to_string(&value).ok().as_deref() == Some(text) {
                        Ok(value)
                    } else {
                        Err(format!("{key} is {text:?}, not JSON's own text for it"))
                    }
                };
                Ok((read("RT_TIMEOUT")?, read("RT_LIMITS__BURST")?))
            }
            Delivery::File => {
                let text = data["config.json"].as_str().ok_or("no config.json in the ConfigMap")?;
                let json: Value =
                    serde_json::from_str(text).map_err(|e| format!("config.json: {e}"))?;
                let field = |v: &Value, key: &str| {
                    v.as_object()
                        .and_then(|o| o.get(key))
                        .cloned()
                        .ok_or(format!("config.json has no key {key}: {text}"))
                };
                Ok((field(&json, "timeout")?, field(&json["limits"], "burst")?))
            }
        }
    }

    /// `(timeout, limits.burst)` as the app loads them from the pod the
    /// kubelet would build from `objects`.
    fn loaded(self, objects: &[Value], dir: &Path) -> Result<(Option<u32>, Option<u32>), String> {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "release-rt"}, "stringData": {"token": "t"}});
        let pod = pod::simulate(objects, &[secret])?;
        let env = pod.materialize(dir);
        match self {
            Delivery::Env => load::<RoundTripEnv>(env, |c| (c.timeout, c.limits.burst)),
            Delivery::File => load::<RoundTripFile>(env, |c| (c.timeout, c.limits.burst)),
        }
    }
}

fn load<T>(
    env: BTreeMap<String, String>,
    fields: fn(&T) -> (Option<u32>, Option<u32>),
) -> Result<(Option<u32>, Option<u32>), String>
where
    T: GitOps + JsonSchema + Serialize + DeserializeOwned + Default,
{
    Loader::<T>::with_vars(env).load().map(|c| fields(&c)).map_err(|e| e.to_string())
}

fn step(action: &str, chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({"action": action, "chart": chart, "values_yaml": values_yaml})
}

/// `helm template` (Helm's install action, client-only dry run).
fn template(chart: &Path, values_yaml: Option<&str>) -> Value {
    step("template", chart, values_yaml)
}

/// `helm install` (wait: hookOnly, the CLI's default).
fn install(chart: &Path, values_yaml: Option<&str>) -> Value {
    step("install", chart, values_yaml)
}

/// `helm upgrade` with `flag` (`reuse_values`, `reset_values`,
/// `reset_then_reuse_values`) or none.
fn upgrade(chart: &Path, values_yaml: Option<&str>, flag: Option<&str>) -> Value {
    let mut step = step("upgrade", chart, values_yaml);
    if let Some(flag) = flag {
        step[flag] = json!(true);
    }
    step
}

/// The step with one `--set` expression instead of a values file.
fn with_set(mut step: Value, expression: &str) -> Value {
    step["values_yaml"] = Value::Null;
    step["set"] = json!(expression);
    step
}

/// What a step must yield: the app's `timeout` and `limits.burst`, and
/// optionally one value of the release's stored user-supplied values
/// (`helm get values`), by JSON pointer: `Value::Null` for a stored `null`.
struct Expect {
    timeout: Option<u32>,
    burst: Option<u32>,
    stored: Option<(&'static str, Value)>,
}

fn expect(timeout: Option<u32>, burst: Option<u32>) -> Expect {
    Expect { timeout, burst, stored: None }
}

/// `expect`, and the stored user value at `pointer` is `value`.
fn stored(mut expect: Expect, pointer: &'static str, value: Value) -> Expect {
    expect.stored = Some((pointer, value));
    expect
}

/// One release's life: steps run in order against one Helm storage.
struct Case {
    what: String,
    delivery: Delivery,
    steps: Vec<(Value, Expect)>,
}

/// Runs every case in one oracle process and reports every step whose
/// answer differs from the expectation.
fn check(test: &str, cases: Vec<Case>) {
    let ops = cases
        .iter()
        .map(|c| {
            json!({"op": "releases", "name": "release", "namespace": "shop",
                   "steps": c.steps.iter().map(|(s, _)| s).collect::<Vec<_>>()})
        })
        .collect();
    let results = oracle::run(ops);
    let mut failures = Vec::new();
    for (n, (case, result)) in cases.iter().zip(&results).enumerate() {
        let steps = result["steps"].as_array().unwrap_or_else(|| panic!("no steps: {result}"));
        for (i, ((request, want), got)) in case.steps.iter().zip(steps).enumerate() {
            let at =
                format!("{} ({}), step {} {}", case.what, case.delivery.name(), i + 1, request);
            if got["ok"] != true {
                failures.push(format!("{at}: Helm failed: {}", got["error"]));
                continue;
            }
            let objects = got["objects"].as_array().expect("objects");
            let null_or = |v: Option<u32>| v.map_or(Value::Null, |n| json!(n));
            match case.delivery.delivered(objects) {
                Ok(delivered) if delivered == (null_or(want.timeout), null_or(want.burst)) => {}
                Ok(delivered) => failures.push(format!(
                    "{at}: the chart delivers (timeout, burst) = {delivered:?}, expected ({}, {})",
                    null_or(want.timeout),
                    null_or(want.burst)
                )),
                Err(e) => failures.push(format!("{at}: {e}")),
            }
            let dir = scratch_dir(&format!("null-values-{test}-pod-{n}-{i}"));
            match case.delivery.loaded(objects, &dir) {
                Ok(loaded) if loaded == (want.timeout, want.burst) => {}
                Ok(loaded) => failures.push(format!(
                    "{at}: the app loads (timeout, burst) = {loaded:?}, expected {:?}",
                    (want.timeout, want.burst)
                )),
                Err(e) => failures.push(format!("{at}: the app does not load: {e}")),
            }
            if let Some((pointer, value)) = &want.stored {
                if got["user_values"].pointer(pointer) != Some(value) {
                    failures.push(format!(
                        "{at}: stored user values {}, expected {pointer} = {value}",
                        got["user_values"]
                    ));
                }
            }
        }
    }
    let helm = results.first().map(|r| r["helm"].to_string()).unwrap_or_default();
    assert!(
        failures.is_empty(),
        "{} answers differ from Helm {helm}'s:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Question 1: a values file (or `--set`) with `timeout: null`, at install
/// and `helm template`: Helm deletes the key, the chart delivers an
/// explicit null (`RT_TIMEOUT=null`, `"timeout": null`), the app gets `None`.
#[test]
fn a_null_in_the_values_reaches_the_app_as_none() {
    let mut cases = Vec::new();
    for delivery in Delivery::ALL {
        let chart = delivery.chart("install");
        cases.push(Case {
            what: "install / template".into(),
            delivery,
            steps: vec![
                // The defaults, so a chart that always said null would fail.
                (template(&chart, None), expect(Some(30), Some(5))),
                (template(&chart, Some(BOTH_NULL)), expect(None, None)),
                (template(&chart, Some(TIMEOUT_NULL)), expect(None, Some(5))),
                (
                    with_set(template(&chart, None), "config.limits.burst=null"),
                    expect(Some(30), None),
                ),
                // `~` and an empty value are YAML's other spellings of null.
                (
                    template(&chart, Some("config:\n  timeout: ~\n  limits:\n    burst:\n")),
                    expect(None, None),
                ),
                (
                    install(&chart, Some(BOTH_NULL)),
                    stored(expect(None, None), TIMEOUT, Value::Null),
                ),
            ],
        });
    }
    check("install", cases);
}

/// Question 2: after an install with `timeout: null`, what upgrades do.
#[test]
fn upgrades_keep_the_null_exactly_when_they_reuse_the_last_values() {
    let mut cases = Vec::new();
    for delivery in Delivery::ALL {
        let chart = delivery.chart("upgrade");
        let installed = || (install(&chart, Some(TIMEOUT_NULL)), expect(None, Some(5)));
        cases.push(Case {
            what: "plain upgrade, no values: Helm reuses the last release's values".into(),
            delivery,
            steps: vec![
                installed(),
                (upgrade(&chart, None, None), stored(expect(None, Some(5)), TIMEOUT, Value::Null)),
            ],
        });
        cases.push(Case {
            what: "plain upgrade with other values: they replace the last ones".into(),
            delivery,
            steps: vec![
                installed(),
                (upgrade(&chart, Some(OTHER), None), expect(Some(30), Some(5))),
            ],
        });
        cases.push(Case {
            what: "--reuse-values, repeatedly, then an explicit value, then --reset-values".into(),
            delivery,
            steps: vec![
                installed(),
                (
                    upgrade(&chart, Some(OTHER), Some("reuse_values")),
                    stored(expect(None, Some(5)), TIMEOUT, Value::Null),
                ),
                (
                    upgrade(&chart, None, Some("reuse_values")),
                    stored(expect(None, Some(5)), TIMEOUT, Value::Null),
                ),
                (
                    with_set(upgrade(&chart, None, Some("reuse_values")), "config.count=5"),
                    stored(expect(None, Some(5)), TIMEOUT, Value::Null),
                ),
                (
                    upgrade(&chart, Some("config:\n  timeout: 45\n"), Some("reuse_values")),
                    stored(expect(Some(45), Some(5)), TIMEOUT, json!(45)),
                ),
                (upgrade(&chart, None, Some("reset_values")), expect(Some(30), Some(5))),
            ],
        });
        cases.push(Case {
            what: "--reset-values".into(),
            delivery,
            steps: vec![
                installed(),
                (upgrade(&chart, Some(OTHER), Some("reset_values")), expect(Some(30), Some(5))),
            ],
        });
        cases.push(Case {
            what: "--reset-values, no values".into(),
            delivery,
            steps: vec![
                installed(),
                (upgrade(&chart, None, Some("reset_values")), expect(Some(30), Some(5))),
            ],
        });
        cases.push(Case {
            what: "--reset-then-reuse-values".into(),
            delivery,
            steps: vec![
                installed(),
                (
                    upgrade(&chart, Some(OTHER), Some("reset_then_reuse_values")),
                    stored(expect(None, Some(5)), TIMEOUT, Value::Null),
                ),
                (
                    upgrade(&chart, None, Some("reset_then_reuse_values")),
                    stored(expect(None, Some(5)), TIMEOUT, Value::Null),
                ),
            ],
        });
        cases.push(Case {
            what: "a null given at upgrade time, with --reuse-values".into(),
            delivery,
            steps: vec![
                (install(&chart, None), expect(Some(30), Some(5))),
                (
                    upgrade(&chart, Some(BOTH_NULL), Some("reuse_values")),
                    stored(expect(None, None), TIMEOUT, Value::Null),
                ),
            ],
        });
    }
    check("upgrade", cases);
}

/// A parent chart with the generated chart as `charts/rt` and `values` as
/// its own values.yaml.
fn parent(delivery: Delivery, test: &str, values: &str) -> PathBuf {
    let dir = scratch_dir(&format!("null-values-{test}-{}", delivery.name()));
    delivery.write_chart(&dir.join("charts").join("rt"));
    let chart_yaml = "apiVersion: v2\nname: shop\nversion: 0.1.0\n\
                      dependencies:\n  - name: rt\n    version: 0.1.0\n";
    std::fs::write(dir.join("Chart.yaml"), chart_yaml).expect("Chart.yaml");
    std::fs::write(dir.join("values.yaml"), values).expect("values.yaml");
    dir
}

/// Question 3: the generated chart as a subchart.
#[test]
fn a_parent_chart_passes_a_users_null_on_but_not_its_own() {
    let parent_null = "rt:\n  config:\n    timeout: null\n";
    let mut cases = Vec::new();
    for delivery in Delivery::ALL {
        let plain = parent(delivery, "parent", "{}\n");
        cases.push(Case {
            what: "parent chart, the user's values set the subchart's keys to null".into(),
            delivery,
            steps: vec![
                (template(&plain, None), expect(Some(30), Some(5))),
                (
                    template(
                        &plain,
                        Some("rt:\n  config:\n    timeout: null\n    limits:\n      burst: null\n"),
                    ),
                    expect(None, None),
                ),
                (with_set(template(&plain, None), "rt.config.timeout=null"), expect(None, Some(5))),
                (
                    install(&plain, Some("rt:\n  config:\n    timeout: null\n")),
                    stored(expect(None, Some(5)), "/rt/config/timeout", Value::Null),
                ),
            ],
        });
        let own = parent(delivery, "parent-own", parent_null);
        cases.push(Case {
            what: "parent chart whose own values.yaml sets rt.config.timeout: null".into(),
            delivery,
            steps: vec![
                // The parent's null is dropped: the subchart's default wins.
                (template(&own, None), expect(Some(30), Some(5))),
                (install(&own, None), expect(Some(30), Some(5))),
                (template(&own, Some("other: 1\n")), expect(Some(30), Some(5))),
                // ...unless the user's values name the subchart at all,
                (template(&own, Some("rt: {}\n")), expect(None, Some(5))),
                (template(&own, Some("rt:\n  config:\n    count: 3\n")), expect(None, Some(5))),
                // or carry the parent's values.yaml itself (`-f values.yaml`).
                (template(&own, Some(parent_null)), expect(None, Some(5))),
            ],
        });
    }
    check("parent", cases);
}
