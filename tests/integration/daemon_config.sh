#!/usr/bin/env bash
# daemon_config.sh - visorflowd --check on good and bad configuration files and
# apps: every mistake is refused with exit 2 (configuration) or 1 (apps) and a
# message that names file:line; a good file passes.
set -u
T_NAME=daemon_config
. "$(dirname "$0")/../lib.sh"
VFD=$VF_BUILD/visorflowd
[ -x "$VFD" ] || { t_fail "$T_NAME: $VFD not built"; exit 1; }
TMP=$(mktemp -d /tmp/vf-conf.XXXXXX)
t_on_exit "rm -rf '$TMP'"
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/"*.lua "$TMP/apps/"

# case NAME EXPECTED_EXIT EXPECTED_MESSAGE_REGEX, config text on stdin
case_() {
  local name=$1 want_rc=$2 want=$3
  cat >"$TMP/c.conf"
  "$VFD" -c "$TMP/c.conf" --check >"$TMP/out" 2>&1
  local rc=$?
  if [ "$rc" -eq "$want_rc" ] && grep -Eq -- "$want" "$TMP/out"; then
    t_pass "$T_NAME: $name"
  else
    t_fail "$T_NAME: $name: exit $rc, output: $(head -3 "$TMP/out")"
  fi
}

case_ "a good file passes" 0 "configuration and 2 apps OK" <<EOF2
[controller]
apps = l2_learning, flowmon
app_dir = $TMP/apps
[daemon]
log_target = syslog
EOF2
case_ "unknown key names file:line" 2 "c.conf:3: unknown key 'lisen' in \[controller\]" <<EOF2
[controller]
apps = hub
lisen = 127.0.0.1:6653
EOF2
case_ "unknown section" 2 "c.conf:1: unknown section \[contoller\]" <<EOF2
[contoller]
apps = hub
EOF2
case_ "apps missing" 2 "\[controller\] apps is required" <<EOF2
[controller]
listen = 127.0.0.1:6653
EOF2
case_ "number out of range" 2 "c.conf:3: miss_send_len: 70000 is out of range 0..65535" <<EOF2
[controller]
apps = hub
miss_send_len = 70000
EOF2
case_ "bad duration" 2 "c.conf:3: echo_interval: '5 minutes' is not a duration" <<EOF2
[controller]
apps = hub
echo_interval = 5 minutes
EOF2
case_ "echo timeout not above interval" 2 "c.conf:4: echo_timeout must be longer than echo_interval" <<EOF2
[controller]
apps = hub
echo_interval = 10s
echo_timeout = 5s
EOF2
case_ "bad log level" 2 "c.conf:4: log_level: 'loud' is not error, warn, info or debug" <<EOF2
[controller]
apps = hub
[daemon]
log_level = loud
EOF2
case_ "bad log target" 2 "c.conf:4: log_target: 'file' is not stderr or syslog" <<EOF2
[controller]
apps = hub
[daemon]
log_target = file
EOF2
case_ "app listed twice" 2 "c.conf:2: apps: 'hub' listed twice" <<EOF2
[controller]
apps = hub, hub
EOF2
case_ "section for an app not in the chain" 2 "c.conf:3: \[app.firewal\] configures an app that is not in apps" <<EOF2
[controller]
apps = hub
[app.firewal]
EOF2
case_ "malformed line" 2 "c.conf:2: expected 'key = value' or '\[section\]'" <<EOF2
[controller]
apps hub
EOF2
case_ "missing app file" 1 "nosuch.lua: No such file or directory" <<EOF2
[controller]
apps = nosuch
app_dir = $TMP/apps
EOF2
printf 'return {\n  packet_in = function(sw, p)\n    return 1 +\n  end\n}\n' >"$TMP/apps/broken.lua"
case_ "an app with a syntax error names app file:line" 1 "broken.lua:4: unexpected symbol near 'end'" <<EOF2
[controller]
apps = broken
app_dir = $TMP/apps
EOF2
case_ "a bad app configuration key names app and key" 1 "l2_learning.lua:[0-9]+: config: unknown key 'idel_timeout'" <<EOF2
[controller]
apps = l2_learning
app_dir = $TMP/apps
[app.l2_learning]
idel_timeout = 5
EOF2
"$VFD" >/dev/null 2>&1; rc=$?
t_check "$T_NAME: no arguments is a usage error (exit 2)" test $rc -eq 2
"$VFD" -c "$TMP/none.conf" --check >"$TMP/out" 2>&1; rc=$?
t_check "$T_NAME: a missing file names it (exit 2)" eval "[ $rc -eq 2 ] && grep -q 'none.conf: No such file' '$TMP/out'"
exit 0
