use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the HTTP server listens on: the port's name is missing.
    #[gitops(port)]
    pub http_port: u16,
}

fn main() {}
