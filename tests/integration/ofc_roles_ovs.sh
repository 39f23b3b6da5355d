#!/usr/bin/env bash
# ofc_roles_ovs.sh - master/slave roles (src/ofc/ofc_role.c) against a real Open
# vSwitch with two controllers. Two tests/tools/ofc_roles processes (the engine in
# roles mode, driven by commands on stdin) are controllers A and B of one netdev
# bridge (fail_mode=secure, OpenFlow 1.0) with one namespace host. Checks: both
# connect as slave and no switch_up comes; A promoted: switch_up after the role
# reply, a FLOW_MOD from A lands in the table, A gets the PACKET_INs and B none;
# B promoted with takeover: B's switch_up says takeover=1, Open vSwitch demotes A
# without telling it, A's next FLOW_MOD is refused and A reports lost + down,
# the flows survive the change, the PACKET_INs now go to B only, and Open
# vSwitch's own controller table agrees (A slave, B master).
set -u
T_NAME=ofc_roles_ovs
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip ethtool ping ss mkfifo
need_ovs
TOOL=$VF_BUILD/tools/ofc_roles
if [ ! -x "$TOOL" ]; then
  t_fail "$T_NAME: $TOOL not built (make B=... all)"
  exit 1
fi

BR=vfr$T_ID
NS=vfr${T_ID}a PH=vfr${T_ID}a0
DPID=00000000000d0e0f
TMP=$(mktemp -d /tmp/vf-roles-ovs.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"

PA=$(t_free_port) && PB=$(t_free_port "$PA") || { t_fail "$T_NAME: no free port"; exit 1; }
echo "# bridge $BR (dpid $DPID), controller A on 127.0.0.1:$PA, B on 127.0.0.1:$PB, tmp $TMP"

# ---- the two controllers: commands through a fifo each --------------------------
start_ctl() { # NAME PORT FD
  mkfifo "$TMP/$1.in"
  "$TOOL" "127.0.0.1:$2" <"$TMP/$1.in" >"$TMP/$1.out" 2>"$TMP/$1.err" &
  echo $! >"$TMP/$1.pid"
}
start_ctl a "$PA"; exec 3>"$TMP/a.in"; PID_A=$(cat "$TMP/a.pid")
start_ctl b "$PB"; exec 4>"$TMP/b.in"; PID_B=$(cat "$TMP/b.pid")
t_on_exit "kill $PID_A $PID_B; wait $PID_A $PID_B"
t_on_exit "exec 3>&- 4>&-"
for p in "$PA" "$PB"; do
  t_wait_for 10 eval "[ -n \"\$(ss -Htln 'sport = :$p')\" ]" ||
    { t_fail "$T_NAME: ofc_roles did not listen on $p: $(cat "$TMP"/*.err)"; exit 1; }
done
cmd_a() { echo "$*" >&3; }
cmd_b() { echo "$*" >&4; }
# has WHO REGEX: a line of WHO's output matches
has() { grep -qE "$2" "$TMP/$1.out"; }
count() { grep -cE "$2" "$TMP/$1.out"; }

# ---- bridge with both controllers ---------------------------------------------------
t_add_bridge "$BR" other-config:datapath-id=$DPID ||
  { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NS" "$PH" 10.213.0.1 "$BR" || { t_fail "$T_NAME: cannot create the host"; exit 1; }
ovs-vsctl --timeout=10 set-controller "$BR" "tcp:127.0.0.1:$PA" "tcp:127.0.0.1:$PB"
ovs_role() { # the role Open vSwitch gives the controller on port $1
  ovs-vsctl --timeout=5 --columns=role --bare find controller target="\"tcp:127.0.0.1:$1\""
}
dump() { ovs-ofctl dump-flows "$BR" 2>/dev/null; }
# a few broadcasts from the host: table misses, so PACKET_INs for the master
traffic() { ip netns exec "$NS" ping -c 3 -i 0.2 -W 1 10.213.0.99 >/dev/null 2>&1; sleep 0.5; }

if t_wait_for 20 has a "^conn $DPID 1" && t_wait_for 5 has b "^conn $DPID 1"; then
  t_pass "$T_NAME: both controllers connected (conn $DPID 1 on A and B)"
else
  t_fail "$T_NAME: no conn event"; cat "$TMP"/*.out "$TMP"/*.err; exit 1
fi
t_wait_for 5 eval '[ "$(ovs_role "$PA")" = slave ] && [ "$(ovs_role "$PB")" = slave ]'
cmd_a "role $DPID"; cmd_b "role $DPID"
t_wait_for 5 has a "^role $DPID" && t_wait_for 5 has b "^role $DPID"
ra=$(ovs_role "$PA") rb=$(ovs_role "$PB")
if [ "$ra" = slave ] && [ "$rb" = slave ] && has a "^role $DPID 0$" && has b "^role $DPID 0$" &&
  ! has a '^up ' && ! has b '^up '; then
  t_pass "$T_NAME: both slave on connect (Open vSwitch: A=$ra B=$rb), no switch_up"
else
  t_fail "$T_NAME: not both slave (Open vSwitch: A=$ra B=$rb)"
fi
traffic
if [ "$(count a '^packet_in')" -eq 0 ] && [ "$(count b '^packet_in')" -eq 0 ]; then
  t_pass "$T_NAME: no PACKET_IN while both are slave"
else
  t_fail "$T_NAME: PACKET_INs reached the apps while both are slave"
fi

# ---- A becomes master ---------------------------------------------------------------
cmd_a "master $DPID"
# Open vSwitch writes a controller's role to its database a little later
if t_wait_for 5 has a "^up $DPID takeover=0" && t_wait_for 10 eval '[ "$(ovs_role "$PA")" = master ]'; then
  t_pass "$T_NAME: A promoted: switch_up takeover=0, Open vSwitch says master"
else
  t_fail "$T_NAME: A not promoted (role $(ovs_role "$PA"))"; cat "$TMP/a.out" "$TMP/a.err"
fi
cmd_a "flow $DPID 100"
if t_wait_for 5 eval 'dump | grep -q "priority=100,dl_type=0x88b6"'; then
  t_pass "$T_NAME: A's FLOW_MOD installed (dump-flows: priority=100,dl_type=0x88b6)"
else
  t_fail "$T_NAME: A's flow missing"; dump
fi
traffic
na=$(count a '^packet_in') nb=$(count b '^packet_in')
if [ "$na" -ge 1 ] && [ "$nb" -eq 0 ]; then
  t_pass "$T_NAME: master A got $na PACKET_INs, slave B none"
else
  t_fail "$T_NAME: PACKET_INs with A master: A=$na B=$nb"
fi

# ---- B takes over -------------------------------------------------------------------
cmd_b "master $DPID takeover"
if t_wait_for 5 has b "^up $DPID takeover=1" &&
  t_wait_for 10 eval '[ "$(ovs_role "$PB")" = master ] && [ "$(ovs_role "$PA")" = slave ]'; then
  t_pass "$T_NAME: B promoted with takeover=1; Open vSwitch demoted A to slave"
else
  t_fail "$T_NAME: B not promoted (A $(ovs_role "$PA"), B $(ovs_role "$PB"))"
fi
sleep 1
if ! has a '^(lost|down) '; then
  t_pass "$T_NAME: Open vSwitch told A nothing of its demotion (no lost/down before A writes)"
else
  t_fail "$T_NAME: A heard of its demotion before writing: $(grep -E '^(lost|down)' "$TMP/a.out")"
fi
na0=$(count a '^packet_in')
cmd_a "flow $DPID 200"
if t_wait_for 5 has a "^lost $DPID .*refused a OFPT_FLOW_MOD as from a slave" &&
  has a "^down $DPID"; then
  t_pass "$T_NAME: A's FLOW_MOD refused: A reports lost and down"
else
  t_fail "$T_NAME: A did not notice"; cat "$TMP/a.out" "$TMP/a.err"
fi
cmd_a "role $DPID"
t_wait_for 5 eval '[ "$(count a "^role $DPID")" -ge 2 ]'
if grep "^role $DPID" "$TMP/a.out" | tail -1 | grep -q " 0$"; then
  t_pass "$T_NAME: A is slave again (ofc_role_of 0)"
else
  t_fail "$T_NAME: A still thinks it is master"
fi
cmd_b "flow $DPID 201"
t_wait_for 5 eval 'dump | grep -q "priority=201,"'
flows=$(dump)
if grep -q 'priority=100,dl_type=0x88b6' <<<"$flows" && grep -q 'priority=201,' <<<"$flows" &&
  ! grep -q 'priority=200,' <<<"$flows"; then
  t_pass "$T_NAME: flows kept across the change (A's 100 and B's 201 in; A's refused 200 not)"
else
  t_fail "$T_NAME: flow table after the takeover"; echo "$flows"
fi
nb0=$(count b '^packet_in')
traffic
na=$(count a '^packet_in') nb=$(count b '^packet_in')
if [ "$nb" -gt "$nb0" ] && [ "$na" -eq "$na0" ]; then
  t_pass "$T_NAME: PACKET_INs go to B now ($((nb - nb0))), none to A"
else
  t_fail "$T_NAME: PACKET_INs after the takeover: A +$((na - na0)), B +$((nb - nb0))"
fi

# ---- B steps down ---------------------------------------------------------------------
cmd_b "slave $DPID"
if t_wait_for 5 has b "^down $DPID" && t_wait_for 5 eval '[ "$(ovs_role "$PB")" = slave ]'; then
  t_pass "$T_NAME: B stepped down: switch_down, Open vSwitch says slave"
else
  t_fail "$T_NAME: B's step down (role $(ovs_role "$PB"))"
fi

for w in a b; do
  if grep -qE 'Sanitizer|runtime error|bad message|malformed' "$TMP/$w.err"; then
    t_fail "$T_NAME: controller $w reported: $(grep -E 'Sanitizer|runtime error|bad message|malformed' "$TMP/$w.err" | head -3)"
  fi
done
if kill -0 "$PID_A" 2>/dev/null && kill -0 "$PID_B" 2>/dev/null; then
  t_pass "$T_NAME: both controllers still running"
else
  t_fail "$T_NAME: a controller died"
fi
echo "# A:"; sed 's/^/    /' "$TMP/a.out" | grep -v '^    packet_in' | tail -12
echo "# B:"; sed 's/^/    /' "$TMP/b.out" | grep -v '^    packet_in' | tail -12
exit 0
