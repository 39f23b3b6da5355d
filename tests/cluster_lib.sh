# cluster_lib.sh - a cluster on one machine, for tests/integration/cluster_etcd.sh
# and bench/cluster.sh (source tests/lib.sh first): a 3-member etcd cluster on
# loopback ports, N visorflowd instances in one [cluster], and OVS bridges
# chained by patch ports, each connected to every instance (docs/cluster.md).
#
#   cl_etcd_start DIR N          etcd members 1..N: ETCD_CLIENT[i] ETCD_PID[i]
#   cl_etcd_kill I               SIGKILL member I
#   cl_etcd_endpoints            "http://127.0.0.1:P1, http://..."
#   cl_vfd_start DIR I APPS [LTTL] [EXTRA]  instance nI: OF_PORT[i] SOCK[i] VFD_PID[i]
#                                (EXTRA: more configuration lines, kept for restarts)
#   cl_vfd_kill I                SIGKILL instance I (its domains die with it)
#   cl_ctl I ARGS...             visorflowctl of instance I
#   cl_role I DPID               master|slave|none|"" as instance I sees it
#   cl_masters DPID              instances that say they are master of DPID
#   cl_bridges PREFIX N          bridges PREFIX1..N chained by patch ports
#   cl_dpid BR                   the bridge's datapath id (16 hex digits)

CL_INST=${CL_INST:-3}
declare -a ETCD_CLIENT ETCD_PEER ETCD_PID OF_PORT SOCK VFD_PID

# a free port not among the ones this file handed out already
CL_USED=" "
cl_port() {
  local p
  for _ in 1 2 3 4 5 6 7 8; do
    p=$(t_free_port) || return 1
    case "$CL_USED" in *" $p "*) continue ;; esac
    CL_USED+="$p "
    echo "$p"
    return 0
  done
  return 1
}

cl_etcd_start() {
  local dir=$1 n=$2 i cluster=""
  for i in $(seq 1 "$n"); do
    ETCD_CLIENT[$i]=$(cl_port) || return 1
    ETCD_PEER[$i]=$(cl_port) || return 1
    cluster+="${cluster:+,}e$i=http://127.0.0.1:${ETCD_PEER[$i]}"
  done
  CL_ETCD_CLUSTER=$cluster CL_ETCD_DIR=$dir
  for i in $(seq 1 "$n"); do
    cl_etcd_run "$i" new || return 1
  done
  t_wait_for 20 etcdctl --endpoints "$(cl_etcd_endpoints | tr -d ' ')" endpoint health \
    >/dev/null 2>&1
}

# cl_etcd_run I new|existing: start member I (again: its data dir is kept)
cl_etcd_run() {
  local i=$1 dir=$CL_ETCD_DIR
  mkdir -p "$dir/etcd$i"
  # a heartbeat of 100 ms and an election timeout of 1 s are etcd's
  # defaults; spelled out because the failover bound depends on them
  etcd --name "e$i" --data-dir "$dir/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
    --initial-cluster "$CL_ETCD_CLUSTER" --initial-cluster-token "vf-$T_ID-$$" \
    --initial-cluster-state "$2" --heartbeat-interval 100 --election-timeout 1000 \
    >>"$dir/etcd$i.log" 2>&1 &
  ETCD_PID[$i]=$!
  t_on_exit "kill -9 ${ETCD_PID[$i]} 2>/dev/null; wait ${ETCD_PID[$i]} 2>/dev/null"
}

# (CL_SCHEME=https for members that serve TLS)
cl_etcd_endpoints() {
  local i out=""
  for i in "${!ETCD_CLIENT[@]}"; do out+="${out:+, }${CL_SCHEME:-http}://127.0.0.1:${ETCD_CLIENT[$i]}"; done
  echo "$out"
}

cl_etcd_kill() { kill -9 "${ETCD_PID[$1]}" 2>/dev/null; wait "${ETCD_PID[$1]}" 2>/dev/null; }

# the member etcd says is the leader (1..N), "" if none answers
cl_etcd_leader() {
  local i
  for i in "${!ETCD_CLIENT[@]}"; do
    kill -0 "${ETCD_PID[$i]}" 2>/dev/null || continue
    etcdctl --endpoints "127.0.0.1:${ETCD_CLIENT[$i]}" endpoint status -w fields 2>/dev/null |
      grep -q '"Leader" : \([0-9]*\)$' || continue
    local me lead
    me=$(etcdctl --endpoints "127.0.0.1:${ETCD_CLIENT[$i]}" endpoint status -w fields 2>/dev/null |
      sed -n 's/^"MemberID" : //p')
    lead=$(etcdctl --endpoints "127.0.0.1:${ETCD_CLIENT[$i]}" endpoint status -w fields 2>/dev/null |
      sed -n 's/^"Leader" : //p')
    [ -n "$me" ] && [ "$me" = "$lead" ] && { echo "$i"; return 0; }
  done
}

declare -a CL_EXTRA
cl_vfd_start() {
  local dir=$1 i=$2 apps=$3 ttl=${4:-2} extra=${5:-${CL_EXTRA[$2]:-}}
  CL_EXTRA[$i]=$extra # a restart keeps it
  OF_PORT[$i]=$(cl_port) || return 1
  SOCK[$i]=$dir/n$i.sock
  mkdir -p "$dir/apps"
  cat >"$dir/n$i.conf" <<CONF
[controller]
listen = 127.0.0.1:${OF_PORT[$i]}
apps = $apps
app_dir = $dir/apps
[daemon]
control = ${SOCK[$i]}
log_level = info
[cluster]
name = n$i
endpoints = $(cl_etcd_endpoints)
prefix = /vf-$T_ID
lease_ttl = $ttl
request_timeout = 1s
$extra
CONF
  "$VF_BUILD/visorflowd" -c "$dir/n$i.conf" >"$dir/n$i.log" 2>&1 &
  VFD_PID[$i]=$!
  t_on_exit "kill ${VFD_PID[$i]} 2>/dev/null; wait ${VFD_PID[$i]} 2>/dev/null"
  t_wait_for 10 test -S "${SOCK[$i]}"
}

cl_vfd_kill() { kill -9 "${VFD_PID[$1]}" 2>/dev/null; wait "${VFD_PID[$1]}" 2>/dev/null; }

cl_ctl() { local i=$1; shift; "$VF_BUILD/visorflowctl" -s "${SOCK[$i]}" "$@"; }

# instance I's role for DPID, from its cluster domain ("" when it does not answer)
cl_role() {
  cl_ctl "$1" --json cluster 2>/dev/null |
    python3 -c "import json,sys
d=json.load(sys.stdin)
print(next((s['role'] for s in d['switches'] if s['dpid']=='$2'),'none'))" 2>/dev/null
}

# instances (running ones) that are master of DPID, space separated
cl_masters() {
  local i out=""
  for i in "${!VFD_PID[@]}"; do
    kill -0 "${VFD_PID[$i]}" 2>/dev/null || continue
    [ "$(cl_role "$i" "$1")" = master ] && out+="${out:+ }$i"
  done
  echo "$out"
}

cl_connected() { cl_ctl "$1" --json cluster 2>/dev/null | grep -q '"connected":true'; }

# bridges PREFIX1..N chained by patch ports (PREFIXi-r <-> PREFIX(i+1)-l), each
# with every running instance as a controller
cl_bridges() {
  local p=$1 n=$2 i targets="" k
  for k in "${!OF_PORT[@]}"; do targets+=" tcp:127.0.0.1:${OF_PORT[$k]}"; done
  for i in $(seq 1 "$n"); do
    t_add_bridge "$p$i" other-config:datapath-id="$(printf '%016x' $((0x7f00 + i)))" || return 1
  done
  for i in $(seq 1 $((n - 1))); do
    ovs-vsctl --timeout=10 add-port "$p$i" "$p${i}r" -- set interface "$p${i}r" type=patch \
        options:peer="$p$((i + 1))l" \
      -- add-port "$p$((i + 1))" "$p$((i + 1))l" -- set interface "$p$((i + 1))l" type=patch \
        options:peer="$p${i}r" || return 1
  done
  for i in $(seq 1 "$n"); do
    # shellcheck disable=SC2086
    ovs-vsctl --timeout=10 set-controller "$p$i" $targets || return 1
  done
}

cl_dpid() { ovs-vsctl get bridge "$1" datapath_id | tr -d '"'; }
