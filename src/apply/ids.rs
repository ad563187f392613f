//! Which live id each catalog entry has, as apply learns it: the plan's
//! matches to start with, then every id a create returns. Updates resolve
//! their references here, and the ownership merge asks it which live ids
//! are managed (pointed at by some entry).

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use crate::catalog::model::{Catalog, Key};
use crate::plan::Kind;
use crate::plan::identity::Matches;
use crate::remote::LiveSnapshot;

#[derive(Debug, Default)]
pub(super) struct Ids {
    inner: RwLock<Table>,
}

#[derive(Debug, Default)]
struct Table {
    by_key: HashMap<(Kind, Key), String>,
    managed: HashSet<(Kind, String)>,
}

impl Ids {
    /// The ids of every entry matched in `live`.
    #[must_use]
    pub(super) fn matched(catalog: &Catalog, live: &LiveSnapshot, matches: &Matches) -> Self {
        let mut table = Table::default();
        for kind in Kind::ALL {
            for key in catalog.keys(kind) {
                if let Some(id) = matches.id(live, kind, key) {
                    table.managed.insert((kind, id.to_owned()));
                    table.by_key.insert((kind, key.clone()), id.to_owned());
                }
            }
        }
        Self {
            inner: RwLock::new(table),
        }
    }

    /// The live id of entry `key`, once it exists.
    #[must_use]
    pub(super) fn get(&self, kind: Kind, key: &str) -> Option<String> {
        let table = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table.by_key.get(&(kind, key.to_owned())).cloned()
    }

    /// Whether some entry manages the live object `id`.
    #[must_use]
    pub(super) fn is_managed(&self, kind: Kind, id: &str) -> bool {
        let table = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table.managed.contains(&(kind, id.to_owned()))
    }

    /// Records the id a create (or a lookup after a lost answer) found.
    pub(super) fn insert(&self, kind: Kind, key: &str, id: &str) {
        let mut table = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table.managed.insert((kind, id.to_owned()));
        table.by_key.insert((kind, key.to_owned()), id.to_owned());
    }
}
