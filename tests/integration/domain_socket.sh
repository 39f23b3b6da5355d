#!/usr/bin/env bash
# domain_socket.sh - the Lua socket module inside a real of domain: an app
# connects to a TCP echo server the policy allows (connect_allow), talks to
# it, and is refused with a clear error for one it does not (another echo
# server, running, on a port outside the policy); it serves clients on a
# listening socket the core opened for it (listen_allow) with socket.select
# from a timer; and it is refused a listener outside its policy. The sockets
# come from the core; the data flows between the domain and the peer.
set -u
T_NAME=domain_socket
. "$(dirname "$0")/../lib.sh"
need_root "$T_NAME"
need_cmd python3 ss
VFD=$VF_BUILD/visorflowd CTL=$VF_BUILD/visorflowctl
[ -x "$VFD" ] && [ -x "$VF_BUILD/visorflow-domain" ] || { t_fail "$T_NAME: not built"; exit 1; }
TMP=$(mktemp -d /tmp/vf-sock.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"
mkdir -p "$TMP/apps" "$TMP/records"
OF=$(t_free_port) && ECHO=$(t_free_port "$OF") && DENY=$(t_free_port "$ECHO") &&
  SRV=$(t_free_port "$DENY") && SRV2=$(t_free_port "$SRV") || { t_fail "$T_NAME: no free ports"; exit 1; }

# Two echo servers on loopback: the policy allows one of them.
cat >"$TMP/echo.py" <<'PY'
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8)
    while True:
        c, _ = s.accept()
        def one(c=c):
            data = c.recv(4096)
            c.sendall(b"echo: " + data); c.close()
        threading.Thread(target=one, daemon=True).start()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
PY
python3 "$TMP/echo.py" "$ECHO" "$DENY" &
ECHO_PID=$!
t_on_exit "kill $ECHO_PID 2>/dev/null"
t_wait_for 10 eval "ss -Htln 'sport = :$ECHO' | grep -q . && ss -Htln 'sport = :$DENY' | grep -q ." ||
  { t_fail "$T_NAME: the echo servers did not start"; exit 1; }

cat >"$TMP/apps/sockapp.lua" <<'LUA'
-- sockapp.lua (test): the socket module from inside the of domain.
local cfg = vf.configure { echo = 0, deny = 0, srv = 0, srv2 = 0 }
local server

local function say(what, a, b) vf.record("sock", { what, tostring(a), tostring(b) }) end

vf.after(0.2, function()
    -- allowed: connect, send, receive a line, names of both ends
    local c, err = socket.connect("127.0.0.1", cfg.echo)
    if not c then return say("echo", nil, err) end
    c:settimeout(0) -- nothing sent yet, nothing to read: at once, "timeout"
    local none, terr = c:receive("*l")
    say("early", none, terr)
    c:settimeout(1)
    assert(c:send("hello from the domain\n"))
    local line, rerr = c:receive("*l")
    say("echo", line, rerr)
    local ip, port = c:getpeername()
    say("peer", ip, port)
    c:close()
    say("after_close", c:send("x"))
    -- denied by policy: nothing is made, the error says why
    local d, derr = socket.connect("127.0.0.1", cfg.deny)
    say("deny", d, derr)
    -- a server on a port the policy allows, polled from a timer
    server = socket.tcp()
    assert(server:bind("127.0.0.1", cfg.srv))
    local ok, lerr = server:listen(4)
    say("listen", ok, lerr)
    server:settimeout(0)
    -- and one it does not
    local s2 = socket.tcp()
    s2:bind("127.0.0.1", cfg.srv2)
    say("listen2", s2:listen(4))
end)

vf.every(0.05, function()
    if not server then return end
    local r = socket.select({ server }, nil, 0)
    if not r[server] then return end
    local c = server:accept()
    if not c then return end
    c:settimeout(1)
    local line = c:receive("*l")
    c:send(string.upper(line or "?") .. "\n")
    c:close()
    say("served", line, nil)
end)

return {}
LUA

cat >"$TMP/vf.conf" <<CONF
[controller]
listen = 127.0.0.1:$OF
apps = sockapp
app_dir = $TMP/apps
[app.sockapp]
echo = $ECHO
deny = $DENY
srv = $SRV
srv2 = $SRV2
[domain.of]
listen_allow = 127.0.0.1:$OF, 127.0.0.1:$SRV
connect_allow = 127.0.0.1:$ECHO
[daemon]
control = $TMP/ctl.sock
record_dir = $TMP/records
CONF
"$VFD" -c "$TMP/vf.conf" >"$TMP/vfd.log" 2>&1 &
VFD_PID=$!
t_on_exit "kill $VFD_PID 2>/dev/null; wait $VFD_PID 2>/dev/null"
REC=$TMP/records/sockapp-sock.csv
t_wait_for 10 grep -q '^listen2' "$REC" 2>/dev/null ||
  { t_fail "$T_NAME: the app did not get through its steps: $(cat "$REC" 2>/dev/null; tail -5 "$TMP/vfd.log")"; exit 1; }

t_check "$T_NAME: an allowed connect to an echo server: sent and received a line through the passed socket" \
  grep -q '^echo,echo: hello from the domain,nil$' "$REC"
t_check "$T_NAME: getpeername through the core names the server" grep -q "^peer,127.0.0.1,$ECHO\$" "$REC"
t_check "$T_NAME: settimeout(0): receive with nothing there returns at once with 'timeout'" \
  grep -q '^early,nil,timeout$' "$REC"
t_check "$T_NAME: send on a closed socket: 'closed'" grep -q '^after_close,nil,closed$' "$REC"
t_check "$T_NAME: a connect outside connect_allow fails with a clear error" \
  grep -q "^deny,nil,permission denied by the domain's policy (connect to 127.0.0.1:$DENY)\$" "$REC"
t_check "$T_NAME: the core logs the denial" grep -q "domain of: connect to 127.0.0.1:$DENY denied by policy" "$TMP/vfd.log"
t_check "$T_NAME: a listener inside listen_allow is granted" grep -q '^listen,1,nil$' "$REC"
t_check "$T_NAME: a listener outside listen_allow is refused" \
  grep -q "^listen2,nil,permission denied by the domain's policy (listen on 127.0.0.1:$SRV2)\$" "$REC"
t_check "$T_NAME: nothing listens on the refused port" eval "! ss -Htln 'sport = :$SRV2' | grep -q ."

reply=$(python3 - "$SRV" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
c.sendall(b"knock knock\n")
print(c.recv(100).decode().strip())
PY
)
t_check "$T_NAME: a client of the app's server gets its answer (socket.select + accept in a timer): '$reply'" \
  test "$reply" = "KNOCK KNOCK"
t_wait_for 3 grep -q '^served,knock knock' "$REC"
t_check "$T_NAME: the app recorded the client it served" test $? -eq 0
# The domain gave its sockets back: the core holds only the two listeners
# (the OpenFlow one and the app's), no connection.
socks=$("$VF_BUILD/visorflowctl" -s "$TMP/ctl.sock" --json status | python3 -c \
  'import json,sys; d=json.load(sys.stdin)["domains"][0]; print(d["sockets"]["open"], d["sockets"]["denied"], d["detail"]["brokered_sockets"])')
t_check "$T_NAME: closed sockets were handed back (core holds / denied / domain holds: ${socks:-?})" \
  test "${socks:-x}" = "2 2 0"
exit 0
