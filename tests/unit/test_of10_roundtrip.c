/*
 * test_of10_roundtrip.c - generated messages of every type through encode and
 * decode (decode(encode(m)) == m, and re-encoding is byte-exact), validation
 * failures of encode, and worst-case messages against OF10_ARENA_SIZE.
 */
#include "unit.h"

#include "of10/of10.h"

static uint8_t wire[70000], wire2[70000];
static uint8_t gen_mem[4u << 20], dec_mem[OF10_ARENA_SIZE];
static struct of10_arena gen; /* where generated arrays live */

static uint32_t rng = 2463534242u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static uint64_t rnd64(void)
{
    return (uint64_t)rnd() << 32 | rnd();
}

static void *gen_alloc(size_t n, size_t size)
{
    void *p = of10_arena_alloc(&gen, n * size);
    assert_non_null(p);
    return p;
}

/* ---- generators: random but always valid ------------------------------- */

static void gen_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void gen_bytes(struct of10_bytes *b, size_t max)
{
    b->len = rnd() % (max + 1);
    b->p = NULL;
    if (!b->len) return;
    uint8_t *p = gen_alloc(b->len, 1);
    gen_fill(p, b->len);
    b->p = p;
}

static void gen_str(char *s, size_t max)
{
    size_t n = rnd() % (max + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(' ' + rnd() % 95);
    s[n] = '\0';
}

static void gen_match(struct of10_match *m)
{
    uint8_t b[OFP10_MATCH_LEN];
    gen_fill(b, sizeof b);
    of10_match_decode(b, m); /* every bit pattern is a valid match */
    if (rnd() % 2) of10_match_normalize(m);
}

static uint16_t gen_out_port(void)
{
    static const uint16_t reserved[] = {OFPP10_IN_PORT, OFPP10_TABLE, OFPP10_NORMAL,
                                        OFPP10_FLOOD,   OFPP10_ALL,   OFPP10_CONTROLLER,
                                        OFPP10_LOCAL};
    return rnd() % 2 ? (uint16_t)(1 + rnd() % (OFPP10_MAX - 1)) : reserved[rnd() % 7];
}

static void gen_action(struct of10_action *a)
{
    memset(a, 0, sizeof *a);
    a->type = rnd() % 13 == 12 ? OFPAT10_VENDOR : (uint16_t)(rnd() % 12);
    switch (a->type) {
    case OFPAT10_OUTPUT:
        a->u.output.port = gen_out_port();
        a->u.output.max_len = (uint16_t)rnd();
        break;
    case OFPAT10_SET_VLAN_VID:
        a->u.vlan_vid = rnd() & 0xfff;
        break;
    case OFPAT10_SET_VLAN_PCP:
        a->u.vlan_pcp = rnd() & 7;
        break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        gen_fill(a->u.dl_addr, 6);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        a->u.nw_addr = rnd();
        break;
    case OFPAT10_SET_NW_TOS:
        a->u.nw_tos = rnd() & 0xfc;
        break;
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        a->u.tp_port = (uint16_t)rnd();
        break;
    case OFPAT10_ENQUEUE:
        a->u.enqueue.port = rnd() % 4 ? (uint16_t)(1 + rnd() % 0xfeff) : OFPP10_IN_PORT;
        a->u.enqueue.queue_id = rnd() % 0xffffffffu;
        break;
    case OFPAT10_VENDOR: {
        a->u.vendor.vendor = rnd();
        a->u.vendor.body_len = (uint16_t)(8 * (rnd() % 4));
        uint8_t *body = a->u.vendor.body_len ? gen_alloc(a->u.vendor.body_len, 1) : NULL;
        if (body) gen_fill(body, a->u.vendor.body_len);
        a->u.vendor.body = body;
        break;
    }
    default:
        break;
    }
}

static void gen_actions(struct of10_actions *a)
{
    a->n = rnd() % 6;
    a->v = a->n ? gen_alloc(a->n, sizeof *a->v) : NULL;
    for (size_t i = 0; i < a->n; i++)
        gen_action(&a->v[i]);
}

static void gen_phy_port(struct of10_phy_port *p)
{
    p->port_no = (uint16_t)rnd();
    gen_fill(p->hw_addr, 6);
    gen_str(p->name, OFP10_MAX_PORT_NAME_LEN);
    p->config = rnd(), p->state = rnd(), p->curr = rnd();
    p->advertised = rnd(), p->supported = rnd(), p->peer = rnd();
}

#define GEN_ARRAY(arr, max)                                                                        \
    do {                                                                                           \
        (arr).n = rnd() % ((max) + 1);                                                             \
        (arr).v = (arr).n ? gen_alloc((arr).n, sizeof *(arr).v) : NULL;                            \
        if ((arr).n) gen_fill((uint8_t *)(arr).v, (arr).n * sizeof *(arr).v);                      \
    } while (0)

static void gen_stats_request(struct of10_stats_request *r)
{
    static const uint16_t types[] = {0, 1, 2, 3, 4, 5, OFPST10_VENDOR};
    r->type = types[rnd() % 7];
    r->flags = (uint16_t)rnd();
    switch (r->type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        gen_match(&r->u.flow.match);
        r->u.flow.table_id = (uint8_t)rnd();
        r->u.flow.out_port = (uint16_t)rnd();
        break;
    case OFPST10_PORT:
        r->u.port.port_no = (uint16_t)rnd();
        break;
    case OFPST10_QUEUE:
        r->u.queue.port_no = (uint16_t)rnd();
        r->u.queue.queue_id = rnd();
        break;
    case OFPST10_VENDOR:
        r->u.vendor.vendor = rnd();
        gen_bytes(&r->u.vendor.data, 64);
        break;
    default:
        break;
    }
}

static void gen_flow_stats(struct of10_flow_stats *f)
{
    f->table_id = (uint8_t)rnd();
    gen_match(&f->match);
    f->duration_sec = rnd(), f->duration_nsec = rnd();
    f->priority = (uint16_t)rnd(), f->idle_timeout = (uint16_t)rnd();
    f->hard_timeout = (uint16_t)rnd();
    f->cookie = rnd64(), f->packet_count = rnd64(), f->byte_count = rnd64();
    gen_actions(&f->actions);
}

static void gen_stats_reply(struct of10_stats_reply *r)
{
    static const uint16_t types[] = {0, 1, 2, 3, 4, 5, OFPST10_VENDOR};
    r->type = types[rnd() % 7];
    r->flags = rnd() % 2 ? OFPSF10_REPLY_MORE : 0;
    switch (r->type) {
    case OFPST10_DESC: {
        struct of10_desc_stats *d = gen_alloc(1, sizeof *d);
        gen_str(d->mfr_desc, OFP10_DESC_STR_LEN);
        gen_str(d->hw_desc, OFP10_DESC_STR_LEN);
        gen_str(d->sw_desc, OFP10_DESC_STR_LEN);
        gen_str(d->serial_num, OFP10_SERIAL_NUM_LEN);
        gen_str(d->dp_desc, OFP10_DESC_STR_LEN);
        r->u.desc = d;
        break;
    }
    case OFPST10_FLOW:
        r->u.flow.n = rnd() % 5;
        r->u.flow.v = r->u.flow.n ? gen_alloc(r->u.flow.n, sizeof *r->u.flow.v) : NULL;
        for (size_t i = 0; i < r->u.flow.n; i++)
            gen_flow_stats(&r->u.flow.v[i]);
        break;
    case OFPST10_AGGREGATE:
        r->u.aggregate.packet_count = rnd64();
        r->u.aggregate.byte_count = rnd64();
        r->u.aggregate.flow_count = rnd();
        break;
    case OFPST10_TABLE:
        GEN_ARRAY(r->u.table, 4);
        for (size_t i = 0; i < r->u.table.n; i++)
            gen_str(r->u.table.v[i].name, OFP10_MAX_TABLE_NAME_LEN);
        break;
    case OFPST10_PORT:
        GEN_ARRAY(r->u.port, 4);
        break;
    case OFPST10_QUEUE:
        GEN_ARRAY(r->u.queue, 4);
        break;
    default:
        r->u.vendor.vendor = rnd();
        gen_bytes(&r->u.vendor.data, 64);
        break;
    }
}

static void gen_queue_reply(struct of10_queue_get_config_reply *r)
{
    r->port = (uint16_t)rnd();
    r->n_queues = rnd() % 5;
    r->queues = r->n_queues ? gen_alloc(r->n_queues, sizeof *r->queues) : NULL;
    for (size_t i = 0; i < r->n_queues; i++) {
        struct of10_packet_queue *q = &r->queues[i];
        q->queue_id = rnd();
        q->n_props = rnd() % 3;
        q->props = q->n_props ? gen_alloc(q->n_props, sizeof *q->props) : NULL;
        for (size_t j = 0; j < q->n_props; j++) {
            q->props[j].property = rnd() % 2 ? OFPQT10_MIN_RATE : OFPQT10_NONE;
            q->props[j].rate = q->props[j].property ? (uint16_t)rnd() : 0;
        }
    }
}

static void gen_body(struct of10_msg *m)
{
    switch (m->type) {
    case OFPT10_HELLO:
        gen_bytes(&m->u.hello, 32);
        break;
    case OFPT10_ERROR:
        m->u.error.type = (uint16_t)rnd(), m->u.error.code = (uint16_t)rnd();
        gen_bytes(&m->u.error.data, 80);
        break;
    case OFPT10_ECHO_REQUEST:
    case OFPT10_ECHO_REPLY:
        gen_bytes(&m->u.echo, 64);
        break;
    case OFPT10_VENDOR:
        m->u.vendor.vendor = rnd();
        gen_bytes(&m->u.vendor.data, 64);
        break;
    case OFPT10_FEATURES_REPLY: {
        struct of10_features *f = &m->u.features;
        f->datapath_id = rnd64(), f->n_buffers = rnd(), f->n_tables = (uint8_t)rnd();
        f->capabilities = rnd(), f->actions = rnd();
        f->n_ports = rnd() % 5;
        f->ports = f->n_ports ? gen_alloc(f->n_ports, sizeof *f->ports) : NULL;
        for (size_t i = 0; i < f->n_ports; i++)
            gen_phy_port(&f->ports[i]);
        break;
    }
    case OFPT10_GET_CONFIG_REPLY:
    case OFPT10_SET_CONFIG:
        m->u.config.flags = (uint16_t)rnd(), m->u.config.miss_send_len = (uint16_t)rnd();
        break;
    case OFPT10_PACKET_IN:
        m->u.packet_in.buffer_id = rnd(), m->u.packet_in.total_len = (uint16_t)rnd();
        m->u.packet_in.in_port = (uint16_t)rnd(), m->u.packet_in.reason = (uint8_t)rnd();
        gen_bytes(&m->u.packet_in.data, 128);
        break;
    case OFPT10_FLOW_REMOVED: {
        struct of10_flow_removed *fr = &m->u.flow_removed;
        gen_match(&fr->match);
        fr->cookie = rnd64(), fr->priority = (uint16_t)rnd(), fr->reason = (uint8_t)rnd();
        fr->duration_sec = rnd(), fr->duration_nsec = rnd();
        fr->idle_timeout = (uint16_t)rnd();
        fr->packet_count = rnd64(), fr->byte_count = rnd64();
        break;
    }
    case OFPT10_PORT_STATUS:
        m->u.port_status.reason = (uint8_t)rnd();
        gen_phy_port(&m->u.port_status.desc);
        break;
    case OFPT10_PACKET_OUT: {
        struct of10_packet_out *po = &m->u.packet_out;
        po->buffer_id = rnd() % 2 ? OFP10_NO_BUFFER : rnd();
        po->in_port = (uint16_t)rnd();
        gen_actions(&po->actions);
        if (po->buffer_id == OFP10_NO_BUFFER) gen_bytes(&po->data, 128);
        break;
    }
    case OFPT10_FLOW_MOD: {
        struct of10_flow_mod *fm = &m->u.flow_mod;
        gen_match(&fm->match);
        fm->cookie = rnd64(), fm->command = rnd() % 5;
        fm->idle_timeout = (uint16_t)rnd(), fm->hard_timeout = (uint16_t)rnd();
        fm->priority = (uint16_t)rnd(), fm->buffer_id = rnd();
        fm->out_port = (uint16_t)rnd(), fm->flags = (uint16_t)rnd();
        if (fm->flags & OFPFF10_EMERG) fm->idle_timeout = fm->hard_timeout = 0;
        gen_actions(&fm->actions);
        break;
    }
    case OFPT10_PORT_MOD: {
        struct of10_port_mod *pm = &m->u.port_mod;
        pm->port_no = rnd() % 8 ? (uint16_t)(1 + rnd() % 0xfeff) : OFPP10_LOCAL;
        gen_fill(pm->hw_addr, 6);
        pm->config = rnd(), pm->mask = rnd(), pm->advertise = rnd();
        break;
    }
    case OFPT10_STATS_REQUEST:
        gen_stats_request(&m->u.stats_request);
        break;
    case OFPT10_STATS_REPLY:
        gen_stats_reply(&m->u.stats_reply);
        break;
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        m->u.queue_get_config_request = (uint16_t)(1 + rnd() % 0xfeff);
        break;
    case OFPT10_QUEUE_GET_CONFIG_REPLY:
        gen_queue_reply(&m->u.queue_get_config_reply);
        break;
    default:
        break; /* no body */
    }
}

static void gen_msg(struct of10_msg *m, uint8_t type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    m->version = type == OFPT10_HELLO && rnd() % 2 ? (uint8_t)rnd() : OFP10_VERSION;
    m->xid = rnd();
    gen_body(m);
}

/* decode(encode(m)) == m, and encode(decode(encode(m))) is the same bytes. */
static void test_generated_roundtrip(void **state)
{
    (void)state;
    struct of10_arena dec;
    for (int i = 0; i < 20000; i++) {
        struct of10_msg m, d;
        size_t len, len2;
        of10_arena_init(&gen, gen_mem, sizeof gen_mem);
        gen_msg(&m, (uint8_t)(i % OFPT10_N_TYPES));
        uint32_t err = of10_encode(&m, wire, sizeof wire, &len);
        if (err) fail_msg("iter %d %s: encode %s", i, of10_type_name(m.type), of10_err_name(err));
        assert_int_equal(len, of10_encoded_len(&m));
        of10_arena_init(&dec, dec_mem, sizeof dec_mem);
        err = of10_decode(wire, len, &d, &dec);
        if (err) fail_msg("iter %d %s: decode %s", i, of10_type_name(m.type), of10_err_name(err));
        if (!of10_msg_equal(&m, &d)) fail_msg("iter %d %s: not equal", i, of10_type_name(m.type));
        assert_int_equal(of10_encode(&d, wire2, sizeof wire2, &len2), OF10_OK);
        assert_int_equal(len2, len);
        assert_memory_equal(wire2, wire, len);
    }
}

/* Equality is deep: a change anywhere in a nested array is seen. */
static void test_equal_is_deep(void **state)
{
    (void)state;
    struct of10_msg m, d;
    struct of10_arena dec;
    size_t len;
    of10_arena_init(&gen, gen_mem, sizeof gen_mem);
    do
        gen_msg(&m, OFPT10_STATS_REPLY);
    while (m.u.stats_reply.type != OFPST10_FLOW || !m.u.stats_reply.u.flow.n ||
           !m.u.stats_reply.u.flow.v[0].actions.n);
    assert_int_equal(of10_encode(&m, wire, sizeof wire, &len), OF10_OK);
    of10_arena_init(&dec, dec_mem, sizeof dec_mem);
    assert_int_equal(of10_decode(wire, len, &d, &dec), OF10_OK);
    assert_true(of10_msg_equal(&m, &d));
    struct of10_action *a = &d.u.stats_reply.u.flow.v[0].actions.v[0];
    a->type = a->type == OFPAT10_STRIP_VLAN ? OFPAT10_SET_NW_SRC : OFPAT10_STRIP_VLAN;
    assert_false(of10_msg_equal(&m, &d));
    d.xid++;
    assert_false(of10_msg_equal(&m, &d));
}

/* ---- encode refuses invalid messages ----------------------------------- */

/* The encoder validates before writing: on error nothing is written and
 * *out_len is 0. */
static void expect_reject(const struct of10_msg *m, uint32_t want, const char *what)
{
    size_t len = 99;
    memset(wire, 0xa5, 64);
    uint32_t err = of10_encode(m, wire, sizeof wire, &len);
    if (err != want) fail_msg("%s: got %s, want %s", what, of10_err_name(err), of10_err_name(want));
    assert_int_equal(of10_validate(m), want);
    assert_int_equal(len, 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(wire[i], 0xa5);
}

static void base(struct of10_msg *m, uint8_t type)
{
    memset(m, 0, sizeof *m);
    m->version = OFP10_VERSION;
    m->type = type;
}

static void test_validate_rejects(void **state)
{
    (void)state;
    struct of10_msg m;
    struct of10_action act = {.type = OFPAT10_OUTPUT, .u.output.port = 1};
    static uint8_t big[70000];

    base(&m, OFPT10_BARRIER_REQUEST);
    m.version = 2;
    expect_reject(&m, OF10_E_BAD_VERSION, "version");
    base(&m, OFPT10_N_TYPES);
    expect_reject(&m, OF10_E_BAD_TYPE, "type");
    base(&m, OFPT10_FLOW_MOD);
    m.u.flow_mod.command = 5;
    expect_reject(&m, OF10_E_FM_BAD_COMMAND, "command");
    m.u.flow_mod.command = OFPFC10_ADD;
    m.u.flow_mod.flags = OFPFF10_EMERG;
    m.u.flow_mod.hard_timeout = 1;
    expect_reject(&m, OF10_E_FM_BAD_EMERG_TIMEOUT, "emerg");
    m.u.flow_mod.hard_timeout = 0;
    m.u.flow_mod.actions = (struct of10_actions){&act, 1};
    act.u.output.port = 0;
    expect_reject(&m, OF10_E_ACT_BAD_OUT_PORT, "flow_mod action");
    act.u.output.port = 1;
    base(&m, OFPT10_PACKET_OUT);
    m.u.packet_out.buffer_id = 7;
    m.u.packet_out.data = (struct of10_bytes){big, 4};
    expect_reject(&m, OF10_E_BAD_LEN, "packet_out data with buffer");
    m.u.packet_out.buffer_id = OFP10_NO_BUFFER;
    m.u.packet_out.data = (struct of10_bytes){NULL, 4};
    expect_reject(&m, OF10_E_BAD_LEN, "NULL data");
    m.u.packet_out.data = (struct of10_bytes){big, 65536 - 16 - 8};
    m.u.packet_out.actions = (struct of10_actions){&act, 1};
    expect_reject(&m, OF10_E_BAD_LEN, "65536 bytes");
    m.u.packet_out.data.len--; /* exactly 65535 */
    size_t len;
    assert_int_equal(of10_encode(&m, wire, sizeof wire, &len), OF10_OK);
    assert_int_equal(len, 65535);
}

static void test_validate_rejects_more(void **state)
{
    (void)state;
    struct of10_msg m;
    size_t len = 99;
    base(&m, OFPT10_ECHO_REQUEST);
    m.u.echo = (struct of10_bytes){wire2, 100};
    assert_int_equal(of10_encode(&m, wire, 107, &len), OF10_E_NOSPACE);
    assert_int_equal(len, 0);
    assert_int_equal(of10_encode(&m, wire, 108, &len), OF10_OK);
    m.u.echo.len = SIZE_MAX; /* saturates, never wraps */
    assert_int_equal(of10_validate(&m), OF10_E_BAD_LEN);
    assert_int_equal(of10_encoded_len(&m), 0);
    base(&m, OFPT10_PORT_MOD);
    m.u.port_mod.port_no = 0;
    assert_int_equal(of10_validate(&m), OF10_E_PM_BAD_PORT);
    m.u.port_mod.port_no = OFPP10_NONE;
    assert_int_equal(of10_validate(&m), OF10_E_PM_BAD_PORT);
    base(&m, OFPT10_STATS_REQUEST);
    m.u.stats_request.type = 9;
    assert_int_equal(of10_validate(&m), OF10_E_BAD_STAT);
    base(&m, OFPT10_STATS_REPLY);
    m.u.stats_reply.type = 9;
    assert_int_equal(of10_validate(&m), OF10_E_BAD_STAT);
    m.u.stats_reply.type = OFPST10_DESC; /* desc == NULL */
    assert_int_equal(of10_validate(&m), OF10_E_BAD_LEN);
    m.u.stats_reply.type = OFPST10_PORT;
    m.u.stats_reply.u.port.n = 2;
    assert_int_equal(of10_validate(&m), OF10_E_BAD_LEN);
    base(&m, OFPT10_FEATURES_REPLY);
    m.u.features.n_ports = 1;
    assert_int_equal(of10_validate(&m), OF10_E_BAD_LEN);
    m.u.features.n_ports = SIZE_MAX / 2;
    assert_int_equal(of10_encoded_len(&m), 0);
    base(&m, OFPT10_QUEUE_GET_CONFIG_REQUEST);
    assert_int_equal(of10_validate(&m), OF10_E_QOP_BAD_PORT);
    base(&m, OFPT10_QUEUE_GET_CONFIG_REPLY);
    struct of10_queue_prop prop = {7, 0};
    struct of10_packet_queue q = {1, &prop, 1};
    m.u.queue_get_config_reply = (struct of10_queue_get_config_reply){1, &q, 1};
    assert_int_equal(of10_validate(&m), OF10_E_BAD_SUBTYPE);
    prop.property = OFPQT10_MIN_RATE;
    assert_int_equal(of10_validate(&m), OF10_OK);
    base(&m, OFPT10_HELLO);
    m.version = 0x05; /* HELLO may carry any version */
    assert_int_equal(of10_validate(&m), OF10_OK);
}

/* ---- worst cases for the arena ----------------------------------------- */

static void w16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
    w16(p, (uint16_t)(v >> 16));
    w16(p + 2, (uint16_t)v);
}

static size_t header(uint8_t type, size_t len)
{
    assert_true(len <= 65535);
    memset(wire, 0, len);
    wire[0] = OFP10_VERSION;
    wire[1] = type;
    w16(wire + 2, (uint16_t)len);
    w32(wire + 4, 1);
    return len;
}

/* n OUTPUT actions (port 1) at p */
static void outputs(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++, p += 8) {
        w16(p + 2, 8);
        w16(p + 4, 1);
    }
}

static size_t max_used;

static void decode_in_arena(size_t len, const char *what)
{
    struct of10_arena a;
    struct of10_msg m;
    of10_arena_init(&a, dec_mem, OF10_ARENA_SIZE);
    uint32_t err = of10_decode(wire, len, &m, &a);
    if (err) fail_msg("%s: %s", what, of10_err_name(err));
    if (a.used > max_used) max_used = a.used;
}

/* Flow stats reply of entries with k actions each, as many as fit. */
static size_t flow_stats_worst(size_t k, size_t max_entries)
{
    size_t elen = 88 + 8 * k, n = (65535 - 12) / elen;
    if (n > max_entries) n = max_entries;
    size_t len = header(OFPT10_STATS_REPLY, 12 + n * elen);
    w16(wire + 8, OFPST10_FLOW);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = wire + 12 + i * elen;
        w16(e, (uint16_t)elen);
        outputs(e + 88, k);
    }
    return len;
}

/* Queue config reply of queues with k NONE properties each. */
static size_t queues_worst(size_t k, size_t max_queues)
{
    size_t qlen = 8 + 8 * k, n = (65535 - 16) / qlen;
    if (n > max_queues) n = max_queues;
    size_t len = header(OFPT10_QUEUE_GET_CONFIG_REPLY, 16 + n * qlen);
    w16(wire + 8, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t *q = wire + 16 + i * qlen;
        w32(q, (uint32_t)i);
        w16(q + 4, (uint16_t)qlen);
        for (size_t j = 0; j < k; j++)
            w16(q + 8 + 8 * j + 2, 8);
    }
    return len;
}

static size_t stats_array_worst(uint16_t type, size_t esize)
{
    size_t len = header(OFPT10_STATS_REPLY, 12 + (65535 - 12) / esize * esize);
    w16(wire + 8, type);
    return len;
}

static void test_arena_worst_cases(void **state)
{
    (void)state;
    size_t len = header(OFPT10_FLOW_MOD, 72 + 8 * 8182); /* 65528 */
    outputs(wire + 72, 8182);
    decode_in_arena(len, "flow_mod 8182 actions");
    len = header(OFPT10_PACKET_OUT, 16 + 8 * 8189);
    w32(wire + 8, OFP10_NO_BUFFER);
    w16(wire + 14, 8 * 8189);
    outputs(wire + 16, 8189);
    decode_in_arena(len, "packet_out 8189 actions");
    decode_in_arena(flow_stats_worst(0, SIZE_MAX), "744 flow entries");
    decode_in_arena(flow_stats_worst(1, SIZE_MAX), "flow entries, 1 action");
    decode_in_arena(flow_stats_worst(2, SIZE_MAX), "flow entries, 2 actions");
    decode_in_arena(flow_stats_worst(8179, 1), "1 flow entry, 8179 actions");
    len = header(OFPT10_FEATURES_REPLY, 32 + 48 * 1364);
    decode_in_arena(len, "1364 ports");
    decode_in_arena(queues_worst(0, SIZE_MAX), "8189 empty queues");
    decode_in_arena(queues_worst(1, SIZE_MAX), "queues with 1 property");
    decode_in_arena(queues_worst(8188, 1), "1 queue, 8188 properties");
    decode_in_arena(stats_array_worst(OFPST10_TABLE, 64), "table stats");
    decode_in_arena(stats_array_worst(OFPST10_PORT, 104), "port stats");
    decode_in_arena(stats_array_worst(OFPST10_QUEUE, 32), "queue stats");
    printf("worst arena use %zu of %u bytes\n", max_used, OF10_ARENA_SIZE);
    assert_true(max_used <= OF10_ARENA_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_roundtrip), cmocka_unit_test(test_equal_is_deep),
        cmocka_unit_test(test_validate_rejects),    cmocka_unit_test(test_validate_rejects_more),
        cmocka_unit_test(test_arena_worst_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
