use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = PAYMENTS)]
pub struct Config {
    /// Port the HTTP server listens on: the port number instead of its name.
    #[gitops(port = 8080)]
    pub http_port: u16,
    /// Signs the provider's webhooks: `secret` is a flag, not a value.
    #[gitops(secret = "yes")]
    pub webhook_secret: String,
    /// Build metadata: `skip` is a flag too.
    #[gitops(skip = true)]
    pub build_info: String,
    /// Key for the admin API.
    #[gitops(env = ADMIN_KEY)]
    pub admin_key: String,
}

fn main() {}
