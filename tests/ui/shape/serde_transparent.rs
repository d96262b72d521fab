use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the payment provider, read as the bare URL.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(transparent)]
pub struct Provider {
    /// Base URL of the provider's API.
    pub api_url: String,
}

fn main() {}
