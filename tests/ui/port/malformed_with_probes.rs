//! A `port` whose value is malformed is reported once: the probes still
//! see the port the field is meant to be, and say nothing.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// No value.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "APP_", liveness = "/healthz", readiness = "/readyz")]
pub struct Bare {
    #[gitops(port)]
    pub http_port: u16,
}

/// A number where the port's name goes.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "APP_", liveness = "/healthz", startup = "/healthz")]
pub struct Numbered {
    #[gitops(port = 8080)]
    pub http_port: u16,
}

fn main() {}
