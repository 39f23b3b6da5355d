#!/usr/bin/env bash
# hypercall_qemu.sh - guest hypercalls from a QEMU VM (TCG), served by visorflowd:
# the VM's tap is monitored port 1 of visorflowd, a namespace guest is port 2, an
# Open vSwitch (netdev) bridge has visorflowd (l2_learning, the test app hctest)
# as its controller, and vfguest runs inside the VM (added to the image with
# scripts/guest-image --add):
#
#   VM eth0 (virtio-net) ⇄ QEMU ⇄ TAP ─[monitor port 1]─ U1 ⇄ US1 ─┐
#   guest2 eth0 ⇄ G2 ─────────────────[monitor port 2]─ U2 ⇄ US2 ─┴─ OVS ── visorflowd
#
# Checks, inside the VM: `vfguest add` adds a rule for the VM itself (owner
# guest:1 on port 1) that drops its iperf3 to guest 2's 5001; `vfguest del` of
# the configured admin rule fails with EPERM; deleting guest 2's rule fails;
# `vfguest watch` receives the note the app sends when guest 2's connection to
# the VM's port 23 is dropped by the admin rule, and `vfguest events` returns it;
# `visorflowctl guests` counts it all. Skipped when QEMU (or a guest kernel) is
# missing.
set -u
T_NAME=hypercall_qemu
. "$(dirname "$0")/../lib.sh"

need_root "$T_NAME"
need_cmd ip tc iperf3 ethtool ping python3 qemu-system-x86_64 socat busybox
need_ovs
ls /boot/vmlinuz-* >/dev/null 2>&1 ||
  { t_skip "$T_NAME: no guest kernel in /boot (install linux-image-amd64)"; exit 0; }
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl MONCTL=$VF_BUILD/tools/monctl VFG=$VF_BUILD/vfguest
for b in "$VFD" "$CTL" "$VF_BUILD/visorflow-domain" "$MONCTL" "$VFG"; do
  [ -x "$b" ] || { t_fail "$T_NAME: $b not built (make)"; exit 1; }
done
# The test image: the standard one plus vfguest, cached apart from build/guest.
IMG=$VF_BUILD/guest-hc
if ! "$VF_ROOT/scripts/guest-image" -o "$IMG" --add "$VFG" >"$VF_BUILD/guest-hc.log" 2>&1; then
  t_fail "$T_NAME: scripts/guest-image --add $VFG failed: $(tail -3 "$VF_BUILD/guest-hc.log")"
  exit 1
fi

BR=vqb$T_ID TAP=vqt$T_ID NS2=vqg$T_ID G2=vqg${T_ID}b
U1=vqu${T_ID}a US1=vqs${T_ID}a U2=vqu${T_ID}b US2=vqs${T_ID}b
PIN=/sys/fs/bpf/vf-it-hq-$T_ID
A1=10.84.0.1 A2=10.84.0.2
TMP=$(mktemp -d /tmp/vf-hcq.XXXXXX)
RUN=$TMP/vm SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
g2() { ip netns exec "$NS2" "$@"; }
vm() { guest_run -t 30 "$RUN" "$@"; }
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
t_mon_on_exit "$PIN" $U1 $U2
t_on_exit "ip link del $TAP"
echo "# bridge $BR, VM on tap $TAP (port 1), guest $NS2 ($G2, port 2), pins $PIN"

PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
mkdir -p "$TMP/apps"
cp "$VF_ROOT/lua/apps/l2_learning.lua" "$VF_ROOT/tests/apps/hctest.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = hctest, l2_learning
app_dir = $TMP/apps
echo_interval = 2s
echo_timeout = 6s
[daemon]
control = $SOCK
record_dir = $TMP
[monitor]
pin_dir = $PIN
port = 1 guest=$TAP uplink=$U1 peer=$US1
port = 2 guest=$G2 uplink=$U2 peer=$US2
rule = drop $A2 port 23 dir to-guest on 1
CONF
js() { "$CTL" --json "$@" 2>/dev/null; }
rule_owner() {
  js rule list | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin)['rules'] if x['id']==$1]; print(r[0]['owner'] if r else '')"
}

# ---- topology: the tap exists before visorflowd attaches the monitor to it ------------------
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge $BR"; exit 1; }
t_add_host "$NS2" "$G2" "$A2" || { t_fail "$T_NAME: guest 2 setup"; exit 1; }
if ! ip tuntap add "$TAP" mode tap || ! ip link set "$TAP" up; then
  t_fail "$T_NAME: cannot create tap $TAP"
  exit 1
fi
sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null"
if ! t_wait_for 10 test -S "$SOCK" ||
    ! t_wait_for 10 bash -c "'$CTL' status 2>/dev/null | grep -q 'state running'"; then
  t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"
  exit 1
fi
for i in $U1 $US1 $U2 $US2; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; done
ovs-vsctl --timeout=10 add-port "$BR" "$US1" -- add-port "$BR" "$US2" ||
  { t_fail "$T_NAME: uplinks on $BR"; exit 1; }
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
t_check "$T_NAME: the tap is port 1 of visorflowd, attached" \
  bash -c "'$CTL' ports | grep -q '^port 1: guest $TAP uplink $U1 .*: attached$'"
ADMIN=$(js rule list | python3 -c "import json,sys; print([r['id'] for r in json.load(sys.stdin)['rules'] if r['owner']=='admin'][0])")

# Not in a pipe: guest_boot registers the kill of QEMU in this shell.
if ! guest_boot "$RUN" -i "$IMG" --tap "$TAP" --ip "$A1/24" --timeout 90 >"$TMP/boot.out" 2>&1; then
  t_fail "$T_NAME: the VM did not boot"; sed 's/^/    /' "$TMP/boot.out"
  exit 1
fi
t_pass "$T_NAME: VM booted with vfguest, boot to first command $(cat "$RUN/boot.seconds") s"
t_check "$T_NAME: the VM reaches guest 2 through the monitor, OVS and l2_learning" \
  vm "ping -c 2 -W 5 $A2"

# ---- the VM's own rule -------------------------------------------------------------------------
g2 iperf3 -s -p 5001 -D --pidfile "$TMP/iperf.pid" >/dev/null 2>&1
t_wait_for 5 test -s "$TMP/iperf.pid"
t_on_exit "kill \$(cat $TMP/iperf.pid)"
vm "vfguest add drop $A2 port 5001 dir from-guest" | tr -d '\r' >"$TMP/add.out"; rc=${PIPESTATUS[0]}
GID=$(tail -1 "$TMP/add.out")
t_check "$T_NAME: vfguest add in the VM (exit $rc, id '$GID')" bash -c "[ $rc -eq 0 ] && [[ '$GID' =~ ^[0-9]+$ ]]"
t_check "$T_NAME: visorflowctl rule list: rule $GID owned by guest:1 on port 1" \
  bash -c "'$CTL' rule list | grep -qP '^$GID\tguest:1\tdrop $A2/32 proto tcp port 5001 dir from-guest on 1\t'"
if vm "iperf3 -c $A2 -p 5001 -t 1 --connect-timeout 2500" >"$TMP/iperf.out" 2>&1; then
  t_fail "$T_NAME: the VM's iperf3 to 5001 connected despite its own rule"
else
  pk=$(js rule list | python3 -c "import json,sys; print([r['packets'] for r in json.load(sys.stdin)['rules'] if r['id']==${GID:-0}][0])")
  t_check "$T_NAME: the VM's rule drops its iperf3 to 5001 (rule counter $pk)" test "${pk:-0}" -ge 1
fi

# ---- permissions ---------------------------------------------------------------------------------
vm "vfguest del $ADMIN" | tr -d '\r' >"$TMP/del-admin.out"; rc=${PIPESTATUS[0]}
t_check "$T_NAME: the VM may not delete admin rule $ADMIN (exit $rc: $(cat "$TMP/del-admin.out"))" \
  bash -c "[ $rc -eq 1 ] && grep -qx 'vfguest: EPERM: rule $ADMIN belongs to admin; guest:1 may delete only its own rules' '$TMP/del-admin.out'"
t_check "$T_NAME: the admin rule is still there" test "$(rule_owner "${ADMIN:-0}")" = admin
G2ID=$(g2 "$VFG" add drop "$A1" proto udp port 7000)
t_check "$T_NAME: guest 2 adds its own rule ($G2ID)" test "$(rule_owner "${G2ID:-0}")" = guest:2
vm "vfguest del $G2ID" | tr -d '\r' >"$TMP/del-g2.out"; rc=${PIPESTATUS[0]}
t_check "$T_NAME: the VM may not delete guest 2's rule (exit $rc: $(cat "$TMP/del-g2.out"))" \
  bash -c "[ $rc -eq 1 ] && grep -q 'EPERM: rule $G2ID belongs to another guest' '$TMP/del-g2.out'"
t_check "$T_NAME: guest 2's rule is still there" test "$(rule_owner "$G2ID")" = guest:2

# ---- a note to the VM -----------------------------------------------------------------------------
vm "vfguest watch --count 1 >/tmp/watch.out 2>&1 &" >/dev/null
sleep 1
g2 timeout 3 bash -c "exec 3<>/dev/tcp/$A1/23" 2>/dev/null
t_check "$T_NAME: guest 2's connection to the VM's port 23 was dropped" test $? -ne 0
t_wait_for 15 bash -c "'$VF_ROOT/scripts/guest-run' -t 5 '$RUN/cmd.sock' cat /tmp/watch.out | grep -q '^seq='"
vm "cat /tmp/watch.out" | tr -d '\r' >"$TMP/watch.out"
t_check "$T_NAME: vfguest watch in the VM received the app's note: $(cat "$TMP/watch.out")" \
  grep -qx "seq=1 time=20[0-9-]*T[0-9:]*Z kind=blocked addr=$A2 mac=00:00:00:00:00:00 proto=6 port=23 rule=$ADMIN text=\"blocked $A2 to port 23\"" "$TMP/watch.out"
t_check "$T_NAME: vfguest events in the VM returns it from the backlog" \
  bash -c "'$VF_ROOT/scripts/guest-run' -t 30 '$RUN/cmd.sock' vfguest events | grep -q '^seq=1 .*kind=blocked addr=$A2 .*rule=$ADMIN '"

# ---- counters -----------------------------------------------------------------------------------
js guests >"$TMP/guests.json"
"$CTL" guests | sed 's/^/# /'
cnt=$(python3 - "$TMP/guests.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["guests"] if x["id"] == 1][0]
ok = (a["attached"] and a["rules"] == 1 and a["frames"] >= 4 and a["served"]["frames"] == a["frames"]
      and a["served"]["refused"] >= 2 and a["notes"] == 1 and a["queued"] == 1
      and a["domain_notes"]["sent"] == 1 and d["core"]["send_errors"] == 0)
print("ok" if ok else "no: " + json.dumps(a))
PY
)
t_check "$T_NAME: visorflowctl guests counts the VM's requests, refusals and the note ($cnt)" test "$cnt" = ok

guest_stop "$RUN"
kill "$VFD_PID" 2>/dev/null
wait "$VFD_PID" 2>/dev/null
exit 0
