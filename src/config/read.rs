//! Finding and reading the settings file of a catalog directory: the only
//! file I/O in `config`. `pxmctl.yml` is read like `pxmctl.yaml` (the
//! catalog loader skips both), but not both at once.

use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;

use super::error::ConfigError;
use super::file::ConfigFile;
use super::{ALT_FILE_NAME, FILE_NAME};
use crate::diag::{Code, Diagnostic, Diagnostics, Location, Sources};

impl ConfigFile {
    /// Reads and checks `<catalog_dir>/pxmctl.yaml` (or `pxmctl.yml`);
    /// `None` when there is neither.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] when the file exists but cannot be read,
    /// [`ConfigError::Invalid`] for its contents, or when both spellings
    /// exist.
    pub fn load(catalog_dir: &Path) -> Result<Option<Self>, ConfigError> {
        let main = catalog_dir.join(FILE_NAME);
        let alt = catalog_dir.join(ALT_FILE_NAME);
        let main_bytes = read_if_present(&main)?;
        let alt_exists = alt.try_exists().unwrap_or(false);
        let (path, bytes) = match (main_bytes, alt_exists) {
            (Some(_), true) => {
                let diagnostic = Diagnostic::error(
                    Code::Conflict,
                    Location::file(Arc::from(alt.as_path())),
                    format!(
                        "both `{FILE_NAME}` and `{ALT_FILE_NAME}` exist; pxmctl reads only one"
                    ),
                )
                .with_label(Location::file(Arc::from(main.as_path())), "also here")
                .with_hint(format!(
                    "merge them into `{FILE_NAME}` and delete `{ALT_FILE_NAME}`"
                ));
                return Err(invalid(diagnostic));
            }
            (Some(bytes), false) => (main, bytes),
            (None, true) => match read_if_present(&alt)? {
                Some(bytes) => (alt, bytes),
                None => return Ok(None),
            },
            (None, false) => return Ok(None),
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            invalid(
                Diagnostic::error(
                    Code::NotUtf8,
                    Location::file(Arc::from(path.as_path())),
                    format!("`{}` is not valid UTF-8", path.display()),
                )
                .with_hint("save the file as UTF-8"),
            )
        })?;
        Self::parse(&path, &text).map(Some)
    }
}

fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A problem with the file as a whole: no text to quote.
fn invalid(diagnostic: Diagnostic) -> ConfigError {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(diagnostic);
    ConfigError::Invalid {
        diagnostics,
        sources: Sources::default(),
    }
}
