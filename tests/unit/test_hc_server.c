/*
 * test_hc_server.c - the hypercall server over a fake rule table: identity is
 * the port, guests add on their own port and delete and list only their own
 * rules (refused before the table is asked), quota, retries answered from the
 * cache, malformed frames counted and answered or dropped, callback failures,
 * the notification backlog and its pages.
 */
#include <errno.h>

#include "hc_fixtures.h"

#include "hc/hc_server.h"

/* ---- a fake rule table with the monitor's owner rules ------------------------------- */

#define FAKE_MAX 128
struct fake {
    struct hc_rule_info r[FAKE_MAX];
    int used[FAKE_MAX];
    uint32_t next;
    int adds, dels, gets, lists;
    int fail; /* non-zero: add and del return it */
    const char *fail_msg;
};

static int fake_add(void *ctx, const struct hc_rule *r, uint16_t port_id, const char *owner,
                    uint32_t *id, char *msg, size_t msglen)
{
    struct fake *f = ctx;
    f->adds++;
    if (f->fail) {
        snprintf(msg, msglen, "%s", f->fail_msg ? f->fail_msg : "");
        return f->fail;
    }
    char want[HC_OWNER_LEN];
    snprintf(want, sizeof(want), "guest:%u", port_id);
    if (strncmp(owner, "guest:", 6) == 0 && strcmp(owner, want)) {
        snprintf(msg, msglen, "owner %s may add rules only on its own port", owner);
        return -EPERM;
    }
    if (f->next + 1 >= FAKE_MAX) return -ENOSPC;
    uint32_t i = ++f->next;
    f->used[i] = 1;
    memset(&f->r[i], 0, sizeof(f->r[i]));
    f->r[i].id = i;
    f->r[i].rule = *r;
    f->r[i].port_id = port_id;
    f->r[i].packets = i * 10;
    f->r[i].bytes = i * 1000;
    snprintf(f->r[i].owner, sizeof(f->r[i].owner), "%s", owner);
    *id = i;
    return 0;
}

static int fake_del(void *ctx, uint32_t id, const char *owner, char *msg, size_t msglen)
{
    struct fake *f = ctx;
    f->dels++;
    if (f->fail) {
        snprintf(msg, msglen, "%s", f->fail_msg ? f->fail_msg : "");
        return f->fail;
    }
    if (id >= FAKE_MAX || !f->used[id]) return -ENOENT;
    if (strcmp(owner, "admin") && strcmp(owner, f->r[id].owner)) return -EPERM;
    f->used[id] = 0;
    return 0;
}

static int fake_get(void *ctx, uint32_t id, struct hc_rule_info *out)
{
    struct fake *f = ctx;
    f->gets++;
    if (id >= FAKE_MAX || !f->used[id]) return -ENOENT;
    *out = f->r[id];
    return 0;
}

static int fake_list(void *ctx, uint32_t start, hc_rule_cb cb, void *cbctx)
{
    struct fake *f = ctx;
    f->lists++;
    for (uint32_t i = start ? start : 1; i < FAKE_MAX; i++) {
        if (!f->used[i]) continue;
        struct hc_rule_info ri = f->r[i];
        ri.packets = ri.bytes = 0; /* as the monitor's adapter: counters via get */
        if (cb(&ri, cbctx)) break;
    }
    return 0;
}

static const struct hc_ops fake_ops = {fake_add, fake_del, fake_get, fake_list};

/* A rule of another owner, put straight into the table. */
static uint32_t plant(struct fake *f, const char *owner, uint16_t port)
{
    uint32_t i = ++f->next;
    f->used[i] = 1;
    memset(&f->r[i], 0, sizeof(f->r[i]));
    f->r[i].id = i;
    f->r[i].rule = (struct hc_rule){.addr = 0x0a000000 + i, .plen = 32, .dirs = 3, .action = 1};
    f->r[i].port_id = port;
    snprintf(f->r[i].owner, sizeof(f->r[i].owner), "%s", owner);
    return i;
}

/* ---- requests and replies ------------------------------------------------------------ */

struct fx {
    struct fake fake;
    struct hc_server *s;
    uint8_t out[HC_FRAME_MAX];
    struct hc_msg rep;
    uint32_t next_id;
};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof(*x));
    x->s = hc_server_new(&fake_ops, &x->fake);
    x->next_id = 100;
    *state = x;
    return x->s ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    hc_server_free(x->s);
    free(x);
    return 0;
}

static size_t request(struct fx *x, uint8_t op, const void *arg, uint8_t *f)
{
    struct hc_msg m;
    memset(&m, 0, sizeof(m));
    memcpy(m.dst, "\xff\xff\xff\xff\xff\xff", 6);
    memcpy(m.src, "\x52\x54\x00\x00\x00\x01", 6);
    m.op = op;
    m.id = x->next_id++;
    if (op == HC_OP_RULE_ADD)
        m.u.rule = *(const struct hc_rule *)arg;
    else
        m.u.start = *(const uint32_t *)arg; /* rule_id and start share the field */
    size_t n = hc_encode(&m, f, HC_FRAME_MAX);
    assert_true(n > 0);
    return n;
}

/* Sends a request as port; returns the reply's status (the reply in x->rep). */
static int call(struct fx *x, uint16_t port, uint8_t op, const void *arg)
{
    uint8_t f[HC_FRAME_MAX];
    char err[256];
    size_t n = request(x, op, arg, f);
    int k = hc_handle(x->s, f, n, port, x->out, sizeof(x->out));
    assert_true(k > 0);
    int rc = hc_parse(x->out, (size_t)k, &x->rep, err, sizeof(err));
    if (rc) print_message("reply does not parse: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(x->rep.op, HC_OP_REPLY);
    assert_int_equal(x->rep.ref_op, op);
    assert_int_equal(x->rep.id, x->next_id - 1);
    return x->rep.status;
}

static const struct hc_rule drop22 = {
    .addr = 0x0a000009, .plen = 32, .proto = 6, .port = 22, .dirs = HC_DIR_TO_GUEST, .action = 1};

static void test_add_list_del(void **state)
{
    struct fx *x = *state;
    uint32_t one = 1;
    assert_int_equal(call(x, 1, HC_OP_RULE_ADD, &drop22), HC_OK);
    uint32_t id = x->rep.u.rule_id;
    assert_int_equal(id, 1);
    /* Owner and port come from the port the frame arrived on. */
    assert_string_equal(x->fake.r[id].owner, "guest:1");
    assert_int_equal(x->fake.r[id].port_id, 1);
    assert_memory_equal(&x->fake.r[id].rule, &drop22, sizeof(drop22));

    assert_int_equal(call(x, 1, HC_OP_RULE_LIST, &one), HC_OK);
    assert_int_equal(x->rep.u.list.n, 1);
    assert_int_equal(x->rep.flags, 0);
    assert_int_equal(x->rep.u.list.e[0].id, id);
    assert_int_equal(x->rep.u.list.e[0].rule.port, 22);
    assert_int_equal(x->rep.u.list.e[0].packets, 10); /* counters from get */
    assert_int_equal(x->rep.u.list.e[0].bytes, 1000);

    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &id), HC_OK);
    assert_false(x->fake.used[id]);
    assert_int_equal(call(x, 1, HC_OP_RULE_LIST, &one), HC_OK);
    assert_int_equal(x->rep.u.list.n, 0);
    /* The reply goes back to where the request came from. */
    assert_memory_equal(x->rep.dst, "\x52\x54\x00\x00\x00\x01", 6);
    assert_memory_equal(x->rep.src, "\x02\x56\x46\x48\x43\x00", 6);
    struct hc_port_stats st;
    assert_int_equal(hc_server_stats(x->s, 1, &st), 0);
    assert_int_equal(st.frames, 4);
    assert_int_equal(st.requests, 4);
    assert_int_equal(st.refused, 0);
}

static void test_identity_is_the_port(void **state)
{
    struct fx *x = *state;
    uint8_t f[HC_FRAME_MAX], out[HC_FRAME_MAX];
    struct hc_msg rep;
    /* The same bytes from two ports: two owners. Nothing in the frame counts. */
    size_t n = request(x, HC_OP_RULE_ADD, &drop22, f);
    int k = hc_handle(x->s, f, n, 2, out, sizeof(out));
    assert_true(k > 0);
    assert_int_equal(hc_parse(out, (size_t)k, &rep, NULL, 0), 0);
    assert_int_equal(rep.status, HC_OK);
    assert_string_equal(x->fake.r[rep.u.rule_id].owner, "guest:2");
    assert_int_equal(x->fake.r[rep.u.rule_id].port_id, 2);
    k = hc_handle(x->s, f, n, 3, out, sizeof(out));
    assert_int_equal(hc_parse(out, (size_t)k, &rep, NULL, 0), 0);
    assert_string_equal(x->fake.r[rep.u.rule_id].owner, "guest:3");
    /* Port ids outside 1..4095 are not answered. */
    assert_int_equal(hc_handle(x->s, f, n, 0, out, sizeof(out)), 0);
    assert_int_equal(hc_handle(x->s, f, n, 4096, out, sizeof(out)), 0);
    /* Nor into a buffer that cannot hold every reply. */
    assert_int_equal(hc_handle(x->s, f, n, 2, out, HC_FRAME_MAX - 1), 0);
}

static void test_delete_refusals(void **state)
{
    struct fx *x = *state;
    uint32_t admin = plant(&x->fake, "admin", 0), dom = plant(&x->fake, "domain:scan", 1);
    uint32_t g2 = plant(&x->fake, "guest:2", 2), none = 99;
    int dels = x->fake.dels;

    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &admin), HC_EPERM);
    assert_string_equal(x->rep.u.text,
                        "rule 1 belongs to admin; guest:1 may delete only its own rules");
    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &dom), HC_EPERM);
    assert_string_equal(x->rep.u.text,
                        "rule 2 belongs to domain:scan; guest:1 may delete only its own rules");
    /* Another guest's rule: refused without naming the guest. */
    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &g2), HC_EPERM);
    assert_string_equal(x->rep.u.text,
                        "rule 3 belongs to another guest; guest:1 may delete only its own rules");
    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &none), HC_ENOENT);
    assert_string_equal(x->rep.u.text, "no rule 99");
    /* Checked before the table was asked; every rule is still there. */
    assert_int_equal(x->fake.dels, dels);
    assert_true(x->fake.used[admin] && x->fake.used[dom] && x->fake.used[g2]);
    /* Guest 2 deletes its own. */
    assert_int_equal(call(x, 2, HC_OP_RULE_DEL, &g2), HC_OK);
    struct hc_port_stats st;
    assert_int_equal(hc_server_stats(x->s, 1, &st), 0);
    assert_int_equal(st.refused, 4);
    assert_int_equal(st.requests, 4);
}

static void test_list_own_rules_in_pages(void **state)
{
    struct fx *x = *state;
    uint32_t mine[20];
    for (int i = 0; i < 20; i++) {
        plant(&x->fake, i % 2 ? "admin" : "guest:2", 0);
        struct hc_rule r = drop22;
        r.port = (uint16_t)(1000 + i);
        assert_int_equal(call(x, 1, HC_OP_RULE_ADD, &r), HC_OK);
        mine[i] = x->rep.u.rule_id;
    }
    uint32_t start = 0;
    assert_int_equal(call(x, 1, HC_OP_RULE_LIST, &start), HC_OK);
    assert_int_equal(x->rep.u.list.n, 15);
    assert_int_equal(x->rep.flags, HC_F_MORE);
    for (int i = 0; i < 15; i++) {
        assert_int_equal(x->rep.u.list.e[i].id, mine[i]);
        assert_int_equal(x->rep.u.list.e[i].rule.port, 1000 + i);
    }
    start = x->rep.u.list.e[14].id + 1;
    assert_int_equal(call(x, 1, HC_OP_RULE_LIST, &start), HC_OK);
    assert_int_equal(x->rep.u.list.n, 5);
    assert_int_equal(x->rep.flags, 0);
    assert_int_equal(x->rep.u.list.e[4].id, mine[19]);
    /* Guest 2 sees its 10 rules, none of guest 1's. */
    start = 1;
    assert_int_equal(call(x, 2, HC_OP_RULE_LIST, &start), HC_OK);
    assert_int_equal(x->rep.u.list.n, 10);
    for (unsigned i = 0; i < x->rep.u.list.n; i++)
        assert_string_equal(x->fake.r[x->rep.u.list.e[i].id].owner, "guest:2");
}

static void test_quota(void **state)
{
    struct fx *x = *state;
    assert_int_equal(hc_server_quota(x->s, 0), -EINVAL);
    assert_int_equal(hc_server_quota(x->s, 3), 0);
    plant(&x->fake, "guest:2", 2); /* another guest's rules do not count */
    for (int i = 0; i < 3; i++) {
        struct hc_rule r = drop22;
        r.port = (uint16_t)(2000 + i);
        assert_int_equal(call(x, 1, HC_OP_RULE_ADD, &r), HC_OK);
    }
    int adds = x->fake.adds;
    assert_int_equal(call(x, 1, HC_OP_RULE_ADD, &drop22), HC_EDQUOT);
    assert_string_equal(x->rep.u.text, "guest:1 owns 3 rules, its limit");
    assert_int_equal(x->fake.adds, adds);
    assert_int_equal(call(x, 2, HC_OP_RULE_ADD, &drop22), HC_OK);
}

static void test_table_refusals(void **state)
{
    struct fx *x = *state;
    static const struct {
        int rc;
        const char *msg;
        int status;
        const char *text;
    } cases[] = {
        {-EEXIST, "rule 4 (owner guest:1) already has this match", HC_EEXIST,
         "rule 4 (owner guest:1) already has this match"},
        {-EINVAL, "address 10.0.0.1/24 has bits set", HC_EINVAL,
         "address 10.0.0.1/24 has bits set"},
        {-ENOSPC, "rule table full (131071 rules)", HC_ENOSPC, "rule table full (131071 rules)"},
        {-EPERM, "", HC_EPERM, "EPERM"},
        {-EBADF, "bad\nline\x1b[31m", HC_EIO, "bad?line?[31m"}, /* sanitised */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        x->fake.fail = cases[i].rc;
        x->fake.fail_msg = cases[i].msg;
        assert_int_equal(call(x, 1, HC_OP_RULE_ADD, &drop22), cases[i].status);
        assert_string_equal(x->rep.u.text, cases[i].text);
    }
    uint32_t id = plant(&x->fake, "guest:1", 1);
    x->fake.fail = -EIO;
    x->fake.fail_msg = "map update failed";
    assert_int_equal(call(x, 1, HC_OP_RULE_DEL, &id), HC_EIO);
    assert_string_equal(x->rep.u.text, "map update failed");
}

static void test_retry_answered_from_cache(void **state)
{
    struct fx *x = *state;
    uint8_t f[HC_FRAME_MAX], out1[HC_FRAME_MAX], out2[HC_FRAME_MAX];
    size_t n = request(x, HC_OP_RULE_ADD, &drop22, f);
    int k1 = hc_handle(x->s, f, n, 1, out1, sizeof(out1));
    int k2 = hc_handle(x->s, f, n, 1, out2, sizeof(out2));
    assert_true(k1 > 0);
    assert_int_equal(k1, k2);
    assert_memory_equal(out1, out2, (size_t)k1);
    assert_int_equal(x->fake.adds, 1); /* carried out once */
    struct hc_port_stats st;
    hc_server_stats(x->s, 1, &st);
    assert_int_equal(st.retries, 1);
    assert_int_equal(st.requests, 1);
    /* The same id with other bytes is a new request (here: EEXIST is the
     * table's business; the fake accepts duplicates). */
    f[37] ^= 1; /* the port */
    assert_true(hc_handle(x->s, f, n, 1, out2, sizeof(out2)) > 0);
    assert_int_equal(x->fake.adds, 2);
    /* Another port's identical request is not a retry. */
    assert_true(hc_handle(x->s, f, n, 2, out2, sizeof(out2)) > 0);
    assert_int_equal(x->fake.adds, 3);
}

static void test_malformed(void **state)
{
    struct fx *x = *state;
    uint8_t f[640], out[HC_FRAME_MAX]; /* room for a 600-byte frame */
    struct hc_msg rep;
    size_t n;

    /* No header: dropped, no reply. */
    n = hcx_load(HCX_ADD, f, 1);
    assert_int_equal(hc_handle(x->s, f, 29, 1, out, sizeof(out)), 0);
    f[14] = 0; /* magic */
    assert_int_equal(hc_handle(x->s, f, n, 1, out, sizeof(out)), 0);

    static const struct {
        const char *base;
        int off;
        uint8_t val;
        int status, ref_op;
        const char *text;
    } cases[] = {
        {HCX_ADD, 29, 0x01, HC_EINVAL, HC_OP_RULE_ADD, "reserved header byte is not zero"},
        {HCX_ADD, 16, 0x02, HC_EPROTONOSUPPORT, HC_OP_RULE_ADD,
         "version 2 is not supported (only 1)"},
        {HCX_ADD, 17, 0x33, HC_ENOSYS, 0, "op 0x33 is unknown"},
        {HCX_ADD, 39, 0x07, HC_EINVAL, HC_OP_RULE_ADD, "action 7 is not 0 (pass) or 1 (drop)"},
        {HCX_DEL, 33, 0x00, HC_EINVAL, HC_OP_RULE_DEL, "rule id 0 does not exist"},
        {HCX_REP_ADD, -1, 0, HC_EINVAL, 0, "REPLY is sent by the monitor, not to it"},
        {HCX_NOTIFY, -1, 0, HC_EINVAL, 0, "NOTIFY is sent by the monitor, not to it"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = hcx_load(cases[i].base, f, 1);
        if (cases[i].off >= 0) f[cases[i].off] = cases[i].val;
        int k = hc_handle(x->s, f, n, 1, out, sizeof(out));
        assert_true(k > 0);
        assert_int_equal(hc_parse(out, (size_t)k, &rep, NULL, 0), 0);
        assert_int_equal(rep.status, cases[i].status);
        assert_int_equal(rep.ref_op, cases[i].ref_op);
        assert_int_equal(rep.id, (uint32_t)(f[22] << 24 | f[23] << 16 | f[24] << 8 | f[25]));
        assert_string_equal(rep.u.text, cases[i].text);
    }
    /* Too long (the datapath drops these; the server would answer). */
    n = hcx_load(HCX_LIST, f, 1);
    memset(f + n, 0, 600 - n);
    int k = hc_handle(x->s, f, 600, 1, out, sizeof(out));
    assert_int_equal(hc_parse(out, (size_t)k, &rep, NULL, 0), 0);
    assert_int_equal(rep.status, HC_E2BIG);
    /* Nothing reached the table. */
    assert_int_equal(x->fake.adds + x->fake.dels + x->fake.gets + x->fake.lists, 0);
    struct hc_port_stats st;
    hc_server_stats(x->s, 1, &st);
    assert_int_equal(st.frames, 10);
    assert_int_equal(st.malformed, 10);
    assert_int_equal(st.unanswered, 2);
    assert_int_equal(st.refused, 8);
    assert_int_equal(st.requests, 0);
}

/* ---- notifications ------------------------------------------------------------------------ */

static void test_notify_and_backlog(void **state)
{
    struct fx *x = *state;
    uint8_t out[HC_FRAME_MAX];
    struct hc_msg m;
    struct hc_note n = {.kind = HC_KIND_SCAN_BLOCKED, .proto = 6, .addr = 0x0a000063, .port = 22};
    for (unsigned i = 1; i <= 20; i++) {
        snprintf(n.text, sizeof(n.text), "scan %u", i);
        int k = hc_notify(x->s, 1, &n, out, sizeof(out));
        assert_true(k > 0);
        assert_int_equal(hc_parse(out, (size_t)k, &m, NULL, 0), 0);
        assert_int_equal(m.op, HC_OP_NOTIFY);
        assert_int_equal(m.id, i);
        assert_memory_equal(m.dst, "\xff\xff\xff\xff\xff\xff", 6);
        assert_int_equal(m.u.notes.note[0].seq, i);
        assert_true(m.u.notes.note[0].time > 1600000000); /* filled in: now */
        assert_string_equal(m.u.notes.note[0].text, n.text);
    }
    /* The backlog keeps the last 16 (5..20), five to a page. */
    static const struct {
        uint32_t start, first, count;
        int more;
    } pages[] = {{0, 5, 5, 1},   {1, 5, 5, 1},   {10, 10, 5, 1}, {15, 15, 5, 1},
                 {16, 16, 5, 0}, {20, 20, 1, 0}, {21, 0, 0, 0},  {0xffffffffu, 0, 0, 0}};
    for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
        assert_int_equal(call(x, 1, HC_OP_EVENTS, &pages[p].start), HC_OK);
        assert_int_equal(x->rep.u.notes.n, pages[p].count);
        assert_int_equal(!!(x->rep.flags & HC_F_MORE), pages[p].more);
        for (unsigned i = 0; i < x->rep.u.notes.n; i++)
            assert_int_equal(x->rep.u.notes.note[i].seq, pages[p].first + i);
    }
    /* Port 2 has none of port 1's. */
    uint32_t zero = 0;
    assert_int_equal(call(x, 2, HC_OP_EVENTS, &zero), HC_OK);
    assert_int_equal(x->rep.u.notes.n, 0);
    /* Refused notifications change nothing. */
    struct hc_note bad = n;
    bad.kind = 9;
    assert_int_equal(hc_notify(x->s, 1, &bad, out, sizeof(out)), -EINVAL);
    bad = n;
    strcpy(bad.text, "two\nlines");
    assert_int_equal(hc_notify(x->s, 1, &bad, out, sizeof(out)), -EINVAL);
    assert_int_equal(hc_notify(x->s, 0, &n, out, sizeof(out)), -EINVAL);
    assert_int_equal(hc_notify(x->s, 4096, &n, out, sizeof(out)), -EINVAL);
    assert_int_equal(hc_notify(x->s, 1, &n, out, 100), -ENOSPC);
    n.time = 12345;
    int k = hc_notify(x->s, 1, &n, out, sizeof(out));
    assert_int_equal(hc_parse(out, (size_t)k, &m, NULL, 0), 0);
    assert_int_equal(m.id, 21);
    assert_int_equal(m.u.notes.note[0].time, 12345);
    struct hc_port_stats st;
    hc_server_stats(x->s, 1, &st);
    assert_int_equal(st.notes, 21);
}

static void test_port_reset(void **state)
{
    struct fx *x = *state;
    uint8_t out[HC_FRAME_MAX], mac[6] = {0x02, 0, 0, 0, 0, 0x77};
    struct hc_note n = {.kind = HC_KIND_NOTICE};
    struct hc_msg m;
    struct hc_port_stats st;
    hc_server_mac(x->s, mac);
    assert_true(hc_notify(x->s, 5, &n, out, sizeof(out)) > 0);
    assert_int_equal(hc_server_stats(x->s, 5, &st), 0);
    hc_server_port_reset(x->s, 5);
    assert_int_equal(hc_server_stats(x->s, 5, &st), -ENOENT);
    int k = hc_notify(x->s, 5, &n, out, sizeof(out));
    assert_int_equal(hc_parse(out, (size_t)k, &m, NULL, 0), 0);
    assert_int_equal(m.id, 1); /* a new guest starts again */
    assert_memory_equal(m.src, mac, 6);
    hc_server_port_reset(x->s, 0); /* out of range: nothing */
    hc_server_port_reset(x->s, 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_list_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_is_the_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_own_rules_in_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_answered_from_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_and_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
