/*
 * test_ofc_fake.h - shared by the test_ofc_*.c unit tests: an engine on an ev
 * loop (real or fake clock) whose handlers record what they saw, and fake
 * switches that speak raw OpenFlow bytes over the other end of a socketpair.
 * The fake side never blocks the loop: waiting for a message means running
 * the engine's loop in small steps while reading what arrived. A fake switch
 * may speak TLS (fk_open_tls): its bytes then go through a src/tls client
 * connection, and everything else stays the same.
 */
#ifndef VF_TEST_OFC_FAKE_H
#define VF_TEST_OFC_FAKE_H

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "of10/of10.h"
#include "ofc/ofc.h"
#include "tls/tls.h"

#define FK_API static __attribute__((unused))

struct tctx {
    struct ev_loop *loop;
    struct log log;
    struct ofc *c;
    uint64_t now; /* fake clock, when used */
    uint8_t *arena_mem;
    struct of10_arena arena;
    char logbuf[32768];
    size_t loglen;
    char events[4096]; /* "up:1 down:1 ..." in order */
    size_t evlen;
    int ups, downs, pins, flow_removed, port_status, errors, others;
    struct ofc_switch *last_up, *last_down;
    size_t ports_at_port_status; /* n_ports the handler saw */
    bool answer_packet_in;       /* packet_in handler sends PACKET_OUT flood */
    void (*on_packet_in)(struct tctx *t, struct ofc_switch *sw, const struct of10_msg *m);
    uint64_t pin_seq[256]; /* dpid of each packet_in, in order */
};

struct fk {
    struct tctx *t;
    int fd;
    struct tls_conn *tls; /* a TLS switch: its client side */
    bool eof;
    struct buf in;
    struct of10_msg m; /* the last message fk_next returned (arena of t) */
    uint8_t raw[65536];
    size_t raw_len;
};

static void tc_log_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                        const char *msg)
{
    struct tctx *t = ctx;
    (void)unix_ms;
    int n = snprintf(t->logbuf + t->loglen, sizeof(t->logbuf) - t->loglen, "%s %s: %s\n",
                     log_level_name(level), module, msg);
    if (n > 0 && (size_t)n < sizeof(t->logbuf) - t->loglen) t->loglen += (size_t)n;
    if (getenv("OFC_TEST_LOG")) fprintf(stderr, "%s %s: %s\n", log_level_name(level), module, msg);
}

static uint64_t tc_clock(void *ctx)
{
    return ((struct tctx *)ctx)->now;
}

static void tc_event(struct tctx *t, const char *what, const struct ofc_switch *sw)
{
    int n = snprintf(t->events + t->evlen, sizeof(t->events) - t->evlen, "%s:%llx ", what,
                     (unsigned long long)ofc_switch_dpid(sw));
    if (n > 0 && (size_t)n < sizeof(t->events) - t->evlen) t->evlen += (size_t)n;
}

static void h_up(void *ctx, struct ofc_switch *sw)
{
    struct tctx *t = ctx;
    t->ups++;
    t->last_up = sw;
    tc_event(t, "up", sw);
}

static void h_down(void *ctx, struct ofc_switch *sw)
{
    struct tctx *t = ctx;
    t->downs++;
    t->last_down = sw;
    tc_event(t, "down", sw);
}

/* A PACKET_OUT that floods the packet back (data or buffer). */
FK_API int tc_flood(struct ofc_switch *sw, const struct of10_msg *pin)
{
    struct of10_action act = {.type = OFPAT10_OUTPUT, .len = 8};
    act.u.output.port = OFPP10_FLOOD;
    struct of10_msg po = {.version = OFP10_VERSION, .type = OFPT10_PACKET_OUT};
    po.u.packet_out.buffer_id = pin->u.packet_in.buffer_id;
    po.u.packet_out.in_port = pin->u.packet_in.in_port;
    po.u.packet_out.actions.v = &act;
    po.u.packet_out.actions.n = 1;
    if (pin->u.packet_in.buffer_id == OFP10_NO_BUFFER) po.u.packet_out.data = pin->u.packet_in.data;
    return ofc_send(sw, &po);
}

static void h_pin(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    struct tctx *t = ctx;
    if (t->pins < 256) t->pin_seq[t->pins] = ofc_switch_dpid(sw);
    t->pins++;
    if (t->answer_packet_in) tc_flood(sw, m);
    if (t->on_packet_in) t->on_packet_in(t, sw, m);
}

static void h_flow_removed(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)sw, (void)m;
    ((struct tctx *)ctx)->flow_removed++;
}

static void h_port_status(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    struct tctx *t = ctx;
    (void)m;
    t->port_status++;
    t->ports_at_port_status = ofc_switch_features(sw)->n_ports;
}

static void h_error(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)sw, (void)m;
    ((struct tctx *)ctx)->errors++;
}

static void h_other(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)sw, (void)m;
    ((struct tctx *)ctx)->others++;
}

static const struct ofc_handlers tc_handlers = {
    .switch_up = h_up,
    .switch_down = h_down,
    .packet_in = h_pin,
    .flow_removed = h_flow_removed,
    .port_status = h_port_status,
    .error = h_error,
    .other = h_other,
};

FK_API struct tctx *tc_new(const struct ofc_config *cfg, bool fake_clock)
{
    struct tctx *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->loop = ev_loop_new();
    assert_non_null(t->loop);
    if (fake_clock) {
        t->now = 1000000;
        ev_loop_set_clock(t->loop, tc_clock, t);
    }
    log_init(&t->log, LOG_LEVEL_DEBUG);
    log_set_sink(&t->log, tc_log_sink, t);
    t->c = ofc_new(t->loop, &t->log, cfg, &tc_handlers, t);
    assert_non_null(t->c);
    t->arena_mem = malloc(OF10_ARENA_SIZE);
    assert_non_null(t->arena_mem);
    of10_arena_init(&t->arena, t->arena_mem, OF10_ARENA_SIZE);
    return t;
}

FK_API void tc_free(struct tctx *t)
{
    ofc_free(t->c);
    ev_loop_free(t->loop);
    free(t->arena_mem);
    free(t);
}

FK_API bool tc_logged(const struct tctx *t, const char *needle)
{
    return strstr(t->logbuf, needle) != NULL;
}

/* Run the loop once without sleeping more than ms. */
FK_API void tc_run(struct tctx *t, int ms)
{
    ev_run_once(t->loop, ms);
}

/* Advance the fake clock and let due timers fire. */
FK_API void tc_advance(struct tctx *t, uint64_t ms)
{
    t->now += ms;
    ev_now_update(t->loop);
    for (int i = 0; i < 3; i++)
        ev_run_once(t->loop, 0);
}

/* ---- fake switch ------------------------------------------------------------ */

FK_API struct fk *fk_open(struct tctx *t)
{
    int sv[2];
    struct fk *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    f->t = t;
    f->fd = sv[1];
    buf_init(&f->in, 1u << 26);
    assert_int_equal(ofc_adopt_fd(t->c, sv[0], "fake"), 0);
    return f;
}

/* A switch that speaks TLS: the engine adopts its socket with srv, the fake
 * is a client of cli (NULL: the fake speaks nothing yet; set f->tls or
 * write raw bytes). The handshake is left to fk_tls_handshake. */
FK_API struct fk *fk_open_tls(struct tctx *t, struct tls_ctx *srv, struct tls_ctx *cli)
{
    int sv[2];
    struct fk *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    f->t = t;
    f->fd = sv[1];
    buf_init(&f->in, 1u << 26);
    if (cli) {
        f->tls = tls_conn_new(cli, f->fd);
        assert_non_null(f->tls);
    }
    assert_int_equal(ofc_adopt_tls(t->c, sv[0], "fake-tls", srv), 0);
    return f;
}

/* Run the client's handshake against the engine: TLS_OK or TLS_ERR. */
FK_API int fk_tls_handshake(struct fk *f)
{
    int r = TLS_AGAIN;
    for (int i = 0; i < 2000 && r == TLS_AGAIN; i++) {
        r = tls_conn_handshake(f->tls);
        if (r == TLS_AGAIN) tc_run(f->t, 1);
    }
    return r;
}

FK_API void fk_close(struct fk *f)
{
    tls_conn_free(f->tls);
    if (f->fd >= 0) close(f->fd);
    buf_free(&f->in);
    free(f);
}

/* Write all of p, running the engine while the socket is full. */
FK_API void fk_write(struct fk *f, const void *p, size_t len)
{
    const uint8_t *b = p;
    if (f->tls) {
        for (int spins = 0; len > 0 || tls_conn_staged(f->tls) > 0; spins++) {
            ssize_t r = len ? tls_conn_write(f->tls, b, len) : 0;
            assert_true(r >= 0);
            if (!len && tls_conn_flush(f->tls) == 0) break;
            b += r;
            len -= (size_t)r;
            assert_true(spins < 100000);
            if (r == 0) tc_run(f->t, 1);
        }
        return;
    }
    for (int spins = 0; len > 0; spins++) {
        ssize_t r = write(f->fd, b, len);
        if (r > 0) {
            b += r;
            len -= (size_t)r;
            continue;
        }
        assert_true(r < 0 && errno == EAGAIN);
        assert_true(spins < 100000);
        tc_run(f->t, 1);
    }
}

FK_API size_t fk_encode(const struct of10_msg *m, uint8_t *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(of10_encode(m, out, cap, &len), OF10_OK);
    return len;
}

FK_API void fk_send(struct fk *f, const struct of10_msg *m)
{
    static uint8_t b[65536];
    fk_write(f, b, fk_encode(m, b, sizeof(b)));
}

/* Read what is there (no waiting). */
FK_API void fk_read(struct fk *f)
{
    while (f->tls) {
        if (buf_reserve(&f->in, 16384) != BUF_OK) return;
        ssize_t r = tls_conn_read(f->tls, buf_tail(&f->in), 16384);
        if (r > 0) {
            buf_commit(&f->in, (size_t)r);
            continue;
        }
        if (r == 0 || errno != EAGAIN) f->eof = true; /* closed, or a TLS error */
        return;
    }
    for (;;) {
        ssize_t r = buf_read_fd(&f->in, f->fd);
        if (r > 0) continue;
        if (r == 0) f->eof = true;
        return;
    }
}

/* The next whole message within timeout_ms (real time): 1, with f->m and
 * f->raw; 0 on timeout; -1 at EOF. Decode errors fail the test. */
FK_API int fk_next(struct fk *f, int timeout_ms)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        fk_read(f);
        size_t avail = buf_len(&f->in);
        if (avail >= 8) {
            size_t len = of10_frame_len(buf_data(&f->in));
            assert_true(len >= 8);
            if (avail >= len) {
                memcpy(f->raw, buf_data(&f->in), len);
                f->raw_len = len;
                buf_consume(&f->in, len);
                of10_arena_reset(&f->t->arena);
                assert_int_equal(of10_decode(f->raw, len, &f->m, &f->t->arena), OF10_OK);
                return 1;
            }
        }
        if (f->eof) return -1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms > timeout_ms) return 0;
        tc_run(f->t, 2);
    }
}

/* The next message must be of this type. */
FK_API const struct of10_msg *fk_expect(struct fk *f, uint8_t type)
{
    int r = fk_next(f, 3000);
    if (r != 1) fail_msg("expected %s, got %s", of10_type_name(type), r ? "EOF" : "nothing");
    if (f->m.type != type)
        fail_msg("expected %s, got %s", of10_type_name(type), of10_type_name(f->m.type));
    return &f->m;
}

/* The engine closes the connection (messages before the EOF are skipped). */
FK_API bool fk_wait_eof(struct fk *f, int timeout_ms)
{
    int r;
    while ((r = fk_next(f, timeout_ms)) == 1)
        continue;
    return r < 0;
}

/* Nothing arrives for ms. */
FK_API bool fk_quiet(struct fk *f, int ms)
{
    return fk_next(f, ms) == 0;
}

FK_API void fk_send_simple(struct fk *f, uint8_t version, uint8_t type, uint32_t xid)
{
    uint8_t b[8] = {
        version,     type, 0, 8, (uint8_t)(xid >> 24), (uint8_t)(xid >> 16), (uint8_t)(xid >> 8),
        (uint8_t)xid};
    fk_write(f, b, 8);
}

FK_API void fk_port(struct of10_phy_port *p, uint16_t no)
{
    memset(p, 0, sizeof(*p));
    p->port_no = no;
    p->hw_addr[5] = (uint8_t)no;
    p->hw_addr[0] = 0x02;
    snprintf(p->name, sizeof(p->name), "eth%u", no);
}

FK_API void fk_features_reply(struct fk *f, uint32_t xid, uint64_t dpid, size_t nports)
{
    struct of10_phy_port ports[8];
    assert_true(nports <= 8);
    for (size_t i = 0; i < nports; i++)
        fk_port(&ports[i], (uint16_t)(i + 1));
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_FEATURES_REPLY, .xid = xid};
    m.u.features.datapath_id = dpid;
    m.u.features.n_buffers = 256;
    m.u.features.n_tables = 1;
    m.u.features.ports = nports ? ports : NULL;
    m.u.features.n_ports = nports;
    fk_send(f, &m);
}

/* The switch side of a complete handshake; returns the engine's switch. */
FK_API struct ofc_switch *fk_handshake(struct fk *f, uint64_t dpid, size_t nports)
{
    struct tctx *t = f->t;
    int ups = t->ups;
    fk_expect(f, OFPT10_HELLO);
    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 77);
    uint32_t xid = fk_expect(f, OFPT10_FEATURES_REQUEST)->xid;
    fk_features_reply(f, xid, dpid, nports);
    fk_expect(f, OFPT10_SET_CONFIG);
    for (int i = 0; i < 1000 && t->ups == ups; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, ups + 1);
    assert_true(ofc_switch_dpid(t->last_up) == dpid);
    return t->last_up;
}

FK_API void fk_packet_in(struct fk *f, uint32_t xid, uint16_t in_port, size_t len)
{
    uint8_t data[1500];
    assert_true(len <= sizeof(data));
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + in_port);
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_PACKET_IN, .xid = xid};
    m.u.packet_in.buffer_id = OFP10_NO_BUFFER;
    m.u.packet_in.total_len = (uint16_t)len;
    m.u.packet_in.in_port = in_port;
    m.u.packet_in.reason = OFPR10_NO_MATCH;
    m.u.packet_in.data.p = data;
    m.u.packet_in.data.len = len;
    fk_send(f, &m);
}

/* A PACKET_OUT of PO_DATA bytes filled with fill (one output action): the
 * unit of a backlog in the liveness and TLS tests. */
#define PO_DATA 1000
#define PO_LEN  (16 + 8 + PO_DATA) /* ofp_packet_out + one output action + data */

FK_API int send_po(struct ofc_switch *sw, uint8_t fill)
{
    static uint8_t data[PO_DATA];
    memset(data, fill, sizeof(data));
    struct of10_action act = {.type = OFPAT10_OUTPUT, .len = 8};
    act.u.output.port = 1;
    struct of10_msg m = {.version = 1, .type = OFPT10_PACKET_OUT};
    m.u.packet_out.buffer_id = OFP10_NO_BUFFER;
    m.u.packet_out.in_port = OFPP10_NONE;
    m.u.packet_out.actions.v = &act;
    m.u.packet_out.actions.n = 1;
    m.u.packet_out.data.p = data;
    m.u.packet_out.data.len = sizeof(data);
    return ofc_send(sw, &m);
}

#endif
