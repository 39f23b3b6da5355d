/*
 * dom_mgmt.c - the domain of kind "mgmt": the management API server
 * (docs/mgmt.md). TLS 1.3 terminates here with the key material the core
 * sent in TLS_CONFIG; every client must present a certificate that chains to
 * [mgmt] tls_ca, and its subject CN decides its role (mgmt_auth.c). Requests
 * are framed, bounded and parsed here (mgmt_proto.c); what goes to the core
 * is a fixed-layout message (dom_mgmt_req.c).
 *
 * One request at a time per client: while one is in progress nothing more is
 * read from that client, so a client that pipelines costs at most one
 * request's buffer. Every client has a deadline (idle_ms) reset by progress:
 * a client that does not finish its handshake, its request, or reading its
 * answer in time is closed, and no client waits on another (each socket has
 * its own non-blocking TLS state). Over max_clients a new connection is
 * closed at once. Every refusal is logged with the peer and the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brk/brk.h"
#include "domain/dom_mgmt.h"
#include "tls/tls.h"

#define MGMT_MAX_LISTEN 4

struct mgmt_lsn {
    struct dom *d;
    char text[BRK_TEXT_MAX];
};

struct dom_mgmt {
    struct dom *d;
    struct tls_ctx *tls;
    int tls_seen;
    struct mgmt_lsn lsn[MGMT_MAX_LISTEN];
    size_t nlsn;
    char **admins, **viewers;
    size_t n_admins, n_viewers;
    unsigned max_clients;
    uint32_t idle_ms;
    struct mgmt_client *clients;
    unsigned n_clients;
    uint64_t accepted, refused, requests, denied, bad;
};

/* ---- clients -------------------------------------------------------------------------- */

static void client_event(struct ev_loop *loop, int fd, int events, void *ctx);

void mgmt_client_close(struct mgmt_client *c, const char *why)
{
    struct dom_mgmt *m = c->m;
    if (why) log_info(&m->d->log, "mgmt", "client %s%s%s: closed: %s", c->peer, c->cn[0] ? " CN=" : "", c->cn, why);
    mgmt_req_forget(m->d, c);
    for (struct mgmt_client **p = &m->clients; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    m->n_clients--;
    if (c->timer) ev_timer_cancel(m->d->loop, c->timer);
    ev_fd_del(m->d->loop, c->fd);
    if (c->t) tls_conn_free(c->t);
    dom_sock_close(m->d, c->fd);
    buf_free(&c->out);
    buf_free(&c->acc);
    free(c);
}

static void deadline(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct mgmt_client *c = ctx;
    c->timer = 0;
    if (c->busy) { /* the core's answer has its own timeouts */
        c->timer = ev_timer_add(loop, c->m->idle_ms, 0, deadline, c);
        return;
    }
    char why[96];
    snprintf(why, sizeof(why), "%s for %u ms",
             !tls_conn_established(c->t) ? "no TLS handshake"
             : buf_len(&c->out)          ? "not reading its answer"
                                         : "idle",
             c->m->idle_ms);
    if (!tls_conn_established(c->t) || buf_len(&c->out)) c->m->refused++;
    mgmt_client_close(c, why);
}

static void progress(struct mgmt_client *c)
{
    if (c->timer) ev_timer_cancel(c->m->d->loop, c->timer);
    c->timer = ev_timer_add(c->m->d->loop, c->m->idle_ms, 0, deadline, c);
}

/* Write what is staged; 0, or -1 when the client was closed. */
static int client_flush(struct mgmt_client *c)
{
    while (buf_len(&c->out)) {
        ssize_t n = tls_conn_write(c->t, buf_data(&c->out), buf_len(&c->out));
        if (n < 0) {
            mgmt_client_close(c, errno == EPROTO ? tls_conn_error(c->t) : strerror(errno));
            return -1;
        }
        if (n == 0) break; /* ciphertext still waiting for the socket */
        buf_consume(&c->out, (size_t)n);
        progress(c);
    }
    int f = tls_conn_flush(c->t);
    if (f < 0) {
        mgmt_client_close(c, strerror(errno));
        return -1;
    }
    if (!buf_len(&c->out) && !f && c->closing) {
        mgmt_client_close(c, NULL);
        return -1;
    }
    int want = (buf_len(&c->out) || f) ? EV_WRITE : 0;
    if (!c->busy && !c->closing) want |= EV_READ;
    ev_fd_mod(c->m->d->loop, c->fd, want);
    return 0;
}

void mgmt_respond(struct mgmt_client *c, unsigned status, const char *text, size_t len)
{
    uint8_t hdr[MGMT_HDR_LEN];
    if (len > MGMT_RESP_MAX) {
        static const char big[] = "the answer is larger than the protocol's limit";
        status = MGMT_ST_FAILED, text = big, len = sizeof(big) - 1;
    }
    mgmt_frame_put(hdr, (uint16_t)status, (uint32_t)len);
    if (buf_append(&c->out, hdr, sizeof(hdr)) != BUF_OK ||
        (len && buf_append(&c->out, text, len) != BUF_OK)) {
        mgmt_client_close(c, "out of memory for its answer");
        return;
    }
    c->busy = 0;
    c->hlen = c->blen = 0;
    if (status != MGMT_ST_OK) {
        size_t shown = len > 300 ? 300 : len;
        while (shown && text[shown - 1] == '\n')
            shown--;
        if (status == MGMT_ST_FORBIDDEN) c->m->denied++;
        log_warn(&c->m->d->log, "mgmt", "client %s CN=%s: refused (%u %s): %.*s", c->peer,
                 c->cn[0] ? c->cn : "(none)", status, mgmt_status_name(status), (int)shown, text);
    }
    progress(c);
    client_flush(c);
}

/* A broken frame: answer, then close (the stream cannot be re-synchronised). */
static void refuse_frame(struct mgmt_client *c, int status, const char *why)
{
    c->m->bad++;
    c->closing = 1;
    mgmt_respond(c, (unsigned)status, why, strlen(why));
}

static void got_request(struct mgmt_client *c)
{
    struct dom_mgmt *m = c->m;
    struct mgmt_req rq;
    char why[MGMT_ERR_MAX + 64];
    m->requests++;
    int st = mgmt_req_parse(c->body, c->blen, &rq, why, sizeof(why));
    if (st == MGMT_ST_OK) st = mgmt_authorise(c->role, c->cn, rq.op, why, sizeof(why));
    if (st != MGMT_ST_OK) {
        if (st == MGMT_ST_BAD) m->bad++;
        mgmt_respond(c, (unsigned)st, why, strlen(why));
        return;
    }
    log_info(&m->d->log, "mgmt", "client %s CN=%s (%s): %.*s", c->peer, c->cn,
             mgmt_role_name(c->role), (int)c->blen, (const char *)c->body);
    c->busy = 1;
    mgmt_req_start(m->d, c, &rq);
}

/* Read while there is something and no request is in progress. */
static void client_read(struct mgmt_client *c)
{
    while (!c->busy && !c->closing) {
        uint8_t *dst;
        size_t want;
        if (c->hlen < MGMT_HDR_LEN) {
            dst = c->hdr + c->hlen;
            want = MGMT_HDR_LEN - c->hlen;
        } else {
            dst = c->body + c->bhave;
            want = c->blen - c->bhave;
        }
        ssize_t n = tls_conn_read(c->t, dst, want);
        if (n == 0) {
            mgmt_client_close(c, "the client closed the connection");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN) break;
            mgmt_client_close(c, errno == EPROTO ? tls_conn_error(c->t) : strerror(errno));
            return;
        }
        progress(c);
        if (c->hlen < MGMT_HDR_LEN) {
            c->hlen += (size_t)n;
            if (c->hlen < MGMT_HDR_LEN) continue;
            uint16_t code;
            char why[MGMT_ERR_MAX];
            int st = mgmt_frame_parse(c->hdr, 1, &code, &c->blen, why, sizeof(why));
            if (st != MGMT_ST_OK) {
                refuse_frame(c, st, why);
                return;
            }
            c->bhave = 0;
            continue;
        }
        c->bhave += (size_t)n;
        if (c->bhave < c->blen) continue;
        got_request(c);
        if (!c->busy) continue; /* answered at once: the next one may be there */
    }
    client_flush(c);
}

static void handshake(struct mgmt_client *c)
{
    struct dom_mgmt *m = c->m;
    int rc = tls_conn_handshake(c->t);
    if (rc == TLS_AGAIN) {
        int f = tls_conn_flush(c->t);
        ev_fd_mod(m->d->loop, c->fd, EV_READ | (f > 0 ? EV_WRITE : 0));
        return;
    }
    if (rc == TLS_ERR) {
        m->refused++;
        char why[TLS_ERR_MAX + 32];
        snprintf(why, sizeof(why), "TLS handshake refused: %s", tls_conn_error(c->t));
        tls_conn_flush(c->t); /* the alert, if it can go */
        log_warn(&m->d->log, "mgmt", "client %s: %s", c->peer, why);
        mgmt_client_close(c, NULL);
        return;
    }
    if (tls_conn_peer_cn(c->t, c->cn, sizeof(c->cn)) != 0) c->cn[0] = '\0';
    c->role = mgmt_role_of(c->cn, (const char *const *)m->admins, m->n_admins,
                           (const char *const *)m->viewers, m->n_viewers);
    char desc[256];
    tls_conn_describe(c->t, desc, sizeof(desc));
    log_info(&m->d->log, "mgmt", "client %s: %s; role %s", c->peer, desc, mgmt_role_name(c->role));
    progress(c);
    client_read(c);
}

static void client_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop, (void)fd;
    struct mgmt_client *c = ctx;
    if (!tls_conn_established(c->t)) {
        handshake(c);
        return;
    }
    if (events & EV_WRITE && client_flush(c) != 0) return;
    if (events & EV_READ || tls_conn_buffered(c->t)) client_read(c);
}

/* The core finished what a request asked (dom_mgmt_req.c): read on. */
void mgmt_client_resume(struct mgmt_client *c)
{
    if (c->closing || c->busy) return;
    if (tls_conn_buffered(c->t))
        client_read(c);
    else
        client_flush(c);
}

static void mgmt_accept(void *ctx, uint32_t sock_id, int fd, const struct msg_addr *peer)
{
    (void)sock_id;
    struct mgmt_lsn *q = ctx;
    struct dom *d = q->d;
    struct dom_mgmt *m = d->mgmt;
    char text[BRK_TEXT_MAX];
    brk_addr_format(peer, text, sizeof(text));
    if (m->n_clients >= m->max_clients) {
        m->refused++;
        log_warn(&d->log, "mgmt", "client %s: refused: %u clients connected already (max_clients)",
                 text, m->n_clients);
        dom_sock_close(d, fd);
        return;
    }
    struct mgmt_client *c = calloc(1, sizeof(*c));
    int fl = fcntl(fd, F_GETFL);
    if (!c || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        !(c->t = tls_conn_new(m->tls, fd)) || ev_fd_add(d->loop, fd, EV_READ, client_event, c)) {
        log_error(&d->log, "mgmt", "client %s: cannot take it (out of memory)", text);
        if (c && c->t) tls_conn_free(c->t);
        free(c);
        dom_sock_close(d, fd);
        return;
    }
    c->m = m;
    c->fd = fd;
    snprintf(c->peer, sizeof(c->peer), "%s", text);
    buf_init(&c->out, MGMT_RESP_MAX + MGMT_HDR_LEN);
    buf_init(&c->acc, MGMT_RESP_MAX);
    c->next = m->clients;
    m->clients = c;
    m->n_clients++;
    m->accepted++;
    progress(c);
}

static void listen_done(void *ctx, const struct msg_socket_result *r, int fd)
{
    (void)fd;
    struct mgmt_lsn *q = ctx;
    if (r->error) {
        log_error(&q->d->log, "mgmt", "listen on %s refused by the core: %s", q->text,
                  strerror((int)r->error));
        return;
    }
    dom_sock_listen_on(q->d, r->sock_id, mgmt_accept, q, 0);
    log_info(&q->d->log, "mgmt", "management API (TLS 1.3, client certificates) on %s", q->text);
}

/* ---- set-up: TLS_CONFIG, then the CONFIG set ---------------------------------------- */

int dom_mgmt_tls(struct dom *d, struct msg_tls_config *mt, struct msg_r *r)
{
    struct dom_mgmt *m = d->mgmt;
    if (m->tls_seen) return msg_r_fail(r, "a second TLS_CONFIG");
    if (d->configured) return msg_r_fail(r, "TLS_CONFIG after the configuration");
    if (mt->min_version != TLS_V13) return msg_r_fail(r, "the management API speaks TLS 1.3 only");
    m->tls_seen = 1;
    m->tls = dom_tls_ctx(d, mt, r, TLS_SERVER); /* the key's bytes go now, whatever the outcome */
    return MSG_OK;
}

static int add_name(struct dom *d, char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv || !(nv[*n] = strdup(s))) dom_fatal(d, "out of memory");
    *v = nv;
    (*n)++;
    return MSG_OK;
}

static int config_number(const char *key, const char *v, unsigned long lo, unsigned long hi,
                         unsigned long *out, struct msg_r *r)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return msg_r_fail(r, "CONFIG %s '%.32s' out of range", key, v);
    *out = x;
    return MSG_OK;
}

int dom_mgmt_configure(struct dom *d, struct msg_r *r)
{
    struct dom_mgmt *m = d->mgmt;
    if (m->nlsn || m->n_admins || m->n_viewers)
        return msg_r_fail(r, "a second configuration for the management domain");
    const char *listen[MGMT_MAX_LISTEN];
    size_t nl = 0;
    unsigned long v;
    for (size_t i = 0; i < d->ncfg; i++) {
        const char *k = d->cfg[i].key, *val = d->cfg[i].value;
        if (!strcmp(k, "log_level")) continue;
        if (!strcmp(k, "mgmt.listen")) {
            if (nl == MGMT_MAX_LISTEN) return msg_r_fail(r, "more than %d mgmt.listen", MGMT_MAX_LISTEN);
            listen[nl++] = val;
        } else if (!strcmp(k, "mgmt.admin")) {
            add_name(d, &m->admins, &m->n_admins, val);
        } else if (!strcmp(k, "mgmt.viewer")) {
            add_name(d, &m->viewers, &m->n_viewers, val);
        } else if (!strcmp(k, "mgmt.max_clients")) {
            if (config_number(k, val, 1, 1024, &v, r) != MSG_OK) return MSG_FATAL;
            m->max_clients = (unsigned)v;
        } else if (!strcmp(k, "mgmt.idle_ms")) {
            if (config_number(k, val, 100, 3600000, &v, r) != MSG_OK) return MSG_FATAL;
            m->idle_ms = (uint32_t)v;
        } else {
            return msg_r_fail(r, "CONFIG key '%.40s' unknown to a domain of kind mgmt", k);
        }
    }
    if (nl && !m->tls) return msg_r_fail(r, "mgmt.listen without a TLS_CONFIG before it");
    for (size_t i = 0; i < nl; i++) {
        union msg_body b;
        char why[160];
        memset(&b, 0, sizeof(b));
        if (brk_addr_parse(listen[i], &b.sock_listen.addr, why, sizeof(why)) != 0)
            return msg_r_fail(r, "mgmt.listen '%.64s': %s", listen[i], why);
        b.sock_listen.backlog = 64;
        struct mgmt_lsn *q = &m->lsn[m->nlsn++];
        q->d = d;
        snprintf(q->text, sizeof(q->text), "%s", listen[i]);
        dom_sock_request(d, MSG_SOCK_LISTEN, &b, listen_done, q);
    }
    return MSG_OK;
}

int dom_mgmt_start(struct dom *d)
{
    struct dom_mgmt *m = calloc(1, sizeof(*m));
    if (!m) return -1;
    m->d = d;
    m->max_clients = 16;
    m->idle_ms = 30000;
    d->mgmt = m;
    return 0;
}

void dom_mgmt_status(struct dom *d, struct msg_status *st)
{
    struct dom_mgmt *m = d->mgmt;
    if (!m) return;
    const struct {
        const char *k;
        uint64_t v;
    } kv[] = {{"clients", m->n_clients}, {"accepted", m->accepted}, {"refused", m->refused},
              {"requests", m->requests}, {"denied", m->denied},     {"bad_requests", m->bad}};
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        dom_status_put(st, kv[i].k, kv[i].v);
}

void dom_mgmt_stop(struct dom *d)
{
    struct dom_mgmt *m = d->mgmt;
    if (!m) return;
    while (m->clients)
        mgmt_client_close(m->clients, NULL);
    for (size_t i = 0; i < m->n_admins; i++)
        free(m->admins[i]);
    for (size_t i = 0; i < m->n_viewers; i++)
        free(m->viewers[i]);
    free(m->admins);
    free(m->viewers);
    tls_ctx_free(m->tls);
    free(m);
    d->mgmt = NULL;
}
