use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the payment provider.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Provider {
    /// Base URL of the provider's API.
    pub api_url: String,
    /// Timeout of one call, in milliseconds.
    pub timeout_ms: u32,
}

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// The provider's settings, inlined.
    #[serde(flatten)]
    pub provider: Provider,
}

fn main() {}
