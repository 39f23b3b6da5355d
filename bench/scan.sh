#!/usr/bin/env bash
# bench/scan.sh - what lua/apps/portscan.lua detects, how fast, and what it
# costs, against real nmap on a real Open vSwitch bridge (userspace datapath)
# with namespace hosts, visorflowd running `apps = portscan, l2_learning`:
#
#   cost      first-packet latency with and without the app: TCP connect
#             time of new connections (SYN and SYN-ACK are both PACKET_INs)
#             and ping RTT with the flow table emptied before each ping
#   matrix    every nmap scan type and timing, each from a fresh scanner host
#             (the sender is switch port + MAC): frames the scanner sent,
#             frames of it that reached the victim B (tcpdump on B's port),
#             time from its first frame to the drop flow confirmed by the
#             barrier (the app's log), which test convicted it
#   benign    throughout the matrix, a benign mix against B: a web client
#             (a new connection every 50 ms), retries against a closed
#             port, ping, UDP request/answer, iperf3 -P 8, traceroute, an
#             idle TCP session used every 20 s; false positives = blocks of
#             benign hosts and failed benign operations
#
# Usage: bench/scan.sh [--quick] [--slow]
#   --quick   skip the -T1 scan (about 80 s)
#   --slow    add -T0 (5 minutes between probes: about 30 minutes)
# Prints a markdown table for docs/benchmarks.md. Needs root, OVS, nmap,
# socat, tcpdump, iperf3, traceroute (scripts/deps.sh installs them).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
VF_BUILD=${VF_BUILD:-$ROOT/build}
. tests/lib.sh
QUICK=0 SLOW=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --slow) SLOW=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scan.sh: unknown argument $a (see --help)" >&2; exit 2 ;;
  esac
done
T_NAME=bench_scan
need_root "$T_NAME"
need_cmd ip ethtool ping python3 nmap socat tcpdump tshark iperf3 traceroute bc timeout
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] || { echo "scan.sh: build first (make)" >&2; exit 1; }

BR=vsb$T_ID NET=10.216.0 B=10.216.0.2
TMP=$(mktemp -d /tmp/vf-bench-scan.XXXXXX)
# KEEP=1 keeps the logs, captures and records for a look afterwards
[ -n "${KEEP:-}" ] && echo "# keeping $TMP" || t_on_exit "rm -rf '$TMP'"
PORT=$(t_free_port) || exit 1
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
mkdir -p "$TMP/apps" "$TMP/records"
cp lua/apps/portscan.lua lua/apps/l2_learning.lua "$TMP/apps/"

VFD_PID=
start_vfd() { # APPS
  [ -n "$VFD_PID" ] && { kill "$VFD_PID"; wait "$VFD_PID" 2>/dev/null; }
  cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = $1
app_dir = $TMP/apps
[daemon]
control = $SOCK
record_dir = $TMP/records
log_level = info
CONF
  rm -f "$SOCK"
  "$VFD" -c "$TMP/vf.conf" >>"$TMP/vfd.log" 2>&1 &
  VFD_PID=$!
  t_wait_for 10 test -S "$SOCK" &&
    t_wait_for 15 eval '"$CTL" status 2>/dev/null | grep -q "^ *switch [0-9a-f]* peer"'
}
t_on_exit 'kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null'

t_add_bridge "$BR" || exit 1
NHOST=0
# add_host NAME: a namespace host on the bridge, 10.216.0.(NHOST+2)
add_host() {
  local a=$((NHOST + 2))
  NHOST=$((NHOST + 1))
  t_add_host "vsb${T_ID}$1" "vsb${T_ID}p$1" "$NET.$a" "$BR" || { echo "scan.sh: cannot add host $1" >&2; exit 1; }
  # whatever still runs in it (socat's children serving a connection) goes first
  t_on_exit "ip netns pids vsb${T_ID}$1 2>/dev/null | xargs -r kill 2>/dev/null"
}
in_ns() { local n=$1; shift; ip netns exec "vsb${T_ID}$n" "$@"; }
bg_ns() { # HOST OUT CMD...: BG=pid (ip netns exec execs CMD: $! is CMD itself)
  local n=$1 out=$2; shift 2
  ip netns exec "vsb${T_ID}$n" "$@" >"$out" 2>&1 &
  BG=$!
  t_on_exit "kill $BG 2>/dev/null"
}
mac_of() { in_ns "$1" cat /sys/class/net/eth0/address; }
add_host b # 10.216.0.2, the victim
add_host c # .3, benign client
add_host e # .4, benign client
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
ovs-vsctl set controller "$BR" max_backoff=1000 # reconnect fast after each restart
bg_ns b /dev/null python3 -m http.server 8080 --bind $B
bg_ns b /dev/null socat TCP4-LISTEN:22,bind=$B,fork,reuseaddr EXEC:/bin/cat
bg_ns b /dev/null socat UDP4-RECVFROM:53,bind=$B,fork EXEC:/bin/cat
bg_ns b /dev/null iperf3 -s -p 5201

# ---- cost: first packets with and without the app ----------------------------------
cat >"$TMP/connect.py" <<'PY'
# N sequential new TCP connections; prints connect() times in microseconds
import socket, sys, time
host, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    t = time.perf_counter()
    s = socket.create_connection((host, 8080), timeout=3)
    print(int((time.perf_counter() - t) * 1e6))
    s.close()
    time.sleep(0.02)
PY
stats() { sort -n | awk '{v[NR]=$1} END {printf "%d %d %d", v[int(NR*0.5)+1], v[int(NR*0.9)+1], v[int(NR*0.99)+1]}'; }
ping_first() { # 20 pings, the flow table emptied before each: RTT in us
  local i
  for i in $(seq 20); do
    ovs-ofctl -O OpenFlow10 del-flows "$BR"
    in_ns c ping -c 1 -W 2 $B | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | awk '{print int($1 * 1000)}'
  done
}
# The controller's own time per PACKET_IN, seen on the loopback: from the
# frame carrying a PACKET_IN to the next frame from the controller carrying a
# FLOW_MOD or PACKET_OUT (the connections are made one at a time).
response_times() { # PCAP
  tshark -r "$1" -d tcp.port==$PORT,openflow -T fields -e frame.time_epoch -e tcp.srcport \
    -e openflow_1_0.type 2>/dev/null |
    awk -v port=$PORT '{ split($2, sp, ",") } # the first port is the OpenFlow connection
      sp[1] != port && $3 ~ /(^|,)10(,|$)/ { if (!w) { t = $1; w = 1 } next }
      sp[1] == port && $3 ~ /(^|,)1[34](,|$)/ && w { printf "%d\n", ($1 - t) * 1e6; w = 0 }'
}
declare -A COST
for round in 1 2 3; do
  for apps in "l2_learning" "portscan, l2_learning"; do
    k=${apps%%,*}
    start_vfd "$apps" || { echo "scan.sh: visorflowd did not come up" >&2; exit 1; }
    in_ns c python3 "$TMP/connect.py" $B 20 >/dev/null # warm up: ARP, MACs learned
    tcpdump -i lo -nn -U -w "$TMP/lo-$k-$round.pcap" "tcp port $PORT" >/dev/null 2>&1 &
    cap=$!
    sleep 0.5
    in_ns c python3 "$TMP/connect.py" $B 200 >>"$TMP/connect-$k.txt"
    sleep 0.3
    kill $cap; wait $cap 2>/dev/null
    response_times "$TMP/lo-$k-$round.pcap" >>"$TMP/resp-$k.txt"
    ping_first >>"$TMP/ping-$k.txt"
  done
done
for k in l2_learning portscan; do
  COST[$k.c]=$(stats <"$TMP/connect-$k.txt") COST[$k.p]=$(stats <"$TMP/ping-$k.txt")
  COST[$k.r]=$(stats <"$TMP/resp-$k.txt") COST[$k.n]=$(wc -l <"$TMP/resp-$k.txt")
done
start_vfd "portscan, l2_learning" || exit 1

# ---- the benign mix, in the background throughout -------------------------------------
cat >"$TMP/benign.py" <<'PY'
# The benign mix from one host; one line per failure, "ok N fail N" at the end.
import signal, socket, subprocess, sys, time
host, mode = sys.argv[1], sys.argv[2]
stop, ok, fail = False, 0, 0
def end(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, end)
def check(name, fn):
    global ok, fail
    try:
        fn()
        ok += 1
    except Exception as e:
        fail += 1
        print("%.3f %s: %s" % (time.time(), name, e), flush=True)
def web():
    s = socket.create_connection((host, 8080), timeout=3)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    assert s.recv(16).startswith(b"HTTP/1.0 200")
    s.close()
def closed():  # a service that is down: refused, quickly, every time
    try:
        socket.create_connection((host, 9999), timeout=3)
    except ConnectionRefusedError:
        return
    raise RuntimeError("not refused")
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"hello", (host, 53))
    assert s.recv(64) == b"hello"
    s.close()
def ping():
    subprocess.run(["ping", "-c", "1", "-W", "3", host], check=True, stdout=subprocess.DEVNULL)
def trace():
    subprocess.run(["traceroute", "-n", "-w", "2", host], check=True, stdout=subprocess.DEVNULL)
def iperf():
    subprocess.run(["iperf3", "-c", host, "-P", "8", "-t", "3"], check=True, stdout=subprocess.DEVNULL)
idle = socket.create_connection((host, 22), timeout=3) if mode == "e" else None
def session():  # the same connection, idle for 20 s between uses (flows expire after 10)
    idle.sendall(b"ping\n")
    assert idle.recv(16) == b"ping\n"
n = 0
while not stop:
    if mode == "c":
        check("web", web)
        if n % 20 == 0: check("closed", closed)
        if n % 600 == 300: check("traceroute", trace)
        time.sleep(0.05)
    else:
        check("ping", ping)
        check("udp", udp)
        if n % 20 == 0: check("session", session)
        if n % 60 == 5: check("iperf3", iperf)
        time.sleep(1)
    n += 1
print("ok %d fail %d" % (ok, fail), flush=True)
PY
bg_ns c "$TMP/benign-c.out" python3 "$TMP/benign.py" $B c
BENIGN_C=$BG
bg_ns e "$TMP/benign-e.out" python3 "$TMP/benign.py" $B e
BENIGN_E=$BG
BENIGN_MACS="$(mac_of b) $(mac_of c) $(mac_of e)"

# ---- the scan matrix -------------------------------------------------------------------
ROWS=()
NS=0
epoch() { date -d "$1" +%s.%3N; }
# run_scan LABEL NHOSTS NMAP-ARGS... : NHOSTS scanner hosts run nmap at once;
# the first host's args are NMAP-ARGS, host i gets "${SPLIT[i]}" appended when
# SPLIT is set. Stops nmap once every scanner is blocked (or after LIMIT s).
run_scan() {
  local label=$1 n=$2; shift 2
  local hosts=() i h macs=() pids=() caps=()
  # Each scan on its own: a reload forgets what the app learned (earlier
  # scanners of B would otherwise make this one "join a distributed scan")
  # and keeps the blocks.
  local try
  for try in 1 2 3 4 5; do
    "$CTL" reload 2>&1 | grep -q 'already in progress' || break
    sleep 0.3
  done
  for ((i = 0; i < n; i++)); do
    NS=$((NS + 1)); h=s$NS
    add_host "$h"; hosts+=("$h"); macs+=("$(mac_of "$h")")
  done
  local bport=vsb${T_ID}pb
  tcpdump -i "$bport" -nn -U -w "$TMP/b-$NS.pcap" >/dev/null 2>&1 &
  caps+=($!)
  for ((i = 0; i < n; i++)); do
    tcpdump -i "vsb${T_ID}p${hosts[i]}" -nn -U -w "$TMP/s-${hosts[i]}.pcap" -Q in >/dev/null 2>&1 &
    caps+=($!)
  done
  sleep 1
  for ((i = 0; i < n; i++)); do
    ip netns exec "vsb${T_ID}${hosts[i]}" timeout "${LIMIT:-60}" nmap -n "$@" ${SPLIT[i]:-} \
      >"$TMP/nmap-${hosts[i]}.txt" 2>&1 &
    pids+=($!)
  done
  local t0=$SECONDS all
  while :; do
    all=1
    for m in "${macs[@]}"; do grep -q "$m: drop flow confirmed" "$TMP/vfd.log" || all=0; done
    [ $all = 1 ] && { sleep 1; break; }
    local running=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
    [ $running = 0 ] && { sleep "${GRACE:-4}"; break; } # answer_timeout may still convict
    [ $((SECONDS - t0)) -gt "${LIMIT:-60}" ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${caps[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  local sent=0 reached=0 blocked=0 worst="" why=""
  for ((i = 0; i < n; i++)); do
    local m=${macs[i]} s r first line conf dt
    s=$(tcpdump -r "$TMP/s-${hosts[i]}.pcap" -nn "ether src $m" 2>/dev/null | wc -l)
    r=$(tcpdump -r "$TMP/b-$NS.pcap" -nn "ether src $m" 2>/dev/null | wc -l)
    sent=$((sent + s)) reached=$((reached + r))
    first=$(tcpdump -r "$TMP/s-${hosts[i]}.pcap" -nn -tt -c 1 "ether src $m" 2>/dev/null | awk '{print $1}')
    line=$(grep "$m: drop flow confirmed" "$TMP/vfd.log" | tail -1)
    if [ -n "$line" ] && [ -n "$first" ]; then
      blocked=$((blocked + 1))
      conf=$(epoch "${line%% *}")
      dt=$(echo "($conf - $first) * 1000" | bc | cut -d. -f1)
      [ -z "$worst" ] || [ "$dt" -gt "$worst" ] && worst=$dt
      why=$(grep "$m (IPs" "$TMP/vfd.log" | tail -1 | sed 's/.*blocked for [0-9]* s: \([^;]*\);.*/\1/')
    fi
  done
  [ "$n" -gt 1 ] && why="$why (and $((blocked - 1)) more)"
  local row
  row=$(printf '| %s | %d/%d | %d | %d | %s | %s |' "$label" "$blocked" "$n" "$sent" "$reached" \
    "${worst:-not blocked}" "${why:--}")
  echo "$row"
  ROWS+=("$row")
}

echo "# scans (victim $B, nmap $(nmap --version | awk 'NR==1{print $3}'))"
Q="--max-retries 1"
run_scan "nmap -sS -T3 -p 1-1000" 1 -sS -T3 -Pn -p 1-1000 $Q $B
run_scan "nmap -sS -T4 -p 1-1000" 1 -sS -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sS -T5 -p 1-1000" 1 -sS -T5 -Pn -p 1-1000 $Q $B
run_scan "nmap -sT -T4 (connect)" 1 -sT -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sF -T4 (FIN)" 1 -sF -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sN -T4 (NULL)" 1 -sN -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sX -T4 (Xmas)" 1 -sX -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sA -T4 (ACK)" 1 -sA -T4 -Pn -p 1-1000 $Q $B
run_scan "nmap -sU -T4 --top-ports 100" 1 -sU -T4 -Pn --top-ports 100 $Q $B
run_scan "nmap -sO -T4 (IP protocols)" 1 -sO -T4 -Pn $Q $B
run_scan "nmap -sn -PE --disable-arp-ping /24 (ICMP sweep)" 1 -sn -PE --disable-arp-ping -T4 $NET.0/24
run_scan "nmap -sn -PR /24 (ARP sweep)" 1 -sn -PR -T4 $NET.0/24
run_scan "nmap -sS -T4 -f (fragments)" 1 -sS -T4 -f -Pn -p 1-1000 $Q $B
run_scan "nmap -sS -T4 -D 3 decoys" 1 -sS -T4 -Pn -p 1-1000 $Q -D $NET.200,$NET.201,ME,$NET.202 $B
SPLIT=()
for i in $(seq 0 7); do SPLIT[i]="-p $((1000 + i * 3))-$((1002 + i * 3))"; done
run_scan "distributed: 8 hosts x 3 ports (-sS -T4)" 8 -sS -T4 -Pn $Q $B
SPLIT=()
if [ $QUICK = 0 ]; then
  LIMIT=150 run_scan "nmap -sS -T1 -p 1-20 (15 s between probes)" 1 -sS -T1 -Pn -p 1-20 $B
fi
if [ $SLOW = 1 ]; then
  LIMIT=2400 run_scan "nmap -sS -T0 -p 1-10 (5 min between probes)" 1 -sS -T0 -Pn -p 1-10 $B
fi

# ---- benign results ----------------------------------------------------------------------
kill -TERM "$BENIGN_C" "$BENIGN_E"
wait "$BENIGN_C" "$BENIGN_E" 2>/dev/null
fp=0 fpwhy=()
for m in $BENIGN_MACS; do
  if grep -q "$m (IPs" "$TMP/vfd.log"; then
    fp=$((fp + 1))
    fpwhy+=("$(grep "$m (IPs" "$TMP/vfd.log" | head -1 | sed 's/.*app:portscan: //')")
  fi
done
bc_=$(tail -1 "$TMP/benign-c.out") be_=$(tail -1 "$TMP/benign-e.out")
limits=$(grep -c "PACKET_IN/s" "$TMP/vfd.log")

echo
echo "## Scan detection (bench/scan.sh, $(date -u +%Y-%m-%d))"
echo
echo "| scan | blocked | frames sent | reached B | first frame -> drop flow confirmed (ms) | detected by |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Benign mix during the matrix (web client every 50 ms + closed-port retries + traceroute"
echo "from one host; ping, UDP, iperf3 -P 8, an idle session from another): host c $bc_,"
echo "host e $be_; benign hosts blocked: $fp; ports over the PACKET_IN budget: $limits."
grep -h "" "$TMP/benign-c.out" "$TMP/benign-e.out" | grep -v "^ok " | head -5 | sed 's/^/    failure: /'
for w in "${fpwhy[@]}"; do echo "    false positive: $w"; done
echo
echo "First-packet cost (median / p90 / p99, microseconds; per chain 600 new TCP connections"
echo "and 60 pings, in 3 interleaved rounds):"
echo
echo "| chain | controller: PACKET_IN -> answer on the loopback (n) | TCP connect (SYN, SYN-ACK both PACKET_INs) | ping, flow table emptied first |"
echo "|---|---|---|---|"
for k in l2_learning portscan; do
  name=$k; [ $k = portscan ] && name="portscan, l2_learning"
  set -- ${COST[$k.r]}; r="$1 / $2 / $3 (${COST[$k.n]})"
  set -- ${COST[$k.c]}; c="$1 / $2 / $3"
  set -- ${COST[$k.p]}; p="$1 / $2 / $3"
  echo "| $name | $r | $c | $p |"
done
