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
