//! The one call a build script makes, [`Chart::build_script`], and how
//! `cargo gitops` talks to it.
//!
//! Only the build script can name the crate's config type, so `cargo gitops
//! check` and `cargo gitops env` run `cargo check` with these variables set,
//! and the build script does the work:
//!
//! | variable | meaning |
//! |---|---|
//! | [`MODE`] `GITOPS_GEN` | `write` (also when unset: a plain build writes the chart), `check` (nothing written: the chart, its environments, your values files and pins, the controllers' manifests when configured, and a generated `.env.example` when there is one, compared with what would be written), `env` (only `.env.example` written), `render` (nothing written but [`RENDER`]'s answer) |
//! | [`RENDER`] `GITOPS_GEN_RENDER` | for `render`, a JSON request: `values` (absolute paths of values files to render, in order; `null`: every environment's releases instead), `release` and `namespace` (`null`: the chart's name and `default`, or each environment's), `out` (where the answer goes: JSON, `{"chart": NAME, "renders": [{"environment", "cluster", "production", "release", "namespace", "stream", "objects": [{"template", "object"}]}]}`: `stream` as `helm template` prints it, `objects` what a controller applies, in that order, hooks last, `helm test`'s left out) |
//! | [`PACKAGE`] `GITOPS_GEN_PACKAGE` | the package asked; other packages' build scripts in the same build just write, as always. Unset: every build script calling the entry point obeys `GITOPS_GEN` (e.g. `GITOPS_GEN=check cargo check` in CI) |
//! | [`ENV_OUT`] `GITOPS_GEN_ENV_OUT` | where `env` writes; default `.env.example` in the crate's directory |
//! | [`NONCE`] `GITOPS_GEN_NONCE` | a new value each run, so cargo reruns the build script every time it is asked |
//! | [`RECEIPT`] `GITOPS_GEN_RECEIPT` | a file the build script writes: `ok` or `error` on the first line, then the message. No receipt after a successful build means the build script never called the entry point, which `cargo gitops` reports rather than passing silently |
//!
//! Cargo reruns the build script when any of them changes (`cargo:rerun-if-env-changed`),
//! so the next plain build writes again.

use crate::chart::{Chart, Outputs};
use crate::foundation::error::Error;
use crate::foundation::fs;
use crate::foundation::layout;
use crate::native_render::{RenderOptions, Rendered};
use std::path::{Path, PathBuf};

/// `write`, `check` or `env`; unset means `write`.
pub const MODE: &str = "GITOPS_GEN";
/// The package whose build script obeys [`MODE`].
pub const PACKAGE: &str = "GITOPS_GEN_PACKAGE";
/// Where `env` writes `.env.example`.
pub const ENV_OUT: &str = "GITOPS_GEN_ENV_OUT";
/// Changes every run, so cargo reruns the build script.
pub const NONCE: &str = "GITOPS_GEN_NONCE";
/// The file the build script reports to.
pub const RECEIPT: &str = "GITOPS_GEN_RECEIPT";
/// What `render` renders, and where its answer goes.
pub const RENDER: &str = "GITOPS_GEN_RENDER";

/// What a build script was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
    Env,
    Render,
}

impl Chart {
    /// What a build script calls: does what `cargo gitops` asked through
    /// environment variables (see [`build_script`](mod@build_script)):
    /// by default writes every output, `check` compares, `env` writes only
    /// `.env.example`. Paths in `outputs` are relative to the crate's
    /// directory (`CARGO_MANIFEST_DIR`) unless absolute. Prints the
    /// `cargo:rerun-if-…` lines for its variables and its directories; list
    /// your own inputs (`src/config.rs`) yourself. On an error it prints
    /// `error: …` and exits with status 1, failing the build.
    pub fn build_script(&self, outputs: Outputs) {
        run(self, &outputs);
    }
}

fn run(chart: &Chart, outputs: &Outputs) {
    for var in [MODE, PACKAGE, ENV_OUT, NONCE, RECEIPT, RENDER] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // Cargo's run-time value, not `env!`: a build script binary may be
    // reused by another checkout sharing the target directory.
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let outputs = outputs.under(&crate_dir);
    // A hand edit or deletion of a generated file reruns the build, which
    // puts it back (or, under `check`, reports it).
    let watched = [
        Some(&outputs.chart),
        outputs.controllers.as_ref(),
        outputs.env_example.as_ref(),
        outputs.rendered.as_ref(),
        outputs.kustomize.as_ref(),
    ];
    for path in watched.into_iter().flatten() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    // And a `.env.example` that `cargo gitops env` wrote beside Cargo.toml,
    // which the build keeps up to date as well.
    let default_env_example = crate_dir.join(layout::ENV_EXAMPLE);
    if outputs.env_example.is_none() && default_env_example.exists() {
        println!("cargo:rerun-if-changed={}", default_env_example.display());
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let asked = match var(PACKAGE) {
        Some(package) => var("CARGO_PKG_NAME").as_deref() == Some(package.as_str()),
        None => true,
    };
    let mode = match var(MODE).filter(|_| asked).as_deref() {
        None | Some("write") => Ok(Mode::Write),
        Some("check") => Ok(Mode::Check),
        Some("env") => Ok(Mode::Env),
        Some("render") => Ok(Mode::Render),
        Some(other) => {
            Err(format!("{MODE}={other:?}: expected `write`, `check`, `env` or `render`"))
        }
    };
    let result = mode.and_then(|mode| {
        let env_out = var(ENV_OUT).map(PathBuf::from).or_else(|| outputs.env_example.clone());
        let env_out = env_out.unwrap_or_else(|| crate_dir.join(layout::ENV_EXAMPLE));
        perform(chart, mode, &outputs, &env_out)
    });
    if let Some(receipt) = var(RECEIPT).filter(|_| asked) {
        let text = match &result {
            Ok(message) => format!("ok\n{message}\n"),
            Err(message) => format!("error\n{message}\n"),
        };
        if let Err(e) = std::fs::write(&receipt, text) {
            eprintln!("error: cannot write the receipt for cargo gitops, {receipt}: {e}");
            std::process::exit(1);
        }
    }
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// Does what `mode` asks; the message for the user either way.
fn perform(chart: &Chart, mode: Mode, outputs: &Outputs, env_out: &Path) -> Result<String, String> {
    let text = |e: Error| e.to_string();
    match mode {
        Mode::Write => {
            let summary = |dir: &Path, report: &fs::WriteReport| {
                format!(
                    "{}: {} written, {} unchanged, {} removed",
                    dir.display(),
                    report.written.len(),
                    report.unchanged.len(),
                    report.removed.len()
                )
            };
            let written = chart.write(outputs).map_err(text)?;
            let mut message = summary(&outputs.chart, &written.chart);
            if let (Some(dir), Some(report)) = (&outputs.controllers, &written.controllers) {
                message.push_str(&format!("; {}", summary(dir, report)));
            }
            if let (Some(path), Some(changed)) = (&outputs.env_example, written.env_example) {
                let verb = if changed { "wrote" } else { "unchanged:" };
                message.push_str(&format!("; {verb} {}", path.display()));
            }
            // A `.env.example` of ours that `cargo gitops env` wrote (not in
            // the outputs) is kept up to date too, since `check` compares it.
            if outputs.env_example.is_none() && fs::read_owned(env_out).map_err(text)?.is_some() {
                let env_example = chart.env_example_text().map_err(text)?;
                if fs::write_owned(env_out, env_example.as_bytes()).map_err(text)? {
                    message.push_str(&format!("; wrote {}", env_out.display()));
                }
            }
            Ok(message)
        }
        Mode::Check => {
            // Only drift is fixed by a build; a bad values file of yours is not.
            let hinted = |e: Error| match e {
                Error::Stale { .. } => {
                    format!(
                        "{e}\nhint: a plain `cargo build` writes them (the build script's default)"
                    )
                }
                e => e.to_string(),
            };
            let checked = chart.check(outputs).map_err(hinted)?;
            let mut message = format!(
                "{} is up to date (chart files, {} environment(s), your values files and pins checked); release gate: {}",
                outputs.chart.display(),
                chart.environments.len(),
                checked.release_gate
            );
            if let Some(dir) = &outputs.controllers {
                message.push_str(&format!("; {} is up to date", dir.display()));
            }
            // A committed `.env.example` of ours goes stale like the chart
            // (a listed one `check` compared); one that cannot be read is
            // reported, never skipped.
            let listed = outputs.env_example.as_deref() == Some(env_out);
            let checked = listed
                || match fs::read_owned(env_out).map_err(text)? {
                    Some(old) if old != chart.env_example_text().map_err(text)?.as_bytes() => {
                        return Err(format!(
                            "{} is out of date: `cargo gitops env` rewrites it",
                            env_out.display()
                        ))
                    }
                    old => old.is_some(),
                };
            if checked {
                message.push_str(&format!("; {} is up to date", env_out.display()));
            }
            Ok(message)
        }
        Mode::Render => {
            let request = std::env::var(RENDER).unwrap_or_default();
            render(chart, &outputs.chart, &request)
        }
        Mode::Env => {
            let env_example = chart.env_example_text().map_err(text)?;
            let written = fs::write_owned(env_out, env_example.as_bytes()).map_err(text)?;
            let verb = if written { "wrote" } else { "unchanged:" };
            Ok(format!("{verb} {}", env_out.display()))
        }
    }
}

/// `render`: what [`RENDER`] asks, answered in its `out` file.
fn render(chart: &Chart, chart_dir: &Path, request: &str) -> Result<String, String> {
    let request: serde_json::Value = serde_json::from_str(request)
        .map_err(|e| format!("{RENDER}: not the JSON request cargo gitops sends: {e}"))?;
    let text = |key: &str| request[key].as_str().map(str::to_owned);
    let out = text("out").ok_or_else(|| format!("{RENDER}: no `out` file"))?;
    let renders = match request["values"].as_array() {
        Some(paths) => {
            let mut files = Vec::new();
            for path in paths {
                let path = path.as_str().unwrap_or_default();
                let content = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
                files.push((path.to_owned(), content));
            }
            let files: Vec<(&str, &str)> =
                files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
            let release = text("release").unwrap_or_else(|| chart.name().to_owned());
            let namespace = text("namespace").unwrap_or_else(|| "default".to_owned());
            let rendered = chart
                .render_objects(&files, &RenderOptions::new(&release, &namespace))
                .map_err(|e| e.to_string())?;
            vec![render_json(None, None, false, &release, &namespace, &rendered)]
        }
        None => chart
            .render_environments(chart_dir)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|r| {
                render_json(
                    Some(&r.environment),
                    r.cluster.as_deref(),
                    r.production,
                    &r.release,
                    &r.namespace,
                    &r.rendered,
                )
            })
            .collect(),
    };
    let count = renders.len();
    let answer = serde_json::json!({"chart": chart.name(), "renders": renders});
    std::fs::write(&out, answer.to_string()).map_err(|e| format!("{out}: {e}"))?;
    Ok(format!("rendered {count} release(s)"))
}

fn render_json(
    environment: Option<&str>,
    cluster: Option<&str>,
    production: bool,
    release: &str,
    namespace: &str,
    rendered: &Rendered,
) -> serde_json::Value {
    let objects: Vec<serde_json::Value> = rendered
        .applied()
        .map(|o| serde_json::json!({"template": o.template, "object": o.object}))
        .collect();
    serde_json::json!({
        "environment": environment, "cluster": cluster, "production": production,
        "release": release, "namespace": namespace, "stream": rendered.stream(), "objects": objects,
    })
}
