//! `Chart::config` says what `JsonSchema` is for.
use gitops_types::GitOps;
use serde::{Deserialize, Serialize};

/// A worker.
#[derive(Default, Serialize, Deserialize, GitOps)]
#[gitops(env_prefix = "WORKER_")]
pub struct Config {
    /// Queue to read jobs from.
    pub queue: String,
}

fn main() {
    let _ = gitops_gen::Chart::new("worker").config::<Config>();
}
