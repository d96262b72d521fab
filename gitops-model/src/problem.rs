//! One problem of a config, its chart, environments, values files or
//! settings, shared by the model's walk and the generator: what kind, and
//! its culprit as far as it applies.

use std::fmt;

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
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            environment: None,
            file: None,
            line: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
