//! Shared by the integration tests: config structs that exercise every
//! supported shape ([`fixtures`]), the native render against Helm's
//! ([`differential`]), the values a chart's templates see
//! ([`effective_values`]), a client for the real-tool oracles
//! ([`oracle`]), what the kubelet makes of a render ([`pod`]), and the checks
//! every chart's environments and controller manifests pass
//! ([`environments`]), and crates built outside the workspace as a new user's
//! are ([`scratch_crate`]).

pub mod differential;
pub mod effective_values;
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
/// out of the test and a committer of its own; panics with git's message
/// on failure, else its stdout.
pub fn git(repo: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// A commit of this repository's HEAD with `edit` applied to the orders
/// example's deploy.rs, made in a scratch worktree (`name`, removed again),
/// for a base revision that differs from the working tree; its hash.
pub fn orders_commit_with(name: &str, edit: impl Fn(&str) -> String) -> String {
    let dir = scratch_dir(name).join("repo");
    let repo = workspace();
    git(&repo, &["worktree", "add", "--detach", "--quiet", dir.to_str().expect("UTF-8"), "HEAD"]);
    let deploy = dir.join("examples/orders/deploy.rs");
    let source = std::fs::read_to_string(&deploy).expect("read deploy.rs");
    let changed = edit(&source);
    assert_ne!(changed, source, "the edit changes deploy.rs");
    std::fs::write(&deploy, changed).expect("write deploy.rs");
    git(&dir, &["commit", "--quiet", "--no-verify", "-am", "test base"]);
    let commit = git(&dir, &["rev-parse", "HEAD"]).trim().to_owned();
    git(&repo, &["worktree", "remove", "--force", dir.to_str().expect("UTF-8")]);
    commit
}

/// Every file below `dir`, at any depth, in name order.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
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
