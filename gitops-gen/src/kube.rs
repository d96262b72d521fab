//! Kubernetes' own schemas (Kubernetes 1.33) for the values keys that hold
//! Kubernetes objects: `resources`, `affinity`, `tolerations`, the probes,
//! the security contexts, `volumes`, `extraEnv` and the like. With them
//! `helm install` rejects `cpu: {}`, a misspelt `runAsUsr` or a volume with a
//! stray key, instead of the API server at sync time (or nobody).
//!
//! The definitions are a pinned copy, `kube-definitions.json`: only the ones
//! reachable from the types the chart uses, without descriptions, rewritten
//! for Helm's draft-07 validator (unknown fields rejected as Kubernetes'
//! strict decoding does, quantities as numbers or strings of Kubernetes'
//! quantity grammar, integers bounded). `tests/tests/kube_definitions.rs`
//! generates it from k8s-openapi and fails when the committed copy differs
//! (`GITOPS_BLESS=1` rewrites it). The copy is bundled, not generated here,
//! so a user's build never compiles k8s-openapi.

use serde_json::{json, Map, Value};
use std::sync::OnceLock;

pub const RESOURCE_REQUIREMENTS: &str = "io.k8s.api.core.v1.ResourceRequirements";
pub const AFFINITY: &str = "io.k8s.api.core.v1.Affinity";
pub const TOLERATION: &str = "io.k8s.api.core.v1.Toleration";
pub const POD_SECURITY_CONTEXT: &str = "io.k8s.api.core.v1.PodSecurityContext";
pub const SECURITY_CONTEXT: &str = "io.k8s.api.core.v1.SecurityContext";
pub const PROBE: &str = "io.k8s.api.core.v1.Probe";
pub const VOLUME: &str = "io.k8s.api.core.v1.Volume";
pub const VOLUME_MOUNT: &str = "io.k8s.api.core.v1.VolumeMount";
pub const TOPOLOGY_SPREAD_CONSTRAINT: &str = "io.k8s.api.core.v1.TopologySpreadConstraint";
pub const ENV_VAR: &str = "io.k8s.api.core.v1.EnvVar";
pub const ENV_FROM_SOURCE: &str = "io.k8s.api.core.v1.EnvFromSource";
pub const LOCAL_OBJECT_REFERENCE: &str = "io.k8s.api.core.v1.LocalObjectReference";
pub const INGRESS_TLS: &str = "io.k8s.api.networking.v1.IngressTLS";
pub const NETWORK_POLICY_PEER: &str = "io.k8s.api.networking.v1.NetworkPolicyPeer";
pub const NETWORK_POLICY_EGRESS_RULE: &str = "io.k8s.api.networking.v1.NetworkPolicyEgressRule";

/// Every bundled definition, by its Kubernetes name (`io.k8s.api.core.v1.Probe`):
/// the `definitions` of values.schema.json, beside the config's own.
pub fn definitions() -> &'static Map<String, Value> {
    static DEFINITIONS: OnceLock<Map<String, Value>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        // A constant of this crate, parsed by its unit tests: it cannot fail here.
        serde_json::from_str(include_str!("kube-definitions.json"))
            .expect("kube-definitions.json is a JSON object")
    })
}

/// `{"$ref": "#/definitions/<name>"}`, a reference to one bundled definition.
pub fn schema_ref(name: &str) -> Value {
    debug_assert!(definitions().contains_key(name), "{name} is not bundled");
    json!({ "$ref": format!("#/definitions/{name}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_used_is_bundled_and_every_ref_resolves() {
        let used = [
            RESOURCE_REQUIREMENTS,
            AFFINITY,
            TOLERATION,
            POD_SECURITY_CONTEXT,
            SECURITY_CONTEXT,
            PROBE,
            VOLUME,
            VOLUME_MOUNT,
            TOPOLOGY_SPREAD_CONSTRAINT,
            ENV_VAR,
            ENV_FROM_SOURCE,
            LOCAL_OBJECT_REFERENCE,
        ];
        for name in used {
            assert!(definitions().contains_key(name), "{name}");
        }
        fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    out.extend(map.get("$ref").and_then(Value::as_str));
                    map.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut targets = Vec::new();
        definitions().values().for_each(|d| refs(d, &mut targets));
        assert!(!targets.is_empty());
        for target in targets {
            let name = target.strip_prefix("#/definitions/").expect("a local ref");
            assert!(definitions().contains_key(name), "dangling {target}");
        }
    }

    #[test]
    fn quantities_are_numbers_or_strings() {
        let quantity = &definitions()["io.k8s.apimachinery.pkg.api.resource.Quantity"];
        assert_eq!(quantity["type"], json!(["string", "number"]));
        assert!(quantity["pattern"].as_str().is_some());
    }
}
