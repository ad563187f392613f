//! Asset files: each must exist inside the catalog directory, be a
//! non-empty regular file, and have an extension, declared MIME type and
//! magic bytes that agree. Files are reached through a `cap-std` handle on
//! the catalog directory, so neither `..` nor a symlink can reach outside.
//! A file the [`asset_cache`](crate::catalog::asset_cache) read at its
//! current size and modification time is not opened: its type is known.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

use rayon::prelude::*;

use super::Checker;
use super::identity::file_name;
use crate::catalog::asset_cache::{Cache, Census, SNIFF_LEN, sniff};
use crate::catalog::asset_dir::{AssetDir, Stamp};
use crate::catalog::format;
use crate::catalog::model::Entries;
use crate::catalog::model::{Asset, Entry, File, OnConflict};
use crate::catalog::parse::RawEntry;
use crate::diag::{Code, Diagnostic};

/// What the file on disk turned out to be.
struct Probe {
    size: u64,
    magic: Option<String>,
    /// The cache's entry, when it vouches for the file as it is.
    known: Option<crate::catalog::asset_cache::Entry>,
}

/// Checks every file entry; `None` when any failed. Only entries with a
/// `path` have an asset to probe; the rest name live files by `name`.
/// With `asset_cache`, what the cache vouches for goes into `census`.
pub(super) fn check_files(
    raw: &Entries<Box<RawEntry<format::File>>>,
    root: &Path,
    asset_cache: bool,
    census: &mut Census,
    checker: &mut Checker<'_>,
) -> Option<Entries<Entry<File>>> {
    let with_path = raw
        .values()
        .find(|e| e.value.as_ref().is_some_and(|f| f.path.is_some()));
    let dir = match with_path {
        None => None,
        Some(first) => match AssetDir::open(root, asset_paths(raw)) {
            Ok(dir) => Some(dir),
            Err(err) => {
                checker.push(Diagnostic::error(
                    Code::Io,
                    first.source.key_location(),
                    format!(
                        "cannot open catalog directory `{}` to check assets: {err}",
                        root.display()
                    ),
                ));
                return None;
            }
        },
    };
    // Probing is I/O: do it in parallel, then check sequentially so
    // diagnostics are gathered in one place.
    let mut probes: BTreeMap<&String, Result<Probe, Diagnostic>> = match &dir {
        Some(dir) => {
            let cache;
            (*census, cache) = Census::start(root, asset_cache);
            raw.as_slice()
                .par_iter()
                .filter_map(|e| {
                    let key = &e.key;
                    let f = e.value.as_ref()?;
                    let path = f.path.as_deref()?;
                    Some((key, probe(dir, &cache, e, path)))
                })
                .collect()
        }
        None => BTreeMap::new(),
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (key, e) in raw {
        let Some(f) = e.value.as_ref() else {
            ok = false;
            continue;
        };
        // The schema reported an entry with neither `path` nor `name`.
        let Some(name) = file_name(f) else {
            ok = false;
            continue;
        };
        let content = match (f.path.as_deref(), probes.remove(key)) {
            (Some(written), Some(Ok(mut probe))) => {
                let path = normalise(written);
                if let Some(known) = probe.known.take() {
                    census.extend([(path.clone(), known)]);
                }
                resolve_mime(checker, e, f, written, &probe).map(|mime_type| {
                    Some(Asset {
                        path,
                        mime_type,
                        size: probe.size,
                        on_conflict: f.on_conflict.unwrap_or(OnConflict::Overwrite),
                        if_duplicate: f.if_duplicate.unwrap_or_default(),
                    })
                })
            }
            (Some(_), Some(Err(d))) => {
                checker.push(d);
                None
            }
            (Some(_), None) => None,
            (None, _) => Some(None),
        };
        let collections =
            checker.refs_list(e, "collections", f.collections.as_deref(), "collections");
        let regions = checker.refs_list(e, "regions", f.regions.as_deref(), "regions");
        let published = checker.publishing(e, f.published.as_deref());
        match (content, collections, regions, published) {
            (Some(content), Some(collections), Some(regions), Some(published)) => {
                out.push(Entry {
                    key: key.clone(),
                    value: Box::new(File {
                        name: name.to_owned(),
                        content,
                        collections,
                        regions,
                        published,
                    }),
                    id: super::pin_parts(f.id.as_ref()).0,
                    pins: super::pin_parts(f.id.as_ref()).1,
                    renamed_from: f.renamed_from.clone(),
                    protect: f.protect.unwrap_or(false),
                    declared_at: e.source.key_location(),
                });
            }
            _ => ok = false,
        }
    }
    // Pushed in key order: the finished list.
    ok.then(|| Entries::from_sorted(out))
}

/// Every asset path as written; a refused one cannot open a folder
/// outside the catalog (cap-std refuses it) and is reported by `probe`.
fn asset_paths(raw: &Entries<Box<RawEntry<format::File>>>) -> impl Iterator<Item = &str> {
    raw.values()
        .filter_map(|e| e.value.as_ref()?.path.as_deref())
}

fn normalise(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_owned()
}

fn probe(
    dir: &AssetDir,
    cache: &Cache,
    e: &RawEntry<format::File>,
    text: &str,
) -> Result<Probe, Diagnostic> {
    // Where `path:` is, asked only for a problem: finding it parses the
    // entry's file again (`source`).
    let at = || e.source.at(&["path"]);
    match path_refusal(text) {
        Some(PathRefusal::Absolute) => {
            return Err(Diagnostic::error(
                Code::AssetOutsideCatalog,
                at(),
                format!("asset path `{}` is absolute", text),
            )
            .with_hint("asset paths are relative to the catalog directory: move the file into the catalog and write a path like `assets/hero.jpg`"));
        }
        Some(PathRefusal::ParentDir) => {
            return Err(Diagnostic::error(
                Code::AssetOutsideCatalog,
                at(),
                format!("asset path `{}` uses `..`", text),
            )
            .with_hint("asset paths may not use `..`: move the file into the catalog directory and name it from there"));
        }
        None => {}
    }
    let meta = dir
        .metadata(text)
        .map_err(|err| open_error(e, text, &err))?;
    if !meta.is_file() {
        return Err(Diagnostic::error(
            Code::AssetMissing,
            at(),
            format!("asset path `{}` is not a regular file", text),
        )
        .with_hint("point `path:` at a file, not a directory"));
    }
    if meta.len() == 0 {
        return Err(Diagnostic::error(
            Code::AssetEmpty,
            at(),
            format!("asset `{}` is empty (0 bytes)", text),
        )
        .with_hint(
            "PXM refuses empty uploads: replace the file with real content or remove the entry",
        ));
    }
    if let Some(known) = cache.fresh(&normalise(text), Stamp::of(&meta)) {
        return Ok(Probe {
            size: meta.len(),
            magic: known.magic.clone(),
            known: Some(known.clone()),
        });
    }
    let file = dir
        .open_file(text)
        .map_err(|err| open_error(e, text, &err))?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    file.take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|err| open_error(e, text, &err))?;
    Ok(Probe {
        size: meta.len(),
        magic: sniff(&head),
        known: None,
    })
}

/// Why a path is refused before any file is opened.
pub(super) enum PathRefusal {
    Absolute,
    ParentDir,
}

/// The syntactic rule for asset paths: relative, and without `..`. (A
/// symlink leading out is caught when cap-std opens the file.)
pub(super) fn path_refusal(text: &str) -> Option<PathRefusal> {
    let path = Path::new(text);
    let absolute = path.is_absolute()
        || text.starts_with(['/', '\\'])
        || path
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if absolute {
        Some(PathRefusal::Absolute)
    } else if path.components().any(|c| matches!(c, Component::ParentDir)) {
        Some(PathRefusal::ParentDir)
    } else {
        None
    }
}

fn open_error(e: &RawEntry<format::File>, path: &str, err: &std::io::Error) -> Diagnostic {
    let at = e.source.at(&["path"]);
    match err.kind() {
        std::io::ErrorKind::NotFound => Diagnostic::error(
            Code::AssetMissing,
            at,
            format!("asset `{}` does not exist", path),
        )
        .with_hint(
            "paths are relative to the catalog directory; check the spelling or add the file",
        ),
        std::io::ErrorKind::PermissionDenied if escapes_message(err) => Diagnostic::error(
            Code::AssetOutsideCatalog,
            at,
            format!(
                "asset path `{}` leads outside the catalog directory through a symlink",
                path
            ),
        )
        .with_hint("copy the file into the catalog instead of linking to it"),
        _ => Diagnostic::error(
            Code::AssetMissing,
            at,
            format!("cannot read asset `{}`: {err}", path),
        )
        .with_hint("check the file's permissions"),
    }
}

/// cap-std reports an escape as a permission error with this wording.
fn escapes_message(err: &std::io::Error) -> bool {
    err.to_string().contains("outside")
}

/// The extension people expect for a type (mime_guess's first choice for
/// JPEG is `.jfif`).
fn preferred_extension(mime: &str) -> String {
    let ext = match canonical(mime).as_str() {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        "image/tiff" => Some("tif"),
        "application/pdf" => Some("pdf"),
        "video/mp4" => Some("mp4"),
        "audio/mpeg" => Some("mp3"),
        "application/zip" => Some("zip"),
        _ => None,
    };
    ext.map(str::to_owned)
        .or_else(|| {
            mime_guess::get_mime_extensions_str(mime)
                .and_then(|exts| exts.first())
                .map(|e| (*e).to_owned())
        })
        .map_or_else(|| mime.to_owned(), |e| format!(".{e}"))
}

/// The MIME type the extension of `path` implies, as the checker reads it
/// (`None` for an unknown extension). An entry's `mime_type` must agree.
#[must_use]
pub fn implied_mime_type(path: &str) -> Option<String> {
    mime_guess::from_path(path).first_raw().map(canonical)
}

/// One spelling per MIME type (`image/jpg` → `image/jpeg`), lower-case and
/// without parameters, so aliases do not count as disagreement.
#[must_use]
pub fn canonical_mime(mime: &str) -> String {
    canonical(mime)
}

/// One spelling per type, so aliases do not count as disagreement.
fn canonical(mime: &str) -> String {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or(mime)
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        "image/x-png" => "image/png".to_owned(),
        "audio/x-m4a" | "audio/m4a" => "audio/mp4".to_owned(),
        "application/x-zip-compressed" => "application/zip".to_owned(),
        "audio/x-wav" | "audio/wave" => "audio/wav".to_owned(),
        "audio/mp3" => "audio/mpeg".to_owned(),
        _ => essence,
    }
}

/// Whether bytes recognised as `magic` may be a file of type `declared`:
/// the same type, or a container format that `declared` is built on.
fn bytes_fit(magic: &str, declared: &str) -> bool {
    if magic.eq_ignore_ascii_case(declared) {
        return true;
    }
    let (magic, declared) = (canonical(magic), canonical(declared));
    if magic == declared {
        return true;
    }
    let zip_based = declared.ends_with("+zip")
        || declared.contains("openxmlformats")
        || declared.contains("opendocument")
        || declared == "application/java-archive";
    (magic == "application/zip" && zip_based)
        || (magic == "application/x-ole-storage" && declared.starts_with("application/vnd.ms-"))
        || (magic == "application/x-ole-storage" && declared == "application/msword")
        || (magic == "video/mp4" && declared == "audio/mp4")
        || (magic == "audio/mp4" && declared == "video/mp4")
}

fn resolve_mime(
    checker: &mut Checker<'_>,
    e: &RawEntry<format::File>,
    f: &format::File,
    path: &str,
    probe: &Probe,
) -> Option<String> {
    let by_ext = implied_mime_type(path);
    let declared = f.mime_type.as_deref().map(canonical);
    let mut ok = true;
    if let (Some(declared), Some(by_ext)) = (&declared, &by_ext)
        && declared != by_ext
    {
        checker.push(
                Diagnostic::error(
                    Code::AssetTypeMismatch,
                    e.source.at(&["mime_type"]),
                    format!(
                        "`mime_type: {declared}` disagrees with the extension of `{}`, which means {by_ext}",
                        path
                    ),
                )
                .with_hint("remove `mime_type` to use the extension's type, or rename the file"),
            );
        ok = false;
    }
    let claimed = declared.clone().or_else(|| by_ext.clone());
    // When `mime_type` already disagrees with the extension and the bytes
    // match the extension, the file is right and `mime_type` is wrong:
    // that one error says it all.
    let bytes_match_extension = probe
        .magic
        .as_deref()
        .zip(by_ext.as_deref())
        .is_some_and(|(magic, ext)| bytes_fit(magic, ext));
    if !ok && bytes_match_extension {
        return None;
    }
    if let (Some(magic), Some(claimed)) = (probe.magic.as_deref(), &claimed)
        && !bytes_fit(magic, claimed)
    {
        let what = if declared.is_some() {
            "`mime_type`"
        } else {
            "its extension"
        };
        checker.push(
                Diagnostic::error(
                    Code::AssetTypeMismatch,
                    e.source.at(&["path"]),
                    format!(
                        "asset `{}` holds {magic} bytes, but {what} says {claimed}",
                        path
                    ),
                )
                .with_hint(format!(
                    "rename the file to match its content (a {} file), or replace it with a real {claimed} file",
                    preferred_extension(magic)
                )),
            );
        ok = false;
    }
    if let Some(name) = &f.name {
        let by_name = mime_guess::from_path(name).first_raw().map(canonical);
        if let (Some(by_name), Some(claimed)) = (&by_name, &claimed)
            && by_name != claimed
        {
            checker.push(
                Diagnostic::error(
                    Code::AssetTypeMismatch,
                    e.source.at(&["name"]),
                    format!("file name `{name}` means {by_name}, but the asset is {claimed}"),
                )
                .with_hint("give `name` the same extension as the file"),
            );
            ok = false;
        }
    }
    let resolved = claimed.or_else(|| probe.magic.as_deref().map(canonical));
    if resolved.is_none() {
        checker.push(
            Diagnostic::warning(
                Code::AssetUnknownType,
                e.source.at(&["path"]),
                format!("cannot tell the type of asset `{}`; it will upload as application/octet-stream", path),
            )
            .with_hint("add `mime_type:` to the entry, or give the file a known extension"),
        );
    }
    ok.then(|| resolved.unwrap_or_else(|| "application/octet-stream".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_path_is_a_live_file_without_content() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("assets")).expect("assets dir");
        std::fs::write(dir.path().join("assets/a.txt"), "hello").expect("asset");
        std::fs::write(
            dir.path().join("catalog.yaml"),
            "collections: { jacket: { name: Jacket } }\n\
             files:\n  \
               live: { name: chart.pdf, id: \"7\", collections: [jacket] }\n  \
               local: { path: assets/a.txt }\n",
        )
        .expect("catalog");
        let loaded = crate::catalog::load(dir.path());
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let catalog = loaded.catalog.expect("valid catalog");
        let live = &catalog.files["live"];
        assert_eq!(live.value.name, "chart.pdf");
        assert_eq!(live.value.content, None);
        assert_eq!(live.id.as_deref(), Some("7"));
        let local = catalog.files["local"]
            .value
            .content
            .as_ref()
            .expect("asset");
        assert_eq!((local.path.as_str(), local.size), ("assets/a.txt", 5));
        assert_eq!(catalog.files["local"].value.name, "a.txt");
    }

    #[test]
    fn aliases_and_containers_fit() {
        assert!(bytes_fit("image/jpeg", "image/jpg"));
        assert!(bytes_fit(
            "application/zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ));
        assert!(!bytes_fit("image/png", "image/jpeg"));
    }
}
