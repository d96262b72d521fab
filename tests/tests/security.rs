//! checkov's Kubernetes checks on the default render. The expected failures
//! are exact, so a regression and an improvement both show up here; each
//! one is explained in the README's security section.

use gitops_tests::oracle;
use serde_json::json;
use std::collections::BTreeSet;

fn failed_checks(chart: &str, values_yaml: Option<&str>) -> BTreeSet<String> {
    let dir = gitops_tests::workspace().join(chart);
    let result = oracle::one(json!({
        "op": "checkov", "chart": dir, "values_yaml": values_yaml, "name": "release", "namespace": "shop",
    }));
    assert_eq!(result["ok"], true, "checkov: {result:#}");
    assert!(result["passed"].as_u64().unwrap() > 50, "checkov ran its checks: {result:#}");
    result["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check_id"].as_str().unwrap().to_owned())
        .collect::<BTreeSet<_>>()
}

/// Image digest (CKV_K8S_43) and pull policy Always (CKV_K8S_15) are the
/// accepted exceptions; a NetworkPolicy (CKV2_K8S_6) is not generated yet.
const ALWAYS: &[&str] = &["CKV2_K8S_6", "CKV_K8S_15", "CKV_K8S_43"];

#[test]
fn checkov_on_the_default_render_of_a_service_with_secrets() {
    let mut expected: BTreeSet<String> = ALWAYS.iter().map(|s| s.to_string()).collect();
    // Secrets arrive as env vars until file delivery exists.
    expected.insert("CKV_K8S_35".into());
    assert_eq!(failed_checks("examples/orders/chart", None), expected);
}

/// With `image.digest` set, both accepted exceptions pass: checkov takes a
/// digest-pinned image as satisfying the pull-policy check as well.
#[test]
fn an_image_digest_clears_the_digest_and_pull_policy_checks() {
    let digest = format!("image:\n  digest: sha256:{}\n", "0f".repeat(32));
    let failed = failed_checks("examples/orders/chart", Some(&digest));
    let expected: BTreeSet<String> =
        ["CKV2_K8S_6", "CKV_K8S_35"].iter().map(|s| s.to_string()).collect();
    assert_eq!(failed, expected);
}

/// The checks have teeth: removing the container's security context fails
/// the controls the defaults satisfy. (`null`, not `{}`: Helm merges a map
/// from a values file into the chart's, and deletes a key set to null.)
#[test]
fn checkov_catches_a_removed_security_context() {
    let failed = failed_checks("examples/orders/chart", Some("securityContext: null\n"));
    for check in ["CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_28"] {
        assert!(
            failed.contains(check),
            "{check} should fail without the security context: {failed:?}"
        );
    }
}

#[test]
fn checkov_on_the_default_render_of_a_worker() {
    // The worker's one secret is an env var too; it has no port and no probes,
    // which checkov asks for (CKV_K8S_8, CKV_K8S_9).
    let failed = failed_checks("examples/worker/chart", None);
    let expected: BTreeSet<String> = ALWAYS
        .iter()
        .chain(&["CKV_K8S_35", "CKV_K8S_8", "CKV_K8S_9"])
        .map(|s| s.to_string())
        .collect();
    assert_eq!(failed, expected, "{failed:?}");
}
