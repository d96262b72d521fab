use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A service whose metrics port names no path to scrape.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port of the metrics endpoint.
    #[gitops(port = "metrics", metrics)]
    pub metrics_port: u16,
}

fn main() {}
