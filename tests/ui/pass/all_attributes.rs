//! Every `#[gitops(...)]` attribute used correctly, beside the serde
//! attributes the derive honours.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase")]
#[gitops(env_prefix = "PAYMENTS_", liveness = "/healthz", readiness = "/readyz", startup = "/healthz")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Port of the metrics endpoint.
    #[gitops(port = "metrics")]
    pub metrics_port: u32,
    /// Postgres connection string.
    #[gitops(secret)]
    pub database_url: String,
    /// Key for the admin API; the admin API is off without it.
    #[gitops(secret, env = "ADMIN_API_KEY")]
    pub admin_api_key: Option<String>,
    /// Log verbosity, under an exact variable name.
    #[gitops(env = "RUST_LOG")]
    pub log_level: String,
    /// Seconds to drain requests after SIGTERM; sizes the pod's grace period.
    #[gitops(shutdown_timeout)]
    pub shutdown_timeout_seconds: u32,
    /// serde reads it, the chart leaves it alone.
    #[gitops(skip)]
    pub build_info: String,
    /// Wire name differs from the Rust name.
    #[serde(rename = "region")]
    pub deployment_region: String,
    /// Kept in memory only; never configured.
    #[serde(skip)]
    pub started: bool,
    /// Settings of the payment provider.
    pub provider: Provider,
}

/// Settings of the payment provider.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "kebab-case")]
pub struct Provider {
    /// Base URL of the provider's API.
    pub api_url: String,
    /// Signs the provider's webhooks.
    #[gitops(secret)]
    pub webhook_secret: String,
    /// Retries before a payment fails.
    pub retries: Option<u8>,
}

fn main() {
    let config = <Config as GitOps>::describe();
    assert_eq!(config.env_prefix, Some("PAYMENTS_"));
    assert_eq!(config.probes.readiness, Some("/readyz"));
    assert_eq!(config.fields.len(), 9, "the serde-skipped field is not described");
    let timeout = config.fields.iter().find(|f| f.key == "shutdownTimeoutSeconds").unwrap();
    assert_eq!(timeout.role, gitops_types::model::Role::ShutdownTimeout);
    assert!(config.fields.iter().any(|f| f.nested.is_some()));
}
