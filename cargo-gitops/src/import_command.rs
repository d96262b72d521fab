//! `cargo gitops import CHART_DIR --out FILE [--values-out DIR] [--values FILE]… [--crds-out DIR] [--env-prefix PREFIX]`:
//! [`crate::import::import`]'s module and converted values files written,
//! all or none, never over an existing file; then its report.

use crate::import::{import, Options};
use crate::Error;
use std::path::{Path, PathBuf};

/// `cargo gitops import`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The chart's directory (with Chart.yaml and values.yaml)
    #[arg(value_name = "CHART_DIR")]
    chart: PathBuf,
    /// The Rust module to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Where to write the converted values-*.yaml files [default: not written]
    #[arg(long, value_name = "DIR")]
    values_out: Option<PathBuf>,
    /// Where to write the chart's CRDs (its crds/ files, as they are), for
    /// the build script's `.crds(DIR)` [default: not written]
    #[arg(long, value_name = "DIR")]
    crds_out: Option<PathBuf>,
    /// Another values file to convert, beside the chart's values-*.yaml
    /// (e.g. its CI values, ci/*.yaml); may be repeated
    #[arg(long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// The root struct's env prefix [default: the chart's name in upper snake case, then `_`]
    #[arg(long, value_name = "PREFIX", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    env_prefix: Option<String>,
}

/// Writes the module (and the converted values files), refusing to
/// overwrite anything, and prints the report.
pub(crate) fn run(args: Args) -> Result<(), Error> {
    let options = Options { env_prefix: args.env_prefix, values: args.values };
    let imported = import(&args.chart, &options)?;

    let mut writes = vec![(args.out, imported.rust.clone())];
    if let Some(dir) = &args.values_out {
        writes.extend(
            imported.values_files.iter().map(|(name, text)| (dir.join(name), text.clone())),
        );
    }
    if let Some(dir) = &args.crds_out {
        writes.extend(imported.crds.iter().map(|(name, text)| (dir.join(name), text.clone())));
    }
    write_all(&writes)?;
    print!("{}", imported.report);
    for (path, _) in &writes {
        println!("wrote {}", path.display());
    }
    if args.values_out.is_none() && !imported.values_files.is_empty() {
        println!("(pass --values-out DIR to write the converted values files)");
    }
    if args.crds_out.is_none() && !imported.crds.is_empty() {
        println!("(pass --crds-out DIR to write the chart's CRDs)");
    }
    Ok(())
}

/// Writes one new file, creating its missing directories (added to `created_dirs`, outermost first).
fn write_one(path: &Path, text: &str, created_dirs: &mut Vec<PathBuf>) -> Result<(), Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && a.symlink_metadata().is_err())
            .map(Path::to_owned)
            .collect();
        std::fs::create_dir_all(parent)
            .map_err(|source| Error::Io { path: parent.to_owned(), source })?;
        created_dirs.extend(missing.into_iter().rev());
    }
    crate::files::create_new(path, text)
}

/// `path` made absolute and `.`/`..` resolved by its text, so that two
/// spellings of one target compare equal.
fn normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes every file or none: two targets that are one path and an
/// existing target are refused before anything is written; each file is
/// created only where none exists ([`crate::files::create_new`], so a file
/// that appears meanwhile is never replaced); when a write fails, the files
/// and directories this call created are removed again.
fn write_all(writes: &[(PathBuf, String)]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::new();
    for (path, _) in writes {
        if let Some(first) = seen.insert(normalized(path), path) {
            return Err(Error::SameFile { first: first.clone(), second: path.clone() });
        }
    }
    let existing: Vec<PathBuf> = writes
        .iter()
        .filter(|(p, _)| p.symlink_metadata().is_ok())
        .map(|(p, _)| p.clone())
        .collect();
    if !existing.is_empty() {
        return Err(Error::WouldOverwrite { paths: existing });
    }
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut created_files: Vec<&Path> = Vec::new();
    for (path, text) in writes {
        if let Err(error) = write_one(path, text, &mut created_dirs) {
            for file in created_files.iter().rev() {
                let _ = std::fs::remove_file(file);
            }
            for dir in created_dirs.iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(Error::NothingWritten(Box::new(error)));
        }
        created_files.push(path);
    }
    Ok(())
}
