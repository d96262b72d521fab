use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Base URL of the provider's API, renamed on the wire one way only.
    #[serde(rename(serialize = "apiUrl", deserialize = "api_url"))]
    pub provider_url: String,
}

/// Settings of the payment provider, camelCase on output only.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Provider {
    /// Timeout of one call, in milliseconds.
    pub timeout_ms: u32,
}

fn main() {}
