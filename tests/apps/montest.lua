-- montest.lua - a test app for tests/integration/monitor_daemon.sh: uses the
-- `rules` module and the monitor_drop handler the way an app would, and
-- records what happened (record_dir/montest-events.csv, montest-drops.csv)
-- so the test can check it against the monitor's own counters.
--
-- Half a second after it loads it adds the configured rule and records
-- "added,ID," or "added,,ERROR"; then it lists the rules, tries to delete
-- the first one owned by admin (which a domain may not) and records
-- "del_admin,ID,false,EPERM: ..."; it records every monitor port and, per
-- switch, the OpenFlow port number of each port's switch side; and every
-- drop event as one line of montest-drops.csv.
local cfg = vf.configure {
    addr = "any", proto = "any", port = 0, dir = "both", on = 0,
}

local function spec()
    local s = { addr = cfg.addr, proto = cfg.proto, dir = cfg.dir, on = cfg.on }
    if tonumber(s.proto) then s.proto = tonumber(s.proto) end
    if cfg.port ~= 0 then s.port = cfg.port end
    return s
end

local function try_admin_delete()
    rules.list(function(list, err)
        if not list then
            vf.record("events", { "list_failed", err })
            return
        end
        for _, r in ipairs(list) do
            vf.record("events", { "listed", r.id, r.owner, r.addr .. "/" .. r.plen, r.port,
                r.packets })
        end
        for _, r in ipairs(list) do
            if r.owner == "admin" then
                rules.del(r.id, function(ok, derr)
                    vf.record("events", { "del_admin", r.id, tostring(ok), derr or "" })
                end)
                return
            end
        end
    end)
end

vf.after(0.5, function()
    for _, p in ipairs(rules.ports()) do
        vf.record("events", { "port", p.id, p.guest, p.switch_port or "" })
    end
    local ok, err = rules.add(spec(), function(id, aerr)
        vf.record("events", { "added", id or "", aerr or "" })
        try_admin_delete()
    end)
    if not ok then vf.record("events", { "add_refused", err }) end
end)

return {
    switch_up = function(sw)
        for _, p in ipairs(rules.ports()) do
            for _, op in ipairs(sw:ports()) do
                if op.name == p.switch_port then
                    vf.record("events", { "ofport", p.id, p.switch_port, op.port_no })
                end
            end
        end
    end,
    monitor_drop = function(ev)
        vf.record("drops", { ev.rule, ev.port, ev.dir, ev.proto, ev.src, ev.dst, ev.sport,
            ev.dport, ev.reason, ev.len })
    end,
}
