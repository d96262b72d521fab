//! Shared by the integration tests: config structs that exercise every
//! supported shape ([`fixtures`]), a client for the real-tool oracles
//! ([`oracle`]), what the kubelet makes of a render ([`pod`]), and the checks
//! every chart's environments and controller manifests pass
//! ([`environments`]), and crates built outside the workspace as a new user's
//! are ([`scratch_crate`]).

pub mod environments;
pub mod fixtures;
pub mod oracle;
pub mod pod;
pub mod scratch_crate;

use std::path::PathBuf;

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned()
}

/// A fresh, empty directory under `target/test-output/` for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace().join("target").join("test-output").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}
