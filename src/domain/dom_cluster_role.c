/*
 * dom_cluster_role.c - the election of a master per switch (docs/cluster.md,
 * "How a master is chosen"): a campaign is one etcd transaction that creates
 * P/master/DPID with this instance's name and lease only if the key does
 * not exist; the winner reads P/switch/DPID (a takeover keeps the switch's
 * flows), writes it the first time, and tells the of domain (CL_ROLE_SET).
 * A switch that leaves gives its key back (a delete that succeeds only if the
 * key is still the one we created); a switch that refuses us as master makes
 * us check whether etcd still says it is ours. The state of each switch is
 * dom_cluster.c's table; what etcd's watch says about master keys arrives
 * there (apply_kv) and ends here as demotions and campaigns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dom_cluster.h"

static void dpid_text(uint64_t dpid, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, dpid);
}

static void send_role(struct dom_cluster *k, struct dcl_sw *s, int master, int takeover)
{
    union msg_body b = {.cl_role = {s->dpid, (uint8_t)master, (uint8_t)(master && takeover)}};
    dom_send(k->d, MSG_CL_ROLE_SET, 0, &b, NULL, 0);
}

void dcl_demote(struct dom_cluster *k, struct dcl_sw *s, const char *why)
{
    if (!s->master) return;
    s->master = 0;
    s->create_rev = 0;
    k->lost++;
    log_warn(&k->d->log, "cluster", "switch %016" PRIx64 ": no longer master: %s", s->dpid, why);
    send_role(k, s, 0, 0);
}

/* What a request about one switch gets back: the switch (looked up again:
 * the table may change meanwhile) and the revision it concerns. */
struct sw_ctx {
    uint64_t dpid;
    int64_t rev;
};

/* P/KIND/DPID of switch s into key (ETCD_KEY_MAX + 1 bytes): its length, or -1. */
static int sw_key(struct dom_cluster *k, const struct dcl_sw *s, const char *kind, char *key)
{
    char d[17];
    dpid_text(s->dpid, d);
    return dcl_key(k, key, ETCD_KEY_MAX + 1, kind, d);
}

/* Send the request built in dcl_body (bl bytes; < 0: it did not build) about
 * switch s; fn gets it with {dpid, rev}, and s is busy until then. 0, or -1
 * when nothing was sent (s not busy). */
static int sw_request(struct dom_cluster *k, struct dcl_sw *s, const char *path, int bl,
                      int64_t rev, dcl_done_fn *fn)
{
    struct sw_ctx *c = bl < 0 ? NULL : malloc(sizeof(*c));
    if (!c) return -1;
    *c = (struct sw_ctx){s->dpid, rev};
    if (dcl_request(k, path, dcl_body, (size_t)bl, fn, c) != 0) {
        free(c);
        return -1;
    }
    s->busy = 1;
    return 0;
}

static int have_marker(void *ctx, int type, const struct etcd_kv *kv)
{
    (void)type, (void)kv;
    *(int *)ctx = 1;
    return 0;
}

/* Won switch s's master key (created at s->create_rev): the role, unless
 * the lease may have run out meanwhile. seen: the switch had a master
 * before (a takeover, the apps keep its flows); else the marker is written. */
static void became_master(struct dom_cluster *k, struct dcl_sw *s, int seen)
{
    if (dcl_now(k) >= k->lease_deadline_ms) {
        /* our lease may be gone by now: leave it to the next renewal */
        log_warn(&k->d->log, "cluster", "switch %016" PRIx64 ": won, but the lease is past its "
                 "deadline: no master request", s->dpid);
    } else {
        s->since_ms = dcl_now(k);
        log_info(&k->d->log, "cluster", "switch %016" PRIx64 ": master (%s)", s->dpid,
                 seen ? "takeover: the switch keeps its flows" : "first master");
        send_role(k, s, 1, seen);
    }
    if (!seen) {
        char key[ETCD_KEY_MAX + 1];
        int n = sw_key(k, s, "switch", key);
        int bl = n < 0 ? -1 : etcd_req_put(dcl_body, sizeof(dcl_body), key, (size_t)n, k->name,
                                           strlen(k->name), 0);
        if (bl > 0) dcl_request(k, "/v3/kv/put", dcl_body, (size_t)bl, NULL, NULL);
    }
}

/* The marker read after a win: was there a master before? */
static void marker_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    struct sw_ctx *c = ctx;
    struct dcl_sw *s = dcl_sw_find(k, c->dpid, 0);
    int seen = 0;
    char err[ETCD_ERR_MAX] = "";
    struct etcd_resp r;
    if (status < 0 || etcd_resp_range(status, json, len, &r, have_marker, &seen, err, sizeof(err)))
        seen = 1; /* unknown: keep the flows rather than wipe them */
    if (s) s->busy = 0;
    if (s && s->master && s->create_rev == c->rev) became_master(k, s, seen);
    free(c);
}

int dcl_holder_kv(void *ctx, int type, const struct etcd_kv *kv)
{
    (void)type;
    memcpy(ctx, kv, sizeof(*kv));
    return 0;
}

static void resign_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len);

/* Give up master key rev of switch s (a delete that succeeds only if the
 * key is still the one created at rev); resign_done campaigns again if the
 * switch is (still, again) connected. */
static int give_back(struct dom_cluster *k, struct dcl_sw *s, int64_t rev)
{
    char key[ETCD_KEY_MAX + 1];
    int n = sw_key(k, s, "master", key);
    int bl = n < 0 ? -1 : etcd_req_delete_if(dcl_body, sizeof(dcl_body), key, (size_t)n, rev);
    return sw_request(k, s, "/v3/kv/txn", bl, rev, resign_done);
}

static void campaign_done(struct dom_cluster *k, void *ctx, int status, const char *json,
                          size_t len)
{
    struct sw_ctx *c = ctx;
    struct dcl_sw *s = dcl_sw_find(k, c->dpid, 0);
    int64_t asked = c->rev; /* 0: a create; else the put_if of an earlier key */
    free(c);
    static struct etcd_kv kv;
    memset(&kv, 0, sizeof(kv));
    struct etcd_resp r;
    int ok = 0;
    char err[ETCD_ERR_MAX] = "";
    if (!s) return;
    s->busy = 0;
    if (status < 0) return; /* the connection went: the next one campaigns again */
    if (etcd_resp_txn(status, json, len, &r, &ok, dcl_holder_kv, &kv, err, sizeof(err)) != 0) {
        log_warn(&k->d->log, "cluster", "switch %016" PRIx64 ": campaign: %s", s->dpid, err);
        return;
    }
    char key[ETCD_KEY_MAX + 1];
    int n, bl;
    if (ok) {
        k->won++;
        /* a create made the key at this revision; a put_if kept its own */
        s->create_rev = asked ? asked : r.revision;
        snprintf(s->holder, sizeof(s->holder), "%s", k->name);
        s->holder_rev = s->create_rev;
        if (!s->connected) { /* it went while we campaigned: give it back */
            give_back(k, s, s->create_rev);
            s->create_rev = 0;
            return;
        }
        s->master = 1;
        n = sw_key(k, s, "switch", key);
        bl = n < 0 ? -1 : etcd_req_range(dcl_body, sizeof(dcl_body), key, (size_t)n, 0);
        if (sw_request(k, s, "/v3/kv/range", bl, s->create_rev, marker_done) != 0)
            became_master(k, s, 1); /* unknown: keep the flows rather than wipe them */
        return;
    }
    snprintf(s->holder, sizeof(s->holder), "%.*s", (int)kv.value_len, (const char *)kv.value);
    s->holder_rev = kv.create_rev;
    if (kv.key_len && !strcmp(s->holder, k->name) && kv.lease != k->lease && s->connected) {
        /* ours, from an earlier incarnation or a lost lease: put it under
         * our lease now, if it is still that key. A put, not delete and
         * create: the key never disappears, so nobody else campaigns. */
        k->campaigns++;
        n = sw_key(k, s, "master", key);
        bl = n < 0 ? -1
                   : etcd_req_put_if(dcl_body, sizeof(dcl_body), key, (size_t)n, k->name, strlen(k->name),
                                     k->lease, kv.create_rev);
        sw_request(k, s, "/v3/kv/txn", bl, kv.create_rev, campaign_done);
        return;
    }
    log_info(&k->d->log, "cluster", "switch %016" PRIx64 ": slave (master is %s)", s->dpid,
             s->holder[0] ? s->holder : "?");
}

void dcl_campaign(struct dom_cluster *k, struct dcl_sw *s)
{
    if (!k->up || !k->lease || !s->connected || s->master || s->busy) return;
    char key[ETCD_KEY_MAX + 1];
    int n = sw_key(k, s, "master", key);
    int bl = n < 0 ? -1
                   : etcd_req_create(dcl_body, sizeof(dcl_body), key, (size_t)n, k->name, strlen(k->name),
                                     k->lease);
    if (sw_request(k, s, "/v3/kv/txn", bl, 0, campaign_done) == 0) k->campaigns++;
}

static void resign_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    (void)status, (void)json, (void)len;
    struct sw_ctx *c = ctx;
    struct dcl_sw *s = dcl_sw_find(k, c->dpid, 0);
    free(c);
    if (s) {
        s->busy = 0;
        dcl_campaign(k, s); /* if it is (still, again) connected */
    }
}

static void resign(struct dom_cluster *k, struct dcl_sw *s)
{
    int64_t rev = s->create_rev;
    s->master = 0;
    s->create_rev = 0;
    k->resigned++;
    log_info(&k->d->log, "cluster", "switch %016" PRIx64 ": gone from here; master key given up",
             s->dpid);
    if (!k->up || s->busy) return; /* the lease takes it with it, or the next sync does */
    give_back(k, s, rev);
}

/* The switch refused us as master: someone took it over in the switch.
 * If etcd still says the key is ours, the other one's request was the
 * stale one and we claim it back; otherwise we are slave. */
static void check_done(struct dom_cluster *k, void *ctx, int status, const char *json, size_t len)
{
    struct sw_ctx *c = ctx;
    struct dcl_sw *s = dcl_sw_find(k, c->dpid, 0);
    static struct etcd_kv kv;
    memset(&kv, 0, sizeof(kv));
    struct etcd_resp r;
    char err[ETCD_ERR_MAX] = "";
    if (s) {
        s->busy = 0;
        int ours = status >= 0 &&
                   !etcd_resp_range(status, json, len, &r, dcl_holder_kv, &kv, err, sizeof(err)) &&
                   kv.key_len && kv.create_rev == c->rev && kv.lease == k->lease;
        if (ours && s->master) {
            log_warn(&k->d->log, "cluster", "switch %016" PRIx64 ": another controller claimed "
                     "it, but the master key is still ours: claiming it back", s->dpid);
            send_role(k, s, 1, 1);
        } else {
            dcl_demote(k, s, "the switch follows another master");
            dcl_campaign(k, s);
        }
    }
    free(c);
}

static void refused(struct dom_cluster *k, struct dcl_sw *s)
{
    if (!s->master) return;
    char key[ETCD_KEY_MAX + 1];
    int n = sw_key(k, s, "master", key);
    int bl = n < 0 ? -1 : etcd_req_range(dcl_body, sizeof(dcl_body), key, (size_t)n, 0);
    if (!k->up || s->busy || sw_request(k, s, "/v3/kv/range", bl, s->create_rev, check_done) != 0)
        dcl_demote(k, s, "the switch follows another master");
}

/* CL_SWITCH: a switch connected to the of domain, went, or refused us. */
int dcl_switch(struct dom_cluster *k, const struct msg_cl_switch *m)
{
    struct dcl_sw *s = dcl_sw_find(k, m->dpid, m->state == MSG_CLS_UP);
    if (!s) return MSG_OK;
    if (m->state == MSG_CLS_UP) {
        s->connected = 1;
        if (s->master) /* the of domain restarted: tell it again */
            send_role(k, s, 1, 1);
        else
            dcl_campaign(k, s);
    } else if (m->state == MSG_CLS_GONE) {
        s->connected = 0;
        if (s->master) resign(k, s);
    } else {
        refused(k, s);
    }
    return MSG_OK;
}
