/*
 * vfd_ctlreq.c - control requests the core passes to a domain (CTL_REQUEST)
 * and the chunks of their answers (CTL_REPLY), matched by request id. Every
 * request ends exactly once for its caller: with its final chunk, with a
 * reason (the domain died, no answer in time), or cancelled by its owner
 * (the control client went away). A reply to a request the core never sent
 * is the domain's fault and ends it; a late reply to one that timed out or
 * was cancelled is dropped.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/vfd.h"

struct vfd_ctlreq {
    struct vfd_ctlreq *next;
    struct vfd_domain *dom;
    uint32_t id;
    vfd_reply_fn *fn;
    void *ctx;
    const void *owner;
    unsigned seq;
    uint8_t error;
    uint64_t timer;
};

static void unlink_req(struct vfd_ctlreq *q)
{
    for (struct vfd_ctlreq **p = &q->dom->reqs; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            break;
        }
    if (q->timer) ev_timer_cancel(q->dom->d->loop, q->timer);
    q->timer = 0;
}

static void req_timeout(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct vfd_ctlreq *q = ctx;
    char why[96];
    q->timer = 0;
    unlink_req(q);
    snprintf(why, sizeof(why), "no answer from domain %s within %d s", q->dom->conf->name,
             VFD_CTL_TIMEOUT_MS / 1000);
    q->fn(q->ctx, NULL, q->seq, why);
    free(q);
}

int vfd_domain_ctl(struct vfd_domain *dom, const struct msg_ctl_request *rq, vfd_reply_fn *fn,
                   void *ctx, const void *owner)
{
    union msg_body b = {.ctl_request = *rq};
    return vfd_domain_ask(dom, MSG_CTL_REQUEST, &b, fn, ctx, owner);
}

int vfd_domain_ask(struct vfd_domain *dom, uint16_t type, const union msg_body *b,
                   vfd_reply_fn *fn, void *ctx, const void *owner)
{
    if (dom->fd < 0 || dom->state > VFD_DOM_RUNNING) return -1;
    struct vfd_ctlreq *q = calloc(1, sizeof(*q));
    if (!q) return -1;
    if (!++dom->next_req) dom->next_req = 1; /* ids are never 0 */
    *q = (struct vfd_ctlreq){.dom = dom, .id = dom->next_req, .fn = fn, .ctx = ctx, .owner = owner};
    if (vfd_domain_send(dom, type, q->id, b, NULL, 0) != MSG_OK) {
        free(q);
        return -1;
    }
    q->timer = ev_timer_add(dom->d->loop, VFD_CTL_TIMEOUT_MS, 0, req_timeout, q);
    q->next = dom->reqs;
    dom->reqs = q;
    return 0;
}

int vfd_domain_reply(struct vfd_domain *dom, uint32_t id, const struct msg_ctl_reply *m,
                     struct msg_r *r)
{
    struct vfd_ctlreq *q = dom->reqs;
    while (q && q->id != id)
        q = q->next;
    if (!q) {
        if (!id || id > dom->next_req)
            return msg_r_fail(r, "reply to request %u, which was never sent", id);
        return MSG_OK; /* timed out or cancelled: nobody waits for it */
    }
    if (q->seq && m->error != q->error)
        return msg_r_fail(r, "error flag changed within the reply to request %u", id);
    q->error = m->error;
    unsigned seq = q->seq++;
    /* Bookkeeping first: the callback may start another request, or close
     * its client, which cancels what it owns. */
    if (m->final) {
        unlink_req(q);
        q->fn(q->ctx, m, seq, NULL);
        free(q);
    } else {
        q->fn(q->ctx, m, seq, NULL);
    }
    return MSG_OK;
}

void vfd_ctlreqs_fail(struct vfd_domain *dom, const char *why)
{
    char reason[400];
    snprintf(reason, sizeof(reason), "domain %s ended: %s", dom->conf->name, why);
    while (dom->reqs) {
        struct vfd_ctlreq *q = dom->reqs;
        unlink_req(q);
        q->fn(q->ctx, NULL, q->seq, reason);
        free(q);
    }
}

void vfd_domains_cancel_owner(struct vfd *d, const void *owner)
{
    for (size_t i = 0; i < d->n_domains; i++) {
        struct vfd_domain *dom = &d->domains[i];
        for (struct vfd_ctlreq *q = dom->reqs, *next; q; q = next) {
            next = q->next;
            if (q->owner != owner) continue;
            unlink_req(q);
            q->fn(q->ctx, NULL, q->seq, NULL);
            free(q);
        }
    }
    vfd_apps_cancel_owner(d, owner);
}
