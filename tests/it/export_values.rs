//! Export and plan read live values the same way (`api::codec`): for any
//! value in any shape the API may answer (lists as arrays or as one
//! comma-separated text, numbers as text, dates with and without a time,
//! booleans in any case), exporting the account and planning the export
//! against that same account plans nothing. Order is data: a list, the
//! options of a pick list and a group's members come back in their order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use pxmctl::export::write::write_files;
use pxmctl::export::{ExportOptions, export};
use pxmctl::plan::{PlanOptions, plan};
use pxmctl::remote::LiveSnapshot;
use pxmctl::render::diagnostics::short;
use serde_json::{Value, json};

const OPTIONS: [&str; 4] = ["Red", "Blue", "Green", "Black"];

fn item() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 .-]{0,10}[A-Za-z0-9]"
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[A-Za-z0-9][A-Za-z0-9 ,.:#-]{0,16}".prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::from),
        (-10_000i32..10_000, 0u32..100)
            .prop_map(|(i, f)| json!(f64::from(i) + f64::from(f) / 100.0)),
        (-10_000i32..10_000, 0u32..100).prop_map(|(i, f)| json!(format!("{i}.{f:02}"))),
        (0u32..1000).prop_map(|n| json!(format!(" {n} "))),
    ]
}

fn boolean() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        Just(json!("TRUE")),
        Just(json!(" true")),
        Just(json!("False ")),
        Just(json!("1")),
        Just(json!("0")),
        Just(json!(1)),
        Just(json!(0)),
    ]
}

fn date() -> impl Strategy<Value = Value> {
    (1u32..28, 0u32..24, 0u32..60, 0usize..5).prop_map(|(day, hour, minute, shape)| {
        let text = match shape {
            0 => format!("2026-03-{day:02}"),
            1 => format!("2026-03-{day:02}T00:00:00Z"),
            2 => format!("2026-03-{day:02} {hour:02}:{minute:02}:00"),
            3 => format!("2026-03-{day:02}T{hour:02}:{minute:02}:00+02:00"),
            _ => format!("2026-03-{day:02}T{hour:02}:{minute:02}:00"),
        };
        Value::String(text)
    })
}

fn list() -> impl Strategy<Value = Value> {
    prop::collection::vec(item(), 1..5).prop_flat_map(|items| {
        let joined = items.join(", ");
        prop_oneof![Just(json!(items)), Just(Value::String(joined)),]
    })
}

fn published() -> impl Strategy<Value = (Value, Value)> {
    (
        date(),
        prop_oneof![Just(json!(true)), Just(json!("true")), Just(json!(1))],
    )
        .prop_map(|(start, flag)| (flag, start))
}

/// Collections with one value of every type each, in random wire shapes.
fn collections() -> impl Strategy<Value = Vec<Value>> {
    let one = (
        text(),
        number(),
        boolean(),
        date(),
        list(),
        0..OPTIONS.len(),
        published(),
    );
    prop::collection::vec(one, 1..4).prop_map(|values| {
        values
            .into_iter()
            .enumerate()
            .map(|(i, (t, n, b, d, l, choice, (flag, start)))| {
                json!({
                    "id": format!("c{i}"),
                    "name": format!("Product {i}"),
                    "additional_title": format!("SKU-{i}"),
                    "published": flag,
                    "published_start_date": start,
                    "attributes": [
                        {"id": "a-text", "value": t},
                        {"id": "a-number", "value": n},
                        {"id": "a-bool", "value": b},
                        {"id": "a-date", "value": d},
                        {"id": "a-list", "value": l},
                        {"id": "a-pick", "value": OPTIONS[choice]},
                    ],
                })
            })
            .collect()
    })
}

fn account(collections: Vec<Value>, options: Vec<&str>, members: Vec<&str>) -> LiveSnapshot {
    fn list<T: serde::de::DeserializeOwned>(value: Value) -> Vec<T> {
        serde_json::from_value(value).unwrap()
    }
    LiveSnapshot {
        regions: list(json!([{"id": "r1", "name": "United States", "is_primary": true}])),
        attributes: list(json!([
            {"id": "a-text", "name": "Notes", "type": "Text"},
            {"id": "a-number", "name": "Weight", "type": "Number"},
            {"id": "a-bool", "name": "Waterproof", "type": "boolean"},
            {"id": "a-date", "name": "Launch", "type": "Date"},
            {"id": "a-list", "name": "Features", "type": "List"},
            {"id": "a-pick", "name": "Colour", "type": "Pick List", "options": options},
        ])),
        attribute_groups: list(json!([{"id": "g1", "name": "Basics", "attributes": members}])),
        collections: list(Value::Array(collections)),
        ..LiveSnapshot::default()
    }
}

fn exported_plan(live: &LiveSnapshot) -> Result<(), TestCaseError> {
    let exported = export(live, &ExportOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &exported.files).unwrap();
    let loaded = pxmctl::catalog::load(dir.path());
    let text = || {
        exported
            .files
            .values()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    prop_assert!(
        loaded.diagnostics.is_empty(),
        "the export does not load:\n{}\n{}",
        short(&loaded.diagnostics),
        text()
    );
    let catalog = loaded.catalog.expect("a valid catalog");
    let planned = plan(&catalog, live, &PlanOptions::default())
        .map_err(|d| TestCaseError::fail(format!("cannot plan: {}", short(&d))))?;
    prop_assert!(
        planned.actions.is_empty(),
        "an exported account plans changes: {:#?}\n{}",
        planned.actions,
        text()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn an_exported_account_plans_nothing_whatever_shape_its_values_take(
        collections in collections(),
        options in Just(OPTIONS.to_vec()).prop_shuffle(),
        members in Just(vec!["a-text", "a-number", "a-bool", "a-date", "a-list"]).prop_shuffle(),
    ) {
        exported_plan(&account(collections, options, members))?;
    }
}

/// The order of a list, a pick list's options and a group's members is
/// what the account holds, so a reordering in the catalog is a change.
#[test]
fn order_is_data() {
    let live = account(
        vec![json!({"id": "c0", "name": "Boot", "attributes": [
            {"id": "a-list", "value": ["Vibram outsole", "Gusseted tongue", "Resoleable"]},
        ]})],
        vec!["Red", "Blue", "Green", "Black"],
        vec!["a-list", "a-text"],
    );
    let exported = export(&live, &ExportOptions::default()).unwrap();
    let all = exported
        .files
        .values()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let features = all.find("Vibram outsole").expect("the list is exported");
    assert!(
        features < all.find("Gusseted tongue").unwrap()
            && all.find("Gusseted tongue").unwrap() < all.find("Resoleable").unwrap(),
        "exported in the account's order:\n{all}"
    );
    // Reversed in the catalog: each one is a change to send.
    let reordered: std::collections::BTreeMap<String, String> = exported
        .files
        .iter()
        .map(|(path, text)| {
            let text = text
                .replace("Vibram outsole", "@1")
                .replace("Resoleable", "Vibram outsole")
                .replace("@1", "Resoleable")
                .replace("- Red", "- @r")
                .replace("- Blue", "- Red")
                .replace("- @r", "- Blue");
            (path.clone(), text)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &reordered).unwrap();
    let catalog = pxmctl::catalog::load(dir.path()).catalog.expect("valid");
    let planned = plan(&catalog, &live, &PlanOptions::default()).unwrap();
    let fields: Vec<String> = planned
        .actions
        .iter()
        .flat_map(|a| {
            a.changes
                .iter()
                .map(|c| format!("{}.{}", a.kind.ident(), c.field))
        })
        .collect();
    assert!(
        fields.contains(&"collection.attributes.features".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"attribute.options".to_owned()),
        "{fields:?}"
    );
}
