-- portscan.lua - finds port scans and address sweeps in what the controller
-- sees, and blocks the sender at the edge. Put it before the forwarding app:
-- `apps = portscan, l2_learning, flowmon`. docs/portscan.md has the design,
-- the thresholds and their sources, and the limits.
--
-- Who: a sender is (switch, in_port, source MAC), never an IP address: decoy
-- probes (nmap -D) carry other hosts' addresses but leave from the scanner's
-- port with its MAC, and that is what gets blocked.
--
-- What counts: first contacts of a sender with a service of a host (TCP or UDP
-- port, ICMP request type, IP protocol, ARP for an address), each remembered
-- for contact_memory seconds so retries and busy clients count once, and the
-- outcome of each: success (SYN-ACK, a UDP or ICMP reply, an answer to an
-- out-of-state segment; an ARP reply only ends its contact) or failure (RST,
-- ICMP unreachable, TCP flags no stack sends, a drop by the monitor below a
-- guest (monitor_drop), silence for answer_timeout seconds; silence is no
-- evidence for UDP and out-of-state ACKs, which often go unanswered).
--
-- Tests, any of which blocks:
--   TRW         a sequential likelihood-ratio test over the outcomes (Jung et
--               al. 2004): rate-independent, so slow scans (-T0) are caught;
--               with the defaults, 5 failures in a row
--   fan-out     within ~fanout_window seconds (decaying counters):
--               fanout_ports unanswered services on one host, failed
--               contacts with fanout_hosts hosts (scans that interleave
--               successes), or fanout_open_hosts hosts contacted and not
--               answering yet (fast sweeps, before any timeout)
--   distributed victim_ports failed services of one host from several
--               senders within ~victim_window: each sender with at least
--               victim_min_each failures there and more failures than
--               successes overall is blocked
--
-- Keeping probes visible: l2_learning installs exact flows, so a new probe is
-- a new PACKET_IN. Where one flow would hide later probes this app forwards
-- without a flow (a PACKET_OUT to the learned port) and stops the chain: TCP
-- RSTs, ICMP errors (every unreachable of a host shares one match), IP
-- fragments (the switch matches them without ports) and TCP segments outside
-- any known connection until the other side answers. Segments with flags no
-- TCP stack sends (NULL, FIN or Xmas without ACK, SYN+FIN) are dropped.
--
-- Response: a drop flow {in_port, dl_src} at block_priority, hard timeout
-- block_seconds, SEND_FLOW_REM, confirmed by a barrier and logged with the
-- time since the sender's first counted probe; if the port is a monitored
-- guest port (the `rules` API), a monitor rule dropping everything from that
-- guest too; the attacked guest, if monitored, gets a note (guest.notify,
-- kind "scan-blocked", the attacker's address and MAC). The block ends with
-- its flow (FLOW_REMOVED), or early through unblock(who).
--
-- Commands (`visorflowctl block ADDR|MAC [--for SECONDS]`, `unblock ADDR|MAC`):
-- block puts the same drop flow (and monitor rule) on every switch port where
-- the host's MAC was learned (an address is resolved by what ARP showed);
-- without --for it lasts until unblocked. unblock ends every block of that
-- host, detected or not. An unknown host or one not blocked is refused.
--
-- Controller protection: a token bucket per (switch, in_port) of PACKET_INs
-- (answers cost half); a port over it gets a drop flow {in_port} at
-- pin_priority (just above the table miss, so flows already installed keep
-- working) for pin_block seconds.
--
-- Cluster (docs/portscan.md, "Cluster"): with cluster.enabled(), every block
-- is published (portscan/block/MAC, with etcd's TTL) and other instances'
-- blocks are applied here as {dl_src} drop flows on every switch plus a
-- monitor rule against the address; notes for victims are published
-- (portscan/notify/IP) and sent by the instance whose monitor has the guest.
--
-- Functions for the host: unblock(who) with who "all", an IPv4 address, a
-- MAC or "DPID PORT MAC", returns how many blocks ended;
-- blocked() the blocks as a list; status() the sizes of every table.
--
-- Configuration (defaults; docs/portscan.md justifies them):
--   theta0 = 0.8, theta1 = 0.2   P(first contact succeeds) for benign / scanner
--   pd = 0.99, pf = 0.002        wanted detection and false-alarm probability
--   halflife = 3600              seconds for TRW evidence to halve (0: never)
--   answer_timeout = 3           seconds a probe waits for its answer
--   contact_memory = 3600        seconds a contacted service stays known
--   fanout_window = 5            time constant of the fan-out counters
--   fanout_ports = 20            unanswered services on one host
--   fanout_hosts = 20            hosts with failed first contacts
--   fanout_open_hosts = 64       hosts with first contacts not answered yet
--   victim_window = 60, victim_ports = 20, victim_min_each = 2
--   block_seconds = 300          hard timeout of the drop flow
--   block_priority = 65024       its priority (above l2_learning and firewall)
--   drop_invalid = true          drop NULL/FIN/Xmas/SYN+FIN segments
--   visible = true               forward RSTs, ICMP errors, fragments and
--                                out-of-state segments without flows
--   monitor_rules = true         add monitor rules for guest ports
--   cleanup_flows = true         delete the sender's flows when it is blocked
--   pin_rate = 1000, pin_burst = 2000   PACKET_INs per second per port
--   pin_block = 2, pin_priority = 1     the flood drop flow
--   max_senders = 4096, max_contacts = 16384, max_pending = 8192,
--   max_conns = 16384, max_fanout = 8192, max_victims = 1024,
--   max_macs = 4096 (per switch), max_blocks = 1024   bounds of every table
--   sweep = 0.25                 seconds between timeout sweeps
--   exempt = ADDR                repeated: MAC or IPv4 never counted (routers)
--   stream = portscan            record stream (blocks, unblocks, limits)
--   cluster = true               share blocks and notes with the other instances
--                                when the host has a cluster (cluster.enabled())

local cfg = vf.configure {
    theta0 = 0.8, theta1 = 0.2, pd = 0.99, pf = 0.002, halflife = 3600,
    answer_timeout = 3, contact_memory = 3600,
    fanout_window = 5, fanout_ports = 20, fanout_hosts = 20, fanout_open_hosts = 64,
    victim_window = 60, victim_ports = 20, victim_min_each = 2,
    block_seconds = 300, block_priority = 0xfe00, drop_invalid = true, visible = true,
    monitor_rules = true, cleanup_flows = true,
    pin_rate = 1000, pin_burst = 2000, pin_block = 2, pin_priority = 1,
    max_senders = 4096, max_contacts = 16384, max_pending = 8192, max_conns = 16384,
    max_fanout = 8192, max_victims = 1024, max_macs = 4096, max_blocks = 1024,
    sweep = 0.25, exempt = {}, stream = "portscan", cluster = true,
}

local function need(ok, fmt, ...)
    if not ok then error("config: " .. string.format(fmt, ...), 2) end
end
local function int_in(k, lo, hi)
    local v = cfg[k]
    need(math.type(v) == "integer" and v >= lo and v <= hi, "%s: expected an integer %d..%d, got %s",
         k, lo, hi, tostring(v))
end
local function num_in(k, lo, hi)
    local v = cfg[k]
    need(v > lo and v <= hi, "%s: expected a number in (%g, %g], got %s", k, lo, hi, tostring(v))
end
need(0 < cfg.theta1 and cfg.theta1 < cfg.theta0 and cfg.theta0 < 1,
     "theta0/theta1: need 0 < theta1 < theta0 < 1, got %s/%s", cfg.theta0, cfg.theta1)
need(0 < cfg.pf and cfg.pf < cfg.pd and cfg.pd < 1, "pd/pf: need 0 < pf < pd < 1, got %s/%s", cfg.pd,
     cfg.pf)
need(cfg.halflife >= 0, "halflife: expected seconds >= 0, got %s", cfg.halflife)
num_in("answer_timeout", 0, 3600)
num_in("contact_memory", 0, 86400 * 7)
num_in("fanout_window", 0, 3600)
num_in("victim_window", 0, 86400)
num_in("sweep", 0.001, 60)
num_in("pin_rate", 0, 1e9)
need(cfg.pin_burst >= 1, "pin_burst: expected at least 1, got %s", cfg.pin_burst)
int_in("fanout_ports", 1, 65536)
int_in("fanout_hosts", 1, 1 << 24)
int_in("fanout_open_hosts", 1, 1 << 24)
int_in("victim_ports", 1, 65536)
int_in("victim_min_each", 1, 65536)
int_in("block_seconds", 1, 65535)
int_in("pin_block", 1, 65535)
int_in("block_priority", 0, 65535)
int_in("pin_priority", 0, 65535)
need(cfg.pin_priority < 0x8000 and cfg.block_priority > 0x8000,
     "pin_priority must be below and block_priority above l2_learning's 32768")
for _, k in ipairs { "max_senders", "max_contacts", "max_pending", "max_conns", "max_fanout",
                     "max_victims", "max_macs", "max_blocks" } do
    int_in(k, 2, 1 << 24)
end
need(cfg.stream:match("^[a-z0-9_-]+$") and #cfg.stream <= 32, "stream: 1..32 of [a-z0-9_-]")

local exempt = {}
for _, a in ipairs(cfg.exempt) do
    local mac = a:lower():gsub("-", ":")
    if mac:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") then
        exempt[mac] = true
    else
        local o = { a:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
        need(#o == 4 and tonumber(o[1]) < 256 and tonumber(o[2]) < 256 and tonumber(o[3]) < 256
             and tonumber(o[4]) < 256, "exempt: '%s' is neither a MAC nor an IPv4 address", a)
        exempt[string.format("%d.%d.%d.%d", o[1], o[2], o[3], o[4])] = true
    end
end

-- TRW steps in log space: a failure multiplies the likelihood ratio by
-- (1-theta1)/(1-theta0), a success by theta1/theta0; eta1 = pd/pf decides
-- "scanner", eta0 = (1-pd)/(1-pf) "benign" (then the walk starts over).
local LOG_FAIL = math.log((1 - cfg.theta1) / (1 - cfg.theta0))
local LOG_OK = math.log(cfg.theta1 / cfg.theta0)
local LOG_ETA1 = math.log(cfg.pd / cfg.pf)
local LOG_ETA0 = math.log((1 - cfg.pd) / (1 - cfg.pf))
local DECAY = cfg.halflife > 0 and math.log(2) / cfg.halflife or 0

local COOKIE_BLOCK = 0x7073636e00000001 -- "pscn" 1: a scanner's drop flow
local COOKIE_LIMIT = 0x7073636e00000002 -- "pscn" 2: a flooding port's drop flow
local RST, SYN, ACK, FIN = 0x04, 0x02, 0x10, 0x01
-- What silence means for a probe of each kind (nil: nothing).
local SILENCE = { syn = false, icmp = false, ip = false, arp = false }
local ICMP_REQ = { [8] = true, [13] = true, [15] = true, [17] = true }
local ICMP_REPLY = { [0] = 8, [14] = 13, [16] = 15, [18] = 17 }
local TRACE_TTL = 30 -- UDP with a TTL this low is traceroute-like: no TRW evidence

-- ---- bounded tables ------------------------------------------------------
-- Two generations: lookups promote from the old one, and when the current one
-- holds max/2 entries it becomes the old one (the previous old one is
-- dropped). Nothing grows past max entries; what is dropped is what was used
-- least recently, roughly. O(1) per operation. Entries are never deleted,
-- only overwritten: a Lua table with a steady churn of inserts and deletes
-- around a power-of-two size rehashes on almost every insert.
local function cache(max) return { cur = {}, old = {}, n = 0, half = max // 2 } end
local function cset(c, k, v)
    if c.cur[k] == nil then
        if c.n >= c.half then c.old, c.cur, c.n = c.cur, {}, 0 end
        c.n = c.n + 1
    end
    c.cur[k] = v
end
local function cget(c, k)
    local v = c.cur[k]
    if v ~= nil then return v end
    v = c.old[k]
    if v ~= nil then
        c.old[k] = nil
        cset(c, k, v)
    end
    return v
end
local function creplace(c, k, v, w) -- k holds v: make it w
    if c.cur[k] == v then c.cur[k] = w elseif c.old[k] == v then c.old[k] = w end
end
local function csize(c)
    local n = 0
    for _ in pairs(c.cur) do n = n + 1 end
    for _ in pairs(c.old) do n = n + 1 end
    return n
end

local senders = cache(cfg.max_senders)   -- "DPID PORT MAC" -> sender
local contacts = cache(cfg.max_contacts) -- "sender|host|service" -> contact, then its time
local pending = cache(cfg.max_pending)   -- probe key -> contact awaiting its answer
-- The same contacts in time order, for their timeouts: a ring of fixed size
-- (an array part that never rehashes).
local QN = cfg.max_pending
local fifo, fhead, fcount = {}, 1, 0
for i = 1, QN do fifo[i] = false end
local conns = cache(cfg.max_conns)       -- TCP/UDP 5-tuples seen opening
local fan = cache(cfg.max_fanout)        -- "sender|host" -> fan-out counter
local victims = cache(cfg.max_victims)   -- host -> failures against it, by sender
local touched = cache(cfg.max_conns)     -- "A B" -> time A last sent B a probe-like packet
local hosts = cache(cfg.max_macs)        -- IPv4 -> {dpid, port, mac}, from ARP
local switches = {}                      -- dpid -> per-switch state
local blocks, nblocks = {}, 0            -- sender key -> block (plain data: survives reloads)
local header_done = false

-- Port numbers as strings, made once each: in a concatenation Lua formats an
-- integer with snprintf (about 5% of this app's cost per packet). At most
-- 65536 short strings.
local PORT = setmetatable({}, { __index = function(t, p)
    local str = tostring(p)
    t[p] = str
    return str
end })

local function decay(v, dt, tau) return v > 0 and v * math.exp(-dt / tau) or 0 end

-- The group bit (broadcast, multicast) of "aa:bb:..": the low bit of the
-- second hex digit; '1','3',..,'9' have odd codes, 'b','d','f' even ones.
local function is_group(mac)
    local c = mac:byte(2)
    if c <= 57 then return c & 1 == 1 end
    return c & 1 == 0
end

local function sw_state(dpid)
    local st = switches[dpid]
    if not st then
        st = { macs = {}, nmacs = 0, buckets = {}, limited = {}, blocked = {}, memo = {} }
        switches[dpid] = st
        for _, b in pairs(blocks) do
            if b.dpid == dpid then
                st.blocked[b.port] = st.blocked[b.port] or {}
                st.blocked[b.port][b.mac] = b
            end
        end
    end
    return st
end

local function record(row)
    if not header_done then
        vf.record(cfg.stream, { "time", "event", "dpid", "port", "mac", "ips", "reason",
                                "since_first_probe", "first_contacts", "failures" })
        header_done = true
    end
    vf.record(cfg.stream, row)
end

-- ---- the rules API (monitor) and guest notifications --------------------------
-- Both return nil, err instead of raising (docs/lua-api.md): every call is
-- checked for that, and pcall'd as well, so an older host that raises cannot
-- stop a block half-way.
local rules_missing_logged = false

-- The monitor port {id, guest, switch_port} behind OpenFlow port `port`, or nil.
local function monitor_port(sw, port)
    if type(rules) ~= "table" or type(rules.ports) ~= "function" then
        if not rules_missing_logged then
            log.info("no rules API in this host: blocks are switch flows only")
            rules_missing_logged = true
        end
        return nil
    end
    local p = sw:port(port)
    if not p then return nil end
    local ok, list = pcall(rules.ports)
    if not ok or type(list) ~= "table" then
        log.warn("rules.ports() failed: %s", tostring(list))
        return nil
    end
    for _, mp in ipairs(list) do
        if type(mp) == "table" and mp.switch_port ~= nil and mp.switch_port == p.name then return mp end
    end
    return nil
end

-- rules.del(id, cb): the answer only matters when it is an error.
local function remove_rule(id)
    if type(rules) ~= "table" or type(rules.del) ~= "function" then
        return log.warn("monitor rule %s stays: the host offers no rules.del", tostring(id))
    end
    local ok, r, err = pcall(rules.del, id, function(done, e)
        if done then return log.info("monitor rule %s deleted", tostring(id)) end
        log.warn("monitor rule %s not deleted: %s", tostring(id), tostring(e))
    end)
    if not ok or not r then
        log.warn("monitor rule %s not deleted: %s", tostring(id), tostring(ok and err or r))
    end
end

local function add_rule(sw, b)
    if not cfg.monitor_rules then return end
    local mp = monitor_port(sw, b.port)
    if not mp then return end
    b.guest, b.mport = mp.guest, mp.id
    local ok, r, err = pcall(rules.add, { addr = "any", dir = "from-guest", action = "drop", on = mp.id },
        function(id, e)
            -- EEXIST: the same rule is there already (ours, from before a
            -- restart or a block that just ended): it is this block's now.
            if not id and type(e) == "string" then id = tonumber(e:match("^EEXIST: rule (%d+)")) end
            if not id then
                return log.warn("monitor rule for guest %s not added: %s", tostring(mp.guest), tostring(e))
            end
            local cur = blocks[b.key]
            if cur ~= b then
                -- the block ended meanwhile; a new one on the same port asked
                -- for the same rule (its add will answer EEXIST): hand it over
                if cur and cur.mport == mp.id and cur.rule == nil then cur.rule = id return end
                return remove_rule(id)
            end
            b.rule = id
            log.info("monitor rule %s drops everything from guest %s", tostring(id), tostring(mp.guest))
        end)
    if not ok or not r then log.warn("rules.add refused: %s", tostring(ok and err or r)) end
end

-- The address of sender s: the one of its source addresses that ARP placed
-- at its MAC (decoys are other hosts'), else the first it used.
local function address_of(s)
    for _, ip in ipairs(s.ips) do
        local h = cget(hosts, ip)
        if h and h.mac == s.mac then return ip end
    end
    return s.ips[1]
end

-- The monitor port of the guest with address ip, as ARP placed it, or nil.
local function victim_port(ip)
    local h = cget(hosts, ip)
    local sw = h and vf.switch(h.dpid)
    return sw and monitor_port(sw, h.port)
end

-- Hand note (text, opts) to the guest on monitor port mp. True if handed over.
local function send_note(mp, text, opts)
    if type(guest) ~= "table" or type(guest.notify) ~= "function" then return false end
    local ok, r, err = pcall(guest.notify, mp.id, text, opts)
    if not ok or not r then
        log.warn("guest.notify(%s) failed: %s", tostring(mp.id), tostring(ok and err or r))
        return false
    end
    log.info("guest %s (monitor port %s) told: %s", tostring(mp.guest), tostring(mp.id), text)
    return true
end

-- ---- the cluster (docs/portscan.md, "Cluster") ----------------------------------
-- Blocks are published under portscan/block/MAC and applied by the other
-- instances as {dl_src} drop flows on all their switches; notes for victims
-- under portscan/notify/IP, sent by the instance whose monitor has that
-- guest. Values are one line of text: "ip=.. mac=.. until=.. by=.. why=..".
local CL_BLOCK, CL_NOTIFY = "portscan/block/", "portscan/notify/"
local CL_TTL_MAX = 30 * 86400
local COOKIE_REMOTE = 0x7073636e00000003 -- "pscn" 3: another instance's block
local remote, nremote = {}, 0 -- MAC -> block published by another instance

local function cl_on()
    return cfg.cluster and type(cluster) == "table" and cluster.enabled() == true
end
local function cl_me() return type(cluster) == "table" and cluster.name() or nil end

-- cluster.put/delete, pcall'd: a failure is logged, never raised.
local function cl_write(fn, ...)
    local ok, r, err = pcall(cluster[fn], ...)
    if not ok or not r then
        log.warn("cluster.%s(%s) failed: %s", fn, tostring((...)), tostring(ok and err or r))
    end
end

local function parse_block(v)
    local ip, mac, untl, by, why = v:match("^ip=(%S+) mac=(%S+) until=(%d+) by=(%S+) why=(.*)$")
    if not ip then return nil end
    return { ip = ip ~= "-" and ip or nil, mac = mac, untl = tonumber(untl), by = by, why = why }
end

-- Publish local block b (seconds left from t): etcd's TTL ends it there if
-- this instance goes away; until is the wall clock end (0: until unblocked).
local function cl_publish_block(b, t)
    if not cl_on() then return end
    local left = b.ends - t
    if left < 1 then return end
    local ttl = left > CL_TTL_MAX and 0 or math.ceil(left)
    local untl = ttl == 0 and 0 or math.floor(vf.time() + left)
    cl_write("put", CL_BLOCK .. b.mac,
             string.format("ip=%s mac=%s until=%d by=%s why=%s", b.addr or "-", b.mac, untl, cl_me(),
                           tostring(b.why):sub(1, 300)), ttl)
end

-- Local block b ended: the published block goes when it is ours and no
-- other local block of the same MAC (another switch port) remains.
local function cl_unpublish_block(b)
    if not cl_on() then return end
    for _, o in pairs(blocks) do
        if o.mac == b.mac then return end
    end
    local cur = cluster.get(CL_BLOCK .. b.mac)
    local p = cur and parse_block(cur)
    if p and p.by == cl_me() then cl_write("delete", CL_BLOCK .. b.mac) end
end

-- Tell the attacked guest, through the hypercall channel, when the host
-- offers one (`guest`) and the host is a monitored guest here; with a
-- cluster, the note is published too for the instance that has the guest.
-- True if told here. The text is at most 64 printable bytes (the note's
-- own field).
local function notify_victim(ip, s)
    local attacker = address_of(s)
    local text = string.format("port scan from %s blocked", attacker or s.mac):sub(1, 64)
    local opts = { kind = "scan-blocked", mac = s.mac }
    if attacker and attacker:match("^%d+%.%d+%.%d+%.%d+$") then opts.attacker = attacker end
    if cl_on() then
        cl_write("put", CL_NOTIFY .. ip,
                 string.format("attacker=%s mac=%s at=%.3f by=%s text=%s", opts.attacker or "-",
                               s.mac, vf.time(), cl_me(), text), 60)
    end
    if type(guest) ~= "table" or type(guest.notify) ~= "function" then return false end
    local mp = victim_port(ip)
    return mp ~= nil and send_note(mp, text, opts)
end

-- A note published by another instance: sent if the victim is a guest here.
local function cl_on_notify(key, v)
    if not v then return end
    local attacker, mac, by, text = v:match("^attacker=(%S+) mac=(%S+) at=%S+ by=(%S+) text=(.*)$")
    if not attacker or by == cl_me() then return end -- ours: sent already (or nobody here has it)
    local mp = victim_port(key:sub(#CL_NOTIFY + 1))
    if not mp then return end
    send_note(mp, text:sub(1, 64), { kind = "scan-blocked", mac = mac,
                                     attacker = attacker ~= "-" and attacker or nil })
end

-- The hard timeout of a drop flow that ends at `ends` (0: permanent).
local function hard_for(ends, t)
    local left = ends - t
    if left > 65535 then return 0 end
    return math.max(1, math.floor(left))
end

-- Another instance's block r on switch sw: {dl_src} only (the sender may be
-- anywhere behind this switch), confirmed by a barrier. No cleanup delete:
-- one on {dl_src} would take this instance's own {in_port, dl_src} blocks.
local function remote_install(sw, r, t)
    if r.ends - t < 1 then return end
    if r.own then -- this instance's own block: its {in_port, dl_src} flow is there already
        for _, b in pairs(blocks) do
            if b.mac == r.mac and b.dpid == sw.dpid then return end
        end
    end
    r.on = r.on or {}
    r.on[sw.dpid] = true
    local xid, err = vf.flow_mod(sw, {
        match = { dl_src = r.mac }, priority = cfg.block_priority, hard_timeout = hard_for(r.ends, t),
        send_flow_rem = true, cookie = COOKIE_REMOTE, actions = {},
    })
    if not xid then return log.error("%s: drop flow for %s (from %s) not sent: %s", sw.dpid, r.mac, r.by, err) end
    vf.barrier(sw, function(ok, e)
        if remote[r.mac] ~= r then return end
        if ok then
            r.confirmed = vf.now()
            log.info("%s: drop flow for %s (blocked by %s) confirmed", sw.dpid, r.mac, r.by)
        else
            log.error("%s: drop flow for %s (blocked by %s) not confirmed: %s", sw.dpid, r.mac, r.by,
                      tostring(e))
        end
    end)
end

-- The monitor rule of remote block r: nothing from its address reaches a
-- guest of this host. Asked once; an answer for a block gone is undone.
local function remote_rule(r)
    -- (also for this instance's own blocks: the local block's rule, if any,
    -- is at the scanner's own port, from the guest; this one protects every
    -- guest of this host from its address)
    if r.rule_asked or not r.ip or not cfg.monitor_rules or type(rules) ~= "table"
        or type(rules.add) ~= "function" or type(rules.ports) ~= "function" then return end
    local okp, list = pcall(rules.ports)
    if not okp or type(list) ~= "table" or #list == 0 then return end -- no monitor here
    r.rule_asked = true
    local ok, res, err = pcall(rules.add, { addr = r.ip, dir = "to-guest", action = "drop", on = 0 },
        function(id, e)
            if not id and type(e) == "string" then id = tonumber(e:match("^EEXIST: rule (%d+)")) end
            if not id then
                return log.warn("monitor rule against %s not added: %s", r.ip, tostring(e))
            end
            if remote[r.mac] ~= r then return remove_rule(id) end
            r.rule = id
            log.info("monitor rule %s drops %s (blocked by %s) to every guest", tostring(id), r.ip, r.by)
        end)
    if not ok or not res then log.warn("rules.add refused: %s", tostring(ok and err or res)) end
end

local function remote_apply(r)
    local t = vf.now()
    for _, sw in ipairs(vf.switches()) do remote_install(sw, r, t) end
    remote_rule(r)
end

local function remote_remove(r, why)
    if remote[r.mac] ~= r then return end
    remote[r.mac], nremote = nil, nremote - 1
    for _, sw in ipairs(vf.switches()) do
        if r.on and r.on[sw.dpid] then
            vf.flow_mod(sw, { command = "delete_strict", match = { dl_src = r.mac },
                              priority = cfg.block_priority })
        end
    end
    if r.rule ~= nil then remove_rule(r.rule) end
    log.info("block of %s by %s lifted: %s", r.mac, r.by, why)
end

-- A published block changed (v nil: deleted, or its TTL ran out). live:
-- apply now (false while the chunk loads: switch_up or reloaded will).
local function cl_on_block(key, v, live)
    local mac = key:sub(#CL_BLOCK + 1)
    local r = remote[mac]
    local p = v and parse_block(v)
    if not p or p.mac ~= mac or exempt[mac] or (p.ip and exempt[p.ip]) then
        if r then remote_remove(r, v and "not applicable" or "unblocked or expired") end
        if v and not p then log.warn("cluster: %s: cannot read '%s'", key, v:sub(1, 80)) end
        return
    end
    local t = vf.now()
    local ends = p.untl == 0 and t + 2 ^ 50 or t + (p.untl - vf.time())
    if ends - t < 1 then return end
    -- ours: the scanner's own port has its local block already; every other
    -- switch this instance is master of gets the {dl_src} drop the other
    -- instances put in, so that it is blocked on all of them here too
    local own = p.by == cl_me()
    if r and r.own ~= own then r.own = own end -- another instance's block became ours, or the reverse
    if r and r.by == p.by and r.ip == p.ip and math.abs(r.ends - ends) < 2 then
        return -- the same block again (our own write coming back): nothing changed
    end
    if r then -- renewed or changed: new time, same flows re-added
        r.ends, r.why, r.by = ends, p.why, p.by
        if r.ip ~= p.ip then
            if r.rule ~= nil then remove_rule(r.rule) end
            r.ip, r.rule, r.rule_asked = p.ip, nil, nil
        end
    else
        r = { mac = mac, ip = p.ip, ends = ends, by = p.by, why = p.why, own = own }
        remote[mac], nremote = r, nremote + 1
        if not own then log.warn("%s (IP %s) blocked by %s: %s", mac, tostring(p.ip), p.by, p.why) end
    end
    if live then remote_apply(r) else r.fresh = true end
end

-- ---- blocking ------------------------------------------------------------------
-- The hard timeout of b's drop flow from time t: OpenFlow's is 16 bits, so a
-- longer block (or one until unblocked, FOREVER) gets a permanent
-- flow, which the sweep deletes when the block is over.
local function flow_timeout(b, t)
    local left = b.ends - t
    if left > 65535 then return 0 end
    return math.max(1, math.floor(left))
end

local function install(sw, b, seconds)
    local match = { in_port = b.port, dl_src = b.mac }
    if cfg.cleanup_flows then vf.flow_mod(sw, { command = "delete", match = match }) end
    local xid, err = vf.flow_mod(sw, {
        match = match, priority = cfg.block_priority, hard_timeout = seconds,
        send_flow_rem = true, cookie = COOKIE_BLOCK, actions = {},
    })
    if not xid then return log.error("%s: drop flow for %s not sent: %s", b.dpid, b.mac, err) end
    b.xid, b.failed, b.hard = xid, nil, seconds
    vf.barrier(sw, function(ok, e)
        if blocks[b.key] ~= b then return end
        if ok and not b.failed then
            local t = vf.now()
            b.confirmed = t
            log.warn("%s port %d %s: drop flow confirmed %.3f s after the first probe", b.dpid, b.port,
                     b.mac, t - b.first)
        else
            log.error("%s port %d %s: drop flow not confirmed: %s", b.dpid, b.port, b.mac,
                      tostring(b.failed or e))
        end
    end)
end

-- Blocks sender s for `seconds` (FOREVER: until unblocked). manual: an
-- operator's block (no victim to tell). Returns the block, or nil, why.
local function block(s, t, why, seconds, manual)
    local sw = vf.switch(s.dpid)
    if not sw then return nil, "switch " .. s.dpid .. " is not connected" end
    if blocks[s.key] then return nil, "already blocked" end
    if nblocks >= cfg.max_blocks then
        log.error("%s: not blocked (%s): max_blocks %d reached", s.key, why, cfg.max_blocks)
        return nil, string.format("max_blocks %d reached", cfg.max_blocks)
    end
    seconds = seconds or cfg.block_seconds
    local ips = table.concat(s.ips, " ")
    local b = { key = s.key, dpid = s.dpid, port = s.port, mac = s.mac, t = t,
                ends = t + seconds, why = why, first = s.first or t, n = s.n,
                fails = s.fails, ips = ips, manual = manual or nil, addr = address_of(s) }
    blocks[s.key], nblocks = b, nblocks + 1
    local st = sw_state(s.dpid)
    st.blocked[s.port] = st.blocked[s.port] or {}
    st.blocked[s.port][s.mac] = b
    s.blocked = true
    local for_s = seconds >= 65536 * 65536 and "until unblocked" or string.format("for %d s", seconds)
    if manual then
        log.warn("%s port %d %s (IPs %s) blocked %s: %s", s.dpid, s.port, s.mac, ips, for_s, why)
    else
        log.warn("%s port %d %s (IPs %s) blocked %s: %s; first probe %.3f s ago, %d first contacts",
                 s.dpid, s.port, s.mac, ips, for_s, why, t - b.first, s.n)
    end
    record { string.format("%.3f", vf.time()), "block", s.dpid, s.port, s.mac, ips, why,
             manual and "" or string.format("%.3f", t - b.first), s.n, s.fails }
    install(sw, b, flow_timeout(b, t))
    add_rule(sw, b)
    cl_publish_block(b, t)
    if s.victim and not manual then notify_victim(s.victim, s) end
    return b
end

local function end_block(b, why, t)
    if blocks[b.key] ~= b then return end
    blocks[b.key], nblocks = nil, nblocks - 1
    local st = switches[b.dpid]
    if st and st.blocked[b.port] then st.blocked[b.port][b.mac] = nil end
    if st then st.memo[b.port] = nil end -- it may hold an older record of the sender
    if b.rule ~= nil then remove_rule(b.rule) end
    cl_unpublish_block(b)
    local s = cget(senders, b.key)
    if s then -- it starts from scratch: a scanner that goes on is caught again
        s.blocked, s.L, s.first, s.n, s.fails, s.oks, s.h, s.w = nil, 0, nil, 0, 0, 0, 0, 0
    end
    log.info("%s port %d %s unblocked after %.0f s: %s", b.dpid, b.port, b.mac, t - b.t, why)
    record { string.format("%.3f", vf.time()), "unblock", b.dpid, b.port, b.mac, b.ips, why, "", "", "" }
end

-- Ends b now: its drop flow is deleted (no FLOW_REMOVED "hard_timeout"
-- comes for that) and so is its monitor rule.
local function lift(b, why, t)
    local sw = vf.switch(b.dpid)
    if sw then
        vf.flow_mod(sw, { command = "delete_strict", match = { in_port = b.port, dl_src = b.mac },
                          priority = cfg.block_priority })
    end
    end_block(b, why, t)
end
local function detect(s, t, why)
    if s.blocked or blocks[s.key] then return end
    if s.exempt then
        log.info("%s matches the scan tests (%s) but is exempt", s.key, why)
        s.L, s.h, s.w = 0, 0, 0
        return
    end
    block(s, t, why)
end

-- ---- senders, first contacts and their outcomes --------------------------------
-- The sender (dpid, port, mac). The last one seen on each port is kept at
-- hand (st.memo): a port is mostly one host, and the key need not be built.
local function sender_of(dpid, st, port, mac, t)
    local s = st.memo[port]
    if s and s.mac == mac then return s end
    local key = dpid .. " " .. port .. " " .. mac
    s = cget(senders, key)
    if not s then
        s = { key = key, dpid = dpid, port = port, mac = mac, L = 0, Lt = t, n = 0, fails = 0,
              oks = 0, h = 0, ht = t, w = 0, wt = t, ips = {}, exempt = exempt[mac] }
        cset(senders, key, s)
    end
    st.memo[port] = s
    return s
end

local function evidence(s, t, step)
    if DECAY > 0 and s.L ~= 0 then s.L = s.L * math.exp(-(t - s.Lt) * DECAY) end
    s.Lt, s.L = t, s.L + step
end

local function victim_failure(s, v, t)
    local r = cget(victims, v)
    if not r then
        r = { c = 0, t = t, from = {}, nfrom = 0, alert = 0 }
        cset(victims, v, r)
    end
    r.c, r.t = decay(r.c, t - r.t, cfg.victim_window) + 1, t
    local e = r.from[s.key]
    if not e then
        if r.nfrom >= 64 then -- bounded: forget contributors gone quiet
            for k, x in pairs(r.from) do
                if t - x.t > cfg.victim_window then r.from[k], r.nfrom = nil, r.nfrom - 1 end
            end
            if r.nfrom >= 64 then return end
        end
        e = { s = s, n = 0, t = t }
        r.from[s.key], r.nfrom = e, r.nfrom + 1
    end
    if t - e.t > cfg.victim_window then e.n = 0 end
    e.n, e.t = e.n + 1, t
    if t < r.alert then -- a distributed scan of v is under way: latecomers too
        if e.n >= cfg.victim_min_each and s.L > 0 then
            detect(s, t, string.format("joined the distributed scan of %s", v))
        end
        return
    end
    if r.c < cfg.victim_ports or r.nfrom < 2 then return end
    local guilty = {}
    for _, x in pairs(r.from) do
        if t - x.t <= cfg.victim_window and x.n >= cfg.victim_min_each and x.s.L > 0 then
            guilty[#guilty + 1] = x.s
        end
    end
    if #guilty < 2 then return end
    r.c, r.alert = 0, t + cfg.victim_window
    for _, g in ipairs(guilty) do
        detect(g, t, string.format("distributed scan of %s (%d senders)", v, #guilty))
    end
end

-- The outcome of contact p, from any of its probes. ok: true (answered),
-- false (failed), nil (no evidence either way). Once decided, the contact
-- is remembered as its time only. A contact whose silence meant nothing
-- (UDP, out-of-state) stays "silent": a late answer still counts, once (a
-- rate-limited ICMP unreachable comes seconds after the probe).
local function outcome(p, ok, t)
    if p.done == true or (p.done and ok == nil) then return end
    if ok == nil then
        p.done = "silent"
        return
    end
    p.done = true -- its pending keys stay until overwritten: they answer nothing now
    creplace(contacts, p.ck, p, p.t)
    if p.kind == "ttl" and ok == false then return end
    local s, f = p.s, p.f
    if ok then
        f.c, f.t = math.max(0, decay(f.c, t - f.t, cfg.fanout_window) - 1), t
        if f.open and f.c < 0.5 then -- nothing of this host's is open any more
            f.open = false
            s.w, s.wt = math.max(0, decay(s.w, t - s.wt, cfg.fanout_window) - 1), t
        end
        -- An ARP reply says only that the host exists; every contact on the
        -- same L2 begins with one. As evidence it would give a scanner one
        -- free success per live host it sweeps.
        if p.kind == "arp" then return end
        evidence(s, t, LOG_OK)
        s.oks = s.oks + 1
        if s.L <= LOG_ETA0 then -- benign: the walk starts over
            s.L, s.first, s.n, s.fails, s.oks = 0, nil, 0, 0, 0
        end
        return
    end
    evidence(s, t, LOG_FAIL)
    s.fails = s.fails + 1
    if t - f.hf > cfg.fanout_window then -- a host with a failure: counted once a window
        f.hf = t
        s.h, s.ht = decay(s.h, t - s.ht, cfg.fanout_window) + 1, t
    end
    victim_failure(s, p.v, t)
    if s.L >= LOG_ETA1 then
        detect(s, t, string.format("TRW: %d failed, %d answered first contacts", s.fails, s.oks))
    elseif s.h >= cfg.fanout_hosts then
        detect(s, t, string.format("failed first contacts with %d hosts", math.floor(s.h + 0.5)))
    end
end

local function pop_pending()
    local p = fifo[fhead]
    fifo[fhead], fhead, fcount = false, fhead % QN + 1, fcount - 1
    return p
end

local function push_pending(p)
    if fcount == QN then -- full: the oldest gives up, no evidence
        local old = pop_pending()
        outcome(old, nil, old.t)
    end
    fifo[(fhead + fcount - 1) % QN + 1], fcount = p, fcount + 1
    cset(pending, p.key, p)
end

-- Is v the address of a host we block (as ARP placed it)? Its answers are
-- dropped by our own drop flow: contacts with it prove nothing (the victim
-- resolving a blocked scanner to answer it, a client of a blocked host).
local function blocked_host(v)
    local h = cget(hosts, v)
    local st = h and switches[h.dpid]
    local bp = st and st.blocked[h.port]
    return bp ~= nil and bp[h.mac] ~= nil
end

-- The source addresses a sender used (decoys show here), at most 8.
local function note_ip(ips, ip)
    for i = 1, #ips do
        if ips[i] == ip then return end
    end
    if #ips < 8 then ips[#ips + 1] = ip end
end

-- "A B": A sent B a probe-like packet at that time. B resolving A's address
-- (an ARP request) to answer is then no contact of B's own.
local function touch(a, b, t) cset(touched, a .. " " .. b, t) end

-- A probe-like packet from s to host v, service svc. key: what its answer is
-- looked up by; kind: what silence means (SILENCE), or "bad" (failed now).
-- Only the first contact with a service counts; later probes while it is
-- undecided (a retry, the same port from a decoy address) can answer for it.
local function probe(s, t, src_ip, v, svc, key, kind)
    if s.blocked then return end
    -- Not the sender's usual address (a decoy): v will resolve it to answer.
    if src_ip ~= s.ips[1] then
        note_ip(s.ips, src_ip)
        if kind ~= "arp" then touch(src_ip, v, t) end
    end
    local ck = s.key .. "|" .. v .. "|" .. svc
    local c = cget(contacts, ck)
    if c then
        if type(c) ~= "table" then
            if t - c < cfg.contact_memory then return end
        elseif t - c.t < cfg.contact_memory then
            if key and c.done ~= true then cset(pending, key, c) end
            return
        end
    end
    if kind ~= "arp" then touch(src_ip, v, t) end
    if blocked_host(v) then return end
    if not s.first then s.first = t end
    s.n, s.victim = s.n + 1, v
    local fk = s.key .. "|" .. v
    local f = cget(fan, fk)
    if not f then
        f = { c = 0, t = t, hf = -math.huge }
        cset(fan, fk, f)
    end
    local before = decay(f.c, t - f.t, cfg.fanout_window)
    f.c, f.t = before + 1, t
    if before < 0.5 then -- a host with nothing open from s: one more waiting host
        f.open = true
        s.w, s.wt = decay(s.w, t - s.wt, cfg.fanout_window) + 1, t
    end
    local p = { s = s, v = v, kind = kind, t = t, f = f, key = key, ck = ck }
    cset(contacts, ck, p)
    if kind == "bad" then outcome(p, false, t) else push_pending(p) end
    if f.c >= cfg.fanout_ports then
        detect(s, t, string.format("%d unanswered services on %s", math.floor(f.c + 0.5), v))
    elseif s.w >= cfg.fanout_open_hosts then
        detect(s, t, string.format("%d hosts contacted and not answering", math.floor(s.w + 0.5)))
    end
end

local function answer(key, ok, t)
    local p = cget(pending, key)
    if p then outcome(p, ok, t) end
    return p
end


-- ---- classification: nil = let the chain forward it, "fwd" = forward without a
-- flow (and stop the chain), "drop". The packet's fields are read once, in
-- packet_in, and handed down: each read of a packet field is a call into C.
-- What every function below needs of the packet being classified (set by
-- packet_in; cheaper than a table per packet):
local now_t, now_dpid, now_port, now_mac, now_l4
-- Keys: "tcp A 40000 B 80" (a probe from A and what B's answer is looked up
-- by, reversed); conns holds the same strings for the directions seen opening.

local function tcp(st, src, sp, dst, dp, f)
    sp, dp = PORT[sp], PORT[dp]
    local fwd = "tcp " .. src .. " " .. sp .. " " .. dst .. " " .. dp
    if f & (SYN | RST) == SYN then -- no ACK: a connection attempt; with ACK: the port is open
        if f & ACK ~= 0 then
            answer("tcp " .. dst .. " " .. dp .. " " .. src .. " " .. sp, true, now_t)
            cset(conns, fwd, true)
            return nil
        end
        local s = sender_of(now_dpid, st, now_port, now_mac, now_t)
        if f & FIN ~= 0 then -- SYN+FIN: no stack sends it
            probe(s, now_t, src, dst, "tcp/" .. dp, nil, "bad")
            return cfg.drop_invalid and "drop" or nil
        end
        cset(conns, fwd, true)
        probe(s, now_t, src, dst, "tcp/" .. dp, fwd, "syn")
        return nil
    end
    local back = "tcp " .. dst .. " " .. dp .. " " .. src .. " " .. sp
    if f & RST ~= 0 then -- an answer (closed port, ACK scan); never worth a flow
        answer(back, false, now_t)
        return cfg.visible and "fwd" or nil
    end
    if cget(conns, fwd) or cget(conns, back) then return nil end -- its flow expired
    local s = sender_of(now_dpid, st, now_port, now_mac, now_t)
    if f & ACK == 0 then -- NULL, FIN, Xmas: every segment after the SYN carries ACK
        probe(s, now_t, src, dst, "tcp/" .. dp, nil, "bad")
        return cfg.drop_invalid and "drop" or (cfg.visible and "fwd" or nil)
    end
    -- With ACK, outside any connection we know: an idle connection resuming,
    -- or an ACK scan. An answer that is not a RST makes it a connection.
    local p = cget(pending, back)
    if p and p.kind == "oos" and p.done ~= true then
        outcome(p, true, now_t)
        cset(conns, fwd, true)
        return nil
    end
    probe(s, now_t, src, dst, "tcp/" .. dp, fwd, "oos")
    return cfg.visible and "fwd" or nil
end

local function udp(st, src, sp, dst, dp, ttl)
    sp, dp = PORT[sp], PORT[dp]
    local fwd = "udp " .. src .. " " .. sp .. " " .. dst .. " " .. dp
    local back = "udp " .. dst .. " " .. dp .. " " .. src .. " " .. sp
    if answer(back, true, now_t) then
        cset(conns, fwd, true)
        return nil
    end
    if cget(conns, fwd) or cget(conns, back) then return nil end
    cset(conns, fwd, true)
    probe(sender_of(now_dpid, st, now_port, now_mac, now_t), now_t, src, dst, "udp/" .. dp, fwd,
          (ttl or 64) <= TRACE_TTL and "ttl" or "udp")
    return nil
end

local function ip_at(d, i)
    local a, b, c, e = d:byte(i, i + 3)
    return a .. "." .. b .. "." .. c .. "." .. e
end

-- The answer key of the datagram an ICMP error quotes, its source and
-- destination, or nil when the quote is cut short.
local function quoted(d)
    local l3 = 15
    if #d >= 14 and d:byte(13) == 0x81 and d:byte(14) == 0 then l3 = 19 end
    if #d < l3 then return nil end
    local inner = l3 + (d:byte(l3) & 0x0f) * 4 + 8
    if #d < inner + 19 then return nil end
    local l4 = inner + (d:byte(inner) & 0x0f) * 4
    local proto, s, v = d:byte(inner + 9), ip_at(d, inner + 12), ip_at(d, inner + 16)
    if proto == 6 or proto == 17 then
        if #d < l4 + 3 then return nil end
        local sp, dp = string.unpack(">I2I2", d, l4)
        return (proto == 6 and "tcp " or "udp ") .. s .. " " .. sp .. " " .. v .. " " .. dp, s, v
    elseif proto == 1 then
        if #d < l4 then return nil end
        return "icmp " .. s .. " " .. v .. " " .. d:byte(l4), s, v
    end
    return "ip " .. s .. " " .. v .. " " .. proto, s, v
end

local function icmp(st, pkt, src, dst)
    local ty = pkt.icmp_type
    if ICMP_REQ[ty] then
        local key = "icmp " .. src .. " " .. dst .. " " .. ty
        probe(sender_of(now_dpid, st, now_port, now_mac, now_t), now_t, src, dst, "icmp/" .. ty, key, "icmp")
        return nil
    end
    local req = ICMP_REPLY[ty]
    if req then
        answer("icmp " .. dst .. " " .. src .. " " .. req, true, now_t)
        return nil
    end
    if ty ~= 3 and ty ~= 11 then return nil end
    local key, s, v = quoted(pkt.data)
    -- It must go to the prober, and (but for net/host unreachable and time
    -- exceeded, which routers send) come from the probed host: a third party
    -- cannot make a benign host fail its contacts.
    if key and s == dst and (v == src or ty == 11 or pkt.icmp_code <= 1) then
        answer(key, ty == 11, now_t) -- time exceeded: the path answers (traceroute)
    end
    return cfg.visible and "fwd" or nil
end

local function other_ip(st, src, dst, proto)
    if answer("ip " .. dst .. " " .. src .. " " .. proto, true, now_t) then return nil end
    probe(sender_of(now_dpid, st, now_port, now_mac, now_t), now_t, src, dst, "ip/" .. proto,
          "ip " .. src .. " " .. dst .. " " .. proto, "ip")
    return nil
end

-- The switch matches every fragment without ports (one flow would hide every
-- later probe), so fragments are forwarded without flows. A first fragment
-- shows its ports even when the TCP header is cut after 8 bytes (nmap -f).
local function fragment(st, pkt, src, dst)
    if pkt.is_later_fragment then return cfg.visible and "fwd" or nil end
    local l4, proto = pkt.l4, pkt.nw_proto
    if l4 == "tcp" then
        tcp(st, src, pkt.tp_src, dst, pkt.tp_dst, pkt.tcp_flags)
    elseif l4 == "udp" then
        udp(st, src, pkt.tp_src, dst, pkt.tp_dst, pkt.ip_ttl)
    elseif proto == 6 or proto == 17 then -- a cut header: the ports from the bytes
        local d = pkt.data
        local l3 = (#d >= 14 and d:byte(13) == 0x81) and 19 or 15
        local at = #d >= l3 and l3 + (d:byte(l3) & 0x0f) * 4
        if at and #d >= at + 3 then
            local sp, dp = string.unpack(">I2I2", d, at)
            if proto == 6 then tcp(st, src, sp, dst, dp, SYN) else udp(st, src, sp, dst, dp) end
        end
    elseif l4 ~= "icmp" then
        other_ip(st, src, dst, proto)
    end
    return cfg.visible and "fwd" or nil
end

local function ipv4(st, pkt, f)
    local src, dst = pkt.nw_src, pkt.nw_dst
    if exempt[src] then return nil end
    if pkt.is_fragment then return fragment(st, pkt, src, dst) end
    local l4 = now_l4
    if l4 == "tcp" then return tcp(st, src, pkt.tp_src, dst, pkt.tp_dst, f) end
    if l4 == "udp" then return udp(st, src, pkt.tp_src, dst, pkt.tp_dst, pkt.ip_ttl) end
    if l4 == "icmp" then return icmp(st, pkt, src, dst) end
    return other_ip(st, src, dst, pkt.nw_proto)
end

local function arp(st, pkt)
    local op, spa, tpa = pkt.arp_op, pkt.nw_src, pkt.nw_dst
    if not spa or spa == "0.0.0.0" then return nil end -- a probe for a duplicate address
    local h = cget(hosts, spa)
    if not h or h.dpid ~= now_dpid or h.port ~= now_port or h.mac ~= now_mac then
        cset(hosts, spa, { dpid = now_dpid, port = now_port, mac = now_mac })
    end
    if op == 2 then
        answer("arp " .. tpa .. " " .. spa, true, now_t)
        return nil
    end
    if op ~= 1 or spa == tpa or exempt[spa] then return nil end -- gratuitous
    -- The target reached this host first (a probe, perhaps from a decoy
    -- address): resolving it to answer is not a contact of its own.
    local seen = cget(touched, tpa .. " " .. spa)
    if seen and now_t - seen < cfg.contact_memory then return nil end
    probe(sender_of(now_dpid, st, now_port, now_mac, now_t), now_t, spa, tpa, "arp", "arp " .. spa .. " " .. tpa, "arp")
    return nil
end

-- ---- the PACKET_IN budget -------------------------------------------------------
local function limit(sw, st, port, t)
    st.limited[port] = t + cfg.pin_block
    vf.flow_mod(sw, { match = { in_port = port }, priority = cfg.pin_priority,
                      hard_timeout = cfg.pin_block, cookie = COOKIE_LIMIT, actions = {} })
    log.warn("%s port %d: over %d PACKET_IN/s (burst %d): new flows from it dropped for %d s",
             sw.dpid, port, cfg.pin_rate, cfg.pin_burst, cfg.pin_block)
    record { string.format("%.3f", vf.time()), "limit", sw.dpid, port, "", "", "packet_in budget",
             "", "", "" }
end

local function drop(sw, pkt)
    if pkt.buffer_id then vf.packet_out(sw, { packet = pkt, actions = {} }) end
    return true
end

local function forward(sw, st, pkt)
    local dst = pkt.dl_dst
    local out = not is_group(dst) and st.macs[dst]
    if out == pkt.in_port then return drop(sw, pkt) end
    vf.packet_out(sw, { packet = pkt, actions = out and { { output = out } } or "flood" })
    return true
end

-- ---- the timeout sweep ---------------------------------------------------------
local last_block_check = 0
local function sweep()
    local t = vf.now()
    local due = t - cfg.answer_timeout
    while fcount > 0 do
        local p = fifo[fhead]
        if not p.done and p.t > due then break end
        pop_pending()
        outcome(p, SILENCE[p.kind], t)
    end
    if t - last_block_check >= 1 then
        last_block_check = t
        for _, b in pairs(blocks) do
            if b.hard == 0 and t >= b.ends then -- a permanent flow for a long block
                lift(b, "block time over", t)
            elseif t > b.ends + 5 then -- a FLOW_REMOVED that never came (switch away)
                end_block(b, "block time over (no FLOW_REMOVED)", t)
            end
        end
        for _, r in pairs(remote) do -- etcd's TTL ends it; this is for etcd out of reach
            if t > r.ends + 5 then remote_remove(r, "block time over") end
        end
    end
end
vf.every(cfg.sweep, sweep)

-- The sender behind monitor port `id`: the switch port of the same name
-- (rules.ports()) and the one MAC seen on it; nil when unknown or ambiguous.
-- Cached for a few seconds: drop events come in bursts.
local guest_cache, nguest = {}, 0
local function guest_sender(id, t)
    local c = guest_cache[tostring(id)]
    if c and t - c.t < 5 then return c.s end
    if type(rules) ~= "table" or type(rules.ports) ~= "function" then return nil end
    local ok, list = pcall(rules.ports)
    if not ok or type(list) ~= "table" then return nil end
    local name, s
    for _, mp in ipairs(list) do
        if type(mp) == "table" and tostring(mp.id) == tostring(id) then name = mp.switch_port end
    end
    for _, sw in ipairs(name and vf.switches() or {}) do
        for _, p in ipairs(sw:ports()) do
            if p.name == name then
                local mac
                for m, port in pairs(sw_state(sw.dpid).macs) do
                    if port == p.port_no then mac = mac and "many" or m end
                end
                if mac and mac ~= "many" and not exempt[mac] then
                    s = sender_of(sw.dpid, sw_state(sw.dpid), p.port_no, mac, t)
                end
            end
        end
    end
    if nguest >= 256 then guest_cache, nguest = {}, 0 end
    if not guest_cache[tostring(id)] then nguest = nguest + 1 end
    guest_cache[tostring(id)] = { t = t, s = s }
    return s
end

-- ---- the cluster's watches: registered by every load (a reload drops them); the
-- blocks already published are read now and applied by switch_up or reloaded
if type(cluster) == "table" and cfg.cluster then
    cluster.watch(CL_BLOCK, function(k, v) cl_on_block(k, v, true) end)
    cluster.watch(CL_NOTIFY, cl_on_notify)
    for k, v in pairs(cluster.keys(CL_BLOCK)) do cl_on_block(k, v, false) end
end

-- ---- functions for the host ----------------------------------------------------
local FOREVER = 2 ^ 50 -- seconds: a block "until unblocked"
local function is_ipv4(a)
    local o = { a:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
    if #o ~= 4 then return false end
    for i = 1, 4 do
        if tonumber(o[i]) > 255 then return false end
    end
    return true
end

-- The MAC of address or MAC `who`, as ARP placed it (nil: never seen).
local function mac_of(who)
    if not is_ipv4(who) then return who end
    local h = cget(hosts, who)
    return h and h.mac
end

-- Does block b concern who ("all", "DPID PORT MAC", a MAC or an address)?
local function concerns(b, who, mac)
    if who == "all" or who == b.key or b.mac == mac then return true end
    for ip in b.ips:gmatch("%S+") do
        if ip == who then return true end
    end
    return false
end

function unblock(who)
    if type(who) ~= "string" then
        error("unblock: expected \"all\", an IPv4 address, a MAC or \"DPID PORT MAC\"", 2)
    end
    local w, n, t = who:lower(), 0, vf.now()
    local mac = mac_of(w)
    local list = {}
    for _, b in pairs(blocks) do
        if concerns(b, w, mac) then list[#list + 1] = b end
    end
    for _, b in ipairs(list) do -- not while iterating: lift changes blocks
        lift(b, "unblocked by request", t)
        n = n + 1
    end
    -- with a cluster: a block published by any instance ends everywhere
    if mac and cl_on() and cluster.get(CL_BLOCK .. mac) then
        cl_write("delete", CL_BLOCK .. mac)
        if remote[mac] then remote_remove(remote[mac], "unblocked by request") end
        n = n + 1
    end
    return n
end

-- With a cluster, a MAC this instance has not seen is still blocked: the
-- block is published for the instances that do see it, and applied here
-- as theirs are ({dl_src} on every switch this instance is master of).
local function block_cluster_wide(mac, seconds)
    local t = vf.now()
    local left = seconds or FOREVER
    local ttl = left > CL_TTL_MAX and 0 or math.ceil(left)
    local untl = ttl == 0 and 0 or math.floor(vf.time() + left)
    cl_write("put", CL_BLOCK .. mac,
             string.format("ip=- mac=%s until=%d by=%s why=blocked by request", mac, untl, cl_me()),
             ttl)
    local r = remote[mac]
    if r then
        r.ends, r.by, r.why, r.own = t + left, cl_me(), "blocked by request", true
    else
        r = { mac = mac, ends = t + left, by = cl_me(), why = "blocked by request", own = true }
        remote[mac], nremote = r, nremote + 1
    end
    remote_apply(r)
    return string.format("blocked %s cluster-wide (not seen here: on every switch of every "
                         .. "instance) %s", mac,
                         seconds and string.format("for %d s", seconds) or "until unblocked")
end

-- An operator's block of who (an address or a MAC) for `seconds` (nil: until
-- unblocked): a drop flow on every switch port where the MAC was learned.
-- Returns the answer, or nil, why.
local function block_host(who, seconds)
    local mac = mac_of(who)
    if not mac then
        return nil, who .. " is not known here (no ARP from it seen by portscan on any switch)"
    end
    if exempt[mac] or exempt[who] then return nil, who .. " is exempt (portscan's exempt list)" end
    local t, n, renewed, known = vf.now(), 0, 0, false
    local why = "blocked by request"
    local ips = is_ipv4(who) and who or nil
    for dpid, st in pairs(switches) do
        local port = st.macs[mac]
        if port then
            known = true
            local s = sender_of(dpid, st, port, mac, t)
            if ips then note_ip(s.ips, ips) end
            local b = blocks[s.key]
            local sw = vf.switch(dpid)
            if b and sw then -- already blocked: the new time counts from now
                b.ends, b.why = t + (seconds or FOREVER), why
                install(sw, b, flow_timeout(b, t))
                cl_publish_block(b, t)
                renewed = renewed + 1
            elseif block(s, t, why, seconds or FOREVER, true) then
                n = n + 1
            end
        end
    end
    if not known and cl_on() and not is_ipv4(who) then return block_cluster_wide(mac, seconds) end
    if not known then
        return nil, who .. " is not known here (not seen by portscan on any switch)"
    end
    if n + renewed == 0 then return nil, "no switch that knows " .. mac .. " is connected" end
    return string.format("blocked %s (%s) on %d switch port%s %s", who, mac, n + renewed,
                         n + renewed == 1 and "" or "s",
                         seconds and string.format("for %d s", seconds) or "until unblocked")
end

function blocked()
    local out, t = {}, vf.now()
    for _, b in pairs(blocks) do
        out[#out + 1] = { dpid = b.dpid, port = b.port, mac = b.mac, ips = b.ips, reason = b.why,
                          seconds_left = math.max(0, b.ends - t), rule = b.rule,
                          confirmed = b.confirmed ~= nil }
    end
    table.sort(out, function(a, b) return a.dpid .. a.port .. a.mac < b.dpid .. b.port .. b.mac end)
    return out
end

function status()
    local nmacs, waiting = 0, 0
    for _, st in pairs(switches) do nmacs = nmacs + st.nmacs end
    for i = 1, QN do
        if fifo[i] and fifo[i].done ~= true then waiting = waiting + 1 end
    end
    return { senders = csize(senders), contacts = csize(contacts), pending = csize(pending),
             waiting = waiting, queued = fcount, conns = csize(conns), fanout = csize(fan),
             victims = csize(victims), touched = csize(touched), hosts = csize(hosts),
             macs = nmacs, blocks = nblocks }
end

-- ---- handlers --------------------------------------------------------------------
return {
    packet_in = function(sw, pkt)
        local t, dpid = vf.now(), sw.dpid
        local st = switches[dpid] or sw_state(dpid)
        local port = pkt.in_port
        local lim = st.limited[port]
        if lim then
            if t < lim then return drop(sw, pkt) end
            st.limited[port] = nil
        end
        local src = pkt.dl_src
        if not src then return nil end
        local bp = st.blocked[port]
        if bp and bp[src] then return drop(sw, pkt) end -- sent before the drop flow was in
        if nremote > 0 and remote[src] then return drop(sw, pkt) end -- another instance's block
        -- Answers cost half: a flood's victim answers as fast as it is hit,
        -- and its port must not be the one limited.
        local l4, f, cost = pkt.l4, nil, 1
        if l4 == "tcp" then
            f = pkt.tcp_flags
            if f & RST ~= 0 or f & (SYN | ACK) == SYN | ACK then cost = 0.5 end
        elseif l4 == "icmp" and not ICMP_REQ[pkt.icmp_type] then
            cost = 0.5
        end
        local b = st.buckets[port]
        if not b then
            b = { tok = cfg.pin_burst, t = t }
            st.buckets[port] = b
        end
        local tok = b.tok + (t - b.t) * cfg.pin_rate
        if tok > cfg.pin_burst then tok = cfg.pin_burst end
        b.t = t
        if tok < cost then
            b.tok = tok
            limit(sw, st, port, t)
            return drop(sw, pkt)
        end
        b.tok = tok - cost
        if st.macs[src] ~= port and not is_group(src) then
            if st.macs[src] == nil then
                if st.nmacs >= cfg.max_macs then st.macs, st.nmacs = {}, 0 end
                st.nmacs = st.nmacs + 1
            end
            st.macs[src] = port
        end
        if exempt[src] then return nil end
        local l3, verdict = pkt.l3, nil
        if l3 == "ipv4" then
            if is_group(pkt.dl_dst) then return nil end -- broadcast, multicast: no contact
            now_t, now_dpid, now_port, now_mac, now_l4 = t, dpid, port, src, l4
            verdict = ipv4(st, pkt, f)
        elseif l3 == "arp" then
            now_t, now_dpid, now_port, now_mac = t, dpid, port, src
            verdict = arp(st, pkt)
        end
        bp = st.blocked[port]
        if bp and bp[src] then return drop(sw, pkt) end -- this very packet convicted it
        if verdict == "drop" then return drop(sw, pkt) end
        if verdict == "fwd" then return forward(sw, st, pkt) end
        return nil
    end,

    -- `visorflowctl block ADDR|MAC [--for SECONDS]` and `unblock ADDR|MAC`
    -- (docs/lua-api.md, "Commands"); other commands are not ours (nil).
    command = function(name, args)
        if name ~= "block" and name ~= "unblock" then return nil end
        local who = type(args) == "table" and (args.addr or args.mac)
        if type(who) ~= "string" then return false, name .. ": expected an address or a MAC" end
        who = who:lower()
        if name == "unblock" then
            local n = unblock(who)
            if n == 0 then return false, who .. " is not blocked" end
            return string.format("unblocked %s: %d block%s ended", who, n, n == 1 and "" or "s")
        end
        local sec = args.seconds
        if sec ~= nil and (math.type(sec) ~= "integer" or sec < 1) then
            return false, "block: seconds must be a positive integer, got " .. tostring(sec)
        end
        local text, why = block_host(who, sec)
        if not text then return false, why end -- nil would pass it to the next app
        return text
    end,

    monitor_drop = function(ev)
        -- A drop by the monitor below a guest: the packet never reached (or
        -- left) the switch, so this is the only trace of it.
        if type(ev) ~= "table" or type(ev.src) ~= "string" or type(ev.dst) ~= "string" then return end
        local t = vf.now()
        local proto = ev.proto == "tcp" and 6 or ev.proto == "udp" and 17 or ev.proto == "icmp" and 1
                      or tonumber(ev.proto)
        if ev.dir == "to-guest" then
            -- the probe the switch saw (if it saw one) fails now: only a
            -- pending probe counts, so a spoofed source blames nobody
            if proto == 6 or proto == 17 then
                answer((proto == 6 and "tcp " or "udp ") .. ev.src .. " " .. tostring(ev.sport) .. " "
                       .. ev.dst .. " " .. tostring(ev.dport), false, t)
            else
                answer("ip " .. ev.src .. " " .. ev.dst .. " " .. tostring(proto), false, t)
            end
            return
        end
        if ev.dir ~= "from-guest" or exempt[ev.src] then return end
        -- From a guest: the sender is its port, whatever address it claims.
        local s = guest_sender(ev.port, t)
        if not s then return end
        local svc = (proto == 6 and "tcp/" or proto == 17 and "udp/" or "ip/")
                    .. tostring((proto == 6 or proto == 17) and ev.dport or proto)
        probe(s, t, ev.src, ev.dst, svc, nil, "bad")
    end,

    flow_removed = function(sw, fr)
        if fr.cookie == COOKIE_REMOTE and fr.priority == cfg.block_priority then return true end
        if fr.cookie ~= COOKIE_BLOCK or fr.priority ~= cfg.block_priority then return nil end
        local m = fr.match
        local b = m.in_port and m.dl_src and blocks[sw.dpid .. " " .. m.in_port .. " " .. m.dl_src]
        -- "delete": ours (unblock) or a table wipe, after which switch_up
        -- puts the block back; only the hard timeout ends a block
        if b and fr.reason == "hard_timeout" then
            end_block(b, string.format("block time over, %d packets dropped", fr.packet_count), vf.now())
        end
        return true
    end,

    error = function(sw, err)
        for _, b in pairs(blocks) do
            if b.dpid == sw.dpid and b.xid == err.xid then b.failed = err.name end
        end
    end,

    switch_up = function(sw)
        switches[sw.dpid] = nil
        sw_state(sw.dpid)
        -- Blocks from before a reconnect go back in after the barrier: the
        -- table wipe of l2_learning (later in the chain) must come first.
        vf.barrier(sw, function(ok)
            if not ok then return end
            local t = vf.now()
            for _, b in pairs(blocks) do
                if b.dpid == sw.dpid and b.ends - t >= 1 then install(sw, b, flow_timeout(b, t)) end
            end
            for _, r in pairs(remote) do -- other instances' blocks hold on every switch
                r.fresh = nil
                remote_install(sw, r, t)
                remote_rule(r)
            end
        end)
    end,

    switch_down = function(sw) switches[sw.dpid] = nil end,

    port_status = function(sw, ps)
        local st = switches[sw.dpid]
        if st and ps.reason == "delete" then
            st.buckets[ps.port.port_no], st.limited[ps.port.port_no] = nil, nil
        end
    end,

    -- Blocks (their flows are in the switches) survive a reload, and so do
    -- where hosts are and who probed whom (a victim still answering its
    -- scanners after a reload must not look like a scanner); what was
    -- learned about senders does not.
    save = function()
        local list, seen, where = {}, {}, {}
        for _, gen in ipairs { touched.old, touched.cur } do
            for k, v in pairs(gen) do seen[k] = v end
        end
        for _, gen in ipairs { hosts.old, hosts.cur } do
            for k, v in pairs(gen) do where[k] = v end
        end
        for _, b in pairs(blocks) do
            list[#list + 1] = { key = b.key, dpid = b.dpid, port = b.port, mac = b.mac, t = b.t,
                                ends = b.ends, why = b.why, first = b.first, n = b.n, fails = b.fails,
                                ips = b.ips, rule = b.rule, confirmed = b.confirmed }
        end
        local rl = {}
        for _, r in pairs(remote) do
            rl[#rl + 1] = { mac = r.mac, ip = r.ip, ends = r.ends, by = r.by, why = r.why,
                            rule = r.rule, rule_asked = r.rule_asked, own = r.own, on = r.on }
        end
        return { blocks = list, header_done = header_done, touched = seen, hosts = where, remote = rl }
    end,
    restore = function(saved)
        header_done = saved.header_done
        for k, v in pairs(saved.touched or {}) do cset(touched, k, v) end
        for k, v in pairs(saved.hosts or {}) do cset(hosts, k, v) end
        for _, b in ipairs(saved.blocks or {}) do
            if not blocks[b.key] then blocks[b.key], nblocks = b, nblocks + 1 end
        end
        -- their flows are in the switches: only what the mirror holds now
        -- (read when the chunk ran) and the old state did not is applied
        for _, r in ipairs(saved.remote or {}) do
            local cur = remote[r.mac]
            if cur then
                cur.fresh, cur.rule, cur.rule_asked, cur.on = nil, r.rule, r.rule_asked, r.on
            elseif r.rule ~= nil then
                remove_rule(r.rule)
            end
        end
    end,

    -- Blocks other instances published while the chunk loaded (switch I/O
    -- is refused then) go on the switches now.
    reloaded = function()
        for _, r in pairs(remote) do
            if r.fresh then r.fresh = nil remote_apply(r) end
        end
    end,
}
