use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
pub struct Config {
    /// PIN of the card terminal.
    #[gitops(secret)]
    pub terminal_pin: u16,
    /// Whether the sandbox is used; not a secret at all.
    #[gitops(secret)]
    pub sandbox: bool,
    /// Keys accepted for the admin API.
    #[gitops(secret)]
    pub admin_keys: Vec<String>,
    /// An optional wrapper does not make a number text.
    #[gitops(secret)]
    pub backup_pin: Option<u32>,
}

fn main() {}
