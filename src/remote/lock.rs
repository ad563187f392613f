//! One writer per account. PXM has no lock call and no atomic
//! create-if-absent, so the lock is an object in the account: a Text
//! attribute named [`LOCK_ATTRIBUTE`] whose description records the
//! holder and a lease. Taking it is create-then-check:
//!
//! 1. list the lock attributes; a valid one (lease not expired) held by
//!    another writer means wait (or fail at once, the default);
//! 2. create ours, then list again: if any other valid lock is there, ours
//!    is deleted and we start over after a random pause; if ours is the
//!    only one, we hold the lock.
//!
//! Two writers cannot both hold it, even when both creates succeed:
//! suppose A and B both won. A won, so A's second list (after A's create
//! was answered) showed no B: B's create was not yet visible then. B's
//! second list came after B's create, so after A's list, when A's lock
//! existed (a winner deletes its lock only on release): B saw A and did
//! not win. The argument needs only that a create, once answered, shows
//! in every later list; it does not need the two creates to be ordered.
//! Two writers who see each other both step back, so they may retry a few
//! times; the random pause makes one of them win.
//!
//! The holder renews the lease every third of it. A killed holder stops
//! renewing, and once its lease is past (plus [`CLOCK_SKEW`]) any writer
//! deletes the lock and goes on; `pxmctl unlock` deletes it at once. The
//! snapshot never shows lock attributes, so plans, prune and export do
//! not see them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{Client, Request};
use super::error::RemoteError;
use super::page::list_all;
use super::wire::LiveAttribute;
use crate::api::Kind;
pub use crate::api::names::LOCK_ATTRIBUTE;

/// How long a holder's clock may be behind a waiter's before the waiter
/// takes a renewed lease for an expired one.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(30);
/// Times a writer steps back from another that created its lock at the
/// same moment before it counts as held.
const CONTENTION_RETRIES: u32 = 10;
/// The lease of a lock: a killed holder blocks others for at most this
/// (plus [`CLOCK_SKEW`]).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// Who holds a lock, as the description of the lock attribute says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// `user@host`.
    pub who: String,
    /// The CI run, where the environment says (a URL or an id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
    /// When the lock was taken (RFC 3339).
    pub since: String,
    /// Until when the lease holds (RFC 3339); renewed while the run goes on.
    pub until: String,
    /// A random token telling this holder's lock from another's.
    pub token: String,
    /// The lease in seconds, renewed every third of it; 0 when unknown.
    #[serde(default)]
    pub lease: u64,
}

impl Holder {
    /// This process, from the environment: `USER` and the host name, and
    /// the CI run of GitHub Actions or GitLab CI.
    #[must_use]
    pub fn this_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let user = var("USER")
            .or_else(|| var("USERNAME"))
            .unwrap_or_else(|| "someone".into());
        let host = var("HOSTNAME")
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_owned())
                    .filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "unknown-host".into());
        let github = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(run)) => {
                Some(format!("{server}/{repo}/actions/runs/{run}"))
            }
            _ => None,
        };
        let ci = github.or_else(|| var("CI_JOB_URL"));
        let now = Timestamp::now();
        let mut token = [0u8; 8];
        let _ = getrandom::fill(&mut token);
        Self {
            who: format!("{user}@{host}"),
            ci,
            since: second(now),
            until: second(now),
            token: hex::encode(token),
            lease: 0,
        }
    }

    fn until(&self) -> Option<Timestamp> {
        self.until.parse().ok()
    }

    /// Whether the lease is past at `now`, allowing for clock skew (at
    /// most [`CLOCK_SKEW`], and no more than the lease itself: a holder
    /// renews every third of it).
    fn expired(&self, now: Timestamp) -> bool {
        let skew = match self.lease {
            0 => CLOCK_SKEW,
            secs => CLOCK_SKEW.min(SignedDuration::from_secs(
                i64::try_from(secs).unwrap_or(i64::MAX),
            )),
        };
        self.until()
            .and_then(|u| u.checked_add(skew).ok())
            .is_none_or(|u| u < now)
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} since {}", self.who, self.since)?;
        if let Some(ci) = &self.ci {
            write!(f, " ({ci})")?;
        }
        write!(f, ", lease until {}", self.until)
    }
}

fn second(ts: Timestamp) -> String {
    Timestamp::from_second(ts.as_second())
        .unwrap_or(ts)
        .to_string()
}

/// A lock attribute as listed.
#[derive(Debug, Clone)]
pub struct Lock {
    pub id: String,
    /// `None` when the description is not a lock record (then it never
    /// expires by itself: `pxmctl unlock` removes it).
    pub holder: Option<Holder>,
}

impl Lock {
    fn valid(&self, now: Timestamp) -> bool {
        self.holder.as_ref().is_none_or(|h| !h.expired(now))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the account is locked by another pxmctl: {holder} (lock attribute `{LOCK_ATTRIBUTE}`, id {id}); wait for it to finish, pass `--lock-timeout` to wait, or if it was killed run `pxmctl unlock {id}`"
    )]
    Held { holder: String, id: String },
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// Every lock attribute of the account.
pub async fn locks(client: &Client) -> Result<Vec<Lock>, RemoteError> {
    let attributes: Vec<LiveAttribute> =
        list_all(client, Kind::Attribute.path(), Kind::Attribute.list_key()).await?;
    Ok(attributes
        .into_iter()
        .filter(|a| a.name == LOCK_ATTRIBUTE)
        .map(|a| Lock {
            holder: a
                .description
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            id: a.id,
        })
        .collect())
}

/// Deletes a lock attribute; one already gone is fine.
pub async fn delete(client: &Client, id: &str) -> Result<(), RemoteError> {
    let path = format!("{}/{id}", Kind::Attribute.path());
    match client.send(Request::delete(path).idempotent(true)).await {
        Ok(_) => Ok(()),
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The lock on one account, held until [`AccountLock::release`].
#[derive(Debug)]
pub struct AccountLock {
    client: Client,
    id: String,
    renewing: tokio::task::JoinHandle<()>,
    lost: Arc<AtomicBool>,
}

impl AccountLock {
    /// Takes the lock, waiting up to `timeout` for another holder.
    ///
    /// # Errors
    ///
    /// [`LockError::Held`] naming the holder when the wait is over, or
    /// what the API answered.
    pub async fn acquire(
        client: &Client,
        mut holder: Holder,
        timeout: Duration,
        lease: Duration,
    ) -> Result<Self, LockError> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Stepping back from a writer that created its lock at the same
        // moment is not waiting for a holder: that is retried whatever
        // the timeout, a bounded number of times.
        let mut contended = 0;
        loop {
            let now = Timestamp::now();
            let mut blocking = None;
            for lock in locks(client).await? {
                if lock.valid(now) {
                    blocking.get_or_insert(lock);
                } else {
                    // A killed holder's lock: its lease is past.
                    delete(client, &lock.id).await?;
                }
            }
            if blocking.is_none() {
                holder.until = second(now + lease_of(lease));
                holder.lease = lease.as_secs();
                let id = create(client, &holder).await?;
                let others: Vec<Lock> = locks(client)
                    .await?
                    .into_iter()
                    .filter(|l| l.id != id && l.valid(Timestamp::now()))
                    .collect();
                if others.is_empty() {
                    let lost = Arc::new(AtomicBool::new(false));
                    let renewing = tokio::spawn(renew(
                        client.clone(),
                        id.clone(),
                        holder,
                        lease,
                        lost.clone(),
                    ));
                    return Ok(Self {
                        client: client.clone(),
                        id,
                        renewing,
                        lost,
                    });
                }
                // Another writer created one at the same time: both step back.
                delete(client, &id).await?;
                contended += 1;
                if contended < CONTENTION_RETRIES {
                    let pause = Duration::from_millis(50 + fastrand::u64(0..500));
                    tokio::time::sleep(pause).await;
                    continue;
                }
                blocking = others.into_iter().next();
            }
            if tokio::time::Instant::now() >= deadline {
                let lock = blocking.unwrap_or(Lock {
                    id: String::new(),
                    holder: None,
                });
                return Err(LockError::Held {
                    holder: lock.holder.map_or_else(
                        || "a holder that left no record".to_owned(),
                        |h| h.to_string(),
                    ),
                    id: lock.id,
                });
            }
            let pause = Duration::from_millis(200 + fastrand::u64(0..800));
            tokio::time::sleep(pause.min(deadline - tokio::time::Instant::now())).await;
        }
    }

    /// The lock attribute's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether a renewal found the lock gone (someone ran `pxmctl unlock`).
    #[must_use]
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Stops renewing and deletes the lock.
    ///
    /// # Errors
    ///
    /// What the API answered to the delete.
    pub async fn release(self) -> Result<(), RemoteError> {
        self.renewing.abort();
        delete(&self.client, &self.id).await
    }
}

fn lease_of(lease: Duration) -> SignedDuration {
    SignedDuration::try_from(lease).unwrap_or(SignedDuration::from_secs(120))
}

/// Creates a lock attribute; after a lost answer, finds it by its token.
async fn create(client: &Client, holder: &Holder) -> Result<String, RemoteError> {
    let description = serde_json::to_string(holder).unwrap_or_default();
    let body = json!({"name": LOCK_ATTRIBUTE, "type": "Text", "description": description});
    match client
        .send(Request::post(Kind::Attribute.path(), &body))
        .await
    {
        Ok(response) => serde_json::from_slice::<Value>(&response.body)
            .ok()
            .as_ref()
            .and_then(|v| v.get("id").or_else(|| v.get("attribute")?.get("id")))
            .and_then(super::wire::id_of)
            .ok_or_else(|| RemoteError::Unexpected {
                request: Request::post(Kind::Attribute.path(), &body).name(),
                detail: "the created lock attribute has no id".into(),
            }),
        Err(RemoteError::Unclear { .. }) => {
            let mine = locks(client)
                .await?
                .into_iter()
                .find(|l| l.holder.as_ref().is_some_and(|h| h.token == holder.token));
            match mine {
                Some(lock) => Ok(lock.id),
                // Not made: sent again once, as a fresh create.
                None => Box::pin(create(client, holder)).await,
            }
        }
        Err(e) => Err(e),
    }
}

/// Renews the lease every third of it until aborted.
async fn renew(
    client: Client,
    id: String,
    mut holder: Holder,
    lease: Duration,
    lost: Arc<AtomicBool>,
) {
    let path = format!("{}/{id}", Kind::Attribute.path());
    loop {
        tokio::time::sleep(lease / 3).await;
        holder.until = second(Timestamp::now() + lease_of(lease));
        let description = serde_json::to_string(&holder).unwrap_or_default();
        let body = json!({ "description": description });
        match client
            .send(Request::put(&path, &body).idempotent(true))
            .await
        {
            Ok(_) => {}
            Err(e) if e.status() == Some(404) => {
                tracing::warn!("the account lock {id} was removed while this run held it");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!("renewing the account lock failed: {e}"),
        }
    }
}
