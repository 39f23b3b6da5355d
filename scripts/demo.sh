#!/usr/bin/env bash
# make demo: the paper's experiment (section 5.3, Fig. 4 and 5) end to end, on
# real software:
#   Open vSwitch (userspace datapath) with host A and guest B (network
#   namespaces), visorflowd with the controller in its protection domain
#   running portscan, l2_learning and flowmon (flow statistics every second);
#   A sends one TCP segment per second to B over one connection; part-way
#   through, A port-scans B with nmap; the portscan app detects it and cuts A
#   off with a FLOW_MOD drop flow. Output: a plot like Fig. 5 (packets matched
#   by the A->B flow and by the drop flow over time) and a short summary.
#
# Usage: scripts/demo.sh [--quick] [--out DIR] [--scan-at S] [--duration S]
#   default timeline: scan at 45 s (as in the paper), 90 s in all; --quick: 10 s / 25 s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCAN_AT=45 DURATION=90 OUT=$ROOT/build/demo
while [ $# -gt 0 ]; do
  case $1 in
    --quick) SCAN_AT=10 DURATION=25; shift ;;
    --out) OUT=$2; shift 2 ;;
    --scan-at) SCAN_AT=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ "$DURATION" -gt $((SCAN_AT + 10)) ] || { echo "demo: --duration must leave 10 s after --scan-at" >&2; exit 2; }

export VF_ROOT=$ROOT VF_BUILD=$ROOT/build T_NAME=demo
. tests/lib.sh
# lib.sh's cleanup runs on EXIT; it must run whole whatever failed (no -e, no -u).
trap 'set +eu; t_cleanup' EXIT
need_root demo
need_ovs
need_cmd nmap gnuplot tcpdump ip ethtool python3
for b in visorflowd visorflowctl visorflow-domain; do
  [ -x "build/$b" ] || { echo "demo: build/$b is missing (make)" >&2; exit 1; }
done

rm -rf "$OUT" && mkdir -p "$OUT/apps" "$OUT/records"
BR=vfdemo$T_ID NSA=vfdemoA$T_ID NSB=vfdemoB$T_ID PA=vfdA$T_ID PB=vfdB$T_ID
A_IP=10.55.0.1 B_IP=10.55.0.2 SINK_PORT=7000
PORT=$(t_free_port)
SOCK=$OUT/ctl.sock
export VISORFLOW_SOCK=$SOCK
cp lua/apps/portscan.lua lua/apps/l2_learning.lua lua/apps/flowmon.lua "$OUT/apps/"
cat >"$OUT/visorflow.conf" <<CONF
# written by scripts/demo.sh
[controller]
listen = 127.0.0.1:$PORT
apps = portscan, l2_learning, flowmon
app_dir = $OUT/apps
[app.portscan]
# keep the scanner's earlier flows (as the paper's switch did): the A->B flow's
# counter then stays visible, flat, once the higher-priority drop flow shadows it
cleanup_flows = false
[app.l2_learning]
idle_timeout = 60
[app.flowmon]
interval = 1
ports = false
[daemon]
control = $SOCK
record_dir = $OUT/records
log_level = info
CONF

say() { printf '[%5.1f s] %s\n' "$(echo "$(date +%s.%N) - ${T0:-$(date +%s.%N)}" | bc)" "$*"; }
command -v bc >/dev/null || say() { echo "$*"; }

echo "== visorflow: the paper's experiment (section 5.3, Fig. 4/5) =="
echo "   scan at ${SCAN_AT} s, ${DURATION} s in all; output in $OUT"

build/visorflowd -c "$OUT/visorflow.conf" >"$OUT/visorflowd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null"
t_wait_for 10 test -S "$SOCK" || { echo "demo: visorflowd did not start:"; tail "$OUT/visorflowd.log"; exit 1; }

t_add_bridge "$BR" other-config:datapath-id=0000000000000001
t_add_host "$NSA" "$PA" "$A_IP" "$BR"
t_add_host "$NSB" "$PB" "$B_IP" "$BR"
A_MAC=$(ip netns exec "$NSA" cat /sys/class/net/eth0/address)
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { echo "demo: OVS did not connect"; exit 1; }
# OVS logs "BR<->tcp:ADDR: connected" per (re)connection: count them before and after.
conn_count() { grep -c "|rconn|.*$BR<->tcp:127.0.0.1:$PORT: connected" /var/log/openvswitch/ovs-vswitchd.log 2>/dev/null || true; }
CONN_BEFORE=$(conn_count)

# B: the sink of A's once-a-second segments, and a few open services to scan.
ip netns exec "$NSB" python3 - "$SINK_PORT" 22 80 443 >"$OUT/b-services.log" 2>&1 <<'PY' &
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port))); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=lambda c=c: [None for _ in iter(lambda: c.recv(4096), b"")], daemon=True).start()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
PY
t_on_exit "kill $! 2>/dev/null"
t_wait_for 5 ip netns exec "$NSB" ss -Htln "( sport = :$SINK_PORT )" | grep -q . || true

# Capture on B's side of the switch: what reached B (for probes leaked).
tcpdump -i "$PB" -nn -U -w "$OUT/b.pcap" "ip src $A_IP" >/dev/null 2>&1 &
t_on_exit "kill $! 2>/dev/null"
sleep 1

T0=$(date +%s.%N)
# A: one TCP segment per second to B on one connection (the A->B flow of Fig. 5).
ip netns exec "$NSA" bash -c "exec 3<>/dev/tcp/$B_IP/$SINK_PORT; while :; do echo tick >&3 || exit; sleep 1; done" &
TICK_PID=$!
t_on_exit "kill $TICK_PID 2>/dev/null"
say "A ($A_IP) sends one TCP segment per second to B ($B_IP:$SINK_PORT)"

# Watch the switch for the drop flow on A (its install time).
(
  while :; do
    if ovs-ofctl -O OpenFlow10 dump-flows "$BR" 2>/dev/null | grep -i "dl_src=$A_MAC" | grep -q "actions=drop"; then
      date +%s.%N >"$OUT/block.time"; break
    fi
    sleep 0.1
  done
) &
t_on_exit "kill $! 2>/dev/null"

sleep "$SCAN_AT"
SCAN_T=$(date +%s.%N)
say "A port-scans B: nmap -sS -T4 -p 1-2000 $B_IP"
ip netns exec "$NSA" nmap -n -Pn -sS -T4 -p 1-2000 --max-retries 1 "$B_IP" >"$OUT/nmap.txt" 2>&1 &
NMAP_PID=$!
t_on_exit "kill $NMAP_PID 2>/dev/null"
for _ in $(seq 1 $((DURATION - SCAN_AT))); do
  [ -f "$OUT/block.time" ] && [ -z "${BLOCK_SAID:-}" ] && { BLOCK_SAID=1; say "drop flow for A ($A_MAC) is on the switch"; }
  sleep 1
done
kill "$NMAP_PID" "$TICK_PID" 2>/dev/null || true
say "end of the timeline"
sleep 1.5 # the last statistics poll

# ---- results ------------------------------------------------------------------------
DOM_PID=$(build/visorflowctl status 2>/dev/null | awk '/^domain of:/ {print $6}')
DOM_SANDBOX=$(awk '/^Seccomp:/ {s=$2} /^NoNewPrivs:/ {n=$2} END {printf "Seccomp %s, NoNewPrivs %s", s, n}' \
  "/proc/${DOM_PID:-0}/status" 2>/dev/null)
CSV=$(ls "$OUT"/records/flowmon-*.csv 2>/dev/null | head -1 || true)
CONN_AFTER=$(conn_count)
python3 - "$CSV" "$A_IP" "$B_IP" "$SINK_PORT" "$A_MAC" "$T0" "$SCAN_T" "$OUT" <<'PY'
import csv, sys, os
path, a_ip, b_ip, sink, a_mac, t0, scan_t, out = sys.argv[1:]
t0, scan_t = float(t0), float(scan_t)
ab, drop = {}, {}
for row in csv.DictReader(open(path)) if path else []:
    if row["kind"] != "flow":
        continue
    t, key, n = float(row["time"]) - t0, row["key"], int(row["packets"])
    if f"nw_src={a_ip}" in key and f"nw_dst={b_ip}" in key and f"tp_dst={sink}" in key and row["actions"] != "drop":
        ab[round(t)] = ab.get(round(t), 0) + n
    elif row["actions"] == "drop" and a_mac.lower() in key.lower():
        drop[round(t)] = drop.get(round(t), 0) + n
with open(os.path.join(out, "fig5.dat"), "w") as f:
    f.write("# t_seconds ab_flow_packets drop_flow_packets\n")
    for t in sorted(set(ab) | set(drop)):
        f.write(f"{t} {ab.get(t, 'NaN')} {drop.get(t, 'NaN')}\n")
PY
gnuplot <<GP
set terminal pngcairo size 900,540 font "sans,11"
set output "$OUT/fig5.png"
set title "Packets matched by flow entries (cf. the paper's Fig. 5)"
set xlabel "time since start (s)"
set ylabel "packets matched"
set key top left
set arrow from $(echo "$SCAN_T - $T0" | bc),graph 0 to $(echo "$SCAN_T - $T0" | bc),graph 1 nohead dt 2 lc rgb "gray"
set label "nmap starts" at $(echo "$SCAN_T - $T0 + 1" | bc),graph 0.95
plot "$OUT/fig5.dat" using 1:2 with linespoints pt 7 ps 0.5 title "A -> B flow (TCP $SINK_PORT)", \
     "" using 1:3 with linespoints pt 5 ps 0.5 title "drop flow for A"
GP

probes_total=$(tcpdump -nn -r "$OUT/b.pcap" "tcp and not port $SINK_PORT" 2>/dev/null | wc -l)
if [ -f "$OUT/block.time" ]; then
  BLOCK_T=$(cat "$OUT/block.time")
  first_probe=$(tcpdump -nn -tt -r "$OUT/b.pcap" "tcp and not port $SINK_PORT" 2>/dev/null | head -1 | awk '{print $1}')
  leaked=$(tcpdump -nn -tt -r "$OUT/b.pcap" 2>/dev/null | awk -v b="$BLOCK_T" '$1 > b + 0.5' | wc -l)
  printf -v tblock '%.2f s' "$(echo "$BLOCK_T - ${first_probe:-$SCAN_T}" | bc)"
  blocked=yes
else
  tblock="never" leaked=n/a blocked=no
fi
disc=$(( ${CONN_AFTER:-0} - ${CONN_BEFORE:-0} ))
echo
echo "== summary"
printf '  scan started            %.1f s after the start\n' "$(echo "$SCAN_T - $T0" | bc)"
echo "  A blocked               $blocked"
echo "  probes that reached B   $probes_total (before the block; B's port capture)"
echo "  time to block           $tblock (first probe on B's port -> drop flow on the switch)"
echo "  packets leaked after    $leaked (from A on B's port, 0.5 s after the block)"
echo "  OpenFlow reconnects     $disc (ovs-vswitchd log for $BR)"
echo "  controller              portscan + l2_learning + flowmon in visorflow-domain pid ${DOM_PID:-?} ($DOM_SANDBOX)"
echo "  plot                    $OUT/fig5.png (data: $OUT/fig5.dat, raw: ${CSV:-none})"
[ "$blocked" = yes ] && [ "$disc" -eq 0 ]
