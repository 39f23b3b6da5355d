#!/usr/bin/env bash
# portscan_guest.sh - the portscan app with the monitor below the guests, in a
# real visorflowd: two namespace guests on monitored ports 1 and 2 whose
# uplink peers are on an Open vSwitch (netdev) bridge, apps = portscan,
# l2_learning:
#
#   guest A eth0 ⇄ GA ─[monitor port 1]─ UA ⇄ USA ─┐
#   guest B eth0 ⇄ GB ─[monitor port 2]─ UB ⇄ USB ─┴─ OVS ── visorflowd
#
# A scans B with nmap -sS. Checks:
#   - the switch gets the drop flow {in_port of USA, dl_src A} at 65024;
#   - a monitor rule owned by domain:of on port 1 (drop, from-guest, any
#     address) is in `visorflowctl rule list`, and its counter grows while A
#     keeps sending: A's packets stop at the guest port, below the switch;
#   - `vfguest watch` in B prints the scan-blocked note naming A's address
#     and MAC; A gets no note;
#   - `visorflowctl unblock A` lifts it (drop flow and monitor rule gone, A
#     pings B again); `visorflowctl block A --for 30` blocks it again (flow
#     with hard_timeout 30, a new monitor rule); unblock of a host that is
#     not blocked and block of an unknown address are refused with the
#     app's reason;
#   - cleanup leaves no namespace, bridge, veth or pin.
set -u
T_NAME=portscan_guest
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc ethtool ping python3 nmap timeout
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl MONCTL=$VF_BUILD/tools/monctl VFG=$VF_BUILD/vfguest
for b in "$VFD" "$CTL" "$VF_BUILD/visorflow-domain" "$MONCTL" "$VFG"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built (make)"; exit 1; }
done

BR=vpg$T_ID NSA=vpg${T_ID}A NSB=vpg${T_ID}B
GA=vpg${T_ID}a GB=vpg${T_ID}b UA=vpu${T_ID}a USA=vps${T_ID}a UB=vpu${T_ID}b USB=vps${T_ID}b
PIN=/sys/fs/bpf/vf-it-pg-$T_ID
AA=10.84.0.1 AB=10.84.0.2
TMP=$(mktemp -d /tmp/vf-psg.XXXXXX)
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
ga() { ip netns exec "$NSA" "$@"; }
gb() { ip netns exec "$NSB" "$@"; }
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $UA $UB
echo "# bridge $BR, guests $NSA ($GA, port 1) $NSB ($GB, port 2), pins $PIN"

PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/portscan.lua" "$VF_ROOT/lua/apps/l2_learning.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = portscan, l2_learning
app_dir = $TMP/apps
echo_interval = 2s
echo_timeout = 6s
[daemon]
control = $SOCK
record_dir = $TMP
log_level = info
[monitor]
pin_dir = $PIN
port = 1 guest=$GA uplink=$UA peer=$USA
port = 2 guest=$GB uplink=$UB peer=$USB
CONF

T0=$(date +%s)
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NSA" "$GA" "$AA" || { t_fail "$T_NAME: guest A setup"; exit 1; }
t_add_host "$NSB" "$GB" "$AB" || { t_fail "$T_NAME: guest B setup"; exit 1; }
for n in $NSA $NSB; do t_on_exit "ip netns pids $n 2>/dev/null | xargs -r kill 2>/dev/null"; done
"$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null"
if ! { t_wait_for 10 test -S "$SOCK" && t_wait_for 10 bash -c "'$CTL' status 2>/dev/null | grep -q 'state running'"; }; then
  t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
for i in $UA $USA $UB $USB; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$USA" -- add-port "$BR" "$USB" ||
  { t_fail "$T_NAME: uplinks on $BR"; exit 1; }
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
OFA=$(ovs-vsctl get interface "$USA" ofport)
MACA=$(ga cat /sys/class/net/eth0/address)
js() { "$CTL" --json "$@" 2>/dev/null; }
# drop_flow: portscan's drop flow for A in the switch (empty when none)
drop_flow() {
  ovs-ofctl -O OpenFlow10 dump-flows "$BR" | grep "priority=65024" | grep "in_port=$OFA" | grep -i "dl_src=$MACA"
}
# our_rule FIELD: FIELD of the domain:of drop rule on port 1 (empty when none)
our_rule() {
  js rule list | python3 -c "
import json, sys
r = [x for x in json.load(sys.stdin)['rules'] if x['owner'] == 'domain:of' and x['on'] == 1
     and x['action'] == 'drop' and x['dir'] == 'from-guest' and x['plen'] == 0]
print(r[0]['$1'] if len(r) == 1 else ('many' if r else ''))"
}

# Both guests introduce themselves (ARP): portscan learns where A is.
t_check "$T_NAME: ping A -> B through the monitor, OVS and l2_learning" t_wait_for 10 ga ping -c 1 -W 1 "$AB"

# ---- the scan ---------------------------------------------------------------------------------
gb timeout 60 "$VFG" watch --count 1 >"$TMP/watchB.out" 2>"$TMP/watchB.err" &
WB=$!
ga timeout 60 "$VFG" watch --count 1 >"$TMP/watchA.out" 2>&1 &
WA=$!
t_on_exit "kill $WA $WB 2>/dev/null"
sleep 0.5
t1=$(date +%s.%N)
ga timeout 60 nmap -n -sS -Pn -T4 -p 1-200 --max-retries 0 --max-rtt-timeout 300ms "$AB" >"$TMP/nmap.txt" 2>&1
t2=$(date +%s.%N)
t_wait_for 5 eval 'drop_flow >/dev/null'
flow=$(drop_flow)
echo "# nmap -sS ran $(echo "$t2 - $t1" | bc) s; flow: ${flow:-none}"
echo "# $(grep -o 'app:portscan: .*blocked for.*' "$TMP/vfd.log" | head -1)"
t_check "$T_NAME: A is blocked: drop flow priority=65024 in_port=$OFA dl_src=$MACA hard_timeout=300" \
  eval "echo '$flow' | grep -q 'hard_timeout=300' && echo '$flow' | grep -q 'actions=drop'"
t_wait_for 5 eval '[ -n "$(our_rule id)" ]'
RID=$(our_rule id)
t_check "$T_NAME: a monitor rule owned by domain:of drops everything from guest A on port 1 (rule '$RID')" \
  bash -c "[[ '$RID' =~ ^[0-9]+$ ]] && '$CTL' rule list | grep -qP '^$RID\tdomain:of\tdrop 0.0.0.0/0 proto any port any dir from-guest on 1\t'"
p0=$(our_rule packets)
# (ping: A's ARP cache still knows B; nmap would first ask ARP, which the
# monitor does not count)
ga ping -c 30 -i 0.05 -W 1 "$AB" >/dev/null 2>&1
pr=$?
p1=$(our_rule packets)
echo "# monitor rule $RID: $p0 packets before (the rest of the scan), $p1 after 30 pings"
t_check "$T_NAME: A's pings to B fail (exit $pr) and the rule's counter grew by at least 30 ($p0 -> $p1)" \
  bash -c "[ $pr -ne 0 ] && [ -n '$p1' ] && [ '$p1' -ge \$(( ${p0:-0} + 30 )) ]"

wait $WB
t_check "$T_NAME: vfguest watch in B printed the scan-blocked note naming A: $(cat "$TMP/watchB.out")" \
  grep -qP "^seq=\d+ time=\S+ kind=scan-blocked addr=$AA mac=$MACA proto=0 port=0 rule=0 text=\"port scan from $AA blocked\"$" "$TMP/watchB.out"
kill $WA 2>/dev/null
wait $WA 2>/dev/null
t_check "$T_NAME: guest A got no note ($(wc -l <"$TMP/watchA.out") lines)" test ! -s "$TMP/watchA.out"

# ---- visorflowctl unblock / block --------------------------------------------------------------
out=$("$CTL" unblock 10.84.0.99 2>&1); rc=$?
t_check "$T_NAME: unblock of a host that is not blocked is refused with the app's reason (exit $rc: $out)" \
  bash -c "[ $rc -ne 0 ] && [[ '$out' == *'10.84.0.99 is not blocked'* ]]"
out=$("$CTL" block 10.84.0.99 --for 30 2>&1); rc=$?
t_check "$T_NAME: block of an address portscan never saw is refused (exit $rc: $out)" \
  bash -c "[ $rc -ne 0 ] && [[ '$out' == *'10.84.0.99 is not known here'* ]]"
out=$("$CTL" unblock "$AA" 2>&1); rc=$?
t_check "$T_NAME: visorflowctl unblock $AA (exit $rc: $out)" \
  bash -c "[ $rc = 0 ] && [ '$out' = 'unblocked $AA: 1 block ended' ]"
t_check "$T_NAME: ... the drop flow is gone" t_wait_for 5 eval '[ -z "$(drop_flow)" ]'
t_check "$T_NAME: ... the monitor rule $RID is gone" t_wait_for 5 eval '[ -z "$(our_rule id)" ]'
t_check "$T_NAME: ... A reaches B again (ping)" t_wait_for 5 ga ping -c 1 -W 1 "$AB"

out=$("$CTL" block "$AA" --for 30 2>&1); rc=$?
t_check "$T_NAME: visorflowctl block $AA --for 30 (exit $rc: $out)" \
  bash -c "[ $rc = 0 ] && [ '$out' = 'blocked $AA ($MACA) on 1 switch port for 30 s' ]"
t_wait_for 5 eval 'drop_flow | grep -q hard_timeout=30'
flow=$(drop_flow)
t_check "$T_NAME: ... drop flow with hard_timeout=30 ($flow)" \
  eval "echo '$flow' | grep -q 'hard_timeout=30' && echo '$flow' | grep -q 'actions=drop'"
t_wait_for 5 eval '[ -n "$(our_rule id)" ]'
RID2=$(our_rule id)
t_check "$T_NAME: ... a monitor rule on port 1 again (rule '$RID2')" bash -c "[[ '$RID2' =~ ^[0-9]+$ ]]"
if ga ping -c 2 -i 0.2 -W 1 "$AB" >/dev/null 2>&1; then
  t_fail "$T_NAME: ... A still reaches B"
else
  t_pass "$T_NAME: ... A's ping to B fails"
fi
out=$("$CTL" unblock "$MACA" 2>&1); rc=$?
t_check "$T_NAME: unblock by MAC (exit $rc: $out)" bash -c "[ $rc = 0 ] && [ '$out' = 'unblocked $MACA: 1 block ended' ]"
t_check "$T_NAME: ... flow and rule gone" \
  t_wait_for 5 eval '[ -z "$(drop_flow)" ] && [ -z "$(our_rule id)" ]'
t_check "$T_NAME: no app errors in the log" bash -c "! grep -E '(ERROR .*app:portscan|app:portscan: .*(failed:|refused|not (added|deleted|sent|confirmed)))' '$TMP/vfd.log'"

# ---- cleanup, checked --------------------------------------------------------------------------------
kill "$VFD_PID" 2>/dev/null
wait "$VFD_PID" 2>/dev/null
VFD_RC=$?
t_check "$T_NAME: visorflowd stopped cleanly on SIGTERM (exit $VFD_RC; no sanitizer report)" \
  bash -c "[ '$VFD_RC' = 0 ] && ! grep -q Sanitizer '$TMP/vfd.log'"
ip netns pids "$NSA" 2>/dev/null | xargs -r kill 2>/dev/null
ip netns pids "$NSB" 2>/dev/null | xargs -r kill 2>/dev/null
t_mon_cleanup_check "$BR" "$PIN" "$NSA $NSB" "$GA $GB" "$UA $USA $UB $USB"
echo "# took $(( $(date +%s) - T0 )) s"
exit 0
