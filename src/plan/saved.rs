//! Saved plans (`pxmctl plan --out FILE`): the plan plus what it was made
//! from — a digest of the catalog's YAML and a fingerprint of every live
//! object read — so `pxmctl apply FILE` can refuse a plan that no longer
//! describes the catalog or the account. Owns the file format (JSON,
//! versioned; see `docs/plan-format.md`), writing it atomically, reading
//! it with errors that name the file, and telling what went stale. It
//! does not decide what to do about staleness; `cli` does.
//!
//! A saved plan holds no secret: `Plan` has none, and fingerprints are
//! hashes of the wire types, which never serialise presigned URLs.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Kind, Plan};
use crate::diag::Sources;
use crate::remote::LiveSnapshot;

/// The version of the saved-plan file format this pxmctl writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// A plan as saved by `pxmctl plan --out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// The pxmctl that made the plan.
    pub pxmctl_version: String,
    /// When the plan was made, RFC 3339 in UTC, to the second.
    pub created_at: String,
    /// The environment chosen (`--env`, `PXM_ENV`), if any.
    pub environment: Option<String>,
    /// The API the plan was made against.
    pub base_url: String,
    /// [`catalog_digest`] of the catalog the plan was made from.
    pub catalog_digest: String,
    /// [`live_fingerprints`] of the account the plan was made against.
    pub live: BTreeMap<String, String>,
    /// SHA-256 of each asset by path when the plan was made: the YAML
    /// digest does not cover asset bytes. Absent from plans of pxmctl
    /// before 0.1.0's content gate (read as none).
    #[serde(default)]
    pub assets: BTreeMap<String, String>,
    /// Which account the plan was made for (`Connection::account`: a
    /// digest of URL and client id). Plans of older pxmctl have none and
    /// are refused.
    #[serde(default)]
    pub account: Option<String>,
    /// How the plan was asked for (`--target`, `--force-upload`), so apply
    /// can make it again and compare.
    #[serde(default)]
    pub options: SavedOptions,
    /// SHA-256 of each catalog file by path ([`catalog_files`]), so a
    /// refusal names the files that changed. Absent from older plans.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub catalog_files: BTreeMap<String, String>,
    /// The entry that managed each live object the plan read ([`live_key`]
    /// → key), so a refusal names the entry, not only the live id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entries: BTreeMap<String, String>,
    pub plan: Plan,
}

/// The options a saved plan was made with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOptions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_upload: bool,
}

impl SavedPlan {
    /// A plan to save, stamped with this pxmctl's version and the time.
    #[must_use]
    pub fn new(
        plan: Plan,
        environment: Option<String>,
        base_url: String,
        catalog_digest: String,
        live: BTreeMap<String, String>,
    ) -> Self {
        let now = jiff::Timestamp::now();
        let created_at = jiff::Timestamp::from_second(now.as_second())
            .unwrap_or(now)
            .to_string();
        Self {
            format_version: FORMAT_VERSION,
            pxmctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            environment,
            base_url,
            catalog_digest,
            live,
            assets: BTreeMap::new(),
            account: None,
            options: SavedOptions::default(),
            catalog_files: BTreeMap::new(),
            entries: BTreeMap::new(),
            plan,
        }
    }

    /// Writes the plan as pretty JSON through a temporary file in the
    /// same directory, synced and then renamed over `path`: a reader sees
    /// the old file or the new one, never half of one.
    ///
    /// # Errors
    ///
    /// [`SavedPlanError::Write`] naming `path`.
    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let error = |source| SavedPlanError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| error(e.into()))?;
        text.push('\n');
        crate::atomic_file::write(path, text.as_bytes()).map_err(error)
    }

    /// Reads a saved plan. The format version is checked before the rest
    /// is decoded, so a plan from another pxmctl says so instead of
    /// failing on a field it does not know.
    ///
    /// # Errors
    ///
    /// [`SavedPlanError`] naming `path`: unreadable, not a saved plan, or
    /// another format version.
    pub fn read(path: &Path) -> Result<Self, SavedPlanError> {
        let text = fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parse = |source| SavedPlanError::Parse {
            path: path.to_path_buf(),
            source,
        };
        let version: VersionOnly = serde_json::from_str(&text).map_err(parse)?;
        if version.format_version != u64::from(FORMAT_VERSION) {
            return Err(SavedPlanError::Version {
                path: path.to_path_buf(),
                found: version.format_version,
            });
        }
        serde_json::from_str(&text).map_err(parse)
    }
}

/// The first thing read from a saved plan, whatever its version.
#[derive(Deserialize)]
struct VersionOnly {
    format_version: u64,
}

/// Why a saved plan cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read saved plan `{}`: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write saved plan `{}`: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("`{}` is not a saved pxmctl plan: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "`{}` is a saved plan in format version {found}, but pxmctl {} expects version {FORMAT_VERSION}; make the plan again with `pxmctl plan --out`",
        path.display(),
        env!("CARGO_PKG_VERSION")
    )]
    Version { path: PathBuf, found: u64 },
}

/// SHA-256 (hex) of the catalog's YAML files as they were loaded (the
/// very text the plan was made from, not a second read that could see a
/// later edit): for each file, sorted by its path relative to `root`
/// (with `/` separators), the path's length and bytes, then the SHA-256
/// of its text, taken as it was read ([`SourceFile::sha256`]), so the
/// text need not be kept. The length keeps two catalogs from hashing
/// alike by moving bytes between names. Assets are not covered here: a
/// saved plan records their hashes apart ([`SavedPlan::assets`]).
///
/// [`SourceFile::sha256`]: crate::diag::SourceFile::sha256
#[must_use]
pub fn catalog_digest(root: &Path, sources: &Sources) -> String {
    let mut entries = named_files(root, sources);
    entries.sort();
    let mut hasher = Sha256::new();
    hasher.update(b"pxmctl catalog digest v2\0");
    hasher.update((entries.len() as u64).to_le_bytes());
    for (name, sha256) in &entries {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(sha256);
    }
    hex::encode(hasher.finalize())
}

/// Hex SHA-256 of each catalog file by its `/`-separated path under
/// `root`: what tells which file changed when the digest differs.
#[must_use]
pub fn catalog_files(root: &Path, sources: &Sources) -> BTreeMap<String, String> {
    named_files(root, sources)
        .into_iter()
        .map(|(name, sha256)| (name, hex::encode(sha256)))
        .collect()
}

/// Each source as (`/`-separated path under `root`, its text's SHA-256).
fn named_files<'a>(root: &Path, sources: &'a Sources) -> Vec<(String, &'a [u8; 32])> {
    sources
        .iter()
        .map(|file| {
            let relative = file.path.strip_prefix(root).unwrap_or(&file.path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (name, &file.sha256)
        })
        .collect()
}

/// Hex SHA-256 of an object's JSON (`serde_json::to_vec`). Object keys
/// come out sorted (`serde_json` without `preserve_order`), so an API that
/// reorders keys does not change a fingerprint.
#[must_use]
pub fn fingerprint<T: Serialize>(object: &T) -> String {
    // The wire types serialise infallibly (every map key is a string).
    let json = serde_json::to_vec(object).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// `"<kind>/<id>"` for a live object: `collection/1042`.
#[must_use]
pub fn live_key(kind: Kind, id: &str) -> String {
    format!("{}/{id}", kind.ident())
}

/// [`live_key`] → entry key of every live object an entry of `catalog`
/// matches in `live`, by the plan's own `matches`.
#[must_use]
pub fn managed_entries(
    catalog: &crate::catalog::model::Catalog,
    live: &LiveSnapshot,
    matches: &super::identity::Matches,
) -> BTreeMap<String, String> {
    Kind::ALL
        .into_iter()
        .flat_map(|kind| {
            catalog.keys(kind).filter_map(move |key| {
                matches
                    .id(live, kind, key)
                    .map(|id| (live_key(kind, id), key.clone()))
            })
        })
        .collect()
}

/// A fingerprint of every object in the snapshot, keyed by [`live_key`].
#[must_use]
pub fn live_fingerprints(snapshot: &LiveSnapshot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |kind: Kind, id: &str, print: String| {
        out.insert(live_key(kind, id), print);
    };
    for o in &snapshot.regions {
        add(Kind::Region, &o.id, fingerprint(o));
    }
    for o in &snapshot.attributes {
        add(Kind::Attribute, &o.id, fingerprint(o));
    }
    for o in &snapshot.attribute_groups {
        add(Kind::AttributeGroup, &o.id, fingerprint(o));
    }
    for o in &snapshot.categories {
        add(Kind::Category, &o.id, fingerprint(o));
    }
    for o in &snapshot.collections {
        add(Kind::Collection, &o.id, fingerprint(o));
    }
    for o in &snapshot.files {
        add(Kind::File, &o.id, fingerprint(o));
    }
    for o in &snapshot.resources {
        add(Kind::Resource, &o.id, fingerprint(o));
    }
    out
}

/// One reason a saved plan no longer describes what apply would meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// The catalog's YAML differs from when the plan was made (and the
    /// plan records no per-file digests to say where).
    Catalog,
    /// This catalog file changed, appeared or was removed.
    CatalogFile { path: String, how: &'static str },
    /// A live object the plan read has changed (`collection/1042`).
    Changed(String),
    /// A live object the plan read is gone.
    Vanished(String),
    /// A live object exists that the plan did not see.
    Appeared(String),
    /// The plan was made against another API (`base_url`).
    Account { planned: String, now: String },
    /// An asset's bytes differ from when the plan was made (its path).
    Asset(String),
    /// The plan was made for another account at the same URL, or records
    /// none.
    OtherAccount,
}

impl Stale {
    /// The live object a stale entry is about: (kind, id).
    #[must_use]
    pub fn live_object(&self) -> Option<(Kind, &str)> {
        match self {
            Self::Changed(key) | Self::Vanished(key) | Self::Appeared(key) => {
                let (kind, id) = key.split_once('/')?;
                let kind = Kind::ALL.into_iter().find(|k| k.ident() == kind)?;
                Some((kind, id))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let live = |f: &mut fmt::Formatter<'_>, key: &str, what: &str| {
            let (kind, id) = key.split_once('/').unwrap_or(("object", key));
            let noun = Kind::ALL
                .iter()
                .find(|k| k.ident() == kind)
                .map_or(kind, |k| k.noun());
            write!(f, "live {noun} `{id}` {what} since the plan was made")
        };
        match self {
            Self::Catalog => f.write_str("the catalog changed since the plan was made"),
            Self::CatalogFile { path, how } => {
                write!(f, "catalog file `{path}` {how} since the plan was made")
            }
            Self::Changed(key) => live(f, key, "changed"),
            Self::Vanished(key) => live(f, key, "was deleted"),
            Self::Appeared(key) => live(f, key, "appeared"),
            Self::Account { planned, now } => {
                write!(f, "the plan was made against `{planned}`, not `{now}`")
            }
            Self::Asset(path) => write!(f, "asset `{path}` changed since the plan was made"),
            Self::OtherAccount => f.write_str(
                "the plan was made for another account (another client id or token), or by a pxmctl that did not record one",
            ),
        }
    }
}

/// What changed since `saved` was made: the catalog first, then live
/// objects in key order. Objects the plan read are checked for changes
/// and deletions; any live object the plan did not read counts as
/// appeared (it might match an entry the plan would create). Empty when
/// the plan may be applied.
#[must_use]
pub fn staleness(
    saved: &SavedPlan,
    (catalog_digest, files_now): (&str, &BTreeMap<String, String>),
    now_live: &BTreeMap<String, String>,
) -> Vec<Stale> {
    let mut out = Vec::new();
    if saved.catalog_digest != catalog_digest {
        let paths: std::collections::BTreeSet<&String> =
            saved.catalog_files.keys().chain(files_now.keys()).collect();
        let files: Vec<Stale> = paths
            .into_iter()
            .filter_map(|path| {
                let how = match (saved.catalog_files.get(path), files_now.get(path)) {
                    (Some(a), Some(b)) if a == b => return None,
                    (Some(_), Some(_)) => "changed",
                    (None, Some(_)) => "was added",
                    (Some(_), None) => "was removed",
                    (None, None) => return None,
                };
                Some(Stale::CatalogFile {
                    path: path.clone(),
                    how,
                })
            })
            .collect();
        if saved.catalog_files.is_empty() || files.is_empty() {
            out.push(Stale::Catalog);
        } else {
            out.extend(files);
        }
    }
    let mut then = saved.live.iter().peekable();
    let mut now = now_live.iter().peekable();
    loop {
        match (then.peek(), now.peek()) {
            (None, None) => break,
            (Some((key, _)), None) => {
                out.push(Stale::Vanished((*key).clone()));
                then.next();
            }
            (None, Some((key, _))) => {
                out.push(Stale::Appeared((*key).clone()));
                now.next();
            }
            (Some((k1, p1)), Some((k2, p2))) => match k1.cmp(k2) {
                std::cmp::Ordering::Less => {
                    out.push(Stale::Vanished((*k1).clone()));
                    then.next();
                }
                std::cmp::Ordering::Greater => {
                    out.push(Stale::Appeared((*k2).clone()));
                    now.next();
                }
                std::cmp::Ordering::Equal => {
                    if p1 != p2 {
                        out.push(Stale::Changed((*k1).clone()));
                    }
                    then.next();
                    now.next();
                }
            },
        }
    }
    out
}

/// [`Stale::Asset`] for each asset whose hash differs from (or is missing
/// in) the one the plan recorded.
#[must_use]
pub fn asset_changes(saved: &SavedPlan, now: &BTreeMap<String, String>) -> Vec<Stale> {
    let paths: std::collections::BTreeSet<&String> =
        saved.assets.keys().chain(now.keys()).collect();
    paths
        .into_iter()
        .filter(|p| saved.assets.get(*p) != now.get(*p))
        .map(|p| Stale::Asset(p.clone()))
        .collect()
}

/// [`Stale::Account`] when `saved` was made against another API than
/// `base_url` (a trailing `/` aside). [`staleness`] cannot tell: two
/// accounts may hold objects with the same ids.
#[must_use]
pub fn other_account(saved: &SavedPlan, base_url: &str, account: &str) -> Option<Stale> {
    let same = saved.base_url.trim_end_matches('/') == base_url.trim_end_matches('/');
    if !same {
        return Some(Stale::Account {
            planned: saved.base_url.clone(),
            now: base_url.to_owned(),
        });
    }
    (saved.account.as_deref() != Some(account)).then_some(Stale::OtherAccount)
}

/// How `saved` differs from `now`, the plan pxmctl makes of the same
/// catalog and account: actions added to it, missing from it or edited,
/// by address and op. Empty when they are the same, action for action.
#[must_use]
pub fn tampering(saved: &Plan, now: &Plan) -> Vec<String> {
    let label = |a: &super::Action| format!("{} `{}.{}`", a.op.verb(), a.kind.ident(), a.key);
    let key = |a: &super::Action| (a.kind, a.key.clone(), a.op);
    // Indexed, not searched: a saved plan may hold 100,000 actions.
    let planned: std::collections::HashMap<_, _> =
        now.actions.iter().map(|b| (key(b), b)).collect();
    let kept: std::collections::HashSet<_> = saved.actions.iter().map(key).collect();
    let mut out = Vec::new();
    for a in &saved.actions {
        match planned.get(&key(a)) {
            None => out.push(format!(
                "it has an action pxmctl does not plan: {}",
                label(a)
            )),
            Some(b) if *b != a => out.push(format!("its action {} was edited", label(a))),
            Some(_) => {}
        }
    }
    for b in &now.actions {
        if !kept.contains(&key(b)) {
            out.push(format!("it lacks an action pxmctl plans: {}", label(b)));
        }
    }
    if out.is_empty() && saved.actions != now.actions {
        out.push("its actions are in another order".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::wire::LiveValue;

    #[test]
    fn kind_ident_is_how_the_kind_serialises() {
        for kind in Kind::ALL {
            let json = serde_json::to_value(kind).expect("kind serialises");
            assert_eq!(json, kind.ident());
        }
    }

    fn sources(files: &[(&str, &str)]) -> Sources {
        use crate::diag::SourceFile;
        let mut sources = Sources::default();
        for (path, text) in files {
            sources.add(SourceFile::new(PathBuf::from(path), (*text).into()));
        }
        sources
    }

    #[test]
    fn digest_does_not_depend_on_file_order_but_on_names_and_bytes() {
        let root = Path::new("catalog");
        let one = catalog_digest(
            root,
            &sources(&[
                ("catalog/a.yaml", "x: 1\n"),
                ("catalog/sub/b.yaml", "y: 2\n"),
            ]),
        );
        let two = catalog_digest(
            root,
            &sources(&[
                ("catalog/sub/b.yaml", "y: 2\n"),
                ("catalog/a.yaml", "x: 1\n"),
            ]),
        );
        assert_eq!(one, two);
        assert_eq!(one.len(), 64);
        // The same catalog loaded from another directory digests alike.
        let elsewhere = catalog_digest(
            Path::new("/srv/cat"),
            &sources(&[
                ("/srv/cat/a.yaml", "x: 1\n"),
                ("/srv/cat/sub/b.yaml", "y: 2\n"),
            ]),
        );
        assert_eq!(one, elsewhere);
        let changed = catalog_digest(
            root,
            &sources(&[
                ("catalog/a.yaml", "x: 1\n"),
                ("catalog/sub/b.yaml", "y: 3\n"),
            ]),
        );
        assert_ne!(one, changed);
    }

    #[test]
    fn digest_length_prefixes_keep_names_and_contents_apart() {
        let root = Path::new("");
        let one = catalog_digest(root, &sources(&[("ab", "c")]));
        let two = catalog_digest(root, &sources(&[("a", "bc")]));
        assert_ne!(one, two);
    }

    #[test]
    fn digest_is_of_the_text_that_was_loaded_not_a_later_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("c.yaml"), "regions:\n  us: { name: US }\n").expect("write");
        let loaded = crate::catalog::load(dir.path());
        let before = catalog_digest(dir.path(), &loaded.sources);
        fs::write(dir.path().join("c.yaml"), "regions:\n  us: { name: USA }\n").expect("write");
        assert_eq!(before, catalog_digest(dir.path(), &loaded.sources));
        assert_ne!(
            before,
            catalog_digest(dir.path(), &crate::catalog::load(dir.path()).sources)
        );
    }

    #[test]
    fn fingerprints_ignore_key_order_in_values() {
        let a: LiveValue =
            serde_json::from_str(r#"{"id": "1", "value": {"a": 1, "b": 2}}"#).expect("value");
        let b: LiveValue =
            serde_json::from_str(r#"{"value": {"b": 2, "a": 1}, "id": "1"}"#).expect("value");
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c: LiveValue =
            serde_json::from_str(r#"{"id": "1", "value": {"a": 1, "b": 3}}"#).expect("value");
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn stale_items_read_as_sentences() {
        assert_eq!(
            Stale::Changed("collection/1042".into()).to_string(),
            "live collection `1042` changed since the plan was made"
        );
        assert_eq!(
            Stale::Vanished("attribute_group/7".into()).to_string(),
            "live attribute group `7` was deleted since the plan was made"
        );
        assert_eq!(
            Stale::Appeared("file/f9".into()).to_string(),
            "live file `f9` appeared since the plan was made"
        );
        assert_eq!(
            Stale::Catalog.to_string(),
            "the catalog changed since the plan was made"
        );
    }
}
