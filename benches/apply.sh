#!/usr/bin/env bash
# Benchmark of `pxmctl apply` under the API's rate limit: a sandbox whose
# limit is the API's 1,000 per 60 s scaled down to 100 per 6 s (the same
# rate), seeded with N collections; a catalog that renames those N
# (scalar-only updates: one PUT each) and adds N new ones. Reports the
# requests apply sent, its wall time, the changes per second as a
# fraction of the floor (one request per change at the share of the limit
# left to pxmctl; target >= 0.9) and the 429s the sandbox answered.
#
# BACKGROUND=50/6 makes the sandbox spend that much of the limit as other
# integrations would (`pxmctl sandbox --background-load`); the floor is
# then what is left, and pxmctl must find it by itself (target: >= 0.9 of
# it, few 429s).
#
# Usage: benches/apply.sh   (env: COUNT=2000, LIMIT=100/6, CLIENT=95,
#                            BACKGROUND=off)
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-2000}
limit=${LIMIT:-100/6}
client_requests=${CLIENT:-95}
background=${BACKGROUND:-off}
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && { kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin pxmctl
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"

python3 - "$work" "$count" <<'PY'
import json, sys, os
work, n = sys.argv[1], int(sys.argv[2])
seed = {
    "regions": [{"id": "r1", "name": "Global", "is_primary": True}],
    "categories": [{"id": "k1", "name": "Bench"}],
    "collections": [
        {"id": f"c{i}", "name": f"Product {i}", "parent_id": "k1", "additional_title": f"SKU-{i:05}"}
        for i in range(n)
    ],
}
json.dump(seed, open(os.path.join(work, "seed.json"), "w"))
os.makedirs(os.path.join(work, "catalog"))
with open(os.path.join(work, "catalog", "catalog.yaml"), "w") as f:
    f.write("regions:\n  global: { name: Global }\ncategories:\n  bench: { name: Bench }\ncollections:\n")
    for i in range(n):
        f.write(f"  old-{i}: {{ name: Renamed product {i}, category: bench, sku: SKU-{i:05} }}\n")
    for i in range(n):
        f.write(f"  new-{i}: {{ name: New product {i}, category: bench, sku: NEW-{i:05} }}\n")
PY

"$bin" sandbox --seed "$work/seed.json" --rate-limit "$limit" \
  $( [ "$background" = off ] || echo --background-load "$background" ) \
  --client-id bench --client-secret bench-secret >"$work/env" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do grep -q '^PXM_CLIENT_SECRET=' "$work/env" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^PXM_BASE_URL=//p' "$work/env")
[ -n "$base" ] || { echo "sandbox did not start" >&2; exit 1; }
window=${limit#*/}
cat >"$work/catalog/pxmctl.yaml" <<YAML
environments:
  bench:
    base_url: $base
    client_id: bench
    page_size: 1000
    concurrency: 16
    rate_limit: { requests: $client_requests, window_seconds: $window }
YAML
export PXM_CLIENT_SECRET=bench-secret PXM_TOKEN_CACHE=off NO_COLOR=1

/usr/bin/time -f '%e %M' -o "$work/time" "$bin" apply "$work/catalog" --auto-approve -q 2>"$work/err" >/dev/null
read -r wall rss < <(tail -n 1 "$work/time")
summary=$(grep 'Apply' "$work/err" | tail -n 1)
echo "$summary"
grep '^It slowed' "$work/err" || true
changes=$(sed -n 's/.*complete! \([0-9]*\) done.*/\1/p' <<<"$summary")
requests=$(sed -n 's/.* in \([0-9.]*\) s (\([0-9]*\) requests.*/\2/p' <<<"$summary")
seconds=$(sed -n 's/.* in \([0-9.]*\) s (\([0-9]*\) requests.*/\1/p' <<<"$summary")
stats=$(curl -s "$base/_sandbox/stats")
python3 - "$changes" "$requests" "$seconds" "$limit" "$background" "$wall" "$rss" "$stats" <<'PY'
import json, sys
changes, requests, seconds, limit, background, wall, rss, stats = sys.argv[1:]
stats = json.loads(stats)
n, w = (float(x) for x in limit.split("/"))
left = n / w
if background != "off":
    b, bw = (float(x) for x in background.split("/"))
    left -= b / bw
seconds = float(seconds)
per_s = float(changes) / seconds
print(f"apply: {changes} changes, {requests} requests ({float(requests) / float(changes):.3f} per change) in {seconds:.1f} s; "
      f"{per_s:.2f} changes/s; floor {left:.2f}/s (limit {n:g}/{w:g} s, background {background}); "
      f"fraction of the floor {per_s / left:.3f}; 429s {stats['rate_limited']}; "
      f"background admitted {stats.get('background_admitted', 0)}, refused {stats.get('background_refused', 0)}; "
      f"process wall {wall} s, peak RSS {int(rss) // 1024} MB")
PY
"$bin" plan "$work/catalog" --detailed-exitcode >/dev/null 2>&1 && echo "second plan: no changes" || echo "second plan: NOT empty"
