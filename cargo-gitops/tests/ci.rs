//! `cargo gitops init --ci github|gitlab`: the pipeline and the default
//! policies written into a fresh Git repository (a crate in a directory of
//! it), valid against the pipeline schemas check-jsonschema vendors, never
//! overwritten; then the GitHub workflow's pull-request steps run in order,
//! as shell commands, against the orders example (whose `policies/` links
//! to the default set): the check passes, the diff against a base where
//! production differs says production changes, and the comment step posts
//! that diff (`gh` replaced by a script that records what it was asked).

use gitops_tests::scratch_crate::{self, assert_success, output_text as text, ScratchCrate};
use gitops_tests::{oracle, workspace};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-gitops");

fn git(dir: &Path, args: &[&str]) -> String {
    gitops_tests::git(dir, args).trim().to_owned()
}

/// A repository with a new crate in `services/shop`, set up with `--ci system`.
fn init_with_ci(name: &str, system: &str) -> (ScratchCrate, String, std::process::Output) {
    let repo = ScratchCrate::new(name);
    git(&repo.dir, &["init", "--quiet"]);
    repo.write(
        "services/shop/Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    repo.write("services/shop/src/main.rs", "fn main() {}\n");
    let crate_dir = repo.dir.join("services/shop");
    let out = Command::new(BIN)
        .args(["gitops", "init", "--ci", system, "--path"])
        .arg(workspace())
        .current_dir(&crate_dir)
        .output()
        .expect("run cargo-gitops");
    let pipeline = match system {
        "github" => ".github/workflows/gitops.yml",
        _ => ".gitlab-ci.yml",
    };
    let text = std::fs::read_to_string(repo.dir.join(pipeline)).unwrap_or_default();
    (repo, text, out)
}

fn schema_check(system: &str, yaml: &str) -> Value {
    let result = oracle::one(json!({"op": "ci_schema", "system": system, "yaml": yaml}));
    assert_eq!(result["ok"], true, "{system}: {result:#}\n{yaml}");
    result["parsed"].clone()
}

#[test]
fn init_writes_a_valid_github_workflow_and_the_policies() {
    let (repo, workflow, out) = init_with_ci("ci-github", "github");
    assert_success("cargo gitops init --ci github", &out);
    let parsed = schema_check("github", &workflow);
    assert_eq!(parsed["defaults"]["run"]["working-directory"], "services/shop");
    let steps = parsed["jobs"]["check"]["steps"].as_array().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(runs[0].starts_with("cargo install --locked"), "{runs:?}");
    assert!(runs[1].contains("cargo gitops check --policy policies --format github"), "{runs:?}");
    assert!(runs[2].contains("cargo gitops diff --base \"origin/$GITHUB_BASE_REF\""), "{runs:?}");
    assert!(runs[3].contains("gh pr comment"), "{runs:?}");
    assert_eq!(parsed["jobs"]["approve-production"]["environment"], "production");
    let release = parsed["jobs"]["release"]["steps"].as_array().unwrap();
    assert!(release.iter().any(|s| s["run"]
        .as_str()
        .is_some_and(|r| r.contains("cargo gitops release --chart chart --env dev"))));
    for (name, _) in cargo_gitops::policy::DEFAULTS {
        assert!(repo.dir.join("services/shop/policies").join(name).is_file(), "{name}");
    }
    // A second run finds the crate set up and refuses to overwrite the workflow.
    let again = Command::new(BIN)
        .args(["gitops", "init", "--ci", "github", "--path"])
        .arg(workspace())
        .current_dir(repo.dir.join("services/shop"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(text(&again).contains(".github/workflows/gitops.yml"), "{}", text(&again));
    assert_eq!(
        std::fs::read_to_string(repo.dir.join(".github/workflows/gitops.yml")).unwrap(),
        workflow
    );
}

#[test]
fn init_writes_a_valid_gitlab_pipeline() {
    let (_repo, pipeline, out) = init_with_ci("ci-gitlab", "gitlab");
    assert_success("cargo gitops init --ci gitlab", &out);
    let parsed = schema_check("gitlab", &pipeline);
    let script: Vec<&str> = parsed["gitops:check"]["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(script[0], "cd services/shop");
    assert!(
        script.iter().any(|l| l.contains("cargo gitops check --policy policies")),
        "{script:?}"
    );
    assert!(script.iter().any(|l| l.contains("cargo gitops diff --base")), "{script:?}");
    assert_eq!(parsed["gitops:approve-production"]["trigger"]["strategy"], "depend");
}

/// The check job's `run` steps of the generated workflow, in order, but the
/// install (the cargo-gitops under test is on PATH instead), run by bash
/// in the orders example with GitHub's variables set.
#[test]
fn the_workflow_steps_run_against_the_orders_example() {
    let (_repo, workflow, out) = init_with_ci("ci-steps", "github");
    assert_success("cargo gitops init --ci github", &out);
    let parsed = schema_check("github", &workflow);
    let steps: Vec<(String, String)> = parsed["jobs"]["check"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] != "Install cargo-gitops")
        .filter_map(|s| Some((s["name"].as_str()?.to_owned(), s["run"].as_str()?.to_owned())))
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");

    // The pull request's base: HEAD with production at four replicas.
    let base = gitops_tests::orders_commit_with("ci-base", |s| {
        s.replacen(".replicas(3)", ".replicas(4)", 1)
    });
    let scratch = gitops_tests::scratch_dir("ci-steps-run");
    let branch = format!("gitops-ci-test-{}", std::process::id());
    git(&workspace(), &["update-ref", &format!("refs/remotes/origin/{branch}"), &base]);
    let bin_dir = scratch.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let gh_log = scratch.join("gh.log");
    let gh = bin_dir.join("gh");
    // Records its arguments and the body file's text; `--edit-last` finds
    // no comment of ours the first time, as on a new pull request.
    let shim = format!(
        "#!/bin/sh\necho \"$@\" >> '{0}'\nfor a in \"$@\"; do [ \"$a\" = --edit-last ] && exit 1; done\nwhile [ $# -gt 0 ]; do [ \"$1\" = --body-file ] && cat \"$2\" >> '{0}'; shift; done\nexit 0\n",
        gh_log.display()
    );
    std::fs::write(&gh, shim).unwrap();
    std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let own_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin_dir.display(),
        own_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output_file = scratch.join("github-output");
    let mut outcomes = Vec::new();
    for (name, run) in &steps {
        let out = Command::new("bash")
            .args(["-e", "-c", run])
            .current_dir(workspace().join("examples/orders"))
            .env("PATH", &path)
            .env("CARGO", scratch_crate::cargo())
            .env("CARGO_TARGET_DIR", scratch_crate::target_dir())
            .env("CARGO_NET_OFFLINE", "true")
            .env("GITHUB_BASE_REF", &branch)
            .env("GITHUB_OUTPUT", &output_file)
            .env("RUNNER_TEMP", &scratch)
            .env("GH_TOKEN", "unused")
            .env("PR", "42")
            .output()
            .expect("bash");
        outcomes.push((name.clone(), out));
        if !outcomes.last().unwrap().1.status.success() {
            break;
        }
    }
    git(&workspace(), &["update-ref", "-d", &format!("refs/remotes/origin/{branch}")]);
    for (name, out) in &outcomes {
        assert_success(name, out);
    }
    assert!(
        text(&outcomes[0].1).contains("5 release(s) pass every policy"),
        "{}",
        text(&outcomes[0].1)
    );
    assert_eq!(std::fs::read_to_string(&output_file).unwrap(), "production=true\n");
    let posted = std::fs::read_to_string(&gh_log).unwrap();
    // First an edit of the last comment (none yet), then a new comment.
    assert!(posted.starts_with("pr comment 42 --edit-last --body-file "), "{posted}");
    assert!(posted.contains("\npr comment 42 --body-file "), "{posted}");
    assert!(
        posted.contains("### prod on prod-beijing — **production**")
            && posted.contains("`4` → `3`"),
        "{posted}"
    );
}
