/*
 * test_lof_fake.h - shared by the test_lof_*.c unit tests that drive the Lua
 * app host without sockets: a fake of the ofc engine (the functions of
 * ofc.h the host calls, recording every message sent and every request made,
 * with helpers to answer them), fake switches, frame builders, and a host
 * harness on an ev loop with a fake clock and a captured log, kept in T by the
 * cmocka setups and teardown at the end.
 *
 * A test binary that includes this links none of the real engine: every ofc
 * symbol the host references is defined here, so the archive's ofc objects
 * are never pulled in. test_lof_engine.c runs against the real engine.
 */
#ifndef VF_TEST_LOF_FAKE_H
#define VF_TEST_LOF_FAKE_H

#include "unit.h"

#include <errno.h>
#include <stdbool.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lof/lof.h"
#include "of10/of10.h"
#include "ofc/ofc.h"
#include "pkt/pkt.h"

#define LF_API      static __attribute__((unused))
#define LF_MAX_SENT 1024
#define LF_MAX_REQ  256
#define LF_MAX_SW   8

struct lf_sent {
    uint64_t dpid;
    uint8_t type;
    uint32_t xid;
    size_t len;
    uint8_t bytes[2048]; /* enough for what apps send in these tests */
    char text[1024];     /* of10_print */
};

struct lf_req {
    struct ofc_switch *sw;
    uint32_t xid;
    ofc_reply_fn *cb;
    void *ctx;
    const void *owner;
    bool live;
    uint8_t type;
    uint16_t stats_type;
};

struct ofc_switch {
    struct ofc *c;
    uint64_t dpid;
    bool up;
    struct of10_features f;
    struct of10_phy_port ports[8];
    char peer[32];
    bool takeover; /* what ofc_switch_takeover answers */
};

struct ofc {
    struct ofc_switch sw[LF_MAX_SW];
    uint32_t xid;
    struct lf_sent sent[LF_MAX_SENT];
    size_t nsent;
    struct lf_req req[LF_MAX_REQ];
    size_t nreq;
    int fail_send;
    uint64_t now_ms;
};

static struct ofc lf_engine;
/* The takeover flag the next lf_switch_up gives its switch (roles mode). */
static bool lf_next_takeover;

/* ---- the fake engine: what lof calls --------------------------------------- */

static void lf_record(struct ofc_switch *sw, struct of10_msg *m)
{
    if (!m->xid) m->xid = ++lf_engine.xid;
    if (lf_engine.nsent >= LF_MAX_SENT) fail_msg("fake engine: too many messages");
    struct lf_sent *s = &lf_engine.sent[lf_engine.nsent++];
    s->dpid = sw->dpid;
    s->type = m->type;
    s->xid = m->xid;
    uint32_t e = of10_encode(m, s->bytes, sizeof s->bytes, &s->len);
    if (e) fail_msg("fake engine: message does not encode: %s", of10_err_name(e));
    of10_print(m, s->text, sizeof s->text);
    if (getenv("LOF_TEST_LOG"))
        fprintf(stderr, "sent %016llx %s\n", (unsigned long long)sw->dpid, s->text);
}

int ofc_send(struct ofc_switch *sw, struct of10_msg *m)
{
    if (lf_engine.fail_send || !sw->up) return -1;
    lf_record(sw, m);
    return 0;
}

uint32_t ofc_request(struct ofc_switch *sw, struct of10_msg *m, ofc_reply_fn *cb, void *ctx,
                     const void *owner)
{
    if (lf_engine.fail_send || !sw->up || lf_engine.nreq >= LF_MAX_REQ) return 0;
    lf_record(sw, m);
    struct lf_req *r = &lf_engine.req[lf_engine.nreq++];
    *r = (struct lf_req){sw, m->xid, cb, ctx, owner, true, m->type, 0};
    if (m->type == OFPT10_STATS_REQUEST) r->stats_type = m->u.stats_request.type;
    return m->xid;
}

void ofc_cancel_owner(struct ofc *c, const void *owner)
{
    for (size_t i = 0; i < c->nreq; i++)
        if (c->req[i].owner == owner) c->req[i].live = false;
}

uint64_t ofc_switch_dpid(const struct ofc_switch *sw)
{
    return sw->dpid;
}
const struct of10_features *ofc_switch_features(const struct ofc_switch *sw)
{
    return &sw->f;
}
const char *ofc_switch_peer(const struct ofc_switch *sw)
{
    return sw->peer;
}
uint64_t ofc_switch_connected_ms(const struct ofc_switch *sw)
{
    (void)sw;
    return 1000;
}

struct ofc_switch *ofc_switch_find(struct ofc *c, uint64_t dpid)
{
    for (int i = 0; i < LF_MAX_SW; i++)
        if (c->sw[i].up && c->sw[i].dpid == dpid) return &c->sw[i];
    return NULL;
}

void ofc_foreach_switch(struct ofc *c, void (*fn)(struct ofc_switch *sw, void *arg), void *arg)
{
    for (int i = 0; i < LF_MAX_SW; i++)
        if (c->sw[i].up) fn(&c->sw[i], arg);
}

int ofc_switch_takeover(const struct ofc_switch *sw)
{
    return sw->takeover;
}

size_t ofc_switch_count(const struct ofc *c)
{
    size_t n = 0;
    for (int i = 0; i < LF_MAX_SW; i++)
        n += c->sw[i].up;
    return n;
}

/* ---- the harness ------------------------------------------------------------- */

struct lt {
    struct ev_loop *loop;
    uint64_t now;
    struct log log;
    char logbuf[65536];
    size_t loglen;
    struct lof *l;
    char records[16384]; /* "app/stream: line\n" ... */
    size_t reclen;
    int nrecords;
};

static void lt_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                    const char *msg)
{
    struct lt *t = ctx;
    (void)unix_ms;
    int n = snprintf(t->logbuf + t->loglen, sizeof t->logbuf - t->loglen, "%s %s: %s\n",
                     log_level_name(level), module, msg);
    if (n > 0 && (size_t)n < sizeof t->logbuf - t->loglen) t->loglen += (size_t)n;
    if (getenv("LOF_TEST_LOG")) fprintf(stderr, "%s %s: %s\n", log_level_name(level), module, msg);
}

/* The host's rule_request, forwarded to lt_rule_fn when a test sets it
 * (test_lof_rules.c); without a monitor (lof_set_monitor) it is never called. */
static int (*lt_rule_fn)(void *ctx, const struct lof_rule_req *rq);
static int lt_rule_request(void *ctx, const struct lof_rule_req *rq)
{
    return lt_rule_fn ? lt_rule_fn(ctx, rq) : -ENODEV;
}

/* The host's guest_notify, forwarded to lt_notify_fn when a test sets it
 * (test_lof_guest.c); -ENODEV otherwise. */
static int (*lt_notify_fn)(void *ctx, const struct lof_guest_note *n);
static int lt_guest_notify(void *ctx, const struct lof_guest_note *n)
{
    return lt_notify_fn ? lt_notify_fn(ctx, n) : -ENODEV;
}

/* The host's cluster_put, forwarded to lt_cluster_fn when a test sets it
 * (test_lof_cluster.c); -ENODEV otherwise. */
static int (*lt_cluster_fn)(void *ctx, int op, const char *key, const void *val, size_t vlen,
                            uint32_t ttl_s);
static int lt_cluster_put(void *ctx, int op, const char *key, const void *val, size_t vlen,
                          uint32_t ttl_s)
{
    return lt_cluster_fn ? lt_cluster_fn(ctx, op, key, val, vlen, ttl_s) : -ENODEV;
}

static uint64_t lt_clock(void *ctx)
{
    return ((struct lt *)ctx)->now;
}
static uint64_t lt_wall(void *ctx)
{
    return 1700000000000ull + ((struct lt *)ctx)->now;
}

static void lt_record(void *ctx, const char *app, const char *stream, const char *line)
{
    struct lt *t = ctx;
    int n = snprintf(t->records + t->reclen, sizeof t->records - t->reclen, "%s/%s: %s\n", app,
                     stream, line);
    if (n > 0 && (size_t)n < sizeof t->records - t->reclen) t->reclen += (size_t)n;
    t->nrecords++;
}

LF_API struct lt *lt_new(uint64_t budget)
{
    memset(&lf_engine, 0, sizeof lf_engine);
    struct lt *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->loop = ev_loop_new();
    assert_non_null(t->loop);
    t->now = 1000;
    ev_loop_set_clock(t->loop, lt_clock, t);
    log_init(&t->log, LOG_LEVEL_DEBUG);
    log_set_sink(&t->log, lt_sink, t);
    log_set_clock(&t->log, lt_wall, t);
    struct vlua_limits lim = {.mem_bytes = 16u << 20, .instr_budget = budget};
    struct lof_host host = {.record = lt_record,
                            .rule_request = lt_rule_request,
                            .guest_notify = lt_guest_notify,
                            .cluster_put = lt_cluster_put};
    t->l = lof_new(t->loop, &t->log, &lim, &host, t);
    assert_non_null(t->l);
    lof_attach(t->l, &lf_engine);
    return t;
}

LF_API void lt_free(struct lt *t)
{
    lof_free(t->l);
    ev_loop_free(t->loop);
    free(t);
}

/* Let the fake clock run ms milliseconds, firing due timers step by step. */
LF_API void lt_advance(struct lt *t, uint64_t ms)
{
    uint64_t end = t->now + ms;
    while (t->now < end) {
        t->now += t->now + 10 <= end ? 10 : end - t->now;
        ev_now_update(t->loop);
        ev_run_once(t->loop, 0);
    }
}

LF_API int lt_load_list(struct lt *t, const struct lof_app_src *apps, size_t n, char *err,
                        size_t cap)
{
    return lof_load(t->l, apps, n, err, cap);
}

/* Load one app from text; fails the test on error. */
LF_API void lt_load1(struct lt *t, const char *name, const char *src)
{
    char err[512] = "";
    struct lof_app_src a = {name, name, src, strlen(src), NULL, 0};
    if (lof_load(t->l, &a, 1, err, sizeof err) != 0) fail_msg("load %s: %s", name, err);
}

LF_API char *lt_read_file(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", unit_root(), rel);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    static char *bufs[16];
    static int nb;
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    free(bufs[nb % 16]);
    bufs[nb++ % 16] = b;
    return b;
}

LF_API struct ofc_switch *lf_switch_up(struct lt *t, uint64_t dpid, int nports)
{
    for (int i = 0; i < LF_MAX_SW; i++) {
        struct ofc_switch *sw = &lf_engine.sw[i];
        if (sw->up) continue;
        memset(sw, 0, sizeof *sw);
        sw->c = &lf_engine;
        sw->dpid = dpid;
        sw->up = true;
        sw->takeover = lf_next_takeover;
        snprintf(sw->peer, sizeof sw->peer, "fake:%d", i);
        sw->f.datapath_id = dpid;
        sw->f.n_buffers = 256;
        sw->f.n_tables = 1;
        sw->f.ports = sw->ports;
        sw->f.n_ports = (size_t)nports;
        for (int p = 0; p < nports && p < 8; p++) {
            /* listed backwards, so "ports come sorted" is really tested */
            struct of10_phy_port *pp = &sw->ports[nports - 1 - p];
            pp->port_no = (uint16_t)(p + 1);
            snprintf(pp->name, sizeof pp->name, "eth%d", p + 1);
            pp->hw_addr[5] = (uint8_t)(p + 1);
            pp->curr = OFPPF10_1GB_FD;
        }
        if (t) lof_ofc_handlers()->switch_up(t->l, sw);
        return sw;
    }
    fail_msg("fake engine: too many switches");
    return NULL;
}

LF_API void lf_switch_down(struct lt *t, struct ofc_switch *sw)
{
    sw->up = false;
    lof_ofc_handlers()->switch_down(t->l, sw);
}

/* ---- frames ------------------------------------------------------------------ */

LF_API void lf_mac(const char *s, uint8_t m[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        fail_msg("bad mac %s", s);
    for (int i = 0; i < 6; i++)
        m[i] = (uint8_t)v[i];
}

static void lf_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
static void lf_put32(uint8_t *p, uint32_t v)
{
    lf_put16(p, (uint16_t)(v >> 16)), lf_put16(p + 2, (uint16_t)v);
}

/* Ethernet + IPv4 + TCP/UDP (proto 6/17) or just Ethernet with ethertype
 * 0x0806 (an ARP request) when proto is 0. Returns the frame length. */
LF_API size_t lf_frame(uint8_t *f, const char *src, const char *dst, uint32_t sip, uint32_t dip,
                       uint8_t proto, uint16_t sport, uint16_t dport)
{
    memset(f, 0, 128);
    lf_mac(dst, f);
    lf_mac(src, f + 6);
    if (!proto) { /* ARP request: who has dip, tell sip */
        lf_put16(f + 12, 0x0806);
        uint8_t *a = f + 14;
        lf_put16(a, 1), lf_put16(a + 2, 0x0800), a[4] = 6, a[5] = 4, lf_put16(a + 6, 1);
        memcpy(a + 8, f + 6, 6);
        lf_put32(a + 14, sip);
        lf_put32(a + 24, dip);
        return 60;
    }
    lf_put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    size_t l4len = proto == 6 ? 20 : 8;
    ip[0] = 0x45, ip[8] = 64, ip[9] = proto;
    lf_put16(ip + 2, (uint16_t)(20 + l4len));
    lf_put32(ip + 12, sip);
    lf_put32(ip + 16, dip);
    lf_put16(ip + 10, pkt_csum(ip, 20));
    uint8_t *l4 = ip + 20;
    lf_put16(l4, sport);
    lf_put16(l4 + 2, dport);
    if (proto == 6)
        l4[12] = 0x50, l4[13] = PKT_TCP_SYN;
    else
        lf_put16(l4 + 4, 8);
    size_t n = 14 + 20 + l4len;
    return n < 60 ? 60 : n;
}

LF_API void lf_packet_in(struct lt *t, struct ofc_switch *sw, uint16_t in_port, const uint8_t *f,
                         size_t len, uint32_t buffer_id)
{
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = OFPT10_PACKET_IN;
    m.xid = 0;
    m.u.packet_in.buffer_id = buffer_id;
    m.u.packet_in.total_len = (uint16_t)len;
    m.u.packet_in.in_port = in_port;
    m.u.packet_in.reason = OFPR10_NO_MATCH;
    m.u.packet_in.data.p = f;
    m.u.packet_in.data.len = len;
    lof_ofc_handlers()->packet_in(t->l, sw, &m);
}

/* ---- inspecting what was sent ------------------------------------------------ */

LF_API size_t lf_count(uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < lf_engine.nsent; i++)
        n += lf_engine.sent[i].type == type;
    return n;
}

/* The i-th sent message of this type (0-based), or fail. */
LF_API struct lf_sent *lf_nth(uint8_t type, size_t i)
{
    for (size_t k = 0; k < lf_engine.nsent; k++)
        if (lf_engine.sent[k].type == type && i-- == 0) return &lf_engine.sent[k];
    fail_msg("no message #%zu of type %s", i, of10_type_name(type));
    return NULL;
}

LF_API struct lf_sent *lf_last(void)
{
    if (!lf_engine.nsent) fail_msg("nothing sent");
    return &lf_engine.sent[lf_engine.nsent - 1];
}

/* Decode a sent message (arena: static, reset each call). */
LF_API const struct of10_msg *lf_decode(const struct lf_sent *s)
{
    static uint8_t mem[OF10_ARENA_SIZE];
    static struct of10_arena a;
    static struct of10_msg m;
    of10_arena_init(&a, mem, sizeof mem);
    uint32_t e = of10_decode(s->bytes, s->len, &m, &a);
    if (e) fail_msg("decode: %s", of10_err_name(e));
    return &m;
}

LF_API void lf_clear_sent(void)
{
    lf_engine.nsent = 0;
}

/* Answer pending request i with a prepared reply (parts). */
LF_API void lf_answer(size_t i, int status, const struct of10_msg *const *parts, size_t n)
{
    struct lf_req *r = &lf_engine.req[i];
    if (!r->live) fail_msg("request %zu is not pending", i);
    r->live = false;
    r->cb(r->sw, status, parts, n, r->ctx);
}

LF_API size_t lf_live_requests(void)
{
    size_t n = 0;
    for (size_t i = 0; i < lf_engine.nreq; i++)
        n += lf_engine.req[i].live;
    return n;
}

LF_API bool lf_log_has(struct lt *t, const char *needle)
{
    return strstr(t->logbuf, needle) != NULL;
}

/* ---- the fixture: one harness per test, in T ---------------------------------- */

#define LT_SMALL_BUDGET 200000 /* VM instructions: a runaway handler is cut off fast */

static struct lt *T __attribute__((unused));

/* An app whose show(...) records its arguments ('|'-joined) as one line of
 * stream "r"; lt_run_later runs lua in it from a timer (not while loading,
 * where the host's modules refuse most calls) and lets the timer fire. */
#define LT_SHOW_APP                                                                                \
    "function show(...) local o = {} for i = 1, select('#', ...) do\n"                             \
    "  o[#o + 1] = tostring((select(i, ...))) end vf.record('r', table.concat(o, '|')) end\n"

LF_API void lt_run_later(struct lt *t, const char *lua)
{
    char src[4096];
    snprintf(src, sizeof(src), LT_SHOW_APP "vf.after(0, function() %s end)\nreturn {}\n", lua);
    lt_load1(t, "a", src);
    lt_advance(t, 20);
}

/* cmocka setups: T with the default instruction budget, or a small one. */
LF_API int lt_setup(void **state)
{
    (void)state;
    T = lt_new(0);
    return 0;
}

LF_API int lt_setup_small_budget(void **state)
{
    (void)state;
    T = lt_new(LT_SMALL_BUDGET);
    return 0;
}

LF_API int lt_teardown(void **state)
{
    (void)state;
    lt_free(T);
    return 0;
}

/* Fail unless T's records are exactly want. */
LF_API void lt_want_records(const char *want)
{
    if (strcmp(T->records, want) != 0) fail_msg("records:\n%s\nwant:\n%s", T->records, want);
}

LF_API void lt_clear_records(void)
{
    T->records[0] = '\0';
    T->reclen = 0;
}

#endif
