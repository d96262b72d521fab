//! `#[gitops(json)]`: a struct without `GitOps` kept as one JSON value, by
//! choice; without it, generation refuses the field (tests/refuse.rs).
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A proxy.
#[derive(Default, Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "PROXY_")]
pub struct Config {
    /// Where requests go, as one value: `{"host": "…", "port": 80}`.
    #[gitops(json)]
    pub upstream: Upstream,
    /// A label, read as JSON too (`"text"` in its variable).
    #[gitops(json, env = "PROXY_LABEL")]
    pub label: String,
}

/// A type of another crate's, say, that cannot derive `GitOps`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Upstream {
    pub host: String,
    pub port: u16,
}

fn main() {
    let config = <Config as GitOps>::describe();
    assert_eq!(config.fields[0].role, gitops_types::model::Role::Json);
    let files = gitops_gen::Chart::new("proxy").image("proxy").config::<Config>().generate().unwrap().chart;
    assert!(files["values.yaml"].contains("Env var: `PROXY_UPSTREAM`."));
    let loaded: Config = gitops_types::Loader::with_vars([
        ("PROXY_UPSTREAM", r#"{"host": "backend", "port": 8080}"#),
        ("PROXY_LABEL", r#""edge""#),
    ])
    .load()
    .unwrap();
    assert_eq!((loaded.upstream.host.as_str(), loaded.upstream.port), ("backend", 8080));
    assert_eq!(loaded.label, "edge");
}
