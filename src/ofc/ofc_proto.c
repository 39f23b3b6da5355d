/*
 * ofc_proto.c - what the engine does with each decoded message: the
 * handshake (HELLO with version negotiation, FEATURES, SET_CONFIG), echo in
 * both directions, the port table, malformed input, and dispatch of the rest
 * to request tracking or to the handlers.
 *
 * The engine installs no flows: after SET_CONFIG it calls switch_up and the
 * layer above puts the flow table into a known state (see
 * notes/datapath-facts.md on Open vSwitch's cached drops).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/be.h"
#include "ofc/ofc_internal.h"

/* OpenFlow 1.3.1+ hello element carrying the version bitmap. */
#define OFPHET_VERSIONBITMAP 1

static int proto_send(struct ofc_switch *sw, uint8_t type, uint32_t xid, bool prio)
{
    struct of10_msg m = {.version = OFP10_VERSION, .type = type, .xid = xid};
    return ofc_conn_queue(sw, &m, prio);
}

static void handshake_timeout_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc_switch *sw = ctx;
    (void)loop, (void)id;
    sw->timer = 0;
    ofc_enter(sw->c);
    if (sw->state < OFC_ST_UP) {
        char why[96];
        snprintf(why, sizeof(why), "%shandshake not complete after %u ms",
                 sw->state == OFC_ST_TLS ? "TLS " : "", sw->c->cfg.handshake_timeout_ms);
        if (sw->state == OFC_ST_TLS) sw->c->cnt.tls_failures++;
        ofc_sw_close(sw, why, false);
    }
    ofc_leave(sw->c);
}

/* One deadline from the connection's start, whatever handshakes it holds
 * (TLS, then OpenFlow): a peer cannot buy time by finishing one slowly. */
void ofc_proto_arm(struct ofc_switch *sw)
{
    uint64_t now = ev_now_ms(sw->c->loop);
    uint64_t due = sw->start_ms + sw->c->cfg.handshake_timeout_ms;
    ofc_sw_timer_set(sw, due > now ? due - now : 0, handshake_timeout_cb);
}

void ofc_proto_start(struct ofc_switch *sw)
{
    ofc_proto_arm(sw);
    proto_send(sw, OFPT10_HELLO, ofc_next_xid(sw->c), false);
}

/* ---- liveness -------------------------------------------------------------- */

static void live_cb(struct ev_loop *loop, uint64_t id, void *ctx);

/* Next check: when the silence reaches the probe interval (counted from the
 * last probe too, so a silent switch gets one probe per interval) or the
 * timeout, whichever comes first. */
static void live_arm(struct ofc_switch *sw)
{
    const struct ofc_config *cfg = &sw->c->cfg;
    uint64_t now = ev_now_ms(sw->c->loop);
    uint64_t base = sw->last_rx_ms > sw->probe_ms ? sw->last_rx_ms : sw->probe_ms;
    uint64_t due = base + cfg->echo_interval_ms;
    uint64_t dead = sw->last_rx_ms + cfg->echo_timeout_ms;
    if (dead < due) due = dead;
    ofc_sw_timer_set(sw, due > now ? due - now : 0, live_cb);
}

static void live_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct ofc_switch *sw = ctx;
    struct ofc *c = sw->c;
    (void)id;
    sw->timer = 0;
    ofc_enter(c);
    uint64_t now = ev_now_ms(loop);
    if (sw->state != OFC_ST_UP) {
        /* closing: nothing to watch */
    } else if (now - sw->last_rx_ms >= c->cfg.echo_timeout_ms) {
        char why[96];
        snprintf(why, sizeof(why), "silent for %llu ms (echo timeout)",
                 (unsigned long long)(now - sw->last_rx_ms));
        c->cnt.echo_timeouts++;
        ofc_sw_close(sw, why, false);
    } else {
        uint64_t base = sw->last_rx_ms > sw->probe_ms ? sw->last_rx_ms : sw->probe_ms;
        if (now - base >= c->cfg.echo_interval_ms) {
            /* Our probe jumps the backlog like echo replies do: what we
             * measure is the switch, not our own queue. */
            sw->probe_xid = ofc_next_xid(c);
            sw->probe_out = true;
            sw->probe_ms = now;
            proto_send(sw, OFPT10_ECHO_REQUEST, sw->probe_xid, true);
        }
        if (sw->state == OFC_ST_UP) live_arm(sw);
    }
    ofc_leave(c);
}

/* ---- port table ------------------------------------------------------------ */

void ofc_proto_free_ports(struct ofc_switch *sw)
{
    free(sw->features.ports);
    sw->features.ports = NULL;
    sw->features.n_ports = sw->ports_cap = 0;
}

static bool ports_reserve(struct ofc_switch *sw, size_t n)
{
    if (n <= sw->ports_cap) return true;
    size_t cap = sw->ports_cap ? sw->ports_cap : 8;
    while (cap < n)
        cap *= 2;
    struct of10_phy_port *p = realloc(sw->features.ports, cap * sizeof(*p));
    if (!p) {
        log_error(sw->c->log, OFC_MOD, "switch %s: out of memory for %zu ports", sw->peer, n);
        return false;
    }
    sw->features.ports = p;
    sw->ports_cap = cap;
    return true;
}

/* The features are copied out of the arena: ports live in engine memory. */
static void ports_from_features(struct ofc_switch *sw, const struct of10_features *f)
{
    struct of10_phy_port *keep = sw->features.ports;
    sw->features = *f;
    sw->features.ports = keep;
    sw->features.n_ports = 0;
    if (!ports_reserve(sw, f->n_ports)) return;
    if (f->n_ports) memcpy(sw->features.ports, f->ports, f->n_ports * sizeof(*f->ports));
    sw->features.n_ports = f->n_ports;
}

static void ports_apply(struct ofc_switch *sw, const struct of10_port_status *ps)
{
    struct of10_features *f = &sw->features;
    size_t i = 0;
    while (i < f->n_ports && f->ports[i].port_no != ps->desc.port_no)
        i++;
    if (ps->reason == OFPPR10_DELETE) {
        if (i == f->n_ports) return;
        memmove(&f->ports[i], &f->ports[i + 1], (f->n_ports - i - 1) * sizeof(*f->ports));
        f->n_ports--;
        return;
    }
    /* ADD and MODIFY (and reasons from the future): the description wins. */
    if (i == f->n_ports) {
        if (!ports_reserve(sw, f->n_ports + 1)) return;
        f->n_ports++;
    }
    f->ports[i] = ps->desc;
}

/* ---- handshake ------------------------------------------------------------- */

/* Look for a version bitmap among OF1.3.1+ hello elements (type, length,
 * body, padded to 8). Malformed elements end the walk: such a hello is
 * judged by its header version alone. */
static void hello_bitmap(const struct of10_bytes *b, bool *has, bool *v10)
{
    size_t off = 0;
    *has = *v10 = false;
    while (b->len - off >= 4) {
        uint16_t type = be_get16(b->p + off), len = be_get16(b->p + off + 2);
        if (len < 4 || len > b->len - off) return;
        if (type == OFPHET_VERSIONBITMAP) {
            if (len < 8) return;
            *has = true;
            *v10 = (be_get32(b->p + off + 4) >> OFP10_VERSION) & 1;
            return;
        }
        size_t padded = ((size_t)len + 7) & ~(size_t)7;
        if (padded > b->len - off) return;
        off += padded;
    }
}

static void on_hello(struct ofc_switch *sw, const struct of10_msg *m)
{
    struct ofc *c = sw->c;
    if (sw->state != OFC_ST_HELLO) return; /* a repeated HELLO changes nothing */
    bool has = false, v10 = false;
    if (m->version > OFP10_VERSION) hello_bitmap(&m->u.hello, &has, &v10);
    if (m->version < OFP10_VERSION || (has && !v10)) {
        char text[128];
        snprintf(
            text, sizeof(text), "this controller speaks OpenFlow 1.0 (0x01) only; peer %s 0x%02x",
            has ? "offers a version bitmap without it, header version" : "version", m->version);
        log_info(c->log, OFC_MOD, "%s: version negotiation failed: %s", sw->peer, text);
        ofc_conn_send_error(sw, m->xid, of10_err_type(OF10_E_HELLO_INCOMPATIBLE),
                            of10_err_code(OF10_E_HELLO_INCOMPATIBLE), text, strlen(text));
        ofc_sw_close(sw, "no common OpenFlow version", true);
        return;
    }
    /* negotiated = min(ours, theirs) = 0x01: a newer peer without a bitmap
     * must speak 1.0 from now on (or fail us itself). */
    log_debug(c->log, OFC_MOD, "%s: HELLO version 0x%02x, using 0x01", sw->peer, m->version);
    sw->state = OFC_ST_FEATURES;
    sw->features_xid = ofc_next_xid(c);
    proto_send(sw, OFPT10_FEATURES_REQUEST, sw->features_xid, false);
}

static void on_features(struct ofc_switch *sw, const struct of10_msg *m)
{
    struct ofc *c = sw->c;
    sw->dpid = m->u.features.datapath_id;
    ports_from_features(sw, &m->u.features);
    struct of10_msg cfg = {
        .version = OFP10_VERSION, .type = OFPT10_SET_CONFIG, .xid = ofc_next_xid(c)};
    cfg.u.config.flags = OFPC10_FRAG_NORMAL;
    cfg.u.config.miss_send_len = c->cfg.miss_send_len;
    if (ofc_conn_queue(sw, &cfg, false) < 0) return;

    /* One connection per datapath: the newer one wins (the older is most
     * likely a half-dead TCP connection the switch already gave up). Its
     * switch_down comes before our switch_up. */
    struct ofc_switch *old;
    while ((old = ofc_dpid_find(c, sw->dpid)) || (old = ofc_pending_find(c, sw->dpid))) {
        if (ofc_sw_alive(old)) {
            log_info(c->log, OFC_MOD, "switch %016llx reconnected from %s: replacing %s",
                     (unsigned long long)sw->dpid, sw->peer, old->peer);
            ofc_sw_close(old, "replaced by a newer connection", false);
        }
        ofc_sw_finish(old);
        if (!ofc_sw_alive(sw)) return; /* a switch_down handler closed us */
    }
    sw->state = OFC_ST_UP;
    sw->hs_done = true;
    sw->up_ms = ev_now_ms(c->loop);
    c->cnt.handshakes++;
    ofc_dpid_add(c, sw);
    live_arm(sw);
    log_info(c->log, OFC_MOD, "switch %016llx %s from %s: %zu ports, %u buffers, %u tables",
             (unsigned long long)sw->dpid, c->cfg.roles ? "connected (slave)" : "up", sw->peer,
             sw->features.n_ports, sw->features.n_buffers, sw->features.n_tables);
    if (c->cfg.roles) {
        ofc_role_connected(sw); /* switch_up waits for a promotion */
        return;
    }
    sw->was_up = sw->shown = true;
    c->n_up++;
    if (c->h.switch_up) c->h.switch_up(c->ctx, sw);
}

/* ---- dispatch -------------------------------------------------------------- */

static void on_bad(struct ofc_switch *sw, const uint8_t *p, size_t len, uint32_t err)
{
    struct ofc *c = sw->c;
    sw->bad_msgs++;
    sw->cnt.bad_msgs++;
    c->cnt.bad_msgs++;
    log_info(c->log, OFC_MOD, "%s: bad message (type %u, %zu bytes): %s", sw->peer, p[1], len,
             of10_err_name(err));
    /* An ERROR is never answered with an ERROR: two peers could loop. */
    if (p[1] != OFPT10_ERROR && of10_err_is_wire(err))
        ofc_conn_send_error(sw, be_get32(p + 4), of10_err_type(err), of10_err_code(err), p,
                            len < OFC_ERR_DATA_MAX ? len : OFC_ERR_DATA_MAX);
    if (sw->bad_msgs > c->cfg.max_bad_msgs) {
        char why[96];
        snprintf(why, sizeof(why), "%u malformed messages (limit %u)", sw->bad_msgs,
                 c->cfg.max_bad_msgs);
        ofc_sw_close(sw, why, true);
    }
}

/* Messages only a controller sends: a switch sending one gets BAD_TYPE. */
static bool controller_only(uint8_t type)
{
    switch (type) {
    case OFPT10_FEATURES_REQUEST:
    case OFPT10_GET_CONFIG_REQUEST:
    case OFPT10_SET_CONFIG:
    case OFPT10_PACKET_OUT:
    case OFPT10_FLOW_MOD:
    case OFPT10_PORT_MOD:
    case OFPT10_STATS_REQUEST:
    case OFPT10_BARRIER_REQUEST:
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        return true;
    default:
        return false;
    }
}

static void on_handshake_msg(struct ofc_switch *sw, const struct of10_msg *m)
{
    struct ofc *c = sw->c;
    if (m->type == OFPT10_ERROR) {
        char why[128];
        snprintf(why, sizeof(why), "switch answered the handshake with error type %u code %u",
                 m->u.error.type, m->u.error.code);
        if (m->u.error.type == OFPET10_HELLO_FAILED || m->xid == sw->features_xid)
            ofc_sw_close(sw, why, false);
        else
            log_info(c->log, OFC_MOD, "%s: %s", sw->peer, why);
    } else if (m->type == OFPT10_FEATURES_REPLY && sw->state == OFC_ST_FEATURES &&
               m->xid == sw->features_xid) {
        on_features(sw, m);
    } else {
        log_debug(c->log, OFC_MOD, "%s: %s before the handshake completed: ignored", sw->peer,
                  of10_type_name(m->type));
    }
}

static void on_up_msg(struct ofc_switch *sw, struct of10_msg *m, const uint8_t *p, size_t len)
{
    struct ofc *c = sw->c;
    const struct ofc_handlers *h = &c->h;
    if (c->cfg.roles) {
        if (ofc_role_input(sw, m)) return;
        if (!sw->shown) { /* slave: the engine keeps its books, the apps hear nothing */
            if (m->type == OFPT10_PORT_STATUS) ports_apply(sw, &m->u.port_status);
            if (m->type == OFPT10_FEATURES_REPLY && m->u.features.datapath_id == sw->dpid)
                ports_from_features(sw, &m->u.features);
            if (ofc_sw_alive(sw) && !ofc_req_route(sw, m, p, len))
                log_debug(c->log, OFC_MOD, "switch %016llx (slave): %s not passed on",
                          (unsigned long long)sw->dpid, of10_type_name(m->type));
            return;
        }
    }
    switch (m->type) {
    case OFPT10_PACKET_IN:
        sw->cnt.packet_ins++;
        c->cnt.packet_ins++;
        if (h->packet_in) h->packet_in(c->ctx, sw, m);
        return;
    case OFPT10_FLOW_REMOVED:
        if (h->flow_removed) h->flow_removed(c->ctx, sw, m);
        return;
    case OFPT10_PORT_STATUS:
        ports_apply(sw, &m->u.port_status); /* the table is current for the handler */
        if (h->port_status) h->port_status(c->ctx, sw, m);
        return;
    case OFPT10_ERROR:
        if (ofc_req_route(sw, m, p, len)) return;
        if (h->error)
            h->error(c->ctx, sw, m);
        else
            log_info(c->log, OFC_MOD, "switch %016llx: error type %u code %u (xid %u)",
                     (unsigned long long)sw->dpid, m->u.error.type, m->u.error.code, m->xid);
        return;
    case OFPT10_FEATURES_REPLY:
        if (m->u.features.datapath_id == sw->dpid) ports_from_features(sw, &m->u.features);
        break;
    default:
        break;
    }
    if (ofc_req_route(sw, m, p, len)) return;
    if (h->other) h->other(c->ctx, sw, m);
}

void ofc_proto_handle(struct ofc_switch *sw, const uint8_t *p, size_t len)
{
    struct ofc *c = sw->c;
    struct of10_msg m;
    of10_arena_reset(&c->arena);
    uint32_t err = of10_decode(p, len, &m, &c->arena);
    if (err) {
        on_bad(sw, p, len, err);
        return;
    }
    switch (m.type) {
    case OFPT10_HELLO:
        on_hello(sw, &m);
        return;
    case OFPT10_ECHO_REQUEST: {
        /* Answered at once in every state, ahead of any backlog. */
        struct of10_msg r = {.version = OFP10_VERSION, .type = OFPT10_ECHO_REPLY, .xid = m.xid};
        r.u.echo = m.u.echo;
        if (ofc_conn_queue(sw, &r, true) == 0) sw->cnt.echoes_answered++;
        return;
    }
    case OFPT10_ECHO_REPLY:
        if (sw->probe_out && m.xid == sw->probe_xid) {
            sw->probe_out = false;
            return;
        }
        break;
    default:
        break;
    }
    if (controller_only(m.type)) {
        ofc_conn_send_error(sw, m.xid, of10_err_type(OF10_E_BAD_TYPE),
                            of10_err_code(OF10_E_BAD_TYPE), p,
                            len < OFC_ERR_DATA_MAX ? len : OFC_ERR_DATA_MAX);
        return;
    }
    if (sw->state == OFC_ST_UP)
        on_up_msg(sw, &m, p, len);
    else
        on_handshake_msg(sw, &m);
}
