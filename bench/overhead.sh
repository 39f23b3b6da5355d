#!/usr/bin/env bash
# bench/overhead.sh - the filter's cost (the paper's Fig. 3): iperf3 TCP
# throughput between a namespace guest and a namespace peer, both directions,
# and a small-packet rate (UDP, 64-byte payloads, packets per second received by
# the peer), for four configurations of the same path:
#
#   guest eth0 ⇄ G ─[tc ingress of G and U]─ U ⇄ U_sw ── Linux bridge ── P ⇄ peer eth0
#
#   a  baseline: a redirect-only tc program on G and U (bench/passthru.bpf.c):
#      the same hooks and the same redirect, no parsing, lookups or counting
#   b  the monitor attached, no rules
#   c  the monitor with 10,000 rules    d  the monitor with 100,000 rules
#
# The only difference between a and b..d is the filter. A Linux bridge stands in
# for the switch: Open vSwitch's userspace datapath (about 1.6 Gbit/s here)
# would hide any cost of the filter. Rules (monctl gen) never match this traffic
# but fill the classes its packets look up: /32 TCP-port rules (hash) and UDP
# prefixes (trie). iperf3 runs pinned (client CPU 0, server CPU 1).
#
# Order: every run of b, c, d sits between two baseline runs,
#   a b a c a d | a b a c a d | ... | a
# (the last a of a round is the first of the next), so each run of b..d has a
# *paired ratio*: its figure over the mean of the two baseline runs next to it,
# which cancels drift in the machine's load that a ratio of medians does not.
# The noise floor is the same estimator applied to the baseline itself: each
# inner baseline run over the mean of the baseline runs before and after it
# ("a vs a"). Reported: median, interquartile range and min-max of the paired
# ratios, besides medians of the raw figures and their ratio.
#
# Direct cost, independent of throughput noise: kernel.bpf_stats_enabled is set
# to 1 for the whole run (its previous value is restored at exit) and every
# measurement reads the programs' run_cnt and run_time_ns before and after
# (`monctl progstats` on the pinned monitor programs, `passthru progstats` on
# the baseline). Per measurement:
#   skb          one run of a tc ingress program, i.e. one packet crossing the
#                bump in either direction (a GSO super-packet of up to 64 KB
#                counts once; ACKs count)
#   ns/skb       program run time / skbs; for the monitor the ingress program
#                plus the guard on G's egress (which every to-guest packet also
#                runs), for the baseline the redirect program
#   CPU share    program run time / CPU time of the transfer, the latter being
#                iperf3's cpu_utilization_percent host_total + remote_total
#                (getrusage of client and server: user + system, which with
#                tick accounting includes the softirq work done in their
#                context, where these programs run) x the run's seconds
#   added        the same for the filter's cost over the baseline's: ns/skb
#                minus the mean ns/skb of the two neighbouring baseline runs,
#                and that difference x skbs / CPU time
# The kernel's statistics themselves cost two clock reads per program run, paid
# by every configuration alike (see docs/monitor.md, "Overhead").
#
# Usage: bench/overhead.sh [--rounds N] [--secs S] [--no-append]
# Writes build/bench/overhead.{raw,md,png} (png when gnuplot is installed) and,
# unless --no-append, adds the results with the command and date at the end of
# docs/benchmarks.md's "Filter overhead" section and copies the plot to
# docs/img/overhead.png.
set -u
cd "$(dirname "$0")/.."
ROUNDS=5 SECS=3 APPEND=1
CMDLINE="bench/overhead.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds | --secs) [ $# -ge 2 ] || { echo "overhead.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    --no-append) APPEND=0; shift ;;
    *) echo "overhead.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$ROUNDS" in '' | *[!0-9]* | 0) echo "overhead.sh: --rounds wants a positive integer" >&2; exit 2 ;; esac
case "$SECS" in '' | *[!0-9]* | 0) echo "overhead.sh: --secs wants a positive integer" >&2; exit 2 ;; esac
B=${VF_BUILD:-build}
MONCTL=$B/tools/monctl PASSTHRU=$B/bench/passthru
for x in "$MONCTL" "$PASSTHRU"; do
  [ -x "$x" ] || { echo "overhead.sh: $x not built (make all)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "overhead.sh: needs root" >&2; exit 1; }
for c in iperf3 ip jq sysctl; do
  command -v $c >/dev/null || { echo "overhead.sh: needs $c" >&2; exit 1; }
done
STATS_PREV=$(sysctl -n kernel.bpf_stats_enabled) ||
  { echo "overhead.sh: kernel.bpf_stats_enabled not readable" >&2; exit 1; }

ID=$(printf '%04x' $(($$ % 65536)))
NSG=vobg$ID NSP=vobp$ID G=vobg${ID}h P=vobp${ID}h U=vobu$ID US=vobs$ID BRL=vobb$ID
PIN=/sys/fs/bpf/vf-bench-$ID
OUT=$B/bench
TMP=$(mktemp -d /tmp/vf-overhead.XXXXXX)
mkdir -p "$OUT"
mon() { "$MONCTL" -d "$PIN" "$@"; }

cleanup() {
  [ -s "$TMP/iperf.pid" ] && kill "$(cat "$TMP/iperf.pid")" 2>/dev/null
  "$PASSTHRU" detach "$G" "$U" >/dev/null 2>&1
  mon destroy >/dev/null 2>&1
  rm -rf "$PIN"
  ip link del "$U" 2>/dev/null; ip link del "$G" 2>/dev/null; ip link del "$P" 2>/dev/null
  ip link del "$BRL" 2>/dev/null
  ip netns del "$NSG" 2>/dev/null; ip netns del "$NSP" 2>/dev/null
  rm -rf "$TMP"
  sysctl -qw "kernel.bpf_stats_enabled=$STATS_PREV"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

host() { # ns, host-side if, address
  ip netns add "$1" && ip link add "$2" type veth peer name eth0 netns "$1" &&
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
    ip netns exec "$1" ip addr add "$3/24" dev eth0 &&
    ip netns exec "$1" ip link set eth0 up && ip netns exec "$1" ip link set lo up &&
    sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" && ip link set "$2" up
}
set -e
host "$NSG" "$G" 10.88.0.1
host "$NSP" "$P" 10.88.0.2
ip link add "$U" type veth peer name "$US"
ip link add "$BRL" type bridge
for i in "$U" "$US" "$BRL"; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ip link set "$US" master "$BRL"; ip link set "$P" master "$BRL"
for i in "$U" "$US" "$BRL"; do ip link set "$i" up; done
ip netns exec "$NSP" iperf3 -s -D --pidfile "$TMP/iperf.pid" >/dev/null
sysctl -qw kernel.bpf_stats_enabled=1
set +e
for _ in $(seq 50); do [ -s "$TMP/iperf.pid" ] && break; sleep 0.1; done

# ---- configurations -------------------------------------------------------------------
# The monitor's maps and rules stay pinned while a baseline run detaches it, so
# c and d only add rules; the baseline after d destroys it (next round: 0 rules).
rules_now=0 mon_on=0
config() { # a|b|c|d
  if [ "$1" = a ]; then
    if [ $mon_on = 1 ]; then mon detach 1 >/dev/null || return 1; mon_on=0; fi
    if [ $rules_now = 100000 ]; then mon destroy >/dev/null || return 1; rules_now=0; fi
    "$PASSTHRU" attach "$G" "$U"
    return
  fi
  "$PASSTHRU" detach "$G" "$U" && mon attach "$G" "$U" 1 >/dev/null || return 1
  mon_on=1
  case "$1" in
    c) mon gen 10000 1 >/dev/null && rules_now=10000 ;;
    d) mon gen 90000 2 >/dev/null && rules_now=100000 ;;
  esac
}
want_rules() { case $1 in c) echo 10000 ;; d) echo 100000 ;; *) echo 0 ;; esac; }

# "skbs ingress_ns guard_runs guard_ns" of the program(s) in the path now.
progstats() { # config
  if [ "$1" = a ]; then
    "$PASSTHRU" progstats "$G" "$U" | awk '$1 == "passthru" { print $3, $4, 0, 0 }'
  else
    mon progstats | awk '$1 == "ingress" { c = $3; i = $4 } $1 == "guard" { gc = $3; g = $4 }
                         END { if (c != "" && gc != "") print c, i, gc, g }'
  fi
}

# Each measurement prints "value cpu_percent" (cpu: host_total + remote_total).
iperf() { ip netns exec "$NSG" iperf3 -c 10.88.0.2 -A 0,1 -t "$SECS" -J "$@" 2>/dev/null; }
tcp_gbps() { # extra iperf3 flags
  iperf "$@" | jq -r '.end | "\(.sum_received.bits_per_second / 1e9)
    \(.cpu_utilization_percent.host_total + .cpu_utilization_percent.remote_total)"' |
    tr '\n' ' ' | awk 'NF == 2 { printf "%.3f %.1f", $1, $2 }'
}
rx_pkts() { ip netns exec "$NSP" cat /sys/class/net/eth0/statistics/rx_packets; }
udp_kpps() {
  local before after cpu
  before=$(rx_pkts)
  cpu=$(iperf -u -l 64 -b 0 | jq -r '.end.cpu_utilization_percent |
    .host_total + .remote_total')
  after=$(rx_pkts)
  awk -v n=$((after - before)) -v s="$SECS" -v c="$cpu" \
    'BEGIN { if (c != "" && c != "null") printf "%.1f %.1f", n / s / 1000, c }'
}

# measure RUN ROUND CONFIG: three measurements, each with the program statistics
# around it; one line per measurement into $TMP/raw (differences of the stats):
#   run round config traffic value cpu% skbs ingress_ns guard_ns guard_runs
measure() {
  local t s0 s1 v out=""
  for t in f r u; do
    s0=$(progstats "$3")
    case $t in f) v=$(tcp_gbps) ;; r) v=$(tcp_gbps -R) ;; u) v=$(udp_kpps) ;; esac
    s1=$(progstats "$3")
    # shellcheck disable=SC2015 # the braces are the else branch
    [ -n "$v" ] && [ -n "$s0" ] && [ -n "$s1" ] ||
      { echo "overhead.sh: run $1 ($3, $t): no result (iperf3 or progstats failed)" >&2; return 1; }
    echo "$1 $2 $3 $t $v $s0 $s1" | awk '{ printf "%s %s %s %s %s %s %.0f %.0f %.0f %.0f\n",
      $1, $2, $3, $4, $5, $6, $11 - $7, $12 - $8, $14 - $10, $13 - $9 }' >>"$TMP/raw"
    read -r _ _ _ _ _ _ n _ _ <<<"$(tail -1 "$TMP/raw")"
    [ "$n" -gt 0 ] ||
      { echo "overhead.sh: run $1 ($3, $t): the program under test saw no packets" >&2; return 1; }
    out+=" $t=${v%% *}"
  done
  echo "$out"
}

: >"$TMP/raw"
SEQ="a" # a b a c a d, per round, then the closing a
for _ in $(seq "$ROUNDS"); do SEQ+=" b a c a d a"; done
NRUNS=$(wc -w <<<"$SEQ")
echo "# overhead: $ROUNDS rounds, $NRUNS runs (a b a c a d ... a) x (TCP fwd, TCP rev, UDP 64 B) x ${SECS}s"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cut -d' ' -f1 /proc/loadavg >"$TMP/load" # 1-minute load average, before each run and at the end
run=0 round=1
for c in $SEQ; do
  if ! config "$c"; then echo "overhead.sh: config $c failed" >&2; exit 1; fi
  [ "$c" = a ] || [ "$(mon count)" = "$(want_rules "$c")" ] ||
    { echo "overhead.sh: rule count wrong in $c" >&2; exit 1; }
  res=$(measure "$run" "$round" "$c") || exit 1
  cut -d' ' -f1 /proc/loadavg >>"$TMP/load"
  printf '  run %2d round %d config %s:%s (load %s)\n' "$run" "$round" "$c" "$res" \
    "$(tail -1 "$TMP/load")"
  [ "$c" = d ] && round=$((round + 1))
  run=$((run + 1))
done
LOAD=$(sort -g "$TMP/load" | awk '{ v[NR] = $1 } END {
  printf "%.2f–%.2f, median %.2f", v[1], v[NR], NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg); 1-minute load average during the run: $LOAD"
cp "$TMP/raw" "$OUT/overhead.raw"

# ---- paired ratios, costs, tables ---------------------------------------------------
# mawk has no sort: q() sorts a copy (insertion sort: at most a few dozen values).
# shellcheck disable=SC2016 # an awk program
ANALYSIS='
function q(a, n, p,   s, i, j, t, h) { # type-7 quantile p of a[1..n]
  for (i = 1; i <= n; i++) s[i] = a[i]
  for (i = 2; i <= n; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
  h = (n - 1) * p + 1; i = int(h)
  return i >= n ? s[n] : s[i] + (h - i) * (s[i + 1] - s[i])
}
function col(cfg, t, what,   n, i, a) { # collect a per-run figure into V[1..n]
  n = 0
  for (i = 0; i <= maxrun; i++) if (C[i] == cfg && (i, t) in val) {
    if (what == "v") a = val[i, t]
    else if (what == "ratio") a = pair(i, t, "v")
    else if (what == "ns") a = ns(i, t)
    else if (what == "guard") a = skb[i, t] ? grd[i, t] / skb[i, t] : 0
    else if (what == "share") a = share(i, t)
    else if (what == "addns") a = nb(i, t, "ns") == "" ? "" : ns(i, t) - nb(i, t, "ns")
    else if (what == "addshare")
      a = nb(i, t, "ns") == "" || !cpuns(i, t) ? "" : (ns(i, t) - nb(i, t, "ns")) * skb[i, t] / cpuns(i, t) * 100
    if (a != "") V[++n] = a
  }
  return n
}
function ns(i, t) { return skb[i, t] ? (ing[i, t] + grd[i, t]) / skb[i, t] : 0 }
function cpuns(i, t) { return cpu[i, t] / 100 * secs * 1e9 }
function share(i, t) { return cpuns(i, t) > 0 ? (ing[i, t] + grd[i, t]) / cpuns(i, t) * 100 : "" }
function get(i, t, what) { return what == "v" ? val[i, t] : ns(i, t) }
# The baseline neighbours of run i: i-1 and i+1 for b..d, i-2 and i+2 for a.
function nb(i, t, what,   d) {
  d = C[i] == "a" ? 2 : 1
  if (C[i - d] != "a" || C[i + d] != "a" || !((i - d, t) in val) || !((i + d, t) in val)) return ""
  return (get(i - d, t, what) + get(i + d, t, what)) / 2
}
function pair(i, t, what,   m) { m = nb(i, t, what); return m != "" && m > 0 ? get(i, t, what) / m : "" }
function fmt(f, n) { return n ? sprintf(f, q(V, n, 0.5)) : "–" }
function rng(f, n) { return n ? sprintf(f " (" f "–" f ")", q(V, n, 0.5), q(V, n, 0), q(V, n, 1)) : "–" }
function iqr(n) { return n ? sprintf("%.3f [%.3f–%.3f] (%.3f–%.3f)", q(V, n, 0.5), q(V, n, 0.25), q(V, n, 0.75), q(V, n, 0), q(V, n, 1)) : "–" }
{ C[$1] = $3; val[$1, $4] = $5; cpu[$1, $4] = $6; skb[$1, $4] = $7; ing[$1, $4] = $8; grd[$1, $4] = $9
  if ($1 > maxrun) maxrun = $1 }
END {
  split("a b c d", cfgs, " "); split("f r u", ts, " ")
  L["a"] = "baseline (redirect only)"; L["b"] = "monitor, 0 rules"; L["c"] = "10,000 rules"; L["d"] = "100,000 rules"
  T["f"] = "TCP guest→peer"; T["r"] = "TCP peer→guest"; T["u"] = "UDP 64 B"
  U["f"] = "%.2f"; U["r"] = "%.2f"; U["u"] = "%.1f"
  if (mode == "plot") { # label, 3 x (median min max), TCP and UDP paired-ratio notes, y max
    split("baseline|0 rules|10k rules|100k rules", P, "|")
    for (k = 1; k <= 4; k++) { c = cfgs[k]; printf "\"%s\"", P[k]
      for (j = 1; j <= 3; j++) { n = col(c, ts[j], "v"); printf " %.3f %.3f %.3f", q(V, n, 0.5), q(V, n, 0), q(V, n, 1)
        r[j] = (n = col(c, ts[j], "ratio")) ? sprintf("%.3f", q(V, n, 0.5)) : "-" }
      if (c == "a") printf " \"(reference)\" \"(reference)\"\n"
      else printf " \"%s / %s\" \"%s\"\n", r[1], r[2], r[3] }
    exit
  }
  if (mode == "verdict") { # the paired ratio and added share of d, per traffic
    for (j = 1; j <= 3; j++) { t = ts[j]
      n = col("a", t, "ratio"); la = q(V, n, 0.25); ha = q(V, n, 0.75)
      n = col("d", t, "ratio"); m = q(V, n, 0.5); ld = q(V, n, 0.25); hd = q(V, n, 0.75)
      n = col("d", t, "addshare"); s = q(V, n, 0.5); sh = q(V, n, 1)
      printf "- %s, 100,000 rules: paired ratio %.3f (IQR %.3f–%.3f; baseline a-vs-a IQR %.3f–%.3f); added CPU share %.2f %% (max %.2f %%)\n", T[t], m, ld, hd, la, ha, s, sh
    }
    exit
  }
  print "Throughput: median (min–max) over the runs; paired ratio: median [interquartile range] (min–max) of each run over the mean of its two neighbouring baseline runs; for the baseline itself, each inner baseline run over the baseline runs two places before and after (a vs a: the noise floor)."
  print ""
  print "| config | TCP guest→peer Gbit/s | paired ratio | TCP peer→guest Gbit/s | paired ratio | UDP 64 B kpps | paired ratio |"
  print "|---|---|---|---|---|---|---|"
  for (k = 1; k <= 4; k++) { c = cfgs[k]; line = "| " L[c]
    for (j = 1; j <= 3; j++) { t = ts[j]
      n = col(c, t, "v"); line = line " | " rng(U[t], n)
      n = col(c, t, "ratio"); line = line " | " (c == "a" ? "a vs a: " : "") iqr(n) }
    print line " |" }
  print ""
  line = "Ratio of medians (config median / baseline median), TCP guest→peer / peer→guest / UDP:"
  for (k = 2; k <= 4; k++) { c = cfgs[k]; line = line " " L[c] " "
    for (j = 1; j <= 3; j++) { t = ts[j]; n = col("a", t, "v"); ma = q(V, n, 0.5); n = col(c, t, "v")
      line = line sprintf("%.3f", ma > 0 ? q(V, n, 0.5) / ma : 0) (j < 3 ? " / " : (k < 4 ? ";" : ".")) } }
  print line
  print ""
  print "Program cost (kernel.bpf_stats_enabled): median (min–max) over the runs. skb/s: runs of the tc ingress program per second (packets crossing the bump, both directions); ns/skb and CPU share as defined in bench/overhead.sh: program run time per skb (of which guard: the part spent in the guard on G'"'"'s egress, per skb), and program run time over the transfer'"'"'s CPU time (iperf3 client + server); added: the same for the difference to the neighbouring baseline runs'"'"' ns/skb."
  print ""
  print "| config | traffic | kskb/s | ns/skb | of which guard | CPU share % | added ns/skb | added CPU share % |"
  print "|---|---|---|---|---|---|---|---|"
  for (k = 1; k <= 4; k++) { c = cfgs[k]
    for (j = 1; j <= 3; j++) { t = ts[j]
      n = 0; for (i = 0; i <= maxrun; i++) if (C[i] == c && (i, t) in val) V[++n] = skb[i, t] / secs / 1000
      line = "| " L[c] " | " T[t] " | " fmt("%.1f", n)
      n = col(c, t, "ns"); line = line " | " rng("%.1f", n)
      n = col(c, t, "guard"); line = line " | " (c == "a" ? "–" : fmt("%.1f", n))
      n = col(c, t, "share"); line = line " | " rng("%.2f", n)
      if (c == "a") line = line " | – | –"
      else { n = col(c, t, "addns"); line = line " | " rng("%.1f", n)
             n = col(c, t, "addshare"); line = line " | " rng("%.2f", n) }
      print line " |" } }
}'
analyse() { awk -v secs="$SECS" -v mode="$1" "$ANALYSIS" "$TMP/raw"; }
TABLE=$(analyse table)
VERDICT=$(analyse verdict)
echo
echo "$TABLE"
echo
echo "$VERDICT"
# That the program under test was in the path is checked per measurement
# (measure: its run count grew).
printf '%s\n\n%s\n' "$TABLE" "$VERDICT" >"$OUT/overhead.md"

# ---- plot ---------------------------------------------------------------------------
PNG=$OUT/overhead.png
if command -v gnuplot >/dev/null; then
  analyse plot >"$TMP/plot.dat"
  # Headroom above the tallest whisker for the key.
  read -r YT YU <<<"$(awk '{ for (i = 4; i <= 7; i += 3) if ($i > t) t = $i; if ($10 > u) u = $10 }
    END { print t * 1.3, u * 1.3 }' "$TMP/plot.dat")"
  gnuplot <<EOF
set terminal pngcairo size 1000,480 font ",10"
set output "$PNG"
set multiplot layout 1,2 title "visorflow filter overhead (bench/overhead.sh: $ROUNDS rounds of ${SECS} s runs; bar: median, whiskers: min-max; below: median paired ratio to the baseline)"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set grid ytics
set xtics scale 0 font ",9"
set xrange [-0.6:3.6]
set bmargin 4
set key top center horizontal
set ylabel "TCP throughput (Gbit/s)"
set title "iperf3 TCP (guest -> peer / peer -> guest)"
set yrange [0:$YT]
plot "$TMP/plot.dat" using 2:3:4:xtic(stringcolumn(1)."\n".stringcolumn(11)) title "guest -> peer" lc rgb "#3b6ea8", \
     "" using 5:6:7 title "peer -> guest" lc rgb "#e0a030"
set ylabel "packets received per second (thousands)"
set title "iperf3 UDP, 64-byte payloads, guest -> peer"
set yrange [0:$YU]
plot "$TMP/plot.dat" using 8:9:10:xtic(stringcolumn(1)."\n".stringcolumn(12)) title "UDP 64 B" lc rgb "#5a9e5a"
unset multiplot
EOF
  [ -s "$PNG" ] && echo "plot: $PNG"
fi

# ---- docs ---------------------------------------------------------------------------
if [ "$APPEND" = 1 ]; then
  KERNEL=$(uname -r) CPUS=$(nproc)
  MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
  BLOCK="### $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`$CMDLINE\` ($ROUNDS rounds, $NRUNS runs interleaved, ${SECS} s per measurement;
kernel $KERNEL, $CPUS x $MODEL; 1-minute load average during the run $LOAD,
from /proc/loadavg before each run).
Plot: [docs/img/overhead.png](img/overhead.png).

$TABLE

$VERDICT
"
  if [ -s "$PNG" ]; then mkdir -p docs/img && cp "$PNG" docs/img/overhead.png; fi
  printf '%s\n' "$BLOCK" >"$TMP/block"
  # At the end of the "Filter overhead" section (before the next "## "), or a new
  # section at the end of the file.
  if grep -q '^## Filter overhead (bench/overhead.sh)' docs/benchmarks.md 2>/dev/null; then
    awk -v f="$TMP/block" '
      function put(  l) { while ((getline l < f) > 0) print l; done = 1 }
      /^## / && insec && !done { put() }
      /^## Filter overhead \(bench\/overhead.sh\)/ { insec = 1 }
      { print }
      END { if (!done) { print ""; put() } }' docs/benchmarks.md >"$TMP/bm.md" &&
      cat "$TMP/bm.md" >docs/benchmarks.md
  else
    { printf '\n## Filter overhead (bench/overhead.sh)\n\nMethod: the header of bench/overhead.sh and docs/monitor.md, "Overhead".\n\n'
      cat "$TMP/block"; } >>docs/benchmarks.md
  fi
  echo "added to docs/benchmarks.md (Filter overhead)"
fi
