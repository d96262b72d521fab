//! The release gate's default baseline: the chart as it was at its last
//! release, found without configuration.
//!
//! A release is a Git tag: `<chart>-v<version>` (`orders-v1.4.2`), or, in a
//! repository with no such tag, `v<version>` (one chart per repository,
//! tagged like its crate); [`Baseline::tagged`](super::compat::Baseline::tagged)
//! sets another prefix. The last release is the highest version among the
//! tags reachable from `HEAD`, so a maintenance branch compares with its own
//! line, not with a newer major tagged elsewhere. Tags rather than the merge
//! base with the main branch: the main branch holds changes not released yet,
//! and comparing with it would demand a bump per pull request instead of per
//! release. The decision is in docs/decisions.md.
//!
//! Nothing is fetched. What it cannot decide it says: outside Git or before
//! the first release the gate passes with a note; a shallow clone without a
//! release in its history is an error naming the fetch that fixes it, since
//! passing there would let CI's default checkout skip the gate.

use super::compat::Baseline;
use crate::foundation::error::Error;
use crate::foundation::git::Git;
use std::path::{Path, PathBuf};

/// The tag that marks the release of the chart in `chart_dir` at its
/// current version, the one [`find`] looks for: `<tag_prefix><version>`,
/// by default `<chart>-v<version>` (`orders-v1.4.2`); gitops-gen's digest
/// in the version (`+d.…`) left out. `cargo gitops tag` creates it.
pub fn release_tag(chart_dir: &Path, tag_prefix: Option<&str>) -> Result<String, Error> {
    let path = chart_dir.join(crate::foundation::layout::CHART_YAML);
    let text = std::fs::read_to_string(&path)
        .map_err(|source| Error::Io { path: path.clone(), source })?;
    let chart: serde_json::Value = yaml_serde::from_str(&text).map_err(|e| Error::Baseline {
        baseline: path.display().to_string(),
        problem: e.to_string(),
    })?;
    let field = |key: &str| chart[key].as_str().filter(|v| !v.is_empty());
    let (Some(name), Some(version)) = (field("name"), field("version")) else {
        return Err(Error::Baseline {
            baseline: path.display().to_string(),
            problem: "no `name` and `version`".into(),
        });
    };
    let version = crate::render::version::without_digest(version);
    Ok(match tag_prefix {
        Some(prefix) => format!("{prefix}{version}"),
        None => format!("{name}-v{version}"),
    })
}

/// What the gate compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LastRelease {
    /// The chart at the release tag (the baseline's `rev`).
    Found(Baseline),
    /// Nothing to compare with, and why (one sentence).
    Nothing(String),
}

/// The last release of the chart `chart` kept in `chart_dir`, tagged
/// `<prefix><version>`: `prefix` if given, else `<chart>-v`, else `v`.
pub(crate) fn find(
    chart_dir: &Path,
    chart: &str,
    prefix: Option<&str>,
) -> Result<LastRelease, Error> {
    let git = Git::new();
    // The chart's directory, or its nearest existing parent before the first write.
    let Some(dir) = chart_dir.ancestors().find(|dir| dir.is_dir()) else {
        return Ok(LastRelease::Nothing(format!("{} does not exist", chart_dir.display())));
    };
    let ask = |args: &[&str]| git.run(dir, args).map(|out| out.trim().to_owned());
    let toplevel = ask(&["rev-parse", "--show-toplevel"]);
    if let Err(e @ crate::foundation::git::GitError::NotRun { .. }) = &toplevel {
        // Passing here would turn the gate off on a machine without git.
        return Err(Error::Baseline {
            baseline: "the last release".into(),
            problem: e.to_string(),
        });
    }
    let (Ok(root), Ok(in_repo)) = (toplevel, ask(&["rev-parse", "--show-prefix"])) else {
        return Ok(LastRelease::Nothing(format!(
            "{} is not in a Git repository: no release to compare with",
            chart_dir.display()
        )));
    };
    if ask(&["rev-parse", "--verify", "--quiet", "HEAD"]).is_err() {
        return Ok(LastRelease::Nothing("no commit yet: no release to compare with".into()));
    }
    // The chart's path from the repository's root, even when it is not written yet.
    let below: PathBuf = chart_dir.strip_prefix(dir).unwrap_or(Path::new("")).to_owned();
    let path = Path::new(&in_repo).join(below).to_string_lossy().trim_end_matches('/').to_owned();
    let root = PathBuf::from(root);

    let prefixes = match prefix {
        Some(prefix) => vec![prefix.to_owned()],
        None => vec![format!("{chart}-v"), "v".to_owned()],
    };
    for prefix in &prefixes {
        let pattern = format!("{prefix}*");
        let listed =
            git.run(&root, &["tag", "--list", &pattern, "--merged", "HEAD"]).map_err(|e| {
                Error::Baseline {
                    baseline: format!("the last release ({pattern})"),
                    problem: e.to_string(),
                }
            })?;
        let highest = listed
            .lines()
            .filter_map(|tag| {
                Some((semver::Version::parse(tag.strip_prefix(prefix.as_str())?).ok()?, tag))
            })
            .max();
        let Some((_, tag)) = highest else { continue };
        let baseline = Baseline::git(&root, tag, &path);
        let chart_yaml = format!("{path}/Chart.yaml");
        if git.show(&root, tag, chart_yaml.trim_start_matches('/')).ok().flatten().is_none() {
            return Ok(LastRelease::Nothing(format!(
                "the last release, tag {tag}, has no chart at {}: nothing to compare with",
                if path.is_empty() { "the repository's root" } else { &path }
            )));
        }
        return Ok(LastRelease::Found(baseline));
    }

    let patterns =
        prefixes.iter().map(|p| format!("`{p}<version>`")).collect::<Vec<_>>().join(" or ");
    if ask(&["rev-parse", "--is-shallow-repository"]).is_ok_and(|shallow| shallow == "true") {
        return Err(Error::ShallowClone { repo: root, patterns });
    }
    Ok(LastRelease::Nothing(format!(
        "no release yet (no tag {patterns} reachable from HEAD): the gate starts at the first release; `cargo gitops tag` tags it"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        Git::new()
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .run(dir, args)
            .unwrap()
    }

    fn commit_chart(repo: &Path, version: &str) {
        std::fs::create_dir_all(repo.join("svc/chart")).unwrap();
        std::fs::write(
            repo.join("svc/chart/Chart.yaml"),
            format!("name: svc\nversion: {version}\n"),
        )
        .unwrap();
        git(repo, &["add", "."]);
        git(repo, &["commit", "--quiet", "-m", version]);
    }

    #[test]
    fn the_highest_release_tag_reachable_from_head() {
        let repo = tempfile::tempdir().unwrap();
        let repo = repo.path().canonicalize().unwrap();
        let chart = repo.join("svc/chart");
        let found = |prefix: Option<&str>| find(&chart, "svc", prefix).unwrap();
        assert!(
            matches!(found(None), LastRelease::Nothing(why) if why.contains("not in a Git repository"))
        );

        git(&repo, &["init", "--quiet"]);
        assert!(matches!(found(None), LastRelease::Nothing(why) if why.contains("no commit yet")));
        commit_chart(&repo, "0.9.0");
        let LastRelease::Nothing(why) = found(None) else { panic!("no tag yet") };
        assert!(
            why.contains(
                "no release yet (no tag `svc-v<version>` or `v<version>` reachable from HEAD)"
            ),
            "{why}"
        );

        // `v<version>` when the chart has no tag of its own; not a version: ignored.
        git(&repo, &["tag", "v0.9.0"]);
        git(&repo, &["tag", "v-latest"]);
        let expect = |tag: &str| LastRelease::Found(Baseline::git(&repo, tag, "svc/chart"));
        assert_eq!(found(None), expect("v0.9.0"));
        // The chart's own tags win; the highest by SemVer, not by name.
        git(&repo, &["tag", "svc-v0.9.0"]);
        commit_chart(&repo, "0.10.0");
        git(&repo, &["tag", "svc-v0.10.0"]);
        assert_eq!(found(None), expect("svc-v0.10.0"));
        // A tag on another branch is not this line's release.
        git(&repo, &["checkout", "--quiet", "-b", "next"]);
        commit_chart(&repo, "1.0.0");
        git(&repo, &["tag", "svc-v1.0.0"]);
        git(&repo, &["checkout", "--quiet", "-"]);
        assert_eq!(found(None), expect("svc-v0.10.0"));
        // A configured prefix is the only one.
        assert!(matches!(found(Some("release-")), LastRelease::Nothing(_)));
        // A release from before the chart existed: nothing to compare.
        let LastRelease::Nothing(why) = find(&repo.join("other/chart"), "svc", None).unwrap()
        else {
            panic!("no chart at the tag")
        };
        assert!(why.contains("tag svc-v0.10.0, has no chart at other/chart"), "{why}");

        // A shallow clone whose history holds no release: told what to fetch.
        let elsewhere = tempfile::tempdir().unwrap();
        let shallow = elsewhere.path().join("shallow");
        let url = format!("file://{}", repo.display());
        git(
            &repo,
            &["clone", "--quiet", "--depth", "1", "--no-tags", &url, shallow.to_str().unwrap()],
        );
        let err = find(&shallow.join("svc/chart"), "svc", None).unwrap_err().to_string();
        assert!(err.contains("git fetch --unshallow --tags"), "{err}");
    }
}
