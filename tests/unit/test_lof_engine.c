/*
 * test_lof_engine.c - the app host on the real ofc engine: a fake switch
 * speaks OpenFlow 1.0 bytes over a socketpair adopted by the engine, and the
 * shipped apps run against it end to end: l2_learning's DELETE, flood and
 * exact flow; a hot reload that keeps the learned MACs and adds flowmon;
 * flowmon's stats requests answered with a multipart reply and turned into
 * records; a reload that cancels requests still in flight (their late
 * replies reach nobody); disconnection and engine shutdown.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lof/lof.h"
#include "of10/of10.h"
#include "ofc/ofc.h"
#include "pkt/pkt.h"

static struct ev_loop *loop;
static struct log lg;
static struct lof *l;
static struct ofc *c;
static int fd = -1; /* the switch's end */
static uint8_t inbuf[1 << 18];
static size_t inlen;
static char records[32768];
static size_t reclen;
static int nrecords;
static char logbuf[65536];
static size_t loglen;

static void sink(void *ctx, enum log_level level, uint64_t ms, const char *module, const char *msg)
{
    (void)ctx, (void)ms;
    int n = snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s %s: %s\n", log_level_name(level),
                     module, msg);
    if (n > 0 && (size_t)n < sizeof logbuf - loglen) loglen += (size_t)n;
    if (getenv("LOF_TEST_LOG")) fprintf(stderr, "%s %s: %s\n", log_level_name(level), module, msg);
}

static void on_record(void *ctx, const char *app, const char *stream, const char *line)
{
    (void)ctx;
    int n = snprintf(records + reclen, sizeof records - reclen, "%s/%s: %s\n", app, stream, line);
    if (n > 0 && (size_t)n < sizeof records - reclen) reclen += (size_t)n;
    nrecords++;
}

/* ---- the fake switch ------------------------------------------------------ */

static void sw_send(struct of10_msg *m)
{
    uint8_t b[65536];
    size_t n;
    uint32_t e = of10_encode(m, b, sizeof b, &n);
    if (e) fail_msg("fake switch: encode: %s", of10_err_name(e));
    assert_int_equal(write(fd, b, n), (ssize_t)n);
}

/* The next message from the controller (ECHO_REQUESTs answered on the way),
 * running the engine's loop while waiting; NULL after timeout_ms. */
static const struct of10_msg *sw_next(int timeout_ms)
{
    static uint8_t cur[65536], amem[OF10_ARENA_SIZE];
    static struct of10_arena arena;
    static struct of10_msg m;
    for (int waited = 0; waited <= timeout_ms;) {
        size_t len = inlen >= 8 ? of10_frame_len(inbuf) : 0;
        if (len && inlen >= len) {
            memcpy(cur, inbuf, len);
            memmove(inbuf, inbuf + len, inlen - len);
            inlen -= len;
            of10_arena_init(&arena, amem, sizeof amem);
            uint32_t e = of10_decode(cur, len, &m, &arena);
            if (e) fail_msg("fake switch: decode: %s", of10_err_name(e));
            if (m.type != OFPT10_ECHO_REQUEST) return &m;
            struct of10_msg r = {.version = 1, .type = OFPT10_ECHO_REPLY, .xid = m.xid};
            sw_send(&r);
            continue;
        }
        ev_run_once(loop, 5);
        waited += 5;
        ssize_t n = read(fd, inbuf + inlen, sizeof inbuf - inlen);
        if (n > 0) inlen += (size_t)n;
    }
    return NULL;
}

static const struct of10_msg *sw_expect(uint8_t type)
{
    const struct of10_msg *m = sw_next(3000);
    if (!m) fail_msg("fake switch: waited for %s, got nothing", of10_type_name(type));
    if (m->type != type)
        fail_msg("fake switch: got %s, want %s", of10_type_name(m->type), of10_type_name(type));
    return m;
}

static void run_for(int ms)
{
    for (int i = 0; i < ms; i += 5)
        ev_run_once(loop, 5);
}

static void handshake(uint64_t dpid)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fd = sv[1];
    inlen = 0;
    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(ofc_adopt_fd(c, sv[0], "fake-switch"), 0);
    sw_expect(OFPT10_HELLO);
    struct of10_msg hello = {.version = 1, .type = OFPT10_HELLO, .xid = 1};
    sw_send(&hello);
    const struct of10_msg *m = sw_expect(OFPT10_FEATURES_REQUEST);
    struct of10_phy_port ports[3];
    memset(ports, 0, sizeof ports);
    for (int i = 0; i < 3; i++) {
        ports[i].port_no = (uint16_t)(i + 1);
        snprintf(ports[i].name, sizeof ports[i].name, "veth%d", i + 1);
    }
    struct of10_msg f = {.version = 1, .type = OFPT10_FEATURES_REPLY, .xid = m->xid};
    f.u.features = (struct of10_features){
        .datapath_id = dpid, .n_buffers = 256, .n_tables = 1, .ports = ports, .n_ports = 3};
    sw_send(&f);
    sw_expect(OFPT10_SET_CONFIG);
}

static void packet_in(uint16_t in_port, const char *src, const char *dst, uint32_t buffer_id)
{
    uint8_t fr[64];
    unsigned s[6], d[6];
    sscanf(src, "%x:%x:%x:%x:%x:%x", &s[0], &s[1], &s[2], &s[3], &s[4], &s[5]);
    sscanf(dst, "%x:%x:%x:%x:%x:%x", &d[0], &d[1], &d[2], &d[3], &d[4], &d[5]);
    memset(fr, 0, sizeof fr);
    for (int i = 0; i < 6; i++)
        fr[i] = (uint8_t)d[i], fr[6 + i] = (uint8_t)s[i];
    fr[12] = 0x88, fr[13] = 0xb5; /* local experimental ethertype: L2 only */
    struct of10_msg m = {.version = 1, .type = OFPT10_PACKET_IN, .xid = 0};
    m.u.packet_in = (struct of10_packet_in){buffer_id,
                                            sizeof fr,
                                            in_port,
                                            OFPR10_NO_MATCH,
                                            {fr, buffer_id == OFP10_NO_BUFFER ? sizeof fr : 32}};
    sw_send(&m);
}

/* ---- the test -------------------------------------------------------------- */

static const char *watch_src =
    "return { switch_up = function(sw) vf.record('ev', 'up ' .. sw.dpid .. ' ' .. #sw:ports()) "
    "end,\n"
    "  switch_down = function(sw) vf.record('ev', 'down ' .. sw.dpid) end }\n";

static struct lof_app_src file_app(const char *name, const struct lof_kv *kv, size_t n)
{
    static char paths[4][64], *bufs[4];
    static int k;
    int i = k++ % 4;
    snprintf(paths[i], sizeof paths[i], "lua/apps/%s.lua", name);
    char full[512];
    snprintf(full, sizeof full, "%s/%s", unit_root(), paths[i]);
    FILE *f = fopen(full, "rb");
    if (!f) fail_msg("cannot open %s", full);
    free(bufs[i]);
    bufs[i] = malloc(1 << 16);
    size_t len = fread(bufs[i], 1, (1 << 16) - 1, f);
    fclose(f);
    return (struct lof_app_src){name, paths[i], bufs[i], len, kv, n};
}

static void load(const struct lof_app_src *apps, size_t n)
{
    char err[512];
    if (lof_load(l, apps, n, err, sizeof err) != 0) fail_msg("load: %s", err);
}

static void test_apps_on_the_real_engine(void **state)
{
    (void)state;
    loop = ev_loop_new();
    log_init(&lg, LOG_LEVEL_DEBUG);
    log_set_sink(&lg, sink, NULL);
    struct lof_host host = {.record = on_record};
    l = lof_new(loop, &lg, NULL, &host, NULL);
    c = ofc_new(loop, &lg, NULL, lof_ofc_handlers(), l);
    assert_non_null(l);
    assert_non_null(c);
    lof_attach(l, c);
    struct lof_app_src set1[] = {{"watch", "watch.lua", watch_src, strlen(watch_src), NULL, 0},
                                 file_app("l2_learning", NULL, 0)};
    load(set1, 2);

    const uint64_t dpid = 0xfedcba9876543210ull;
    handshake(dpid);
    const struct of10_msg *m = sw_expect(OFPT10_FLOW_MOD); /* l2_learning clears the table */
    assert_int_equal(m->u.flow_mod.command, OFPFC10_DELETE);
    assert_int_equal(m->u.flow_mod.match.wildcards, 0x3820ff);
    assert_string_equal(records, "watch/ev: up fe:dc:ba:98:76:54:32:10 3\n");

    packet_in(1, "00:00:00:00:00:01", "00:00:00:00:00:02", OFP10_NO_BUFFER);
    m = sw_expect(OFPT10_PACKET_OUT);
    assert_int_equal(m->u.packet_out.in_port, 1);
    assert_int_equal(m->u.packet_out.actions.v[0].u.output.port, OFPP10_FLOOD);
    assert_int_equal(m->u.packet_out.data.len, 64);
    packet_in(2, "00:00:00:00:00:02", "00:00:00:00:00:01", 5);
    m = sw_expect(OFPT10_FLOW_MOD);
    assert_int_equal(m->u.flow_mod.command, OFPFC10_ADD);
    assert_int_equal(m->u.flow_mod.buffer_id, 5);
    assert_int_equal(m->u.flow_mod.idle_timeout, 10);
    assert_int_equal(m->u.flow_mod.match.in_port, 2);
    assert_int_equal(m->u.flow_mod.match.dl_type, 0x88b5);
    assert_int_equal(m->u.flow_mod.actions.v[0].u.output.port, 1);

    /* reload: the same l2_learning (MACs carried over) plus flowmon */
    const struct lof_kv fm_cfg[] = {{"interval", "0.05"}, {"stream", "fig5"}};
    struct lof_app_src set2[] = {set1[0], set1[1], file_app("flowmon", fm_cfg, 2)};
    load(set2, 3);
    packet_in(1, "00:00:00:00:00:01", "00:00:00:00:00:02", 6);
    m = sw_expect(OFPT10_FLOW_MOD); /* 02 was learned before the reload: no flood */
    assert_int_equal(m->u.flow_mod.actions.v[0].u.output.port, 2);

    /* flowmon's tick: flow stats answered in two parts, port stats in one */
    m = sw_expect(OFPT10_STATS_REQUEST);
    assert_int_equal(m->u.stats_request.type, OFPST10_FLOW);
    uint32_t flow_xid = m->xid;
    m = sw_expect(OFPT10_STATS_REQUEST);
    assert_int_equal(m->u.stats_request.type, OFPST10_PORT);
    uint32_t port_xid = m->xid;
    struct of10_flow_stats fs[2];
    memset(fs, 0, sizeof fs);
    of10_match_init_catchall(&fs[0].match);
    fs[0].match.wildcards &= ~(uint32_t)OFPFW10_IN_PORT;
    fs[0].match.in_port = 2;
    fs[0].packet_count = 7, fs[0].byte_count = 448, fs[0].priority = 0x8000;
    of10_match_init_catchall(&fs[1].match);
    fs[1].packet_count = 1, fs[1].byte_count = 64;
    struct of10_msg r = {.version = 1, .type = OFPT10_STATS_REPLY, .xid = flow_xid};
    r.u.stats_reply.type = OFPST10_FLOW;
    r.u.stats_reply.flags = OFPSF10_REPLY_MORE;
    r.u.stats_reply.u.flow.v = fs;
    r.u.stats_reply.u.flow.n = 1;
    sw_send(&r);
    r.u.stats_reply.flags = 0;
    r.u.stats_reply.u.flow.v = fs + 1;
    sw_send(&r);
    struct of10_port_stats ps = {.port_no = 1, .rx_packets = 3, .rx_bytes = 192};
    struct of10_msg pr = {.version = 1, .type = OFPT10_STATS_REPLY, .xid = port_xid};
    pr.u.stats_reply.type = OFPST10_PORT;
    pr.u.stats_reply.u.port.v = &ps;
    pr.u.stats_reply.u.port.n = 1;
    sw_send(&pr);
    run_for(30);
    assert_non_null(strstr(
        records, "flowmon/fig5: time,dpid,kind,key,priority,packets,bytes,duration,actions\n"));
    assert_non_null(
        strstr(records, ",fe:dc:ba:98:76:54:32:10,flow,in_port=2,32768,7,448,0.000,drop\n"));
    assert_non_null(strstr(records, ",fe:dc:ba:98:76:54:32:10,flow,any,0,1,64,0.000,drop\n"));
    assert_non_null(strstr(records, ",fe:dc:ba:98:76:54:32:10,port_rx,1,,3,192,,0\n"));

    /* the next tick's requests are in flight when a reload comes: they are
     * cancelled, and their replies, arriving late, reach nobody */
    m = sw_expect(OFPT10_STATS_REQUEST);
    flow_xid = m->xid;
    sw_expect(OFPT10_STATS_REQUEST);
    struct lof_status st;
    lof_status(l, &st);
    assert_int_equal(st.requests, 2);
    load(set1, 2);
    lof_status(l, &st);
    assert_int_equal(st.requests, 0);
    int before = nrecords;
    r.xid = flow_xid;
    sw_send(&r);
    run_for(100);
    assert_int_equal(nrecords, before);
    assert_null(sw_next(100)); /* and flowmon is gone: no more polls */

    /* disconnection: switch_down reaches the apps */
    close(fd);
    run_for(100);
    assert_non_null(strstr(records, "watch/ev: down fe:dc:ba:98:76:54:32:10\n"));
    lof_status(l, &st);
    assert_int_equal(st.handler_errors, 0);
    assert_int_equal(st.generation, 3);

    /* a second switch, then shutdown in the documented order */
    handshake(2);
    sw_expect(OFPT10_FLOW_MOD);
    ofc_free(c);
    assert_non_null(strstr(records, "watch/ev: down 00:00:00:00:00:00:00:02\n"));
    lof_free(l);
    close(fd);
    ev_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apps_on_the_real_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
