//! Golden files for every diagnostic output format, from one catalog with
//! problems of several kinds across two files.

use pxmctl::render::diagnostics::{self, TextStyle};

const A: &str = "\
# yaml-language-server: $schema=../schemas/catalog.schema.json
attributes:
  color: { name: Color, type: pick_list, options: [Red, Blue] }
categories:
  apparel: { name: Apparel }
collections:
  jacket:
    name: Jacket
    type: parent
    category: aparel
  jacket-m:
    name: Jacket M
    type: variant
    parent: jacket
    attributes: { color: Bleu }
    published: true
";

const B: &str = "\
categories:
  apparel: { name: Apparel again }
collections:
  boot: { name: Boot, colour: red }
";

fn load() -> (tempfile::TempDir, pxmctl::catalog::Loaded) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.yaml"), A).expect("write a");
    std::fs::write(dir.path().join("b.yaml"), B).expect("write b");
    let loaded = pxmctl::catalog::load(dir.path());
    (dir, loaded)
}

fn masked(text: &str, dir: &tempfile::TempDir) -> String {
    text.replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn text() {
    let (dir, loaded) = load();
    let style = TextStyle {
        color: false,
        unicode: true,
        width: 100,
    };
    let text = diagnostics::text(&loaded.diagnostics, &loaded.sources, style);
    insta::assert_snapshot!(masked(&text, &dir));
}

#[test]
fn short() {
    let (dir, loaded) = load();
    insta::assert_snapshot!(masked(&diagnostics::short(&loaded.diagnostics), &dir));
}

#[test]
fn json() {
    let (dir, loaded) = load();
    let text = diagnostics::json::<()>(&loaded.diagnostics, None);
    insta::assert_snapshot!(masked(&text, &dir));
}
