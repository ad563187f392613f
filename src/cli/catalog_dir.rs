//! Which catalog directory a command works on when none is named: like
//! cargo finding `Cargo.toml`, from the current directory upward, the
//! first directory holding `pxmctl.yaml`, or holding a `catalog/`
//! directory. A directory named on the command line is used as given
//! (`cli::main` calls this only for a defaulted argument).

use std::path::{Path, PathBuf};

/// What every command's catalog argument defaults to.
pub(super) const DEFAULT: &str = "catalog";

/// The defaulted `given`, unless no such directory is here: then the
/// nearest catalog upward, if any.
#[must_use]
pub(super) fn locate(given: &Path) -> PathBuf {
    if given.exists() {
        return given.to_path_buf();
    }
    let Ok(here) = std::env::current_dir() else {
        return given.to_path_buf();
    };
    found_from(&here).unwrap_or_else(|| given.to_path_buf())
}

fn found_from(here: &Path) -> Option<PathBuf> {
    here.ancestors().find_map(|dir| {
        if dir.join(crate::config::FILE_NAME).is_file() {
            Some(relative(here, dir))
        } else if dir.join(DEFAULT).is_dir() {
            Some(relative(here, &dir.join(DEFAULT)))
        } else {
            None
        }
    })
}

/// `dir` as the user would write it from `here` (`.`, `..`, `../catalog`),
/// so messages name it readably.
fn relative(here: &Path, dir: &Path) -> PathBuf {
    let mut up = PathBuf::new();
    for ancestor in here.ancestors() {
        if let Ok(rest) = dir.strip_prefix(ancestor) {
            // `join("")` would add a trailing `/`.
            let path = if rest.as_os_str().is_empty() {
                up
            } else {
                up.join(rest)
            };
            return if path.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                path
            };
        }
        up.push("..");
    }
    dir.to_path_buf()
}

/// What to say when there is no catalog at `dir`.
#[must_use]
pub(super) fn missing(dir: &Path) -> String {
    format!(
        "no catalog directory `{}` here or above: run pxmctl inside a catalog (a directory with `pxmctl.yaml`) or beside a `catalog/` directory, name it (`pxmctl plan path/to/catalog`, or `-C path/to/repo`), or start one with `pxmctl init`",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_catalog_upward_is_found_and_named_relative() {
        let root = tempfile::tempdir().expect("temp dir");
        let repo = root.path().join("repo");
        let catalog = repo.join("catalog");
        let deep = catalog.join("collections/more");
        std::fs::create_dir_all(&deep).expect("dirs");
        std::fs::write(catalog.join("pxmctl.yaml"), "").expect("settings");
        assert_eq!(found_from(&deep), Some(PathBuf::from("../..")));
        assert_eq!(found_from(&catalog), Some(PathBuf::from(".")));
        assert_eq!(found_from(&repo), Some(PathBuf::from("catalog")));
        // Without settings, a `catalog/` directory beside or above.
        std::fs::remove_file(catalog.join("pxmctl.yaml")).expect("rm");
        assert_eq!(found_from(&deep), Some(PathBuf::from("../..")));
    }
}
