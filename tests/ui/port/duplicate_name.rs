use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the public API listens on.
    #[gitops(port = "http")]
    pub api_port: u16,
    /// Port the admin API listens on.
    #[gitops(port = "http")]
    pub admin_port: u16,
}

fn main() {}
