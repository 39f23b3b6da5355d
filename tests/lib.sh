# tests/lib.sh - sourced by integration tests: result lines, requirements that
# turn into SKIP (with the reason), and cleanup of what a test created, by name.
VF_ROOT=${VF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VF_BUILD=${VF_BUILD:-$VF_ROOT/build}
t_pass() { echo "PASS: $*"; }
t_fail() { echo "FAIL: $*"; T_FAILED=1; }
t_skip() { echo "SKIP: $*"; }
# t_check NAME CMD...: PASS if CMD succeeds, else FAIL.
t_check() { local n=$1; shift; if "$@"; then t_pass "$n"; else t_fail "$n"; fi; }
# need_* print SKIP lines and exit 0 when the machine lacks something.
need_root() { [ "$(id -u)" -eq 0 ] || { t_skip "${1:-test}: needs root"; exit 0; }; }
need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || { t_skip "${T_NAME:-test}: needs $c (not installed)"; exit 0; }
  done
}
need_ovs() {
  need_cmd ovs-vsctl ovs-ofctl
  ovs-vsctl --timeout=3 show >/dev/null 2>&1 ||
    { t_skip "${T_NAME:-test}: Open vSwitch is not running (run scripts/deps.sh)"; exit 0; }
}
# Cleanup registry: run in reverse order on exit, whatever happened.
T_CLEANUP=()
t_on_exit() { T_CLEANUP+=("$*"); }
t_cleanup() {
  local i
  for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUP[$i]}" >/dev/null 2>&1; done
}
trap t_cleanup EXIT
# A unique, short suffix so parallel or leftover runs never collide (IFNAMSIZ is 16).
T_ID=${T_ID:-$(printf '%04x' $(( $$ % 65536 )))}

# ---- shared setup for tests with real Open vSwitch and namespace hosts -------
# t_free_port [EXCLUDE]: a free TCP port on 127.0.0.1.
t_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    [ "$p" = "${1:-}" ] && continue
    [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ] && { echo "$p"; return 0; }
  done
  return 1
}
# t_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
t_wait_for() {
  local n=$(($1 * 10)); shift
  while ((n-- > 0)); do "$@" && return 0; sleep 0.1; done
  return 1
}
# t_add_bridge BR [ovs-vsctl set arguments...]: a userspace (netdev) bridge,
# fail_mode=secure, OpenFlow 1.0 only; removed on exit.
t_add_bridge() {
  local br=$1; shift
  t_on_exit "ovs-vsctl --timeout=10 --if-exists del-br $br"
  ovs-vsctl --timeout=10 add-br "$br" -- set bridge "$br" datapath_type=netdev \
    fail_mode=secure protocols=OpenFlow10 "$@" >/dev/null
}
# t_add_host NS IF ADDR [BR]: a namespace host whose eth0 is the peer of IF (on
# the host side; added to BR when given); checksum offload off (see notes).
t_add_host() {
  local ns=$1 ifc=$2 addr=$3 br=${4:-}
  t_on_exit "ip netns del $ns"
  t_on_exit "ip link del $ifc"
  ip netns add "$ns" &&
    ip link add "$ifc" type veth peer name eth0 netns "$ns" &&
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
    ip netns exec "$ns" ip addr add "$addr/24" dev eth0 &&
    ip netns exec "$ns" ip link set eth0 up &&
    ip netns exec "$ns" ip link set lo up &&
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null &&
    sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" &&
    ip link set "$ifc" up &&
    { [ -z "$br" ] || ovs-vsctl --timeout=10 add-port "$br" "$ifc"; }
}
# t_mon_on_exit PIN [IF...]: on exit, a monitor made under PIN goes: first
# the uplink interfaces IF (the core made them), then its maps and programs
# (monctl destroy), then the pin directory.
t_mon_on_exit() {
  local pin=$1 i
  shift
  t_on_exit "rm -rf $pin"
  t_on_exit "'$VF_BUILD/tools/monctl' -d $pin destroy"
  for i in "$@"; do t_on_exit "ip link del $i"; done
}
# t_mon_cleanup_check BR PIN "NS..." "GUEST-IF..." "UPLINK-IF...": take down
# now what a test with monitored namespace guests made (the bridge, the
# monitor, the namespaces, the guests' host-side veths; the uplinks go with
# the monitor), then check that none of it is left.
t_mon_cleanup_check() {
  local br=$1 pin=$2 nss=$3 gs=$4 us=$5 i left="" re
  ovs-vsctl --timeout=10 --if-exists del-br "$br"
  "$VF_BUILD/tools/monctl" -d "$pin" destroy >/dev/null 2>&1
  for i in $nss; do ip netns del "$i"; done
  for i in $gs; do ip link del "$i" 2>/dev/null; done
  re=$(echo $nss | tr ' ' '|')
  ip netns list | grep -qE "^($re)( |$)" && left="$left netns"
  for i in $gs $us; do ip link show "$i" >/dev/null 2>&1 && left="$left $i"; done
  ovs-vsctl --timeout=5 br-exists "$br" 2>/dev/null && left="$left $br"
  [ -e "$pin" ] && left="$left $pin"
  t_check "$T_NAME: cleanup left no namespace, bridge, veth or pin${left:+ (left:$left)}" test -z "$left"
}
# t_controller_connected BR: the bridge's controller connection is up.
t_controller_connected() {
  [ "$(ovs-vsctl --timeout=5 get controller "$1" is_connected 2>/dev/null)" = true ]
}
# ---- QEMU guests (scripts/guest-image, guest-boot, guest-run; docs/monitor.md) ----
# need_guest: SKIP unless QEMU, socat and a kernel with modules exist; then builds
# the image (cached in build/guest) or FAILs.
need_guest() {
  need_cmd qemu-system-x86_64 socat busybox
  ls /boot/vmlinuz-* >/dev/null 2>&1 ||
    { t_skip "${T_NAME:-test}: no guest kernel in /boot (install linux-image-amd64)"; exit 0; }
  "$VF_ROOT/scripts/guest-image" >&2 || { t_fail "${T_NAME:-test}: scripts/guest-image failed"; exit 1; }
}
# guest_boot RUNDIR [guest-boot options]: boots a guest; it is killed on exit.
guest_boot() {
  local run=$1; shift
  t_on_exit "guest_stop $run"
  "$VF_ROOT/scripts/guest-boot" -d "$run" "$@"
}
# guest_run [-t SECONDS] RUNDIR CMD...: a command in the guest; its output and status.
guest_run() {
  local t=()
  [ "$1" = -t ] && { t=(-t "$2"); shift 2; }
  local run=$1; shift
  "$VF_ROOT/scripts/guest-run" "${t[@]}" "$run/cmd.sock" "$@"
}
# guest_stop RUNDIR: kills QEMU by its pid and waits until it is gone.
guest_stop() {
  local pid
  pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  # Gone, or a zombie waiting for its reaper (QEMU daemonized: not our child).
  t_wait_for 5 bash -c "! kill -0 $pid 2>/dev/null || [ \"\$(ps -o stat= -p $pid)\" = Z ]" ||
    kill -9 "$pid" 2>/dev/null
  rm -f "$1/qemu.pid"
}
