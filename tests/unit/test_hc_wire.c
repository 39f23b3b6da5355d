/*
 * test_hc_wire.c - the hypercall codec: the documented example frames decode to
 * the documented values and encode back byte for byte; every field made wrong,
 * every truncation, oversize and trailing bytes are refused with the status a
 * monitor answers with and a reason naming the field; the rule text form.
 */
#include "hc_fixtures.h"

static const char *const goldens[] = {HCX_ADD,      HCX_DEL,     HCX_LIST,
                                      HCX_EVENTS,   HCX_REP_ADD, HCX_REP_PERM,
                                      HCX_REP_LIST, HCX_NOTIFY,  HCX_REP_EVENTS};

static int parse_ok(const uint8_t *f, size_t n, struct hc_msg *m)
{
    char err[256];
    int rc = hc_parse(f, n, m, err, sizeof(err));
    if (rc) print_message("parse (%zu bytes): %d %s\n", n, rc, err);
    return rc;
}

/* ---- the documented frames ----------------------------------------------------------- */

static void test_golden_requests(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64];
    struct hc_msg m;
    (void)state;
    size_t n = hcx_load(HCX_ADD, f, 1);
    assert_int_equal(n, 60);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_RULE_ADD);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.id, 0x01020304);
    assert_true(m.has_id);
    assert_int_equal(m.u.rule.addr, 0x0a000009);
    assert_int_equal(m.u.rule.plen, 32);
    assert_int_equal(m.u.rule.proto, 6);
    assert_int_equal(m.u.rule.port, 22);
    assert_int_equal(m.u.rule.dirs, HC_DIR_TO_GUEST);
    assert_int_equal(m.u.rule.action, HC_ACT_DROP);
    assert_memory_equal(m.src, "\x52\x54\x00\x12\x34\x56", 6);
    assert_memory_equal(m.dst, "\xff\xff\xff\xff\xff\xff", 6);

    n = hcx_load(HCX_DEL, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_RULE_DEL);
    assert_int_equal(m.u.rule_id, 7);
    n = hcx_load(HCX_LIST, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_RULE_LIST);
    assert_int_equal(m.u.start, 1);
    n = hcx_load(HCX_EVENTS, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_EVENTS);
    assert_int_equal(m.u.start, 0);
}

static void test_golden_replies(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64];
    struct hc_msg m;
    (void)state;
    size_t n = hcx_load(HCX_REP_ADD, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_REPLY);
    assert_int_equal(m.ref_op, HC_OP_RULE_ADD);
    assert_int_equal(m.status, HC_OK);
    assert_int_equal(m.u.rule_id, 7);

    n = hcx_load(HCX_REP_PERM, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.status, HC_EPERM);
    assert_int_equal(m.ref_op, HC_OP_RULE_DEL);
    assert_string_equal(m.u.text, "rule 7 belongs to admin");

    n = hcx_load(HCX_REP_LIST, f, 1);
    assert_int_equal(n, 14 + 16 + 64);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.flags, HC_F_MORE);
    assert_int_equal(m.u.list.n, 2);
    assert_int_equal(m.u.list.e[0].id, 3);
    assert_int_equal(m.u.list.e[0].rule.addr, 0x0a000000);
    assert_int_equal(m.u.list.e[0].rule.plen, 24);
    assert_int_equal(m.u.list.e[0].rule.proto, 17);
    assert_int_equal(m.u.list.e[0].rule.port, 53);
    assert_int_equal(m.u.list.e[0].rule.dirs, HC_DIR_BOTH);
    assert_int_equal(m.u.list.e[0].packets, 5);
    assert_int_equal(m.u.list.e[0].bytes, 500);
    assert_int_equal(m.u.list.e[1].id, 9);
    assert_int_equal(m.u.list.e[1].rule.action, HC_ACT_PASS);

    n = hcx_load(HCX_NOTIFY, f, 1);
    assert_int_equal(n, 126);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.op, HC_OP_NOTIFY);
    assert_int_equal(m.id, 3);
    assert_int_equal(m.u.notes.n, 1);
    const struct hc_note *no = &m.u.notes.note[0];
    assert_int_equal(no->seq, 3);
    assert_int_equal(no->kind, HC_KIND_SCAN_BLOCKED);
    assert_int_equal(no->proto, 6);
    assert_int_equal(no->time, 0x65000000);
    assert_int_equal(no->addr, 0x0a000063);
    assert_memory_equal(no->mac, "\x02\x00\x00\x00\x00\x63", 6);
    assert_int_equal(no->port, 22);
    assert_int_equal(no->rule, 12);
    assert_string_equal(no->text, "port scan 22");

    n = hcx_load(HCX_REP_EVENTS, f, 1);
    assert_int_equal(parse_ok(f, n, &m), 0);
    assert_int_equal(m.ref_op, HC_OP_EVENTS);
    assert_int_equal(m.u.notes.n, 1);
    assert_string_equal(m.u.notes.note[0].text, "port scan 22");
}

/* Every documented frame re-encodes to exactly its bytes. */
static void test_golden_roundtrip(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64], out[HC_FRAME_MAX];
    struct hc_msg m;
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        size_t n = hcx_load(goldens[i], f, 1);
        assert_int_equal(parse_ok(f, n, &m), 0);
        size_t k = hc_encode(&m, out, sizeof(out));
        assert_int_equal(k, n);
        assert_memory_equal(out, f, n);
        /* And not into a buffer one byte short. */
        assert_int_equal(hc_encode(&m, out, n - 1), 0);
    }
}

/* ---- malformed --------------------------------------------------------------------------- */

struct bad {
    const char *base;
    int off; /* byte to overwrite, -1 none */
    uint8_t val;
    int status; /* expected hc_parse result */
    int has_id;
    const char *msg; /* the exact reason */
    size_t len;      /* 0: the frame as loaded; else cut to this length */
};

static const struct bad bads[] = {
    {HCX_ADD, 12, 0x08, HC_EINVAL, 0, "EtherType 0x08b5 is not 0x88b5", 0},
    {HCX_ADD, 14, 0x57, HC_EINVAL, 0, "magic 0x5746 is not 0x5646", 0},
    {HCX_ADD, 15, 0x00, HC_EINVAL, 0, "magic 0x5600 is not 0x5646", 0},
    {HCX_ADD, 16, 0x02, HC_EPROTONOSUPPORT, 1, "version 2 is not supported (only 1)", 0},
    {HCX_ADD, 16, 0x00, HC_EPROTONOSUPPORT, 1, "version 0 is not supported (only 1)", 0},
    {HCX_ADD, 17, 0x05, HC_ENOSYS, 1, "op 0x05 is unknown", 0},
    {HCX_ADD, 17, 0x00, HC_ENOSYS, 1, "op 0x00 is unknown", 0},
    {HCX_ADD, 17, 0x83, HC_ENOSYS, 1, "op 0x83 is unknown", 0},
    {HCX_ADD, 19, 0x01, HC_EINVAL, 1, "flags 0x0001 have reserved bits set for RULE_ADD", 0},
    {HCX_ADD, 18, 0x80, HC_EINVAL, 1, "flags 0x8000 have reserved bits set for RULE_ADD", 0},
    {HCX_ADD, 21, 0x0d, HC_EINVAL, 1, "RULE_ADD payload must be 12 bytes, not 13", 0},
    {HCX_ADD, 21, 0x0b, HC_EINVAL, 1, "RULE_ADD payload must be 12 bytes, not 11", 0},
    {HCX_ADD, 20, 0x01, HC_EINVAL, 1, "payload length 268, but only 30 bytes follow the header", 0},
    {HCX_ADD, 27, 0x01, HC_EINVAL, 1, "status 1 in a RULE_ADD", 0},
    {HCX_ADD, 28, 0x01, HC_EINVAL, 1, "ref_op 1 in a RULE_ADD", 0},
    {HCX_ADD, 29, 0x01, HC_EINVAL, 1, "reserved header byte is not zero", 0},
    {HCX_ADD, 34, 0x21, HC_EINVAL, 1, "prefix length 33 is over 32", 0},
    {HCX_ADD, 38, 0x00, HC_EINVAL, 1, "direction 0 is not 1 (from-guest), 2 (to-guest) or 3 (both)",
     0},
    {HCX_ADD, 38, 0x04, HC_EINVAL, 1, "direction 4 is not 1 (from-guest), 2 (to-guest) or 3 (both)",
     0},
    {HCX_ADD, 39, 0x02, HC_EINVAL, 1, "action 2 is not 0 (pass) or 1 (drop)", 0},
    {HCX_ADD, 40, 0x01, HC_EINVAL, 1, "rule reserved bytes are not zero", 0},
    {HCX_ADD, 41, 0x80, HC_EINVAL, 1, "rule reserved bytes are not zero", 0},
    {HCX_ADD, 42, 0x01, HC_EINVAL, 1, "18 byte(s) after the payload", 0},
    {HCX_ADD, 59, 0xff, HC_EINVAL, 1, "18 byte(s) after the payload", 0},
    {HCX_DEL, 33, 0x00, HC_EINVAL, 1, "rule id 0 does not exist", 0},
    {HCX_DEL, 21, 0x08, HC_EINVAL, 1, "RULE_DEL payload must be 4 bytes, not 8", 0},
    {HCX_LIST, 21, 0x00, HC_EINVAL, 1, "30 byte(s) after the payload", 0},
    {HCX_LIST, 21, 0x00, HC_EINVAL, 1, "RULE_LIST payload must be 4 bytes, not 0", 30},
    {HCX_EVENTS, 19, 0x01, HC_EINVAL, 1, "flags 0x0001 have reserved bits set for EVENTS", 0},
    {HCX_REP_ADD, 28, 0x00, HC_EINVAL, 1, "reply to op 0x00, which is not a request", 0},
    {HCX_REP_ADD, 28, 0x81, HC_EINVAL, 1, "reply to op 0x81, which is not a request", 0},
    {HCX_REP_ADD, 27, 0x03, HC_EINVAL, 1, "status 3 is unknown", 0},
    {HCX_REP_ADD, 33, 0x00, HC_EINVAL, 1, "reply names rule id 0", 0},
    {HCX_REP_ADD, 19, 0x01, HC_EINVAL, 1, "flag MORE on a reply that has no pages", 0},
    {HCX_REP_ADD, 21, 0x08, HC_EINVAL, 1, "reply to RULE_ADD with a payload of 8 bytes", 0},
    {HCX_REP_ADD, 28, 0x02, HC_EINVAL, 1, "reply to RULE_DEL with a payload of 4 bytes", 0},
    {HCX_REP_PERM, 31, 0x0a, HC_EINVAL, 1, "error text byte 1 (0x0a) is not printable", 0},
    {HCX_REP_PERM, 30, 0x7f, HC_EINVAL, 1, "error text byte 0 (0x7f) is not printable", 0},
    {HCX_REP_PERM, 19, 0x01, HC_EINVAL, 1, "flag MORE on a reply that has no pages", 0},
    {HCX_REP_PERM, 28, 0x00, -1, 1, NULL, 0}, /* ref_op 0 with an error: valid */
    {HCX_REP_LIST, 21, 0x3f, HC_EINVAL, 1, "1 byte(s) after the payload", 0},
    {HCX_REP_LIST, 21, 0x3f, HC_EINVAL, 1, "rule list of 63 bytes is not a multiple of 32", 93},
    {HCX_REP_LIST, 65, 0x03, HC_EINVAL, 1, "rule list entry 1: id 3 is not ascending from 1", 0},
    {HCX_REP_LIST, 33, 0x00, HC_EINVAL, 1, "rule list entry 0: id 0 is not ascending from 1", 0},
    {HCX_REP_LIST, 38, 0x21, HC_EINVAL, 1, "prefix length 33 is over 32", 0},
    {HCX_REP_LIST, 28, 0x01, HC_EINVAL, 1, "flag MORE on a reply that has no pages", 0},
    {HCX_REP_LIST, 19, 0x00, -1, 1, NULL, 0}, /* the last page */
    {HCX_NOTIFY, 33, 0x00, HC_EINVAL, 1, "notification sequence number 0", 0},
    {HCX_NOTIFY, 25, 0x04, HC_EINVAL, 1, "NOTIFY id 4 differs from its note's seq 3", 0},
    {HCX_NOTIFY, 35, 0x00, HC_EINVAL, 1, "notification kind 0 is unknown", 0},
    {HCX_NOTIFY, 35, 0x04, HC_EINVAL, 1, "notification kind 4 is unknown", 0},
    {HCX_NOTIFY, 37, 0x41, HC_EINVAL, 1, "notification text length 65 is over 64", 0},
    {HCX_NOTIFY, 37, 0x0b, HC_EINVAL, 1, "notification text padding is not zero", 0},
    {HCX_NOTIFY, 37, 0x0d, HC_EINVAL, 1, "notification text byte 12 (0x00) is not printable", 0},
    {HCX_NOTIFY, 62, 0x1b, HC_EINVAL, 1, "notification text byte 0 (0x1b) is not printable", 0},
    {HCX_NOTIFY, 125, 0x01, HC_EINVAL, 1, "notification text padding is not zero", 0},
    {HCX_NOTIFY, 21, 0x5f, HC_EINVAL, 1, "NOTIFY payload must be 96 bytes, not 95", 125},
    {HCX_NOTIFY, 27, 0x01, HC_EINVAL, 1, "status 1 in a NOTIFY", 0},
    {HCX_REP_EVENTS, 21, 0x61, HC_EINVAL, 1,
     "payload length 97, but only 96 bytes follow the header", 0},
};

static void test_every_field_wrong(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64];
    struct hc_msg m;
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const struct bad *b = &bads[i];
        size_t n = hcx_load(b->base, f, 1);
        if (b->off >= 0) f[b->off] = b->val;
        if (b->len) n = b->len;
        int rc = hc_parse(f, n, &m, err, sizeof(err));
        if (b->status < 0) {
            assert_int_equal(rc, 0);
            continue;
        }
        if (rc != b->status || m.has_id != b->has_id || strcmp(err, b->msg))
            print_message("case %zu: got %d has_id %d '%s', want %d '%s'\n", i, rc, m.has_id, err,
                          b->status, b->msg);
        assert_int_equal(rc, b->status);
        assert_int_equal(m.has_id, b->has_id);
        assert_string_equal(err, b->msg);
    }
}

/* Cut short at every byte: refused, except at exactly the end of the payload
 * (a frame need not be padded). Headers cut short carry no id. */
static void test_truncated_everywhere(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64];
    struct hc_msg m;
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        size_t n = hcx_load(goldens[i], f, 1);
        size_t end = 30 + (size_t)(f[20] << 8 | f[21]);
        for (size_t k = 0; k < n; k++) {
            int rc = hc_parse(f, k, &m, err, sizeof(err));
            if (k == end) {
                assert_int_equal(rc, 0);
                continue;
            }
            assert_int_not_equal(rc, 0);
            assert_true(err[0] != '\0');
            assert_int_equal(m.has_id, k >= 30);
            if (k < 30) {
                char want[96];
                snprintf(want, sizeof(want),
                         "frame of %zu bytes is shorter than the 30-byte headers", k);
                assert_string_equal(err, want);
            }
        }
    }
}

static void test_oversize_and_trailing(void **state)
{
    uint8_t f[HC_FRAME_MAX + 64];
    struct hc_msg m;
    char err[256];
    (void)state;
    size_t n = hcx_load(HCX_REP_LIST, f, 0);
    /* One byte more than the payload, at any length but 60. */
    f[n] = 0;
    assert_int_equal(hc_parse(f, n + 1, &m, err, sizeof(err)), HC_EINVAL);
    assert_string_equal(err, "1 byte(s) after the payload");
    /* Over the frame limit: E2BIG, answerable. */
    memset(f + n, 0, sizeof(f) - n);
    assert_int_equal(hc_parse(f, HC_FRAME_MAX + 1, &m, err, sizeof(err)), HC_E2BIG);
    assert_string_equal(err, "frame of 513 bytes is over 512");
    assert_true(m.has_id);
    /* A 512-byte frame with a 482-byte payload is the largest: an error reply
     * text is at most 200, so this one is too long for its kind. */
    n = hcx_load(HCX_REP_PERM, f, 0);
    f[20] = 0x01, f[21] = 0xe2;
    memset(f + 30, 'a', 482);
    assert_int_equal(hc_parse(f, 512, &m, err, sizeof(err)), HC_EINVAL);
    assert_string_equal(err, "error text of 482 bytes is over 200");
    f[20] = 0, f[21] = 200;
    assert_int_equal(hc_parse(f, 230, &m, err, sizeof(err)), 0);
    assert_int_equal(strlen(m.u.text), 200);
    /* A list page of 16 entries does not fit a frame. */
    assert_true(16 * HC_ENTRY_LEN > HC_PAYLOAD_MAX);
}

/* Every single-byte change of every documented frame either is refused or
 * yields a frame that re-encodes to the same bytes: nothing is accepted and
 * silently normalised. */
static void test_mutations_canonical(void **state)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0x81, 0x82, 0xff};
    uint8_t f[HC_FRAME_MAX + 64], g[HC_FRAME_MAX + 64], out[HC_FRAME_MAX];
    struct hc_msg m;
    unsigned accepted = 0, refused = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        size_t n = hcx_load(goldens[i], f, 1);
        for (size_t off = 0; off < n; off++)
            for (size_t v = 0; v < sizeof(vals); v++) {
                memcpy(g, f, n);
                g[off] = vals[v];
                if (hc_parse(g, n, &m, NULL, 0)) {
                    refused++;
                    continue;
                }
                accepted++;
                size_t k = hc_encode(&m, out, sizeof(out));
                assert_int_equal(k, n);
                assert_memory_equal(out, g, n);
            }
    }
    print_message("mutations: %u accepted (re-encoded identically), %u refused\n", accepted,
                  refused);
    assert_true(refused > 0 && accepted > 0);
}

/* ---- encoding ----------------------------------------------------------------------------- */

static void test_encode_refuses(void **state)
{
    uint8_t out[HC_FRAME_MAX];
    struct hc_msg m;
    (void)state;
    memset(&m, 0, sizeof(m));
    m.op = HC_OP_RULE_ADD;
    m.u.rule = (struct hc_rule){.addr = 0x0a000000, .plen = 8, .dirs = HC_DIR_BOTH, .action = 1};
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 60);
    m.u.rule.dirs = 0;
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.u.rule.dirs = 1;
    m.u.rule.plen = 33;
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.op = 0x42; /* unknown op */
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);

    memset(&m, 0, sizeof(m));
    m.op = HC_OP_REPLY;
    m.ref_op = HC_OP_RULE_LIST;
    m.u.list.n = HC_LIST_MAX + 1; /* more than a page */
    for (unsigned i = 0; i < HC_LIST_MAX + 1; i++)
        m.u.list.e[i < HC_LIST_MAX ? i : 0].id = i + 1;
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.u.list.n = HC_LIST_MAX;
    m.flags = HC_F_MORE;
    for (unsigned i = 0; i < HC_LIST_MAX; i++)
        m.u.list.e[i] = (struct hc_entry){.id = i + 1, .rule = {.dirs = 3}};
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 30 + 15 * 32);

    memset(&m, 0, sizeof(m));
    m.op = HC_OP_REPLY;
    m.ref_op = HC_OP_RULE_DEL;
    m.status = HC_EPERM;
    memset(m.u.text, 'x', HC_TEXT_MAX + 1); /* no NUL within the limit */
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.u.text[HC_TEXT_MAX] = '\0';
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 230);
    m.u.text[3] = '\n';
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.u.text[3] = 'x';
    m.status = 99; /* not a status */
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);

    memset(&m, 0, sizeof(m));
    m.op = HC_OP_NOTIFY;
    m.id = 1;
    m.u.notes.n = 1;
    m.u.notes.note[0] = (struct hc_note){.seq = 1, .kind = HC_KIND_NOTICE};
    memset(m.u.notes.note[0].text, 'y', HC_NOTE_TEXT_MAX + 1);
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
    m.u.notes.note[0].text[HC_NOTE_TEXT_MAX] = '\0';
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 126);
    m.id = 2; /* id must be the note's seq */
    assert_int_equal(hc_encode(&m, out, sizeof(out)), 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(hc_op_name(HC_OP_RULE_LIST), "RULE_LIST");
    assert_string_equal(hc_op_name(0x99), "?");
    assert_string_equal(hc_status_name(HC_EDQUOT), "EDQUOT");
    assert_string_equal(hc_status_name(HC_EPROTONOSUPPORT), "EPROTONOSUPPORT");
    assert_string_equal(hc_status_name(3), "?");
    assert_string_equal(hc_kind_name(HC_KIND_SCAN_BLOCKED), "scan-blocked");
    assert_string_equal(hc_kind_name(9), "?");
    assert_int_equal(hc_kind_parse("notice"), HC_KIND_NOTICE);
    assert_int_equal(hc_kind_parse("nope"), -1);
}

/* ---- rule text ---------------------------------------------------------------------------- */

static void rule_ok(const char *text, const char *canonical)
{
    char err[256], out[128];
    struct hc_rule r;
    int rc = hc_rule_parse(text, &r, err, sizeof(err));
    if (rc) print_message("'%s': %s\n", text, err);
    assert_int_equal(rc, 0);
    hc_rule_format(&r, out, sizeof(out));
    assert_string_equal(out, canonical);
}

static void rule_bad(const char *text, const char *msg)
{
    char err[256];
    struct hc_rule r;
    assert_int_equal(hc_rule_parse(text, &r, err, sizeof(err)), -1);
    assert_string_equal(err, msg);
}

static void test_rule_text(void **state)
{
    (void)state;
    rule_ok("drop 10.0.0.9 port 22 dir to-guest",
            "drop 10.0.0.9/32 proto tcp port 22 dir to-guest");
    rule_ok("pass any", "pass 0.0.0.0/0 proto any port any dir both");
    rule_ok("drop 10.1.0.0/16 proto udp port 53", "drop 10.1.0.0/16 proto udp port 53 dir both");
    rule_ok("drop 1.2.3.4 proto 47 dir from-guest",
            "drop 1.2.3.4/32 proto 47 port any dir from-guest");
    rule_ok("drop 1.2.3.4\tproto icmp", "drop 1.2.3.4/32 proto icmp port any dir both");
    rule_bad("", "empty rule");
    rule_bad("block 1.2.3.4", "unknown action 'block' (drop or pass)");
    rule_bad("drop", "missing address after 'drop'");
    rule_bad("drop 1.2.3", "bad address '1.2.3' (an IPv4 address, ADDR/LEN or any)");
    rule_bad("drop 10.0.0.1/24",
             "address 10.0.0.1/24 has bits set beyond the prefix length (10.0.0.0/24 would be "
             "valid)");
    rule_bad("drop 10.0.0.0/33", "bad prefix length '/33' (0..32)");
    rule_bad("drop 10.0.0.0/08", "bad prefix length '/08' (0..32)");
    rule_bad("drop 1.2.3.4 port 0", "bad port '0' (1..65535 or any)");
    rule_bad("drop 1.2.3.4 port 65536", "bad port '65536' (1..65535 or any)");
    rule_bad("drop 1.2.3.4 proto icmp port 7", "port 7 needs protocol tcp or udp");
    rule_bad("drop 1.2.3.4 proto 256", "unknown protocol '256' (tcp, udp, icmp, any or 0..255)");
    rule_bad("drop 1.2.3.4 dir in", "unknown direction 'in' (from-guest, to-guest or both)");
    rule_bad("drop 1.2.3.4 dir", "'dir' needs a value");
    rule_bad("drop 1.2.3.4 port 1 port 2", "'port' given twice");
    rule_bad("drop 1.2.3.4 on 2", "'on' is not for guests: a guest's rule is on its own port");
    rule_bad("drop 1.2.3.4 via x", "unknown keyword 'via' (proto, port or dir)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_requests),
        cmocka_unit_test(test_golden_replies),
        cmocka_unit_test(test_golden_roundtrip),
        cmocka_unit_test(test_every_field_wrong),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_oversize_and_trailing),
        cmocka_unit_test(test_mutations_canonical),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_rule_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
