//! Why a command failed. Each variant names its culprit (a path, a package,
//! a command, the build script's answer) and is its kind; `Display` is the
//! message `cargo gitops` prints after `cargo gitops: `, and `source()` is
//! the io, TOML or gitops-gen error underneath, where there is one.
//! Usage mistakes (an unknown option, a missing value) are clap's, reported
//! before any command runs, and never become an [`Error`].

use crate::manifest::Find;
use std::fmt;
use std::path::PathBuf;

/// A failed `cargo gitops` command.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The error of a step of `command`, shown as `command: error`.
    In { command: &'static str, error: Box<Error> },
    /// A failed write of several files: none of them is left.
    NothingWritten(Box<Error>),

    // Finding and reading the crate.
    /// The current directory cannot be read.
    CurrentDir(std::io::Error),
    /// `--manifest-path` names no file.
    NoSuchManifest { path: PathBuf },
    /// No Cargo.toml where `find` looks from `dir`.
    NoManifest { dir: PathBuf, find: Find },
    /// The Cargo.toml found a moment ago is gone.
    ManifestGone { path: PathBuf },
    /// A file that cannot be read, or a directory that cannot be made (the
    /// import's output).
    Io { path: PathBuf, source: std::io::Error },
    /// A Cargo.toml that does not parse.
    Toml { path: PathBuf, source: toml_edit::TomlError },
    /// A Cargo.toml without `[package] name` (a virtual manifest); `hint`
    /// says what to do instead.
    NoPackageName { path: PathBuf, hint: &'static str },

    // init.
    /// `init --path DIR` that is not a gitops-rs checkout.
    NotACheckout { dir: PathBuf },
    /// `init --git URL` that `git ls-remote` cannot read.
    GitUnreadable { url: String, why: String },
    /// `init --git URL --tag T` (or `--branch`) naming a ref the repository lacks.
    GitRefMissing { url: String, reference: String },
    /// `package.build = false` in `manifest`.
    BuildScriptsOff { manifest: PathBuf },
    /// `package.build = value`, which is not one build script's path.
    BuildNotAPath { manifest: PathBuf, value: String },
    /// `[table]` in `manifest` is something other than a table.
    NotATable { manifest: PathBuf, table: &'static str },
    /// A directory that cannot be created.
    CreateDir { path: PathBuf, source: std::io::Error },
    /// A file that cannot be written.
    Write { path: PathBuf, source: std::io::Error },

    // check and env (`command`), through `cargo check -p package`.
    /// `-p` given a package spec rather than a name; `name`, the package
    /// name in it, if any (`orders` in `orders@1.0`).
    PackageSpec { command: &'static str, spec: String, name: Option<String> },
    /// The receipt file cannot be created.
    Receipt { command: &'static str, source: std::io::Error },
    /// cargo itself cannot be started.
    RunCargo { command: &'static str, cargo: PathBuf, source: std::io::Error },
    /// `cargo check` failed before the build script answered.
    CargoFailed { command: &'static str, package: String, stderr: String },
    /// The build script answered with an error (a stale chart, say).
    BuildScript { command: &'static str, package: String, message: String },
    /// The build script answered, then the crate's own code failed to compile.
    CrateFailed { command: &'static str, package: String, answer: String, stderr: String },
    /// `cargo check` passed but the build script never answered.
    NoAnswer { command: &'static str, package: String },

    // render and diff.
    /// The build script's render answer is not the JSON expected.
    BadAnswer { command: &'static str, message: String },
    /// `--env NAME` names no environment of the chart.
    UnknownEnvironment { name: String, suggestion: Option<String>, known: Vec<String> },
    /// `--cluster NAME` names no cluster the environment is deployed to.
    UnknownCluster {
        environment: String,
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// `--base REV` cannot be checked out.
    BadBase { rev: String, message: String },
    /// `init --release-env NAME` that cannot name an environment.
    BadEnvironmentName { name: String },

    // check --policy.
    /// Policies that cannot be loaded or evaluated, naming the file and rule.
    Policy(crate::policy::PolicyError),
    /// Policies that failed (the violations are printed before).
    PolicyViolations { count: usize, failing: usize, releases: usize },

    // import.
    /// What the import found wrong in a chart's file (`path`).
    Chart { path: PathBuf, message: String },
    /// Two output files that are one path.
    SameFile { first: PathBuf, second: PathBuf },
    /// Output files that exist already.
    WouldOverwrite { paths: Vec<PathBuf> },

    // release, promote, history.
    /// No `--chart` given, and no chart where the crate's would be.
    NoChart { command: &'static str, looked: PathBuf },
    /// What `tag` refused or git failed at.
    Tag { message: String },
    /// What `gitops_release` refused.
    Pin { command: &'static str, source: gitops_release::Error },
}

impl Error {
    /// This error as a step of `command` (`command: …`).
    pub(crate) fn during(self, command: &'static str) -> Error {
        Error::In { command, error: Box::new(self) }
    }
}

/// `; did you mean `x`?` when there is a suggestion, then what there is:
/// ` (none)` or ` (label: a, b)`.
fn did_you_mean(
    f: &mut fmt::Formatter<'_>,
    suggestion: &Option<String>,
    known: &[String],
    none: &str,
    label: &str,
) -> fmt::Result {
    if let Some(s) = suggestion {
        write!(f, "; did you mean `{s}`?")?;
    }
    match known.is_empty() {
        true => write!(f, " ({none})"),
        false => write!(f, " ({label}: {})", known.join(", ")),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::In { command, error } => write!(f, "{command}: {error}"),
            Error::BadAnswer { command, message } => write!(
                f,
                "{command}: the build script's render is not what this cargo gitops reads (are gitops-gen and cargo-gitops the same version?): {message}"
            ),
            Error::UnknownEnvironment { name, suggestion, known } => {
                write!(f, "--env {name}: no such environment")?;
                did_you_mean(f, suggestion, known, "the chart declares none: `Chart::environment`", "the chart's")
            }
            Error::UnknownCluster { environment, name, suggestion, known } => {
                write!(f, "--cluster {name}: environment `{environment}` is not deployed to it")?;
                did_you_mean(f, suggestion, known, "it has no fleet", "its clusters")
            }
            Error::BadBase { rev, message } => write!(f, "--base {rev}: {message}"),
            Error::NoChart { command, looked } => write!(
                f,
                "{command}: no --chart given, and no chart at {} (beside the crate's Cargo.toml): give --chart DIR",
                looked.display()
            ),
            Error::BadEnvironmentName { name } => write!(
                f,
                "--release-env {name:?}: not an environment's name (lower-case letters, digits and `-`, as `Environment::new` takes)"
            ),
            Error::Policy(error) => write!(f, "check: {error}"),
            Error::PolicyViolations { count, failing, releases } => {
                write!(f, "check: {count} policy violation(s) in {failing} of {releases} release(s)")
            }
            Error::NothingWritten(error) => write!(f, "{error}; nothing written"),
            Error::CurrentDir(source) => write!(f, "the current directory: {source}"),
            Error::NoSuchManifest { path } => {
                write!(f, "--manifest-path {}: no such file", path.display())
            }
            Error::NoManifest { dir, find: Find::Here } => write!(
                f,
                "no Cargo.toml in {}: run this in the crate's directory (`cargo new` makes one), or give --manifest-path",
                dir.display()
            ),
            Error::NoManifest { dir, find: Find::Upward } => write!(
                f,
                "no Cargo.toml in {} or any directory above it: run this in a crate, or give --manifest-path",
                dir.display()
            ),
            Error::ManifestGone { path } => write!(
                f,
                "no Cargo.toml at {}: run it in a crate's directory (`cargo new` makes one), or give --manifest-path",
                path.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Toml { path, source } => {
                write!(f, "{}: not valid TOML: {source}", path.display())
            }
            Error::NoPackageName { path, hint } => {
                write!(f, "{} has no [package] name (a workspace's root?): {hint}", path.display())
            }
            Error::NotACheckout { dir } => write!(
                f,
                "init --path {}: not a gitops-rs checkout (no gitops-types/Cargo.toml and gitops-gen/Cargo.toml in it)",
                dir.display()
            ),
            Error::GitUnreadable { url, why } => write!(
                f,
                "init --git {url}: git cannot read the repository ({why}); nothing was changed"
            ),
            Error::GitRefMissing { url, reference } => write!(
                f,
                "init --git {url}: the repository has no {reference}; nothing was changed"
            ),
            Error::BuildScriptsOff { manifest } => write!(
                f,
                "{} sets `package.build = false`, which turns build scripts off; gitops-rs writes the chart from one: remove the setting, then run init again. Nothing was changed",
                manifest.display(),
            ),
            Error::BuildNotAPath { manifest, value } => write!(
                f,
                "{}: `package.build = {value}` is not one build script's path; set up the chart's build script by hand (see the README's quick start). Nothing was changed",
                manifest.display(),
            ),
            Error::NotATable { manifest, table } => {
                write!(f, "{}: `{table}` is not a table", manifest.display())
            }
            Error::CreateDir { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            Error::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            Error::PackageSpec { command, spec, name } => {
                let example = name.as_ref().map(|name| format!(" (`-p {name}`)"));
                write!(
                    f,
                    "{command} -p {spec}: give the package's name only{}: a package spec \
                     (`name@version`, a URL, a pattern) is not supported",
                    example.unwrap_or_default()
                )
            }
            Error::Receipt { command, source } => write!(
                f,
                "{command}: cannot create a receipt file in the temporary directory: {source}"
            ),
            Error::RunCargo { command, cargo, source } => {
                write!(f, "{command}: cannot run {}: {source}", cargo.display())
            }
            Error::CargoFailed { command, package, stderr } => write!(
                f,
                "{command}: `cargo check -p {package}` failed before its build script answered:\n{stderr}"
            ),
            Error::BuildScript { command, package, message } => {
                write!(f, "{command} failed for `{package}`:\n{message}")
            }
            Error::CrateFailed { command, package, answer, stderr } => write!(
                f,
                "{command}: {} ({answer}), but `cargo check -p {package}` failed:\n{stderr}",
                if *command == "check" {
                    "the chart check passed"
                } else {
                    "the build script answered"
                },
            ),
            Error::NoAnswer { command, package } => write!(
                f,
                "{command}: the build script of `{package}` did not answer, so nothing was {}: \
                 the package has no build script (`cargo gitops init` sets one up), or its \
                 build script does not call `gitops_gen::Chart::build_script`: call it in \
                 place of `Chart::write` (see gitops-rs's docs/getting-started.md, \"The build script\")",
                if *command == "env" { "written" } else { "checked" }
            ),
            Error::Chart { path, message } => write!(f, "{}: {message}", path.display()),
            Error::SameFile { first, second } => write!(
                f,
                "{} and {} are the same file; choose another `--out` or `--values-out`; nothing written",
                first.display(),
                second.display()
            ),
            Error::WouldOverwrite { paths } => {
                let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "refusing to overwrite {}; nothing written", paths.join(", "))
            }
            Error::Tag { message } => write!(f, "tag: {message}"),
            Error::Pin { command, source } => write!(f, "{command}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The wrappers add words to the inner message, so its source is theirs.
            Error::In { error, .. } | Error::NothingWritten(error) => error.source(),
            Error::CurrentDir(source)
            | Error::Io { source, .. }
            | Error::CreateDir { source, .. }
            | Error::Write { source, .. }
            | Error::Receipt { source, .. }
            | Error::RunCargo { source, .. } => Some(source),
            Error::Toml { source, .. } => Some(source),
            Error::Pin { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;
    use std::io;

    #[test]
    fn messages_name_the_culprit_and_keep_the_io_error_as_source() {
        let denied = || io::Error::new(io::ErrorKind::PermissionDenied, "denied");
        let error = Error::Write { path: "/x/config.rs".into(), source: denied() }.during("init");
        assert_eq!(error.to_string(), "init: cannot write /x/config.rs: denied");
        assert_eq!(error.source().map(ToString::to_string).as_deref(), Some("denied"));

        let error =
            Error::NothingWritten(Box::new(Error::Io { path: "out".into(), source: denied() }));
        assert_eq!(error.to_string(), "out: denied; nothing written");
        assert!(error.source().is_some());

        let error = Error::PackageSpec {
            command: "check",
            spec: "orders@1.0.0".into(),
            name: Some("orders".into()),
        };
        assert!(error.to_string().starts_with(
            "check -p orders@1.0.0: give the package's name only (`-p orders`): a package spec"
        ));
        assert!(error.source().is_none());

        let error = Error::NoManifest { dir: "/srv".into(), find: Find::Upward };
        assert!(error.to_string().starts_with("no Cargo.toml in /srv or any directory above it:"));
        let error = Error::WouldOverwrite { paths: vec!["a.rs".into(), "b.yaml".into()] };
        assert_eq!(error.to_string(), "refusing to overwrite a.rs, b.yaml; nothing written");
    }
}
