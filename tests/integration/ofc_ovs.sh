#!/usr/bin/env bash
# ofc_ovs.sh - the controller engine against a real Open vSwitch. tests/tools/ofc_hub
# (the engine plus a hub: PACKET_IN -> PACKET_OUT flood, no flows) listens on
# 127.0.0.1:P; a netdev bridge (OpenFlow10 only, fail_mode=secure) with two namespace
# hosts connects to it with inactivity_probe=1000. Checks: the handshake completes
# (is_connected, switch_up with the bridge's dpid and ports), ping works through the
# hub, and the switch's own inactivity probes are answered: the connection stays up
# without reconnecting for more than twice Open vSwitch's effective probe interval
# (it raises 1000 ms to its minimum of 5 s), while the hub itself never probes.
set -u
T_NAME=ofc_ovs
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip ethtool ping ss
need_ovs
HUB=$VF_BUILD/tools/ofc_hub
if [ ! -x "$HUB" ]; then
  t_fail "$T_NAME: $HUB not built (make B=... all)"
  exit 1
fi

BR=vfo$T_ID
NSA=vfo${T_ID}a NSB=vfo${T_ID}b
PA=vfo${T_ID}a0 PB=vfo${T_ID}b0
TMP=$(mktemp -d /tmp/vf-ofc-ovs.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"

P=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
echo "# bridge $BR, ofc_hub on 127.0.0.1:$P, tmp $TMP"

# ---- the hub: never probes by itself, so the echoes we see are the switch's -------
"$HUB" "127.0.0.1:$P" --echo-interval 60000 --echo-timeout 60000 --stats-ms 500 \
  >"$TMP/hub.out" 2>"$TMP/hub.err" &
HUB_PID=$!
t_on_exit "kill $HUB_PID; wait $HUB_PID"
t_wait_for 10 eval "[ -n \"\$(ss -Htln 'sport = :$P')\" ]" ||
  { t_fail "$T_NAME: ofc_hub did not listen on $P: $(cat "$TMP/hub.err")"; exit 1; }

# ---- bridge ---------------------------------------------------------------------
t_add_bridge "$BR" other-config:datapath-id=00000000000a0b0c \
  -- --id=@c create controller target="\"tcp:127.0.0.1:$P\"" inactivity_probe=1000 \
  -- set bridge "$BR" controller=@c ||
  { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
connected() {
  [ "$(ovs-vsctl --timeout=5 --columns=is_connected --bare find controller \
      target="\"tcp:127.0.0.1:$P\"")" = true ]
}
if t_wait_for 20 connected && t_wait_for 5 grep -q '^switch_up dpid=00000000000a0b0c' "$TMP/hub.out"; then
  t_pass "$T_NAME: handshake completes (is_connected=true, switch_up dpid 000a0b0c)"
else
  t_fail "$T_NAME: no handshake"
  ovs-vsctl show; cat "$TMP/hub.out" "$TMP/hub.err"
  exit 1
fi
ovs-vsctl --timeout=5 show | sed -n "/Bridge $BR/,/Port/p" | sed 's/^/    /'

# ---- hosts --------------------------------------------------------------------
t_add_host "$NSA" "$PA" 10.212.0.1 "$BR" && t_add_host "$NSB" "$PB" 10.212.0.2 "$BR" ||
  { t_fail "$T_NAME: cannot create hosts"; exit 1; }
if t_wait_for 10 eval "[ \$(grep -c '^port_status' '$TMP/hub.out') -ge 2 ]"; then
  t_pass "$T_NAME: PORT_STATUS for both new ports reached the hub"
else
  t_fail "$T_NAME: PORT_STATUS missing"
fi

# ---- traffic through the hub ------------------------------------------------------
if ip netns exec "$NSA" ping -c 3 -i 0.2 -W 2 10.212.0.2 >"$TMP/ping.out" 2>&1; then
  t_pass "$T_NAME: ping through the hub ($(grep -o '[0-9]* received' "$TMP/ping.out"))"
else
  t_fail "$T_NAME: ping through the hub failed"
  cat "$TMP/ping.out"
fi
n_pin=$(grep -c '^packet_in' "$TMP/hub.out")
if [ "$n_pin" -ge 4 ]; then
  t_pass "$T_NAME: $n_pin PACKET_INs answered with PACKET_OUT flood"
else
  t_fail "$T_NAME: only $n_pin PACKET_INs seen"
fi

# ---- liveness: the switch's probes are answered, the connection stays ----------------
echo "# idle: waiting for two inactivity probes (Open vSwitch probes after 5 s of silence)"
last_echoes() {
  local v
  v=$(grep '^stats dpid=00000000000a0b0c' "$TMP/hub.out" | tail -1 |
    sed -n 's/.*echoes_answered=\([0-9]*\).*/\1/p')
  echo "${v:-0}"
}
t0=$(date +%s)
t_wait_for 30 eval '[ "$(last_echoes)" -ge 2 ]'
# and at least 11 s in all: more than twice the effective probe interval
while (( $(date +%s) - t0 < 11 )); do sleep 0.5; done
idle=$(( $(date +%s) - t0 ))
echoes=$(last_echoes)
ups=$(grep -c '^switch_up' "$TMP/hub.out")
downs=$(grep -c '^switch_down' "$TMP/hub.out")
echo "# after ${idle} s idle: echoes answered: $echoes, switch_up lines: $ups, switch_down lines: $downs"
if connected && [ "$ups" -eq 1 ] && [ "$downs" -eq 0 ] && [ "${echoes:-0}" -ge 2 ]; then
  t_pass "$T_NAME: inactivity probes answered ($echoes in ${idle} s), still connected, no reconnect"
else
  t_fail "$T_NAME: liveness (connected=$(connected && echo yes || echo no), echoes=${echoes:-0}, ups=$ups, downs=$downs)"
fi
if ip netns exec "$NSB" ping -c 2 -i 0.2 -W 2 10.212.0.1 >/dev/null 2>&1; then
  t_pass "$T_NAME: ping still works after the idle period"
else
  t_fail "$T_NAME: ping after the idle period failed"
fi
if grep -qiE 'bad message|malformed|framing' "$TMP/hub.err"; then
  t_fail "$T_NAME: the engine saw malformed input from Open vSwitch"
  grep -iE 'bad message|malformed|framing' "$TMP/hub.err" | head -5
else
  t_pass "$T_NAME: no malformed message from Open vSwitch"
fi
if ! kill -0 "$HUB_PID" 2>/dev/null || grep -qE 'Sanitizer|runtime error' "$TMP/hub.err"; then
  t_fail "$T_NAME: ofc_hub died or reported a sanitizer error"
else
  t_pass "$T_NAME: ofc_hub still running, no sanitizer report"
fi
echo "# hub log:"; sed 's/^/    /' "$TMP/hub.err" | tail -10
exit 0
