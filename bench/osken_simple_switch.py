# bench/osken_simple_switch.py - the os-ken baseline of bench/controller.sh: a
# MAC-learning switch for OpenFlow 1.0 that behaves like os-ken's (and Ryu's)
# sample app simple_switch.py, which Debian's python3-os-ken does not ship
# (its os_ken/app folder is left out).
#
# Per PACKET_IN: learn src MAC -> in_port for the datapath; if dst is known,
# install a flow matching exactly in_port + dl_dst with output to that port
# (no buffer id: the flow is added, the packet goes out by PACKET_OUT); then
# PACKET_OUT the buffered packet to the known port or FLOOD. So a known
# destination costs FLOW_MOD + PACKET_OUT, an unknown one a PACKET_OUT.
#
# Run: /usr/bin/python3 -m os_ken.cmd.manager --ofp-listen-host 127.0.0.1 \
#          --ofp-tcp-listen-port PORT bench/osken_simple_switch.py
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.mac import haddr_to_bin
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_0


class BenchSimpleSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_0.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mac_to_port = {}  # dpid -> {mac text: port}

    def add_flow(self, datapath, in_port, dst, actions):
        ofproto = datapath.ofproto
        parser = datapath.ofproto_parser
        match = parser.OFPMatch(in_port=in_port, dl_dst=haddr_to_bin(dst))
        mod = parser.OFPFlowMod(
            datapath=datapath, match=match, cookie=0,
            command=ofproto.OFPFC_ADD, idle_timeout=0, hard_timeout=0,
            priority=ofproto.OFP_DEFAULT_PRIORITY,
            flags=ofproto.OFPFF_SEND_FLOW_REM, actions=actions)
        datapath.send_msg(mod)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in_handler(self, ev):
        msg = ev.msg
        datapath = msg.datapath
        ofproto = datapath.ofproto

        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None:
            return
        dst, src = eth.dst, eth.src
        ports = self.mac_to_port.setdefault(datapath.id, {})
        ports[src] = msg.in_port

        out_port = ports.get(dst, ofproto.OFPP_FLOOD)
        actions = [datapath.ofproto_parser.OFPActionOutput(out_port)]
        if out_port != ofproto.OFPP_FLOOD:
            self.add_flow(datapath, msg.in_port, dst, actions)

        data = None
        if msg.buffer_id == ofproto.OFP_NO_BUFFER:
            data = msg.data
        out = datapath.ofproto_parser.OFPPacketOut(
            datapath=datapath, buffer_id=msg.buffer_id, in_port=msg.in_port,
            actions=actions, data=data)
        datapath.send_msg(out)
