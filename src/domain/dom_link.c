/*
 * dom_link.c - the domain's end of its socketpair (fd 3): receiving in the
 * event loop, sending through an ordered queue, the log sink that turns log
 * lines into LOG messages, and nested waits.
 *
 * A nested wait is how a Lua socket call (connect, accept, receive with a
 * timeout) waits inside a Lua handler without a second thread: it polls fd 3
 * and the sockets in question for at most DOM_WAIT_MAX_MS. Socket answers
 * are handled at once (they are what the call waits for); every other
 * message is copied aside and handled by the main loop afterwards, in
 * order, so nothing the core sends (a reload, a control request) runs
 * inside a Lua call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/dom.h"

#define MSGS_PER_EVENT 64
#define DEFER_MAX      64 /* messages kept aside during one wait */

struct dom_deferred {
    struct dom_deferred *next;
    struct msg_hdr h;
    int fds[MSG_MAX_FDS], nfds;
    uint8_t p[];
};

static uint8_t *wait_rx; /* payload of a message received inside a wait */

static void link_sync(struct dom *d)
{
    ev_fd_mod(d->loop, d->fd, EV_READ | (msg_outq_len(&d->out) ? EV_WRITE : 0));
}

/* The core went away: there is nobody to report to. */
__attribute__((noreturn)) static void core_gone(void)
{
    exit(0);
}

void dom_send(struct dom *d, uint16_t type, uint32_t id, const union msg_body *b, const int *fds,
              int nfds)
{
    char err[MSG_ERR_MAX];
    int rc = msg_outq_send(&d->out, d->fd, type, id, b, fds, nfds, err, sizeof(err));
    if (rc == MSG_EOF) core_gone();
    if (rc != MSG_OK) {
        /* Not through the log: the log is this same link. */
        dprintf(2, "visorflow-domain: sending %s: %s\n", msg_type_name(type), err);
        exit(2);
    }
    link_sync(d);
}

void dom_log_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                  const char *msg)
{
    (void)unix_ms; /* the core stamps the time */
    struct dom *d = ctx;
    if (msg_outq_len(&d->out) >= DOM_LOG_QUEUE) { /* a flood of lines must not eat the queue */
        d->log_dropped++;
        return;
    }
    union msg_body b;
    struct msg_log *m = &b.log;
    memset(&b, 0, sizeof(b));
    m->level = (uint8_t)level;
    /* Module names are names on the wire: anything else becomes '_'. */
    size_t k = 0;
    for (; module[k] && k < MSG_NAME_MAX; k++) {
        char c = module[k];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '-';
        m->module[k] = ok ? c : '_';
    }
    if (!k) m->module[k++] = '-';
    m->module[k] = '\0';
    snprintf(m->text, sizeof(m->text), "%s", msg);
    char err[MSG_ERR_MAX];
    if (msg_outq_send(&d->out, d->fd, MSG_LOG, 0, &b, NULL, 0, err, sizeof(err)) == MSG_EOF)
        core_gone();
    link_sync(d);
}

/* ---- receiving in the main loop ------------------------------------------------ */

static void drain_deferred(struct dom *d)
{
    while (d->dq_head && !d->waiting) {
        struct dom_deferred *it = d->dq_head;
        d->dq_head = it->next;
        if (!d->dq_head) d->dq_tail = NULL;
        d->dq_n--;
        dom_handle(d, &it->h, it->p, it->fds, it->nfds);
        msg_close_fds(it->fds, it->nfds);
        free(it);
    }
}

static void deferred_due(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct dom *d = ctx;
    d->deferred_timer = 0;
    drain_deferred(d);
}

/* One message into h/buf/fds: MSG_OK or MSG_AGAIN; the rest ends us. */
static int recv_one(struct dom *d, struct msg_hdr *h, uint8_t *buf, int *fds, int *nfds)
{
    char err[MSG_ERR_MAX];
    int rc = msg_recv(d->fd, h, buf, MSG_MAX_PAYLOAD, fds, nfds, err, sizeof(err));
    if (rc == MSG_EOF) core_gone();
    if (rc == MSG_FATAL) dom_fatal(d, "from the core: %s", err);
    return rc;
}

static void link_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop;
    struct dom *d = ctx;
    char err[MSG_ERR_MAX];
    if (events & EV_WRITE) {
        if (msg_outq_flush(&d->out, fd, err, sizeof(err)) == MSG_EOF) core_gone();
        link_sync(d);
    }
    if (!(events & EV_READ)) return;
    drain_deferred(d); /* what arrived earlier goes first */
    for (int i = 0; i < MSGS_PER_EVENT; i++) {
        struct msg_hdr h;
        int fds[MSG_MAX_FDS], nfds = 0;
        if (recv_one(d, &h, d->rx, fds, &nfds) != MSG_OK) return;
        dom_handle(d, &h, d->rx, fds, nfds);
    }
}

void dom_link_init(struct dom *d)
{
    wait_rx = malloc(MSG_MAX_PAYLOAD);
    if (!wait_rx || msg_outq_init(&d->out, DOM_OUTQ_MAX) != MSG_OK) exit(3);
    fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) | O_NONBLOCK);
    if (ev_fd_add(d->loop, d->fd, EV_READ, link_event, d) != 0) exit(3);
}

/* ---- nested waits ----------------------------------------------------------------- */

static void defer(struct dom *d, const struct msg_hdr *h, const uint8_t *p, int *fds, int nfds)
{
    struct dom_deferred *it = malloc(sizeof(*it) + h->len);
    if (!it) dom_fatal(d, "out of memory keeping a message aside");
    it->next = NULL;
    it->h = *h;
    it->nfds = nfds;
    for (int i = 0; i < nfds; i++) {
        it->fds[i] = fds[i];
        fds[i] = -1;
    }
    memcpy(it->p, p, h->len);
    if (d->dq_tail)
        d->dq_tail->next = it;
    else
        d->dq_head = it;
    d->dq_tail = it;
    d->dq_n++;
}

/* Is this message one a waiting socket call may need now? */
static int wanted_in_wait(struct dom *d, const struct msg_hdr *h, const uint8_t *p)
{
    if (h->type == MSG_SOCKET_RESULT) return 1;
    if (h->type != MSG_SOCK_ACCEPTED || h->len < 4) return 0;
    uint32_t lid = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return dom_sock_accept_in_wait(d, lid);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read what fd 3 has: socket answers handled, the rest kept aside. */
static void pump(struct dom *d)
{
    for (int i = 0; i < MSGS_PER_EVENT && d->dq_n < DEFER_MAX; i++) {
        struct msg_hdr h;
        int fds[MSG_MAX_FDS], nfds = 0;
        if (recv_one(d, &h, wait_rx, fds, &nfds) != MSG_OK) return;
        if (wanted_in_wait(d, &h, wait_rx))
            dom_handle(d, &h, wait_rx, fds, nfds);
        else
            defer(d, &h, wait_rx, fds, nfds);
        msg_close_fds(fds, nfds);
    }
}

int dom_link_wait(struct dom *d, int (*done)(void *ctx), void *ctx, struct pollfd *pfds, int npfds,
                  int timeout_ms)
{
    struct pollfd all[65];
    char err[MSG_ERR_MAX];
    int rc = 0;
    if (npfds > 64) npfds = 64;
    uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    d->waiting++;
    for (;;) {
        if (done && done(ctx)) {
            rc = 1;
            break;
        }
        if (msg_outq_len(&d->out) && msg_outq_flush(&d->out, d->fd, err, sizeof(err)) == MSG_EOF)
            core_gone();
        all[0] = (struct pollfd){d->fd, POLLIN | (msg_outq_len(&d->out) ? POLLOUT : 0), 0};
        if (d->dq_n >= DEFER_MAX) all[0].events &= (short)~POLLIN; /* full: leave it queued */
        for (int i = 0; i < npfds; i++)
            all[i + 1] = (struct pollfd){pfds[i].fd, pfds[i].events, 0};
        uint64_t now = now_ms();
        int left = now >= deadline ? 0 : (int)(deadline - now);
        int n = poll(all, (nfds_t)npfds + 1, left);
        if (n < 0 && errno != EINTR) break;
        int ready = 0;
        for (int i = 0; n > 0 && i < npfds; i++)
            ready |= (pfds[i].revents = all[i + 1].revents) != 0;
        if (ready) {
            rc = 1;
            break;
        }
        if (n > 0 && (all[0].revents & (POLLIN | POLLHUP | POLLERR))) pump(d);
        if (left == 0) {
            rc = done && done(ctx);
            break;
        }
    }
    d->waiting--;
    link_sync(d);
    if (d->dq_n && !d->waiting && !d->deferred_timer)
        d->deferred_timer = ev_timer_add(d->loop, 0, 0, deferred_due, d);
    return rc;
}
