use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port of the debug server, never exposed.
    #[gitops(skip, port = "debug")]
    pub debug_port: u16,
    /// Token of the local dev tooling.
    #[gitops(skip, secret)]
    pub dev_token: String,
    /// Build metadata.
    #[gitops(skip, env = "BUILD_INFO")]
    pub build_info: String,
}

fn main() {}
