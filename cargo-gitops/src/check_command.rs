//! `cargo gitops check [--policy DIR]`: the build script's check (drift,
//! environments, pins, the compatibility gate), then, with `--policy`, the
//! Rego policies on every release the build script renders.

use crate::build_command::{ask, Crate};
use crate::{policy, render_command, Error};
use std::path::PathBuf;

/// `cargo gitops check`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    krate: Crate,
    /// Also evaluate the Rego policies in DIR (package main, `deny`/`violation`
    /// rules, conftest's conventions) on every environment's rendered objects
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
    /// How policy violations are printed: text, json, or github (workflow
    /// commands that annotate the pull request)
    #[arg(long, value_enum, default_value = "text", requires = "policy")]
    format: policy::Format,
}

/// Runs `check`, then the policies when asked.
pub(crate) fn check(args: CheckArgs) -> Result<(), Error> {
    // A broken policy is reported before anything is built.
    let policies = match &args.policy {
        Some(dir) => Some(policy::Policies::load(dir).map_err(Error::Policy)?),
        None => None,
    };
    let (package, manifest) = args.krate.resolve("check")?;
    println!("{}", ask("check", &package, manifest.as_deref(), &[])?);
    let Some(mut policies) = policies else { return Ok(()) };
    let mut releases =
        render_command::render("check", &package, manifest.as_deref(), None, None, None, None)?;
    if releases.is_empty() {
        // No environments: the chart's defaults are what would be applied.
        releases = render_command::render(
            "check",
            &package,
            manifest.as_deref(),
            Some(&[]),
            None,
            None,
            None,
        )?;
    }
    let mut violations = Vec::new();
    for release in &releases {
        let objects: Vec<serde_json::Value> =
            release.objects.iter().map(|(_, o)| o.clone()).collect();
        violations.extend(
            policies
                .check(&policy::Release {
                    environment: release.environment.as_deref(),
                    cluster: release.cluster.as_deref(),
                    production: release.production,
                    release: &release.release,
                    namespace: &release.namespace,
                    objects: &objects,
                })
                .map_err(Error::Policy)?,
        );
    }
    if args.format == policy::Format::Github {
        // Annotations name files from the repository's root.
        for v in &mut violations {
            v.policy = from_repository_root(&v.policy);
        }
    }
    print!("{}", policy::report(&violations, args.format));
    if violations.is_empty() {
        eprintln!("cargo gitops check: {} release(s) pass every policy", releases.len());
        return Ok(());
    }
    let mut failing: Vec<String> = violations.iter().map(policy::Violation::release).collect();
    failing.sort();
    failing.dedup();
    Err(Error::PolicyViolations {
        count: violations.len(),
        failing: failing.len(),
        releases: releases.len(),
    })
}

/// `file` relative to the root of the Git repository it is in (as it is
/// when it is in none).
fn from_repository_root(file: &str) -> String {
    let path = crate::manifest::absolute(std::path::Path::new(file));
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let root = gitops_gen::foundation::git::Git::new().run(dir, &["rev-parse", "--show-toplevel"]);
    match (root, path.canonicalize()) {
        (Ok(root), Ok(path)) => path
            .strip_prefix(root.trim())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| file.to_owned()),
        _ => file.to_owned(),
    }
}
