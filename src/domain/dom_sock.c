/*
 * dom_sock.c - the domain's socket calls: a SOCK_* request to the core, its
 * SOCKET_RESULT matched by request id, and SOCK_ACCEPTED routed to whoever
 * registered the listener (the OpenFlow engine, or a Lua server socket).
 * Every passed socket is remembered by fd with its id at the core, so that
 * closing it (by the engine or by Lua) sends SOCK_CLOSE and the core lets go
 * of its copy: otherwise a connection would stay open in the core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brk/brk.h"
#include "domain/dom.h"

struct dom_req {
    struct dom_req *next;
    uint32_t id;
    dom_sock_fn *fn; /* NULL: nobody waits (cancelled, or fire and forget) */
    void *ctx;
};

struct dom_lsn {
    struct dom_lsn *next;
    uint32_t id;
    dom_accept_fn *fn;
    void *ctx;
    int in_wait;
};

int dom_sock_init(struct dom *d)
{
    d->fd_sock = calloc(d->fd_cap ? d->fd_cap : 1, sizeof(*d->fd_sock));
    return d->fd_sock ? 0 : -1;
}

void dom_sock_text(const struct msg_addr *a, char *dst, size_t cap)
{
    brk_addr_format(a, dst, cap);
}

uint32_t dom_sock_request(struct dom *d, uint16_t type, const union msg_body *b, dom_sock_fn *fn,
                          void *ctx)
{
    struct dom_req *q = calloc(1, sizeof(*q));
    if (!q) dom_fatal(d, "out of memory for a socket request");
    if (!++d->next_req) d->next_req = 1;
    *q = (struct dom_req){d->reqs, d->next_req, fn, ctx};
    d->reqs = q;
    dom_send(d, type, q->id, b, NULL, 0);
    return q->id;
}

void dom_sock_cancel(struct dom *d, uint32_t id)
{
    for (struct dom_req *q = d->reqs; q; q = q->next)
        if (q->id == id) q->fn = NULL;
}

void dom_sock_forget_id(struct dom *d, uint32_t sock_id)
{
    union msg_body b = {.sock_id = {sock_id}};
    dom_sock_request(d, MSG_SOCK_CLOSE, &b, NULL, NULL);
}

void dom_sock_track(struct dom *d, int fd, uint32_t sock_id)
{
    if (fd >= 0 && (size_t)fd < d->fd_cap) {
        d->fd_sock[fd] = sock_id;
        d->n_socks++;
    }
}

void dom_sock_release(struct dom *d, int fd)
{
    if (fd < 0 || (size_t)fd >= d->fd_cap || !d->fd_sock[fd]) return;
    uint32_t id = d->fd_sock[fd];
    d->fd_sock[fd] = 0;
    d->n_socks--;
    dom_sock_forget_id(d, id);
}

void dom_sock_close(struct dom *d, int fd)
{
    dom_sock_release(d, fd);
    if (fd >= 0) close(fd);
}

int dom_sock_result(struct dom *d, uint32_t id, const struct msg_socket_result *m, int *fds,
                    struct msg_r *r)
{
    struct dom_req **p = &d->reqs;
    while (*p && (*p)->id != id)
        p = &(*p)->next;
    if (!*p) return msg_r_fail(r, "socket result for request %u, which was never sent", id);
    struct dom_req *q = *p;
    *p = q->next;
    int fd = -1;
    if (m->op == MSG_SOCK_CONNECT && !m->error) {
        fd = fds[0];
        fds[0] = -1; /* ours now */
        dom_sock_track(d, fd, m->sock_id);
    }
    if (q->fn) {
        q->fn(q->ctx, m, fd);
    } else if (!m->error && (m->op == MSG_SOCK_CONNECT || m->op == MSG_SOCK_LISTEN)) {
        /* Nobody wants it any more: give it back. */
        if (fd >= 0)
            dom_sock_close(d, fd);
        else
            dom_sock_forget_id(d, m->sock_id);
    }
    free(q);
    return MSG_OK;
}

void dom_sock_listen_on(struct dom *d, uint32_t id, dom_accept_fn *fn, void *ctx, int in_wait)
{
    struct dom_lsn *l = calloc(1, sizeof(*l));
    if (!l) dom_fatal(d, "out of memory for a listener");
    *l = (struct dom_lsn){d->lsns, id, fn, ctx, in_wait};
    d->lsns = l;
}

void dom_sock_unlisten(struct dom *d, uint32_t id)
{
    for (struct dom_lsn **p = &d->lsns; *p; p = &(*p)->next)
        if ((*p)->id == id) {
            struct dom_lsn *l = *p;
            *p = l->next;
            free(l);
            return;
        }
}

int dom_sock_accept_in_wait(struct dom *d, uint32_t listener_id)
{
    for (struct dom_lsn *l = d->lsns; l; l = l->next)
        if (l->id == listener_id) return l->in_wait;
    return 0;
}

int dom_sock_accepted(struct dom *d, const struct msg_sock_accepted *m, int *fds, int in_wait)
{
    int fd = fds[0];
    fds[0] = -1;
    dom_sock_track(d, fd, m->sock_id);
    struct dom_lsn *l = d->lsns;
    while (l && l->id != m->listener_id)
        l = l->next;
    if (!l || (in_wait && !l->in_wait)) { /* closed meanwhile (a reload) */
        dom_sock_close(d, fd);
        return MSG_OK;
    }
    l->fn(l->ctx, m->sock_id, fd, &m->peer);
    return MSG_OK;
}
