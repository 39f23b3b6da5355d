#!/usr/bin/env bash
# portscan_ovs.sh - the portscan app in front of l2_learning, in visorflowd's
# protection domain, driving a real Open vSwitch bridge (userspace datapath)
# with namespace hosts: B the victim (a web server on 8080, TCP 22, UDP 53),
# C a benign client opening a new connection to B every 0.1 s throughout,
# and one scanner host per scan (S1..S4) plus a flooder F:
#   nmap -sS -T4, nmap -sU (10 ports), nmap -sF, an ICMP ping sweep
#   (nmap -sn -PE --disable-arp-ping), nmap -sT -T5, then hping3 --flood -S.
# For each scan: the scanner is blocked (dump-flows shows its drop flow:
# priority 65024, in_port and dl_src, hard timeout 300) and its traffic to B
# stops, while every connection of C succeeds. For the flood: the flooder's
# port gets the short table-miss drop flow (priority 1). Throughout: the
# OpenFlow connection never dropped (ovsdb is_connected, no "connection
# dropped"/"inactivity probe" for this bridge in ovs-vswitchd.log, one
# connection accepted and the same peer in visorflowctl status).
set -u
T_NAME=portscan_ovs
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd ip ethtool ping python3 nmap hping3 socat ss timeout
need_ovs
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] && [ -x "$CTL" ] || { t_fail "$T_NAME: $VFD or $CTL not built"; exit 1; }
OVSLOG=/var/log/openvswitch/ovs-vswitchd.log

BR=vps$T_ID
TMP=$(mktemp -d /tmp/vf-ps.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
PORT=$(t_free_port) || { t_fail "$T_NAME: no free port"; exit 1; }
SOCK=$TMP/ctl.sock
export VISORFLOW_SOCK=$SOCK
mkdir -p "$TMP/apps" "$TMP/records"
cp "$VF_ROOT/lua/apps/portscan.lua" "$VF_ROOT/lua/apps/l2_learning.lua" "$TMP/apps/"
cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$PORT
apps = portscan, l2_learning
app_dir = $TMP/apps
[daemon]
control = $SOCK
record_dir = $TMP/records
log_level = info
CONF
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null"
t_wait_for 10 test -S "$SOCK" || { t_fail "$T_NAME: visorflowd did not start: $(tail -5 "$TMP/vfd.log")"; exit 1; }

OVSLOG_START=$(wc -l <"$OVSLOG" 2>/dev/null || echo 0)
t_add_bridge "$BR" || { t_fail "$T_NAME: cannot create bridge"; exit 1; }
# name:address; the OpenFlow port numbers follow the order of creation
HOSTS="b:2 c:3 s1:11 s2:12 s3:13 s4:14 s5:16 f:15"
for h in $HOSTS; do
  n=${h%%:*} a=${h##*:}
  t_add_host "vps${T_ID}$n" "vps${T_ID}p$n" "10.214.0.$a" "$BR" ||
    { t_fail "$T_NAME: cannot create host $n"; exit 1; }
  # whatever still runs in it (socat's children serving a connection) goes first
  t_on_exit "ip netns pids vps${T_ID}$n 2>/dev/null | xargs -r kill 2>/dev/null"
done
in_ns() { local n=$1; shift; ip netns exec "vps${T_ID}$n" "$@"; }
# bg_ns HOST OUT CMD...: CMD in HOST's namespace in the background, killed on
# exit (ip netns exec execs CMD itself: $! is CMD, not a subshell); BG=pid.
bg_ns() {
  local n=$1 out=$2; shift 2
  ip netns exec "vps${T_ID}$n" "$@" >"$out" 2>&1 &
  BG=$!
  t_on_exit "kill $BG 2>/dev/null"
}
mac_of() { in_ns "$1" cat /sys/class/net/eth0/address; }
ofport_of() { ovs-vsctl get interface "vps${T_ID}p$1" ofport; }
B=10.214.0.2
ovs-vsctl set-controller "$BR" "tcp:127.0.0.1:$PORT"
t_wait_for 15 t_controller_connected "$BR" || { t_fail "$T_NAME: OVS did not connect"; exit 1; }
# "    switch DPID peer 127.0.0.1:PORT up ...": the peer names the TCP connection
peer_of() { "$CTL" status 2>/dev/null | awk '$1 == "switch" && $3 == "peer" {print $4; exit}'; }
t_wait_for 5 eval '[ -n "$(peer_of)" ]' || { t_fail "$T_NAME: the switch is not in visorflowctl status"; exit 1; }
PEER0=$(peer_of)

# ---- B's services and C's steady benign traffic ------------------------------
bg_ns b /dev/null python3 -m http.server 8080 --bind $B
bg_ns b /dev/null socat TCP4-LISTEN:22,bind=$B,fork,reuseaddr EXEC:/bin/cat
bg_ns b /dev/null socat UDP4-RECVFROM:53,bind=$B,fork EXEC:/bin/cat
t_wait_for 5 in_ns c python3 -c "import socket; socket.create_connection(('$B', 8080), 1)" 2>/dev/null ||
  { t_fail "$T_NAME: C cannot reach B's web server"; exit 1; }

cat >"$TMP/client.py" <<'PY'
# A new connection to B every 0.1 s (each a new flow: a PACKET_IN), one line
# per failure, a summary "ok N fail N" on SIGTERM.
import signal, socket, sys, time
host, stop, ok, fail = sys.argv[1], False, 0, 0
def end(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, end)
while not stop:
    t = time.time()
    try:
        s = socket.create_connection((host, 8080), timeout=3)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        good = s.recv(16).startswith(b"HTTP/1.0 200")
        s.close()
    except OSError as e:
        good = False
        print("%.3f %s" % (t, e), flush=True)
    ok, fail = ok + good, fail + (not good)
    time.sleep(0.1)
print("ok %d fail %d" % (ok, fail), flush=True)
PY
bg_ns c "$TMP/client.out" python3 "$TMP/client.py" $B
CLIENT=$BG

# ---- scans --------------------------------------------------------------------
# scan NAME HOST NMAP-ARGS...: run it, then check the block and its effects.
scan() {
  local name=$1 h=$2; shift 2
  local mac port t0 t1 flow
  mac=$(mac_of "$h") port=$(ofport_of "$h")
  t0=$(date +%s.%N)
  in_ns "$h" timeout 120 nmap -n "$@" >"$TMP/nmap-$h.txt" 2>&1
  t1=$(date +%s.%N)
  # a sweep's last timeouts may still be running when nmap ends: up to 5 s
  drop_flow() {
    ovs-ofctl -O OpenFlow10 dump-flows "$BR" | grep "priority=65024" | grep "in_port=$port" |
      grep -i "dl_src=$mac"
  }
  t_wait_for 5 eval 'drop_flow >/dev/null'
  flow=$(drop_flow)
  echo "# $name from $h (port $port, $mac): nmap ran $(echo "$t1 - $t0" | bc) s; flow: ${flow:-none}"
  t_check "$T_NAME: $name: the scanner is blocked: drop flow priority=65024 in_port=$port dl_src=$mac hard_timeout=300" \
    eval "echo '$flow' | grep -q 'hard_timeout=300' && echo '$flow' | grep -q 'actions=drop'"
  local blocked_log
  blocked_log=$(grep "app:portscan: .* port $port $mac .*blocked for" "$TMP/vfd.log" | tail -1)
  echo "# ${blocked_log#*app:portscan: }"
  if in_ns "$h" ping -c 2 -i 0.2 -W 1 $B >/dev/null 2>&1 ||
     in_ns "$h" timeout 3 python3 -c "import socket; socket.create_connection(('$B', 8080), 2)" 2>/dev/null; then
    t_fail "$T_NAME: $name: the scanner still reaches B"
  else
    t_pass "$T_NAME: $name: the scanner's traffic to B stops (ping and TCP 8080 fail)"
  fi
}

# Once blocked, a scanner's probes vanish: nmap's retries and back-off would
# stretch each scan to a minute; fewer retries keep the test short.
QUICK="--max-retries 0 --max-rtt-timeout 300ms"
scan "nmap -sS -T4" s1 -sS -T4 -Pn -p 1-200 $QUICK $B
scan "nmap -sU (10 ports)" s2 -sU -T4 -Pn -p 53,67,68,69,123,137,161,500,514,1900 $B
scan "nmap -sF" s3 -sF -T4 -Pn -p 1-200 $QUICK $B
scan "ping sweep (nmap -sn -PE)" s4 -sn -PE --disable-arp-ping -T4 $QUICK 10.214.0.0/24
scan "nmap -sT -T5 (connect)" s5 -sT -T5 -Pn -p 1-1000 $QUICK $B

# ---- a SYN flood: the PACKET_IN budget ----------------------------------------
FPORT=$(ofport_of f)
bg_ns f "$TMP/hping.txt" timeout 6 hping3 --flood -S -p 8080 $B
HPING=$BG
seen=
while kill -0 $HPING 2>/dev/null; do # the limit flow, as the switch has it
  [ -z "$seen" ] && seen=$(ovs-ofctl -O OpenFlow10 dump-flows "$BR" |
    grep "priority=1,in_port=$FPORT " | grep "hard_timeout=2" | grep "actions=drop")
  sleep 0.2
done
wait $HPING 2>/dev/null
limit=$(grep -c "port $FPORT: over 1000 PACKET_IN/s" "$TMP/vfd.log")
echo "# hping3 --flood -S: $(grep -o '[0-9]* packets transmitted' "$TMP/hping.txt"); port $FPORT limited $limit times; flow: ${seen:-none}"
t_check "$T_NAME: hping3 --flood -S: the flooder's port got the table-miss drop flow (priority 1, in_port=$FPORT, hard timeout 2; $limit times)" \
  eval "[ '$limit' -ge 1 ] && [ -n '$seen' ]"
sleep 1

# ---- throughout ---------------------------------------------------------------------
kill -TERM $CLIENT
wait $CLIENT
summary=$(tail -1 "$TMP/client.out")
echo "# C's connections to B during all of it: $summary"
t_check "$T_NAME: C's traffic to B kept working throughout: $summary, none failed" \
  eval "echo '$summary' | grep -qE '^ok [1-9][0-9]* fail 0$'"
t_check "$T_NAME: the controller connection stayed up (ovsdb is_connected)" t_controller_connected "$BR"
drops=$(tail -n +"$((OVSLOG_START + 1))" "$OVSLOG" | grep "$BR<->" | grep -cE "connection dropped|inactivity probe")
t_check "$T_NAME: ovs-vswitchd.log: no 'connection dropped' or 'inactivity probe' for $BR ($drops)" test "$drops" -eq 0
"$CTL" status >"$TMP/status.txt"
peer=$(peer_of)
t_check "$T_NAME: visorflowctl status: the same connection ($PEER0 = $peer), one accepted, no disconnects, no echo timeouts" \
  eval "[ -n '$PEER0' ] && [ '$peer' = '$PEER0' ] &&
        grep -q 'counters: accepted 1 handshakes 1 disconnects 0 .* echo_timeouts 0 ' '$TMP/status.txt'"
t_check "$T_NAME: no app handler errors" eval "! grep -q 'app:[a-z_0-9]*: [a-z_]* failed:' '$TMP/vfd.log'"
t_check "$T_NAME: the blocks are recorded (portscan-portscan.csv, 5 blocks)" \
  eval "[ \$(grep -c ',block,' '$TMP/records/portscan-portscan.csv') -eq 5 ]"
exit 0
