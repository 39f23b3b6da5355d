/*
 * fuzz_etcd.c - libFuzzer target for src/etcd: the bytes are what an etcd
 * member (or anything at its address) sends. They go through the HTTP reader
 * in unary and in stream mode, in two feeds split at a point the data picks
 * and again in one feed (both must give the same messages); every message
 * goes through every etcd_resp_* decoder; the raw bytes go through
 * etcd_b64_dec. Invariants (message sizes, decoded lengths, reasons set on
 * failure, results set only on success) trap when broken.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcd/etcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) __builtin_trap();                                                                \
    } while (0)

static int on_kv(void *ctx, int type, const struct etcd_kv *kv)
{
    CHECK(type == ETCD_EV_PUT || type == ETCD_EV_DELETE);
    CHECK(kv->oversize >= 0 && kv->oversize <= 2);
    CHECK(kv->oversize == 2 ? kv->key_len == 0 : kv->key_len >= 1 && kv->key_len <= ETCD_KEY_MAX);
    CHECK(!kv->oversize || kv->value_len == 0);
    CHECK(kv->value_len <= ETCD_VAL_MAX);
    CHECK(kv->create_rev >= 0 && kv->mod_rev >= 0 && kv->version >= 0 && kv->lease >= 0);
    (*(int *)ctx)++;
    return 0;
}

static int on_member(void *ctx, const struct etcd_member *m)
{
    CHECK(m->id != 0);
    CHECK(strlen(m->name) <= ETCD_NAME_MAX && strlen(m->client_url) <= ETCD_URL_MAX);
    (*(int *)ctx)++;
    return 0;
}

static void decode_all(int status, const char *j, size_t n)
{
    struct etcd_resp r;
    struct etcd_watch w;
    char err[ETCD_ERR_MAX];
    int calls = 0, ok = 7;
    int64_t id = 7, ttl = 7;

    err[0] = '\0';
    if (etcd_resp_plain(status, j, n, &r, err, sizeof(err)) < 0)
        CHECK(strncmp(err, "etcd: ", 6) == 0);
    else
        CHECK(status == 200 && r.revision >= 0 && r.raft_term >= 0);
    err[0] = '\0';
    int rc = etcd_resp_range(status, j, n, &r, on_kv, &calls, err, sizeof(err));
    CHECK(rc == 0 || (rc == -1 && strncmp(err, "etcd: ", 6) == 0 && calls == 0));
    calls = 0;
    rc = etcd_resp_txn(status, j, n, &r, &ok, on_kv, &calls, err, sizeof(err));
    CHECK(rc == 0 || (rc == -1 && ok == 0 && calls == 0));
    CHECK(calls <= 1 && (ok == 0 || calls == 0));
    rc = etcd_resp_lease(status, j, n, &r, &id, &ttl, err, sizeof(err));
    CHECK(rc == 0 ? id > 0 && ttl >= 0 : id == 0 && ttl == 0);
    calls = 0;
    rc = etcd_resp_watch(status, j, n, &r, &w, on_kv, &calls, err, sizeof(err));
    CHECK(rc == 0 || (rc == -1 && calls == 0));
    CHECK(strlen(w.cancel_reason) < ETCD_ERR_MAX);
    calls = 0;
    rc = etcd_resp_members(status, j, n, &r, on_member, &calls, err, sizeof(err));
    CHECK(rc == 0 || (rc == -1 && calls == 0));
}

/* Messages of one run, to compare the split feed with the single one. */
struct trace {
    size_t count, bytes;
    uint64_t hash;
    int rc;
};

static void take_all(struct etcd_http *h, struct trace *t, int decode)
{
    int st;
    const char *j;
    size_t n;
    while (etcd_http_take(h, &st, &j, &n) == 1) {
        CHECK(n <= ETCD_MSG_MAX && st >= 200 && st <= 599);
        t->count++;
        t->bytes += n;
        t->hash = t->hash * 1099511628211u + n + (uint64_t)st;
        for (size_t k = 0; k < n; k++)
            t->hash = (t->hash ^ (uint8_t)j[k]) * 1099511628211u;
        if (decode) decode_all(st, j, n);
    }
}

static void http_run(const uint8_t *d, size_t size, int stream, size_t cut, struct trace *t,
                     int decode)
{
    char err[ETCD_ERR_MAX];
    struct etcd_http *h = etcd_http_new(stream);
    CHECK(h != NULL);
    memset(t, 0, sizeof(*t));
    err[0] = '\0';
    t->rc = etcd_http_feed(h, d, cut, err, sizeof(err));
    take_all(h, t, decode);
    if (t->rc == 0) {
        t->rc = etcd_http_feed(h, d + cut, size - cut, err, sizeof(err));
        take_all(h, t, decode);
    }
    if (t->rc == 0) t->rc = etcd_http_eof(h, err, sizeof(err));
    if (t->rc) CHECK(t->rc == -1 && strncmp(err, "HTTP: ", 6) == 0);
    etcd_http_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[ETCD_VAL_MAX];
    int n = etcd_b64_dec(out, sizeof(out), (const char *)data, size);
    CHECK(n >= -1 && n <= (int)sizeof(out));
    if (n >= 0) { /* strict base64 round-trips to the very same text */
        char *txt = malloc(4 * ((size_t)n + 2) / 3 + 8);
        CHECK(etcd_b64_enc(txt, out, (size_t)n) == size && memcmp(txt, data, size) == 0);
        free(txt);
    }

    size_t cut = size ? data[0] % (size + 1) : 0;
    for (int stream = 0; stream <= 1; stream++) {
        struct trace a, b;
        http_run(data, size, stream, cut, &a, 1);
        http_run(data, size, stream, 0, &b, 0); /* one feed (an empty one first) */
        /* Failures may be found at different points; before them, the same. */
        if (a.rc == 0 && b.rc == 0)
            CHECK(a.count == b.count && a.bytes == b.bytes && a.hash == b.hash);
        CHECK(a.rc == b.rc);
    }
    /* The whole input as one message, to reach the decoders directly. */
    decode_all(200, (const char *)data, size);
    return 0;
}
