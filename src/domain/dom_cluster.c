/*
 * dom_cluster.c - the cluster domain's state machine (docs/cluster.md).
 *
 * Keys, under the configured prefix P:
 *   P/members/NAME   this instance is alive (bound to its lease)
 *   P/master/DPID    who is master of a switch (value NAME, bound to the
 *                    holder's lease: it goes when the holder dies)
 *   P/switch/DPID    the switch has had a master before (no lease): a new
 *                    master is a takeover and keeps the switch's flows
 *   P/shared/KEY     what the apps share (cluster.put), with its own lease
 *                    when it has a ttl
 *
 * Election (dom_cluster_role.c): a master key is created in a transaction
 * that succeeds only if the key does not exist (create_revision == 0). etcd orders transactions
 * linearly through raft, so at most one instance creates it; the winner
 * tells its of domain to send the switch a Nicira master request, which
 * also demotes, in the switch, whichever connection was master before.
 * That second step is the fence for the case etcd cannot see: an instance
 * cut off from etcd keeps its roles (local-only operation, so one lost
 * etcd link never leaves switches without a master), and if meanwhile its
 * lease expired and another instance won the key, the switch already
 * follows the newer master and refuses the old one (the of domain reports
 * CL_SWITCH lost). Only a winner of the key ever sends a master request.
 *
 * After any reconnection the state is rebuilt from etcd, in this order:
 * lease (renewed if it is still alive, else a new one), member key, writes
 * queued while away, one range read of everything under P/ (the mirror;
 * changed shared keys go to the of domain), then a watch from the revision
 * after that read, then campaigns for the switches this instance has and
 * nobody holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brk/brk.h"
#include "domain/dom_cluster.h"
#include "tls/tls.h"

char dcl_body[DCL_BODY_MAX];

int dcl_key(struct dom_cluster *k, char *dst, size_t cap, const char *kind, const char *rest)
{
    int n = snprintf(dst, cap, "%s/%s/%s", k->prefix, kind, rest);
    return n > 0 && (size_t)n < cap && n <= ETCD_KEY_MAX ? n : -1;
}

/* ---- to the core ------------------------------------------------------------------------ */

static void send_change(struct dom_cluster *k, int op, const char *key, const char *v, size_t n)
{
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.cl_kv.op = (uint8_t)op;
    snprintf(b.cl_kv.key, sizeof(b.cl_kv.key), "%s", key);
    b.cl_kv.value = op == MSG_CL_OP_PUT ? v : NULL;
    b.cl_kv.value_len = op == MSG_CL_OP_PUT ? (uint32_t)n : 0;
    k->events++;
    dom_send(k->d, MSG_CL_CHANGE, 0, &b, NULL, 0);
}

static void send_state(struct dom_cluster *k, int connected)
{
    union msg_body b = {.cl_state = {(uint8_t)connected}};
    dom_send(k->d, MSG_CL_STATE_SET, 0, &b, NULL, 0);
}

/* ---- tables ------------------------------------------------------------------------------ */

struct dcl_sw *dcl_sw_find(struct dom_cluster *k, uint64_t dpid, int add)
{
    for (size_t i = 0; i < k->n_sw; i++)
        if (k->sw[i].dpid == dpid) return &k->sw[i];
    if (!add || k->n_sw == DCL_MAX_SWITCHES) return NULL;
    struct dcl_sw *s = &k->sw[k->n_sw++];
    memset(s, 0, sizeof(*s));
    s->dpid = dpid;
    return s;
}

static struct dcl_kv *kv_find(struct dcl_kv *t, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].key, key)) return &t[i];
    return NULL;
}

/* Set (value != NULL) or remove key in a table; 1 when it changed. */
static int kv_set(struct dcl_kv *t, size_t *n, size_t max, const char *key, const char *v,
                  size_t len, int64_t lease)
{
    struct dcl_kv *e = kv_find(t, *n, key);
    if (!v) {
        if (!e) return 0;
        free(e->value);
        *e = t[--*n];
        return 1;
    }
    if (e && e->len == len && !memcmp(e->value, v, len)) {
        e->lease = lease;
        return 0;
    }
    char *copy = malloc(len + 1);
    if (!copy) return 0;
    memcpy(copy, v, len);
    copy[len] = '\0';
    if (!e) {
        if (*n == max) {
            free(copy);
            return 0;
        }
        e = &t[(*n)++];
        snprintf(e->key, sizeof(e->key), "%s", key);
    } else {
        free(e->value);
    }
    e->value = copy;
    e->len = len;
    e->lease = lease;
    return 1;
}

/* A shared key changed (etcd, or our own write echoed at once): the
 * mirror, and the of domain when it really changed. */
static void shared_set(struct dom_cluster *k, const char *appkey, const char *v, size_t len,
                       int64_t lease)
{
    if (kv_set(k->shared, &k->n_shared, DCL_MAX_SHARED, appkey, v, len, lease))
        send_change(k, v ? MSG_CL_OP_PUT : MSG_CL_OP_DELETE, appkey, v, len);
}

/* ---- what comes from etcd ----------------------------------------------------------------------- */

/* One key (from a range or a watch event) into the mirror. */
static void apply_kv(struct dom_cluster *k, int type, const struct etcd_kv *kv)
{
    size_t pl = strlen(k->prefix);
    char key[ETCD_KEY_MAX + 1];
    if (kv->oversize) { /* nothing of ours is that big: someone else's, skipped */
        if (!k->oversize_seen++)
            log_warn(&k->d->log, "cluster", "a key under %s longer than %d bytes or with a value "
                     "over %d bytes (revision %lld): skipped (and every such key after it)",
                     k->prefix, ETCD_KEY_MAX, ETCD_VAL_MAX, (long long)kv->mod_rev);
        return;
    }
    if (kv->key_len <= pl + 1 || memcmp(kv->key, k->prefix, pl) || kv->key[pl] != '/') return;
    snprintf(key, sizeof(key), "%.*s", (int)(kv->key_len - pl - 1), (const char *)kv->key + pl + 1);
    if (memchr(key, '\0', kv->key_len - pl - 1)) return;
    const char *v = type == ETCD_EV_PUT ? (const char *)kv->value : NULL;
    if (!strncmp(key, "shared/", 7)) {
        if (!msg_cl_key_ok(key + 7, strlen(key + 7))) return; /* not an app's key */
        shared_set(k, key + 7, v, kv->value_len, kv->lease);
    } else if (!strncmp(key, "members/", 8)) {
        kv_set(k->members, &k->n_members, DCL_MAX_MEMBERS, key + 8, v, kv->value_len, kv->lease);
    } else if (!strncmp(key, "master/", 7)) {
        char *end;
        uint64_t dpid = strtoull(key + 7, &end, 16);
        if (*end || strlen(key + 7) != 16) return;
        struct dcl_sw *s = dcl_sw_find(k, dpid, v != NULL);
        if (!s) return;
        if (v) {
            snprintf(s->holder, sizeof(s->holder), "%.*s", (int)kv->value_len, v);
            s->holder_rev = kv->create_rev;
            if (s->master && (strcmp(s->holder, k->name) || kv->create_rev != s->create_rev))
                dcl_demote(k, s, "the master key belongs to another instance now");
        } else {
            s->holder[0] = '\0';
            s->holder_rev = 0;
            if (s->master) dcl_demote(k, s, "the master key is gone (lease expired?)");
            dcl_campaign(k, s);
        }
    }
}

static int watch_event(void *ctx, int type, const struct etcd_kv *kv)
{
    apply_kv(ctx, type, kv);
    return 0;
}

void dcl_watch_msg(struct dom_cluster *k, int status, const char *json, size_t len)
{
    struct etcd_resp r;
    struct etcd_watch w;
    char err[ETCD_ERR_MAX] = "";
    memset(&w, 0, sizeof(w));
    if (etcd_resp_watch(status, json, len, &r, &w, watch_event, k, err, sizeof(err)) != 0) {
        dcl_conn_fail(k, "watch: %s", err);
        return;
    }
    if (w.canceled || w.compact_revision) {
        dcl_conn_fail(k, "watch canceled (%s): starting over", w.cancel_reason[0] ? w.cancel_reason
                                                                 : "compacted");
        return;
    }
}

/* ---- synchronisation after a (re)connection -------------------------------------------------------- */

static void sync_lease(struct dom_cluster *k);

static void lease_lost(struct dom_cluster *k, const char *why)
{
    if (k->lease) k->lease_losses++;
    k->lease = 0;
    for (size_t i = 0; i < k->n_sw; i++)
        dcl_demote(k, &k->sw[i], why);
}

static void went_up(struct dom_cluster *k)
{
    k->syncing = 0;
    k->up = 1;
    k->failures = 0;
    uint64_t t = dcl_now(k);
    if (k->ever_up)
        log_info(&k->d->log, "cluster", "etcd reachable again at %s after %" PRIu64
                 " ms: state synchronised, cluster-wide operation", dcl_endpoint(k),
                 t - k->down_since_ms);
    else
        log_info(&k->d->log, "cluster", "joined the cluster as %s through etcd at %s (lease %016"
                 PRIx64 ", %u s)", k->name, dcl_endpoint(k), (uint64_t)k->lease, k->ttl_s);
    k->ever_up = 1;
    k->up_since_ms = t;
    send_state(k, 1);
    for (size_t i = 0; i < k->n_sw; i++)
        dcl_campaign(k, &k->sw[i]);
}

/* The read after a (re)connection, in pages of DCL_PAGE keys, all at the
 * revision of the first page (one moment), so that no answer comes near
 * ETCD_MSG_MAX however many keys the cluster holds. */
#define DCL_PAGE 256

static int snapshot_kv(void *ctx, int type, const struct etcd_kv *kv)
{
    struct dom_cluster *k = ctx;
    (void)type;
    if (kv->key_len) { /* where the next page starts: after the last key */
        memcpy(k->page_key, kv->key, kv->key_len);
        k->page_len = kv->key_len;
        k->page_moved = 1;
    }
    apply_kv(k, ETCD_EV_PUT, kv);
    return 0;
}

static void snapshot_page(struct dom_cluster *k);

/* The read is complete: what it did not bring back is gone, then the watch. */
static void snapshot_end(struct dom_cluster *k)
{
    /* shared keys the read did not bring back (still marked) were deleted
     * while we were away */
    for (size_t i = 0; i < k->n_shared;) {
        if (k->shared[i].lease == -2) {
            char key[DCL_KEY_MAX];
            snprintf(key, sizeof(key), "%s", k->shared[i].key);
            shared_set(k, key, NULL, 0, 0);
        } else {
            i++;
        }
    }
    /* our masters: still ours? */
    for (size_t i = 0; i < k->n_sw; i++) {
        struct dcl_sw *s = &k->sw[i];
        if (s->master && (strcmp(s->holder, k->name) || s->holder_rev != s->create_rev))
            dcl_demote(k, s, s->holder[0] ? "another instance holds the master key now"
                                      : "the master key is gone (our lease expired)");
    }
    k->watch_from = k->page_rev + 1;
    char pfx[ETCD_KEY_MAX + 1];
    int n = snprintf(pfx, sizeof(pfx), "%s/", k->prefix);
    int bl = etcd_req_watch(dcl_body, sizeof(dcl_body), pfx, (size_t)n, k->watch_from);
    if (bl < 0 || dcl_watch_start(k, dcl_body, (size_t)bl) != 0)
        return dcl_conn_fail(k, "cannot start the watch");
    went_up(k);
}

static void snapshot_done(struct dom_cluster *k, void *ctx, int status, const char *json,
                          size_t len)
{
    (void)ctx;
    if (status < 0) return;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    k->page_moved = 0;
    if (etcd_resp_range(status, json, len, &r, snapshot_kv, k, err, sizeof(err)) != 0)
        return dcl_conn_fail(k, "reading the cluster's keys: %s", err);
    if (!k->page_rev) k->page_rev = r.revision;
    if (!r.more) return snapshot_end(k);
    /* a page of keys over 256 bytes only: nowhere to go on from */
    if (!k->page_moved)
        return dcl_conn_fail(k, "reading the cluster's keys: a page of keys longer than %d bytes "
                             "under %s (not visorflow's): cannot read past them", ETCD_KEY_MAX,
                             k->prefix);
    snapshot_page(k);
}

static void snapshot_page(struct dom_cluster *k)
{
    char pfx[ETCD_KEY_MAX + 1], start[ETCD_KEY_MAX + 1];
    int pl = snprintf(pfx, sizeof(pfx), "%s/", k->prefix);
    size_t sl;
    if (!k->page_len) { /* the first page */
        memcpy(start, pfx, (size_t)pl);
        sl = (size_t)pl;
    } else { /* after the last key read: it + "\0" */
        if (k->page_len >= ETCD_KEY_MAX) return dcl_conn_fail(k, "a key of the maximum length");
        memcpy(start, k->page_key, k->page_len);
        start[k->page_len] = '\0';
        sl = k->page_len + 1;
    }
    int bl = etcd_req_range_page(dcl_body, sizeof(dcl_body), start, sl, pfx, (size_t)pl, k->page_rev,
                                 DCL_PAGE);
    if (bl < 0 || dcl_request(k, "/v3/kv/range", dcl_body, (size_t)bl, snapshot_done, NULL) != 0)
        dcl_conn_fail(k, "cannot read the cluster's keys");
}

static void sync_snapshot(struct dom_cluster *k)
{
    /* mark: every shared key is "unseen" (lease -2) until the read puts it */
    for (size_t i = 0; i < k->n_shared; i++)
        k->shared[i].lease = -2;
    /* masters: forget holders, the read tells them again; members too */
    for (size_t i = 0; i < k->n_sw; i++)
        k->sw[i].holder[0] = '\0', k->sw[i].holder_rev = 0;
    for (size_t i = 0; i < k->n_members; i++)
        free(k->members[i].value);
    k->n_members = 0;
    k->page_len = 0;
    k->page_rev = 0;
    k->page_moved = 0;
    snapshot_page(k);
}

static void write_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    (void)ctx;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    if (status < 0) {
        k->writes_failed++;
        return;
    }
    if (etcd_resp_plain(status, json, len, &r, err, sizeof(err)) != 0) {
        k->writes_failed++;
        log_warn(&k->d->log, "cluster", "write refused: %s", err);
    }
}

struct put_ctx {
    char key[ETCD_KEY_MAX + 1];
    size_t klen;
    char *value;
    size_t len;
};

static void ttl_lease_done(struct dom_cluster *k, void *ctx, int status, const char *json,
                           size_t len)
{
    struct put_ctx *p = ctx;
    int64_t id = 0, ttl = 0;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    if (status < 0 || etcd_resp_lease(status, json, len, &r, &id, &ttl, err, sizeof(err)) != 0) {
        k->writes_failed++;
        if (status >= 0) log_warn(&k->d->log, "cluster", "write: lease for its ttl: %s", err);
    } else {
        int bl = etcd_req_put(dcl_body, sizeof(dcl_body), p->key, p->klen, p->value, p->len, id);
        if (bl < 0 || dcl_request(k, "/v3/kv/put", dcl_body, (size_t)bl, write_done, NULL) != 0)
            k->writes_failed++;
    }
    free(p->value);
    free(p);
}

/* One write to etcd (connected). */
static void write_now(struct dom_cluster *k, int op, const char *appkey, const char *v, size_t len,
                      uint32_t ttl)
{
    char key[ETCD_KEY_MAX + 1];
    int n = dcl_key(k, key, sizeof(key), "shared", appkey);
    if (n < 0) {
        k->writes_failed++;
        return;
    }
    k->writes++;
    int bl;
    if (op == MSG_CL_OP_DELETE) {
        bl = etcd_req_range(dcl_body, sizeof(dcl_body), key, (size_t)n, 0);
        if (bl < 0 || dcl_request(k, "/v3/kv/deleterange", dcl_body, (size_t)bl, write_done, NULL))
            k->writes_failed++;
        return;
    }
    if (!ttl) {
        bl = etcd_req_put(dcl_body, sizeof(dcl_body), key, (size_t)n, v, len, 0);
        if (bl < 0 || dcl_request(k, "/v3/kv/put", dcl_body, (size_t)bl, write_done, NULL) != 0)
            k->writes_failed++;
        return;
    }
    /* its own lease, so etcd deletes it when the ttl is over (and every
     * instance hears of it through its watch) */
    struct put_ctx *p = calloc(1, sizeof(*p));
    if (p) p->value = malloc(len ? len : 1);
    if (!p || !p->value) {
        if (p) free(p);
        k->writes_failed++;
        return;
    }
    memcpy(p->key, key, (size_t)n + 1);
    p->klen = (size_t)n;
    memcpy(p->value, v, len);
    p->len = len;
    bl = etcd_req_lease_grant(dcl_body, sizeof(dcl_body), ttl);
    if (bl < 0 || dcl_request(k, "/v3/lease/grant", dcl_body, (size_t)bl, ttl_lease_done, p) != 0) {
        k->writes_failed++;
        free(p->value);
        free(p);
    }
}

static void replay_queued(struct dom_cluster *k)
{
    uint64_t t = dcl_now(k);
    size_t sent = 0, expired = 0;
    for (size_t i = 0; i < k->n_queued; i++) {
        struct dcl_write *w = &k->queued[i];
        uint64_t gone = (t - w->at_ms) / 1000;
        if (w->op == MSG_CL_OP_PUT && w->ttl && gone >= w->ttl) {
            expired++;
        } else {
            write_now(k, w->op, w->key, w->value, w->len,
                      w->ttl ? (uint32_t)(w->ttl - gone) : 0);
            sent++;
        }
        free(w->value);
    }
    if (k->n_queued)
        log_info(&k->d->log, "cluster", "%zu writes made while etcd was away sent (%zu expired "
                 "meanwhile)", sent, expired);
    k->n_queued = 0;
}

static void member_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len);

static int member_value(struct dom_cluster *k, char *val, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return snprintf(val, cap, "token=%s since=%lld lease_ttl=%u", k->token, (long long)ts.tv_sec,
                    k->ttl_s);
}

static void register_member(struct dom_cluster *k)
{
    char key[ETCD_KEY_MAX + 1], val[128];
    int n = dcl_key(k, key, sizeof(key), "members", k->name);
    int vl = member_value(k, val, sizeof(val));
    int bl = etcd_req_create(dcl_body, sizeof(dcl_body), key, (size_t)n, val, (size_t)vl, k->lease);
    if (bl < 0 || dcl_request(k, "/v3/kv/txn", dcl_body, (size_t)bl, member_done, NULL) != 0)
        dcl_conn_fail(k, "cannot register this instance");
}

static void member_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    (void)ctx;
    static struct etcd_kv kv;
    memset(&kv, 0, sizeof(kv));
    struct etcd_resp r;
    int ok = 0;
    char err[ETCD_ERR_MAX] = "";
    if (status < 0) return;
    if (etcd_resp_txn(status, json, len, &r, &ok, dcl_holder_kv, &kv, err, sizeof(err)) != 0)
        return dcl_conn_fail(k, "registering this instance: %s", err);
    if (!ok && kv.lease == k->lease) ok = 1; /* ours already (a re-sync) */
    if (!ok) {
        /* An earlier run of this instance whose lease has not expired, or
         * another instance with the same name: say so, and take the name. */
        char token[32] = "";
        const char *t = memmem(kv.value, kv.value_len, "token=", 6);
        if (t) sscanf(t + 6, "%16s", token);
        log_warn(&k->d->log, "cluster", "the name %s is registered already (token %s, lease %016"
                 PRIx64 "): an earlier run of this instance, or another instance with the same "
                 "name; taking it over", k->name, token[0] ? token : "?", (uint64_t)kv.lease);
        char key[ETCD_KEY_MAX + 1], val[128];
        int n = dcl_key(k, key, sizeof(key), "members", k->name);
        int vl = member_value(k, val, sizeof(val));
        int bl = etcd_req_put_if(dcl_body, sizeof(dcl_body), key, (size_t)n, val, (size_t)vl, k->lease,
                                 kv.create_rev);
        if (bl < 0 || dcl_request(k, "/v3/kv/txn", dcl_body, (size_t)bl, member_done, NULL) != 0)
            dcl_conn_fail(k, "cannot register this instance");
        return;
    }
    replay_queued(k);
    sync_snapshot(k);
}

static void grant_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    uint64_t sent = (uint64_t)(uintptr_t)ctx;
    int64_t id = 0, ttl = 0;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    if (status < 0) return;
    if (etcd_resp_lease(status, json, len, &r, &id, &ttl, err, sizeof(err)) != 0 || !id || ttl <= 0)
        return dcl_conn_fail(k, "lease grant: %s", err[0] ? err : "no lease in the answer");
    k->lease = id;
    k->lease_deadline_ms = sent + (uint64_t)ttl * 1000;
    register_member(k);
}

static void sync_lease(struct dom_cluster *k)
{
    int bl = etcd_req_lease_grant(dcl_body, sizeof(dcl_body), k->ttl_s);
    void *sent = (void *)(uintptr_t)dcl_now(k);
    if (bl < 0 || dcl_request(k, "/v3/lease/grant", dcl_body, (size_t)bl, grant_done, sent) != 0)
        dcl_conn_fail(k, "cannot ask for a lease");
}

/* Keepalive answer: a live lease moves the deadline on from when it was
 * sent (etcd counts from when it received it, later: we stay on the safe
 * side); TTL 0 means it expired: every master key went with it. */
static void keepalive_done(struct dom_cluster *k, void *ctx, int status, const char *json,
                           size_t len)
{
    uint64_t sent = (uint64_t)(uintptr_t)ctx;
    int64_t id = 0, ttl = 0;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    k->keepalive_busy = 0;
    if (status < 0) return;
    if (etcd_resp_lease(status, json, len, &r, &id, &ttl, err, sizeof(err)) != 0)
        return dcl_conn_fail(k, "lease keepalive: %s", err);
    k->keepalives++;
    if (ttl > 0) {
        k->lease_deadline_ms = sent + (uint64_t)ttl * 1000;
        if (k->syncing) register_member(k);
        return;
    }
    log_warn(&k->d->log, "cluster", "lease %016" PRIx64 " expired: its master keys are gone",
             (uint64_t)k->lease);
    lease_lost(k, "our lease expired");
    if (k->syncing || k->up) {
        k->up = 0;
        k->syncing = 1;
        sync_lease(k);
    }
}

static void keepalive(struct dom_cluster *k)
{
    int bl = etcd_req_lease_id(dcl_body, sizeof(dcl_body), k->lease);
    void *sent = (void *)(uintptr_t)dcl_now(k);
    if (bl < 0 || dcl_request(k, "/v3/lease/keepalive", dcl_body, (size_t)bl, keepalive_done, sent))
        return;
    k->keepalive_busy = 1;
}

static void renew(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct dom_cluster *k = ctx;
    if (k->up && k->lease && !k->keepalive_busy) keepalive(k);
}

/* etcd's members, for `visorflowctl cluster`: read at each connection. */
static int member_cb(void *ctx, const struct etcd_member *m)
{
    struct dom_cluster *k = ctx;
    if (k->n_etcd_members < sizeof(k->etcd_members) / sizeof(k->etcd_members[0]))
        k->etcd_members[k->n_etcd_members++] = *m;
    return 0;
}

static void members_done(struct dom_cluster *k, void *ctx, int status, const char *json,
                         size_t len)
{
    (void)ctx;
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    if (status < 0) return;
    k->n_etcd_members = 0;
    if (etcd_resp_members(status, json, len, &r, member_cb, k, err, sizeof(err)) != 0)
        log_warn(&k->d->log, "cluster", "member list: %s", err);
}

void dcl_connected(struct dom_cluster *k)
{
    k->syncing = 1;
    dcl_request(k, "/v3/cluster/member/list", "{}", 2, members_done, NULL);
    if (k->lease)
        keepalive(k); /* still alive after a short outage? then keep it */
    else
        sync_lease(k);
}

void dcl_lost(struct dom_cluster *k, const char *why)
{
    int was_up = k->up;
    k->up = 0;
    k->syncing = 0;
    k->keepalive_busy = 0;
    for (size_t i = 0; i < k->n_sw; i++)
        k->sw[i].busy = 0;
    if (!was_up && k->ever_up) return; /* said already */
    if (!was_up) {
        /* once per reason, and again every minute it lasts */
        static char said[sizeof(k->last_error)];
        static uint64_t said_ms;
        uint64_t t = dcl_now(k);
        if (strcmp(said, why) != 0 || t - said_ms >= 60000) {
            log_warn(&k->d->log, "cluster", "etcd not reachable yet (%s); retrying", why);
            snprintf(said, sizeof(said), "%s", why);
            said_ms = t;
        }
        return;
    }
    size_t masters = 0;
    for (size_t i = 0; i < k->n_sw; i++)
        masters += k->sw[i].master;
    k->down_since_ms = dcl_now(k);
    k->reconnects++;
    log_warn(&k->d->log, "cluster",
             "etcd unreachable (%s): local-only operation: this instance keeps the %zu switches "
             "it is master of (a switch that another instance takes over refuses us), its "
             "blocks and monitor rules stay, app writes are queued; retrying the endpoints",
             why, masters);
    send_state(k, 0);
}

/* ---- what comes from the core --------------------------------------------------------------------- */

static void queue_write(struct dom_cluster *k, const struct msg_cl_kv *m)
{
    size_t i;
    for (i = 0; i < k->n_queued && strcmp(k->queued[i].key, m->key); i++) {
    }
    if (i == k->n_queued) {
        if (k->n_queued == DCL_MAX_QUEUED) {
            k->writes_dropped++;
            log_warn(&k->d->log, "cluster", "write of '%s' dropped: %d writes wait for etcd already",
                     m->key, DCL_MAX_QUEUED);
            return;
        }
        k->n_queued++;
    } else {
        free(k->queued[i].value);
    }
    struct dcl_write *w = &k->queued[i];
    w->op = m->op;
    snprintf(w->key, sizeof(w->key), "%s", m->key);
    w->value = malloc(m->value_len ? m->value_len : 1);
    if (w->value && m->value_len) memcpy(w->value, m->value, m->value_len);
    w->len = w->value ? m->value_len : 0;
    w->ttl = m->ttl;
    w->at_ms = dcl_now(k);
}

static int h_write(struct dom_cluster *k, const struct msg_cl_kv *m)
{
    /* The writer's own instance sees the change at once, etcd or not; the
     * same value coming back through the watch is no change. */
    shared_set(k, m->key, m->op == MSG_CL_OP_PUT ? m->value : NULL,
               m->op == MSG_CL_OP_PUT ? m->value_len : 0, 0);
    if (k->up)
        write_now(k, m->op, m->key, m->value, m->value_len, m->ttl);
    else
        queue_write(k, m);
    return MSG_OK;
}

/* ---- the domain's entry points (dom_main.c) ------------------------------------------------------- */

int dom_cluster_start(struct dom *d)
{
    struct dom_cluster *k = calloc(1, sizeof(*k));
    if (!k) return -1;
    k->d = d;
    k->sw = calloc(DCL_MAX_SWITCHES, sizeof(*k->sw));
    k->shared = calloc(DCL_MAX_SHARED, sizeof(*k->shared));
    k->members = calloc(DCL_MAX_MEMBERS, sizeof(*k->members));
    k->queued = calloc(DCL_MAX_QUEUED, sizeof(*k->queued));
    if (!k->sw || !k->shared || !k->members || !k->queued || dcl_conn_init(k) != 0) return -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)k ^
                 (uint64_t)ts.tv_sec << 32;
    snprintf(k->token, sizeof(k->token), "%016" PRIx64, x);
    d->cluster = k;
    return 0;
}

int dom_cluster_tls(struct dom *d, struct msg_tls_config *m, struct msg_r *r)
{
    struct dom_cluster *k = d->cluster;
    if (k->tls) return msg_r_fail(r, "a second TLS_CONFIG");
    k->tls = dom_tls_ctx(d, m, r, TLS_CLIENT);
    return MSG_OK;
}

static int number(const char *key, const char *v, unsigned long lo, unsigned long hi,
                  unsigned long *out, struct msg_r *r)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n < lo || n > hi)
        return msg_r_fail(r, "%s: '%.32s' not a number in %lu..%lu", key, v, lo, hi);
    *out = n;
    return MSG_OK;
}

int dom_cluster_configure(struct dom *d, struct msg_r *r)
{
    struct dom_cluster *k = d->cluster;
    if (k->n_ep) return msg_r_fail(r, "a second configuration for the cluster domain");
    unsigned long v;
    for (size_t i = 0; i < d->ncfg; i++) {
        const char *key = d->cfg[i].key, *val = d->cfg[i].value;
        if (!strcmp(key, "log_level")) continue;
        if (!strcmp(key, "cluster.name")) {
            if (!val[0] || strlen(val) > DCL_NAME_MAX) return msg_r_fail(r, "cluster.name");
            snprintf(k->name, sizeof(k->name), "%s", val);
        } else if (!strcmp(key, "cluster.prefix")) {
            if (val[0] != '/' || strlen(val) > 47) return msg_r_fail(r, "cluster.prefix");
            snprintf(k->prefix, sizeof(k->prefix), "%s", val);
        } else if (!strcmp(key, "cluster.endpoint")) {
            char why[160];
            if (k->n_ep == DCL_MAX_EP) return msg_r_fail(r, "more than %d endpoints", DCL_MAX_EP);
            if (brk_addr_parse(val, &k->ep[k->n_ep], why, sizeof(why)) != 0)
                return msg_r_fail(r, "cluster.endpoint '%.64s': %s", val, why);
            snprintf(k->ep_text[k->n_ep++], sizeof(k->ep_text[0]), "%s", val);
        } else if (!strcmp(key, "cluster.tls")) {
            k->tls_wanted = !strcmp(val, "1");
        } else if (!strcmp(key, "cluster.lease_ttl")) {
            if (number(key, val, 2, 3600, &v, r) != MSG_OK) return MSG_FATAL;
            k->ttl_s = (uint32_t)v;
        } else if (!strcmp(key, "cluster.timeout_ms")) {
            if (number(key, val, 100, 60000, &v, r) != MSG_OK) return MSG_FATAL;
            k->timeout_ms = (uint32_t)v;
        } else {
            return msg_r_fail(r, "CONFIG key '%.40s' unknown to a domain of kind cluster", key);
        }
    }
    if (!k->name[0] || !k->prefix[0] || !k->n_ep || !k->ttl_s || !k->timeout_ms)
        return msg_r_fail(r, "cluster configuration incomplete");
    if (k->tls_wanted && !k->tls) return msg_r_fail(r, "https endpoints without a TLS_CONFIG");
    /* renewals three times per ttl: two may be lost before the lease is */
    ev_timer_add(d->loop, k->ttl_s * 1000 / 3, k->ttl_s * 1000 / 3, renew, k);
    log_info(&d->log, "cluster", "instance %s, %zu etcd endpoint%s%s, lease %u s, prefix %s",
             k->name, k->n_ep, k->n_ep == 1 ? "" : "s", k->tls ? " over TLS" : "", k->ttl_s,
             k->prefix);
    dcl_conn_start(k);
    return MSG_OK;
}

int dom_cluster_switch(struct dom *d, const struct msg_cl_switch *m)
{
    return dcl_switch(d->cluster, m);
}

int dom_cluster_write(struct dom *d, const struct msg_cl_kv *m)
{
    return h_write(d->cluster, m);
}

void dom_cluster_stop(struct dom *d)
{
    struct dom_cluster *k = d->cluster;
    if (!k) return;
    dcl_conn_stop(k);
    tls_ctx_free(k->tls);
}
