//! What `plan` and `apply` start from: the catalog loaded, checked and
//! hashed while the account is read, the two joined, and the plan made
//! from them; then, for a writer, the account lock and a second read.
//! Nothing here prints: what happens on the way is a [`Notice`] for the
//! caller to show, and what stops the run is a [`PrepareError`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::connect::{ConnectError, Connected, connect};
use crate::catalog::hashes::{self, HashError, Hashes};
use crate::catalog::model::Catalog;
use crate::catalog::{self, load::Loaded};
use crate::diag::{Diagnostics, Sources};
use crate::plan::identity::Matches;
use crate::plan::saved;
use crate::plan::{Plan, PlanOptions};
use crate::remote::file_values::{self, ValueCache};
use crate::remote::limiter::Pacing;
use crate::remote::lock::{AccountLock, Holder, LockError};
use crate::remote::{LiveSnapshot, RemoteError};

/// How a run reads its catalog and compares assets.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// The environment of `pxmctl.yaml` (else `PXM_ENV`, then the file's
    /// default).
    pub env: Option<String>,
    /// Upload every asset, even those whose recorded SHA-256 matches.
    pub force_upload: bool,
    /// Read every asset again instead of trusting `.pxmctl/hashes.json`.
    pub no_hash_cache: bool,
}

/// What happened on the way that the user should hear about, in the
/// order it happened.
#[derive(Debug)]
pub enum Notice<'a> {
    /// Problems that do not stop planning (the same bytes in several
    /// entries).
    Warnings(&'a Diagnostics, &'a Sources),
    /// The catalog's assets were hashed.
    Hashed {
        assets: usize,
        cached: usize,
        bytes_read: u64,
        elapsed: Duration,
    },
    /// The catalog pins ids for an environment `pxmctl.yaml` does not
    /// define, so those pins are never used; with the nearest name.
    UnknownPinEnvironment {
        name: &'a str,
        nearest: Option<String>,
    },
    /// The account was read.
    Read {
        objects: usize,
        base_url: &'a str,
        /// List requests, before any per-file reads.
        requests: u64,
        /// Files whose attribute values were read one by one, and how many
        /// of those came from the cache.
        files_read: usize,
        files_cached: usize,
        pacing: &'a Pacing,
    },
    /// The attribute values of this many files could not be read; the
    /// plan's notes name them.
    ValuesUnread(usize),
}

/// Why a run stopped before it could plan.
#[derive(Debug)]
pub enum PrepareError {
    /// The async runtime could not start.
    Runtime(std::io::Error),
    /// The task checking the catalog died.
    Checking(String),
    /// There is no catalog directory.
    NoCatalog(PathBuf),
    /// The catalog does not check.
    InvalidCatalog {
        dir: PathBuf,
        diagnostics: Diagnostics,
        sources: Sources,
    },
    /// An asset could not be read.
    Hashing(HashError),
    Connect(ConnectError),
    /// The hash attribute clashes with the catalog's own attributes.
    HashAttribute {
        diagnostics: Diagnostics,
        sources: Sources,
    },
    /// The account could not be read (or, for a writer, locked).
    Remote(RemoteError),
}

/// A checked catalog, a connection to its account and that account read.
/// Fields drop in order: the lock is released while the runtime lives.
pub struct Prepared {
    /// The account lock, once a command that writes has taken it
    /// ([`Prepared::lock_and_reread`]).
    pub lock: Option<HeldLock>,
    pub catalog: Catalog,
    /// The catalog's text, for diagnostics and the saved-plan digest.
    pub sources: Sources,
    pub connected: Connected,
    pub rt: tokio::runtime::Runtime,
    pub live: LiveSnapshot,
    /// SHA-256 of every asset, by path.
    pub hashes: Hashes,
    dir: PathBuf,
    options: PrepareOptions,
}

/// The account lock, released when dropped, on every path out of a
/// command (an error, a refused plan, the end of an apply).
pub struct HeldLock {
    lock: Option<AccountLock>,
    rt: tokio::runtime::Handle,
}

impl HeldLock {
    /// Releases the lock now.
    ///
    /// # Errors
    /// The lock may linger until its lease runs out.
    pub fn release(mut self) -> Result<(), RemoteError> {
        match self.lock.take() {
            Some(lock) => self.rt.block_on(lock.release()),
            None => Ok(()),
        }
    }

    /// Whether `pxmctl unlock` removed the lock during the run.
    #[must_use]
    pub fn lost(&self) -> bool {
        self.lock.as_ref().is_some_and(AccountLock::lost)
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let _ = self.rt.block_on(lock.release());
        }
    }
}

/// How a writer takes the account lock (`remote::lock`).
#[derive(Debug, Clone, Copy)]
pub struct LockWait {
    /// How long to wait for another writer.
    pub timeout: Duration,
    /// The lease this writer renews while it runs.
    pub lease: Duration,
}

impl Prepared {
    /// Takes the account lock, then reads the account again: what a
    /// writer plans from is the account as it is once no other writer can
    /// change it.
    ///
    /// # Errors
    /// The lock is held by another writer past `wait`, or the read failed.
    pub fn lock_and_reread(&mut self, wait: LockWait) -> Result<(), LockError> {
        let client = &self.connected.client;
        let lock = self.rt.block_on(AccountLock::acquire(
            client,
            Holder::this_process(),
            wait.timeout,
            wait.lease,
        ))?;
        self.lock = Some(HeldLock {
            lock: Some(lock),
            rt: self.rt.handle().clone(),
        });
        let mut live = self
            .rt
            .block_on(LiveSnapshot::fetch(client))
            .map_err(LockError::Remote)?
            .without_download_urls();
        complete_file_values(
            &self.dir,
            &self.catalog,
            &mut live,
            &self.connected,
            self.options.force_upload,
            &self.rt,
        );
        self.live = live;
        Ok(())
    }

    /// The digest a saved plan records of the catalog that was planned.
    #[must_use]
    pub fn digest(&self) -> String {
        saved::catalog_digest(&self.catalog.root, &self.sources)
    }

    /// Each catalog file's digest, so a stale saved plan names the file.
    #[must_use]
    pub fn file_digests(&self) -> BTreeMap<String, String> {
        saved::catalog_files(&self.catalog.root, &self.sources)
    }

    /// Plans the catalog against the account.
    ///
    /// # Errors
    /// Why it cannot be planned, as diagnostics into [`Prepared::sources`].
    pub fn plan(&self, targets: &[String], force_upload: bool) -> Result<Plan, Diagnostics> {
        self.planned(targets, force_upload).map(|(plan, _)| plan)
    }

    /// [`Prepared::plan`], with the matches it was made from.
    ///
    /// # Errors
    /// Why it cannot be planned, as diagnostics into [`Prepared::sources`].
    pub fn planned(
        &self,
        targets: &[String],
        force_upload: bool,
    ) -> Result<(Plan, Matches<'_>), Diagnostics> {
        let options = PlanOptions {
            targets: targets.to_vec(),
            hashes: self.hashes.by_path.clone(),
            force_upload,
        };
        let (mut plan, matches) = crate::plan::plan_matched(&self.catalog, &self.live, &options)?;
        plan.summary.max_deletes = Some(self.connected.settings.max_deletes);
        Ok((plan, matches))
    }
}

/// Loads and checks the catalog in `dir`, connects to its account and
/// reads it: what plan and apply both start from.
///
/// Reading the account waits on the network while checking and hashing
/// the catalog use the CPU, so the two overlap. Problems are still
/// reported in the order they are fixed: the catalog's, the connection's,
/// then the account's. A catalog that cannot be planned stops the read.
///
/// # Errors
/// The first thing in that order that stops the run.
pub fn prepare(
    dir: &Path,
    options: &PrepareOptions,
    vars: &dyn Fn(&str) -> Option<String>,
    notice: &dyn Fn(Notice<'_>),
) -> Result<Prepared, PrepareError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PrepareError::Runtime)?;
    let connecting = connect(dir, options.env.as_deref(), vars);
    let (checked, fetched) = rt.block_on(async {
        let (dir, cache) = (dir.to_owned(), !options.no_hash_cache);
        let mut checking = tokio::task::spawn_blocking(move || Checked::run(&dir, cache));
        let Ok(connected) = &connecting else {
            return (checking.await, None);
        };
        // Let go of the URLs as soon as the account is read, before the
        // catalog's check (the peak of a large run) has finished.
        let fetch = async {
            LiveSnapshot::fetch(&connected.client)
                .await
                .map(LiveSnapshot::without_download_urls)
        };
        tokio::pin!(fetch);
        tokio::select! {
            checked = &mut checking => {
                let plannable = checked.as_ref().is_ok_and(Checked::plannable);
                let live = if plannable { Some(fetch.await) } else { None };
                (checked, live)
            }
            live = &mut fetch => (checking.await, Some(live)),
        }
    });
    let checked = checked.map_err(|e| PrepareError::Checking(e.to_string()))?;
    let Checked {
        loaded:
            Loaded {
                catalog,
                diagnostics,
                sources,
                ..
            },
        hashed,
        hash_time,
    } = checked;
    let Some(mut catalog) = catalog else {
        if !dir.is_dir() {
            return Err(PrepareError::NoCatalog(dir.to_owned()));
        }
        return Err(PrepareError::InvalidCatalog {
            dir: dir.to_owned(),
            diagnostics,
            sources,
        });
    };
    let hashes = match hashed {
        Some(Ok(hashes)) => hashes,
        Some(Err(e)) => return Err(PrepareError::Hashing(e)),
        None => Hashes::default(),
    };
    let copies = catalog::duplicates::same_bytes(&catalog, &hashes.by_path);
    if !copies.is_empty() {
        let mut warnings = Diagnostics::default();
        warnings.extend(copies);
        notice(Notice::Warnings(&warnings, &sources));
    }
    if !hashes.by_path.is_empty() {
        notice(Notice::Hashed {
            assets: hashes.by_path.len(),
            cached: hashes.cached,
            bytes_read: hashes.bytes_read,
            elapsed: hash_time,
        });
    }
    let connected = connecting.map_err(PrepareError::Connect)?;

    catalog.select_environment(connected.settings.environment.as_deref());
    unknown_pin_environments(&catalog, &connected.settings.environments, notice);
    if let Err(d) = catalog.declare_hash_attribute(&connected.settings.hash_attribute) {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(*d);
        return Err(PrepareError::HashAttribute {
            diagnostics,
            sources,
        });
    }
    let client = &connected.client;
    let mut live = match fetched {
        Some(Ok(live)) => live,
        Some(Err(e)) => return Err(PrepareError::Remote(e)),
        // Not reached: the account is read unless the catalog or the
        // connection failed, and both returned above.
        None => {
            return Err(PrepareError::Checking(
                "the account was not read".to_owned(),
            ));
        }
    };
    let listed = client.stats().requests;
    let values = complete_file_values(
        dir,
        &catalog,
        &mut live,
        &connected,
        options.force_upload,
        &rt,
    );
    let stats = client.stats();
    notice(Notice::Read {
        objects: live.counts().iter().map(|(_, n)| n).sum::<usize>(),
        base_url: client.base_url(),
        requests: listed,
        files_read: values.read,
        files_cached: values.cached,
        pacing: &stats.pacing,
    });
    if values.failed > 0 {
        notice(Notice::ValuesUnread(values.failed));
    }
    Ok(Prepared {
        catalog,
        sources,
        connected,
        rt,
        live,
        hashes,
        lock: None,
        dir: dir.to_owned(),
        options: options.clone(),
    })
}

/// A pin for an environment pxmctl.yaml does not define is never used:
/// most likely a typo.
fn unknown_pin_environments(catalog: &Catalog, defined: &[String], notice: &dyn Fn(Notice<'_>)) {
    if defined.is_empty() {
        return;
    }
    for name in &catalog.pinned_environments() {
        if defined.iter().any(|d| d == name) {
            continue;
        }
        let nearest =
            crate::catalog::suggest::did_you_mean(name, defined.iter().map(String::as_str));
        notice(Notice::UnknownPinEnvironment { name, nearest });
    }
}

/// Reads, one file at a time, the attribute values the content gate needs
/// from files whose list items carried none (`remote::file_values`).
fn complete_file_values(
    dir: &Path,
    catalog: &Catalog,
    live: &mut LiveSnapshot,
    connected: &Connected,
    force_upload: bool,
    rt: &tokio::runtime::Runtime,
) -> file_values::Completed {
    let options = PlanOptions {
        force_upload,
        ..PlanOptions::default()
    };
    let state = dir.join(hashes::STATE_DIR);
    let account = connected.settings.connection.account();
    let mut cache = ValueCache::open(Some(&state), &account);
    rt.block_on(super::complete_snapshot(
        &connected.client,
        catalog,
        live,
        &options,
        &mut cache,
    ))
}

/// The catalog loaded and checked and, when valid, its assets hashed
/// (taking what the cache vouches for).
struct Checked {
    loaded: Loaded,
    hashed: Option<Result<Hashes, HashError>>,
    hash_time: Duration,
}

impl Checked {
    fn run(dir: &Path, cache: bool) -> Self {
        let loaded = catalog::load_with(dir, cache);
        let started = std::time::Instant::now();
        let hashed = loaded
            .catalog
            .as_ref()
            .map(|catalog| hashes::hash_catalog(catalog, &loaded.assets));
        Self {
            loaded,
            hashed,
            hash_time: started.elapsed(),
        }
    }

    /// Whether planning can go on, so the account is worth reading.
    fn plannable(&self) -> bool {
        matches!(self.hashed, Some(Ok(_)))
    }
}
