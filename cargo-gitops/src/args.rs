//! The few options the commands share, parsed by hand (no argument-parsing
//! dependency for four flags). Every mistake names the argument.

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

/// The crate's Cargo.toml: `--manifest-path` if given, else the nearest
/// one from the current directory upward, as cargo finds it.
pub fn manifest_path(given: Option<&str>) -> Result<PathBuf, String> {
    if let Some(given) = given {
        let path = absolute(Path::new(given));
        if !path.is_file() {
            return Err(format!("--manifest-path {}: no such file", path.display()));
        }
        return Ok(path);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
    cwd.ancestors().map(|dir| dir.join("Cargo.toml")).find(|path| path.is_file()).ok_or_else(
        || {
            format!(
                "no Cargo.toml in {} or any directory above it: run this in a crate, or give --manifest-path",
                cwd.display()
            )
        },
    )
}

/// The `[package]` name in the Cargo.toml at `path`.
pub fn package_name(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml_edit::DocumentMut =
        text.parse().map_err(|e| format!("{}: not valid TOML: {e}", path.display()))?;
    doc.get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "{} has no [package] name (a workspace's root?): name the package with -p, or run this in its directory",
                path.display()
            )
        })
}
