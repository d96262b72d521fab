use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A service with provider-specific settings.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config<P> {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Settings of the payment provider.
    pub provider: P,
}

fn main() {}
