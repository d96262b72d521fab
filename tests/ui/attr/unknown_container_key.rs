use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(prefix = "PAYMENTS_")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Log verbosity.
    pub log_level: String,
}

fn main() {}
