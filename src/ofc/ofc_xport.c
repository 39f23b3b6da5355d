/*
 * ofc_xport.c - how a connection's bytes move: plain TCP (the socket
 * itself), or TLS terminated here (src/tls over the same socket). The rest
 * of the engine sees only the struct ofc_xport operations, so framing,
 * fairness, the output bound and ECHO priority are one code path for both.
 *
 * What TLS changes for the event loop, and where it is handled:
 *  - decrypted bytes can wait inside OpenSSL with nothing left on the
 *    socket (a read that filled the input buffer stopped mid-record, or
 *    several records came in one segment). epoll will not report them, so
 *    a read that stops on a full buffer while the transport still holds
 *    input sets rx_more, and ofc_conn_process gives the switch another
 *    fair turn from the ready list (ofc_conn.c).
 *  - ciphertext can wait for the socket after the plaintext was taken
 *    (staged): EV_WRITE stays on while it does, and a half-close waits for
 *    it and for our close_notify.
 *  - the handshake is a state of its own (OFC_ST_TLS) before any OpenFlow,
 *    under the same deadline as the OpenFlow handshake (ofc_proto_arm).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ofc/ofc_internal.h"
#include "tls/tls.h"

/* ---- plain TCP -------------------------------------------------------------- */

static ssize_t tcp_read(struct ofc_switch *sw, struct buf *in)
{
    return buf_read_fd(in, sw->fd);
}

static ssize_t tcp_write(struct ofc_switch *sw, const uint8_t *p, size_t n, bool *full)
{
    for (;;) {
        ssize_t r = send(sw->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *full = true;
            return 0;
        }
        if (r >= 0 && (size_t)r < n) *full = true; /* the socket is full */
        return r;
    }
}

static bool tcp_buffered(const struct ofc_switch *sw)
{
    (void)sw;
    return false;
}

static size_t tcp_staged(const struct ofc_switch *sw)
{
    (void)sw;
    return 0;
}

static int tcp_flush(struct ofc_switch *sw)
{
    (void)sw;
    return 0;
}

static void tcp_end(struct ofc_switch *sw)
{
    (void)sw;
}

static void tcp_reason(const struct ofc_switch *sw, int err, char *dst, size_t cap)
{
    (void)sw;
    snprintf(dst, cap, "%s", strerror(err));
}

const struct ofc_xport ofc_xport_tcp = {
    "tcp", tcp_read, tcp_write, tcp_buffered, tcp_staged, tcp_flush, tcp_end, tcp_reason,
};

/* ---- TLS ---------------------------------------------------------------------- */

/* Like buf_read_fd: until the transport has nothing, or in is full. */
static ssize_t tls_read(struct ofc_switch *sw, struct buf *in)
{
    size_t total = 0;
    for (;;) {
        size_t want = buf_room(in);
        if (want == 0) break;
        if (want > 16384) want = 16384;
        if (buf_reserve(in, want) != BUF_OK) return total ? (ssize_t)total : -1;
        ssize_t r = tls_conn_read(sw->tls, buf_tail(in), want);
        if (r <= 0) return total ? (ssize_t)total : r; /* EOF or error shows next call */
        buf_commit(in, (size_t)r);
        total += (size_t)r;
        if (tls_conn_drained(sw->tls)) break; /* saves the recv that would say EAGAIN */
    }
    if (total) return (ssize_t)total;
    errno = ENOBUFS;
    return -1;
}

static ssize_t tls_write(struct ofc_switch *sw, const uint8_t *p, size_t n, bool *full)
{
    ssize_t r = tls_conn_write(sw->tls, p, n);
    if (r >= 0 && (r == 0 || tls_conn_staged(sw->tls) > 0)) *full = true;
    return r;
}

static bool tls_buffered(const struct ofc_switch *sw)
{
    return tls_conn_buffered(sw->tls);
}

static size_t tls_staged(const struct ofc_switch *sw)
{
    return tls_conn_staged(sw->tls);
}

static int tls_flush(struct ofc_switch *sw)
{
    return tls_conn_flush(sw->tls);
}

static void tls_end(struct ofc_switch *sw)
{
    tls_conn_close_notify(sw->tls);
}

static void tls_reason(const struct ofc_switch *sw, int err, char *dst, size_t cap)
{
    if (err == EPROTO)
        snprintf(dst, cap, "TLS: %s", tls_conn_error(sw->tls));
    else
        snprintf(dst, cap, "%s", strerror(err));
}

const struct ofc_xport ofc_xport_tls = {
    "tls", tls_read, tls_write, tls_buffered, tls_staged, tls_flush, tls_end, tls_reason,
};

/* ---- set-up and the TLS handshake ---------------------------------------------------- */

int ofc_xport_init(struct ofc_switch *sw, struct tls_ctx *tls)
{
    if (!tls) {
        sw->xp = &ofc_xport_tcp;
        return 0;
    }
    sw->tls = tls_conn_new(tls, sw->fd);
    if (!sw->tls) return -1;
    sw->xp = &ofc_xport_tls;
    sw->state = OFC_ST_TLS;
    return 0;
}

void ofc_xport_free(struct ofc_switch *sw)
{
    tls_conn_free(sw->tls);
    sw->tls = NULL;
}

void ofc_xport_tls_step(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    int r = tls_conn_handshake(sw->tls);
    if (r == TLS_AGAIN) {
        ofc_conn_sync_events(sw);
        return;
    }
    if (r == TLS_ERR) {
        char why[TLS_ERR_MAX + 8];
        c->cnt.tls_failures++;
        snprintf(why, sizeof(why), "%s", tls_conn_error(sw->tls));
        ofc_sw_close(sw, why, false);
        return;
    }
    char what[256];
    c->cnt.tls_handshakes++;
    tls_conn_describe(sw->tls, what, sizeof(what));
    log_info(c->log, OFC_MOD, "TLS with %s: %s", sw->peer, what);
    sw->state = OFC_ST_HELLO;
    ofc_proto_start(sw);
    /* OpenFlow that came with the handshake's last flight is already
     * inside OpenSSL: no socket event would announce it. */
    if (ofc_sw_alive(sw)) ofc_conn_read(sw);
}

void ofc_switch_transport(const struct ofc_switch *sw, char *dst, size_t cap)
{
    if (sw->tls && tls_conn_established(sw->tls))
        tls_conn_describe(sw->tls, dst, cap);
    else
        snprintf(dst, cap, "%s", sw->xp ? sw->xp->name : "tcp");
}
