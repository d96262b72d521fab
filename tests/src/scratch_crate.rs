//! A fresh crate outside the workspace, built as a new user's would be: its
//! own Cargo.toml and Cargo.lock, the gitops-rs crates by path. The quick
//! start, `cargo gitops init` and `import`'s output are proved by building one.
//!
//! Builds are offline (tests reach nothing but localhost), from a copy of the
//! workspace's Cargo.lock, so every crate it can need is already in cargo's
//! cache at the workspace's versions. They share one target directory,
//! `target/tests/scratch`, kept between runs: not the workspace's own, whose
//! lock the running `cargo test` holds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate in a fresh directory under the system's temporary directory.
pub struct ScratchCrate {
    pub dir: PathBuf,
}

impl ScratchCrate {
    /// An empty directory for the crate `name` (any previous one removed).
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("gitops-scratch-{}", std::process::id())).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch crate dir");
        ScratchCrate { dir }
    }

    /// Writes `text` at `path`, relative to the crate, creating directories.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a file in the crate")).expect("create dir");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads `path`, relative to the crate.
    pub fn read(&self, path: &str) -> String {
        let path = self.dir.join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// `program args…` in the crate's directory, with cargo offline and the
    /// shared target directory; the workspace's Cargo.lock is copied in first
    /// if the crate has none.
    pub fn run(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
        let lock = self.dir.join("Cargo.lock");
        if !lock.exists() {
            std::fs::copy(crate::workspace().join("Cargo.lock"), &lock).expect("copy Cargo.lock");
        }
        Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO_NET_OFFLINE", "true")
            .output()
            .expect("start a process in the scratch crate")
    }

    /// `cargo args…` (the cargo running these tests) in the crate.
    pub fn cargo(&self, args: &[&str]) -> Output {
        self.run(cargo(), args)
    }
}

impl Drop for ScratchCrate {
    /// Removes the crate, unless the test failed: then it stays for a look.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
            // The process's directory goes with its last crate (only when empty).
            if let Some(parent) = self.dir.parent() {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
}

/// The cargo that runs the tests, as cargo tells its children.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map(PathBuf::from).unwrap_or_else(|| "cargo".into())
}

/// Where every scratch crate builds.
pub fn target_dir() -> PathBuf {
    crate::workspace().join("target").join("tests").join("scratch")
}

/// Panics with the process's output unless it succeeded.
pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A path as TOML and Rust source write it (forward slashes, quoted by the caller).
pub fn path_text(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").replace('\\', "/")
}

/// A process's stdout and then its stderr, as text: what a user reads.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
