/*
 * test_of10_errors.c - decode errors of every message with the exact OpenFlow
 * error expected: truncated, over-long, wrong version, bad counts and lengths,
 * bad enums, garbage; and mutated inputs that must never crash and, when they
 * decode, must survive encode + decode unchanged.
 */
#include "unit.h"

#include "of10/of10.h"
#include "of10_fixtures.h"

/* Decodes a heap copy of exactly in_len bytes, so ASan sees any read past the
 * message. The copy lives until the next call (decoded pointers point into it). */
static uint32_t redec(struct of10_msg *m)
{
    static uint8_t *exact;
    free(exact);
    exact = malloc(in_len ? in_len : 1);
    assert_non_null(exact);
    memcpy(exact, in, in_len);
    of10_arena_init(&arena, arena_mem, sizeof arena_mem);
    return of10_decode(exact, in_len, m, &arena);
}

static void fix_len(void)
{
    in[2] = (uint8_t)(in_len >> 8);
    in[3] = (uint8_t)in_len;
}

static void expect(uint32_t got, uint32_t want, const char *what)
{
    if (got != want) fail_msg("%s: got %s, want %s", what, of10_err_name(got), of10_err_name(want));
}

/* ---- generic framing rules, over every fixture ------------------------- */

struct fixture {
    const char *name;
    const char *hex;
    size_t min; /* minimum length of the type */
    bool fixed; /* exactly min bytes */
};

static const struct fixture fixtures[] = {
    {"hello", HELLO_HEX, 8, false},
    {"error", ERROR_HEX, 12, false},
    {"echo_req", ECHO_REQ_HEX, 8, false},
    {"echo_rep", ECHO_REP_HEX, 8, false},
    {"vendor", VENDOR_HEX, 12, false},
    {"features_req", FEATURES_REQ_HEX, 8, true},
    {"features_rep", FEATURES_REP_HEX, 32, false},
    {"get_config_req", GET_CONFIG_REQ_HEX, 8, true},
    {"get_config_rep", GET_CONFIG_REP_HEX, 12, true},
    {"set_config", SET_CONFIG_HEX, 12, true},
    {"packet_in", PACKET_IN_HEX, 18, false},
    {"flow_removed", FLOW_REMOVED_HEX, 88, true},
    {"port_status", PORT_STATUS_HEX, 64, true},
    {"packet_out", PACKET_OUT_HEX, 16, false},
    {"packet_out_buf", PACKET_OUT_BUF_HEX, 16, false},
    {"flow_mod", FLOW_MOD_HEX, 72, false},
    {"port_mod", PORT_MOD_HEX, 32, true},
    {"stats_req_desc", STATS_REQ_DESC_HEX, 12, false},
    {"stats_req_flow", STATS_REQ_FLOW_HEX, 12, false},
    {"stats_req_agg", STATS_REQ_AGG_HEX, 12, false},
    {"stats_req_table", STATS_REQ_TABLE_HEX, 12, false},
    {"stats_req_port", STATS_REQ_PORT_HEX, 12, false},
    {"stats_req_queue", STATS_REQ_QUEUE_HEX, 12, false},
    {"stats_req_vendor", STATS_REQ_VENDOR_HEX, 12, false},
    {"stats_rep_flow", STATS_REP_FLOW_HEX, 12, false},
    {"stats_rep_agg", STATS_REP_AGG_HEX, 12, false},
    {"stats_rep_table", STATS_REP_TABLE_HEX, 12, false},
    {"stats_rep_port", STATS_REP_PORT_HEX, 12, false},
    {"stats_rep_queue", STATS_REP_QUEUE_HEX, 12, false},
    {"stats_rep_vendor", STATS_REP_VENDOR_HEX, 12, false},
    {"barrier_req", BARRIER_REQ_HEX, 8, true},
    {"barrier_rep", BARRIER_REP_HEX, 8, true},
    {"qgc_req", QGC_REQ_HEX, 12, true},
    {"qgc_rep", QGC_REP_HEX, 16, false},
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static void test_framing_every_type(void **state)
{
    (void)state;
    struct of10_msg m;
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const struct fixture *f = &fixtures[i];
        load(f->hex);
        size_t len = in_len;
        expect(redec(&m), OF10_OK, f->name);
        in_len = 7; /* shorter than a header */
        expect(redec(&m), OF10_E_BAD_LEN, f->name);
        in_len = len; /* header length one more / one less than the bytes */
        put16(2, (uint16_t)(len + 1));
        expect(redec(&m), OF10_E_BAD_LEN, f->name);
        put16(2, (uint16_t)(len - 1));
        expect(redec(&m), OF10_E_BAD_LEN, f->name);
        load(f->hex);
        in[0] = 0x02; /* only HELLO accepts another version */
        expect(redec(&m), f->min == 8 && !f->fixed && in[1] == 0 ? OF10_OK : OF10_E_BAD_VERSION,
               f->name);
        load(f->hex); /* truncated below the type's minimum */
        in_len = f->min - 1;
        fix_len();
        if (in_len >= 8) expect(redec(&m), OF10_E_BAD_LEN, f->name);
        if (!f->fixed) continue;
        load(f->hex); /* fixed-size types: no extra byte, no extra 8 bytes */
        memset(in + in_len, 0, 8);
        in_len += 1;
        fix_len();
        expect(redec(&m), OF10_E_BAD_LEN, f->name);
        in_len += 7;
        fix_len();
        expect(redec(&m), OF10_E_BAD_LEN, f->name);
    }
}

/* ---- message-specific errors, as hex ----------------------------------- */

struct bad {
    const char *hex;
    uint32_t err;
};

static const struct bad bad[] = {
    /* header */
    {"01 16 0008 00000001", OF10_E_BAD_TYPE},
    {"01 ff 0008 00000001", OF10_E_BAD_TYPE},
    {"02 16 0008 00000001", OF10_E_BAD_VERSION}, /* version is checked first */
    {"00 02 0008 00000001", OF10_E_BAD_VERSION},
    {"ff 00 0008 00000001", OF10_OK}, /* HELLO: any version */
    {"01 00 0000 00000001", OF10_E_BAD_LEN},
    /* FEATURES_REPLY: ports must be whole 48-byte entries */
    {"01 06 0021 00000006 0000000000000001 00000100 fe000000 000000c7 00000fff 00", OF10_E_BAD_LEN},
    /* PACKET_OUT */
    {"01 0d 0018 0000000b ffffffff ffff 0004 0000 0008 fffb 0000", OF10_E_BAD_LEN},
    {"01 0d 0018 0000000b ffffffff ffff 0010 0000 0008 fffb 0000", OF10_E_BAD_LEN},
    {"01 0d 0018 0000000b ffffffff ffff ffff 0000 0008 fffb 0000", OF10_E_BAD_LEN},
    {"01 0d 0020 0000000b 00000042 ffff 0008 0000 0008 fffb 0000 0102030405060708",
     OF10_E_BAD_LEN}, /* data with a buffer id */
    {"01 0d 0018 0000000b ffffffff ffff 0008 0000 0008 0000 0000", OF10_E_ACT_BAD_OUT_PORT},
    {"01 0d 0018 0000000b ffffffff ffff 0008 000c 0008 0000 0000", OF10_E_ACT_BAD_TYPE},
    {"01 0d 0018 0000000b ffffffff ffff 0008 0000 0000 0001 0000", OF10_E_ACT_BAD_LEN},
    {"01 0d 0010 0000000b ffffffff ffff 0000", OF10_OK}, /* no actions: drop */
    {"01 0d 0010 0000000b 00000042 0001 0000", OF10_OK},
    /* PORT_MOD */
    {"01 0f 0020 0000000e 0000 0a0b0c0d0e0f 00000001 00000001 00000000 00000000",
     OF10_E_PM_BAD_PORT},
    {"01 0f 0020 0000000e ff00 0a0b0c0d0e0f 00000001 00000001 00000000 00000000",
     OF10_E_PM_BAD_PORT},
    {"01 0f 0020 0000000e fffb 0a0b0c0d0e0f 00000001 00000001 00000000 00000000",
     OF10_E_PM_BAD_PORT},
    {"01 0f 0020 0000000e ffff 0a0b0c0d0e0f 00000001 00000001 00000000 00000000",
     OF10_E_PM_BAD_PORT},
    {"01 0f 0020 0000000e fffe 0a0b0c0d0e0f 00000001 00000001 00000000 00000000", OF10_OK},
    {"01 0f 0020 0000000e feff 0a0b0c0d0e0f 00000001 00000001 00000000 00000000", OF10_OK},
    /* STATS_REQUEST */
    {"01 10 000c 00000001 0006 0000", OF10_E_BAD_STAT},
    {"01 10 000c 00000001 fffe 0000", OF10_E_BAD_STAT},
    {"01 10 0010 00000001 0007 0000 00000000", OF10_E_BAD_STAT},
    {"01 10 0010 00000001 0000 0000 00000000", OF10_E_BAD_LEN},          /* DESC has no body */
    {"01 10 0010 00000001 0003 0000 00000000", OF10_E_BAD_LEN},          /* TABLE neither */
    {"01 10 0014 00000001 0001 0000 00000000 00000000", OF10_E_BAD_LEN}, /* FLOW 44 */
    {"01 10 0014 00000001 0002 0000 00000000 00000000", OF10_E_BAD_LEN},
    {"01 10 0010 00000001 0004 0000 ffff 0000", OF10_E_BAD_LEN}, /* PORT 8 */
    {"01 10 001c 00000001 0004 0000 ffff 000000000000 00000000", OF10_E_BAD_LEN},
    {"01 10 0010 00000001 0005 0000 fffc 0000", OF10_E_BAD_LEN}, /* QUEUE 8 */
    {"01 10 000f 00000001 ffff 0000 002320", OF10_E_BAD_LEN},    /* VENDOR >= 4 */
    {"01 10 0010 00000001 ffff 0000 00002320", OF10_OK},
    /* STATS_REPLY */
    {"01 11 000c 00000001 0006 0000", OF10_E_BAD_STAT},
    {"01 11 000c 00000001 0000 0000", OF10_E_BAD_LEN},                   /* DESC 1056 */
    {"01 11 0014 00000001 0001 0000 00000000 00000000", OF10_E_BAD_LEN}, /* < 88 */
    {"01 11 0023 00000001 0002 0000 0000000000000000 0000000000000000 000000 00 0000",
     OF10_E_BAD_LEN}, /* AGGREGATE 24: 23 */
    {"01 11 002c 00000001 0002 0000 0000000000000000 0000000000000000 00000000 00000000"
     "0000000000000000",
     OF10_E_BAD_LEN},                           /* 32 */
    {"01 11 000c 00000001 0003 0000", OF10_OK}, /* no tables */
    {"01 11 0014 00000001 0003 0000 00000000 00000000", OF10_E_BAD_LEN},
    {"01 11 0014 00000001 0004 0000 00000000 00000000", OF10_E_BAD_LEN},
    {"01 11 0014 00000001 0005 0000 00000000 00000000", OF10_E_BAD_LEN},
    {"01 11 000e 00000001 ffff 0000 0000", OF10_E_BAD_LEN},
    /* QUEUE_GET_CONFIG_REQUEST: a physical port */
    {"01 14 000c 00000001 0000 0000", OF10_E_QOP_BAD_PORT},
    {"01 14 000c 00000001 ff00 0000", OF10_E_QOP_BAD_PORT},
    {"01 14 000c 00000001 fffe 0000", OF10_E_QOP_BAD_PORT},
    {"01 14 000c 00000001 ffff 0000", OF10_E_QOP_BAD_PORT},
    {"01 14 000c 00000001 feff 0000", OF10_OK},
    /* QUEUE_GET_CONFIG_REPLY */
    {"01 15 0014 00000001 0001 000000000000 00000001", OF10_E_BAD_LEN},
    {"01 15 0018 00000001 0001 000000000000 00000001 0004 0000", OF10_E_BAD_LEN},
    {"01 15 0018 00000001 0001 000000000000 00000001 0010 0000", OF10_E_BAD_LEN},
    {"01 15 0018 00000001 0001 000000000000 00000001 000c 0000", OF10_E_BAD_LEN},
    {"01 15 0020 00000001 0001 000000000000 00000001 0010 0000 0000 0000 00000000",
     OF10_E_BAD_LEN}, /* property length 0 */
    {"01 15 0020 00000001 0001 000000000000 00000001 0010 0000 0001 0008 00000000",
     OF10_E_BAD_LEN}, /* MIN_RATE is 16 */
    {"01 15 0028 00000001 0001 000000000000 00000001 0018 0000 0000 0010 00000000"
     "0000000000000000",
     OF10_E_BAD_LEN}, /* NONE is 8 */
    {"01 15 0020 00000001 0001 000000000000 00000001 0010 0000 0002 0008 00000000",
     OF10_E_BAD_SUBTYPE}, /* unknown property */
    {"01 15 0020 00000001 0001 000000000000 00000001 0010 0000 0000 0010 00000000",
     OF10_E_BAD_LEN}, /* property past its queue */
    {"01 15 0028 00000001 0001 000000000000 00000001 0010 0000 0000 0008 00000000"
     "00000000",
     OF10_E_BAD_LEN}, /* 4 trailing bytes */
};

static void test_bad_hex(void **state)
{
    (void)state;
    struct of10_msg m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        load(bad[i].hex);
        uint32_t err = redec(&m);
        if (err != bad[i].err)
            fail_msg("case %zu %s: got %s, want %s", i, bad[i].hex, of10_err_name(err),
                     of10_err_name(bad[i].err));
    }
}

/* ---- message-specific errors, as mutations of good messages ------------ */

static void test_flow_mod_errors(void **state)
{
    (void)state;
    struct of10_msg m;
    static const uint16_t bad_cmd[] = {5, 6, 0x100, 0xffff};
    for (size_t i = 0; i < sizeof bad_cmd / sizeof bad_cmd[0]; i++) {
        load(FLOW_MOD_HEX);
        put16(56, bad_cmd[i]);
        expect(redec(&m), OF10_E_FM_BAD_COMMAND, "command");
    }
    load(FLOW_MOD_HEX); /* EMERG with a timeout: idle 60 in the fixture */
    put16(70, OFPFF10_EMERG);
    expect(redec(&m), OF10_E_FM_BAD_EMERG_TIMEOUT, "emerg idle");
    put16(58, 0);
    expect(redec(&m), OF10_OK, "emerg no timeouts");
    put16(60, 1);
    expect(redec(&m), OF10_E_FM_BAD_EMERG_TIMEOUT, "emerg hard");
    put16(56, 7); /* the command is checked first */
    expect(redec(&m), OF10_E_FM_BAD_COMMAND, "command before emerg");
    load(FLOW_MOD_HEX); /* actions not a multiple of 8 */
    memset(in + in_len, 0, 4);
    in_len += 4;
    fix_len();
    expect(redec(&m), OF10_E_BAD_LEN, "+4");
    load(FLOW_MOD_HEX);
    put16(74, 0); /* first action length 0 */
    expect(redec(&m), OF10_E_ACT_BAD_LEN, "len 0");
    load(FLOW_MOD_HEX);
    put16(82, 0x18); /* second action runs past the end */
    expect(redec(&m), OF10_E_ACT_BAD_LEN, "past end");
    load(FLOW_MOD_HEX);
    put16(80, 0x0c); /* second action of unknown type */
    expect(redec(&m), OF10_E_ACT_BAD_TYPE, "type");
    load(FLOW_MOD_HEX);
    put16(76, 0); /* output to port 0 */
    expect(redec(&m), OF10_E_ACT_BAD_OUT_PORT, "port 0");
    load(FLOW_MOD_HEX);
    in_len = 72; /* no actions: a drop flow */
    fix_len();
    expect(redec(&m), OF10_OK, "no actions");
}

static void test_flow_stats_errors(void **state)
{
    (void)state;
    struct of10_msg m;
    const size_t e1 = 12, e2 = 12 + 96;
    static const uint16_t bad_len[] = {0, 8, 80, 0x5c, 0x68, 0xffff};
    for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
        load(STATS_REP_FLOW_HEX);
        put16(e1, bad_len[i]);
        expect(redec(&m), OF10_E_BAD_LEN, "entry 1 length");
    }
    load(STATS_REP_FLOW_HEX);
    put16(e2, 0x60); /* the last entry runs past the body */
    expect(redec(&m), OF10_E_BAD_LEN, "entry 2 past end");
    load(STATS_REP_FLOW_HEX); /* 8 trailing bytes: too short for an entry */
    memset(in + in_len, 0, 8);
    in_len += 8;
    fix_len();
    expect(redec(&m), OF10_E_BAD_LEN, "trailing");
    load(STATS_REP_FLOW_HEX);
    put16(e1 + 88 + 4, OFPP10_NONE);
    expect(redec(&m), OF10_E_ACT_BAD_OUT_PORT, "action port");
    load(STATS_REP_FLOW_HEX);
    put16(e1 + 88 + 2, 16); /* action claims 16 bytes of an 8-byte list */
    expect(redec(&m), OF10_E_ACT_BAD_LEN, "action len");
}

static void test_sized_replies(void **state)
{
    (void)state;
    struct of10_msg m;
    static const char *const reps[] = {STATS_REP_TABLE_HEX, STATS_REP_PORT_HEX,
                                       STATS_REP_QUEUE_HEX};
    for (size_t i = 0; i < 3; i++) {
        load(reps[i]); /* one byte more or less than whole entries */
        in_len -= 1;
        fix_len();
        expect(redec(&m), OF10_E_BAD_LEN, "-1");
        load(reps[i]);
        in[in_len] = 0;
        in_len += 1;
        fix_len();
        expect(redec(&m), OF10_E_BAD_LEN, "+1");
    }
    load("01 11 042d 00000020 0000 0000"); /* DESC one byte long */
    memset(in + 12, 0, 1057);
    in_len = 12 + 1057;
    expect(redec(&m), OF10_E_BAD_LEN, "desc 1057");
    in_len = 12 + 1055;
    fix_len();
    expect(redec(&m), OF10_E_BAD_LEN, "desc 1055");
}

static void test_arena_exhausted(void **state)
{
    (void)state;
    struct of10_msg m;
    uint8_t mem[40]; /* less than any of these needs */
    static const char *const need[] = {FEATURES_REP_HEX, FLOW_MOD_HEX, STATS_REP_FLOW_HEX,
                                       STATS_REP_PORT_HEX, QGC_REP_HEX};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        load(need[i]);
        of10_arena_init(&arena, mem, sizeof mem);
        expect(of10_decode(in, in_len, &m, &arena), OF10_E_NOSPACE, need[i]);
    }
}

/* ---- garbage ----------------------------------------------------------- */

static uint32_t rng = 0x9e3779b9;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Whatever decodes must encode, and decode again to an equal message. */
static void check_stable(const struct of10_msg *m)
{
    static uint8_t mem2[OF10_ARENA_SIZE];
    struct of10_arena a2;
    struct of10_msg m2;
    size_t olen;
    uint32_t err = of10_encode(m, out, sizeof out, &olen);
    if (err)
        fail_msg("decoded %s does not encode: %s", of10_type_name(m->type), of10_err_name(err));
    of10_arena_init(&a2, mem2, sizeof mem2);
    assert_int_equal(of10_decode(out, olen, &m2, &a2), OF10_OK);
    assert_true(of10_msg_equal(m, &m2));
}

static void test_random_garbage(void **state)
{
    (void)state;
    struct of10_msg m;
    int ok = 0;
    for (int i = 0; i < 20000; i++) {
        in_len = 8 + rnd() % 200;
        for (size_t j = 0; j < in_len; j++)
            in[j] = (uint8_t)rnd();
        in[0] = rnd() % 8 ? OFP10_VERSION : (uint8_t)rnd();
        in[1] = (uint8_t)(rnd() % 24);
        if (rnd() % 8) fix_len();
        if (redec(&m) == OF10_OK) {
            ok++;
            check_stable(&m);
        }
    }
    assert_true(ok > 100); /* the generator reaches the decoders' insides */
}

/* Valid messages with 1-3 bytes changed (header length kept). */
static void test_mutations(void **state)
{
    (void)state;
    struct of10_msg m;
    for (int i = 0; i < 30000; i++) {
        load(fixtures[rnd() % N_FIXTURES].hex);
        int n = 1 + (int)(rnd() % 3);
        for (int k = 0; k < n; k++) {
            size_t off = 4 + rnd() % (in_len - 4); /* keep version/type/length */
            in[off] = rnd() % 2 ? (uint8_t)rnd() : (uint8_t)(in[off] ^ (1u << (rnd() % 8)));
        }
        if (redec(&m) == OF10_OK) check_stable(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_every_type), cmocka_unit_test(test_bad_hex),
        cmocka_unit_test(test_flow_mod_errors),    cmocka_unit_test(test_flow_stats_errors),
        cmocka_unit_test(test_sized_replies),      cmocka_unit_test(test_arena_exhausted),
        cmocka_unit_test(test_random_garbage),     cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
