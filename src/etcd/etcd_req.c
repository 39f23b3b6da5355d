/*
 * etcd_req.c - the JSON bodies of the calls the cluster domain makes.
 *
 * Decisions:
 * - 64-bit integers go out as decimal strings, as proto3 JSON writes them
 *   (the gateway takes numbers too, but a string never loses precision).
 * - Arguments are checked before anything is written: a key of 0 or more
 *   than ETCD_KEY_MAX bytes, a value over ETCD_VAL_MAX, a TTL below 1, a
 *   lease or revision that cannot be one (negative; 0 where 0 would change
 *   the meaning, e.g. delete_if rev 0) is -1, as is a body that does not fit.
 * - A prefix's range_end is etcd's "prefix end": the key without its
 *   trailing 0xff bytes, last byte + 1. A key of only 0xff bytes has no
 *   such end: range_end "\0" (base64 "AA==") means every key from key on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "etcd/etcd.h"

/* An appender: once over, stays over. */
struct out {
    char *d;
    size_t cap, n;
    int over;
};

static void put_s(struct out *o, const char *s)
{
    size_t l = strlen(s);
    if (o->over || o->cap - o->n <= l) {
        o->over = 1;
        return;
    }
    memcpy(o->d + o->n, s, l + 1);
    o->n += l;
}

static void put_i(struct out *o, int64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "\"%" PRId64 "\"", v);
    put_s(o, b);
}

/* "name":"BASE64" */
static void put_b64(struct out *o, const char *name, const void *p, size_t n)
{
    char b[4 * ((ETCD_VAL_MAX + 2) / 3) + 1];
    put_s(o, "\"");
    put_s(o, name);
    put_s(o, "\":\"");
    etcd_b64_enc(b, p, n);
    put_s(o, b);
    put_s(o, "\"");
}

static int done(struct out *o)
{
    return o->over ? -1 : (int)o->n;
}

static int key_ok(const void *key, size_t klen)
{
    return key && klen >= 1 && klen <= ETCD_KEY_MAX;
}

static int val_ok(const void *val, size_t vlen)
{
    return vlen <= ETCD_VAL_MAX && (val || vlen == 0);
}

/* The range_end of a prefix into end (ETCD_KEY_MAX bytes): its length. */
static size_t prefix_end(uint8_t *end, const void *key, size_t klen)
{
    size_t n = klen;
    memcpy(end, key, klen);
    while (n > 0 && end[n - 1] == 0xff)
        n--;
    if (n == 0) {
        end[0] = 0;
        return 1;
    }
    end[n - 1]++;
    return n;
}

static void put_key_range(struct out *o, const void *key, size_t klen, int prefix)
{
    put_b64(o, "key", key, klen);
    if (prefix) {
        uint8_t end[ETCD_KEY_MAX];
        size_t n = prefix_end(end, key, klen);
        put_s(o, ",");
        put_b64(o, "range_end", end, n);
    }
}

int etcd_req_lease_grant(char *dst, size_t cap, int64_t ttl)
{
    struct out o = {dst, cap, 0, 0};
    if (ttl < 1) return -1;
    put_s(&o, "{\"TTL\":");
    put_i(&o, ttl);
    put_s(&o, "}");
    return done(&o);
}

int etcd_req_lease_id(char *dst, size_t cap, int64_t id)
{
    struct out o = {dst, cap, 0, 0};
    if (id < 1) return -1;
    put_s(&o, "{\"ID\":");
    put_i(&o, id);
    put_s(&o, "}");
    return done(&o);
}

/* A PutRequest's members: key, value, and the lease when there is one. */
static void put_kv(struct out *o, const void *key, size_t klen, const void *val, size_t vlen,
                   int64_t lease)
{
    put_b64(o, "key", key, klen);
    put_s(o, ",");
    put_b64(o, "value", val, vlen);
    if (lease > 0) {
        put_s(o, ",\"lease\":");
        put_i(o, lease);
    }
}

int etcd_req_put(char *dst, size_t cap, const void *key, size_t klen, const void *val, size_t vlen,
                 int64_t lease)
{
    struct out o = {dst, cap, 0, 0};
    if (!key_ok(key, klen) || !val_ok(val, vlen) || lease < 0) return -1;
    put_s(&o, "{");
    put_kv(&o, key, klen, val, vlen, lease);
    put_s(&o, "}");
    return done(&o);
}

int etcd_req_range(char *dst, size_t cap, const void *key, size_t klen, int prefix)
{
    struct out o = {dst, cap, 0, 0};
    if (!key_ok(key, klen)) return -1;
    put_s(&o, "{");
    put_key_range(&o, key, klen, prefix);
    put_s(&o, "}");
    return done(&o);
}

int etcd_req_range_page(char *dst, size_t cap, const void *start, size_t slen,
                        const void *prefix, size_t plen, int64_t rev, int64_t limit)
{
    struct out o = {dst, cap, 0, 0};
    uint8_t end[ETCD_KEY_MAX];
    if (!key_ok(start, slen) || !key_ok(prefix, plen) || rev < 0 || limit < 1) return -1;
    /* the start must lie inside the prefix */
    if (slen < plen || memcmp(start, prefix, plen) != 0) return -1;
    size_t n = prefix_end(end, prefix, plen);
    put_s(&o, "{");
    put_b64(&o, "key", start, slen);
    put_s(&o, ",");
    put_b64(&o, "range_end", end, n);
    put_s(&o, ",\"limit\":");
    put_i(&o, limit);
    if (rev > 0) {
        put_s(&o, ",\"revision\":");
        put_i(&o, rev);
    }
    put_s(&o, "}");
    return done(&o);
}

/* A put that happens only if the key's create_revision is rev (0: the key
 * does not exist), else a read of the key: the election's one step. */
static int put_if(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                  size_t vlen, int64_t lease, int64_t rev)
{
    struct out o = {dst, cap, 0, 0};
    if (!key_ok(key, klen) || !val_ok(val, vlen) || lease < 0 || rev < 0) return -1;
    put_s(&o, "{\"compare\":[{\"target\":\"CREATE\",");
    put_b64(&o, "key", key, klen);
    put_s(&o, ",\"create_revision\":");
    put_i(&o, rev);
    put_s(&o, "}],\"success\":[{\"request_put\":{");
    put_kv(&o, key, klen, val, vlen, lease);
    put_s(&o, "}}],\"failure\":[{\"request_range\":{");
    put_b64(&o, "key", key, klen);
    put_s(&o, "}}]}");
    return done(&o);
}

int etcd_req_create(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t lease)
{
    /* create_revision 0 in the compare: "the key does not exist". */
    return put_if(dst, cap, key, klen, val, vlen, lease, 0);
}

int etcd_req_put_if(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t lease, int64_t rev)
{
    return rev < 1 ? -1 : put_if(dst, cap, key, klen, val, vlen, lease, rev);
}

int etcd_req_delete_if(char *dst, size_t cap, const void *key, size_t klen, int64_t rev)
{
    struct out o = {dst, cap, 0, 0};
    if (!key_ok(key, klen) || rev < 1) return -1;
    put_s(&o, "{\"compare\":[{\"target\":\"CREATE\",");
    put_b64(&o, "key", key, klen);
    put_s(&o, ",\"create_revision\":");
    put_i(&o, rev);
    put_s(&o, "}],\"success\":[{\"request_delete_range\":{");
    put_b64(&o, "key", key, klen);
    put_s(&o, "}}]}");
    return done(&o);
}

int etcd_req_watch(char *dst, size_t cap, const void *key, size_t klen, int64_t start_rev)
{
    struct out o = {dst, cap, 0, 0};
    if (!key_ok(key, klen) || start_rev < 0) return -1;
    put_s(&o, "{\"create_request\":{");
    put_key_range(&o, key, klen, 1);
    if (start_rev > 0) {
        put_s(&o, ",\"start_revision\":");
        put_i(&o, start_rev);
    }
    put_s(&o, "}}");
    return done(&o);
}
