use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Probes need an absolute HTTP path.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "APP_", liveness = "healthz", readiness = "/ready now")]
pub struct Config {
    #[gitops(port = "http")]
    pub http_port: u16,
}

fn main() {}
