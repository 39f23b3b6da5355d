/*
 * test_of10_nx.c - the Nicira role messages: built bytes against the layout
 * Open vSwitch sends and accepts (vendor 0x2320, be32 subtype, be32 role),
 * parse of the bytes a switch sends, and malformed inputs: short and long
 * bodies, other vendors and subtypes, roles out of range.
 */
#include "unit.h"

#include "of10/of10.h"

static uint8_t arena_mem[4096];

static uint32_t dec(const uint8_t *p, size_t len, struct of10_msg *m)
{
    struct of10_arena a;
    of10_arena_init(&a, arena_mem, sizeof arena_mem);
    return of10_decode(p, len, m, &a);
}

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t body[8], out[64];
    struct of10_msg m;
    size_t len = 0;
    of10_nx_role_request(&m, body, NX_ROLE_MASTER);
    m.xid = 0x01020304;
    assert_int_equal(of10_encode(&m, out, sizeof out, &len), OF10_OK);
    /* what ovs-ofctl's own NXT_ROLE_REQUEST looks like on the wire */
    static const uint8_t want[] = {0x01, 0x04, 0x00, 0x14, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
                                   0x23, 0x20, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(out, want, sizeof want);

    of10_nx_role_request(&m, body, NX_ROLE_SLAVE);
    assert_int_equal(of10_encode(&m, out, sizeof out, &len), OF10_OK);
    assert_int_equal(out[19], 2);
}

static void test_parse_reply(void **state)
{
    (void)state;
    /* Open vSwitch 3.1's answer to a slave request (captured) */
    static const uint8_t rep[] = {0x01, 0x04, 0x00, 0x14, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00,
                                  0x23, 0x20, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x02};
    struct of10_msg m;
    assert_int_equal(dec(rep, sizeof rep, &m), OF10_OK);
    uint32_t sub = 99, role = 99;
    assert_int_equal(of10_nx_role_parse(&m, &sub, &role), 0);
    assert_int_equal(sub, NXT_ROLE_REPLY);
    assert_int_equal(role, NX_ROLE_SLAVE);
    assert_int_equal(of10_nx_role_parse(&m, NULL, NULL), 0);
    assert_string_equal(of10_nx_role_name(role), "slave");
    assert_string_equal(of10_nx_role_name(NX_ROLE_MASTER), "master");
    assert_string_equal(of10_nx_role_name(NX_ROLE_OTHER), "other");
    assert_string_equal(of10_nx_role_name(7), "invalid");

    /* built and parsed agree, for each role and both subtypes */
    for (uint32_t s = NXT_ROLE_REQUEST; s <= NXT_ROLE_REPLY; s++) {
        for (uint32_t r = 0; r <= 2; r++) {
            uint8_t body[8], out[32];
            size_t len;
            struct of10_msg b, d;
            of10_nx_role_msg(&b, body, s, r);
            assert_int_equal(of10_encode(&b, out, sizeof out, &len), OF10_OK);
            assert_int_equal(dec(out, len, &d), OF10_OK);
            assert_int_equal(of10_nx_role_parse(&d, &sub, &role), 0);
            assert_int_equal(sub, s);
            assert_int_equal(role, r);
        }
    }
}

/* A vendor message with this body (after the 12-byte vendor header). */
static int parse_body(uint32_t vendor, const uint8_t *body, size_t n, uint32_t *sub, uint32_t *role)
{
    uint8_t b[64] = {0x01,
                     0x04,
                     0,
                     (uint8_t)(12 + n),
                     0,
                     0,
                     0,
                     1,
                     (uint8_t)(vendor >> 24),
                     (uint8_t)(vendor >> 16),
                     (uint8_t)(vendor >> 8),
                     (uint8_t)vendor};
    memcpy(b + 12, body, n);
    struct of10_msg m;
    assert_int_equal(dec(b, 12 + n, &m), OF10_OK);
    return of10_nx_role_parse(&m, sub, role);
}

static void test_malformed(void **state)
{
    (void)state;
    uint32_t sub = 77, role = 77;
    static const uint8_t ok[12] = {0, 0, 0, 11, 0, 0, 0, 1, 0, 0, 0, 0};
    /* not a role message: passed on, outputs untouched */
    assert_int_equal(parse_body(0x00001234, ok, 8, &sub, &role), 1);   /* another vendor */
    assert_int_equal(parse_body(NX_VENDOR_ID, ok, 0, &sub, &role), 1); /* no subtype */
    assert_int_equal(parse_body(NX_VENDOR_ID, ok, 3, &sub, &role), 1); /* half a subtype */
    static const uint8_t other_sub[8] = {0, 0, 0, 12, 0, 0, 0, 1};     /* NXT_SET_FLOW_FORMAT */
    assert_int_equal(parse_body(NX_VENDOR_ID, other_sub, 8, &sub, &role), 1);
    static const uint8_t big_sub[8] = {0x80, 0, 0, 11, 0, 0, 0, 1};
    assert_int_equal(parse_body(NX_VENDOR_ID, big_sub, 8, &sub, &role), 1);
    /* a role message, but malformed */
    assert_int_equal(parse_body(NX_VENDOR_ID, ok, 4, &sub, &role), -1);  /* no role */
    assert_int_equal(parse_body(NX_VENDOR_ID, ok, 7, &sub, &role), -1);  /* short role */
    assert_int_equal(parse_body(NX_VENDOR_ID, ok, 12, &sub, &role), -1); /* trailing bytes */
    static const uint8_t bad_role[8] = {0, 0, 0, 11, 0, 0, 0, 3};
    assert_int_equal(parse_body(NX_VENDOR_ID, bad_role, 8, &sub, &role), -1);
    static const uint8_t huge_role[8] = {0, 0, 0, 10, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(parse_body(NX_VENDOR_ID, huge_role, 8, &sub, &role), -1);
    assert_int_equal(sub, 77);
    assert_int_equal(role, 77);

    /* not a VENDOR message at all, and NULL */
    static const uint8_t echo[] = {0x01, 0x02, 0x00, 0x10, 0, 0, 0, 1,
                                   0,    0,    0x23, 0x20, 0, 0, 0, 11};
    struct of10_msg m;
    assert_int_equal(dec(echo, sizeof echo, &m), OF10_OK);
    assert_int_equal(of10_nx_role_parse(&m, &sub, &role), 1);
    assert_int_equal(of10_nx_role_parse(NULL, &sub, &role), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
