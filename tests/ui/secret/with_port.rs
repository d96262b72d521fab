use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port of the admin API, which should stay unknown.
    #[gitops(secret, port = "admin")]
    pub admin_port: u16,
}

fn main() {}
