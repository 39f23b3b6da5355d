/*
 * ofbench_switch.c - the OpenFlow 1.0 switch that ofbench emulates: HELLO,
 * the answers a controller expects on connect (FEATURES, GET_CONFIG, BARRIER,
 * ECHO, STATS, QUEUE_GET_CONFIG), the PACKET_IN templates, and the reading of
 * the controller's answers (FLOW_MOD, PACKET_OUT) on the hot path.
 *
 * Control replies are built with the project codec (of10_encode): they are
 * rare, and a bug there would show as a controller refusing the switch. Hot
 * messages are read and written by offset: a PACKET_IN is a 78-byte template
 * copy with xid, buffer id, in_port, MACs and IPv4 addresses patched, and an
 * answer is a type switch plus one 32-bit load.
 */
#include <stdio.h>
#include <string.h>

#include "bench/ofbench.h"
#include "lib/be.h"

/* Offsets inside a PACKET_IN built from the templates (data at 18). */
enum {
    PI_XID = 4,
    PI_BUFFER_ID = 8,
    PI_TOTAL_LEN = 12,
    PI_IN_PORT = 14,
    PI_REASON = 16,
    PI_ETH_DST = 18,
    PI_ETH_SRC = 24,
    PI_ETH_TYPE = 30,
    PI_L3 = 32,
    PI_IP_CSUM = PI_L3 + 10,
    PI_IP_SRC = PI_L3 + 12,
    PI_IP_DST = PI_L3 + 16,
    PI_UDP = PI_L3 + 20,
    PI_ARP_SHA = PI_L3 + 8,
    PI_ARP_SPA = PI_L3 + 14,
    PI_ARP_TPA = PI_L3 + 24,
};
_Static_assert(PI_UDP + 8 + 18 == OFB_PI_LEN, "IPv4/UDP frame is 60 bytes");
_Static_assert(PI_ARP_TPA + 4 + 18 == OFB_PI_LEN, "ARP frame padded to 60 bytes");

/* Host h of switch s: MAC 02:ss:ss:hh:hh:hh (locally administered unicast, so
 * learning switches accept it as a source), IPv4 10.hh.hh.hh (h + 1, never
 * .0), attached to port 1 + h % ports. Consecutive hosts sit on different
 * ports, so the measured pair (h -> h + 1) does not hairpin (except at the
 * wrap to host 0 when macs % ports == 1). */
static void put_mac(uint8_t *p, unsigned sw, uint32_t h)
{
    p[0] = 0x02;
    p[1] = (uint8_t)(sw >> 8);
    p[2] = (uint8_t)sw;
    p[3] = (uint8_t)(h >> 16);
    p[4] = (uint8_t)(h >> 8);
    p[5] = (uint8_t)h;
}

static uint32_t host_ip(uint32_t h)
{
    return 0x0a000000u | ((h + 1) & 0xffffffu);
}

/* Port of host h + 1 given port of host h, h + 1 < macs: the running form of
 * 1 + h % ports, because a division per packet was a third of the generator's
 * time in perf. At the wrap to host 0 the caller restarts at port 1. */
static uint16_t next_port(const struct ofb_sw *s, uint16_t port)
{
    return port == s->b->o.ports ? 1 : (uint16_t)(port + 1);
}

static void fold_put_csum(uint8_t *p, uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    be_put16(p, (uint16_t)~sum);
}

static void put_pi_header(uint8_t *p)
{
    memset(p, 0, OFB_PI_LEN);
    p[0] = OFP10_VERSION;
    p[1] = OFPT10_PACKET_IN;
    be_put16(p + 2, OFB_PI_LEN);
    be_put16(p + PI_TOTAL_LEN, OFB_FRAME_LEN);
    p[PI_REASON] = OFPR10_NO_MATCH;
}

void ofb_sw_templates(struct ofb_sw *s)
{
    s->cur_port = s->learn_port = 1;
    static const char payload[18] = "visorflow ofbench";
    uint8_t *p = s->tmpl_ip;
    put_pi_header(p);
    be_put16(p + PI_ETH_TYPE, 0x0800);
    p[PI_L3] = 0x45; /* IPv4, 20-byte header */
    be_put16(p + PI_L3 + 2, 20 + 8 + 18);
    be_put16(p + PI_L3 + 6, 0x4000); /* DF */
    p[PI_L3 + 8] = 64;               /* TTL */
    p[PI_L3 + 9] = 17;               /* UDP */
    be_put16(p + PI_UDP, 40000);
    be_put16(p + PI_UDP + 2, 9); /* discard */
    be_put16(p + PI_UDP + 4, 8 + 18);
    memcpy(p + PI_UDP + 8, payload, sizeof(payload)); /* UDP checksum 0: none */
    /* Header sum with checksum and addresses zero; per packet only the four
     * address words are added (RFC 1071 sums commute). */
    s->ip_sum = 0;
    for (unsigned i = 0; i < 20; i += 2)
        s->ip_sum += be_get16(p + PI_L3 + i);

    p = s->tmpl_arp;
    put_pi_header(p);
    memset(p + PI_ETH_DST, 0xff, 6);
    be_put16(p + PI_ETH_TYPE, 0x0806);
    be_put16(p + PI_L3, 1);          /* Ethernet */
    be_put16(p + PI_L3 + 2, 0x0800); /* IPv4 */
    p[PI_L3 + 4] = 6;
    p[PI_L3 + 5] = 4;
    be_put16(p + PI_L3 + 6, 1); /* request; target MAC stays zero */
}

/* Common tail of both builders: xid and buffer id from the sequence number,
 * the buffer marked outstanding. */
static uint8_t *put_pi(struct ofb_sw *s, const uint8_t *tmpl)
{
    uint8_t *p = s->wbuf + s->wlen;
    uint32_t seq = s->seq++;
    uint32_t bid = seq & (OFB_NBUF - 1);
    memcpy(p, tmpl, OFB_PI_LEN);
    be_put32(p + PI_XID, seq);
    be_put32(p + PI_BUFFER_ID, bid);
    s->pending[bid >> 6] |= 1ull << (bid & 63);
    s->wlen += OFB_PI_LEN;
    if (s->outstanding++ == 0) s->progress_ns = s->b->now_ns;
    s->c.sent++;
    return p;
}

void ofb_sw_put_learn(struct ofb_sw *s)
{
    uint32_t h = s->learned++;
    uint32_t t = h + 1 == s->b->o.macs ? 0 : h + 1;
    uint8_t *p = put_pi(s, s->tmpl_arp);
    be_put16(p + PI_IN_PORT, s->learn_port);
    s->learn_port = next_port(s, s->learn_port); /* learning never wraps */
    put_mac(p + PI_ETH_SRC, s->idx, h);
    put_mac(p + PI_ARP_SHA, s->idx, h);
    be_put32(p + PI_ARP_SPA, host_ip(h));
    be_put32(p + PI_ARP_TPA, host_ip(t));
}

void ofb_sw_put_packet(struct ofb_sw *s)
{
    uint32_t a = s->cur;
    uint32_t d = a + 1 == s->b->o.macs ? 0 : a + 1;
    uint32_t ia = host_ip(a), id = host_ip(d);
    uint8_t *p = put_pi(s, s->tmpl_ip);
    s->cur = d;
    be_put16(p + PI_IN_PORT, s->cur_port);
    s->cur_port = d ? next_port(s, s->cur_port) : 1;
    put_mac(p + PI_ETH_DST, s->idx, d);
    put_mac(p + PI_ETH_SRC, s->idx, a);
    be_put32(p + PI_IP_SRC, ia);
    be_put32(p + PI_IP_DST, id);
    fold_put_csum(p + PI_IP_CSUM,
                  s->ip_sum + (ia >> 16) + (ia & 0xffff) + (id >> 16) + (id & 0xffff));
}

/* ---- control replies ------------------------------------------------------- */

static void put_header(uint8_t *p, uint8_t type, uint16_t len, uint32_t xid)
{
    p[0] = OFP10_VERSION;
    p[1] = type;
    be_put16(p + 2, len);
    be_put32(p + 4, xid);
}

void ofb_sw_hello(struct ofb_sw *s)
{
    put_header(ofb_wreserve(s, OFP10_HEADER_LEN), OFPT10_HELLO, OFP10_HEADER_LEN, s->next_xid++);
    s->wlen += OFP10_HEADER_LEN;
}

void ofb_sw_probe(struct ofb_sw *s)
{
    s->probe_xid = s->next_xid++;
    put_header(ofb_wreserve(s, OFP10_HEADER_LEN), OFPT10_ECHO_REQUEST, OFP10_HEADER_LEN,
               s->probe_xid);
    s->wlen += OFP10_HEADER_LEN;
}

/* Encodes m at the end of the write buffer. A failure is a bug in this file
 * (every reply is built valid), so it is loud. */
static bool send_msg(struct ofb_sw *s, const struct of10_msg *m)
{
    size_t need = of10_encoded_len(m), len;
    uint32_t e = need && need <= OFB_WRESERVE ? OF10_OK : OF10_E_NOSPACE;
    if (e == OF10_OK) e = of10_encode(m, ofb_wreserve(s, need), need, &len);
    if (e != OF10_OK) {
        fprintf(stderr, "ofbench: switch %u: cannot encode %s: %s\n", s->idx,
                of10_type_name(m->type), of10_err_name(e));
        return false;
    }
    s->wlen += len;
    return true;
}

/* ERROR carrying the first 64 bytes of the offending message, as the spec
 * asks of a switch. */
static bool send_error(struct ofb_sw *s, const uint8_t *req, size_t len, uint32_t err)
{
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_ERROR, .xid = be_get32(req + 4)};
    m.u.error.type = of10_err_type(err);
    m.u.error.code = of10_err_code(err);
    m.u.error.data = (struct of10_bytes){req, len < 64 ? len : 64};
    return send_msg(s, &m);
}

static bool send_features(struct ofb_sw *s, uint32_t xid)
{
    static struct of10_phy_port ports[256];
    const struct ofb_opts *o = &s->b->o;
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_FEATURES_REPLY, .xid = xid};
    struct of10_features *f = &m.u.features;
    const uint32_t speed = OFPPF10_1GB_FD | OFPPF10_COPPER | OFPPF10_AUTONEG;
    for (unsigned i = 0; i < o->ports; i++) {
        struct of10_phy_port *pp = &ports[i];
        memset(pp, 0, sizeof(*pp));
        pp->port_no = (uint16_t)(i + 1);
        put_mac(pp->hw_addr, s->idx, 0xff0000u + i);
        pp->hw_addr[0] = 0x06; /* distinct from every host MAC */
        snprintf(pp->name, sizeof(pp->name), "s%u-eth%u", s->idx + 1, i + 1);
        pp->curr = pp->advertised = pp->supported = speed;
    }
    f->datapath_id = o->dpid_base + s->idx;
    f->n_buffers = OFB_NBUF;
    f->n_tables = 1;
    f->capabilities =
        OFPC10_FLOW_STATS | OFPC10_TABLE_STATS | OFPC10_PORT_STATS | OFPC10_ARP_MATCH_IP;
    f->actions = (1u << (OFPAT10_ENQUEUE + 1)) - 1; /* OUTPUT .. ENQUEUE */
    f->ports = ports;
    f->n_ports = o->ports;
    s->features_sent = true;
    return send_msg(s, &m);
}

/* Stats answers describe an empty switch: no flows, zero counters. That is
 * enough for controllers that poll on connect; the figures are not the point. */
static bool send_stats(struct ofb_sw *s, const uint8_t *p, size_t len)
{
    static struct of10_desc_stats desc = {"visorflow", "ofbench emulated switch", "ofbench", "0",
                                          "ofbench"};
    static struct of10_table_stats table = {
        .table_id = 0, .name = "classifier", .wildcards = OFPFW10_ALL, .max_entries = 1000000};
    static struct of10_port_stats port[256];
    struct of10_msg rq, m = {.version = OFP10_VERSION, .type = OFPT10_STATS_REPLY};
    of10_arena_reset(&s->b->arena);
    uint32_t e = of10_decode(p, len, &rq, &s->b->arena);
    if (e != OF10_OK) return send_error(s, p, len, of10_err_is_wire(e) ? e : OF10_E_BAD_LEN);
    m.xid = rq.xid;
    m.u.stats_reply.type = rq.u.stats_request.type;
    switch (rq.u.stats_request.type) {
    case OFPST10_DESC:
        m.u.stats_reply.u.desc = &desc;
        break;
    case OFPST10_FLOW:
    case OFPST10_QUEUE:
        break; /* no entries */
    case OFPST10_AGGREGATE:
        break; /* all zero */
    case OFPST10_TABLE:
        m.u.stats_reply.u.table.v = &table;
        m.u.stats_reply.u.table.n = 1;
        break;
    case OFPST10_PORT: {
        uint16_t want = rq.u.stats_request.u.port.port_no;
        size_t n = 0;
        for (unsigned i = 0; i < s->b->o.ports; i++) {
            if (want != OFPP10_NONE && want != i + 1) continue;
            memset(&port[n], 0, sizeof(port[n]));
            port[n++].port_no = (uint16_t)(i + 1);
        }
        m.u.stats_reply.u.port.v = port;
        m.u.stats_reply.u.port.n = n;
        break;
    }
    default:
        return send_error(s, p, len, OF10_E_BAD_STAT);
    }
    return send_msg(s, &m);
}

static bool send_queue_config(struct ofb_sw *s, const uint8_t *p, size_t len)
{
    if (len != OFP10_QUEUE_GET_CONFIG_REQUEST_LEN) return send_error(s, p, len, OF10_E_BAD_LEN);
    struct of10_msg m = {
        .version = OFP10_VERSION, .type = OFPT10_QUEUE_GET_CONFIG_REPLY, .xid = be_get32(p + 4)};
    m.u.queue_get_config_reply.port = be_get16(p + 8);
    return send_msg(s, &m);
}

/* Copy of the request with another type: ECHO_REPLY and BARRIER_REPLY keep
 * the xid (and, for echo, the payload). */
static bool send_mirror(struct ofb_sw *s, const uint8_t *p, size_t len, uint8_t type)
{
    uint8_t *q = ofb_wreserve(s, len);
    memcpy(q, p, len);
    q[1] = type;
    s->wlen += len;
    return true;
}

/* Full decode of every controller message (--validate): a benchmark must not
 * report rates for answers a real switch would refuse. The first failure is
 * printed; the count is in the summary. */
static void validate(struct ofb_sw *s, const uint8_t *p, size_t len)
{
    struct of10_msg m;
    of10_arena_reset(&s->b->arena);
    uint32_t e = of10_decode(p, len, &m, &s->b->arena);
    if (e == OF10_OK) return;
    s->invalid++;
    if (!s->b->validate_reported) {
        s->b->validate_reported = true;
        fprintf(stderr, "ofbench: switch %u: invalid %s (%zu bytes) from the controller: %s\n",
                s->idx, of10_type_name(p[1]), len, of10_err_name(e));
    }
}

static bool control_input(struct ofb_sw *s, const uint8_t *p, size_t len)
{
    uint32_t xid = be_get32(p + 4);
    switch (p[1]) {
    case OFPT10_HELLO:
        s->got_hello = true;
        return true;
    case OFPT10_ECHO_REQUEST:
        return send_mirror(s, p, len, OFPT10_ECHO_REPLY);
    case OFPT10_ECHO_REPLY:
        if (s->state == SW_HANDSHAKE && s->features_sent && xid == s->probe_xid)
            s->state = SW_READY;
        return true;
    case OFPT10_FEATURES_REQUEST:
        return send_features(s, xid);
    case OFPT10_GET_CONFIG_REQUEST: {
        uint8_t *q = ofb_wreserve(s, OFP10_SWITCH_CONFIG_LEN);
        put_header(q, OFPT10_GET_CONFIG_REPLY, OFP10_SWITCH_CONFIG_LEN, xid);
        be_put16(q + 8, 0);
        be_put16(q + 10, s->miss_send_len);
        s->wlen += OFP10_SWITCH_CONFIG_LEN;
        return true;
    }
    case OFPT10_SET_CONFIG:
        if (len != OFP10_SWITCH_CONFIG_LEN) return send_error(s, p, len, OF10_E_BAD_LEN);
        s->miss_send_len = be_get16(p + 10);
        if (s->miss_send_len < OFB_FRAME_LEN)
            fprintf(stderr, "ofbench: switch %u: miss_send_len %u < %u: frames still sent whole\n",
                    s->idx, s->miss_send_len, OFB_FRAME_LEN);
        return true;
    case OFPT10_BARRIER_REQUEST:
        return send_mirror(s, p, len, OFPT10_BARRIER_REPLY);
    case OFPT10_STATS_REQUEST:
        return send_stats(s, p, len);
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        return send_queue_config(s, p, len);
    case OFPT10_PORT_MOD:
        return true; /* accepted, nothing to change */
    case OFPT10_ERROR:
        if (s->errors_seen++ == 0)
            fprintf(stderr, "ofbench: switch %u: controller sent ERROR type %u code %u\n", s->idx,
                    len >= 12 ? be_get16(p + 8) : 0, len >= 12 ? be_get16(p + 10) : 0);
        return true;
    case OFPT10_VENDOR:
        /* No vendor extensions: what an OF1.0 switch without them answers, and
         * what makes Nicira-aware controllers fall back to standard messages. */
        return send_error(s, p, len, OF10_E_BAD_VENDOR);
    default: /* switch-to-controller types, or unknown */
        return send_error(s, p, len, OF10_E_BAD_TYPE);
    }
}

bool ofb_sw_input(struct ofb_sw *s, const uint8_t *p, size_t len)
{
    uint8_t type = p[1];
    if (p[0] != OFP10_VERSION && type != OFPT10_HELLO) {
        fprintf(stderr, "ofbench: switch %u: controller sent version 0x%02x, not OpenFlow 1.0\n",
                s->idx, p[0]);
        send_error(s, p, len, OF10_E_BAD_VERSION);
        return false;
    }
    if (s->b->o.validate) validate(s, p, len);
    if (type < OFPT10_N_TYPES) s->ctl_seen[type]++;
    /* The hot path: answers are read by offset, lengths checked first. */
    switch (type) {
    case OFPT10_FLOW_MOD:
        if (len < OFP10_FLOW_MOD_LEN) return send_error(s, p, len, OF10_E_BAD_LEN);
        s->c.flow_mods++;
        /* buffer_id at 64; it releases the packet only for ADD and MODIFY*. */
        if (be_get16(p + 56) < OFPFC10_DELETE && be_get32(p + 64) != OFP10_NO_BUFFER)
            ofb_answer(s, be_get32(p + 64));
        return true;
    case OFPT10_PACKET_OUT:
        if (len < OFP10_PACKET_OUT_LEN || be_get16(p + 14) > len - OFP10_PACKET_OUT_LEN)
            return send_error(s, p, len, OF10_E_BAD_LEN);
        s->c.packet_outs++;
        ofb_answer(s, be_get32(p + 8));
        return true;
    default:
        if (p[0] != OFP10_VERSION) { /* HELLO of another version: negotiate down */
            if (p[0] < OFP10_VERSION) {
                fprintf(stderr, "ofbench: switch %u: controller HELLO version %u\n", s->idx, p[0]);
                send_error(s, p, len, OF10_E_HELLO_INCOMPATIBLE);
                return false;
            }
        }
        return control_input(s, p, len);
    }
}
