#!/usr/bin/env bash
# Benchmark of reading a large account: `pxmctl status` (which fetches the
# full live snapshot) against `pxmctl sandbox` seeded with 100,000
# collections, 10,000 categories, 500 attributes, 20,000 files and 100
# resources. Reports the requests used against the minimum (one page per
# `limit` objects per kind, plus one authorize), wall time and peak RSS.
#
# Two runs:
#   unthrottled  sandbox limit off, client limit raised: the client's own cost
#   realistic    sandbox at the API's 1,000/60 s, client at its default 950/60 s
#
# Usage: benches/snapshot.sh   (env: COLLECTIONS=100000 PAGE_SIZES="100 1000")
set -euo pipefail
cd "$(dirname "$0")/.."

collections=${COLLECTIONS:-100000}
page_sizes=${PAGE_SIZES:-"100 1000"}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin pxmctl
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"
python3 scripts/gen_seed.py "$work/seed.json" --collections "$collections"

# start_sandbox RATE_LIMIT -> sets base
start_sandbox() {
  "$bin" sandbox --seed "$work/seed.json" --rate-limit "$1" \
    --client-id bench --client-secret bench-secret >"$work/env" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 1 600); do
    grep -q '^PXM_CLIENT_SECRET=' "$work/env" 2>/dev/null && break
    sleep 0.1
  done
  base=$(sed -n 's/^PXM_BASE_URL=//p' "$work/env")
  [ -n "$base" ] || { echo "sandbox did not start" >&2; exit 1; }
}

# minimum PAGE: sum over kinds of floor(n/page)+1, plus one authorize
minimum() {
  python3 - "$1" "$work/seed.json" <<'PY'
import json, sys
page = int(sys.argv[1]); seed = json.load(open(sys.argv[2]))
kinds = ["regions", "attributes", "attribute_groups", "categories", "collections", "files", "resources"]
print(sum(len(seed.get(k, [])) // page + 1 for k in kinds) + 1)
PY
}

# run LABEL PAGE RATE_REQUESTS
run() {
  mkdir -p "$work/cat-$1-$2"
  cat >"$work/cat-$1-$2/pxmctl.yaml" <<YAML
environments:
  bench:
    base_url: $base
    client_id: bench
    page_size: $2
    rate_limit: { requests: $3, window_seconds: 60 }
YAML
  /usr/bin/time -f '%e %M' -o "$work/time" env PXM_CLIENT_SECRET=bench-secret PXM_TOKEN_CACHE=off \
    "$bin" status "$work/cat-$1-$2" >"$work/out"
  requests=$(sed -n 's/.*(\([0-9]*\) requests).*/\1/p' "$work/out")
  read -r wall rss <"$work/time"
  printf '%-12s page %-5s requests %5s (minimum %5s)  wall %6.2f s  peak RSS %4d MB\n' \
    "$1" "$2" "$requests" "$(minimum "$2")" "$wall" "$((rss / 1024))"
}

echo "account: $(sed -n 's/^live *//p' "$work/out" 2>/dev/null || true)"
start_sandbox off
for page in $page_sizes; do run unthrottled "$page" 1000000; done
grep '^live' "$work/out"
kill -INT "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
start_sandbox 1000/60
for page in $page_sizes; do run realistic "$page" 950; done
