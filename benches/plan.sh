#!/usr/bin/env bash
# Benchmark of `pxmctl plan` on a large account: a sandbox seeded with
# 100,000 collections, 10,000 categories, 500 attributes and 20,000 files,
# exported with `pxmctl export` (so the catalog matches exactly), then
# planned twice: unchanged (a no-op plan) and with 1% of the collections
# renamed. Reports requests (they must equal the snapshot's), wall time,
# peak RSS, and the time spent after the snapshot (match, diff, graph,
# render; target < 1 s).
#
# The other kinds grow with COLLECTIONS (a tenth as many categories, one
# in 200 attributes, a fifth as many files: the default sizes at 100,000),
# unless CATEGORIES, ATTRIBUTES or FILES say otherwise. Files are 1,000 to
# 1,999 bytes (FILE_SIZE): the sandbox keeps every file's bytes in memory,
# and the plan reads only their metadata.
#
# A before/after is one command: BASE_BIN=path/to/old/pxmctl plans with
# both builds, interleaved, ROUNDS times each (default 1), against the
# same sandbox and catalog. Wall time on a shared machine can vary by half
# between runs; compare within one, and look at the CPU time beside it.
#
# Usage: benches/plan.sh   (env: COLLECTIONS=100000 PAGE_SIZE=1000
#                           CATEGORIES ATTRIBUTES FILES FILE_SIZE
#                           BASE_BIN ROUNDS=1)
set -euo pipefail
cd "$(dirname "$0")/.."

collections=${COLLECTIONS:-100000}
categories=${CATEGORIES:-$(( collections / 10 > 1 ? collections / 10 : 1 ))}
attributes=${ATTRIBUTES:-$(( collections / 200 > 1 ? collections / 200 : 1 ))}
files=${FILES:-$(( collections / 5 ))}
file_size=${FILE_SIZE:-1000}
page=${PAGE_SIZE:-1000}
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && { kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin pxmctl
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"
python3 scripts/gen_seed.py "$work/seed.json" --collections "$collections" \
  --categories "$categories" --attributes "$attributes" --files "$files" --file-size "$file_size"
echo "account: $collections collections, $categories categories, $attributes attributes, $files files"
"$bin" sandbox --seed "$work/seed.json" --rate-limit off \
  --client-id bench --client-secret bench-secret >"$work/env" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do grep -q '^PXM_CLIENT_SECRET=' "$work/env" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^PXM_BASE_URL=//p' "$work/env")
[ -n "$base" ] || { echo "sandbox did not start" >&2; exit 1; }

mkdir -p "$work/catalog"
cat >"$work/catalog/pxmctl.yaml" <<YAML
environments:
  bench:
    base_url: $base
    client_id: bench
    page_size: $page
    rate_limit: { requests: 1000000, window_seconds: 60 }
YAML
export PXM_CLIENT_SECRET=bench-secret PXM_TOKEN_CACHE=off NO_COLOR=1
/usr/bin/time -f '%e %M' -o "$work/time" "$bin" export --out "$work/catalog" 2>"$work/err" >/dev/null
read -r wall rss <"$work/time"
printf 'export        wall %6.2f s  peak RSS %4d MB  (%s)\n' "$wall" "$((rss / 1024))" "$(tail -n 1 "$work/err" | head -c 100)"

# plan_with LABEL BIN
plan_with() {
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$2" plan "$work/catalog" -v --detailed-exitcode \
    >"$work/plan.txt" 2>"$work/err"
  code=$?
  set -e
  # time(1) adds a "Command exited with non-zero status" line first.
  read -r wall user sys rss < <(tail -n 1 "$work/time")
  requests=$(sed -n 's/^read .*(\([0-9]*\) requests)$/\1/p' "$work/err")
  after=$(sed -n 's/.*planned and rendered \([0-9]*\) actions in \([0-9]*\) ms.*/\1 actions, \2 ms/p' "$work/err")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '%-18s  exit %d  requests %4s  wall %6.2f s  cpu %6.2f s  peak RSS %4d MB  after snapshot: %s\n' \
    "$1" "$code" "$requests" "$wall" "$cpu" "$((rss / 1024))" "$after"
}

# plan LABEL: every round, the base build (when given) then this one.
plan() {
  for round in $(seq 1 "${ROUNDS:-1}"); do
    if [ -n "${BASE_BIN:-}" ]; then
      plan_with "$1 base r$round" "$BASE_BIN"
    fi
    plan_with "$1${BASE_BIN:+ new r$round}" "$bin"
  done
  tail -n 1 "$work/plan.txt"
}

plan "no-op"
# Rename every 100th collection: 1% of the entries change.
python3 - "$work/catalog" <<'PY'
import pathlib, re, sys
n = 0
for path in sorted(pathlib.Path(sys.argv[1], "collections").glob("*.yaml")):
    lines = path.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = re.match(r"^(\s+name: )(Product (\d+))$", line.rstrip("\n"))
        if m and int(m.group(3)) % 100 == 0:
            lines[i] = f"{m.group(1)}{m.group(2)} v2\n"
            n += 1
    path.write_text("".join(lines))
print(f"renamed {n} collections", file=sys.stderr)
PY
plan "1% changed"
