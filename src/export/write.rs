//! Putting an export on disk: what the output directory already holds
//! (so the CLI can refuse to mix a new export into an existing catalog),
//! and writing each file atomically (a temporary file beside it, synced,
//! then renamed), so an interrupted export never leaves half a file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::ExportError;
use super::asset_names::ASSETS_DIR;

/// What an output directory holds that an export could overwrite or
/// contradict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// Catalog YAML files (every `*.yaml`/`*.yml` but `pxmctl.yaml`,
    /// outside hidden directories), relative to the directory, sorted.
    pub catalog_files: Vec<PathBuf>,
    /// Files under `assets/`.
    pub assets: usize,
}

impl Existing {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.catalog_files.is_empty() && self.assets == 0
    }
}

/// Looks at `dir`; a directory that does not exist holds nothing.
///
/// # Errors
///
/// [`ExportError::Io`] when `dir` exists but cannot be read, or is not a
/// directory.
pub fn existing(dir: &Path) -> Result<Existing, ExportError> {
    let io = |path: &Path, source| ExportError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    };
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::default()),
        Err(e) => return Err(io(dir, e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        Ok(_) => {}
    }
    let mut found = Existing::default();
    for entry in crate::catalog::load::walk(dir) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            io(&path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if relative.starts_with(ASSETS_DIR) {
            found.assets += 1;
        } else if crate::catalog::load::is_catalog_yaml(&entry.file_name().to_string_lossy()) {
            found.catalog_files.push(relative.to_path_buf());
        }
    }
    found.catalog_files.sort_unstable();
    Ok(found)
}

/// What [`write_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Files written, relative to the directory.
    pub files: usize,
    /// Of those, files that replaced an existing one.
    pub replaced: Vec<String>,
}

/// Writes each file (path relative to `dir` → contents) atomically,
/// creating directories as needed. Files already there are replaced;
/// nothing else in `dir` is touched.
///
/// # Errors
///
/// [`ExportError::Io`] naming the path that failed; files written before
/// it stay written.
pub fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<Written, ExportError> {
    let mut written = Written::default();
    for (relative, text) in files {
        let path = dir.join(relative);
        if path.exists() {
            written.replaced.push(relative.clone());
        }
        write_atomic(&path, text.as_bytes())?;
        written.files += 1;
    }
    Ok(written)
}

/// Writes `bytes` to `path` through a temporary file in the same
/// directory, synced before it is renamed over `path`.
///
/// # Errors
///
/// [`ExportError::Io`] naming `path` (or its directory).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let parent = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(parent).map_err(|source| ExportError::Io {
        action: "create directory",
        path: parent.to_path_buf(),
        source,
    })?;
    crate::atomic_file::write(path, bytes).map_err(|source| ExportError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

pub use crate::atomic_file::temp_path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_catalog_yaml_and_assets_but_not_settings_or_hidden_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        assert!(existing(&root.join("missing")).expect("reads").is_empty());
        fs::write(root.join("pxmctl.yaml"), "environments: {}\n").expect("write");
        fs::create_dir_all(root.join(".git")).expect("mkdir");
        fs::write(root.join(".git/x.yaml"), "").expect("write");
        fs::write(root.join("catalog.schema.json"), "{}").expect("write");
        assert!(existing(root).expect("reads").is_empty());
        fs::create_dir_all(root.join("collections")).expect("mkdir");
        fs::write(root.join("collections/a.yml"), "").expect("write");
        fs::create_dir_all(root.join("assets")).expect("mkdir");
        fs::write(root.join("assets/hero.jpg"), "x").expect("write");
        let found = existing(root).expect("reads");
        assert_eq!(found.catalog_files, [PathBuf::from("collections/a.yml")]);
        assert_eq!(found.assets, 1);
    }

    #[test]
    fn writes_replace_atomically_and_say_what_they_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = BTreeMap::from([
            ("a.yaml".to_owned(), "one\n".to_owned()),
            ("sub/b.yaml".to_owned(), "two\n".to_owned()),
        ]);
        let first = write_files(dir.path(), &files).expect("writes");
        assert_eq!((first.files, first.replaced.len()), (2, 0));
        let again = write_files(dir.path(), &files).expect("writes");
        assert_eq!(again.replaced, ["a.yaml", "sub/b.yaml"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("sub/b.yaml")).expect("read"),
            "two\n"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
