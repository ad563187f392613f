//! What a change costs in API requests, counted from the sandbox's
//! per-route stats: an update of fields the catalog owns outright is one
//! PUT (no GET first), and it keeps what the UI changed meanwhile in the
//! fields the catalog does not own.
#![allow(clippy::unwrap_used)]

use crate::support::assets::png;
use crate::support::run::Run;
use crate::support::seed::obj;

use pxmctl::sandbox::{Readings, Seed};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_scalar_only_update_is_one_put_and_keeps_a_ui_edit() {
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
    run.served.call(
        Method::PUT,
        "/v2.1/collection/c1",
        Some(json!({"additional_title": "SET-IN-UI"})),
    );
    let gets = || run.requests_to("GET /v2.1/collection/{id}");
    let puts = || run.requests_to("PUT /v2.1/collection/{id}");
    let (gets_before, puts_before) = (gets(), puts());
    run.expect(0, &["apply", "--auto-approve"]);
    assert_eq!(gets() - gets_before, 0, "no GET before the PUT");
    assert_eq!(puts() - puts_before, 1, "one PUT");
    let live = run.get("/v2.1/collection/c1");
    assert_eq!(live["name"], "Aurora Kettle");
    assert_eq!(live["additional_title"], "SET-IN-UI", "the UI edit is kept");
    run.expect(0, &["plan", "--detailed-exitcode"]);
}

/// API requests an apply sent for its actions: every write and every
/// by-id read, less the lock's own create and delete and the snapshot's
/// list reads. Object-store PUTs are not API requests (no token, no rate
/// limit) and are not counted.
fn action_requests(run: &Run) -> u64 {
    let stats = run.sandbox().stats();
    let mut n: u64 = stats
        .requests
        .iter()
        .filter(|(route, _)| {
            let (method, path) = route.split_once(' ').unwrap_or(("", route));
            let list_read = method == "GET" && !path.contains('{');
            !list_read && !path.contains("oauth") && !path.starts_with("/_")
        })
        .flat_map(|(_, by_status)| by_status.values())
        .sum();
    // Each apply that wrote took and released the lock.
    n -= 2 * stats
        .requests
        .get("DELETE /v2.1/attribute/{id}")
        .map_or(0, |s| s.values().sum());
    n
}

/// The requests one apply of `catalog` against `seed` costs, with files
/// `assets`.
fn cost(seed: Seed, catalog: &str, assets: &[(&str, &[u8])]) -> u64 {
    let mut files = vec![("c.yaml", catalog.as_bytes())];
    files.extend_from_slice(assets);
    let run = Run::new(seed, Readings::default(), &files);
    let before = action_requests(&run);
    run.expect(0, &["apply", "--auto-approve"]);
    let spent = action_requests(&run) - before;
    run.expect(0, &["plan", "--detailed-exitcode"]);
    spent
}

#[test]
fn what_each_kind_of_change_costs() {
    let base = || {
        let mut seed = Seed::default();
        seed.attributes.push(obj(
            json!({"id": "h", "name": "pxmctl_sha256", "type": "Text"}),
        ));
        seed.attributes
            .push(obj(json!({"id": "a1", "name": "Material", "type": "Text"})));
        seed.categories
            .push(obj(json!({"id": "k1", "name": "Kettles"})));
        seed.categories
            .push(obj(json!({"id": "k2", "name": "Sale"})));
        seed.collections
            .push(obj(json!({"id": "c1", "name": "Aurora", "parent_id": "k1",
            "attributes": [{"id": "a1", "value": "Steel"}]})));
        seed
    };
    let image = png(2000, 1);
    let with_file = |bytes: &[u8], collections: &[&str]| {
        let mut seed = base();
        let sha = pxmctl::catalog::hashes::sha256(bytes).unwrap().0;
        seed.files.push(obj(json!({"id": "f1", "file_name": "hero.png", "content_base64":
            base64_of(bytes), "collections": collections, "attributes": [{"id": "h", "value": sha}]})));
        seed
    };
    let head = "attributes:\n  material: { name: Material, type: text }\ncategories:\n  kettles: { name: Kettles }\n  sale: { name: Sale }\n";
    let aurora = |extra: &str| {
        format!("collections:\n  aurora: {{ name: Aurora, category: kettles{extra} }}\n")
    };
    let cases: Vec<(&str, u64, u64)> = vec![
        (
            "create",
            1,
            cost(
                base(),
                &format!("{head}{}  new: {{ name: New }}\n", aurora("")),
                &[],
            ),
        ),
        (
            "scalar-only update",
            1,
            cost(
                base(),
                &format!(
                    "{head}{}",
                    aurora(", renamed_from: Aurora")
                        .replace("name: Aurora,", "name: Aurora Kettle,")
                ),
                &[],
            ),
        ),
        (
            "update of a replace-on-PUT array",
            2,
            cost(
                base(),
                &format!("{head}{}", aurora(", also_in: [sale]")),
                &[],
            ),
        ),
        (
            "one attribute value",
            1,
            cost(
                base(),
                &format!(
                    "{head}collections:\n  aurora:\n    name: Aurora\n    category: kettles\n    attributes: {{ material: Copper }}\n"
                ),
                &[],
            ),
        ),
        (
            "new asset",
            3,
            cost(
                base(),
                &format!("{head}{}files:\n  hero: {{ path: hero.png }}\n", aurora("")),
                &[("hero.png", &image)],
            ),
        ),
        (
            "replaced asset",
            3,
            cost(
                with_file(&png(2000, 2), &[]),
                &format!("{head}{}files:\n  hero: {{ path: hero.png }}\n", aurora("")),
                &[("hero.png", &image)],
            ),
        ),
        (
            "link change",
            2,
            cost(
                with_file(&image, &[]),
                &format!(
                    "{head}{}files:\n  hero: {{ path: hero.png, collections: [aurora] }}\n",
                    aurora("")
                ),
                &[("hero.png", &image)],
            ),
        ),
        (
            "delete",
            1,
            cost(
                base(),
                &format!("prune: [categories]\n{head}{}", aurora(""))
                    .replace("  sale: { name: Sale }\n", ""),
                &[],
            ),
        ),
    ];
    let table: Vec<String> = cases
        .iter()
        .map(|(what, _, got)| format!("| {what} | {got} |"))
        .collect();
    for (what, expected, got) in &cases {
        assert_eq!(
            got,
            expected,
            "{what}\n| change | requests |\n{}",
            table.join("\n")
        );
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
