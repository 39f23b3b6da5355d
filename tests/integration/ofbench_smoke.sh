#!/usr/bin/env bash
# ofbench_smoke.sh - the controller load generator works: bench/ofbench builds,
# completes the OpenFlow 1.0 handshake with ovs-testcontroller (2 switches,
# 100 MACs), and gets PACKET_INs answered in latency and throughput mode (2
# loops of 500 ms): exit 0, handshake line, answers > 0, flows installed (the
# learning phase taught the controller every MAC), and every controller
# message valid for our codec (--validate). Also: ofecho answers, a refused
# connection exits 1, a bad option exits 2.
set -u
T_NAME=ofbench_smoke
. "$(dirname "$0")/../lib.sh"

need_cmd ovs-testcontroller ss make gcc
TMP=$(mktemp -d /tmp/vf-ofbench-smoke.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"

# ---- build (into $VF_BUILD/bench) ------------------------------------------------
if ! make --no-print-directory -C "$VF_ROOT" -f bench/ofbench.mk B="$VF_BUILD" ofbench \
    >"$TMP/build.log" 2>&1; then
  t_fail "$T_NAME: build ofbench"
  sed 's/^/    /' "$TMP/build.log" | tail -20
  exit 1
fi
t_pass "$T_NAME: build ofbench and ofecho"
OFBENCH=$VF_BUILD/bench/ofbench
OFECHO=$VF_BUILD/bench/ofecho

free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ] && { echo "$p"; return 0; }
  done
  return 1
}
wait_listen() { # PORT PID: up to 10 s
  local i
  for i in $(seq 1 100); do
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# kv KEY FILE: value of KEY= on the RESULT line.
kv() { sed -n "s/^RESULT .* $1=\([0-9.]*\).*/\1/p" "$2"; }
positive() { awk -v v="${1:-0}" 'BEGIN { exit !(v > 0) }'; }

# ---- against ovs-testcontroller ----------------------------------------------------
P=$(free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
ovs-testcontroller -O OpenFlow10 --no-chdir --unixctl="$TMP/tc.ctl" --log-file="$TMP/tc.log" \
  -vconsole:off "ptcp:$P:127.0.0.1" &
TC_PID=$!
t_on_exit "kill $TC_PID; wait $TC_PID"
wait_listen "$P" "$TC_PID" || { t_fail "$T_NAME: ovs-testcontroller did not listen on $P"; exit 1; }

for mode in latency throughput; do
  out=$TMP/ovs.$mode.out
  timeout 60 "$OFBENCH" -s 2 -M 100 -l 2 -m 500 --validate --mode "$mode" "127.0.0.1:$P" \
    >"$out" 2>&1
  rc=$?
  sed 's/^/    /' "$out"
  t_check "$T_NAME: $mode: exit code 0" [ "$rc" -eq 0 ]
  t_check "$T_NAME: $mode: handshake done (2/2 switches)" grep -q '^handshake: 2/2 switches ready' "$out"
  t_check "$T_NAME: $mode: learning phase answered all 200 MACs" \
    grep -q '^learning: 200 MACs .*: 200 answered' "$out"
  t_check "$T_NAME: $mode: responses/s > 0" positive "$(kv avg "$out")"
  t_check "$T_NAME: $mode: flows installed (FLOW_MOD/s > 0)" positive "$(kv flow_mods_per_s "$out")"
  t_check "$T_NAME: $mode: no invalid message, no ERROR, no lost connection" \
    grep -q ' invalid=0 errors=0 dead=0' "$out"
done

# ---- against the trivial responder ------------------------------------------------------
P2=$(free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
"$OFECHO" -q "127.0.0.1:$P2" &
ECHO_PID=$!
t_on_exit "kill $ECHO_PID; wait $ECHO_PID"
if wait_listen "$P2" "$ECHO_PID"; then
  out=$TMP/echo.out
  timeout 60 "$OFBENCH" -s 2 -M 100 -l 2 -m 300 -t --validate "127.0.0.1:$P2" >"$out" 2>&1
  rc=$?
  t_check "$T_NAME: ofecho answers (exit 0, PACKET_OUT/s > 0)" \
    eval "[ $rc -eq 0 ] && positive '$(kv packet_outs_per_s "$out")'"
else
  t_fail "$T_NAME: ofecho did not listen on $P2"
fi

# ---- exit codes ----------------------------------------------------------------
P3=$(free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
timeout 20 "$OFBENCH" -s 1 --connect-timeout 300 "127.0.0.1:$P3" >"$TMP/refused.out" 2>&1
rc=$?
t_check "$T_NAME: nobody listening: exit 1 (got $rc)" [ "$rc" -eq 1 ]
"$OFBENCH" --switches 0 127.0.0.1:1 >/dev/null 2>&1
rc=$?
t_check "$T_NAME: bad option: exit 2 (got $rc)" [ "$rc" -eq 2 ]
exit 0
