//! Kubernetes' own schemas (Kubernetes 1.33) for the values keys that hold
//! Kubernetes objects. Two kinds:
//!
//! - in full, for the keys users set most (`resources`, the probes, the
//!   security contexts, `tolerations`, `imagePullSecrets`, `extraEnv`,
//!   `volumeMounts`, `strategy`, `dnsConfig`, `hostAliases`): `helm install` rejects `cpu: {}`, a misspelt `runAsUsr`
//!   or a probe without a port, with the key's path, instead of the API
//!   server at sync time;
//! - shallow, for the rest (`volumes`, `affinity`, `topologySpreadConstraints`,
//!   `extraEnvFrom`, `initContainers`, ingress `tls`, network policy peers
//!   and egress rules):
//!   an object with Kubernetes' field names and required fields, one
//!   `propertyNames` enum; the API server checks the rest. Their full schemas
//!   would be most of values.schema.json, which Helm compiles on every render
//!   (BENCHMARKS.md, "Render cost"; docs/chart.md's table says what moved).
//!
//! The definitions are a pinned copy, `kube-definitions.json`, without
//! descriptions, rewritten for Helm's draft-07 validator (unknown fields
//! rejected as Kubernetes' strict decoding does, quantities as numbers or
//! strings of Kubernetes' quantity grammar, integers bounded).
//! `tests/tests/kube_definitions.rs` generates it from k8s-openapi and fails
//! when the committed copy differs (`GITOPS_BLESS=1` rewrites it). The copy is
//! bundled, not generated here, so a user's build never compiles k8s-openapi.
//! A chart carries only the definitions its keys reach ([`reachable`]).

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
pub const DEPLOYMENT_STRATEGY: &str = "io.k8s.api.apps.v1.DeploymentStrategy";
pub const POD_DNS_CONFIG: &str = "io.k8s.api.core.v1.PodDNSConfig";
pub const HOST_ALIAS: &str = "io.k8s.api.core.v1.HostAlias";
pub const CONTAINER: &str = "io.k8s.api.core.v1.Container";
pub const INGRESS_TLS: &str = "io.k8s.api.networking.v1.IngressTLS";
pub const NETWORK_POLICY_PEER: &str = "io.k8s.api.networking.v1.NetworkPolicyPeer";
pub const NETWORK_POLICY_EGRESS_RULE: &str = "io.k8s.api.networking.v1.NetworkPolicyEgressRule";

/// Every bundled definition, by its Kubernetes name (`io.k8s.api.core.v1.Probe`).
/// Parsed once per process: a build script may generate several charts, and
/// parsing is the one cost here that does not depend on the chart.
pub fn definitions() -> &'static Map<String, Value> {
    static DEFINITIONS: OnceLock<Map<String, Value>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        // A constant of this crate, parsed by its unit tests: it cannot fail here.
        serde_json::from_str(include_str!("kube-definitions.json"))
            .expect("kube-definitions.json is a JSON object")
    })
}

/// The bundled definitions `schemas` refer to, directly or through one
/// another, and no others: Helm checks every definition in
/// values.schema.json against the draft-07 meta-schema on every render, used
/// or not (BENCHMARKS.md, "Render cost").
pub fn reachable(schemas: &Map<String, Value>) -> Map<String, Value> {
    let all = definitions();
    let mut todo: Vec<&str> = Vec::new();
    schemas.values().for_each(|schema| refs(schema, &mut todo));
    let mut kept = Map::new();
    while let Some(target) = todo.pop() {
        let name = target.strip_prefix("#/definitions/").unwrap_or(target);
        if let (Some(schema), false) = (all.get(name), kept.contains_key(name)) {
            refs(schema, &mut todo);
            kept.insert(name.to_owned(), schema.clone());
        }
    }
    kept
}

/// Every `$ref` in `value` (Kubernetes has no property named `$ref`).
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

/// `{"$ref": "#/definitions/<name>"}`, a reference to one bundled definition.
pub fn schema_ref(name: &str) -> Value {
    debug_assert!(definitions().contains_key(name), "{name} is not bundled");
    json!({ "$ref": format!("#/definitions/{name}") })
}

/// Argo CD's name for the cluster it runs in.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// RFC 1123 label: what Kubernetes accepts as a namespace name.
pub fn is_dns_label(s: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !s.is_empty()
        && s.len() <= 63
        && edge(s.chars().next())
        && edge(s.chars().last())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// RFC 1123 subdomain: what Kubernetes accepts as most object names.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && !s.is_empty() && s.split('.').all(is_dns_label)
}

/// Kubernetes' qualified name (a label's or annotation key's name part): 1
/// to 63 letters, digits, `-`, `_` and `.`, alphanumeric at both ends.
pub fn is_qualified_name(s: &str) -> bool {
    !s.is_empty() && is_label_value(s)
}

/// A label value: a qualified name, or empty.
pub fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
        && s.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
}

/// A label key: `[prefix/]name`, the prefix a DNS subdomain.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(is_dns_subdomain) && is_qualified_name(name)
}

/// A duration as Flux's CRDs take it: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
/// (helm-controller `api/v2/helmrelease_types.go`, source-controller
/// `api/v1/gitrepository_types.go`): `300ms`, `10m`, `1h30m`, `1.5h`; not
/// Go's `ns`/`us` units nor a fraction without its integer part (`.5m`).
pub fn is_flux_duration(s: &str) -> bool {
    let mut rest = s;
    let mut parts = 0;
    while !rest.is_empty() {
        let whole = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if whole == 0 {
            return false;
        }
        rest = &rest[whole..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
            if digits == 0 {
                return false;
            }
            rest = &fraction[digits..];
        }
        let Some(unit) = ["ms", "s", "m", "h"].into_iter().find(|u| rest.starts_with(u)) else {
            return false;
        };
        rest = &rest[unit.len()..];
        parts += 1;
    }
    parts > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names values.rs uses: in full, then shallow.
    const FULL: [&str; 11] = [
        RESOURCE_REQUIREMENTS,
        TOLERATION,
        POD_SECURITY_CONTEXT,
        SECURITY_CONTEXT,
        PROBE,
        VOLUME_MOUNT,
        ENV_VAR,
        LOCAL_OBJECT_REFERENCE,
        DEPLOYMENT_STRATEGY,
        POD_DNS_CONFIG,
        HOST_ALIAS,
    ];
    const SHALLOW: [&str; 8] = [
        VOLUME,
        CONTAINER,
        AFFINITY,
        TOPOLOGY_SPREAD_CONSTRAINT,
        ENV_FROM_SOURCE,
        INGRESS_TLS,
        NETWORK_POLICY_PEER,
        NETWORK_POLICY_EGRESS_RULE,
    ];

    #[test]
    fn every_name_used_is_bundled_and_every_ref_resolves() {
        for name in FULL {
            assert_eq!(definitions()[name]["additionalProperties"], false, "{name} in full");
        }
        for name in SHALLOW {
            let schema = &definitions()[name];
            assert!(schema["propertyNames"]["enum"].is_array(), "{name} shallow");
            assert!(schema.get("properties").is_none(), "{name} shallow");
        }
        let mut targets = Vec::new();
        definitions().values().for_each(|d| refs(d, &mut targets));
        assert!(!targets.is_empty());
        for target in targets {
            let name = target.strip_prefix("#/definitions/").expect("a local ref");
            assert!(definitions().contains_key(name), "dangling {target}");
        }
        let every: Map<String, Value> =
            FULL.iter().chain(&SHALLOW).map(|name| (name.to_string(), schema_ref(name))).collect();
        assert_eq!(&reachable(&every), definitions(), "nothing bundled is unused");
    }

    #[test]
    fn only_reachable_definitions_are_kept() {
        let keys = json!({"a": {"items": schema_ref(PROBE)}, "b": {"type": "string"}});
        let kept = reachable(keys.as_object().unwrap());
        let names: Vec<&str> = kept.keys().map(String::as_str).collect();
        assert!(names.contains(&PROBE) && names.contains(&"io.k8s.api.core.v1.HTTPGetAction"));
        assert!(names.contains(&"io.k8s.apimachinery.pkg.util.intstr.IntOrString"), "{names:?}");
        assert!(!names.contains(&RESOURCE_REQUIREMENTS) && !names.contains(&VOLUME), "{names:?}");
        assert!(reachable(&Map::new()).is_empty());
    }

    #[test]
    fn quantities_are_numbers_or_strings() {
        let quantity = &definitions()["io.k8s.apimachinery.pkg.api.resource.Quantity"];
        assert_eq!(quantity["type"], json!(["string", "number"]));
        assert!(quantity["pattern"].as_str().is_some());
    }

    #[test]
    fn dns_labels() {
        for ok in ["dev", "prod-eu-1", "a", "0a"] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "Prod", "prod_1", "-dev", "dev-", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn flux_durations() {
        for ok in ["10m", "1h30m", "300ms", "1.5h", "45s", "2h45m30s"] {
            assert!(is_flux_duration(ok), "{ok}");
        }
        // Go takes the last four; the CRDs' pattern does not.
        for bad in ["", "10", "m", "10 m", "10min", "-5m", "1d", "1.m", "10ns", "5us", "3µs", ".5m"]
        {
            assert!(!is_flux_duration(bad), "{bad}");
        }
    }
}
