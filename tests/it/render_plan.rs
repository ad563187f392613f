//! Golden outputs of every plan format (text with and without colour and
//! Unicode, JSON, Markdown), Markdown folding at 5,000 actions, and saved
//! plans: round trip, refusal of other versions, no secret, staleness.

use std::collections::BTreeMap;
use std::str::FromStr as _;

use pxmctl::plan::saved::{self, SavedPlan, SavedPlanError, Stale};
use pxmctl::plan::{Action, Change, Kind, Op, Plan};
use pxmctl::remote::LiveSnapshot;
use pxmctl::render::plan::{self as render, MarkdownOptions, TextStyle};
use serde_json::{Value, json};

fn change(field: &str, before: Option<Value>, after: Option<Value>) -> Change {
    Change {
        field: field.to_owned(),
        before,
        after,
    }
}

fn action(kind: Kind, op: Op, key: &str, id: Option<&str>, title: &str) -> Action {
    Action {
        kind,
        op,
        key: key.to_owned(),
        id: id.map(str::to_owned),
        title: title.to_owned(),
        changes: Vec::new(),
        bytes: None,
        note: None,
        depends_on: Vec::new(),
    }
}

const OLD_DESCRIPTION: &str = "A light rain jacket for city walks.\n\
Seams are taped; the hood rolls into the collar.\n\
Machine wash at 30 °C.\n\
Imported.\n";

const NEW_DESCRIPTION: &str = "A light rain jacket for city walks and weekend hikes.\n\
Seams are taped; the hood rolls into the collar.\n\
Machine wash at 30 °C.\n\
Imported.\n";

/// One action of every op: a create, an update with scalar, list, object
/// and long-text changes, a renamed entry, an upload, a link, a delete.
fn every_op() -> Plan {
    let mut create = action(
        Kind::Collection,
        Op::Create,
        "rain-jacket-blue-m",
        None,
        "Rain Jacket, Blue, M",
    );
    create.changes = vec![
        change("name", None, Some(json!("Rain Jacket, Blue, M"))),
        change("type", None, Some(json!("variant"))),
        change("parent", None, Some(json!("rain-jacket"))),
        change("sku", None, Some(json!("SKU-BRJ-001"))),
        change("attributes.color", None, Some(json!("Blue"))),
        change("regions", None, Some(json!(["us"]))),
    ];
    create.depends_on = vec![1];

    let mut update = action(
        Kind::Collection,
        Op::Update,
        "rain-jacket",
        Some("1042"),
        "Rain Jacket",
    );
    update.changes = vec![
        change(
            "name",
            Some(json!("Rain jacket")),
            Some(json!("Rain Jacket")),
        ),
        change(
            "also_in",
            Some(json!(["sale"])),
            Some(json!(["sale", "outlet"])),
        ),
        change("sku", None, Some(json!("SKU-BRJ"))),
        change("published", Some(json!({ "start": "2026-01-01" })), None),
        change(
            "attributes.description",
            Some(json!(OLD_DESCRIPTION)),
            Some(json!(NEW_DESCRIPTION)),
        ),
    ];

    let mut renamed = action(Kind::Category, Op::Update, "jackets", Some("31"), "Jackets");
    renamed.changes = vec![change(
        "name",
        Some(json!("Coats & Jackets")),
        Some(json!("Jackets")),
    )];
    renamed.note = Some("renamed from \"Coats & Jackets\"".to_owned());

    let mut upload = action(
        Kind::File,
        Op::Upload,
        "rain-jacket-hero",
        Some("77"),
        "rain-jacket-hero.jpg",
    );
    upload.bytes = Some(2_411_724);
    upload.changes = vec![change(
        "attributes.pxmctl_sha256",
        Some(json!("0f1e2d")),
        Some(json!("a1b2c3")),
    )];

    let mut link = action(
        Kind::File,
        Op::Link,
        "rain-jacket-hero",
        Some("77"),
        "rain-jacket-hero.jpg",
    );
    link.changes = vec![change(
        "collections",
        Some(json!(["rain-jacket"])),
        Some(json!(["rain-jacket", "rain-jacket-blue-m"])),
    )];
    link.depends_on = vec![0, 3];

    let delete = action(
        Kind::Category,
        Op::Delete,
        "old-sale",
        Some("88"),
        "Old Sale",
    );

    let mut new_region = action(Kind::Attribute, Op::Create, "material", None, "Material");
    new_region.changes = vec![
        change("name", None, Some(json!("Material"))),
        change("type", None, Some(json!("text"))),
    ];

    Plan::new(vec![
        create, update, renamed, upload, link, delete, new_region,
    ])
}

const PLAIN: TextStyle = TextStyle {
    color: false,
    unicode: true,
    width: 100,
};

#[test]
fn text_empty() {
    let text = render::text(&Plan::default(), PLAIN);
    assert_eq!(text, "No changes. The account matches the catalog.\n");
}

#[test]
fn text_every_op() {
    insta::assert_snapshot!(render::text(&every_op(), PLAIN));
}

#[test]
fn text_colour_on_paints_signs_and_colour_off_has_no_escape_codes() {
    let plan = every_op();
    let plain = render::text(&plan, PLAIN);
    assert!(!plain.contains('\x1b'), "no escape codes without colour");
    let coloured = render::text(
        &plan,
        TextStyle {
            color: true,
            ..PLAIN
        },
    );
    assert!(coloured.contains("\x1b[32m+\x1b[0m collection"), "green +");
    assert!(coloured.contains("\x1b[33m~\x1b[0m collection"), "yellow ~");
    assert!(coloured.contains("\x1b[31m-\x1b[0m category"), "red -");
    assert!(coloured.contains("\x1b[36m↑\x1b[0m file"), "cyan ↑");
    assert!(coloured.contains("\x1b[36m⇄\x1b[0m file"), "cyan ⇄");
    // Without the escape codes, the coloured text is the plain text.
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain);
    insta::assert_snapshot!(coloured.replace('\x1b', "⎋"));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn text_ascii_symbols_when_unicode_is_off() {
    let text = render::text(
        &every_op(),
        TextStyle {
            unicode: false,
            ..PLAIN
        },
    );
    assert!(!text.contains('↑') && !text.contains('⇄'));
    insta::assert_snapshot!(text);
}

#[test]
fn text_long_lists_go_one_item_a_line_when_narrow() {
    let mut link = action(Kind::File, Op::Link, "hero", Some("77"), "hero.jpg");
    link.changes = vec![change(
        "collections",
        Some(json!([
            "rain-jacket",
            "rain-jacket-blue-s",
            "rain-jacket-blue-m"
        ])),
        Some(json!([
            "rain-jacket",
            "rain-jacket-blue-m",
            "rain-jacket-blue-l"
        ])),
    )];
    let plan = Plan::new(vec![link]);
    let narrow = render::text(&plan, TextStyle { width: 60, ..PLAIN });
    insta::assert_snapshot!(narrow);
    let wide = render::text(
        &plan,
        TextStyle {
            width: 200,
            ..PLAIN
        },
    );
    assert!(wide.contains(r#"collections = ["rain-jacket", "#), "{wide}");
}

#[test]
fn text_new_long_text_and_removed_long_text() {
    let mut create = action(Kind::Collection, Op::Create, "boot", None, "Boot");
    create.changes = vec![change(
        "attributes.description",
        None,
        Some(json!("one\ntwo\n")),
    )];
    let mut update = action(Kind::Collection, Op::Update, "shoe", Some("5"), "Shoe");
    update.changes = vec![change(
        "attributes.care",
        Some(json!("wash cold ".repeat(7))),
        None,
    )];
    insta::assert_snapshot!(render::text(&Plan::new(vec![create, update]), PLAIN));
}

fn masked_version(text: &str) -> String {
    text.replace(
        &format!("\"pxmctl_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"pxmctl_version\": \"[version]\"",
    )
}

#[test]
fn json_every_op() {
    let text = render::json(&every_op());
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["changes_include_deletion"], true);
    assert_eq!(doc["summary"]["total"], 7);
    assert_eq!(doc["actions"][1]["address"], "collection.rain-jacket");
    assert_eq!(doc["actions"][1]["changes"][3]["change"], "remove");
    assert_eq!(doc["actions"][1]["changes"][3]["after"], Value::Null);
    insta::assert_snapshot!(masked_version(&text));
}

#[test]
fn json_empty() {
    insta::assert_snapshot!(masked_version(&render::json(&Plan::default())));
}

#[test]
fn json_is_deterministic() {
    assert_eq!(render::json(&every_op()), render::json(&every_op()));
}

#[test]
fn markdown_every_op() {
    insta::assert_snapshot!(render::markdown(&every_op()));
}

#[test]
fn markdown_empty() {
    insta::assert_snapshot!(render::markdown(&Plan::default()));
}

/// Every code fence that opens is closed, and no fence is left open.
fn assert_fences_closed(text: &str) {
    let mut open: Option<&str> = None;
    for line in text.lines() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match open {
            None if ticks >= 3 => {
                assert!(
                    line[ticks..].starts_with("diff"),
                    "unexpected fence: {line}"
                );
                open = Some(&line[..ticks]);
            }
            Some(fence) if line == fence => open = None,
            _ => {}
        }
    }
    assert!(open.is_none(), "a code fence is left open");
}

/// `n` updates with long text, spread over every kind.
fn big_plan(n: usize) -> Plan {
    let kinds = [
        Kind::Attribute,
        Kind::Category,
        Kind::Collection,
        Kind::File,
        Kind::Resource,
    ];
    let actions = (0..n)
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let mut a = action(
                kind,
                Op::Update,
                &format!("entry-{i:05}"),
                Some(&i.to_string()),
                &format!("Entry {i}"),
            );
            let old: String = (0..12)
                .map(|l| format!("line {l} of the old text of entry {i}\n"))
                .collect();
            let new = old.replace("line 5 of the old", "line 5 of the NEW");
            a.changes = vec![
                change(
                    "name",
                    Some(json!(format!("Entry {i}"))),
                    Some(json!(format!("Entry #{i}"))),
                ),
                change("attributes.description", Some(json!(old)), Some(json!(new))),
            ];
            a
        })
        .collect();
    Plan::new(actions)
}

#[test]
fn markdown_folds_5000_actions_under_the_comment_limit() {
    let plan = big_plan(5_000);
    let text = render::markdown(&plan);
    assert!(text.len() < 65_536, "{} bytes", text.len());
    assert!(text.chars().count() < 65_536);
    assert_fences_closed(&text);
    assert!(
        text.contains("**Plan: 0 to add, 5000 to change, 0 to destroy.**"),
        "summary line intact"
    );
    assert!(
        text.contains(" more actions not shown; run `pxmctl plan` locally for the full plan."),
        "the rest is counted"
    );
    // Blocks are kept whole and in order: the first action is shown.
    assert!(text.contains("# attribute.entry-00000 (Entry 0) will be updated in place"));
    // Every block that starts also ends.
    assert_eq!(
        text.matches("```diff").count(),
        text.matches("\n  }\n```\n").count()
    );
}

#[test]
fn markdown_folds_into_a_list_when_the_list_fits() {
    let plan = big_plan(40);
    let options = MarkdownOptions {
        limit: 8_000,
        ..MarkdownOptions::default()
    };
    let text = render::markdown_with(&plan, &options);
    assert!(text.len() < 8_000, "{} bytes", text.len());
    assert_fences_closed(&text);
    assert!(text.contains("not shown in full"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_folds_into_counts_when_the_list_does_not_fit() {
    let plan = big_plan(400);
    let options = MarkdownOptions {
        limit: 8_000,
        ..MarkdownOptions::default()
    };
    let text = render::markdown_with(&plan, &options);
    assert!(text.len() < 8_000, "{} bytes", text.len());
    assert_fences_closed(&text);
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_fence_outlasts_backticks_in_values() {
    let mut a = action(Kind::Collection, Op::Update, "c", Some("1"), "C");
    a.changes = vec![change(
        "attributes.description",
        Some(json!("before\n```\nstill code\n")),
        Some(json!("after\n````\nstill code\n")),
    )];
    let text = render::markdown(&Plan::new(vec![a]));
    assert!(text.contains("`````diff\n"), "{text}");
    assert_fences_closed(&text);
}

fn snapshot() -> LiveSnapshot {
    LiveSnapshot {
        regions: vec![serde_json::from_value(json!({"id": 1, "name": "United States"})).expect("region")],
        categories: vec![
            serde_json::from_value(json!({"id": 31, "name": "Coats & Jackets"})).expect("category"),
            serde_json::from_value(json!({"id": 88, "name": "Old Sale"})).expect("category"),
        ],
        collections: vec![
            serde_json::from_value(json!({"id": 1042, "name": "Rain jacket", "direct_parent": [31]}))
                .expect("collection"),
        ],
        files: vec![
            serde_json::from_value(json!({
                "id": "77",
                "file_name": "rain-jacket-hero.jpg",
                "size": 1000,
                "download_url": "https://bucket.example/hero.jpg?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef"
            }))
            .expect("file"),
        ],
        ..LiveSnapshot::default()
    }
}

fn saved_plan(live: &LiveSnapshot) -> SavedPlan {
    SavedPlan {
        account: Some("acct-1".to_owned()),
        ..SavedPlan::new(
            every_op(),
            Some("staging".to_owned()),
            "https://entapi.amplifi.io".to_owned(),
            "c0ffee".to_owned(),
            saved::live_fingerprints(live),
        )
    }
}

#[test]
fn saved_plan_round_trips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    let plan = saved_plan(&snapshot());
    plan.write(&path).expect("write");
    let read = SavedPlan::read(&path).expect("read");
    assert_eq!(read, plan);
    assert_eq!(read.format_version, saved::FORMAT_VERSION);
    assert_eq!(read.pxmctl_version, env!("CARGO_PKG_VERSION"));
    assert!(
        jiff::Timestamp::from_str(&read.created_at).is_ok(),
        "RFC 3339: {}",
        read.created_at
    );
    assert_eq!(
        read.live.keys().collect::<Vec<_>>(),
        [
            "category/31",
            "category/88",
            "collection/1042",
            "file/77",
            "region/1"
        ]
    );
    // Nothing but the plan file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["plan.json"]);
}

#[test]
fn saved_plan_overwrites_an_older_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, "old").expect("write");
    saved_plan(&snapshot()).write(&path).expect("write");
    assert!(SavedPlan::read(&path).is_ok());
}

#[test]
fn saved_plan_holds_no_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    saved_plan(&snapshot()).write(&path).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("Signature"), "{text}");
    assert!(!text.contains("AKIA"), "{text}");
    assert!(!text.contains("bucket.example"), "{text}");
}

#[test]
fn saved_plan_of_another_version_says_which_version_is_expected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, r#"{"format_version": 99, "something": "else"}"#).expect("write");
    let err = SavedPlan::read(&path).expect_err("version 99");
    assert!(matches!(err, SavedPlanError::Version { found: 99, .. }));
    let message = err.to_string();
    assert!(message.contains("plan.json"), "{message}");
    assert!(message.contains("format version 99"), "{message}");
    assert!(message.contains("expects version 2"), "{message}");
}

#[test]
fn saved_plan_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.json");
    let err = SavedPlan::read(&missing).expect_err("missing");
    assert!(err.to_string().contains("missing.json"), "{err}");
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not json").expect("write");
    let err = SavedPlan::read(&garbage).expect_err("garbage");
    assert!(matches!(err, SavedPlanError::Parse { .. }));
    assert!(err.to_string().contains("garbage.json"), "{err}");
    let unwritable = dir.path().join("no-such-dir").join("plan.json");
    let err = saved_plan(&snapshot())
        .write(&unwritable)
        .expect_err("no dir");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

#[test]
fn staleness_nothing_changed() {
    let live = snapshot();
    let plan = saved_plan(&live);
    let now = saved::live_fingerprints(&live);
    assert_eq!(
        saved::staleness(&plan, ("c0ffee", &BTreeMap::new()), &now),
        []
    );
    assert_eq!(
        saved::other_account(&plan, "https://entapi.amplifi.io/", "acct-1"),
        None
    );
}

#[test]
fn staleness_catalog_changed() {
    let live = snapshot();
    let plan = saved_plan(&live);
    let now = saved::live_fingerprints(&live);
    let stale = saved::staleness(&plan, ("decaf", &BTreeMap::new()), &now);
    assert_eq!(stale, [Stale::Catalog]);
    assert_eq!(
        stale[0].to_string(),
        "the catalog changed since the plan was made"
    );
    // With per-file digests, the files are named.
    let mut plan = plan;
    plan.catalog_files = BTreeMap::from([
        ("a.yaml".to_owned(), "1".to_owned()),
        ("b.yaml".to_owned(), "2".to_owned()),
    ]);
    let now_files = BTreeMap::from([
        ("a.yaml".to_owned(), "1".to_owned()),
        ("b.yaml".to_owned(), "3".to_owned()),
        ("c.yaml".to_owned(), "4".to_owned()),
    ]);
    let stale: Vec<String> = saved::staleness(&plan, ("decaf", &now_files), &now)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        stale,
        [
            "catalog file `b.yaml` changed since the plan was made",
            "catalog file `c.yaml` was added since the plan was made"
        ]
    );
}

/// What a plan made on [`snapshot`] finds stale once `edit` has changed
/// the account (the catalog unchanged).
fn stale_after(edit: impl FnOnce(&mut LiveSnapshot)) -> Vec<Stale> {
    let live = snapshot();
    let plan = saved_plan(&live);
    let mut later = live;
    edit(&mut later);
    saved::staleness(
        &plan,
        ("c0ffee", &BTreeMap::new()),
        &saved::live_fingerprints(&later),
    )
}

#[test]
fn staleness_live_object_changed() {
    let stale = stale_after(|later| {
        later.collections[0].name = "Rain Jacket (edited in the UI)".to_owned();
    });
    assert_eq!(stale, [Stale::Changed("collection/1042".to_owned())]);
    assert_eq!(
        stale[0].to_string(),
        "live collection `1042` changed since the plan was made"
    );
}

#[test]
fn staleness_a_new_presigned_url_is_not_a_change() {
    let stale = stale_after(|later| {
        later.files[0].download_url =
            Some("https://bucket.example/x?X-Amz-Signature=other".to_owned());
    });
    assert_eq!(stale, []);
}

#[test]
fn staleness_live_object_vanished() {
    let stale = stale_after(|later| {
        later.categories.remove(1);
    });
    assert_eq!(stale, [Stale::Vanished("category/88".to_owned())]);
    assert_eq!(
        stale[0].to_string(),
        "live category `88` was deleted since the plan was made"
    );
}

#[test]
fn staleness_live_object_appeared() {
    let stale = stale_after(|later| {
        later.collections.push(
            serde_json::from_value(json!({"id": 1043, "name": "Rain Jacket, Blue, M"}))
                .expect("collection"),
        );
    });
    assert_eq!(stale, [Stale::Appeared("collection/1043".to_owned())]);
    assert_eq!(
        stale[0].to_string(),
        "live collection `1043` appeared since the plan was made"
    );
}

#[test]
fn staleness_reports_everything_catalog_first_then_by_key() {
    let live = snapshot();
    let plan = saved_plan(&live);
    let mut later = live.clone();
    later.categories.remove(1);
    later.regions[0].name = "USA".to_owned();
    later
        .collections
        .push(serde_json::from_value(json!({"id": 7, "name": "New"})).expect("collection"));
    let stale = saved::staleness(
        &plan,
        ("other", &BTreeMap::new()),
        &saved::live_fingerprints(&later),
    );
    assert_eq!(
        stale,
        [
            Stale::Catalog,
            Stale::Vanished("category/88".to_owned()),
            Stale::Appeared("collection/7".to_owned()),
            Stale::Changed("region/1".to_owned()),
        ]
    );
}

#[test]
fn a_plan_for_another_account_is_refused() {
    let plan = saved_plan(&snapshot());
    let stale =
        saved::other_account(&plan, "http://127.0.0.1:8080", "acct-1").expect("other account");
    assert_eq!(
        stale.to_string(),
        "the plan was made against `https://entapi.amplifi.io`, not `http://127.0.0.1:8080`"
    );
    // The same URL serves many accounts: the account is recorded too.
    let other = saved::other_account(&plan, "https://entapi.amplifi.io", "acct-2")
        .expect("another client id");
    assert_eq!(other, Stale::OtherAccount);
}

#[test]
fn notes_follow_the_plan_in_every_format_even_when_it_is_empty() {
    let note = pxmctl::plan::Note {
        kind: Kind::File,
        key: "hero".into(),
        title: "hero.jpg".into(),
        message: "unverified: no recorded SHA-256".into(),
    };
    let empty = Plan {
        notes: vec![note.clone()],
        ..Plan::default()
    };
    let text = render::text(&empty, PLAIN);
    assert!(text.starts_with("No changes."), "{text}");
    assert!(
        text.contains("Notes:\n  ! file.hero (\"hero.jpg\"): unverified: no recorded SHA-256\n"),
        "{text}"
    );
    let md = render::markdown(&empty);
    assert!(md.contains("> [!NOTE]\n> - file.hero"), "{md}");
    let doc: Value = serde_json::from_str(&render::json(&empty)).expect("valid JSON");
    assert_eq!(doc["empty"], true);
    assert_eq!(doc["notes"][0]["address"], "file.hero");
    assert_eq!(
        doc["notes"][0]["message"],
        "unverified: no recorded SHA-256"
    );

    let many = Plan {
        notes: vec![note; 25],
        ..every_op()
    };
    let text = render::text(&many, PLAIN);
    assert_eq!(text.matches("  ! file.hero").count(), 20, "{text}");
    assert!(text.contains("… and 5 more"), "{text}");
}
