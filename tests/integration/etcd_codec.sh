#!/usr/bin/env bash
# etcd_codec.sh - src/etcd against a real etcd: a one-member etcd on free
# loopback ports (its own data dir, killed on exit) and tests/tools/etcd_probe,
# which speaks to it through the codec over plain sockets: lease grant and
# keepalive, the election txn won then lost, range, delete_if with a wrong
# and the right revision, the watch's PUT and DELETE events, revoke, the
# error of a second revoke, member list.
set -u
T_NAME=etcd_codec
. "$(dirname "$0")/../lib.sh"
need_cmd etcd ss curl
PROBE=$VF_BUILD/tools/etcd_probe
[ -x "$PROBE" ] || { t_fail "$T_NAME: $PROBE not built"; exit 1; }
TMP=$(mktemp -d /tmp/vf-etcd.XXXXXX)
t_on_exit "rm -rf '$TMP'"
CP=$(t_free_port) && PP=$(t_free_port "$CP") || { t_fail "$T_NAME: no free port"; exit 1; }
etcd --name "vf$T_ID" --data-dir "$TMP/data" \
  --listen-client-urls "http://127.0.0.1:$CP" --advertise-client-urls "http://127.0.0.1:$CP" \
  --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "vf$T_ID=http://127.0.0.1:$PP" >"$TMP/etcd.out" 2>&1 &
EPID=$!
t_on_exit "kill $EPID; wait $EPID"
health() { curl -s -m 1 -X POST "http://127.0.0.1:$CP/v3/kv/range" -d '{"key":"AA=="}' | grep -q '"header"'; }
if ! t_wait_for 20 health; then
  t_fail "$T_NAME: etcd did not start: $(tail -3 "$TMP/etcd.out")"; exit 1
fi

PFX="/vf$T_ID/"
"$PROBE" 127.0.0.1 "$CP" "$PFX" >"$TMP/out" 2>&1
rc=$?
t_check "$T_NAME: probe ran to the end (exit $rc: $(grep FAILED "$TMP/out"))" [ "$rc" -eq 0 ]
has() { grep -Eq -- "$1" "$TMP/out"; }
t_check "$T_NAME: lease granted with TTL 10" has '^grant id=[1-9][0-9]* ttl=10 '
t_check "$T_NAME: watch created" has '^watch created=1 canceled=0$'
t_check "$T_NAME: first create wins" has '^create succeeded=1 '
t_check "$T_NAME: second create loses and sees the holder" \
  has "^holder PUT key=${PFX}x value=me create_rev=[1-9][0-9]* .*lease=[1-9]"
t_check "$T_NAME: second create reported lost" has '^create succeeded=0 '
t_check "$T_NAME: keepalive of a live lease" has '^keepalive ttl=(9|10)$'
t_check "$T_NAME: range sees the key" has "^range PUT key=${PFX}x value=me "
t_check "$T_NAME: delete_if with a wrong revision does nothing" has '^delete_if wrong_rev succeeded=0$'
t_check "$T_NAME: delete_if with the key's revision deletes" has '^delete_if succeeded=1$'
t_check "$T_NAME: watch PUT event" has "^event PUT key=${PFX}x value=me create_rev=[1-9]"
t_check "$T_NAME: watch DELETE event" has "^event DELETE key=${PFX}x value= create_rev=0 mod_rev=[1-9]"
t_check "$T_NAME: keepalive of a revoked lease says gone" has '^keepalive after revoke ttl=0$'
t_check "$T_NAME: second revoke is etcd's error" \
  has '^revoke again: status=404 etcd: etcdserver: requested lease not found \(code 5\)$'
t_check "$T_NAME: member list" has "^member id=[1-9][0-9]* name=vf$T_ID url=http://127.0.0.1:$CP$"
[ "${T_FAILED:-0}" = 1 ] && sed 's/^/    /' "$TMP/out"
exit 0
