use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Address the HTTP server listens on, e.g. "0.0.0.0:8080".
    #[gitops(port = "http")]
    pub listen_addr: String,
}

fn main() {}
