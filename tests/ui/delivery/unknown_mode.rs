use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "PAYMENTS_", delivery = "volume")]
pub struct Config {
    /// Log level.
    pub log_level: String,
}

fn main() {}
