//! Loading a catalog directory: find its YAML files, parse them in
//! parallel, merge their entries per kind (a key defined in two files is an
//! error naming both), then check the whole into a [`Catalog`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::asset_cache::Census;
use super::check;
use super::format::PruneKind;
use super::model::{Catalog, Entries};
use super::parse::{RawEntry, RawFile, kind_noun, parse_text};
use crate::diag::{Code, Diagnostic, Diagnostics, Location, SourceFile, Sources};

/// The settings files a catalog directory may hold (`config` reads them):
/// YAML, but not catalog files. The first is the name `init` writes.
pub const SETTINGS_FILES: [&str; 2] = ["pxmctl.yaml", "pxmctl.yml"];

/// All entries of a catalog, merged across files, keyed per kind.
#[derive(Debug, Default)]
pub struct RawCatalog {
    pub regions: Entries<Box<RawEntry<super::format::Region>>>,
    pub attributes: Entries<Box<RawEntry<super::format::Attribute>>>,
    pub attribute_groups: Entries<Box<RawEntry<super::format::AttributeGroup>>>,
    pub categories: Entries<Box<RawEntry<super::format::Category>>>,
    pub collections: Entries<Box<RawEntry<super::format::Collection>>>,
    pub files: Entries<Box<RawEntry<super::format::File>>>,
    pub resources: Entries<Box<RawEntry<super::format::Resource>>>,
    pub prune: BTreeSet<PruneKind>,
}

/// A file read and parsed: its text, entries and problems.
type ReadFile = (SourceFile, RawFile, Vec<Diagnostic>);

/// The result of loading: the checked catalog when there are no errors,
/// every diagnostic (sorted), and the sources they point into.
#[derive(Debug)]
pub struct Loaded {
    pub catalog: Option<Catalog>,
    pub diagnostics: Diagnostics,
    pub sources: Sources,
    /// The YAML files read, relative to where the user pointed.
    pub files: Vec<PathBuf>,
    /// What `.pxmctl/hashes.json` vouches for among the assets, for
    /// [`hash_catalog`](super::hashes::hash_catalog).
    pub assets: Census,
}

/// Loads and checks the catalog in `dir`. Never fails: unreadable files
/// and directories are diagnostics like any other problem.
#[must_use]
pub fn load(dir: &Path) -> Loaded {
    load_with(dir, true)
}

/// [`load`], choosing whether asset types may come from the
/// [`asset_cache`](super::asset_cache) (`--no-hash-cache` says no).
#[must_use]
pub fn load_with(dir: &Path, asset_cache: bool) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    let mut sources = Sources::default();
    let paths = match yaml_files(dir) {
        Ok((paths, refused)) => {
            diagnostics.extend(refused);
            paths
        }
        Err(d) => {
            diagnostics.push(*d);
            return Loaded {
                catalog: None,
                diagnostics,
                sources,
                files: Vec::new(),
                assets: Census::default(),
            };
        }
    };
    if paths.is_empty() && !diagnostics.has_errors() {
        diagnostics.push(
            Diagnostic::error(
                Code::EmptyCatalog,
                Location::file(Arc::from(dir)),
                format!("no `*.yaml` or `*.yml` files in `{}`", dir.display()),
            )
            .with_hint("point pxmctl at a catalog directory, or create one with `pxmctl init`"),
        );
    }
    let parsed: Vec<Result<ReadFile, Diagnostic>> = paths
        .par_iter()
        .map(|path| {
            let file: Arc<Path> = Arc::from(path.as_path());
            read_text(&file).map(|text| {
                // The text goes at the end of this closure; the entries
                // and the diagnostics share one reading of it again, if a
                // problem needs it.
                let source = SourceFile::read(file.to_path_buf(), &text);
                let parsed = parse_text(&file, &text, source.clone());
                (source, parsed.entries, parsed.diagnostics)
            })
        })
        .collect();

    let mut all = RawFile::default();
    reserve(&mut all, parsed.iter().filter_map(|r| r.as_ref().ok()));
    for result in parsed {
        match result {
            Ok((source, entries, diags)) => {
                sources.add(source);
                diagnostics.extend(diags);
                gather(&mut all, entries);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let raw = merge(all, &mut diagnostics);
    let mut assets = Census::default();
    let catalog = check::check(raw, dir, asset_cache, &mut assets, &mut diagnostics);
    diagnostics.sort();
    let catalog = if diagnostics.has_errors() {
        None
    } else {
        catalog
    };
    Loaded {
        catalog,
        diagnostics,
        sources,
        files: paths,
        assets,
    }
}

/// Every entry under a catalog directory, as the loader sees it: hidden
/// files and directories (`.git`, `.pxmctl`) skipped, symlinks not
/// followed, in no particular order. Callers sort what they keep: sorting
/// every directory here would sort thousands of asset names for nothing.
pub fn walk(dir: &Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
}

/// Whether the loader reads a file of this name as catalog YAML.
#[must_use]
pub fn is_catalog_yaml(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml")) && !SETTINGS_FILES.contains(&name)
}

/// The catalog's YAML files, and an error for each one it cannot read as
/// such: a symlink leading out of the catalog directory (or nowhere), and
/// anything named `*.yaml` that is not a regular file (a directory, a
/// FIFO). Symlinks inside the directory are followed, so a linked file or
/// folder is loaded, never skipped without a word.
fn yaml_files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<Diagnostic>), Box<Diagnostic>> {
    let io_error = |path: &Path, what: String| {
        Box::new(
            Diagnostic::error(Code::Io, Location::file(Arc::from(path)), what)
                .with_hint("check the path and its permissions"),
        )
    };
    let meta = std::fs::metadata(dir).map_err(|e| {
        io_error(
            dir,
            format!("cannot read catalog directory `{}`: {e}", dir.display()),
        )
    })?;
    if !meta.is_dir() {
        return Err(io_error(
            dir,
            format!(
                "`{}` is not a directory; pass the catalog directory",
                dir.display()
            ),
        ));
    }
    let root = std::fs::canonicalize(dir).map_err(|e| {
        io_error(
            dir,
            format!("cannot read catalog directory `{}`: {e}", dir.display()),
        )
    })?;
    let refused = std::cell::RefCell::new(Vec::new());
    let refuse = |path: &Path, message: String, hint: &str| {
        refused.borrow_mut().push(
            Diagnostic::error(Code::Io, Location::file(Arc::from(path)), message).with_hint(hint),
        );
    };
    // A symlink is followed only where it leads inside the catalog. One
    // leading out is an error where it would bring YAML in (a YAML file,
    // or a folder holding some); asset links are the asset check's.
    let holds_yaml = |target: &Path| {
        target.is_dir()
            && walkdir::WalkDir::new(target)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| {
                    e.file_type().is_file() && is_catalog_yaml(&e.file_name().to_string_lossy())
                })
    };
    let inside = |e: &walkdir::DirEntry| {
        if !e.path_is_symlink() {
            return true;
        }
        let yaml_name = is_catalog_yaml(&e.file_name().to_string_lossy());
        match std::fs::canonicalize(e.path()) {
            Ok(target) if target.starts_with(&root) => true,
            Ok(target) if !yaml_name && !holds_yaml(&target) => false,
            Ok(target) => {
                refuse(
                    e.path(),
                    format!(
                        "`{}` is a symlink to `{}`, outside the catalog directory; not read",
                        e.path().display(),
                        target.display()
                    ),
                    "copy what it points at into the catalog directory, or link to a place inside it",
                );
                false
            }
            Err(_) if !yaml_name => false,
            Err(err) => {
                refuse(
                    e.path(),
                    format!(
                        "`{}` is a symlink that cannot be followed: {err}",
                        e.path().display()
                    ),
                    "fix or remove the link",
                );
                false
            }
        }
    };
    let mut paths = Vec::new();
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            (e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) && inside(e)
        });
    for entry in entries {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            io_error(&path, format!("cannot read `{}`: {e}", path.display()))
        })?;
        if !is_catalog_yaml(&entry.file_name().to_string_lossy()) || entry.depth() == 0 {
            continue;
        }
        let kind = entry.file_type();
        if kind.is_file() {
            paths.push(entry.into_path());
        } else {
            let what = if kind.is_dir() {
                "a directory"
            } else {
                "not a regular file (a FIFO, socket or device)"
            };
            refuse(
                entry.path(),
                format!(
                    "`{}` is {what}, so it cannot be read as catalog YAML",
                    entry.path().display()
                ),
                "rename it so it does not end in `.yaml` or `.yml`, or replace it with a file",
            );
        }
    }
    // Path order compares component by component: the depth-first order
    // of a walk with sorted directories. A file reached both directly and
    // through a link inside the catalog is read once, at its first path.
    paths.sort_unstable();
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok((paths, refused.into_inner()))
}

fn read_text(file: &Arc<Path>) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(file).map_err(|e| {
        Diagnostic::error(
            Code::Io,
            Location::file(Arc::clone(file)),
            format!("cannot read `{}`: {e}", file.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Diagnostic::error(
            Code::NotUtf8,
            Location {
                file: Arc::clone(file),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                offset: 0,
                len: 0,
            },
            format!("`{}` is not valid UTF-8", file.display()),
        )
        .with_hint("save the file as UTF-8")
    })
}

/// Makes room in `all` for every file's entries at once: growing a list
/// of a million entries by doubling copies it about twenty times and
/// leaves up to half of it unused.
fn reserve<'a>(all: &mut RawFile, files: impl Iterator<Item = &'a ReadFile> + Clone) {
    let count = |of: fn(&RawFile) -> usize| files.clone().map(|(_, f, _)| of(f)).sum::<usize>();
    all.regions.reserve(count(|f| f.regions.len()));
    all.attributes.reserve(count(|f| f.attributes.len()));
    all.attribute_groups
        .reserve(count(|f| f.attribute_groups.len()));
    all.categories.reserve(count(|f| f.categories.len()));
    all.collections.reserve(count(|f| f.collections.len()));
    all.files.reserve(count(|f| f.files.len()));
    all.resources.reserve(count(|f| f.resources.len()));
}

/// Adds one file's entries to those of the files before it.
fn gather(all: &mut RawFile, file: RawFile) {
    all.regions.extend(file.regions);
    all.attributes.extend(file.attributes);
    all.attribute_groups.extend(file.attribute_groups);
    all.categories.extend(file.categories);
    all.collections.extend(file.collections);
    all.files.extend(file.files);
    all.resources.extend(file.resources);
    all.prune.extend(file.prune);
}

fn merge(all: RawFile, diagnostics: &mut Diagnostics) -> RawCatalog {
    RawCatalog {
        regions: merge_kind(all.regions, "regions", diagnostics),
        attributes: merge_kind(all.attributes, "attributes", diagnostics),
        attribute_groups: merge_kind(all.attribute_groups, "attribute_groups", diagnostics),
        categories: merge_kind(all.categories, "categories", diagnostics),
        collections: merge_kind(all.collections, "collections", diagnostics),
        files: merge_kind(all.files, "files", diagnostics),
        resources: merge_kind(all.resources, "resources", diagnostics),
        prune: all.prune.into_iter().collect(),
    }
}

/// One kind's entries in key order; a key defined again in a later file
/// is an error pointing at the first.
fn merge_kind<T: Send>(
    mut entries: Vec<Box<RawEntry<T>>>,
    kind: &str,
    diagnostics: &mut Diagnostics,
) -> Entries<Box<RawEntry<T>>> {
    // Sorted in place: a sorted copy beside the list was the peak of
    // loading a million entries. Of the entries of one key, the first
    // file's comes first (files are read in path order), then the first
    // in the file, as they were gathered.
    entries.par_sort_unstable_by(|a, b| {
        (a.key.as_str(), a.source.file(), a.source.key.offset).cmp(&(
            b.key.as_str(),
            b.source.file(),
            b.source.key.offset,
        ))
    });
    entries.dedup_by(|entry, first| {
        if entry.key != first.key {
            return false;
        }
        // Within one file the YAML duplicate-key check reported it.
        if first.source.file() != entry.source.file() {
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateKey,
                    entry.source.key_location(),
                    format!(
                        "{} `{}` is defined in two files",
                        kind_noun(kind),
                        entry.key
                    ),
                )
                .with_label(first.source.key_location(), "first defined here")
                .with_hint(format!(
                    "keys are unique per kind across the catalog; rename or remove one `{}`",
                    entry.key
                )),
            );
        }
        true
    });
    Entries::from_sorted(entries)
}
