use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "PAYMENTS_")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    #[gitops(port = "web")]
    pub http_port: u16,
    /// Signs the provider's webhooks.
    #[gitops(secret, secret)]
    pub webhook_secret: String,
}

fn main() {}
