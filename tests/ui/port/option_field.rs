use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port of the metrics endpoint; metrics are off without it.
    #[gitops(port = "metrics")]
    pub metrics_port: Option<u16>,
}

fn main() {}
