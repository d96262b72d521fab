//! `env_prefix = ""`: a root that reads unprefixed variables by choice.
use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An HTTP service.
#[derive(Serialize, Deserialize, JsonSchema, GitOps)]
#[gitops(env_prefix = "", liveness = "/healthz")]
pub struct Config {
    #[gitops(port = "http")]
    pub port: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config { port: 8080 }
    }
}

fn main() {
    assert_eq!(<Config as GitOps>::describe().env_prefix, Some(""));
    let files = gitops_gen::Chart::new("web").image("web").config::<Config>().generate().unwrap().chart;
    assert!(files["values.yaml"].contains("Env var: `PORT`."));
    let loaded: Config = gitops_types::Loader::with_vars([("PORT", "9090"), ("HOME", "/root")])
        .load()
        .unwrap();
    assert_eq!(loaded.port, 9090);
}
