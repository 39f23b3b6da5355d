-- hub.lua - the simplest controller app: every packet the switch sends up is
-- flooded out of every port but the one it came in on. No flows are
-- installed, so every packet keeps coming to the controller: useful as a
-- baseline and as the smallest example of the API (docs/lua-api.md).
--
-- Configuration: none.

return {
    packet_in = function(sw, pkt)
        -- packet = pkt: the switch's buffer if it kept the packet, else its bytes
        vf.packet_out(sw, { packet = pkt, actions = "flood" })
    end,
}
