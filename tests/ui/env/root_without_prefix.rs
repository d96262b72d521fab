//! A struct with probes or a delivery mode is the root config, and a root
//! without `env_prefix` would read unprefixed variables without saying so.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An HTTP service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(liveness = "/healthz", readiness = "/readyz")]
pub struct Config {
    #[gitops(port = "http")]
    pub http_port: u16,
}

/// A worker reading its config from a file.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(delivery = "file")]
pub struct Worker {
    pub queue: String,
}

fn main() {}
