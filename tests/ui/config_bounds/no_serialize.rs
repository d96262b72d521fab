//! `Chart::config` says what `Serialize` is for.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::Deserialize;

/// A worker.
#[derive(Default, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "WORKER_")]
pub struct Config {
    /// Queue to read jobs from.
    pub queue: String,
}

fn main() {
    let _ = gitops_gen::Chart::new("worker").config::<Config>();
}
