use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "PAYMENTS_")]
pub struct Config {
    /// Port the HTTP server listens on: env var `PAYMENTS_HTTP_PORT`.
    pub http_port: u16,
    /// Kept for old deployments; its key also becomes `PAYMENTS_HTTP_PORT`.
    #[serde(rename = "HTTP_PORT")]
    pub legacy_http_port: u16,
    /// Postgres connection string.
    #[gitops(secret)]
    pub database_url: String,
    /// Read-only replica, overridden onto the same variable by mistake.
    #[gitops(secret, env = "PAYMENTS_DATABASE_URL")]
    pub replica_url: Option<String>,
}

fn main() {}
