use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// Seconds to drain HTTP connections after SIGTERM.
    #[gitops(shutdown_timeout)]
    pub http_drain_seconds: u32,
    /// Seconds to finish queued jobs after SIGTERM.
    #[gitops(shutdown_timeout)]
    pub job_drain_seconds: u32,
}

fn main() {}
