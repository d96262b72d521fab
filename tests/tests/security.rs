//! checkov's Kubernetes checks on the rendered charts. The expected failures
//! are exact, per check and kind, so a regression and an improvement both
//! show up here; each one is explained in the README's security section.

use gitops_tests::oracle;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn checkov(chart: &str, values_yaml: Option<&str>) -> Value {
    let dir = gitops_tests::workspace().join(chart);
    let result = oracle::one(json!({
        "op": "checkov", "chart": dir, "values_yaml": values_yaml, "name": "release", "namespace": "shop",
    }));
    assert_eq!(result["ok"], true, "checkov: {result:#}");
    assert!(result["passed"].as_u64().unwrap() > 50, "checkov ran its checks: {result:#}");
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

fn failed(chart: &str, values_yaml: Option<&str>) -> BTreeSet<String> {
    checks(&checkov(chart, values_yaml)["failed"])
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Image digest (CKV_K8S_43) and pull policy Always (CKV_K8S_15) are the
/// accepted exceptions, for the app and for the `helm test` pod; secrets
/// as env vars (CKV_K8S_35) until file delivery exists.
#[test]
fn checkov_on_the_default_render_of_a_service_with_secrets() {
    let result = checkov("examples/orders/chart", None);
    assert_eq!(
        checks(&result["failed"]),
        set(&[
            "CKV_K8S_15 Deployment",
            "CKV_K8S_15 Pod",
            "CKV_K8S_35 Deployment",
            "CKV_K8S_43 Deployment",
            "CKV_K8S_43 Pod",
        ])
    );
    // The test pod's two suppressions carry their reasons in its annotations.
    assert_eq!(checks(&result["skipped"]), set(&["CKV_K8S_8 Pod", "CKV_K8S_9 Pod"]));
    for skip in result["skipped"].as_array().unwrap() {
        assert!(skip["reason"].as_str().unwrap().contains("run-to-completion"), "{skip}");
    }
}

/// With `image.digest` (and the test pod's image pinned the same way), both
/// accepted exceptions pass: checkov takes a digest-pinned image as
/// satisfying the pull-policy check as well.
#[test]
fn image_digests_clear_the_digest_and_pull_policy_checks() {
    let digest = format!("sha256:{}", "0f".repeat(32));
    let values = format!("image:\n  digest: {digest}\ntest:\n  image: busybox@{digest}\n");
    assert_eq!(failed("examples/orders/chart", Some(&values)), set(&["CKV_K8S_35 Deployment"]));
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
    assert_eq!(
        failed("examples/orders/chart", Some(values)),
        failed("examples/orders/chart", None)
    );
}

/// The checks have teeth: removing the container's security context fails
/// the controls the defaults satisfy, and so does turning the NetworkPolicy
/// off. (`null`, not `{}`: Helm merges a map from a values file into the
/// chart's, and deletes a key set to null.)
#[test]
fn checkov_catches_a_loosened_chart() {
    let failed = failed(
        "examples/orders/chart",
        Some("securityContext: null\nnetworkPolicy:\n  enabled: false\n"),
    );
    for check in [
        "CKV_K8S_20 Deployment",
        "CKV_K8S_22 Deployment",
        "CKV_K8S_28 Deployment",
        "CKV2_K8S_6 Pod",
    ] {
        assert!(failed.contains(check), "{check} should fail: {failed:?}");
    }
}

#[test]
fn checkov_on_the_default_render_of_a_worker() {
    // The worker uses file delivery: its secret is a mounted file, so
    // CKV_K8S_35 passes. It has no port and no probes, which checkov asks
    // for (CKV_K8S_8, CKV_K8S_9), and so no test pod.
    assert_eq!(
        failed("examples/worker/chart", None),
        set(&[
            "CKV_K8S_15 Deployment",
            "CKV_K8S_43 Deployment",
            "CKV_K8S_8 Deployment",
            "CKV_K8S_9 Deployment",
        ])
    );
}
