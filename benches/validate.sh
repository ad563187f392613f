#!/usr/bin/env bash
# Times `pxmctl validate` on a large synthetic catalog: 100,000 collections,
# 10,000 nested categories, 500 attributes in 50 files (see
# scripts/gen_catalog.py). Prints the wall time and peak memory (max RSS),
# and beside them a bare parse of the same files with the same parser
# (serde-saphyr into `IgnoredAny`, the `yaml_parse` bench target: the
# floor validate is measured against) and their ratio.
#
# Usage: benches/validate.sh [extra gen_catalog.py arguments]
#   e.g. benches/validate.sh --collections 20000
# Honours CARGO_TARGET_DIR. Set KEEP=1 to keep the generated catalog.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]]; then
  echo "benches/validate.sh needs GNU time: apt-get update && apt-get install -y time" >&2
  exit 2
fi

echo "== cargo build --release"
cargo build --release --quiet
# The bench's executable, run directly so time(1) measures it, not cargo.
parse_bin=$(cargo bench --bench yaml_parse --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
bin="${CARGO_TARGET_DIR:-target}/release/pxmctl"

dir="$(mktemp -d "${TMPDIR:-/tmp}/pxmctl-bench.XXXXXX")"
if [[ "${KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$dir"' EXIT
fi

echo "== generating the catalog"
python3 scripts/gen_catalog.py "$dir" "$@"
du -sh "$dir" | awk '{print "catalog size: " $1}'

echo "== pxmctl validate --format short"
report="$dir/time.txt"
status=0
/usr/bin/time -v -o "$report" "$bin" validate "$dir" --format short >"$dir/validate.out" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
  echo "validate exited $status (the generated catalog must be valid):" >&2
  head -n 40 "$dir/validate.out" >&2
  exit 1
fi
wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$report")
rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$report")
user=$(sed -n 's/^\s*User time (seconds): //p' "$report")
sys=$(sed -n 's/^\s*System time (seconds): //p' "$report")
cpu=$(sed -n 's/^\s*Percent of CPU this job got: //p' "$report")
echo "exit status: $status"
echo "wall time:   $wall (user ${user}s, sys ${sys}s, cpu $cpu)"
echo "max RSS:     $((rss_kb / 1024)) MiB ($rss_kb kB)"

echo "== bare parse of the same files"
# Once to warm the page cache as validate found it, then timed.
"$parse_bin" "$dir" >/dev/null
/usr/bin/time -v -o "$dir/parse-time.txt" "$parse_bin" "$dir" >"$dir/parse.out"
cat "$dir/parse.out"
parse_rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$dir/parse-time.txt")
echo "max RSS:     $((parse_rss_kb / 1024)) MiB"
parse_s=$(sed -n 's/.*wall \([0-9.]*\) s$/\1/p' "$dir/parse.out")
validate_s=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
awk -v v="$validate_s" -v p="$parse_s" 'BEGIN { printf "validate / bare parse: %.1fx\n", v / p }'
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "catalog kept in $dir"
fi
