-- l2_learning.lua - a reactive learning switch, one MAC table per switch.
--
-- switch_up:  the switch's flow table is cleared (DELETE of every flow) and
--             nothing is installed: with fail_mode secure an unmatched packet
--             is a PACKET_IN, which is how this app sees traffic. Not on a
--             takeover (info.takeover: another controller of the cluster was
--             master): the switch kept its flows across the failover, and
--             they stay; only the MAC table starts empty and refills.
-- packet_in:  the source MAC is learned on the input port; if the destination
--             is known, an exact flow for this packet (pkt.match: every field
--             Open vSwitch extracts, in_port included) is installed towards
--             it and the packet goes out with it; an unknown, broadcast or
--             multicast destination is flooded with a PACKET_OUT.
-- save/restore: the MAC tables survive a hot reload.
--
-- Configuration (all optional):
--   idle_timeout = 10     seconds an installed flow may sit unused
--   hard_timeout = 0      seconds before an installed flow expires anyway (0: never)
--   priority     = 32768  priority of the installed flows
--   max_macs     = 4096   MACs remembered per switch; a full table starts over

local cfg = vf.configure {
    idle_timeout = 10,
    hard_timeout = 0,
    priority = 0x8000,
    max_macs = 4096,
}

-- tables[dpid] = { macs = { [mac] = port }, n = count }
local tables = {}

local function table_of(sw)
    local t = tables[sw.dpid]
    if not t then
        t = { macs = {}, n = 0 }
        tables[sw.dpid] = t
    end
    return t
end

-- Group bit: broadcast and multicast addresses are never learned or targeted.
local function is_group(mac)
    return tonumber(mac:sub(2, 2), 16) & 1 == 1
end

local function learn(t, mac, port)
    if t.macs[mac] == nil then
        if t.n >= cfg.max_macs then -- bounded state: start over rather than grow
            t.macs, t.n = {}, 0
        end
        t.n = t.n + 1
    end
    t.macs[mac] = port
end

local function flood(sw, pkt)
    vf.packet_out(sw, { packet = pkt, actions = "flood" })
end

return {
    switch_up = function(sw, info)
        tables[sw.dpid] = { macs = {}, n = 0 }
        if info and info.takeover then return end -- keep the flows of the old master
        vf.flow_mod(sw, { command = "delete" }) -- no match: every flow
    end,

    switch_down = function(sw)
        tables[sw.dpid] = nil
    end,

    packet_in = function(sw, pkt)
        local src, dst = pkt.dl_src, pkt.dl_dst
        if not src then -- a runt frame: nothing to learn from
            return flood(sw, pkt)
        end
        local t = table_of(sw)
        if not is_group(src) then learn(t, src, pkt.in_port) end
        local port = not is_group(dst) and t.macs[dst]
        if not port then
            return flood(sw, pkt)
        end
        if port == pkt.in_port then
            -- the destination sits behind the port the packet came from: the
            -- switch must not send it back; release its buffer, if any
            if pkt.buffer_id then vf.packet_out(sw, { packet = pkt, actions = {} }) end
            return
        end
        local out = { { output = port } }
        vf.flow_mod(sw, {
            match = pkt.match,
            idle_timeout = cfg.idle_timeout,
            hard_timeout = cfg.hard_timeout,
            priority = cfg.priority,
            buffer_id = pkt.buffer_id, -- a buffered packet leaves with the flow
            actions = out,
        })
        if not pkt.buffer_id then
            vf.packet_out(sw, { packet = pkt, actions = out })
        end
    end,

    save = function()
        return tables
    end,

    restore = function(saved)
        tables = saved
    end,
}
