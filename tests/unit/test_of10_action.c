/*
 * test_of10_action.c - action lists: every standard action from hex, the
 * length/type/argument errors with their exact codes, encode, validate.
 */
#include "unit.h"

#include "of10/of10.h"

static uint8_t arena_mem[OF10_ARENA_SIZE];
static struct of10_arena arena;

/* Decode a hex action list; returns the error. */
static uint32_t dec(const char *hex, struct of10_actions *a)
{
    static uint8_t b[4096];
    long n = unit_hex(hex, b, sizeof b);
    assert_true(n >= 0);
    of10_arena_init(&arena, arena_mem, sizeof arena_mem);
    return of10_actions_decode(b, (size_t)n, a, &arena);
}

/* One of each standard action, then a vendor action with an 8-byte body. */
static const char all_hex[] = "0000 0008 0002 0000" /* OUTPUT port 2 */
                              "0000 0008 fffd 0080" /* OUTPUT CONTROLLER max_len 128 */
                              "0001 0008 0123 0000" /* SET_VLAN_VID 0x123 */
                              "0002 0008 05 000000" /* SET_VLAN_PCP 5 */
                              "0003 0008 00000000"  /* STRIP_VLAN */
                              "0004 0010 001122334455 000000000000"  /* SET_DL_SRC */
                              "0005 0010 66778899aabb 000000000000"  /* SET_DL_DST */
                              "0006 0008 0a000001"                   /* SET_NW_SRC 10.0.0.1 */
                              "0007 0008 0a000002"                   /* SET_NW_DST 10.0.0.2 */
                              "0008 0008 b8 000000"                  /* SET_NW_TOS 0xb8 (EF) */
                              "0009 0008 1f90 0000"                  /* SET_TP_SRC 8080 */
                              "000a 0008 0050 0000"                  /* SET_TP_DST 80 */
                              "000b 0010 0003 000000000000 00000007" /* ENQUEUE port 3 queue 7 */
                              "ffff 0010 00002320 0102030405060708"; /* VENDOR 0x2320 */

static void test_decode_all(void **state)
{
    (void)state;
    struct of10_actions a;
    assert_int_equal(dec(all_hex, &a), OF10_OK);
    assert_int_equal(a.n, 14);
    const struct of10_action *v = a.v;
    assert_int_equal(v[0].type, OFPAT10_OUTPUT);
    assert_int_equal(v[0].len, 8);
    assert_int_equal(v[0].u.output.port, 2);
    assert_int_equal(v[1].u.output.port, OFPP10_CONTROLLER);
    assert_int_equal(v[1].u.output.max_len, 128);
    assert_int_equal(v[2].u.vlan_vid, 0x123);
    assert_int_equal(v[3].u.vlan_pcp, 5);
    assert_int_equal(v[4].type, OFPAT10_STRIP_VLAN);
    assert_memory_equal(v[5].u.dl_addr, "\x00\x11\x22\x33\x44\x55", 6);
    assert_int_equal(v[5].len, 16);
    assert_memory_equal(v[6].u.dl_addr, "\x66\x77\x88\x99\xaa\xbb", 6);
    assert_int_equal(v[7].u.nw_addr, 0x0a000001);
    assert_int_equal(v[8].u.nw_addr, 0x0a000002);
    assert_int_equal(v[9].u.nw_tos, 0xb8);
    assert_int_equal(v[10].u.tp_port, 8080);
    assert_int_equal(v[11].u.tp_port, 80);
    assert_int_equal(v[12].u.enqueue.port, 3);
    assert_int_equal(v[12].u.enqueue.queue_id, 7);
    assert_int_equal(v[13].type, OFPAT10_VENDOR);
    assert_int_equal(v[13].u.vendor.vendor, 0x2320);
    assert_int_equal(v[13].u.vendor.body_len, 8);
    assert_memory_equal(v[13].u.vendor.body, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

static void test_encode_roundtrip(void **state)
{
    (void)state;
    struct of10_actions a;
    uint8_t want[256], out[256];
    long n = unit_hex(all_hex, want, sizeof want);
    assert_int_equal(dec(all_hex, &a), OF10_OK);
    assert_int_equal(of10_actions_validate(&a), OF10_OK);
    assert_int_equal(of10_actions_len(&a), (size_t)n);
    memset(out, 0xa5, sizeof out);
    of10_actions_encode(&a, out);
    assert_memory_equal(out, want, (size_t)n);
    struct of10_actions b;
    assert_int_equal(dec(all_hex, &b), OF10_OK);
    assert_true(of10_actions_equal(&a, &b));
}

/* Pad bytes with garbage decode to the same actions and encode as zeros. */
static void test_pads_ignored(void **state)
{
    (void)state;
    struct of10_actions a;
    uint8_t out[16];
    assert_int_equal(dec("0004 0010 001122334455 ffffffffffff", &a), OF10_OK);
    of10_actions_encode(&a, out);
    assert_memory_equal(out + 10, "\0\0\0\0\0\0", 6);
    assert_int_equal(dec("0000 0008 0001 ffff", &a), OF10_OK); /* max_len kept */
    assert_int_equal(a.v[0].u.output.max_len, 0xffff);
}

static void test_empty_list(void **state)
{
    (void)state;
    struct of10_actions a;
    assert_int_equal(dec("", &a), OF10_OK);
    assert_int_equal(a.n, 0);
    assert_null(a.v);
    assert_int_equal(of10_actions_len(&a), 0);
}

struct bad_case {
    const char *hex;
    uint32_t err;
};

static const struct bad_case bad[] = {
    {"0000 0000 0001 0000", OF10_E_ACT_BAD_LEN},                   /* len 0 */
    {"0000 0004 0001 0000", OF10_E_ACT_BAD_LEN},                   /* len below header */
    {"0000 000c 0001 0000 00000000 00000000", OF10_E_ACT_BAD_LEN}, /* not %8 */
    {"0000 0010 0001 0000", OF10_E_ACT_BAD_LEN},                   /* past the end */
    {"0000 0010 0001 0000 00000000 00000000", OF10_E_ACT_BAD_LEN}, /* OUTPUT is 8 */
    {"0004 0008 00112233", OF10_E_ACT_BAD_LEN},                    /* SET_DL_SRC is 16 */
    {"000b 0008 0001 0000", OF10_E_ACT_BAD_LEN},                   /* ENQUEUE is 16 */
    {"0003 0010 00000000 00000000 00000000", OF10_E_ACT_BAD_LEN},  /* STRIP is 8 */
    {"000c 0008 00000000", OF10_E_ACT_BAD_TYPE},                   /* first unknown */
    {"fffe 0008 00000000", OF10_E_ACT_BAD_TYPE},
    {"0000 0008 0000 0000", OF10_E_ACT_BAD_OUT_PORT}, /* port 0 */
    {"0000 0008 ff00 0000", OF10_E_ACT_BAD_OUT_PORT}, /* OFPP_MAX */
    {"0000 0008 fff7 0000", OF10_E_ACT_BAD_OUT_PORT}, /* below IN_PORT */
    {"0000 0008 ffff 0000", OF10_E_ACT_BAD_OUT_PORT}, /* NONE */
    {"0001 0008 1000 0000", OF10_E_ACT_BAD_ARGUMENT}, /* vid 4096 */
    {"0001 0008 ffff 0000", OF10_E_ACT_BAD_ARGUMENT},
    {"0002 0008 08 000000", OF10_E_ACT_BAD_ARGUMENT}, /* pcp 8 */
    {"0008 0008 01 000000", OF10_E_ACT_BAD_ARGUMENT}, /* ECN bit */
    {"0008 0008 fe 000000", OF10_E_ACT_BAD_ARGUMENT},
    {"000b 0010 fffd 000000000000 00000001", OF10_E_ACT_BAD_OUT_PORT}, /* CONTROLLER */
    {"000b 0010 0000 000000000000 00000001", OF10_E_ACT_BAD_OUT_PORT},
    {"000b 0010 fffe 000000000000 00000001", OF10_E_ACT_BAD_OUT_PORT}, /* LOCAL */
    {"000b 0010 0001 000000000000 ffffffff", OF10_E_ACT_BAD_QUEUE},
    {"ffff 000c 00002320 00000000 00000000", OF10_E_ACT_BAD_LEN}, /* vendor not %8 */
    {"ffff 0004 00002320", OF10_E_ACT_BAD_LEN},
    /* a good action, then a bad one: the error still surfaces */
    {"0000 0008 0001 0000 0000 0008 0000 0000", OF10_E_ACT_BAD_OUT_PORT},
    {"0000 0008 0001 0000 0000 0000 0001 0000", OF10_E_ACT_BAD_LEN},
    {"0000 0008 0001 0000 0000 0008", OF10_E_BAD_LEN}, /* list not %8 */
};

static void test_decode_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct of10_actions a;
        uint32_t err = dec(bad[i].hex, &a);
        if (err != bad[i].err)
            fail_msg("case %zu (%s): got %s, want %s", i, bad[i].hex, of10_err_name(err),
                     of10_err_name(bad[i].err));
    }
}

static void test_valid_ports(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0000 0008 0001 0000",
        "0000 0008 feff 0000",
        "0000 0008 fff8 0000",
        "0000 0008 fff9 0000",
        "0000 0008 fffa 0000",
        "0000 0008 fffb 0000",
        "0000 0008 fffc 0000",
        "0000 0008 fffd 0000",
        "0000 0008 fffe 0000",
        "000b 0010 fff8 000000000000 00000000",
        "000b 0010 feff 000000000000 fffffffe",
        "0001 0008 0fff 0000",
        "0002 0008 07 000000",
        "0008 0008 fc 000000",
        "ffff 0008 00002320",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct of10_actions a;
        uint32_t err = dec(ok[i], &a);
        if (err) fail_msg("%s: %s", ok[i], of10_err_name(err));
        assert_int_equal(of10_actions_validate(&a), OF10_OK);
    }
}

static void test_arena_full(void **state)
{
    (void)state;
    uint8_t b[16], mem[24];
    struct of10_arena small;
    struct of10_actions a;
    unit_hex("0000 0008 0001 0000 0000 0008 0002 0000", b, sizeof b);
    of10_arena_init(&small, mem, sizeof mem);
    assert_int_equal(of10_actions_decode(b, 16, &a, &small), OF10_E_NOSPACE);
}

static void test_validate(void **state)
{
    (void)state;
    struct of10_action v[2];
    struct of10_actions a = {v, 1};
    memset(v, 0, sizeof v);
    v[0].type = OFPAT10_OUTPUT;
    v[0].u.output.port = 1;
    assert_int_equal(of10_actions_validate(&a), OF10_OK); /* len 0: computed */
    assert_int_equal(of10_actions_len(&a), 8);
    v[0].len = 16;
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_LEN);
    v[0].len = 8;
    v[0].u.output.port = OFPP10_NONE;
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_OUT_PORT);
    v[0].type = 12;
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_TYPE);
    v[0].type = OFPAT10_SET_VLAN_VID;
    v[0].u.vlan_vid = 0x1000;
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_ARGUMENT);
    memset(v, 0, sizeof v);
    v[0].type = OFPAT10_VENDOR;
    v[0].u.vendor.body_len = 4; /* vendor actions are multiples of 8 */
    v[0].u.vendor.body = (const uint8_t *)"abcd";
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_LEN);
    v[0].u.vendor.body_len = 8;
    v[0].u.vendor.body = NULL;
    assert_int_equal(of10_actions_validate(&a), OF10_E_ACT_BAD_LEN);
    struct of10_actions none = {NULL, 3};
    assert_int_equal(of10_actions_validate(&none), OF10_E_BAD_LEN);
}

static void test_equal(void **state)
{
    (void)state;
    struct of10_action x = {0}, y = {0};
    struct of10_actions a = {&x, 1}, b = {&y, 1};
    x.type = y.type = OFPAT10_SET_NW_SRC;
    x.u.nw_addr = y.u.nw_addr = 5;
    y.len = 8; /* derived, not compared */
    assert_true(of10_actions_equal(&a, &b));
    y.u.nw_addr = 6;
    assert_false(of10_actions_equal(&a, &b));
    b.n = 0;
    assert_false(of10_actions_equal(&a, &b));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(of10_action_type_name(OFPAT10_OUTPUT), "OFPAT_OUTPUT");
    assert_string_equal(of10_action_type_name(OFPAT10_ENQUEUE), "OFPAT_ENQUEUE");
    assert_string_equal(of10_action_type_name(OFPAT10_VENDOR), "OFPAT_VENDOR");
    assert_string_equal(of10_action_type_name(12), "UNKNOWN");
    assert_string_equal(of10_err_name(OF10_E_ACT_BAD_OUT_PORT),
                        "OFPET_BAD_ACTION/OFPBAC_BAD_OUT_PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_all),    cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_pads_ignored),  cmocka_unit_test(test_empty_list),
        cmocka_unit_test(test_decode_errors), cmocka_unit_test(test_valid_ports),
        cmocka_unit_test(test_arena_full),    cmocka_unit_test(test_validate),
        cmocka_unit_test(test_equal),         cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
