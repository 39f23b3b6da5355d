/*
 * dom_cluster_conn.c - the cluster domain's connections to etcd. Two per
 * endpoint, both brokered by the core (SOCK_CONNECT to an endpoint of
 * [cluster], nothing else is allowed): one carries requests, pipelined
 * (HTTP/1.1 answers in order, so a FIFO matches them); the other the one
 * long watch response. A watch on the request connection would block the
 * requests behind it, hence two.
 *
 * Any trouble on either - refused connection, TLS failure, a malformed
 * answer, an answer that does not come within request_timeout - ends both
 * and moves on to the next endpoint: at once the first time round the
 * list, then with a back-off of 100 ms doubling to 2 s. Requests waiting
 * on the dead connection fail (status -1); the state machine (dom_cluster.c)
 * redoes its work on the next connection from etcd's state, so nothing here
 * retries a request by itself: a retried put could land twice, a retried
 * campaign after the first one succeeded could look lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brk/brk.h"
#include "domain/dom_cluster.h"
#include "tls/tls.h"

#define DCL_OUT_MAX   (4u << 20)
#define DCL_BACKOFF_MIN 100
#define DCL_BACKOFF_MAX 2000

struct dcl_req {
    struct dcl_req *next;
    dcl_done_fn *fn;
    void *ctx;
    uint64_t deadline_ms;
};

struct dcl_conn {
    struct dom_cluster *k;
    int stream;
    int fd;
    uint32_t sock_req; /* the broker's connect in flight, 0 none */
    struct tls_conn *t;
    int ready; /* connected (and TLS established) */
    struct etcd_http *http;
    struct buf out;
    struct dcl_req *head, *tail;
    uint64_t watch_deadline_ms; /* no "created" yet by then: the member is stuck */
};

const char *dcl_endpoint(const struct dom_cluster *k)
{
    return k->ep_text[k->ep_cur];
}

static void conn_close(struct dcl_conn *c, const char *why)
{
    struct dom_cluster *k = c->k;
    if (c->sock_req) dom_sock_cancel(k->d, c->sock_req);
    c->sock_req = 0;
    if (c->fd >= 0) {
        ev_fd_del(k->d->loop, c->fd);
        if (c->t) tls_conn_free(c->t);
        dom_sock_close(k->d, c->fd);
    }
    c->t = NULL;
    c->fd = -1;
    c->ready = 0;
    etcd_http_free(c->http);
    c->http = NULL;
    buf_clear(&c->out);
    c->watch_deadline_ms = 0;
    /* the waiting requests fail, in order; a callback may send new ones,
     * which fail at once (not connected) */
    struct dcl_req *q = c->head;
    c->head = c->tail = NULL;
    while (q) {
        struct dcl_req *n = q->next;
        if (q->fn) q->fn(k, q->ctx, -1, why, strlen(why));
        free(q);
        q = n;
    }
}

static void retry_due(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct dom_cluster *k = ctx;
    k->retry_timer = 0;
    dcl_conn_start(k);
}

void dcl_conn_fail(struct dom_cluster *k, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    int was_up = k->rq->ready || k->rq->fd >= 0 || k->rq->sock_req;
    if (!was_up && k->retry_timer) return; /* failed already; the retry is set */
    snprintf(k->last_error, sizeof(k->last_error), "%s: %s", dcl_endpoint(k), why);
    conn_close(k->watch, why);
    conn_close(k->rq, why);
    dcl_lost(k, k->last_error);
    k->failures++;
    k->ep_cur = (k->ep_cur + 1) % k->n_ep;
    uint64_t wait = 0;
    if (k->failures >= k->n_ep) {
        unsigned rounds = (unsigned)(k->failures / k->n_ep);
        wait = DCL_BACKOFF_MIN << (rounds > 5 ? 5 : rounds - 1);
        if (wait > DCL_BACKOFF_MAX) wait = DCL_BACKOFF_MAX;
    }
    if (k->retry_timer) ev_timer_cancel(k->d->loop, k->retry_timer);
    k->retry_timer = ev_timer_add(k->d->loop, wait, 0, retry_due, k);
}

/* ---- bytes in and out ------------------------------------------------------------------ */

static ssize_t io_read(struct dcl_conn *c, void *p, size_t n)
{
    if (c->t) return tls_conn_read(c->t, p, n);
    ssize_t r = read(c->fd, p, n);
    return r;
}

/* Write what is staged: 0, or -1 with the connection failed. */
static int flush(struct dcl_conn *c)
{
    struct dom_cluster *k = c->k;
    while (buf_len(&c->out)) {
        ssize_t n = c->t ? tls_conn_write(c->t, buf_data(&c->out), buf_len(&c->out))
                         : write(c->fd, buf_data(&c->out), buf_len(&c->out));
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) {
            dcl_conn_fail(k, "write: %s",
                          errno == EPROTO && c->t ? tls_conn_error(c->t) : strerror(errno));
            return -1;
        }
        if (n == 0) break;
        buf_consume(&c->out, (size_t)n);
    }
    int pending = buf_len(&c->out) > 0;
    if (c->t) {
        int f = tls_conn_flush(c->t);
        if (f < 0) {
            dcl_conn_fail(k, "write: %s", strerror(errno));
            return -1;
        }
        pending |= f > 0;
    }
    ev_fd_mod(k->d->loop, c->fd, EV_READ | (pending ? EV_WRITE : 0));
    return 0;
}

static void got_message(struct dcl_conn *c, int status, const char *json, size_t len)
{
    struct dom_cluster *k = c->k;
    if (c->stream) {
        c->watch_deadline_ms = 0;
        dcl_watch_msg(k, status, json, len);
        return;
    }
    struct dcl_req *q = c->head;
    if (!q) {
        dcl_conn_fail(k, "an answer to no request");
        return;
    }
    c->head = q->next;
    if (!c->head) c->tail = NULL;
    if (q->fn) q->fn(k, q->ctx, status, json, len);
    free(q);
}

static void readable(struct dcl_conn *c)
{
    struct dom_cluster *k = c->k;
    uint8_t tmp[16384];
    for (;;) {
        ssize_t n = io_read(c, tmp, sizeof(tmp));
        if (n == 0) {
            char why[ETCD_ERR_MAX];
            if (etcd_http_eof(c->http, why, sizeof(why)) != 0)
                dcl_conn_fail(k, "%s", why);
            else
                dcl_conn_fail(k, "the member closed the connection");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN) break;
            dcl_conn_fail(k, "read: %s",
                          errno == EPROTO && c->t ? tls_conn_error(c->t) : strerror(errno));
            return;
        }
        char why[ETCD_ERR_MAX];
        if (etcd_http_feed(c->http, tmp, (size_t)n, why, sizeof(why)) != 0) {
            dcl_conn_fail(k, "%s", why);
            return;
        }
        int status;
        const char *json;
        size_t len;
        struct dcl_conn *self = c;
        while (self->http && etcd_http_take(self->http, &status, &json, &len) == 1) {
            got_message(self, status, json, len);
            if (self->fd < 0) return; /* a callback failed the connection */
        }
        if (c->fd < 0) return;
        if (c->t && !tls_conn_buffered(c->t) && tls_conn_drained(c->t)) break;
    }
    flush(c);
}

static void watch_connected(struct dom_cluster *k);

/* Connected, TLS done: the request connection lets the state machine
 * start; the watch connection sends its one request. */
static void became_ready(struct dcl_conn *c)
{
    c->ready = 1;
    if (c->stream)
        watch_connected(c->k);
    else
        dcl_connected(c->k);
    if (c->fd >= 0) flush(c);
}

static void handshake(struct dcl_conn *c)
{
    struct dom_cluster *k = c->k;
    int rc = tls_conn_handshake(c->t);
    if (rc == TLS_AGAIN) {
        int f = tls_conn_flush(c->t);
        ev_fd_mod(k->d->loop, c->fd, EV_READ | (f > 0 ? EV_WRITE : 0));
        return;
    }
    if (rc == TLS_ERR) {
        dcl_conn_fail(k, "TLS handshake: %s", tls_conn_error(c->t));
        return;
    }
    became_ready(c);
}

static void conn_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop, (void)fd;
    struct dcl_conn *c = ctx;
    if (c->t && !tls_conn_established(c->t)) {
        handshake(c);
        return;
    }
    if (events & EV_READ) readable(c);
    if (c->fd >= 0 && (events & EV_WRITE)) flush(c);
}

static void connected(void *ctx, const struct msg_socket_result *r, int fd)
{
    struct dcl_conn *c = ctx;
    struct dom_cluster *k = c->k;
    c->sock_req = 0;
    if (!r) return; /* shutting down */
    if (r->error || fd < 0) {
        if (fd >= 0) dom_sock_close(k->d, fd);
        dcl_conn_fail(k, "connect: %s", strerror(r->error ? (int)r->error : EIO));
        return;
    }
    c->fd = fd;
    dom_sock_track(k->d, fd, r->sock_id);
    int fl = fcntl(fd, F_GETFL);
    c->http = etcd_http_new(c->stream);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 || !c->http ||
        ev_fd_add(k->d->loop, fd, EV_READ, conn_event, c) != 0) {
        dcl_conn_fail(k, "cannot set the connection up");
        return;
    }
    union msg_body b = {.sock_setopt = {r->sock_id, MSG_SO_NODELAY, 1}};
    dom_sock_request(k->d, MSG_SOCK_SETOPT, &b, NULL, NULL);
    if (k->tls) {
        c->t = tls_conn_new(k->tls, fd);
        if (!c->t) {
            dcl_conn_fail(k, "out of memory for TLS");
            return;
        }
        handshake(c);
        return;
    }
    became_ready(c);
}

static void conn_open(struct dcl_conn *c)
{
    struct dom_cluster *k = c->k;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.sock_connect.addr = k->ep[k->ep_cur];
    c->sock_req = dom_sock_request(k->d, MSG_SOCK_CONNECT, &b, connected, c);
}

/* The time-outs: the oldest request, and a watch that was asked for but
 * never confirmed. A member that accepts and then says nothing is as dead
 * as one that refuses, and costs more: it would hold the lease's renewals. */
static void tick(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct dom_cluster *k = ctx;
    uint64_t now = ev_now_ms(loop);
    if (k->rq->head && now > k->rq->head->deadline_ms)
        dcl_conn_fail(k, "no answer within %u ms", k->timeout_ms);
    else if (k->watch->watch_deadline_ms && now > k->watch->watch_deadline_ms)
        dcl_conn_fail(k, "the watch was not confirmed within %u ms", k->timeout_ms);
}

int dcl_conn_init(struct dom_cluster *k)
{
    k->rq = calloc(1, sizeof(*k->rq));
    k->watch = calloc(1, sizeof(*k->watch));
    if (!k->rq || !k->watch) return -1;
    k->rq->k = k->watch->k = k;
    k->rq->fd = k->watch->fd = -1;
    k->watch->stream = 1;
    buf_init(&k->rq->out, DCL_OUT_MAX);
    buf_init(&k->watch->out, 64 * 1024);
    k->tick_timer = ev_timer_add(k->d->loop, 100, 100, tick, k);
    return 0;
}

void dcl_conn_start(struct dom_cluster *k)
{
    if (k->rq->fd >= 0 || k->rq->sock_req) return;
    conn_open(k->rq);
}

static int send_on(struct dcl_conn *c, const char *path, const char *body, size_t len)
{
    struct dom_cluster *k = c->k;
    if (!c->ready) return -1;
    size_t cap = len + 512;
    if (buf_reserve(&c->out, cap) != BUF_OK) {
        dcl_conn_fail(k, "more than %u bytes waiting for the member", DCL_OUT_MAX);
        return -1;
    }
    int n = etcd_http_request((char *)buf_tail(&c->out), cap, dcl_endpoint(k), path, body, len);
    if (n < 0) return -1;
    buf_commit(&c->out, (size_t)n);
    return 0;
}

int dcl_request(struct dom_cluster *k, const char *path, const char *body, size_t len,
                dcl_done_fn *fn, void *ctx)
{
    struct dcl_conn *c = k->rq;
    struct dcl_req *q = calloc(1, sizeof(*q));
    if (!q) return -1;
    if (send_on(c, path, body, len) != 0) {
        free(q);
        return -1;
    }
    q->fn = fn;
    q->ctx = ctx;
    q->deadline_ms = ev_now_ms(k->d->loop) + k->timeout_ms;
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    flush(c);
    return 0;
}

static char watch_body[1024];
static size_t watch_len;

static void watch_connected(struct dom_cluster *k)
{
    struct dcl_conn *c = k->watch;
    if (send_on(c, "/v3/watch", watch_body, watch_len) != 0) {
        dcl_conn_fail(k, "cannot send the watch request");
        return;
    }
    c->watch_deadline_ms = ev_now_ms(k->d->loop) + k->timeout_ms;
}

int dcl_watch_start(struct dom_cluster *k, const char *body, size_t len)
{
    struct dcl_conn *c = k->watch;
    if (len > sizeof(watch_body)) return -1;
    memcpy(watch_body, body, len);
    watch_len = len;
    if (c->fd >= 0 || c->sock_req) conn_close(c, "watch restarted");
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.sock_connect.addr = k->ep[k->ep_cur];
    c->sock_req = dom_sock_request(k->d, MSG_SOCK_CONNECT, &b, connected, c);
    return 0;
}

void dcl_conn_stop(struct dom_cluster *k)
{
    if (!k->rq) return;
    conn_close(k->watch, "shutting down");
    conn_close(k->rq, "shutting down");
    buf_free(&k->rq->out);
    buf_free(&k->watch->out);
    free(k->rq);
    free(k->watch);
    k->rq = k->watch = NULL;
}
