//! Where in the user's files something is: a file, a line and column for
//! people, a byte range for snippet rendering.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A loaded source file: its path as the user named it, the SHA-256 of
/// its text, and the text so renderers can show snippets.
///
/// A file read from disk ([`SourceFile::read`]) does not keep its text: a
/// million-entry catalog is a quarter of a gigabyte of YAML, and once
/// parsed, a file's text is needed only to point at a problem in it. It is
/// then read again, once, and used only if it is still the same bytes.
/// Clones share that one reading.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// SHA-256 of the text as it was read.
    pub sha256: [u8; 32],
    text: Arc<OnceLock<Option<Arc<str>>>>,
}

impl SourceFile {
    /// Text held in memory, which may not be the file's content (a
    /// settings file with its secrets masked): it is never read again.
    #[must_use]
    pub fn new(path: PathBuf, text: Arc<str>) -> Self {
        Self {
            sha256: Sha256::digest(text.as_bytes()).into(),
            path,
            text: Arc::new(OnceLock::from(Some(text))),
        }
    }

    /// `text`, just read from `path`: its hash is kept, the text is not.
    #[must_use]
    pub fn read(path: PathBuf, text: &str) -> Self {
        Self {
            sha256: Sha256::digest(text.as_bytes()).into(),
            path,
            text: Arc::new(OnceLock::new()),
        }
    }

    /// The text as it was read: held, or read again (the first time it is
    /// asked for) and used only if it is still the same bytes. `None` when
    /// the file has changed or gone since: a snippet of other text would
    /// point at the wrong lines.
    #[must_use]
    pub fn text(&self) -> Option<Arc<str>> {
        self.text
            .get_or_init(|| {
                let again = std::fs::read_to_string(&self.path).ok()?;
                (<[u8; 32]>::from(Sha256::digest(again.as_bytes())) == self.sha256)
                    .then(|| Arc::from(again))
            })
            .clone()
    }
}

/// Every source file read while loading, so renderers can quote them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) {
        self.files.push(file);
    }

    /// Every file, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    #[must_use]
    pub fn get(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// A place in a source file. Lines and columns are 1-based and count
/// characters; `offset`/`len` are bytes into the file's text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    #[serde(serialize_with = "serialize_path")]
    pub file: Arc<Path>,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub offset: usize,
    #[serde(skip)]
    pub len: usize,
}

impl Location {
    /// A location that names only a file or directory (for problems with
    /// the whole of it); line and column are 0.
    #[must_use]
    pub fn file(file: Arc<Path>) -> Self {
        Self {
            file,
            line: 0,
            column: 0,
            offset: 0,
            len: 0,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }
}

fn serialize_path<S: serde::Serializer>(path: &Arc<Path>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_text_is_read_again_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "x: 1\n").expect("write");
        let read = || SourceFile::read(path.clone(), "x: 1\n");
        let again = read();
        assert_eq!(again.text().as_deref(), Some("x: 1\n"), "read again");
        std::fs::write(&path, "x: 2\n").expect("edit");
        assert_eq!(again.text().as_deref(), Some("x: 1\n"), "read once, kept");
        assert_eq!(read().text(), None, "the text read was not this one");
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(read().text(), None, "nor is there any");
        // Text made in memory is not the file's, so it is never read
        // again: it is there though the file is gone.
        let made = SourceFile::new(path, Arc::from("masked: *\n"));
        assert_eq!(made.text().as_deref(), Some("masked: *\n"));
    }
}
