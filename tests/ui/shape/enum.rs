use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where payments go.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Stripe { api_key: String },
    Sandbox,
}

fn main() {}
