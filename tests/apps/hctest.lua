-- hctest.lua - a test app for tests/integration/hypercall_daemon.sh and
-- hypercall_qemu.sh: when the monitor drops a packet on its way to a guest
-- (an admin rule, "dir to-guest"), it tells that guest with guest.notify, the
-- way a port-scan app tells its victim: once per (port, source, destination
-- port), kind "blocked", with the attacker's address, the protocol, the port
-- and the rule. Every attempt is recorded (record_dir/hctest-notes.csv:
-- "port,src,dport,ok,err") so the test can compare it with what the guest
-- received.
local told = {}

return {
    monitor_drop = function(ev)
        if ev.dir ~= "to-guest" or ev.reason ~= "rule" then return end
        local key = ev.port .. "/" .. ev.src .. "/" .. ev.dport
        if told[key] then return end
        told[key] = true
        local ok, err = guest.notify(ev.port, "blocked " .. ev.src .. " to port " .. ev.dport, {
            kind = "blocked", attacker = ev.src, proto = ev.proto, port = ev.dport,
            rule = ev.rule,
        })
        vf.record("notes", { ev.port, ev.src, ev.dport, tostring(ok), err or "" })
    end,
}
