//! Where a catalog entry came from: its file, the position of its key, and
//! the way to its YAML subtree, so any checker can point at any of its
//! fields.
//!
//! The subtrees are not kept: a tree with a position on every value is
//! ten times the size of its text, and the checks need it only to point at
//! a problem. Nor is the text: a file read from disk is let go once parsed
//! (`SourceFile::read`). So an entry keeps its file and the entry's
//! place in the file's top-level mapping, and the first location asked
//! for in a file reads it again and parses it, the same way, once for all
//! its entries. A valid catalog is read and parsed once; each file with a
//! problem, twice.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::tree::{Node, Pos, parse_options};
use crate::diag::{Location, SourceFile};

/// A file path and a position in it, turned into a diagnostic location.
#[must_use]
pub fn location(file: &Arc<Path>, pos: Pos) -> Location {
    Location {
        file: Arc::clone(file),
        line: pos.line,
        column: pos.column,
        offset: pos.offset,
        len: pos.len,
    }
}

/// A catalog file's text, and its tree once a location in it is needed.
#[derive(Debug)]
pub struct FileTree {
    file: Arc<Path>,
    source: SourceFile,
    root: OnceLock<Option<Node>>,
}

impl FileTree {
    /// A file that parsed (its first parse is dropped).
    #[must_use]
    pub fn new(file: &Arc<Path>, source: SourceFile) -> Self {
        Self {
            file: Arc::clone(file),
            source,
            root: OnceLock::new(),
        }
    }

    /// The file's path, as diagnostics name it.
    #[must_use]
    pub fn file(&self) -> &Arc<Path> {
        &self.file
    }

    /// The file's tree: the text parsed again with the same options, so
    /// every position is the one the first parse saw. `None` when the file
    /// changed since it was read ([`SourceFile::text`]): problems are then
    /// shown at their entry's key.
    fn root(&self) -> Option<&Node> {
        self.root
            .get_or_init(|| {
                let text = self.source.text()?;
                serde_saphyr::from_str_with_options(&text, parse_options()).ok()
            })
            .as_ref()
    }
}

/// The origin of one entry: one per entry of the catalog, so kept small
/// (its file's path is the tree's; its places are `u32`).
#[derive(Debug, Clone)]
pub struct EntrySource {
    pub key: Pos,
    /// The file the entry is in.
    pub tree: Arc<FileTree>,
    /// Which pair of the file's top-level mapping holds the entry's kind
    /// (a repeated section is its own pair), and which pair of that
    /// section the entry is.
    pub section: u32,
    pub index: u32,
}

impl EntrySource {
    /// The entry whose key is at `key`, the `index`-th pair of the
    /// `section`-th pair of its file's top-level mapping. A place past
    /// `u32::MAX` (a file of more than 4 GiB) is none: the entry's
    /// problems are then shown at its key.
    #[must_use]
    pub fn new(key: Pos, tree: &Arc<FileTree>, section: usize, index: usize) -> Self {
        let place = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        Self {
            key,
            tree: Arc::clone(tree),
            section: place(section),
            index: place(index),
        }
    }

    /// The file the entry is in.
    #[must_use]
    pub fn file(&self) -> &Arc<Path> {
        self.tree.file()
    }

    /// The entry's value in its file's tree (parsed on first use).
    fn node(&self) -> Option<&Node> {
        let (_, section) = self.tree.root()?.entries().get(self.section as usize)?;
        section
            .entries()
            .get(self.index as usize)
            .map(|(_, value)| value)
    }

    /// The entry's key, where a problem with the whole entry is shown.
    #[must_use]
    pub fn key_location(&self) -> Location {
        location(self.file(), self.key)
    }

    /// The value at a path inside the entry (`["attributes", "color"]`),
    /// or the nearest existing parent.
    #[must_use]
    pub fn at(&self, path: &[&str]) -> Location {
        if path.is_empty() {
            return self.key_location();
        }
        match self.node() {
            Some(node) => location(self.file(), node.locate(path.iter().copied()).pos),
            None => self.key_location(),
        }
    }

    /// The key of a field inside the entry (for "this field should not be
    /// here" problems), or the entry key when absent.
    #[must_use]
    pub fn field_key(&self, field: &str) -> Location {
        self.node()
            .and_then(|n| n.get_key(field))
            .map_or_else(|| self.key_location(), |k| location(self.file(), k.pos))
    }

    /// The key `key` inside the mapping field `field` (an attribute name in
    /// `attributes:`), or the field.
    #[must_use]
    pub fn field_key_in(&self, field: &str, key: &str) -> Location {
        self.node()
            .and_then(|n| n.get(field))
            .and_then(|m| m.get_key(key))
            .map_or_else(|| self.field_key(field), |k| location(self.file(), k.pos))
    }

    /// The `index`-th item of a list field, or the field itself.
    #[must_use]
    pub fn item(&self, field: &str, index: usize) -> Location {
        let idx = index.to_string();
        self.at(&[field, idx.as_str()])
    }
}
