/*
 * fuzz_hc.c - libFuzzer target for src/hc: parse any bytes as a hypercall
 * frame; what parses must re-encode to the same bytes (zero padding aside);
 * then hand the bytes to the server (fake rule table) as a guest's request:
 * whatever it answers must parse as a REPLY to that request id.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hc/hc_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) __builtin_trap();                                                                \
    } while (0)

/* A tiny rule table: 32 slots, owners by slot. */
static struct hc_rule_info table[32];
static int used[32];

static int f_add(void *ctx, const struct hc_rule *r, uint16_t port, const char *owner, uint32_t *id,
                 char *msg, size_t msglen)
{
    (void)ctx;
    for (uint32_t i = 1; i < 32; i++)
        if (!used[i]) {
            used[i] = 1;
            memset(&table[i], 0, sizeof(table[i]));
            table[i].id = i;
            table[i].rule = *r;
            table[i].port_id = port;
            snprintf(table[i].owner, sizeof(table[i].owner), "%s", owner);
            *id = i;
            return 0;
        }
    snprintf(msg, msglen, "full\n\x01");
    return -ENOSPC;
}

static int f_del(void *ctx, uint32_t id, const char *owner, char *msg, size_t msglen)
{
    (void)ctx;
    (void)msg;
    (void)msglen;
    if (id >= 32 || !used[id]) return -ENOENT;
    CHECK(strcmp(owner, table[id].owner) == 0); /* the server checked before calling */
    used[id] = 0;
    return 0;
}

static int f_get(void *ctx, uint32_t id, struct hc_rule_info *out)
{
    (void)ctx;
    if (id >= 32 || !used[id]) return -ENOENT;
    *out = table[id];
    return 0;
}

static int f_list(void *ctx, uint32_t start, hc_rule_cb cb, void *cbctx)
{
    (void)ctx;
    for (uint32_t i = start ? start : 1; i < 32; i++)
        if (used[i] && cb(&table[i], cbctx)) break;
    return 0;
}

static const struct hc_ops ops = {f_add, f_del, f_get, f_list};

static void check_codec(const uint8_t *data, size_t size)
{
    struct hc_msg m;
    uint8_t out[HC_FRAME_MAX];
    int rc = hc_parse(data, size, &m, NULL, 0);
    if (rc) {
        CHECK(!m.has_id || size >= HC_ETH_LEN + HC_HDR_LEN);
        return;
    }
    size_t n = hc_encode(&m, out, sizeof(out));
    size_t want = size < HC_MIN_FRAME ? HC_MIN_FRAME : size;
    CHECK(n == want);
    CHECK(memcmp(out, data, size < n ? size : n) == 0);
    for (size_t i = size; i < n; i++)
        CHECK(out[i] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hc_server *s;
    uint8_t out[HC_FRAME_MAX];
    struct hc_msg req, rep;

    check_codec(data, size);
    if (!s) {
        s = hc_server_new(&ops, NULL);
        CHECK(s && hc_server_quota(s, 8) == 0);
    }
    uint16_t port = size ? (uint16_t)(1 + data[size - 1] % 4) : 1;
    int k = hc_handle(s, data, size, port, out, sizeof(out));
    hc_parse(data, size, &req, NULL, 0);
    if (k == 0) {
        CHECK(!req.has_id); /* only a frame without a header goes unanswered */
        return 0;
    }
    CHECK(k > 0 && (size_t)k <= sizeof(out));
    CHECK(hc_parse(out, (size_t)k, &rep, NULL, 0) == 0);
    CHECK(rep.op == HC_OP_REPLY && rep.id == req.id);
    if (size && data[0] == 0x42) { /* now and then, a notification */
        struct hc_note n = {.kind = HC_KIND_NOTICE, .time = 1};
        CHECK(hc_notify(s, port, &n, out, sizeof(out)) > 0);
    }
    return 0;
}
