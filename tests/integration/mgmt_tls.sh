#!/usr/bin/env bash
# mgmt_tls.sh - the management API: visorflowd with the monitor below a netns
# guest and the mgmt domain serving TLS 1.3 on 127.0.0.1, certificates from
# scripts/vf-pki, clients visorflowctl --server and Python's ssl module.
#
#   guest ns eth0 ⇄ G ─[monitor]─ U ⇄ US ── OVS (netdev, l2_learning) ── P ⇄ peer ns
#
# Checks:
#   - an admin's `rule add` (ICMP from the guest) stops real pings, `rule list
#     --json` shows it owned by admin, `rule del` lets pings through again;
#   - a viewer lists but cannot add (exit 4, 403), a CN in neither list cannot
#     even list; a client without a certificate, one with a certificate of
#     another CA, garbage bytes and an oversized frame are refused; after each
#     refusal the rule list is byte-for-byte what it was; every refusal is in
#     the log with the peer and the reason;
#   - a client that connects and says nothing (TCP only, and TLS without a
#     request) does not delay a second client, and is closed at idle_timeout;
#   - guests, domains, stats and block over the API; block answered by an app's
#     command handler (tests/apps/blocktest.lua); guests and domains on the
#     local socket too;
#   - the mgmt domain runs sandboxed (Seccomp: 2, uid nobody).
set -u
T_NAME=mgmt_tls
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tcpdump ping python3 openssl ethtool ss
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl MONCTL=$VF_BUILD/tools/monctl
PKI=$VF_ROOT/scripts/vf-pki
for b in "$VFD" "$CTL" "$VF_BUILD/visorflow-domain" "$MONCTL"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built"; exit 1; }
done

BR=mgb$T_ID NSG=mgg$T_ID NSP=mgp$T_ID
G=mgg${T_ID}h P=mgp${T_ID}h U=mgm${T_ID}u US=mgm${T_ID}s
PIN=/sys/fs/bpf/vf-it-mg-$T_ID
GA=10.78.0.1 PA=10.78.0.2
TMP=$(mktemp -d /tmp/vf-mgmt.XXXXXX)
SOCK=$TMP/ctl.sock
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $U

OFPORT=$(t_free_port) && MPORT=$(t_free_port "$OFPORT") || { t_fail "$T_NAME: no free port"; exit 1; }
echo "# bridge $BR, guest $NSG, peer $NSP, OpenFlow :$OFPORT, management API :$MPORT"

# ---- certificates -----------------------------------------------------------------------
PK=$TMP/pki OTHER=$TMP/other
if ! { "$PKI" init "$PK" && "$PKI" server "$PK" server 127.0.0.1 &&
  "$PKI" client "$PK" alice && "$PKI" client "$PK" bob && "$PKI" client "$PK" eve &&
  "$PKI" init "$OTHER" && "$PKI" client "$OTHER" alice; } >"$TMP/pki.log" 2>&1; then
  t_fail "$T_NAME: vf-pki failed: $(tail -3 "$TMP/pki.log")"
  exit 1
fi
t_check "$T_NAME: vf-pki: the server certificate names 127.0.0.1 and chains to the CA" \
  bash -c "openssl verify -CAfile '$PK/ca.pem' '$PK/server.pem' >/dev/null &&
    openssl x509 -in '$PK/server.pem' -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1'"
t_check "$T_NAME: vf-pki: client CN alice, keys mode 0600" \
  bash -c "openssl x509 -in '$PK/alice.pem' -noout -subject | grep -q 'CN = alice' &&
    [ \"\$(stat -c %a '$PK/alice.key')\" = 600 ]"
out=$("$PKI" client "$PK" 'a b' 2>&1); rc=$?
t_check "$T_NAME: vf-pki refuses a CN with a space (exit $rc: $out)" test $rc = 2

mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$VF_ROOT/tests/apps/blocktest.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$OFPORT
apps = blocktest, l2_learning
app_dir = $TMP/apps
[daemon]
control = $SOCK
[monitor]
pin_dir = $PIN
port = 1 guest=$G uplink=$U peer=$US
[mgmt]
listen = 127.0.0.1:$MPORT
tls_key = $PK/server.key
tls_cert = $PK/server.pem
tls_ca = $PK/ca.pem
admins = alice
viewers = bob
idle_timeout = 3s
max_clients = 8
CONF

api() { # CN ARGS...: visorflowctl over the management API as CN
  local cn=$1 dir=$PK; shift
  [ "$cn" = other ] && { cn=alice; dir=$OTHER; }
  "$CTL" --server "127.0.0.1:$MPORT" --ca "$PK/ca.pem" --cert "$dir/$cn.pem" --key "$dir/$cn.key" "$@"
}
# raw MODE: Python's ssl as a client that misbehaves; prints what happened.
raw() {
  python3 - "$1" "$MPORT" "$PK" <<'PY'
import socket, ssl, struct, sys, time
mode, port, pk = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(pk + "/ca.pem")
if mode != "nocert":
    ctx.load_cert_chain(pk + "/alice.pem", pk + "/alice.key")
s = socket.create_connection(("127.0.0.1", port), timeout=10)
if mode == "tcp-idle":
    time.sleep(6); print("slept"); sys.exit(0)
try:
    t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    if mode == "tls-idle":
        time.sleep(6)
        print("closed" if t.recv(1) == b"" else "open")
        sys.exit(0)
    if mode == "nocert":
        t.sendall(b"VFM1" + struct.pack(">HI", 0, 5) + b"stats")
    elif mode == "garbage":
        t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    elif mode == "oversize":
        t.sendall(b"VFM1" + struct.pack(">HI", 0, 1 << 20) + b"rule list")
    elif mode == "nul":
        t.sendall(b"VFM1" + struct.pack(">HI", 0, 7) + b"stats\x00x")
    hdr = b""
    while len(hdr) < 10:
        c = t.recv(10 - len(hdr))
        if not c: break
        hdr += c
    if len(hdr) < 10:
        print("closed without an answer"); sys.exit(0)
    code, n = struct.unpack(">HI", hdr[4:])
    body = b""
    while len(body) < n:
        c = t.recv(n - len(body))
        if not c: break
        body += c
    after = t.recv(1)
    print("%d %s%s" % (code, body.decode(errors="replace").strip(), " [then closed]" if after == b"" else ""))
except (ssl.SSLError, OSError) as e:
    print("refused: %s" % e)
PY
}
rules() { "$CTL" -s "$SOCK" --json rule list 2>/dev/null; }

# ---- topology and start -------------------------------------------------------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NSG" "$G" "$GA" || { t_fail "$T_NAME: guest setup"; exit 1; }
t_add_host "$NSP" "$P" "$PA" "$BR" || { t_fail "$T_NAME: peer setup"; exit 1; }
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null"
if ! t_wait_for 15 bash -c "'$CTL' -s '$SOCK' domains 2>/dev/null | grep -q '^mgmt: .*state running' &&
    grep -q 'management API (TLS 1.3, client certificates) on 127.0.0.1:$MPORT' '$TMP/vfd.log'"; then
  t_fail "$T_NAME: visorflowd or its mgmt domain did not start: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
for i in $U $US; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US" || { t_fail "$T_NAME: add $US to $BR"; exit 1; }
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$OFPORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
pings() { ip netns exec "$NSG" ping -c 3 -i 0.3 -W 1 "$PA" 2>/dev/null | grep -oE '[0-9]+ received' | cut -d' ' -f1; }
t_check "$T_NAME: ping guest -> peer through the monitor and OVS" t_wait_for 10 ip netns exec "$NSG" ping -c 1 -W 1 "$PA"

MPID=$("$CTL" -s "$SOCK" --json domains | python3 -c "import json,sys; print([d['pid'] for d in json.load(sys.stdin)['domains'] if d['kind']=='mgmt'][0])")
t_check "$T_NAME: the mgmt domain (pid $MPID) runs under seccomp as nobody" \
  bash -c "grep -qP '^Seccomp:\t2$' /proc/$MPID/status && grep -qP '^Uid:\t65534\t' /proc/$MPID/status"

# ---- an admin changes rules; traffic follows ------------------------------------------------
RID=$(api alice rule add drop "$PA" proto icmp dir from-guest on 1); rc=$?
t_check "$T_NAME: admin alice: rule add over TLS answered id '$RID' (exit $rc)" \
  bash -c "[ $rc = 0 ] && [[ '$RID' =~ ^[0-9]+$ ]]"
got=$(pings)
t_check "$T_NAME: with alice's rule no ping gets through ($got of 3)" test "${got:-0}" = 0
owner=$(api alice --json rule list | python3 -c "import json,sys; print([r['owner'] for r in json.load(sys.stdin)['rules'] if r['id']==$RID][0])" 2>&1)
t_check "$T_NAME: rule list --json over TLS shows rule $RID owned by '$owner'" test "$owner" = admin
cnt=$(rules | python3 -c "import json,sys; print([r['packets'] for r in json.load(sys.stdin)['rules'] if r['id']==$RID][0])")
t_check "$T_NAME: the local socket sees the same rule, its counter at $cnt (>= 3 pings)" test "$cnt" -ge 3
t_check "$T_NAME: the core logged who added it" grep -q "rule $RID added by admin (mgmt domain mgmt)" "$TMP/vfd.log"

# ---- refusals: nothing changes ----------------------------------------------------------------
rules >"$TMP/rules0.json"
# same: the rule list is what it was (exported for the bash -c of t_check)
same() { "$CTL" -s "$SOCK" --json rule list 2>/dev/null | cmp -s - "$TMP/rules0.json"; }
export -f same
export CTL SOCK TMP
out=$(api bob rule list 2>&1); rc=$?
line=$(grep -P "^$RID\t" <<<"$out")
want="$RID"$'\t'admin$'\t'"drop $PA/32 proto icmp port any dir from-guest on 1"$'\t'packets=
t_check "$T_NAME: viewer bob lists the rules (exit $rc: $line)" \
  bash -c '[ "$1" = 0 ] && [[ "$2" == "$3"* ]]' _ "$rc" "$line" "$want"
out=$(api bob rule add drop 10.78.0.9 2>&1); rc=$?
t_check "$T_NAME: viewer bob may not add (exit $rc: $out)" \
  bash -c '[ "$1" = 4 ] && [[ "$2" == *"403 forbidden: rule add: certificate CN '"'bob'"' is a viewer"* ]]' _ "$rc" "$out"
t_check "$T_NAME: ... and the rule list is unchanged" same
out=$(api bob rule del "$RID" 2>&1); rc=$?
t_check "$T_NAME: viewer bob may not delete (exit $rc)" bash -c "[ $rc = 4 ] && same"
out=$(api eve rule list 2>&1); rc=$?
t_check "$T_NAME: eve (CA-signed, in no list) may not even list (exit $rc: $out)" \
  bash -c "[ $rc = 4 ] && [[ '$out' == *'neither an admin nor a viewer'* ]]"
out=$(api other rule add drop 10.78.0.9 2>&1); rc=$?
t_check "$T_NAME: a certificate of another CA (CN alice) is refused in the handshake (exit $rc: ${out:0:120})" \
  bash -c "[ $rc = 3 ] && [[ '$out' == *'TLS with 127.0.0.1:$MPORT failed'* ||
    '$out' == *'no answer from 127.0.0.1:$MPORT: the connection closed'* ]] && same"
# (TLS 1.3: the client's side of the handshake ends before the server has checked
# the client's certificate, so the refusal reaches the client either as a failed
# handshake or as the server's alert closing the connection at the first read.)
out=$(raw nocert)
t_check "$T_NAME: a client without a certificate is refused ($out)" \
  bash -c "[[ '$out' == refused:* || '$out' == 'closed without an answer' ]] && same"
out=$(raw garbage)
t_check "$T_NAME: garbage bytes get 400 and the connection closed ($out)" \
  bash -c "[[ '$out' == '400 not a management API frame'*'[then closed]' ]] && same"
out=$(raw oversize)
t_check "$T_NAME: a 1 MiB request frame gets 413 ($out)" \
  bash -c "[[ '$out' == '413 request of 1048576 bytes, more than 4096 [then closed]' ]] && same"
out=$(raw nul)
t_check "$T_NAME: a NUL byte in a request gets 400 ($out)" \
  bash -c "[[ '$out' == '400 byte 0x00 at 5: requests are printable ASCII'* ]] && same"
out=$(api alice rule add drop 10.78.0.1/24 2>&1); rc=$?
t_check "$T_NAME: a malformed rule from the admin: exit $rc, '$out'" \
  bash -c "[ $rc = 2 ] && [[ '$out' == *'10.78.0.0/24 would be valid'* ]] && same"
out=$(api alice rule del 99999 2>&1); rc=$?
t_check "$T_NAME: deleting a rule that does not exist: 404, exit $rc" \
  bash -c "[ $rc = 1 ] && [[ '$out' == *'404 not found'* ]] && same"
sleep 0.3
t_check "$T_NAME: the refusals are logged with peer and reason" \
  bash -c "grep -q 'mgmt.mgmt: client 127.0.0.1:[0-9]* CN=bob: refused (403 forbidden)' '$TMP/vfd.log' &&
    grep -q 'mgmt.mgmt: client 127.0.0.1:[0-9]*: TLS handshake refused: ' '$TMP/vfd.log' &&
    grep -q 'CN=alice: refused (413 too large): request of 1048576 bytes' '$TMP/vfd.log' &&
    grep -q 'CN=alice: refused (400 bad request): not a management API frame' '$TMP/vfd.log'"

# ---- idle clients block nobody ------------------------------------------------------------------
raw tcp-idle >"$TMP/idle1.out" &
I1=$!
raw tls-idle >"$TMP/idle2.out" &
I2=$!
t_on_exit "kill $I1 $I2 2>/dev/null"
sleep 1
t0=$(date +%s%N)
out=$(api bob domains 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
t_check "$T_NAME: with two idle clients connected, bob's 'domains' answers in ${ms} ms (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ $ms -lt 2000 ] && grep -q '^mgmt: kind mgmt' <<<'$out'"
wait $I1 $I2
t_check "$T_NAME: the idle TLS client was closed by the server ($(cat "$TMP/idle2.out"))" \
  bash -c "grep -qx closed '$TMP/idle2.out' && grep -q 'closed: idle for 3000 ms' '$TMP/vfd.log' &&
    grep -q 'closed: no TLS handshake for 3000 ms' '$TMP/vfd.log'"

# ---- the other commands ---------------------------------------------------------------------------
out=$(api bob --json guests 2>&1)
t_check "$T_NAME: guests --json over TLS: port 1 ($G) attached, with its hypercall counters" \
  bash -c "python3 -c \"import json,sys; g=json.loads(sys.argv[1])['guests'][0]; sys.exit(not (g['id']==1 and g['guest']=='$G' and g['attached'] and 'frames' in g and 'rules' in g))\" '$out'"
t_check "$T_NAME: guests over TLS answers what the local socket answers" \
  bash -c "[ \"\$('$CTL' -s '$SOCK' --json guests)\" = \"\$1\" ]" _ "$out"
t_check "$T_NAME: guests and domains on the local socket too" \
  bash -c "'$CTL' -s '$SOCK' guests | grep -q '^port 1: guest $G, attached, guest rules ' &&
    '$CTL' -s '$SOCK' domains | grep -q '^of: kind of'"
out=$(api bob stats 2>&1)
t_check "$T_NAME: stats over TLS" grep -q "^port 1 ($G/$U)" <<<"$out"
out=$(api alice block 10.78.0.66 --for 60 2>&1); rc=$?
t_check "$T_NAME: block over TLS is answered by the app's command handler ('$out')" \
  bash -c "[ $rc = 0 ] && [ '$out' = 'blocked 10.78.0.66 for 60 s' ]"
out=$(api alice unblock 02:00:00:00:00:09 2>&1); rc=$?
t_check "$T_NAME: unblock of what the app never blocked fails with its reason (exit $rc: $out)" \
  bash -c "[ $rc = 1 ] && [[ '$out' == *'02:00:00:00:00:09 is not blocked'* ]]"
out=$(api bob block 10.78.0.66 2>&1); rc=$?
t_check "$T_NAME: viewer bob may not block (exit $rc)" test $rc = 4
"$CTL" -s "$SOCK" block >/dev/null 2>&1; rc1=$?
"$CTL" -s "$SOCK" unblock 10.78.0.66 --for 5 >/dev/null 2>&1; rc2=$?
out=$("$CTL" -s "$SOCK" block 10.78.0.66 --for 0 2>&1); rc3=$?
t_check "$T_NAME: block usage errors exit 2 ($rc1, $rc2); --for 0 is refused by the core (exit $rc3: $out)" \
  bash -c "[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $rc3 = 1 ] && [[ '$out' == *'not a number of seconds 1..2592000'* ]]"

# ---- the admin deletes the rule; traffic flows again ------------------------------------------------
out=$(api alice rule del "$RID" 2>&1); rc=$?
t_check "$T_NAME: admin alice: rule del $RID ($out)" bash -c "[ $rc = 0 ] && [ '$out' = 'deleted rule $RID' ]"
got=$(pings)
t_check "$T_NAME: after rule del pings get through again ($got of 3)" test "${got:-0}" = 3
t_check "$T_NAME: the mgmt domain is still the first incarnation (no restarts)" \
  bash -c "'$CTL' -s '$SOCK' domains | grep -q '^mgmt: kind mgmt pid $MPID state running restarts 0'"

# ---- cleanup, checked ---------------------------------------------------------------------------------
kill "$VFD_PID" 2>/dev/null
wait "$VFD_PID" 2>/dev/null
t_mon_cleanup_check "$BR" "$PIN" "$NSG $NSP" "$G $P" "$U $US"
exit 0
