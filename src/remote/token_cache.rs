//! The bearer-token cache. PXM tokens live a year, so a run reuses the
//! token of an earlier one instead of authorising again. One file per
//! (client id, secret digest, base URL) ([`owner`]), created with mode
//! 0600 inside a 0700 directory; a cache file that others can read, or a
//! directory others can write, is refused, never used.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::secret::Secret;

/// A cached token and when it stops being valid (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub token: Secret,
    pub expires_at: u64,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    token: String,
    expires_at: u64,
}

/// What can go wrong with the cache. None of these carries the token.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "token cache `{path}` is readable by other users (mode {mode:o}); not using it: run `chmod 600 {path}` or delete it"
    )]
    Insecure { path: PathBuf, mode: u32 },
    #[error(
        "token cache directory `{path}` can be written by other users (mode {mode:o}), who could plant a token; not using it: run `chmod 700 {path}`"
    )]
    InsecureDir { path: PathBuf, mode: u32 },
    #[error("cannot use token cache `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whose token a cache entry holds: the client id and a digest of the
/// secret it was fetched with, so an entry never vouches for another
/// secret. What [`TokenCache`] takes as `client_id`.
#[must_use]
pub fn owner(client_id: &str, secret: &Secret) -> String {
    format!(
        "{client_id}\n{}",
        hex::encode(Sha256::digest(secret.expose()))
    )
}

/// The token cache in one directory.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

impl TokenCache {
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The user's cache directory (`$XDG_CACHE_HOME/pxmctl/tokens` on
    /// Linux), if there is one.
    #[must_use]
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("pxmctl").join("tokens"))
    }

    fn path(&self, client_id: &str, base_url: &str) -> PathBuf {
        // Hashed so neither the client id nor the URL shows in file names.
        let digest = Sha256::digest(format!("{client_id}\n{base_url}").as_bytes());
        self.dir
            .join(format!("{}.json", hex::encode(&digest[..16])))
    }

    /// The cached token, if one exists and is valid at `now` (Unix
    /// seconds). A corrupt file counts as no token.
    pub fn load(
        &self,
        client_id: &str,
        base_url: &str,
        now: u64,
    ) -> Result<Option<CachedToken>, CacheError> {
        let path = self.path(client_id, base_url);
        self.check_dir()?;
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CacheError::Io { path, source }),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CacheError::Insecure { path, mode });
        }
        let text = fs::read_to_string(&path).map_err(|source| CacheError::Io {
            path: path.clone(),
            source,
        })?;
        let Ok(disk) = serde_json::from_str::<OnDisk>(&text) else {
            return Ok(None);
        };
        Ok((disk.expires_at > now).then(|| CachedToken {
            token: Secret::new(disk.token),
            expires_at: disk.expires_at,
        }))
    }

    /// Refuses a directory others can write: they could replace a token
    /// file with their own. A directory that does not exist is fine.
    fn check_dir(&self) -> Result<(), CacheError> {
        match fs::metadata(&self.dir) {
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o022 == 0 {
                    Ok(())
                } else {
                    Err(CacheError::InsecureDir {
                        path: self.dir.clone(),
                        mode,
                    })
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(CacheError::Io {
                path: self.dir.clone(),
                source,
            }),
        }
    }

    /// Stores a token, replacing any earlier one atomically. The file is
    /// 0600 from the moment it exists, whatever the umask.
    pub fn store(
        &self,
        client_id: &str,
        base_url: &str,
        token: &CachedToken,
    ) -> Result<(), CacheError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CacheError::Io { path, source }
        };
        self.check_dir()?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(io(&self.dir))?;
        let path = self.path(client_id, base_url);
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        let body = serde_json::to_string(&OnDisk {
            token: token.token.expose().to_owned(),
            expires_at: token.expires_at,
        })
        .unwrap_or_default();
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
        // `mode` is masked by the umask, which can only remove bits; set it
        // exactly anyway so the rule does not depend on that reasoning.
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io(&tmp))?;
        file.write_all(body.as_bytes()).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))
    }

    /// Forgets the token (after the API refused it with 401).
    pub fn forget(&self, client_id: &str, base_url: &str) -> Result<(), CacheError> {
        let path = self.path(client_id, base_url);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(CacheError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at: u64) -> CachedToken {
        CachedToken {
            token: Secret::new("tok-canary-123"),
            expires_at,
        }
    }

    #[test]
    fn round_trip_per_client_and_url() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = TokenCache::new(dir.path().join("tokens"));
        cache.store("id", "http://a", &token(100)).expect("store");
        assert_eq!(
            cache.load("id", "http://a", 50).expect("load"),
            Some(token(100))
        );
        assert_eq!(cache.load("id", "http://b", 50).expect("load"), None);
        assert_eq!(cache.load("other", "http://a", 50).expect("load"), None);
        // Expired tokens are not returned.
        assert_eq!(cache.load("id", "http://a", 100).expect("load"), None);
        cache.forget("id", "http://a").expect("forget");
        assert_eq!(cache.load("id", "http://a", 50).expect("load"), None);
    }

    #[test]
    fn files_are_private_and_stay_private_across_rewrites() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = TokenCache::new(dir.path().join("tokens"));
        cache.store("id", "http://a", &token(100)).expect("store");
        cache
            .store("id", "http://a", &token(200))
            .expect("store again");
        let path = cache.path("id", "http://a");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(dir.path().join("tokens"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        // The file name is a hash: it shows neither the client id nor the URL.
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(name.len(), "0123456789abcdef0123456789abcdef.json".len());
        assert!(!name.contains("http"));
    }

    #[test]
    fn a_directory_others_can_write_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().expect("tmp");
        let tokens = dir.path().join("tokens");
        let cache = TokenCache::new(&tokens);
        cache.store("id", "http://a", &token(100)).expect("store");
        fs::set_permissions(&tokens, fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = cache.load("id", "http://a", 0).expect_err("insecure dir");
        assert!(
            matches!(err, CacheError::InsecureDir { mode: 0o777, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 700"), "{err}");
        assert!(cache.store("id", "http://a", &token(100)).is_err());
    }

    #[test]
    fn a_cache_readable_by_others_is_refused_without_showing_the_token() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = TokenCache::new(dir.path().join("tokens"));
        cache.store("id", "http://a", &token(100)).expect("store");
        let path = cache.path("id", "http://a");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = cache.load("id", "http://a", 0).expect_err("insecure");
        assert!(matches!(err, CacheError::Insecure { mode: 0o644, .. }));
        assert!(!err.to_string().contains("tok-canary-123"));
    }
}
