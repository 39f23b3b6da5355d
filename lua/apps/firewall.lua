-- firewall.lua - a static ACL on the IPv4 5-tuple, enforced twice: as
-- high-priority drop flows in every switch (so blocked traffic never reaches
-- the controller), and on every PACKET_IN (so nothing slips through before
-- the flows are in, or through a rule the switch cannot express).
--
-- Put it first in the chain: a packet it denies stops the chain, so later
-- apps (l2_learning) never see it and never install a flow for it.
--
-- Configuration:
--   rule = ACTION PROTO SRC DST [DPORT]          repeated; first match wins
--   rule = ACTION PROTO SRC SPORT DST DPORT
--     ACTION  allow | deny
--     PROTO   tcp | udp | icmp | ip (any IPv4) | a protocol number
--     SRC/DST any | 10.0.0.1 | 10.0.0.0/24
--     PORTS   any | 0..65535 (tcp and udp only)
--   default  = allow         what happens to IPv4 packets no rule matches
--   priority = 61440         priority of the first rule's drop flow (later rules: one less each)
--
-- Example: rule = deny tcp 10.0.0.0/24 any 22
--
-- A deny rule overlapped by an earlier allow rule gets no drop flow (it would
-- shadow the allowed traffic); it is enforced on PACKET_IN only. The drop
-- flows go in after a barrier on switch_up, so that the table wipe of apps
-- later in the chain (l2_learning) reaches the switch first. On a reload,
-- drop flows of rules that are gone are deleted and the others re-added.

local cfg = vf.configure { rule = {}, default = "allow", priority = 0xf000 }

local PROTOS = { tcp = 6, udp = 17, icmp = 1, ip = false }

local function ip2int(s)
    local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    if not a then return nil end
    a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
    if a > 255 or b > 255 or c > 255 or d > 255 then return nil end
    return ((a * 256 + b) * 256 + c) * 256 + d
end

-- "any" -> nil; "10.0.0.0/24" -> { net, mask, plen, text }
local function parse_net(s, where)
    if s == "any" then return nil end
    local addr, plen = s:match("^([%d.]+)/(%d+)$")
    addr, plen = addr or s, tonumber(plen or "32")
    local a = ip2int(addr)
    if not a or plen > 32 then error(where .. ": bad address '" .. s .. "'", 3) end
    local mask = plen == 0 and 0 or (0xffffffff << (32 - plen)) & 0xffffffff
    local net = a & mask
    return { net = net, mask = mask, plen = plen,
             text = string.format("%d.%d.%d.%d/%d", net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255, plen) }
end

local function parse_port(s, proto, where)
    if s == nil or s == "any" then return nil end
    local p = tonumber(s)
    if not p or p ~= math.floor(p) or p < 0 or p > 65535 then
        error(where .. ": bad port '" .. s .. "'", 3)
    end
    if proto ~= 6 and proto ~= 17 then error(where .. ": ports need tcp or udp", 3) end
    return p
end

local function parse_rule(text, i)
    local where = "rule " .. i .. " '" .. text .. "'"
    local w = {}
    for word in text:gmatch("%S+") do w[#w + 1] = word end
    if #w < 4 or #w > 6 then
        error(where .. ": expected ACTION PROTO SRC DST [DPORT] or ACTION PROTO SRC SPORT DST DPORT", 2)
    end
    local action = w[1]
    if action ~= "allow" and action ~= "deny" then error(where .. ": action must be allow or deny", 2) end
    local proto = PROTOS[w[2]]
    if proto == nil then
        proto = tonumber(w[2])
        if math.type(proto) ~= "integer" or proto < 0 or proto > 255 then
            error(where .. ": bad protocol '" .. w[2] .. "'", 2)
        end
    end
    proto = proto or nil -- "ip": any protocol
    local r = { action = action, proto = proto, index = i }
    if #w == 6 then
        r.src, r.sport = parse_net(w[3], where), parse_port(w[4], proto, where)
        r.dst, r.dport = parse_net(w[5], where), parse_port(w[6], proto, where)
    else
        r.src, r.dst = parse_net(w[3], where), parse_net(w[4], where)
        r.dport = parse_port(w[5], proto, where)
    end
    return r
end

local rules = {}
for i, text in ipairs(cfg.rule) do rules[i] = parse_rule(text, i) end
if cfg.default ~= "allow" and cfg.default ~= "deny" then
    error("default must be allow or deny, got '" .. tostring(cfg.default) .. "'")
end

-- Do two rules match a common packet?
local function nets_meet(a, b)
    if not a or not b then return true end
    local m = a.plen < b.plen and a.mask or b.mask
    return a.net & m == b.net & m
end
local function same_or_any(a, b) return a == nil or b == nil or a == b end
local function overlap(a, b)
    return same_or_any(a.proto, b.proto) and nets_meet(a.src, b.src) and nets_meet(a.dst, b.dst)
        and same_or_any(a.sport, b.sport) and same_or_any(a.dport, b.dport)
end

-- The drop flows: deny rules no earlier allow rule overlaps.
local flows = {}
for i, r in ipairs(rules) do
    local shadowed = false
    for j = 1, i - 1 do
        if rules[j].action == "allow" and overlap(rules[j], r) then shadowed = true end
    end
    if r.action == "deny" and not shadowed then
        flows[#flows + 1] = {
            priority = cfg.priority - i,
            match = { dl_type = "ip", nw_proto = r.proto, nw_src = r.src and r.src.text,
                      nw_dst = r.dst and r.dst.text, tp_src = r.sport, tp_dst = r.dport },
        }
    elseif r.action == "deny" then
        log.info("rule %d is enforced on packet_in only (an earlier allow rule overlaps it)", i)
    end
end

local function install(sw)
    for _, f in ipairs(flows) do
        vf.flow_mod(sw, { match = f.match, priority = f.priority, actions = {} })
    end
end

local function in_net(n, addr) return n == nil or (addr ~= nil and addr & n.mask == n.net) end

-- The rule deciding this packet's fate, or nil. pkt.match is what the switch
-- sees (ports of fragments read 0), so the verdict agrees with the flows.
local function verdict(pkt)
    local m = pkt.match
    local src, dst = ip2int(m.nw_src or ""), ip2int(m.nw_dst or "")
    for _, r in ipairs(rules) do
        if (r.proto == nil or r.proto == m.nw_proto) and in_net(r.src, src) and in_net(r.dst, dst)
            and (r.sport == nil or r.sport == m.tp_src) and (r.dport == nil or r.dport == m.tp_dst) then
            return r
        end
    end
    return nil
end

local previous = {} -- flows installed by the state before a reload

-- One string per flow (priority and match), to compare old and new flows.
local function key(f)
    local m = f.match
    return table.concat({ f.priority, tostring(m.nw_proto), tostring(m.nw_src), tostring(m.nw_dst),
                          tostring(m.tp_src), tostring(m.tp_dst) }, " ")
end

return {
    switch_up = function(sw)
        -- After a barrier: apps later in the chain (l2_learning) clear the
        -- flow table in their switch_up, and the switch must see our flows
        -- after that DELETE, not before.
        vf.barrier(sw, function(ok, err)
            if ok then install(sw) else log.warn("%s: barrier failed: %s", sw.dpid, err) end
        end)
    end,

    packet_in = function(sw, pkt)
        if pkt.match.dl_type ~= 0x0800 then return end
        local r = verdict(pkt)
        local deny
        if r then deny = r.action == "deny" else deny = cfg.default == "deny" end
        if not deny then return end
        log.debug("%s port %d: %s -> %s denied by %s", sw.dpid, pkt.in_port, pkt.nw_src,
                  pkt.nw_dst, r and ("rule " .. r.index) or "the default")
        if pkt.buffer_id then vf.packet_out(sw, { packet = pkt, actions = {} }) end -- free the buffer
        return true -- stop the chain: nobody forwards it
    end,

    save = function() return flows end,
    restore = function(old) previous = old end,

    -- New rules: take the old drop flows that are gone out, put the new in.
    reloaded = function()
        local keep = {}
        for _, f in ipairs(flows) do keep[key(f)] = true end
        for _, sw in ipairs(vf.switches()) do
            for _, f in ipairs(previous) do
                if not keep[key(f)] then
                    vf.flow_mod(sw, { command = "delete_strict", match = f.match, priority = f.priority })
                end
            end
            install(sw)
        end
        previous = {}
    end,
}
