//! One catalog, two accounts: ids belong to one account, so `export`
//! pins only what the account it reads cannot tell apart, for that
//! environment, and the same catalog plans cleanly against another
//! account holding the same objects under other ids.
#![allow(clippy::unwrap_used)]

use crate::support::cli::{pxmctl, text};
use crate::support::served::Served;

use std::path::Path;

use pxmctl::sandbox::Seed;
use serde_json::json;

/// The same account, its ids prefixed with `prefix`: two Aurora kettles
/// share a name in one category (only their ids tell them apart).
fn seed(prefix: &str) -> Seed {
    let id = |s: &str| format!("{prefix}{s}");
    Seed::from_json(
        &json!({
            "regions": [{"id": id("r1"), "name": "Global", "is_primary": true}],
            "categories": [
                {"id": id("k1"), "name": "Kitchen"},
                {"id": id("k2"), "name": "Kettles", "parent_id": id("k1")}
            ],
            "collections": [
                {"id": id("c1"), "name": "Aurora", "parent_id": id("k2"), "additional_title": "AUR-1"},
                {"id": id("c2"), "name": "Boreal", "parent_id": id("k2")},
                {"id": id("c3"), "name": "Twin", "parent_id": id("k2")},
                {"id": id("c4"), "name": "Twin", "parent_id": id("k2")}
            ]
        })
        .to_string(),
        "test",
    )
    .unwrap()
}

struct Accounts {
    production: Served,
    staging: Served,
}

impl Accounts {
    fn start() -> Self {
        Self::with_staging(seed("stg-"))
    }

    fn with_staging(staging: Seed) -> Self {
        Self {
            production: Served::start(seed("prod-")),
            staging: Served::start(staging),
        }
    }

    /// `pxmctl.yaml` naming both, and the variables holding their secrets.
    fn configure(&self, dir: &Path) -> Vec<(String, String)> {
        let env = |name: &str, s: &Served| {
            format!(
                "  {name}:\n    base_url: {}\n    client_id: {}\n    client_secret_env: {}_SECRET\n",
                s.sandbox().base_url(),
                s.sandbox().client_id(),
                name.to_uppercase()
            )
        };
        std::fs::write(
            dir.join("pxmctl.yaml"),
            format!(
                "default_environment: staging\nenvironments:\n{}{}",
                env("production", &self.production),
                env("staging", &self.staging)
            ),
        )
        .unwrap();
        vec![
            (
                "PRODUCTION_SECRET".into(),
                self.production.sandbox().client_secret().into(),
            ),
            (
                "STAGING_SECRET".into(),
                self.staging.sandbox().client_secret().into(),
            ),
            ("PXM_TOKEN_CACHE".into(), "off".into()),
        ]
    }
}

fn run(dir: &Path, env: &[(String, String)], code: i32, args: &[&str]) -> String {
    let o = pxmctl(dir, env, args);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "pxmctl {}\n{t}",
        args.join(" ")
    );
    t
}

#[test]
fn an_export_of_one_account_plans_clean_against_another_and_both_converge() {
    let accounts = Accounts::start();
    let dir = tempfile::tempdir().unwrap();
    let env = accounts.configure(dir.path());
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::rename(dir.path().join("pxmctl.yaml"), catalog.join("pxmctl.yaml")).unwrap();
    let c = catalog.to_str().unwrap();

    run(
        dir.path(),
        &env,
        0,
        &["export", "--env", "production", "--out", c, "--force"],
    );
    let collections = std::fs::read_to_string(catalog.join("collections/kitchen.yaml")).unwrap();
    // Only the twins are pinned, for production, with the reason above.
    assert_eq!(collections.matches("    id:\n").count(), 2, "{collections}");
    assert!(
        collections.contains("id:\n      production: prod-c3"),
        "{collections}"
    );
    assert!(
        collections.contains("# pxmctl: pinned: another live collection in environment `production` has the same sku, or name and place"),
        "{collections}"
    );
    assert!(!collections.contains("prod-c1"), "{collections}");

    // Production: the export's own account, no changes.
    run(
        dir.path(),
        &env,
        0,
        &["plan", c, "--env", "production", "--detailed-exitcode"],
    );

    // Staging holds the same objects under other ids: only the twins, which
    // nothing but an id tells apart, need a pin for staging, and the
    // error says which to write.
    let t = run(dir.path(), &env, 1, &["plan", c, "--env", "staging"]);
    assert!(!t.contains("vanished-id"), "{t}");
    assert!(t.contains("ambiguous-match"), "{t}");
    assert!(t.contains("id: { staging: \"stg-c3\" }"), "{t}");
    let pinned = collections
        .replace(
            "production: prod-c3",
            "production: prod-c3\n      staging: stg-c3",
        )
        .replace(
            "production: prod-c4",
            "production: prod-c4\n      staging: stg-c4",
        );
    std::fs::write(catalog.join("collections/kitchen.yaml"), &pinned).unwrap();
    let t = run(
        dir.path(),
        &env,
        0,
        &["plan", c, "--env", "staging", "--detailed-exitcode"],
    );
    assert!(t.contains("No changes."), "{t}");
    // Exported again from production over it, staging's pins stay.
    run(
        dir.path(),
        &env,
        0,
        &["export", "--env", "production", "--out", c, "--force"],
    );
    let again = std::fs::read_to_string(catalog.join("collections/kitchen.yaml")).unwrap();
    assert!(again.contains("staging: stg-c3"), "{again}");
    assert!(again.contains("production: prod-c3"), "{again}");
    run(
        dir.path(),
        &env,
        0,
        &["plan", c, "--env", "staging", "--detailed-exitcode"],
    );
    run(
        dir.path(),
        &env,
        0,
        &["plan", c, "--env", "production", "--detailed-exitcode"],
    );

    // A change goes to staging first, then to production: both converge.
    let changed = pinned.replace(
        "name: Boreal\n",
        "name: Boreal Kettle\n    renamed_from: Boreal\n",
    );
    assert_ne!(changed, pinned, "{pinned}");
    std::fs::write(catalog.join("collections/kitchen.yaml"), &changed).unwrap();
    for account in ["staging", "production"] {
        let t = run(
            dir.path(),
            &env,
            0,
            &["apply", c, "--env", account, "--auto-approve"],
        );
        assert!(t.contains("1 done"), "{account}: {t}");
        run(
            dir.path(),
            &env,
            0,
            &["plan", c, "--env", account, "--detailed-exitcode"],
        );
    }
    for served in [&accounts.staging, &accounts.production] {
        assert_eq!(served.objects("collection"), 4, "nothing created twice");
    }
}

#[test]
fn a_mass_deletion_needs_a_second_yes_naming_how_many() {
    let accounts = Accounts::start();
    let dir = tempfile::tempdir().unwrap();
    let env = accounts.configure(dir.path());
    // Production allows 2 deletions per apply, staging the file's 10.
    let config = std::fs::read_to_string(dir.path().join("pxmctl.yaml")).unwrap();
    let config = config
        .replace(
            "default_environment: staging\n",
            "default_environment: staging\nmax_deletes: 10\n",
        )
        .replace(
            "client_secret_env: PRODUCTION_SECRET\n",
            "client_secret_env: PRODUCTION_SECRET\n    max_deletes: 2\n",
        );
    std::fs::write(dir.path().join("pxmctl.yaml"), config).unwrap();
    // Only Aurora is kept: the other three collections are pruned.
    std::fs::write(
        dir.path().join("catalog.yaml"),
        "prune: [collections]\nregions:\n  global: { name: Global }\ncategories:\n  kitchen: { name: Kitchen }\n  kettles: { name: Kettles, parent: kitchen }\ncollections:\n  aurora: { name: Aurora, category: kettles, sku: AUR-1 }\n",
    )
    .unwrap();
    let d = dir.path();

    let t = run(d, &env, 0, &["plan", ".", "--env", "staging"]);
    assert!(t.contains("3 to destroy (within max_deletes 10)."), "{t}");
    let t = run(d, &env, 0, &["plan", ".", "--env", "production"]);
    assert!(
        t.contains("3 deletions exceed max_deletes (2): apply needs `--allow-deletes 3`."),
        "{t}"
    );
    let json = pxmctl(
        d,
        &env,
        &["plan", ".", "--env", "production", "--format", "json"],
    );
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["summary"]["max_deletes"], 2, "{plan}");
    assert_eq!(plan["summary"]["delete"], 3, "{plan}");

    let t = run(
        d,
        &env,
        1,
        &["apply", ".", "--env", "production", "--auto-approve"],
    );
    assert!(
        t.contains("the plan deletes or retires 3 objects, more than `max_deletes` (2) for environment `production` allows; nothing was applied"),
        "{t}"
    );
    assert!(t.contains("`--allow-deletes 3`"), "{t}");
    // A saved plan whose summary was edited to hide the deletions is
    // counted from its actions all the same.
    run(
        d,
        &env,
        0,
        &["plan", ".", "--env", "production", "--out", "plan.json"],
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("plan.json")).unwrap()).unwrap();
    let mut hidden = saved.clone();
    hidden["plan"]["summary"]["delete"] = json!(0);
    std::fs::write(d.join("plan.json"), hidden.to_string()).unwrap();
    let t = run(
        d,
        &env,
        1,
        &[
            "apply",
            "plan.json",
            "--catalog",
            ".",
            "--env",
            "production",
        ],
    );
    assert!(t.contains("the plan deletes or retires 3 objects"), "{t}");
    std::fs::remove_file(d.join("plan.json")).unwrap();
    let t = run(
        d,
        &env,
        1,
        &[
            "apply",
            ".",
            "--env",
            "production",
            "--auto-approve",
            "--allow-deletes",
            "2",
        ],
    );
    assert!(t.contains("(`--allow-deletes 2` allows fewer)"), "{t}");
    assert_eq!(
        accounts.production.objects("collection"),
        4,
        "nothing deleted"
    );

    run(
        d,
        &env,
        0,
        &[
            "apply",
            ".",
            "--env",
            "production",
            "--auto-approve",
            "--allow-deletes",
            "3",
        ],
    );
    assert_eq!(accounts.production.objects("collection"), 1);
    // Within staging's limit, no second yes is asked for.
    run(
        d,
        &env,
        0,
        &["apply", ".", "--env", "staging", "--auto-approve"],
    );
    assert_eq!(accounts.staging.objects("collection"), 1);
}

#[test]
fn one_run_plans_every_environment_named() {
    // Staging lacks Boreal, which production has.
    let mut staging = seed("stg-");
    staging.collections.remove(1);
    let accounts = Accounts::with_staging(staging);
    let dir = tempfile::tempdir().unwrap();
    let env = accounts.configure(dir.path());
    let d = dir.path();
    run(
        d,
        &env,
        0,
        &["export", "--env", "production", "--out", ".", "--force"],
    );
    let both = ["--env", "staging", "--env", "production"];
    // The twins need their staging pins (see above); planned anyway, the
    // staging plan fails and production's still shows.
    let args = [&["plan", ".", "--format", "markdown"][..], &both].concat();
    let t = run(d, &env, 1, &args);
    assert!(
        t.contains("### pxmctl plan (staging)\n\n**The plan failed**"),
        "{t}"
    );
    assert!(t.contains("(production)"), "{t}");

    let kitchen = d.join("collections/kitchen.yaml");
    let pinned = std::fs::read_to_string(&kitchen)
        .unwrap()
        .replace(
            "production: prod-c3",
            "production: prod-c3\n      staging: stg-c3",
        )
        .replace(
            "production: prod-c4",
            "production: prod-c4\n      staging: stg-c4",
        );
    std::fs::write(&kitchen, pinned).unwrap();
    let args = [&["plan", ".", "--detailed-exitcode"][..], &both].concat();
    let t = run(d, &env, 2, &args);
    let staging = t.find("=== Environment `staging` ===").expect(&t);
    let production = t.find("=== Environment `production` ===").expect(&t);
    assert!(staging < production, "{t}");
    assert!(t[staging..production].contains("will be created"), "{t}");
    assert!(t[production..].contains("No changes."), "{t}");

    let args = [&["plan", ".", "--format", "json"][..], &both].concat();
    let o = pxmctl(d, &env, &args);
    let docs: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let named: Vec<&str> = docs
        .iter()
        .map(|d| d["environment"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["staging", "production"]);

    let args = [&["plan", ".", "--out", "plan.json"][..], &both].concat();
    let t = run(d, &env, 1, &args);
    assert!(t.contains("a saved plan is for one environment"), "{t}");
}

#[test]
fn two_accounts_are_compared_in_catalog_terms() {
    // Staging: Boreal renamed, a new collection and a region production
    // lacks; production: an old collection staging dropped.
    let staging = Seed::from_json(
        &json!({
            "regions": [
                {"id": "s-r1", "name": "Global", "is_primary": true},
                {"id": "s-r2", "name": "Nordics"}
            ],
            "categories": [
                {"id": "s-k1", "name": "Kitchen"},
                {"id": "s-k2", "name": "Kettles", "parent_id": "s-k1"}
            ],
            "collections": [
                {"id": "s-c1", "name": "Aurora", "parent_id": "s-k2", "additional_title": "AUR-1"},
                {"id": "s-c2", "name": "Aurora", "parent_id": "s-k2", "additional_title": "AUR-2"},
                {"id": "s-c5", "name": "Comet", "parent_id": "s-k2", "region_ids": ["s-r2"]}
            ]
        })
        .to_string(),
        "test",
    )
    .unwrap();
    let production = Seed::from_json(
        &json!({
            "regions": [{"id": "p-r1", "name": "Global", "is_primary": true}],
            "categories": [
                {"id": "p-k1", "name": "Kitchen"},
                {"id": "p-k2", "name": "Kettles", "parent_id": "p-k1"}
            ],
            "collections": [
                {"id": "p-c1", "name": "Aurora", "parent_id": "p-k2", "additional_title": "AUR-1"},
                {"id": "p-c2", "name": "Aurora Mk2", "parent_id": "p-k2", "additional_title": "AUR-2"},
                {"id": "p-c9", "name": "Old \u{1b}[31mkettle", "parent_id": "p-k2"}
            ]
        })
        .to_string(),
        "test",
    )
    .unwrap();
    let accounts = Accounts {
        production: Served::start(production),
        staging: Served::start(staging),
    };
    let dir = tempfile::tempdir().unwrap();
    let env = accounts.configure(dir.path());
    let d = dir.path();

    let o = pxmctl(
        d,
        &env,
        &["compare", "staging", "production", "--catalog", "."],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    let only_staging = t.find("Only in `staging` (2):").expect(&t);
    let only_production = t.find("Only in `production` (1):").expect(&t);
    let different = t.find("Different (1):").expect(&t);
    assert!(
        only_staging < only_production && only_production < different,
        "{t}"
    );
    assert!(
        t[only_staging..only_production].contains("region \"Nordics\""),
        "{t}"
    );
    assert!(
        t[only_staging..only_production].contains("collection.comet (Comet)"),
        "{t}"
    );
    // Account text is escaped, never passed to the terminal raw.
    assert!(
        t[only_production..different].contains("Old \\u{1b}[31mkettle"),
        "{t}"
    );
    assert!(!t.contains('\u{1b}'), "{t}");
    assert!(
        t[different..].contains("name: \"Aurora\" in `staging`, \"Aurora Mk2\" in `production`"),
        "{t}"
    );
    assert!(
        t.contains("2 only in `staging`, 1 only in `production`, 1 different."),
        "{t}"
    );
    // Nothing was written to either account.
    assert_eq!(accounts.production.objects("collection"), 3);
    assert_eq!(accounts.staging.objects("collection"), 3);

    // The other way round, the region production lacks is only in the
    // second account: listed, though no plan would delete a region.
    let o = pxmctl(
        d,
        &env,
        &["compare", "production", "staging", "--catalog", "."],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    let only_staging = t.find("Only in `staging` (").expect(&t);
    assert!(t[only_staging..].contains("region \"Nordics\""), "{t}");

    let o = pxmctl(
        d,
        &env,
        &["compare", "staging", "staging", "--catalog", "."],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn a_pin_for_an_environment_nobody_defined_is_a_warning() {
    let accounts = Accounts::start();
    let dir = tempfile::tempdir().unwrap();
    let env = accounts.configure(dir.path());
    std::fs::write(
        dir.path().join("catalog.yaml"),
        "regions:\n  global: { name: Global }\ncategories:\n  kitchen: { name: Kitchen, id: { prodution: prod-k1 } }\n",
    )
    .unwrap();
    let t = run(dir.path(), &env, 0, &["plan", ".", "--env", "production"]);
    assert!(
        t.contains("the catalog pins ids for environment `prodution`, which pxmctl.yaml does not define, so those pins are never used; did you mean `production`?"),
        "{t}"
    );
}
