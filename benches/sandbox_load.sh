#!/usr/bin/env bash
# Load benchmark of `pxmctl sandbox`: authorized small GETs (GET /v2.1/region)
# on loopback with the rate limit off, measured with wrk for a bounded time.
# Target: at least 5,000 requests/s on a 2-core machine.
#
# Usage: benches/sandbox_load.sh   (env: DURATION=10s THREADS=2 CONNECTIONS=32)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq wrk
fi

cargo build --release --quiet --bin pxmctl
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"

out=$(mktemp)
"$bin" sandbox --rate-limit off >"$out" 2>/dev/null &
pid=$!
cleanup() {
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  grep -q '^PXM_CLIENT_SECRET=' "$out" && break
  sleep 0.05
done
base=$(sed -n 's/^PXM_BASE_URL=//p' "$out")
id=$(sed -n 's/^PXM_CLIENT_ID=//p' "$out")
secret=$(sed -n 's/^PXM_CLIENT_SECRET=//p' "$out")
[ -n "$base" ] || { echo "sandbox did not start" >&2; exit 1; }

token=$(curl -fsS -u "$id:$secret" -H 'Content-Type: application/json' \
  -d '{"grant_type":"client_credentials"}' "$base/v2.1/oauth/authorize" |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/v2.1/region"

report=$(wrk -t"$threads" -c"$connections" -d"$duration" \
  -H "Authorization: Bearer $token" "$base/v2.1/region")
echo "$report"
rps=$(echo "$report" | awk '/Requests\/sec/ {print $2}')
non2xx=$(echo "$report" | awk '/Non-2xx/ {print $NF}')
echo "sandbox_load: ${rps} GET /v2.1/region per second (${threads} wrk threads, ${connections} connections, ${duration}; non-2xx: ${non2xx:-0})"
