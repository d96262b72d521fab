use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "HTTP_API")]
    pub http_port: u16,
    /// Port of the gRPC server.
    #[gitops(port = "grpc-internal-api")]
    pub grpc_port: u16,
    /// Port of the admin API.
    #[gitops(port = "-admin")]
    pub admin_port: u16,
}

fn main() {}
