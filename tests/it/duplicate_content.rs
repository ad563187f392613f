//! The same bytes twice: two entries whose assets are identical are a
//! validation warning naming both, and a new asset whose bytes are already
//! live in another file is noted (`if_duplicate: upload`, the default),
//! takes that file over (`reuse`) or stops the plan (`reject`). With the
//! file list carrying no values too, where the recorded hashes are read
//! per file.
#![allow(clippy::unwrap_used)]

use crate::support::run::Run;
use crate::support::seed::obj;

use pxmctl::sandbox::{Readings, Seed};
use serde_json::json;

const BYTES: &str = "Care guide: wash cold, hang dry.\n";

/// An account holding `BYTES` as `care-old.txt`, its hash recorded the
/// way pxmctl records it.
fn account() -> Seed {
    let sha = pxmctl::catalog::hashes::sha256(BYTES.as_bytes()).unwrap().0;
    let mut seed = Seed::default();
    seed.attributes.push(obj(
        json!({"id": "h", "name": "pxmctl_sha256", "type": "Text"}),
    ));
    seed.collections
        .push(obj(json!({"id": "tent", "name": "Tent"})));
    seed.files.push(obj(json!({
        "id": "old", "file_name": "care-old.txt", "content": BYTES,
        "attributes": [{"id": "h", "value": sha}],
    })));
    seed
}

fn catalog(if_duplicate: &str) -> String {
    format!(
        "collections:\n  tent: {{ name: Tent }}\nfiles:\n  care:\n    path: care.txt\n    collections: [tent]\n{if_duplicate}"
    )
}

fn run(if_duplicate: &str, readings: Readings) -> Run {
    Run::new(
        account(),
        readings,
        &[
            ("c.yaml", catalog(if_duplicate).as_bytes()),
            ("care.txt", BYTES.as_bytes()),
        ],
    )
}

#[test]
fn two_entries_with_the_same_bytes_are_a_warning_naming_both() {
    let yaml = "files:\n  a:\n    path: a.txt\n  b:\n    path: b.txt\n  c:\n    path: c.txt\n";
    let run = Run::new(
        Seed::default(),
        Readings::default(),
        &[
            ("c.yaml", yaml.as_bytes()),
            ("a.txt", b"same bytes\n"),
            ("b.txt", b"same bytes\n"),
            ("c.txt", b"other byte\n"),
        ],
    );
    let out = run.expect(0, &["validate", "--format", "short"]);
    assert!(out.contains("warning[duplicate-content]"), "{out}");
    assert!(
        out.contains("file `b` (`b.txt`) has the same bytes as file `a` (`a.txt`)"),
        "{out}"
    );
    assert!(!out.contains("`c`"), "{out}");
    let plan = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("has the same bytes as file `a`"), "{plan}");
}

#[test]
fn a_copy_of_live_bytes_is_noted_and_uploaded_by_default() {
    let run = run("", Readings::default());
    let plan = run.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(
        plan.contains("duplicate: the bytes of `care.txt`"),
        "{plan}"
    );
    assert!(
        plan.contains("already live as file old (`care-old.txt`)"),
        "{plan}"
    );
    assert!(plan.contains("will be uploaded"), "{plan}");
}

#[test]
fn if_duplicate_reuse_takes_the_live_file_over() {
    for readings in [
        Readings::default(),
        Readings {
            file_list_values: false,
            ..Readings::default()
        },
    ] {
        let run = run("    if_duplicate: reuse\n", readings);
        let plan = run.expect(2, &["plan", "--detailed-exitcode"]);
        assert!(plan.contains("reused: the bytes of `care.txt`"), "{plan}");
        assert!(!plan.contains("will be uploaded"), "{plan}");
        run.expect(0, &["apply", "--auto-approve"]);
        let file = run.get("/v2.1/file/old");
        assert_eq!(file["file_name"], "care.txt", "renamed to the entry's name");
        assert_eq!(file["collections"], json!([{"id": "tent"}]));
        assert_eq!(
            run.requests_to("POST /v3/file/request-upload"),
            0,
            "no copy"
        );
        assert_eq!(run.files().len(), 1);
        run.expect(0, &["plan", "--detailed-exitcode"]);
    }
}

#[test]
fn if_duplicate_reject_stops_the_plan_with_the_live_file_named() {
    let run = run("    if_duplicate: reject\n", Readings::default());
    let out = run.expect(1, &["plan"]);
    assert!(out.contains("duplicate-content"), "{out}");
    assert!(
        out.contains("`if_duplicate: reject` refuses a copy"),
        "{out}"
    );
    assert!(out.contains("name: care-old.txt"), "{out}");
}

#[test]
fn account_text_in_notes_is_escaped_in_every_format() {
    let sha = pxmctl::catalog::hashes::sha256(BYTES.as_bytes()).unwrap().0;
    let mut seed = account();
    seed.files[0].insert(
        "file_name".into(),
        json!("\u{1b}[31mred\u{1b}]0;pwned\u{7}\u{202e}txt.exe"),
    );
    seed.files[0].insert("attributes".into(), json!([{"id": "h", "value": sha}]));
    let run = Run::new(
        seed,
        Readings::default(),
        &[
            ("c.yaml", catalog("").as_bytes()),
            ("care.txt", BYTES.as_bytes()),
        ],
    );
    for format in ["text", "markdown", "json"] {
        let out = run.pxmctl(&["plan", "catalog", "--format", format]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(stdout.contains("duplicate:"), "{format}: {stdout}");
        // JSON carries the exact text, with control characters escaped
        // as JSON escapes them; the human formats escape bidi overrides too.
        let raw: &[char] = if format == "json" {
            &['\u{1b}', '\u{7}']
        } else {
            &['\u{1b}', '\u{7}', '\u{202e}']
        };
        for c in raw {
            assert!(!stdout.contains(*c), "{format}: raw {c:?} in {stdout}");
        }
    }
}
