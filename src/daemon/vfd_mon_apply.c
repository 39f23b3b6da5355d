/*
 * vfd_mon_apply.c - the [monitor] configuration onto the monitor at start:
 * the administrator's rules (owner admin), then the guest ports. All or
 * nothing: what this start added is taken back when a later step fails, and
 * the error names the configuration line.
 *
 * Rules persist in the pinned maps across core restarts (docs/monitor.md,
 * "Persistence and restart"), so a restarted core finds its configured rules
 * there already: an identical admin rule counts as applied, its counters go
 * on. A different admin rule with the same match is a conflict the
 * administrator must resolve (visorflowctl rule del), not something the core
 * overwrites. Deleting a rule line does not delete the rule: the pins cannot
 * tell a configured admin rule from one added with visorflowctl, and the core
 * never deletes what it cannot attribute.
 *
 * Ports: the configured set is the truth. A port found attached as
 * configured is kept untouched (traffic never stops across a restart); one
 * attached differently is re-attached; one attached but no longer configured
 * is detached, after everything else worked. The ports attached anew and the
 * ones detached are reported to the caller: whoever is behind them now may
 * not be the guest that was, so its guest:ID rules go (vfd_hc_start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

/* ---- rules ---------------------------------------------------------------------------- */

struct admin_set {
    struct mon_rule *v;
    size_t n, cap;
};

static int rule_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct mon_rule));
}

static int collect_admin(const struct mon_rule_info *ri, void *ctx)
{
    struct admin_set *s = ctx;
    if (strcmp(ri->owner, "admin") != 0) return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct mon_rule *v = realloc(s->v, cap * sizeof(*v));
        if (!v) return 1; /* the set stays partial: those rules are then added (EEXIST) */
        s->v = v;
        s->cap = cap;
    }
    memset(&s->v[s->n], 0, sizeof(s->v[0]));
    s->v[s->n++] = ri->rule;
    return 0;
}

static void rules_undo(struct mon *m, const uint32_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mon_rule_del(m, ids[i], "admin");
}

/* The configured rules; *kept counts those already there. */
static int apply_rules(struct vfd *d, struct mon *m, uint32_t *added, size_t *nadded, size_t *kept,
                       char *err, size_t errcap)
{
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    struct admin_set have = {NULL, 0, 0};
    mon_rule_list(m, 0, collect_admin, &have);
    if (have.n) qsort(have.v, have.n, sizeof(*have.v), rule_cmp);
    for (size_t i = 0; i < mc->nrules; i++) {
        const struct vfd_mon_rule_conf *rc = &mc->rules[i];
        struct mon_rule r;
        memset(&r, 0, sizeof(r)); /* compared as bytes */
        r = rc->rule;
        if (have.n && bsearch(&r, have.v, have.n, sizeof(r), rule_cmp)) {
            (*kept)++;
            continue;
        }
        uint32_t id;
        if (mon_rule_add(m, &r, "admin", &id) != 0) {
            snprintf(err, errcap, "%s:%u: rule: %s", d->cfg.conf.origin, rc->line, mon_error(m));
            rules_undo(m, added, *nadded);
            *nadded = 0;
            free(have.v);
            return -1;
        }
        added[(*nadded)++] = id;
    }
    free(have.v);
    return 0;
}

/* ---- ports ----------------------------------------------------------------------------- */

/* Is the port attached exactly as configured? */
static int port_as_configured(const struct mon_port_info *pi, const struct vfd_mon_port_conf *p)
{
    return pi->attached && !strcmp(pi->guest_if, p->guest) && !strcmp(pi->uplink_if, p->uplink) &&
           pi->flags == p->flags && pi->uplink_owned == (p->peer[0] != 0);
}

static int attach(struct vfd *d, struct mon *m, const struct vfd_mon_port_conf *p, char *err,
                  size_t errcap)
{
    struct mon_port_spec spec = {.guest_if = p->guest,
                                 .uplink_if = p->uplink,
                                 .uplink_peer = p->peer[0] ? p->peer : NULL,
                                 .port_id = p->id,
                                 .flags = p->flags};
    if (mon_attach_port(m, &spec) == 0) return 0;
    snprintf(err, errcap, "%s:%u: port %u: %s", d->cfg.conf.origin, p->line, p->id, mon_error(m));
    return -1;
}

static int configured(const struct vfd_mon_conf *mc, uint16_t id)
{
    for (size_t i = 0; i < mc->nports; i++)
        if (mc->ports[i].id == id) return 1;
    return 0;
}

struct stale {
    const struct vfd_mon_conf *mc;
    uint16_t ids[VFD_MON_MAX_PORTS];
    size_t n;
};

static int find_stale(const struct mon_port_info *pi, void *ctx)
{
    struct stale *s = ctx;
    if (!configured(s->mc, pi->port_id) && s->n < VFD_MON_MAX_PORTS) s->ids[s->n++] = pi->port_id;
    return 0;
}

static int apply_ports(struct vfd *d, struct mon *m, uint16_t *renewed, size_t *nrenewed, char *err,
                       size_t errcap)
{
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    uint16_t *fresh = calloc(mc->nports ? mc->nports : 1, sizeof(*fresh));
    size_t nfresh = 0, nkept = 0;
    if (!fresh) {
        snprintf(err, errcap, "monitor: out of memory");
        return -1;
    }
    for (size_t i = 0; i < mc->nports; i++) {
        const struct vfd_mon_port_conf *p = &mc->ports[i];
        struct mon_port_info pi;
        if (mon_port_stats(m, p->id, &pi) == 0) {
            if (port_as_configured(&pi, p)) {
                nkept++;
                continue;
            }
            log_warn(&d->log, "monitor",
                     "port %u is attached as %s/%s, configured %s/%s: re-attaching", p->id,
                     pi.guest_if[0] ? pi.guest_if : "?", pi.uplink_if[0] ? pi.uplink_if : "?",
                     p->guest, p->uplink);
            mon_detach_port(m, p->id);
        }
        if (attach(d, m, p, err, errcap) != 0) {
            for (size_t k = 0; k < nfresh; k++)
                mon_detach_port(m, fresh[k]);
            free(fresh);
            return -1;
        }
        fresh[nfresh++] = p->id;
    }
    memcpy(renewed, fresh, nfresh * sizeof(*fresh));
    *nrenewed = nfresh;
    free(fresh);
    struct stale st = {.mc = mc};
    mon_port_list(m, find_stale, &st);
    for (size_t k = 0; k < st.n; k++) {
        log_info(&d->log, "monitor", "port %u is attached but not configured: detaching",
                 st.ids[k]);
        mon_detach_port(m, st.ids[k]);
        renewed[(*nrenewed)++] = st.ids[k];
    }
    log_info(&d->log, "monitor", "ports: %zu attached now, %zu kept as they were, %zu detached",
             nfresh, nkept, st.n);
    return 0;
}

int vfd_mon_apply(struct vfd *d, struct mon *m, uint16_t *renewed, size_t *nrenewed, char *err,
                  size_t errcap)
{
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    uint32_t *added = calloc(mc->nrules ? mc->nrules : 1, sizeof(*added));
    size_t nadded = 0, kept = 0;
    if (!added) {
        snprintf(err, errcap, "monitor: out of memory");
        return -1;
    }
    int rc = apply_rules(d, m, added, &nadded, &kept, err, errcap);
    *nrenewed = 0;
    if (rc == 0 && (rc = apply_ports(d, m, renewed, nrenewed, err, errcap)) != 0)
        rules_undo(m, added, nadded);
    if (rc == 0)
        log_info(&d->log, "monitor", "configured rules: %zu added, %zu already there", nadded,
                 kept);
    free(added);
    return rc;
}
