//! Shared by the integration tests: config structs that exercise every
//! supported shape ([`fixtures`]), the native render against Helm's
//! ([`differential`]), a client for the real-tool oracles
//! ([`oracle`]), what the kubelet makes of a render ([`pod`]), and the checks
//! every chart's environments and controller manifests pass
//! ([`environments`]), and crates built outside the workspace as a new user's
//! are ([`scratch_crate`]).

pub mod differential;
pub mod environments;
pub mod fixtures;
pub mod oracle;
pub mod pod;
pub mod scratch_crate;
pub mod switches;

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

/// `git -C repo args…` with the user's own git settings (signing, hooks) kept
/// out of the test; panics with git's message on failure, else its stdout.
pub fn git(repo: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Copies the directory `from` to `to`, recursively (a chart, say).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("read dir entry").path();
        let target = to.join(path.file_name().expect("a named entry"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}
