/*
 * ofc_engine.c - the controller engine object: configuration, the switch
 * tables (every switch; up switches by dpid; switches with
 * input waiting for their next fair turn), the two-step close with its
 * settle step, and the public accessors.
 *
 * Public calls never run a handler or a reply callback synchronously (except
 * ofc_free): what a close owes the layer above (GONE replies, switch_down)
 * is done from the engine's own top level, at the end of the event being
 * handled or from a 0 ms timer. The layer above can therefore call any ofc_*
 * function from any handler without meeting itself re-entered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ofc/ofc_internal.h"

void ofc_config_defaults(struct ofc_config *cfg)
{
    if (!cfg->miss_send_len) cfg->miss_send_len = 128;
    if (!cfg->echo_interval_ms) cfg->echo_interval_ms = 5000;
    if (!cfg->echo_timeout_ms) cfg->echo_timeout_ms = 15000;
    if (!cfg->handshake_timeout_ms) cfg->handshake_timeout_ms = 10000;
    if (!cfg->request_timeout_ms) cfg->request_timeout_ms = 10000;
    if (!cfg->out_buf_cap) cfg->out_buf_cap = 4u << 20;
    if (!cfg->max_bad_msgs) cfg->max_bad_msgs = 16;
    if (!cfg->max_msgs_per_read) cfg->max_msgs_per_read = 64;
    if (!cfg->max_multipart_bytes) cfg->max_multipart_bytes = 32u << 20;
    if (cfg->listen_backlog <= 0) cfg->listen_backlog = 4096;
}

/* ---- entering and leaving the engine --------------------------------------- */

static void ofc_sw_free(struct ofc_switch *sw);

/* Finish what closes owe (handlers may close more switches: loop), then free
 * the dead. Runs only when no engine frame is below us on the stack. */
static void ofc_settle(struct ofc *c)
{
    c->depth++;
    /* switch_down handlers may close or demote more switches: loop */
    while (c->pending || c->n_demote_owed) {
        struct ofc_switch *sw = c->pending;
        if (!sw) {
            ofc_role_settle(c);
            continue;
        }
        c->pending = sw->pend_next;
        sw->pend_next = NULL;
        ofc_sw_finish(sw);
    }
    c->depth--;
    while (c->zombies) {
        struct ofc_switch *sw = c->zombies;
        c->zombies = sw->zombie_next;
        ofc_sw_free(sw);
    }
}

void ofc_enter(struct ofc *c)
{
    c->depth++;
}

void ofc_leave(struct ofc *c)
{
    if (--c->depth == 0) ofc_settle(c);
}

/* The work timer: one fair turn for every switch with buffered input, then
 * the settle step (through ofc_leave). */
static void ofc_work_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc *c = ctx;
    (void)loop, (void)id;
    c->work_timer = 0;
    ofc_enter(c);
    /* Only the switches queued now; one re-queued by its own turn waits for
     * the next iteration, after the sockets were polled again. */
    for (size_t n = c->n_ready; n > 0 && c->ready_head; n--) {
        struct ofc_switch *sw = c->ready_head;
        ofc_ready_set(sw, false);
        ofc_conn_process(sw);
    }
    ofc_leave(c);
}

void ofc_kick(struct ofc *c)
{
    if (!c->work_timer) c->work_timer = ev_timer_add(c->loop, 0, 0, ofc_work_cb, c);
}

uint32_t ofc_next_xid(struct ofc *c)
{
    if (c->next_xid == 0) c->next_xid = 1; /* 0 means "give me one" */
    return c->next_xid++;
}

/* ---- ready list ------------------------------------------------------------ */

void ofc_ready_set(struct ofc_switch *sw, bool ready)
{
    struct ofc *c = sw->c;
    if (ready == sw->in_ready) return;
    if (ready) {
        sw->ready_prev = c->ready_tail;
        sw->ready_next = NULL;
        if (c->ready_tail)
            c->ready_tail->ready_next = sw;
        else
            c->ready_head = sw;
        c->ready_tail = sw;
        c->n_ready++;
        ofc_kick(c);
    } else {
        if (sw->ready_prev)
            sw->ready_prev->ready_next = sw->ready_next;
        else
            c->ready_head = sw->ready_next;
        if (sw->ready_next)
            sw->ready_next->ready_prev = sw->ready_prev;
        else
            c->ready_tail = sw->ready_prev;
        sw->ready_prev = sw->ready_next = NULL;
        c->n_ready--;
    }
    sw->in_ready = ready;
}

/* ---- dpid table ------------------------------------------------------------ */

static size_t ofc_dpid_slot(uint64_t dpid, size_t cap)
{
    dpid *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: dpids are often sequential */
    return (size_t)(dpid >> 32) & (cap - 1);
}

static void ofc_dpid_grow(struct ofc *c)
{
    size_t cap = c->dpid_cap ? c->dpid_cap * 2 : 64;
    struct ofc_switch **tab = calloc(cap, sizeof(*tab));
    if (!tab) return; /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < c->dpid_cap; i++) {
        struct ofc_switch *sw = c->dpid_tab[i], *next;
        for (; sw; sw = next) {
            next = sw->dpid_next;
            size_t s = ofc_dpid_slot(sw->dpid, cap);
            sw->dpid_next = tab[s];
            tab[s] = sw;
        }
    }
    free(c->dpid_tab);
    c->dpid_tab = tab;
    c->dpid_cap = cap;
}

int ofc_dpid_add(struct ofc *c, struct ofc_switch *sw)
{
    if (c->dpid_n >= c->dpid_cap) ofc_dpid_grow(c);
    if (!c->dpid_cap) return -1;
    size_t s = ofc_dpid_slot(sw->dpid, c->dpid_cap);
    sw->dpid_next = c->dpid_tab[s];
    c->dpid_tab[s] = sw;
    c->dpid_n++;
    return 0;
}

void ofc_dpid_del(struct ofc *c, struct ofc_switch *sw)
{
    if (!c->dpid_cap) return;
    struct ofc_switch **pp = &c->dpid_tab[ofc_dpid_slot(sw->dpid, c->dpid_cap)];
    for (; *pp; pp = &(*pp)->dpid_next) {
        if (*pp == sw) {
            *pp = sw->dpid_next;
            sw->dpid_next = NULL;
            c->dpid_n--;
            return;
        }
    }
}

/* The table holds every connected switch; in roles mode slaves too, which
 * the public lookup does not show. */
struct ofc_switch *ofc_dpid_find(struct ofc *c, uint64_t dpid)
{
    if (!c->dpid_cap) return NULL;
    struct ofc_switch *sw = c->dpid_tab[ofc_dpid_slot(dpid, c->dpid_cap)];
    for (; sw; sw = sw->dpid_next)
        if (sw->dpid == dpid) return sw;
    return NULL;
}

struct ofc_switch *ofc_switch_find(struct ofc *c, uint64_t dpid)
{
    struct ofc_switch *sw = ofc_dpid_find(c, dpid);
    return sw && sw->shown ? sw : NULL;
}

struct ofc_switch *ofc_pending_find(struct ofc *c, uint64_t dpid)
{
    for (struct ofc_switch *sw = c->pending; sw; sw = sw->pend_next)
        if (!sw->finished && (sw->was_up || sw->conn_told) && sw->dpid == dpid) return sw;
    return NULL;
}

/* ---- switch lifetime ------------------------------------------------------- */

void ofc_sw_timer_set(struct ofc_switch *sw, uint64_t after_ms, ev_timer_cb *cb)
{
    if (sw->timer) ev_timer_cancel(sw->c->loop, sw->timer);
    sw->timer = cb ? ev_timer_add(sw->c->loop, after_ms, 0, cb, sw) : 0;
}

static void ofc_linger_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc_switch *sw = ctx;
    (void)loop, (void)id;
    sw->timer = 0;
    ofc_enter(sw->c);
    ofc_sw_dead(sw);
    ofc_leave(sw->c);
}

void ofc_set_close_hook(struct ofc *c, ofc_close_fn *fn, void *ctx)
{
    c->close_hook = fn;
    c->close_ctx = ctx;
}

void ofc_close_fd(struct ofc *c, int fd)
{
    if (c->close_hook) c->close_hook(c->close_ctx, fd);
    close(fd);
}

struct ofc_switch *ofc_sw_new(struct ofc *c, int fd, const char *peer, struct tls_ctx *tls)
{
    struct ofc_switch *sw = calloc(1, sizeof(*sw));
    if (!sw) {
        log_error(c->log, OFC_MOD, "out of memory for a connection from %s", peer);
        ofc_close_fd(c, fd);
        return NULL;
    }
    sw->c = c;
    sw->fd = fd;
    sw->state = OFC_ST_HELLO;
    snprintf(sw->peer, sizeof(sw->peer), "%s", peer);
    buf_init(&sw->in, OFC_IN_CAP);
    buf_init(&sw->out, c->cfg.out_buf_cap);
    buf_init(&sw->prio, c->cfg.out_buf_cap);
    sw->start_ms = sw->last_rx_ms = ev_now_ms(c->loop);
    if (ofc_xport_init(sw, tls) != 0) {
        log_error(c->log, OFC_MOD, "out of memory for the TLS state of a connection from %s", peer);
        ofc_close_fd(c, fd);
        free(sw);
        return NULL;
    }
    if (ev_fd_add(c->loop, fd, EV_READ, ofc_conn_event, sw) < 0) {
        log_error(c->log, OFC_MOD, "cannot watch the connection from %s: %s", peer,
                  strerror(errno));
        ofc_xport_free(sw);
        ofc_close_fd(c, fd);
        free(sw);
        return NULL;
    }
    sw->next = c->all;
    if (c->all) c->all->prev = sw;
    c->all = sw;
    c->cnt.accepted++;
    log_debug(c->log, OFC_MOD, "connection from %s (fd %d, %s)", peer, fd, sw->xp->name);
    if (sw->state == OFC_ST_TLS)
        ofc_proto_arm(sw); /* the ClientHello comes with the next readable event */
    else
        ofc_proto_start(sw);
    return sw;
}

void ofc_sw_close(struct ofc_switch *sw, const char *why, bool linger)
{
    struct ofc *c = sw->c;
    if (!ofc_sw_alive(sw)) {
        if (!linger && sw->state == OFC_ST_LINGER) ofc_sw_dead(sw);
        return;
    }
    if (sw->hs_done)
        log_info(c->log, OFC_MOD, "switch %016llx (%s) disconnected: %s",
                 (unsigned long long)sw->dpid, sw->peer, why);
    else if (sw->state == OFC_ST_TLS) /* a refused peer is worth a warning */
        log_warn(c->log, OFC_MOD, "connection from %s refused in the TLS handshake: %s", sw->peer,
                 why);
    else
        log_info(c->log, OFC_MOD, "connection from %s closed during the handshake: %s", sw->peer,
                 why);
    if (sw->state == OFC_ST_UP) ofc_dpid_del(c, sw);
    if (sw->shown) {
        sw->shown = false;
        c->n_up--;
    }
    c->cnt.disconnects++;
    ofc_ready_set(sw, false);
    ofc_sw_timer_set(sw, 0, NULL);
    sw->pend_next = c->pending;
    c->pending = sw;
    if (c->depth == 0) ofc_kick(c);
    if (!linger || sw->fd < 0) {
        ofc_sw_dead(sw);
        return;
    }
    /* Let queued bytes (an OFPT_ERROR saying why) reach the peer: a close
     * with unread input would reset the connection and lose them. */
    sw->state = OFC_ST_LINGER;
    ofc_sw_timer_set(sw, OFC_LINGER_MS, ofc_linger_cb);
    if (ofc_conn_queued(sw) == 0) ofc_conn_shut(sw);
    ofc_conn_sync_events(sw);
}

void ofc_sw_dead(struct ofc_switch *sw)
{
    if (sw->state == OFC_ST_DEAD) return;
    if (sw->fd >= 0) {
        ev_fd_del(sw->c->loop, sw->fd);
        ofc_xport_free(sw);
        ofc_close_fd(sw->c, sw->fd);
        sw->fd = -1;
    }
    ofc_sw_timer_set(sw, 0, NULL);
    sw->state = OFC_ST_DEAD;
    if (sw->finished) {
        sw->zombie_next = sw->c->zombies;
        sw->c->zombies = sw;
    }
}

void ofc_sw_finish(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    if (sw->finished) return;
    sw->finished = true;
    ofc_req_fail_all(sw);
    if (sw->demote_owed) {
        sw->demote_owed = false;
        c->n_demote_owed--;
    }
    if (sw->was_up && c->h.switch_down) c->h.switch_down(c->ctx, sw);
    sw->was_up = false;
    ofc_role_finish(sw);
    if (sw->state == OFC_ST_DEAD) {
        sw->zombie_next = c->zombies;
        c->zombies = sw;
    }
}

static void ofc_sw_free(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    if (sw->prev)
        sw->prev->next = sw->next;
    else
        c->all = sw->next;
    if (sw->next) sw->next->prev = sw->prev;
    ofc_req_free_table(sw);
    ofc_xport_free(sw);
    buf_free(&sw->in);
    buf_free(&sw->out);
    buf_free(&sw->prio);
    ofc_proto_free_ports(sw);
    free(sw);
}

/* ---- engine ---------------------------------------------------------------- */

struct ofc *ofc_new(struct ev_loop *loop, struct log *log, const struct ofc_config *cfg,
                    const struct ofc_handlers *h, void *ctx)
{
    struct ofc *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->loop = loop;
    c->log = log;
    if (cfg) c->cfg = *cfg;
    ofc_config_defaults(&c->cfg);
    if (h) c->h = *h;
    c->ctx = ctx;
    c->arena_mem = malloc(OF10_ARENA_SIZE);
    if (!c->arena_mem) {
        free(c);
        return NULL;
    }
    of10_arena_init(&c->arena, c->arena_mem, OF10_ARENA_SIZE);
    c->next_xid = 1;
    return c;
}

void ofc_free(struct ofc *c)
{
    if (!c) return;
    c->depth++; /* nothing is freed under the loops below */
    ofc_listeners_free(c);
    for (struct ofc_switch *sw = c->all; sw; sw = sw->next)
        ofc_sw_close(sw, "engine shut down", false);
    /* switch_down handlers may close nothing new (all are closed), so one
     * pass over the pending list finishes everything. */
    while (c->pending) {
        struct ofc_switch *sw = c->pending;
        c->pending = sw->pend_next;
        ofc_sw_finish(sw);
    }
    while (c->all)
        ofc_sw_free(c->all);
    if (c->work_timer) ev_timer_cancel(c->loop, c->work_timer);
    free(c->dpid_tab);
    free(c->arena_mem);
    free(c);
}

/* ---- accessors ------------------------------------------------------------- */

uint64_t ofc_switch_dpid(const struct ofc_switch *sw)
{
    return sw->dpid;
}

const struct of10_features *ofc_switch_features(const struct ofc_switch *sw)
{
    return sw->hs_done ? &sw->features : NULL;
}

const char *ofc_switch_peer(const struct ofc_switch *sw)
{
    return sw->peer;
}

uint64_t ofc_switch_connected_ms(const struct ofc_switch *sw)
{
    return sw->up_ms;
}

struct ofc *ofc_switch_engine(struct ofc_switch *sw)
{
    return sw->c;
}

void ofc_foreach_switch(struct ofc *c, void (*fn)(struct ofc_switch *sw, void *arg), void *arg)
{
    /* Safe against fn closing any switch: nothing is freed outside the
     * settle step, which never runs inside a public call. */
    struct ofc_switch *sw, *next;
    for (sw = c->all; sw; sw = next) {
        next = sw->next;
        if (sw->state == OFC_ST_UP && sw->shown) fn(sw, arg);
    }
}

size_t ofc_switch_count(const struct ofc *c)
{
    return c->n_up;
}

void ofc_switch_close(struct ofc_switch *sw, const char *why)
{
    ofc_sw_close(sw, why ? why : "closed by the application", false);
}

void ofc_switch_set_udata(struct ofc_switch *sw, void *p)
{
    sw->udata = p;
}

void *ofc_switch_udata(const struct ofc_switch *sw)
{
    return sw->udata;
}

void ofc_counters(const struct ofc *c, struct ofc_counters *out)
{
    *out = c->cnt;
}

void ofc_switch_counters(const struct ofc_switch *sw, struct ofc_switch_counters *out)
{
    *out = sw->cnt;
    out->out_queued = ofc_conn_queued(sw);
}
