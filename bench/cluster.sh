#!/usr/bin/env bash
# bench/cluster.sh - how fast the cluster acts as one (docs/cluster.md): a
# 3-member etcd cluster on loopback ports, three visorflowd instances
# (lease_ttl 2 s, portscan + l2_learning), three OVS bridges chained by
# patch ports, each connected to all three instances. Repeated rounds of:
#   failover   SIGKILL the master of bridge 1; time until another instance's
#              of domain logs "switch ...: master (takeover)", i.e. the
#              switch answered its Nicira master request (the log's ms
#              timestamps against the kill's); then the killed instance is
#              started again (it joins as slave)
#   block      `visorflowctl block MAC --for 60` on bridge 1's master; time
#              until a drop flow for MAC is in bridge 1 (local) and in
#              bridges 2 and 3 (through etcd, by their own masters)
# Baselines from the same run: the lease (failover cannot beat it: a dead
# master's key goes when its lease expires), the local block (the
# propagation adds to it), and etcd itself (etcdctl put seen by etcdctl
# watch). Prints each round, medians, ratios, and a markdown table for
# docs/benchmarks.md ("Cluster").
#
# Usage: bench/cluster.sh [--rounds N]     (default 9)
# Exit: 0 when every round measured; 1 otherwise; 2 usage.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
VF_BUILD=${VF_BUILD:-$ROOT/build}
T_NAME=bench-cluster
. tests/lib.sh
. tests/cluster_lib.sh
ROUNDS=9
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "cluster.sh: needs root" >&2; exit 2; }
for c in etcd etcdctl ovs-vsctl ip python3 bc; do
  command -v $c >/dev/null || { echo "cluster.sh: $c missing (scripts/deps.sh)" >&2; exit 2; }
done
TMP=$(mktemp -d /tmp/vf-clb.XXXXXX)
t_on_exit "rm -rf '$TMP'"
mkdir -p "$TMP/apps"
cp lua/apps/portscan.lua lua/apps/l2_learning.lua "$TMP/apps/"
now() { date +%s.%N; }
ms_since() { echo "($(now) - $1) * 1000 / 1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print "-"}'; }

cl_etcd_start "$TMP" 3 || { echo "etcd did not start" >&2; exit 1; }
for i in 1 2 3; do cl_vfd_start "$TMP" $i "portscan, l2_learning" 2 || exit 1; done
t_wait_for 15 eval 'cl_connected 1 && cl_connected 2 && cl_connected 3' || { echo "no cluster" >&2; exit 1; }
BR=vb${T_ID}
cl_bridges "$BR" 3 || exit 1
DP1=$(cl_dpid "${BR}1")
set_controllers() {
  local t="" k b
  for k in 1 2 3; do t+=" tcp:127.0.0.1:${OF_PORT[$k]}"; done
  for b in 1 2 3; do ovs-vsctl set-controller "$BR$b" $t; done
}
one_master() { local m; m=$(cl_masters "$1"); [ -n "$m" ] && [ "${m// /}" = "$m" ]; }
all_masters() { one_master "$DP1" && one_master "$(cl_dpid ${BR}2)" && one_master "$(cl_dpid ${BR}3)"; }
t_wait_for 20 all_masters || { echo "no masters" >&2; exit 1; }

# etcd's own put -> watch latency, the floor of any propagation through it
EP=127.0.0.1:${ETCD_CLIENT[1]}
etcd_rtt() {
  local t w
  etcdctl --endpoints "$EP" watch "/vfbench-$T_ID/k" >"$TMP/watch.out" 2>&1 &
  w=$!
  sleep 0.3
  t=$(now)
  etcdctl --endpoints "127.0.0.1:${ETCD_CLIENT[2]}" put "/vfbench-$T_ID/k" "$RANDOM" >/dev/null
  t_wait_for 5 grep -q PUT "$TMP/watch.out"
  ms_since "$t"
  kill $w 2>/dev/null; wait $w 2>/dev/null
}

F=() L=() R=() E=()
bad=0
printf '%-5s %12s %12s %14s %10s\n' round failover_ms local_blk_ms remote_blk_ms etcd_ms
for r in $(seq 1 "$ROUNDS"); do
  # -- failover
  M=$(cl_masters "$DP1")
  for k in 1 2 3; do : >"$TMP/n$k.log.mark"; wc -l <"$TMP/n$k.log" >"$TMP/n$k.log.mark"; done
  t0=$(now); cl_vfd_kill "$M"; f=""
  while [ "$(ms_since "$t0")" -lt 15000 ]; do
    m=$(cl_masters "$DP1"); [ -n "$m" ] && break
    sleep 0.05
  done
  # the promotion's own time, from the new master's log (UTC, ms)
  if [ -n "$m" ]; then
    ts=$(tail -n +"$(($(cat "$TMP/n$m.log.mark") + 1))" "$TMP/n$m.log" |
      grep -m1 "of.ofc: switch $DP1: master (takeover)" | cut -d' ' -f1)
    [ -n "$ts" ] && f=$(echo "($(date -d "$ts" +%s.%N) - $t0) * 1000 / 1" | bc)
  fi
  cl_vfd_start "$TMP" "$M" "portscan, l2_learning" 2 || exit 1
  set_controllers
  t_wait_for 20 eval "all_masters && [ \"\$(cl_role $M $DP1)\" = slave ]" || bad=1
  # -- block through the master of bridge 1
  M=$(cl_masters "$DP1")
  MAC=$(printf '02:00:00:00:%02x:%02x' $((r / 256)) $((r % 256)))
  drop_on() { ovs-ofctl -O OpenFlow10 dump-flows "$1" | grep -i "dl_src=$MAC" | grep -q actions=drop; }
  t1=$(now); cl_ctl "$M" block "$MAC" --for 60 >/dev/null 2>&1 || bad=1
  l="" rem=""; d2="" d3=""
  while [ "$(ms_since "$t1")" -lt 10000 ]; do
    [ -z "$l" ] && drop_on "${BR}1" && l=$(ms_since "$t1")
    [ -z "$d2" ] && drop_on "${BR}2" && d2=$(ms_since "$t1")
    [ -z "$d3" ] && drop_on "${BR}3" && d3=$(ms_since "$t1")
    [ -n "$l" ] && [ -n "$d2" ] && [ -n "$d3" ] && break
    sleep 0.01
  done
  [ -n "$d2" ] && [ -n "$d3" ] && rem=$((d2 > d3 ? d2 : d3))
  e=$(etcd_rtt)
  printf '%-5s %12s %12s %14s %10s\n' "$r" "${f:--}" "${l:--}" "${rem:--}" "${e:--}"
  [ -n "$f" ] && F+=("$f") || bad=1
  [ -n "$l" ] && L+=("$l") || bad=1
  [ -n "$rem" ] && R+=("$rem") || bad=1
  [ -n "$e" ] && E+=("$e")
done
fm=$(printf '%s\n' "${F[@]}" | median) lm=$(printf '%s\n' "${L[@]}" | median)
rm_=$(printf '%s\n' "${R[@]}" | median) em=$(printf '%s\n' "${E[@]}" | median)
fmin=$(printf '%s\n' "${F[@]}" | sort -n | head -1) fmax=$(printf '%s\n' "${F[@]}" | sort -n | tail -1)
rmin=$(printf '%s\n' "${R[@]}" | sort -n | head -1) rmax=$(printf '%s\n' "${R[@]}" | sort -n | tail -1)
echo
echo "failover: median $fm ms (min $fmin, max $fmax) over ${#F[@]} rounds; lease 2000 ms -> $(echo "scale=2; $fm / 2000" | bc) x the lease"
echo "block: local median $lm ms, on every other bridge median $rm_ ms (min $rmin, max $rmax) -> $(echo "scale=2; $rm_ / $lm" | bc) x local; etcd put->watch median $em ms"
echo
echo "| measure | median | min..max | baseline (same run) | ratio |"
echo "|---|---|---|---|---|"
echo "| failover: master SIGKILLed -> new master (lease_ttl 2 s) | $fm ms | $fmin..$fmax ms | lease 2000 ms | $(echo "scale=2; $fm / 2000" | bc) |"
echo "| block -> drop flow on every other bridge (their masters) | $rm_ ms | $rmin..$rmax ms | local drop flow $lm ms | $(echo "scale=2; $rm_ / $lm" | bc) |"
echo "| etcd put -> watch (etcdctl, baseline) | $em ms | | | |"
exit $bad
