#!/usr/bin/env bash
# cluster_tls.sh - the cluster domain talks to etcd over TLS (docs/cluster.md):
# a one-member etcd serving https only and asking for client certificates
# (--client-cert-auth), certificates from scripts/vf-pki. visorflowd with
# https:// endpoints and [cluster] tls_* joins: its member key is in etcd
# (read back with etcdctl over TLS) and `visorflowctl cluster` says
# connected. Refused, each with a log line naming why, and no crash: a
# client whose CA does not know etcd's certificate, a client certificate
# etcd's CA did not sign, and plain http:// to the TLS port.
set -u
T_NAME=cluster_tls
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cluster_lib.sh"
need_root "$T_NAME"
need_cmd etcd etcdctl openssl
[ -x "$VF_BUILD/visorflowd" ] || { t_fail "$T_NAME: visorflowd not built"; exit 1; }
TMP=$(mktemp -d /tmp/vf-cltls.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
PKI=$TMP/pki OTHER=$TMP/other
{ "$VF_ROOT/scripts/vf-pki" init "$PKI" && "$VF_ROOT/scripts/vf-pki" peer "$PKI" etcd 127.0.0.1 &&
  "$VF_ROOT/scripts/vf-pki" client "$PKI" n1 && "$VF_ROOT/scripts/vf-pki" init "$OTHER" &&
  "$VF_ROOT/scripts/vf-pki" client "$OTHER" n3; } >"$TMP/pki.log" 2>&1 ||
  { t_fail "$T_NAME: vf-pki: $(tail -3 "$TMP/pki.log")"; exit 1; }

CP=$(cl_port) PP=$(cl_port) || { t_fail "$T_NAME: no free port"; exit 1; }
etcd --name e1 --data-dir "$TMP/etcd" \
  --listen-client-urls "https://127.0.0.1:$CP" --advertise-client-urls "https://127.0.0.1:$CP" \
  --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "e1=http://127.0.0.1:$PP" --initial-cluster-state new \
  --cert-file "$PKI/etcd.pem" --key-file "$PKI/etcd.key" --trusted-ca-file "$PKI/ca.pem" \
  --client-cert-auth >"$TMP/etcd.log" 2>&1 &
EPID=$!
t_on_exit "kill -9 $EPID 2>/dev/null; wait $EPID 2>/dev/null"
ETLS=(--endpoints "https://127.0.0.1:$CP" --cacert "$PKI/ca.pem" --cert "$PKI/n1.pem" --key "$PKI/n1.key")
t_wait_for 20 etcdctl "${ETLS[@]}" endpoint health >/dev/null 2>&1 ||
  { t_fail "$T_NAME: etcd over TLS did not start: $(tail -3 "$TMP/etcd.log")"; exit 1; }

# start_vfd I SCHEME CA CERT KEY: an instance with the one endpoint
ETCD_CLIENT[1]=$CP
mkdir -p "$TMP/apps" && cp "$VF_ROOT/lua/apps/hub.lua" "$TMP/apps/"
start_vfd() {
  local tls=""
  [ "$2" = https ] && tls="tls_ca = $3
tls_cert = $4
tls_key = $5"
  CL_SCHEME=$2 cl_vfd_start "$TMP" "$1" hub 2 "$tls"
}

start_vfd 1 https "$PKI/ca.pem" "$PKI/n1.pem" "$PKI/n1.key" ||
  { t_fail "$T_NAME: visorflowd n1 did not start: $(tail -5 "$TMP/n1.log")"; exit 1; }
t_check "$T_NAME: n1 joins through https:// with its client certificate" t_wait_for 10 cl_connected 1
etcdctl "${ETLS[@]}" get --prefix "/vf-$T_ID/members/" >"$TMP/members.txt" 2>&1
t_check "$T_NAME: its member key is in etcd (etcdctl over TLS: $(head -1 "$TMP/members.txt"))" \
  grep -q "^/vf-$T_ID/members/n1$" "$TMP/members.txt"
t_check "$T_NAME: visorflowctl cluster: connected over https to 127.0.0.1:$CP" \
  eval "cl_ctl 1 cluster | grep -q 'etcd: connected to 127.0.0.1:$CP'"

# a CA that does not know etcd's certificate (n2 trusts OTHER's CA)
start_vfd 2 https "$OTHER/ca.pem" "$PKI/n1.pem" "$PKI/n1.key" || { t_fail "$T_NAME: n2 did not start"; exit 1; }
# a client certificate etcd's CA did not sign
start_vfd 3 https "$PKI/ca.pem" "$OTHER/n3.pem" "$OTHER/n3.key" || { t_fail "$T_NAME: n3 did not start"; exit 1; }
# plain HTTP to the TLS port
start_vfd 4 http "" "" "" || { t_fail "$T_NAME: n4 did not start"; exit 1; }
sleep 3
t_check "$T_NAME: wrong CA: not connected, the log names the certificate check" \
  eval "! cl_connected 2 && grep -q 'TLS handshake: certificate verify failed' '$TMP/n2.log'"
t_check "$T_NAME: unknown client certificate: not connected, refused with a log line" \
  eval "! cl_connected 3 && grep -q 'etcd not reachable yet (127.0.0.1:$CP: ' '$TMP/n3.log'"
t_check "$T_NAME: http:// to the TLS port: not connected, refused with a log line" \
  eval "! cl_connected 4 && grep -q 'etcd not reachable yet (127.0.0.1:$CP: ' '$TMP/n4.log'"
echo "# n2: $(grep -m1 -o 'etcd not reachable yet.*' "$TMP/n2.log")"
echo "# n3: $(grep -m1 -o 'etcd not reachable yet.*' "$TMP/n3.log")"
echo "# n4: $(grep -m1 -o 'etcd not reachable yet.*' "$TMP/n4.log")"
t_check "$T_NAME: no crash: all four instances run, no domain restarted, n1 still connected" \
  eval "for i in 1 2 3 4; do kill -0 \${VFD_PID[\$i]} || exit 1; done; cl_connected 1 &&
        ! grep -h 'domain .* (pid [0-9]*) \(exited\|killed\)' '$TMP'/n*.log"
exit 0
