//! `#[gitops(crate = "...")]`: gitops-types reached only through a re-export.
//!
//! `::gitops_types` is shadowed by `core` here, so an expansion that ignored
//! the attribute and named `::gitops_types` would not compile.
extern crate core as gitops_types;

/// Stands in for a shared crate that re-exports gitops-types.
mod platform {
    pub extern crate gitops_types as gitops;
}

use platform::gitops::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A payment service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(crate = "crate::platform::gitops", env_prefix = "PAYMENTS_")]
pub struct Config {
    /// Port the HTTP server listens on.
    #[gitops(port = "http")]
    pub http_port: u16,
    /// Postgres connection string.
    #[gitops(secret)]
    pub database_url: String,
    /// Settings of the payment provider.
    pub provider: Provider,
}

/// Settings of the payment provider; a relative path works too.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(crate = "platform::gitops")]
pub struct Provider {
    /// Base URL of the provider's API.
    pub api_url: String,
}

fn main() {
    let config = <Config as crate::platform::gitops::GitOps>::describe();
    assert_eq!(config.env_prefix, Some("PAYMENTS_"));
    let provider = config.fields.iter().find(|f| f.key == "provider").unwrap();
    let nested = provider.nested.expect("Provider is found to derive GitOps")();
    assert_eq!(nested.rust_name, "Provider");
    assert_eq!(<Provider as GitOps>::describe().fields.len(), 1);
}
