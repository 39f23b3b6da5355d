/*
 * of10_gen_pcap.c - one encoded OpenFlow 1.0 message of every kind, as a pcap.
 * Builds every message type, every stats request/reply kind, every FLOW_MOD
 * command and every action type through of10_encode, and writes them to a
 * classic pcap (Ethernet/IPv4/TCP, 127.0.0.1, controller port 6653), one
 * message per TCP segment after a three-way handshake, with correct IPv4 and
 * TCP checksums, so a third-party dissector (tshark) can judge our encoder.
 * Usage: of10_gen_pcap OUT.pcap; stdout gets one manifest line per message:
 *   FRAME TYPE_NUM TYPE_NAME STATS_NUM|- STATS_NAME|- LABEL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "of10/of10.h"

#define CTL_PORT OFP10_TCP_PORT
#define SW_PORT  41000

/* ---- pcap writing ---------------------------------------------------------- */

struct tcp_side {
    uint16_t port;
    uint32_t next_seq;
};

static FILE *out;
static unsigned frame_no;
static uint16_t ip_id = 1;
static struct tcp_side side_ctl = {CTL_PORT, 0x10000000u};
static struct tcp_side side_sw = {SW_PORT, 0x20000000u};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Internet checksum over [p, p+len) added to a running sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}
static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void write_record(const uint8_t *frame, size_t len)
{
    uint32_t rec[4];
    rec[0] = 1700000000u + frame_no / 1000; /* seconds */
    rec[1] = (frame_no % 1000) * 1000;      /* one frame per millisecond */
    rec[2] = rec[3] = (uint32_t)len;
    if (fwrite(rec, sizeof rec, 1, out) != 1 || fwrite(frame, len, 1, out) != 1) {
        perror("of10_gen_pcap: write");
        exit(1);
    }
}

enum { TH_FIN = 1, TH_SYN = 2, TH_PSH = 8, TH_ACK = 16 };

/* One TCP segment from `from` to `to` carrying payload; advances sequence numbers. */
static unsigned segment(struct tcp_side *from, const struct tcp_side *to, uint8_t flags,
                        const uint8_t *payload, size_t plen)
{
    static uint8_t f[14 + 20 + 20 + 65536];
    uint8_t *ip = f + 14, *tcp = ip + 20;
    size_t tcp_len = 20 + plen;

    memset(f, 0, 14 + 20 + 20);
    put16(f + 12, 0x0800); /* loopback frames carry zero MACs */
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + tcp_len));
    put16(ip + 4, ip_id++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, 0x7f000001);
    put32(ip + 16, 0x7f000001);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

    put16(tcp, from->port);
    put16(tcp + 2, to->port);
    put32(tcp + 4, from->next_seq);
    put32(tcp + 8, (flags & TH_ACK) ? to->next_seq : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (plen) memcpy(tcp + 20, payload, plen);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)tcp_len);
    put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, tcp_len)));

    from->next_seq += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
    frame_no++;
    write_record(f, 14 + 20 + tcp_len);
    return frame_no;
}

static void pcap_open(const char *path)
{
    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        exit(1);
    }
    uint32_t hdr32[5] = {0xa1b2c3d4u, 0, 0, 262144, 1 /* LINKTYPE_ETHERNET */};
    uint16_t ver[2] = {2, 4};
    if (fwrite(hdr32, 4, 1, out) != 1 || fwrite(ver, sizeof ver, 1, out) != 1 ||
        fwrite(hdr32 + 1, 4, 4, out) != 4) {
        perror(path);
        exit(1);
    }
    /* The switch connects to the controller. */
    segment(&side_sw, &side_ctl, TH_SYN, NULL, 0);
    segment(&side_ctl, &side_sw, TH_SYN | TH_ACK, NULL, 0);
    segment(&side_sw, &side_ctl, TH_ACK, NULL, 0);
}

/* ---- messages -------------------------------------------------------------- */

static uint32_t next_xid = 1;
static uint8_t enc[65536];
static int failures;

/* Encode m and send it in its own segment: from the switch unless to_switch. */
static void emit(struct of10_msg *m, bool to_switch, const char *label)
{
    size_t len;
    m->xid = next_xid++;
    uint32_t err = of10_encode(m, enc, sizeof enc, &len);
    if (err != OF10_OK) {
        fprintf(stderr, "of10_gen_pcap: %s: encode failed: %s\n", label, of10_err_name(err));
        failures++;
        return;
    }
    /* Our own decoder must read back exactly what was built. */
    static unsigned char arena_mem[OF10_ARENA_SIZE];
    struct of10_arena arena;
    struct of10_msg back;
    of10_arena_init(&arena, arena_mem, sizeof arena_mem);
    err = of10_decode(enc, len, &back, &arena);
    if (err != OF10_OK || !of10_msg_equal(m, &back)) {
        fprintf(stderr, "of10_gen_pcap: %s: does not decode back to itself (%s)\n", label,
                of10_err_name(err));
        failures++;
    }
    unsigned fr = to_switch ? segment(&side_ctl, &side_sw, TH_PSH | TH_ACK, enc, len)
                            : segment(&side_sw, &side_ctl, TH_PSH | TH_ACK, enc, len);
    int st = -1;
    if (m->type == OFPT10_STATS_REQUEST)
        st = m->u.stats_request.type;
    else if (m->type == OFPT10_STATS_REPLY)
        st = m->u.stats_reply.type;
    if (st >= 0)
        printf("%u %u %s %d %s %s\n", fr, m->type, of10_type_name(m->type), st,
               of10_stats_type_name((uint16_t)st), label);
    else
        printf("%u %u %s - - %s\n", fr, m->type, of10_type_name(m->type), label);
}

static struct of10_msg msg(uint8_t type)
{
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = type;
    return m;
}

static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t vendor_body[8] = {0x00, 0x0a, 0, 0, 0, 0, 0, 0};

/* An ARP request from host a to host b, 60 bytes as it comes off a wire. */
static uint8_t frame_arp[60];
static void init_frame(void)
{
    uint8_t *p = frame_arp;
    memset(p, 0xff, 6);
    memcpy(p + 6, mac_a, 6);
    put16(p + 12, 0x0806);
    put16(p + 14, 1);
    put16(p + 16, 0x0800);
    p[18] = 6;
    p[19] = 4;
    put16(p + 20, 1);
    memcpy(p + 22, mac_a, 6);
    put32(p + 28, 0x0a000001);
    put32(p + 38, 0x0a000002);
}

/* Every action type once (a wire-valid list; a switch would apply it in order). */
static struct of10_action all_actions[13];
static void init_actions(void)
{
    struct of10_action *a = all_actions;
    memset(all_actions, 0, sizeof all_actions);
    a[0].type = OFPAT10_OUTPUT, a[0].len = 8, a[0].u.output.port = 2;
    a[0].u.output.max_len = 0;
    a[1].type = OFPAT10_SET_VLAN_VID, a[1].len = 8, a[1].u.vlan_vid = 100;
    a[2].type = OFPAT10_SET_VLAN_PCP, a[2].len = 8, a[2].u.vlan_pcp = 5;
    a[3].type = OFPAT10_STRIP_VLAN, a[3].len = 8;
    a[4].type = OFPAT10_SET_DL_SRC, a[4].len = 16;
    memcpy(a[4].u.dl_addr, mac_a, 6);
    a[5].type = OFPAT10_SET_DL_DST, a[5].len = 16;
    memcpy(a[5].u.dl_addr, mac_b, 6);
    a[6].type = OFPAT10_SET_NW_SRC, a[6].len = 8, a[6].u.nw_addr = 0x0a000001;
    a[7].type = OFPAT10_SET_NW_DST, a[7].len = 8, a[7].u.nw_addr = 0x0a000002;
    a[8].type = OFPAT10_SET_NW_TOS, a[8].len = 8, a[8].u.nw_tos = 0x28;
    a[9].type = OFPAT10_SET_TP_SRC, a[9].len = 8, a[9].u.tp_port = 1234;
    a[10].type = OFPAT10_SET_TP_DST, a[10].len = 8, a[10].u.tp_port = 80;
    a[11].type = OFPAT10_ENQUEUE, a[11].len = 16, a[11].u.enqueue.port = 1;
    a[11].u.enqueue.queue_id = 3;
    a[12].type = OFPAT10_VENDOR, a[12].len = 16, a[12].u.vendor.vendor = 0x2320;
    a[12].u.vendor.body = vendor_body, a[12].u.vendor.body_len = sizeof vendor_body;
}

static struct of10_match tcp_match(void)
{
    struct of10_match m;
    of10_match_init_catchall(&m);
    m.wildcards &=
        ~(uint32_t)(OFPFW10_IN_PORT | OFPFW10_DL_TYPE | OFPFW10_NW_PROTO | OFPFW10_TP_DST);
    m.in_port = 1;
    m.dl_type = 0x0800;
    m.nw_proto = 6;
    m.tp_dst = 80;
    of10_match_set_nw_src_prefix(&m, 0x0a000000, 24);
    return m;
}

static struct of10_phy_port phy_port(uint16_t no, const char *name)
{
    struct of10_phy_port p;
    memset(&p, 0, sizeof p);
    p.port_no = no;
    memcpy(p.hw_addr, mac_a, 6);
    p.hw_addr[5] = (uint8_t)no;
    snprintf(p.name, sizeof p.name, "%s", name);
    p.state = OFPPS10_STP_FORWARD;
    p.curr = OFPPF10_10GB_FD | OFPPF10_COPPER;
    p.supported = p.curr;
    return p;
}

static void gen_symmetric(void)
{
    struct of10_msg m = msg(OFPT10_HELLO);
    emit(&m, false, "hello");
    m = msg(OFPT10_HELLO);
    emit(&m, true, "hello");

    m = msg(OFPT10_FEATURES_REQUEST);
    emit(&m, true, "features_request");
    struct of10_phy_port ports[2] = {phy_port(1, "eth1"), phy_port(OFPP10_LOCAL, "br0")};
    m = msg(OFPT10_FEATURES_REPLY);
    m.u.features.datapath_id = 0x0000020000000001ull;
    m.u.features.n_buffers = 256;
    m.u.features.n_tables = 1;
    m.u.features.capabilities = OFPC10_FLOW_STATS | OFPC10_TABLE_STATS | OFPC10_PORT_STATS |
                                OFPC10_QUEUE_STATS | OFPC10_ARP_MATCH_IP;
    m.u.features.actions = (1u << 12) - 1;
    m.u.features.ports = ports;
    m.u.features.n_ports = 2;
    emit(&m, false, "features_reply");

    m = msg(OFPT10_GET_CONFIG_REQUEST);
    emit(&m, true, "get_config_request");
    m = msg(OFPT10_GET_CONFIG_REPLY);
    m.u.config.flags = OFPC10_FRAG_NORMAL;
    m.u.config.miss_send_len = 128;
    emit(&m, false, "get_config_reply");
    m = msg(OFPT10_SET_CONFIG);
    m.u.config.flags = OFPC10_FRAG_DROP;
    m.u.config.miss_send_len = 0xffff;
    emit(&m, true, "set_config");

    static const uint8_t echo_data[] = "visorflow echo";
    m = msg(OFPT10_ECHO_REQUEST);
    m.u.echo.p = echo_data, m.u.echo.len = sizeof echo_data - 1;
    emit(&m, true, "echo_request");
    m = msg(OFPT10_ECHO_REPLY);
    m.u.echo.p = echo_data, m.u.echo.len = sizeof echo_data - 1;
    emit(&m, false, "echo_reply");

    static const uint8_t nx_role[] = {0, 0, 0, 10, 0, 0, 0, 1}; /* subtype, body */
    m = msg(OFPT10_VENDOR);
    m.u.vendor.vendor = 0x2320;
    m.u.vendor.data.p = nx_role, m.u.vendor.data.len = sizeof nx_role;
    emit(&m, true, "vendor");

    m = msg(OFPT10_BARRIER_REQUEST);
    emit(&m, true, "barrier_request");
    m = msg(OFPT10_BARRIER_REPLY);
    emit(&m, false, "barrier_reply");
}

static void gen_async(void)
{
    struct of10_msg m = msg(OFPT10_PACKET_IN);
    m.u.packet_in.buffer_id = OFP10_NO_BUFFER;
    m.u.packet_in.total_len = sizeof frame_arp;
    m.u.packet_in.in_port = 1;
    m.u.packet_in.reason = OFPR10_NO_MATCH;
    m.u.packet_in.data.p = frame_arp, m.u.packet_in.data.len = sizeof frame_arp;
    emit(&m, false, "packet_in");

    m = msg(OFPT10_FLOW_REMOVED);
    m.u.flow_removed.match = tcp_match();
    m.u.flow_removed.cookie = 0x77;
    m.u.flow_removed.priority = 300;
    m.u.flow_removed.reason = OFPRR10_HARD_TIMEOUT;
    m.u.flow_removed.duration_sec = 1, m.u.flow_removed.duration_nsec = 2000;
    m.u.flow_removed.idle_timeout = 0;
    m.u.flow_removed.packet_count = 3, m.u.flow_removed.byte_count = 180;
    emit(&m, false, "flow_removed");

    m = msg(OFPT10_PORT_STATUS);
    m.u.port_status.reason = OFPPR10_MODIFY;
    m.u.port_status.desc = phy_port(2, "eth2");
    m.u.port_status.desc.config = OFPPC10_PORT_DOWN;
    m.u.port_status.desc.state = OFPPS10_LINK_DOWN;
    emit(&m, false, "port_status");
}

static void gen_commands(void)
{
    struct of10_action po_actions[2] = {{0}, {0}};
    po_actions[0].type = OFPAT10_SET_VLAN_VID, po_actions[0].len = 8;
    po_actions[0].u.vlan_vid = 7;
    po_actions[1].type = OFPAT10_OUTPUT, po_actions[1].len = 8;
    po_actions[1].u.output.port = OFPP10_CONTROLLER, po_actions[1].u.output.max_len = 128;
    struct of10_msg m = msg(OFPT10_PACKET_OUT);
    m.u.packet_out.buffer_id = OFP10_NO_BUFFER;
    m.u.packet_out.in_port = OFPP10_NONE;
    m.u.packet_out.actions.v = po_actions, m.u.packet_out.actions.n = 2;
    m.u.packet_out.data.p = frame_arp, m.u.packet_out.data.len = sizeof frame_arp;
    emit(&m, true, "packet_out");

    static const char *const cmd_names[] = {"add", "modify", "modify_strict", "delete",
                                            "delete_strict"};
    for (uint16_t cmd = OFPFC10_ADD; cmd <= OFPFC10_DELETE_STRICT; cmd++) {
        char label[64];
        snprintf(label, sizeof label, "flow_mod_%s", cmd_names[cmd]);
        m = msg(OFPT10_FLOW_MOD);
        struct of10_flow_mod *fm = &m.u.flow_mod;
        fm->match = tcp_match();
        fm->cookie = 0x1000 + cmd;
        fm->command = cmd;
        fm->priority = 100;
        fm->buffer_id = OFP10_NO_BUFFER;
        fm->out_port = OFPP10_NONE;
        if (cmd == OFPFC10_ADD) {
            fm->idle_timeout = 60, fm->hard_timeout = 300;
            fm->flags = OFPFF10_SEND_FLOW_REM | OFPFF10_CHECK_OVERLAP;
            fm->actions.v = all_actions;
            fm->actions.n = sizeof all_actions / sizeof all_actions[0];
        } else {
            /* Switches ignore the actions of a DELETE, but tshark 4.0 raises a
             * malformed-packet exception on any FLOW_MOD without actions, so
             * every command carries one output action here. */
            fm->actions.v = all_actions, fm->actions.n = 1;
        }
        if (cmd == OFPFC10_DELETE_STRICT) fm->out_port = 2;
        emit(&m, true, label);
    }

    m = msg(OFPT10_PORT_MOD);
    m.u.port_mod.port_no = 1;
    memcpy(m.u.port_mod.hw_addr, mac_a, 6);
    m.u.port_mod.hw_addr[5] = 1;
    m.u.port_mod.config = OFPPC10_PORT_DOWN;
    m.u.port_mod.mask = OFPPC10_PORT_DOWN;
    m.u.port_mod.advertise = 0;
    emit(&m, true, "port_mod");

    m = msg(OFPT10_QUEUE_GET_CONFIG_REQUEST);
    m.u.queue_get_config_request = 1;
    emit(&m, true, "queue_get_config_request");

    struct of10_queue_prop props[1] = {{OFPQT10_MIN_RATE, 500}};
    struct of10_packet_queue queues[2] = {{1, props, 1}, {2, NULL, 0}};
    m = msg(OFPT10_QUEUE_GET_CONFIG_REPLY);
    m.u.queue_get_config_reply.port = 1;
    m.u.queue_get_config_reply.queues = queues;
    m.u.queue_get_config_reply.n_queues = 2;
    emit(&m, false, "queue_get_config_reply");
}

static void gen_stats_requests(void)
{
    static const uint8_t nx_flow_req[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (uint16_t st = OFPST10_DESC; st <= OFPST10_QUEUE + 1; st++) {
        uint16_t type = st <= OFPST10_QUEUE ? st : OFPST10_VENDOR;
        char label[64];
        struct of10_msg m = msg(OFPT10_STATS_REQUEST);
        struct of10_stats_request *r = &m.u.stats_request;
        r->type = type;
        switch (type) {
        case OFPST10_FLOW:
        case OFPST10_AGGREGATE:
            of10_match_init_catchall(&r->u.flow.match);
            r->u.flow.table_id = 0xff;
            r->u.flow.out_port = OFPP10_NONE;
            break;
        case OFPST10_PORT:
            r->u.port.port_no = OFPP10_NONE;
            break;
        case OFPST10_QUEUE:
            r->u.queue.port_no = OFPP10_ALL;
            r->u.queue.queue_id = OFPQ10_ALL;
            break;
        case OFPST10_VENDOR:
            r->u.vendor.vendor = 0x2320;
            r->u.vendor.data.p = nx_flow_req, r->u.vendor.data.len = sizeof nx_flow_req;
            break;
        default:
            break;
        }
        snprintf(label, sizeof label, "stats_request_%s", of10_stats_type_name(type));
        emit(&m, true, label);
    }
}

static void gen_stats_replies(void)
{
    static struct of10_desc_stats desc;
    snprintf(desc.mfr_desc, sizeof desc.mfr_desc, "visorflow project");
    snprintf(desc.hw_desc, sizeof desc.hw_desc, "pcap generator");
    snprintf(desc.sw_desc, sizeof desc.sw_desc, "of10_gen_pcap");
    snprintf(desc.serial_num, sizeof desc.serial_num, "0001");
    snprintf(desc.dp_desc, sizeof desc.dp_desc, "test datapath");

    struct of10_flow_stats fs[2];
    memset(fs, 0, sizeof fs);
    for (int i = 0; i < 2; i++) {
        fs[i].table_id = 0;
        fs[i].match = tcp_match();
        fs[i].duration_sec = 10u + (uint32_t)i;
        fs[i].priority = (uint16_t)(100 + i);
        fs[i].idle_timeout = 60;
        fs[i].cookie = 0x1000u + (uint64_t)i;
        fs[i].packet_count = 5, fs[i].byte_count = 300;
        fs[i].actions.v = all_actions;
        fs[i].actions.n = i == 0 ? 1 : sizeof all_actions / sizeof all_actions[0];
    }
    fs[1].match.tp_dst = 443;

    struct of10_table_stats ts;
    memset(&ts, 0, sizeof ts);
    snprintf(ts.name, sizeof ts.name, "classifier");
    ts.wildcards = OFPFW10_ALL, ts.max_entries = 1000000, ts.active_count = 2;
    ts.lookup_count = 100, ts.matched_count = 90;

    struct of10_port_stats ps[2];
    memset(ps, 0, sizeof ps);
    ps[0].port_no = 1, ps[0].rx_packets = 10, ps[0].tx_packets = 11;
    ps[0].rx_bytes = 1000, ps[0].tx_bytes = 1100;
    ps[1].port_no = OFPP10_LOCAL, ps[1].rx_dropped = 1;

    struct of10_queue_stats qs = {1, 1, 1500, 1, 0};
    static const uint8_t nx_reply[8] = {0, 0, 0, 0, 0, 0, 0, 0};

    for (uint16_t st = OFPST10_DESC; st <= OFPST10_QUEUE + 1; st++) {
        uint16_t type = st <= OFPST10_QUEUE ? st : OFPST10_VENDOR;
        char label[64];
        struct of10_msg m = msg(OFPT10_STATS_REPLY);
        struct of10_stats_reply *r = &m.u.stats_reply;
        r->type = type;
        switch (type) {
        case OFPST10_DESC:
            r->u.desc = &desc;
            break;
        case OFPST10_FLOW:
            r->u.flow.v = fs, r->u.flow.n = 2;
            break;
        case OFPST10_AGGREGATE:
            r->u.aggregate.packet_count = 10, r->u.aggregate.byte_count = 600;
            r->u.aggregate.flow_count = 2;
            break;
        case OFPST10_TABLE:
            r->u.table.v = &ts, r->u.table.n = 1;
            break;
        case OFPST10_PORT:
            r->u.port.v = ps, r->u.port.n = 2;
            break;
        case OFPST10_QUEUE:
            r->u.queue.v = &qs, r->u.queue.n = 1;
            break;
        default:
            r->u.vendor.vendor = 0x2320;
            r->u.vendor.data.p = nx_reply, r->u.vendor.data.len = sizeof nx_reply;
            break;
        }
        snprintf(label, sizeof label, "stats_reply_%s", of10_stats_type_name(type));
        emit(&m, false, label);
    }
}

/* An ERROR carrying a whole offending request, as the spec asks (>= 64 bytes). */
static void gen_error(void)
{
    static uint8_t bad[128];
    size_t bad_len;
    struct of10_msg fm = msg(OFPT10_FLOW_MOD);
    fm.xid = 0x4242;
    fm.u.flow_mod.match = tcp_match();
    fm.u.flow_mod.command = OFPFC10_ADD;
    fm.u.flow_mod.buffer_id = OFP10_NO_BUFFER;
    fm.u.flow_mod.out_port = OFPP10_NONE;
    fm.u.flow_mod.actions.v = all_actions, fm.u.flow_mod.actions.n = 1;
    if (of10_encode(&fm, bad, sizeof bad, &bad_len) != OF10_OK) {
        fprintf(stderr, "of10_gen_pcap: cannot encode the error's request\n");
        failures++;
        return;
    }
    struct of10_msg m = msg(OFPT10_ERROR);
    m.u.error.type = OFPET10_FLOW_MOD_FAILED;
    m.u.error.code = 0; /* OFPFMFC_ALL_TABLES_FULL */
    m.u.error.data.p = bad, m.u.error.data.len = bad_len;
    emit(&m, false, "error");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: of10_gen_pcap OUT.pcap > manifest\n");
        return 2;
    }
    init_frame();
    init_actions();
    pcap_open(argv[1]);
    gen_symmetric();
    gen_async();
    gen_commands();
    gen_stats_requests();
    gen_stats_replies();
    gen_error();
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return failures ? 1 : 0;
}
