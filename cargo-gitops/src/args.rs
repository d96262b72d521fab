//! The options of every command (`-p`/`--package`, `--manifest-path`,
//! `--out`, `--path`, `--values-out`, `--env-prefix`, and the pin commands'
//! `--chart`, `--env`, `--tag`, `--digest`, `--from`, `--to`, `--repo`),
//! parsed by hand: each is `--name VALUE` or `--name=VALUE` (`-p VALUE` for
//! the short one); only
//! `import` takes a positional argument, the chart's directory. No
//! argument-parsing dependency. Every mistake names the argument.

use std::path::{Path, PathBuf};

/// Options in `--name VALUE` or `--name=VALUE` form.
pub struct Args<'a> {
    rest: std::slice::Iter<'a, String>,
    command: &'a str,
}

impl<'a> Args<'a> {
    pub fn new(command: &'a str, args: &'a [String]) -> Self {
        Args { rest: args.iter(), command }
    }

    /// The next option's name and, for `--name=VALUE`, its value; `None`
    /// at the end.
    pub fn next_option(&mut self) -> Option<(&'a str, Option<&'a str>)> {
        let arg = self.rest.next()?;
        Some(match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value)),
            _ => (arg.as_str(), None),
        })
    }

    /// The value of option `name`, inline or the next argument.
    pub fn value(&mut self, name: &str, inline: Option<&'a str>) -> Result<&'a str, String> {
        match inline.or_else(|| self.rest.next().map(String::as_str)) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(format!("{} {name}: expected a value after it", self.command)),
        }
    }

    /// The error for an argument the command does not take.
    pub fn unknown(&self, arg: &str, usage: &str) -> String {
        format!("{}: unknown argument `{arg}`\nusage: {usage}", self.command)
    }
}

/// `path` made absolute against the current directory (it need not exist).
pub fn absolute(path: &Path) -> PathBuf {
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
pub fn manifest_path(given: Option<&str>, find: Find) -> Result<PathBuf, String> {
    if let Some(given) = given {
        let path = absolute(Path::new(given));
        if !path.is_file() {
            return Err(format!("--manifest-path {}: no such file", path.display()));
        }
        return Ok(path);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
    find_manifest(&cwd, find).ok_or_else(|| match find {
        Find::Here => format!(
            "no Cargo.toml in {}: run this in the crate's directory (`cargo new` makes one), or give --manifest-path",
            cwd.display()
        ),
        Find::Upward => format!(
            "no Cargo.toml in {} or any directory above it: run this in a crate, or give --manifest-path",
            cwd.display()
        ),
    })
}

/// The Cargo.toml `find` reaches from `dir`, if any.
pub fn find_manifest(dir: &Path, find: Find) -> Option<PathBuf> {
    let levels = match find {
        Find::Here => 1,
        Find::Upward => usize::MAX,
    };
    dir.ancestors().take(levels).map(|dir| dir.join("Cargo.toml")).find(|path| path.is_file())
}

/// The `[package]` name in the Cargo.toml `doc`, read from `path`; `hint`
/// ends the error (what to do instead).
pub fn package_name(
    doc: &toml_edit::DocumentMut,
    path: &Path,
    hint: &str,
) -> Result<String, String> {
    doc.get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("{} has no [package] name (a workspace's root?): {hint}", path.display())
        })
}

/// The Cargo.toml at `path`, parsed.
pub fn read_manifest(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse().map_err(|e| format!("{}: not valid TOML: {e}", path.display()))
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
