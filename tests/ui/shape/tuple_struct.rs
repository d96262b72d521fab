use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Port the HTTP server listens on.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct HttpPort(#[gitops(port = "http")] pub u16);

fn main() {}
