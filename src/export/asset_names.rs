//! Where a downloaded asset goes: `assets/<name>`, the PXM file name made
//! safe to write (no `/`, `\`, `..`, control or reserved characters, no
//! leading dot) and unique even on a case-insensitive file system.

use std::collections::HashSet;

use super::keys::slug;

/// The directory assets are written to, relative to the catalog.
pub const ASSETS_DIR: &str = "assets";

/// The longest file name written (most file systems allow 255 bytes).
const NAME_MAX: usize = 200;

/// Why a file cannot be given a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// A `.yaml`/`.yml` asset would be read as a catalog file.
    CatalogExtension,
}

/// Hands out unique asset paths.
#[derive(Debug, Default)]
pub(super) struct AssetNames {
    /// Lower-cased names already handed out.
    taken: HashSet<String>,
}

impl AssetNames {
    /// `assets/<safe name>` for a live file, unique among the names handed
    /// out so far. `id` names a file whose name gives nothing usable.
    pub(super) fn path_for(&mut self, file_name: &str, id: &str) -> Result<String, Refusal> {
        let id_stem = match slug(id) {
            s if s.is_empty() => "file".to_owned(),
            s => format!("file-{s}"),
        };
        let trimmed = file_name.trim();
        // `.png` is an extension without a name: give it one.
        let base = if trimmed.starts_with('.') {
            format!("{id_stem}{trimmed}")
        } else {
            trimmed.to_owned()
        };
        let safe = match sanitise(&base) {
            s if s.is_empty() => id_stem,
            s => s,
        };
        let lower = safe.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            return Err(Refusal::CatalogExtension);
        }
        let (stem, ext) = (stem_of(&safe), extension_of(&safe));
        let name = std::iter::once(safe.clone())
            .chain((2..).map(|n| format!("{stem}-{n}{ext}")))
            .find(|candidate| self.taken.insert(candidate.to_lowercase()))
            .unwrap_or(safe);
        Ok(format!("{ASSETS_DIR}/{name}"))
    }
}

/// A file name safe to create: separators, control and reserved characters
/// become `-`, `..` becomes `.`, no leading dots or spaces, no trailing
/// dots or spaces, at most [`NAME_MAX`] bytes with the extension kept.
#[must_use]
pub fn sanitise(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '-'
            } else {
                c
            }
        })
        .collect();
    while out.contains("..") {
        out = out.replace("..", ".");
    }
    let out = out
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_owned();
    if out.len() <= NAME_MAX {
        return out;
    }
    let ext = extension_of(&out);
    let mut stem_len = NAME_MAX.saturating_sub(ext.len());
    while !out.is_char_boundary(stem_len) {
        stem_len -= 1;
    }
    format!("{}{ext}", &out[..stem_len])
}

/// The name without its extension.
fn stem_of(name: &str) -> &str {
    &name[..name.len() - extension_of(name).len()]
}

/// `.jpg` of `hero.jpg`; empty without an extension.
fn extension_of(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 16 => &name[i..],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(sanitise("hero.jpg"), "hero.jpg");
        assert_eq!(sanitise("../../etc/passwd"), "-.-etc-passwd");
        assert_eq!(sanitise("a\\b/c.png"), "a-b-c.png");
        assert_eq!(sanitise(".hidden"), "hidden");
        assert_eq!(sanitise("tab\there.pdf. "), "tab-here.pdf");
        assert_eq!(sanitise("what?.jpg"), "what-.jpg");
        let long = sanitise(&format!("{}.jpeg", "x".repeat(300)));
        assert!(long.len() <= NAME_MAX && long.ends_with(".jpeg"), "{long}");
    }

    #[test]
    fn paths_are_unique_ignoring_case_and_never_yaml() {
        let mut names = AssetNames::default();
        assert_eq!(
            names.path_for("Hero.jpg", "1").as_deref(),
            Ok("assets/Hero.jpg")
        );
        assert_eq!(
            names.path_for("hero.JPG", "2").as_deref(),
            Ok("assets/hero-2.JPG")
        );
        assert_eq!(
            names.path_for("hero.jpg", "3").as_deref(),
            Ok("assets/hero-3.jpg")
        );
        assert_eq!(names.path_for("...", "4").as_deref(), Ok("assets/file-4"));
        assert_eq!(
            names.path_for(".png", "5").as_deref(),
            Ok("assets/file-5.png")
        );
        assert_eq!(
            names.path_for("spec.yaml", "6"),
            Err(Refusal::CatalogExtension)
        );
    }
}
