//! Where in the user's files something is: a file, a line and column for
//! people, a byte range for snippet rendering.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// A loaded source file: its path as the user named it, and its text so
/// renderers can show snippets.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
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
