#!/usr/bin/env bash
# tls_ofbench.sh - bench/ofbench --tls, the TLS client of bench/tls.sh, works:
# its switches do TLS 1.3 with a client certificate and then OpenFlow, against
#   - visorflowd on an ssl: listener (l2_learning): handshake, learning,
#     answers in latency and throughput mode, nothing invalid;
#   - ovs-testcontroller on pssl: (Open vSwitch's own TLS server code), so
#     src/tls is checked against a TLS implementation that is not ours;
# and with a certificate from another CA it is refused by both, with the
# reason in visorflowd's log. Certificates: openssl command line, here.
set -u
T_NAME=tls_ofbench
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd openssl ss make gcc
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] && [ -x "$VF_BUILD/visorflow-domain" ] || { t_fail "$T_NAME: not built"; exit 1; }
TMP=$(mktemp -d /tmp/vf-tls-ofb.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
make --no-print-directory -C "$VF_ROOT" -f bench/ofbench.mk B="$VF_BUILD" ofbench >"$TMP/build.log" 2>&1 ||
  { t_fail "$T_NAME: build ofbench: $(tail -3 "$TMP/build.log")"; exit 1; }
OFBENCH=$VF_BUILD/bench/ofbench

# Two CAs: "ca" signs the controller and the switches, "evil" an intruder.
P256=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
mkca() { openssl req -x509 "${P256[@]}" -days 2 -subj "/CN=$1" -keyout "$TMP/$1.key" -out "$TMP/$1.pem"; }
mkleaf() { # NAME CA
  openssl req "${P256[@]}" -subj "/CN=$1" -keyout "$TMP/$1.key" -out "$TMP/$1.csr" &&
    openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/$2.pem" -CAkey "$TMP/$2.key" -CAcreateserial \
      -days 2 -out "$TMP/$1.pem"
}
{ mkca ca && mkca evil && mkleaf ctl ca && mkleaf sw ca && mkleaf intruder evil; } >"$TMP/pki.log" 2>&1 ||
  { t_fail "$T_NAME: openssl: $(tail -3 "$TMP/pki.log")"; exit 1; }
GOOD=$TMP/sw.pem,$TMP/sw.key,$TMP/ca.pem
BAD=$TMP/intruder.pem,$TMP/intruder.key,$TMP/ca.pem
kv() { sed -n "s/^RESULT .* $1=\([0-9.]*\).*/\1/p" "$2"; }
positive() { awk -v v="${1:-0}" 'BEGIN { exit !(v > 0) }'; }

# ---- visorflowd -------------------------------------------------------------------------
PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = ssl:127.0.0.1:$PORT
apps = l2_learning
app_dir = $VF_ROOT/lua/apps
tls_key = $TMP/ctl.key
tls_cert = $TMP/ctl.pem
tls_ca = $TMP/ca.pem
[daemon]
control = $TMP/ctl.sock
CONF
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null"
t_wait_for 10 grep -q "OpenFlow over TLS connections from 127.0.0.1:$PORT" "$TMP/vfd.log" ||
  { t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"; exit 1; }
for mode in latency throughput; do
  out=$TMP/vf.$mode.out
  timeout 60 "$OFBENCH" -s 4 -M 100 -l 2 -m 400 --validate --mode "$mode" --tls "$GOOD" \
    "127.0.0.1:$PORT" >"$out" 2>&1
  rc=$?
  t_check "$T_NAME: visorflowd, $mode: exit 0, TLSv1.3 with the controller's certificate, 4/4 switches" \
    eval "[ $rc -eq 0 ] && grep -q '^tls: TLSv1.3 TLS_[A-Z0-9_]*, peer CN=ctl' '$out' &&
          grep -q '^handshake: 4/4 switches ready' '$out'"
  t_check "$T_NAME: visorflowd, $mode: all 400 MACs learned, answers $(kv avg "$out")/s, nothing invalid" \
    eval "grep -q '^learning: 400 MACs .*: 400 answered' '$out' && positive '$(kv avg "$out")' &&
          grep -q ' invalid=0 errors=0 dead=0' '$out'"
done
timeout 30 "$OFBENCH" -s 1 -M 10 -l 2 -m 200 --connect-timeout 3000 --tls "$BAD" "127.0.0.1:$PORT" \
  >"$TMP/vf.bad.out" 2>&1
rc=$?
t_check "$T_NAME: visorflowd refuses an intruder's certificate (ofbench exit $rc, the reason logged)" \
  eval "[ $rc -eq 1 ] && t_wait_for 5 grep -q 'refused in the TLS handshake: certificate verify failed: unable to get local issuer certificate' '$TMP/vfd.log'"

# ---- ovs-testcontroller: the other side is Open vSwitch's TLS ---------------------------------
if command -v ovs-testcontroller >/dev/null; then
  P2=$(t_free_port "$PORT") || { t_fail "$T_NAME: no free port"; exit 1; }
  ovs-testcontroller -O OpenFlow10 --no-chdir --unixctl="$TMP/tc.ctl" --log-file="$TMP/tc.log" \
    -vconsole:off -p "$TMP/ctl.key" -c "$TMP/ctl.pem" -C "$TMP/ca.pem" "pssl:$P2:127.0.0.1" &
  TC_PID=$!
  t_on_exit "kill $TC_PID 2>/dev/null; wait $TC_PID 2>/dev/null"
  t_wait_for 10 eval "[ -n \"\$(ss -Htln 'sport = :$P2')\" ]"
  out=$TMP/tc.out
  timeout 60 "$OFBENCH" -s 2 -M 50 -l 2 -m 300 --validate --tls "$GOOD" "127.0.0.1:$P2" >"$out" 2>&1
  rc=$?
  t_check "$T_NAME: ovs-testcontroller (Open vSwitch's TLS): exit $rc, $(grep -o '^tls: TLSv1\.[0-9] [A-Z0-9_]*' "$out"), answers $(kv avg "$out")/s" \
    eval "[ $rc -eq 0 ] && grep -q '^tls: TLSv1.3 ' '$out' && positive '$(kv avg "$out")' &&
          grep -q ' invalid=0 errors=0 dead=0' '$out'"
  timeout 30 "$OFBENCH" -s 1 -M 10 -l 2 -m 200 --connect-timeout 3000 --tls "$BAD" "127.0.0.1:$P2" \
    >"$TMP/tc.bad.out" 2>&1
  rc=$?
  t_check "$T_NAME: ovs-testcontroller refuses the intruder too (exit $rc)" test "$rc" -eq 1
else
  t_skip "$T_NAME: ovs-testcontroller not installed: no interop case"
fi
# ---- bad arguments ------------------------------------------------------------------------------
"$OFBENCH" --tls "$TMP/sw.pem,$TMP/sw.key" 127.0.0.1:1 >"$TMP/arg.out" 2>&1
rc1=$?
"$OFBENCH" --tls "$TMP/sw.pem,$TMP/nope.key,$TMP/ca.pem" 127.0.0.1:1 >"$TMP/arg2.out" 2>&1
rc2=$?
t_check "$T_NAME: --tls with two files, or a missing one, is a usage error (exit $rc1, $rc2)" \
  eval "[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && grep -q 'nope.key: No such file' '$TMP/arg2.out'"
exit 0
