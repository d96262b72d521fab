//! The default policy set (`cargo-gitops/policies/`) on real renders of the
//! orders example's chart (the native render, proven equal to Helm's by
//! `tests/tests/native_render.rs`): clean on the defaults, and each policy
//! fires on a values file that breaks it; broken policies are refused by
//! file, and a rule past its time limit is named.

use cargo_gitops::policy::{Policies, PolicyError, Release, Violation, DEFAULTS};
use gitops_gen::{RenderOptions, Renderer};
use gitops_tests::differential::chart_files;
use serde_json::Value;
use std::time::Duration;

fn defaults() -> Policies {
    let sources: Vec<(String, String)> =
        DEFAULTS.iter().map(|(name, text)| ((*name).to_owned(), (*text).to_owned())).collect();
    Policies::compile(&sources).expect("the default policies compile")
}

/// The orders chart rendered with `values`, its applied objects checked.
fn violations(values: &str, production: bool) -> Vec<Violation> {
    let chart = gitops_tests::workspace().join("examples/orders/chart");
    let renderer = Renderer::new(&chart_files(&chart)).expect("the chart parses");
    let rendered = renderer
        .render(&[("values.yaml", values)], &RenderOptions::new("orders", "shop"))
        .unwrap_or_else(|e| panic!("{values}: {e}"));
    let objects: Vec<Value> = rendered.applied().map(|o| o.object.clone()).collect();
    let release = Release {
        environment: Some("test"),
        cluster: None,
        production,
        release: "orders",
        namespace: "shop",
        objects: &objects,
    };
    defaults().check(&release).expect("the policies evaluate")
}

fn fired_by(violations: &[Violation]) -> Vec<String> {
    let mut files: Vec<String> = violations.iter().map(|v| v.policy.clone()).collect();
    files.dedup();
    files
}

const DIGEST: &str =
    "image:\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

#[test]
fn the_defaults_pass_every_policy() {
    assert_eq!(violations("", false), []);
    assert_eq!(violations(DIGEST, true), [], "digest-pinned in production");
}

#[test]
fn each_policy_fires_on_values_that_break_it() {
    let cases = [
        ("pod_security.rego", "securityContext:\n  allowPrivilegeEscalation: true\n", false),
        (
            "run_as_non_root.rego",
            "podSecurityContext:\n  runAsNonRoot: false\nsecurityContext:\n  runAsNonRoot: null\n",
            false,
        ),
        ("requests.rego", "resources:\n  requests: null\n", false),
        ("image_tags.rego", "image:\n  tag: latest\n", false),
        ("image_tags.rego", "", true),
        (
            "pdb_allows_drain.rego",
            "replicaCount: 1\npodDisruptionBudget:\n  enabled: true\n  minAvailable: 1\n",
            false,
        ),
    ];
    for (policy, values, production) in cases {
        let found = violations(values, production);
        assert_eq!(fired_by(&found), [policy], "{values:?} (production: {production}): {found:#?}");
        let v = &found[0];
        assert_eq!((v.rule.as_str(), v.environment.as_deref()), ("deny", Some("test")));
        assert!(!v.object.is_empty() && !v.message.is_empty(), "{v:?}");
    }
    // A drain-friendly budget passes: two replicas, one may go.
    assert_eq!(
        violations(
            "replicaCount: 2\npodDisruptionBudget:\n  enabled: true\n  minAvailable: 1\n",
            false
        ),
        []
    );
}

#[test]
fn broken_policies_are_refused_by_file() {
    let refuse = |text: &str| match Policies::compile(&[("broken.rego".into(), text.into())]) {
        Err(PolicyError::Policy { file, message }) => {
            assert_eq!(file, "broken.rego");
            message
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("{text:?} compiled"),
    };
    assert!(refuse("package main\n\ndeny contains msg if {\n").contains("does not compile"));
    assert!(refuse("package main\n\nallow := true\n").contains("no `deny` or `violation` rule"));
    let message = refuse("package kubernetes.admission\n\ndeny contains \"x\" if true\n");
    assert!(
        message.contains("package kubernetes.admission") && message.contains("package main"),
        "{message}"
    );
}

#[test]
fn a_rule_past_its_time_limit_is_named() {
    let slow = "package main\n\ndeny contains \"never\" if {\n\tsome i in numbers.range(1, 100000000)\n\ti < 0\n}\n";
    let mut policies = Policies::compile_with_limit(
        &[("slow.rego".into(), slow.into())],
        Duration::from_millis(50),
    )
    .unwrap();
    let objects = [serde_json::json!({"kind": "ConfigMap", "metadata": {"name": "a"}})];
    let release = Release {
        environment: Some("dev"),
        cluster: None,
        production: false,
        release: "a",
        namespace: "a",
        objects: &objects,
    };
    match policies.check(&release) {
        Err(e @ PolicyError::Evaluation { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("slow.rego")
                    && text.contains("data.main.deny")
                    && text.contains("limit"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}
