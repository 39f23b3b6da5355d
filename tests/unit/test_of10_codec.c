/*
 * test_of10_codec.c - every OpenFlow 1.0 message decoded from hand-written hex
 * with field checks and a byte-exact re-encode, then the decode errors of
 * each message with the exact OpenFlow error expected.
 */
#include "unit.h"

#include "of10/of10.h"
#include "of10_fixtures.h"

static uint32_t redec(struct of10_msg *m)
{
    of10_arena_init(&arena, arena_mem, sizeof arena_mem);
    return of10_decode(in, in_len, m, &arena);
}

static uint32_t dec(const char *hex, struct of10_msg *m)
{
    load(hex);
    return redec(m);
}

/* Decode must succeed, and encoding the result must give the input back. */
static void dec_ok(const char *hex, struct of10_msg *m)
{
    uint32_t err = dec(hex, m);
    if (err) fail_msg("decode: %s", of10_err_name(err));
    assert_int_equal(of10_frame_len(in), in_len);
    size_t olen = 0;
    err = of10_encode(m, out, sizeof out, &olen);
    if (err) fail_msg("encode: %s", of10_err_name(err));
    assert_int_equal(olen, in_len);
    assert_int_equal(of10_encoded_len(m), in_len);
    assert_memory_equal(out, in, in_len);
}

/* ---- every message, field by field ------------------------------------- */

static void test_hello(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(HELLO_HEX, &m);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.type, OFPT10_HELLO);
    assert_int_equal(m.xid, 1);
    assert_int_equal(m.u.hello.len, 0);
    dec_ok(HELLO_V4_HEX, &m); /* any version, body kept opaque */
    assert_int_equal(m.version, 4);
    assert_int_equal(m.u.hello.len, 8);
    assert_ptr_equal(m.u.hello.p, in + 8);
}

static void test_error_echo_vendor(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(ERROR_HEX, &m);
    assert_int_equal(m.u.error.type, OFPET10_BAD_REQUEST);
    assert_int_equal(m.u.error.code, 6);
    assert_int_equal(m.u.error.data.len, 8);
    assert_memory_equal(m.u.error.data.p, "\x01\x0e\x00\x48", 4);
    dec_ok(ECHO_REQ_HEX, &m);
    assert_int_equal(m.type, OFPT10_ECHO_REQUEST);
    assert_int_equal(m.u.echo.len, 4);
    assert_memory_equal(m.u.echo.p, "\xde\xad\xbe\xef", 4);
    dec_ok(ECHO_REP_HEX, &m);
    assert_int_equal(m.u.echo.len, 0);
    dec_ok(VENDOR_HEX, &m);
    assert_int_equal(m.u.vendor.vendor, 0x2320);
    assert_int_equal(m.u.vendor.data.len, 8);
}

static void test_features(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(FEATURES_REQ_HEX, &m);
    assert_int_equal(m.type, OFPT10_FEATURES_REQUEST);
    dec_ok(FEATURES_REP_HEX, &m);
    const struct of10_features *f = &m.u.features;
    assert_int_equal(f->datapath_id, 1);
    assert_int_equal(f->n_buffers, 256);
    assert_int_equal(f->n_tables, 254);
    assert_int_equal(f->capabilities, 0xc7);
    assert_int_equal(f->actions, 0xfff);
    assert_int_equal(f->n_ports, 2);
    assert_int_equal(f->ports[0].port_no, 1);
    assert_memory_equal(f->ports[0].hw_addr, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
    assert_string_equal(f->ports[0].name, "eth0");
    assert_int_equal(f->ports[0].state, OFPPS10_LINK_DOWN);
    assert_int_equal(f->ports[0].curr, 0x2c0);
    assert_int_equal(f->ports[0].advertised, 0x280);
    assert_int_equal(f->ports[1].port_no, OFPP10_LOCAL);
    assert_string_equal(f->ports[1].name, "abcdefghijklmnop"); /* 16, terminated */
    assert_int_equal(f->ports[1].config, OFPPC10_PORT_DOWN);
}

static void test_config(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(GET_CONFIG_REQ_HEX, &m);
    dec_ok(GET_CONFIG_REP_HEX, &m);
    assert_int_equal(m.u.config.flags, OFPC10_FRAG_DROP);
    assert_int_equal(m.u.config.miss_send_len, 128);
    dec_ok(SET_CONFIG_HEX, &m);
    assert_int_equal(m.type, OFPT10_SET_CONFIG);
    assert_int_equal(m.u.config.miss_send_len, 0xffff);
}

static void test_packet_in(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(PACKET_IN_HEX, &m);
    assert_int_equal(m.u.packet_in.buffer_id, 0x100);
    assert_int_equal(m.u.packet_in.total_len, 6);
    assert_int_equal(m.u.packet_in.in_port, 1);
    assert_int_equal(m.u.packet_in.reason, OFPR10_ACTION);
    assert_int_equal(m.u.packet_in.data.len, 6);
    assert_ptr_equal(m.u.packet_in.data.p, in + 18); /* data at 18, not 20 */
}

static void test_flow_removed(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(FLOW_REMOVED_HEX, &m);
    const struct of10_flow_removed *fr = &m.u.flow_removed;
    assert_int_equal(fr->match.wildcards, 0x38084e);
    assert_int_equal(fr->match.in_port, 3);
    assert_int_equal(fr->match.nw_src, 0x0a000100);
    assert_int_equal(fr->cookie, 0xabc);
    assert_int_equal(fr->priority, 0x8000);
    assert_int_equal(fr->reason, OFPRR10_HARD_TIMEOUT);
    assert_int_equal(fr->duration_sec, 10);
    assert_int_equal(fr->duration_nsec, 1000000);
    assert_int_equal(fr->idle_timeout, 60);
    assert_int_equal(fr->packet_count, 100);
    assert_int_equal(fr->byte_count, 6000);
}

static void test_port_status_mod(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(PORT_STATUS_HEX, &m);
    assert_int_equal(m.u.port_status.reason, OFPPR10_MODIFY);
    assert_int_equal(m.u.port_status.desc.port_no, 1);
    assert_string_equal(m.u.port_status.desc.name, "eth0");
    dec_ok(PORT_MOD_HEX, &m);
    assert_int_equal(m.u.port_mod.port_no, 1);
    assert_memory_equal(m.u.port_mod.hw_addr, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
    assert_int_equal(m.u.port_mod.config, OFPPC10_PORT_DOWN);
    assert_int_equal(m.u.port_mod.mask, OFPPC10_PORT_DOWN);
    assert_int_equal(m.u.port_mod.advertise, 0);
}

static void test_packet_out(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(PACKET_OUT_HEX, &m);
    const struct of10_packet_out *po = &m.u.packet_out;
    assert_int_equal(po->buffer_id, OFP10_NO_BUFFER);
    assert_int_equal(po->in_port, OFPP10_NONE);
    assert_int_equal(po->actions.n, 1);
    assert_int_equal(po->actions.v[0].u.output.port, OFPP10_FLOOD);
    assert_int_equal(po->data.len, 8);
    assert_ptr_equal(po->data.p, in + 24);
    dec_ok(PACKET_OUT_BUF_HEX, &m);
    assert_int_equal(m.u.packet_out.buffer_id, 0x42);
    assert_int_equal(m.u.packet_out.data.len, 0);
    assert_int_equal(m.u.packet_out.actions.v[0].u.output.port, OFPP10_IN_PORT);
}

static void test_flow_mod(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(FLOW_MOD_HEX, &m);
    const struct of10_flow_mod *fm = &m.u.flow_mod;
    assert_int_equal(m.xid, 0x0d);
    assert_int_equal(fm->match.wildcards, 0x38084e);
    assert_int_equal(fm->match.dl_type, 0x0800);
    assert_int_equal(fm->match.nw_proto, 6);
    assert_int_equal(fm->match.tp_dst, 80);
    assert_int_equal(fm->cookie, 0xabc);
    assert_int_equal(fm->command, OFPFC10_ADD);
    assert_int_equal(fm->idle_timeout, 60);
    assert_int_equal(fm->hard_timeout, 0);
    assert_int_equal(fm->priority, 0x8000);
    assert_int_equal(fm->buffer_id, OFP10_NO_BUFFER);
    assert_int_equal(fm->out_port, OFPP10_NONE);
    assert_int_equal(fm->flags, OFPFF10_SEND_FLOW_REM);
    assert_int_equal(fm->actions.n, 2);
    assert_int_equal(fm->actions.v[0].u.output.port, 2);
    assert_int_equal(fm->actions.v[1].type, OFPAT10_SET_DL_DST);
    assert_memory_equal(fm->actions.v[1].u.dl_addr, "\xaa\xbb\xcc\xdd\xee\xff", 6);
    /* every command decodes */
    for (uint16_t c = OFPFC10_ADD; c <= OFPFC10_DELETE_STRICT; c++) {
        put16(56, c);
        assert_int_equal(redec(&m), OF10_OK);
        assert_int_equal(m.u.flow_mod.command, c);
    }
}

static void test_stats_requests(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(STATS_REQ_DESC_HEX, &m);
    assert_int_equal(m.u.stats_request.type, OFPST10_DESC);
    dec_ok(STATS_REQ_FLOW_HEX, &m);
    assert_int_equal(m.u.stats_request.type, OFPST10_FLOW);
    assert_int_equal(m.u.stats_request.u.flow.match.tp_dst, 80);
    assert_int_equal(m.u.stats_request.u.flow.table_id, 0xff);
    assert_int_equal(m.u.stats_request.u.flow.out_port, OFPP10_NONE);
    dec_ok(STATS_REQ_AGG_HEX, &m);
    assert_int_equal(m.u.stats_request.type, OFPST10_AGGREGATE);
    assert_int_equal(m.u.stats_request.u.flow.match.wildcards, 0x3820ff);
    assert_int_equal(m.u.stats_request.u.flow.out_port, 2);
    dec_ok(STATS_REQ_TABLE_HEX, &m);
    assert_int_equal(m.u.stats_request.type, OFPST10_TABLE);
    dec_ok(STATS_REQ_PORT_HEX, &m);
    assert_int_equal(m.u.stats_request.u.port.port_no, OFPP10_NONE);
    dec_ok(STATS_REQ_QUEUE_HEX, &m);
    assert_int_equal(m.u.stats_request.u.queue.port_no, OFPP10_ALL);
    assert_int_equal(m.u.stats_request.u.queue.queue_id, OFPQ10_ALL);
    dec_ok(STATS_REQ_VENDOR_HEX, &m);
    assert_int_equal(m.u.stats_request.u.vendor.vendor, 0x2320);
    assert_int_equal(m.u.stats_request.u.vendor.data.len, 4);
}

/* DESC reply: 1056 bytes of strings, built here rather than typed. */
static void test_stats_reply_desc(void **state)
{
    (void)state;
    struct of10_msg m;
    memset(in, 0, 12 + 1056);
    load("01 11 042c 00000020 0000 0000");
    in_len = 12 + 1056;
    memcpy(in + 12, "Nicira, Inc.", 12);
    memcpy(in + 12 + 256, "Open vSwitch", 12);
    memcpy(in + 12 + 512, "2.17.0", 6);
    memset(in + 12 + 768, 'S', 32);  /* serial: full 32 bytes, no NUL */
    memset(in + 12 + 800, 'd', 256); /* dp_desc: full 256 bytes */
    assert_int_equal(redec(&m), OF10_OK);
    const struct of10_desc_stats *d = m.u.stats_reply.u.desc;
    assert_string_equal(d->mfr_desc, "Nicira, Inc.");
    assert_string_equal(d->hw_desc, "Open vSwitch");
    assert_string_equal(d->sw_desc, "2.17.0");
    assert_int_equal(strlen(d->serial_num), 32);
    assert_int_equal(strlen(d->dp_desc), 256);
    size_t olen;
    assert_int_equal(of10_encode(&m, out, sizeof out, &olen), OF10_OK);
    assert_int_equal(olen, in_len);
    assert_memory_equal(out, in, in_len);
}

static void test_stats_reply_flow(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(STATS_REP_FLOW_HEX, &m);
    const struct of10_stats_reply *r = &m.u.stats_reply;
    assert_int_equal(r->type, OFPST10_FLOW);
    assert_int_equal(r->flags, OFPSF10_REPLY_MORE);
    assert_int_equal(r->u.flow.n, 2);
    const struct of10_flow_stats *f = r->u.flow.v;
    assert_int_equal(f[0].table_id, 0);
    assert_int_equal(f[0].match.tp_dst, 80);
    assert_int_equal(f[0].duration_sec, 10);
    assert_int_equal(f[0].priority, 0x8000);
    assert_int_equal(f[0].idle_timeout, 60);
    assert_int_equal(f[0].cookie, 0xabc);
    assert_int_equal(f[0].packet_count, 100);
    assert_int_equal(f[0].byte_count, 6000);
    assert_int_equal(f[0].actions.n, 1);
    assert_int_equal(f[0].actions.v[0].u.output.port, 2);
    assert_int_equal(f[1].table_id, 1);
    assert_int_equal(f[1].duration_nsec, 2);
    assert_int_equal(f[1].actions.n, 0);
}

static void test_stats_replies_other(void **state)
{
    (void)state;
    struct of10_msg m;
    const struct of10_stats_reply *r = &m.u.stats_reply;
    dec_ok(STATS_REP_AGG_HEX, &m);
    assert_int_equal(r->u.aggregate.packet_count, 100);
    assert_int_equal(r->u.aggregate.byte_count, 6000);
    assert_int_equal(r->u.aggregate.flow_count, 3);
    dec_ok(STATS_REP_TABLE_HEX, &m);
    assert_int_equal(r->u.table.n, 1);
    assert_string_equal(r->u.table.v[0].name, "classifier");
    assert_int_equal(r->u.table.v[0].wildcards, 0x3fffff);
    assert_int_equal(r->u.table.v[0].max_entries, 0x100000);
    assert_int_equal(r->u.table.v[0].active_count, 5);
    assert_int_equal(r->u.table.v[0].lookup_count, 0x400);
    assert_int_equal(r->u.table.v[0].matched_count, 0x300);
    dec_ok(STATS_REP_PORT_HEX, &m);
    assert_int_equal(r->u.port.n, 1);
    assert_int_equal(r->u.port.v[0].port_no, 1);
    assert_int_equal(r->u.port.v[0].rx_packets, 1);
    assert_int_equal(r->u.port.v[0].tx_bytes, 4);
    assert_int_equal(r->u.port.v[0].rx_crc_err, 11);
    assert_int_equal(r->u.port.v[0].collisions, 12);
    dec_ok(STATS_REP_QUEUE_HEX, &m);
    assert_int_equal(r->u.queue.n, 1);
    assert_int_equal(r->u.queue.v[0].port_no, 1);
    assert_int_equal(r->u.queue.v[0].queue_id, 1);
    assert_int_equal(r->u.queue.v[0].tx_bytes, 0x100);
    assert_int_equal(r->u.queue.v[0].tx_packets, 0x10);
    dec_ok(STATS_REP_VENDOR_HEX, &m);
    assert_int_equal(r->u.vendor.vendor, 0x2320);
    assert_int_equal(r->u.vendor.data.len, 0);
    dec_ok("01 11 000c 00000021 0004 0001", &m); /* empty port list, MORE */
    assert_int_equal(r->u.port.n, 0);
    assert_int_equal(r->flags, OFPSF10_REPLY_MORE);
}

static void test_barrier_queue_config(void **state)
{
    (void)state;
    struct of10_msg m;
    dec_ok(BARRIER_REQ_HEX, &m);
    assert_int_equal(m.type, OFPT10_BARRIER_REQUEST);
    dec_ok(BARRIER_REP_HEX, &m);
    assert_int_equal(m.type, OFPT10_BARRIER_REPLY);
    dec_ok(QGC_REQ_HEX, &m);
    assert_int_equal(m.u.queue_get_config_request, 1);
    dec_ok(QGC_REP_HEX, &m);
    const struct of10_queue_get_config_reply *r = &m.u.queue_get_config_reply;
    assert_int_equal(r->port, 1);
    assert_int_equal(r->n_queues, 2);
    assert_int_equal(r->queues[0].queue_id, 1);
    assert_int_equal(r->queues[0].n_props, 1);
    assert_int_equal(r->queues[0].props[0].property, OFPQT10_MIN_RATE);
    assert_int_equal(r->queues[0].props[0].rate, 500);
    assert_int_equal(r->queues[1].queue_id, 2);
    assert_int_equal(r->queues[1].props[0].property, OFPQT10_NONE);
    dec_ok("01 15 0018 0000001f 0002 000000000000 00000009 0008 0000", &m);
    assert_int_equal(r->n_queues, 1);
    assert_int_equal(r->queues[0].n_props, 0); /* a queue with no property */
    dec_ok("01 15 0010 0000001f 0002 000000000000", &m);
    assert_int_equal(r->n_queues, 0);
}

/* Pads with garbage decode like zero pads, and encode back as zeros. */
static void test_pads_ignored(void **state)
{
    (void)state;
    struct of10_msg m, z;
    assert_int_equal(dec(PORT_STATUS_HEX, &z), OF10_OK);
    memcpy(out + 40000, in, in_len); /* keep the clean bytes */
    memset(in + 9, 0xee, 7);
    assert_int_equal(redec(&m), OF10_OK);
    assert_true(of10_msg_equal(&m, &z));
    size_t olen;
    assert_int_equal(of10_encode(&m, out, 40000, &olen), OF10_OK);
    assert_memory_equal(out, out + 40000, olen);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(of10_type_name(OFPT10_HELLO), "OFPT_HELLO");
    assert_string_equal(of10_type_name(OFPT10_FLOW_MOD), "OFPT_FLOW_MOD");
    assert_string_equal(of10_type_name(OFPT10_QUEUE_GET_CONFIG_REPLY),
                        "OFPT_QUEUE_GET_CONFIG_REPLY");
    assert_string_equal(of10_type_name(22), "UNKNOWN");
    assert_string_equal(of10_stats_type_name(OFPST10_FLOW), "OFPST_FLOW");
    assert_string_equal(of10_stats_type_name(OFPST10_QUEUE), "OFPST_QUEUE");
    assert_string_equal(of10_stats_type_name(OFPST10_VENDOR), "OFPST_VENDOR");
    assert_string_equal(of10_stats_type_name(6), "UNKNOWN");
    assert_string_equal(of10_err_name(OF10_E_BAD_LEN), "OFPET_BAD_REQUEST/OFPBRC_BAD_LEN");
    assert_string_equal(of10_err_name(OF10_E_FM_BAD_COMMAND),
                        "OFPET_FLOW_MOD_FAILED/OFPFMFC_BAD_COMMAND");
    assert_string_equal(of10_err_name(OF10_E_QOP_EPERM), "OFPET_QUEUE_OP_FAILED/OFPQOFC_EPERM");
    assert_string_equal(of10_err_name(0x12345), "UNKNOWN");
    assert_true(of10_err_is_wire(OF10_E_BAD_STAT));
    assert_false(of10_err_is_wire(OF10_E_NOSPACE));
    assert_int_equal(of10_err_type(OF10_E_ACT_BAD_QUEUE), OFPET10_BAD_ACTION);
    assert_int_equal(of10_err_code(OF10_E_ACT_BAD_QUEUE), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_error_echo_vendor),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_packet_in),
        cmocka_unit_test(test_flow_removed),
        cmocka_unit_test(test_port_status_mod),
        cmocka_unit_test(test_packet_out),
        cmocka_unit_test(test_flow_mod),
        cmocka_unit_test(test_stats_requests),
        cmocka_unit_test(test_stats_reply_desc),
        cmocka_unit_test(test_stats_reply_flow),
        cmocka_unit_test(test_stats_replies_other),
        cmocka_unit_test(test_barrier_queue_config),
        cmocka_unit_test(test_pads_ignored),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
