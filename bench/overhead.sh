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
# prefixes (trie). iperf3 runs pinned (client CPU 0, server CPU 1). Configurations
# are interleaved in every round; results are
# medians over the rounds, overheads are ratios against a in the same run.
#
# Usage: bench/overhead.sh [--rounds N] [--secs S] [--no-append]
# Writes build/bench/overhead.png (gnuplot, when installed) and appends the
# results with the command and date to docs/benchmarks.md (one write).
set -u
cd "$(dirname "$0")/.."
ROUNDS=5 SECS=3 APPEND=1
CMDLINE="bench/overhead.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    --no-append) APPEND=0; shift ;;
    *) echo "overhead.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
B=${VF_BUILD:-build}
MONCTL=$B/tools/monctl PASSTHRU=$B/bench/passthru
for x in "$MONCTL" "$PASSTHRU"; do
  [ -x "$x" ] || { echo "overhead.sh: $x not built (make all)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "overhead.sh: needs root" >&2; exit 1; }
for c in iperf3 ip; do command -v $c >/dev/null || { echo "overhead.sh: needs $c" >&2; exit 1; }; done

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
}
trap cleanup EXIT

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
set +e
for _ in $(seq 50); do [ -s "$TMP/iperf.pid" ] && break; sleep 0.1; done

# ---- configurations -------------------------------------------------------------------
rules_now=0
config() { # a|b|c|d
  case "$1" in
    a) mon destroy >/dev/null 2>&1; rules_now=0
       "$PASSTHRU" attach "$G" "$U" ;;
    b) "$PASSTHRU" detach "$G" "$U" && mon attach "$G" "$U" 1 >/dev/null ;;
    c) mon gen 10000 1 >/dev/null && rules_now=10000 ;;
    d) mon gen 90000 2 >/dev/null && rules_now=100000 ;;
  esac
}
check_rules() { [ "$(mon count)" = "$1" ]; }

tcp_gbps() { # extra iperf3 flags
  ip netns exec "$NSG" iperf3 -c 10.88.0.2 -A 0,1 -t "$SECS" -J "$@" 2>/dev/null |
    sed -n '/"sum_received"/,/}/s/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' |
    head -1 | awk '{ printf "%.3f", $1 / 1e9 }'
}
rx_pkts() { ip netns exec "$NSP" cat /sys/class/net/eth0/statistics/rx_packets; }
udp_kpps() {
  local before after
  before=$(rx_pkts)
  ip netns exec "$NSG" iperf3 -c 10.88.0.2 -A 0,1 -u -l 64 -b 0 -t "$SECS" >/dev/null 2>&1
  after=$(rx_pkts)
  awk -v n=$((after - before)) -v s="$SECS" 'BEGIN { printf "%.1f", n / s / 1000 }'
}

: >"$TMP/raw"
echo "# overhead: $ROUNDS rounds x 4 configs x (TCP fwd, TCP rev, UDP 64 B) x ${SECS}s"
for r in $(seq "$ROUNDS"); do
  for c in a b c d; do
    if ! config "$c"; then echo "overhead.sh: config $c failed" >&2; exit 1; fi
    case $c in c) check_rules 10000 ;; d) check_rules 100000 ;; *) true ;; esac ||
      { echo "overhead.sh: rule count wrong in $c" >&2; exit 1; }
    f=$(tcp_gbps) rv=$(tcp_gbps -R) p=$(udp_kpps)
    echo "$c $f $rv $p" >>"$TMP/raw"
    printf '  round %d config %s: fwd %s Gbit/s, rev %s Gbit/s, %s kpps\n' "$r" "$c" "$f" "$rv" "$p"
  done
done
# Sanity: the monitor really was in the path during d.
mon stats 1 | sed -n '1,3p' | sed 's/^/  /'

# ---- medians, ratios, plot ---------------------------------------------------------
stat() { # config column -> "median min max"
  awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$TMP/raw" | sort -g |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
           printf "%.3f %.3f %.3f", m, v[1], v[NR] }'
}
label() { case $1 in a) echo "baseline";; b) echo "monitor, 0 rules";;
  c) echo "10,000 rules";; d) echo "100,000 rules";; esac; }
: >"$TMP/plot.dat"
TABLE="| config | TCP guest→peer Gbit/s (median, min–max) | ratio | TCP peer→guest Gbit/s | ratio | UDP 64 B kpps | ratio |
|---|---|---|---|---|---|---|"
read -r af _ _ <<<"$(stat a 2)"; read -r ar _ _ <<<"$(stat a 3)"; read -r ap _ _ <<<"$(stat a 4)"
for c in a b c d; do
  read -r fm fl fh <<<"$(stat $c 2)"; read -r rm rl rh <<<"$(stat $c 3)"
  read -r pm pl ph <<<"$(stat $c 4)"
  ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.3f", (y > 0 ? x / y : 0) }'; }
  TABLE+="
| $(label $c) | $fm ($fl–$fh) | $(ratio "$fm" "$af") | $rm ($rl–$rh) | $(ratio "$rm" "$ar") | $pm ($pl–$ph) | $(ratio "$pm" "$ap") |"
  printf '"%s" %s %s %s %s %s %s\n' "$(label $c)" "$fm" "$fl" "$fh" "$rm" "$rl" "$rh" >>"$TMP/plot.dat"
done
echo
echo "$TABLE"
SPREAD=$(awk '$1 == "a" { print $2 }' "$TMP/raw" | sort -g |
  awk '{ v[NR] = $1 } END { printf "%.1f", (v[NR] - v[1]) / v[int((NR + 1) / 2)] * 100 }')
echo
echo "baseline run-to-run spread (TCP fwd, max-min over median): ${SPREAD}%"

PNG=$OUT/overhead.png
if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 900,540 font ",11"
set output "$PNG"
set title "visorflow filter overhead: iperf3 TCP between namespaces (median of $ROUNDS, bars min-max)"
set ylabel "throughput (Gbit/s)"
set yrange [0:*]
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set key top right
set grid ytics
plot "$TMP/plot.dat" using 2:3:4:xtic(1) title "guest -> peer", \
     "" using 5:6:7 title "peer -> guest"
EOF
  echo "plot: $PNG"
fi

if [ "$APPEND" = 1 ]; then
  KERNEL=$(uname -r) CPUS=$(nproc)
  BLOCK=""
  grep -q '^## Filter overhead (bench/overhead.sh)' docs/benchmarks.md 2>/dev/null ||
    BLOCK+="
## Filter overhead (bench/overhead.sh)

iperf3 TCP throughput (both directions) and UDP 64-byte packet rate between a
namespace guest and a namespace peer; the guest port carries a redirect-only tc
program (baseline) or the visorflow filter with 0, 10,000 and 100,000 rules.
Method and topology: the header of bench/overhead.sh and docs/monitor.md.
"
  BLOCK+="
### $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`$CMDLINE\` ($ROUNDS rounds x 4 configs interleaved, ${SECS} s per run;
kernel $KERNEL, $CPUS CPUs). Plot: build/bench/overhead.png.

$TABLE

Baseline run-to-run spread (TCP guest→peer, max−min over median): ${SPREAD}%.
"
  printf '%s' "$BLOCK" >>docs/benchmarks.md
  echo "appended to docs/benchmarks.md"
fi
