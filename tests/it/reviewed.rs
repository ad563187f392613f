//! Nothing applied that was not reviewed, and no silent no-op: `--target`
//! takes the addresses a plan prints, and one that names nothing is an
//! error with a did-you-mean.
#![allow(clippy::unwrap_used)]

use crate::support::cli;
use crate::support::files::{copy_dir, repo};
use crate::support::requests::writes;
use crate::support::run::Run;
use crate::support::seed::obj;

use pxmctl::sandbox::{Readings, Seed};

/// The demo catalog against an account holding its regions.
fn demo() -> Run {
    let catalog = pxmctl::catalog::load(&repo("catalog")).catalog.unwrap();
    let seed = Seed::with_regions(catalog.regions.values().map(|r| r.value.name.as_str()));
    let run = Run::new(seed, Readings::default(), &[]);
    copy_dir(&repo("catalog"), &run.work.path().join("catalog"));
    run
}

#[test]
fn a_target_takes_the_address_the_plan_prints() {
    let run = demo();
    let full = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(full.contains("# collection.trail-boot "), "{full}");
    for address in [
        "collection.trail-boot",
        "collections.trail-boot",
        "trail-boot",
    ] {
        let plan = run.expect(2, &["plan", "--detailed-exitcode", "--target", address]);
        assert!(
            plan.contains("# collection.trail-boot "),
            "{address}: {plan}"
        );
        assert!(
            !plan.contains("# collection.storm-shell "),
            "{address}: only the target and what it needs: {plan}"
        );
    }
    let applied = run.expect(
        0,
        &[
            "apply",
            "--auto-approve",
            "--target",
            "collection.trail-boot",
        ],
    );
    assert!(applied.contains("Apply complete!"), "{applied}");
    assert!(!applied.contains("No changes"), "{applied}");
}

#[test]
fn a_target_that_names_nothing_is_an_error_with_a_did_you_mean() {
    let run = demo();
    let out = run.expect(1, &["plan", "--target", "collection.trail-bot"]);
    assert!(out.contains("names no entry of the catalog"), "{out}");
    assert!(
        out.contains("did you mean `collection.trail-boot`?"),
        "{out}"
    );
    // The right key under another kind names nothing either.
    let wrong_kind = run.expect(
        1,
        &["apply", "--auto-approve", "--target", "files.trail-boot"],
    );
    assert!(wrong_kind.contains("names no entry"), "{wrong_kind}");
    assert_eq!(run.served.objects("collection"), 0, "nothing was written");
}

/// The demo, applied, then one change planned and saved to `plan.json`.
fn saved_change() -> (Run, serde_json::Value) {
    let run = demo();
    run.expect(0, &["apply", "--auto-approve"]);
    let products = run.work.path().join("catalog/products/footwear.yaml");
    let text = std::fs::read_to_string(&products).unwrap();
    std::fs::write(
        &products,
        text.replacen(
            "name: Ridgeline Trail Boot",
            "name: Ridgeline Trail Boot II",
            1,
        ),
    )
    .unwrap();
    run.expect(2, &["plan", "--detailed-exitcode", "--out", "plan.json"]);
    let saved = std::fs::read_to_string(run.work.path().join("plan.json")).unwrap();
    (run, serde_json::from_str(&saved).unwrap())
}

fn apply_saved(run: &Run, saved: &serde_json::Value) -> String {
    std::fs::write(
        run.work.path().join("plan.json"),
        serde_json::to_string_pretty(saved).unwrap(),
    )
    .unwrap();
    let out = run.pxmctl(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", cli::text(&out));
    cli::text(&out)
}

#[test]
fn a_saved_plan_runs_only_as_it_was_made() {
    let (run, saved) = saved_change();
    assert_eq!(
        saved["plan"]["actions"].as_array().unwrap().len(),
        1,
        "{saved}"
    );
    let writes = || writes(run.sandbox());
    let before = writes();
    let victim = run.get("/v2.1/collection?limit=100")["collections"][0].clone();
    let id = victim["id"].as_str().unwrap().to_owned();

    // An added deletion of a managed collection.
    let mut added = saved.clone();
    added["plan"]["actions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "kind": "collection", "op": "delete", "key": format!("id:{id}"), "id": id, "title": "x",
        }));
    let out = apply_saved(&run, &added);
    assert!(out.contains("nothing was applied"), "{out}");
    assert!(
        out.contains(&format!(
            "it has an action pxmctl does not plan: will be deleted `collection.id:{id}`"
        )),
        "{out}"
    );

    // An edited change.
    let mut edited = saved.clone();
    edited["plan"]["actions"][0]["changes"][0]["after"] = serde_json::json!("Something else");
    let out = apply_saved(&run, &edited);
    assert!(out.contains("was edited"), "{out}");

    // A removed action: the plan pxmctl makes has it.
    let mut removed = saved.clone();
    removed["plan"]["actions"] = serde_json::json!([]);
    let out = apply_saved(&run, &removed);
    assert!(out.contains("it lacks an action pxmctl plans"), "{out}");

    // Made for another account at the same URL.
    let mut other = saved.clone();
    other["account"] = serde_json::json!("0123456789abcdef01234567");
    let out = apply_saved(&run, &other);
    assert!(out.contains("made for another account"), "{out}");

    assert_eq!(writes(), before, "nothing was written");
    run.get(&format!("/v2.1/collection/{id}"));

    // As made, it applies.
    std::fs::write(
        run.work.path().join("plan.json"),
        serde_json::to_string_pretty(&saved).unwrap(),
    )
    .unwrap();
    let out = run.pxmctl(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", cli::text(&out));
}

/// `pxmctl status` with a token cache in `cache` and this secret.
fn status(run: &Run, cache: &std::path::Path, secret: &str) -> std::process::Output {
    let mut env: Vec<(String, String)> = run
        .served
        .env()
        .into_iter()
        .filter(|(k, _)| k != "PXM_TOKEN_CACHE" && k != "PXM_CLIENT_SECRET")
        .collect();
    env.push(("PXM_TOKEN_CACHE".into(), cache.display().to_string()));
    env.push(("PXM_CLIENT_SECRET".into(), secret.into()));
    cli::pxmctl(run.work.path(), &env, &["status", "catalog"])
}

#[test]
fn a_cached_token_does_not_vouch_for_a_wrong_secret() {
    let run = demo();
    let cache = run.work.path().join("tokens");
    let right = run.served.sandbox().client_secret().to_owned();
    let first = status(&run, &cache, &right);
    assert_eq!(first.status.code(), Some(0), "{}", cli::text(&first));
    assert!(
        std::fs::read_dir(&cache).unwrap().count() > 0,
        "a token was cached"
    );
    let wrong = status(&run, &cache, "not-the-secret");
    assert_ne!(wrong.status.code(), Some(0), "{}", cli::text(&wrong));
    assert!(!cli::text(&wrong).contains("credentials work"));
}

fn validate(dir: &std::path::Path) -> (Option<i32>, String) {
    let out = cli::pxmctl(dir, &[], &["validate", "--format", "short", "catalog"]);
    (out.status.code(), cli::text(&out))
}

#[test]
fn a_symlink_inside_the_catalog_is_followed_and_one_leading_out_is_an_error() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(catalog.join("real")).unwrap();
    std::fs::write(
        catalog.join("real/products.yaml"),
        "collections:\n  tent: { name: Tent }\n",
    )
    .unwrap();
    // A linked file and a linked folder inside the catalog are loaded.
    std::os::unix::fs::symlink("real", catalog.join("more")).unwrap();
    std::fs::write(
        work.path().join("elsewhere.yaml"),
        "categories:\n  out: { name: Out }\n",
    )
    .unwrap();
    std::fs::create_dir_all(catalog.join("shared")).unwrap();
    std::fs::write(
        catalog.join("shared/regions.yaml.src"),
        "regions:\n  us: { name: United States }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("shared/regions.yaml.src", catalog.join("regions.yaml")).unwrap();
    let out = cli::pxmctl(work.path(), &[], &["validate", "catalog"]);
    let text = cli::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 region"), "the linked file is read: {text}");

    // One leading out is an error naming it, not a silent omission.
    std::os::unix::fs::symlink("../elsewhere.yaml", catalog.join("outside.yaml")).unwrap();
    let (code, out) = validate(work.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("outside.yaml` is a symlink to"), "{out}");
    assert!(out.contains("outside the catalog directory"), "{out}");
}

#[test]
fn anything_named_yaml_that_is_not_a_file_is_an_error() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(catalog.join("products.yaml")).unwrap();
    std::fs::write(
        catalog.join("c.yaml"),
        "collections:\n  tent: { name: Tent }\n",
    )
    .unwrap();
    let (code, out) = validate(work.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("products.yaml` is a directory"), "{out}");
    let fifo = catalog.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (_, out) = validate(work.path());
    assert!(out.contains("pipe.yaml` is not a regular file"), "{out}");
}

#[test]
fn an_unknown_section_is_one_error_and_the_files_other_sections_still_load() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join("c.yaml"),
        "foo: {}\ncategories:\n  jackets: { name: Jackets }\ncollections:\n  tent: { name: Tent, category: jackets }\n",
    )
    .unwrap();
    let (code, out) = validate(work.path());
    assert_eq!(code, Some(1), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].contains("foo"), "{out}");
}

#[test]
fn a_rename_without_renamed_from_is_a_note_naming_both() {
    let mut seed = Seed::default();
    seed.categories
        .push(obj(serde_json::json!({"id": "k1", "name": "Kettles"})));
    seed.collections.push(obj(serde_json::json!({
        "id": "c1", "name": "Aurora Kettle", "collection_type": "parent", "parent_id": "k1",
    })));
    let catalog = "\
categories:
  kettles: { name: Kettles }
collections:
  aurora:
    name: Aurora Kettle Pro
    type: parent
    category: kettles
";
    let run = Run::new(seed, Readings::default(), &[("c.yaml", catalog.as_bytes())]);
    let plan = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("will be created"), "{plan}");
    assert!(
        plan.contains(
            "live collection c1 \"Aurora Kettle\" in the same place is matched by no entry"
        ),
        "{plan}"
    );
    assert!(plan.contains("renamed_from: Aurora Kettle"), "{plan}");
    // Declared, it is a rename: no create, no note.
    run.write(
        "c.yaml",
        catalog
            .replace(
                "    type: parent\n",
                "    type: parent\n    renamed_from: Aurora Kettle\n",
            )
            .as_bytes(),
    );
    let renamed = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(renamed.contains("renamed from"), "{renamed}");
    assert!(!renamed.contains("will be created"), "{renamed}");
    assert!(!renamed.contains("matched by no entry"), "{renamed}");
}

#[test]
fn syntax_errors_and_odd_keys_point_at_their_place_in_every_format() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join("c.yaml"),
        "collections:\n  tent: { name: Tent\n  other: x\n",
    )
    .unwrap();
    let text = cli::text(&cli::pxmctl(work.path(), &[], &["validate", "catalog"]));
    assert!(
        text.contains("c.yaml:3:8]"),
        "the snippet is at the error: {text}"
    );
    assert!(text.contains(" 3 |   other: x"), "{text}");
    let (_, short) = validate(work.path());
    assert!(short.contains("c.yaml:3:8: error[yaml-syntax]"), "{short}");

    std::fs::write(
        catalog.join("c.yaml"),
        "collections:\n  tent: { name: Tent }\n7: x\n",
    )
    .unwrap();
    let (_, short) = validate(work.path());
    assert!(
        short.contains("c.yaml:3:1: error[unknown-field]: unknown section `7`"),
        "{short}"
    );
}

#[test]
fn a_token_in_a_url_and_an_unknown_fields_value_are_never_shown() {
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join("c.yaml"),
        "collections:\n  tent: { name: Tent }\n",
    )
    .unwrap();
    std::fs::write(
        catalog.join("pxmctl.yaml"),
        "environments:\n  prod:\n    base_url: https://entapi.example/?access_token=TOKENCANARY\n    private_key: KEYCANARY\n",
    )
    .unwrap();
    let out = cli::pxmctl(work.path(), &[], &["status", "--env", "prod", "catalog"]);
    let text = cli::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("private_key"), "the field is named: {text}");
    assert!(text.contains("query string"), "{text}");
    assert!(
        !text.contains("TOKENCANARY") && !text.contains("KEYCANARY"),
        "{text}"
    );

    std::fs::remove_file(catalog.join("pxmctl.yaml")).unwrap();
    let env = [
        (
            "PXM_BASE_URL".to_owned(),
            "https://entapi.example/?access_token=TOKENCANARY".to_owned(),
        ),
        ("PXM_CLIENT_ID".to_owned(), "id".to_owned()),
        ("PXM_CLIENT_SECRET".to_owned(), "secret".to_owned()),
    ];
    let out = cli::pxmctl(work.path(), &env, &["status", "catalog"]);
    let text = cli::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("PXM_BASE_URL"), "{text}");
    assert!(!text.contains("TOKENCANARY"), "{text}");
}

#[test]
fn a_refused_secret_names_the_variable_the_environment_reads() {
    let run = demo();
    std::fs::write(
        run.work.path().join("catalog/pxmctl.yaml"),
        format!(
            "environments:\n  sandbox:\n    base_url: {}\n    client_secret_env: MY_SANDBOX_SECRET\n",
            run.served.sandbox().base_url()
        ),
    )
    .unwrap();
    let env = [
        ("PXM_TOKEN_CACHE".to_owned(), "off".to_owned()),
        (
            "PXM_CLIENT_ID".to_owned(),
            run.served.sandbox().client_id().to_owned(),
        ),
        ("MY_SANDBOX_SECRET".to_owned(), "wrong".to_owned()),
    ];
    let out = cli::pxmctl(
        run.work.path(),
        &env,
        &["status", "--env", "sandbox", "catalog"],
    );
    let text = cli::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("check the client id and secret (`PXM_CLIENT_ID` and `MY_SANDBOX_SECRET`)"),
        "{text}"
    );
}

#[test]
fn status_lists_the_live_regions() {
    let run = demo();
    let out = run.expect(0, &["status"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("regions"))
        .unwrap_or_else(|| panic!("no regions line: {out}"));
    for name in ["Global", "United States", "Europe"] {
        assert!(line.contains(name), "{line}");
    }
    assert!(line.contains("(primary)"), "{line}");
}
