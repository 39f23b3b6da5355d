#!/usr/bin/env bash
# cluster_etcd.sh - three visorflow instances as one system through a 3-member
# etcd cluster on loopback ports (docs/cluster.md). Three OVS bridges
# (userspace datapath) chained by patch ports, each connected to all three
# instances; netns hosts on each; apps portscan + l2_learning everywhere.
#   1. every bridge gets exactly one master (Nicira role), chosen through etcd;
#      the others are slaves; hosts on all bridges reach each other
#   2. SIGKILL of the instance that is master of most bridges while a host
#      pings across all three bridges: each of its bridges gets a new master
#      within the bound (lease_ttl 2 s + 2 s), never two masters at once,
#      the ping goes on, the switches keep their flows, new flows work after
#   3. SIGKILL of the etcd leader: the instances stay connected (reconnect to
#      another member), no master changes hands, new flows work
#   4. a scan from a host on bridge 1: its master blocks it, and the block
#      reaches the masters of bridges 2 and 3 (drop flow on dl_src) through
#      etcd; the scanner moved to bridge 3 is blocked there, a host next to it
#      is not; every instance lists the block in `visorflowctl cluster`; n2,
#      whose host has a guest behind its monitor, drops the scanner's address
#      towards its guests there too (a monitor rule)
#   5. all of etcd gone: every instance logs local-only operation, keeps its
#      roles, traffic goes on; a block made meanwhile reaches the others once
#      etcd is back, and everyone reconnects
set -u
T_NAME=cluster_etcd
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cluster_lib.sh"
need_root "$T_NAME"
need_cmd ip ethtool ping python3 nmap timeout etcd etcdctl
need_ovs
[ -x "$VF_BUILD/visorflowd" ] && [ -x "$VF_BUILD/visorflowctl" ] ||
  { t_fail "$T_NAME: visorflowd or visorflowctl not built"; exit 1; }

TMP=$(mktemp -d /tmp/vf-cl.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/portscan.lua" "$VF_ROOT/lua/apps/l2_learning.lua" "$TMP/apps/"
now() { date +%s.%N; }
ms_since() { echo "($(now) - $1) * 1000 / 1" | bc; }

# ---- etcd and the instances ----------------------------------------------------------
# n2's host has a guest g2 behind its monitor: guest veth G, uplink pair
# U/US (the core makes it), US on bridge 2
G=vc${T_ID}pg2 U=vc${T_ID}mu US=vc${T_ID}ms PIN=/sys/fs/bpf/vf-it-cl-$T_ID
t_add_host "vc${T_ID}g2" "$G" 10.215.0.23 || { t_fail "$T_NAME: cannot create guest g2"; exit 1; }
t_mon_on_exit "$PIN" $U
CL_EXTRA[2]="[monitor]
pin_dir = $PIN
port = 1 guest=$G uplink=$U peer=$US"
cl_etcd_start "$TMP" 3 || { t_fail "$T_NAME: etcd did not start: $(tail -3 "$TMP/etcd1.log")"; exit 1; }
t_pass "$T_NAME: a 3-member etcd cluster is healthy ($(cl_etcd_endpoints))"
for i in 1 2 3; do
  cl_vfd_start "$TMP" $i "portscan, l2_learning" 2 ||
    { t_fail "$T_NAME: instance n$i did not start: $(tail -5 "$TMP/n$i.log")"; exit 1; }
done
t_wait_for 15 eval 'cl_connected 1 && cl_connected 2 && cl_connected 3' ||
  { t_fail "$T_NAME: not every instance joined: $(grep -h cluster "$TMP"/n*.log | tail -5)"; exit 1; }
t_pass "$T_NAME: three instances joined the cluster"

BR=vc${T_ID}
cl_bridges "$BR" 3 || { t_fail "$T_NAME: cannot create the bridges"; exit 1; }
t_wait_for 5 ip link show "$US" >/dev/null 2>&1 && ip link set "$US" up &&
  ovs-vsctl --timeout=10 add-port "${BR}2" "$US" ||
  { t_fail "$T_NAME: n2's monitor uplink $US is not there: $(grep -i monitor "$TMP/n2.log" | tail -3)"; exit 1; }
HOSTS="a1:1:11 b1:1:12 s:1:99 a2:2:21 b2:2:22 a3:3:31 b3:3:32"
for h in $HOSTS; do
  IFS=: read -r n b a <<<"$h"
  t_add_host "vc${T_ID}$n" "vc${T_ID}p$n" "10.215.0.$a" "$BR$b" ||
    { t_fail "$T_NAME: cannot create host $n"; exit 1; }
done
in_ns() { local n=$1; shift; ip netns exec "vc${T_ID}$n" "$@"; }
DP1=$(cl_dpid "${BR}1") DP2=$(cl_dpid "${BR}2") DP3=$(cl_dpid "${BR}3")

one_master_each() {
  local d m
  for d in $DP1 $DP2 $DP3; do
    m=$(cl_masters "$d")
    [ -n "$m" ] && [ "${m// /}" = "$m" ] || return 1
  done
}
t_wait_for 20 one_master_each ||
  { t_fail "$T_NAME: not every bridge has one master: $DP1:[$(cl_masters $DP1)] $DP2:[$(cl_masters $DP2)] $DP3:[$(cl_masters $DP3)]"; exit 1; }
echo "# masters: $DP1 n$(cl_masters $DP1), $DP2 n$(cl_masters $DP2), $DP3 n$(cl_masters $DP3)"
slaves_ok=1
for d in $DP1 $DP2 $DP3; do
  for i in 1 2 3; do
    r=$(cl_role $i "$d")
    [ "$r" = master ] || [ "$r" = slave ] || slaves_ok=0
  done
done
t_check "$T_NAME: every bridge has exactly one master, the other two instances are its slaves" \
  test "$slaves_ok" = 1
cl_ctl 1 cluster >"$TMP/cluster1.txt"
t_check "$T_NAME: visorflowctl cluster lists 3 etcd members, 3 instances, the 3 switches" \
  eval "grep -q 'etcd members (3)' '$TMP/cluster1.txt' && grep -q 'instances (3)' '$TMP/cluster1.txt' &&
        grep -q '$DP1  master n' '$TMP/cluster1.txt'"

t_wait_for 10 in_ns a1 ping -c 1 -W 1 10.215.0.32 >/dev/null ||
  { t_fail "$T_NAME: a1 cannot reach b3 across the three bridges"; exit 1; }
t_pass "$T_NAME: a1 reaches b3 across three bridges with three masters"
t_check "$T_NAME: a1 reaches g2, the guest behind n2's monitor on bridge 2" \
  t_wait_for 5 in_ns a1 ping -c 1 -W 1 10.215.0.23

# ---- 2. the master of most bridges dies ---------------------------------------------------
count() { local c=0 d; for d in $DP1 $DP2 $DP3; do [ "$(cl_masters "$d")" = "$1" ] && c=$((c + 1)); done; echo $c; }
V=1
for i in 2 3; do [ "$(count $i)" -gt "$(count $V)" ] && V=$i; done
OWNED=""
for d in $DP1 $DP2 $DP3; do [ "$(cl_masters "$d")" = "$V" ] && OWNED+=" $d"; done
# ip netns exec execs ping: $! is ping itself, which SIGINT ends with its summary
ip netns exec "vc${T_ID}a1" ping -i 0.1 -W 1 10.215.0.32 >"$TMP/ping.txt" 2>&1 &
PING=$!
t_on_exit "kill $PING 2>/dev/null"
sleep 1
t0=$(now)
cl_vfd_kill $V
dual=0 fail_ms=""
while :; do
  done_all=1
  for d in $OWNED; do
    m=$(cl_masters "$d")
    [ "${m// /}" != "$m" ] && dual=1
    [ -z "$m" ] && done_all=0
  done
  [ $done_all = 1 ] && { fail_ms=$(ms_since "$t0"); break; }
  [ "$(ms_since "$t0")" -gt 15000 ] && break
  sleep 0.05
done
echo "# n$V (master of$OWNED) killed: new masters after ${fail_ms:-never} ms:$(for d in $OWNED; do echo -n " $d n$(cl_masters $d)"; done)"
# the bound: the lease (2 s) + etcd's expiry check (every 0.5 s) + the new
# master's election and role request + this script's polling (~0.2 s per round)
t_check "$T_NAME: SIGKILL of n$V: its bridges ($OWNED ) have a new master after ${fail_ms:-never} ms (bound 4000 ms: lease 2 s + 2 s)" \
  eval "[ -n '$fail_ms' ] && [ '$fail_ms' -le 4000 ]"
t_check "$T_NAME: never two masters for one bridge during the failover" test "$dual" = 0
sleep 1
kill -INT $PING; wait $PING 2>/dev/null
sent=$(grep -o '[0-9]* packets transmitted' "$TMP/ping.txt" | cut -d' ' -f1)
recv=$(grep -o '[0-9]* received' "$TMP/ping.txt" | cut -d' ' -f1)
echo "# ping a1 -> b3 across the failover: $sent sent, $recv received"
t_check "$T_NAME: the ping across the bridges went on through the failover ($recv of $sent, at most 2 lost)" \
  eval "[ -n '$sent' ] && [ '$sent' -ge 20 ] && [ \$(( $sent - $recv )) -le 2 ]"
t_check "$T_NAME: new flows after the failover: a2 reaches b1, a3 reaches a1" \
  eval "in_ns a2 ping -c 2 -W 2 10.215.0.12 >/dev/null && in_ns a3 ping -c 2 -W 2 10.215.0.11 >/dev/null"
takeover=$(grep -h "master (takeover" "$TMP"/n*.log | wc -l)
t_check "$T_NAME: the new masters took over (logged 'takeover: the switch keeps its flows': $takeover)" \
  test "$takeover" -ge 1
# 600 shared keys written straight into etcd while n$V is down: its read at
# start-up comes in pages (256 keys each) and must bring them all
EP="127.0.0.1:${ETCD_CLIENT[1]}"
for b in 0 1 2 3 4 5; do
  { echo; for k in $(seq 0 99); do echo "put /vf-$T_ID/shared/bulk/k$b$k v$b$k"; done; echo; echo; } |
    etcdctl --endpoints "$EP" txn >/dev/null 2>&1
done
# the killed instance comes back: it joins as slave of everything
cl_vfd_start "$TMP" $V "portscan, l2_learning" 2 ||
  { t_fail "$T_NAME: n$V did not restart"; exit 1; }
# its OpenFlow port changed: give the bridges the new one
targets=""; for k in 1 2 3; do targets+=" tcp:127.0.0.1:${OF_PORT[$k]}"; done
for b in 1 2 3; do ovs-vsctl set-controller "$BR$b" $targets; done
t_wait_for 15 eval "[ \"\$(cl_role $V $DP1)\" = slave ] && [ \"\$(cl_role $V $DP2)\" = slave ] && [ \"\$(cl_role $V $DP3)\" = slave ]"
bulk=$(cl_ctl $V cluster | grep -c '^  bulk/k')
t_check "$T_NAME: n$V read the 600 keys written while it was down (its paged read at start: $bulk)" \
  test "$bulk" = 600
t_check "$T_NAME: n$V restarted and joined as slave of the three bridges" \
  eval "[ \"\$(cl_role $V $DP1)\" = slave ] && [ \"\$(cl_role $V $DP2)\" = slave ] && [ \"\$(cl_role $V $DP3)\" = slave ]"

# ---- 3. the etcd leader dies --------------------------------------------------------------
before="$(cl_masters $DP1)/$(cl_masters $DP2)/$(cl_masters $DP3)"
L=$(cl_etcd_leader)
[ -n "$L" ] || L=1
cl_etcd_kill "$L"
t1=$(now)
dual=0
while [ "$(ms_since "$t1")" -lt 4000 ]; do
  for d in $DP1 $DP2 $DP3; do m=$(cl_masters "$d"); [ "${m// /}" != "$m" ] && dual=1; done
  sleep 0.1
done
after="$(cl_masters $DP1)/$(cl_masters $DP2)/$(cl_masters $DP3)"
echo "# etcd member e$L (the leader) killed: masters $before -> $after"
t_check "$T_NAME: etcd leader e$L killed: every instance is connected to etcd again" \
  t_wait_for 10 eval 'cl_connected 1 && cl_connected 2 && cl_connected 3'
t_check "$T_NAME: etcd leader e$L killed: no master changed ($before = $after), never two" \
  eval "[ '$before' = '$after' ] && [ '$dual' = 0 ]"
t_check "$T_NAME: etcd leader e$L killed: new flows work (b2 reaches a3)" \
  in_ns b2 ping -c 2 -W 2 10.215.0.31

# ---- 3b. the cluster domain of bridge 1's master dies -------------------------------------
M=$(cl_masters $DP1)
CPID=$(cl_ctl "$M" domains | sed -n 's/^cluster: kind cluster pid \([0-9]*\) .*/\1/p')
kill -9 "$CPID" 2>/dev/null
t4=$(now)
dual=0
while [ "$(ms_since "$t4")" -lt 3000 ]; do
  for d in $DP1 $DP2 $DP3; do m=$(cl_masters "$d"); [ "${m// /}" != "$m" ] && dual=1; done
  sleep 0.1
done
t_wait_for 10 eval "cl_connected $M && one_master_each"
echo "# n$M's cluster domain (pid $CPID) killed: restarted, masters $(cl_masters $DP1)/$(cl_masters $DP2)/$(cl_masters $DP3)"
t_check "$T_NAME: n$M's cluster domain SIGKILLed: the core restarts it, it reconnects, every bridge has one master, never two" \
  eval "[ -n '$CPID' ] && cl_connected $M && one_master_each && [ '$dual' = 0 ] &&
        grep -q 'domain cluster (pid $CPID) killed by SIGKILL' '$TMP/n$M.log'"
t_check "$T_NAME: traffic after the cluster domain's restart: a2 reaches a3" \
  in_ns a2 ping -c 2 -W 2 10.215.0.31

# ---- 4. a scan behind bridge 1, blocked everywhere -----------------------------------------
SMAC=$(in_ns s cat /sys/class/net/eth0/address)
M1=$(cl_masters $DP1)
t2=$(now)
ip netns exec "vc${T_ID}s" timeout 60 nmap -n -sS -T4 -Pn -p 1-200 --max-retries 0 --max-rtt-timeout 300ms 10.215.0.12 \
  >"$TMP/nmap.txt" 2>&1 &
NMAP=$!
drop_on() { ovs-ofctl -O OpenFlow10 dump-flows "$1" | grep -i "dl_src=$SMAC" | grep -q "actions=drop"; }
blk1="" blk2="" blk3=""
while [ "$(ms_since "$t2")" -lt 30000 ]; do
  [ -z "$blk1" ] && drop_on "${BR}1" && blk1=$(ms_since "$t2")
  [ -z "$blk2" ] && drop_on "${BR}2" && blk2=$(ms_since "$t2")
  [ -z "$blk3" ] && drop_on "${BR}3" && blk3=$(ms_since "$t2")
  [ -n "$blk1" ] && [ -n "$blk2" ] && [ -n "$blk3" ] && break
  sleep 0.02
done
wait $NMAP 2>/dev/null
echo "# scan from s ($SMAC) on bridge 1 (master n$M1): drop flow on bridge 1 at ${blk1:-never} ms, bridge 2 (n$(cl_masters $DP2)) at ${blk2:-never} ms, bridge 3 (n$(cl_masters $DP3)) at ${blk3:-never} ms"
t_check "$T_NAME: the scanner is blocked on bridge 1 by its master n$M1" test -n "$blk1"
t_check "$T_NAME: the block reached bridge 2 and bridge 3 through etcd ($((${blk2:-99999} - ${blk1:-0})) and $((${blk3:-99999} - ${blk1:-0})) ms after bridge 1)" \
  eval "[ -n '$blk2' ] && [ -n '$blk3' ]"
shared=0
for i in 1 2 3; do cl_ctl $i cluster | grep -qi "portscan/block/$SMAC" && shared=$((shared + 1)); done
t_check "$T_NAME: every instance lists the block (portscan/block/$SMAC) in visorflowctl cluster ($shared of 3)" \
  test "$shared" = 3
# the scanner moves to bridge 3 (a VM migrating): blocked there, its neighbour not
ovs-vsctl del-port "${BR}1" "vc${T_ID}ps" && ovs-vsctl add-port "${BR}3" "vc${T_ID}ps"
if in_ns s ping -c 3 -i 0.3 -W 1 10.215.0.32 >/dev/null 2>&1; then
  t_fail "$T_NAME: the scanner, moved to bridge 3, still reaches b3"
else
  t_pass "$T_NAME: the scanner, moved to bridge 3, cannot reach b3 (blocked by bridge 3's master)"
fi
t_check "$T_NAME: a3, next to it on bridge 3, still reaches b3" in_ns a3 ping -c 2 -W 2 10.215.0.32
cl_ctl 2 rule list >"$TMP/rules2.txt" 2>&1
echo "# n2's monitor rules: $(grep -c . "$TMP/rules2.txt") lines; $(grep 10.215.0.99 "$TMP/rules2.txt")"
t_check "$T_NAME: n2's monitor drops the scanner's address (10.215.0.99) towards every guest (a domain:of rule)" \
  eval "grep 'domain:of' '$TMP/rules2.txt' | grep '10.215.0.99' | grep -q 'drop'"

# ---- 5. all of etcd goes, and comes back ----------------------------------------------------
for i in 1 2 3; do cl_etcd_kill $i; done
t_wait_for 10 eval 'for i in 1 2 3; do grep -q "etcd unreachable (.*local-only operation" "$TMP/n$i.log" || exit 1; done' 2>/dev/null
lo=0; for i in 1 2 3; do grep -q "etcd unreachable (.*local-only operation" "$TMP/n$i.log" && lo=$((lo + 1)); done
t_check "$T_NAME: etcd gone: every instance logs local-only operation ($lo of 3)" test "$lo" = 3
sleep 3 # past the lease: the masters stay masters all the same
t_check "$T_NAME: etcd gone for longer than the lease: every bridge still has its master" one_master_each
t_check "$T_NAME: etcd gone: traffic goes on (a1 reaches b2, a new flow)" \
  in_ns a1 ping -c 2 -W 2 10.215.0.22
BLK=02:00:00:00:77:01
cl_ctl 1 block "$BLK" --for 300 >"$TMP/block.txt" 2>&1
brc=$?
t_check "$T_NAME: etcd gone: a block on n1 is taken (exit $brc: $(head -1 "$TMP/block.txt")) and kept to publish" \
  eval "[ $brc = 0 ] && cl_ctl 1 cluster | grep -qi 'portscan/block/$BLK'"
t3=$(now)
for i in 1 2 3; do cl_etcd_run $i existing; done
t_wait_for 30 eval 'cl_connected 1 && cl_connected 2 && cl_connected 3'
back=$(ms_since "$t3")
t_check "$T_NAME: etcd back: every instance reconnected ($back ms after the members were started)" \
  eval 'cl_connected 1 && cl_connected 2 && cl_connected 3'
t_wait_for 10 eval "cl_ctl 2 cluster | grep -qi portscan/block/$BLK && cl_ctl 3 cluster | grep -qi portscan/block/$BLK"
t_check "$T_NAME: etcd back: the block made while it was gone reached n2 and n3" \
  eval "cl_ctl 2 cluster | grep -qi portscan/block/$BLK && cl_ctl 3 cluster | grep -qi portscan/block/$BLK"
t_check "$T_NAME: etcd back: every bridge has exactly one master" t_wait_for 10 one_master_each
# the switches' own view (ovsdb's controller table, refreshed by ovs-vswitchd
# every few seconds): each bridge has exactly one controller in role master
ovs_one_master() {
  local b u n
  for b in 1 2 3; do
    n=0
    for u in $(ovs-vsctl get bridge "$BR$b" controller | tr -d '[],'); do
      [ "$(ovs-vsctl get controller "$u" role 2>/dev/null)" = master ] && n=$((n + 1))
    done
    [ "$n" = 1 ] || return 1
  done
}
t_check "$T_NAME: Open vSwitch agrees: each bridge has exactly one controller in role master" \
  t_wait_for 15 ovs_one_master
t_check "$T_NAME: no crash: every instance still runs, no domain restarted (but the one killed on purpose)" \
  eval "for i in 1 2 3; do kill -0 \${VFD_PID[\$i]} || exit 1; done; ! grep -h 'domain .* (pid [0-9]*) \(exited\|killed\)' '$TMP'/n*.log | grep -v 'pid $CPID'"
t_check "$T_NAME: no app handler errors" eval "! grep -h 'app:[a-z_0-9]*: [a-z_]* failed:' '$TMP'/n*.log"
exit 0
