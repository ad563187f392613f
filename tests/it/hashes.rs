//! Asset hashes: correct digests, the cache in `.pxmctl/` that spares a
//! second read of unchanged files, and no escape from the catalog.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use pxmctl::catalog::hashes::{STATE_DIR, hash_assets};

fn age(path: &std::path::Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn a_second_hash_of_unchanged_files_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/a.bin"), b"abc").unwrap();
    std::fs::write(dir.path().join("assets/b.bin"), vec![7u8; 3 << 20]).unwrap();
    for f in ["assets/a.bin", "assets/b.bin"] {
        age(&dir.path().join(f));
    }
    let paths = ["assets/a.bin", "assets/b.bin"];
    let first = hash_assets(dir.path(), paths, true).unwrap();
    assert_eq!(
        first.by_path["assets/a.bin"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!((first.bytes_read, first.cached), (3 + (3 << 20), 0));
    assert!(dir.path().join(STATE_DIR).join("hashes.json").is_file());

    let second = hash_assets(dir.path(), paths, true).unwrap();
    assert_eq!((second.bytes_read, second.cached), (0, 2));
    assert_eq!(second.by_path, first.by_path);

    // Same size, new bytes, new modification time: read again.
    std::fs::write(dir.path().join("assets/a.bin"), b"abd").unwrap();
    let third = hash_assets(dir.path(), paths, true).unwrap();
    assert_eq!((third.bytes_read, third.cached), (3, 1));
    assert_ne!(third.by_path["assets/a.bin"], first.by_path["assets/a.bin"]);

    // Without the cache everything is read.
    let uncached = hash_assets(dir.path(), paths, false).unwrap();
    assert_eq!(uncached.cached, 0);
}

#[test]
fn a_file_modified_right_after_hashing_is_not_trusted_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.bin"), b"one").unwrap();
    hash_assets(dir.path(), ["a.bin"], true).unwrap();
    // Modified within the clock's granularity of the hash: the same
    // mtime could hide new bytes, so the entry is read again.
    let again = hash_assets(dir.path(), ["a.bin"], true).unwrap();
    assert_eq!(again.cached, 0);
}

#[test]
fn assets_outside_the_catalog_cannot_be_hashed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"x").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link")).unwrap();
    for path in ["link", "../secret", "/etc/hostname"] {
        let e = hash_assets(dir.path(), [path], false).unwrap_err();
        assert!(e.to_string().contains(path), "{e}");
    }
}

/// The smallest PNG header `infer` recognises, padded to `len` bytes.
fn zero_padded_png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(len, 0);
    bytes
}

#[test]
fn validation_trusts_the_cache_only_while_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("assets")).unwrap();
    std::fs::write(
        root.join("catalog.yaml"),
        "files:\n  hero: { path: assets/hero.png }\n",
    )
    .unwrap();
    let hero = root.join("assets/hero.png");
    std::fs::write(&hero, zero_padded_png(64)).unwrap();
    age(&hero);
    let codes = |root: &std::path::Path| -> Vec<String> {
        pxmctl::catalog::load(root)
            .diagnostics
            .iter()
            .map(|d| format!("{:?}", d.code))
            .collect()
    };
    assert!(codes(root).is_empty());
    let warm = hash_assets(root, ["assets/hero.png"], true).unwrap();
    assert_eq!(warm.cached, 0);
    // Warm: the type comes from the cache, and agrees.
    assert!(codes(root).is_empty());

    // JPEG bytes behind the same size and modification time fool the
    // cache, as they would fool the hash; `--no-hash-cache` (load_with
    // false) reads the file.
    let mut jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec();
    jpeg.resize(64, 0);
    let stamp = std::fs::metadata(&hero).unwrap().modified().unwrap();
    std::fs::write(&hero, &jpeg).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&hero)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    assert!(codes(root).is_empty(), "the cache was not used");
    let fresh: Vec<String> = pxmctl::catalog::load_with(root, false)
        .diagnostics
        .iter()
        .map(|d| format!("{:?}", d.code))
        .collect();
    assert_eq!(fresh, ["AssetTypeMismatch"]);

    // Written again: a new stamp, so the file is sniffed again.
    std::fs::write(&hero, &jpeg).unwrap();
    assert_eq!(codes(root), ["AssetTypeMismatch"]);

    // A symlink out of the catalog in its place is refused, cache or not.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("hero.png"), zero_padded_png(64)).unwrap();
    std::fs::remove_file(&hero).unwrap();
    std::os::unix::fs::symlink(outside.path().join("hero.png"), &hero).unwrap();
    assert_eq!(codes(root), ["AssetOutsideCatalog"]);
}
