/*
 * vfd_config_mon.c - the [monitor] section: where the eBPF filter's pins live,
 * which guest ports it sits on, the drop-event rate, the administrator's
 * rules and the limits of the guests' hypercalls. Everything is checked
 * here, before anything is opened: a bad port line or rule is "file:line:
 * message" and the daemon does not start, so a start never applies half of a
 * configuration. No [monitor] section: no monitor at all, everything else as
 * without one.
 *
 *   port = ID guest=IF uplink=IF|auto [peer=IF] [switch=IF] [ipv4-only]
 *   rule = drop 10.0.0.5 port 22 dir from-guest on 1      (mon_rule_parse's form)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

static const char *const mon_keys[] = {
    "pin_dir",        "event_rate",      "event_burst",     "event_queue", "port",         "rule",
    "hypercall_rate", "hypercall_burst", "guest_max_rules", "notify_rate", "notify_burst", NULL};

#define PIN_DIR_MAX 199 /* struct mon keeps the path in 200 bytes */

/* An interface name as the kernel takes it: 1..15 bytes, no '/', no blank. */
static int ifname_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= VFD_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.:-@", *s)))
            return 0;
    return 1;
}

static int port_word(const struct conf_entry *e, const char *origin, struct vfd_mon_port_conf *p,
                     const char *w, char *err, size_t errcap)
{
    static const char *const names[] = {"guest=", "uplink=", "peer=", "switch="};
    char *dst[] = {p->guest, p->uplink, p->peer, p->switch_port};
    if (!strcmp(w, "ipv4-only")) {
        p->flags |= MON_PORT_IPV4_ONLY;
        return 0;
    }
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(w, names[i], n) != 0) continue;
        if (dst[i][0]) {
            snprintf(err, errcap, "%s:%u: port: %.*s given twice", origin, e->line, (int)n - 1,
                     names[i]);
            return -1;
        }
        if (!ifname_ok(w + n) || (i != 1 && !strcmp(w + n, "auto"))) {
            snprintf(err, errcap, "%s:%u: port: %.*s: '%.40s' is not an interface name", origin,
                     e->line, (int)n - 1, names[i], w + n);
            return -1;
        }
        snprintf(dst[i], VFD_IFNAME_MAX, "%s", w + n);
        return 0;
    }
    snprintf(err, errcap,
             "%s:%u: port: unknown word '%.40s' (guest=IF uplink=IF|auto [peer=IF] [switch=IF] "
             "[ipv4-only])",
             origin, e->line, w);
    return -1;
}

/* "ID guest=IF uplink=IF|auto [peer=IF] [switch=IF] [ipv4-only]" */
static int parse_port(const struct conf_entry *e, const char *origin, struct vfd_mon_port_conf *p,
                      char *err, size_t errcap)
{
    char buf[CONF_MAX_LINE + 1], *save = NULL;
    memset(p, 0, sizeof(*p));
    p->line = e->line;
    snprintf(buf, sizeof(buf), "%s", e->value);
    char *w = strtok_r(buf, " \t", &save), *end = NULL;
    unsigned long id = w ? strtoul(w, &end, 10) : 0;
    if (!w || *w < '1' || *w > '9' || *end || id > MON_PORT_ID_LIMIT) {
        snprintf(err, errcap, "%s:%u: port: expected a port id 1..%u first, got '%.40s'", origin,
                 e->line, MON_PORT_ID_LIMIT, w ? w : "");
        return -1;
    }
    p->id = (uint16_t)id;
    while ((w = strtok_r(NULL, " \t", &save)))
        if (port_word(e, origin, p, w, err, errcap) != 0) return -1;
    if (!p->guest[0] || !p->uplink[0]) {
        snprintf(err, errcap, "%s:%u: port %u: needs guest=IF and uplink=IF (or uplink=auto)",
                 origin, e->line, p->id);
        return -1;
    }
    /* auto: the pair vfm<ID>u / vfm<ID>s, created by the core (as mon does) */
    if (!strcmp(p->uplink, "auto")) {
        if (p->peer[0]) {
            snprintf(err, errcap, "%s:%u: port %u: uplink=auto names the peer itself (vfm%us)",
                     origin, e->line, p->id, p->id);
            return -1;
        }
        snprintf(p->uplink, sizeof(p->uplink), "vfm%uu", p->id);
        snprintf(p->peer, sizeof(p->peer), "vfm%us", p->id);
    }
    if (p->peer[0] && p->switch_port[0] && strcmp(p->peer, p->switch_port) != 0) {
        snprintf(err, errcap, "%s:%u: port %u: switch=%s differs from the peer %s the switch sees",
                 origin, e->line, p->id, p->switch_port, p->peer);
        return -1;
    }
    if (!p->switch_port[0]) snprintf(p->switch_port, sizeof(p->switch_port), "%s", p->peer);
    return 0;
}

/* No port id or interface twice. */
static int port_unique(const struct vfd_mon_conf *m, const struct vfd_mon_port_conf *p,
                       const char *origin, char *err, size_t errcap)
{
    const char *mine[] = {p->guest, p->uplink, p->peer};
    if (!strcmp(p->guest, p->uplink) || !strcmp(p->guest, p->peer) || !strcmp(p->uplink, p->peer)) {
        snprintf(err, errcap, "%s:%u: port %u: guest, uplink and peer must be distinct", origin,
                 p->line, p->id);
        return -1;
    }
    for (size_t i = 0; i < m->nports; i++) {
        const struct vfd_mon_port_conf *q = &m->ports[i];
        const char *theirs[] = {q->guest, q->uplink, q->peer};
        if (q->id == p->id) {
            snprintf(err, errcap, "%s:%u: port %u is already configured on line %u", origin,
                     p->line, p->id, q->line);
            return -1;
        }
        for (size_t a = 0; a < 3; a++)
            for (size_t b = 0; b < 3; b++)
                if (mine[a][0] && !strcmp(mine[a], theirs[b])) {
                    snprintf(err, errcap,
                             "%s:%u: port %u: interface %s is already used by port "
                             "%u (line %u)",
                             origin, p->line, p->id, mine[a], q->id, q->line);
                    return -1;
                }
    }
    return 0;
}

static const struct vfd_mon_port_conf *port_find(const struct vfd_mon_conf *m, uint16_t id)
{
    for (size_t i = 0; i < m->nports; i++)
        if (m->ports[i].id == id) return &m->ports[i];
    return NULL;
}

/* Two rules the monitor would refuse together (EEXIST): the same match in
 * a direction both have. Caught here so a start never half-applies them. */
static int rule_clash(const struct mon_rule *a, const struct mon_rule *b)
{
    return a->addr == b->addr && a->plen == b->plen && a->proto == b->proto &&
           a->l4port == b->l4port && a->port_id == b->port_id && (a->dirs & b->dirs);
}

static int parse_rule(struct vfd_mon_conf *m, const struct conf_entry *e, const char *origin,
                      char *err, size_t errcap)
{
    struct vfd_mon_rule_conf *rc = &m->rules[m->nrules];
    char why[MON_ERR_LEN];
    rc->line = e->line;
    if (mon_rule_parse(e->value, &rc->rule, why, sizeof(why)) != 0) {
        snprintf(err, errcap, "%s:%u: rule: %s", origin, e->line, why);
        return -1;
    }
    if (rc->rule.port_id && !port_find(m, rc->rule.port_id)) {
        snprintf(err, errcap, "%s:%u: rule: 'on %u' names a port that [monitor] does not configure",
                 origin, e->line, rc->rule.port_id);
        return -1;
    }
    for (size_t i = 0; i < m->nrules; i++) {
        if (!rule_clash(&rc->rule, &m->rules[i].rule)) continue;
        int same = !memcmp(&rc->rule, &m->rules[i].rule, sizeof(rc->rule));
        snprintf(err, errcap, "%s:%u: rule: %s the rule of line %u", origin, e->line,
                 same ? "repeats"
                      : "has the same match (address, protocol, port, direction, "
                        "guest port) as",
                 m->rules[i].line);
        return -1;
    }
    m->nrules++;
    return 0;
}

static int mon_numbers(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    uint64_t rate, burst, queue;
    if (conf_u64(c, "monitor", "event_rate", 100, 0, 1000000, &rate, err, errcap) ||
        conf_u64(c, "monitor", "event_burst", 20, 1, 1000000, &burst, err, errcap) ||
        conf_u64(c, "monitor", "event_queue", 256, 1, 65536, &queue, err, errcap))
        return -1;
    cfg->mon.ev_rate = (uint32_t)rate;
    cfg->mon.ev_burst = (uint32_t)burst;
    cfg->mon.ev_queue = (uint32_t)queue;
    /* Guest hypercalls (docs/hypercall.md): the datapath's bucket per port,
     * the hc server's rule quota (the library's own limits), and the core's
     * bucket per port for notes the domains send down the channel. */
    uint64_t hrate, hburst, quota, nrate, nburst;
    if (conf_u64(c, "monitor", "hypercall_rate", 50, 1, 1000000, &hrate, err, errcap) ||
        conf_u64(c, "monitor", "hypercall_burst", 20, 1, 1000000, &hburst, err, errcap) ||
        conf_u64(c, "monitor", "guest_max_rules", 64, 1, 100000, &quota, err, errcap) ||
        conf_u64(c, "monitor", "notify_rate", 5, 1, 1000, &nrate, err, errcap) ||
        conf_u64(c, "monitor", "notify_burst", 10, 1, 1000, &nburst, err, errcap))
        return -1;
    cfg->mon.hc_rate = (uint32_t)hrate;
    cfg->mon.hc_burst = (uint32_t)hburst;
    cfg->mon.guest_max_rules = (uint32_t)quota;
    cfg->mon.notify_rate = (uint32_t)nrate;
    cfg->mon.notify_burst = (uint32_t)nburst;
    const struct conf_entry *e = conf_find(c, "monitor", "pin_dir");
    cfg->mon.pin_dir = e ? e->value : MON_PIN_DIR_DEFAULT;
    if (e && (e->value[0] != '/' || strlen(e->value) > PIN_DIR_MAX)) {
        snprintf(err, errcap, "%s:%u: pin_dir: '%.64s' is not an absolute path of at most %d bytes",
                 c->origin, e->line, e->value, PIN_DIR_MAX);
        return -1;
    }
    return 0;
}

int vfd_config_mon(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    struct vfd_mon_conf *m = &cfg->mon;
    for (size_t k = 0; k < c->nsec; k++)
        m->enabled |= strcmp(c->sec[k].name, "monitor") == 0;
    if (!m->enabled) return 0;
    if (conf_check(c, NULL, "monitor", mon_keys, err, errcap) != 0 ||
        mon_numbers(cfg, err, errcap) != 0)
        return -1;
    m->ports = calloc(VFD_MON_MAX_PORTS, sizeof(*m->ports));
    m->rules = calloc(VFD_MON_MAX_RULES, sizeof(*m->rules));
    if (!m->ports || !m->rules) {
        snprintf(err, errcap, "%s: out of memory", c->origin);
        return -1;
    }
    /* Ports first: rules name them. */
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_entry *e = &c->v[i];
        if (strcmp(e->section, "monitor") != 0 || strcmp(e->key, "port") != 0) continue;
        if (m->nports == VFD_MON_MAX_PORTS) {
            snprintf(err, errcap, "%s:%u: more than %d ports", c->origin, e->line,
                     VFD_MON_MAX_PORTS);
            return -1;
        }
        struct vfd_mon_port_conf p;
        if (parse_port(e, c->origin, &p, err, errcap) != 0 ||
            port_unique(m, &p, c->origin, err, errcap) != 0)
            return -1;
        m->ports[m->nports++] = p;
    }
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_entry *e = &c->v[i];
        if (strcmp(e->section, "monitor") != 0 || strcmp(e->key, "rule") != 0) continue;
        if (m->nrules == VFD_MON_MAX_RULES) {
            snprintf(err, errcap, "%s:%u: more than %d rules (add more with visorflowctl rule add)",
                     c->origin, e->line, VFD_MON_MAX_RULES);
            return -1;
        }
        if (parse_rule(m, e, c->origin, err, errcap) != 0) return -1;
    }
    return 0;
}

void vfd_config_mon_free(struct vfd_config *cfg)
{
    free(cfg->mon.ports);
    free(cfg->mon.rules);
    cfg->mon.ports = NULL;
    cfg->mon.rules = NULL;
}
