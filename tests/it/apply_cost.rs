//! What a change costs in API requests, counted from the sandbox's
//! per-route stats: an update of fields the catalog owns outright is one
//! PUT (no GET first), and it keeps what the UI changed meanwhile in the
//! fields the catalog does not own.
#![allow(clippy::unwrap_used)]

use crate::cli_support;

use cli_support::Run;
use pxmctl::sandbox::{Readings, Seed};
use serde_json::json;

#[test]
fn a_scalar_only_update_is_one_put_and_keeps_a_ui_edit() {
    let obj = |v: serde_json::Value| v.as_object().unwrap().clone();
    let mut seed = Seed::default();
    seed.categories
        .push(obj(json!({"id": "k1", "name": "Kettles"})));
    seed.collections.push(obj(
        json!({"id": "c1", "name": "Aurora", "parent_id": "k1"}),
    ));
    let catalog = "\
categories:
  kettles: { name: Kettles }
collections:
  aurora: { name: Aurora Kettle, category: kettles, renamed_from: Aurora }
";
    let run = Run::new(seed, Readings::default(), &[("c.yaml", catalog.as_bytes())]);
    run.expect(2, &["plan", "--detailed-exitcode", "--out", "plan.json"]);
    // Someone edits a field the catalog does not own, after the plan.
    let sandbox = run.sandbox();
    run.served.block_on(async {
        let r = crate::sandbox_support::client()
            .put(sandbox.url("/v2.1/collection/c1"))
            .bearer_auth(sandbox.access_token())
            .json(&json!({"additional_title": "SET-IN-UI"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    let gets = || run.count("GET /v2.1/collection/{id}");
    let puts = || run.count("PUT /v2.1/collection/{id}");
    let (gets_before, puts_before) = (gets(), puts());
    run.expect(0, &["apply", "--auto-approve"]);
    assert_eq!(gets() - gets_before, 0, "no GET before the PUT");
    assert_eq!(puts() - puts_before, 1, "one PUT");
    let live = run.get("/v2.1/collection/c1");
    assert_eq!(live["name"], "Aurora Kettle");
    assert_eq!(live["additional_title"], "SET-IN-UI", "the UI edit is kept");
    run.expect(0, &["plan", "--detailed-exitcode"]);
}
