//! Counting what a sandbox was asked, from its per-route stats, and what
//! a full read should cost.

use pxmctl::sandbox::RunningSandbox;

/// Requests to `route` (`"PUT /v2.1/collection/{id}"`), whatever the answer.
pub fn requests_to(sandbox: &RunningSandbox, route: &str) -> u64 {
    sandbox
        .stats()
        .requests
        .get(route)
        .map_or(0, |by_status| by_status.values().sum())
}

/// Requests that changed the account or carried bytes to it: everything
/// but reads and the token request. A catalog that cannot be planned may
/// have started reading the account (the read overlaps the check), never
/// this.
pub fn writes(sandbox: &RunningSandbox) -> u64 {
    sandbox
        .stats()
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("GET ") && !route.contains("oauth"))
        .map(|(_, statuses)| statuses.values().sum::<u64>())
        .sum()
}

/// List requests a full read of `n` objects costs at page size `limit`:
/// every page holding objects, then the empty one that proves the end
/// (a short page alone does not: a server may cap its pages).
pub fn pages(n: usize, limit: usize) -> u64 {
    (n.div_ceil(limit) + 1) as u64
}
