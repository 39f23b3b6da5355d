#!/usr/bin/env bash
# Installs, idempotently, every Debian package visorflow builds, tests or demos with,
# and starts Open vSwitch (userspace datapath only: the kernel module is not needed).
# Safe to run again: it installs only what is missing and starts OVS only when down.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang llvm libclang-rt-14-dev
  liblua5.4-dev lua5.4 libseccomp-dev libssl-dev libcmocka-dev
  libbpf-dev libelf-dev zlib1g-dev
  openvswitch-switch openvswitch-common openvswitch-testcontroller
  openvswitch-pki openssl
  tshark tcpdump iproute2 ethtool iputils-ping iperf3 nmap gnuplot-nox
  procps psmisc
  # bench/overhead.sh reads iperf3's JSON
  jq
  # the QEMU test guest (scripts/guest-image, guest-boot, guest-run)
  qemu-system-x86 linux-image-amd64 busybox-static socat cpio xz-utils
  # vfguest is a static musl binary
  musl-tools python3
  # scan tests and bench/scan.sh
  hping3 bc traceroute
  # the cluster (tests/integration/cluster_etcd.sh, etcd_codec.sh, bench/cluster.sh):
  # etcd 3.4 and etcdctl, curl for a member's health
  etcd-server etcd-client curl
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages (${missing[*]}) and not root: run as root" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Open vSwitch: ovsdb-server + ovs-vswitchd, without the kernel module
# (tests use datapath_type=netdev). ovs-ctl is idempotent but slow; check first.
if [ "$(id -u)" -eq 0 ] && ! ovs-vsctl --timeout=2 show >/dev/null 2>&1; then
  echo "deps: starting Open vSwitch (userspace datapath)"
  /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random \
    --no-ovs-vswitchd >/dev/null
  /usr/share/openvswitch/scripts/ovs-ctl start --no-ovsdb-server \
    --no-mlockall >/dev/null 2>&1 ||
    /usr/share/openvswitch/scripts/ovs-ctl start --no-ovsdb-server >/dev/null
fi
exit 0
