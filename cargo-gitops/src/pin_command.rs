//! `cargo gitops release|promote|history`: image pins per environment
//! (`<chart>/pins/<env>.yaml`), from CI or a shell, through
//! `gitops_release`. Each edit changes only the pinned scalars' bytes; the
//! commit that carries it is the deployment, and `git revert` the rollback.
//! This is the one module that calls `gitops_release`.

use crate::Error;
use clap::builder::NonEmptyStringValueParser;
use gitops_release as pin;
use std::path::PathBuf;

/// `cargo gitops release`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct ReleaseArgs {
    /// The chart's directory
    #[arg(long, value_name = "DIR")]
    chart: PathBuf,
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
    /// The chart's directory
    #[arg(long, value_name = "DIR")]
    chart: PathBuf,
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
    /// The chart's directory
    #[arg(long, value_name = "DIR")]
    chart: PathBuf,
    /// The environment
    #[arg(long, value_name = "ENV", value_parser = NonEmptyStringValueParser::new())]
    env: String,
    /// The Git repository [default: .]
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
}

/// Runs `release`.
pub(crate) fn release(args: ReleaseArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "release", source };
    let path =
        pin::release(&args.chart, &args.env, &args.tag, args.digest.as_deref()).map_err(failed)?;
    println!("pinned: {}", path.display());
    Ok(())
}

/// Runs `promote`.
pub(crate) fn promote(args: PromoteArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "promote", source };
    let path = pin::promote(&args.chart, &args.from, &args.to).map_err(failed)?;
    println!("pinned: {}", path.display());
    Ok(())
}

/// Runs `history`.
pub(crate) fn history(args: HistoryArgs) -> Result<(), Error> {
    let failed = |source| Error::Pin { command: "history", source };
    let repo = args.repo.unwrap_or_else(|| PathBuf::from("."));
    let pins = pin::history(&repo, &args.chart, &args.env).map_err(failed)?;
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
