/*
 * fuzz_of10.c - libFuzzer target for the OpenFlow 1.0 codec.
 * Whole messages: frame, decode, print, then encode and decode again and require
 * the same message (decode and encode agree on what is valid). Slices: the same
 * round trip for action lists and for matches (decode, normalise, encode).
 * Any disagreement is a crash (__builtin_trap), so libFuzzer keeps the input.
 */
#include <stdint.h>
#include <string.h>

#include "of10/of10.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

static unsigned char arena1_mem[OF10_ARENA_SIZE];
static unsigned char arena2_mem[OF10_ARENA_SIZE];
static uint8_t enc[65536 + 64];
static char text[1 << 20];

/* Printing must NUL-terminate at any capacity and report the same length. */
static void check_print(const struct of10_msg *m)
{
    char small[24];
    size_t want = of10_print(m, text, sizeof text);
    size_t want_small = of10_print(m, small, sizeof small);
    CHECK(want == want_small);
    CHECK(memchr(small, '\0', sizeof small) != NULL);
    if (want < sizeof text) CHECK(strlen(text) == want);
}

/* A Nicira role message parses to values that build the same body again. */
static void check_nx_role(const struct of10_msg *m)
{
    uint32_t sub = 0, role = 0;
    if (of10_nx_role_parse(m, &sub, &role) != 0) return;
    uint8_t body[8];
    struct of10_msg r;
    of10_nx_role_msg(&r, body, sub, role);
    CHECK(r.u.vendor.data.len == m->u.vendor.data.len);
    CHECK(memcmp(body, m->u.vendor.data.p, 8) == 0);
    CHECK(of10_nx_role_name(role)[0] != 'i');
}

static void fuzz_message(const uint8_t *data, size_t size)
{
    struct of10_arena a1, a2;
    struct of10_msg m, m2;
    size_t len = size;

    /* Frame as a stream reader would; a bad or too long length field still goes
     * to the decoder whole, which must reject it. */
    if (size >= OFP10_HEADER_LEN) {
        size_t fl = of10_frame_len(data);
        if (fl >= OFP10_HEADER_LEN && fl <= size) len = fl;
    }
    of10_arena_init(&a1, arena1_mem, sizeof arena1_mem);
    if (of10_decode(data, len, &m, &a1) != OF10_OK) return;
    check_print(&m);
    check_nx_role(&m);

    size_t out_len = 0;
    uint32_t err = of10_encode(&m, enc, sizeof enc, &out_len);
    CHECK(err == OF10_OK);
    CHECK(out_len == of10_encoded_len(&m));
    CHECK(out_len >= OFP10_HEADER_LEN && out_len <= 65535);
    CHECK(of10_frame_len(enc) == out_len);

    of10_arena_init(&a2, arena2_mem, sizeof arena2_mem);
    CHECK(of10_decode(enc, out_len, &m2, &a2) == OF10_OK);
    CHECK(of10_msg_equal(&m, &m2));
    CHECK(of10_msg_equal(&m2, &m));
}

static void fuzz_actions(const uint8_t *data, size_t size)
{
    struct of10_arena a1, a2;
    struct of10_actions acts, acts2;
    size_t len = size & ~(size_t)7;

    if (len > 4096) len = 4096;
    of10_arena_init(&a1, arena1_mem, sizeof arena1_mem);
    if (of10_actions_decode(data, len, &acts, &a1) != OF10_OK) return;
    CHECK(of10_actions_validate(&acts) == OF10_OK);
    CHECK(of10_actions_len(&acts) == len);
    of10_actions_print(&acts, text, sizeof text);
    of10_actions_encode(&acts, enc);
    of10_arena_init(&a2, arena2_mem, sizeof arena2_mem);
    CHECK(of10_actions_decode(enc, len, &acts2, &a2) == OF10_OK);
    CHECK(of10_actions_equal(&acts, &acts2));
}

static void fuzz_match(const uint8_t *data, size_t size)
{
    struct of10_match m, m2, m3;
    uint8_t wire[OFP10_MATCH_LEN];

    if (size < OFP10_MATCH_LEN) return;
    /* Zeroed first: an equality that compared padding must not see garbage. */
    memset(&m, 0, sizeof m);
    memset(&m2, 0, sizeof m2);
    memset(&m3, 0, sizeof m3);
    of10_match_decode(data, &m);
    of10_match_print(&m, text, sizeof text);
    CHECK(of10_match_nw_src_wild_bits(&m) <= 32);
    CHECK(of10_match_nw_dst_wild_bits(&m) <= 32);
    /* Without normalising, the wire form survives a round trip bit for bit
     * (padding aside). */
    of10_match_encode(&m, wire);
    of10_match_decode(wire, &m2);
    CHECK(of10_match_equal(&m, &m2));
    /* Normalising is idempotent and survives the wire. */
    of10_match_normalize(&m);
    m2 = m;
    of10_match_normalize(&m2);
    CHECK(of10_match_equal(&m, &m2));
    of10_match_encode(&m, wire);
    of10_match_decode(wire, &m3);
    CHECK(of10_match_equal(&m, &m3));
    of10_match_normalize(&m3);
    CHECK(of10_match_equal(&m, &m3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535 + 64) return 0;
    fuzz_message(data, size);
    /* The body of the input, past an OpenFlow header, as an action list and a
     * match: this reaches those parsers with bytes no valid message carries. */
    if (size > OFP10_HEADER_LEN) {
        fuzz_actions(data + OFP10_HEADER_LEN, size - OFP10_HEADER_LEN);
        fuzz_match(data + OFP10_HEADER_LEN, size - OFP10_HEADER_LEN);
    }
    fuzz_actions(data, size);
    fuzz_match(data, size);
    return 0;
}
