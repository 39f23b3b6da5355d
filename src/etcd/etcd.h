/*
 * etcd.h - a small client-side codec for etcd's v3 API through its JSON
 * gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/txn, /v3/lease/grant,
 * /v3/watch ...; keys and values base64, 64-bit integers as decimal
 * strings, fields at their default value left out). Pure: no sockets, no
 * allocation behind the caller's back beyond the parser it returns; the
 * cluster domain (src/domain/dom_cluster*.c) moves the bytes.
 *
 *   etcd_http.c   HTTP/1.1 requests out, responses in (Content-Length or
 *                 chunked), split into JSON messages (a watch is one long
 *                 chunked response carrying one JSON object per event batch)
 *   etcd_json.c   a bounded JSON tokenizer over one message
 *   etcd_b64.c    strict base64
 *   etcd_req.c    request bodies of the calls the cluster domain makes
 *   etcd_resp.c   their responses, checked field by field
 *
 * Everything here parses bytes from the network (an etcd member, or whatever
 * answers at its address): every limit is explicit, every failure is a
 * reason string naming what was wrong, and nothing read past a failure is
 * used. tests/unit/test_etcd_*.c, tests/fuzz/fuzz_etcd.c.
 */
#ifndef VF_ETCD_H
#define VF_ETCD_H

#include <stddef.h>
#include <stdint.h>

#define ETCD_ERR_MAX    200
#define ETCD_KEY_MAX    256          /* bytes of a key (decoded) */
#define ETCD_VAL_MAX    1024         /* bytes of a value (decoded) */
#define ETCD_MSG_MAX    (1u << 20)   /* one JSON message (a range of every key) */
#define ETCD_HDRS_MAX   8192         /* the status line and headers */
#define ETCD_TOKENS_MAX 65536        /* JSON tokens of one message */
#define ETCD_DEPTH_MAX  16           /* JSON nesting */
#define ETCD_NAME_MAX   64           /* a member's name */
#define ETCD_URL_MAX    128          /* a member's first client URL */

/* ---- base64 (etcd_b64.c) ------------------------------------------------------ */

/* Standard alphabet with padding. enc: dst cap >= 4 * ((n + 2) / 3) + 1,
 * NUL-terminated, returns its length. dec: strict (padding required, no
 * whitespace, no bits left in the last symbol); returns decoded length or -1
 * when invalid or longer than cap. */
size_t etcd_b64_enc(char *dst, const void *src, size_t n);
int etcd_b64_dec(void *dst, size_t cap, const char *src, size_t n);

/* ---- HTTP (etcd_http.c) ------------------------------------------------------- */

/* One request: "POST PATH HTTP/1.1", Host, Content-Type: application/json,
 * Content-Length, then body. Returns bytes written, or -1 when it does not
 * fit cap. */
int etcd_http_request(char *dst, size_t cap, const char *host, const char *path,
                      const char *body, size_t body_len);

/* Incremental response reader for one connection: responses one after the
 * other (keep-alive), each with Content-Length or chunked transfer coding.
 * stream = 0: each response's body is one message. stream = 1 (a watch):
 * the body is a sequence of JSON values, each one a message as soon as it
 * is complete. */
struct etcd_http;
struct etcd_http *etcd_http_new(int stream); /* NULL: out of memory */
void etcd_http_free(struct etcd_http *h);
/* Bytes from the socket. 0, or -1 with the reason (bad status line, header
 * too long, bad chunk size, message over ETCD_MSG_MAX, bytes after the end
 * of a stream...). After -1 the connection is beyond use. */
int etcd_http_feed(struct etcd_http *h, const void *p, size_t n, char *err, size_t errcap);
/* The next complete message: 1 with *status (the HTTP status of its
 * response) and the JSON text (valid until the next feed or take), 0 when
 * none is complete yet. Order is the order on the wire. */
int etcd_http_take(struct etcd_http *h, int *status, const char **json, size_t *len);
/* The peer closed the connection: -1 with the reason when that cut a
 * response short, else 0. */
int etcd_http_eof(struct etcd_http *h, char *err, size_t errcap);

/* ---- request bodies (etcd_req.c) ---------------------------------------------- *
 * JSON bodies for the gateway, into dst (cap bytes); -1 when it does not fit
 * or a key/value is over its limit. Keys are raw bytes (1..ETCD_KEY_MAX),
 * values 0..ETCD_VAL_MAX; they are base64-encoded here. The path to POST
 * to is in the comment. */

/* /v3/lease/grant {"TTL": ttl} */
int etcd_req_lease_grant(char *dst, size_t cap, int64_t ttl);
/* /v3/lease/keepalive {"ID": id} ; /v3/lease/revoke the same */
int etcd_req_lease_id(char *dst, size_t cap, int64_t id);
/* /v3/kv/put: lease 0 = none */
int etcd_req_put(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                 size_t vlen, int64_t lease);
/* /v3/kv/range and /v3/kv/deleterange: prefix = 1 covers every key that
 * starts with key (range_end = key with its last byte + 1). */
int etcd_req_range(char *dst, size_t cap, const void *key, size_t klen, int prefix);
/* /v3/kv/range, one page of a prefix read: the keys from start (inclusive)
 * up to the end of prefix, at most limit (>= 1) of them, as of revision rev
 * (0: the latest; a later page passes the first page's header.revision, so
 * all pages show one moment). The response's `more` says whether to ask for
 * the next page, from the last key + "\0". Pages keep every answer far below
 * ETCD_MSG_MAX however many keys the prefix holds. */
int etcd_req_range_page(char *dst, size_t cap, const void *start, size_t slen,
                        const void *prefix, size_t plen, int64_t rev, int64_t limit);
/* /v3/kv/txn: create key = val with lease if the key does not exist
 * (create_revision == 0), else read it. The election of one switch's master. */
int etcd_req_create(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t lease);
/* /v3/kv/txn: put key = val with lease if its create_revision is still rev
 * (>= 1), else read it: an instance taking back, without a gap, the key an
 * earlier incarnation of itself created (a put keeps create_revision). */
int etcd_req_put_if(char *dst, size_t cap, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t lease, int64_t rev);
/* /v3/kv/txn: delete key if its create_revision is still rev (giving up
 * what we created, never what someone created after us). */
int etcd_req_delete_if(char *dst, size_t cap, const void *key, size_t klen, int64_t rev);
/* /v3/watch: {"create_request": {key, range_end (prefix), start_revision}} */
int etcd_req_watch(char *dst, size_t cap, const void *key, size_t klen, int64_t start_rev);
/* /v3/cluster/member/list: "{}" */

/* ---- responses (etcd_resp.c) -------------------------------------------------- */

struct etcd_kv {
    uint8_t key[ETCD_KEY_MAX];
    size_t key_len;
    uint8_t value[ETCD_VAL_MAX];
    size_t value_len;
    int64_t create_rev, mod_rev, version, lease;
    /* Well-formed, just bigger than anything visorflow writes: 1, the value
     * is longer than ETCD_VAL_MAX (value_len 0, the key is there); 2, the key
     * is longer than ETCD_KEY_MAX (key_len and value_len 0). The revisions
     * are filled. Not an error, so that one such key under the prefix -
     * written by anyone with access to etcd - cannot make every range and
     * watch that covers it fail for ever; the caller skips it. */
    int oversize;
};

enum etcd_ev_type { ETCD_EV_PUT = 0, ETCD_EV_DELETE = 1 };

/* Called per kv of a range / txn failure branch (type ETCD_EV_PUT), and per
 * event of a watch message; non-zero stops the decoding with that value
 * returned. */
typedef int etcd_kv_fn(void *ctx, int type, const struct etcd_kv *kv);

struct etcd_resp {
    int64_t revision;  /* header.revision (0 when absent) */
    int64_t raft_term; /* header.raft_term */
    uint64_t member_id;
    int more; /* a range cut at its limit: more keys follow (etcd_req_range_page) */
};

/* Every decoder takes one message (json, len) and its HTTP status. A
 * response that is an error, {"error": "...", "code": N} (unary) or
 * {"error": {"grpc_code": N, "message": "..."}} (stream), or a status other
 * than 200, is -1 with err = "etcd: MESSAGE (code N)"; so is anything
 * malformed, with err naming the field. 0 on success. */
int etcd_resp_plain(int status, const char *json, size_t len, struct etcd_resp *r, char *err,
                    size_t errcap); /* put, deleterange, lease revoke: the header only */
int etcd_resp_range(int status, const char *json, size_t len, struct etcd_resp *r,
                    etcd_kv_fn *fn, void *ctx, char *err, size_t errcap);
/* txn of etcd_req_create / etcd_req_delete_if: *succeeded; on failure of a
 * create the kv that exists goes to fn (once; none if it vanished). */
int etcd_resp_txn(int status, const char *json, size_t len, struct etcd_resp *r, int *succeeded,
                  etcd_kv_fn *fn, void *ctx, char *err, size_t errcap);
/* lease grant and keepalive ({"result": {...}} for keepalive): *ttl 0 from
 * a keepalive means the lease is gone. */
int etcd_resp_lease(int status, const char *json, size_t len, struct etcd_resp *r, int64_t *id,
                    int64_t *ttl, char *err, size_t errcap);
/* One watch message {"result": {header, created, canceled, compact_revision,
 * events}}: events to fn in order. */
struct etcd_watch {
    int created, canceled;
    int64_t watch_id, compact_revision;
    char cancel_reason[ETCD_ERR_MAX];
};
int etcd_resp_watch(int status, const char *json, size_t len, struct etcd_resp *r,
                    struct etcd_watch *w, etcd_kv_fn *fn, void *ctx, char *err, size_t errcap);
/* member list: fn per member. */
struct etcd_member {
    uint64_t id;
    char name[ETCD_NAME_MAX + 1];       /* "" for a member not started yet */
    char client_url[ETCD_URL_MAX + 1]; /* its first client URL, "" none */
};
typedef int etcd_member_fn(void *ctx, const struct etcd_member *m);
int etcd_resp_members(int status, const char *json, size_t len, struct etcd_resp *r,
                      etcd_member_fn *fn, void *ctx, char *err, size_t errcap);

#endif
