//! `cargo gitops tag`: marks the chart's release with the Git tag the
//! release gate finds next time (`<chart>-v<version>`, see
//! `gitops_gen::release_tag`), at `HEAD`. A lightweight tag, so it needs no
//! committer identity on a CI runner; pushing it is left to the user.

use crate::Error;
use gitops_gen::foundation::git::Git;
use std::path::PathBuf;

/// `cargo gitops tag`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct TagArgs {
    /// The chart's directory [default: chart/ beside the crate's Cargo.toml,
    /// found from the current directory upward]
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// The tag's prefix, when the build script's baseline is
    /// `Baseline::tagged(PREFIX)` [default: `<chart>-v`]
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<String>,
}

/// Runs `tag`.
pub(crate) fn run(args: TagArgs) -> Result<(), Error> {
    let chart = crate::pin_command::chart_dir(args.chart, "tag")?;
    let tag = gitops_gen::release_tag(&chart, args.prefix.as_deref())
        .map_err(|e| Error::Tag { message: e.to_string() })?;
    let dir = chart.as_path();
    let git = Git::new();
    let ask = |args: &[&str]| {
        git.run(dir, args)
            .map(|out| out.trim().to_owned())
            .map_err(|e| Error::Tag { message: e.to_string() })
    };
    // The chart as committed is what the tag releases.
    let pending = ask(&["status", "--porcelain", "--", "."])?;
    if !pending.is_empty() {
        return Err(Error::Tag {
            message: format!(
                "{} has changes not committed; a tag marks a commit, so commit them first:\n{pending}",
                dir.display()
            ),
        });
    }
    let head = ask(&["rev-parse", "HEAD"])?;
    match ask(&["rev-parse", "--verify", "--quiet", &format!("refs/tags/{tag}^{{commit}}")]) {
        Ok(commit) if commit == head => {
            println!("{tag} already marks HEAD ({}); nothing to do", short(&head));
            return Ok(());
        }
        Ok(commit) => {
            return Err(Error::Tag {
                message: format!(
                    "{tag} exists already, at {}: a new release needs a new version in the chart (the build script's `.version(...)`)",
                    short(&commit)
                ),
            })
        }
        Err(_) => {}
    }
    ask(&["tag", "--", &tag, "HEAD"])?;
    println!("tagged {} as {tag}; publish it with `git push origin {tag}`", short(&head));
    Ok(())
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}
