/*
 * test_etcd_resp.c - src/etcd's response decoders over the recorded
 * responses of a real etcd 3.4 (through etcd_http, as the cluster domain
 * gets them): every field we read, the defaults proto3 leaves out, both
 * error forms; then malformed messages, each refused with a reason naming
 * the field, and no callback made for a message refused later in its body.
 */
#include "unit.h"

#include "etcd/etcd.h"
#include "etcd_fixtures.h"

/* The message number idx of a recorded response (a copy, NUL-terminated). */
static char *msg_of(const char *fx, int stream, int idx, int *status, size_t *len)
{
    char err[128];
    struct etcd_http *h = etcd_http_new(stream);
    const char *j;
    char *out = NULL;
    assert_int_equal(etcd_http_feed(h, fx, strlen(fx), err, sizeof(err)), 0);
    for (int k = 0; k <= idx; k++)
        assert_int_equal(etcd_http_take(h, status, &j, len), 1);
    out = malloc(*len + 1);
    memcpy(out, j, *len);
    out[*len] = '\0';
    etcd_http_free(h);
    return out;
}

struct seen {
    int n;
    int type[8];
    struct etcd_kv kv[8];
    int stop_at; /* return 7 at this call (1-based), 0 never */
};

static int on_kv(void *ctx, int type, const struct etcd_kv *kv)
{
    struct seen *s = ctx;
    assert_true(s->n < 8);
    if (kv->oversize == 2)
        assert_true(kv->key_len == 0 && kv->value_len == 0);
    else if (kv->oversize == 1)
        assert_true(kv->key_len >= 1 && kv->value_len == 0);
    else
        assert_true(kv->key_len >= 1 && kv->key_len <= ETCD_KEY_MAX);
    assert_true(kv->value_len <= ETCD_VAL_MAX);
    s->type[s->n] = type;
    s->kv[s->n++] = *kv;
    return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

struct mem {
    int n;
    struct etcd_member m[4];
};

static int on_member(void *ctx, const struct etcd_member *m)
{
    struct mem *s = ctx;
    assert_true(s->n < 4);
    s->m[s->n++] = *m;
    return 0;
}

static void test_fixtures_kv(void **state)
{
    struct etcd_resp r;
    struct seen s;
    char err[ETCD_ERR_MAX];
    int st, ok;
    size_t n;
    char *m;
    (void)state;
    m = msg_of(EX_PUT, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_plain(st, m, n, &r, err, sizeof(err)), 0);
    assert_int_equal(r.revision, 3);
    assert_int_equal(r.raft_term, 2);
    assert_true(r.member_id == 11713819855479217281ull);
    free(m);
    m = msg_of(EX_DELETERANGE, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_plain(st, m, n, &r, err, sizeof(err)), 0);
    assert_int_equal(r.revision, 5);
    free(m);

    memset(&s, 0, sizeof(s));
    m = msg_of(EX_RANGE_PREFIX, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_range(st, m, n, &r, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(r.revision, 3);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[0], ETCD_EV_PUT);
    assert_int_equal(s.kv[0].key_len, 5);
    assert_memory_equal(s.kv[0].key, "/vf/x", 5);
    assert_int_equal(s.kv[0].value_len, 1);
    assert_memory_equal(s.kv[0].value, "a", 1);
    assert_int_equal(s.kv[0].create_rev, 2);
    assert_int_equal(s.kv[0].mod_rev, 2);
    assert_int_equal(s.kv[0].version, 1);
    assert_true(s.kv[0].lease == 2054101142093277448);
    assert_memory_equal(s.kv[1].key, "/vf/y", 5);
    assert_int_equal(s.kv[1].value_len, 7);
    assert_memory_equal(s.kv[1].value, "hello\0\377", 7);
    assert_int_equal(s.kv[1].lease, 0); /* left out: none */
    /* A callback's non-zero stops the walk and is returned. */
    memset(&s, 0, sizeof(s));
    s.stop_at = 1;
    assert_int_equal(etcd_resp_range(st, m, n, &r, on_kv, &s, err, sizeof(err)), 7);
    assert_int_equal(s.n, 1);
    free(m);
    memset(&s, 0, sizeof(s));
    m = msg_of(EX_RANGE_EMPTY, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_range(st, m, n, &r, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 0);
    free(m);

    /* The election txn: won, lost (the holder's kv), and delete_if both ways. */
    memset(&s, 0, sizeof(s));
    m = msg_of(EX_TXN_CREATE_OK, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_txn(st, m, n, &r, &ok, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(ok, 1);
    assert_int_equal(r.revision, 2);
    assert_int_equal(s.n, 0);
    free(m);
    m = msg_of(EX_TXN_CREATE_FAIL, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_txn(st, m, n, &r, &ok, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(s.n, 1);
    assert_memory_equal(s.kv[0].key, "/vf/x", 5);
    assert_int_equal(s.kv[0].create_rev, 2);
    assert_true(s.kv[0].lease == 2054101142093277448);
    free(m);
    memset(&s, 0, sizeof(s));
    m = msg_of(EX_DELETE_IF_OK, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_txn(st, m, n, &r, &ok, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(ok, 1);
    assert_int_equal(r.revision, 4);
    free(m);
    m = msg_of(EX_DELETE_IF_FAIL, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_txn(st, m, n, &r, &ok, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(s.n, 0);
    free(m);
}

static void test_fixtures_lease_members(void **state)
{
    struct etcd_resp r;
    char err[ETCD_ERR_MAX];
    int st;
    size_t n;
    int64_t id, ttl;
    char *m;
    (void)state;
    m = msg_of(EX_LEASE_GRANT, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_lease(st, m, n, &r, &id, &ttl, err, sizeof(err)), 0);
    assert_true(id == 2054101142093277448);
    assert_int_equal(ttl, 30);
    assert_int_equal(r.revision, 1);
    free(m);
    m = msg_of(EX_KEEPALIVE, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_lease(st, m, n, &r, &id, &ttl, err, sizeof(err)), 0);
    assert_true(id == 2054101142093277448);
    assert_int_equal(ttl, 30);
    assert_int_equal(r.raft_term, 2);
    free(m);
    m = msg_of(EX_KEEPALIVE_GONE, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_lease(st, m, n, &r, &id, &ttl, err, sizeof(err)), 0);
    assert_int_equal(id, 1);
    assert_int_equal(ttl, 0); /* gone */
    free(m);
    m = msg_of(EX_REVOKE_GONE, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_plain(st, m, n, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: etcdserver: requested lease not found (code 5)");
    assert_int_equal(etcd_resp_lease(st, m, n, &r, &id, &ttl, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: etcdserver: requested lease not found (code 5)");
    free(m);
    m = msg_of(EX_EMPTYKEY, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_plain(st, m, n, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: etcdserver: key is not provided (code 3)");
    free(m);
    m = msg_of(EX_NOTFOUND, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_plain(st, m, n, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: HTTP 404");
    free(m);

    struct mem ms = {0};
    m = msg_of(EX_MEMBERS, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_members(st, m, n, &r, on_member, &ms, err, sizeof(err)), 0);
    assert_int_equal(ms.n, 1);
    assert_true(ms.m[0].id == 11713819855479217281ull);
    assert_string_equal(ms.m[0].name, "a");
    assert_string_equal(ms.m[0].client_url, "http://127.0.0.1:24035");
    assert_int_equal(r.revision, 0); /* member list has none */
    free(m);
    memset(&ms, 0, sizeof(ms));
    m = msg_of(EX_MEMBERS_UNSTARTED, 0, 0, &st, &n);
    assert_int_equal(etcd_resp_members(st, m, n, &r, on_member, &ms, err, sizeof(err)), 0);
    assert_int_equal(ms.n, 2);
    assert_true(ms.m[0].id == 5772134785481238793ull);
    assert_string_equal(ms.m[0].name, "");
    assert_string_equal(ms.m[0].client_url, "");
    assert_string_equal(ms.m[1].name, "a");
    free(m);
}

static void test_fixtures_watch(void **state)
{
    struct etcd_resp r;
    struct etcd_watch w;
    struct seen s;
    char err[ETCD_ERR_MAX];
    int st;
    size_t n;
    char *m;
    (void)state;
    memset(&s, 0, sizeof(s));
    m = msg_of(EX_WATCH, 1, 0, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(w.created, 1);
    assert_int_equal(w.canceled, 0);
    assert_int_equal(w.watch_id, 0);
    assert_int_equal(r.revision, 1);
    assert_int_equal(s.n, 0);
    free(m);
    m = msg_of(EX_WATCH, 1, 1, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(w.created, 0);
    assert_int_equal(r.revision, 2);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.type[0], ETCD_EV_PUT);
    assert_memory_equal(s.kv[0].key, "/vf/x", 5);
    assert_memory_equal(s.kv[0].value, "a", 1);
    free(m);
    m = msg_of(EX_WATCH, 1, 3, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[1], ETCD_EV_DELETE);
    assert_memory_equal(s.kv[1].key, "/vf/x", 5);
    assert_int_equal(s.kv[1].value_len, 0);
    assert_int_equal(s.kv[1].mod_rev, 4);
    assert_int_equal(s.kv[1].create_rev, 0);
    free(m);
    m = msg_of(EX_WATCH_COMPACTED, 1, 1, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(w.canceled, 1);
    assert_int_equal(w.compact_revision, 5);
    assert_string_equal(w.cancel_reason, "");
    assert_int_equal(r.revision, 0);
    free(m);
    m = msg_of(EX_WATCH_SHUTDOWN, 1, 1, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: transport is closing (code 14)");
    free(m);
    m = msg_of(EX_WATCH_BADJSON, 1, 0, &st, &n);
    assert_int_equal(etcd_resp_watch(st, m, n, &r, &w, on_kv, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "etcd: unexpected EOF (code 2)");
    free(m);
    assert_int_equal(s.n, 2);
    /* Forms etcd may send that the recording did not show. */
    const char *cancel =
        "{\"result\":{\"watch_id\":\"3\",\"canceled\":true,\"cancel_reason\":\"etcdserver: "
        "permission denied\\n\"}}";
    assert_int_equal(
        etcd_resp_watch(200, cancel, strlen(cancel), &r, &w, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(w.watch_id, 3);
    assert_string_equal(w.cancel_reason, "etcdserver: permission denied?");
    const char *num =
        "{\"result\":{\"events\":[{\"type\":1,\"kv\":{\"key\":\"YQ==\",\"mod_revision\":9}},"
        "{\"type\":\"PUT\",\"kv\":{\"key\":\"Yg==\"},\"prev_kv\":{\"key\":\"Yg==\"},\"new\":[1]}]}"
        "}";
    memset(&s, 0, sizeof(s));
    assert_int_equal(etcd_resp_watch(200, num, strlen(num), &r, &w, on_kv, &s, err, sizeof(err)),
                     0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[0], ETCD_EV_DELETE);
    assert_int_equal(s.kv[0].mod_rev, 9);
    assert_int_equal(s.type[1], ETCD_EV_PUT);
}

/* fn must decode json with -1 and a reason containing why; no callback made. */
enum which { PLAIN, RANGE, TXN, LEASE, WATCH, MEMBERS };
static void refused_as(enum which f, int status, const char *json, const char *why)
{
    struct etcd_resp r;
    struct etcd_watch w;
    struct seen s = {0};
    struct mem ms = {0};
    char err[ETCD_ERR_MAX] = "";
    int ok = 5, rc = 0;
    int64_t id = 5, ttl = 5;
    size_t n = strlen(json);
    switch (f) {
    case PLAIN:
        rc = etcd_resp_plain(status, json, n, &r, err, sizeof(err));
        break;
    case RANGE:
        rc = etcd_resp_range(status, json, n, &r, on_kv, &s, err, sizeof(err));
        break;
    case TXN:
        rc = etcd_resp_txn(status, json, n, &r, &ok, on_kv, &s, err, sizeof(err));
        assert_int_equal(ok, 0);
        break;
    case LEASE:
        rc = etcd_resp_lease(status, json, n, &r, &id, &ttl, err, sizeof(err));
        assert_int_equal(id, 0);
        break;
    case WATCH:
        rc = etcd_resp_watch(status, json, n, &r, &w, on_kv, &s, err, sizeof(err));
        break;
    case MEMBERS:
        rc = etcd_resp_members(status, json, n, &r, on_member, &ms, err, sizeof(err));
        break;
    }
    if (rc != -1 || !strstr(err, why))
        fail_msg("%d '%s': rc %d err '%s', want '%s'", f, json, rc, err, why);
    assert_int_equal(s.n, 0);
    assert_int_equal(ms.n, 0);
}

#define KV_OK "{\"key\":\"YQ==\",\"value\":\"Yg==\"}"

static void test_resp_malformed(void **state)
{
    (void)state;
    /* Not JSON, not an object, statuses. */
    refused_as(PLAIN, 200, "", "etcd: JSON: expected a value");
    refused_as(PLAIN, 200, "{\"header\":", "etcd: JSON:");
    refused_as(PLAIN, 200, "[]", "etcd: message is not a JSON object");
    refused_as(PLAIN, 503, "", "etcd: HTTP 503");
    refused_as(PLAIN, 503, "{}", "etcd: HTTP 503");
    refused_as(PLAIN, 502, "<html>bad gateway</html>", "etcd: HTTP 502");
    refused_as(PLAIN, 200, "{\"error\":\"boom\"}", "etcd: boom");
    refused_as(PLAIN, 200, "{\"error\":\"a\\u0001b\",\"code\":\"4\"}", "etcd: a?b (code 4)");
    refused_as(PLAIN, 200, "{\"error\":{\"grpc_code\":1}}",
               "etcd: error without a message (code 1)");
    refused_as(PLAIN, 200, "{\"error\":7}", "etcd: error: not a string or an object");
    refused_as(PLAIN, 200, "{\"a\":1,\"a\":1}", "duplicate member name");
    /* Header fields. */
    refused_as(PLAIN, 200, "{\"header\":[]}", "etcd: header: not an object");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"x\"}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":true}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"1.0\"}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":1e3}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"+1\"}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\" 1\"}}",
               "etcd: header.revision: not an integer");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"-1\"}}", "etcd: header.revision: negative");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"9223372036854775808\"}}",
               "etcd: header.revision: out of range");
    refused_as(PLAIN, 200, "{\"header\":{\"revision\":\"0000000000000000000000000000001\"}}",
               "etcd: header.revision:");
    refused_as(PLAIN, 200, "{\"header\":{\"member_id\":\"18446744073709551616\"}}",
               "etcd: header.member_id: out of range");
    refused_as(PLAIN, 200, "{\"header\":{\"raft_term\":{}}}",
               "etcd: header.raft_term: not an integer");
    /* kvs and their fields. */
    refused_as(RANGE, 200, "{\"kvs\":{}}", "etcd: kvs: not an array");
    refused_as(RANGE, 200, "{\"kvs\":[1]}", "etcd: kvs[0]: not an object");
    refused_as(RANGE, 200, "{\"kvs\":[" KV_OK ",{\"value\":\"YQ==\"}]}",
               "etcd: kvs[1].key: missing");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":\"\"}]}", "etcd: kvs[0].key: empty");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":\"YQ=\"}]}", "etcd: kvs[0].key: bad base64");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":\"YR==\"}]}", "etcd: kvs[0].key: bad base64");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":5}]}", "etcd: kvs[0].key: not a string");
    refused_as(RANGE, 200, "{\"kvs\":[" KV_OK "," KV_OK ",{\"key\":\"YQ==\",\"value\":\"!!!!\"}]}",
               "etcd: kvs[2].value: bad base64");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":\"YQ==\",\"version\":\"-3\"}]}",
               "etcd: kvs[0].version: negative");
    refused_as(RANGE, 200, "{\"kvs\":[{\"key\":\"YQ==\",\"lease\":[]}]}",
               "etcd: kvs[0].lease: not an integer");
    refused_as(RANGE, 200, "{\"count\":\"x\"}", "etcd: count: not an integer");
    refused_as(RANGE, 200, "{\"more\":\"yes\"}", "etcd: more: not a boolean");
    {
        /* a page cut at its limit says so */
        static const char page[] = "{\"header\":{\"revision\":\"9\"},\"kvs\":[" KV_OK "],\"more\":true,"
                                   "\"count\":\"3\"}";
        struct etcd_resp r;
        char err[ETCD_ERR_MAX];
        assert_int_equal(etcd_resp_range(200, page, strlen(page), &r, NULL, NULL, err, sizeof(err)),
                         0);
        assert_int_equal(r.more, 1);
        assert_int_equal(r.revision, 9);
    }
    {
        /* Keys and values one byte over their limit: passed on marked
         * oversize (empty, revisions kept), not an error - one such key must
         * not make every read of the prefix fail. Still bad base64 inside
         * such a value is an error. */
        static char doc[8192], b64[2048];
        static uint8_t raw[ETCD_VAL_MAX + 1];
        struct etcd_resp r;
        char err[ETCD_ERR_MAX];
        memset(raw, 'k', sizeof(raw));
        etcd_b64_enc(b64, raw, ETCD_KEY_MAX + 1);
        snprintf(doc, sizeof(doc), "{\"kvs\":[{\"key\":\"%s\",\"create_revision\":\"4\"}," KV_OK "]}",
                 b64);
        struct seen o = {0};
        assert_int_equal(etcd_resp_range(200, doc, strlen(doc), &r, on_kv, &o, err, sizeof(err)), 0);
        assert_int_equal(o.n, 2);
        assert_int_equal(o.kv[0].oversize, 2);
        assert_int_equal(o.kv[0].key_len, 0);
        assert_int_equal(o.kv[0].create_rev, 4);
        assert_false(o.kv[1].oversize);
        etcd_b64_enc(b64, raw, ETCD_VAL_MAX + 1);
        snprintf(doc, sizeof(doc), "{\"kvs\":[{\"key\":\"YQ==\",\"value\":\"%s\"}]}", b64);
        memset(&o, 0, sizeof(o));
        assert_int_equal(etcd_resp_range(200, doc, strlen(doc), &r, on_kv, &o, err, sizeof(err)), 0);
        assert_int_equal(o.kv[0].oversize, 1);
        assert_int_equal(o.kv[0].value_len, 0);
        assert_int_equal(o.kv[0].key_len, 1); /* the key is kept */
        /* At the limits: accepted. */
        struct seen s = {0};
        char kb[400];
        etcd_b64_enc(kb, raw, ETCD_KEY_MAX);
        etcd_b64_enc(b64, raw, ETCD_VAL_MAX);
        snprintf(doc, sizeof(doc), "{\"kvs\":[{\"key\":\"%s\",\"value\":\"%s\"}]}", kb, b64);
        assert_int_equal(etcd_resp_range(200, doc, strlen(doc), &r, on_kv, &s, err, sizeof(err)),
                         0);
        assert_int_equal(s.kv[0].key_len, ETCD_KEY_MAX);
        assert_int_equal(s.kv[0].value_len, ETCD_VAL_MAX);
    }
    /* txn. */
    refused_as(TXN, 200, "{\"succeeded\":\"true\"}", "etcd: succeeded: not a boolean");
    refused_as(TXN, 200, "{\"succeeded\":1}", "etcd: succeeded: not a boolean");
    refused_as(TXN, 200, "{\"responses\":{}}", "etcd: responses: not an array");
    refused_as(TXN, 200, "{\"responses\":[[]]}", "etcd: responses[0]: not an object");
    refused_as(TXN, 200, "{\"responses\":[{\"response_range\":1}]}",
               "etcd: responses[0].response_range: not an object");
    refused_as(TXN, 200, "{\"responses\":[{\"response_range\":{\"kvs\":[" KV_OK "," KV_OK "]}}]}",
               "etcd: responses[0].response_range: more than one kv");
    refused_as(TXN, 200, "{\"responses\":[{\"response_range\":{\"kvs\":[{\"key\":\"\"}]}}]}",
               "etcd: responses[0].response_range.kvs[0].key: empty");
    refused_as(TXN, 200, "{\"succeeded\":true,\"succeeded\":false}", "duplicate member name");
    /* lease. */
    refused_as(LEASE, 200, "{\"TTL\":\"5\"}", "etcd: ID: missing");
    refused_as(LEASE, 200, "{\"result\":{\"TTL\":\"5\"}}", "etcd: result.ID: missing");
    refused_as(LEASE, 200, "{\"result\":[]}", "etcd: result: not an object");
    refused_as(LEASE, 200, "{\"ID\":\"1\",\"TTL\":\"-5\"}", "etcd: TTL: negative");
    refused_as(LEASE, 200, "{\"ID\":\"1\",\"TTL\":\"5s\"}", "etcd: TTL: not an integer");
    refused_as(LEASE, 200, "{\"result\":{\"ID\":\"1\",\"header\":{\"revision\":\"z\"}}}",
               "etcd: result.header.revision");
    /* watch. */
    refused_as(WATCH, 200, "{}", "etcd: result: missing");
    refused_as(WATCH, 200, "{\"result\":\"x\"}", "etcd: result: not an object");
    refused_as(WATCH, 200, "{\"result\":{\"created\":\"yes\"}}",
               "etcd: result.created: not a boolean");
    refused_as(WATCH, 200, "{\"result\":{\"compact_revision\":\"-2\"}}",
               "etcd: result.compact_revision: negative");
    refused_as(WATCH, 200, "{\"result\":{\"cancel_reason\":3}}",
               "etcd: result.cancel_reason: not a string");
    refused_as(WATCH, 200, "{\"result\":{\"events\":{}}}", "etcd: result.events: not an array");
    refused_as(WATCH, 200, "{\"result\":{\"events\":[{\"kv\":" KV_OK "},\"x\"]}}",
               "etcd: result.events[1]: not an object");
    refused_as(WATCH, 200, "{\"result\":{\"events\":[{\"kv\":" KV_OK "},{\"type\":\"PUT\"}]}}",
               "etcd: result.events[1].kv: missing");
    refused_as(WATCH, 200,
               "{\"result\":{\"events\":[{\"kv\":" KV_OK "},{\"type\":\"EXPIRE\",\"kv\":" KV_OK
               "}]}}",
               "etcd: result.events[1].type: not PUT or DELETE");
    refused_as(WATCH, 200, "{\"result\":{\"events\":[{\"type\":2,\"kv\":" KV_OK "}]}}",
               "etcd: result.events[0].type");
    refused_as(WATCH, 200,
               "{\"result\":{\"events\":[{\"kv\":" KV_OK "},{\"kv\":{\"key\":\"Y Q==\"}}]}}",
               "etcd: result.events[1].kv.key: bad base64");
    refused_as(WATCH, 200, "{\"result\":{\"events\":[{\"kv\":[]}]}}",
               "etcd: result.events[0].kv: not an object");
    /* members. */
    refused_as(MEMBERS, 200, "{\"members\":{}}", "etcd: members: not an array");
    refused_as(MEMBERS, 200, "{\"members\":[{\"name\":\"a\"}]}", "etcd: members[0].ID: missing");
    refused_as(MEMBERS, 200, "{\"members\":[{\"ID\":\"1\",\"name\":7}]}",
               "etcd: members[0].name: not a string");
    refused_as(MEMBERS, 200, "{\"members\":[{\"ID\":\"1\",\"name\":\"a\\u0000b\"}]}",
               "etcd: members[0].name: contains a NUL");
    refused_as(MEMBERS, 200,
               "{\"members\":[{\"ID\":\"1\",\"name\":"
               "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}",
               "etcd: members[0].name: longer than 64 bytes");
    refused_as(MEMBERS, 200, "{\"members\":[{\"ID\":\"1\",\"clientURLs\":\"http://x\"}]}",
               "etcd: clientURLs: not an array");
    refused_as(MEMBERS, 200, "{\"members\":[{\"ID\":\"1\",\"clientURLs\":[\"http://x\",5]}]}",
               "etcd: members[0].clientURLs[1]: not a string");
    refused_as(MEMBERS, 200, "{\"members\":[{\"ID\":\"1\"},{\"ID\":\"-1\"}]}",
               "etcd: members[1].ID: negative");
}

static void test_resp_lenient(void **state)
{
    struct etcd_resp r;
    struct seen s = {0};
    char err[ETCD_ERR_MAX];
    int64_t id, ttl;
    (void)state;
    /* Numbers as JSON numbers, null as the default, unknown fields of any shape,
     * escapes in names and in base64. */
    const char *doc = "{\"header\":{\"revision\":12,\"raft_term\":null,\"future\":{\"x\":[1,{}]}},"
                      "\"kvs\":[{\"k\\u0065y\":\"L3ZmL3g=\",\"value\":\"aGVsbG8A\\/"
                      "w==\",\"mod_revision\":\"7\"}],"
                      "\"more\":false,\"count\":1}";
    assert_int_equal(etcd_resp_range(200, doc, strlen(doc), &r, on_kv, &s, err, sizeof(err)), 0);
    assert_int_equal(r.revision, 12);
    assert_int_equal(s.n, 1);
    assert_memory_equal(s.kv[0].key, "/vf/x", 5);
    assert_int_equal(s.kv[0].value_len, 7);
    assert_int_equal(s.kv[0].mod_rev, 7);
    const char *l = "{\"ID\":9223372036854775807,\"TTL\":60,\"error\":\"\"}";
    assert_int_equal(etcd_resp_lease(200, l, strlen(l), &r, &id, &ttl, err, sizeof(err)), 0);
    assert_true(id == INT64_MAX);
    assert_int_equal(ttl, 60);
    /* Error text longer than err is cut, not overflowed. */
    char big[600];
    int n = snprintf(big, sizeof(big), "{\"error\":\"%0500d\",\"code\":13}", 0);
    char small[16];
    assert_int_equal(etcd_resp_plain(500, big, (size_t)n, &r, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), 15);
    assert_int_equal(etcd_resp_plain(500, big, (size_t)n, &r, NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_kv),    cmocka_unit_test(test_fixtures_lease_members),
        cmocka_unit_test(test_fixtures_watch), cmocka_unit_test(test_resp_malformed),
        cmocka_unit_test(test_resp_lenient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
