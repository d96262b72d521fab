use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Filled in at start-up from the vault, never read from config.
    #[serde(skip)]
    #[gitops(secret)]
    pub vault_token: String,
}

fn main() {}
