//! The one way gitops-gen runs git: in the C locale (git's messages are read
//! to tell a missing file from a failure), stdin closed, a revision that
//! looks like an option refused before git sees it, and every failure typed.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How git is run: the program and extra environment (tests isolate it).
#[derive(Debug, Clone)]
pub struct Git {
    program: OsString,
    envs: Vec<(OsString, OsString)>,
}

/// Why a git call failed.
#[derive(Debug)]
pub enum GitError {
    /// git could not be started.
    NotRun { source: std::io::Error },
    /// git ran and failed: the arguments, where, and its message.
    Failed { args: String, dir: PathBuf, stderr: String },
    /// git's output was not UTF-8.
    NotUtf8 { args: String },
    /// A revision that is empty or starts with `-` (git would take it for an option).
    BadRevision { rev: String },
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::NotRun { source } => write!(f, "cannot run git: {source}"),
            GitError::Failed { args, dir, stderr } => {
                write!(f, "`git {args}` failed in {}: {stderr}", dir.display())
            }
            GitError::NotUtf8 { args } => write!(f, "`git {args}`'s output is not UTF-8"),
            GitError::BadRevision { rev } => write!(f, "{rev:?} is not a Git revision"),
        }
    }
}

impl std::error::Error for GitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GitError::NotRun { source } => Some(source),
            _ => None,
        }
    }
}

impl Default for Git {
    fn default() -> Self {
        Git { program: "git".into(), envs: Vec::new() }
    }
}

impl Git {
    /// git from `PATH`.
    pub fn new() -> Self {
        Git::default()
    }

    /// Another git program (tests).
    pub fn program(mut self, program: impl Into<OsString>) -> Self {
        self.program = program.into();
        self
    }

    /// An extra environment variable for every run (tests isolate git with them).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// git's stdout for `args`, run in `dir`.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<String, GitError> {
        let output = Command::new(&self.program)
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| GitError::NotRun { source })?;
        if !output.status.success() {
            return Err(GitError::Failed {
                args: args.join(" "),
                dir: dir.to_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        String::from_utf8(output.stdout).map_err(|_| GitError::NotUtf8 { args: args.join(" ") })
    }

    /// The text of `path` at `rev` (`git show REV:PATH`; a `path` starting
    /// with `./` is relative to `dir`); `None` when the revision has no such
    /// file.
    pub fn show(&self, dir: &Path, rev: &str, path: &str) -> Result<Option<String>, GitError> {
        if rev.is_empty() || rev.starts_with('-') {
            return Err(GitError::BadRevision { rev: rev.to_owned() });
        }
        match self.run(dir, &["show", &format!("{rev}:{path}")]) {
            Ok(text) => Ok(Some(text)),
            Err(GitError::Failed { stderr, .. })
                if stderr.contains("does not exist in")
                    || stderr.contains("exists on disk, but not in") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_like_revisions_never_reach_git() {
        // A program that does not exist: a revision that got through would
        // fail with NotRun instead.
        let git = Git::new().program("/nonexistent/git");
        for rev in ["", "--output=/tmp/x", "-p"] {
            assert!(matches!(
                git.show(Path::new("."), rev, "Chart.yaml"),
                Err(GitError::BadRevision { .. })
            ));
        }
        assert!(matches!(git.run(Path::new("."), &["status"]), Err(GitError::NotRun { .. })));
    }
}
