//! Starting and stopping a sandbox: `Sandbox::start` loads (or seeds)
//! the state, binds the listener and spawns the server; `RunningSandbox`
//! tells the caller where it is and with which credentials, and
//! `shutdown` drains it and compacts the persisted state.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::app::App;
use super::blobs::BlobStore;
use super::config::{Credentials, SandboxConfig};
use super::db::{Change, Db, Meta, State};
use super::faults::Faults;
use super::ids::{IdGen, os_random, random_hex};
use super::limit::{self, Limiter};
use super::presign::Signer;
use super::processing::Processing;
use super::stats::{Stats, StatsSnapshot};
use super::{SandboxError, persist, routes, seed, server};

/// Entry point of the sandbox library.
#[derive(Debug)]
pub struct Sandbox;

/// A sandbox serving on loopback. Dropping it stops the server without
/// the final compaction; call [`RunningSandbox::shutdown`] for a clean stop.
#[derive(Debug)]
pub struct RunningSandbox {
    app: Arc<App>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Loads the state, binds `config.listen` and starts serving.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
        config.check()?;
        let (state, existed, journal, blobs) = match &config.data_dir {
            Some(dir) => {
                let loaded = persist::open(dir)?;
                let blob_dir: PathBuf = dir.join("blobs");
                let blobs =
                    BlobStore::disk(blob_dir.clone(), &loaded.state.blobs).map_err(|source| {
                        SandboxError::Persist {
                            action: "open blob directory",
                            path: blob_dir,
                            source,
                        }
                    })?;
                (loaded.state, loaded.existed, Some(loaded.journal), blobs)
            }
            None => (State::default(), false, None, BlobStore::memory()),
        };
        let meta = meta(state.meta.as_ref(), config.credentials.as_ref())?;
        let mut db = Db::new(state, journal);
        if db.state().meta.as_ref() != Some(&meta) {
            db.commit(vec![Change::Meta { meta: meta.clone() }])
                .map_err(|source| SandboxError::Persist {
                    action: "journal",
                    path: config.data_dir.clone().unwrap_or_default(),
                    source,
                })?;
        }

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| SandboxError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
        let signer = Signer::new(
            hex::decode(&meta.signing_key)
                .unwrap_or_else(|_| meta.signing_key.clone().into_bytes()),
        );
        let app = Arc::new(App {
            base_url: format!("http://{addr}"),
            token: signer.token(&meta.client_id, &meta.client_secret),
            credentials: Credentials {
                client_id: meta.client_id,
                client_secret: meta.client_secret,
            },
            signer,
            db: Mutex::new(db),
            blobs,
            ids: IdGen::new()?,
            limiter: config
                .rate_limit
                .map(|l| Limiter::new(l, config.readings.fixed_rate_window)),
            faults: Faults::new(config.faults.clone()),
            stats: Stats::default(),
            uploads: config.uploads.clone(),
            processing: Processing::new(config.readings.processing_delay),
            readings: config.readings.clone(),
        });
        if !existed && let Some(s) = &config.seed {
            seed::apply(&app, s).await?;
        }
        seed::ensure_primary_region(&app)?;

        let (shutdown, receiver) = watch::channel(false);
        let router = routes::router(app.clone());
        if let Some(load) = config.background_load {
            tokio::spawn(limit::spend_in_background(
                app.clone(),
                load,
                receiver.clone(),
            ));
        }
        let task = tokio::spawn(server::serve(listener, router, receiver));
        Ok(RunningSandbox {
            app,
            shutdown,
            task: Some(task),
        })
    }
}

/// Credentials and signing key: the configured credentials, else the
/// persisted ones, else fresh random ones.
fn meta(persisted: Option<&Meta>, configured: Option<&Credentials>) -> Result<Meta, SandboxError> {
    let signing_key = match persisted {
        Some(m) => m.signing_key.clone(),
        None => hex::encode(os_random::<32>()?),
    };
    let (client_id, client_secret) = match (configured, persisted) {
        (Some(c), _) => (c.client_id.clone(), c.client_secret.clone()),
        (None, Some(m)) => (m.client_id.clone(), m.client_secret.clone()),
        (None, None) => (
            format!("sandbox-{}", random_hex::<8>()?),
            random_hex::<24>()?,
        ),
    };
    Ok(Meta {
        client_id,
        client_secret,
        signing_key,
    })
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// `base_url()` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base_url)
    }

    pub fn client_id(&self) -> &str {
        &self.app.credentials.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.app.credentials.client_secret
    }

    /// The bearer token authorize hands out (for tests that skip OAuth).
    pub fn access_token(&self) -> &str {
        &self.app.token
    }

    /// What `GET /_sandbox/stats` would answer now.
    pub fn stats(&self) -> StatsSnapshot {
        self.app.stats_snapshot()
    }

    /// When each API request arrived (control and object-store requests
    /// excluded), in arrival order.
    pub fn arrivals(&self) -> Vec<tokio::time::Instant> {
        self.app.stats.arrivals()
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and
    /// writes the final snapshot when persisting.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.await.map_err(SandboxError::Join)?;
        }
        self.app.db().compact()
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
