#!/usr/bin/env bash
# domain_evil.sh - a hostile domain (tests/tools/evil_domain) started by the
# core in place of visorflow-domain, one misdeed per run: malformed,
# oversized, unpermitted, truncated, unknown-type, fd-carrying messages, a
# reply to nothing, silence (no heartbeat), a crash, a CPU limit reached, and
# forged status output. Each time the core must log why, kill the domain, restart it, keep
# its own pid and keep answering visorflowctl; forged lines and keys must not
# pass for the core's. Last, an evil second domain next to a real of domain:
# the of domain is not disturbed.
set -u
T_NAME=domain_evil
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd python3 ss
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl EVIL=$VF_BUILD/tools/evil_domain
for b in "$VFD" "$CTL" "$EVIL" "$VF_BUILD/visorflow-domain"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built"; exit 1; }
done
TMP=$(mktemp -d /tmp/vf-evil.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/hub.lua" "$TMP/apps/"
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
VFD_PID=
t_on_exit 'kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null'

js() { # PYTHON-EXPRESSION over d (status --json)
  "$CTL" --json status 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null
}
dom_field() { js "[x for x in d['domains'] if x['name']=='$1'][0]['$2']"; }
# within SECONDS CMD...: like t_wait_for, but bounded in wall-clock time: a
# status call may wait for a domain that does not answer (up to 12 s).
within() {
  local end=$(($(date +%s) + $1))
  shift
  while [ "$(date +%s)" -lt "$end" ]; do "$@" && return 0; sleep 0.1; done
  return 1
}

start() { # CONFIG-TAIL (the [domain.*] sections)
  local port
  port=$(t_free_port) || return 1
  cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$port
apps = hub
app_dir = $TMP/apps
[daemon]
control = $SOCK
$1
CONF
  : >"$TMP/vfd.log"
  "$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
  VFD_PID=$!
  t_wait_for 10 test -S "$SOCK"
}
stop() { kill "$VFD_PID" 2>/dev/null; wait "$VFD_PID" 2>/dev/null; VFD_PID=; rm -f "$SOCK"; }

# mode | what the log and status must say
while IFS='|' read -r mode reason; do
  [ -n "$mode" ] || continue
  extra=""
  [ "$mode" = silent ] && extra=$'heartbeat = 100ms\nheartbeat_timeout = 500ms'
  [ "$mode" = spin ] && extra='cpu = 1'
  start "[domain.of]
binary = $EVIL
args = $mode
$extra" || { t_fail "$T_NAME: $mode: visorflowd did not start: $(tail -3 "$TMP/vfd.log")"; continue; }
  within 20 eval '[ "$(dom_field of restarts)" -ge 1 ] 2>/dev/null'
  restarts=$(dom_field of restarts)
  last=$(dom_field of last_exit)
  core=$(js 'd["pid"]')
  if [ "${restarts:-0}" -ge 1 ] && grep -qF -- "$reason" "$TMP/vfd.log" &&
     [[ "$last" == *"$reason"* ]] && [ "$core" = "$VFD_PID" ] && kill -0 "$VFD_PID"; then
    t_pass "$T_NAME: $mode: '$reason' logged, domain killed and restarted ($restarts restarts), core $VFD_PID still up"
  else
    t_fail "$T_NAME: $mode: restarts=${restarts:-?} last_exit='${last:-?}' core=${core:-?}/$VFD_PID; log: $(grep -E 'ERROR|WARN' "$TMP/vfd.log" | tail -2)"
  fi
  stop
done <<'MODES'
malformed|killed by the core (SIGKILL): fatal message: LOG: log level 9 > 3
oversized|fatal message: datagram of 300000 bytes exceeds the receive buffer of 262156
unpermitted|fatal message: type SHUTDOWN not permitted for domain kind of
truncated|fatal message: header says payload 10, datagram carries 4
unknown|fatal message: unknown type 0x02ff
fds|fatal message: type HEARTBEAT carries no fds, got 1
reply|fatal message: CTL_REPLY: reply to request 999, which was never sent
silent|killed by the core (SIGKILL): no heartbeat for
crash|exited 3
spin|killed by SIGKILL (CPU time limit of 1 s reached)
MODES

# ---- back-off: a domain that dies at once is restarted ever more slowly ----------
start "[domain.of]
binary = $EVIL
args = crash
restart_min = 20ms
restart_max = 400ms" || t_fail "$T_NAME: back-off: no start"
sleep 2
cnt=$(dom_field of restarts)
t_check "$T_NAME: back-off: a crashing domain restarted ${cnt:-?} times in 2 s (20 ms doubling to 400 ms: <= 10)" \
  eval '[ "${cnt:-0}" -ge 4 ] && [ "${cnt:-99}" -le 10 ]'
stop

# ---- forged status: a domain's words stay under its own heading -------------------
start "[domain.of]
binary = $EVIL
args = forge" || t_fail "$T_NAME: forge: no start"
within 10 eval '[ "$(dom_field of state)" = running ]'
"$CTL" status >"$TMP/forge.txt" 2>&1
if grep -q '^  forged detail' "$TMP/forge.txt" && ! grep -qE '^(domain of: kind of pid 1 |visorflowd pid 1 )' "$TMP/forge.txt" &&
   grep -q '^  domain of: kind of pid 1 ' "$TMP/forge.txt"; then
  t_pass "$T_NAME: forge: the domain's text is indented under its heading; no forged core line"
else
  t_fail "$T_NAME: forge: text status: $(cat "$TMP/forge.txt")"
fi
"$CTL" --json status >"$TMP/forge.json" 2>&1
python3 - "$TMP/forge.json" "$VFD_PID" <<'PY' && t_pass "$T_NAME: forge: JSON detail that is not one object is left out (null); no forged key" || t_fail "$T_NAME: forge: JSON: $(cat "$TMP/forge.json")"
import json, sys
d = json.load(open(sys.argv[1]))
of = d["domains"][0]
assert d["pid"] == int(sys.argv[2]) and of["detail"] is None and "forged" not in of and "forged" not in d
PY
stop

# ---- an evil second domain next to the real controller ---------------------------
start "[domain.evil]
kind = mgmt
binary = $EVIL
args = malformed" || t_fail "$T_NAME: two domains: no start"
within 10 eval '[ "$(dom_field of state)" = running ]'
of_pid=$(dom_field of pid)
sleep 1.5
cnt=$(dom_field evil restarts)
t_check "$T_NAME: two domains: the evil one restarted ${cnt:-?} times, of (pid $of_pid) kept running untouched" \
  eval '[ "${cnt:-0}" -ge 2 ] && [ "$(dom_field of pid)" = "$of_pid" ] && [ "$(dom_field of restarts)" = 0 ] && [ "$(dom_field of state)" = running ]'
stop
exit 0
