#!/usr/bin/env bash
# monitor_netns.sh - the eBPF monitor as a bump in the wire between a namespace
# guest and an Open vSwitch (netdev) bridge with a namespace peer:
#
#   guest ns eth0 ⇄ G ─[tc ingress: decide, redirect]→ U ⇄ U_sw ── OVS ── P ⇄ peer ns eth0
#                     ←[redirect, decide: tc ingress]─
#
# Checks: traffic passes; a from-guest drop rule (TCP 5001) stops iperf3 on that
# port while another port and ping work; the dropped frames are seen on G (they
# were sent) but never on U_sw (tcpdump) nor by OVS (port rx counter equals what
# the monitor passed) nor by the peer; a to-guest rule likewise; per-rule
# counters equal the frames captured; a drop event arrives through the ring
# buffer; rules and filtering survive the userspace tool (every monctl call is a
# new process; nothing of it runs between calls); detach and destroy clean up.
set -u
T_NAME=monitor_netns
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc tcpdump iperf3 ethtool ping
need_ovs
MONCTL=$VF_BUILD/tools/monctl
if [ ! -x "$MONCTL" ]; then
  t_fail "$T_NAME: $MONCTL not built (make B=... all)"
  exit 1
fi

BR=vfb$T_ID
NSG=vfg$T_ID NSP=vfp$T_ID
G=vfg${T_ID}h P=vfp${T_ID}h U=vfm${T_ID}u US=vfm${T_ID}s
PIN=/sys/fs/bpf/vf-it-$T_ID
TMP=$(mktemp -d /tmp/vf-monitor.XXXXXX)
mon() { "$MONCTL" -d "$PIN" "$@"; }
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_on_exit "rm -rf $PIN"
t_on_exit "'$MONCTL' -d $PIN destroy"
t_on_exit "ip link del $U"
echo "# bridge $BR, guest $NSG ($G), peer $NSP ($P), uplink $U/$US, pins $PIN"

# ---- topology --------------------------------------------------------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
ovs-ofctl -O OpenFlow10 add-flow "$BR" "priority=0,actions=NORMAL"
t_add_host "$NSG" "$G" 10.77.0.1 || { t_fail "$T_NAME: guest setup"; exit 1; }
t_add_host "$NSP" "$P" 10.77.0.2 "$BR" || { t_fail "$T_NAME: peer setup"; exit 1; }
if ! mon attach "$G" "$U" "$US" 1; then
  t_fail "$T_NAME: monctl attach"
  exit 1
fi
for i in $U $US; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US" || { t_fail "$T_NAME: add $US to $BR"; exit 1; }
t_check "$T_NAME: attached (three tc filters of the monitor)" \
  bash -c "mon() { '$MONCTL' -d '$PIN' \"\$@\"; }; mon stats 1 | grep -q ' attached' &&
    tc filter show dev $G ingress | grep -q mon_ingress &&
    tc filter show dev $G egress | grep -q mon_guard &&
    tc filter show dev $U ingress | grep -q mon_ingress"
t_check "$T_NAME: G is not on the switch (only the uplink is)" \
  bash -c "! ovs-vsctl list-ports $BR | grep -qx $G && ovs-vsctl list-ports $BR | grep -qx $US"
t_check "$T_NAME: ping guest -> peer through monitor and OVS" \
  t_wait_for 10 ip netns exec "$NSG" ping -c 1 -W 1 10.77.0.2

# ---- helpers -------------------------------------------------------------------------
CAP_PIDS=()
cap_start() { # name, netns or "", interface, filter
  local ns=$1 ifc=$2 name=$3; shift 3
  local cmd=(tcpdump -i "$ifc" --immediate-mode -nn -U -w "$TMP/$name.pcap" "$@")
  [ -n "$ns" ] && cmd=(ip netns exec "$ns" "${cmd[@]}")
  "${cmd[@]}" 2>"$TMP/$name.err" &
  CAP_PIDS+=($!)
  t_on_exit "kill $!"
  t_wait_for 5 grep -q 'listening on' "$TMP/$name.err"
}
cap_stop() {
  sleep 0.5
  local p
  for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  CAP_PIDS=()
}
cap_count() { tcpdump -nn -r "$TMP/$1.pcap" 2>/dev/null | wc -l; }
ovs_rx() { ovs-ofctl -O OpenFlow10 dump-ports "$BR" "$US" | sed -n 's/.*rx pkts=\([0-9]*\).*/\1/p'; }
mon_pass_from() { mon stats 1 | sed -n 's/.*from-guest: pass \([0-9]*\) pkts.*/\1/p'; }
rule_pkts() { mon list | awk -F'\t' -v id="$1" '$1 == id { sub(/.*packets=/, "", $4); sub(/ .*/, "", $4); print $4 }'; }

for port in 5001 5201; do
  ip netns exec "$NSP" iperf3 -s -p $port -D --pidfile "$TMP/iperf$port.pid" >/dev/null 2>&1
done
t_wait_for 5 test -s "$TMP/iperf5001.pid"
t_wait_for 5 test -s "$TMP/iperf5201.pid"
t_on_exit "kill \$(cat $TMP/iperf5001.pid) \$(cat $TMP/iperf5201.pid)"

t_check "$T_NAME: iperf3 on 5001 works before any rule" \
  ip netns exec "$NSG" timeout 20 iperf3 -c 10.77.0.2 -p 5001 -t 1 --connect-timeout 3000

# ---- from-guest rule ----------------------------------------------------------------
RID=$(mon add drop 10.77.0.2 port 5001 dir from-guest)
t_check "$T_NAME: rule added (id $RID)" test -n "$RID"
ovs_before=$(ovs_rx) pass_before=$(mon_pass_from)
mon events 1 15 >"$TMP/events.out" 2>&1 &
EV_PID=$!
t_on_exit "kill $EV_PID"
cap_start "" "$G" g5001 tcp port 5001
cap_start "" "$US" us5001 tcp port 5001
cap_start "$NSP" eth0 peer5001 tcp port 5001
if ip netns exec "$NSG" timeout 20 iperf3 -c 10.77.0.2 -p 5001 -t 1 --connect-timeout 3000 \
    >"$TMP/iperf-drop.out" 2>&1; then
  t_fail "$T_NAME: iperf3 to the dropped port 5001 connected"
else
  t_pass "$T_NAME: iperf3 to the dropped port 5001 fails ($(tail -1 "$TMP/iperf-drop.out"))"
fi
cap_stop
ovs_after=$(ovs_rx) pass_after=$(mon_pass_from)
seen_g=$(cap_count g5001) seen_us=$(cap_count us5001) seen_peer=$(cap_count peer5001)
echo "# 5001: guest sent $seen_g frames; U_sw saw $seen_us; peer saw $seen_peer"
t_check "$T_NAME: the guest did send to 5001 ($seen_g SYNs on G)" test "$seen_g" -ge 2
t_check "$T_NAME: no dropped frame on U_sw (tcpdump: $seen_us)" test "$seen_us" -eq 0
t_check "$T_NAME: no dropped frame at the peer (tcpdump: $seen_peer)" test "$seen_peer" -eq 0
t_check "$T_NAME: OVS received exactly what the monitor passed (rx +$((ovs_after - ovs_before)), passed +$((pass_after - pass_before)))" \
  test $((ovs_after - ovs_before)) -eq $((pass_after - pass_before))
cnt=$(rule_pkts "$RID")
t_check "$T_NAME: rule counter equals the frames sent ($cnt = $seen_g)" test "$cnt" = "$seen_g"
t_wait_for 5 grep -q "rule=$RID " "$TMP/events.out"
t_check "$T_NAME: a drop event arrived through the ring buffer" \
  grep -q "^drop port=1 dir=from-guest rule=$RID proto=6 10.77.0.1:[0-9]* -> 10.77.0.2:5001" \
  "$TMP/events.out"
sed -n '1p' "$TMP/events.out" | sed 's/^/    /'
t_check "$T_NAME: another port passes (iperf3 on 5201)" \
  ip netns exec "$NSG" timeout 20 iperf3 -c 10.77.0.2 -p 5201 -t 2 --connect-timeout 3000
t_check "$T_NAME: ping passes" ip netns exec "$NSG" ping -c 2 -W 1 10.77.0.2

# ---- to-guest rule --------------------------------------------------------------------
TID=$(mon add drop 10.77.0.2 proto udp port 6000 dir to-guest on 1)
cap_start "$NSG" eth0 guest6000 udp port 6000
cap_start "$NSG" eth0 guest6001 udp port 6001
cap_start "" "$US" us6000 udp port 6000
for i in 1 2 3 4 5; do
  ip netns exec "$NSP" bash -c 'echo x >/dev/udp/10.77.0.1/6000; echo y >/dev/udp/10.77.0.1/6001'
done
cap_stop
g6000=$(cap_count guest6000) g6001=$(cap_count guest6001) us6000=$(cap_count us6000)
echo "# to-guest udp: switch sent $us6000 to 6000; guest got $g6000 on 6000, $g6001 on 6001"
t_check "$T_NAME: to-guest: the switch sent 5 datagrams to 6000 (U_sw: $us6000)" test "$us6000" -eq 5
t_check "$T_NAME: to-guest: none reached the guest ($g6000)" test "$g6000" -eq 0
t_check "$T_NAME: to-guest: port 6001 reached the guest ($g6001)" test "$g6001" -eq 5
cnt=$(rule_pkts "$TID")
t_check "$T_NAME: to-guest rule counter is 5 ($cnt)" test "$cnt" = 5

# ---- survival of userspace --------------------------------------------------------------
mon list >"$TMP/list1"
t_check "$T_NAME: no monctl process is running" bash -c "! pgrep -x monctl >/dev/null"
before=$(rule_pkts "$RID")
if ip netns exec "$NSG" timeout 10 iperf3 -c 10.77.0.2 -p 5001 -t 1 --connect-timeout 2000 \
    >/dev/null 2>&1; then
  t_fail "$T_NAME: without userspace, 5001 connected"
else
  t_pass "$T_NAME: without userspace, 5001 is still dropped"
fi
mon list >"$TMP/list2"
after=$(rule_pkts "$RID")
t_check "$T_NAME: counters kept counting without userspace ($before -> $after)" \
  test "$after" -gt "$before"
t_check "$T_NAME: a new process lists the same rules" \
  diff <(cut -f1-3 "$TMP/list1") <(cut -f1-3 "$TMP/list2")
t_check "$T_NAME: guest:2 may not delete an admin rule" bash -c "! '$MONCTL' -d '$PIN' -o guest:2 del $RID 2>/dev/null"
t_check "$T_NAME: admin deletes the rule" mon del "$RID"
t_check "$T_NAME: 5001 works again" \
  ip netns exec "$NSG" timeout 20 iperf3 -c 10.77.0.2 -p 5001 -t 1 --connect-timeout 3000

# ---- cleanup by the library ---------------------------------------------------------------
ovs-vsctl --timeout=10 del-port "$BR" "$US"
t_check "$T_NAME: detach removes the filters and the uplink pair" \
  bash -c "'$MONCTL' -d '$PIN' detach 1 && ! ip link show $U >/dev/null 2>&1 &&
    ! ip link show $US >/dev/null 2>&1 && ! tc qdisc show dev $G | grep -q clsact"
t_check "$T_NAME: destroy removes the pins" bash -c "'$MONCTL' -d '$PIN' destroy && ! test -e $PIN"
exit 0
