#!/usr/bin/env bash
# Runs every test and prints one closing line: "N passed, N failed, N skipped".
#   unit: each tests/unit binary (cmocka); every test case counts once
#   fuzz: each libFuzzer target, a short bounded run over its seed corpus
#   integration: each tests/integration/*.sh; it prints PASS:/FAIL:/SKIP: lines
# Usage: tests/run.sh --build DIR [--also-unit DIR2] [--only REGEX]
set -u
cd "$(dirname "$0")/.."
BUILD=build
ALSO=""
ONLY="${TESTS:-.}"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --also-unit) ALSO=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
export VF_BUILD="$PWD/$BUILD" VF_ROOT="$PWD"
pass=0 fail=0 skip=0
failed_names=()
LOG=$(mktemp -d /tmp/vf-test.XXXXXX)

count_cmocka() { # $1 label, $2 output file, $3 exit code
  local ok bad sk
  # cmocka names a failed or skipped case twice (as it ends, and in the closing
  # list): count distinct names.
  ok=$(grep -c '^\[       OK \]' "$2")
  bad=$(grep -E '^\[  (FAILED|ERROR)   ?\] [A-Za-z_][A-Za-z0-9_]*$' "$2" | sort -u | wc -l)
  sk=$(grep -E '^\[  SKIPPED \] [A-Za-z_][A-Za-z0-9_]*$' "$2" | sort -u | wc -l)
  pass=$((pass + ok)); skip=$((skip + sk))
  if [ "$bad" -gt 0 ] || { [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    [ "$bad" -eq 0 ] && bad=1 # crashed or failed outside a case
    fail=$((fail + bad)); failed_names+=("$1")
    echo "FAIL: $1 (exit $3)"; sed 's/^/    /' "$2" | grep -E 'FAIL|ERROR|error|Sanitizer|runtime' | head -20
  else
    echo "ok:   $1 ($ok cases)"
  fi
  if [ "$sk" -gt 0 ]; then # the reason is what the test printed before it skipped
    grep -E -B3 '^\[  SKIPPED \] [A-Za-z_][A-Za-z0-9_]*$' "$2" | grep -vE '^\[|^--' | sort -u |
      head -5 | sed 's/^/  SKIP: /'
  fi
}

run_units() { # $1 build dir, $2 label prefix
  local b
  for b in "$1"/tests/test_*; do
    [ -x "$b" ] || continue
    local name="$2$(basename "$b")"
    [[ "$name" =~ $ONLY ]] || continue
    local out="$LOG/$(echo "$name" | tr '/:' '__').out"
    CMOCKA_MESSAGE_OUTPUT=stdout VF_ROOT="$PWD" timeout 300 "$b" >"$out" 2>&1
    count_cmocka "$name" "$out" $?
  done
}

run_units "$BUILD" ""
[ -n "$ALSO" ] && run_units "$ALSO" "asan:"

# Fuzz smoke: a bounded run per target over the committed seed corpus.
for f in build/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name="fuzz:$(basename "$f")"
  [[ "$name" =~ $ONLY ]] || continue
  corpus="tests/fuzz/corpus/$(basename "$f" | sed 's/^fuzz_//')"
  work=$(mktemp -d "$LOG/corpus.XXXX")
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
  out="$LOG/$(basename "$f").out"
  if timeout 120 "$f" -max_total_time="${FUZZ_SMOKE_SECONDS:-5}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$LOG/" "$work" >"$out" 2>&1; then
    pass=$((pass + 1))
    echo "ok:   $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$out" | awk '{print $2}') execs, no crash)"
  else
    fail=$((fail + 1)); failed_names+=("$name")
    echo "FAIL: $name"; grep -E 'ERROR|SUMMARY|crash|Test unit written' "$out" | head -10 | sed 's/^/    /'
  fi
done

# Integration: each script prints PASS:/FAIL:/SKIP: lines for what it checks.
for t in tests/integration/*.sh; do
  [ -f "$t" ] || continue
  name="integration:$(basename "$t" .sh)"
  [[ "$name" =~ $ONLY ]] || continue
  out="$LOG/$(basename "$t").out"
  t0=$SECONDS
  timeout "${INTEGRATION_TIMEOUT:-600}" bash "$t" >"$out" 2>&1
  rc=$?
  echo "# $name: $((SECONDS - t0)) s"
  p=$(grep -c '^PASS:' "$out"); f=$(grep -c '^FAIL:' "$out"); s=$(grep -c '^SKIP:' "$out")
  pass=$((pass + p)); skip=$((skip + s))
  if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then f=1; echo "FAIL: $name exited $rc" >>"$out"; fi
  fail=$((fail + f))
  [ "$f" -gt 0 ] && failed_names+=("$name")
  sed -n -e 's/^\(PASS\|FAIL\|SKIP\):/  \1:/p' "$out"
  if [ "$f" -gt 0 ]; then echo "FAIL: $name (log: $out)"; tail -30 "$out" | sed 's/^/    /'; fi
done

if [ ${#failed_names[@]} -gt 0 ]; then echo "failed: ${failed_names[*]}"; fi
echo "logs: $LOG"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
