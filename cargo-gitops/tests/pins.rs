//! `cargo gitops release|promote|history` on a copy of the orders example's
//! chart in a fresh Git repository: each command does what `gitops_release`
//! does (tested in depth in `tests/tests/pins.rs`), and bad input is named.

use gitops_tests::git;
use gitops_tests::scratch_crate::output_text as text;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

fn gitops(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("gitops").args(args).current_dir(dir).output().expect("run cargo-gitops")
}

#[test]
fn release_promote_and_history_from_the_command_line() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    gitops_tests::copy_dir(
        &gitops_tests::workspace().join("examples/orders/chart"),
        &repo.join("chart"),
    );
    git(repo, &["init", "-q"]);
    git(repo, &["config", "user.email", "ci@example.com"]);
    git(repo, &["config", "user.name", "CI"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "chart"]);

    let digest = format!("sha256:{}", "ab".repeat(32));
    let out = gitops(
        repo,
        &["release", "--chart", "chart", "--env", "dev", "--tag", "1.5.0", "--digest", &digest],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("pinned: chart/pins/dev.yaml"), "{}", text(&out));
    let pin = std::fs::read_to_string(repo.join("chart/pins/dev.yaml")).unwrap();
    assert!(pin.contains("1.5.0") && pin.contains(&digest), "{pin}");
    git(repo, &["commit", "-q", "-am", "release 1.5.0 to dev"]);

    // `--name=VALUE` works as for every command.
    let out = gitops(repo, &["promote", "--chart=chart", "--from=dev", "--to=staging"]);
    assert!(out.status.success(), "{}", text(&out));
    let staging = std::fs::read_to_string(repo.join("chart/pins/staging.yaml")).unwrap();
    assert!(staging.contains("1.5.0") && staging.contains(&digest), "{staging}");
    git(repo, &["commit", "-q", "-am", "promote to staging"]);

    let out = gitops(repo, &["history", "--chart", "chart", "--env", "staging"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains(&format!("tag=1.5.0 digest={digest}")), "{listed}");

    // Without --chart: the chart/ beside the crate's Cargo.toml, from the
    // crate's root or a directory below it; none there is named.
    let out = gitops(repo, &["history", "--env", "staging"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no Cargo.toml"), "{}", text(&out));
    std::fs::write(repo.join("Cargo.toml"), "[package]\nname = \"orders\"\nversion = \"0.1.0\"\n")
        .unwrap();
    for dir in [repo.to_owned(), repo.join("chart/templates")] {
        let out = gitops(&dir, &["history", "--env", "staging"]);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), listed, "from {}", dir.display());
    }
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let out = gitops(elsewhere.path(), &["history", "--env", "staging"]);
    assert!(text(&out).contains("no --chart given, and no chart at"), "{}", text(&out));

    // Bad input, named; nothing written.
    let before = std::fs::read_to_string(repo.join("chart/pins/dev.yaml")).unwrap();
    for (args, said) in [
        (&["release", "--chart", "chart", "--env", "nowhere", "--tag", "1"][..], "nowhere"),
        // Usage mistakes (clap's messages) name the argument.
        (&["release", "--chart", "chart", "--env", "dev"][..], "not provided:\n  --tag <TAG>"),
        (
            &["release", "--chart", "chart", "--env", "dev", "--env", "qa", "--tag", "1"][..],
            "'--env <ENV>' cannot be used multiple times",
        ),
        (
            &["promote", "--chart", "chart", "--from", "dev", "--bogus", "x"][..],
            "unexpected argument '--bogus'",
        ),
        (
            &[
                "release",
                "--chart",
                "chart",
                "--env",
                "dev",
                "--tag",
                "1",
                "--digest",
                "sha256:short",
            ][..],
            "digest \"sha256:short\" is not `sha256:` followed by 64 lower-case hex digits",
        ),
    ] {
        let out = gitops(repo, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(said), "{args:?}: {}", text(&out));
    }
    assert_eq!(std::fs::read_to_string(repo.join("chart/pins/dev.yaml")).unwrap(), before);
}
