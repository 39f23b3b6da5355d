/*
 * vfd_mon.c - the core and the eBPF monitor below the guests (docs/monitor.md,
 * "How the core uses it"). At start, while the core still holds its
 * capabilities, it opens the pinned monitor (mon_open: load or reuse the
 * programs and maps, take the one-writer lock), applies the configured admin
 * rules and attaches the configured ports. After that every change is a map
 * update through descriptors it already holds, which needs no capability;
 * attaching a port later would (tc needs CAP_NET_ADMIN), so ports are
 * configuration, not something a domain can ask for.
 *
 * Drop events: the ring buffer's epoll fd sits in the core's event loop;
 * each event goes to the of domain as MON_EVENT, never waiting for it. When
 * more than [monitor] event_queue messages already wait for that domain the
 * event is dropped and counted, so a domain that stops reading costs the core
 * nothing but a counter (and the datapath's own rate limit bounds the flow).
 *
 * Rule operations in someone's name (vfd_mon_rule_add/del) live here too, so
 * the control socket, the domains and later the guests' hypercalls share one
 * path to the monitor, with one owner check (mon's) and one quota check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

struct vfd_mon {
    struct vfd *d;
    struct mon *m;
    int ev_fd;
    struct vfd_mon_counters cnt;
    uint32_t lost; /* events dropped for the of domain since the last one it got */
    uint16_t renewed[2 * VFD_MON_MAX_PORTS]; /* ports attached anew or detached at start */
    size_t nrenewed;
};

struct mon *vfd_mon_handle(struct vfd *d)
{
    return d->mon ? d->mon->m : NULL;
}

size_t vfd_mon_renewed(struct vfd *d, const uint16_t **ids)
{
    *ids = d->mon ? d->mon->renewed : NULL;
    return d->mon ? d->mon->nrenewed : 0;
}

void vfd_mon_counters(struct vfd *d, struct vfd_mon_counters *c)
{
    if (d->mon)
        *c = d->mon->cnt;
    else
        memset(c, 0, sizeof(*c));
}

/* ---- conversions ------------------------------------------------------------------ */

void vfd_mon_rule_to_msg(const struct mon_rule *r, struct msg_rule *m)
{
    memset(m, 0, sizeof(*m));
    m->addr = ntohl(r->addr);
    m->plen = r->plen;
    m->proto = r->proto;
    m->port = r->l4port;
    m->dir = r->dirs; /* MON_FROM_GUEST 1, MON_TO_GUEST 2, MON_BOTH 3: the wire's values */
    m->action = r->action == MON_DROP ? MSG_RACT_DROP : MSG_RACT_PASS;
    m->on = r->port_id;
}

void vfd_mon_rule_from_msg(const struct msg_rule *m, struct mon_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->addr = htonl(m->addr);
    r->plen = m->plen;
    r->proto = m->proto;
    r->l4port = m->port;
    r->dirs = m->dir;
    r->action = m->action == MSG_RACT_DROP ? MON_DROP : MON_PASS;
    r->port_id = m->on;
}

/* ---- rules in someone's name --------------------------------------------------------- */

struct owner_count {
    const char *owner;
    size_t n;
};

static int count_cb(const struct mon_rule_info *ri, void *ctx)
{
    struct owner_count *oc = ctx;
    oc->n += strcmp(ri->owner, oc->owner) == 0;
    return 0;
}

/* A walk of the rule table in memory (no map reads): well under a
 * millisecond for the 131,071 rules the table holds at most. */
size_t vfd_mon_rule_count_owner(struct vfd *d, const char *owner)
{
    struct owner_count oc = {owner, 0};
    if (d->mon) mon_rule_list(d->mon->m, 0, count_cb, &oc);
    return oc.n;
}

int vfd_mon_rule_add(struct vfd *d, const struct mon_rule *r, const char *owner, unsigned max,
                     uint32_t *id, char *err, size_t errcap)
{
    if (!d->mon) {
        snprintf(err, errcap, "no monitor configured (no [monitor] section)");
        return -ENODEV;
    }
    if (max && vfd_mon_rule_count_owner(d, owner) >= max) {
        snprintf(err, errcap, "%s already holds %u rules, its max_rules", owner, max);
        return -EDQUOT;
    }
    int rc = mon_rule_add(d->mon->m, r, owner, id);
    if (rc) snprintf(err, errcap, "%s", mon_error(d->mon->m));
    return rc;
}

int vfd_mon_rule_del(struct vfd *d, uint32_t id, const char *requester, char *err, size_t errcap)
{
    if (!d->mon) {
        snprintf(err, errcap, "no monitor configured (no [monitor] section)");
        return -ENODEV;
    }
    int rc = mon_rule_del(d->mon->m, id, requester);
    if (rc) snprintf(err, errcap, "%s", mon_error(d->mon->m));
    return rc;
}

/* ---- drop events -------------------------------------------------------------------- */

/* What the datapath wrote, as MON_EVENT; 0 when it does not fit the
 * message's rules (a core never sends what would get a domain killed). */
static int event_msg(const struct mon_drop *e, uint32_t lost, struct msg_mon_event *m)
{
    if (!e->port_id || e->port_id > MSG_PORT_ID_MAX || e->dir > 1 || e->rule_id > MSG_RULE_ID_MAX ||
        (e->flags & ~(MON_DROP_MALFORMED | MON_DROP_FRAGMENT | MON_DROP_NON_IP)))
        return 0;
    *m = (struct msg_mon_event){
        .ts_ns = e->ts_ns,
        .rule_id = e->rule_id,
        .port = e->port_id,
        .dir = e->dir ? MSG_RDIR_TO_GUEST : MSG_RDIR_FROM_GUEST,
        .proto = e->proto,
        .saddr = ntohl(e->saddr),
        .daddr = ntohl(e->daddr),
        .sport = e->sport,
        .dport = e->dport,
        .len = e->len,
        .flags = e->flags, /* MON_DROP_* and MSG_MON_* agree bit for bit */
        .ethertype = e->ethertype,
        .limited = e->limited,
        .lost = lost,
    };
    return 1;
}

static void on_drop(const struct mon_drop *e, void *ctx)
{
    struct vfd_mon *vm = ctx;
    vm->cnt.ev_read++;
    struct vfd_domain *dom = vfd_domain_find(vm->d, MSG_KIND_OF);
    if (!dom || dom->fd < 0 || dom->state == VFD_DOM_STOPPED) {
        vm->cnt.ev_no_domain++;
        return;
    }
    if (msg_outq_len(&dom->out) >= vm->d->cfg.mon.ev_queue) {
        vm->cnt.ev_queue_full++;
        if (vm->lost < UINT32_MAX) vm->lost++;
        return;
    }
    union msg_body b;
    if (!event_msg(e, vm->lost, &b.mon_event)) {
        vm->cnt.ev_bad++;
        return;
    }
    if (vfd_domain_send(dom, MSG_MON_EVENT, 0, &b, NULL, 0) == MSG_OK) {
        vm->cnt.ev_forwarded++;
        vm->lost = 0;
    }
}

static void on_events(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop, (void)fd, (void)events;
    struct vfd_mon *vm = ctx;
    if (mon_events_poll(vm->m, on_drop, vm, 0) < 0)
        log_warn(&vm->d->log, "monitor", "reading drop events: %s", mon_error(vm->m));
}

/* ---- start and stop ------------------------------------------------------------------ */

static void mon_free(struct vfd_mon *vm)
{
    if (!vm) return;
    if (vm->ev_fd >= 0) ev_fd_del(vm->d->loop, vm->ev_fd);
    mon_close(vm->m); /* the ring's fd belongs to the handle */
    free(vm);
}

int vfd_mon_start(struct vfd *d, char *err, size_t errcap)
{
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    /* --check reads and checks [monitor] (vfd_config_mon.c) but changes
     * nothing: a running daemon may own these pins. */
    if (!mc->enabled || d->check_only) return 0;
    struct vfd_mon *vm = calloc(1, sizeof(*vm));
    if (!vm) {
        snprintf(err, errcap, "monitor: out of memory");
        return -1;
    }
    vm->d = d;
    vm->ev_fd = -1;
    err[0] = '\0';
    char why[MON_ERR_LEN];
    if (mon_open(&vm->m, mc->pin_dir, 0, why, sizeof(why)) != 0) {
        snprintf(err, errcap, "monitor: %s", why);
        free(vm);
        return -1;
    }
    if (mon_events_rate(vm->m, mc->ev_rate, mc->ev_burst) != 0 ||
        vfd_mon_apply(d, vm->m, vm->renewed, &vm->nrenewed, err, errcap) != 0) {
        if (!err[0]) snprintf(err, errcap, "monitor: %s", mon_error(vm->m));
        mon_free(vm);
        return -1;
    }
    int fd = mon_events_fd(vm->m);
    if (fd < 0 || ev_fd_add(d->loop, fd, EV_READ, on_events, vm) != 0) {
        snprintf(err, errcap, "monitor: drop events: %s", fd < 0 ? mon_error(vm->m) : "ev_fd_add");
        mon_free(vm);
        return -1;
    }
    vm->ev_fd = fd;
    d->mon = vm;
    log_info(&d->log, "monitor", "monitor at %s: %zu ports, %zu rules (%zu configured)",
             mc->pin_dir, mc->nports, mon_rule_count(vm->m), mc->nrules);
    /* Whatever waited in the ring while no core ran. */
    on_events(d->loop, fd, EV_READ, vm);
    return 0;
}

void vfd_mon_stop(struct vfd *d)
{
    mon_free(d->mon);
    d->mon = NULL;
}
