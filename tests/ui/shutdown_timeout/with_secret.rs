use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Seconds to drain connections after SIGTERM.
    #[gitops(shutdown_timeout, secret)]
    pub shutdown_timeout: String,
}

fn main() {}
