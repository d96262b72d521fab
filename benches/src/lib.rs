//! The config the benchmarks generate charts from, and helpers shared by the
//! benches and the tests. `Big` (1,000 leaves) is written by `build.rs`.

use gitops_types::model::{ConfigStruct, Role};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// `cargo test --all-targets` builds the lib's own test target even with
// `test = false`; it has no tests, so it leaves out `Big`, whose 1,000 fields
// would cost another ~10 s of compiling.
#[cfg(not(test))]
mod big {
    include!(concat!(env!("OUT_DIR"), "/big.rs"));
}
#[cfg(not(test))]
pub use big::*;

/// The chart every benchmark generates, with `Big` as its config.
#[cfg(not(test))]
pub fn big_chart() -> gitops_gen::Chart {
    gitops_gen::Chart::new("big").image("ghcr.io/acme/big").config::<Big>()
}

/// Leaves of a described struct, nested sections included, skipped fields not.
pub fn leaf_count(desc: &ConfigStruct) -> usize {
    desc.fields
        .iter()
        .filter(|f| f.role != Role::Skip)
        .map(|f| f.nested().map_or(1, |nested| leaf_count(&nested)))
        .sum()
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("gitops-benches-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
