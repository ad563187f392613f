//! References between entries: every key a field names must exist, be of
//! the right kind, and (for variants) point at a family parent.

use crate::catalog::model::SortedSet;

use super::Checker;
use crate::catalog::format;
use crate::catalog::parse::{RawEntry, kind_noun};
use crate::catalog::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic};

impl Checker<'_> {
    /// Whether an entry with `key` exists in the map named `kind`.
    fn exists(&self, kind: &str, key: &str) -> bool {
        let raw = self.raw;
        match kind {
            "regions" => raw.regions.contains_key(key),
            "attributes" => raw.attributes.contains_key(key),
            "attribute_groups" => raw.attribute_groups.contains_key(key),
            "categories" => raw.categories.contains_key(key),
            "collections" => raw.collections.contains_key(key),
            "files" => raw.files.contains_key(key),
            "resources" => raw.resources.contains_key(key),
            _ => false,
        }
    }

    fn keys(&self, kind: &str) -> Vec<&str> {
        let raw = self.raw;
        match kind {
            "regions" => raw.regions.keys().map(String::as_str).collect(),
            "attributes" => raw.attributes.keys().map(String::as_str).collect(),
            "attribute_groups" => raw.attribute_groups.keys().map(String::as_str).collect(),
            "categories" => raw.categories.keys().map(String::as_str).collect(),
            "collections" => raw.collections.keys().map(String::as_str).collect(),
            "files" => raw.files.keys().map(String::as_str).collect(),
            "resources" => raw.resources.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A hint for a key that does not exist: a close key if there is one
    /// (within the suggestion budget), else how to declare it.
    pub(super) fn missing_key_hint(&mut self, kind: &str, key: &str) -> String {
        let close = if self.suggestions_left > 0 {
            self.suggestions_left -= 1;
            let keys = self.keys(kind);
            did_you_mean(key, keys)
        } else {
            None
        };
        close.unwrap_or_else(|| format!("declare `{key}` under `{kind}:` in any catalog file"))
    }

    fn unknown<T>(&mut self, e: &RawEntry<T>, path: &[&str], field: &str, kind: &str, key: &str) {
        let hint = self.missing_key_hint(kind, key);
        let noun = kind_noun(kind);
        self.push(
            Diagnostic::error(
                Code::UnknownReference,
                e.source.at(path),
                format!("`{field}` refers to {noun} `{key}`, which is not in the catalog"),
            )
            .with_hint(hint),
        );
    }

    /// Resolves a single-key field. `None`: a reported error; `Some(None)`:
    /// the field is absent.
    pub(super) fn ref_one<T>(
        &mut self,
        e: &RawEntry<T>,
        field: &str,
        key: Option<&str>,
        kind: &str,
    ) -> Option<Option<String>> {
        let Some(key) = key else { return Some(None) };
        if self.exists(kind, key) {
            Some(Some(key.to_owned()))
        } else {
            self.unknown(e, &[field], field, kind, key);
            None
        }
    }

    /// Resolves a list of keys, reporting each missing one.
    pub(super) fn refs_list<T>(
        &mut self,
        e: &RawEntry<T>,
        field: &str,
        keys: Option<&[String]>,
        kind: &str,
    ) -> Option<Option<SortedSet<String>>> {
        let Some(keys) = keys else { return Some(None) };
        let mut ok = true;
        for (i, key) in keys.iter().enumerate() {
            if !self.exists(kind, key) {
                let idx = i.to_string();
                self.unknown(e, &[field, idx.as_str()], field, kind, key);
                ok = false;
            }
        }
        ok.then(|| Some(keys.iter().cloned().collect()))
    }

    /// A variant's parent must exist and be `type: parent`. A variant that
    /// names itself is reported as a cycle, not here.
    pub(super) fn variant_parent(
        &mut self,
        e: &RawEntry<format::Collection>,
        col: &format::Collection,
    ) -> Option<String> {
        let parent_key = col.parent.as_deref()?;
        let Some(parent) = self.raw.collections.get(parent_key) else {
            self.unknown(e, &["parent"], "parent", "collections", parent_key);
            return None;
        };
        if parent_key == e.key {
            return None;
        }
        let parent_kind = parent.value.as_ref().map(|p| p.kind);
        match parent_kind {
            Some(Some(format::CollectionType::Parent)) => Some(parent_key.to_owned()),
            // A broken parent is reported on its own; do not pile on.
            None => None,
            Some(other) => {
                let what = match other {
                    Some(format::CollectionType::Variant) => "a variant",
                    _ => "a standalone collection",
                };
                self.push(
                    Diagnostic::error(
                        Code::WrongReference,
                        e.source.at(&["parent"]),
                        format!(
                            "variant `{}` has parent `{parent_key}`, which is {what}, not a family parent",
                            e.key
                        ),
                    )
                    .with_label(parent.source.key_location(), "declared here")
                    .with_hint(format!(
                        "give `{parent_key}` `type: parent`, or point `parent:` at a collection that has it"
                    )),
                );
                None
            }
        }
    }
}
