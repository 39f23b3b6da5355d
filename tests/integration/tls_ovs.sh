#!/usr/bin/env bash
# tls_ovs.sh - OpenFlow over TLS with real Open vSwitch. A CA for switches and
# one for controllers, a controller and a switch certificate, all made with
# ovs-pki in a temporary directory (and a second, unrelated PKI for an
# intruder). visorflowd listens on ssl:127.0.0.1:PORT with l2_learning; an
# OVS netdev bridge with two namespace hosts connects to it with
# `ovs-vsctl set-ssl` (process-wide in ovs-vswitchd: the previous setting is
# restored on exit). Checked:
#   - the switch connects (ovsdb is_connected; visorflowctl status shows the
#     switch with transport TLSv1.3 and the switch certificate's name),
#     hosts ping, the flows l2_learning installed through TLS are in
#     ovs-ofctl dump-flows;
#   - tshark sees only TLS records on the port (no OpenFlow in the clear);
#   - a client with a certificate from another CA, and one with none, are
#     refused, each with a log line naming the peer and the reason;
#   - a plain-TCP OpenFlow client (a HELLO) gets no OpenFlow back and is cut
#     off, with a log line; the daemon goes on serving (switch connected,
#     pings, status).
set -u
T_NAME=tls_ovs
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd ip ethtool ping python3 ss ovs-pki openssl
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] && [ -x "$CTL" ] && [ -x "$VF_BUILD/visorflow-domain" ] ||
  { t_fail "$T_NAME: not built"; exit 1; }

BR=vft$T_ID
TMP=$(mktemp -d /tmp/vf-tls.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK

# ---- certificates (ovs-pki: RSA 2048, SHA-512 signatures) ------------------------------
pki() { (cd "$TMP" && ovs-pki --dir="$TMP/$1" --log="$TMP/pki.log" "${@:2}") >>"$TMP/pki.out" 2>&1; }
if ! { pki pki init && pki pki req+sign ctl controller && pki pki req+sign sw switch &&
       pki pki2 init && pki pki2 req+sign evil switch; }; then
  t_fail "$T_NAME: ovs-pki failed: $(tail -3 "$TMP/pki.out")"; exit 1
fi
t_pass "$T_NAME: ovs-pki made a switch CA, a controller CA, a controller and a switch certificate (and an unrelated PKI)"

# ---- the controller ---------------------------------------------------------------------
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = ssl:127.0.0.1:$PORT
apps = l2_learning
app_dir = $TMP/apps
tls_key = $TMP/ctl-privkey.pem
tls_cert = $TMP/ctl-cert.pem
tls_ca = $TMP/pki/switchca/cacert.pem
[app.l2_learning]
idle_timeout = 60
[daemon]
control = $SOCK
CONF
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null"
t_wait_for 10 test -S "$SOCK" || { t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"; exit 1; }
t_wait_for 10 grep -q "OpenFlow over TLS connections from 127.0.0.1:$PORT" "$TMP/vfd.log" ||
  { t_fail "$T_NAME: the of domain did not take the TLS listener: $(tail -5 "$TMP/vfd.log")"; exit 1; }
of_json() { # PYTHON-EXPRESSION over o (the of domain's entry, its detail in o["detail"])
  "$CTL" --json status 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); o=[x for x in d['domains'] if x['name']=='of'][0]; print($1)" 2>/dev/null
}

# ---- the switch, with its SSL settings restored on exit -----------------------------------
ssl_get() { ovs-vsctl --timeout=5 get-ssl | sed -n "s/^$1: //p"; }
OLD_KEY=$(ssl_get "Private key") OLD_CERT=$(ssl_get Certificate) OLD_CA=$(ssl_get "CA Certificate")
OLD_BOOT=$(ssl_get Bootstrap)
if [ -n "$OLD_KEY$OLD_CERT$OLD_CA" ]; then
  b=; [ "$OLD_BOOT" = true ] && b=--bootstrap
  t_on_exit "ovs-vsctl --timeout=10 del-ssl; ovs-vsctl --timeout=10 $b set-ssl '$OLD_KEY' '$OLD_CERT' '$OLD_CA'"
else
  t_on_exit "ovs-vsctl --timeout=10 del-ssl"
fi
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge"; exit 1; }
for i in 1 2; do
  t_add_host "vft${T_ID}h$i" "vft${T_ID}p$i" "10.214.0.$i" "$BR" ||
    { t_fail "$T_NAME: cannot create host $i"; exit 1; }
done
h() { local n=$1; shift; ip netns exec "vft${T_ID}h$n" "$@"; }

# Capture the port from before the switch connects, to see every byte of it.
CAP_PID=
if command -v tshark >/dev/null; then
  tshark -q -i lo -f "tcp port $PORT" -w "$TMP/tls.pcapng" >"$TMP/tshark.out" 2>&1 &
  CAP_PID=$!
  t_on_exit "kill $CAP_PID 2>/dev/null"
  t_wait_for 5 grep -q "Capturing on" "$TMP/tshark.out"
fi

ovs-vsctl set-ssl "$TMP/sw-privkey.pem" "$TMP/sw-cert.pem" "$TMP/pki/controllerca/cacert.pem"
ovs-vsctl set-controller "$BR" "ssl:127.0.0.1:$PORT"
ovs-vsctl set controller "$BR" max_backoff=1000
if t_wait_for 20 t_controller_connected "$BR"; then
  t_pass "$T_NAME: OVS connected over ssl:127.0.0.1:$PORT (ovsdb is_connected)"
else
  t_fail "$T_NAME: OVS did not connect: $(grep -E 'TLS|ssl|refused' "$TMP/vfd.log" | tail -3)"; exit 1
fi
SW_CN=$(openssl x509 -in "$TMP/sw-cert.pem" -noout -subject -nameopt RFC2253 | sed -n 's/^subject=CN=\([^,]*\),.*/\1/p')
"$CTL" status >"$TMP/status.txt" 2>&1
t_check "$T_NAME: visorflowctl status: one switch, over TLSv1.3 with the switch certificate ($SW_CN)" \
  eval "grep -q '^  switches: 1$' '$TMP/status.txt' &&
        grep -E '^    switch [0-9a-f]{16} .* transport TLSv1\.3 TLS_[A-Z0-9_]+, peer CN=$SW_CN,' '$TMP/status.txt' >/dev/null"
NEG=$(grep -o "TLS with 127.0.0.1:[0-9]*: TLSv1\.[0-9] [A-Z0-9_]*" "$TMP/vfd.log" | head -1)
echo "# negotiated with Open vSwitch $(ovs-vswitchd --version | head -1 | awk '{print $NF}'): ${NEG#*: }"
t_check "$T_NAME: the handshake with OVS is logged with version and cipher (${NEG#*: })" test -n "$NEG"

if h 1 ping -c 3 -i 0.2 -W 2 10.214.0.2 >/dev/null && h 2 ping -c 3 -i 0.2 -W 2 10.214.0.1 >/dev/null; then
  t_pass "$T_NAME: the hosts ping each other through l2_learning over TLS"
else
  t_fail "$T_NAME: ping failed"
fi
ovs-ofctl -O OpenFlow10 dump-flows "$BR" >"$TMP/flows.txt" 2>&1
n_fwd=$(grep -c 'actions=output:' "$TMP/flows.txt")
t_check "$T_NAME: flows installed through TLS are in ovs-ofctl dump-flows ($n_fwd forwarding flows)" \
  test "$n_fwd" -ge 2

# ---- nothing in the clear ------------------------------------------------------------------
if [ -n "$CAP_PID" ]; then
  sleep 1
  kill "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null
  TS=(tshark -2 -r "$TMP/tls.pcapng" -d "tcp.port==$PORT,tls")
  n_data=$("${TS[@]}" -Y 'tcp.len > 0' 2>/dev/null | wc -l)
  # TLS 1.3 shows its records as opaque type 23 (application data) outside.
  n_appdata=$("${TS[@]}" -Y 'tls.record.opaque_type == 23 || tls.record.content_type == 23' 2>/dev/null | wc -l)
  # A segment without a TLS record header that is not part of a reassembled
  # record is not TLS (plain OpenFlow decoded as TLS shows exactly so); a
  # retransmission (seen now and then on lo) is not dissected again.
  n_other=$("${TS[@]}" -Y 'tcp.len > 0 && !tls.record && !tcp.reassembled_in && !tcp.analysis.retransmission' 2>/dev/null | wc -l)
  # The same bytes read as OpenFlow: nothing decodes as an OpenFlow 1.0 message.
  n_of=$(tshark -r "$TMP/tls.pcapng" -d "tcp.port==$PORT,openflow" -Y 'openflow_v1' 2>/dev/null | wc -l)
  t_check "$T_NAME: tshark: $n_data segments with data on the port, every one TLS ($n_appdata with application data), none readable as OpenFlow 1.0" \
    eval "[ $n_data -gt 5 ] && [ $n_appdata -gt 3 ] && [ $n_other -eq 0 ] && [ $n_of -eq 0 ]"
else
  t_skip "$T_NAME: no tshark: the check that no OpenFlow is in the clear did not run"
fi

# ---- refused clients ----------------------------------------------------------------------
fails0=$(of_json "o['detail']['counters']['tls_failures']")
# s_client keeps its connection until stdin ends: give it a second.
sclient() { (sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$TMP/pki/controllerca/cacert.pem" "$@" >"$TMP/sclient.out" 2>&1; }
sclient -cert "$TMP/evil-cert.pem" -key "$TMP/evil-privkey.pem"
t_check "$T_NAME: a client with a certificate from another CA is refused and logged (peer and reason)" \
  t_wait_for 5 grep -Eq "WARN of\.ofc: connection from 127\.0\.0\.1:[0-9]+ refused in the TLS handshake: certificate verify failed: unable to get local issuer certificate" "$TMP/vfd.log"
t_check "$T_NAME: ... and the client was told (alert unknown ca)" grep -q "alert unknown ca" "$TMP/sclient.out"
sclient
t_check "$T_NAME: a client without a certificate is refused and logged" \
  t_wait_for 5 grep -Eq "refused in the TLS handshake: .*peer did not return a certificate" "$TMP/vfd.log"
# A plain-TCP OpenFlow 1.0 switch: HELLO, then read what comes back until the end.
python3 - "$PORT" >"$TMP/plain.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(bytes([1, 0, 0, 8, 0, 0, 0, 1]))
got, t0 = b"", time.time()
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except OSError as e:
    print("error", e.__class__.__name__)
print("bytes", len(got), "first", got[:1].hex() or "-", "closed_after_ms", int((time.time() - t0) * 1000))
PY
read -r _ nbytes _ first _ closed_ms < <(grep '^bytes' "$TMP/plain.out")
t_check "$T_NAME: a plain-TCP OpenFlow client gets no OpenFlow back (${nbytes:-?} bytes) and is cut off (${closed_ms:-?} ms)" \
  eval "[ -n '${nbytes:-}' ] && [ '${first:-}' != 01 ] && [ ${closed_ms:-99999} -lt 3000 ]"
t_check "$T_NAME: ... with a log line naming the peer and plain OpenFlow" \
  t_wait_for 5 grep -Eq "connection from 127\.0\.0\.1:[0-9]+ refused in the TLS handshake: wrong version number \(the peer speaks plain OpenFlow, version 0x01, not TLS\)" "$TMP/vfd.log"
fails1=$(of_json "o['detail']['counters']['tls_failures']")
t_check "$T_NAME: status counts the refusals (tls_failures $fails0 -> $fails1)" \
  eval "[ $(( ${fails1:-0} - ${fails0:-0} )) -ge 3 ]"

# ---- still serving --------------------------------------------------------------------------
t_check "$T_NAME: the daemon (pid $VFD_PID) and its switch connection are still up" \
  eval "kill -0 $VFD_PID && t_controller_connected '$BR' && '$CTL' status | grep -q '^  switches: 1$'"
t_check "$T_NAME: the hosts still ping" eval "h 1 ping -c 2 -i 0.2 -W 2 10.214.0.2 >/dev/null"
t_check "$T_NAME: the of domain never restarted" \
  eval "'$CTL' status | grep -q '^domain of: kind of pid [0-9]* state running restarts 0 '"

# ---- a new domain gets the key material again from the core ---------------------------------
DPID=$("$CTL" status 2>/dev/null | awk '/^domain of:/ { print $6 }')
case "$DPID" in '' | 0 | 1 | *[!0-9]*) t_fail "$T_NAME: no domain pid ('$DPID')"; exit 1 ;; esac
hs0=$(grep -c "TLS with 127.0.0.1" "$TMP/vfd.log")
kill -9 "$DPID"
back() { "$CTL" status 2>/dev/null | grep -q '^  switches: 1$' &&
         [ "$(grep -c 'TLS with 127.0.0.1' "$TMP/vfd.log")" -gt "$hs0" ]; }
t_check "$T_NAME: kill -9 of the domain: the new one (TLS_CONFIG again from the core) takes OVS back over TLS" \
  eval "t_wait_for 15 back && t_wait_for 10 t_controller_connected '$BR'"
t_check "$T_NAME: ... and the hosts ping" eval "h 2 ping -c 2 -i 0.2 -W 2 10.214.0.1 >/dev/null"
t_check "$T_NAME: no TLS key material in the domain's log or the core's" \
  eval "! grep -q 'PRIVATE KEY' '$TMP/vfd.log'"
exit 0
