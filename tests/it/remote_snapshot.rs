//! The live snapshot against the sandbox: every kind read in the minimum
//! number of list requests, the same snapshot under injected faults and a
//! low server limit, the client's limit never exceeded in any sliding
//! window, and a 429's `Retry-After` stopping all traffic.
#![allow(clippy::unwrap_used)]

use crate::support::connection::{client, connection};
use crate::support::requests::pages;
use crate::support::sandbox::{script, seeded, start};
use crate::support::seed::every_kind;

use std::time::Duration;

use pxmctl::remote::Credentials;
use pxmctl::remote::limiter::RateLimit;
use pxmctl::remote::secret::Secret;
use pxmctl::remote::{Client, LiveSnapshot};
use pxmctl::sandbox::{
    FaultConfig, RateLimit as ServerLimit, Readings, RunningSandbox, SandboxConfig,
};
use serde_json::json;

const CATEGORIES: usize = 24;
const COLLECTIONS: usize = 200;

async fn baseline() -> LiveSnapshot {
    let sandbox = start(seeded(every_kind(CATEGORIES, COLLECTIONS))).await;
    let client = client(&sandbox, 1000);
    LiveSnapshot::fetch(&client).await.unwrap()
}

/// Most API requests that arrived within any `window`.
fn busiest_window(sandbox: &RunningSandbox, window: Duration) -> usize {
    let times = sandbox.arrivals();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[tokio::test]
async fn every_kind_is_read_in_the_fewest_list_requests() {
    let sandbox = start(seeded(every_kind(CATEGORIES, COLLECTIONS))).await;
    let client = client(&sandbox, 20);
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();

    let counts: Vec<usize> = snapshot.counts().iter().map(|(_, n)| *n).collect();
    assert_eq!(
        counts,
        [3, 6, 2, CATEGORIES, COLLECTIONS, COLLECTIONS / 5, 2]
    );
    let expected: u64 = counts.iter().map(|n| pages(*n, 20)).sum::<u64>() + 1;
    assert_eq!(
        client.stats().requests,
        expected,
        "pages plus one authorize"
    );
    assert_eq!(sandbox.stats().requests_total, expected);

    // Links, values and variants come from the list items themselves.
    let col7 = snapshot
        .collections
        .iter()
        .find(|c| c.id == "col7")
        .unwrap();
    assert_eq!(*col7.direct_parent, ["cat8"]);
    assert_eq!(*col7.region_ids, ["r0", "r2"]);
    let col1 = snapshot
        .collections
        .iter()
        .find(|c| c.id == "col1")
        .unwrap();
    assert_eq!(col1.parent_topic_id.as_deref(), Some("col0"));
    assert_eq!(col1.additional_title.as_deref(), Some("SKU-00001"));
    let f3 = snapshot.files.iter().find(|f| f.id == "f3").unwrap();
    assert_eq!(*f3.collections, ["col15"]);
    let group = snapshot
        .attribute_groups
        .iter()
        .find(|g| g.id == "g0")
        .unwrap();
    assert_eq!(*group.attributes, ["a0", "a5"]);
    // Sorted by id, numerically where ids share a prefix.
    let ids: Vec<&str> = snapshot
        .categories
        .iter()
        .take(11)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids[..3], ["cat0", "cat1", "cat2"]);
    assert_eq!(ids[10], "cat10");
}

#[tokio::test]
async fn the_snapshot_is_exact_under_faults_and_a_low_server_limit() {
    let expected = baseline().await;
    let sandbox = start(SandboxConfig {
        faults: FaultConfig {
            seed: 7,
            error_rate: 0.1,
            drop_rate: 0.05,
            ..FaultConfig::default()
        },
        rate_limit: Some(ServerLimit {
            max_requests: 20,
            window: Duration::from_secs(1),
        }),
        ..seeded(every_kind(CATEGORIES, COLLECTIONS))
    })
    .await;
    // A burst of 429s on top of the random faults.
    script(
        &sandbox,
        json!({"action": "status", "status": 429, "retry_after": 1, "count": 3}),
    )
    .await;
    let mut conn = connection(&sandbox, 10);
    // Faster than the server allows, so its limit is met and obeyed.
    conn.rate_limit = RateLimit::new(200, Duration::from_secs(1));
    let client = Client::new(&conn).unwrap();
    let mut snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    let mut expected = expected;
    // Update times belong to each sandbox's clock.
    for f in snapshot.files.iter_mut().chain(expected.files.iter_mut()) {
        f.updated_at = None;
    }
    // Compared as serialized: download URLs are signed per sandbox.
    assert_eq!(
        serde_json::to_value(&snapshot).unwrap(),
        serde_json::to_value(&expected).unwrap()
    );
    let stats = client.stats();
    assert!(stats.retries > 0, "faults were met: {stats:?}");
    assert!(
        stats.rate_limited > 3,
        "the server limit was met: {stats:?}"
    );
}

#[tokio::test]
async fn the_client_limit_holds_in_every_sliding_window() {
    let sandbox = start(SandboxConfig {
        rate_limit: Some(ServerLimit {
            max_requests: 100,
            window: Duration::from_secs(10),
        }),
        ..seeded(every_kind(CATEGORIES, 2500))
    })
    .await;
    let mut conn = connection(&sandbox, 20);
    conn.rate_limit = RateLimit::new(95, Duration::from_secs(10));
    let client = Client::new(&conn).unwrap();
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    assert_eq!(snapshot.collections.len(), 2500);
    let requests = client.stats().requests;
    let minimum: u64 = snapshot
        .counts()
        .iter()
        .map(|(_, n)| pages(*n, 20))
        .sum::<u64>()
        + 1;
    assert_eq!(requests, minimum, "no request was retried or repeated");
    assert!(requests > 150, "enough traffic to span windows: {requests}");
    assert_eq!(sandbox.stats().rate_limited, 0, "no 429 was ever needed");
    let busiest = busiest_window(&sandbox, Duration::from_secs(10));
    assert!(busiest <= 95, "{busiest} requests in one 10 s window");
}

#[tokio::test]
async fn on_a_limit_others_spend_too_the_client_paces_itself_to_what_is_left() {
    paces_to_what_others_leave(Readings::default()).await;
}

/// The guide gives the limit ("1,000 requests per 60 seconds") but not
/// whether its window slides or resets: the same pacing holds for both.
#[tokio::test]
async fn in_fixed_rate_windows_the_client_paces_itself_all_the_same() {
    paces_to_what_others_leave(Readings {
        fixed_rate_window: true,
        ..Readings::default()
    })
    .await;
}

async fn paces_to_what_others_leave(readings: Readings) {
    // Others spend half of 60 per 2 s; the client is configured for 57.
    let sandbox = start(SandboxConfig {
        readings,
        rate_limit: Some(ServerLimit {
            max_requests: 60,
            window: Duration::from_secs(2),
        }),
        background_load: Some(ServerLimit {
            max_requests: 30,
            window: Duration::from_secs(2),
        }),
        ..seeded(every_kind(CATEGORIES, 1200))
    })
    .await;
    let mut conn = connection(&sandbox, 20);
    conn.rate_limit = RateLimit::new(57, Duration::from_secs(2));
    let client = Client::new(&conn).unwrap();
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    assert_eq!(snapshot.collections.len(), 1200, "nothing lost to the 429s");
    let stats = client.stats();
    let served = sandbox.stats();
    assert!(served.background_admitted > 0, "{served:?}");
    assert_eq!(
        stats.rate_limited, served.rate_limited,
        "every 429 the sandbox sent was met by the client"
    );
    assert!(
        stats.rate_limited > 0,
        "the shared limit was met: {stats:?}"
    );
    assert!(stats.pacing.slowdowns >= 1, "{stats:?}");
    assert!(
        stats.pacing.lowest < 0.75,
        "paced to about half, not kept at the configured rate: {stats:?}"
    );
}

#[tokio::test]
async fn a_429_stops_all_traffic_until_retry_after() {
    let sandbox = start(seeded(every_kind(CATEGORIES, COLLECTIONS))).await;
    let mut conn = connection(&sandbox, 10);
    // A ready token: the seven kinds start at once, no authorize first.
    conn.credentials = Credentials::Token(Secret::new(sandbox.access_token()));
    let client = Client::new(&conn).unwrap();
    script(
        &sandbox,
        json!({"action": "status", "status": 429, "retry_after": 3, "count": 1}),
    )
    .await;
    let snapshot = LiveSnapshot::fetch(&client).await.unwrap();
    assert_eq!(snapshot.collections.len(), COLLECTIONS);
    assert_eq!(client.stats().rate_limited, 1);

    let times = sandbox.arrivals();
    let first = times[0];
    // Requests already on the wire when the 429 came back may still land
    // just after it; nothing else may arrive before Retry-After passed.
    let in_flight = Duration::from_millis(200);
    let gap: Vec<Duration> = times
        .iter()
        .map(|t| t.duration_since(first))
        .filter(|d| *d > in_flight && *d < Duration::from_secs(3))
        .collect();
    assert!(gap.is_empty(), "requests during the pause: {gap:?}");
    assert!(
        times
            .iter()
            .any(|t| t.duration_since(first) >= Duration::from_secs(3)),
        "traffic resumed"
    );
}
