#!/usr/bin/env bash
# bench/tls.sh - what TLS costs the controller: visorflowd with l2_learning,
# measured by bench/ofbench (16 emulated switches x 1000 MACs) over plain TCP
# and over TLS 1.3 (mutual authentication, certificates made here with the
# openssl command line) in the same run, each in latency mode (one PACKET_IN
# outstanding per switch) and throughput mode (up to --cap outstanding). A
# fresh visorflowd per run, pinned to one CPU, the generator to the other;
# with --rounds N the four runs are repeated N times, interleaved, and the
# figures pool the measured loops of all rounds. Besides the rates, the
# controller's CPU time per answered PACKET_IN (the of domain's utime +
# stime over the whole ofbench run, divided by every PACKET_IN answered in
# it, learning included): on a shared machine the rates move with the
# neighbours' load, the CPU cost much less. Prints each run, a summary
# (avg ± sd, median, TLS / TCP as a ratio of medians, round trips, CPU per
# PACKET_IN) and a markdown table for docs/benchmarks.md ("OpenFlow over TLS").
#
# Usage: bench/tls.sh [--quick] [--rounds N] [--nice N] [-- OFBENCH-ARGS...]
#   --quick        16 switches x 200 MACs, 3 loops x 500 ms
#   --rounds N     repeat everything N times, interleaved (1)
#   --nice N       niceness of generator and controller (-10 as root, else 0)
#   OFBENCH-ARGS   passed to every ofbench run (e.g. -s 32 -c 256)
# Environment: VF_BUILD (default build), CTRL_CPU / GEN_CPU (default 0 / 1).
# Exit: 0 when every run ran; 1 when one failed; 2 for usage errors.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
VF_BUILD=${VF_BUILD:-$ROOT/build}
. tests/lib.sh # t_free_port; its cleanup trap is replaced by ours below
QUICK=0 ROUNDS=1 NICE=0
[ "$(id -u)" -eq 0 ] && NICE=-10
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --nice) NICE=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tls.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "tls.sh: --rounds must be a number >= 1" >&2; exit 2 ;; esac
[[ "$NICE" =~ ^-?[0-9]+$ ]] || { echo "tls.sh: --nice must be a number" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then
  GEN_ARGS=(-s 16 -M 200 -l 3 -m 500 -w 1)
else
  GEN_ARGS=(-s 16 -M 1000 -l 10 -m 1000 -w 1)
fi
GEN_ARGS+=("${EXTRA[@]}")

TMP=$(mktemp -d /tmp/vf-bench-tls.XXXXXX)
CTRL_PID=""
stop_ctrl() {
  local i
  [ -n "$CTRL_PID" ] || return 0
  kill "$CTRL_PID" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$CTRL_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CTRL_PID" 2>/dev/null
  wait "$CTRL_PID" 2>/dev/null
  CTRL_PID=""
}
trap 'stop_ctrl; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# ---- build, certificates, machine --------------------------------------------------
VFD=$VF_BUILD/visorflowd
[ -x "$VFD" ] && [ -x "$VF_BUILD/visorflow-domain" ] || { echo "tls.sh: build first (make)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "tls.sh: needs the openssl command (scripts/deps.sh)" >&2; exit 1; }
if ! make --no-print-directory -f bench/ofbench.mk B="$VF_BUILD" ofbench >"$TMP/build.log" 2>&1; then
  echo "tls.sh: building ofbench failed:" >&2
  tail -20 "$TMP/build.log" >&2
  exit 1
fi
OFBENCH=$VF_BUILD/bench/ofbench
# One CA; the controller's and the switches' certificates signed by it (P-256).
cert() { # NAME: NAME.key, NAME.pem signed by ca
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench-$1" \
    -keyout "$TMP/$1.key" -out "$TMP/$1.csr" &&
    openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
      -days 2 -out "$TMP/$1.pem"
}
{ openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
    -keyout "$TMP/ca.key" -out "$TMP/ca.pem" && cert ctl && cert sw; } >"$TMP/pki.log" 2>&1 ||
  { echo "tls.sh: openssl could not make the certificates:" >&2; tail -5 "$TMP/pki.log" >&2; exit 1; }

NCPU=$(nproc)
CTRL_CPU=${CTRL_CPU:-0} GEN_CPU=${GEN_CPU:-1}
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
  PIN_CTRL=(nice -n "$NICE" taskset -c "$CTRL_CPU") PIN_GEN=(nice -n "$NICE" taskset -c "$GEN_CPU")
  PIN_NOTE="controller on CPU $CTRL_CPU, generator on CPU $GEN_CPU (taskset), nice $NICE"
else
  PIN_CTRL=(nice -n "$NICE") PIN_GEN=(nice -n "$NICE")
  PIN_NOTE="not pinned ($NCPU CPU), nice $NICE"
fi
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
AES=$(grep -qw aes /proc/cpuinfo && echo "AES-NI" || echo "no AES-NI")
MACHINE="$NCPU x ${CPU_MODEL:-unknown CPU} ($AES), Linux $(uname -r), $(openssl version | cut -d' ' -f1-2), $PIN_NOTE"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $MACHINE"
echo "# ofbench ${GEN_ARGS[*]} [--mode latency|throughput] [--tls SW-CERT,SW-KEY,CA] 127.0.0.1:PORT"

# ---- one run ------------------------------------------------------------------------
# start_vfd tcp|tls: a fresh visorflowd listening on PORT (a TCP or TLS listener).
start_vfd() {
  local conf=$TMP/vf.$1.conf i
  {
    echo "[controller]"
    if [ "$1" = tls ]; then
      echo "listen = ssl:127.0.0.1:$PORT"
      echo "tls_key = $TMP/ctl.key"
      echo "tls_cert = $TMP/ctl.pem"
      echo "tls_ca = $TMP/ca.pem"
    else
      echo "listen = tcp:127.0.0.1:$PORT"
    fi
    echo "apps = l2_learning"
    echo "app_dir = $ROOT/lua/apps"
    echo "[daemon]"
    echo "control = $TMP/ctl.sock"
    echo "log_level = warn"
  } >"$conf"
  rm -f "$TMP/ctl.sock"
  "${PIN_CTRL[@]}" "$VFD" -c "$conf" >"$TMP/vfd.$1.log" 2>&1 &
  CTRL_PID=$!
  # Ready when the of domain took its listener: the control socket answers
  # with the domain running.
  for i in $(seq 1 100); do
    "$VF_BUILD/visorflowctl" -s "$TMP/ctl.sock" status 2>/dev/null | grep -q '^domain of: .* state running' &&
      return 0
    kill -0 "$CTRL_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "  visorflowd ($1) did not start; its log:"
  tail -10 "$TMP/vfd.$1.log" | sed 's/^/    /'
  stop_ctrl
  return 1
}

declare -A AVG SD MED RTT50 RTT99 CPU
FAILED=0
HZ=$(getconf CLK_TCK)
dom_cpu() { awk '{ print $14 + $15 }' "/proc/$DOM_PID/stat" 2>/dev/null; }

# gen TRANSPORT MODE: one ofbench run; the rates of its measured loops are
# added to $TMP/rates.TRANSPORT.MODE, its round trips to $TMP/rtt.*.
gen() {
  local tr=$1 mode=$2 out=$TMP/$1.$2.out rc tls=() c0 c1
  [ "$tr" = tls ] && tls=(--tls "$TMP/sw.pem,$TMP/sw.key,$TMP/ca.pem")
  DOM_PID=$("$VF_BUILD/visorflowctl" -s "$TMP/ctl.sock" status 2>/dev/null | awk '/^domain of:/ { print $6 }')
  c0=$(dom_cpu)
  "${PIN_GEN[@]}" "$OFBENCH" "${GEN_ARGS[@]}" --mode "$mode" "${tls[@]}" "127.0.0.1:$PORT" >"$out" 2>&1
  rc=$?
  c1=$(dom_cpu)
  sed 's/^/    /' "$out"
  if [ "$rc" -ne 0 ] || ! grep -q '^RESULT ' "$out"; then
    echo "  $tr $mode: ofbench failed (exit $rc)"
    FAILED=1
    return 1
  fi
  awk '$1 == "loop" && $3 != "warmup" { print $3 }' "$out" >>"$TMP/rates.$tr.$mode"
  sed -n 's/^RESULT .*rtt_p50_us=\([0-9]*\) rtt_p99_us=\([0-9]*\).*/\1 \2/p' "$out" >>"$TMP/rtt.$tr.$mode"
  # PACKET_INs answered in the whole run: every loop (warmup too) plus the
  # learning phase (one per MAC and switch).
  [ -n "$c0" ] && [ -n "$c1" ] && awk -v c="$((c1 - c0))" -v hz="$HZ" '
    $1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
    $1 == "loop" { rate[++nl] = $3 == "warmup" ? $4 : $3 }
    END { for (i = 1; i <= nl; i++) n += rate[i] * f["loop_ms"] / 1000
          n += f["switches"] * f["macs"]
          if (n > 0) printf "%.2f\n", c / hz * 1e6 / n }' "$out" >>"$TMP/cpu.$tr.$mode"
}

stats() { # TRANSPORT MODE
  local f=$TMP/rates.$1.$2 r
  [ -s "$f" ] || return 0
  r=$(sort -n "$f" | awk '{ v[NR] = $1; s += $1; q += $1 * $1 }
    END { a = s / NR; d = q / NR - a * a; if (d < 0) d = 0
          m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.0f %.0f %.0f", a, sqrt(d), m }')
  read -r AVG[$1.$2] SD[$1.$2] MED[$1.$2] <<<"$r"
  [ -s "$TMP/cpu.$1.$2" ] &&
    CPU[$1.$2]=$(sort -n "$TMP/cpu.$1.$2" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  if [ -s "$TMP/rtt.$1.$2" ]; then # median over the rounds of each run's p50 and p99
    RTT50[$1.$2]=$(awk '{print $1}' "$TMP/rtt.$1.$2" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    RTT99[$1.$2]=$(awk '{print $2}' "$TMP/rtt.$1.$2" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  fi
}

for ((round = 1; round <= ROUNDS; round++)); do
  note=""
  [ "$ROUNDS" -gt 1 ] && note=" [round $round/$ROUNDS]"
  for mode in latency throughput; do
    for tr in tcp tls; do
      echo "== visorflow l2_learning over $tr, $mode mode$note"
      PORT=$(t_free_port) || { echo "  no free port"; FAILED=1; continue; }
      start_vfd "$tr" || { FAILED=1; continue; }
      gen "$tr" "$mode"
      if [ "$tr" = tls ] && ! grep -q "TLS" "$TMP/$tr.$mode.out"; then
        echo "  (ofbench printed no TLS line: was the run over TLS?)"
        FAILED=1
      fi
      stop_ctrl
    done
  done
done
for tr in tcp tls; do for mode in latency throughput; do stats "$tr" "$mode"; done; done

# ---- summary ----------------------------------------------------------------------------
fmt() {
  [ -n "${1:-}" ] || { echo "-"; return; }
  printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'
}
cell() { [ -n "${AVG[$1.$2]:-}" ] && echo "$(fmt "${AVG[$1.$2]}") ± $(fmt "${SD[$1.$2]}")" || echo "-"; }
med() { fmt "${MED[$1.$2]:-}"; }
ratio() { # MODE: TLS / TCP, medians
  [ -n "${MED[tls.$1]:-}" ] && [ -n "${MED[tcp.$1]:-}" ] || { echo "-"; return; }
  awk -v a="${MED[tls.$1]}" -v b="${MED[tcp.$1]}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
}
rtt() { [ -n "${RTT50[$1.latency]:-}" ] && echo "${RTT50[$1.latency]} / ${RTT99[$1.latency]} us" || echo "-"; }
cpu() { [ -n "${CPU[$1.$2]:-}" ] && echo "${CPU[$1.$2]} us" || echo "-"; }
cpu_ratio() { # MODE: TLS / TCP CPU per PACKET_IN
  [ -n "${CPU[tls.$1]:-}" ] && [ -n "${CPU[tcp.$1]:-}" ] || { echo "-"; return; }
  awk -v a="${CPU[tls.$1]}" -v b="${CPU[tcp.$1]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

echo
echo "== summary: PACKET_INs answered per second over the measured loops ($ROUNDS round(s))"
printf "%-10s %20s %10s %24s %12s %20s %18s\n" transport "latency avg ± sd" median \
  "throughput avg ± sd" median "rtt p50 / p99" "cpu/pin lat / thr"
for tr in tcp tls; do
  printf "%-10s %20s %10s %24s %12s %20s %18s\n" "$tr" "$(cell $tr latency)" "$(med $tr latency)" \
    "$(cell $tr throughput)" "$(med $tr throughput)" "$(rtt $tr)" "$(cpu $tr latency) / $(cpu $tr throughput)"
done
echo "TLS / TCP (medians): latency $(ratio latency), throughput $(ratio throughput);" \
  "controller CPU per PACKET_IN: latency $(cpu_ratio latency)x, throughput $(cpu_ratio throughput)x"

echo
echo "== markdown (docs/benchmarks.md, OpenFlow over TLS)"
echo "Measured $(date -u +%Y-%m-%d) on $MACHINE."
CMD="bench/tls.sh"
[ "$QUICK" = 1 ] && CMD+=" --quick"
[ "$ROUNDS" -gt 1 ] && CMD+=" --rounds $ROUNDS"
[ ${#EXTRA[@]} -gt 0 ] && CMD+=" -- ${EXTRA[*]}"
echo "Command: \`$CMD\` (each run: ofbench ${GEN_ARGS[*]}), $ROUNDS round(s)."
echo
echo "| transport | latency: avg ± sd | latency: median | rtt p50 / p99 | throughput: avg ± sd | throughput: median | controller CPU per PACKET_IN (lat / thr) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for tr in tcp tls; do
  label="TCP"
  [ "$tr" = tls ] && label="TLS 1.3 ($(grep -ho 'tls: TLSv1\.3 [A-Z0-9_]*' "$TMP"/tls.*.out 2>/dev/null | head -1 | cut -d' ' -f3))"
  echo "| $label | $(cell $tr latency) | $(med $tr latency) | $(rtt $tr) | $(cell $tr throughput) | $(med $tr throughput) | $(cpu $tr latency) / $(cpu $tr throughput) |"
done
echo "| **TLS / TCP** (medians) | | $(ratio latency) | | | $(ratio throughput) | $(cpu_ratio latency)x / $(cpu_ratio throughput)x |"
exit "$FAILED"
