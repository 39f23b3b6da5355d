#!/usr/bin/env bash
# bench/controller.sh - controller throughput, cbench style: bench/ofbench (N
# emulated OpenFlow 1.0 switches, 1000 MACs each) against, in one run:
#   1. ofecho              trivial responder: the generator's own ceiling
#   2. ovs-testcontroller  Open vSwitch's learning switch (Debian)
#   3. os-ken              bench/osken_simple_switch.py (simple_switch for OF1.0)
#   4. visorflow           build/visorflowd with l2_learning, when built
# each in latency mode (one PACKET_IN outstanding per switch) and throughput
# mode (up to --cap outstanding), a fresh controller process per run, the
# controller and the generator pinned to different cores when there are two.
# With --rounds N the whole sequence is repeated N times, interleaved, so a
# burst of noise from elsewhere on the machine hits every controller alike;
# the figures pool the measured loops of all rounds. Prints each run, a
# summary (avg ± stdev, median, and visorflow / each baseline as a ratio of
# medians) and a markdown table for docs/benchmarks.md. Each run also reports
# the controller's CPU time (its process and every process below it, from
# /proc) and the answers per CPU second over the whole ofbench run: other
# work time-sharing the controller's core lowers the rate but not this
# figure (a contended VM host, or a busy sibling hyperthread, lowers both).
#
# Usage: bench/controller.sh [--quick] [--rounds N] [--nice N] [--only LIST]
#                            [--no-install] [-- OFBENCH-ARGS...]
#   --quick        16 switches x 200 MACs, 3 loops x 500 ms (a smoke-sized run)
#   --rounds N     repeat everything N times, interleaved (1)
#   --nice N       niceness of generator and controller alike (-10 as root,
#                  else 0): other work on a shared machine then barely
#                  preempts them, which latency mode is most sensitive to
#   --only LIST    comma-separated subset of: ceiling,ovs,osken,visorflow
#   --no-install   do not apt-get install python3-os-ken when it is missing
#   OFBENCH-ARGS   passed to every ofbench run (e.g. -s 32 -c 256)
# Environment: VF_BUILD (default build), CTRL_CPU / GEN_CPU (default 0 / 1).
# Exit: 0 when every baseline that could run ran; 1 when a run failed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
VF_BUILD=${VF_BUILD:-$ROOT/build}
# t_free_port and friends; its cleanup trap is replaced by ours below (we
# register nothing with t_on_exit).
. tests/lib.sh
QUICK=0 INSTALL=1 ROUNDS=1 ONLY=ceiling,ovs,osken,visorflow
NICE=0
[ "$(id -u)" -eq 0 ] && NICE=-10
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --nice) NICE=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "controller.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "controller.sh: --rounds must be a number >= 1" >&2; exit 2 ;; esac
[[ "$NICE" =~ ^-?[0-9]+$ ]] || { echo "controller.sh: --nice must be a number" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then
  GEN_ARGS=(-s 16 -M 200 -l 3 -m 500 -w 1)
else
  GEN_ARGS=(-s 16 -M 1000 -l 10 -m 1000 -w 1) # cbench's defaults
fi
GEN_ARGS+=("${EXTRA[@]}")
wanted() { [[ ",$ONLY," == *",$1,"* ]]; }

TMP=$(mktemp -d /tmp/vf-bench-ctl.XXXXXX)
CTRL_PID=""
cleanup() {
  [ -n "$CTRL_PID" ] && stop_ctrl
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build and machine ----------------------------------------------------------
if ! make --no-print-directory -f bench/ofbench.mk B="$VF_BUILD" ofbench >"$TMP/build.log" 2>&1; then
  echo "controller.sh: building ofbench failed:" >&2
  tail -20 "$TMP/build.log" >&2
  exit 1
fi
OFBENCH=$VF_BUILD/bench/ofbench
OFECHO=$VF_BUILD/bench/ofecho

NCPU=$(nproc)
CTRL_CPU=${CTRL_CPU:-0} GEN_CPU=${GEN_CPU:-1}
# nice and taskset both exec, so the PID of the wrapped command is the
# controller's own.
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
  PIN_CTRL=(nice -n "$NICE" taskset -c "$CTRL_CPU") PIN_GEN=(nice -n "$NICE" taskset -c "$GEN_CPU")
  PIN_NOTE="controller on CPU $CTRL_CPU, generator on CPU $GEN_CPU (taskset), nice $NICE"
else
  PIN_CTRL=(nice -n "$NICE") PIN_GEN=(nice -n "$NICE")
  PIN_NOTE="not pinned ($NCPU CPU), nice $NICE"
fi
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MACHINE="$NCPU x ${CPU_MODEL:-unknown CPU}, Linux $(uname -r), $PIN_NOTE"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $MACHINE"
echo "# ofbench ${GEN_ARGS[*]} [--mode latency|throughput] 127.0.0.1:PORT"

# ---- controller processes ------------------------------------------------------
# start_ctrl NAME CMD...: start a controller pinned to CTRL_CPU (taskset execs,
# so CTRL_PID is the controller itself) and wait until PORT listens.
start_ctrl() {
  local name=$1 i; shift
  "${PIN_CTRL[@]}" "$@" >"$TMP/$name.log" 2>&1 &
  CTRL_PID=$!
  for i in $(seq 1 150); do
    [ -n "$(ss -Htln "sport = :$PORT" 2>/dev/null)" ] && return 0
    kill -0 "$CTRL_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "  $name did not listen on 127.0.0.1:$PORT; its log:"
  tail -15 "$TMP/$name.log" | sed 's/^/    /'
  stop_ctrl
  return 1
}

stop_ctrl() {
  local i
  kill "$CTRL_PID" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$CTRL_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CTRL_PID" 2>/dev/null
  wait "$CTRL_PID" 2>/dev/null
  CTRL_PID=""
}

run_ceiling() { start_ctrl ofecho "$OFECHO" -q "127.0.0.1:$PORT"; }

# Learning enabled (that is the default; -n would stop flow setup, -H makes a
# hub), OpenFlow 1.0 only, flows idle out after 60 s (the default, made
# explicit). Logs to a file, warnings only: per-connection INFO lines are noise.
run_ovs() {
  start_ctrl ovs-testcontroller ovs-testcontroller -O OpenFlow10 --max-idle=60 --no-chdir \
    --unixctl="$TMP/tc.ctl" --log-file="$TMP/tc.file.log" -vconsole:off -vfile:warn \
    "ptcp:$PORT:127.0.0.1"
}

run_osken() {
  start_ctrl os-ken /usr/bin/python3 -m os_ken.cmd.manager --ofp-listen-host 127.0.0.1 \
    --ofp-tcp-listen-port "$PORT" "$ROOT/bench/osken_simple_switch.py"
}

# ==== run_visorflow: ADAPT HERE to the final visorflowd command line ===========
# Assumes `visorflowd -c CONF`, CONF in the daemon's INI format with a
# [controller] section holding `listen` and `apps` (src/daemon/vfd_config.c),
# and the l2_learning app found as some l2_learning.lua in the tree (app_dir).
# Returns 2 (skip) when the binary is not built, 1 when it does not start.
run_visorflow() {
  local bin=$VF_BUILD/visorflowd conf=$TMP/visorflow.conf app
  [ -x "$bin" ] || { echo "  skipped: $bin not built (make)"; return 2; }
  app=$(find "$ROOT" -name l2_learning.lua -not -path '*/build/*' 2>/dev/null | head -1)
  {
    echo "[controller]"
    echo "listen = 127.0.0.1:$PORT"
    echo "apps = l2_learning"
    [ -n "$app" ] && echo "app_dir = $(dirname "$app")"
    echo "[daemon]"
    echo "control = $TMP/visorflow-ctl.sock" # the default /run/visorflow may not exist
    echo "log_level = warn"
  } >"$conf"
  start_ctrl visorflow "$bin" -c "$conf"
}
# ===============================================================================

declare -A AVG SD MED SKIPPED CPUMED
FAILED=0
CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: user + system clock ticks used so far by PID and every
# process below it (visorflowd's protection domains are its children).
cpu_ticks() {
  # cat, not awk on the files: a process that exits meanwhile must not stop the walk
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '{
      s = $0; sub(/^.*\) /, "", s); split(s, f, " ") # after "pid (comm) ": state ppid ...
      ppid[$1] = f[2]; t[$1] = f[12] + f[13] }
    END { in_tree[root] = 1
      do { more = 0
        for (p in ppid) if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; more = 1 }
      } while (more)
      for (p in in_tree) sum += t[p]
      print sum + 0 }'
}

# gen NAME MODE: one ofbench run against the controller on PORT; the rates of
# its measured (not warmup) loops are added to $TMP/rates.NAME.MODE.
gen() {
  local name=$1 mode=$2 out=$TMP/$1.$2.out rc t0 t1 cpu
  t0=$(cpu_ticks "$CTRL_PID")
  "${PIN_GEN[@]}" "$OFBENCH" "${GEN_ARGS[@]}" --mode "$mode" "127.0.0.1:$PORT" >"$out" 2>&1
  rc=$?
  t1=$(cpu_ticks "$CTRL_PID")
  sed 's/^/    /' "$out"
  if [ "$rc" -ne 0 ] || ! grep -q '^RESULT ' "$out"; then
    echo "  $name $mode: ofbench failed (exit $rc)"
    FAILED=1
    return 1
  fi
  awk '$1 == "loop" && $3 != "warmup" { print $3 }' "$out" >>"$TMP/rates.$name.$mode"
  # every answer of the run: the learning phase's and every loop's, warmup included
  cpu=$(awk -v ticks=$((t1 - t0)) -v hz="$CLK_TCK" '
    $1 == "learning:" { n += $7 }
    $1 == "RESULT" { for (i = 2; i <= NF; i++) if ($i ~ /^loop_ms=/) ms = substr($i, 9) }
    $1 == "loop" { r[++k] = $3 == "warmup" ? $4 : $3 }
    END { for (i = 1; i <= k; i++) n += r[i] * ms / 1000
          if (ticks > 0) printf "%.0f %.2f %.0f", n / (ticks / hz), ticks / hz, n }' "$out")
  if [ -n "$cpu" ]; then
    set -- $cpu
    echo "    cpu: $2 s of the controller's processes for $3 answers: $1 per CPU second"
    echo "$1" >>"$TMP/cpu.$name.$mode"
  fi
}

# stats NAME MODE: AVG, SD (population, as ofbench and cbench) and MED over
# every measured loop of every round.
stats() {
  local f=$TMP/rates.$1.$2 r
  [ -s "$f" ] || return 0
  r=$(sort -n "$f" | awk '{ v[NR] = $1; s += $1; q += $1 * $1 }
    END { a = s / NR; d = q / NR - a * a; if (d < 0) d = 0
          m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.0f %.0f %.0f", a, sqrt(d), m }')
  read -r AVG[$1.$2] SD[$1.$2] MED[$1.$2] <<<"$r"
}

# target NAME LABEL: fresh controller per mode, so no run inherits the other's
# state (learned MACs, queued answers).
target() {
  local name=$1 label=$2 mode rc
  wanted "$name" || return 0
  [ -n "${SKIPPED[$name]:-}" ] && return 0
  echo "== $label${ROUND_NOTE:-}"
  for mode in latency throughput; do
    PORT=$(t_free_port) || { echo "  no free port"; FAILED=1; return 1; }
    "run_$name"
    rc=$?
    [ "$rc" -eq 2 ] && { SKIPPED[$name]=1; return 0; }
    if [ "$rc" -ne 0 ]; then FAILED=1; continue; fi
    echo "  -- $mode mode (port $PORT)"
    gen "$name" "$mode"
    stop_ctrl
  done
}

OVS_VER=$(ovs-testcontroller --version 2>/dev/null | sed -n '1s/.* //p')
OSKEN_VER=$(/usr/bin/python3 -c 'import os_ken; print(os_ken.__version__)' 2>/dev/null)
if wanted osken && [ -z "$OSKEN_VER" ] && [ "$INSTALL" = 1 ] && [ "$(id -u)" -eq 0 ]; then
  echo "# installing python3-os-ken (Debian) for the os-ken baseline"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-os-ken >"$TMP/apt.log" 2>&1 ||
    tail -5 "$TMP/apt.log"
  OSKEN_VER=$(/usr/bin/python3 -c 'import os_ken; print(os_ken.__version__)' 2>/dev/null)
fi

if ! command -v ovs-testcontroller >/dev/null && wanted ovs; then
  echo "== ovs-testcontroller: skipped (not installed: scripts/deps.sh)"
  SKIPPED[ovs]=1
fi
if [ -z "$OSKEN_VER" ] && wanted osken; then
  echo "== os-ken: skipped (python3-os-ken not installed)"
  SKIPPED[osken]=1
fi
for ((round = 1; round <= ROUNDS; round++)); do
  [ "$ROUNDS" -gt 1 ] && ROUND_NOTE=" [round $round/$ROUNDS]"
  target ceiling "ofecho (trivial responder: generator ceiling)"
  target ovs "ovs-testcontroller $OVS_VER (learning switch)"
  target osken "os-ken $OSKEN_VER (bench/osken_simple_switch.py)"
  target visorflow "visorflow (l2_learning)"
done
for n in ceiling ovs osken visorflow; do
  for mode in latency throughput; do
    stats "$n" "$mode"
    f=$TMP/cpu.$n.$mode # median of the runs' answers per CPU second
    [ -s "$f" ] && CPUMED[$n.$mode]=$(sort -n "$f" | awk '{ v[NR] = $1 }
      END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  done
done

# ---- summary ----------------------------------------------------------------
fmt() { # integer with thousands separators, or "-"
  [ -n "${1:-}" ] || { echo "-"; return; }
  printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'
}
cell() { # NAME MODE -> "avg ± sd"
  [ -n "${AVG[$1.$2]:-}" ] || { echo "-"; return; }
  echo "$(fmt "${AVG[$1.$2]}") ± $(fmt "${SD[$1.$2]}")"
}
cell_med() { # NAME MODE -> median
  [ -n "${MED[$1.$2]:-}" ] || { echo "-"; return; }
  fmt "${MED[$1.$2]}"
}
ratio() { # visorflow / NAME in MODE, medians: a noise burst moves a mean, not a median
  [ -n "${MED[visorflow.$2]:-}" ] && [ -n "${MED[$1.$2]:-}" ] || { echo "-"; return; }
  awk -v a="${MED[visorflow.$2]}" -v b="${MED[$1.$2]}" 'BEGIN { if (b > 0) printf "%.3gx", a / b; else print "-" }'
}
NAMES=(ceiling ovs osken visorflow)
declare -A LABEL=([ceiling]="ofecho (generator ceiling)" [ovs]="ovs-testcontroller ${OVS_VER}"
                  [osken]="os-ken ${OSKEN_VER} simple_switch" [visorflow]="visorflow l2_learning")

echo
echo "== summary: PACKET_INs answered per second over the measured loops ($ROUNDS round(s))"
printf "%-28s %20s %10s %24s %12s %14s\n" controller "latency avg ± sd" median \
  "throughput avg ± sd" median "visorflow/this"
for n in "${NAMES[@]}"; do
  [ -n "${AVG[$n.latency]:-}${AVG[$n.throughput]:-}" ] || continue
  r="-"
  [ "$n" != visorflow ] && r="$(ratio "$n" latency) / $(ratio "$n" throughput)"
  printf "%-28s %20s %10s %24s %12s %14s\n" "${LABEL[$n]}" "$(cell "$n" latency)" \
    "$(cell_med "$n" latency)" "$(cell "$n" throughput)" "$(cell_med "$n" throughput)" "$r"
done
[ -n "${AVG[visorflow.latency]:-}" ] || echo "(visorflow not measured: no ratios)"
cpu_ratio() { # visorflow / NAME in MODE, answers per CPU second
  [ -n "${CPUMED[visorflow.$2]:-}" ] && [ -n "${CPUMED[$1.$2]:-}" ] || { echo "-"; return; }
  awk -v a="${CPUMED[visorflow.$2]}" -v b="${CPUMED[$1.$2]}" 'BEGIN { if (b > 0) printf "%.3gx", a / b; else print "-" }'
}
echo
echo "== answers per CPU second of the controller's processes (median of the runs)"
printf "%-28s %14s %14s %16s\n" controller latency throughput "visorflow/this"
for n in "${NAMES[@]}"; do
  [ -n "${CPUMED[$n.latency]:-}${CPUMED[$n.throughput]:-}" ] || continue
  r="-"
  [ "$n" != visorflow ] && r="$(cpu_ratio "$n" latency) / $(cpu_ratio "$n" throughput)"
  printf "%-28s %14s %14s %16s\n" "${LABEL[$n]}" "$(fmt "${CPUMED[$n.latency]:-}")" \
    "$(fmt "${CPUMED[$n.throughput]:-}")" "$r"
done

echo
echo "== markdown (docs/benchmarks.md)"
echo "Measured $(date -u +%Y-%m-%d) on $MACHINE."
CMD="bench/controller.sh"
[ "$QUICK" = 1 ] && CMD+=" --quick"
[ "$ROUNDS" -gt 1 ] && CMD+=" --rounds $ROUNDS"
[ "$NICE" != "$([ "$(id -u)" -eq 0 ] && echo -10 || echo 0)" ] && CMD+=" --nice $NICE"
[ ${#EXTRA[@]} -gt 0 ] && CMD+=" -- ${EXTRA[*]}"
echo "Command: \`$CMD\` (each run: ofbench ${GEN_ARGS[*]}), $ROUNDS round(s)."
echo
echo "| controller | latency: avg ± sd | latency: median | throughput: avg ± sd | throughput: median | visorflow / this (lat / thr, medians) |"
echo "|---|---:|---:|---:|---:|---:|"
for n in "${NAMES[@]}"; do
  if [ "$n" = visorflow ] && [ -z "${AVG[visorflow.latency]:-}${AVG[visorflow.throughput]:-}" ]; then
    echo "| visorflow l2_learning | pending | pending | pending | pending | pending |"
    continue
  fi
  [ -n "${AVG[$n.latency]:-}${AVG[$n.throughput]:-}" ] || continue
  r="-"
  [ "$n" != visorflow ] && [ "$n" != ceiling ] && r="$(ratio "$n" latency) / $(ratio "$n" throughput)"
  echo "| ${LABEL[$n]} | $(cell "$n" latency) | $(cell_med "$n" latency) | $(cell "$n" throughput) | $(cell_med "$n" throughput) | $r |"
done
echo
echo "| controller | latency: answers per CPU second | throughput: answers per CPU second | visorflow / this (lat / thr) |"
echo "|---|---:|---:|---:|"
for n in "${NAMES[@]}"; do
  [ -n "${CPUMED[$n.latency]:-}${CPUMED[$n.throughput]:-}" ] || continue
  r="-"
  [ "$n" != visorflow ] && [ "$n" != ceiling ] && r="$(cpu_ratio "$n" latency) / $(cpu_ratio "$n" throughput)"
  echo "| ${LABEL[$n]} | $(fmt "${CPUMED[$n.latency]:-}") | $(fmt "${CPUMED[$n.throughput]:-}") | $r |"
done
exit "$FAILED"
