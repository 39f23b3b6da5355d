#!/usr/bin/env bash
# bench/fuzz.sh - longer libFuzzer runs than the smoke run in tests/run.sh.
# Builds the targets (make fuzz), then runs each build/fuzz/fuzz_* (or only the
# targets named as arguments, e.g. `bench/fuzz.sh fuzz_of10`) for FUZZ_SECONDS
# (default 60) over a fresh work dir plus a copy of tests/fuzz/corpus/<name>/
# (<name> is the target without "fuzz_"; the committed seeds are never written).
# Prints "TARGET execs=N crashes=N" per target; crash artifacts and logs stay in
# FUZZ_OUT (default build/fuzz-run/<time>). Exit 1 on any crash, 2 on a build
# or usage error. FUZZ_LIB_SRCS, when set, replaces the library sources the
# targets are linked with (e.g. FUZZ_LIB_SRCS='$(wildcard src/of10/*.c)' while
# another module does not build).
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT=${FUZZ_OUT:-build/fuzz-run/$(date +%Y%m%d-%H%M%S)}
case "$SECONDS_EACH" in ''|*[!0-9]*) echo "fuzz.sh: FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac

# Named targets are built alone, so a broken unrelated target does not block them.
build=(fuzz)
for t in "$@"; do build+=("build/fuzz/$(basename "$t")"); done
[ $# -gt 0 ] && build=("${build[@]:1}")
make_args=(--no-print-directory)
[ -n "${FUZZ_LIB_SRCS:-}" ] && make_args+=("FUZZ_LIB_SRCS=$FUZZ_LIB_SRCS")
if ! make "${make_args[@]}" "${build[@]}" >"${TMPDIR:-/tmp}/vf-fuzz-build.$$.log" 2>&1; then
  echo "fuzz.sh: make fuzz failed:" >&2
  tail -30 "${TMPDIR:-/tmp}/vf-fuzz-build.$$.log" >&2
  rm -f "${TMPDIR:-/tmp}/vf-fuzz-build.$$.log"
  exit 2
fi
rm -f "${TMPDIR:-/tmp}/vf-fuzz-build.$$.log"

targets=()
if [ $# -gt 0 ]; then
  for t in "$@"; do
    t=build/fuzz/$(basename "$t")
    [ -x "$t" ] || { echo "fuzz.sh: no target $t" >&2; exit 2; }
    targets+=("$t")
  done
else
  for t in build/fuzz/fuzz_*; do [ -x "$t" ] && targets+=("$t"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz targets built" >&2; exit 2; }

mkdir -p "$OUT"
total_crashes=0
for t in "${targets[@]}"; do
  name=$(basename "$t")
  dir=$OUT/$name
  mkdir -p "$dir/work" "$dir/seeds" "$dir/artifacts"
  seeds=tests/fuzz/corpus/${name#fuzz_}
  [ -d "$seeds" ] && cp -r "$seeds"/. "$dir/seeds"/ 2>/dev/null
  # New inputs go to the first directory (work); seeds are read from the copy.
  timeout $((SECONDS_EACH + 120)) "$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
    "$dir/work" "$dir/seeds" >"$dir/log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/log" | awk '{print $2}' | tail -1)
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  # A non-zero exit without an artifact (e.g. killed by timeout) still counts.
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  echo "$name execs=${execs:-0} crashes=$crashes"
  if [ "$crashes" -gt 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$dir/log" | head -10 | sed 's/^/    /'
    echo "    log: $dir/log  artifacts: $dir/artifacts"
  fi
  total_crashes=$((total_crashes + crashes))
done
echo "fuzz output: $OUT"
[ "$total_crashes" -eq 0 ] || exit 1
exit 0
