//! Messages a new user meets in the first hour, as they read.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{pxmctl, text};
use crate::support::run::Run;

use pxmctl::sandbox::{Readings, Seed};

#[test]
fn an_api_that_is_not_there_is_named_with_what_to_check() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog.yaml"),
        "categories:\n  gear: { name: Gear }\n",
    )
    .unwrap();
    let env = vec![
        (
            "PXM_BASE_URL".to_owned(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("PXM_CLIENT_ID".to_owned(), "demo".to_owned()),
        ("PXM_CLIENT_SECRET".to_owned(), "s3cret-of-mine".to_owned()),
        ("PXM_TOKEN_CACHE".to_owned(), "off".to_owned()),
    ];
    let o = pxmctl(dir.path(), &env, &["plan", "."]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("cannot reach the API at http://127.0.0.1:{port}")),
        "{t}"
    );
    assert!(
        t.contains("check `base_url` (pxmctl.yaml, or PXM_BASE_URL)"),
        "{t}"
    );
    assert!(t.contains("pxmctl sandbox --listen"), "{t}");
    assert!(!t.contains("s3cret-of-mine"), "{t}");
}

#[test]
fn counts_are_singular_for_one_and_quiet_apply_prints_only_the_summary() {
    let run = Run::new(
        Seed::with_regions(["Global"]),
        Readings::default(),
        &[(
            "catalog.yaml",
            b"regions:\n  global: { name: Global }\ncategories:\n  gear: { name: Gear }\n",
        )],
    );
    let t = run.expect(0, &["validate"]);
    assert!(t.contains("1 category, 1 region"), "{t}");
    let t = run.expect(0, &["apply", "--auto-approve", "-q"]);
    assert!(t.contains("Apply complete! 1 done"), "{t}");
    assert!(!t.contains("read "), "{t}");
    assert!(!t.contains("will be created"), "{t}");
}

#[test]
fn plan_summary_prints_counts_and_addresses_only() {
    let run = Run::new(
        Seed::with_regions(["Global"]),
        Readings::default(),
        &[(
            "catalog.yaml",
            b"regions:\n  global: { name: Global }\ncategories:\n  gear: { name: Gear }\n  tents: { name: Tents, parent: gear }\n",
        )],
    );
    let t = run.expect(0, &["plan", "--summary"]);
    assert!(t.contains("  + category.gear\n  + category.tents\n"), "{t}");
    assert!(
        t.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{t}"
    );
    assert!(!t.contains("will be created"), "{t}");
    assert!(!t.contains("name"), "{t}");
    let o = run.pxmctl(&["plan", "catalog", "--summary", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_protected_entry_whose_object_a_prune_would_delete_stops_the_plan() {
    let seed = Seed::from_json(
        &serde_json::json!({
            "regions": [{"id": "r1", "name": "Global", "is_primary": true}],
            "categories": [{"id": "k1", "name": "Kettles"}],
            "collections": [{"id": "c1", "name": "Aurora Kettle", "parent_id": "k1"}]
        })
        .to_string(),
        "test",
    )
    .unwrap();
    // Renamed in the UI: "Aurora Kettle" is what the catalog calls "Aurora".
    let catalog = |protect: &str| {
        format!(
            "prune: [collections]\nregions:\n  global: {{ name: Global }}\ncategories:\n  kettles: {{ name: Kettles }}\ncollections:\n  aurora: {{ name: Aurora, category: kettles{protect} }}\n"
        )
    };
    let run = Run::new(
        seed,
        Readings::default(),
        &[("catalog.yaml", catalog(", protect: true").as_bytes())],
    );
    let t = run.expect(1, &["plan"]);
    assert!(t.contains("protected"), "{t}");
    assert!(
        t.contains("error[protected]: collection `aurora` is protected"),
        "{t}"
    );
    assert!(
        t.contains("delete live collection c1 \"Aurora Kettle\""),
        "{t}"
    );
    assert!(t.contains("add `renamed_from: Aurora Kettle`"), "{t}");
    // Unprotected, the same plan is shown, with the rename note.
    run.write("catalog.yaml", catalog("").as_bytes());
    let t = run.expect(0, &["plan"]);
    assert!(t.contains("will be deleted"), "{t}");
    assert!(t.contains("renamed_from: Aurora Kettle"), "{t}");
}

#[test]
fn verbose_is_offered_only_where_there_are_requests_to_log() {
    let dir = tempfile::tempdir().unwrap();
    for (command, offered) in [
        ("validate", false),
        ("init", false),
        ("schema", false),
        ("completions", false),
        ("plan", true),
        ("apply", true),
        ("status", true),
        ("export", true),
        ("compare", true),
        ("unlock", true),
        ("sandbox", true),
    ] {
        let o = pxmctl(dir.path(), &[], &[command, "--help"]);
        assert!(o.status.success(), "{command}: {}", text(&o));
        assert_eq!(text(&o).contains("--verbose"), offered, "{command} --help");
    }
}
