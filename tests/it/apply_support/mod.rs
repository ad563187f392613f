//! Random, seeded test cases for the convergence tests of `pxmctl apply`.
//!
//! [`case`] builds, from one `u64`, a live account (a sandbox [`Seed`]) and
//! a catalog directory that differs from it in the ways `apply` must
//! handle: new, renamed (`renamed_from`), moved (pinned `id:`) and changed
//! objects of every kind, wholesale arrays holding links made "in the UI"
//! to objects outside the catalog, assets to upload, and `prune:` scopes
//! with live objects inside them (to delete) and outside them (to keep).
//! The case says what apply must delete, keep and leave linked.
//!
//! [`fault_profiles`] / [`profile_for`] describe the sandbox faults a
//! convergence run cycles through; [`start`], [`connection`],
//! [`snapshot`] and [`duplicates`] are the helpers such a test needs.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use pxmctl::catalog::format::{
    self as f, AttributeType, CatalogFile, CollectionType, OnConflict, Pin, PruneKind,
    PublishWindow, Published,
};
use pxmctl::remote::file_values::{self, ValueCache};
use pxmctl::remote::limiter::RateLimit as ClientRateLimit;
use pxmctl::remote::secret::Secret;
use pxmctl::remote::{Client, LiveSnapshot};
use pxmctl::remote::{Connection, Credentials, TokenCacheSetting};
use pxmctl::sandbox::{
    FaultConfig, RateLimit, Readings, RunningSandbox, Sandbox, SandboxConfig, Seed,
};
use serde_json::{Map, Value, json};

/// One generated test case.
pub struct Case {
    pub seed: u64,
    /// The account before apply.
    pub live: Seed,
    /// A catalog directory (YAML + a few small asset files).
    pub dir: tempfile::TempDir,
    /// Links made "in the UI": (file id, collection id) pairs in `live` where
    /// the collection is NOT managed by the catalog and the file IS managed
    /// by the catalog (via a name-only file entry that manages its
    /// `collections:`). Apply must keep them.
    pub unmanaged_links: Vec<(String, String)>,
    /// Live objects the catalog's `prune:` scope should delete: (kind ident
    /// like "category", id).
    pub expected_deletions: Vec<(String, String)>,
    /// Live objects that must survive (not in any prune scope, not managed).
    pub must_survive: Vec<(String, String)>,
    /// Whether the catalog declares a prune scope. Every scope generated
    /// holds at least one live object to delete.
    pub has_prune: bool,
    /// The YAML files written, by path relative to `dir`.
    pub yaml: BTreeMap<String, String>,
    /// The asset files written, by path relative to `dir`.
    pub assets: BTreeMap<String, Vec<u8>>,
}

impl Case {
    /// Every YAML file of the catalog in path order, each after a
    /// `# ==> path` line: for determinism checks and failure messages.
    pub fn yaml_text(&self) -> String {
        let mut out = String::new();
        for (path, text) in &self.yaml {
            let _ = writeln!(out, "# ==> {path}");
            out.push_str(text);
        }
        out
    }

    /// The catalog, loaded and checked; panics with the diagnostics and
    /// the YAML when it has errors.
    pub fn catalog(&self) -> pxmctl::catalog::model::Catalog {
        let loaded = pxmctl::catalog::load(self.dir.path());
        assert!(
            !loaded.diagnostics.has_errors(),
            "case {}: {:#?}\n{}",
            self.seed,
            loaded.diagnostics,
            self.yaml_text()
        );
        loaded.catalog.unwrap()
    }
}

/// Builds the case of `seed`. The same seed always gives the same case
/// (same YAML, assets and seed data); only the temp dir's path differs.
pub fn case(seed: u64) -> Case {
    Gen::new(seed).run()
}

// ---------------------------------------------------------------------------
// Fault profiles and sandbox helpers.

/// The sandbox limit of every profile that is not about 429s: twice what
/// [`connection`] allows itself, so the client's limiter alone keeps every
/// window under it.
pub const GENEROUS_LIMIT: RateLimit = RateLimit {
    max_requests: 2000,
    window: Duration::from_secs(1),
};

/// The client's limit in [`connection`]: requests per window.
pub const CLIENT_LIMIT: (u32, Duration) = (1000, Duration::from_secs(1));

/// The low sandbox limit of the `rate-limited` profile: the client
/// (at [`CLIENT_LIMIT`]) runs into it and gets 429 bursts.
pub const LOW_LIMIT: RateLimit = RateLimit {
    max_requests: 30,
    window: Duration::from_secs(1),
};

/// A sandbox fault profile for one convergence run.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: &'static str,
    pub faults: FaultConfig,
    /// The sandbox's rate limit; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
}

impl Profile {
    /// The same profile with its fault generator seeded from `case_seed`.
    #[must_use]
    pub fn seeded(mut self, case_seed: u64) -> Profile {
        self.faults.seed = mix(case_seed ^ 0xfa17_5eed);
        self
    }
}

/// The profiles a convergence test cycles through (fault seed 0; see
/// [`Profile::seeded`] and [`profile_for`]): none; 10 % 5xx; 5 % dropped
/// connections; 5 % lost answers of committed writes; a low sandbox rate
/// limit (30 requests / 1 s) for 429 bursts; and a mix of all of them
/// with a little latency.
pub fn fault_profiles() -> Vec<Profile> {
    let none = FaultConfig::default();
    vec![
        Profile {
            name: "none",
            faults: none.clone(),
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "errors-5xx",
            faults: FaultConfig {
                error_rate: 0.1,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "dropped-connections",
            faults: FaultConfig {
                drop_rate: 0.1,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "lost-answers",
            faults: FaultConfig {
                lost_answer_rate: 0.15,
                ..none.clone()
            },
            rate_limit: Some(GENEROUS_LIMIT),
        },
        Profile {
            name: "rate-limited",
            faults: none.clone(),
            rate_limit: Some(LOW_LIMIT),
        },
        Profile {
            name: "mixed",
            faults: FaultConfig {
                error_rate: 0.04,
                drop_rate: 0.02,
                lost_answer_rate: 0.03,
                latency: Duration::from_millis(1),
                latency_jitter: Duration::from_millis(4),
                ..none
            },
            rate_limit: Some(RateLimit {
                max_requests: 60,
                window: Duration::from_secs(1),
            }),
        },
    ]
}

/// The profile for a case: the profiles in turn by `case_seed`, with the
/// fault seed derived from `case_seed`.
pub fn profile_for(case_seed: u64) -> Profile {
    let mut all = fault_profiles();
    let i = usize::try_from(case_seed % all.len() as u64).unwrap();
    all.swap_remove(i).seeded(case_seed)
}

/// Every profile, each with its fault seed derived from `case_seed`.
pub fn profiles_for(case_seed: u64) -> Vec<Profile> {
    fault_profiles()
        .into_iter()
        .map(|p| p.seeded(case_seed))
        .collect()
}

/// A sandbox holding `case.live`, with `profile`'s faults and rate limit.
pub async fn start(case: &Case, profile: &Profile) -> RunningSandbox {
    start_reading(case, profile, Readings::default()).await
}

/// [`start`], serving `readings` where the guides are silent.
pub async fn start_reading(case: &Case, profile: &Profile, readings: Readings) -> RunningSandbox {
    Sandbox::start(SandboxConfig {
        seed: Some(case.live.clone()),
        faults: profile.faults.clone(),
        rate_limit: profile.rate_limit,
        readings,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A sandbox holding `case.live`, without faults or rate limit.
pub async fn start_clean(case: &Case) -> RunningSandbox {
    Sandbox::start(SandboxConfig {
        seed: Some(case.live.clone()),
        rate_limit: None,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A connection to `sandbox`: client credentials, no token cache, a 3 s
/// timeout, 4 requests in flight, pages of 50, and a client limit of
/// [`CLIENT_LIMIT`], under [`GENEROUS_LIMIT`] (and deliberately over
/// [`LOW_LIMIT`], which is there to cause 429s).
pub fn connection(sandbox: &RunningSandbox) -> Connection {
    Connection {
        base_url: sandbox.base_url().to_owned(),
        credentials: Credentials::Client {
            id: sandbox.client_id().to_owned(),
            secret: Secret::new(sandbox.client_secret()),
        },
        rate_limit: ClientRateLimit::new(CLIENT_LIMIT.0, CLIENT_LIMIT.1),
        concurrency: 4,
        page_size: 50,
        timeout: Duration::from_secs(3),
        token_cache: TokenCacheSetting::Off,
        credentials_from: None,
    }
}

/// Like [`connection`], but with a client limit at 90 % of `profile`'s
/// sandbox limit, for a run that should never see a 429.
pub fn connection_under(sandbox: &RunningSandbox, profile: &Profile) -> Connection {
    let mut c = connection(sandbox);
    if let Some(limit) = profile.rate_limit {
        let requests = (limit.max_requests * 9 / 10).clamp(1, CLIENT_LIMIT.0);
        c.rate_limit = ClientRateLimit::new(requests, limit.window);
    }
    c
}

/// The account as it is now, read even through a faulty profile.
///
/// The sandbox has no fault-free read path (the control endpoints give
/// counters, not objects, and fault injection applies to every API call),
/// so this reads through the API: the client retries 5xx, dropped
/// connections and 429s, reads are never "lost answer" faults, and a
/// whole failed read is started again with a fresh client (up to 10
/// times). Note that the reads draw from the sandbox's fault generator.
pub async fn snapshot(sandbox: &RunningSandbox) -> LiveSnapshot {
    let mut last = None;
    for attempt in 0..10u64 {
        let client = Client::new(&connection(sandbox)).unwrap();
        match LiveSnapshot::fetch(&client).await {
            Ok(mut live) => {
                // Where the file list carries no values, read them all.
                let files: Vec<String> = live
                    .files
                    .iter()
                    .filter(|f| f.attributes.is_none())
                    .map(|f| f.id.clone())
                    .collect();
                let mut no_cache = ValueCache::open(None, "");
                file_values::complete(&client, &mut live, &files, &mut no_cache).await;
                if live.unread_values.is_empty() {
                    return live;
                }
                last = None;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("cannot read the sandbox account (or its files' values): {last:?}")
}

/// Identity duplicates in `live`: two attributes (or attribute groups)
/// with one name, two categories with one parent and name, two
/// collections with one sku, two files with one file name, two
/// resources with one link and owner. Empty when the account is sound.
pub fn duplicates(live: &LiveSnapshot) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |kind: &str, items: Vec<(String, &str)>| {
        let mut by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (identity, id) in items {
            by.entry(identity).or_default().push(id);
        }
        for (identity, ids) in by.into_iter().filter(|(_, ids)| ids.len() > 1) {
            out.push(format!("{kind} {identity}: ids {}", ids.join(", ")));
        }
    };
    check(
        "attribute",
        live.attributes
            .iter()
            .map(|a| (format!("named {:?}", a.name), a.id.as_str()))
            .collect(),
    );
    check(
        "attribute_group",
        live.attribute_groups
            .iter()
            .map(|g| (format!("named {:?}", g.name), g.id.as_str()))
            .collect(),
    );
    check(
        "category",
        live.categories
            .iter()
            .map(|c| {
                let parent = c.parent_id.as_deref().unwrap_or("(top level)");
                (format!("named {:?} under {parent}", c.name), c.id.as_str())
            })
            .collect(),
    );
    check(
        "collection",
        live.collections
            .iter()
            .filter_map(|c| {
                let sku = c.additional_title.as_deref().filter(|s| !s.is_empty())?;
                Some((format!("with sku {sku:?}"), c.id.as_str()))
            })
            .collect(),
    );
    check(
        "file",
        live.files
            .iter()
            .map(|f| (format!("named {:?}", f.file_name), f.id.as_str()))
            .collect(),
    );
    check(
        "resource",
        live.resources
            .iter()
            .map(|r| {
                let owner = match (&r.category_id, r.collections.is_empty()) {
                    (Some(c), _) => format!("category {c}"),
                    (None, false) => {
                        let mut ids = r.collections.clone();
                        ids.sort();
                        format!("collections {}", ids.join(","))
                    }
                    (None, true) => "the account".to_owned(),
                };
                (format!("{:?} on {owner}", r.link), r.id.as_str())
            })
            .collect(),
    );
    out
}

// ---------------------------------------------------------------------------
// The generator.

/// splitmix64: spreads nearby seeds far apart.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// A key from a name: lower case, runs of other characters as one `-`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

const REGION_NAMES: &[&str] = &[
    "Global",
    "United States",
    "Europe",
    "Canada",
    "Asia Pacific",
    "Latin America",
];

const CATEGORY_NAMES: &[&str] = &[
    "Outdoor",
    "Outerwear",
    "Rain Jackets",
    "Insulated Jackets",
    "Footwear",
    "Hiking Boots",
    "Trail Runners",
    "Accessories",
    "Headwear",
    "Gloves",
    "Bags",
    "Backpacks",
    "Camping",
    "Tents",
    "Sleeping Bags",
    "Cookware",
    "Climbing",
    "Ropes",
    "Harnesses",
    "Kids",
    "Sale",
    "New Arrivals",
    "Base Layers",
    "Fleece",
    "Socks",
];

/// Categories made in the UI: never a catalog name.
const UI_CATEGORY_NAMES: &[&str] = &[
    "Made in the UI",
    "Staff Picks",
    "Holiday Gifts",
    "Photo Shoot",
    "Returns Desk",
];

const PRODUCT_ADJECTIVES: &[&str] = &[
    "Storm", "Summit", "Ridge", "Alpine", "Trail", "Canyon", "Glacier", "Harbor", "Timber",
    "Coastal", "Meadow", "Granite", "Aurora", "Cascade", "Drift",
];

const PRODUCT_NOUNS: &[&str] = &[
    "Shell", "Parka", "Boot", "Beanie", "Pack", "Tent", "Glove", "Fleece", "Vest", "Runner",
    "Hoodie", "Sock", "Lantern", "Bottle", "Tarp",
];

const COLORS: &[&str] = &["Blue", "Red", "Green", "Stone", "Black"];
const SIZES: &[&str] = &["S", "M", "L", "XL"];

const TEXTS: &[&str] = &[
    "Recycled nylon",
    "Full-grain leather",
    "Merino wool",
    "Organic cotton",
    "Ripstop polyester",
    "3-layer shell, PFC-free DWR",
];

const FEATURES: &[&str] = &[
    "Taped seams",
    "Helmet hood",
    "Pit zips",
    "Vibram outsole",
    "Resoleable",
    "Packable",
];

const RESOURCE_NAMES: &[&str] = &[
    "Care guide",
    "Size chart",
    "Warranty",
    "Repair service",
    "Sustainability report",
    "Fit guide",
];

/// One of each attribute type, with names and (for a pick list) options.
fn attribute_pool(t: AttributeType) -> (&'static [&'static str], &'static [&'static str]) {
    match t {
        AttributeType::Text => (&["Material", "Fabric", "Care"], &[]),
        AttributeType::Number => (&["Weight (g)", "Length (cm)"], &[]),
        AttributeType::Boolean => (&["Waterproof", "Recycled"], &[]),
        AttributeType::Date => (&["Launch date", "Season start"], &[]),
        AttributeType::List => (&["Features", "Highlights"], &[]),
        AttributeType::PickList => (
            &["Color", "Size"],
            &[
                "Storm Blue",
                "Signal Red",
                "Forest Green",
                "Stone",
                "XS",
                "XL",
            ],
        ),
    }
}

fn api_type(t: AttributeType) -> &'static str {
    match t {
        AttributeType::Text => "Text",
        AttributeType::Number => "Number",
        AttributeType::Boolean => "Boolean",
        AttributeType::Date => "Date",
        AttributeType::List => "List",
        AttributeType::PickList => "Pick List",
    }
}

struct RegionG {
    key: String,
    id: String,
    declared: bool,
}

struct AttrG {
    key: String,
    kind: AttributeType,
    /// The catalog's options (pick lists only).
    options: Vec<String>,
    /// The live id and live options, when the attribute exists live.
    live: Option<(String, Vec<String>)>,
}

struct CatG {
    key: String,
    depth: usize,
    /// The live id when the entry matches a live category.
    live_id: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    Standalone,
    Parent,
    Variant(usize),
}

struct ColG {
    key: String,
    name: String,
    /// The live id when the entry matches a live collection.
    live_id: Option<String>,
}

/// An attribute value, before it is spelled for YAML or for the wire.
#[derive(Clone, PartialEq)]
enum V {
    Text(String),
    Int(i64),
    /// `n + 0.5`.
    Half(i64),
    Bool(bool),
    Date(String),
    List(Vec<String>),
    Choice(String),
}

/// What a prune scope covers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Kind(PruneKindOrd),
    CategoryChildren,
}

/// `PruneKind` with the order we draw in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PruneKindOrd {
    Attributes,
    AttributeGroups,
    Categories,
    Collections,
    Files,
    Resources,
}

impl PruneKindOrd {
    fn kind(self) -> PruneKind {
        match self {
            Self::Attributes => PruneKind::Attributes,
            Self::AttributeGroups => PruneKind::AttributeGroups,
            Self::Categories => PruneKind::Categories,
            Self::Collections => PruneKind::Collections,
            Self::Files => PruneKind::Files,
            Self::Resources => PruneKind::Resources,
        }
    }

    fn ident(self) -> &'static str {
        match self {
            Self::Attributes => "attribute",
            Self::AttributeGroups => "attribute_group",
            Self::Categories => "category",
            Self::Collections => "collection",
            Self::Files => "file",
            Self::Resources => "resource",
        }
    }
}

struct Gen {
    seed: u64,
    rng: fastrand::Rng,
    live: Seed,
    taxonomy: CatalogFile,
    products: Vec<CatalogFile>,
    media: CatalogFile,
    assets: BTreeMap<String, Vec<u8>>,

    regions: Vec<RegionG>,
    attrs: Vec<AttrG>,
    /// Unmanaged live attributes (all Text).
    ui_attrs: Vec<String>,
    cats: Vec<CatG>,
    /// Unmanaged live categories outside any prune_children scope.
    ui_cats: Vec<String>,
    cols: Vec<ColG>,
    /// Unmanaged live collections.
    ui_cols: Vec<String>,
    /// Unmanaged live objects: (kind ident, id, inside a prune_children scope).
    unmanaged: Vec<(&'static str, String, bool)>,
    unmanaged_links: Vec<(String, String)>,

    scopes: BTreeSet<Scope>,
    asset_count: usize,
    names: BTreeSet<String>,
    keys: BTreeSet<String>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            seed,
            rng: fastrand::Rng::with_seed(mix(seed)),
            live: Seed::default(),
            taxonomy: CatalogFile::default(),
            products: Vec::new(),
            media: CatalogFile::default(),
            assets: BTreeMap::new(),
            regions: Vec::new(),
            attrs: Vec::new(),
            ui_attrs: Vec::new(),
            cats: Vec::new(),
            ui_cats: Vec::new(),
            cols: Vec::new(),
            ui_cols: Vec::new(),
            unmanaged: Vec::new(),
            unmanaged_links: Vec::new(),
            scopes: BTreeSet::new(),
            asset_count: 0,
            names: BTreeSet::new(),
            keys: BTreeSet::new(),
        }
    }

    // -- randomness helpers ------------------------------------------------

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.rng.usize(0..items.len())].clone()
    }

    /// `min..=max` distinct items (fewer if there are not enough), in a
    /// random order.
    fn subset<T: Clone>(&mut self, items: &[T], min: usize, max: usize) -> Vec<T> {
        let mut all: Vec<T> = items.to_vec();
        self.rng.shuffle(&mut all);
        let max = max.min(all.len());
        let n = if min >= max {
            max
        } else {
            self.rng.usize(min..=max)
        };
        all.truncate(n);
        all
    }

    /// A name not used before in this case (any kind), from `base`.
    fn unique_name(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base} {n}");
            n += 1;
        }
        name
    }

    /// An entry key not used before in this case, from `name`.
    fn unique_key(&mut self, name: &str) -> String {
        let base = slug(name);
        let mut key = base.clone();
        let mut n = 2;
        while !self.keys.insert(key.clone()) {
            key = format!("{base}-{n}");
            n += 1;
        }
        key
    }

    fn date(&mut self, year: i32) -> String {
        format!(
            "{year}-{:02}-{:02}",
            self.rng.u32(1..=12),
            self.rng.u32(1..=28)
        )
    }

    fn published(&mut self) -> Published {
        if self.chance(0.3) {
            return Published::Flag(false);
        }
        let year = if self.chance(0.5) { 2025 } else { 2026 };
        let start = self.date(year);
        let end = self
            .chance(0.4)
            .then(|| format!("{}{}", year + 1, &start[4..]));
        Published::Window(PublishWindow { start, end })
    }

    /// `published` as the API holds it.
    fn live_published(p: &Published, into: &mut Map<String, Value>) {
        match p {
            Published::Flag(_) => {
                into.insert("published".into(), json!(false));
            }
            Published::Window(w) => {
                into.insert("published".into(), json!(true));
                into.insert("published_start_date".into(), json!(w.start));
                if let Some(end) = &w.end {
                    into.insert("published_end_date".into(), json!(end));
                }
            }
        }
    }

    /// Live publishing: the catalog's (when given and half the time),
    /// else random or absent.
    fn live_publishing(&mut self, catalog: Option<&Published>, into: &mut Map<String, Value>) {
        match catalog {
            Some(p) if self.chance(0.5) => Self::live_published(p, into),
            _ if self.chance(0.6) => {
                let p = self.published();
                Self::live_published(&p, into);
            }
            _ => {}
        }
    }

    fn region_ids(&mut self) -> Vec<String> {
        let ids: Vec<String> = self.regions.iter().map(|r| r.id.clone()).collect();
        self.subset(&ids, 1, 3)
    }

    fn declared_region_keys(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|r| r.declared)
            .map(|r| r.key.clone())
            .collect()
    }

    fn random_value(&mut self, kind: AttributeType, options: &[String]) -> V {
        match kind {
            AttributeType::Text => V::Text(self.pick(TEXTS).to_owned()),
            AttributeType::Number => {
                if self.chance(0.7) {
                    V::Int(self.rng.i64(10..=2000))
                } else {
                    V::Half(self.rng.i64(0..=100))
                }
            }
            AttributeType::Boolean => V::Bool(self.rng.bool()),
            AttributeType::Date => {
                let year = self.pick(&[2024, 2025, 2026]);
                V::Date(self.date(year))
            }
            AttributeType::List => V::List(
                self.subset(FEATURES, 1, 3)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ),
            AttributeType::PickList => V::Choice(self.pick(options)),
        }
    }

    fn yaml_value(v: &V) -> f::AttributeValue {
        match v {
            V::Text(s) | V::Date(s) | V::Choice(s) => f::AttributeValue::Text(s.clone()),
            V::Int(n) => f::AttributeValue::Number((*n).into()),
            #[allow(clippy::cast_precision_loss)]
            V::Half(n) => {
                f::AttributeValue::Number(serde_json::Number::from_f64(*n as f64 + 0.5).unwrap())
            }
            V::Bool(b) => f::AttributeValue::Bool(*b),
            V::List(items) => f::AttributeValue::List(items.clone()),
        }
    }

    /// The value as the API might hold it: numbers and booleans sometimes
    /// as strings, dates sometimes as date-times, lists sometimes as one
    /// comma-separated string.
    fn wire_value(&mut self, v: &V) -> Value {
        match v {
            V::Text(s) | V::Choice(s) => json!(s),
            V::Int(n) if self.chance(0.3) => json!(n.to_string()),
            V::Int(n) => json!(n),
            #[allow(clippy::cast_precision_loss)]
            V::Half(n) if self.chance(0.3) => json!(format!("{}", *n as f64 + 0.5)),
            #[allow(clippy::cast_precision_loss)]
            V::Half(n) => json!(*n as f64 + 0.5),
            V::Bool(b) if self.chance(0.2) => json!(b.to_string()),
            V::Bool(b) => json!(b),
            V::Date(d) if self.chance(0.3) => json!(format!("{d}T00:00:00Z")),
            V::Date(d) => json!(d),
            V::List(items) if self.chance(0.2) => json!(items.join(", ")),
            V::List(items) => json!(items),
        }
    }

    // -- the case ----------------------------------------------------------

    fn run(mut self) -> Case {
        self.choose_scopes();
        self.regions();
        self.attributes();
        self.attribute_groups();
        self.categories();
        self.collections();
        self.files();
        self.resources();
        self.finish()
    }

    /// Whether the catalog prunes, and what: a kind, or the children of a
    /// managed category. Decided first, so the objects each scope needs
    /// are generated with it.
    fn choose_scopes(&mut self) {
        // 0, 1 or 2 asset files; decided here because pruning attributes
        // is left out when apply may add its hash attribute.
        self.asset_count = match self.rng.f64() {
            x if x < 0.4 => 0,
            x if x < 0.75 => 1,
            _ => 2,
        };
        if !self.chance(0.55) {
            return;
        }
        let mut candidates = vec![
            Scope::CategoryChildren,
            Scope::CategoryChildren,
            Scope::Kind(PruneKindOrd::Categories),
            Scope::Kind(PruneKindOrd::Collections),
            Scope::Kind(PruneKindOrd::Files),
            Scope::Kind(PruneKindOrd::Resources),
            Scope::Kind(PruneKindOrd::AttributeGroups),
        ];
        if self.asset_count == 0 {
            candidates.push(Scope::Kind(PruneKindOrd::Attributes));
        }
        let n = self.rng.usize(1..=2);
        for _ in 0..n {
            let s = self.pick(&candidates);
            self.scopes.insert(s);
        }
        self.taxonomy.prune = self
            .scopes
            .iter()
            .filter_map(|s| match s {
                Scope::Kind(k) => Some(k.kind()),
                Scope::CategoryChildren => None,
            })
            .collect();
    }

    fn prunes(&self, k: PruneKindOrd) -> bool {
        self.scopes.contains(&Scope::Kind(k))
    }

    /// How many unmanaged objects of a kind to add: at least one when the
    /// kind is pruned.
    fn unmanaged_count(&mut self, k: PruneKindOrd, max: usize) -> usize {
        let min = usize::from(self.prunes(k));
        self.rng.usize(min..=max.max(min))
    }

    fn regions(&mut self) {
        let names = self.subset(REGION_NAMES, 3, 3);
        let declared = self.rng.usize(1..=3);
        let mut order: Vec<usize> = (0..3).collect();
        self.rng.shuffle(&mut order);
        let declared: BTreeSet<usize> = order.into_iter().take(declared).collect();
        for (i, name) in names.iter().enumerate() {
            let id = format!("r{i}");
            self.live
                .regions
                .push(obj(json!({"id": id, "name": name, "is_primary": i == 0})));
            let key = self.unique_key(name);
            let is_declared = declared.contains(&i);
            if is_declared {
                let pin = self.chance(0.1).then(|| Pin::Everywhere(id.clone()));
                self.taxonomy.regions.insert(
                    key.clone(),
                    f::Region {
                        name: (*name).to_owned(),
                        id: pin,
                    },
                );
            } else {
                self.unmanaged.push(("region", id.clone(), false));
            }
            self.regions.push(RegionG {
                key,
                id,
                declared: is_declared,
            });
        }
    }

    fn attributes(&mut self) {
        let mut types = vec![
            AttributeType::Text,
            AttributeType::Number,
            AttributeType::Boolean,
            AttributeType::Date,
            AttributeType::List,
            AttributeType::PickList,
        ];
        self.rng.shuffle(&mut types);
        types.truncate(self.rng.usize(2..=6));
        for (i, kind) in types.into_iter().enumerate() {
            let (names, option_pool) = attribute_pool(kind);
            let base = self.pick(names);
            let name = self.unique_name(base);
            let key = self.unique_key(&name);
            let options: Vec<String> = if kind == AttributeType::PickList {
                self.subset(option_pool, 2, 5)
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            };
            let description = self
                .chance(0.5)
                .then(|| format!("{name}, as printed on the label."));
            let mut entry = f::Attribute {
                name: name.clone(),
                kind,
                options: (!options.is_empty()).then(|| options.clone()),
                description: description.clone(),
                id: None,
                renamed_from: None,
                protect: None,
            };
            let mut live = None;
            if self.chance(0.55) {
                let id = format!("a{i}");
                let mut live_name = name.clone();
                if self.chance(0.15) {
                    live_name = self.unique_name(&format!("{name} (old)"));
                    entry.renamed_from = Some(live_name.clone());
                }
                if self.chance(0.1) {
                    entry.id = Some(Pin::Everywhere(id.clone()));
                }
                let mut a = json!({"id": id, "name": live_name, "type": api_type(kind)});
                match (&description, self.rng.usize(0..3)) {
                    (Some(d), 0) => a["description"] = json!(d),
                    (_, 1) => a["description"] = json!("Old wording."),
                    _ => {}
                }
                // Live pick lists miss an option now and then: the catalog
                // adds it (and may use it in values).
                let mut live_options = options.clone();
                if kind == AttributeType::PickList && self.chance(0.4) {
                    live_options.pop();
                }
                if kind == AttributeType::PickList {
                    a["options"] = json!(live_options);
                }
                self.live.attributes.push(obj(a));
                live = Some((id, live_options));
            }
            self.taxonomy.attributes.insert(key.clone(), entry);
            self.attrs.push(AttrG {
                key,
                kind,
                options,
                live,
            });
        }
        let n = self.unmanaged_count(PruneKindOrd::Attributes, 2);
        for k in 0..n {
            let id = format!("a-ui{k}");
            let name = self.unique_name(&format!("Legacy Code {k}"));
            self.live
                .attributes
                .push(obj(json!({"id": id, "name": name, "type": "Text"})));
            self.unmanaged.push(("attribute", id.clone(), false));
            self.ui_attrs.push(id);
        }
    }

    fn attribute_groups(&mut self) {
        let n = self.rng.usize(0..=2);
        let names = self.subset(&["Specifications", "Variant options", "Care and use"], n, n);
        let keys: Vec<String> = self.attrs.iter().map(|a| a.key.clone()).collect();
        let live_attr_ids: Vec<String> = self
            .attrs
            .iter()
            .filter_map(|a| a.live.as_ref().map(|(id, _)| id.clone()))
            .collect();
        for (i, base) in names.into_iter().enumerate() {
            let name = self.unique_name(base);
            let key = self.unique_key(&name);
            let members = (!self.chance(0.15)).then(|| self.subset(&keys, 1, 3));
            let mut entry = f::AttributeGroup {
                name: name.clone(),
                attributes: members,
                id: None,
                renamed_from: None,
                protect: None,
            };
            if self.chance(0.5) {
                let id = format!("g{i}");
                let mut live_name = name.clone();
                if self.chance(0.2) {
                    live_name = self.unique_name(&format!("{name} (old)"));
                    entry.renamed_from = Some(live_name.clone());
                }
                let mut members = self.subset(&live_attr_ids, 0, 2);
                if !self.ui_attrs.is_empty() && self.chance(0.4) {
                    let ui = self.pick(&self.ui_attrs.clone());
                    members.push(ui);
                }
                self.live.attribute_groups.push(obj(
                    json!({"id": id, "name": live_name, "attributes": members}),
                ));
            }
            self.taxonomy.attribute_groups.insert(key, entry);
        }
        let n = self.unmanaged_count(PruneKindOrd::AttributeGroups, 1);
        for k in 0..n {
            let id = format!("g-ui{k}");
            let name = self.unique_name("Legacy fields");
            let mut members = self.ui_attrs.clone();
            members.extend(self.subset(&live_attr_ids, 0, 1));
            self.live
                .attribute_groups
                .push(obj(json!({"id": id, "name": name, "attributes": members})));
            self.unmanaged.push(("attribute_group", id, false));
        }
    }

    /// Managed categories that exist live.
    fn live_cats(&self) -> Vec<String> {
        self.cats.iter().filter_map(|c| c.live_id.clone()).collect()
    }

    fn categories(&mut self) {
        let depth = self.rng.usize(2..=4);
        let n = self.rng.usize(3..=15).max(depth);
        let prune_children = self.scopes.contains(&Scope::CategoryChildren);
        for i in 0..n {
            let parent = if i == 0 {
                None
            } else if i < depth {
                Some(i - 1)
            } else if self.chance(0.2) {
                None
            } else {
                let shallow: Vec<usize> =
                    (0..i).filter(|j| self.cats[*j].depth + 1 < depth).collect();
                Some(self.pick(&shallow))
            };
            let base = self.pick(CATEGORY_NAMES);
            let name = self.unique_name(base);
            let key = self.unique_key(&name);
            let mut entry = f::Category {
                name: name.clone(),
                parent: parent.map(|p| self.cats[p].key.clone()),
                prune: None,
                id: None,
                renamed_from: None,
                protect: self.chance(0.05).then_some(true),
            };
            // Live when its identity can match: top level, or under a
            // parent that matched; else only when pinned by id (moved).
            let parent_live = parent.map(|p| self.cats[p].live_id.clone());
            let can_match = matches!(parent_live, None | Some(Some(_)));
            let force = i == 0 && prune_children;
            let mut live_id = None;
            if force || self.chance(0.65) {
                let id = format!("c{i}");
                let catalog_parent_id = parent_live.clone().flatten();
                // Where it could live if moved: another live managed
                // category made before it (so the live tree has no loop),
                // or the top level.
                let mut elsewhere: Vec<Option<String>> = self
                    .live_cats()
                    .into_iter()
                    .filter(|c| Some(c) != catalog_parent_id.as_ref())
                    .map(Some)
                    .collect();
                if parent.is_some() {
                    elsewhere.push(None);
                }
                let moved = !force && !elsewhere.is_empty() && (!can_match || self.chance(0.15));
                let (live_parent, live_name) = if moved {
                    entry.id = Some(Pin::Everywhere(id.clone()));
                    (self.pick(&elsewhere), name.clone())
                } else if can_match {
                    if self.chance(0.1) {
                        entry.id = Some(Pin::Everywhere(id.clone()));
                    }
                    let live_name = if self.chance(0.15) {
                        let old = self.unique_name(&format!("{name} (old)"));
                        entry.renamed_from = Some(old.clone());
                        old
                    } else {
                        name.clone()
                    };
                    (catalog_parent_id, live_name)
                } else {
                    (None, String::new())
                };
                if !live_name.is_empty() {
                    let mut c = json!({"id": id, "name": live_name});
                    if let Some(p) = live_parent {
                        c["parent_id"] = json!(p);
                    }
                    self.live.categories.push(obj(c));
                    live_id = Some(id);
                }
            }
            self.taxonomy.categories.insert(key.clone(), entry);
            self.cats.push(CatG {
                key,
                depth: parent.map_or(0, |p| self.cats[p].depth + 1),
                live_id,
            });
        }

        // prune_children: one live managed category deletes its unmanaged
        // children (and their children).
        let mut pruning_parent = None;
        if prune_children {
            let candidates: Vec<usize> = (0..self.cats.len())
                .filter(|i| self.cats[*i].live_id.is_some())
                .collect();
            let p = self.pick(&candidates);
            let key = self.cats[p].key.clone();
            if let Some(c) = self.taxonomy.categories.get_mut(&key) {
                c.prune = Some(true);
            }
            let parent_id = self.cats[p].live_id.clone().unwrap();
            let n = self.rng.usize(1..=2);
            for k in 0..n {
                let id = format!("c-old{k}");
                let name = self.unique_name(&format!("Clearance {k}"));
                self.live
                    .categories
                    .push(obj(json!({"id": id, "name": name, "parent_id": parent_id})));
                self.unmanaged.push(("category", id, true));
            }
            if self.chance(0.4) {
                let name = self.unique_name("Clearance Leftovers");
                self.live.categories.push(obj(
                    json!({"id": "c-old-sub", "name": name, "parent_id": "c-old0"}),
                ));
                self.unmanaged.push(("category", "c-old-sub".into(), true));
            }
            pruning_parent = Some(parent_id);
        }

        // Categories made in the UI: top level, and now and then under a
        // managed live category (not the pruning one).
        let min = usize::from(self.prunes(PruneKindOrd::Categories));
        let n = self.rng.usize(min.max(1)..=2);
        let names = self.subset(UI_CATEGORY_NAMES, n + 1, n + 1);
        for (k, base) in names.iter().take(n).enumerate() {
            let id = format!("c-ui{k}");
            let name = self.unique_name(base);
            self.live
                .categories
                .push(obj(json!({"id": id, "name": name})));
            self.unmanaged.push(("category", id.clone(), false));
            self.ui_cats.push(id);
        }
        let hosts: Vec<String> = self
            .live_cats()
            .into_iter()
            .filter(|c| Some(c) != pruning_parent.as_ref())
            .collect();
        if !hosts.is_empty() && self.chance(0.5) {
            let host = self.pick(&hosts);
            let name = self.unique_name(names[n]);
            self.live.categories.push(obj(
                json!({"id": "c-ui-sub", "name": name, "parent_id": host}),
            ));
            self.unmanaged.push(("category", "c-ui-sub".into(), false));
            self.ui_cats.push("c-ui-sub".into());
        }
    }

    fn product_name(&mut self) -> String {
        loop {
            let name = format!(
                "{} {}",
                self.pick(PRODUCT_ADJECTIVES),
                self.pick(PRODUCT_NOUNS)
            );
            if self.names.insert(name.clone()) {
                return name;
            }
        }
    }

    /// A live category id for a collection (managed or made in the UI,
    /// never one that is pruned as a child), or none.
    fn some_live_category(&mut self) -> Option<String> {
        let mut all = self.live_cats();
        all.extend(self.ui_cats.iter().cloned());
        (!all.is_empty() && self.chance(0.7)).then(|| self.pick(&all))
    }

    fn collections(&mut self) {
        let m = self.rng.usize(5..=40);
        let files = self.rng.usize(1..=3);
        self.products = (0..files).map(|_| CatalogFile::default()).collect();
        while self.cols.len() < m {
            let left = m - self.cols.len();
            if left >= 2 && self.chance(0.25) {
                let parent = self.collection(Fam::Parent);
                let variants = self.rng.usize(1..=(left - 1).min(4));
                for _ in 0..variants {
                    self.collection(Fam::Variant(parent));
                }
            } else {
                self.collection(Fam::Standalone);
            }
        }
        self.ui_collections();
    }

    fn collection(&mut self, fam: Fam) -> usize {
        let i = self.cols.len();
        let name = match fam {
            Fam::Variant(p) => {
                let (color, size) = (self.pick(COLORS), self.pick(SIZES));
                let base = format!("{}, {color} {size}", self.cols[p].name);
                self.unique_name(&base)
            }
            _ => self.product_name(),
        };
        let key = self.unique_key(&name);
        let n_cats = self.cats.len();
        let category = match fam {
            Fam::Variant(_) => self.chance(0.15),
            _ => self.chance(0.85),
        }
        .then(|| self.rng.usize(0..n_cats));
        let sku_chance = match fam {
            Fam::Variant(_) => 0.8,
            Fam::Standalone => 0.6,
            Fam::Parent => 0.3,
        };
        let sku = self
            .chance(sku_chance)
            .then(|| format!("SKU-{}-{i:03}", self.seed));
        let also_in = if self.chance(0.25) {
            let others: Vec<String> = (0..n_cats)
                .filter(|c| Some(*c) != category)
                .map(|c| self.cats[c].key.clone())
                .collect();
            Some(self.subset(&others, 1, 2)).filter(|v| !v.is_empty())
        } else {
            None
        };
        let published = self.chance(0.5).then(|| self.published());
        let declared = self.declared_region_keys();
        let regions = self
            .chance(0.5)
            .then(|| self.subset(&declared, 1, declared.len()));
        let mut entry = f::Collection {
            name: name.clone(),
            kind: match fam {
                Fam::Standalone => None,
                Fam::Parent => Some(CollectionType::Parent),
                Fam::Variant(_) => Some(CollectionType::Variant),
            },
            parent: match fam {
                Fam::Variant(p) => Some(self.cols[p].key.clone()),
                _ => None,
            },
            category: category.map(|c| self.cats[c].key.clone()),
            also_in,
            sku: sku.clone(),
            published: published.clone(),
            attributes: None,
            regions,
            id: None,
            renamed_from: None,
            protect: self.chance(0.05).then_some(true),
        };

        // Live when its identity can match: a variant needs its family's
        // parent live; without a sku, the category must be live too.
        let can_live = match fam {
            Fam::Variant(p) => self.cols[p].live_id.is_some(),
            _ => sku.is_some() || category.is_none_or(|c| self.cats[c].live_id.is_some()),
        };
        let live = can_live && self.chance(0.5);
        let mut live_values: Vec<Value> = Vec::new();
        let mut values: BTreeMap<String, f::AttributeValue> = BTreeMap::new();
        let wanted: Vec<usize> = if self.chance(0.7) {
            let all: Vec<usize> = (0..self.attrs.len()).collect();
            self.subset(&all, 1, 3)
        } else {
            Vec::new()
        };
        for a in 0..self.attrs.len() {
            let (kind, options, live_attr) = {
                let at = &self.attrs[a];
                (at.kind, at.options.clone(), at.live.clone())
            };
            let in_catalog = wanted.contains(&a);
            let catalog_value = in_catalog.then(|| self.random_value(kind, &options));
            // The live value: the catalog's, another one, or none.
            let mut live_value = None;
            if live && let Some((id, live_options)) = &live_attr {
                let roll = self.rng.f64();
                let fits = |v: &V| match v {
                    V::Choice(c) => live_options.contains(c),
                    _ => true,
                };
                live_value = match &catalog_value {
                    Some(v) if roll < 0.45 && fits(v) => Some(v.clone()),
                    Some(_) if roll < 0.8 => Some(self.random_value(kind, live_options)),
                    None if roll < 0.3 => Some(self.random_value(kind, live_options)),
                    _ => None,
                };
                if let Some(v) = &live_value {
                    let value = self.wire_value(v);
                    live_values.push(json!({"id": id, "value": value}));
                }
            }
            if let Some(v) = catalog_value {
                let clear = live_value.is_some() && self.chance(0.08);
                let key = self.attrs[a].key.clone();
                values.insert(
                    key,
                    if clear {
                        f::AttributeValue::Clear(())
                    } else {
                        Self::yaml_value(&v)
                    },
                );
            }
        }
        if live && !self.prunes(PruneKindOrd::Attributes) {
            for id in self.ui_attrs.clone() {
                if self.chance(0.3) {
                    live_values
                        .push(json!({"id": id, "value": format!("LC-{}", self.rng.u32(100..999))}));
                }
            }
        }
        if !values.is_empty() {
            entry.attributes = Some(values.into_iter().collect());
        }

        let mut live_id = None;
        if live {
            let id = format!("col{i}");
            let mut live_name = name.clone();
            let mut live_sku = sku.clone();
            if self.chance(0.15) {
                match &sku {
                    Some(s) => {
                        let old = format!("{s}-OLD");
                        entry.renamed_from = Some(old.clone());
                        live_sku = Some(old);
                    }
                    None => {
                        live_name = self.unique_name(&format!("{name} (old)"));
                        entry.renamed_from = Some(live_name.clone());
                    }
                }
            } else if sku.is_some() && self.chance(0.3) {
                // Matched by sku: the name is just a field that changed.
                live_name = self.unique_name(&format!("{name} (2024)"));
            }
            if self.chance(0.1) {
                entry.id = Some(Pin::Everywhere(id.clone()));
            }
            let mut c = obj(json!({"id": id, "name": live_name}));
            match fam {
                Fam::Standalone => {}
                Fam::Parent => {
                    c.insert("collection_type".into(), json!("parent"));
                }
                Fam::Variant(p) => {
                    c.insert("collection_type".into(), json!("variant"));
                    c.insert("parent_topic_id".into(), json!(self.cols[p].live_id));
                }
            }
            // The category is identity for a collection without sku that
            // is not a variant; otherwise it may differ (a move).
            let live_category = if sku.is_none() && !matches!(fam, Fam::Variant(_)) {
                category.and_then(|c| self.cats[c].live_id.clone())
            } else {
                match category.and_then(|c| self.cats[c].live_id.clone()) {
                    Some(id) if self.chance(0.7) => Some(id),
                    _ => self.some_live_category(),
                }
            };
            if let Some(cat) = &live_category {
                c.insert("parent_id".into(), json!(cat));
            }
            if self.chance(0.5) {
                let others: Vec<String> = self
                    .live_cats()
                    .into_iter()
                    .filter(|x| Some(x) != live_category.as_ref())
                    .collect();
                let mut direct = self.subset(&others, 0, 2);
                if !self.ui_cats.is_empty() && self.chance(0.3) {
                    let ui = self.pick(&self.ui_cats.clone());
                    if Some(&ui) != live_category.as_ref() {
                        direct.push(ui);
                    }
                }
                if !direct.is_empty() {
                    c.insert("direct_parent".into(), json!(direct));
                }
            }
            if let Some(s) = live_sku {
                c.insert("additional_title".into(), json!(s));
            }
            if self.chance(0.7) {
                let regions = self.region_ids();
                c.insert("region_ids".into(), json!(regions));
            }
            self.live_publishing(published.as_ref(), &mut c);
            if !live_values.is_empty() {
                c.insert("attributes".into(), Value::Array(live_values));
            }
            self.live.collections.push(c);
            live_id = Some(id);
        }
        let file = self.rng.usize(0..self.products.len());
        self.products[file].collections.insert(key.clone(), entry);
        self.cols.push(ColG { key, name, live_id });
        i
    }

    /// Collections made in the UI, in managed or UI categories; now and
    /// then a UI family with one variant.
    fn ui_collections(&mut self) {
        let n = self.unmanaged_count(PruneKindOrd::Collections, 3);
        let n = if n == 0 && self.chance(0.7) { 1 } else { n };
        for k in 0..n {
            let id = format!("col-ui{k}");
            let name = self.unique_name(&format!("UI Bundle {k}"));
            let mut c = obj(json!({"id": id, "name": name}));
            if let Some(cat) = self.some_live_category() {
                c.insert("parent_id".into(), json!(cat));
            }
            if self.chance(0.5) {
                c.insert(
                    "additional_title".into(),
                    json!(format!("UI-{}-{k}", self.seed)),
                );
            }
            let family = self.chance(0.3);
            if family {
                c.insert("collection_type".into(), json!("parent"));
            }
            self.live.collections.push(c);
            self.unmanaged.push(("collection", id.clone(), false));
            self.ui_cols.push(id.clone());
            if family {
                let vid = format!("col-ui{k}-v");
                let vname = self.unique_name(&format!("{name}, Large"));
                self.live.collections.push(obj(json!({
                    "id": vid, "name": vname, "collection_type": "variant", "parent_topic_id": id,
                })));
                self.unmanaged.push(("collection", vid.clone(), false));
                self.ui_cols.push(vid);
            }
        }
    }

    fn live_cols(&self) -> Vec<String> {
        self.cols.iter().filter_map(|c| c.live_id.clone()).collect()
    }

    fn files(&mut self) {
        let col_keys: Vec<String> = self.cols.iter().map(|c| c.key.clone()).collect();
        let declared = self.declared_region_keys();
        let ui_links_allowed = !self.prunes(PruneKindOrd::Collections) && !self.ui_cols.is_empty();

        // Live files the catalog names without `path:`: it manages their
        // links, regions and publishing.
        let n = if self.chance(0.85) {
            self.rng.usize(1..=3)
        } else {
            0
        };
        for i in 0..n {
            let ext = self.pick(&["jpg", "png", "pdf"]);
            let stem = slug(&self.product_name());
            let name = self.unique_name(&format!("{stem}-{i}.{ext}"));
            let key = self.unique_key(&format!("{stem}-{i}"));
            let id = format!("f{i}");
            let mut live_name = name.clone();
            let mut entry = f::File {
                path: None,
                name: Some(name.clone()),
                mime_type: None,
                collections: Some(self.subset(&col_keys, 0, 3)),
                regions: self
                    .chance(0.3)
                    .then(|| self.subset(&declared, 1, declared.len())),
                published: self.chance(0.3).then(|| self.published()),
                on_conflict: None,
                if_duplicate: None,
                id: self.chance(0.2).then(|| Pin::Everywhere(id.clone())),
                renamed_from: None,
                protect: None,
            };
            if self.chance(0.1) {
                live_name = self.unique_name(&format!("{stem}-{i}-old.{ext}"));
                entry.renamed_from = Some(live_name.clone());
            }
            let live_cols = self.live_cols();
            let mut links = self.subset(&live_cols, 0, 3);
            if ui_links_allowed && self.chance(0.8) {
                for ui in self.subset(&self.ui_cols.clone(), 1, 2) {
                    self.unmanaged_links.push((id.clone(), ui.clone()));
                    links.push(ui);
                }
            }
            let links: Vec<Value> = links.iter().map(|c| json!({"id": c})).collect();
            let mut fl = obj(json!({
                "id": id, "file_name": live_name, "size": self.rng.u32(200..5000),
                "collections": links,
            }));
            if self.chance(0.6) {
                let regions = self.region_ids();
                fl.insert("region_ids".into(), json!(regions));
            }
            self.live_publishing(entry.published.as_ref(), &mut fl);
            self.live.files.push(fl);
            self.media.files.insert(key, entry);
        }

        // Assets: the catalog holds the bytes.
        for i in 0..self.asset_count {
            let ext = self.pick(&["png", "jpg", "pdf"]);
            let stem = format!("{}-asset", slug(&self.product_name()));
            let path = format!("assets/{stem}.{ext}");
            let bytes = asset(&mut self.rng, ext, self.seed, i);
            let name = if self.chance(0.3) {
                self.unique_name(&format!("{stem}-main.{ext}"))
            } else {
                self.unique_name(&format!("{stem}.{ext}"))
            };
            let explicit_name = !name.starts_with(&format!("{stem}.")) || self.chance(0.2);
            let key = self.unique_key(&stem);
            let exists_live = self.chance(0.35);
            let on_conflict = if exists_live {
                // The matched live file is this entry's: never `skip`.
                self.chance(0.5)
                    .then(|| self.pick(&[OnConflict::Overwrite, OnConflict::Version]))
            } else {
                self.chance(0.5).then(|| {
                    self.pick(&[OnConflict::Skip, OnConflict::Overwrite, OnConflict::Version])
                })
            };
            let mime = match ext {
                "png" => "image/png",
                "jpg" => "image/jpeg",
                _ => "application/pdf",
            };
            let entry = f::File {
                path: Some(path.clone()),
                name: explicit_name.then(|| name.clone()),
                mime_type: self.chance(0.3).then(|| mime.to_owned()),
                collections: self.chance(0.8).then(|| self.subset(&col_keys, 1, 3)),
                regions: self
                    .chance(0.3)
                    .then(|| self.subset(&declared, 1, declared.len())),
                published: self.chance(0.3).then(|| self.published()),
                on_conflict,
                if_duplicate: None,
                id: None,
                renamed_from: None,
                protect: None,
            };
            if exists_live {
                // Same name, other bytes: an upload replaces them.
                let id = format!("fa{i}");
                let live_cols = self.live_cols();
                let links: Vec<Value> = self
                    .subset(&live_cols, 0, 2)
                    .iter()
                    .map(|c| json!({"id": c}))
                    .collect();
                self.live.files.push(obj(json!({
                    "id": id, "file_name": name, "size": bytes.len() + 17, "collections": links,
                })));
            }
            self.assets.insert(path, bytes);
            self.media.files.insert(key, entry);
        }

        // Files uploaded in the UI.
        let n = self.unmanaged_count(PruneKindOrd::Files, 2);
        for k in 0..n {
            let id = format!("f-ui{k}");
            let name = self.unique_name(&format!("ui-upload-{k}.jpg"));
            let mut targets = self.live_cols();
            targets.extend(self.ui_cols.iter().cloned());
            let links: Vec<Value> = self
                .subset(&targets, 0, 2)
                .iter()
                .map(|c| json!({"id": c}))
                .collect();
            self.live.files.push(obj(json!({
                "id": id, "file_name": name, "size": 300 + k, "collections": links,
            })));
            self.unmanaged.push(("file", id, false));
        }
    }

    fn resources(&mut self) {
        let n = if self.chance(0.9) {
            self.rng.usize(1..=4)
        } else {
            0
        };
        for i in 0..n {
            let description = self.pick(RESOURCE_NAMES).to_owned();
            let key = self.unique_key(&description);
            let link = format!("https://example.com/{}/{key}", self.seed);
            // The owner, and whether it exists live (so the resource can).
            let roll = self.rng.f64();
            let (category, collections, owner_live): (Option<usize>, Option<Vec<usize>>, _) =
                if roll < 0.25 {
                    (None, None, Some(json!({})))
                } else if roll < 0.65 {
                    let c = self.rng.usize(0..self.cats.len());
                    let live = self.cats[c]
                        .live_id
                        .as_ref()
                        .map(|id| json!({"category_id": id}));
                    (Some(c), None, live)
                } else {
                    let all: Vec<usize> = (0..self.cols.len()).collect();
                    let cols = self.subset(&all, 1, 2);
                    let ids: Option<Vec<String>> =
                        cols.iter().map(|c| self.cols[*c].live_id.clone()).collect();
                    let live = ids.map(|ids| json!({"collections": ids}));
                    (None, Some(cols), live)
                };
            let mut entry = f::Resource {
                description: description.clone(),
                link: link.clone(),
                category: category.map(|c| self.cats[c].key.clone()),
                collections: collections
                    .map(|cols| cols.iter().map(|c| self.cols[*c].key.clone()).collect()),
                id: None,
                renamed_from: None,
                protect: None,
            };
            if let Some(owner) = owner_live
                && self.chance(0.5)
            {
                let id = format!("res{i}");
                let mut live_link = link.clone();
                if self.chance(0.15) {
                    live_link = format!("{link}-old");
                    entry.renamed_from = Some(live_link.clone());
                }
                let live_description = if self.chance(0.5) {
                    description.clone()
                } else {
                    format!("{description} (draft)")
                };
                let mut r =
                    obj(json!({"id": id, "description": live_description, "link": live_link}));
                r.extend(obj(owner));
                self.live.resources.push(r);
            }
            self.media.resources.insert(key, entry);
        }
        let n = self.unmanaged_count(PruneKindOrd::Resources, 2);
        for k in 0..n {
            let id = format!("res-ui{k}");
            let mut r = obj(json!({
                "id": id, "description": "Made in the UI",
                "link": format!("https://example.com/{}/ui-{k}", self.seed),
            }));
            let mut cats = self.live_cats();
            cats.extend(self.ui_cats.iter().cloned());
            let mut cols = self.live_cols();
            cols.extend(self.ui_cols.iter().cloned());
            match self.rng.usize(0..3) {
                1 if !cats.is_empty() => {
                    r.insert("category_id".into(), json!(self.pick(&cats)));
                }
                2 if !cols.is_empty() => {
                    r.insert("collections".into(), json!(self.subset(&cols, 1, 2)));
                }
                _ => {}
            }
            self.live.resources.push(r);
            self.unmanaged.push(("resource", id, false));
        }
    }

    fn finish(self) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = BTreeMap::new();
        let header = format!(
            "# Generated by tests/apply_support for seed {}: a catalog to apply.\n",
            self.seed
        );
        let mut files: Vec<(String, &CatalogFile)> = vec![("taxonomy.yaml".into(), &self.taxonomy)];
        for (i, p) in self.products.iter().enumerate() {
            files.push((format!("products/part-{}.yaml", i + 1), p));
        }
        files.push(("media.yaml".into(), &self.media));
        for (path, file) in files {
            let body = render(file);
            if body.trim().is_empty() || body.trim() == "{}" {
                continue;
            }
            let depth = path.matches('/').count();
            let text = format!(
                "# yaml-language-server: $schema={}catalog.schema.json\n{header}\n{body}",
                "../".repeat(depth)
            );
            yaml.insert(path, text);
        }
        for (path, text) in &yaml {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        for (path, bytes) in &self.assets {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, bytes).unwrap();
        }
        std::fs::write(
            dir.path().join("catalog.schema.json"),
            pxmctl::catalog::schema::schema_text(),
        )
        .unwrap();

        let pruned: BTreeSet<&str> = self
            .scopes
            .iter()
            .filter_map(|s| match s {
                Scope::Kind(k) => Some(k.ident()),
                Scope::CategoryChildren => None,
            })
            .collect();
        let mut expected_deletions = Vec::new();
        let mut must_survive = Vec::new();
        for (kind, id, in_scope) in self.unmanaged {
            let pair = (kind.to_owned(), id);
            if in_scope || pruned.contains(kind) {
                expected_deletions.push(pair);
            } else {
                must_survive.push(pair);
            }
        }
        Case {
            seed: self.seed,
            live: self.live,
            dir,
            unmanaged_links: self.unmanaged_links,
            expected_deletions,
            must_survive,
            has_prune: !self.scopes.is_empty(),
            yaml,
            assets: self.assets,
        }
    }
}

/// A catalog file as YAML (plain or quoted scalars, like `pxmctl export`).
fn render(file: &CatalogFile) -> String {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(file, options).unwrap()
}

// ---------------------------------------------------------------------------
// Small valid assets: a PNG, a baseline JPEG or a PDF of a few hundred
// bytes whose magic bytes match the extension, varied by seed.

fn filler(rng: &mut fastrand::Rng, seed: u64, i: usize) -> String {
    let mut text = format!("pxmctl apply test asset, case {seed}, file {i}:");
    let target = rng.usize(150..450);
    while text.len() < target {
        text.push(' ');
        text.push_str(FEATURES[rng.usize(0..FEATURES.len())]);
    }
    text
}

fn asset(rng: &mut fastrand::Rng, ext: &str, seed: u64, i: usize) -> Vec<u8> {
    let comment = filler(rng, seed, i);
    match ext {
        "png" => png(rng, &comment),
        "jpg" => jpeg(&comment),
        _ => pdf(rng, &comment),
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A tiny RGB PNG: stored (uncompressed) deflate, real CRCs, and a
/// `tEXt` comment for size.
fn png(rng: &mut fastrand::Rng, comment: &str) -> Vec<u8> {
    let (w, h) = (rng.u32(1..=4), rng.u32(1..=4));
    let mut raw = Vec::new();
    for _ in 0..h {
        // Filter type 0, then the row's RGB bytes.
        raw.push(0u8);
        raw.extend((0..w * 3).map(|_| rng.u8(..)));
    }
    let len = u16::try_from(raw.len()).unwrap();
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend(len.to_le_bytes());
    z.extend((!len).to_le_bytes());
    z.extend(&raw);
    z.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut text = b"Comment\0".to_vec();
    text.extend(comment.as_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"tEXt", text),
        (b"IDAT", z),
        (b"IEND", Vec::new()),
    ] {
        out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(&data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    out
}

/// An 8×8 grey baseline JPEG: one block, DC and AC tables with one 1-bit
/// code each, and a `COM` segment for size.
fn jpeg(comment: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    out.extend([
        0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    out.extend([0xff, 0xfe]);
    out.extend(u16::try_from(comment.len() + 2).unwrap().to_be_bytes());
    out.extend(comment.as_bytes());
    out.extend([0xff, 0xdb, 0x00, 0x43, 0x00]);
    out.extend([1u8; 64]);
    out.extend([
        0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    for class in [0x00u8, 0x10] {
        out.extend([0xff, 0xc4, 0x00, 0x14, class, 1]);
        out.extend([0u8; 15]);
        out.push(0x00);
    }
    out.extend([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
    // DC diff 0 ("0"), end of block ("0"), padded with ones.
    out.push(0x3f);
    out.extend([0xff, 0xd9]);
    out
}

/// A one-page PDF with a coloured rectangle and a correct xref table.
fn pdf(rng: &mut fastrand::Rng, comment: &str) -> Vec<u8> {
    let content = format!(
        "0 0 {}.{} rg 20 20 {} {} re f\n",
        rng.u8(0..=1),
        rng.u8(0..10),
        rng.u32(20..160),
        rng.u32(20..160)
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];
    let mut out = format!("%PDF-1.4\n% {comment}\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{o}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(out, "{off:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

/// Whether `live` holds the object `id` of `kind` (a kind ident such as
/// `"attribute_group"`), as the case's expectations name them.
/// Whether a pruned object is out of the account: deleted, or for a file
/// (which PXM cannot delete) retired, unlinked from every collection and
/// unpublished.
pub fn pruned(live: &LiveSnapshot, kind: &str, id: &str) -> bool {
    match kind {
        "file" => live
            .files
            .iter()
            .find(|f| f.id == id)
            .is_none_or(|f| f.collections.is_empty() && !f.publishing.published),
        _ => !exists(live, kind, id),
    }
}

pub fn exists(live: &LiveSnapshot, kind: &str, id: &str) -> bool {
    match kind {
        "region" => live.regions.iter().any(|o| o.id == id),
        "attribute" => live.attributes.iter().any(|o| o.id == id),
        "attribute_group" => live.attribute_groups.iter().any(|o| o.id == id),
        "category" => live.categories.iter().any(|o| o.id == id),
        "collection" => live.collections.iter().any(|o| o.id == id),
        "file" => live.files.iter().any(|o| o.id == id),
        "resource" => live.resources.iter().any(|o| o.id == id),
        other => panic!("unknown kind {other}"),
    }
}
