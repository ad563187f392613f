//! Where a catalog entry came from: its file, the position of its key, and
//! its YAML subtree, so any checker can point at any of its fields.

use std::path::Path;
use std::sync::Arc;

use super::tree::{Node, Pos};
use crate::diag::Location;

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

/// The origin of one entry.
#[derive(Debug, Clone)]
pub struct EntrySource {
    pub file: Arc<Path>,
    pub key: Pos,
    pub node: Node,
}

impl EntrySource {
    /// The entry's key, where a problem with the whole entry is shown.
    #[must_use]
    pub fn key_location(&self) -> Location {
        location(&self.file, self.key)
    }

    /// The value at a path inside the entry (`["attributes", "color"]`),
    /// or the nearest existing parent.
    #[must_use]
    pub fn at(&self, path: &[&str]) -> Location {
        if path.is_empty() {
            return self.key_location();
        }
        location(&self.file, self.node.locate(path.iter().copied()).pos)
    }

    /// The key of a field inside the entry (for "this field should not be
    /// here" problems), or the entry key when absent.
    #[must_use]
    pub fn field_key(&self, field: &str) -> Location {
        self.node
            .get_key(field)
            .map_or_else(|| self.key_location(), |k| location(&self.file, k.pos))
    }

    /// The key `key` inside the mapping field `field` (an attribute name in
    /// `attributes:`), or the field.
    #[must_use]
    pub fn field_key_in(&self, field: &str, key: &str) -> Location {
        self.node
            .get(field)
            .and_then(|m| m.get_key(key))
            .map_or_else(|| self.field_key(field), |k| location(&self.file, k.pos))
    }

    /// The `index`-th item of a list field, or the field itself.
    #[must_use]
    pub fn item(&self, field: &str, index: usize) -> Location {
        let idx = index.to_string();
        self.at(&[field, idx.as_str()])
    }
}
