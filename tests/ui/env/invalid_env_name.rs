use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Key for the admin API.
    #[gitops(secret, env = "ADMIN-API-KEY")]
    pub admin_api_key: String,
}

fn main() {}
