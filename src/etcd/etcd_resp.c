/*
 * etcd_resp.c - the responses to etcd_req.c's calls, checked field by field.
 *
 * Decisions:
 * - One allocation per message: the token array (as many tokens as bytes,
 *   at most ETCD_TOKENS_MAX), freed before returning.
 * - proto3 JSON: a field at its default is left out, so every field may be
 *   absent and means 0 / false / "" / empty then; null means the same.
 *   Fields we do not know are skipped (newer etcd adds some); fields we know
 *   must have their type: a 64-bit integer as a decimal string or a JSON
 *   number, in range, no sign but '-', no fraction, no exponent.
 * - Errors first: a message with an "error" member is etcd's error, in
 *   either of the gateway's forms ({"error": "...", "code": N} for a unary
 *   call, {"error": {"grpc_code": N, "message": "..."}} inside a stream),
 *   whatever the HTTP status; a status other than 200 without one is
 *   "etcd: HTTP N". etcd's text is copied with control bytes replaced.
 * - All or nothing: a message is checked whole before the first callback
 *   (the walk runs once without callbacks, then once with them), so a
 *   caller never acts on the first half of a message whose second half is
 *   malformed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd/etcd_internal.h"

#define WHERE_MAX 96

/* ---- typed readers over tokens -------------------------------------------------------- */

/* The value tokens of the named members of object o into v (0 = absent: token
 * 0 is the root, never a member's value). */
static void fields(const struct etcd_json *j, size_t o, const char *const *names, size_t *v,
                   size_t nn)
{
    for (size_t k = 0; k < nn; k++)
        v[k] = 0;
    size_t e = o + 1;
    for (uint32_t m = 0; m < j->t[o].size; m++, e = j->t[e + 1].next)
        for (size_t k = 0; k < nn; k++)
            if (etcd_json_str_eq(j, e, names[k])) v[k] = e + 1;
}

static int absent(const struct etcd_json *j, size_t v)
{
    return v == 0 || j->t[v].type == ETCD_T_NULL;
}

static int bad(char *err, size_t errcap, const char *where, const char *field, const char *why)
{
    return etcd_err(err, errcap, "etcd: %s%s%s: %s", where, *where ? "." : "", field, why);
}

/* An integer member: its text into s/n. */
static int int_text(const struct etcd_json *j, size_t v, char *buf, size_t cap, const char **s,
                    size_t *n)
{
    const struct etcd_tok *t = &j->t[v];
    if (t->type == ETCD_T_NUM) {
        *s = j->src + t->pos;
        *n = t->len;
        return 0;
    }
    if (t->type != ETCD_T_STR) return -1;
    long l = etcd_json_str(j, v, buf, cap);
    if (l < 0) l = (long)cap; /* too long for any int64: the parser says so */
    *s = buf;
    *n = (size_t)l;
    return 0;
}

static int get_i64(const struct etcd_json *j, size_t v, int64_t *out, const char *where,
                   const char *field, char *err, size_t errcap)
{
    char buf[24];
    const char *s, *why;
    size_t n;
    *out = 0;
    if (absent(j, v)) return 0;
    if (int_text(j, v, buf, sizeof(buf), &s, &n) < 0)
        return bad(err, errcap, where, field, "not an integer");
    if (etcd_int64(s, n, out, &why) < 0) return bad(err, errcap, where, field, why);
    if (*out < 0) return bad(err, errcap, where, field, "negative");
    return 0;
}

static int get_u64(const struct etcd_json *j, size_t v, uint64_t *out, const char *where,
                   const char *field, char *err, size_t errcap)
{
    char buf[24];
    const char *s, *why;
    size_t n;
    *out = 0;
    if (absent(j, v)) return 0;
    if (int_text(j, v, buf, sizeof(buf), &s, &n) < 0)
        return bad(err, errcap, where, field, "not an integer");
    if (etcd_uint64(s, n, out, &why) < 0) return bad(err, errcap, where, field, why);
    return 0;
}

static int get_bool(const struct etcd_json *j, size_t v, int *out, const char *where,
                    const char *field, char *err, size_t errcap)
{
    *out = 0;
    if (absent(j, v) || j->t[v].type == ETCD_T_FALSE) return 0;
    if (j->t[v].type != ETCD_T_TRUE) return bad(err, errcap, where, field, "not a boolean");
    *out = 1;
    return 0;
}

/* A string member into dst (max bytes + NUL); no NUL inside. */
static int get_str(const struct etcd_json *j, size_t v, char *dst, size_t max, const char *where,
                   const char *field, char *err, size_t errcap)
{
    dst[0] = '\0';
    if (absent(j, v)) return 0;
    if (j->t[v].type != ETCD_T_STR) return bad(err, errcap, where, field, "not a string");
    long l = etcd_json_str(j, v, dst, max);
    if (l < 0) {
        char why[48];
        snprintf(why, sizeof(why), "longer than %zu bytes", max);
        dst[0] = '\0';
        return bad(err, errcap, where, field, why);
    }
    if (memchr(dst, '\0', (size_t)l)) {
        dst[0] = '\0';
        return bad(err, errcap, where, field, "contains a NUL byte");
    }
    dst[l] = '\0';
    return 0;
}

/* etcd's own text (an error message, a cancel reason): truncated, control bytes as '?'. */
static void copy_text(const struct etcd_json *j, size_t v, char *dst, size_t cap)
{
    char tmp[ETCD_ERR_MAX];
    long l = etcd_json_str(j, v, tmp, sizeof(tmp) - 1);
    if (l < 0) l = (long)sizeof(tmp) - 1; /* only the first part: str fills tmp before failing */
    for (long k = 0; k < l; k++)
        if ((unsigned char)tmp[k] < 0x20 || tmp[k] == 0x7f) tmp[k] = '?';
    tmp[l] = '\0';
    snprintf(dst, cap, "%s", tmp);
}

/* A base64 member: decoded into dst (cap bytes), length in *n, at least min.
 * 1 (not an error) when it is valid but decodes to more than cap bytes. */
static int get_b64(const struct etcd_json *j, size_t v, uint8_t *dst, size_t cap, size_t min,
                   size_t *n, const char *where, const char *field, char *err, size_t errcap)
{
    char txt[4 * ((ETCD_VAL_MAX + 2) / 3) + 4];
    size_t tcap = 4 * ((cap + 2) / 3);
    *n = 0;
    if (absent(j, v)) {
        if (min) return bad(err, errcap, where, field, "missing");
        return 0;
    }
    if (j->t[v].type != ETCD_T_STR) return bad(err, errcap, where, field, "not a string");
    long l = etcd_json_str(j, v, txt, tcap);
    if (l < 0) return 1; /* longer than cap can be as base64 */
    if (l % 4 == 0 && l > 0) {
        size_t pad = (txt[l - 1] == '=') + (txt[l - 2] == '=');
        if ((size_t)l / 4 * 3 - pad > cap) return 1;
    }
    int d = etcd_b64_dec(dst, cap, txt, (size_t)l);
    if (d < 0) return bad(err, errcap, where, field, "bad base64");
    if ((size_t)d < min) return bad(err, errcap, where, field, "empty");
    *n = (size_t)d;
    return 0;
}

/* ---- the parts every response has ----------------------------------------------------- */

/* An "error" member's message (either form): -1 with err set, 0 if none. */
static int etcd_error(const struct etcd_json *j, size_t root, char *err, size_t errcap)
{
    static const char *const top[] = {"error", "message", "code"};
    static const char *const inner[] = {"message", "grpc_code"};
    size_t v[3], w[2];
    char msg[ETCD_ERR_MAX] = "";
    int64_t code = 0;
    int have_code = 0;
    fields(j, root, top, v, 3);
    if (absent(j, v[0])) return 0;
    const struct etcd_tok *e = &j->t[v[0]];
    if (e->type == ETCD_T_OBJ) { /* the stream form */
        fields(j, v[0], inner, w, 2);
        if (!absent(j, w[0]) && j->t[w[0]].type == ETCD_T_STR) copy_text(j, w[0], msg, sizeof(msg));
        have_code = !absent(j, w[1]) && get_i64(j, w[1], &code, "", "", NULL, 0) == 0;
    } else if (e->type == ETCD_T_STR) {
        if (e->len == 0) return 0; /* proto3's default: no error */
        size_t m = !absent(j, v[1]) && j->t[v[1]].type == ETCD_T_STR ? v[1] : v[0];
        copy_text(j, m, msg, sizeof(msg));
        have_code = !absent(j, v[2]) && get_i64(j, v[2], &code, "", "", NULL, 0) == 0;
    } else {
        return etcd_err(err, errcap, "etcd: error: not a string or an object");
    }
    if (!msg[0]) snprintf(msg, sizeof(msg), "error without a message");
    if (have_code) return etcd_err(err, errcap, "etcd: %s (code %lld)", msg, (long long)code);
    return etcd_err(err, errcap, "etcd: %s", msg);
}

/* Tokenize the message and check what is common: an object, not an error,
 * status 200. On 0 the caller frees j->t. */
static int begin(int status, const char *json, size_t len, struct etcd_json *j, char *err,
                 size_t errcap)
{
    char why[ETCD_ERR_MAX];
    j->cap = len < ETCD_TOKENS_MAX ? len + 1 : ETCD_TOKENS_MAX;
    j->t = malloc(j->cap * sizeof(*j->t));
    if (!j->t) return etcd_err(err, errcap, "etcd: out of memory");
    int rc = etcd_json_parse(j, json, len, why, sizeof(why));
    /* An error body says more than the status; the status is all there is otherwise. */
    if (rc < 0)
        status != 200 ? etcd_err(err, errcap, "etcd: HTTP %d", status)
                      : etcd_err(err, errcap, "etcd: %s", why);
    else if (j->t[0].type != ETCD_T_OBJ)
        rc = status != 200 ? etcd_err(err, errcap, "etcd: HTTP %d", status)
                           : etcd_err(err, errcap, "etcd: message is not a JSON object");
    else if ((rc = etcd_error(j, 0, err, errcap)) == 0 && status != 200)
        rc = etcd_err(err, errcap, "etcd: HTTP %d", status);
    if (rc < 0) {
        free(j->t);
        j->t = NULL;
    }
    return rc;
}

static int header(const struct etcd_json *j, size_t obj, struct etcd_resp *r, const char *where,
                  char *err, size_t errcap)
{
    static const char *const names[] = {"header"};
    static const char *const hn[] = {"revision", "raft_term", "member_id", "cluster_id"};
    size_t v, w[4];
    uint64_t cluster;
    char at[WHERE_MAX];
    memset(r, 0, sizeof(*r));
    fields(j, obj, names, &v, 1);
    if (absent(j, v)) return 0;
    snprintf(at, sizeof(at), "%s%sheader", where, *where ? "." : "");
    if (j->t[v].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
    fields(j, v, hn, w, 4);
    if (get_i64(j, w[0], &r->revision, at, "revision", err, errcap) < 0 ||
        get_i64(j, w[1], &r->raft_term, at, "raft_term", err, errcap) < 0 ||
        get_u64(j, w[2], &r->member_id, at, "member_id", err, errcap) < 0 ||
        get_u64(j, w[3], &cluster, at, "cluster_id", err, errcap) < 0)
        return -1;
    return 0;
}

/* One mvccpb.KeyValue object. */
static int kv_dec(const struct etcd_json *j, size_t v, struct etcd_kv *kv, const char *at,
                  char *err, size_t errcap)
{
    static const char *const names[] = {"key",          "value",   "create_revision",
                                        "mod_revision", "version", "lease"};
    size_t w[6];
    if (j->t[v].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
    fields(j, v, names, w, 6);
    int kbig = get_b64(j, w[0], kv->key, ETCD_KEY_MAX, 1, &kv->key_len, at, "key", err, errcap);
    int vbig = kbig < 0 ? 0
                        : get_b64(j, w[1], kv->value, ETCD_VAL_MAX, 0, &kv->value_len, at, "value",
                                  err, errcap);
    if (kbig < 0 || vbig < 0) return -1;
    kv->oversize = kbig ? 2 : vbig ? 1 : 0;
    if (kbig) kv->key_len = 0;
    if (kv->oversize) kv->value_len = 0;
    if (get_i64(j, w[2], &kv->create_rev, at, "create_revision", err, errcap) < 0 ||
        get_i64(j, w[3], &kv->mod_rev, at, "mod_revision", err, errcap) < 0 ||
        get_i64(j, w[4], &kv->version, at, "version", err, errcap) < 0 ||
        get_i64(j, w[5], &kv->lease, at, "lease", err, errcap) < 0)
        return -1;
    return 0;
}

/* An array member (absent = empty): its token, or -1 with err. */
static int array(const struct etcd_json *j, size_t v, const char *at, char *err, size_t errcap)
{
    if (absent(j, v)) return 0;
    if (j->t[v].type != ETCD_T_ARR) return etcd_err(err, errcap, "etcd: %s: not an array", at);
    return 0;
}

/* The kvs array at v: each to fn (when fn), the count in *count. */
static int kvs(const struct etcd_json *j, size_t v, const char *where, etcd_kv_fn *fn, void *ctx,
               size_t *count, char *err, size_t errcap)
{
    char at[WHERE_MAX];
    struct etcd_kv kv;
    snprintf(at, sizeof(at), "%s%skvs", where, *where ? "." : "");
    if (array(j, v, at, err, errcap) < 0) return -1;
    if (absent(j, v)) return 0;
    size_t e = v + 1;
    for (uint32_t k = 0; k < j->t[v].size; k++, e = j->t[e].next) {
        snprintf(at, sizeof(at), "%s%skvs[%u]", where, *where ? "." : "", k);
        if (kv_dec(j, e, &kv, at, err, errcap) < 0) return -1;
        (*count)++;
        if (fn) {
            int rc = fn(ctx, ETCD_EV_PUT, &kv);
            if (rc) return rc;
        }
    }
    return 0;
}

/* ---- the decoders -------------------------------------------------------------------- */

int etcd_resp_plain(int status, const char *json, size_t len, struct etcd_resp *r, char *err,
                    size_t errcap)
{
    struct etcd_json j;
    memset(r, 0, sizeof(*r));
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    int rc = header(&j, 0, r, "", err, errcap);
    free(j.t);
    return rc;
}

static int range_walk(const struct etcd_json *j, struct etcd_resp *r, etcd_kv_fn *fn, void *ctx,
                      char *err, size_t errcap)
{
    static const char *const names[] = {"kvs", "count", "more"};
    size_t v[3], n = 0;
    int64_t count;
    if (header(j, 0, r, "", err, errcap) < 0) return -1;
    fields(j, 0, names, v, 3);
    if (get_i64(j, v[1], &count, "", "count", err, errcap) < 0 ||
        get_bool(j, v[2], &r->more, "", "more", err, errcap) < 0)
        return -1;
    return kvs(j, v[0], "", fn, ctx, &n, err, errcap);
}

int etcd_resp_range(int status, const char *json, size_t len, struct etcd_resp *r, etcd_kv_fn *fn,
                    void *ctx, char *err, size_t errcap)
{
    struct etcd_json j;
    memset(r, 0, sizeof(*r));
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    int rc = range_walk(&j, r, NULL, NULL, err, errcap);
    if (rc == 0 && fn) rc = range_walk(&j, r, fn, ctx, err, errcap);
    free(j.t);
    return rc;
}

static int txn_walk(const struct etcd_json *j, struct etcd_resp *r, int *succeeded, etcd_kv_fn *fn,
                    void *ctx, char *err, size_t errcap)
{
    static const char *const names[] = {"succeeded", "responses"};
    static const char *const ops[] = {"response_range"};
    static const char *const rr[] = {"kvs"};
    size_t v[2], w, x, n = 0;
    char at[WHERE_MAX];
    if (header(j, 0, r, "", err, errcap) < 0) return -1;
    fields(j, 0, names, v, 2);
    if (get_bool(j, v[0], succeeded, "", "succeeded", err, errcap) < 0) return -1;
    if (array(j, v[1], "responses", err, errcap) < 0) return -1;
    if (*succeeded || absent(j, v[1])) return 0; /* what a success did is not needed */
    size_t e = v[1] + 1;
    for (uint32_t k = 0; k < j->t[v[1]].size; k++, e = j->t[e].next) {
        snprintf(at, sizeof(at), "responses[%u]", k);
        if (j->t[e].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
        fields(j, e, ops, &w, 1);
        if (absent(j, w)) continue;
        snprintf(at, sizeof(at), "responses[%u].response_range", k);
        if (j->t[w].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
        fields(j, w, rr, &x, 1);
        int rc = kvs(j, x, at, fn, ctx, &n, err, errcap);
        if (rc) return rc;
        if (n > 1) return etcd_err(err, errcap, "etcd: %s: more than one kv for one key", at);
    }
    return 0;
}

int etcd_resp_txn(int status, const char *json, size_t len, struct etcd_resp *r, int *succeeded,
                  etcd_kv_fn *fn, void *ctx, char *err, size_t errcap)
{
    struct etcd_json j;
    int ok = 0;
    memset(r, 0, sizeof(*r));
    *succeeded = 0;
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    int rc = txn_walk(&j, r, &ok, NULL, NULL, err, errcap);
    if (rc == 0 && fn) rc = txn_walk(&j, r, &ok, fn, ctx, err, errcap);
    free(j.t);
    if (rc == 0) *succeeded = ok;
    return rc;
}

int etcd_resp_lease(int status, const char *json, size_t len, struct etcd_resp *r, int64_t *id,
                    int64_t *ttl, char *err, size_t errcap)
{
    static const char *const outer[] = {"result"};
    static const char *const names[] = {"ID", "TTL"};
    struct etcd_json j;
    size_t o, v[2];
    int64_t i = 0, t = 0;
    memset(r, 0, sizeof(*r));
    *id = *ttl = 0;
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    fields(&j, 0, outer, &o, 1);
    const char *where = absent(&j, o) ? "" : "result";
    int rc = 0;
    if (absent(&j, o))
        o = 0;
    else if (j.t[o].type != ETCD_T_OBJ)
        rc = etcd_err(err, errcap, "etcd: result: not an object");
    if (rc == 0) {
        fields(&j, o, names, v, 2);
        if (header(&j, o, r, where, err, errcap) < 0 ||
            get_i64(&j, v[0], &i, where, "ID", err, errcap) < 0 ||
            get_i64(&j, v[1], &t, where, "TTL", err, errcap) < 0)
            rc = -1;
        else if (i == 0)
            rc = bad(err, errcap, where, "ID", "missing");
    }
    free(j.t);
    if (rc == 0) {
        *id = i;
        *ttl = t;
    }
    return rc;
}

static int event_type(const struct etcd_json *j, size_t v, int *type, const char *at, char *err,
                      size_t errcap)
{
    *type = ETCD_EV_PUT;
    if (absent(j, v) || etcd_json_str_eq(j, v, "PUT")) return 0;
    if (j->t[v].type == ETCD_T_STR && etcd_json_str_eq(j, v, "DELETE")) {
        *type = ETCD_EV_DELETE;
        return 0;
    }
    if (j->t[v].type == ETCD_T_NUM && j->t[v].len == 1 &&
        (j->src[j->t[v].pos] == '0' || j->src[j->t[v].pos] == '1')) {
        *type = j->src[j->t[v].pos] - '0'; /* the enum's number is valid proto3 JSON too */
        return 0;
    }
    return bad(err, errcap, at, "type", "not PUT or DELETE");
}

static int watch_walk(const struct etcd_json *j, size_t o, struct etcd_resp *r,
                      struct etcd_watch *w, etcd_kv_fn *fn, void *ctx, char *err, size_t errcap)
{
    static const char *const names[] = {"watch_id",         "created",       "canceled",
                                        "compact_revision", "cancel_reason", "events"};
    static const char *const en[] = {"type", "kv"};
    size_t v[6], x[2];
    char at[WHERE_MAX];
    struct etcd_kv kv;
    memset(w, 0, sizeof(*w));
    if (header(j, o, r, "result", err, errcap) < 0) return -1;
    fields(j, o, names, v, 6);
    if (get_i64(j, v[0], &w->watch_id, "result", "watch_id", err, errcap) < 0 ||
        get_bool(j, v[1], &w->created, "result", "created", err, errcap) < 0 ||
        get_bool(j, v[2], &w->canceled, "result", "canceled", err, errcap) < 0 ||
        get_i64(j, v[3], &w->compact_revision, "result", "compact_revision", err, errcap) < 0 ||
        array(j, v[5], "result.events", err, errcap) < 0)
        return -1;
    if (!absent(j, v[4])) {
        if (j->t[v[4]].type != ETCD_T_STR)
            return bad(err, errcap, "result", "cancel_reason", "not a string");
        copy_text(j, v[4], w->cancel_reason, sizeof(w->cancel_reason));
    }
    if (absent(j, v[5])) return 0;
    size_t e = v[5] + 1;
    for (uint32_t k = 0; k < j->t[v[5]].size; k++, e = j->t[e].next) {
        int type;
        snprintf(at, sizeof(at), "result.events[%u]", k);
        if (j->t[e].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
        fields(j, e, en, x, 2);
        if (event_type(j, x[0], &type, at, err, errcap) < 0) return -1;
        if (absent(j, x[1])) return bad(err, errcap, at, "kv", "missing");
        snprintf(at, sizeof(at), "result.events[%u].kv", k);
        if (kv_dec(j, x[1], &kv, at, err, errcap) < 0) return -1;
        if (fn) {
            int rc = fn(ctx, type, &kv);
            if (rc) return rc;
        }
    }
    return 0;
}

int etcd_resp_watch(int status, const char *json, size_t len, struct etcd_resp *r,
                    struct etcd_watch *w, etcd_kv_fn *fn, void *ctx, char *err, size_t errcap)
{
    static const char *const outer[] = {"result"};
    struct etcd_json j;
    size_t o;
    memset(r, 0, sizeof(*r));
    memset(w, 0, sizeof(*w));
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    fields(&j, 0, outer, &o, 1);
    int rc;
    if (absent(&j, o))
        rc = etcd_err(err, errcap, "etcd: result: missing");
    else if (j.t[o].type != ETCD_T_OBJ)
        rc = etcd_err(err, errcap, "etcd: result: not an object");
    else
        rc = watch_walk(&j, o, r, w, NULL, NULL, err, errcap);
    if (rc == 0 && fn) rc = watch_walk(&j, o, r, w, fn, ctx, err, errcap);
    free(j.t);
    if (rc) memset(w, 0, sizeof(*w));
    return rc;
}

static int member_walk(const struct etcd_json *j, struct etcd_resp *r, etcd_member_fn *fn,
                       void *ctx, char *err, size_t errcap)
{
    static const char *const names[] = {"members"};
    static const char *const mn[] = {"ID", "name", "clientURLs"};
    size_t v, x[3];
    char at[WHERE_MAX];
    struct etcd_member m;
    if (header(j, 0, r, "", err, errcap) < 0) return -1;
    fields(j, 0, names, &v, 1);
    if (array(j, v, "members", err, errcap) < 0) return -1;
    if (absent(j, v)) return 0;
    size_t e = v + 1;
    for (uint32_t k = 0; k < j->t[v].size; k++, e = j->t[e].next) {
        snprintf(at, sizeof(at), "members[%u]", k);
        if (j->t[e].type != ETCD_T_OBJ) return etcd_err(err, errcap, "etcd: %s: not an object", at);
        fields(j, e, mn, x, 3);
        memset(&m, 0, sizeof(m));
        if (get_u64(j, x[0], &m.id, at, "ID", err, errcap) < 0 ||
            get_str(j, x[1], m.name, ETCD_NAME_MAX, at, "name", err, errcap) < 0 ||
            array(j, x[2], "clientURLs", err, errcap) < 0)
            return -1;
        if (m.id == 0) return bad(err, errcap, at, "ID", "missing");
        if (!absent(j, x[2])) {
            size_t u = x[2] + 1;
            for (uint32_t l = 0; l < j->t[x[2]].size; l++, u = j->t[u].next) {
                char url[ETCD_URL_MAX + 1], uat[WHERE_MAX + 32];
                snprintf(uat, sizeof(uat), "%s.clientURLs[%u]", at, l);
                if (absent(j, u)) return bad(err, errcap, "", uat, "not a string");
                if (get_str(j, u, l == 0 ? m.client_url : url, ETCD_URL_MAX, "", uat, err, errcap) <
                    0)
                    return -1;
            }
        }
        if (fn) {
            int rc = fn(ctx, &m);
            if (rc) return rc;
        }
    }
    return 0;
}

int etcd_resp_members(int status, const char *json, size_t len, struct etcd_resp *r,
                      etcd_member_fn *fn, void *ctx, char *err, size_t errcap)
{
    struct etcd_json j;
    memset(r, 0, sizeof(*r));
    if (begin(status, json, len, &j, err, errcap) < 0) return -1;
    int rc = member_walk(&j, r, NULL, NULL, err, errcap);
    if (rc == 0 && fn) rc = member_walk(&j, r, fn, ctx, err, errcap);
    free(j.t);
    return rc;
}
