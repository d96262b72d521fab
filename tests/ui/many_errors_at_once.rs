//! Several mistakes in one struct: one build reports them all.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "payments_")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Port the admin API listens on.
    #[gitops(port = "http")]
    pub admin_port: u16,
    /// Postgres connection string.
    #[gitops(secrt)]
    pub database_url: String,
    /// Signs the provider's webhooks.
    #[gitops(secret)]
    pub webhook_secret: Vec<u8>,
    /// Key for the admin API.
    #[gitops(env = "ADMIN KEY")]
    pub admin_key: String,
    /// Build metadata.
    #[gitops(skip, port = "build")]
    pub build_info: String,
}

fn main() {}
