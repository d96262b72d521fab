//! Release tooling for a gitops-gen chart, used by `cargo gitops` and CI,
//! never by an app's build: image pins per environment (`pins/<env>.yaml`,
//! the user's) set by [`release`], copied by [`promote`], listed over Git
//! history by [`history`]; a rollback is `git revert` of the pin file's
//! commit.
//!
//! An edit changes only the bytes of the pinned scalars ([`edit`], by a YAML
//! event parser's spans). The result is parsed again, checked against the
//! chart's values.schema.json with the environment's values under it
//! (`gitops_gen::pins::check`), and written atomically.

mod edit;
mod error;

pub use edit::edit;
pub use error::{Error, NoPin};

use gitops_gen::foundation::fs::write_atomic;
use gitops_gen::foundation::git::Git;
use gitops_gen::foundation::layout::{self, has_marker};
use gitops_gen::pins;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// An environment's pin at one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinAt {
    /// The full commit SHA.
    pub commit: String,
    /// The committer date, strict ISO 8601.
    pub date: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Sets `environment`'s pin to `tag` and `digest` (none: `digest: ""`, so
/// the tag decides) in `chart_dir/pins/<environment>.yaml`, creating the
/// file if needed. Returns the file's path.
pub fn release(
    chart_dir: impl AsRef<Path>,
    environment: &str,
    tag: &str,
    digest: Option<&str>,
) -> Result<PathBuf, Error> {
    let chart_dir = chart_dir.as_ref();
    check_environment(chart_dir, environment)?;
    if !is_valid_tag(tag) {
        return Err(Error::InvalidTag { tag: tag.to_owned() });
    }
    if let Some(digest) = digest.filter(|d| !is_valid_digest(d)) {
        return Err(Error::InvalidDigest { digest: digest.to_owned() });
    }
    let path = chart_dir.join(layout::pin_file(environment));
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => pins::new_file(environment),
        Err(e) => return Err(Error::Io { path, source: e }),
    };
    let new = match edit(&old, tag, digest.unwrap_or("")) {
        Ok(new) => new,
        Err(problem) => return Err(Error::Uneditable { file: path, problem }),
    };
    pins::check(chart_dir, environment, &path, &new)?;
    write_atomic(&path, new.as_bytes())?;
    Ok(path)
}

/// Copies `from`'s pin (tag and digest) to `to`. Returns `to`'s file.
pub fn promote(chart_dir: impl AsRef<Path>, from: &str, to: &str) -> Result<PathBuf, Error> {
    let chart_dir = chart_dir.as_ref();
    check_environment(chart_dir, from)?;
    let file = chart_dir.join(layout::pin_file(from));
    let no_pin =
        |file: PathBuf, why: NoPin| Error::NoPin { environment: from.to_owned(), file, why };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(no_pin(file, NoPin::NoFile))
        }
        Err(e) => return Err(Error::Io { path: file, source: e }),
    };
    let pin = match read(&text) {
        Ok(pin) => pin,
        Err(problem) => return Err(Error::Uneditable { file, problem }),
    };
    let Some(tag) = pin.tag else { return Err(no_pin(file, NoPin::NoTag)) };
    release(chart_dir, to, &tag, pin.digest.as_deref())
}

/// `environment`'s pins over the Git history of `repo` (the work tree
/// holding `chart_dir`), newest first: one per commit that changed the pin
/// file. A commit that deleted it, or left it unreadable, has no tag.
pub fn history(
    repo: impl AsRef<Path>,
    chart_dir: impl AsRef<Path>,
    environment: &str,
) -> Result<Vec<PinAt>, Error> {
    let repo = repo.as_ref();
    let chart_dir = chart_dir.as_ref();
    let on_disk = if chart_dir.is_absolute() { chart_dir.to_owned() } else { repo.join(chart_dir) };
    check_environment(&on_disk, environment)?;
    let chart_dir = chart_dir.strip_prefix(repo).unwrap_or(chart_dir);
    let file = chart_dir.join(layout::pin_file(environment));
    let file = file.to_string_lossy().replace('\\', "/");
    let git = Git::new();
    let log = git.run(repo, &["log", "--format=%H %cI", "--", &file])?;
    let mut out = Vec::new();
    for line in log.lines() {
        let Some((commit, date)) = line.split_once(' ') else { continue };
        // `./`: relative to `repo`, as `git log` read it, not to the
        // repository's root. A commit that deleted the file has none.
        let pin = git
            .show(repo, commit, &format!("./{file}"))?
            .and_then(|text| read(&text).ok())
            .unwrap_or(Pin { tag: None, digest: None });
        out.push(PinAt {
            commit: commit.into(),
            date: date.into(),
            tag: pin.tag,
            digest: pin.digest,
        });
    }
    Ok(out)
}

fn check_environment(chart_dir: &Path, environment: &str) -> Result<(), Error> {
    let known = environments(chart_dir)?;
    if known.iter().any(|e| e == environment) {
        return Ok(());
    }
    Err(Error::UnknownEnvironment {
        environment: environment.to_owned(),
        chart_dir: chart_dir.to_owned(),
        known,
    })
}

/// What a pin file says: `image.tag` and `image.digest` (`None` when absent
/// or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Whether `tag` is a valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether `digest` is a digest the chart's schema takes: `sha256:` and 64
/// lower-case hex digits.
pub fn is_valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The environments of the chart in `chart_dir`: its generated
/// `values-<env>.yaml` files.
pub fn environments(chart_dir: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(chart_dir)
        .map_err(|e| Error::Io { path: chart_dir.to_owned(), source: e })?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Io { path: chart_dir.to_owned(), source: e })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(env) = layout::values_file_environment(&name).filter(|_| name.ends_with(".yaml"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if has_marker(&text) {
            out.push(env.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// The pin a pin file's text holds.
pub fn read(text: &str) -> Result<Pin, String> {
    let value: Value = match yaml_serde::from_str(text) {
        Ok(Value::Null) => return Ok(Pin { tag: None, digest: None }),
        Ok(v) => v,
        Err(e) => return Err(format!("not valid YAML: {e}")),
    };
    let get = |key: &str| value["image"][key].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Pin { tag: get("tag"), digest: get("digest") })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn tags_and_digests() {
        for ok in ["1.4.2", "v1", "_x", "latest", "A-b_c.9", &"a".repeat(128)] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["", ".x", "-x", "a b", "a:b", "a/b", "é", &"a".repeat(129)] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        assert!(is_valid_digest(DIGEST));
        for bad in
            ["", "sha256:", &DIGEST.to_uppercase(), &DIGEST[..70], "md5:00", &format!("{DIGEST}0")]
        {
            assert!(!is_valid_digest(bad), "{bad}");
        }
    }

    #[test]
    fn reads_pins() {
        assert_eq!(read("").unwrap(), Pin { tag: None, digest: None });
        assert_eq!(
            read("image: {tag: \"1.0\", digest: \"\"}").unwrap(),
            Pin { tag: Some("1.0".into()), digest: None }
        );
    }
}
