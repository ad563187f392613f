//! One catalog file from text to raw entries. A file with no problems is
//! read the quick way (`super::direct`: straight to JSON, validated whole,
//! decoded entry by entry); any other is read as a tree with every
//! position: YAML parse, duplicate keys, JSON Schema validation, then
//! typed decoding of every entry the schema accepted. Every problem
//! becomes a diagnostic; nothing stops at the first.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::direct;
use super::format::{
    Attribute, AttributeGroup, Category, Collection, File, PruneKind, Region, Resource,
};
use super::json_schema::ErrorKind as K;
use super::schema;
use super::schema_errors;
use super::source::{EntrySource, FileTree, location};
use super::tree::{Node, Pos, Value, parse_options};
use crate::diag::{Code, Diagnostic, SourceFile};

/// An entry as written. `value` is `None` when the entry could not be
/// decoded (its problems are already reported); its key still counts, so
/// references to it are not reported a second time. Entries are boxed
/// where they are listed: loading moves each one several times (into its
/// kind's list, into key order), and a raw collection is 304 bytes; at a
/// million entries, moving them (two lists of them side by side while
/// one was copied into the other, the memory of the first parsed on
/// other threads and not yet free to use) was the peak of a whole run.
#[derive(Debug, Clone)]
pub struct RawEntry<T> {
    pub key: String,
    pub value: Option<T>,
    pub source: EntrySource,
}

impl<T> crate::catalog::entries::Keyed for RawEntry<T> {
    fn key(&self) -> &String {
        &self.key
    }
}

/// Everything one file declares.
#[derive(Debug, Default)]
pub struct RawFile {
    pub regions: Vec<Box<RawEntry<Region>>>,
    pub attributes: Vec<Box<RawEntry<Attribute>>>,
    pub attribute_groups: Vec<Box<RawEntry<AttributeGroup>>>,
    pub categories: Vec<Box<RawEntry<Category>>>,
    pub collections: Vec<Box<RawEntry<Collection>>>,
    pub files: Vec<Box<RawEntry<File>>>,
    pub resources: Vec<Box<RawEntry<Resource>>>,
    pub prune: Vec<PruneKind>,
}

/// A parsed file and its problems.
#[derive(Debug)]
pub struct Parsed {
    pub entries: RawFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// The singular noun for a kind's map name, for messages.
#[must_use]
pub fn kind_noun(kind: &str) -> &str {
    match kind {
        "regions" => "region",
        "attributes" => "attribute",
        "attribute_groups" => "attribute group",
        "categories" => "category",
        "collections" => "collection",
        "files" => "file",
        "resources" => "resource",
        other => other,
    }
}

/// Parses one file's text, held in memory for its entries to point into.
#[must_use]
pub fn parse_file(file: &Arc<Path>, text: &str) -> Parsed {
    parse_text(
        file,
        text,
        SourceFile::new(file.to_path_buf(), Arc::from(text)),
    )
}

/// Parses one file's text. Its entries share `source` to point into the
/// text later ([`FileTree`]), which may be one read from disk that reads the
/// file again when a problem needs it.
#[must_use]
pub fn parse_text(file: &Arc<Path>, text: &str, source: SourceFile) -> Parsed {
    match read_directly(file, text, &source) {
        Some(entries) => Parsed {
            entries,
            diagnostics: Vec::new(),
        },
        None => parse_tree(file, text, source),
    }
}

/// Parses one file's text as a tree with every position, reporting every
/// problem it has.
fn parse_tree(file: &Arc<Path>, text: &str, source: SourceFile) -> Parsed {
    let mut diagnostics = Vec::new();
    let root: Node = match serde_saphyr::from_str_with_options(text, parse_options()) {
        Ok(node) => node,
        Err(err) => {
            diagnostics.push(yaml_error(file, text, &err));
            return Parsed {
                entries: RawFile::default(),
                diagnostics,
            };
        }
    };
    if matches!(root.value, Value::Null) {
        // An empty file (or one with only comments) declares nothing.
        return Parsed {
            entries: RawFile::default(),
            diagnostics,
        };
    }
    let before = diagnostics.len();
    duplicate_keys(file, &root, &mut diagnostics);
    let unique_keys = diagnostics.len() == before;
    let json = root.to_json();
    let mut broken = BTreeSet::new();
    match schema::validator() {
        Ok(validator) => {
            for err in validator.errors(&json) {
                let path = err.path;
                // An unknown section is its own error: the file's other
                // sections still load.
                let unknown_section =
                    path.is_empty() && matches!(err.kind, K::AdditionalProperties { .. });
                if !unknown_section {
                    broken.insert(path.iter().take(2).cloned().collect::<Vec<_>>());
                }
                diagnostics.extend(schema_errors::diagnostics(file, &root, &path, &err.kind));
            }
        }
        Err(reason) => diagnostics.push(Diagnostic::error(
            Code::InvalidValue,
            crate::diag::Location::file(Arc::clone(file)),
            format!("internal error: the catalog schema does not compile: {reason}"),
        )),
    }
    if broken.contains(&Vec::new()) {
        return Parsed {
            entries: RawFile::default(),
            diagnostics,
        };
    }
    // Each entry decodes from its part of the file's JSON, taken out of
    // it, rather than from a second conversion of its YAML. Where a key
    // repeats, the JSON kept only the last value, so the YAML is used.
    let mut sections = match json {
        serde_json::Value::Object(map) if unique_keys => map,
        _ => serde_json::Map::new(),
    };
    let mut entries = RawFile::default();
    let Value::Map(kinds) = root.value else {
        return Parsed {
            entries,
            diagnostics,
        };
    };
    let tree = Arc::new(FileTree::new(file, source));
    for (section, (kind_key, kind_node)) in kinds.into_iter().enumerate() {
        let kind = kind_key.key_text().into_owned();
        if broken.contains(&vec![kind.clone()]) {
            continue;
        }
        let is_broken = |key: &str| broken.contains(&vec![kind.clone(), key.to_owned()]);
        let d = &mut diagnostics;
        let at = Section {
            file,
            tree: &tree,
            index: section,
            json: match sections.remove(&kind) {
                Some(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            },
        };
        let from_tree = FromTree {
            at,
            kind: &kind,
            node: kind_node,
            is_broken,
            diagnostics: d,
        };
        // Never `None`: the tree's reading decodes what it can.
        let _ = place(&mut entries, &kind, from_tree);
    }
    Parsed {
        entries,
        diagnostics,
    }
}

/// The quick reading of a file with no problems (`super::direct`): its
/// entries, or `None` when it has a problem (or something the quick
/// reading leaves to the tree), which the tree's reading then reports.
/// Its entries are those the tree's reading would give.
fn read_directly(file: &Arc<Path>, text: &str, source: &SourceFile) -> Option<RawFile> {
    let direct = direct::read(text)?;
    let mut entries = RawFile::default();
    if direct.sections.is_empty() {
        return Some(entries);
    }
    let json = serde_json::Value::Object(direct.json);
    if !schema::validator().ok()?.is_valid(&json) {
        return None;
    }
    let serde_json::Value::Object(mut json) = json else {
        return None;
    };
    let tree = Arc::new(FileTree::new(file, source.clone()));
    for (index, (kind, keys)) in direct.sections.into_iter().enumerate() {
        let section = json.remove(&kind)?;
        let direct = FromJson {
            tree: &tree,
            index,
            section,
            keys,
        };
        place(&mut entries, &kind, direct)?;
    }
    Some(entries)
}

/// Decodes one section of a file, in one of the two readings.
trait SectionReader {
    /// The section's entries; `None` to give up on the whole file.
    fn entries<T: DeserializeOwned>(self) -> Option<Vec<Box<RawEntry<T>>>>;
    /// The section as the `prune` list.
    fn prune(self) -> Vec<PruneKind>;
}

/// Puts the section `kind` where its entries go; `None` when the reader
/// gave up.
fn place(entries: &mut RawFile, kind: &str, reader: impl SectionReader) -> Option<()> {
    match kind {
        "regions" => entries.regions = reader.entries()?,
        "attributes" => entries.attributes = reader.entries()?,
        "attribute_groups" => entries.attribute_groups = reader.entries()?,
        "categories" => entries.categories = reader.entries()?,
        "collections" => entries.collections = reader.entries()?,
        "files" => entries.files = reader.entries()?,
        "resources" => entries.resources = reader.entries()?,
        "prune" => entries.prune = reader.prune(),
        _ => {}
    }
    Some(())
}

/// A section of a file read directly: the schema accepted it.
struct FromJson<'a> {
    tree: &'a Arc<FileTree>,
    index: usize,
    section: serde_json::Value,
    keys: Vec<(String, Pos)>,
}

impl SectionReader for FromJson<'_> {
    fn entries<T: DeserializeOwned>(self) -> Option<Vec<Box<RawEntry<T>>>> {
        let serde_json::Value::Object(mut values) = self.section else {
            return None;
        };
        let mut out = Vec::with_capacity(self.keys.len());
        for (index, (key, pos)) in self.keys.into_iter().enumerate() {
            // An entry the schema accepts but serde refuses is the tree's
            // reading to report.
            let value = serde_json::from_value::<T>(values.remove(&key)?).ok()?;
            out.push(Box::new(RawEntry {
                key,
                value: Some(value),
                source: EntrySource::new(pos, self.tree, self.index, index),
            }));
        }
        Some(out)
    }

    fn prune(self) -> Vec<PruneKind> {
        serde_json::from_value(self.section).unwrap_or_default()
    }
}

/// A section of a file read as a tree, problems and all.
struct FromTree<'a, B> {
    at: Section<'a>,
    kind: &'a str,
    node: Node,
    is_broken: B,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<B: Fn(&str) -> bool> SectionReader for FromTree<'_, B> {
    fn entries<T: DeserializeOwned>(self) -> Option<Vec<Box<RawEntry<T>>>> {
        Some(decode(
            self.at,
            self.kind,
            self.node,
            self.is_broken,
            self.diagnostics,
        ))
    }

    fn prune(self) -> Vec<PruneKind> {
        serde_json::from_value(self.node.to_json()).unwrap_or_default()
    }
}

/// Where a kind's section is: its file and its place in the file's
/// top-level mapping; with its entries as JSON by key, when the file's
/// JSON could stand for them.
struct Section<'a> {
    file: &'a Arc<Path>,
    tree: &'a Arc<FileTree>,
    index: usize,
    json: serde_json::Map<String, serde_json::Value>,
}

fn decode<T: DeserializeOwned>(
    mut section: Section<'_>,
    kind: &str,
    kind_node: Node,
    is_broken: impl Fn(&str) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Box<RawEntry<T>>> {
    let known: Vec<&str> = schema::schema_at([kind, "*"])
        .map(schema::known_fields)
        .unwrap_or_default();
    let Value::Map(pairs) = kind_node.value else {
        return Vec::new();
    };
    let file = section.file;
    let mut out = Vec::with_capacity(pairs.len());
    for (index, (key_node, entry_node)) in pairs.into_iter().enumerate() {
        let key = key_node.key_text().into_owned();
        let broken = is_broken(&key);
        let mut json = section
            .json
            .remove(&key)
            .unwrap_or_else(|| entry_node.to_json());
        if broken {
            // Unknown fields are already reported; without them the entry
            // may still decode, so its references get checked in this run
            // too instead of after the next fix.
            if let serde_json::Value::Object(map) = &mut json {
                map.retain(|field, _| known.contains(&field.as_str()));
            }
        }
        let value = match serde_json::from_value::<T>(json) {
            Ok(v) => Some(v),
            Err(_) if broken => None,
            Err(err) => {
                // The schema accepted what serde refuses: report rather
                // than lose the entry silently.
                diagnostics.push(Diagnostic::error(
                    Code::InvalidValue,
                    location(file, entry_node.pos),
                    format!("{} `{key}` cannot be read: {err}", kind_noun(kind)),
                ));
                None
            }
        };
        out.push(Box::new(RawEntry {
            key,
            value,
            source: EntrySource::new(key_node.pos, section.tree, section.index, index),
        }));
    }
    out
}

/// A YAML syntax error as a diagnostic at its position.
#[must_use]
pub fn yaml_error(file: &Arc<Path>, text: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let pos = err.location().map(Pos::from).unwrap_or_default();
    let (line, column) = (pos.line.max(1), pos.column.max(1));
    // A syntax error's location may carry a line and column but no byte
    // offset, and the snippet is drawn at the offset.
    let offset = if pos.offset == 0 {
        offset_of(text, line, column)
    } else {
        pos.offset
    };
    let pos = Pos {
        line,
        column,
        offset,
        ..pos
    };
    // The library's message may quote the source with its own snippet; keep
    // only the first line, since the renderer draws the snippet itself.
    let rendered = err.to_string();
    let first = strip_location_prefix(rendered.lines().next().unwrap_or("invalid YAML").trim());
    let mut d = Diagnostic::error(
        Code::YamlSyntax,
        location(file, pos),
        format!("invalid YAML: {first}"),
    );
    if text.contains('\t') && first.contains("tab") {
        d = d.with_hint("YAML indents with spaces; replace the tabs");
    } else {
        d = d.with_hint("fix the YAML syntax at this position; other problems in this file are reported once it parses");
    }
    d
}

/// The byte offset of 1-based `line` and `column` (in characters) in
/// `text`, clamped to the text.
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>()
        .min(text.len());
    let rest = &text[start..];
    let within = rest
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(column.saturating_sub(1) as usize)
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    start + within
}

/// The library prefixes messages with `error: line N column M: `, which
/// the diagnostic's own location already says.
fn strip_location_prefix(message: &str) -> &str {
    let rest = message.strip_prefix("error: ").unwrap_or(message);
    if rest.starts_with("line ")
        && let Some(i) = rest.find(": ")
    {
        return &rest[i + 2..];
    }
    rest
}

/// Reports every key repeated in a mapping, anywhere under `node`, with
/// both places.
pub fn duplicate_keys(file: &Arc<Path>, node: &Node, diagnostics: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Map(pairs) => {
            // Keys borrowed, hashed with foldhash: this runs on every
            // mapping of every file, most of them an entry's few fields.
            let mut seen: HashMap<Cow<'_, str>, Pos, foldhash::fast::RandomState> =
                HashMap::with_capacity_and_hasher(
                    pairs.len(),
                    foldhash::fast::RandomState::default(),
                );
            for (k, v) in pairs {
                let text = k.key_text();
                if let Some(first) = seen.get(&text) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::DuplicateKey,
                            location(file, k.pos),
                            format!("key `{text}` appears twice in this mapping"),
                        )
                        .with_label(location(file, *first), "first defined here")
                        .with_hint("remove one of them or rename it; YAML keeps only the last"),
                    );
                } else {
                    seen.insert(text, k.pos);
                }
                duplicate_keys(file, v, diagnostics);
            }
        }
        Value::Seq(items) => {
            for item in items {
                duplicate_keys(file, item, diagnostics);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalog file of the repository reads directly, into exactly
    /// the entries the tree's reading gives.
    #[test]
    fn reading_directly_gives_the_entries_of_the_tree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read = 0;
        // examples/ci holds CI pipelines, not catalogs.
        for dir in [
            "catalog",
            "examples/minimal",
            "examples/multi-region",
            "examples/apparel",
        ] {
            for entry in crate::catalog::load::walk(&root.join(dir)).filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy();
                if !entry.file_type().is_file() || !crate::catalog::load::is_catalog_yaml(&name) {
                    continue;
                }
                let file: Arc<Path> = Arc::from(entry.path());
                let text = std::fs::read_to_string(entry.path()).expect("readable");
                let source = SourceFile::new(file.to_path_buf(), Arc::from(text.as_str()));
                let direct = read_directly(&file, &text, &source)
                    .unwrap_or_else(|| panic!("{} was not read directly", file.display()));
                let tree = parse_tree(&file, &text, source);
                assert!(tree.diagnostics.is_empty(), "{}", file.display());
                assert_eq!(
                    format!("{direct:?}"),
                    format!("{:?}", tree.entries),
                    "{}",
                    file.display()
                );
                read += 1;
            }
        }
        assert!(read >= 5, "only {read} files read");
    }

    /// YAML's other spellings of the same entries: flow style, quoted
    /// keys, anchors and merges, tags, every scalar type.
    #[test]
    fn reading_directly_agrees_on_every_spelling() {
        let text = r#"
attributes:
  "size": { name: Size, type: number }
  colour: &pick
    name: Colour
    type: pick_list
    options: ['red', "blue", green]
  launched: { name: Launched, type: date }
categories:
  tops: { name: !!str Tops }
collections:
  shirt:
    name: "Shirt \u00e9"
    category: tops
    sku: '0012'
    published: { start: 2026-01-01, end: "2026-12-31T00:00:00Z" }
    attributes: { size: 1.5e1, colour: red, launched: 2026-01-02 }
  hat: {name: Hat, published: false, attributes: {size: 0x10, colour: ~}}
prune: [collections]
"#;
        let file: Arc<Path> = Arc::from(Path::new("spellings.yaml"));
        let source = SourceFile::new(file.to_path_buf(), Arc::from(text));
        let direct = read_directly(&file, text, &source).expect("read directly");
        let tree = parse_tree(&file, text, source);
        assert!(tree.diagnostics.is_empty(), "{:?}", tree.diagnostics);
        assert_eq!(direct.collections.len(), 2);
        assert_eq!(format!("{direct:?}"), format!("{:?}", tree.entries));
    }

    /// A file with a problem is read as a tree, which reports it.
    #[test]
    fn a_problem_is_reported_by_the_tree() {
        let text = "collections:\n  shirt: { name: Shirt }\n  shirt: { name: Again }\n";
        let file: Arc<Path> = Arc::from(Path::new("twice.yaml"));
        let parsed = parse_file(&file, text);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].code, Code::DuplicateKey);
    }
}
