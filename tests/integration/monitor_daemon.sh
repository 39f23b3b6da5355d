#!/usr/bin/env bash
# monitor_daemon.sh - the monitor driven by visorflowd: rules from the
# configuration, from visorflowctl and from a Lua app, with real traffic.
#
#   guest ns eth0 ⇄ G ─[monitor]─ U ⇄ US ── OVS (netdev, controller: visorflowd
#                                              with l2_learning) ── P ⇄ peer ns
#
# The core creates the uplink pair U/US ([monitor] port = 1 guest=G uplink=U
# peer=US); the test puts US on the bridge. Checks:
#   - a configured admin rule drops iperf3 to 5001 from the guest while 5201 and
#     ping pass; its counter equals the SYNs the guest sent (tcpdump on G), and
#     `stats` shows exactly that many from-guest drops;
#   - `visorflowctl rule add` (UDP 6000) drops what the peer would have got, its
#     counter equals the datagrams sent; `rule del` restores delivery;
#   - a Lua app (tests/apps/montest.lua) adds a rule with rules.add (owner
#     domain:of) that stops iperf3 to 5002, gets a monitor_drop event for it,
#     sees its port and the port's OpenFlow number, and is refused (EPERM) when
#     it tries to delete the admin rule;
#   - the core keeps only its four capabilities with the monitor open;
#   - with visorflowd stopped the filter goes on dropping and counting; a
#     restarted visorflowd finds the same rules (ids, owners) with their
#     counters, keeps the port attached, and the app's re-add is EEXIST;
#   - a malformed rule in the configuration stops start-up with file:line; a rule
#     that conflicts at start stops it too, and the rule before it in the file is
#     taken back (nothing half-applied);
#   - cleanup leaves no namespace, bridge, veth or pin.
set -u
T_NAME=monitor_daemon
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc tcpdump iperf3 ethtool ping python3
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl MONCTL=$VF_BUILD/tools/monctl
for b in "$VFD" "$CTL" "$VF_BUILD/visorflow-domain" "$MONCTL"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built"; exit 1; }
done

BR=vmb$T_ID NSG=vmg$T_ID NSP=vmp$T_ID
G=vmg${T_ID}h P=vmp${T_ID}h U=vmm${T_ID}u US=vmm${T_ID}s
PIN=/sys/fs/bpf/vf-it-md-$T_ID
GA=10.79.0.1 PA=10.79.0.2
TMP=$(mktemp -d /tmp/vf-mond.XXXXXX)
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $U
echo "# bridge $BR, guest $NSG ($G), peer $NSP ($P), uplink $U/$US, pins $PIN"

PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$VF_ROOT/tests/apps/montest.lua" "$TMP/apps/"
conf() { # extra [monitor] lines
  cat <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = montest, l2_learning
app_dir = $TMP/apps
echo_interval = 2s
echo_timeout = 6s
[app.montest]
addr = $PA
proto = tcp
port = 5002
dir = from-guest
on = 1
[daemon]
control = $SOCK
record_dir = $TMP
[monitor]
pin_dir = $PIN
port = 1 guest=$G uplink=$U peer=$US
rule = drop $PA port 5001 dir from-guest on 1
$1
CONF
}
conf "" >"$TMP/vf.conf"

VFD_PID=
start_vfd() {
  "$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
  VFD_PID=$!
  t_on_exit "kill $VFD_PID 2>/dev/null"
  t_wait_for 10 test -S "$SOCK" && t_wait_for 10 bash -c "'$CTL' status 2>/dev/null | grep -q 'state running'"
}
stop_vfd() {
  kill "$VFD_PID" 2>/dev/null
  wait "$VFD_PID" 2>/dev/null
  VFD_PID=
}
js() { "$CTL" --json "$@" 2>/dev/null; }
# rule_field ID FIELD: a field of rule ID in `rule list --json`
rule_field() {
  js rule list | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin)['rules'] if x['id']==$1]; print(r[0]['$2'] if r else '')"
}
# stat FIELD-PATH over port 1 of `stats --json`, e.g. "['from_guest']['drop_pkts']"
stat1() {
  js stats | python3 -c "import json,sys; d=json.load(sys.stdin); p=[x for x in d['ports'] if x['id']==1][0]; print(p$1)"
}
ev() { grep -h "$1" "$TMP/montest-events.csv" 2>/dev/null; }

# ---- topology and start -------------------------------------------------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NSG" "$G" "$GA" || { t_fail "$T_NAME: guest setup"; exit 1; }
t_add_host "$NSP" "$P" "$PA" "$BR" || { t_fail "$T_NAME: peer setup"; exit 1; }
if ! start_vfd; then
  t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
t_check "$T_NAME: the core created the uplink pair $U/$US and attached port 1" \
  bash -c "ip link show $US >/dev/null && '$CTL' ports | grep -q '^port 1: guest $G uplink $U switch port $US .*: attached$'"
for i in $U $US; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US" || { t_fail "$T_NAME: add $US to $BR"; exit 1; }
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
cst=/proc/$VFD_PID/status
t_check "$T_NAME: with the monitor open the core still keeps only CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN" \
  eval "grep -qP '^CapEff:\t00000000002000e0$' $cst && grep -qP '^CapBnd:\t00000000002000e0$' $cst"
t_check "$T_NAME: ping guest -> peer through the monitor, OVS and l2_learning" \
  t_wait_for 10 ip netns exec "$NSG" ping -c 1 -W 1 "$PA"

for port in 5001 5002 5201; do
  ip netns exec "$NSP" iperf3 -s -p $port -D --pidfile "$TMP/iperf$port.pid" >/dev/null 2>&1
  t_wait_for 5 test -s "$TMP/iperf$port.pid"
  t_on_exit "kill \$(cat $TMP/iperf$port.pid)"
done

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
iperf_to() { ip netns exec "$NSG" timeout 20 iperf3 -c "$PA" -p "$1" -t 1 --connect-timeout 3000 >"$TMP/iperf$1.out" 2>&1; }

# ---- the configured admin rule --------------------------------------------------------
t_check "$T_NAME: rule 1 is the configured one, owned by admin" \
  bash -c "'$CTL' rule list | grep -qP '^1\tadmin\tdrop $PA/32 proto tcp port 5001 dir from-guest on 1\tpackets=0 bytes=0$'"
drop0=$(stat1 "['from_guest']['drop_pkts']")
cap_start "" "$G" g5001 tcp port 5001
if iperf_to 5001; then
  t_fail "$T_NAME: iperf3 to 5001 connected despite the configured rule"
else
  t_pass "$T_NAME: the configured rule stops iperf3 to 5001 ($(tail -1 "$TMP/iperf5001.out"))"
fi
cap_stop
syns=$(cap_count g5001)
cnt=$(rule_field 1 packets)
drop1=$(stat1 "['from_guest']['drop_pkts']")
t_check "$T_NAME: rule 1 counted what the guest sent ($cnt packets = $syns SYNs seen on $G)" \
  bash -c "[ '$syns' -ge 2 ] && [ '$cnt' = '$syns' ]"
t_check "$T_NAME: stats: from-guest drops grew by exactly that ($drop0 -> $drop1)" \
  test "$((drop1 - drop0))" = "$syns"
t_check "$T_NAME: another port passes (iperf3 to 5201)" iperf_to 5201
t_check "$T_NAME: ping passes" ip netns exec "$NSG" ping -c 2 -W 1 "$PA"

# ---- visorflowctl rule add / del --------------------------------------------------------
udp_burst() { # PORT N: N datagrams from the guest to the peer
  local i
  for i in $(seq 1 "$2"); do ip netns exec "$NSG" bash -c "echo x >/dev/udp/$PA/$1"; done
}
CID=$("$CTL" rule add drop "$PA" proto udp port 6000 dir from-guest on 1)
t_check "$T_NAME: visorflowctl rule add printed the new id ($CID)" \
  bash -c "[[ '$CID' =~ ^[0-9]+$ ]] && [ '$(rule_field "$CID" owner)' = admin ]"
cap_start "$NSP" eth0 peer6000a udp port 6000
udp_burst 6000 5
cap_stop
got=$(cap_count peer6000a) cnt=$(rule_field "$CID" packets)
t_check "$T_NAME: with the rule the peer got none of 5 datagrams ($got), rule counter $cnt" \
  bash -c "[ '$got' = 0 ] && [ '$cnt' = 5 ]"
drop2=$(stat1 "['from_guest']['drop_pkts']") bytes=$(rule_field "$CID" bytes)
t_check "$T_NAME: stats: from-guest drops grew by those 5 ($drop1 -> $drop2); rule bytes $bytes" \
  bash -c "[ '$bytes' -gt 0 ] && [ $((drop2 - drop1)) = 5 ]"
t_check "$T_NAME: visorflowctl rule del $CID" bash -c "'$CTL' rule del $CID | grep -qx 'deleted rule $CID'"
cap_start "$NSP" eth0 peer6000b udp port 6000
udp_burst 6000 5
cap_stop
got=$(cap_count peer6000b)
t_check "$T_NAME: after rule del the peer got all 5 datagrams ($got)" test "$got" = 5
out=$("$CTL" rule del "$CID" 2>&1); rc=$?
t_check "$T_NAME: deleting it again: exit 1, '$out'" bash -c "[ $rc = 1 ] && [[ '$out' == *'no rule $CID'* ]]"
out=$("$CTL" rule add drop 10.79.0.1/24 2>&1); rc=$?
t_check "$T_NAME: a bad rule text: exit 1, '$out'" \
  bash -c "[ $rc = 1 ] && [[ '$out' == *'has bits set beyond the prefix length (10.79.0.0/24 would be valid)'* ]]"
"$CTL" rule >/dev/null 2>&1; rc=$?
t_check "$T_NAME: visorflowctl rule without a subcommand is a usage error (exit $rc)" test $rc = 2

# ---- the Lua app --------------------------------------------------------------------------
t_wait_for 10 grep -q '^del_admin' "$TMP/montest-events.csv"
AID=$(ev '^added,' | head -1 | cut -d, -f2)
t_check "$T_NAME: app: rules.add answered with an id ($(ev '^added,' | head -1))" \
  bash -c "[[ '$AID' =~ ^[0-9]+$ ]]"
t_check "$T_NAME: app: its rule is owned by domain:of" test "$(rule_field "${AID:-0}" owner)" = domain:of
t_check "$T_NAME: app: rules.ports() and the switch's port number of $US ($(ev '^ofport' | head -1))" \
  bash -c "grep -qx 'port,1,$G,$US' '$TMP/montest-events.csv' && grep -qE '^ofport,1,$US,[0-9]+$' '$TMP/montest-events.csv'"
line=$(ev '^del_admin' | head -1)
t_check "$T_NAME: app: deleting admin rule 1 is refused with EPERM ($line)" \
  bash -c "[[ '$line' == 'del_admin,1,false,EPERM: rule 1 belongs to admin; domain:of may delete only its own rules' ]]"
t_check "$T_NAME: rule 1 is still there" test "$(rule_field 1 owner)" = admin
if iperf_to 5002; then
  t_fail "$T_NAME: app: iperf3 to 5002 connected despite the app's rule"
else
  t_pass "$T_NAME: app: its rule stops iperf3 to 5002"
fi
t_wait_for 5 bash -c "grep -q '^$AID,1,from-guest,6,$GA,$PA,[0-9]*,5002,rule,' '$TMP/montest-drops.csv'"
t_check "$T_NAME: app: monitor_drop events for its rule arrived ($(grep -c "^$AID," "$TMP/montest-drops.csv" 2>/dev/null) of $(rule_field "${AID:-0}" packets) drops)" \
  grep -q "^$AID,1,from-guest,6,$GA,$PA,[0-9]*,5002,rule," "$TMP/montest-drops.csv"
fwd=$(js stats | python3 -c "import json,sys; print(json.load(sys.stdin)['core_events']['forwarded'])")
t_check "$T_NAME: stats: the core forwarded drop events ($fwd), none lost to a full queue" \
  bash -c "[ '$fwd' -ge 1 ] && [ \"\$('$CTL' --json stats | python3 -c \"import json,sys; print(json.load(sys.stdin)['core_events']['queue_full'])\")\" = 0 ]"
t_check "$T_NAME: 5201 still passes" iperf_to 5201

# ---- restart: the filter goes on without the core; rules and counters stay -------------------
js rule list >"$TMP/rules-before.json"
before1=$(rule_field 1 packets)
stop_vfd
t_check "$T_NAME: no visorflowd is running" bash -c "! kill -0 $VFD_PID 2>/dev/null"
if iperf_to 5001; then
  t_fail "$T_NAME: with visorflowd stopped, 5001 connected"
else
  t_pass "$T_NAME: with visorflowd stopped, 5001 is still dropped"
fi
# A malformed rule in the configuration: file:line, exit 2, nothing done.
conf "rule = drop $PA proto icmp port 7" >"$TMP/bad.conf"
line=$(grep -n 'proto icmp port 7' "$TMP/bad.conf" | cut -d: -f1)
out=$("$VFD" -c "$TMP/bad.conf" 2>&1); rc=$?
t_check "$T_NAME: a malformed configured rule: exit $rc, '$out'" \
  bash -c "[ $rc = 2 ] && [ '$out' = 'visorflowd: $TMP/bad.conf:$line: rule: port 7 needs protocol tcp or udp, not icmp' ]"
# A rule that conflicts at start (an admin rule with that match, not from this
# file): the start fails naming the line, and the new rule before it is taken back.
"$MONCTL" -d "$PIN" add drop 10.79.0.7 port 7777 >/dev/null
conf "rule = drop 10.79.0.9 port 9999
rule = pass 10.79.0.7 port 7777" | sed "s|^control = .*|control = $TMP/ctl2.sock|" >"$TMP/conflict.conf"
line=$(grep -n '7777' "$TMP/conflict.conf" | cut -d: -f1)
"$VFD" -c "$TMP/conflict.conf" >"$TMP/conflict.log" 2>&1; rc=$?
t_check "$T_NAME: a conflicting configured rule stops the start (exit $rc): $(grep -o 'conflict.conf:.*' "$TMP/conflict.log" | head -1)" \
  bash -c "[ $rc = 1 ] && grep -q 'conflict.conf:$line: rule: rule [0-9]* (owner admin) already has this match' '$TMP/conflict.log'"
t_check "$T_NAME: ... and nothing of it stays applied (no rule for 10.79.0.9)" \
  bash -c "! '$MONCTL' -d '$PIN' list | grep -q 10.79.0.9"
if ! start_vfd; then
  t_fail "$T_NAME: visorflowd did not start again: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
js rule list >"$TMP/rules-after.json"
same=$(python3 - "$TMP/rules-before.json" "$TMP/rules-after.json" <<'PY'
import json, sys
b = {r["id"]: r for r in json.load(open(sys.argv[1]))["rules"]}
a = {r["id"]: r for r in json.load(open(sys.argv[2]))["rules"]}
ok = all(i in a and a[i]["owner"] == r["owner"] and a[i]["rule"] == r["rule"] and
         a[i]["packets"] >= r["packets"] for i, r in b.items())
print("yes" if ok else "no: %s -> %s" % (sorted(b), sorted(a)))
PY
)
t_check "$T_NAME: after the restart every rule is there with its id, owner and counters ($same)" test "$same" = yes
after1=$(rule_field 1 packets)
t_check "$T_NAME: rule 1 counted while the core was down ($before1 -> $after1)" test "$after1" -gt "$before1"
t_check "$T_NAME: the restarted core kept port 1 as it was" \
  bash -c "grep -q 'ports: 0 attached now, 1 kept as they were' '$TMP/vfd.log' && '$CTL' ports | grep -q ': attached$'"
t_wait_for 10 bash -c "[ \$(grep -c '^added,' '$TMP/montest-events.csv') -ge 2 ]"
t_check "$T_NAME: the restarted app's rules.add finds its rule already there ($(ev '^added,' | tail -1 | cut -c1-60)...)" \
  bash -c "grep '^added,' '$TMP/montest-events.csv' | tail -1 | grep -q '^added,,EEXIST: rule $AID (owner domain:of) already has this match'"
t_check "$T_NAME: after the restart 5002 is still dropped and 5201 passes" \
  bash -c "! ip netns exec $NSG timeout 10 iperf3 -c $PA -p 5002 -t 1 --connect-timeout 2000 >/dev/null 2>&1 &&
    ip netns exec $NSG timeout 20 iperf3 -c $PA -p 5201 -t 1 --connect-timeout 3000 >/dev/null 2>&1"

# ---- cleanup, checked --------------------------------------------------------------------
stop_vfd
t_mon_cleanup_check "$BR" "$PIN" "$NSG $NSP" "$G $P" "$U $US"
exit 0
