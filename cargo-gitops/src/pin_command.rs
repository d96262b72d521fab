//! `cargo gitops release|promote|history`: image pins per environment
//! (`<chart>/pins/<env>.yaml`), from CI or a shell, through
//! `gitops_release`. Each edit changes only the pinned scalars' bytes; the
//! commit that carries it is the deployment, and `git revert` the rollback.
//! This is the one module that calls `gitops_release`.

use crate::manifest::{self, Find};
use crate::Error;
use clap::builder::NonEmptyStringValueParser;
use gitops_release as pin;
use std::path::{Path, PathBuf};

/// `cargo gitops release`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct ReleaseArgs {
    /// The chart's directory [default: chart/ beside the crate's Cargo.toml,
    /// found from the current directory upward]
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// The environment (pins/ENV.yaml)
    #[arg(long, value_name = "ENV", value_parser = NonEmptyStringValueParser::new())]
    env: String,
    /// The image tag
    #[arg(long, value_name = "TAG", value_parser = NonEmptyStringValueParser::new())]
    tag: String,
    /// The image digest
    #[arg(long, value_name = "sha256:HEX", value_parser = NonEmptyStringValueParser::new())]
    digest: Option<String>,
}

/// `cargo gitops promote`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct PromoteArgs {
    /// The chart's directory [default: chart/ beside the crate's Cargo.toml,
    /// found from the current directory upward]
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// The environment whose pin is copied
    #[arg(long, value_name = "ENV", value_parser = NonEmptyStringValueParser::new())]
    from: String,
    /// The environment it is copied to
    #[arg(long, value_name = "ENV", value_parser = NonEmptyStringValueParser::new())]
    to: String,
}

/// `cargo gitops history`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    /// The chart's directory [default: chart/ beside the crate's Cargo.toml,
    /// found from the current directory upward]
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// The environment
    #[arg(long, value_name = "ENV", value_parser = NonEmptyStringValueParser::new())]
    env: String,
    /// The Git repository [default: .]
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
}

/// `--chart`, or the `chart/` beside the crate's Cargo.toml (the crate found
/// from the current directory upward, as `check` finds it).
pub(crate) fn chart_dir(given: Option<PathBuf>, command: &'static str) -> Result<PathBuf, Error> {
    if let Some(chart) = given {
        return Ok(chart);
    }
    let manifest = manifest::manifest_path(None, Find::Upward).map_err(|e| e.during(command))?;
    let chart = manifest.parent().map(|dir| dir.join(DEFAULT_CHART_DIR)).unwrap_or_default();
    if !chart.join(gitops_gen::layout::CHART_YAML).is_file() {
        return Err(Error::NoChart { command, looked: chart });
    }
    Ok(chart)
}

/// Where `cargo gitops init`'s build script writes the chart.
const DEFAULT_CHART_DIR: &str = "chart";

/// Runs `release`.
pub(crate) fn release(args: ReleaseArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "release", source };
    let chart = chart_dir(args.chart, "release")?;
    let path =
        pin::release(&chart, &args.env, &args.tag, args.digest.as_deref()).map_err(failed)?;
    println!("pinned: {}", path.display());
    Ok(())
}

/// Runs `promote`.
pub(crate) fn promote(args: PromoteArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "promote", source };
    let chart = chart_dir(args.chart, "promote")?;
    let path = pin::promote(&chart, &args.from, &args.to).map_err(failed)?;
    println!("pinned: {}", path.display());
    Ok(())
}

/// Runs `history`.
pub(crate) fn history(args: HistoryArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "history", source };
    // The chart found from the crate: the repository read from the crate's
    // directory, where the chart path is `chart`.
    let (repo, chart) = match (args.repo, args.chart) {
        (repo, Some(chart)) => (repo.unwrap_or_else(|| PathBuf::from(".")), chart),
        (repo, None) => {
            let chart = chart_dir(None, "history")?;
            let crate_dir = chart.parent().map(Path::to_owned).unwrap_or_default();
            (repo.unwrap_or(crate_dir), chart)
        }
    };
    let pins = pin::history(&repo, &chart, &args.env).map_err(failed)?;
    if pins.is_empty() {
        println!("no pin of `{}` in the history", args.env);
    }
    for p in pins {
        println!(
            "{} {} tag={} digest={}",
            p.commit.get(..12).unwrap_or(&p.commit),
            p.date,
            p.tag.as_deref().unwrap_or("-"),
            p.digest.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}
