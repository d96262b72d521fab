//! Files on disk: put an output's files there, or compare them with it.
//! A file is written only when its bytes change (no rebuild loops, mtimes
//! stay), atomically, and only when gitops-gen owns it: a file without the
//! generated-code marker is the user's and is never overwritten or deleted.
//!
//! Writers may run at once on the same directory: cargo and rust-analyzer run
//! the same build script, each with its own target directory. Each writer
//! goes through its own uniquely named temporary file, and what an identical
//! writer already did (a directory created, a file written, a stale file or
//! an emptied directory removed) is not an error.

use super::error::Error;
use super::layout::{self, has_marker, Files, MANIFEST};
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// What a write did, by path inside the chart directory. A
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

/// What writing `files` into a directory will do, found before anything
/// is written, so several outputs are all planned (and refused) first.
pub struct Plan<'a> {
    dir: &'a Path,
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
        let values = layout::values_file_environment(&name).is_some();
        if !values || !entry.path().is_file() {
            continue;
        }
        if let Some(text) = read(&entry.path())?.filter(|text| !has_marker(text)) {
            out.push((name, text));
        }
    }
    // The image pins (`pins/<env>.yaml`): the user's too.
    let pins = dir.join(layout::PINS_DIR);
    if pins.is_dir() {
        for entry in fs::read_dir(&pins).map_err(|e| Error::io(&pins, e))? {
            let entry = entry.map_err(|e| Error::io(&pins, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) || !entry.path().is_file() {
                continue;
            }
            if let Some(text) = read(&entry.path())? {
                out.push((format!("{}/{name}", layout::PINS_DIR), text));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `files` with `dir`: what must be written, what removed, and
/// which files are the user's and stand in the way.
pub fn plan<'a>(dir: &'a Path, files: &'a Files) -> Result<Plan<'a>, Error> {
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

    let mut plan = Plan { dir, changes: Vec::new(), unchanged: Vec::new() };
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

/// Whether two directories are one, however they are spelt (`./a`, `a/`,
/// `b/../a`, a link): each is resolved through its nearest existing
/// ancestor, which may be all of it or none yet.
pub fn same_place(a: &Path, b: &Path) -> bool {
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The path from directory `from` to directory `to` (`..` and names joined
/// by `/`), each spelt as in [`same_place`]; `None` when either cannot be
/// resolved or a name is not UTF-8.
pub fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let spelt = |path: &Path| -> Option<String> {
        let path = resolved(path)?;
        let names: Option<Vec<&str>> =
            path.components().skip(1).map(|c| c.as_os_str().to_str()).collect();
        Some(names?.join("/"))
    };
    Some(layout::relative(&spelt(from)?, &spelt(to)?))
}

/// `path` absolute, `.` and `..` taken lexically, then resolved (links)
/// through its nearest existing ancestor.
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let mut lexical = std::path::PathBuf::new();
    for part in std::path::absolute(path).ok()?.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut rest = Vec::new();
    let mut existing = lexical.as_path();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
    let mut out = fs::canonicalize(existing).ok()?;
    out.extend(rest.iter().rev());
    Some(out)
}

/// Every file under `dir` (none when it does not exist) that gitops-gen did
/// not write (no marker), sorted.
pub fn foreign_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if read(&path)?.is_none_or(|text| !has_marker(&text)) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A path from the manifest stays inside the chart directory.
fn safe_relative(path: &str) -> bool {
    !path.starts_with('/') && path.split('/').all(|seg| !seg.is_empty() && seg != "..")
}

pub fn write(dir: &Path, files: &Files) -> Result<WriteReport, Error> {
    apply(plan(dir, files)?)
}

/// Does what `plan` found: writes what changed, removes what is stale.
pub fn apply(plan: Plan) -> Result<WriteReport, Error> {
    let dir = plan.dir;
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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
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
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
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

/// Writes `bytes` to `path`, a single file gitops-gen owns (e.g.
/// `.env.example`), when they change; `Ok(true)` when written. A file there
/// without the marker on its first line is the user's: refused, never
/// overwritten. Where there is none, it is created only if none has
/// appeared meanwhile (`create_new`), so a file of the user's made at the
/// same moment is never replaced either; one of ours is replaced atomically.
pub fn write_owned(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    match fs::read(path) {
        Ok(old) if old == bytes => Ok(false),
        Ok(old) if !has_marker(&String::from_utf8_lossy(&old)) => Err(the_users(path)),
        // Ours: replaced whole.
        Ok(_) => write_atomic(path, bytes).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if create_new(path, bytes)? {
                return Ok(true);
            }
            // A file appeared since the read: left as it is.
            match fs::read(path) {
                Ok(now) if now == bytes => Ok(false),
                _ => Err(Error::io(
                    path,
                    io::Error::other(
                        "appeared while gitops-gen was writing it and is left alone; run again to check it",
                    ),
                )),
            }
        }
        Err(e) => Err(Error::io(path, e)),
    }
}

/// `Ok` unless a file of the user's (no marker) stands at `path`, which
/// [`write_owned`] would refuse: checked before any output is written.
pub fn refuse_the_users(path: &Path) -> Result<(), Error> {
    match fs::read(path) {
        Ok(old) if !has_marker(&String::from_utf8_lossy(&old)) => Err(the_users(path)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn the_users(path: &Path) -> Error {
    Error::io(
        path,
        io::Error::other(
            "exists and gitops-gen did not write it (no `Code generated by gitops-gen` first line): \
             it is yours and is left alone; move it away or write to another file",
        ),
    )
}

/// The bytes of a file gitops-gen owns at `path`; `None` when there is none
/// or it is the user's (no marker). An unreadable file is an error, never
/// taken for a missing one.
pub fn read_owned(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(bytes) if has_marker(&String::from_utf8_lossy(&bytes)) => Ok(Some(bytes)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
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
        diff.push_str(&unified(&path, old, new));
    }
    Err(Error::Stale { dir: dir.to_owned(), diff })
}

/// `Ok` when the single file gitops-gen owns at `path` holds `text`; a
/// file of the user's there is refused as by [`write_owned`].
pub fn check_owned(path: &Path, text: &str) -> Result<(), Error> {
    let old = match read(path)? {
        Some(old) if old == text => return Ok(()),
        Some(old) if !has_marker(&old) => return Err(the_users(path)),
        old => old.unwrap_or_default(),
    };
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let dir = path.parent().map_or_else(Default::default, Path::to_owned);
    Err(Error::Stale { dir, diff: unified(&name, &old, text) })
}

fn unified(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{path} (on disk)"), &format!("{path} (generated)"))
        .to_string()
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

    #[test]
    fn one_directory_however_spelt() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("deploy/chart");
        for other in ["deploy/chart/", "deploy/./chart", "deploy/x/../chart"] {
            assert!(same_place(&chart, &dir.path().join(other)), "{other}");
        }
        assert!(!same_place(&chart, &dir.path().join("deploy/gitops")));
        fs::create_dir_all(&chart).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&chart, dir.path().join("link")).unwrap();
            assert!(same_place(&chart, &dir.path().join("link")));
        }
    }
}
