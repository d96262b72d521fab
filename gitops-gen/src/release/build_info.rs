//! Build provenance for an app's `build.rs`: [`emit`](crate::build_info::emit()) finds the git commit,
//! whether the tree is dirty and the source date, and hands them to the
//! compiler as environment variables that `gitops_types::build_info!()`
//! reads in the app.
//!
//! ```no_run
//! // In build.rs's `main`:
//! gitops_gen::build_info::emit();
//! ```
//!
//! - The commit is `git rev-parse HEAD`; `dirty` is whether `git status`
//!   lists a changed tracked file (untracked files do not count: to take
//!   part in a build, a new file needs a change to a tracked one). Without
//!   git, outside a repository or before the first commit, both are unknown;
//!   the build never fails for it.
//! - The date is `SOURCE_DATE_EPOCH` when set (the reproducible-builds
//!   convention), else the commit's committer date. It is never the wall
//!   clock: a clock reading would make every build of a commit differ, and
//!   would be stale anyway, since cargo reruns a build script only when its
//!   inputs change. A malformed `SOURCE_DATE_EPOCH` is a warning, and the
//!   commit's date is used.
//! - Cargo reruns the build script when `HEAD`, the branch's ref, the
//!   packed refs or the index change (a commit, checkout, `git add`), and
//!   when `SOURCE_DATE_EPOCH` changes. An edit not yet staged does not rerun
//!   it unless the build script watches that file too, so `dirty` is as of
//!   the build script's last run.
//!
//! The git CLI rather than a git library: a library (gix, git2) would add
//! minutes to a cold build of every app for three questions git answers in
//! milliseconds, and would have to follow git's own repository formats.

use crate::foundation::git::Git;
use gitops_types::build_info::{BUILT_AT_VAR, COMMIT_VAR, DIRTY_VAR};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The reproducible-builds variable for the build's date.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// What a build knows about its sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Provenance {
    /// The full commit id of `HEAD`.
    pub commit: Option<String>,
    /// Whether a tracked file differs from `HEAD`.
    pub dirty: Option<bool>,
    /// `SOURCE_DATE_EPOCH`, else `HEAD`'s committer date, in seconds since 1970.
    pub source_date: Option<u64>,
    /// The files whose change should rerun the build script (git's `HEAD`,
    /// the branch's ref, packed refs, index), those that exist.
    pub watch: Vec<PathBuf>,
    /// Problems worth a cargo warning (a malformed `SOURCE_DATE_EPOCH`).
    pub warnings: Vec<String>,
}

/// Prints the `cargo:` lines for the package being built: call it from
/// `build.rs`. Never panics and never fails the build.
pub fn emit() {
    let dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let sde = std::env::var_os(SOURCE_DATE_EPOCH);
    for line in collect(&dir, sde.as_deref()).cargo_lines() {
        println!("{line}");
    }
}

/// The provenance of the sources in `dir`, with `source_date_epoch` the
/// value of `SOURCE_DATE_EPOCH` if set.
pub fn collect(dir: &Path, source_date_epoch: Option<&OsStr>) -> Provenance {
    collect_with(&Git::new(), dir, source_date_epoch)
}

impl Provenance {
    /// The build script's output lines: the three variables (empty when
    /// unknown), what reruns it, and warnings.
    pub fn cargo_lines(&self) -> Vec<String> {
        let dirty = match self.dirty {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        };
        let built_at = self.source_date.map(rfc3339).unwrap_or_default();
        let mut lines = vec![
            format!("cargo:rustc-env={COMMIT_VAR}={}", self.commit.as_deref().unwrap_or("")),
            format!("cargo:rustc-env={DIRTY_VAR}={dirty}"),
            format!("cargo:rustc-env={BUILT_AT_VAR}={built_at}"),
            format!("cargo:rerun-if-env-changed={SOURCE_DATE_EPOCH}"),
        ];
        for path in &self.watch {
            lines.push(format!("cargo:rerun-if-changed={}", path.display()));
        }
        for warning in &self.warnings {
            // One line each: cargo shows a warning up to the newline.
            lines.push(format!("cargo:warning={}", warning.replace(['\n', '\r'], " ")));
        }
        lines
    }
}

/// Reads `SOURCE_DATE_EPOCH`: `Ok(None)` when empty, the seconds when it is
/// a decimal integer as `date +%s` prints it (up to the end of year 9999),
/// else an error saying so.
pub fn source_date_epoch(raw: &OsStr) -> Result<Option<u64>, String> {
    let Some(text) = raw.to_str() else {
        return Err(format!("{SOURCE_DATE_EPOCH} is not valid UTF-8; expected seconds since 1970 as `date +%s` prints them"));
    };
    if text.is_empty() {
        return Ok(None);
    }
    let parsed =
        if text.bytes().all(|b| b.is_ascii_digit()) { text.parse::<u64>().ok() } else { None };
    match parsed {
        Some(secs) if secs <= MAX_SECONDS => Ok(Some(secs)),
        _ => Err(format!(
            "{SOURCE_DATE_EPOCH}={text:?} is not a whole number of seconds since 1970 up to year 9999, as `date +%s` prints them"
        )),
    }
}

/// 9999-12-31T23:59:59Z, the last second RFC 3339's four-digit year can hold.
const MAX_SECONDS: u64 = 253_402_300_799;

/// Seconds since 1970 as RFC 3339 in UTC, `2026-12-02T16:49:41Z`.
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01: counted in 400-year
/// eras of 146 097 days from 0000-03-01, so that the leap day ends a year.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // 1970-01-01 is day 719 468 after 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    // Years of 365 days, corrected for the leap days of the era so far.
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March, of 153 days per five months.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// git's trimmed answer; any failure is "unknown", never an error.
fn answer(git: &Git, dir: &Path, args: &[&str]) -> Option<String> {
    git.run(dir, args).ok().map(|s| s.trim_end().to_owned())
}

fn collect_with(git: &Git, dir: &Path, source_date_epoch: Option<&OsStr>) -> Provenance {
    let commit = answer(git, dir, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
        .filter(|c| is_object_id(c));
    // No optional locks: `status` must not rewrite the index, which the
    // build script watches.
    let dirty = commit.as_ref().and_then(|_| {
        answer(git, dir, &["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"])
    });
    let commit_date = commit
        .as_ref()
        .and_then(|_| answer(git, dir, &["show", "-s", "--format=%ct", "HEAD"]))
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s <= MAX_SECONDS);
    let mut warnings = Vec::new();
    let source_date = match source_date_epoch.map(self::source_date_epoch) {
        Some(Ok(Some(secs))) => Some(secs),
        Some(Err(warning)) => {
            warnings.push(match commit_date {
                Some(_) => format!("{warning}; using the commit's date instead"),
                None => format!("{warning}; the build date is unknown"),
            });
            commit_date
        }
        Some(Ok(None)) | None => commit_date,
    };
    Provenance {
        commit,
        dirty: dirty.map(|s| !s.is_empty()),
        source_date,
        watch: watched(git, dir),
        warnings,
    }
}

/// git's files whose change means another commit or another index.
fn watched(git: &Git, dir: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_owned(), "index".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = answer(git, dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    let mut args = vec!["rev-parse"];
    for name in &names {
        args.extend(["--git-path", name.as_str()]);
    }
    let Some(paths) = answer(git, dir, &args) else { return Vec::new() };
    // Only existing files: cargo reruns every time for a missing one.
    paths.lines().map(|p| dir.join(p)).filter(|p| p.is_file()).collect()
}

/// A SHA-1 or SHA-256 object id in hex.
fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339(MAX_SECONDS), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn rfc3339_matches_a_day_by_day_count() {
        // Walk every day from 1970 to 2400 with the calendar's own rules.
        let mut days = 0u64;
        for year in 1970u64..2400 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let lengths = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            for (month, length) in lengths.iter().enumerate() {
                for day in 1..=*length {
                    assert_eq!(civil_date(days), (year, month as u64 + 1, day), "day {days}");
                    days += 1;
                }
            }
        }
    }

    #[test]
    fn source_date_epoch_values() {
        let parse = |s: &str| source_date_epoch(OsStr::new(s));
        assert_eq!(parse("1700000000"), Ok(Some(1_700_000_000)));
        assert_eq!(parse("0"), Ok(Some(0)));
        assert_eq!(parse(""), Ok(None), "empty is unset");
        for bad in [
            "abc",
            "-1",
            "+5",
            "1.5",
            " 17",
            "17 ",
            "1e9",
            "253402300800",
            "99999999999999999999999",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("SOURCE_DATE_EPOCH") && err.contains("date +%s"), "{bad}: {err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn source_date_epoch_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let err = source_date_epoch(OsStr::from_bytes(b"17\xff")).unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn cargo_lines_known_and_unknown() {
        let known = Provenance {
            commit: Some("a".repeat(40)),
            dirty: Some(true),
            source_date: Some(1_700_000_000),
            watch: vec![PathBuf::from("/repo/.git/HEAD")],
            warnings: vec!["two\nlines".into()],
        };
        assert_eq!(
            known.cargo_lines(),
            [
                format!("cargo:rustc-env=GITOPS_BUILD_COMMIT={}", "a".repeat(40)),
                "cargo:rustc-env=GITOPS_BUILD_DIRTY=true".into(),
                "cargo:rustc-env=GITOPS_BUILD_TIME=2023-11-14T22:13:20Z".into(),
                "cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH".into(),
                "cargo:rerun-if-changed=/repo/.git/HEAD".into(),
                "cargo:warning=two lines".into(),
            ]
        );
        assert_eq!(
            Provenance::default().cargo_lines(),
            [
                "cargo:rustc-env=GITOPS_BUILD_COMMIT=",
                "cargo:rustc-env=GITOPS_BUILD_DIRTY=",
                "cargo:rustc-env=GITOPS_BUILD_TIME=",
                "cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH",
            ]
        );
    }

    /// git isolated from the machine's and the user's configuration, and
    /// from any repository above `ceiling`.
    fn isolated(ceiling: &Path) -> Git {
        let mut git = Git::new();
        for (k, v) in [
            ("GIT_CONFIG_NOSYSTEM", OsString::from("1")),
            ("GIT_CONFIG_GLOBAL", OsString::from("/dev/null")),
            ("GIT_CEILING_DIRECTORIES", ceiling.as_os_str().to_owned()),
            ("GIT_AUTHOR_NAME", "t".into()),
            ("GIT_AUTHOR_EMAIL", "t@example.com".into()),
            ("GIT_COMMITTER_NAME", "t".into()),
            ("GIT_COMMITTER_EMAIL", "t@example.com".into()),
            ("GIT_AUTHOR_DATE", "@1600000000 +0000".into()),
            ("GIT_COMMITTER_DATE", "@1700000000 +0200".into()),
        ] {
            git = git.env(k, v);
        }
        git
    }

    #[test]
    fn a_repository_commit_dirty_and_dates() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let git = isolated(tmp.path());
        let must =
            |args: &[&str]| answer(&git, &repo, args).unwrap_or_else(|| panic!("git {args:?}"));

        // A repository with no commit yet: nothing known, no panic.
        must(&["init", "-q", "-b", "trunk"]);
        let empty = collect_with(&git, &repo, None);
        assert_eq!((empty.commit, empty.dirty, empty.source_date), (None, None, None));

        std::fs::write(repo.join("a.txt"), "one\n").unwrap();
        must(&["add", "a.txt"]);
        must(&["commit", "-q", "-m", "first"]);
        let head = must(&["rev-parse", "HEAD"]);

        let clean = collect_with(&git, &repo, None);
        assert_eq!(clean.commit.as_deref(), Some(head.as_str()));
        assert_eq!(clean.dirty, Some(false));
        // The committer's date, in UTC whatever its zone.
        assert_eq!(clean.source_date, Some(1_700_000_000));
        assert!(clean.warnings.is_empty());
        let watched: Vec<String> = clean
            .watch
            .iter()
            .map(|p| p.strip_prefix(&repo).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(watched, [".git/HEAD", ".git/index", ".git/refs/heads/trunk"]);

        // An untracked file is not dirty; a changed tracked one is.
        std::fs::write(repo.join("new.txt"), "x").unwrap();
        assert_eq!(collect_with(&git, &repo, None).dirty, Some(false));
        std::fs::write(repo.join("a.txt"), "two\n").unwrap();
        assert_eq!(collect_with(&git, &repo, None).dirty, Some(true));

        // SOURCE_DATE_EPOCH wins over the commit's date.
        let pinned = collect_with(&git, &repo, Some(OsStr::new("1234567890")));
        assert_eq!(pinned.source_date, Some(1_234_567_890));
        assert!(pinned
            .cargo_lines()
            .contains(&"cargo:rustc-env=GITOPS_BUILD_TIME=2009-02-13T23:31:30Z".to_owned()));

        // A malformed one is a warning, and the commit's date is used.
        let bad = collect_with(&git, &repo, Some(OsStr::new("yesterday")));
        assert_eq!(bad.source_date, Some(1_700_000_000));
        assert_eq!(bad.warnings.len(), 1);
        assert!(
            bad.warnings[0].contains("\"yesterday\"") && bad.warnings[0].contains("commit's date"),
            "{:?}",
            bad.warnings
        );
        assert!(bad
            .cargo_lines()
            .iter()
            .any(|l| l.starts_with("cargo:warning=SOURCE_DATE_EPOCH=")));

        // A detached HEAD watches HEAD itself.
        must(&["checkout", "-q", "--detach"]);
        let detached = collect_with(&git, &repo, None);
        assert_eq!(detached.commit.as_deref(), Some(head.as_str()));
        assert!(detached.watch.contains(&repo.join(".git/HEAD")));
    }

    #[test]
    fn no_repository_or_no_git() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = collect_with(&isolated(tmp.path()), tmp.path(), Some(OsStr::new("86400")));
        assert_eq!(plain.commit, None);
        assert_eq!(plain.dirty, None);
        assert_eq!(plain.source_date, Some(86_400));
        assert!(plain.watch.is_empty());

        let missing = Git::new().program("gitops-no-such-git");
        let none = collect_with(&missing, tmp.path(), Some(OsStr::new("-3")));
        assert_eq!((none.commit, none.dirty, none.source_date), (None, None, None));
        assert!(none.warnings[0].contains("the build date is unknown"), "{:?}", none.warnings);
    }
}
