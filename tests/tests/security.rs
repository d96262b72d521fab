//! checkov's Kubernetes checks on the rendered charts. The expected failures
//! are exact, per check and kind, so a regression and an improvement both
//! show up here; each one is explained in docs/security.md.

use gitops_gen::Chart;
use gitops_tests::fixtures::{
    Echo, Gateway, Hostile, Relay, RoundTripEnv, RoundTripFile, SecretsOnly, Shop, Worker,
};
use gitops_tests::{oracle, scratch_dir, workspace};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    workspace().join("examples").join(name).join("chart")
}

fn checkov_op(chart: &Path, values_yaml: Option<&str>) -> Value {
    json!({
        "op": "checkov", "chart": chart, "values_yaml": values_yaml, "name": "release", "namespace": "shop",
    })
}

fn assert_ran(result: &Value) {
    assert_eq!(result["ok"], true, "checkov: {result:#}");
    assert!(result["passed"].as_u64().unwrap() > 50, "checkov ran its checks: {result:#}");
}

fn checkov(chart: &Path, values_yaml: Option<&str>) -> Value {
    let result = oracle::one(checkov_op(chart, values_yaml));
    assert_ran(&result);
    result
}

/// `CHECK Kind` for each entry of a checkov result list.
fn checks(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let kind = c["resource"].as_str().unwrap().split('.').next().unwrap();
            format!("{} {kind}", c["check_id"].as_str().unwrap())
        })
        .collect()
}

fn failed(chart: &Path, values_yaml: Option<&str>) -> BTreeSet<String> {
    checks(&checkov(chart, values_yaml)["failed"])
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Image digest (CKV_K8S_43) and pull policy Always (CKV_K8S_15), for the
/// app and for the `helm test` pod: the accepted exceptions, which a digest
/// clears; and no CPU limit on the app (CKV_K8S_11), by decision (a CPU
/// limit throttles; docs/chart.md, "Resources"), which `limits.cpu` clears.
const ACCEPTED: &[&str] = &[
    "CKV_K8S_11 Deployment",
    "CKV_K8S_15 Deployment",
    "CKV_K8S_15 Pod",
    "CKV_K8S_43 Deployment",
    "CKV_K8S_43 Pod",
];

/// What stays once both images are pinned by digest: no CPU limit.
const PINNED: &[&str] = &["CKV_K8S_11 Deployment"];

/// The orders example's: its migration Job (the app's image) fails the
/// same two as the Deployment, and a digest clears them too.
const ORDERS_ACCEPTED: &[&str] = &[
    "CKV_K8S_11 Deployment",
    "CKV_K8S_11 Job",
    "CKV_K8S_15 Deployment",
    "CKV_K8S_15 Job",
    "CKV_K8S_15 Pod",
    "CKV_K8S_43 Deployment",
    "CKV_K8S_43 Job",
    "CKV_K8S_43 Pod",
];

/// Values that pin both images by digest.
fn digests(has_port: bool) -> String {
    let digest = format!("sha256:{}", "0f".repeat(32));
    let mut values = format!("image:\n  digest: {digest}\n");
    if has_port {
        values.push_str(&format!("test:\n  image: busybox@{digest}\n"));
    }
    values
}

/// The secrets arrive as files by default (CKV_K8S_35 passes), the probes
/// are declared: only the accepted exceptions fail.
#[test]
fn checkov_on_the_default_render_of_a_service_with_secrets() {
    let result = checkov(&example("orders"), None);
    assert_eq!(checks(&result["failed"]), set(ORDERS_ACCEPTED));
    // The test pod's two suppressions carry their reasons in its
    // annotations; checkov does not ask a Job for probes.
    assert_eq!(checks(&result["skipped"]), set(&["CKV_K8S_8 Pod", "CKV_K8S_9 Pod"]));
    for skip in result["skipped"].as_array().unwrap() {
        assert!(skip["reason"].as_str().unwrap().contains("run-to-completion"), "{skip}");
    }
}

/// With `image.digest` (and the test pod's image pinned the same way), both
/// accepted exceptions pass: checkov takes a digest-pinned image as
/// satisfying the pull-policy check as well. Only the missing CPU limit
/// stays (the app's and its migration Job's), and a CPU limit clears it:
/// then nothing fails.
#[test]
fn image_digests_clear_the_digest_and_pull_policy_checks() {
    assert_eq!(
        failed(&example("orders"), Some(&digests(true))),
        set(&["CKV_K8S_11 Deployment", "CKV_K8S_11 Job"])
    );
    let capped = format!("{}resources:\n  limits:\n    cpu: \"1\"\n", digests(true));
    assert_eq!(failed(&example("orders"), Some(&capped)), set(&[]));
}

/// `secrets.envVars: true` is real: the secrets become `secretKeyRef` env
/// vars and CKV_K8S_35 fails, in env delivery (orders) and file delivery
/// (the worker) alike.
#[test]
fn env_var_secrets_fail_ckv_k8s_35_in_both_delivery_modes() {
    let on = Some("secrets:\n  envVars: true\n");
    let results = oracle::run(vec![
        checkov_op(&example("orders"), on),
        checkov_op(&example("worker"), on),
        checkov_op(&example("worker"), None),
    ]);
    results.iter().for_each(assert_ran);
    let mut expected = set(ORDERS_ACCEPTED);
    // The migration Job gets the secrets as the app does.
    expected.insert("CKV_K8S_35 Deployment".into());
    expected.insert("CKV_K8S_35 Job".into());
    assert_eq!(checks(&results[0]["failed"]), expected, "orders");
    let mut expected = checks(&results[2]["failed"]);
    assert!(!expected.contains("CKV_K8S_35 Deployment"), "worker default: {expected:?}");
    expected.insert("CKV_K8S_35 Deployment".into());
    assert_eq!(checks(&results[1]["failed"]), expected, "worker");
}

/// Every switch on changes nothing: the extra resources pass their checks.
#[test]
fn checkov_with_every_switch_on() {
    let values = "
ingress: {enabled: true, tls: [{hosts: [orders.example], secretName: orders-tls}]}
httpRoute: {enabled: true}
autoscaling: {enabled: true, targetMemoryUtilizationPercentage: 75}
podDisruptionBudget: {enabled: true}
networkPolicy: {from: [{podSelector: {}}], egress: [{ports: [{port: 53, protocol: UDP}]}]}
secrets: {externalSecret: {enabled: true, secretStoreRef: {name: vault}, remoteKey: prod/orders}}
";
    assert_eq!(failed(&example("orders"), Some(values)), failed(&example("orders"), None));
}

/// The checks have teeth: removing the container's security context fails
/// the controls the defaults satisfy, and so does turning the NetworkPolicy
/// off or the probes. (`null`, not `{}`: Helm merges a map from a values
/// file into the chart's, and deletes a key set to null.)
#[test]
fn checkov_catches_a_loosened_chart() {
    let failed = failed(
        &example("orders"),
        Some("securityContext: null\nnetworkPolicy:\n  enabled: false\nlivenessProbe: null\nreadinessProbe: null\n"),
    );
    for check in [
        "CKV_K8S_20 Deployment",
        "CKV_K8S_22 Deployment",
        "CKV_K8S_28 Deployment",
        "CKV2_K8S_6 Pod",
        "CKV_K8S_8 Deployment",
        "CKV_K8S_9 Deployment",
    ] {
        assert!(failed.contains(check), "{check} should fail: {failed:?}");
    }
}

/// A config without a port has nothing to probe: its Deployment fails the
/// liveness and readiness checks (CKV_K8S_8, CKV_K8S_9), and it has no test
/// pod. The worker uses file delivery; its secret is a file, as by default
/// in env delivery too.
#[test]
fn checkov_on_the_default_render_of_a_worker() {
    assert_eq!(
        failed(&example("worker"), None),
        set(&[
            "CKV_K8S_11 Deployment",
            "CKV_K8S_15 Deployment",
            "CKV_K8S_43 Deployment",
            "CKV_K8S_8 Deployment",
            "CKV_K8S_9 Deployment",
        ])
    );
}

/// Secure by default for every config, not only the examples: each fixture
/// config's chart, rendered with default values, fails only the accepted
/// exceptions, and nothing once the images are pinned by digest. Configs
/// without a port also fail CKV_K8S_8/9 (no port, no probe).
#[test]
fn checkov_on_every_fixture_config() {
    let charts: Vec<(&str, Chart)> = vec![
        ("shop", Chart::new("shop").config::<Shop>()),
        ("echo", Chart::new("echo").config::<Echo>()),
        ("gateway", Chart::new("gateway").config::<Gateway>()),
        ("relay", Chart::new("relay").config::<Relay>()),
        ("worker", Chart::new("worker").config::<Worker>()),
        ("vault", Chart::new("vault").config::<SecretsOnly>()),
        ("hostile", Chart::new("hostile").config::<Hostile>()),
        ("rt-env", Chart::new("rt").config::<RoundTripEnv>()),
        ("rt-file", Chart::new("rt").config::<RoundTripFile>()),
    ];
    let mut cases = Vec::new();
    let mut ops = Vec::new();
    for (name, chart) in charts {
        let dir = scratch_dir(&format!("security-{name}"));
        chart
            .image("registry.local/app")
            .write(&gitops_gen::Outputs::chart(&dir))
            .expect("write chart");
        let has_port = dir.join("templates/service.yaml").exists();
        ops.push(checkov_op(&dir, None));
        ops.push(checkov_op(&dir, Some(&digests(has_port))));
        cases.push((name, has_port));
    }
    assert!(cases.iter().filter(|(_, port)| *port).count() >= 4, "fixtures with a port");
    let results = oracle::run(ops);
    for ((name, has_port), pair) in cases.into_iter().zip(results.chunks(2)) {
        pair.iter().for_each(assert_ran);
        let (default, pinned) = if has_port {
            (set(ACCEPTED), set(PINNED))
        } else {
            let unprobed = ["CKV_K8S_8 Deployment", "CKV_K8S_9 Deployment"];
            let mut default = set(&["CKV_K8S_15 Deployment", "CKV_K8S_43 Deployment"]);
            default.extend(unprobed.iter().chain(PINNED).map(|c| c.to_string()));
            let mut pinned = set(&unprobed);
            pinned.extend(PINNED.iter().map(|c| c.to_string()));
            (default, pinned)
        };
        assert_eq!(checks(&pair[0]["failed"]), default, "{name}: default values");
        assert_eq!(checks(&pair[1]["failed"]), pinned, "{name}: images pinned by digest");
    }
}
