//! A kind's entries in key order, each holding its own key: a sorted
//! vector looked up by binary search, where a `BTreeMap` keyed by a copy
//! of each key stood.
//!
//! A million collections make the copies (a `String` and its bytes per
//! entry) a tenth of the catalog, and building a map took its entries
//! twice over: a `BTreeMap` is built in one go only from a sorted list of
//! pairs, which lives until the tree is whole. Entries pushed in key order
//! are the finished list. Iteration is in key order, as the map's was, so
//! everything derived from the catalog stays deterministic.

use crate::catalog::model::Key;

/// What an entry list is ordered and looked up by.
pub trait Keyed {
    fn key(&self) -> &Key;
}

impl<E: Keyed> Keyed for Box<E> {
    fn key(&self) -> &Key {
        (**self).key()
    }
}

/// Entries sorted by key, without two of one key.
#[derive(Debug, Clone)]
pub struct Entries<E>(Vec<E>);

impl<E> Default for Entries<E> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<E: Keyed> Entries<E> {
    /// Entries already in key order, each key once (as a merge or a
    /// walk over another `Entries` yields them).
    ///
    /// # Panics
    /// When they are not: a lookup would then miss entries silently.
    #[must_use]
    pub fn from_sorted(entries: Vec<E>) -> Self {
        assert!(
            entries.windows(2).all(|w| w[0].key() < w[1].key()),
            "entries are in key order, each key once"
        );
        Self(entries)
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|e| e.key().as_str().cmp(key))
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&E> {
        self.find(key).ok().map(|i| &self.0[i])
    }

    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Adds `entry`, or replaces the one of its key, which it returns.
    pub fn insert(&mut self, entry: E) -> Option<E> {
        match self.find(entry.key()) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i], entry)),
            Err(i) => {
                self.0.insert(i, entry);
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<E> {
        self.find(key).ok().map(|i| self.0.remove(i))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator + Clone {
        self.0.iter().map(Keyed::key)
    }

    /// The entries, in key order.
    pub fn values(&self) -> std::slice::Iter<'_, E> {
        self.0.iter()
    }

    /// The entries, in key order. A key must not be changed through this.
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, E> {
        self.0.iter_mut()
    }

    /// (key, entry) pairs, in key order, as a map iterates.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &E)> + ExactSizeIterator + Clone {
        self.0.iter().map(|e| (e.key(), e))
    }

    /// The entries, in key order, as a slice (for `rayon`).
    #[must_use]
    pub fn as_slice(&self) -> &[E] {
        &self.0
    }

    /// The entries, in key order, owned.
    #[must_use]
    pub fn into_values(self) -> std::vec::IntoIter<E> {
        self.0.into_iter()
    }
}

/// `entries["key"]`, as a map is indexed: the entry of a key that must be
/// there.
impl<E: Keyed> std::ops::Index<&str> for Entries<E> {
    type Output = E;

    fn index(&self, key: &str) -> &E {
        match self.get(key) {
            Some(entry) => entry,
            None => panic!("no entry `{key}`"),
        }
    }
}

impl<'a, E: Keyed> IntoIterator for &'a Entries<E> {
    type Item = (&'a Key, &'a E);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, E>, fn(&'a E) -> (&'a Key, &'a E)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|e| (e.key(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct E(Key, u32);

    impl Keyed for E {
        fn key(&self) -> &Key {
            &self.0
        }
    }

    fn e(key: &str, n: u32) -> E {
        E(key.to_owned(), n)
    }

    #[test]
    fn behaves_as_the_map_it_replaces() {
        let mut entries = Entries::default();
        for entry in [e("b", 1), e("a", 2), e("c", 3)] {
            assert_eq!(entries.insert(entry), None);
        }
        assert_eq!(entries.insert(e("a", 4)), Some(e("a", 2)));
        assert_eq!(entries.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(entries.get("a"), Some(&e("a", 4)), "the last of a key wins");
        assert_eq!(entries.insert(e("bb", 5)), None);
        assert_eq!(entries.insert(e("b", 6)), Some(e("b", 1)));
        assert_eq!(entries.remove("c"), Some(e("c", 3)));
        assert!(!entries.contains_key("c") && entries.get("zz").is_none());
        let all: Vec<(&Key, u32)> = entries.iter().map(|(k, v)| (k, v.1)).collect();
        assert_eq!(
            all.iter()
                .map(|(k, n)| (k.as_str(), *n))
                .collect::<Vec<_>>(),
            [("a", 4), ("b", 6), ("bb", 5)]
        );
        assert_eq!(entries.len(), 3);
    }

    #[test]
    #[should_panic(expected = "key order")]
    fn from_sorted_refuses_an_unsorted_list() {
        let _ = Entries::from_sorted(vec![e("b", 1), e("a", 2)]);
    }
}
