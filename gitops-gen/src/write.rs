//! Stage 3 of generation: put the files on disk, or compare them with disk.
//! A file is written only when its bytes change (no rebuild loops, mtimes
//! stay), atomically, and only when gitops-gen owns it: a file without the
//! generated-code marker is the user's and is never overwritten or deleted.
//!
//! Writers may run at once on the same directory: cargo and rust-analyzer run
//! the same build script, each with its own target directory. Each writer
//! goes through its own uniquely named temporary file, and what an identical
//! writer already did (a directory created, a file written, a stale file or
//! an emptied directory removed) is not an error.

use crate::emit::{Files, MANIFEST, MARKER};
use crate::Error;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// What [`crate::Chart::write`] did, by path inside the chart directory. A
/// stale file that a concurrent writer removed first counts as removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

enum Change<'a> {
    Write { path: &'a str, old: Option<String>, new: &'a str },
    Remove { path: String, old: String },
}

struct Plan<'a> {
    changes: Vec<Change<'a>>,
    unchanged: Vec<String>,
}

fn read(path: &Path) -> Result<Option<String>, Error> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

pub(crate) fn has_marker(content: &str) -> bool {
    content.lines().next().is_some_and(|l| l.contains(MARKER))
}

/// The user's own values files in `dir`: `values-*.yaml` (or `.yml`)
/// without the generated-code marker, and the image pins `pins/*.yaml`, as
/// `(name, text)`, sorted.
pub fn hand_written_values(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let values =
            name.starts_with("values-") && (name.ends_with(".yaml") || name.ends_with(".yml"));
        if !values || !entry.path().is_file() {
            continue;
        }
        if let Some(text) = read(&entry.path())?.filter(|text| !has_marker(text)) {
            out.push((name, text));
        }
    }
    // The image pins (`pins/<env>.yaml`, see `crate::pin`): the user's too.
    let pins = dir.join(crate::pin::DIR);
    if pins.is_dir() {
        for entry in fs::read_dir(&pins).map_err(|e| Error::io(&pins, e))? {
            let entry = entry.map_err(|e| Error::io(&pins, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) || !entry.path().is_file() {
                continue;
            }
            if let Some(text) = read(&entry.path())? {
                out.push((format!("{}/{name}", crate::pin::DIR), text));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `files` with `dir`: what must be written, what removed, and
/// which files are the user's and stand in the way.
fn plan<'a>(dir: &Path, files: &'a Files) -> Result<Plan<'a>, Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::io(dir, io::Error::other("exists and is not a directory")));
    }
    // The previous run's list of files, trusted only if gitops-gen wrote it.
    let listed: Vec<String> = match read(&dir.join(MANIFEST))? {
        Some(text) if has_marker(&text) => text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let ours = |path: &str, content: &str| has_marker(content) || listed.iter().any(|l| l == path);

    let mut plan = Plan { changes: Vec::new(), unchanged: Vec::new() };
    let mut foreign = Vec::new();
    for (path, new) in files {
        match read(&dir.join(path))? {
            Some(old) if old == *new => plan.unchanged.push(path.clone()),
            Some(old) if !ours(path, &old) => foreign.push(dir.join(path)),
            old => plan.changes.push(Change::Write { path, old, new }),
        }
    }
    for path in listed.iter().filter(|p| !files.contains_key(*p)) {
        if let Some(old) = read(&dir.join(path))? {
            if ours(path, &old) && safe_relative(path) {
                plan.changes.push(Change::Remove { path: path.clone(), old });
            }
        }
    }
    if !foreign.is_empty() {
        return Err(Error::NotGenerated { paths: foreign });
    }
    Ok(plan)
}

/// A path from the manifest stays inside the chart directory.
fn safe_relative(path: &str) -> bool {
    !path.starts_with('/') && path.split('/').all(|seg| !seg.is_empty() && seg != "..")
}

pub fn write(dir: &Path, files: &Files) -> Result<WriteReport, Error> {
    let plan = plan(dir, files)?;
    let mut report = WriteReport { unchanged: plan.unchanged, ..WriteReport::default() };
    // The manifest goes first, so an interrupted run still owns what it wrote.
    let mut changes = plan.changes;
    changes.sort_by_key(|c| !matches!(c, Change::Write { path, .. } if *path == MANIFEST));
    for change in changes {
        match change {
            Change::Write { path, new, .. } => {
                write_atomic(&dir.join(path), new.as_bytes())?;
                report.written.push(path.to_owned());
            }
            Change::Remove { path, .. } => {
                let full = dir.join(&path);
                match fs::remove_file(&full) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(Error::io(&full, e))
                    }
                    _ => {}
                }
                // A directory the generator emptied goes too; `remove_dir`
                // refuses one that still holds anything, such as a user's file.
                // One a concurrent writer removed first is gone: on to its parent.
                for parent in full.ancestors().skip(1).take_while(|p| *p != dir) {
                    match fs::remove_dir(parent) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => break,
                        _ => {}
                    }
                }
                report.removed.push(path);
            }
        }
    }
    report.written.sort();
    Ok(report)
}

/// Writes through a temporary file of its own in the same directory and a
/// rename, so a reader never sees half a file and concurrent writers never
/// share a temporary file. On an error the temporary file is removed (when
/// it drops).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let parent = path.parent().expect("chart files have a parent");
    // Succeeds when a concurrent writer creates the directory first.
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    // `.values.yaml.XXXXXX.tmp`: what a killed run leaves behind says what
    // it was, and the chart's .helmignore (`*.tmp`) keeps it out of the chart.
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().expect("chart files have a name"));
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Tempfile's default is 0600; a chart file gets what `fs::write` gives a
    // new file, 0666 less the umask.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(parent).map_err(|e| Error::io(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map(drop).or_else(|e| {
        // Replacing a file can fail while another process holds it (Windows);
        // if it already holds these bytes, a concurrent writer got there.
        match fs::read(path) {
            Ok(now) if now == bytes => Ok(()),
            _ => Err(Error::io(path, e.error)),
        }
    })
}

/// Creates `path` holding `bytes` only if nothing is there
/// (`OpenOptions::create_new`): `Ok(false)`, with the file left as it is,
/// when one exists, even one created a moment ago. A file it could not
/// write whole is removed.
pub(crate) fn create_new(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut file = match fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(Error::io(path, e)),
    };
    file.write_all(bytes).map_err(|e| {
        let _ = fs::remove_file(path);
        Error::io(path, e)
    })?;
    Ok(true)
}

/// `Ok` when `dir` holds exactly `files`; otherwise a readable diff.
pub fn check(dir: &Path, files: &Files) -> Result<(), Error> {
    let plan = plan(dir, files)?;
    if plan.changes.is_empty() {
        return Ok(());
    }
    let mut diff = String::new();
    for change in &plan.changes {
        let (path, old, new) = match change {
            Change::Write { path, old, new } => {
                (path.to_string(), old.as_deref().unwrap_or(""), *new)
            }
            Change::Remove { path, old } => (path.clone(), old.as_str(), ""),
        };
        let text = similar::TextDiff::from_lines(old, new);
        let unified = text
            .unified_diff()
            .context_radius(2)
            .header(&format!("{path} (on disk)"), &format!("{path} (generated)"))
            .to_string();
        diff.push_str(&unified);
    }
    Err(Error::Stale { dir: dir.to_owned(), diff })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.env.example");
        assert!(create_new(&path, b"first\n").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"first\n");
        assert!(!create_new(&path, b"second\n").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"first\n");
    }
}
