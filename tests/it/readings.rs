//! pxmctl against the other reading of every question the guides leave
//! open (`Readings`): each test runs the real binary against a sandbox
//! serving that reading. The main branch before this work took the
//! paths each test now guards against (read from its code, not run).
//!
//! 1. the file list carries no attribute values: a same-size change is
//!    still uploaded, and a warm plan reads no file's values again;
//! 2. pages are capped below the `limit` asked for: nothing is created twice;
//! 3. a confirmed file answers 404 while it is processed: its hash is recorded;
//! 4. dates are typed: a lost confirm is found through a date-only filter,
//!    and publishing dates go out as date-times;
//! 5. order is data: a list goes out in the catalog's order;
//! 6. there is no file delete: a pruned file is retired, visibly, and stays so;
//! 7. `on_conflict: skip` leaves the live file's bytes on every plan.
#![allow(clippy::unwrap_used)]

use crate::support::assets::png;
use crate::support::run::Run;
use crate::support::seed::obj;

use std::time::Duration;

use pxmctl::sandbox::{Readings, Seed};
use serde_json::json;

const ONE_FILE: &str = "\
collections:
  tent: { name: Tent }
files:
  hero:
    path: hero.png
    collections: [tent]
";

/// The hash recorded on file `id`, read from the attribute endpoint.
fn recorded(run: &Run, id: &str) -> Option<String> {
    let values = run.get(&format!("/v2.1/attribute/file/{id}"));
    values
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "pxmctl_sha256")
        .and_then(|v| v["value"].as_str().map(str::to_owned))
}

#[test]
fn without_values_in_the_file_list_a_same_size_change_is_uploaded() {
    let readings = Readings {
        file_list_values: false,
        ..Readings::default()
    };
    let run = Run::new(
        Seed::default(),
        readings,
        &[("c.yaml", ONE_FILE.as_bytes()), ("hero.png", &png(5000, 1))],
    );
    run.expect(0, &["apply", "--auto-approve"]);
    let files = run.files();
    assert!(files[0].get("attributes").is_none(), "the reading is on");
    let id = files[0]["id"].as_str().unwrap().to_owned();
    assert!(recorded(&run, &id).is_some());

    // Unchanged: nothing to do; the values are read once, then cached.
    let reads = || run.requests_to("GET /v2.1/attribute/{entity}/{id}");
    let before = reads();
    let first = run.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(
        first.contains("1 file(s) were read one by one (0 from the cache)"),
        "{first}"
    );
    assert_eq!(reads(), before + 1);
    let warm = run.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(
        warm.contains("0 file(s) were read one by one (1 from the cache)"),
        "{warm}"
    );
    assert_eq!(reads(), before + 1, "a warm plan reads no file's values");

    // Same size, new bytes: the recorded hash tells.
    run.write("hero.png", &png(5000, 2));
    let changed = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(changed.contains("content changed: sha256"), "{changed}");
    run.expect(0, &["apply", "--auto-approve"]);
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn capped_pages_are_read_to_the_end_and_nothing_is_created_twice() {
    let mut seed = Seed::default();
    let mut yaml = String::from("collections:\n");
    for i in 0..12 {
        seed.collections.push(obj(
            json!({"id": format!("c{i}"), "name": format!("Product {i}")}),
        ));
        yaml.push_str(&format!("  p{i}: {{ name: Product {i} }}\n"));
    }
    let readings = Readings {
        page_cap: Some(5),
        ..Readings::default()
    };
    let run = Run::new(seed, readings, &[("c.yaml", yaml.as_bytes())]);
    // pxmctl asks for pages of 100; the server answers 5 at a time.
    let plan = run.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("No changes"), "{plan}");
    run.expect(0, &["apply", "--auto-approve"]);
    assert_eq!(run.served.objects("collection"), 12, "no duplicate");
}

#[test]
fn a_confirmed_file_still_processing_gets_its_hash_recorded() {
    let readings = Readings {
        processing_delay: Duration::from_millis(1500),
        ..Readings::default()
    };
    let run = Run::new(
        Seed::default(),
        readings,
        &[("c.yaml", ONE_FILE.as_bytes()), ("hero.png", &png(4000, 3))],
    );
    let apply = run.expect(0, &["apply", "--auto-approve"]);
    assert!(apply.contains("sha256"), "{apply}");
    let id = run.files()[0]["id"].as_str().unwrap().to_owned();
    assert!(recorded(&run, &id).is_some(), "the hash is recorded");
    assert!(
        run.requests_to("PUT /v2.1/attribute/{entity}/{id}/{attribute_id}") >= 2,
        "the first hash PUT met a file still processing"
    );
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn with_typed_dates_a_lost_confirm_is_found_and_publishing_goes_out_as_date_times() {
    let readings = Readings {
        strict_dates: true,
        ..Readings::default()
    };
    let catalog = "\
collections:
  tent: { name: Tent, published: { start: 2026-03-01 } }
files:
  hero:
    path: hero.png
    collections: [tent]
    published: { start: 2026-03-01 }
";
    let run = Run::new(
        Seed::default(),
        readings,
        &[("c.yaml", catalog.as_bytes()), ("hero.png", &png(3000, 4))],
    );
    // The first confirm is applied and its answer lost.
    run.script(
        json!({"action": "lost_answer", "count": 1, "route": "POST /v3/file/confirm-upload"}),
    );
    run.expect(0, &["apply", "--auto-approve"]);
    let stats = run.sandbox().stats();
    assert_eq!(stats.faults.get("lost_answer"), Some(&1), "{stats:?}");
    assert_eq!(
        stats.count("POST /v3/file/confirm-upload", "dropped"),
        1,
        "{stats:?}"
    );
    assert_eq!(run.files().len(), 1, "found, not uploaded twice");
    assert!(
        stats.count("GET /v2.1/file", "200") > 1,
        "the lookup listed the files"
    );
    let collections = run.get("/v2.1/collection");
    assert_eq!(
        collections["collections"][0]["published_start_date"],
        "2026-03-01T00:00:00Z"
    );
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn a_list_goes_out_in_the_catalogs_order() {
    let catalog = "\
attributes:
  features: { name: Features, type: list }
collections:
  boot:
    name: Trail Boot
    attributes:
      features: [Vibram outsole, Gusseted tongue, Resoleable]
";
    let run = Run::new(
        Seed::default(),
        Readings::default(),
        &[("c.yaml", catalog.as_bytes())],
    );
    run.expect(0, &["apply", "--auto-approve"]);
    let collection = &run.get("/v2.1/collection")["collections"][0];
    let value = collection["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "Features")
        .unwrap()["value"]
        .clone();
    assert_eq!(
        value,
        json!(["Vibram outsole", "Gusseted tongue", "Resoleable"])
    );
    let reordered = catalog.replace(
        "[Vibram outsole, Gusseted tongue, Resoleable]",
        "[Resoleable, Vibram outsole, Gusseted tongue]",
    );
    run.write("c.yaml", reordered.as_bytes());
    let plan = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("attributes.features"), "{plan}");
}

#[test]
fn without_a_file_delete_a_pruned_file_is_retired_and_stays_retired() {
    let mut seed = Seed::default();
    seed.collections
        .push(obj(json!({"id": "ui", "name": "Made in the UI"})));
    seed.files.push(obj(json!({
        "id": "old", "file_name": "old.png", "size": 10, "collections": ["ui"],
        "published": true, "published_start_date": "2026-01-01T00:00:00Z",
    })));
    let readings = Readings {
        file_delete: false,
        ..Readings::default()
    };
    let run = Run::new(
        seed,
        readings,
        &[(
            "c.yaml",
            b"prune: [files]\ncollections:\n  tent: { name: Tent }\n",
        )],
    );
    let plan = run.expect(3, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("will be retired"), "{plan}");
    assert!(plan.contains("to retire"), "{plan}");
    run.expect(0, &["apply", "--auto-approve"]);
    let file = run.get("/v2.1/file/old");
    assert_eq!(file["collections"], json!([]));
    assert_eq!(file["published"], json!(false));
    assert_eq!(
        run.requests_to("DELETE /v2.1/file/{id}"),
        0,
        "no file delete was sent"
    );
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn on_conflict_skip_leaves_the_live_bytes_on_every_plan() {
    let mut seed = Seed::default();
    seed.files.push(obj(
        json!({"id": "theirs", "file_name": "hero.png", "content": "made elsewhere"}),
    ));
    let catalog = "\
files:
  hero:
    path: hero.png
    on_conflict: skip
";
    let run = Run::new(
        seed,
        Readings::default(),
        &[("c.yaml", catalog.as_bytes()), ("hero.png", &png(2000, 5))],
    );
    // The first plan creates the hash attribute; neither uploads.
    for code in [2, 0] {
        let plan = run.expect(code, &["plan", "--detailed-exitcode"]);
        assert!(plan.contains("on_conflict: skip"), "{plan}");
        run.expect(0, &["apply", "--auto-approve"]);
    }
    assert_eq!(
        run.requests_to("POST /v3/file/request-upload"),
        0,
        "never uploaded"
    );
    assert_eq!(run.get("/v2.1/file/theirs")["size"], json!(14));
}
