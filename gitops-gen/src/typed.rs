//! The typed render (feature `typed`): each object Helm would apply as a
//! `k8s-openapi` type, and the custom resources the chart emits
//! (`ExternalSecret`, `SealedSecret`, `HTTPRoute`, `ServiceMonitor`, `PodMonitor`, `Rollout`,
//! `AnalysisTemplate`) as structs of their own, strict about the
//! fields gitops-gen writes (an unknown field is an error) and open
//! (`serde_json::Value`) where a values file passes Kubernetes-shaped
//! objects through (an HTTPRoute's parentRefs, matches and filters).

use crate::foundation::error::Error;
use crate::native_render::Rendered;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodTemplateSpec, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A custom resource the chart emits: its kind's `apiVersion`, `kind` and
/// metadata, and a `spec` of its own type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomResource<Spec> {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

/// One rendered object, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TypedObject {
    ConfigMap(Box<ConfigMap>),
    Deployment(Box<Deployment>),
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    Ingress(Box<Ingress>),
    Job(Box<Job>),
    NetworkPolicy(Box<NetworkPolicy>),
    Role(Box<Role>),
    RoleBinding(Box<RoleBinding>),
    ClusterRole(Box<ClusterRole>),
    ClusterRoleBinding(Box<ClusterRoleBinding>),
    Pod(Box<Pod>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    Service(Box<Service>),
    ServiceAccount(Box<ServiceAccount>),
    ExternalSecret(Box<ExternalSecret>),
    SealedSecret(Box<SealedSecret>),
    HttpRoute(Box<HttpRoute>),
    ServiceMonitor(Box<ServiceMonitor>),
    PodMonitor(Box<PodMonitor>),
    Rollout(Box<Rollout>),
    AnalysisTemplate(Box<AnalysisTemplate>),
}

/// `argoproj.io/v1alpha1` `Rollout`, as the chart writes it: the
/// Deployment's pod template, released by canary steps.
pub type Rollout = CustomResource<RolloutSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutSpec {
    /// Absent while autoscaling owns the count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub revision_history_limit: i32,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    pub strategy: RolloutStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutStrategy {
    pub canary: CanaryStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanaryStrategy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_service: Option<String>,
    /// The traffic router plugin's settings, free-form as the CRD has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_routing: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Value>,
    /// Each a `setWeight` or a `pause`.
    pub steps: Vec<Value>,
}

/// `argoproj.io/v1alpha1` `AnalysisTemplate`, as the chart writes it; its
/// spec (its arguments and its one Prometheus metric) left open.
pub type AnalysisTemplate = CustomResource<Value>;

/// `monitoring.coreos.com/v1` `ServiceMonitor`, as the chart writes it.
pub type ServiceMonitor = CustomResource<ServiceMonitorSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitorSpec {
    pub selector: LabelSelector,
    pub endpoints: Vec<MetricsEndpoint>,
}

/// `monitoring.coreos.com/v1` `PodMonitor`, as the chart writes it.
pub type PodMonitor = CustomResource<PodMonitorSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMonitorSpec {
    pub selector: LabelSelector,
    pub pod_metrics_endpoints: Vec<MetricsEndpoint>,
}

/// One scraped port: a ServiceMonitor's endpoint or a PodMonitor's pod
/// metrics endpoint, which share these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsEndpoint {
    pub port: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// `bitnami.com/v1alpha1` `SealedSecret`, as the chart writes it.
pub type SealedSecret = CustomResource<SealedSecretSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecretSpec {
    /// Each Secret key's ciphertext.
    pub encrypted_data: std::collections::BTreeMap<String, String>,
    /// The Secret the controller makes: its metadata.
    pub template: SealedSecretTemplate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecretTemplate {
    pub metadata: ObjectMeta,
}

/// `external-secrets.io/v1` `ExternalSecret`, as the chart writes it.
pub type ExternalSecret = CustomResource<ExternalSecretSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretSpec {
    pub refresh_interval: String,
    pub secret_store_ref: SecretStoreRef,
    pub target: ExternalSecretTarget,
    /// Absent when every secret is optional and the values map none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<ExternalSecretData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretStoreRef {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretTarget {
    pub name: String,
    pub creation_policy: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretData {
    pub secret_key: String,
    pub remote_ref: RemoteRef,
}

/// Where the store holds one key (the values' `remoteRefs` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteRef {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `gateway.networking.k8s.io/v1` `HTTPRoute`, as the chart writes it.
pub type HttpRoute = CustomResource<HttpRouteSpec>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteSpec {
    /// The Gateways, as the values give them.
    pub parent_refs: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostnames: Option<Vec<String>>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteRule {
    pub backend_refs: Vec<BackendRef>,
    /// As the values give them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<Value>>,
    /// As the values give them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendRef {
    pub name: String,
    pub port: i32,
    /// Absent while a canary is on: Argo Rollouts' plugin sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// What a controller applies of `rendered`, typed; an object of a kind the
/// chart does not emit, or that does not fit its type, is an error naming it.
pub fn typed(rendered: &Rendered) -> Result<Vec<TypedObject>, Error> {
    rendered
        .applied()
        .map(|o| typed_object(&o.object).map_err(|e| Error::Render(format!("{}: {e}", o.template))))
        .collect()
}

fn typed_object(object: &Value) -> Result<TypedObject, String> {
    fn parse<T: serde::de::DeserializeOwned>(object: &Value) -> Result<Box<T>, String> {
        T::deserialize(object).map(Box::new).map_err(|e| e.to_string())
    }
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    Ok(match (api_version, kind) {
        ("v1", "ConfigMap") => TypedObject::ConfigMap(parse(object)?),
        ("v1", "Pod") => TypedObject::Pod(parse(object)?),
        ("v1", "Service") => TypedObject::Service(parse(object)?),
        ("v1", "ServiceAccount") => TypedObject::ServiceAccount(parse(object)?),
        ("apps/v1", "Deployment") => TypedObject::Deployment(parse(object)?),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            TypedObject::HorizontalPodAutoscaler(parse(object)?)
        }
        ("batch/v1", "Job") => TypedObject::Job(parse(object)?),
        ("networking.k8s.io/v1", "Ingress") => TypedObject::Ingress(parse(object)?),
        ("networking.k8s.io/v1", "NetworkPolicy") => TypedObject::NetworkPolicy(parse(object)?),
        ("policy/v1", "PodDisruptionBudget") => TypedObject::PodDisruptionBudget(parse(object)?),
        ("external-secrets.io/v1", "ExternalSecret") => TypedObject::ExternalSecret(parse(object)?),
        ("bitnami.com/v1alpha1", "SealedSecret") => TypedObject::SealedSecret(parse(object)?),
        ("gateway.networking.k8s.io/v1", "HTTPRoute") => TypedObject::HttpRoute(parse(object)?),
        ("monitoring.coreos.com/v1", "ServiceMonitor") => {
            TypedObject::ServiceMonitor(parse(object)?)
        }
        ("monitoring.coreos.com/v1", "PodMonitor") => TypedObject::PodMonitor(parse(object)?),
        ("argoproj.io/v1alpha1", "Rollout") => TypedObject::Rollout(parse(object)?),
        ("argoproj.io/v1alpha1", "AnalysisTemplate") => {
            TypedObject::AnalysisTemplate(parse(object)?)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => TypedObject::Role(parse(object)?),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => TypedObject::RoleBinding(parse(object)?),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => TypedObject::ClusterRole(parse(object)?),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            TypedObject::ClusterRoleBinding(parse(object)?)
        }
        (api_version, kind) => {
            return Err(format!("{api_version} {kind} is not a kind the chart emits"))
        }
    })
}
