//! `cargo gitops init --ci github|gitlab`: a pipeline that gates every pull
//! (merge) request on what it does to each cluster, and releases on a tag.
//!
//! On a pull request: `cargo gitops check --policy policies` (drift,
//! environments, pins, the compatibility gate, the Rego policies, as
//! annotations on GitHub), `cargo gitops diff` against the base branch
//! posted as a comment, and an approval asked for when a production
//! environment changes (`diff`'s exit status 2). On a tag `v<version>`:
//! `cargo gitops release` pins the tagged image in the first environment
//! and pushes that commit. The pipeline and `policies/` (the default set)
//! are the user's once written: created where absent, never overwritten.

use crate::{files, policy, Error};
use std::path::{Path, PathBuf};

/// Which CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Ci {
    Github,
    Gitlab,
}

/// Where the pipeline is written, from the repository's root.
pub(crate) fn pipeline_path(ci: Ci) -> &'static str {
    match ci {
        Ci::Github => ".github/workflows/gitops.yml",
        Ci::Gitlab => ".gitlab-ci.yml",
    }
}

/// The directory of the policies the pipeline runs, in the crate's directory.
pub(crate) const POLICIES_DIR: &str = "policies";

/// What the pipeline needs to know.
pub(crate) struct Pipeline<'a> {
    /// The crate's directory from the repository's root (`""`: the root).
    pub crate_dir: &'a str,
    /// The shell command that installs cargo-gitops.
    pub install: &'a str,
    /// The environment a tag's image is released to first.
    pub first_environment: &'a str,
}

/// Writes the pipeline at `repo_root` and the default policies into the
/// crate's `policies/` (those absent); returns what it wrote. An existing
/// pipeline file is refused before anything is written.
pub(crate) fn write(
    ci: Ci,
    repo_root: &Path,
    crate_dir: &Path,
    pipeline: &Pipeline,
) -> Result<Vec<PathBuf>, Error> {
    let path = repo_root.join(pipeline_path(ci));
    if path.exists() {
        return Err(Error::WouldOverwrite { paths: vec![path] });
    }
    let text = match ci {
        Ci::Github => github(pipeline),
        Ci::Gitlab => gitlab(pipeline),
    };
    let mut written = Vec::new();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|source| Error::CreateDir { path: dir.to_owned(), source })?;
    }
    files::create_new(&path, &text)?;
    written.push(path);
    let policies = crate_dir.join(POLICIES_DIR);
    std::fs::create_dir_all(&policies)
        .map_err(|source| Error::CreateDir { path: policies.clone(), source })?;
    for (name, text) in policy::DEFAULTS {
        let file = policies.join(name);
        if !file.exists() {
            files::create_new(&file, text)?;
            written.push(file);
        }
    }
    Ok(written)
}

/// The GitHub Actions workflow.
pub(crate) fn github(p: &Pipeline) -> String {
    let dir = gitops_gen::foundation::yaml::string(if p.crate_dir.is_empty() {
        "."
    } else {
        p.crate_dir
    });
    format!(
        r#"# Written by `cargo gitops init --ci github`; yours to edit.
# On a pull request: the chart, environments, pins, compatibility and Rego
# policies checked (annotations on the PR); what the change does to each
# environment posted as a comment; an approval of the `production` GitHub
# environment required when a production environment changes (give that
# environment required reviewers, and make `approve-production` a required
# check). On a tag v<version>: the image pinned in {first} and pushed.
name: gitops

on:
  pull_request:
  push:
    tags: ["v*"]

permissions:
  contents: read

defaults:
  run:
    working-directory: {dir}

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write
    outputs:
      production: ${{{{ steps.diff.outputs.production }}}}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: Install cargo-gitops
        run: {install}
      - name: Check the chart, environments, pins, compatibility and policies
        run: cargo gitops check --policy {policies} --format github
      - name: What the change does to each environment
        id: diff
        run: |
          status=0
          cargo gitops diff --base "origin/$GITHUB_BASE_REF" > "$RUNNER_TEMP/gitops-diff.md" || status=$?
          # 0: no production change, 2: production changes, anything else: failed.
          if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then exit "$status"; fi
          if [ "$status" -eq 2 ]; then echo "production=true" >> "$GITHUB_OUTPUT"; else echo "production=false" >> "$GITHUB_OUTPUT"; fi
      - name: Post it on the pull request
        env:
          GH_TOKEN: ${{{{ github.token }}}}
          PR: ${{{{ github.event.pull_request.number }}}}
        # One comment per pull request, updated on each push.
        run: gh pr comment "$PR" --edit-last --body-file "$RUNNER_TEMP/gitops-diff.md" || gh pr comment "$PR" --body-file "$RUNNER_TEMP/gitops-diff.md"

  approve-production:
    needs: check
    if: needs.check.outputs.production == 'true'
    runs-on: ubuntu-latest
    environment: production
    steps:
      - name: A production environment changes
        run: echo "Approved by a reviewer of the production environment."

  release:
    if: startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{{{ github.event.repository.default_branch }}}}
      - name: Install cargo-gitops
        run: {install}
      - name: Pin the tagged image in {first}
        run: cargo gitops release --chart chart --env {first} --tag "${{GITHUB_REF_NAME#v}}"
      - name: Regenerate what the pin changes (rendered manifests, overlays)
        run: cargo build --quiet
      - name: Commit the pin
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git add --all .
          git commit -m "Release $GITHUB_REF_NAME to {first}"
          git push origin "HEAD:${{{{ github.event.repository.default_branch }}}}"
"#,
        first = p.first_environment,
        install = p.install,
        policies = POLICIES_DIR,
    )
}

/// The GitLab CI pipeline. GitLab cannot condition a job on another job's
/// result when the pipeline is created, so the check job writes a child
/// pipeline: a manual, blocking approval job when production changes, a
/// no-op otherwise; the parent waits for it.
pub(crate) fn gitlab(p: &Pipeline) -> String {
    let cd = if p.crate_dir.is_empty() {
        String::new()
    } else {
        let command = format!("cd {}", shell_quote(p.crate_dir));
        format!("    - {}\n", gitops_gen::foundation::yaml::string(&command))
    };
    let artifacts = |name: &str| {
        if p.crate_dir.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", p.crate_dir)
        }
    };
    format!(
        r#"# Written by `cargo gitops init --ci gitlab`; yours to edit.
# On a merge request: the chart, environments, pins, compatibility and Rego
# policies checked; what the change does to each environment posted as a
# note (set GITOPS_NOTE_TOKEN, a project access token with the api scope);
# when a production environment changes, a manual job that blocks the
# pipeline until someone runs it. On a tag v<version>: the image pinned in
# {first} and pushed (set GITOPS_PUSH_TOKEN, with write_repository).
stages:
  - check
  - approve
  - release

gitops:check:
  stage: check
  image: rust:1
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    GIT_DEPTH: "0"
  script:
{cd}    - {install}
    - cargo gitops check --policy {policies} --format json
    - git fetch origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - status=0; cargo gitops diff --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" > gitops-diff.md || status=$?
    - test "$status" -eq 0 || test "$status" -eq 2
    - |
      if [ "$status" -eq 2 ]; then
        printf 'approve-production:\n  script: echo "Approved."\n  when: manual\n  allow_failure: false\n' > gitops-approval.yml
      else
        printf 'no-production-change:\n  script: echo "No production environment changes."\n' > gitops-approval.yml
      fi
    - |
      if [ -n "$GITOPS_NOTE_TOKEN" ]; then
        curl --fail --silent --request POST --header "PRIVATE-TOKEN: $GITOPS_NOTE_TOKEN" \
          --data-urlencode "body@gitops-diff.md" \
          "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes" > /dev/null
      fi
  artifacts:
    paths:
      - {diff}
      - {approval}

gitops:approve-production:
  stage: approve
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  trigger:
    include:
      - artifact: {approval}
        job: gitops:check
    strategy: depend

gitops:release:
  stage: release
  image: rust:1
  rules:
    - if: $CI_COMMIT_TAG =~ /^v/
  script:
{cd}    - {install}
    - git fetch origin "$CI_DEFAULT_BRANCH" && git checkout -B "$CI_DEFAULT_BRANCH" "origin/$CI_DEFAULT_BRANCH"
    - cargo gitops release --chart chart --env {first} --tag "${{CI_COMMIT_TAG#v}}"
    - cargo build --quiet
    - git add --all .
    - git -c user.name=gitops-release -c user.email=gitops-release@invalid commit -m "Release $CI_COMMIT_TAG to {first}"
    - git push "https://gitlab-ci-token:$GITOPS_PUSH_TOKEN@$CI_SERVER_HOST/$CI_PROJECT_PATH.git" "HEAD:$CI_DEFAULT_BRANCH"
"#,
        first = p.first_environment,
        install = p.install,
        policies = POLICIES_DIR,
        diff = artifacts("gitops-diff.md"),
        approval = artifacts("gitops-approval.yml"),
    )
}

/// `text` as one shell word.
fn shell_quote(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b)) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Whether `name` can name an environment (a DNS label, as `Environment` requires).
pub(crate) fn is_environment_name(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}
