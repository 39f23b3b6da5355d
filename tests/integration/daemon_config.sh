#!/usr/bin/env bash
# daemon_config.sh - visorflowd --check on good and bad configuration files and
# apps: every mistake is refused with exit 2 (configuration) or 1 (apps) and a
# message that names file:line; a good file passes. Apps are compiled by the
# of domain, which --check starts for one load: those cases need root (a
# sandboxed domain needs user namespaces and id maps).
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
  if [ "$want_rc" != 2 ] && [ "$(id -u)" -ne 0 ]; then
    cat >/dev/null; t_skip "$T_NAME: $name: loading apps starts a domain, which needs root"; return
  fi
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
# ---- [domain.NAME] sections ----
case_ "two domains and domain settings pass" 0 "configuration and 1 apps OK" <<EOF2
[controller]
apps = hub
app_dir = $TMP/apps
[domain.of]
nofile = 8192
memory = 512M
listen_allow = 127.0.0.1:6653
connect_allow = 127.0.0.1:7000-7010, [::1]:*
heartbeat = 200ms
[domain.api]
kind = mgmt
EOF2
case_ "a domain without a kind" 2 "c.conf:3: \[domain.api\] needs a kind \(of, mgmt, cluster\)" <<EOF2
[controller]
apps = hub
[domain.api]
nofile = 100
EOF2
case_ "an unknown kind" 2 "c.conf:4: kind: 'web' is not of, mgmt or cluster" <<EOF2
[controller]
apps = hub
[domain.api]
kind = web
EOF2
case_ "a second controller domain" 2 "c.conf:4: kind: the controller is \[domain.of\]" <<EOF2
[controller]
apps = hub
[domain.ctl2]
kind = of
EOF2
case_ "an unknown domain key" 2 "c.conf:4: unknown key 'memroy' in \[domain.of\]" <<EOF2
[controller]
apps = hub
[domain.of]
memroy = 1G
EOF2
case_ "a bad domain name" 2 "c.conf:3: \[domain.API\]: a domain name is" <<EOF2
[controller]
apps = hub
[domain.API]
kind = mgmt
EOF2
case_ "a listen rule with host bits" 2 "c.conf:4: listen_allow: rule '10.0.0.1/8:6653': address '10.0.0.1' has bits set past its prefix" <<EOF2
[controller]
apps = hub
[domain.of]
listen_allow = 127.0.0.1:6653, 10.0.0.1/8:6653
EOF2
case_ "a connect rule with a name" 2 "c.conf:5: connect_allow: rule 'localhost:80': bad IPv4 address 'localhost'" <<EOF2
[controller]
apps = hub
[domain.of]
connect_allow = 127.0.0.1:80
connect_allow = localhost:80
EOF2
case_ "a connect rule without a port" 2 "c.conf:4: connect_allow: rule '127.0.0.1': '127.0.0.1' is not HOST:PORT" <<EOF2
[controller]
apps = hub
[domain.of]
connect_allow = 127.0.0.1
EOF2
case_ "a controller listen address the policy forbids" 2 "c.conf:2: listen: 127.0.0.1:6653 is not allowed by \[domain.of\] listen_allow" <<EOF2
[controller]
listen = 127.0.0.1:6653
apps = hub
[domain.of]
listen_allow = 127.0.0.1:6654
EOF2
case_ "a bad listen address" 2 "c.conf:2: listen: bad port '99999'" <<EOF2
[controller]
listen = 127.0.0.1:99999
apps = hub
EOF2
case_ "a relative domain binary" 2 "c.conf:4: binary: 'visorflow-domain' is not an absolute path" <<EOF2
[controller]
apps = hub
[domain.of]
binary = visorflow-domain
EOF2
case_ "a heartbeat timeout too short" 2 "c.conf:5: heartbeat_timeout must be at least twice heartbeat" <<EOF2
[controller]
apps = hub
[domain.of]
heartbeat = 1s
heartbeat_timeout = 1500ms
EOF2
case_ "a domain binary that does not exist" 1 "execve /nonexistent/visorflow-domain: No such file or directory" <<EOF2
[controller]
apps = hub
app_dir = $TMP/apps
[domain.of]
binary = /nonexistent/visorflow-domain
restart_min = 1ms
restart_max = 2ms
EOF2
# ---- TLS: the core reads and checks the PEM files at start-up (src/tls/tls_conf.c)
if command -v openssl >/dev/null; then
  P256=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2)
  openssl req -x509 "${P256[@]}" -subj /CN=vf-test-ca -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null &&
    openssl req -x509 "${P256[@]}" -subj /CN=vf-test-ctl -keyout "$TMP/ctl.key" -out "$TMP/ctl.pem" 2>/dev/null ||
    t_fail "$T_NAME: openssl could not make test certificates"
  case_ "a good TLS listener passes" 0 "configuration and 1 apps OK" <<EOF2
[controller]
listen = ssl:127.0.0.1:6653
apps = hub
app_dir = $TMP/apps
tls_key = $TMP/ctl.key
tls_cert = $TMP/ctl.pem
tls_ca = $TMP/ca.pem
EOF2
  case_ "an unknown listen scheme" 2 "c.conf:2: listen: 'udp:127.0.0.1:6653': unknown scheme \(ssl:, tcp: or none\)" <<EOF2
[controller]
listen = udp:127.0.0.1:6653
apps = hub
EOF2
  case_ "an ssl: listener without tls_ca" 2 "c.conf:2: a listen with ssl: needs tls_ca \(a PEM file\) in \[controller\]" <<EOF2
[controller]
listen = ssl:127.0.0.1:6653
apps = hub
tls_key = $TMP/ctl.key
tls_cert = $TMP/ctl.pem
EOF2
  case_ "a TLS key file that does not exist" 2 "c.conf:4: tls_key $TMP/nokey.pem: No such file or directory" <<EOF2
[controller]
listen = ssl:127.0.0.1:6653
apps = hub
tls_key = $TMP/nokey.pem
tls_cert = $TMP/ctl.pem
tls_ca = $TMP/ca.pem
EOF2
  case_ "a TLS key that is not the certificate's" 2 "c.conf:4: tls_key $TMP/ca.key does not match the certificate of tls_cert $TMP/ctl.pem" <<EOF2
[controller]
listen = ssl:127.0.0.1:6653
apps = hub
tls_key = $TMP/ca.key
tls_cert = $TMP/ctl.pem
tls_ca = $TMP/ca.pem
EOF2
  case_ "a certificate file without PEM" 2 "c.conf:5: tls_cert $TMP/c.conf: no PEM certificate in it" <<EOF2
[controller]
listen = ssl:127.0.0.1:6653
apps = hub
tls_key = $TMP/ctl.key
tls_cert = $TMP/c.conf
tls_ca = $TMP/ca.pem
EOF2
  case_ "TLS settings without an ssl: listener" 2 "c.conf:4: tls_cert is set but no listen is ssl:" <<EOF2
[controller]
listen = tcp:127.0.0.1:6653
apps = hub
tls_cert = $TMP/ctl.pem
EOF2
else
  t_skip "$T_NAME: TLS cases: needs openssl (not installed)"
fi
"$VFD" >/dev/null 2>&1; rc=$?
t_check "$T_NAME: no arguments is a usage error (exit 2)" test $rc -eq 2
"$VFD" -c "$TMP/none.conf" --check >"$TMP/out" 2>&1; rc=$?
t_check "$T_NAME: a missing file names it (exit 2)" eval "[ $rc -eq 2 ] && grep -q 'none.conf: No such file' '$TMP/out'"
exit 0
