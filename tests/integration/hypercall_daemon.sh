#!/usr/bin/env bash
# hypercall_daemon.sh - guest hypercalls served by visorflowd itself: two
# namespace guests on monitored ports 1 and 2, an Open vSwitch (netdev) bridge
# with visorflowd as its controller (l2_learning and the test app hctest), and
# vfguest (the static guest tool) inside the guests:
#
#   guest1 eth0 ⇄ G1 ─[monitor port 1]─ U1 ⇄ US1 ─┐
#   guest2 eth0 ⇄ G2 ─[monitor port 2]─ U2 ⇄ US2 ─┴─ OVS ── visorflowd (controller,
#                                                    monitor, hypercall server)
# Checks:
#   - the core keeps only its four capabilities with the hypercall socket open;
#   - `vfguest add` in guest 1 adds a rule for itself (owner guest:1 on port 1 in
#     `visorflowctl rule list`) that drops its real iperf3 traffic to 5001 while
#     5201 passes;
#   - `vfguest del` of the configured admin rule fails with EPERM and the rule
#     stays; guest 1 deleting guest 2's rule fails (EPERM, "another guest"); each
#     guest lists only its own rules;
#   - guest 2 connects to guest 1's port 23, which an admin rule drops on its way
#     to guest 1: the app's monitor_drop calls guest.notify, and `vfguest watch`
#     in guest 1 prints the note (kind, attacker, port, rule, text); guest 2's
#     watch gets nothing; `vfguest events` in guest 1 returns it from the backlog;
#   - `visorflowctl guests` (text and --json), `stats --json` and `ports` show
#     the counters: every frame the datapath queued was served by the core, the
#     refusals, the note sent and queued, each guest's rule count;
#   - a restart without port 2 deletes guest 2's rule and keeps guest 1's, which
#     goes on dropping;
#   - cleanup leaves no namespace, bridge, veth or pin.
set -u
T_NAME=hypercall_daemon
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc iperf3 ethtool ping python3
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl MONCTL=$VF_BUILD/tools/monctl VFG=$VF_BUILD/vfguest
for b in "$VFD" "$CTL" "$VF_BUILD/visorflow-domain" "$MONCTL" "$VFG"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built (make)"; exit 1; }
done

BR=vdb$T_ID NS1=vdg${T_ID}1 NS2=vdg${T_ID}2
G1=vdg${T_ID}a G2=vdg${T_ID}b U1=vdu${T_ID}a US1=vds${T_ID}a U2=vdu${T_ID}b US2=vds${T_ID}b
PIN=/sys/fs/bpf/vf-it-hd-$T_ID
A1=10.83.0.1 A2=10.83.0.2
TMP=$(mktemp -d /tmp/vf-hcd.XXXXXX)
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
g1() { ip netns exec "$NS1" "$@"; }
g2() { ip netns exec "$NS2" "$@"; }
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $U1 $U2
echo "# bridge $BR, guests $NS1 ($G1, port 1) $NS2 ($G2, port 2), pins $PIN"

PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$VF_ROOT/tests/apps/hctest.lua" "$TMP/apps/"
conf() { # PORT2-LINE
  cat <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = hctest, l2_learning
app_dir = $TMP/apps
echo_interval = 2s
echo_timeout = 6s
[daemon]
control = $SOCK
record_dir = $TMP
[monitor]
pin_dir = $PIN
port = 1 guest=$G1 uplink=$U1 peer=$US1
$1
rule = drop $A2 port 23 dir to-guest on 1
CONF
}
conf "port = 2 guest=$G2 uplink=$U2 peer=$US2" >"$TMP/vf.conf"

VFD_PID=
start_vfd() {
  "$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
  VFD_PID=$!
  t_on_exit "kill $VFD_PID 2>/dev/null"
  t_wait_for 10 test -S "$SOCK" && t_wait_for 10 bash -c "'$CTL' status 2>/dev/null | grep -q 'state running'"
}
VFD_RC=
stop_vfd() {
  kill "$VFD_PID" 2>/dev/null
  wait "$VFD_PID" 2>/dev/null
  VFD_RC=$?
  VFD_PID=
}
js() { "$CTL" --json "$@" 2>/dev/null; }
# rule_owner ID: the owner of rule ID in `rule list --json` ("" when none)
rule_owner() {
  js rule list | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin)['rules'] if x['id']==$1]; print(r[0]['owner'] if r else '')"
}
# guest PORT EXPR: a value of port PORT in `guests --json`, e.g. "['served']['frames']"
guest() {
  js guests | python3 -c "import json,sys; g=[x for x in json.load(sys.stdin)['guests'] if x['id']==$1][0]; print(g$2)"
}
iperf_to() { g1 timeout 20 iperf3 -c "$A2" -p "$1" -t 1 --connect-timeout 3000 >"$TMP/iperf$1.out" 2>&1; }

# ---- topology and start -----------------------------------------------------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NS1" "$G1" "$A1" || { t_fail "$T_NAME: guest 1 setup"; exit 1; }
t_add_host "$NS2" "$G2" "$A2" || { t_fail "$T_NAME: guest 2 setup"; exit 1; }
if ! start_vfd; then
  t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
for i in $U1 $US1 $U2 $US2; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US1" -- add-port "$BR" "$US2" ||
  { t_fail "$T_NAME: uplinks on $BR"; exit 1; }
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
t_check "$T_NAME: visorflowd serves hypercalls on its 2 ports" \
  grep -q 'serving guest hypercalls on 2 ports: 50 frames/s (burst 20) each, 64 rules a guest' "$TMP/vfd.log"
cst=/proc/$VFD_PID/status
t_check "$T_NAME: with the hypercall socket open the core still keeps only CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN" \
  eval "grep -qP '^CapEff:\t00000000002000e0$' $cst && grep -qP '^CapBnd:\t00000000002000e0$' $cst"
t_check "$T_NAME: ping guest 1 -> guest 2 through the monitor, OVS and l2_learning" \
  t_wait_for 10 g1 ping -c 1 -W 1 "$A2"
ADMIN=$(js rule list | python3 -c "import json,sys; print([r['id'] for r in json.load(sys.stdin)['rules'] if r['owner']=='admin'][0])")
t_check "$T_NAME: the configured admin rule is rule $ADMIN" test "$(rule_owner "${ADMIN:-0}")" = admin

for p in 5001 5201; do
  g2 iperf3 -s -p $p -D --pidfile "$TMP/iperf$p.pid" >/dev/null 2>&1
  t_wait_for 5 test -s "$TMP/iperf$p.pid"
  t_on_exit "kill \$(cat $TMP/iperf$p.pid)"
done

# ---- a guest's own rule, through the core ----------------------------------------------------
t_check "$T_NAME: iperf3 guest 1 -> guest 2:5001 works before the guest's rule" iperf_to 5001
GID=$(g1 "$VFG" add drop "$A2" port 5001 dir from-guest 2>"$TMP/add.err")
rc=$?
t_check "$T_NAME: vfguest add in guest 1 (exit $rc, id '$GID' $(cat "$TMP/add.err"))" \
  bash -c "[ $rc -eq 0 ] && [[ '$GID' =~ ^[0-9]+$ ]]"
t_check "$T_NAME: visorflowctl rule list shows rule $GID owned by guest:1 on port 1" \
  bash -c "'$CTL' rule list | grep -qP '^$GID\tguest:1\tdrop $A2/32 proto tcp port 5001 dir from-guest on 1\t'"
if iperf_to 5001; then
  t_fail "$T_NAME: iperf3 to 5001 connected despite guest 1's own rule"
else
  t_pass "$T_NAME: guest 1's rule drops its iperf3 to 5001 ($(tail -1 "$TMP/iperf5001.out"))"
fi
t_check "$T_NAME: 5201 still works from guest 1" iperf_to 5201
t_check "$T_NAME: the core logged the guest's rule" \
  grep -q "rule $GID added by guest:1: drop $A2/32 proto tcp port 5001 dir from-guest on 1$" "$TMP/vfd.log"

# ---- permissions ----------------------------------------------------------------------------------
g1 "$VFG" del "$ADMIN" >/dev/null 2>"$TMP/del-admin.err"
rc=$?
t_check "$T_NAME: guest 1 may not delete admin rule $ADMIN (exit $rc: $(cat "$TMP/del-admin.err"))" \
  bash -c "[ $rc -eq 1 ] && grep -qx 'vfguest: EPERM: rule $ADMIN belongs to admin; guest:1 may delete only its own rules' '$TMP/del-admin.err'"
t_check "$T_NAME: the admin rule is still there" test "$(rule_owner "$ADMIN")" = admin
G2ID=$(g2 "$VFG" add drop "$A1" proto udp port 7000)
t_check "$T_NAME: guest 2 adds its own rule ($G2ID, owner guest:2)" test "$(rule_owner "${G2ID:-0}")" = guest:2
g1 "$VFG" del "$G2ID" >/dev/null 2>"$TMP/del-g2.err"
rc=$?
t_check "$T_NAME: guest 1 may not delete guest 2's rule (exit $rc: $(cat "$TMP/del-g2.err"))" \
  bash -c "[ $rc -eq 1 ] && grep -q 'EPERM: rule $G2ID belongs to another guest' '$TMP/del-g2.err'"
t_check "$T_NAME: guest 2's rule is still there" test "$(rule_owner "$G2ID")" = guest:2
t_check "$T_NAME: guest 1 lists only its own rule" \
  bash -c "[ \"\$(ip netns exec $NS1 '$VFG' list | cut -f1 | tr '\n' ' ')\" = '$GID ' ]"
t_check "$T_NAME: guest 2 lists only its own rule" \
  bash -c "[ \"\$(ip netns exec $NS2 '$VFG' list | cut -f1 | tr '\n' ' ')\" = '$G2ID ' ]"

# ---- a note from a Lua app to the attacked guest --------------------------------------------------
g1 timeout 20 "$VFG" watch --count 1 >"$TMP/watch1.out" 2>"$TMP/watch1.err" &
W1=$!
g2 timeout 8 "$VFG" watch --count 1 >"$TMP/watch2.out" 2>&1 &
W2=$!
t_on_exit "kill $W1 $W2"
sleep 0.5
# guest 2 -> guest 1:23, dropped on its way to guest 1 by the admin rule
g2 timeout 3 bash -c "exec 3<>/dev/tcp/$A1/23" 2>/dev/null
t_check "$T_NAME: the connection to guest 1's port 23 was dropped" test $? -ne 0
wait $W1
t_check "$T_NAME: vfguest watch in guest 1 printed the app's note: $(cat "$TMP/watch1.out")" \
  grep -qx "seq=1 time=20[0-9-]*T[0-9:]*Z kind=blocked addr=$A2 mac=00:00:00:00:00:00 proto=6 port=23 rule=$ADMIN text=\"blocked $A2 to port 23\"" "$TMP/watch1.out"
wait $W2
t_check "$T_NAME: guest 2 received no note ($(wc -l <"$TMP/watch2.out") lines)" test ! -s "$TMP/watch2.out"
t_check "$T_NAME: vfguest events in guest 1 returns it from the backlog" \
  bash -c "ip netns exec $NS1 '$VFG' events | grep -q '^seq=1 .*kind=blocked addr=$A2 .*port=23 rule=$ADMIN '"
t_check "$T_NAME: the app's guest.notify returned true once ($(tr '\n' ' ' <"$TMP/hctest-notes.csv" 2>/dev/null))" \
  bash -c "[ \"\$(cat '$TMP/hctest-notes.csv')\" = '1,$A2,23,true,' ]"
t_check "$T_NAME: the core logged the note" \
  grep -q "note 1 to guest:1 from domain of (blocked): blocked $A2 to port 23" "$TMP/vfd.log"

# ---- round trip through visorflowd ----------------------------------------------------------------
for i in $(seq 1 30); do g1 "$VFG" -v list 2>&1 >/dev/null | grep -o 'rtt [0-9]* us'; sleep 0.05; done \
  >"$TMP/rtt.out"
n=$(wc -l <"$TMP/rtt.out")
med=$(sed 's/rtt \([0-9]*\) us/\1/' "$TMP/rtt.out" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
mx=$(sed 's/rtt \([0-9]*\) us/\1/' "$TMP/rtt.out" | sort -n | tail -1)
echo "# RULE_LIST round trip guest -> datapath -> visorflowd -> guest: median ${med} us, max ${mx} us over $n"
t_check "$T_NAME: 30 requests answered by visorflowd on the first try" test "$n" -eq 30

# ---- counters -------------------------------------------------------------------------------------
"$CTL" guests >"$TMP/guests.txt"
js guests >"$TMP/guests.json"
sed 's/^/# /' "$TMP/guests.txt"
t_check "$T_NAME: visorflowctl guests: port 1 attached with 1 guest rule, port 2 with 1" \
  bash -c "grep -qx 'port 1: guest $G1, attached, guest rules 1' '$TMP/guests.txt' &&
    grep -qx 'port 2: guest $G2, attached, guest rules 1' '$TMP/guests.txt'"
# Guest 1 sent 35 requests (add, del, del, list, events, 30 lists; watch sends
# none), more only if vfguest had to retry; guest 2 sent 2 (add, list). Every reply and the
# note passed the egress guard: sent = answered frames + 1.
cnt=$(python3 - "$TMP/guests.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["id"]: x for x in d["guests"]}
a, b = g[1], g[2]
ok = (a["frames"] >= 35 and a["served"]["frames"] == a["frames"] and a["served"]["refused"] >= 2
      and a["notes"] == 1 and a["queued"] == 1 and a["domain_notes"] == {"sent": 1, "limited": 0, "unsent": 0}
      and a["rules"] == 1 and a["oversize"] == 0 and a["limited"] == 0 and a["lost"] == 0
      and a["sent"] == a["served"]["frames"] - a["served"]["unanswered"] + 1
      and b["rules"] == 1 and b["notes"] == 0 and b["served"]["frames"] == b["frames"] >= 2
      and d["core"]["stale"] == 0 and d["core"]["send_errors"] == 0 and d["limits"]["max_rules"] == 64)
print("ok" if ok else "no: " + json.dumps(d))
PY
)
t_check "$T_NAME: guests --json: every frame the datapath queued was served and answered, 2+ refused, 1 note sent and queued ($cnt)" \
  test "$cnt" = ok
sfr=$(js stats | python3 -c "import json,sys; print([p for p in json.load(sys.stdin)['ports'] if p['id']==1][0]['hypercalls']['frames'])")
t_check "$T_NAME: stats --json carries the same hypercall frames for port 1 ($sfr)" \
  test "$sfr" = "$(guest 1 "['frames']")"
t_check "$T_NAME: ports shows guest rules and hypercall frames" \
  bash -c "'$CTL' ports | grep -q '^  guest rules 1, hypercall frames [1-9]'"

# ---- restart without port 2: its guest's rules go, guest 1's stay --------------------------------
stop_vfd
conf "" >"$TMP/vf.conf"
if ! start_vfd; then
  t_fail "$T_NAME: visorflowd did not start again: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
t_check "$T_NAME: after a restart without port 2 its guest's rule $G2ID is gone" \
  bash -c "[ -z \"\$('$CTL' rule list | awk -F'\t' '\$1 == \"$G2ID\"')\" ] &&
    grep -q 'port 2: 1 rules of guest:2 deleted (the port is not configured)' '$TMP/vfd.log'"
t_check "$T_NAME: guest 1's rule $GID is kept (port 1 kept as it was)" test "$(rule_owner "$GID")" = guest:1
t_check "$T_NAME: ... and still drops guest 1's 5001" bash -c "! ip netns exec $NS1 timeout 10 iperf3 -c $A2 -p 5001 -t 1 --connect-timeout 2000 >/dev/null 2>&1"

# ---- cleanup, checked --------------------------------------------------------------------------------
stop_vfd
t_check "$T_NAME: visorflowd stopped cleanly on SIGTERM (exit $VFD_RC; no sanitizer report in its log)" \
  bash -c "[ '$VFD_RC' = 0 ] && ! grep -q Sanitizer '$TMP/vfd.log'"
t_mon_cleanup_check "$BR" "$PIN" "$NS1 $NS2" "$G1 $G2" "$U1 $US1 $U2 $US2"
exit 0
