#!/usr/bin/env bash
# of10_ovs_interop.sh - decode real Open vSwitch OpenFlow 1.0 traffic with our codec.
# A netdev bridge (OpenFlow10 only, fail_mode=secure) with two namespace hosts is
# driven by ovs-testcontroller (active connection, port P1) and by ovs-ofctl over a
# passive TCP listener of the bridge (port P2). Everything on lo is captured; the
# TCP payloads go through tests/tools/of10_stream, which frames and decodes each
# message. Checks: no message fails to decode, and each expected message type
# (and stats kind) was seen at least once, one PASS/FAIL line each.
set -u
T_NAME=of10_ovs_interop
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip ethtool ping tcpdump tshark ovs-testcontroller ss
need_ovs
STREAM=$VF_BUILD/tools/of10_stream
if [ ! -x "$STREAM" ]; then
  t_fail "$T_NAME: $STREAM not built (make B=... all)"
  exit 1
fi

BR=vfi$T_ID
NSA=vfi${T_ID}a NSB=vfi${T_ID}b
PA=vfi${T_ID}a0 PB=vfi${T_ID}b0   # host (switch) side of each veth pair
TMP=$(mktemp -d /tmp/vf-of10-interop.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"

P1=$(t_free_port) && P2=$(t_free_port "$P1") || { t_fail "$T_NAME: no free port"; exit 1; }
OFCTL=(ovs-ofctl -O OpenFlow10 -F openflow10 --timeout=10) # -F: OFPST_FLOW, not NXST
SW=tcp:127.0.0.1:$P2
echo "# bridge $BR, testcontroller on 127.0.0.1:$P1, bridge listener on 127.0.0.1:$P2, tmp $TMP"

# run CMD...: log the command and its output; returns its status.
run() {
  echo "\$ $*"
  "$@" 2>&1 | sed 's/^/    /'
  return "${PIPESTATUS[0]}"
}

# ---- capture --------------------------------------------------------------
tcpdump -i lo -U -s 0 -Z root -w "$TMP/of.pcap" "tcp port $P1 or tcp port $P2" \
  2>"$TMP/tcpdump.err" &
TCPDUMP_PID=$!
t_on_exit "kill -INT $TCPDUMP_PID; wait $TCPDUMP_PID"
t_wait_for 10 grep -q 'listening on' "$TMP/tcpdump.err" ||
  { t_fail "$T_NAME: tcpdump did not start: $(cat "$TMP/tcpdump.err")"; exit 1; }

# ---- controller and bridge -------------------------------------------------
ovs-testcontroller -O OpenFlow10 --no-chdir --unixctl="$TMP/tc.ctl" \
  --log-file="$TMP/testcontroller.log" -vconsole:off "ptcp:$P1:127.0.0.1" &
TC_PID=$!
t_on_exit "kill $TC_PID; wait $TC_PID"
t_wait_for 10 eval "[ -n \"\$(ss -Htln 'sport = :$P1')\" ]" ||
  { t_fail "$T_NAME: ovs-testcontroller did not listen on $P1"; exit 1; }

t_on_exit "ovs-vsctl --timeout=10 --if-exists del-br $BR"
# inactivity_probe: OVS sends ECHO_REQUEST after that much idle time (rconn may
# raise small values to its own minimum of a few seconds).
ovs-vsctl --timeout=10 add-br "$BR" -- set bridge "$BR" datapath_type=netdev \
  fail_mode=secure protocols=OpenFlow10 \
  -- --id=@c1 create controller target="\"tcp:127.0.0.1:$P1\"" inactivity_probe=1000 \
  -- --id=@c2 create controller target="\"ptcp:$P2:127.0.0.1\"" \
  -- set bridge "$BR" controller=@c1,@c2 >/dev/null ||
  { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
connected() {
  [ "$(ovs-vsctl --timeout=5 --columns=is_connected --bare find controller \
      target="\"tcp:127.0.0.1:$P1\"")" = true ]
}
t_wait_for 20 connected || { t_fail "$T_NAME: bridge did not connect to the testcontroller"; exit 1; }
t_wait_for 10 eval "[ -n \"\$(ss -Htln 'sport = :$P2')\" ]" ||
  { t_fail "$T_NAME: bridge does not listen on $P2"; exit 1; }

# ---- hosts (ports added after the controller connected: PORT_STATUS ADD) -----
t_add_host "$NSA" "$PA" 10.211.0.1 "$BR" && t_add_host "$NSB" "$PB" 10.211.0.2 "$BR" ||
  { t_fail "$T_NAME: cannot create hosts"; exit 1; }
sleep 1

# ---- traffic through the switch: PACKET_IN, FLOW_MOD, PACKET_OUT -------------
if run ip netns exec "$NSA" ping -c 3 -i 0.2 -W 2 10.211.0.2; then
  echo "# ping through the bridge works"
else
  echo "# ping through the bridge failed (PACKET_IN is still checked below)"
fi

# ---- requests over the bridge's passive listener -----------------------------
run "${OFCTL[@]}" probe "$SW"            # ECHO_REQUEST/REPLY
run "${OFCTL[@]}" show "$SW"             # FEATURES_REQUEST/REPLY, GET_CONFIG
run "${OFCTL[@]}" dump-desc "$SW"
run "${OFCTL[@]}" dump-tables "$SW"
run "${OFCTL[@]}" dump-ports "$SW"
run "${OFCTL[@]}" queue-stats "$SW"
run "${OFCTL[@]}" queue-get-config "$SW" 1
run "${OFCTL[@]}" get-frags "$SW"        # GET_CONFIG_REQUEST/REPLY
run "${OFCTL[@]}" set-frags "$SW" normal # SET_CONFIG
# FLOW_MOD + BARRIER; the switch reports the expiry to the testcontroller.
run "${OFCTL[@]}" add-flow "$SW" \
  "priority=300,ip,nw_dst=10.211.9.9,send_flow_rem,hard_timeout=1,actions=drop"
run "${OFCTL[@]}" add-flow "$SW" "priority=200,tcp,tp_dst=9,cookie=0x77,actions=output:1"
run "${OFCTL[@]}" dump-flows "$SW"
run "${OFCTL[@]}" dump-aggregate "$SW"
# PORT_MOD, then PORT_STATUS to the controller; and a carrier change.
run "${OFCTL[@]}" mod-port "$SW" "$PA" down
run "${OFCTL[@]}" mod-port "$SW" "$PA" up
run ip link set "$PB" down
sleep 0.5
run ip link set "$PB" up
# OFPT_ERROR: queue configuration of a port that does not exist.
if run "${OFCTL[@]}" queue-get-config "$SW" 999; then
  echo "# queue-get-config on port 999 unexpectedly succeeded"
fi
run "${OFCTL[@]}" del-flows "$SW" "tcp,tp_dst=9"

# Let the hard timeout fire and the inactivity probe (ECHO_REQUEST from the
# switch to the idle testcontroller) happen.
sleep 7
kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID"
cat "$TMP/tcpdump.err"

# ---- decode ---------------------------------------------------------------
# One line per segment: DIR HEX with DIR = stream:who>whom.
tshark -r "$TMP/of.pcap" -Y 'tcp.len > 0 && !tcp.analysis.retransmission' \
  -T fields -E separator=' ' -e tcp.stream -e tcp.srcport -e tcp.dstport -e tcp.payload \
  2>"$TMP/tshark.err" |
  awk -v p1="$P1" -v p2="$P2" '{
      if ($2 == p1) d = "tc>sw"; else if ($3 == p1) d = "sw>tc";
      else if ($2 == p2) d = "sw>ofctl"; else d = "ofctl>sw";
      print $1 ":" d, $4 }' >"$TMP/segments.txt"
echo "# $(wc -l <"$TMP/segments.txt") TCP segments with payload captured"
"$STREAM" -k <"$TMP/segments.txt" >"$TMP/decoded.txt" 2>"$TMP/stream.err"
rc=$?
echo "# decoded transcript (of10_stream -k, exit $rc):"
sed 's/^/    /' "$TMP/decoded.txt"
cat "$TMP/stream.err"

n=$(wc -l <"$TMP/decoded.txt")
if [ "$rc" -eq 0 ] && [ "$n" -gt 0 ]; then
  t_pass "$T_NAME: all $n captured messages decoded"
else
  t_fail "$T_NAME: of10_stream exit $rc over $n messages"
  grep ' ERROR ' "$TMP/decoded.txt" | sed 's/^/    /'
fi

# seen KIND: of10_stream -k puts "[OFPT_X]" or "[OFPT_STATS_REPLY/OFPST_Y]" after DIR.
seen() {
  if grep -qF " [$1]" "$TMP/decoded.txt"; then
    t_pass "$T_NAME: saw $1"
  else
    t_fail "$T_NAME: never saw $1"
  fi
}
for k in OFPT_HELLO OFPT_FEATURES_REPLY OFPT_ECHO_REQUEST OFPT_PACKET_IN OFPT_PORT_STATUS \
    OFPT_FLOW_REMOVED OFPT_STATS_REPLY/OFPST_DESC OFPT_STATS_REPLY/OFPST_FLOW \
    OFPT_STATS_REPLY/OFPST_AGGREGATE OFPT_STATS_REPLY/OFPST_TABLE \
    OFPT_STATS_REPLY/OFPST_PORT OFPT_STATS_REPLY/OFPST_QUEUE OFPT_BARRIER_REPLY \
    OFPT_ERROR OFPT_GET_CONFIG_REPLY OFPT_QUEUE_GET_CONFIG_REPLY; do
  seen "$k"
done
# The switch's own inactivity probe, not only the one ovs-ofctl probe asked for.
if grep -qE '^[0-9]+:sw>tc \[OFPT_ECHO_REQUEST\]' "$TMP/decoded.txt"; then
  echo "# the switch sent an inactivity ECHO_REQUEST to the testcontroller"
fi
exit 0
