//! Stage 3 of generation: put the files on disk, or compare them with disk.
//! A file is written only when its bytes change (no rebuild loops, mtimes
//! stay), atomically, and only when gitops-gen owns it: a file without the
//! generated-code marker is the user's and is never overwritten or deleted.

use crate::emit::{Files, MANIFEST, MARKER};
use crate::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What [`crate::Chart::write`] did, by path inside the chart directory.
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

fn has_marker(content: &str) -> bool {
    content.lines().next().is_some_and(|l| l.contains(MARKER))
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
                fs::remove_file(&full).map_err(|e| Error::io(&full, e))?;
                // A directory the generator emptied goes too; `remove_dir`
                // refuses one that still holds anything, such as a user's file.
                for parent in full.ancestors().skip(1).take_while(|p| *p != dir) {
                    if fs::remove_dir(parent).is_err() {
                        break;
                    }
                }
                report.removed.push(path);
            }
        }
    }
    report.written.sort();
    Ok(report)
}

/// Writes through a temporary file in the same directory and a rename, so a
/// reader never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let parent = path.parent().expect("chart files have a parent");
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = path.file_name().expect("file name").to_string_lossy();
    let tmp: PathBuf = parent.join(format!(".{name}.gitops-gen-tmp"));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
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
