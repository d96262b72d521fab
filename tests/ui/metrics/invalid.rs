use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metrics paths that are no path, and a path on a field that is no port.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port of the metrics endpoint.
    #[gitops(port = "metrics", metrics = "metrics")]
    pub metrics_port: u16,
    /// Port of the admin API.
    #[gitops(port = "admin", metrics = "")]
    pub admin_port: u16,
    /// Not a port at all.
    #[gitops(metrics = "/metrics")]
    pub sample_ratio: f64,
}

fn main() {}
