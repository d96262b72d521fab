//! The worker's configuration. It lives in its own crate so that both the
//! worker and the worker's `build.rs` can depend on it: the second way to give
//! a build script the config type (the first, `#[path]`, is in `orders`).

use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Background worker: takes jobs from a queue and runs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "camelCase", default)]
#[gitops(env_prefix = "WORKER_", delivery = "file")]
pub struct Config {
    /// Queue to take jobs from.
    #[schemars(length(min = 1, max = 128))]
    pub queue: String,
    /// Jobs run at once.
    #[schemars(range(min = 1, max = 64))]
    pub concurrency: u8,
    /// Seconds a job may run before it is abandoned.
    #[schemars(range(min = 1, max = 3600))]
    pub job_timeout_seconds: u32,
    /// Credentials of the queue broker, e.g. `amqp://user:pass@broker/vhost`.
    #[gitops(secret, env = "BROKER_URL")]
    pub broker_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            queue: "jobs".into(),
            concurrency: 4,
            job_timeout_seconds: 300,
            broker_url: String::new(),
        }
    }
}
