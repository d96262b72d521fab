//! `Chart::config` says that the struct needs `#[derive(GitOps)]`.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A worker.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Config {
    /// Queue to read jobs from.
    pub queue: String,
}

fn main() {
    let _ = gitops_gen::Chart::new("worker").config::<Config>();
}
