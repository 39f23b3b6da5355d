/*
 * ofc_listen.c - where connections come from: listening sockets (opened here
 * or handed over by the core), accept in bursts, and adopted connected fds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/sock.h"
#include "ofc/ofc_internal.h"

static void ofc_accept_resume(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc_listener *l = ctx;
    (void)id;
    l->retry_timer = 0;
    ev_fd_mod(loop, l->fd, EV_READ);
}

static void ofc_accept_cb(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct ofc_listener *l = ctx;
    struct ofc *c = l->c;
    (void)events;
    ofc_enter(c);
    for (int i = 0; i < OFC_ACCEPT_BURST; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = sock_accept(fd, &ss, &sl);
        if (cfd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ECONNABORTED || errno == EPROTO || errno == EPERM) continue;
            /* Out of fds or memory: the pending connection stays in the backlog
             * and level-triggered epoll would report it at once, forever.
             * Pause this listener instead of spinning. */
            log_warn(c->log, OFC_MOD, "accept failed: %s; pausing the listener for %d ms",
                     strerror(errno), OFC_ACCEPT_PAUSE_MS);
            ev_fd_mod(loop, fd, 0);
            l->retry_timer = ev_timer_add(loop, OFC_ACCEPT_PAUSE_MS, 0, ofc_accept_resume, l);
            break;
        }
        char peer[OFC_PEER_MAX];
        if (sock_format_addr((struct sockaddr *)&ss, sl, peer, sizeof(peer)) < 0)
            snprintf(peer, sizeof(peer), "fd %d", cfd);
        ofc_sw_new(c, cfd, peer, l->tls);
    }
    ofc_leave(c);
}

int ofc_listen_fd(struct ofc *c, int fd)
{
    return ofc_listen_fd_tls(c, fd, NULL);
}

int ofc_listen_fd_tls(struct ofc *c, int fd, struct tls_ctx *tls)
{
    struct ofc_listener *l = calloc(1, sizeof(*l));
    if (!l || sock_set_nonblock(fd) < 0 || ev_fd_add(c->loop, fd, EV_READ, ofc_accept_cb, l) < 0) {
        log_error(c->log, OFC_MOD, "cannot take over listening fd %d: %s", fd, strerror(errno));
        free(l);
        return -1;
    }
    l->c = c;
    l->fd = fd;
    l->tls = tls;
    l->next = c->listeners;
    c->listeners = l;
    return 0;
}

int ofc_listen(struct ofc *c, const char *addr, char *err, size_t errcap)
{
    char e[SOCK_ERR_MAX] = "";
    int fd = sock_listen(addr, c->cfg.listen_backlog, e, sizeof(e));
    if (fd < 0 || ofc_listen_fd(c, fd) < 0) {
        if (fd >= 0) {
            close(fd);
            snprintf(e, sizeof(e), "cannot watch the listener on %s", addr);
        }
        if (err && errcap) snprintf(err, errcap, "%s", e);
        return -1;
    }
    log_info(c->log, OFC_MOD, "listening on %s (backlog %d)", addr, c->cfg.listen_backlog);
    return 0;
}

int ofc_adopt_fd(struct ofc *c, int fd, const char *peer)
{
    return ofc_adopt_tls(c, fd, peer, NULL);
}

int ofc_adopt_tls(struct ofc *c, int fd, const char *peer, struct tls_ctx *tls)
{
    char buf[OFC_PEER_MAX];
    if (fd < 0) return -1;
    if (sock_set_nonblock(fd) < 0) {
        log_error(c->log, OFC_MOD, "adopted fd %d: %s", fd, strerror(errno));
        ofc_close_fd(c, fd);
        return -1;
    }
    sock_set_cloexec(fd);
    sock_set_nodelay(fd); /* fails harmlessly on non-TCP sockets */
    if (!peer) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ||
            sock_format_addr((struct sockaddr *)&ss, sl, buf, sizeof(buf)) < 0)
            snprintf(buf, sizeof(buf), "fd %d", fd);
        peer = buf;
    }
    return ofc_sw_new(c, fd, peer, tls) ? 0 : -1;
}

void ofc_listeners_free(struct ofc *c)
{
    while (c->listeners) {
        struct ofc_listener *l = c->listeners;
        c->listeners = l->next;
        if (l->retry_timer) ev_timer_cancel(c->loop, l->retry_timer);
        ev_fd_del(c->loop, l->fd);
        close(l->fd);
        free(l);
    }
}
