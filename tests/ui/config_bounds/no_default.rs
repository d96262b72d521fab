//! `Chart::config` says what `Default` is for.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A worker.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "WORKER_")]
pub struct Config {
    /// Queue to read jobs from.
    pub queue: String,
}

fn main() {
    let _ = gitops_gen::Chart::new("worker").config::<Config>();
}
