#!/usr/bin/env bash
# controller_ovs.sh - visorflowd with the l2_learning and flowmon apps driving a
# real Open vSwitch bridge (userspace datapath) with three namespace hosts. The
# controller runs in the core's "of" protection domain (see domain_ovs.sh for
# the domain itself: sandbox, restarts, abuse).
# Checks: all pairs ping; exact flows appear in ovs-ofctl dump-flows; iperf3
# through learned flows runs at a rate comparable to OVS's own NORMAL action;
# visorflowctl status/flows/reload (text and --json); flowmon writes its CSV;
# a reload (command and file edit) during traffic never makes OVS reconnect;
# a broken app edit keeps the old apps running and reports file:line; and after
# the controller is killed and restarted, traffic resumes.
set -u
T_NAME=controller_ovs
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd ip ethtool ping iperf3 ss
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] && [ -x "$CTL" ] || { t_fail "$T_NAME: $VFD or $CTL not built"; exit 1; }

BR=vfc$T_ID
TMP=$(mktemp -d /tmp/vf-ctl.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
SOCK=$TMP/ctl.sock
mkdir -p "$TMP/apps" "$TMP/records"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$VF_ROOT/lua/apps/flowmon.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = l2_learning, flowmon
app_dir = $TMP/apps
echo_interval = 2s
echo_timeout = 6s
[app.l2_learning]
idle_timeout = 60
[app.flowmon]
interval = 1
[daemon]
control = $SOCK
record_dir = $TMP/records
log_level = info
CONF
export VISORFLOW_SOCK=$SOCK
# The of domain's status detail, as JSON (status --json nests it per domain).
of_json() { # PYTHON-EXPRESSION over o (the of domain's detail)
  "$CTL" --json status | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); o=[x for x in d['domains'] if x['name']=='of'][0]['detail']; print($1)"
}

VFD_PID=
start_vfd() {
  "$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
  VFD_PID=$!
  t_wait_for 10 test -S "$SOCK"
}
t_on_exit 'kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null'

"$VFD" -c "$TMP/vf.conf" --check >"$TMP/check.out" 2>&1
t_check "$T_NAME: visorflowd --check accepts the configuration" grep -q 'OK' "$TMP/check.out"
start_vfd || { t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"; exit 1; }

t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge"; exit 1; }
for i in 1 2 3; do
  t_add_host "vfc${T_ID}h$i" "vfc${T_ID}p$i" "10.212.0.$i" "$BR" ||
    { t_fail "$T_NAME: cannot create host $i"; exit 1; }
done
ofctl() { ovs-ofctl -O OpenFlow10 "$@"; }

# ---- baseline: OVS's own NORMAL action, no controller ------------------------
ofctl add-flow "$BR" "priority=0,actions=NORMAL"
ip netns exec "vfc${T_ID}h2" iperf3 -s -D -1 -p 5201 --logfile "$TMP/iperf-s1.log"
sleep 0.5
NORMAL=$(ip netns exec "vfc${T_ID}h1" iperf3 -c 10.212.0.2 -p 5201 -t 3 -J 2>/dev/null |
  awk -F'[:,]' '/"sum_received"/{f=1} f && /bits_per_second/{print int($2); exit}')
ofctl del-flows "$BR"
echo "# NORMAL: ${NORMAL:-?} bit/s"

# ---- with visorflowd ----------------------------------------------------------
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
ovs-vsctl set controller "$BR" inactivity_probe=2000 max_backoff=1000
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
sleep 0.5
ok=1
for a in 1 2 3; do for b in 1 2 3; do
  [ $a = $b ] && continue
  ip netns exec "vfc${T_ID}h$a" ping -c 2 -i 0.2 -W 2 "10.212.0.$b" >/dev/null || { ok=0; echo "# ping $a->$b failed"; }
done; done
[ $ok = 1 ] && t_pass "$T_NAME: all pairs of three hosts ping through l2_learning" ||
  t_fail "$T_NAME: some pairs do not ping"
FLOWS=$(ofctl dump-flows "$BR" | grep -c 'dl_dst=' || true)
[ "${FLOWS:-0}" -ge 6 ] && t_pass "$T_NAME: $FLOWS exact flows installed (ovs-ofctl dump-flows)" ||
  t_fail "$T_NAME: only ${FLOWS:-0} learned flows in dump-flows"

ip netns exec "vfc${T_ID}h2" iperf3 -s -D -1 -p 5202 --logfile "$TMP/iperf-s2.log"
sleep 0.5
OURS=$(ip netns exec "vfc${T_ID}h1" iperf3 -c 10.212.0.2 -p 5202 -t 3 -J 2>/dev/null |
  awk -F'[:,]' '/"sum_received"/{f=1} f && /bits_per_second/{print int($2); exit}')
echo "# l2_learning: ${OURS:-?} bit/s (NORMAL ${NORMAL:-?})"
if [ -n "${OURS:-}" ] && [ -n "${NORMAL:-}" ] && [ "$NORMAL" -gt 0 ]; then
  pct=$((OURS * 100 / NORMAL))
  [ $pct -ge 60 ] && t_pass "$T_NAME: iperf3 through learned flows at $pct% of NORMAL" ||
    t_fail "$T_NAME: iperf3 at only $pct% of NORMAL ($OURS vs $NORMAL bit/s)"
else
  t_fail "$T_NAME: iperf3 did not report a rate (ours ${OURS:-none}, NORMAL ${NORMAL:-none})"
fi

# ---- visorflowctl ----------------------------------------------------------------
"$CTL" status >"$TMP/status.txt"
t_check "$T_NAME: visorflowctl status lists the switch and its 3 ports" \
  eval "grep -q 'switches: 1' '$TMP/status.txt' && [ \$(grep -c '    port [0-9]' '$TMP/status.txt') -ge 3 ]"
DPID=$(ovs-vsctl get bridge "$BR" datapath_id | tr -d '"')
"$CTL" flows "$DPID" >"$TMP/flows.txt"
t_check "$T_NAME: visorflowctl flows DPID shows the learned flows" \
  eval "[ \$(grep -c 'dl_dst=' '$TMP/flows.txt') -ge 6 ]"
[ "$(of_json 'len(o["switches"])' 2>/dev/null)" = 1 ]
t_check "$T_NAME: visorflowctl --json status is valid JSON (one switch in domain of)" test $? -eq 0
"$CTL" flows 00:00:00:00:00:00:00:99 >/dev/null 2>"$TMP/err.txt"; rc=$?
t_check "$T_NAME: flows of an unknown DPID fails with exit 1 and a message" \
  eval "[ $rc -eq 1 ] && grep -q 'no switch' '$TMP/err.txt'"
"$CTL" bogus >/dev/null 2>&1; rc=$?
t_check "$T_NAME: unknown command exits 1" test $rc -eq 1
VISORFLOW_SOCK=$TMP/none.sock "$CTL" status >/dev/null 2>&1; rc=$?
t_check "$T_NAME: unreachable daemon exits 3" test $rc -eq 3

sleep 2
t_check "$T_NAME: flowmon wrote flow statistics rows" \
  eval "[ \$(cat '$TMP'/records/flowmon-*.csv 2>/dev/null | wc -l) -ge 3 ]"

# ---- reload during traffic: OVS must not reconnect ------------------------------
acc_before=$(of_json 'o["counters"]["accepted"]')
ip netns exec "vfc${T_ID}h1" ping -i 0.05 -c 80 -W 1 10.212.0.3 >"$TMP/ping-reload.txt" 2>&1 &
PING_PID=$!
sleep 0.5
"$CTL" reload >"$TMP/reload.txt" 2>&1; rc1=$?
echo "-- edited $(date)" >>"$TMP/apps/l2_learning.lua"   # inotify reload
sleep 1
wait $PING_PID
acc_after=$(of_json 'o["counters"]["accepted"]')
gen=$(of_json 'o["generation"]')
loss=$(grep -o '[0-9.]*% packet loss' "$TMP/ping-reload.txt" | cut -d% -f1)
t_check "$T_NAME: visorflowctl reload succeeds" test $rc1 -eq 0
t_check "$T_NAME: the file edit was reloaded too (generation $gen >= 3)" test "${gen:-0}" -ge 3
t_check "$T_NAME: no reconnect during reloads (accepted $acc_before -> $acc_after)" \
  test "$acc_before" = "$acc_after"
t_check "$T_NAME: ping during reloads lost ${loss:-?}% (<= 5%)" \
  eval "awk 'BEGIN{exit !(${loss:-100} <= 5)}'"

# ---- a broken edit: old apps keep running, error names file:line -----------------
cp "$TMP/apps/l2_learning.lua" "$TMP/l2.bak"
printf 'local x = \n\n = 1\n' >"$TMP/apps/l2_learning.lua"
for try in 1 2 3 4 5 6 7 8 9 10; do # the watcher may be reloading the same edit
  "$CTL" reload >/dev/null 2>"$TMP/reload-bad.txt"; rc=$?
  grep -q 'already in progress' "$TMP/reload-bad.txt" || break
  sleep 0.3
done
t_check "$T_NAME: a broken app is refused with file:line (exit 1)" \
  eval "[ $rc -eq 1 ] && grep -q 'l2_learning.lua:3:' '$TMP/reload-bad.txt'"
ip netns exec "vfc${T_ID}h3" ping -c 2 -i 0.2 -W 2 10.212.0.1 >/dev/null
t_check "$T_NAME: traffic still flows with the old apps" test $? -eq 0
cp "$TMP/l2.bak" "$TMP/apps/l2_learning.lua"

# ---- kill and restart: traffic resumes ----------------------------------------------
kill -9 "$VFD_PID"; wait "$VFD_PID" 2>/dev/null
ip netns exec "vfc${T_ID}h1" ping -c 2 -i 0.2 -W 2 10.212.0.2 >/dev/null
t_check "$T_NAME: installed flows keep forwarding while the controller is down" test $? -eq 0
rm -f "$SOCK"
start_vfd || { t_fail "$T_NAME: restart failed"; exit 1; }
t_wait_for 15 t_controller_connected "$BR"
ok=1
for b in 2 3; do
  ip netns exec "vfc${T_ID}h1" ping -c 2 -i 0.2 -W 2 "10.212.0.$b" >/dev/null || ok=0
done
t_check "$T_NAME: after a restart OVS reconnects and traffic resumes" test $ok -eq 1
exit 0
