#!/usr/bin/env bash
# monitor_qemu.sh - the eBPF monitor as a bump in the wire on the tap of a QEMU VM
# (TCG), between the guest and an Open vSwitch (netdev) bridge with a namespace peer:
#
#   VM eth0 (virtio-net) ⇄ QEMU ⇄ TAP ─[tc ingress: decide, redirect]→ U ⇄ U_sw ── OVS ── P ⇄ peer
#                                     ←[redirect, decide: tc ingress U]─
#
# Checks: the guest boots and answers commands; ping and iperf3 TCP both ways through
# the monitor (Mbit/s printed; TCG is slow, so only "completes, > 0"); an admin drop
# rule for the peer's TCP port 5201 from the guest stops the guest's iperf3 while
# ping still works; the guest's SYNs are on the tap, none on U_sw nor at the peer,
# OVS received exactly what the monitor passed, and the rule's counter equals the
# SYNs on the tap; deleting the rule restores the traffic.
set -u
T_NAME=monitor_qemu
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc tcpdump iperf3 ethtool ping
need_ovs
need_guest
MONCTL=$VF_BUILD/tools/monctl
if [ ! -x "$MONCTL" ]; then
  t_fail "$T_NAME: $MONCTL not built (make B=... all)"
  exit 1
fi

BR=vfb$T_ID TAP=vfq${T_ID}t NSP=vfp$T_ID P=vfp${T_ID}h U=vfq${T_ID}u US=vfq${T_ID}s
GIP=10.79.0.1 PIP=10.79.0.2
PIN=/sys/fs/bpf/vf-itq-$T_ID
TMP=$(mktemp -d /tmp/vf-mqemu.XXXXXX)
RUN=$TMP/vm
mon() { "$MONCTL" -d "$PIN" "$@"; }
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $U
t_on_exit "ip link del $TAP"
echo "# bridge $BR, VM on tap $TAP, peer $NSP ($P), uplink $U/$US, pins $PIN"

# ---- topology --------------------------------------------------------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
ovs-ofctl -O OpenFlow10 add-flow "$BR" "priority=0,actions=NORMAL"
t_add_host "$NSP" "$P" "$PIP" "$BR" || { t_fail "$T_NAME: peer setup"; exit 1; }
if ! ip tuntap add "$TAP" mode tap || ! ip link set "$TAP" up; then
  t_fail "$T_NAME: cannot create tap $TAP"
  exit 1
fi
sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
if ! mon attach "$TAP" "$U" "$US" 1; then
  t_fail "$T_NAME: monctl attach $TAP"
  exit 1
fi
for i in $U $US; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US" || { t_fail "$T_NAME: add $US to $BR"; exit 1; }
t_check "$T_NAME: the tap is the monitor's guest port (three tc filters)" \
  bash -c "'$MONCTL' -d '$PIN' stats 1 | grep -q 'guest=$TAP(.*attached' &&
    tc filter show dev $TAP ingress | grep -q mon_ingress &&
    tc filter show dev $TAP egress | grep -q mon_guard &&
    tc filter show dev $U ingress | grep -q mon_ingress"
t_check "$T_NAME: the tap is not on the switch (only the uplink is)" \
  bash -c "! ovs-vsctl list-ports $BR | grep -qx $TAP && ovs-vsctl list-ports $BR | grep -qx $US"

# Not in a pipe: guest_boot registers the kill of QEMU in this shell.
if ! guest_boot "$RUN" --tap "$TAP" --ip "$GIP/24" --timeout 90 >"$TMP/boot.out" 2>&1; then
  t_fail "$T_NAME: the guest did not boot"; sed 's/^/    /' "$TMP/boot.out"
  exit 1
fi
sed 's/^/# /' "$TMP/boot.out"
t_pass "$T_NAME: guest booted, boot to first command $(cat "$RUN/boot.seconds") s"
t_check "$T_NAME: guest eth0 has $GIP" bash -c "
  '$VF_ROOT/scripts/guest-run' -t 10 '$RUN/cmd.sock' ip -4 addr show eth0 | grep -q 'inet $GIP/24'"

# ---- ping and iperf3 through the monitor ---------------------------------------------------
if guest_run -t 30 "$RUN" "ping -c 3 -W 5 $PIP" >"$TMP/ping1.out" 2>&1; then
  t_pass "$T_NAME: ping guest -> peer ($(grep -o 'min/avg/max = [0-9./]* ms' "$TMP/ping1.out"))"
else
  t_fail "$T_NAME: ping guest -> peer"; sed 's/^/    /' "$TMP/ping1.out"
fi
if ip netns exec "$NSP" ping -c 3 -W 5 "$GIP" >"$TMP/ping2.out" 2>&1; then
  t_pass "$T_NAME: ping peer -> guest ($(grep -o 'min/avg/max/mdev = [0-9./]* ms' "$TMP/ping2.out"))"
else
  t_fail "$T_NAME: ping peer -> guest"; sed 's/^/    /' "$TMP/ping2.out"
fi

ip netns exec "$NSP" iperf3 -s -p 5201 -D --pidfile "$TMP/iperf.pid" >/dev/null 2>&1
t_wait_for 5 test -s "$TMP/iperf.pid"
t_on_exit "kill \$(cat $TMP/iperf.pid)"
quiet() { "$@" >/dev/null 2>&1; }
# mbits FILE: the receiver's Mbit/s of an iperf3 client's output (-f m).
mbits() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v }' "$1"; }
iperf_ok() { # NAME FILE: completed with a rate above 0
  local r
  r=$(mbits "$2")
  if [ -n "$r" ] && awk -v r="$r" 'BEGIN { exit !(r > 0) }'; then
    t_pass "$1: $r Mbit/s"
  else
    t_fail "$1 (no rate)"; sed 's/^/    /' "$2"
  fi
}
guest_run -t 40 "$RUN" "iperf3 -c $PIP -p 5201 -t 3 -f m --connect-timeout 5000" >"$TMP/iperf-g2p.out" 2>&1
iperf_ok "$T_NAME: iperf3 TCP guest -> peer" "$TMP/iperf-g2p.out"
guest_run -t 10 "$RUN" "iperf3 -s -p 5201 -D" >/dev/null 2>&1
sleep 0.5
ip netns exec "$NSP" timeout 40 iperf3 -c "$GIP" -p 5201 -t 3 -f m --connect-timeout 5000 \
  >"$TMP/iperf-p2g.out" 2>&1
iperf_ok "$T_NAME: iperf3 TCP peer -> guest" "$TMP/iperf-p2g.out"
# Nothing of the guest's may talk on 5201 but the connection attempt below, so that
# the rule's counter can be compared with a capture.
guest_run -t 10 "$RUN" "killall iperf3; true" >/dev/null 2>&1

# ---- a drop rule: the guest's TCP to the peer's 5201 -----------------------------------------
CAP_PIDS=()
cap_start() { # netns or "", interface, name, filter...
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

RID=$(mon add drop "$PIP" proto tcp port 5201 dir from-guest)
t_check "$T_NAME: admin rule added (id $RID: $(mon list nocounters | awk -F'\t' -v id="$RID" '$1 == id { print $3 }'))" \
  test -n "$RID"
ovs_before=$(ovs_rx) pass_before=$(mon_pass_from)
mon events 1 30 >"$TMP/events.out" 2>&1 &
EV_PID=$!
t_on_exit "kill $EV_PID"
cap_start "" "$TAP" tap5201 tcp port 5201
cap_start "" "$US" us5201 tcp port 5201
cap_start "$NSP" eth0 peer5201 tcp port 5201
# --connect-timeout 2500: SYNs at 0 s and 1 s; the next one (3 s) would race the
# timeout, and a frame sent after the captures stop would be counted only by the rule.
if guest_run -t 40 "$RUN" "iperf3 -c $PIP -p 5201 -t 2 --connect-timeout 2500" >"$TMP/iperf-drop.out" 2>&1; then
  t_fail "$T_NAME: with the rule, the guest's iperf3 to $PIP:5201 still connected"
else
  t_pass "$T_NAME: with the rule, the guest's iperf3 to 5201 fails ($(tail -1 "$TMP/iperf-drop.out"))"
fi
cap_stop
ovs_after=$(ovs_rx) pass_after=$(mon_pass_from)
seen_tap=$(cap_count tap5201) seen_us=$(cap_count us5201) seen_peer=$(cap_count peer5201)
echo "# 5201 with the rule: the guest sent $seen_tap frames (tap); U_sw saw $seen_us; the peer $seen_peer"
t_check "$T_NAME: the guest did send to 5201 ($seen_tap SYNs on the tap)" test "$seen_tap" -ge 2
t_check "$T_NAME: no dropped frame on U_sw (tcpdump: $seen_us)" test "$seen_us" -eq 0
t_check "$T_NAME: no dropped frame at the peer (tcpdump: $seen_peer)" test "$seen_peer" -eq 0
t_check "$T_NAME: OVS received exactly what the monitor passed (rx +$((ovs_after - ovs_before)), passed +$((pass_after - pass_before)))" \
  test $((ovs_after - ovs_before)) -eq $((pass_after - pass_before))
cnt=$(rule_pkts "$RID")
t_check "$T_NAME: the rule's counter equals the frames the guest sent ($cnt = $seen_tap)" \
  test "$cnt" = "$seen_tap"
t_wait_for 5 grep -q "rule=$RID " "$TMP/events.out"
t_check "$T_NAME: a drop event names the VM's port, the rule and the connection" \
  grep -q "^drop port=1 dir=from-guest rule=$RID proto=6 $GIP:[0-9]* -> $PIP:5201" "$TMP/events.out"
sed -n '1p' "$TMP/events.out" | sed 's/^/    /'
t_check "$T_NAME: ping guest -> peer still works under the rule" quiet \
  guest_run -t 30 "$RUN" "ping -c 2 -W 5 $PIP"

t_check "$T_NAME: admin deletes the rule" mon del "$RID"
guest_run -t 40 "$RUN" "iperf3 -c $PIP -p 5201 -t 2 -f m --connect-timeout 5000" >"$TMP/iperf-again.out" 2>&1
iperf_ok "$T_NAME: without the rule, the guest's iperf3 to 5201 works again" "$TMP/iperf-again.out"

# ---- cleanup: the guest first, then the monitor ----------------------------------------------
guest_stop "$RUN"
ovs-vsctl --timeout=10 del-port "$BR" "$US"
t_check "$T_NAME: detach removes the filters and the uplink pair" \
  bash -c "'$MONCTL' -d '$PIN' detach 1 && ! ip link show $U >/dev/null 2>&1 &&
    ! tc qdisc show dev $TAP | grep -q clsact"
t_check "$T_NAME: destroy removes the pins" bash -c "'$MONCTL' -d '$PIN' destroy && ! test -e $PIN"
exit 0
