//! The generated apply test cases are valid: every catalog loads without
//! a problem, plans against its seeded account without a diagnostic, and
//! the plan deletes exactly what the case expects and never a link made
//! in the UI; the seeded account has no identity duplicates; the same
//! seed gives the same case.
#![allow(clippy::unwrap_used)]

use crate::support::account::{duplicates, exists, pruned, snapshot};
use crate::support::case::case;
use crate::support::profile::{convergence_connection, fault_profiles, profile_for};
use crate::support::sandbox::{seeded, start};
use crate::support::seed::obj;

use std::collections::{BTreeMap, BTreeSet};

use pxmctl::plan::{Kind, Op, PlanOptions, plan};
use pxmctl::sandbox::SandboxConfig;
use serde_json::Value;

const SEEDS: u64 = 40;

#[test]
fn the_same_seed_gives_the_same_case() {
    let (a, b) = (case(7), case(7));
    assert_eq!(a.yaml_text(), b.yaml_text());
    assert_eq!(a.live, b.live);
    assert_eq!(a.assets, b.assets);
    assert_eq!(a.expected_deletions, b.expected_deletions);
    assert_eq!(a.must_survive, b.must_survive);
    assert_eq!(a.unmanaged_links, b.unmanaged_links);
    assert_ne!(a.yaml_text(), case(8).yaml_text());
}

#[tokio::test]
async fn every_case_loads_and_plans_cleanly() {
    let mut both = 0;
    let mut pruning = 0;
    let mut ui_links = 0;
    let mut assets = 0;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in 0..SEEDS {
        let case = case(seed);
        let loaded = pxmctl::catalog::load(case.dir.path());
        assert!(
            loaded.diagnostics.is_empty(),
            "seed {seed}: {:#?}\n{}",
            loaded.diagnostics,
            case.yaml_text()
        );
        let catalog = loaded.catalog.unwrap();

        let sandbox = start(seeded(case.live.clone())).await;
        let live = snapshot(&sandbox).await;
        let dups = duplicates(&live);
        assert!(dups.is_empty(), "seed {seed}: {dups:#?}");

        let p = plan(&catalog, &live, &PlanOptions::default()).unwrap_or_else(|d| {
            panic!("seed {seed}: {d:#?}\n{}", case.yaml_text());
        });
        assert!(!p.is_empty(), "seed {seed}: empty plan");
        let creates = p
            .actions
            .iter()
            .any(|a| a.op == Op::Create || (a.op == Op::Upload && a.id.is_none()));
        let updates = p
            .actions
            .iter()
            .any(|a| matches!(a.op, Op::Update | Op::Link));
        both += usize::from(creates && updates);

        // Deletions: exactly the case's expectation, nothing that must
        // survive. Files are retired, not deleted, unless already retired.
        let deleted: BTreeSet<(String, String)> = p
            .actions
            .iter()
            .filter(|a| a.op.removes())
            .map(|a| (a.kind.ident().to_owned(), a.id.clone().unwrap()))
            .collect();
        assert!(
            p.actions
                .iter()
                .all(|a| a.op != Op::Delete || a.kind != Kind::File),
            "seed {seed}: a file is retired, never deleted"
        );
        let expected: BTreeSet<(String, String)> = case
            .expected_deletions
            .iter()
            .filter(|(kind, id)| !pruned(&live, kind, id))
            .cloned()
            .collect();
        assert_eq!(deleted, expected, "seed {seed}\n{}", case.yaml_text());
        assert_eq!(
            case.has_prune,
            !case.expected_deletions.is_empty(),
            "seed {seed}"
        );
        pruning += usize::from(case.has_prune);
        for survivor in &case.must_survive {
            assert!(!deleted.contains(survivor), "seed {seed}: {survivor:?}");
        }

        // Every object named by the case exists live.
        for (kind, id) in case.expected_deletions.iter().chain(&case.must_survive) {
            assert!(exists(&live, kind, id), "seed {seed}: no live {kind} {id}");
        }

        // UI links: live, on a managed file, and kept by its link action.
        for (file, collection) in &case.unmanaged_links {
            let f = live.files.iter().find(|f| &f.id == file).unwrap();
            assert!(f.collections.contains(collection), "seed {seed}");
            assert!(
                catalog.files.values().any(|e| (e.value.name == f.file_name
                    || e.renamed_from.as_deref() == Some(f.file_name.as_str()))
                    && e.value.content.is_none()
                    && e.value.collections.is_some()),
                "seed {seed}: file {file} is not managed by a name-only entry"
            );
            assert!(
                case.must_survive
                    .contains(&("collection".to_owned(), collection.clone())),
                "seed {seed}: {collection} is not an unmanaged survivor"
            );
            let shown = serde_json::json!(format!("id:{collection}"));
            for a in p
                .actions
                .iter()
                .filter(|a| a.op == Op::Link && a.id.as_deref() == Some(file))
            {
                let after = a.changes[0].after.as_ref().unwrap();
                assert!(
                    after.as_array().unwrap().contains(&shown),
                    "seed {seed}: {file} loses {collection}: {after}"
                );
            }
        }
        // Wholesale arrays keep what the catalog does not manage.
        for a in &p.actions {
            for c in &a.changes {
                let (Some(Value::Array(before)), Some(Value::Array(after))) = (&c.before, &c.after)
                else {
                    continue;
                };
                for kept in before
                    .iter()
                    .filter(|v| v.as_str().is_some_and(|s| s.starts_with("id:")))
                {
                    assert!(
                        after.contains(kept),
                        "seed {seed}: {} {} drops {kept}",
                        a.key,
                        c.field
                    );
                }
            }
        }
        // What the case exercises, counted per seed.
        let mut features = BTreeSet::new();
        for a in &p.actions {
            if a.note
                .as_deref()
                .is_some_and(|n| n.starts_with("renamed from"))
            {
                features.insert("rename");
            }
            if a.op == Op::Upload && a.id.is_some() {
                features.insert("content change");
            }
            if a.op == Op::Upload && a.id.is_none() {
                features.insert("new asset");
            }
            for c in &a.changes {
                let ui_item = |v: &Option<Value>| {
                    v.as_ref().and_then(Value::as_array).is_some_and(|items| {
                        items
                            .iter()
                            .any(|i| i.as_str().is_some_and(|s| s.starts_with("id:")))
                    })
                };
                match (a.kind, a.op, c.field.as_str()) {
                    (Kind::Category, Op::Update, "parent") => {
                        features.insert("category moved");
                    }
                    (Kind::Attribute, Op::Update, "options") => {
                        features.insert("options added");
                    }
                    (Kind::Attribute, Op::Update, "description") => {
                        features.insert("description changed");
                    }
                    (Kind::Collection, Op::Update, "category") => {
                        features.insert("collection moved");
                    }
                    (Kind::Collection, Op::Update, "also_in") if ui_item(&c.after) => {
                        features.insert("also_in keeps UI category");
                    }
                    (Kind::Collection, Op::Update, f) if f.starts_with("attributes.") => {
                        if c.after == Some(Value::Null) {
                            features.insert("value cleared");
                        } else {
                            features.insert("value changed");
                        }
                    }
                    (Kind::AttributeGroup, Op::Update, "attributes") if ui_item(&c.after) => {
                        features.insert("group keeps unmanaged attribute");
                    }
                    (Kind::Resource, Op::Update, "description") => {
                        features.insert("resource changed");
                    }
                    _ => {}
                }
            }
        }
        if case
            .expected_deletions
            .iter()
            .any(|(_, id)| id.starts_with("c-old"))
        {
            features.insert("prune children");
        }
        for f in features {
            *seen.entry(f).or_default() += 1;
        }
        ui_links += usize::from(!case.unmanaged_links.is_empty());
        assets += usize::from(!case.assets.is_empty());
        sandbox.shutdown().await.unwrap();
    }
    for feature in [
        "rename",
        "content change",
        "new asset",
        "category moved",
        "options added",
        "description changed",
        "collection moved",
        "also_in keeps UI category",
        "value cleared",
        "value changed",
        "group keeps unmanaged attribute",
        "resource changed",
        "prune children",
    ] {
        let n = seen.get(feature).copied().unwrap_or(0);
        assert!(
            n >= 2,
            "only {n} of {SEEDS} cases have `{feature}`: {seen:?}"
        );
    }
    assert!(both >= 30, "only {both} of {SEEDS} plans create and update");
    assert!(pruning >= 10, "only {pruning} of {SEEDS} cases prune");
    assert!(
        ui_links >= 15,
        "only {ui_links} of {SEEDS} cases have UI links"
    );
    assert!(assets >= 15, "only {assets} of {SEEDS} cases have assets");
}

#[test]
fn assets_have_the_magic_bytes_of_their_extension() {
    for seed in 0..SEEDS {
        for (path, bytes) in &case(seed).assets {
            assert!(
                (150..1000).contains(&bytes.len()),
                "{path}: {}",
                bytes.len()
            );
            let magic = infer::get(bytes).map(|t| t.mime_type());
            let by_ext = mime_guess::from_path(path).first_raw();
            assert_eq!(magic, by_ext, "{path}");
        }
    }
}

#[tokio::test]
async fn every_fault_profile_starts_and_can_be_read() {
    let case = case(3);
    let profiles = fault_profiles();
    assert_eq!(profiles.len(), 6);
    let names: BTreeSet<&str> = profiles.iter().map(|p| p.name).collect();
    assert_eq!(names.len(), profiles.len());
    for i in 0..profiles.len() as u64 {
        let profile = profile_for(i);
        assert_eq!(profile.name, profiles[usize::try_from(i).unwrap()].name);
        assert_ne!(profile.faults.seed, profile_for(i + 6).faults.seed);
        let config = SandboxConfig {
            faults: profile.faults.clone(),
            rate_limit: profile.rate_limit,
            ..SandboxConfig::default()
        };
        config.check().unwrap();
        let sandbox = start(profile.sandbox_config(case.live.clone())).await;
        assert!(convergence_connection(&sandbox).timeout.as_secs() <= 5);
        let live = snapshot(&sandbox).await;
        assert_eq!(
            live.collections.len(),
            case.live.collections.len(),
            "{}",
            profile.name
        );
        sandbox.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn duplicates_finds_every_kind_of_identity_clash() {
    let mut case = case(1);
    let live = &mut case.live;
    live.attributes.push(obj(
        serde_json::json!({"id": "dup-a", "name": "Legacy Code 0", "type": "Text"}),
    ));
    live.attributes.push(obj(
        serde_json::json!({"id": "dup-a2", "name": "Legacy Code 0", "type": "Text"}),
    ));
    live.categories
        .push(obj(serde_json::json!({"id": "dup-c1", "name": "Twice"})));
    live.categories
        .push(obj(serde_json::json!({"id": "dup-c2", "name": "Twice"})));
    live.collections.push(obj(
        serde_json::json!({"id": "dup-p1", "name": "One", "additional_title": "DUP-SKU"}),
    ));
    live.collections.push(obj(
        serde_json::json!({"id": "dup-p2", "name": "Two", "additional_title": "DUP-SKU"}),
    ));
    for id in ["dup-f1", "dup-f2"] {
        live.files.push(obj(
            serde_json::json!({"id": id, "file_name": "twice.jpg", "size": 10}),
        ));
    }
    for id in ["dup-r1", "dup-r2"] {
        live.resources.push(obj(serde_json::json!({
            "id": id, "description": "Twice", "link": "https://example.com/twice",
            "category_id": "dup-c1",
        })));
    }
    let sandbox = start(seeded(case.live.clone())).await;
    let found = duplicates(&snapshot(&sandbox).await);
    let kinds: Vec<&str> = found.iter().map(|d| d.split(' ').next().unwrap()).collect();
    assert_eq!(
        kinds,
        ["attribute", "category", "collection", "file", "resource"],
        "{found:#?}"
    );
    assert!(found[0].contains("dup-a, dup-a2") || found[0].contains("dup-a2, dup-a"));
    sandbox.shutdown().await.unwrap();
}
