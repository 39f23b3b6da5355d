/*
 * brk_sock.c - the broker at run time: the sockets one domain holds through
 * the core, by id, and the five socket requests. The core keeps its own copy
 * of every brokered socket (SOCK_SETOPT and SOCK_GETNAME act on it, and
 * closing the copies is how the core ends the connections of a dead
 * domain); the domain announces with SOCK_CLOSE when it is done with one.
 * An incarnation can never hold more than max_socks of them, so a domain
 * that forgets SOCK_CLOSE only exhausts its own budget.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "brk/brk.h"
#include "lib/sock.h"

#define ACCEPT_BURST    64
#define ACCEPT_PAUSE_MS 100

enum { S_CONN = 1, S_LISTEN, S_CONNECTING };

struct brk_held {
    struct msg_addr addr; /* as configured (the key a SOCK_LISTEN names) */
    int fd;
    struct brk_sock *reg; /* this incarnation's registration, or NULL */
};

struct brk_sock {
    struct brk *b;
    struct brk_sock *next;
    uint32_t id;
    int kind, fd;
    struct msg_addr local, peer;
    struct brk_held *held; /* S_LISTEN on a held socket: the fd is not ours */
    uint32_t req;          /* S_CONNECTING: the request to answer */
    uint64_t timer;        /* S_CONNECTING: deadline; S_LISTEN: accept pause */
};

struct brk {
    struct ev_loop *loop;
    struct log *log;
    char name[MSG_NAME_MAX + 1];
    struct brk_policy pol;
    unsigned max_socks;
    brk_send_fn *send;
    void *ctx;
    struct brk_held held[BRK_HELD_MAX];
    size_t n_held;
    struct brk_sock *socks;
    size_t n_socks;
    uint32_t next_id;
    struct brk_counters cnt;
};

/* ---- addresses ---------------------------------------------------------------- */

static void addr_from_ss(const struct sockaddr_storage *ss, struct msg_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = MSG_AF_INET;
        a->port = ntohs(s4->sin_port);
        memcpy(a->addr, &s4->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = MSG_AF_INET6;
        a->port = ntohs(s6->sin6_port);
        memcpy(a->addr, &s6->sin6_addr, 16);
    }
}

static socklen_t addr_to_ss(const struct msg_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == MSG_AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->addr, 4);
        return sizeof(*s4);
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->addr, 16);
    return sizeof(*s6);
}

static void local_of(int fd, struct msg_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    memset(a, 0, sizeof(*a));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) addr_from_ss(&ss, a);
}

/* ---- the table --------------------------------------------------------------------- */

static struct brk_sock *sock_find(struct brk *b, uint32_t id)
{
    for (struct brk_sock *s = b->socks; s; s = s->next)
        if (s->id == id) return s;
    return NULL;
}

static struct brk_sock *sock_new(struct brk *b, int kind, int fd)
{
    struct brk_sock *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->b = b;
    s->kind = kind;
    s->fd = fd;
    /* Ids are per incarnation and never 0; wrapping after 2^32 sockets
     * skips ids still in use. */
    do {
        s->id = b->next_id++;
    } while (!s->id || sock_find(b, s->id));
    s->next = b->socks;
    b->socks = s;
    b->n_socks++;
    return s;
}

/* Stop watching and close (a held listener's fd stays open, unregistered). */
static void sock_drop(struct brk_sock *s)
{
    struct brk *b = s->b;
    if (s->timer) ev_timer_cancel(b->loop, s->timer);
    if (s->kind != S_CONN) ev_fd_del(b->loop, s->fd);
    if (s->held)
        s->held->reg = NULL;
    else
        close(s->fd);
    for (struct brk_sock **p = &b->socks; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    b->n_socks--;
    free(s);
}

/* ---- replies ------------------------------------------------------------------------ */

static int reply(struct brk *b, uint32_t req, uint16_t op, int error, const struct brk_sock *s,
                 int fd)
{
    union msg_body body;
    struct msg_socket_result *m = &body.socket_result;
    memset(&body, 0, sizeof(body));
    m->op = op;
    m->error = (uint32_t)(error > 0 && error <= 4095 ? error : error ? EIO : 0);
    if (!m->error && s) {
        m->sock_id = s->id;
        m->local = s->local;
        m->peer = s->peer;
    }
    int nfds = fd >= 0 && !m->error;
    return b->send(b->ctx, MSG_SOCKET_RESULT, req, &body, &fd, nfds) == MSG_OK ? MSG_OK : MSG_FATAL;
}

static int denied(struct brk *b, uint32_t req, uint16_t op, const char *what,
                  const struct msg_addr *a)
{
    char text[BRK_TEXT_MAX];
    brk_addr_format(a, text, sizeof(text));
    b->cnt.denied++;
    log_warn(b->log, "broker", "domain %s: %s %s denied by policy", b->name, what, text);
    return reply(b, req, op, EACCES, NULL, -1);
}

/* ---- accept -------------------------------------------------------------------------- */

static void accept_resume(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct brk_sock *l = ctx;
    (void)id;
    l->timer = 0;
    ev_fd_mod(loop, l->fd, EV_READ);
}

static void accept_one(struct brk *b, struct brk_sock *l, int fd, const struct sockaddr_storage *ss)
{
    if (b->n_socks >= b->max_socks) {
        log_warn(b->log, "broker", "domain %s holds %u sockets, its limit: connection refused",
                 b->name, b->max_socks);
        close(fd);
        return;
    }
    struct brk_sock *s = sock_new(b, S_CONN, fd);
    if (!s) {
        close(fd);
        return;
    }
    addr_from_ss(ss, &s->peer);
    local_of(fd, &s->local);
    union msg_body body = {.sock_accepted = {.listener_id = l->id, .sock_id = s->id}};
    body.sock_accepted.peer = s->peer;
    b->cnt.accepted++;
    /* The domain gets a copy; ours stays for SETOPT/GETNAME and for ending
     * the connection should the domain die. */
    if (b->send(b->ctx, MSG_SOCK_ACCEPTED, 0, &body, &fd, 1) != MSG_OK) sock_drop(s);
}

static void accept_cb(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct brk_sock *l = ctx;
    struct brk *b = l->b;
    uint32_t lid = l->id;
    (void)events;
    for (int i = 0; i < ACCEPT_BURST; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int cfd = sock_accept(fd, &ss, &len); /* non-blocking, close-on-exec, TCP_NODELAY */
        if (cfd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == ECONNABORTED || errno == EPROTO || errno == EPERM) continue;
            log_warn(b->log, "broker", "domain %s: accept: %s; pausing %d ms", b->name,
                     strerror(errno), ACCEPT_PAUSE_MS);
            ev_fd_mod(loop, fd, 0);
            l->timer = ev_timer_add(loop, ACCEPT_PAUSE_MS, 0, accept_resume, l);
            return;
        }
        accept_one(b, l, cfd, &ss);
        /* A failed send can end the domain (brk_down), and l with it. */
        if (!sock_find(b, lid)) return;
    }
}

/* ---- requests -------------------------------------------------------------------------- */

static struct brk_held *held_find(struct brk *b, const struct msg_addr *a)
{
    for (size_t i = 0; i < b->n_held; i++)
        if (brk_addr_equal(&b->held[i].addr, a)) return &b->held[i];
    return NULL;
}

int brk_listen(struct brk *b, uint32_t req, const struct msg_sock_listen *m)
{
    if (!brk_list_allows(&b->pol.listen, &m->addr))
        return denied(b, req, MSG_SOCK_LISTEN, "listen on", &m->addr);
    if (b->n_socks >= b->max_socks) return reply(b, req, MSG_SOCK_LISTEN, EMFILE, NULL, -1);
    struct brk_held *h = held_find(b, &m->addr);
    int fd;
    if (h) {
        if (h->reg) return reply(b, req, MSG_SOCK_LISTEN, EADDRINUSE, NULL, -1);
        fd = h->fd;
    } else {
        char text[BRK_TEXT_MAX];
        brk_addr_format(&m->addr, text, sizeof(text));
        fd = sock_listen(text, m->backlog, NULL, 0);
        if (fd < 0) return reply(b, req, MSG_SOCK_LISTEN, errno, NULL, -1);
    }
    struct brk_sock *s = sock_new(b, S_LISTEN, fd);
    if (!s || ev_fd_add(b->loop, fd, EV_READ, accept_cb, s) != 0) {
        int e = errno;
        if (s) {
            s->kind = S_CONN; /* not in the loop: sock_drop must not ev_fd_del it */
            s->held = h;
            sock_drop(s);
        } else if (!h) {
            close(fd);
        }
        return reply(b, req, MSG_SOCK_LISTEN, e ? e : ENOMEM, NULL, -1);
    }
    s->held = h;
    if (h) h->reg = s;
    local_of(fd, &s->local);
    return reply(b, req, MSG_SOCK_LISTEN, 0, s, -1);
}

static void connect_done(struct brk_sock *s, int error)
{
    struct brk *b = s->b;
    uint32_t req = s->req;
    if (s->timer) ev_timer_cancel(b->loop, s->timer);
    s->timer = 0;
    if (error) {
        sock_drop(s);
        reply(b, req, MSG_SOCK_CONNECT, error, NULL, -1);
        return;
    }
    ev_fd_del(b->loop, s->fd);
    s->kind = S_CONN;
    local_of(s->fd, &s->local);
    b->cnt.connects++;
    reply(b, req, MSG_SOCK_CONNECT, 0, s, s->fd);
}

static void connect_writable(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop, (void)fd, (void)events;
    struct brk_sock *s = ctx;
    connect_done(s, sock_connect_result(s->fd));
}

static void connect_timeout(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct brk_sock *s = ctx;
    s->timer = 0;
    connect_done(s, ETIMEDOUT);
}

int brk_connect(struct brk *b, uint32_t req, const struct msg_sock_connect *m)
{
    if (!brk_list_allows(&b->pol.connect, &m->addr))
        return denied(b, req, MSG_SOCK_CONNECT, "connect to", &m->addr);
    if (b->n_socks >= b->max_socks) return reply(b, req, MSG_SOCK_CONNECT, EMFILE, NULL, -1);
    struct sockaddr_storage ss;
    socklen_t len = addr_to_ss(&m->addr, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return reply(b, req, MSG_SOCK_CONNECT, errno, NULL, -1);
    struct brk_sock *s = sock_new(b, S_CONNECTING, fd);
    if (!s) {
        close(fd);
        return reply(b, req, MSG_SOCK_CONNECT, ENOMEM, NULL, -1);
    }
    s->req = req;
    s->peer = m->addr;
    int rc = connect(fd, (struct sockaddr *)&ss, len);
    if (rc != 0 && errno != EINPROGRESS) {
        s->kind = S_CONN; /* never added to the loop */
        int e = errno;
        sock_drop(s);
        return reply(b, req, MSG_SOCK_CONNECT, e, NULL, -1);
    }
    /* Even on loopback the answer waits for the event loop: one code path,
     * and the core never blocks on a peer. */
    if (ev_fd_add(b->loop, fd, EV_WRITE, connect_writable, s) != 0) {
        s->kind = S_CONN;
        sock_drop(s);
        return reply(b, req, MSG_SOCK_CONNECT, ENOMEM, NULL, -1);
    }
    s->timer = ev_timer_add(b->loop, BRK_CONNECT_TIMEOUT_MS, 0, connect_timeout, s);
    return MSG_OK;
}

int brk_close(struct brk *b, uint32_t req, const struct msg_sock_id *m)
{
    struct brk_sock *s = sock_find(b, m->sock_id);
    if (!s) return reply(b, req, MSG_SOCK_CLOSE, EBADF, NULL, -1);
    struct brk_sock echo = {.id = s->id};
    if (s->kind == S_CONNECTING) { /* the pending request is answered first */
        connect_done(s, ECANCELED);
    } else {
        sock_drop(s);
    }
    b->cnt.closed++;
    return reply(b, req, MSG_SOCK_CLOSE, 0, &echo, -1);
}

int brk_getname(struct brk *b, uint32_t req, const struct msg_sock_id *m)
{
    struct brk_sock *s = sock_find(b, m->sock_id);
    if (!s) return reply(b, req, MSG_SOCK_GETNAME, EBADF, NULL, -1);
    if (s->kind == S_CONNECTING) return reply(b, req, MSG_SOCK_GETNAME, ENOTCONN, NULL, -1);
    return reply(b, req, MSG_SOCK_GETNAME, 0, s, -1);
}

int brk_setopt(struct brk *b, uint32_t req, const struct msg_sock_setopt *m)
{
    struct brk_sock *s = sock_find(b, m->sock_id);
    if (!s) return reply(b, req, MSG_SOCK_SETOPT, EBADF, NULL, -1);
    /* The decoder bounded every value; these are the only options. */
    int level = SOL_SOCKET, name, v = (int)m->value;
    switch (m->opt) {
    case MSG_SO_NODELAY:
        level = IPPROTO_TCP, name = TCP_NODELAY;
        break;
    case MSG_SO_KEEPALIVE:
        name = SO_KEEPALIVE;
        break;
    case MSG_SO_SNDBUF:
        name = SO_SNDBUF;
        break;
    default:
        name = SO_RCVBUF;
        break;
    }
    if (setsockopt(s->fd, level, name, &v, sizeof(v)) != 0)
        return reply(b, req, MSG_SOCK_SETOPT, errno, NULL, -1);
    struct brk_sock echo = {.id = s->id};
    return reply(b, req, MSG_SOCK_SETOPT, 0, &echo, -1);
}

/* ---- lifetime ------------------------------------------------------------------------- */

struct brk *brk_new(struct ev_loop *loop, struct log *log, const char *name,
                    const struct brk_policy *pol, unsigned max_socks, brk_send_fn *send, void *ctx)
{
    struct brk *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    b->loop = loop;
    b->log = log;
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->pol = *pol;
    b->max_socks = max_socks;
    b->send = send;
    b->ctx = ctx;
    b->next_id = 1;
    return b;
}

int brk_hold(struct brk *b, const char *text, int backlog, char *err, size_t errcap)
{
    struct msg_addr a;
    if (b->n_held == BRK_HELD_MAX) {
        snprintf(err, errcap, "more than %d listeners", BRK_HELD_MAX);
        return -1;
    }
    if (brk_addr_parse(text, &a, err, errcap) != 0) return -1;
    if (held_find(b, &a)) return 0; /* named twice: one socket */
    int fd = sock_listen(text, backlog, err, errcap);
    if (fd < 0) return -1;
    struct brk_held *h = &b->held[b->n_held++];
    h->addr = a;
    h->fd = fd;
    h->reg = NULL;
    return 0;
}

void brk_up(struct brk *b)
{
    brk_down(b);
}

void brk_down(struct brk *b)
{
    while (b->socks)
        sock_drop(b->socks);
    b->next_id = 1;
}

void brk_free(struct brk *b)
{
    if (!b) return;
    brk_down(b);
    for (size_t i = 0; i < b->n_held; i++)
        close(b->held[i].fd);
    free(b);
}

void brk_counters(const struct brk *b, struct brk_counters *out)
{
    *out = b->cnt;
    out->open = b->n_socks;
    out->held = b->n_held;
}
