use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A worker has no port, so there is nothing to probe over HTTP.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "APP_", liveness = "/healthz")]
pub struct Config {
    pub queue: String,
}

fn main() {}
