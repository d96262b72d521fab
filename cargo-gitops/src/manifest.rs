//! Which crate a command works on: its Cargo.toml, given with
//! `--manifest-path` or found from the current directory (`Find::Here` for
//! init, `Find::Upward` for check and env), read and parsed, and its
//! package's name.

use crate::Error;
use std::path::{Path, PathBuf};

/// `path` made absolute against the current directory (it need not exist).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    std::env::current_dir().map(|dir| dir.join(path)).unwrap_or_else(|_| path.to_owned())
}

/// Where to look for the crate's Cargo.toml when `--manifest-path` is not
/// given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    /// In the current directory only (`init`: setting up a crate found in
    /// some directory above would be a surprise).
    Here,
    /// The nearest one from the current directory upward, as cargo finds it
    /// (`check`, `env`: they run cargo, which does the same).
    Upward,
}

/// The crate's Cargo.toml: `--manifest-path` if given (it must exist), else
/// found from the current directory as `find` says.
pub(crate) fn manifest_path(given: Option<&Path>, find: Find) -> Result<PathBuf, Error> {
    if let Some(given) = given {
        let path = absolute(given);
        if !path.is_file() {
            return Err(Error::NoSuchManifest { path });
        }
        return Ok(path);
    }
    let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
    match find_manifest(&cwd, find) {
        Some(path) => Ok(path),
        None => Err(Error::NoManifest { dir: cwd, find }),
    }
}

/// The Cargo.toml `find` reaches from `dir`, if any.
fn find_manifest(dir: &Path, find: Find) -> Option<PathBuf> {
    let levels = match find {
        Find::Here => 1,
        Find::Upward => usize::MAX,
    };
    dir.ancestors().take(levels).map(|dir| dir.join("Cargo.toml")).find(|path| path.is_file())
}

/// The `[package]` name in the Cargo.toml `doc`, read from `path`; `hint`
/// ends the error (what to do instead).
pub(crate) fn package_name(
    doc: &toml_edit::DocumentMut,
    path: &Path,
    hint: &'static str,
) -> Result<String, Error> {
    doc.get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::NoPackageName { path: path.to_owned(), hint })
}

/// The Cargo.toml at `path`, parsed.
pub(crate) fn read_manifest(path: &Path) -> Result<toml_edit::DocumentMut, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Io { path: path.to_owned(), source })?;
    parse_manifest(&text, path)
}

/// `text`, the Cargo.toml at `path`, parsed.
pub(crate) fn parse_manifest(text: &str, path: &Path) -> Result<toml_edit::DocumentMut, Error> {
    text.parse().map_err(|source| Error::Toml { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn here_looks_in_the_directory_only_upward_finds_the_nearest() {
        let root = tempfile::tempdir().unwrap();
        let nested = root.path().join("outer/inner");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(root.path().join("outer/Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(find_manifest(&nested, Find::Here), None);
        assert_eq!(
            find_manifest(&nested, Find::Upward),
            Some(root.path().join("outer/Cargo.toml"))
        );
        std::fs::write(nested.join("Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(find_manifest(&nested, Find::Here), Some(nested.join("Cargo.toml")));
        assert_eq!(find_manifest(&nested, Find::Upward), Some(nested.join("Cargo.toml")));
    }
}
