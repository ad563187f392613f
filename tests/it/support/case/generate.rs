//! The generator behind [`super::case`]: one seeded random walk that
//! writes the live account and the catalog side by side, recording what
//! apply must delete, keep and leave linked.

use std::collections::{BTreeMap, BTreeSet};

use pxmctl::catalog::format::{
    self as f, AttributeType, CatalogFile, CollectionType, OnConflict, Pin, PruneKind,
    PublishWindow, Published,
};
use pxmctl::sandbox::Seed;
use serde_json::{Map, Value, json};

use super::assets::asset;
use super::{Case, mix};

/// The case of `seed`.
pub(super) fn case(seed: u64) -> Case {
    Gen::new(seed).run()
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
    Kind(PruneKind),
    CategoryChildren,
}

/// How a pruned kind is named in a plan address.
fn ident(kind: PruneKind) -> &'static str {
    match kind {
        PruneKind::Attributes => "attribute",
        PruneKind::AttributeGroups => "attribute_group",
        PruneKind::Categories => "category",
        PruneKind::Collections => "collection",
        PruneKind::Files => "file",
        PruneKind::Resources => "resource",
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
            Scope::Kind(PruneKind::Categories),
            Scope::Kind(PruneKind::Collections),
            Scope::Kind(PruneKind::Files),
            Scope::Kind(PruneKind::Resources),
            Scope::Kind(PruneKind::AttributeGroups),
        ];
        if self.asset_count == 0 {
            candidates.push(Scope::Kind(PruneKind::Attributes));
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
                Scope::Kind(k) => Some(*k),
                Scope::CategoryChildren => None,
            })
            .collect();
    }

    fn prunes(&self, k: PruneKind) -> bool {
        self.scopes.contains(&Scope::Kind(k))
    }

    /// How many unmanaged objects of a kind to add: at least one when the
    /// kind is pruned.
    fn unmanaged_count(&mut self, k: PruneKind, max: usize) -> usize {
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
        let n = self.unmanaged_count(PruneKind::Attributes, 2);
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
        let n = self.unmanaged_count(PruneKind::AttributeGroups, 1);
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
        let min = usize::from(self.prunes(PruneKind::Categories));
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
            published: published.clone().map(Box::new),
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
        if live && !self.prunes(PruneKind::Attributes) {
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
        let n = self.unmanaged_count(PruneKind::Collections, 3);
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
        let ui_links_allowed = !self.prunes(PruneKind::Collections) && !self.ui_cols.is_empty();

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
                published: self.chance(0.3).then(|| Box::new(self.published())),
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
            self.live_publishing(entry.published.as_deref(), &mut fl);
            self.live.files.push(fl);
            self.media.files.insert(key, entry);
        }

        // Assets: the catalog holds the bytes.
        for i in 0..self.asset_count {
            let ext = self.pick(&["png", "jpg", "pdf"]);
            let stem = format!("{}-asset", slug(&self.product_name()));
            let path = format!("assets/{stem}.{ext}");
            let comment = filler(&mut self.rng, self.seed, i);
            let bytes = asset(&mut self.rng, ext, &comment);
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
                published: self.chance(0.3).then(|| Box::new(self.published())),
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
        let n = self.unmanaged_count(PruneKind::Files, 2);
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
        let n = self.unmanaged_count(PruneKind::Resources, 2);
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
                Scope::Kind(k) => Some(ident(*k)),
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

/// An asset's comment: the case and file it is for, padded with features.
fn filler(rng: &mut fastrand::Rng, seed: u64, i: usize) -> String {
    let mut text = format!("pxmctl apply test asset, case {seed}, file {i}:");
    let target = rng.usize(150..450);
    while text.len() < target {
        text.push(' ');
        text.push_str(FEATURES[rng.usize(0..FEATURES.len())]);
    }
    text
}
