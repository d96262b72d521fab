//! `cargo gitops render`, `diff` and `check --policy` on the orders example,
//! through its own build script: what `render` prints is what the committed
//! rendered manifests hold; `diff` against a base revision names each
//! changed release, object and field, and exits 2 when production changes;
//! bad environments and revisions are named.

use gitops_tests::scratch_crate::{self, assert_success, output_text as text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

/// `cargo gitops ARGS` in `dir`, building in the scratch target directory
/// (the workspace's own is locked by the running `cargo test`).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("gitops")
        .args(args)
        .current_dir(dir)
        .env("CARGO", scratch_crate::cargo())
        .env("CARGO_TARGET_DIR", scratch_crate::target_dir())
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("run cargo-gitops")
}

fn orders() -> PathBuf {
    gitops_tests::workspace().join("examples/orders")
}

/// The YAML documents of a stream or file, as JSON, comments dropped.
fn documents(text: &str) -> Vec<Value> {
    yaml_serde::Deserializer::from_str(text)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("YAML"))
        .filter(|doc: &Value| !doc.is_null())
        .collect()
}

#[test]
fn render_prints_what_the_rendered_manifests_hold() {
    let out = run_in(&orders(), &["render", "--env", "prod", "--cluster", "prod-beijing"]);
    assert_success("cargo gitops render --env prod --cluster prod-beijing", &out);
    let stream = String::from_utf8(out.stdout).unwrap();
    let mut printed: Vec<Value> = documents(&stream)
        .into_iter()
        .filter(|o| o.pointer("/metadata/annotations/helm.sh~1hook") != Some(&Value::from("test")))
        .collect();
    let dir = orders().join("rendered/prod/prod-beijing");
    let mut committed: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| documents(&std::fs::read_to_string(e.unwrap().path()).unwrap()).remove(0))
        .collect();
    let key = |o: &Value| format!("{}/{}", o["kind"], o["metadata"]["name"]);
    printed.sort_by_key(key);
    committed.sort_by_key(key);
    assert_eq!(
        printed.iter().map(key).collect::<Vec<_>>(),
        committed.iter().map(key).collect::<Vec<_>>()
    );
    for (p, c) in printed.iter().zip(&committed) {
        let difference = gitops_tests::differential::first_difference(c, p, key(p));
        assert!(difference.is_none(), "committed against printed: {difference:?}");
    }
    assert!(
        stream.contains("image: \"registry.beijing.example.com/acme/orders@sha256:"),
        "{stream}"
    );

    // Values files instead of an environment, with a release and namespace.
    let scratch = gitops_tests::scratch_dir("render-values-file");
    let values = scratch.join("values.yaml");
    std::fs::write(&values, "replicaCount: 7\n").unwrap();
    let out = run_in(
        &orders(),
        &["render", "-f", values.to_str().unwrap(), "--release", "shop", "--namespace", "team"],
    );
    assert_success("cargo gitops render -f", &out);
    let objects = documents(&String::from_utf8(out.stdout).unwrap());
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").expect("a Deployment");
    assert_eq!(deployment["spec"]["replicas"], 7);
    assert_eq!(deployment["metadata"]["name"], "shop-orders");
    assert_eq!(deployment["metadata"]["namespace"], "team");

    let out = run_in(&orders(), &["render", "--env", "prd"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--env prd: no such environment; did you mean `prod`?"),
        "{}",
        text(&out)
    );
}

#[test]
fn check_policy_evaluates_every_release() {
    let policies = gitops_tests::workspace().join("cargo-gitops/policies");
    let out = run_in(&orders(), &["check", "--policy", policies.to_str().unwrap()]);
    assert_success("cargo gitops check --policy", &out);
    assert!(text(&out).contains("5 release(s) pass every policy"), "{}", text(&out));

    // One policy of the user's that every workload breaks (prod's is an Argo
    // Rollouts Rollout), in GitHub's format.
    let dir = gitops_tests::scratch_dir("check-policy-own");
    std::fs::write(
        dir.join("replicas.rego"),
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.kind in {\"Deployment\", \"Rollout\"}\n\tmsg := sprintf(\"%d replicas in %s\", [input.spec.replicas, data.gitops.environment])\n}\n",
    )
    .unwrap();
    let out =
        run_in(&orders(), &["check", "--policy", dir.to_str().unwrap(), "--format", "github"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().filter(|l| l.starts_with("::error file=")).count(), 5, "{stdout}");
    assert!(
        stdout.contains("title=deny Rollout/orders::prod on prod-singapore: 3 replicas in prod\n"),
        "{stdout}"
    );
    assert!(text(&out).contains("5 policy violation(s) in 5 of 5 release(s)"), "{}", text(&out));

    // A broken policy is named before anything is built.
    std::fs::write(dir.join("replicas.rego"), "package main\n\ndeny contains msg if {\n").unwrap();
    let out = run_in(&orders(), &["check", "--policy", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("replicas.rego: does not compile"), "{}", text(&out));
    assert!(!text(&out).contains("running `cargo check"), "{}", text(&out));
}

/// The base has production at four replicas and the working tree (the
/// committed example) at three; then a base that differs in staging only.
#[test]
fn diff_names_each_changed_release_and_flags_production() {
    let base = gitops_tests::orders_commit_with("diff-prod", |s| {
        s.replacen(".replicas(3)", ".replicas(4)", 1)
    });
    let out = run_in(&orders(), &["diff", "--base", &base, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["production_changed"], true);
    let releases = report["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 5, "{report:#}");
    let changed: Vec<&Value> = releases
        .iter()
        .filter(|r| r["changed"].as_array().is_some_and(|c| !c.is_empty()))
        .collect();
    assert_eq!(changed.len(), 3, "{report:#}");
    for release in changed {
        assert_eq!(release["production"], true);
        assert_eq!(release["changed"][0]["object"], "Rollout/orders/orders");
        assert_eq!(
            release["changed"][0]["fields"],
            serde_json::json!([{"path": ".spec.replicas", "before": 4, "after": 3}])
        );
    }

    let base = gitops_tests::orders_commit_with("diff-staging", |s| {
        s.replacen(".replicas(2)", ".replicas(5)", 1)
    });
    let out = run_in(&orders(), &["diff", "--base", &base]);
    assert_success("cargo gitops diff (staging)", &out);
    let markdown = String::from_utf8(out.stdout).unwrap();
    assert!(
        markdown.contains("### staging\n") && markdown.contains("`.spec.replicas`: `5` → `2`"),
        "{markdown}"
    );
    assert!(!markdown.contains("production"), "{markdown}");
    assert!(markdown.contains("4 other release(s) unchanged."), "{markdown}");

    let out = run_in(&orders(), &["diff", "--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--base no-such-rev: no such commit"), "{}", text(&out));
}
