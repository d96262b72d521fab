//! `json` keeps a plain value as one JSON value; a secret arrives as text.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "APP_")]
pub struct Config {
    #[gitops(secret, json)]
    pub token: String,
}

fn main() {}
