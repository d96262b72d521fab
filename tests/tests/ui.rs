//! UI tests of `#[derive(GitOps)]` and of `Chart::config`'s bounds: every
//! mistake a user can make is a compile error that names the culprit, points
//! at it and says how to fix it.
//!
//! One mistake per file, grouped by kind under `ui/<kind>/`, each beside the
//! `.stderr` it must produce; `ui/pass/` holds code that must compile.
//! After changing a message: `TRYBUILD=overwrite cargo test -p gitops-tests
//! --test ui`, then read every changed `.stderr` as a user would.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/*.rs");
    // Every other directory is a kind of mistake; new ones need no edit here.
    let mut kinds: Vec<_> = std::fs::read_dir("ui")
        .expect("read ui/")
        .map(|entry| entry.expect("read ui/ entry").path())
        .filter(|path| path.is_dir() && !path.ends_with("pass"))
        .collect();
    kinds.sort();
    assert!(!kinds.is_empty(), "no mistake directories under ui/");
    for kind in kinds {
        t.compile_fail(kind.join("*.rs"));
    }
}
