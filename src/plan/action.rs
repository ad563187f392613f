//! What a plan is made of: actions on live objects, each with its field
//! changes and the actions it must wait for. Data only; `render` shows it
//! and `apply` executes it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::model::Key;

pub use crate::api::Kind;

/// What an action does. Terraform's symbols, plus upload and link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `+` a new object.
    Create,
    /// `~` changed fields of an existing object.
    Update,
    /// `↑` new bytes for a file (a new file, or changed content).
    Upload,
    /// `⇄` links between a file and collections.
    Link,
    /// `-` an object the catalog prunes.
    Delete,
    /// `-` a file the catalog prunes: the guides name no way to delete a
    /// file, so it is unlinked from every collection and unpublished.
    Retire,
}

impl Op {
    /// The symbol a plan shows, in Unicode or plain ASCII.
    #[must_use]
    pub fn symbol(self, unicode: bool) -> &'static str {
        match (self, unicode) {
            (Self::Create, _) => "+",
            (Self::Update, _) => "~",
            (Self::Delete | Self::Retire, _) => "-",
            (Self::Upload, true) => "↑",
            (Self::Upload, false) => "^",
            (Self::Link, true) => "⇄",
            (Self::Link, false) => "<>",
        }
    }

    /// Whether the action takes an object out of the account (a deletion,
    /// or a file's retirement): these wait for everything else and count
    /// as deletions for `--detailed-exitcode`.
    #[must_use]
    pub fn removes(self) -> bool {
        matches!(self, Self::Delete | Self::Retire)
    }

    /// The verb a plan shows: `will be created`.
    #[must_use]
    pub fn verb(self) -> &'static str {
        match self {
            Self::Create => "will be created",
            Self::Update => "will be updated in place",
            Self::Upload => "will be uploaded",
            Self::Link => "will be linked",
            Self::Delete => "will be deleted",
            Self::Retire => "will be retired (unlinked and unpublished: PXM has no file delete)",
        }
    }
}

/// One field's change, in catalog terms: references are shown as keys
/// (or `id:<id>` for live objects the catalog does not manage). `None`
/// means absent (a create has no `before`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The catalog field: `name`, `category`, `also_in`, `attributes.color`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub kind: Kind,
    pub op: Op,
    /// The catalog key; for a deletion of a live object the catalog does
    /// not name, the key export would give it.
    pub key: Key,
    /// The live object's id; `None` until a create has run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What people call it: name, sku, file name or link.
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Bytes an upload sends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Why, when it is not obvious: `renamed from "Old name"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Indices (into [`Plan::actions`](super::Plan)) of the actions this
    /// one waits for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<usize>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    /// Files pruned by unlinking and unpublishing them.
    #[serde(default)]
    pub retire: usize,
    pub upload: usize,
    pub link: usize,
    pub upload_bytes: u64,
    /// Deletions (and retirements) apply takes without `--allow-deletes`
    /// (`max_deletes`); absent when no limit was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<usize>,
}

impl Summary {
    #[must_use]
    pub fn of<'a>(actions: impl IntoIterator<Item = &'a Action>) -> Self {
        let mut s = Self::default();
        for a in actions {
            match a.op {
                Op::Create => s.create += 1,
                Op::Update => s.update += 1,
                Op::Delete => s.delete += 1,
                Op::Retire => s.retire += 1,
                Op::Upload => {
                    s.upload += 1;
                    s.upload_bytes += a.bytes.unwrap_or(0);
                }
                Op::Link => s.link += 1,
            }
        }
        s
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        Self {
            max_deletes: None,
            ..*self
        } == Self::default()
    }

    /// Objects the plan deletes or retires.
    #[must_use]
    pub fn removals(&self) -> usize {
        self.delete + self.retire
    }

    /// Whether the removals exceed `max_deletes`, so apply needs
    /// `--allow-deletes` naming at least [`Summary::removals`].
    #[must_use]
    pub fn over_delete_limit(&self) -> bool {
        self.max_deletes.is_some_and(|max| self.removals() > max)
    }
}

/// Something a reviewer should know about an entry that is not an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub kind: Kind,
    pub key: Key,
    pub title: String,
    pub message: String,
}
