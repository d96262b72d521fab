use gitops_gen::foundation::git::GitError;
use std::fmt;
use std::path::PathBuf;

/// Why a pin could not be set, promoted or listed: the culprit and the kind.
/// The pin's own refusals start with `image pin:`; a failed read or write
/// names its path.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The chart in `chart_dir` has no generated `values-<environment>.yaml`.
    UnknownEnvironment { environment: String, chart_dir: PathBuf, known: Vec<String> },
    /// Not a valid OCI tag.
    InvalidTag { tag: String },
    /// Not `sha256:` and 64 lower-case hex digits.
    InvalidDigest { digest: String },
    /// `promote` from an environment without a pin.
    NoPin { environment: String, file: PathBuf, why: NoPin },
    /// The pin file cannot be read or edited safely (the editor's reason).
    Uneditable { file: PathBuf, problem: String },
    /// git failed (`history`).
    Git(GitError),
    /// Reading or writing `path` failed.
    Io { path: PathBuf, source: std::io::Error },
    /// The chart refused the pin (its schema with the environment's values
    /// under it), or a chart file could not be read or written.
    Chart(gitops_gen::Error),
}

/// Why an environment has no pin to promote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPin {
    /// Its pin file does not exist.
    NoFile,
    /// Its pin file sets no `image.tag`.
    NoTag,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownEnvironment { environment, chart_dir, known } => write!(
                f,
                "image pin: no environment `{environment}` in {}: its environments are {}",
                chart_dir.display(),
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ),
            Error::InvalidTag { tag } => write!(
                f,
                "image pin: tag {tag:?} is not a valid image tag: 1 to 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
            ),
            Error::InvalidDigest { digest } => write!(
                f,
                "image pin: digest {digest:?} is not `sha256:` followed by 64 lower-case hex digits"
            ),
            Error::NoPin { environment, file, why } => {
                let why = match why {
                    NoPin::NoFile => "does not exist",
                    NoPin::NoTag => "sets no `image.tag`",
                };
                write!(
                    f,
                    "image pin: environment `{environment}` has no pin to promote: {} {why}",
                    file.display()
                )
            }
            Error::Uneditable { file, problem } => {
                write!(f, "image pin: {}: {problem}", file.display())
            }
            Error::Git(e) => write!(f, "image pin: {e}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Chart(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Git(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::Chart(e) => Some(e),
            _ => None,
        }
    }
}

impl From<GitError> for Error {
    fn from(e: GitError) -> Self {
        Error::Git(e)
    }
}

impl From<gitops_gen::Error> for Error {
    fn from(e: gitops_gen::Error) -> Self {
        match e {
            // One kind for a failed read or write, whichever crate met it.
            gitops_gen::Error::Io { path, source } => Error::Io { path, source },
            e => Error::Chart(e),
        }
    }
}
