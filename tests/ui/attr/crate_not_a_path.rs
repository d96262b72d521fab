use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service; the platform crate's package name, not its path.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(crate = "acme-platform::gitops", env_prefix = "PAYMENTS_")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
}

fn main() {}
