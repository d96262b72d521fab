//! Writing the user's files: a new file is created only where none exists,
//! so a file that appears between a check and the write is never replaced.

use crate::Error;
use std::io::Write;
use std::path::Path;

/// Writes a new file; an existing one is an error, never replaced. A file
/// it could not write whole is removed.
pub(crate) fn create_new(path: &Path, text: &str) -> Result<(), Error> {
    let fail = |source| Error::Write { path: path.to_owned(), source };
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        fail(e)
    })
}
