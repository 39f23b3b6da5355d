/*
 * ofc_req.c - request/reply tracking: xid -> pending request per switch,
 * multipart STATS assembly, timeouts, GONE on disconnect, cancel by owner.
 *
 * Every request ends in exactly one callback (or none after cancel): the
 * request is taken out of the tables before its callback runs, so the
 * callback may issue new requests (even with the same xid), cancel owners
 * or close switches without meeting a half-removed entry.
 *
 * Multipart replies keep each part's raw bytes (bounded by
 * max_multipart_bytes) and decode them all when the last part arrives: the
 * engine's arena serves one message at a time, so the parts are decoded once
 * to measure what their arrays need, then again into one block of exactly
 * that size, which lives for the duration of the callback.
 */
#include <stdlib.h>
#include <string.h>

#include "ofc/ofc_internal.h"

static int reply_type_of(uint8_t type)
{
    switch (type) {
    case OFPT10_STATS_REQUEST:
        return OFPT10_STATS_REPLY;
    case OFPT10_BARRIER_REQUEST:
        return OFPT10_BARRIER_REPLY;
    case OFPT10_GET_CONFIG_REQUEST:
        return OFPT10_GET_CONFIG_REPLY;
    case OFPT10_FEATURES_REQUEST:
        return OFPT10_FEATURES_REPLY;
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        return OFPT10_QUEUE_GET_CONFIG_REPLY;
    case OFPT10_ECHO_REQUEST:
        return OFPT10_ECHO_REPLY;
    default:
        return -1;
    }
}

static size_t req_slot(uint32_t xid, size_t cap)
{
    return (size_t)((xid * 2654435761u) >> 8) & (cap - 1);
}

static struct ofc_req *req_find(const struct ofc_switch *sw, uint32_t xid)
{
    if (!sw->req_cap) return NULL;
    struct ofc_req *r = sw->req_tab[req_slot(xid, sw->req_cap)];
    while (r && r->xid != xid)
        r = r->hnext;
    return r;
}

bool ofc_req_pending(const struct ofc_switch *sw, uint32_t xid)
{
    return req_find(sw, xid) != NULL;
}

/* Rebuild the chains from the issue-order list at twice the size. */
static int req_grow(struct ofc_switch *sw)
{
    size_t cap = sw->req_cap ? sw->req_cap * 2 : 16;
    struct ofc_req **tab = calloc(cap, sizeof(*tab));
    if (!tab) return -1;
    for (struct ofc_req *r = sw->req_head; r; r = r->next) {
        size_t s = req_slot(r->xid, cap);
        r->hnext = tab[s];
        tab[s] = r;
    }
    free(sw->req_tab);
    sw->req_tab = tab;
    sw->req_cap = cap;
    return 0;
}

static void req_unlink(struct ofc_req *r)
{
    struct ofc_switch *sw = r->sw;
    struct ofc_req **pp = &sw->req_tab[req_slot(r->xid, sw->req_cap)];
    while (*pp != r)
        pp = &(*pp)->hnext;
    *pp = r->hnext;
    if (r->prev)
        r->prev->next = r->next;
    else
        sw->req_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        sw->req_tail = r->prev;
    sw->req_n--;
    if (r->timer) ev_timer_cancel(sw->c->loop, r->timer);
    r->timer = 0;
}

static void req_free(struct ofc_req *r)
{
    buf_free(&r->parts);
    free(r);
}

/* Unlink, call back (unless the request is only swallowing leftovers), free. */
static void req_done(struct ofc_req *r, int status, const struct of10_msg *const *parts, size_t n)
{
    req_unlink(r);
    if (!r->discard) r->cb(r->sw, status, parts, n, r->ctx);
    req_free(r);
}

static void req_timeout_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc_req *r = ctx;
    struct ofc *c = r->sw->c;
    (void)loop, (void)id;
    r->timer = 0;
    ofc_enter(c);
    if (!r->discard) {
        c->cnt.requests_timed_out++;
        log_info(c->log, OFC_MOD, "switch %016llx: no reply to %s xid %u in %u ms",
                 (unsigned long long)r->sw->dpid, of10_type_name(r->reply_type), r->xid,
                 c->cfg.request_timeout_ms);
    }
    req_done(r, OFC_REPLY_TIMEOUT, NULL, 0);
    ofc_leave(c);
}

uint32_t ofc_request(struct ofc_switch *sw, struct of10_msg *m, ofc_reply_fn *cb, void *ctx,
                     const void *owner)
{
    if (!sw || !m || !cb || !ofc_sw_alive(sw)) return 0;
    struct ofc *c = sw->c;
    int rt = reply_type_of(m->type);
    if (rt < 0) {
        log_warn(c->log, OFC_MOD, "ofc_request: %s gets no reply to track",
                 of10_type_name(m->type));
        return 0;
    }
    if (m->version == 0) m->version = OFP10_VERSION;
    if (m->xid == 0) {
        do
            m->xid = ofc_next_xid(c);
        while (req_find(sw, m->xid) || m->xid == sw->probe_xid);
    } else if (req_find(sw, m->xid)) {
        log_warn(c->log, OFC_MOD, "ofc_request: xid %u is already pending on %s", m->xid, sw->peer);
        return 0;
    }
    if (sw->req_n >= sw->req_cap && req_grow(sw) < 0) return 0;
    struct ofc_req *r = calloc(1, sizeof(*r));
    if (!r) return 0;
    if (ofc_conn_queue(sw, m, false) < 0) {
        free(r);
        return 0;
    }
    r->sw = sw;
    r->xid = m->xid;
    r->reply_type = (uint8_t)rt;
    r->stats_type = m->type == OFPT10_STATS_REQUEST ? m->u.stats_request.type : 0;
    r->cb = cb;
    r->ctx = ctx;
    r->owner = owner;
    buf_init(&r->parts, c->cfg.max_multipart_bytes);
    r->timer = ev_timer_add(c->loop, c->cfg.request_timeout_ms, 0, req_timeout_cb, r);
    size_t s = req_slot(r->xid, sw->req_cap);
    r->hnext = sw->req_tab[s];
    sw->req_tab[s] = r;
    r->prev = sw->req_tail;
    if (sw->req_tail)
        sw->req_tail->next = r;
    else
        sw->req_head = r;
    sw->req_tail = r;
    sw->req_n++;
    return r->xid;
}

/* ---- multipart ------------------------------------------------------------- */

/* Decode the stored parts and call back with them. */
static void req_assemble(struct ofc_req *r)
{
    struct ofc *c = r->sw->c;
    size_t n = r->nparts, need = 0, off;
    const uint8_t *base = buf_data(&r->parts);
    struct of10_msg tmp;
    for (size_t i = 0, off0 = 0; i < n; i++) { /* pass 1: measure */
        size_t len = of10_frame_len(base + off0);
        of10_arena_reset(&c->arena);
        if (of10_decode(base + off0, len, &tmp, &c->arena) != OF10_OK) goto fail;
        need += ((c->arena.used + 7) & ~(size_t)7) + 8; /* + alignment slack */
        off0 += len;
    }
    size_t head = n * (sizeof(struct of10_msg) + sizeof(struct of10_msg *));
    uint8_t *mem = malloc(head + need);
    if (!mem) goto fail;
    struct of10_msg *msgs = (struct of10_msg *)mem;
    const struct of10_msg **ptrs = (const struct of10_msg **)(mem + n * sizeof(*msgs));
    struct of10_arena a;
    of10_arena_init(&a, mem + head, need);
    off = 0;
    for (size_t i = 0; i < n; i++) { /* pass 2: decode for keeps */
        size_t len = of10_frame_len(base + off);
        if (of10_decode(base + off, len, &msgs[i], &a) != OF10_OK) {
            free(mem);
            goto fail;
        }
        ptrs[i] = &msgs[i];
        off += len;
    }
    req_unlink(r);
    r->cb(r->sw, OFC_REPLY_OK, ptrs, n, r->ctx);
    free(mem);
    req_free(r);
    return;
fail:
    log_error(c->log, OFC_MOD, "switch %016llx: cannot assemble %zu reply parts (xid %u)",
              (unsigned long long)r->sw->dpid, n, r->xid);
    req_done(r, OFC_REPLY_TOO_BIG, NULL, 0);
}

static void req_part(struct ofc_req *r, const struct of10_msg *m, const uint8_t *p, size_t len)
{
    struct ofc *c = r->sw->c;
    bool more = m->u.stats_reply.flags & OFPSF10_REPLY_MORE;
    if (r->discard) {
        if (!more) req_done(r, OFC_REPLY_TOO_BIG, NULL, 0); /* silently: discard */
        return;
    }
    if (!more && r->nparts == 0) { /* a reply in one piece: no copy */
        req_done(r, OFC_REPLY_OK, &m, 1);
        return;
    }
    if (buf_append(&r->parts, p, len) != BUF_OK) {
        log_warn(c->log, OFC_MOD, "switch %016llx: multipart reply xid %u over %zu bytes: dropped",
                 (unsigned long long)r->sw->dpid, r->xid, c->cfg.max_multipart_bytes);
        buf_free(&r->parts);
        r->nparts = 0;
        if (!more) {
            req_done(r, OFC_REPLY_TOO_BIG, NULL, 0);
            return;
        }
        /* Parts are still coming: the entry stays, mute, to swallow them.
         * The callback may cancel (free) it: r is not touched after. */
        r->discard = true;
        ofc_reply_fn *cb = r->cb;
        cb(r->sw, OFC_REPLY_TOO_BIG, NULL, 0, r->ctx);
        return;
    }
    r->nparts++;
    if (!more) req_assemble(r);
}

bool ofc_req_route(struct ofc_switch *sw, const struct of10_msg *m, const uint8_t *p, size_t len)
{
    struct ofc_req *r = req_find(sw, m->xid);
    if (!r) return false;
    if (m->type == OFPT10_ERROR) {
        req_done(r, OFC_REPLY_ERROR, &m, 1);
        return true;
    }
    if (m->type != r->reply_type) return false;
    if (m->type == OFPT10_STATS_REPLY) {
        if (m->u.stats_reply.type != r->stats_type) return false;
        req_part(r, m, p, len);
        return true;
    }
    req_done(r, OFC_REPLY_OK, &m, 1);
    return true;
}

void ofc_req_fail_all(struct ofc_switch *sw)
{
    struct ofc_req *r;
    /* One at a time from the head: a callback may cancel others. */
    while ((r = sw->req_head))
        req_done(r, OFC_REPLY_GONE, NULL, 0);
}

void ofc_req_free_table(struct ofc_switch *sw)
{
    struct ofc_req *r;
    while ((r = sw->req_head)) {
        req_unlink(r);
        req_free(r);
    }
    free(sw->req_tab);
    sw->req_tab = NULL;
    sw->req_cap = 0;
}

void ofc_cancel_owner(struct ofc *c, const void *owner)
{
    for (struct ofc_switch *sw = c->all; sw; sw = sw->next) {
        struct ofc_req *r = sw->req_head, *next;
        for (; r; r = next) {
            next = r->next;
            if (r->owner != owner) continue;
            req_unlink(r);
            req_free(r);
        }
    }
}
