//! The release gate, on by default: a crate set up by `cargo gitops init`
//! in a Git repository, with no configuration of its baseline.
//! - Before the first release, `check` passes and says so.
//! - `cargo gitops tag` tags the release as `<chart>-v<version>`.
//! - A tightened bound, built and committed, fails `check` naming the key
//!   and the version it needs; the bumped version passes.
//! - A shallow clone without the release is told what to fetch.

use gitops_tests::git;
use gitops_tests::scratch_crate::{assert_success, output_text as text, ScratchCrate};
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

fn gitops(krate: &ScratchCrate, args: &[&str]) -> Output {
    let mut all = vec!["gitops"];
    all.extend_from_slice(args);
    krate.run(BIN, &all)
}

fn commit(krate: &ScratchCrate, message: &str) {
    git(&krate.dir, &["add", "--all"]);
    git(&krate.dir, &["commit", "--quiet", "-m", message]);
}

#[test]
fn a_tightened_bound_fails_check_until_the_version_is_bumped() {
    let krate = ScratchCrate::new("gate");
    krate.write(
        "Cargo.toml",
        "[package]\nname = \"gate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    krate.write("src/main.rs", "mod config;\nfn main() {}\n");
    krate.write(".gitignore", "/target\n");
    let workspace = gitops_tests::workspace();
    let out = gitops(&krate, &["init", "--path", workspace.to_str().expect("UTF-8 path")]);
    assert_success("cargo gitops init", &out);
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    git(&krate.dir, &["init", "--quiet"]);
    commit(&krate, "gate 0.1.0");

    // No release yet: check passes, saying the gate starts at the first one.
    let out = gitops(&krate, &["check"]);
    assert_success("cargo gitops check", &out);
    assert!(
        text(&out).contains("release gate: no release yet (no tag `gate-v<version>` or `v<version>` reachable from HEAD)"),
        "{}",
        text(&out)
    );

    // One command tags the release; again, nothing to do.
    let out = gitops(&krate, &["tag"]);
    assert_success("cargo gitops tag", &out);
    assert!(
        text(&out).contains("as gate-v0.1.0; publish it with `git push origin gate-v0.1.0`"),
        "{}",
        text(&out)
    );
    assert_eq!(git(&krate.dir, &["tag", "--list"]).trim(), "gate-v0.1.0");
    let out = gitops(&krate, &["tag"]);
    assert!(text(&out).contains("gate-v0.1.0 already marks HEAD"), "{}", text(&out));

    // A tightened bound, built and committed at the same version: refused,
    // naming the key and the version it needs.
    let config = krate.read("src/config.rs");
    assert!(config.contains("range(min = 1024, max = 65535)"), "{config}");
    krate.write("src/config.rs", &config.replace("min = 1024", "min = 2048"));
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    let out = gitops(&krate, &["tag"]);
    assert!(text(&out).contains("has changes not committed"), "{}", text(&out));
    commit(&krate, "tighten httpPort");
    let out = gitops(&krate, &["check"]);
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("chart version 0.1.0 is too low for its changes since gate-v0.1.0:chart (0.1.0): expected at least 0.2.0"),
        "{said}"
    );
    assert!(said.contains("config.httpPort"), "{said}");
    let out = gitops(&krate, &["tag"]);
    assert!(text(&out).contains("gate-v0.1.0 exists already"), "{}", text(&out));

    // The version bumped: check passes against the release, and the new
    // release is tagged.
    let manifest = krate.read("Cargo.toml");
    krate.write("Cargo.toml", &manifest.replace("version = \"0.1.0\"", "version = \"0.2.0\""));
    assert_success("cargo build", &krate.cargo(&["build", "--quiet"]));
    commit(&krate, "gate 0.2.0");
    let out = gitops(&krate, &["check"]);
    assert_success("cargo gitops check after the bump", &out);
    assert!(
        text(&out).contains(
            "release gate: version 0.2.0 covers the changes since gate-v0.1.0:chart (0.1.0)"
        ),
        "{}",
        text(&out)
    );
    assert_success("cargo gitops tag 0.2.0", &gitops(&krate, &["tag"]));

    // A shallow clone whose history holds no release: told what to fetch.
    let clone = ScratchCrate::new("gate-shallow");
    std::fs::remove_dir(&clone.dir).expect("an empty directory for the clone");
    let url = format!("file://{}", krate.dir.display());
    git(
        &krate.dir,
        &["clone", "--quiet", "--depth", "1", "--no-tags", &url, clone.dir.to_str().unwrap()],
    );
    let out = gitops(&clone, &["check"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "is a shallow clone whose history holds none: run `git fetch --unshallow --tags`"
        ),
        "{}",
        text(&out)
    );
}
