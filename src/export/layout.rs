//! Which entry goes to which file, and the YAML text of each file:
//! `regions.yaml`, `attributes.yaml` (attributes and groups),
//! `categories.yaml`, `collections/<top-level category>.yaml`,
//! `files.yaml`, `resources.yaml`, and `catalog.schema.json` beside them
//! for editors. Empty files are not written.
//!
//! Each entry is serialised by serde-saphyr from the `format` types, so the
//! text provably fits the schema; entries are written one at a time so a
//! `# pxmctl:` comment can stand above an entry that lost something.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_saphyr::SerializerOptions;

use super::ExportError;
use super::convert::Converted;
use crate::catalog::format::{CatalogFile, Key};
use crate::catalog::schema::schema_text;

/// The schema written at the root of the exported catalog.
pub const SCHEMA_FILE: &str = "catalog.schema.json";

/// The directory collections are written to, one file per top-level
/// category.
const COLLECTIONS_DIR: &str = "collections";

/// The file of collections outside any category.
const UNCATEGORIZED: &str = "uncategorized";

/// Renders every file of the export.
pub(super) fn render(c: &Converted) -> Result<BTreeMap<String, String>, ExportError> {
    let notes = notes(c);
    let mut files = BTreeMap::new();
    let mut put = |path: String, file: &CatalogFile| -> Result<(), ExportError> {
        if let Some(text) = render_file(&path, file, &notes)? {
            files.insert(path, text);
        }
        Ok(())
    };
    put(
        "regions.yaml".to_owned(),
        &CatalogFile {
            regions: c.regions.clone(),
            ..CatalogFile::default()
        },
    )?;
    put(
        "attributes.yaml".to_owned(),
        &CatalogFile {
            attributes: c.attributes.clone(),
            attribute_groups: c.attribute_groups.clone(),
            ..CatalogFile::default()
        },
    )?;
    put(
        "categories.yaml".to_owned(),
        &CatalogFile {
            categories: c.categories.clone(),
            ..CatalogFile::default()
        },
    )?;
    for (path, file) in collection_files(c) {
        put(path, &file)?;
    }
    put(
        "files.yaml".to_owned(),
        &CatalogFile {
            files: c.files.clone(),
            ..CatalogFile::default()
        },
    )?;
    put(
        "resources.yaml".to_owned(),
        &CatalogFile {
            resources: c.resources.clone(),
            ..CatalogFile::default()
        },
    )?;
    files.insert(SCHEMA_FILE.to_owned(), schema_text());
    Ok(files)
}

/// Collections grouped by the top-level ancestor of their category:
/// `collections/<key>.yaml`, and `collections/uncategorized.yaml` (or
/// `_uncategorized.yaml` if a top-level category has that key; no key
/// starts with `_`).
fn collection_files(c: &Converted) -> BTreeMap<String, CatalogFile> {
    let uncategorized = if c.categories.contains_key(UNCATEGORIZED) {
        format!("_{UNCATEGORIZED}")
    } else {
        UNCATEGORIZED.to_owned()
    };
    let mut out: BTreeMap<String, CatalogFile> = BTreeMap::new();
    for (key, entry) in &c.collections {
        let group = c
            .collection_groups
            .get(key)
            .cloned()
            .flatten()
            .unwrap_or_else(|| uncategorized.clone());
        out.entry(format!("{COLLECTIONS_DIR}/{group}.yaml"))
            .or_default()
            .collections
            .insert(key.clone(), entry.clone());
    }
    out
}

/// Warnings as comment lines, by section and key.
fn notes(c: &Converted) -> BTreeMap<(&'static str, &str), Vec<&str>> {
    let mut notes: BTreeMap<(&'static str, &str), Vec<&str>> = BTreeMap::new();
    for w in &c.warnings {
        if let Some((section, key)) = &w.entry {
            notes
                .entry((*section, key.as_str()))
                .or_default()
                .push(w.message.as_str());
        }
    }
    for (section, key, note) in &c.pin_notes {
        notes
            .entry((*section, key.as_str()))
            .or_default()
            .push(note.as_str());
    }
    notes
}

/// The pragma that points editors at the schema, relative to `path`.
fn pragma(path: &str) -> String {
    let depth = path.matches('/').count();
    format!(
        "# yaml-language-server: $schema={}{SCHEMA_FILE}\n",
        "../".repeat(depth)
    )
}

fn options() -> SerializerOptions {
    let mut options = SerializerOptions::default();
    // Plain or quoted scalars only: a folded block would re-wrap long
    // descriptions, and exact text matters more than line length here.
    options.prefer_block_scalars = false;
    options
}

/// One file's text, or `None` when it would hold no entry. Sections come
/// in the catalog's order, entries sorted by key.
fn render_file(
    path: &str,
    file: &CatalogFile,
    notes: &BTreeMap<(&'static str, &str), Vec<&str>>,
) -> Result<Option<String>, ExportError> {
    let mut text = pragma(path);
    text.push_str("# Written by `pxmctl export`: entries are matched by name (sku, parent, file name);\n# an `id:` pins one whose identity another live object shares, for the environment named.\n");
    let before = text.len();
    section(&mut text, "regions", &file.regions, notes)?;
    section(&mut text, "attributes", &file.attributes, notes)?;
    section(&mut text, "attribute_groups", &file.attribute_groups, notes)?;
    section(&mut text, "categories", &file.categories, notes)?;
    section(&mut text, "collections", &file.collections, notes)?;
    section(&mut text, "files", &file.files, notes)?;
    section(&mut text, "resources", &file.resources, notes)?;
    Ok((text.len() > before).then_some(text))
}

fn section<T: Serialize>(
    text: &mut String,
    name: &'static str,
    entries: &BTreeMap<Key, T>,
    notes: &BTreeMap<(&'static str, &str), Vec<&str>>,
) -> Result<(), ExportError> {
    if entries.is_empty() {
        return Ok(());
    }
    text.push('\n');
    text.push_str(name);
    text.push_str(":\n");
    for (key, entry) in entries {
        for note in notes.get(&(name, key.as_str())).into_iter().flatten() {
            for line in note.lines() {
                text.push_str("  # pxmctl: ");
                text.push_str(line);
                text.push('\n');
            }
        }
        let one = BTreeMap::from([(key, entry)]);
        let yaml = serde_saphyr::to_string_with_options(&one, options()).map_err(|e| {
            ExportError::Serialize {
                section: name,
                key: key.clone(),
                message: e.to_string(),
            }
        })?;
        for line in yaml.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::format::{AttributeValue, Collection, Published};

    fn collection(name: &str) -> Collection {
        Collection {
            name: name.to_owned(),
            kind: None,
            parent: None,
            category: None,
            also_in: None,
            sku: None,
            published: None,
            attributes: None,
            regions: None,
            id: Some(crate::catalog::format::Pin::Everywhere("42".to_owned())),
            renamed_from: None,
            protect: None,
        }
    }

    #[test]
    fn text_reads_back_as_the_same_entries_with_ambiguous_scalars_quoted() {
        let mut tricky = collection("true");
        tricky.sku = Some("1.10".to_owned());
        tricky.attributes = Some(crate::catalog::sorted::SortedMap::from_iter([
            ("a".to_owned(), AttributeValue::Text("null".to_owned())),
            (
                "b".to_owned(),
                AttributeValue::Text("2026-01-01".to_owned()),
            ),
            (
                "c".to_owned(),
                AttributeValue::Number(serde_json::Number::from_f64(12.5).expect("finite")),
            ),
            ("d".to_owned(), AttributeValue::Bool(false)),
            (
                "e".to_owned(),
                AttributeValue::List(vec!["yes".into(), "a: b".into(), "# not a comment".into()]),
            ),
            (
                "f".to_owned(),
                AttributeValue::Text("line one\nline two".to_owned()),
            ),
            ("g".to_owned(), AttributeValue::Text("x ".repeat(80))),
        ]));
        tricky.published = Some(Box::new(Published::Flag(false)));
        let file = CatalogFile {
            collections: BTreeMap::from([
                ("yes".to_owned(), tricky),
                ("1".to_owned(), collection("'q'")),
            ]),
            ..CatalogFile::default()
        };
        let notes = BTreeMap::from([(("collections", "yes"), vec!["dropped something"])]);
        let text = render_file("collections/x.yaml", &file, &notes)
            .expect("renders")
            .expect("not empty");
        assert!(text.starts_with("# yaml-language-server: $schema=../catalog.schema.json\n"));
        assert!(text.contains("  # pxmctl: dropped something\n"), "{text}");
        let back: CatalogFile = serde_saphyr::from_str(&text).expect("reads back");
        assert_eq!(
            serde_json::to_value(&back).expect("json"),
            serde_json::to_value(&file).expect("json"),
            "{text}"
        );
    }

    #[test]
    fn an_empty_file_is_not_written() {
        let file = CatalogFile::default();
        assert_eq!(
            render_file("files.yaml", &file, &BTreeMap::new()).expect("renders"),
            None
        );
    }
}
