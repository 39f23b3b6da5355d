/*
 * ofc_conn.c - one switch connection's bytes: reading and framing the input
 * with a fairness budget, and the two output queues.
 *
 * Output: `out` holds everything in order; `prio` holds ECHO traffic, which
 * must not wait behind a backlog (a switch that sees no echo reply in time
 * drops us). Both only ever hold whole encoded messages, so walking their
 * length fields tells where each message ends. The writer remembers how much
 * of the message at the head of each queue is still unsent (out_left,
 * prio_left) and switches queues only at a boundary: prio goes first whenever
 * out is between two messages, and a message, once started, is finished
 * before anything else goes out. Messages are never interleaved.
 *
 * The bytes go through the switch's transport (ofc_xport.c): plain TCP or
 * TLS. With TLS the same rules apply to the plaintext; what the transport
 * holds beyond them is one record of ciphertext at most.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ofc/ofc_internal.h"
#include "tls/tls.h"

#define OFC_REASON_MAX (TLS_ERR_MAX + 8)

size_t ofc_conn_queued(const struct ofc_switch *sw)
{
    return buf_len(&sw->out) + buf_len(&sw->prio);
}

void ofc_conn_sync_events(struct ofc_switch *sw)
{
    if (sw->fd < 0) return;
    bool queued = ofc_conn_queued(sw) > 0 || sw->xp->staged(sw) > 0;
    int want;
    if (sw->state == OFC_ST_LINGER)
        want = queued ? EV_WRITE : EV_READ;
    else
        want = (sw->eof ? 0 : EV_READ) | (queued ? EV_WRITE : 0);
    if (ev_fd_events(sw->c->loop, sw->fd) != want) ev_fd_mod(sw->c->loop, sw->fd, want);
}

/* n bytes from the head of b went out: move the boundary tracker along the
 * length fields of the messages they covered (before b consumes them). */
static void conn_advance(struct buf *b, size_t *left, size_t n)
{
    const uint8_t *p = buf_data(b);
    size_t off = 0;
    while (off < n) {
        if (*left == 0) *left = of10_frame_len(p + off); /* a whole message starts here */
        size_t step = *left < n - off ? *left : n - off;
        off += step;
        *left -= step;
    }
}

static void conn_failed(struct ofc_switch *sw, const char *what)
{
    char r[OFC_REASON_MAX], why[OFC_REASON_MAX + 32];
    sw->xp->reason(sw, errno, r, sizeof(r));
    snprintf(why, sizeof(why), "%s failed: %s", what, r);
    ofc_sw_close(sw, why, false);
}

void ofc_conn_shut(struct ofc_switch *sw)
{
    if (sw->shut_wr) return;
    if (!sw->ended) {
        sw->ended = true;
        sw->xp->end(sw);
        (void)sw->xp->flush(sw); /* a failure shows as the peer's EOF or the linger timer */
    }
    if (sw->xp->staged(sw) > 0) return; /* after the close_notify is out */
    shutdown(sw->fd, SHUT_WR);
    sw->shut_wr = true;
}

int ofc_conn_flush(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    if (sw->fd < 0) return -1;
    /* Ciphertext of earlier writes first: it belongs before anything new. */
    int f = sw->xp->flush(sw);
    if (f < 0) {
        conn_failed(sw, "write");
        return -1;
    }
    for (bool full = f > 0; !full;) {
        bool use_prio = sw->prio_left > 0 || (sw->out_left == 0 && buf_len(&sw->prio) > 0);
        struct buf *b = use_prio ? &sw->prio : &sw->out;
        size_t *left = use_prio ? &sw->prio_left : &sw->out_left;
        size_t want = buf_len(b);
        if (want == 0) break;
        /* prio waiting and out in mid-message: finish that message only */
        if (!use_prio && buf_len(&sw->prio) > 0) want = sw->out_left;
        ssize_t r = sw->xp->write(sw, buf_data(b), want, &full);
        if (r < 0) {
            conn_failed(sw, "write");
            return -1;
        }
        conn_advance(b, left, (size_t)r);
        buf_consume(b, (size_t)r);
        c->cnt.bytes_out += (uint64_t)r;
    }
    if (sw->state == OFC_ST_LINGER && ofc_conn_queued(sw) == 0) ofc_conn_shut(sw);
    ofc_conn_sync_events(sw);
    return 0;
}

int ofc_conn_queue(struct ofc_switch *sw, const struct of10_msg *m, bool prio)
{
    struct ofc *c = sw->c;
    if (!ofc_sw_alive(sw)) return -1;
    size_t n = of10_encoded_len(m);
    if (n == 0) {
        log_warn(c->log, OFC_MOD, "not sending %s to %s: %s", of10_type_name(m->type), sw->peer,
                 of10_err_name(of10_validate(m)));
        return -1;
    }
    size_t queued = ofc_conn_queued(sw);
    if (queued + n > c->cfg.out_buf_cap) {
        c->cnt.overflow_drops++;
        log_warn(c->log, OFC_MOD,
                 "switch %s is not reading: %zu bytes queued, %zu more would pass the bound "
                 "of %zu",
                 sw->peer, queued, n, c->cfg.out_buf_cap);
        ofc_sw_close(sw, "output queue over its bound", false);
        return -1;
    }
    /* Encode in place: reserve the exact length at the tail, write, commit. */
    struct buf *b = prio ? &sw->prio : &sw->out;
    size_t got = 0;
    if (buf_reserve(b, n) != BUF_OK || of10_encode(m, buf_tail(b), n, &got) != OF10_OK) {
        log_error(c->log, OFC_MOD, "cannot queue %s to %s: %s", of10_type_name(m->type), sw->peer,
                  strerror(errno));
        return -1;
    }
    buf_commit(b, got);
    sw->cnt.msgs_out++;
    c->cnt.msgs_out++;
    /* Inside this switch's input batch the flush comes at the batch's end:
     * one write for all the answers to one read. */
    if (sw->corked) return 0;
    if (queued == 0) return ofc_conn_flush(sw); /* the socket was idle: write now */
    return 0; /* EV_WRITE is already on: the backlog drains in order */
}

int ofc_conn_send_error(struct ofc_switch *sw, uint32_t xid, uint16_t type, uint16_t code,
                        const void *data, size_t len)
{
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_ERROR, .xid = xid};
    m.u.error.type = type;
    m.u.error.code = code;
    m.u.error.data.p = data;
    m.u.error.data.len = len;
    return ofc_conn_queue(sw, &m, false);
}

int ofc_send(struct ofc_switch *sw, struct of10_msg *m)
{
    if (!sw || !m || !ofc_sw_alive(sw)) return -1;
    if (m->version == 0) m->version = OFP10_VERSION;
    if (m->xid == 0) m->xid = ofc_next_xid(sw->c);
    return ofc_conn_queue(sw, m, false);
}

/* ---- input ----------------------------------------------------------------- */

static int conn_fill(struct ofc_switch *sw);

void ofc_conn_process(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    uint32_t n = 0;
    bool more = false;
    if (!ofc_sw_alive(sw)) return;
    /* Input the transport held when the buffer was full: no socket event
     * brings it, this turn does. */
    if (sw->rx_more && conn_fill(sw) < 0) return;
    sw->corked = true;
    while (ofc_sw_alive(sw)) {
        size_t avail = buf_len(&sw->in);
        if (avail < OFP10_HEADER_LEN) break;
        const uint8_t *p = buf_data(&sw->in);
        size_t len = of10_frame_len(p);
        if (len == 0) {
            /* No way to find the next message: nothing sane to answer. */
            char why[96];
            snprintf(why, sizeof(why), "framing error: length field %u below 8 (type %u)",
                     (unsigned)(p[2] << 8 | p[3]), p[1]);
            c->cnt.bad_msgs++;
            sw->cnt.bad_msgs++;
            ofc_sw_close(sw, why, false);
            break;
        }
        if (avail < len) break;
        if (n == c->cfg.max_msgs_per_read) {
            more = true; /* fairness: the rest on the next turn */
            break;
        }
        n++;
        sw->cnt.msgs_in++;
        c->cnt.msgs_in++;
        ofc_proto_handle(sw, p, len); /* may close sw: the buffer stays valid */
        buf_consume(&sw->in, len);
    }
    sw->corked = false;
    if (!ofc_sw_alive(sw)) return;
    if (sw->rx_more && buf_room(&sw->in) > 0) more = true;
    ofc_ready_set(sw, more);
    if (!more && sw->eof) {
        ofc_sw_close(sw,
                     buf_len(&sw->in) ? "connection closed inside a message"
                                      : "connection closed by the switch",
                     false);
        return;
    }
    if (ofc_conn_queued(sw) > 0) ofc_conn_flush(sw);
}

/* Take what the transport has into the input buffer: 0, or -1 when the
 * switch was closed. */
static int conn_fill(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    sw->rx_more = false;
    if (sw->eof) return 0;
    ssize_t r = sw->xp->read(sw, &sw->in);
    if (r > 0) {
        c->cnt.bytes_in += (uint64_t)r;
        sw->last_rx_ms = ev_now_ms(c->loop);
        sw->rx_more = buf_room(&sw->in) == 0 && sw->xp->buffered(sw);
    } else if (r == 0) {
        sw->eof = true; /* used up by ofc_conn_process; stop asking epoll about it */
        ofc_conn_sync_events(sw);
    } else if (errno == ENOBUFS) {
        sw->rx_more = sw->xp->buffered(sw);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        conn_failed(sw, "read");
        return -1;
    }
    return 0;
}

int ofc_conn_read(struct ofc_switch *sw)
{
    if (conn_fill(sw) < 0) return -1;
    ofc_conn_process(sw);
    return ofc_sw_alive(sw) ? 0 : -1;
}

/* LINGER: drain our output, half-close, then read and drop until EOF. */
static void conn_linger(struct ofc_switch *sw, int events)
{
    if ((events & EV_WRITE) && ofc_conn_flush(sw) < 0) return;
    if (!(events & EV_READ) || sw->state != OFC_ST_LINGER) return;
    uint8_t junk[4096];
    for (int i = 0; i < 16; i++) {
        ssize_t r = read(sw->fd, junk, sizeof(junk));
        if (r > 0) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r < 0 && errno == EINTR) continue;
        ofc_sw_dead(sw); /* EOF or error: the peer has what we sent */
        return;
    }
}

void ofc_conn_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct ofc_switch *sw = ctx;
    struct ofc *c = sw->c;
    (void)loop, (void)fd;
    ofc_enter(c);
    if (sw->state == OFC_ST_LINGER) {
        conn_linger(sw, events);
    } else if (sw->state == OFC_ST_TLS) {
        ofc_xport_tls_step(sw);
    } else {
        /* Read first: the answers to what arrives go out with the backlog. */
        if ((events & EV_READ) && ofc_sw_alive(sw)) ofc_conn_read(sw);
        if ((events & EV_WRITE) && ofc_sw_alive(sw)) ofc_conn_flush(sw);
    }
    ofc_leave(c);
}
