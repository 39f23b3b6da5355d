/*
 * vfd_hc.c - the core serves the guests' hypercall channel (docs/hypercall.md,
 * "How the core serves it"). With [monitor] the datapath takes every frame of
 * EtherType 0x88B5 off a guest port and puts it, with the port id it arrived
 * on, into a ring of its own; the ring's fd sits on the core's event loop,
 * and each frame goes through the hc server bound to the monitor (src/hc,
 * hc_mon.h): carried out as guest:PORT, whatever the frame says, and answered
 * on the same port through an AF_PACKET socket whose mark the port's egress
 * guard lets through.
 *
 * The frames are hostile input parsed in the core, not in a domain: they are
 * fixed-layout (at most 512 bytes, one strict parser, fuzzed), of the same
 * class as the domains' messages, and the server's state is fixed per port
 * (it allocates nothing a guest can make grow). Rate and size are bounded in
 * the datapath before a frame reaches the ring ([monitor] hypercall_rate,
 * hypercall_burst), the rules a guest may own by the server's quota
 * (guest_max_rules).
 *
 * Capabilities: the socket is opened, with its mark, before the core gives up
 * CAP_NET_RAW (vfd_main.c calls vfd_hc_start before vfd_caps_drop); writing
 * on it later needs none, nor do the rule operations on the maps.
 *
 * Notes from the domains (GUEST_NOTIFY, the Lua guest.notify) pass a token
 * bucket per port ([monitor] notify_rate, notify_burst), because a domain is
 * not trusted to be polite to a guest; then the server numbers the note,
 * keeps it in the port's backlog (EVENTS reads it) and it is sent down the
 * port. What is dropped or not sent is counted (visorflowctl guests).
 *
 * A port whose guest may have changed since the rules were made (attached
 * anew or detached by this start, or a guest:N rule for a port [monitor] does
 * not configure) loses its guest's rules at start: a new guest on a port id
 * must not inherit the old one's. A port kept as it was keeps them, as admin
 * and domain rules are kept across core restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/vfd.h"
#include "hc/hc_mon.h"

struct note_bucket {
    uint64_t tokens; /* thousandths of a note */
    uint64_t ms;     /* last refill */
    uint64_t sent, limited, unsent;
};

struct vfd_hc {
    struct vfd *d;
    struct hc_mon hm;
    int fd;
    uint64_t start_ns; /* frames older than this waited from before the core */
    struct vfd_hc_counters cnt;
    struct note_bucket *nb; /* one per configured port, in cfg.mon.ports order */
};

/* Log the 1st, 2nd, 4th, 8th... occurrence: a guest or a domain must not be
 * able to flood the log by repeating one mistake. */
static int worth_logging(uint64_t n)
{
    return n && (n & (n - 1)) == 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int port_index(const struct vfd *d, uint16_t id)
{
    for (size_t i = 0; i < d->cfg.mon.nports; i++)
        if (d->cfg.mon.ports[i].id == id) return (int)i;
    return -1;
}

/* ---- frames from the guests ------------------------------------------------------------ */

/* A rule a guest added or deleted goes to the log, as a domain's does. */
static void audit(struct vfd_hc *h, uint16_t port, const struct mon_hc_frame *f, const uint8_t *out,
                  size_t n)
{
    struct hc_msg req, rep;
    if (hc_parse(f->bytes, f->len, &req, NULL, 0) != 0 || hc_parse(out, n, &rep, NULL, 0) != 0)
        return;
    if (rep.status != HC_OK) {
        log_debug(&h->d->log, "hypercall", "guest:%u %s refused: %s: %s", port, hc_op_name(req.op),
                  hc_status_name(rep.status), rep.u.text);
    } else if (req.op == HC_OP_RULE_ADD) {
        char text[96];
        hc_rule_format(&req.u.rule, text, sizeof(text));
        log_info(&h->d->log, "hypercall", "rule %u added by guest:%u: %s on %u", rep.u.rule_id,
                 port, text, port);
    } else if (req.op == HC_OP_RULE_DEL) {
        log_info(&h->d->log, "hypercall", "rule %u deleted by guest:%u", req.u.rule_id, port);
    }
}

static void on_frame(const struct mon_hc_frame *f, void *ctx)
{
    struct vfd_hc *h = ctx;
    uint8_t out[HC_FRAME_MAX];
    struct hc_port_stats before, after;
    h->cnt.frames++;
    /* A request that waited while no core ran: its guest has given up
     * (vfguest retries for 2 s) and been told it failed, which carrying it
     * out now would make untrue; or it is still retrying, and the next try
     * is served. */
    if (f->ts_ns < h->start_ns) {
        h->cnt.stale++;
        return;
    }
    hc_server_stats(h->hm.srv, f->port_id, &before);
    int n = hc_handle(h->hm.srv, f->bytes, f->len, f->port_id, out, sizeof(out));
    if (n <= 0) return; /* not even a hypercall header: counted as unanswered */
    if (mon_hc_send(h->hm.mon, f->port_id, out, (size_t)n) != 0) {
        h->hm.send_errors++;
        if (worth_logging(h->hm.send_errors))
            log_warn(&h->d->log, "hypercall", "cannot answer guest:%u: %s (%llu replies lost)",
                     f->port_id, mon_error(h->hm.mon), (unsigned long long)h->hm.send_errors);
    }
    hc_server_stats(h->hm.srv, f->port_id, &after);
    if (after.retries == before.retries) audit(h, f->port_id, f, out, (size_t)n);
}

static void on_readable(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop, (void)fd, (void)events;
    struct vfd_hc *h = ctx;
    if (mon_hc_poll(h->hm.mon, on_frame, h, 0) < 0)
        log_warn(&h->d->log, "hypercall", "reading the hypercall ring: %s", mon_error(h->hm.mon));
}

/* ---- notes from the domains --------------------------------------------------------------- */

static int bucket_take(struct vfd_hc *h, struct note_bucket *b)
{
    const struct vfd_mon_conf *mc = &h->d->cfg.mon;
    uint64_t full = (uint64_t)mc->notify_burst * 1000, now = ev_now_ms(h->d->loop);
    if (now > b->ms) {
        uint64_t add = (now - b->ms) * mc->notify_rate;
        b->tokens = add >= full - b->tokens ? full : b->tokens + add;
        b->ms = now;
    }
    if (b->tokens < 1000) return -1;
    b->tokens -= 1000;
    return 0;
}

int vfd_hc_notify(struct vfd_domain *dom, const struct msg_guest_notify *m)
{
    struct vfd *d = dom->d;
    struct vfd_hc *h = d->hc;
    if (!h) { /* the domain was told there is no monitor (no mon.enabled) */
        log_debug(&d->log, "hypercall", "domain %s: note for port %u without a monitor: dropped",
                  dom->conf->name, m->port);
        return MSG_OK;
    }
    int i = port_index(d, m->port);
    if (i < 0) {
        if (worth_logging(++h->cnt.notes_bad_port))
            log_warn(&d->log, "hypercall",
                     "domain %s: note for port %u, which [monitor] does not configure: dropped",
                     dom->conf->name, m->port);
        return MSG_OK;
    }
    struct note_bucket *b = &h->nb[i];
    if (bucket_take(h, b) != 0) {
        if (worth_logging(++b->limited))
            log_warn(&d->log, "hypercall",
                     "domain %s: notes to guest:%u over notify_rate %u/s: dropped (%llu so far)",
                     dom->conf->name, m->port, d->cfg.mon.notify_rate,
                     (unsigned long long)b->limited);
        return MSG_OK;
    }
    struct hc_note note = {
        .kind = m->kind, .proto = m->proto, .addr = m->addr, .port = m->l4port, .rule = m->rule};
    memcpy(note.mac, m->mac, sizeof(note.mac));
    memcpy(note.text, m->text, sizeof(note.text)); /* both 64 + NUL: checked by the decoder */
    uint8_t out[HC_FRAME_MAX];
    int n = hc_notify(h->hm.srv, m->port, &note, out, sizeof(out));
    if (n < 0) { /* the decoder's checks are the server's: cannot happen */
        log_error(&d->log, "hypercall", "domain %s: note for guest:%u refused: %s", dom->conf->name,
                  m->port, strerror(-n));
        return MSG_OK;
    }
    struct hc_port_stats st;
    hc_server_stats(h->hm.srv, m->port, &st);
    if (mon_hc_send(h->hm.mon, m->port, out, (size_t)n) != 0) {
        b->unsent++;
        log_warn(&d->log, "hypercall", "note %llu to guest:%u kept for EVENTS, not sent: %s",
                 (unsigned long long)st.notes, m->port, mon_error(h->hm.mon));
        return MSG_OK;
    }
    b->sent++;
    log_info(&d->log, "hypercall", "note %llu to guest:%u from domain %s (%s): %s",
             (unsigned long long)st.notes, m->port, dom->conf->name, hc_kind_name(m->kind),
             m->text);
    return MSG_OK;
}

/* ---- counters ------------------------------------------------------------------------------ */

int vfd_hc_port(struct vfd *d, uint16_t port_id, struct vfd_hc_port *out)
{
    memset(out, 0, sizeof(*out));
    if (!d->hc) return -ENODEV;
    int i = port_index(d, port_id);
    if (i < 0) return -ENOENT;
    hc_server_stats(d->hc->hm.srv, port_id, &out->srv); /* zeros when it saw nothing */
    out->notes_sent = d->hc->nb[i].sent;
    out->notes_limited = d->hc->nb[i].limited;
    out->notes_unsent = d->hc->nb[i].unsent;
    out->backlog = out->srv.notes < HC_BACKLOG ? (size_t)out->srv.notes : HC_BACKLOG;
    return 0;
}

void vfd_hc_counters(struct vfd *d, struct vfd_hc_counters *c)
{
    memset(c, 0, sizeof(*c));
    if (!d->hc) return;
    *c = d->hc->cnt;
    c->send_errors = d->hc->hm.send_errors;
}

/* ---- start and stop ---------------------------------------------------------------------------
 */

struct stray {
    const struct vfd *d;
    uint8_t *reset; /* [HC_PORT_ID_MAX + 1] */
};

/* guest:N rules of a port [monitor] does not configure: nobody can own them now. */
static int find_stray(const struct mon_rule_info *ri, void *ctx)
{
    struct stray *s = ctx;
    char *end;
    if (strncmp(ri->owner, "guest:", 6) != 0) return 0;
    unsigned long id = strtoul(ri->owner + 6, &end, 10);
    if (*end || id == 0 || id > HC_PORT_ID_MAX) return 0;
    if (port_index(s->d, (uint16_t)id) < 0) s->reset[id] = 1;
    return 0;
}

static int reset_ports(struct vfd_hc *h)
{
    struct vfd *d = h->d;
    uint8_t *reset = calloc(HC_PORT_ID_MAX + 1, 1);
    if (!reset) return -1;
    const uint16_t *ids;
    size_t n = vfd_mon_renewed(d, &ids);
    for (size_t i = 0; i < n; i++)
        reset[ids[i]] = 1;
    struct stray s = {d, reset};
    mon_rule_list(h->hm.mon, 0, find_stray, &s);
    for (unsigned id = 1; id <= HC_PORT_ID_MAX; id++) {
        if (!reset[id]) continue;
        int gone = hc_mon_port_reset(&h->hm, (uint16_t)id);
        if (gone > 0)
            log_info(&d->log, "hypercall", "port %u: %d rules of guest:%u deleted (%s)", id, gone,
                     id,
                     port_index(d, (uint16_t)id) < 0 ? "the port is not configured"
                                                     : "attached anew: its guest may have changed");
    }
    free(reset);
    return 0;
}

static void hc_free(struct vfd_hc *h)
{
    if (!h) return;
    if (h->fd >= 0) ev_fd_del(h->d->loop, h->fd); /* the fd is the monitor handle's */
    hc_server_free(h->hm.srv);
    free(h->nb);
    free(h);
}

static int fail(struct vfd_hc *h, char *err, size_t errcap, const char *what)
{
    snprintf(err, errcap, "hypercalls: %s: %s", what, mon_error(h->hm.mon));
    hc_free(h);
    return -1;
}

int vfd_hc_start(struct vfd *d, char *err, size_t errcap)
{
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    struct mon *m = vfd_mon_handle(d);
    if (!m) return 0;
    struct vfd_hc *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errcap, "hypercalls: out of memory");
        return -1;
    }
    h->d = d;
    h->fd = -1;
    h->hm.mon = m;
    h->nb = calloc(mc->nports ? mc->nports : 1, sizeof(*h->nb));
    h->hm.srv = hc_server_new(&hc_mon_ops, m);
    if (!h->nb || !h->hm.srv) {
        snprintf(err, errcap, "hypercalls: out of memory");
        hc_free(h);
        return -1;
    }
    for (size_t i = 0; i < mc->nports; i++)
        h->nb[i] = (struct note_bucket){.tokens = (uint64_t)mc->notify_burst * 1000,
                                        .ms = ev_now_ms(d->loop)};
    if (hc_server_quota(h->hm.srv, mc->guest_max_rules) != 0) { /* checked by the config */
        snprintf(err, errcap, "hypercalls: guest_max_rules %u refused", mc->guest_max_rules);
        hc_free(h);
        return -1;
    }
    if (mon_hc_rate(m, mc->hc_rate, mc->hc_burst) != 0) return fail(h, err, errcap, "rate");
    if (mon_hc_send_open(m) != 0) return fail(h, err, errcap, "socket");
    int fd = mon_hc_fd(m);
    if (fd < 0) return fail(h, err, errcap, "ring");
    if (ev_fd_add(d->loop, fd, EV_READ, on_readable, h) != 0) {
        snprintf(err, errcap, "hypercalls: ev_fd_add failed");
        hc_free(h);
        return -1;
    }
    h->fd = fd;
    h->start_ns = mono_ns();
    if (reset_ports(h) != 0) {
        snprintf(err, errcap, "hypercalls: out of memory");
        hc_free(h);
        return -1;
    }
    d->hc = h;
    log_info(&d->log, "hypercall",
             "serving guest hypercalls on %zu ports: %u frames/s (burst %u) each, %u rules a "
             "guest, domain notes %u/s (burst %u)",
             mc->nports, mc->hc_rate, mc->hc_burst, mc->guest_max_rules, mc->notify_rate,
             mc->notify_burst);
    /* Frames that waited in the ring while no core ran: dropped as stale. */
    on_readable(d->loop, fd, EV_READ, h);
    return 0;
}

void vfd_hc_stop(struct vfd *d)
{
    hc_free(d->hc);
    d->hc = NULL;
}
