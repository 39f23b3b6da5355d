/*
 * ofc_role.c - master/slave roles mode: several controllers on one switch
 * through the Nicira role extension (NXT_ROLE_REQUEST/REPLY, of10_nx.c),
 * with the choice of master made by the layer above (ofc_role_set).
 *
 * A connection's role here moves SLAVE -> PENDING (master requested) ->
 * MASTER (the switch's ROLE_REPLY(master) with our request's xid arrived),
 * and back to SLAVE by ofc_role_set(0) or by a refusal. Only a MASTER switch
 * is "shown": visible to find/foreach/count and to the handlers. Promotion
 * waits for the reply so that the apps never write to a switch that would
 * still refuse them; the switch processes our messages in order, so a reply
 * to an older request (xid not ours any more) is simply dropped.
 *
 * Open vSwitch 3.1 (OpenFlow 1.0) tells a demoted master nothing: the first
 * sign is an OFPT_ERROR BAD_REQUEST/EPERM answering its next FLOW_MOD or
 * PACKET_OUT. That is when we demote locally and call lost(); whether to ask
 * for mastership again is the election's business, not the engine's.
 *
 * The engine's rule that no handler runs inside a public call holds here:
 * ofc_role_set(0) leaves the switch_down it owes to the settle step.
 */
#include <stdio.h>

#include "ofc/ofc_internal.h"

void ofc_set_role_hooks(struct ofc *c, ofc_conn_fn *conn, ofc_lost_fn *lost, void *ctx)
{
    c->conn_hook = conn;
    c->lost_hook = lost;
    c->role_ctx = ctx;
}

static int role_send(struct ofc_switch *sw, uint32_t role)
{
    uint8_t body[8];
    struct of10_msg m;
    of10_nx_role_request(&m, body, role);
    m.xid = ofc_next_xid(sw->c);
    sw->role_xid = m.xid;
    sw->role_sent = role;
    return ofc_conn_queue(sw, &m, false);
}

static void role_lost(struct ofc_switch *sw, const char *why)
{
    struct ofc *c = sw->c;
    if (c->lost_hook) c->lost_hook(c->role_ctx, sw->dpid, why);
}

/* Invisible now; the switch_down it owes comes now (from a handler's
 * context) or from the settle step (from a public call). */
static void role_hide(struct ofc_switch *sw, bool now)
{
    struct ofc *c = sw->c;
    sw->role = OFC_ROLE_SLAVE;
    if (!sw->shown) return;
    sw->shown = false;
    c->n_up--;
    if (!sw->was_up) return;
    if (now) {
        sw->was_up = false;
        if (c->h.switch_down) c->h.switch_down(c->ctx, sw);
    } else if (!sw->demote_owed) {
        sw->demote_owed = true;
        c->n_demote_owed++;
        if (c->depth == 0) ofc_kick(c);
    }
}

void ofc_role_connected(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    sw->role = OFC_ROLE_SLAVE;
    if (role_send(sw, NX_ROLE_SLAVE) < 0 || !ofc_sw_alive(sw)) return;
    sw->conn_told = true;
    if (c->conn_hook) c->conn_hook(c->role_ctx, sw->dpid, 1);
}

void ofc_role_finish(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    if (!sw->conn_told) return;
    sw->conn_told = false;
    if (c->conn_hook) c->conn_hook(c->role_ctx, sw->dpid, 0);
}

void ofc_role_settle(struct ofc *c)
{
    for (struct ofc_switch *sw = c->all; sw && c->n_demote_owed; sw = sw->next) {
        if (!sw->demote_owed) continue;
        sw->demote_owed = false;
        c->n_demote_owed--;
        if (!sw->was_up || sw->finished) continue;
        sw->was_up = false;
        if (c->h.switch_down) c->h.switch_down(c->ctx, sw);
    }
}

static void role_promote(struct ofc_switch *sw)
{
    struct ofc *c = sw->c;
    if (sw->demote_owed) { /* an older demotion's switch_down comes first */
        sw->demote_owed = false;
        c->n_demote_owed--;
        if (sw->was_up && c->h.switch_down) c->h.switch_down(c->ctx, sw);
        sw->was_up = false;
        if (!ofc_sw_alive(sw)) return;
    }
    sw->role = OFC_ROLE_MASTER;
    sw->shown = sw->was_up = true;
    sw->takeover = sw->want_takeover;
    sw->up_ms = ev_now_ms(c->loop);
    c->n_up++;
    log_info(c->log, OFC_MOD, "switch %016llx: master%s", (unsigned long long)sw->dpid,
             sw->takeover ? " (takeover)" : "");
    if (c->h.switch_up) c->h.switch_up(c->ctx, sw);
}

static void on_role_reply(struct ofc_switch *sw, const struct of10_msg *m, uint32_t role)
{
    struct ofc *c = sw->c;
    if (!sw->role_xid || m->xid != sw->role_xid) {
        log_debug(c->log, OFC_MOD, "switch %016llx: role reply xid %u (%s) to an older request",
                  (unsigned long long)sw->dpid, m->xid, of10_nx_role_name(role));
        return;
    }
    sw->role_xid = 0;
    if (role != sw->role_sent) {
        log_warn(c->log, OFC_MOD, "switch %016llx: asked to be %s, the switch answered %s",
                 (unsigned long long)sw->dpid, of10_nx_role_name(sw->role_sent),
                 of10_nx_role_name(role));
        if (sw->role == OFC_ROLE_PENDING) sw->role = OFC_ROLE_SLAVE;
        return;
    }
    if (role == NX_ROLE_MASTER && sw->role == OFC_ROLE_PENDING) role_promote(sw);
}

/* The switch answered one of our messages with an error. */
static bool on_role_error(struct ofc_switch *sw, const struct of10_msg *m)
{
    struct ofc *c = sw->c;
    char why[160];
    if (sw->role_xid && m->xid == sw->role_xid) {
        snprintf(why, sizeof why, "role request (%s) refused with %s (type %u code %u)",
                 of10_nx_role_name(sw->role_sent),
                 of10_err_name(OF10_ERR(m->u.error.type, m->u.error.code)), m->u.error.type,
                 m->u.error.code);
        log_warn(c->log, OFC_MOD, "switch %016llx: %s: it stays slave",
                 (unsigned long long)sw->dpid, why);
        sw->role_xid = 0;
        role_hide(sw, true);
        role_lost(sw, why);
        return true;
    }
    if (!sw->shown || m->u.error.type != of10_err_type(OF10_E_REQ_EPERM) ||
        m->u.error.code != of10_err_code(OF10_E_REQ_EPERM))
        return false;
    uint8_t what = m->u.error.data.len >= 2 ? m->u.error.data.p[1] : 0xff;
    snprintf(why, sizeof why,
             "the switch refused a %s as from a slave: another controller is master",
             of10_type_name(what));
    log_warn(c->log, OFC_MOD, "switch %016llx: %s; demoted", (unsigned long long)sw->dpid, why);
    role_hide(sw, true);
    role_lost(sw, why);
    return false; /* a tracked request still gets its error */
}

bool ofc_role_input(struct ofc_switch *sw, const struct of10_msg *m)
{
    struct ofc *c = sw->c;
    if (m->type == OFPT10_ERROR) return on_role_error(sw, m);
    if (m->type != OFPT10_VENDOR) return false;
    uint32_t sub = 0, role = 0;
    int r = of10_nx_role_parse(m, &sub, &role);
    if (r > 0) return false;
    if (r < 0) {
        log_warn(c->log, OFC_MOD, "switch %016llx: malformed Nicira role message (%zu bytes body)",
                 (unsigned long long)sw->dpid, m->u.vendor.data.len);
    } else if (sub == NXT_ROLE_REPLY) {
        on_role_reply(sw, m, role);
    } else {
        log_debug(c->log, OFC_MOD, "switch %016llx sent a role request: ignored",
                  (unsigned long long)sw->dpid);
    }
    return true;
}

/* ---- public ---------------------------------------------------------------- */

static struct ofc_switch *role_switch(struct ofc *c, uint64_t dpid)
{
    struct ofc_switch *sw = ofc_dpid_find(c, dpid);
    return sw && sw->state == OFC_ST_UP ? sw : NULL;
}

int ofc_role_set(struct ofc *c, uint64_t dpid, int master, int takeover)
{
    if (!c->cfg.roles) {
        log_warn(c->log, OFC_MOD, "ofc_role_set: roles mode is off");
        return -1;
    }
    struct ofc_switch *sw = role_switch(c, dpid);
    if (!sw) return -1;
    if (master) {
        if (sw->role != OFC_ROLE_SLAVE) return 0; /* master or on its way */
        sw->role = OFC_ROLE_PENDING;
        sw->want_takeover = takeover != 0;
        log_info(c->log, OFC_MOD, "switch %016llx: asking to be master%s", (unsigned long long)dpid,
                 takeover ? " (takeover)" : "");
        return role_send(sw, NX_ROLE_MASTER) < 0 ? -1 : 0;
    }
    if (sw->role == OFC_ROLE_SLAVE) return 0;
    log_info(c->log, OFC_MOD, "switch %016llx: stepping down to slave", (unsigned long long)dpid);
    role_hide(sw, false);
    return role_send(sw, NX_ROLE_SLAVE) < 0 ? -1 : 0;
}

int ofc_switch_takeover(const struct ofc_switch *sw)
{
    return sw && sw->takeover;
}

int ofc_role_of(struct ofc *c, uint64_t dpid)
{
    struct ofc_switch *sw = role_switch(c, dpid);
    if (!sw) return -1;
    return sw->shown ? 1 : 0;
}
