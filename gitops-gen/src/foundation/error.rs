use super::report::Report;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a chart could not be generated, written or checked.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A builder setting or an output is unusable (name, version, image,
    /// config, outputs): `key` names it (`Chart.image`, `Outputs.controllers`).
    InvalidChart(Box<Problem>),
    /// The config struct has fields the chart cannot carry faithfully:
    /// every problem, each naming the config key.
    Config { rust_name: String, problems: Vec<Problem> },
    /// Environments, values files or GitOps controller settings that cannot
    /// be generated or deployed: every problem, each naming its environment,
    /// file or setting, and the key.
    Deployment { problems: Vec<Problem> },
    /// The baseline chart of a compatibility check cannot be read.
    Baseline { baseline: String, problem: String },
    /// [`check`](crate::Chart::check) with a baseline: the chart's version is
    /// too low for what changed; the report says what and what it expects.
    Incompatible(Box<Report>),
    /// Files that gitops-gen did not write stand where chart files go.
    NotGenerated { paths: Vec<PathBuf> },
    /// Reading or writing `path` failed.
    Io { path: PathBuf, source: std::io::Error },
    /// [`check`](crate::Chart::check) found the directory out of date.
    Stale { dir: PathBuf, diff: String },
    /// An image pin would not pass the chart's schema with its
    /// environment's values under it: every refusal, each naming the key.
    Pin { file: PathBuf, problems: Vec<Problem> },
    /// A chart file an image pin is checked with cannot be read as values.
    PinInput(Box<Problem>),
}

/// One problem of a chart's config, environments, values files or
/// settings: what kind, and its culprit (the environment, the file and line,
/// the values key) as far as they apply. It prints as [`message`](Problem::message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The environment it is about.
    pub environment: Option<String>,
    /// The values file it is in, as named (`values-qa.yaml`, `pins/prod.yaml`).
    pub file: Option<String>,
    /// The line in `file`, where known (a YAML syntax error).
    pub line: Option<usize>,
    /// The dotted values key (`resources.limits`; `config.…` for the app's
    /// keys in values files), the config key of a struct's field, or the
    /// setting (`Flux.interval`).
    pub key: Option<String>,
    /// The whole message, culprit included.
    pub message: String,
}

/// What kind of problem a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The chart's schema refuses a value, or the API server would (a rule
    /// the schema cannot say); `key` names it.
    Refused,
    /// A values file that is not YAML (`line` where known) or not a map.
    NotValues,
    /// A name Kubernetes or the controllers would refuse: an environment,
    /// a namespace, a project.
    InvalidName,
    /// Two environments clash: the same name, or the same namespace of the
    /// same cluster.
    Clash,
    /// Something needed is missing: a controller, an environment, a cluster,
    /// a pin file.
    Missing,
    /// A setting a controller would refuse: a URL, a path, a revision, a duration.
    InvalidSetting,
    /// An environment's edit the chart cannot take: another config type, a
    /// value that does not serialize, a key path that is not one, a key the
    /// chart does not carry.
    InvalidEdit,
    /// A pin file that pins no declared environment, or is named so the
    /// controllers would not read it.
    UnknownEnvironment,
    /// A config field the chart cannot carry faithfully.
    Unsupported,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            environment: None,
            file: None,
            line: None,
            key: None,
            message: message.into(),
        }
    }

    pub(crate) fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    pub(crate) fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub(crate) fn line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub(crate) fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_owned(), source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidChart(msg) => write!(f, "invalid chart: {msg}"),
            Error::Config { rust_name, problems } => {
                write!(f, "`{rust_name}` cannot be delivered by a Helm chart as it stands:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            Error::Deployment { problems } => {
                write!(f, "the environments, values files or GitOps settings have problems:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            Error::Baseline { baseline, problem } => {
                write!(f, "cannot read the baseline chart {baseline}: {problem}")
            }
            Error::Incompatible(report) => write!(
                f,
                "chart version {} is too low for its changes since {} ({}): expected at least {}\n{report}",
                report.new_version, report.baseline, report.old_version, report.expected
            ),
            Error::NotGenerated { paths } => {
                write!(f, "refusing to overwrite files that gitops-gen did not generate (no `Code generated by gitops-gen` line):")?;
                for p in paths {
                    write!(f, "\n  - {}", p.display())?;
                }
                write!(f, "\nmove them away or write the chart to another directory")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Stale { dir, diff } => write!(
                f,
                "the files in {} are out of date: they are generated, so change their source (the config struct, its defaults, the chart's settings in the build script), not the files, and regenerate them (a build whose build script writes them, or `Chart::write`):\n{diff}",
                dir.display()
            ),
            Error::Pin { file, problems } => {
                write!(f, "image pin: {} would not pass the chart's schema: ", file.display())?;
                for (i, p) in problems.iter().enumerate() {
                    write!(f, "{}{p}", if i == 0 { "" } else { "; " })?;
                }
                Ok(())
            }
            Error::PinInput(problem) => write!(f, "image pin: {problem}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
