-- flowmon.lua - polls the flow and port counters of every connected switch
-- every `interval` seconds and emits one CSV row per flow and per port
-- direction through vf.record (the host decides where rows are written; the
-- daemon appends them to RECORD_DIR/flowmon-STREAM.csv). Plotting the
-- packets column of the flow rows over time gives the paper's Fig. 5: the
-- counters of the A->B flow stop growing when the drop flow for the scanner
-- is installed, and the drop flow's counter takes off.
--
-- Columns (header row first):
--   time      wall clock, Unix seconds with milliseconds
--   dpid      00:00:00:00:00:00:00:01
--   kind      flow | port_rx | port_tx
--   key       flow: its match as field=value pairs in a fixed order
--             ("dl_type=0x0800,nw_src=10.0.0.1,nw_proto=6,tp_dst=22"; "any" for
--             the catch-all); port: the port number
--   priority  flow priority (empty for ports)
--   packets   packet counter
--   bytes     byte counter
--   duration  flow age in seconds (empty for ports)
--   actions   flow actions ("drop", "output:2", ...); port rows: dropped count
--
-- Configuration:
--   interval = 5        seconds between polls (the timer() tick)
--   stream   = stats    record stream name
--   flows    = true     poll flow counters
--   ports    = true     poll port counters

local cfg = vf.configure { interval = 5, stream = "stats", flows = true, ports = true }

local HEADER = { "time", "dpid", "kind", "key", "priority", "packets", "bytes", "duration", "actions" }
local header_done = false
local pending = {} -- dpid -> requests still unanswered: never pile polls up

local FIELDS = { "in_port", "dl_vlan", "dl_vlan_pcp", "dl_src", "dl_dst", "dl_type", "nw_src",
                 "nw_dst", "nw_proto", "nw_tos", "tp_src", "tp_dst" }

local function match_text(m)
    local out = {}
    for _, f in ipairs(FIELDS) do
        local v = m[f]
        if v ~= nil then
            if f == "dl_type" then v = string.format("0x%04x", v) end
            out[#out + 1] = f .. "=" .. tostring(v)
        end
    end
    return #out > 0 and table.concat(out, ",") or "any"
end

local function actions_text(acts)
    local out = {}
    for _, a in ipairs(acts) do
        local k, v = next(a)
        if k == "max_len" then k, v = next(a, k) end
        if k == "enqueue" then v = tostring(v.port) .. ":" .. tostring(v.queue) end
        out[#out + 1] = k .. ":" .. tostring(v)
    end
    return #out > 0 and table.concat(out, " ") or "drop"
end

local function emit(row)
    if not header_done then
        vf.record(cfg.stream, HEADER)
        header_done = true
    end
    vf.record(cfg.stream, row)
end

local function stamp() return string.format("%.3f", vf.time()) end

local function done(dpid) pending[dpid] = (pending[dpid] or 1) - 1 end

local function poll_switch(sw)
    local dpid = sw.dpid
    if (pending[dpid] or 0) > 0 then
        log.debug("%s: previous poll not answered yet, skipping", dpid)
        return
    end
    pending[dpid] = 0
    if cfg.flows then
        local ok = vf.stats(sw, "flow", nil, function(rows, err)
            done(dpid)
            if not rows then return log.warn("%s: flow stats: %s", dpid, err) end
            local t = stamp()
            for _, f in ipairs(rows) do
                emit { t, dpid, "flow", match_text(f.match), f.priority, f.packet_count, f.byte_count,
                       string.format("%.3f", f.duration_sec + f.duration_nsec / 1e9), actions_text(f.actions) }
            end
        end)
        if ok then pending[dpid] = pending[dpid] + 1 end
    end
    if cfg.ports then
        local ok = vf.stats(sw, "port", nil, function(rows, err)
            done(dpid)
            if not rows then return log.warn("%s: port stats: %s", dpid, err) end
            local t = stamp()
            for _, p in ipairs(rows) do
                emit { t, dpid, "port_rx", p.port_no, "", p.rx_packets, p.rx_bytes, "", p.rx_dropped }
                emit { t, dpid, "port_tx", p.port_no, "", p.tx_packets, p.tx_bytes, "", p.tx_dropped }
            end
        end)
        if ok then pending[dpid] = pending[dpid] + 1 end
    end
end

return {
    tick = cfg.interval,
    timer = function()
        for _, sw in ipairs(vf.switches()) do poll_switch(sw) end
    end,

    switch_down = function(sw) pending[sw.dpid] = nil end,

    -- the header is written once per file, not once per reload
    save = function() return { header_done = header_done } end,
    restore = function(s) header_done = s.header_done end,
}
