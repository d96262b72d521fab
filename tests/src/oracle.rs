//! Client for `tests/oracle/oracle.py`, which answers with real tools: Helm
//! v4's SDK, kubernetes-validate and jsonschema. A missing oracle fails the
//! test with instructions; it never skips.

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Kubernetes version rendered manifests are validated against.
pub const KUBE_VERSION: &str = "1.33.0";

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GITOPS_ORACLE_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = crate::workspace().join("target/oracle-venv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "the test oracles are not installed: run the suite with `cargo xtask test`, which \
         creates target/oracle-venv and installs tests/oracle/requirements.txt, or set \
         GITOPS_ORACLE_PYTHON to a python that has them"
    );
}

/// Runs the ops in one oracle process (loading Helm once) and returns their results.
pub fn run(ops: Vec<Value>) -> Vec<Value> {
    let script = crate::workspace().join("tests/oracle/oracle.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the oracle's python");
    let request = json!({ "ops": ops }).to_string();
    child.stdin.take().expect("stdin").write_all(request.as_bytes()).expect("send request");
    let out = child.wait_with_output().expect("oracle output");
    assert!(
        out.status.success(),
        "oracle.py failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let response: Value = serde_json::from_slice(&out.stdout).expect("oracle answers JSON");
    response["results"].as_array().expect("results").clone()
}

pub fn one(op: Value) -> Value {
    run(vec![op]).remove(0)
}

pub fn lint(chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({"op": "lint", "chart": chart, "values_yaml": values_yaml, "strict": true})
}

pub fn render_validate(chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({
        "op": "render_validate", "chart": chart, "values_yaml": values_yaml,
        "name": "release", "namespace": "shop", "version": KUBE_VERSION,
    })
}

/// Helm's render of `chart` with `values`, validated; the test fails naming
/// the values when Helm refuses them or a manifest is invalid.
pub fn rendered(chart: &Path, values: &str) -> Value {
    let result = one(render_validate(chart, Some(values)));
    assert_eq!(result["ok"], true, "{values}: {result:#}");
    result
}

pub fn jsonschema(schema_file: &Path, instance_yaml: &str) -> Value {
    json!({"op": "jsonschema", "schema_file": schema_file, "instance_yaml": instance_yaml})
}

/// `helm create NAME` inside `dir` (the starter chart is `dir/NAME`).
pub fn create_starter(name: &str, dir: &Path) -> Value {
    json!({"op": "create_starter", "name": name, "dir": dir})
}

/// Render cost: every chart (name, directory) rendered with its default values,
/// in turn, `rounds` times, timed inside the oracle's process; the result's
/// `ms` maps each name to its renders' milliseconds.
pub fn render_bench(charts: &[(&str, &Path)], rounds: usize) -> Value {
    let charts: Vec<Value> =
        charts.iter().map(|(name, dir)| json!({"name": name, "chart": dir})).collect();
    json!({"op": "render_bench", "charts": charts, "rounds": rounds})
}

/// The kinds of the rendered objects, in template order, from a render result.
pub fn kinds(result: &Value) -> Vec<String> {
    result["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["object"]["kind"].as_str().expect("kind").to_owned())
        .collect()
}

/// Every rendered object of `kind`, from a render result, in template order.
pub fn objects<'a>(result: &'a Value, kind: &str) -> Vec<&'a Value> {
    let objects = result["objects"].as_array().expect("objects");
    objects.iter().map(|o| &o["object"]).filter(|o| o["kind"] == kind).collect()
}

/// The rendered object of `kind`, from a render result: the app's own,
/// before the migration Job's hook copies of the same kind
/// (`templates/migration.yaml`, which sorts first).
pub fn object<'a>(result: &'a Value, kind: &str) -> &'a Value {
    let objects = result["objects"].as_array().expect("objects");
    let of_kind = || objects.iter().filter(|o| o["object"]["kind"] == kind);
    of_kind()
        .find(|o| !o["template"].as_str().unwrap_or("").ends_with("/migration.yaml"))
        .or_else(|| of_kind().next())
        .map(|o| &o["object"])
        .unwrap_or_else(|| panic!("no {kind} rendered"))
}
