//! Checks behind the benchmarks (not timings): `Big` really has 1,000
//! leaves, and regenerating an unchanged chart writes nothing.
//!
//! Integration tests rather than unit tests in src/lib.rs: a lib test target
//! would compile the 1,000-field `Big` a second time (about 14 s on 2 cores).

use gitops_benches::{big_chart, leaf_count, Big, TempDir, BIG_LEAVES};
use gitops_types::GitOps;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[test]
fn big_has_1000_leaves() {
    assert_eq!(BIG_LEAVES, 1000);
    assert_eq!(leaf_count(&Big::describe()), 1000);
}

#[test]
fn configmap_carries_1000_env_vars() {
    let files = big_chart().generate().map(|g| g.chart).expect("Big generates a chart");
    let configmap = &files["templates/configmap.yaml"];
    let vars = configmap.lines().filter(|l| l.trim_start().starts_with("BIG_")).count();
    assert_eq!(vars, 1000, "env vars in the ConfigMap");
    // Nested two levels deep: group, section, leaf.
    assert!(configmap.contains("BIG_GROUP4__SECTION49__VERBOSE19:"), "{configmap}");
}

/// Every file under `dir`: its mtime and inode (a rewrite by rename changes both).
fn stamps(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, (SystemTime, u64)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                walk(&entry.path(), out);
            } else {
                #[cfg(unix)]
                let ino = std::os::unix::fs::MetadataExt::ino(&meta);
                #[cfg(not(unix))]
                let ino = 0;
                out.insert(entry.path(), (meta.modified().unwrap(), ino));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

#[test]
fn noop_regeneration_writes_nothing() {
    let tmp = TempDir::new("noop-test");
    let chart = big_chart();
    let first = chart.write(&gitops_gen::Outputs::chart(tmp.path())).unwrap().chart;
    assert!(!first.written.is_empty());
    let before = stamps(tmp.path());
    // Past any coarse mtime granularity, so a rewrite would show.
    std::thread::sleep(std::time::Duration::from_millis(20));

    let second = chart.write(&gitops_gen::Outputs::chart(tmp.path())).unwrap().chart;
    assert!(second.written.is_empty(), "written on a no-op run: {:?}", second.written);
    assert!(second.removed.is_empty(), "removed on a no-op run: {:?}", second.removed);
    assert_eq!(second.unchanged.len(), first.written.len());
    assert_eq!(stamps(tmp.path()), before, "mtimes or inodes changed");
    chart.check(&gitops_gen::Outputs::chart(tmp.path())).unwrap();
}
