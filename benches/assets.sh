#!/usr/bin/env bash
# Benchmark of asset handling, three figures:
#
# 1. hash: SHA-256 throughput of `hash_assets` (the `hash` bench target,
#    no cache) against `sha256sum` on the same SIZE MiB file, both run
#    twice with the file in the page cache, best of each (target ≥ 0.9).
# 2. upload: one SIZE MiB asset (a PNG signature and random bytes)
#    uploaded by `pxmctl apply` to a sandbox (rate limit off, multipart
#    threshold above the file: one presigned PUT) against `curl -T` of
#    the same file to a presigned URL of the same sandbox (target ≥ 0.8
#    of curl's throughput), and pxmctl's peak RSS (target < 100 MiB).
#    pxmctl's PUT time is its upload action's `ms` from `apply --json`
#    less the request-upload and confirm-upload times its `-v` log shows:
#    confirm makes the sandbox copy and MD5 the whole blob, which would
#    otherwise hide the client's speed. The whole three steps are shown
#    too, for pxmctl and for curl doing the same three calls. A second
#    line reports a multipart upload (8 MiB parts, the sandbox default).
#    The sandbox keeps blobs in memory (`--data` would write them to disk
#    and still read each whole into memory at confirm), so each upload
#    runs in a fresh sandbox: its peak stays near 2-3 times SIZE.
# 3. plan: the second plan of COUNT unchanged assets, with the hash cache
#    in CATALOG/.pxmctl/hashes.json warm, against planning the same file
#    entries without `path:` (name-only: the same live snapshot, no
#    asset gate) (target ≤ 1.1x). Best of 3 each, after one untimed plan;
#    every plan must be empty. The assets' modification times are set an
#    hour back so cached hashes are never distrusted as "racy". A build
#    whose plan does not hash yet writes no cache, and the line says so.
#
# Usage: benches/assets.sh   (env: SIZE=2048 (MiB), COUNT=5000,
#                             STEPS="hash upload plan", any subset)
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib=${SIZE:-2048}
count=${COUNT:-5000}
steps=" ${STEPS:-hash upload plan} "
wants() { [[ "$steps" == *" $1 "* ]]; }
work=$(mktemp -d)
pid=""
stop_sandbox() {
  if [ -n "$pid" ]; then
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
cleanup() {
  stop_sandbox
  rm -rf "$work"
}
trap cleanup EXIT

for tool in curl sha256sum /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "assets.sh needs $tool" >&2; exit 1; }
done
# The interpreter itself: a version manager's shim costs ~0.1 s a call.
py=$(python3 -c 'import sys; print(sys.executable)')

cargo build --release --quiet --bin pxmctl
cargo bench --quiet --bench hash --no-run
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"
export PXM_CLIENT_SECRET=bench-secret PXM_TOKEN_CACHE=off NO_COLOR=1

# start_sandbox FLAGS...: a fresh in-memory sandbox; sets pid and base.
start_sandbox() {
  stop_sandbox
  rm -f "$work/env"
  "$bin" sandbox --rate-limit off --client-id bench --client-secret bench-secret "$@" \
    >"$work/env" 2>>"$work/sandbox.log" &
  pid=$!
  for _ in $(seq 1 600); do grep -q '^PXM_CLIENT_SECRET=' "$work/env" 2>/dev/null && break; sleep 0.1; done
  base=$(sed -n 's/^PXM_BASE_URL=//p' "$work/env")
  [ -n "$base" ] || { echo "sandbox did not start" >&2; exit 1; }
}

# write_config DIR: pxmctl.yaml for the running sandbox, client limit out of the way.
write_config() {
  cat >"$1/pxmctl.yaml" <<YAML
environments:
  bench:
    base_url: $base
    client_id: bench
    page_size: 1000
    concurrency: 16
    rate_limit: { requests: 1000000, window_seconds: 60 }
YAML
}

# json EXPR: evaluates a Python expression over `d`, the JSON on stdin.
json() { "$py" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# since T0: seconds from T0 (an $EPOCHREALTIME) to now.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }'; }
# least A B: the smaller number; A may be empty.
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

if wants hash || wants upload; then
# The big asset: a PNG signature (what the asset check sniffs) and random bytes.
mkdir -p "$work/up/assets"
big="$work/up/assets/big.png"
bytes=$((size_mib * 1024 * 1024))
{ printf '\x89PNG\r\n\x1a\n'; head -c $((bytes - 8)) /dev/urandom; } >"$big"
cat >"$work/up/catalog.yaml" <<'YAML'
files:
  big:
    path: assets/big.png
YAML

fi

# ---------------------------------------------------------------- 1. hash
if wants hash; then
cat "$big" >/dev/null
best_ours="" best_ref=""
for _ in 1 2; do
  line=$(cargo bench --quiet --bench hash -- "$big" | grep 'GB/s')
  s=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' <<<"$line")
  best_ours=$(least "$best_ours" "$s")
  t0=$EPOCHREALTIME
  sha256sum "$big" >/dev/null
  best_ref=$(least "$best_ref" "$(since "$t0")")
done
"$py" - "$bytes" "$best_ours" "$best_ref" <<'PY'
import sys
n, ours, ref = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
a, b = n / ours / 1e9, n / ref / 1e9
print(f"hash: {a:.2f} GB/s vs sha256sum {b:.2f} GB/s = {a / b:.2f} (target ≥ 0.9)")
PY

fi

# -------------------------------------------------------------- 2. upload
if wants upload; then
# curl: the three steps of the upload guide, each timed by curl itself (no
# JSON parsing inside the timings); a fresh sandbox.
start_sandbox --multipart-threshold $((bytes + 1))
token=$(curl -sS -f -u bench:bench-secret -H 'Content-Type: application/json' \
  -d '{"grant_type":"client_credentials"}' "$base/v2.1/oauth/authorize" | json 'd["access_token"]')
request_s=$(curl -sS -f -o "$work/session.json" -w '%{time_total}' \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"filename\":\"curl.png\",\"file_name\":\"curl.png\",\"mime_type\":\"image/png\",\"size\":$bytes}" \
  "$base/v2.1/file/request-upload")
url=$(json 'd["upload_data"]["upload_url"]' <"$work/session.json")
file_path=$(json 'd["upload_data"]["file_path"]' <"$work/session.json")
put_s=$(curl -sS -f -o /dev/null -w '%{time_total}' -T "$big" -H 'Content-Type: image/png' "$url")
confirm_s=$(curl -sS -f -o /dev/null -w '%{time_total}' \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"file_path\":\"$file_path\",\"file_name\":\"curl.png\",\"file_size\":$bytes}" \
  "$base/v2.1/file/confirm-upload")
stop_sandbox

# upload LABEL SANDBOX-FLAGS...: `pxmctl apply -v --json` of the one-asset
# catalog in a fresh sandbox; prints the figure line. The upload action's
# `ms` covers request-upload, the PUT(s) and confirm-upload; the `-v` log
# gives the two API calls' times, so the PUTs' time is what is left.
upload() {
  local label=$1
  shift
  start_sandbox "$@"
  write_config "$work/up"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" apply "$work/up" --auto-approve --json -v \
    >"$work/events" 2>"$work/log" || { tail -n 20 "$work/log" "$work/sandbox.log" >&2; exit 1; }
  read -r wall rss < <(tail -n 1 "$work/time")
  puts=$(curl -sS "$base/_sandbox/stats" | json 'd["requests"].get("PUT /_store/{*key}", {}).get("200", 0)')
  "$py" - "$label" "$bytes" "$request_s" "$put_s" "$confirm_s" "$wall" "$rss" "$puts" "$work/events" "$work/log" <<'PY'
import json, re, sys
label, n, request_s, put_s, confirm_s, wall, rss, puts, events, log = sys.argv[1:]
n, rss = int(n), int(rss)
curl_put, curl_all = float(put_s), float(request_s) + float(put_s) + float(confirm_s)
ms = [e["ms"] for e in map(json.loads, open(events))
      if e.get("event") == "action" and e.get("op") == "upload" and e.get("outcome") == "done"]
if len(ms) != 1:
    sys.exit(f"upload {label}: expected one finished upload action in the JSON events, got {len(ms)}")
api_ms = sum(int(m) for m in re.findall(r"/file/(?:request|confirm)-upload → 2\d\d \(\d+ bytes, (\d+) ms\)", open(log).read()))
whole = ms[0] / 1000
put = (ms[0] - api_ms) / 1000
mib = n / 2**20
if label == "single":
    figure = f"PUT {put:.2f} s = {mib / put:.0f} MiB/s vs curl -T {curl_put:.2f} s = {mib / curl_put:.0f} MiB/s = {curl_put / put:.2f} (target ≥ 0.8)"
else:
    figure = f"{puts} PUTs {put:.2f} s = {mib / put:.0f} MiB/s, {curl_put / put:.2f} of curl's single PUT"
print(f"upload {label} ({mib:.0f} MiB): {figure}; request+PUT+confirm {whole:.2f} s vs curl {curl_all:.2f} s; "
      f"apply wall {float(wall):.2f} s, peak RSS {rss / 1024:.0f} MiB (target < 100 MiB)")
PY
  stop_sandbox
}
upload single --multipart-threshold $((bytes + 1))
# 8 MiB: the sandbox's default part size, written out so the figure says it.
upload "multipart, 8 MiB parts" --part-size $((8 << 20))

fi

# ---------------------------------------------------------------- 3. plan
if wants plan; then
"$py" - "$work" "$count" <<'PY'
import os, struct, sys, time, zlib
work, n = sys.argv[1], int(sys.argv[2])

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def png(i):
    # 1x1 grey pixel; the tEXt chunk makes every file distinct.
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0asset %d" % i)
            + chunk(b"IDAT", zlib.compress(b"\0\x80"))
            + chunk(b"IEND", b""))

old = time.time() - 3600
with_assets, name_only = os.path.join(work, "many"), os.path.join(work, "names")
os.makedirs(os.path.join(with_assets, "assets"))
os.makedirs(name_only)
a = ["files:\n"]
b = ["files:\n"]
for i in range(n):
    path = os.path.join(with_assets, "assets", f"a-{i:05}.png")
    with open(path, "wb") as f:
        f.write(png(i))
    os.utime(path, (old, old))
    a.append(f"  a-{i:05}: {{ path: assets/a-{i:05}.png }}\n")
    b.append(f"  a-{i:05}: {{ name: a-{i:05}.png }}\n")
open(os.path.join(with_assets, "catalog.yaml"), "w").write("".join(a))
open(os.path.join(name_only, "catalog.yaml"), "w").write("".join(b))
PY
start_sandbox
write_config "$work/many"
write_config "$work/names"
t0=$EPOCHREALTIME
"$bin" apply "$work/many" --auto-approve --json >"$work/events" 2>"$work/err" || { tail -n 20 "$work/err" >&2; exit 1; }
s=$(since "$t0")
uploaded=$("$py" -c 'import json, sys; print(sum(e.get("op") == "upload" and e.get("outcome") == "done" for e in map(json.loads, open(sys.argv[1]))))' "$work/events")
[ "$uploaded" -eq "$count" ] || { echo "setup: $uploaded of $count assets uploaded" >&2; exit 1; }
printf 'setup: uploaded %d assets in %.1f s\n' "$count" "$s"

# plan_once DIR: one `plan -v --detailed-exitcode` of DIR, which must be
# empty; sets s (wall seconds), rss (KiB) and requests.
plan_once() {
  t0=$EPOCHREALTIME
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" plan "$1" -v --detailed-exitcode \
    >"$work/plan.txt" 2>"$work/err"
  code=$?
  set -e
  s=$(since "$t0")
  [ "$code" -eq 0 ] || { echo "plan of $1 exited $code (0: no changes, expected):" >&2; tail -n 5 "$work/plan.txt" "$work/err" >&2; exit 1; }
  read -r _ rss < <(tail -n 1 "$work/time")
  requests=$(sed -n 's/^read .*(\([0-9]*\) requests)$/\1/p' "$work/err")
}
# One untimed plan each (with the gate, the first after apply may hash),
# then 3 rounds taking turns, best of each.
plan_once "$work/names"
plan_once "$work/many"
cache="$work/many/.pxmctl/hashes.json"
[ -f "$cache" ] && cp "$cache" "$work/hashes.before"
many_s="" names_s=""
for _ in 1 2 3; do
  plan_once "$work/names"
  names_s=$(least "$names_s" "$s") names_rss=$rss names_requests=$requests
  plan_once "$work/many"
  many_s=$(least "$many_s" "$s") many_rss=$rss many_requests=$requests
done
# A warm plan reads every hash from the cache and so leaves it as it was.
if [ ! -f "$cache" ]; then
  cached="no hash cache: this build's plan does not hash assets"
elif cmp -s "$cache" "$work/hashes.before"; then
  cached="$(json 'len(d["entries"])' <"$cache") hashes cached, cache untouched by the timed plans"
else
  cached="WARNING: a timed plan rewrote the hash cache (it was not warm)"
fi
"$py" - "$count" "$many_s" "$names_s" "$many_rss" "$names_rss" "$many_requests" "$names_requests" "$cached" <<'PY'
import sys
n, a, b, ra, rb, qa, qb, cached = sys.argv[1:]
a, b = float(a), float(b)
print(f"plan: {n} unchanged assets, warm cache {a:.3f} s vs name-only {b:.3f} s = {a / b:.2f}x (target ≤ 1.1x); "
      f"requests {qa} vs {qb}, peak RSS {int(ra) // 1024} vs {int(rb) // 1024} MiB; {cached}")
PY
fi
