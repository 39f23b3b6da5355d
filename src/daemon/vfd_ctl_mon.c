/*
 * vfd_ctl_mon.c - the monitor's control commands, answered by the core from
 * the monitor it holds (no domain is asked):
 *
 *   rule add RULE...   add a rule owned by admin (mon_rule_parse's text form);
 *                      the answer is its id
 *   rule del ID        delete any rule (admin may)
 *   rule list          id, owner, rule text, packets, bytes
 *   stats              per port: pass/drop packets and bytes per direction,
 *                      malformed, drop events sent/limited/lost, hypercall
 *                      frames; the core's own event and hypercall counters;
 *                      the rule count
 *   ports              the configured ports and whether they are attached
 *                      (with the guest's rule count and hypercall frames)
 *
 * The guests' own view, `guests`, is vfd_ctl_hc.c's.
 *
 * The control socket is root's (mode 0600), so its requests act as admin.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"
#include "lib/json.h"

static struct mon *need_mon(struct ctl_client *cl)
{
    struct mon *m = vfd_mon_handle(ctl_daemon(cl));
    if (!m) ctl_printf(cl, "ERR no monitor configured (the configuration has no [monitor])\n");
    return m;
}

static const char *dir_name(uint8_t dirs)
{
    return dirs == MON_FROM_GUEST ? "from-guest" : dirs == MON_TO_GUEST ? "to-guest" : "both";
}

/* ---- rule ------------------------------------------------------------------------------ */

static void rule_add(struct ctl_client *cl, int argc, char **argv, int json)
{
    struct vfd *d = ctl_daemon(cl);
    char text[1024] = "", why[MON_ERR_LEN];
    size_t o = 0;
    for (int i = 0; i < argc && o < sizeof(text); i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", i ? " " : "", argv[i]);
    if (o >= sizeof(text)) { /* cannot happen: a request line is at most 1024 bytes */
        ctl_printf(cl, "ERR rule: text too long\n");
        return;
    }
    struct mon_rule r;
    uint32_t id;
    if (mon_rule_parse(text, &r, why, sizeof(why)) != 0) {
        ctl_printf(cl, "ERR rule: %s\n", why);
        return;
    }
    int rc = vfd_mon_rule_add(d, &r, "admin", 0, &id, why, sizeof(why));
    if (rc) {
        ctl_printf(cl, "ERR %s\n", why);
        return;
    }
    char canon[128];
    mon_rule_format(&r, canon, sizeof(canon));
    log_info(&d->log, "monitor", "rule %u added by admin (control socket): %s", id, canon);
    ctl_printf(cl, json ? "OK\n{\"id\":%u}\n" : "OK\n%u\n", id);
}

static void rule_del(struct ctl_client *cl, const char *arg, int json)
{
    struct vfd *d = ctl_daemon(cl);
    char *end, why[MON_ERR_LEN];
    unsigned long id = strtoul(arg, &end, 10);
    if (*arg < '1' || *arg > '9' || *end || id > MON_RULE_ID_MAX) {
        ctl_printf(cl, "ERR rule del: '%.32s' is not a rule id (1..%u)\n", arg, MON_RULE_ID_MAX);
        return;
    }
    if (vfd_mon_rule_del(d, (uint32_t)id, "admin", why, sizeof(why)) != 0) {
        ctl_printf(cl, "ERR %s\n", why);
        return;
    }
    log_info(&d->log, "monitor", "rule %lu deleted by admin (control socket)", id);
    ctl_printf(cl, json ? "OK\n{\"deleted\":%lu}\n" : "OK\ndeleted rule %lu\n", id);
}

struct list_job {
    struct ctl_client *cl;
    int json;
    size_t n;
};

static int list_cb(const struct mon_rule_info *ri, void *ctx)
{
    struct list_job *j = ctx;
    char text[128], owner[2 * MON_OWNER_LEN], addr[INET_ADDRSTRLEN];
    mon_rule_format(&ri->rule, text, sizeof(text));
    json_escape(owner, sizeof(owner), ri->owner);
    if (!j->json) {
        ctl_printf(j->cl, "%u\t%s\t%s\tpackets=%" PRIu64 " bytes=%" PRIu64 "\n", ri->id, owner,
                   text, ri->packets, ri->bytes);
    } else {
        inet_ntop(AF_INET, &ri->rule.addr, addr, sizeof(addr));
        ctl_printf(j->cl,
                   "%s{\"id\":%u,\"owner\":\"%s\",\"rule\":\"%s\",\"addr\":\"%s\",\"plen\":%u,"
                   "\"proto\":%u,\"port\":%u,\"dir\":\"%s\",\"action\":\"%s\",\"on\":%u,"
                   "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"created\":%" PRIu64 "}",
                   j->n ? "," : "", ri->id, owner, text, addr, ri->rule.plen, ri->rule.proto,
                   ri->rule.l4port, dir_name(ri->rule.dirs),
                   ri->rule.action == MON_DROP ? "drop" : "pass", ri->rule.port_id, ri->packets,
                   ri->bytes, ri->created);
    }
    j->n++;
    return 0;
}

static void rule_list(struct ctl_client *cl, struct mon *m, int json)
{
    struct list_job j = {cl, json, 0};
    ctl_printf(cl, json ? "OK\n{\"rules\":[" : "OK\n");
    mon_rule_list(m, 1, list_cb, &j);
    if (json) ctl_printf(cl, "],\"count\":%zu}\n", j.n);
}

void ctl_cmd_rule(struct ctl_client *cl, int argc, char **argv, int json)
{
    const char *usage = "rule add RULE... | rule del ID | rule list [--json]";
    if (!strcmp(argv[0], "add") && argc >= 2) {
        if (need_mon(cl)) rule_add(cl, argc - 1, argv + 1, json);
    } else if (!strcmp(argv[0], "del") && argc == 2) {
        if (need_mon(cl)) rule_del(cl, argv[1], json);
    } else if (!strcmp(argv[0], "list") && argc == 1) {
        struct mon *m = need_mon(cl);
        if (m) rule_list(cl, m, json);
    } else {
        ctl_printf(cl, "ERR usage: %s\n", usage);
    }
}

/* ---- stats -------------------------------------------------------------------------------- */

struct stats_job {
    struct ctl_client *cl;
    int json;
    size_t n;
};

static int stats_cb(const struct mon_port_info *pi, void *ctx)
{
    struct stats_job *j = ctx;
    static const char *const dn[2] = {"from_guest", "to_guest"};
    if (j->json) {
        ctl_printf(j->cl, "%s{\"id\":%u,\"guest\":\"%s\",\"uplink\":\"%s\",\"attached\":%s,",
                   j->n ? "," : "", pi->port_id, pi->guest_if, pi->uplink_if,
                   pi->attached ? "true" : "false");
        for (int k = 0; k < 2; k++)
            ctl_printf(j->cl,
                       "\"%s\":{\"pass_pkts\":%" PRIu64 ",\"pass_bytes\":%" PRIu64
                       ",\"drop_pkts\":%" PRIu64 ",\"drop_bytes\":%" PRIu64 "},",
                       dn[k], pi->dir[k].pass_pkts, pi->dir[k].pass_bytes, pi->dir[k].drop_pkts,
                       pi->dir[k].drop_bytes);
        ctl_printf(j->cl,
                   "\"malformed\":%" PRIu64 ",\"events_sent\":%" PRIu64
                   ",\"events_limited\":%" PRIu64 ",\"events_lost\":%" PRIu64
                   ",\"hypercalls\":{\"frames\":%" PRIu64 ",\"oversize\":%" PRIu64
                   ",\"limited\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"spoofed\":%" PRIu64
                   ",\"sent\":%" PRIu64 "}}",
                   pi->malformed, pi->ev_sent, pi->ev_limited, pi->ev_lost, pi->hc_frames,
                   pi->hc_oversize, pi->hc_limited, pi->hc_lost, pi->hc_spoofed, pi->hc_sent);
    } else {
        ctl_printf(j->cl, "port %u (%s/%s)%s\n", pi->port_id, pi->guest_if[0] ? pi->guest_if : "?",
                   pi->uplink_if[0] ? pi->uplink_if : "?", pi->attached ? "" : " NOT ATTACHED");
        for (int k = 0; k < 2; k++)
            ctl_printf(j->cl,
                       "  %-10s pass %" PRIu64 " pkts %" PRIu64 " bytes, drop %" PRIu64
                       " pkts %" PRIu64 " bytes\n",
                       k ? "to-guest" : "from-guest", pi->dir[k].pass_pkts, pi->dir[k].pass_bytes,
                       pi->dir[k].drop_pkts, pi->dir[k].drop_bytes);
        ctl_printf(j->cl,
                   "  malformed %" PRIu64 "; drop events sent %" PRIu64 ", limited %" PRIu64
                   ", lost %" PRIu64 "\n",
                   pi->malformed, pi->ev_sent, pi->ev_limited, pi->ev_lost);
        ctl_printf(j->cl,
                   "  hypercalls: frames %" PRIu64 ", oversize %" PRIu64 ", limited %" PRIu64
                   ", lost %" PRIu64 ", spoofed %" PRIu64 "; the monitor's frames sent %" PRIu64
                   "\n",
                   pi->hc_frames, pi->hc_oversize, pi->hc_limited, pi->hc_lost, pi->hc_spoofed,
                   pi->hc_sent);
    }
    j->n++;
    return 0;
}

void ctl_cmd_stats(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct mon *m = need_mon(cl);
    if (!m) return;
    struct vfd_mon_counters c;
    struct vfd_hc_counters h;
    vfd_mon_counters(d, &c);
    vfd_hc_counters(d, &h);
    char pin[512];
    json_escape(pin, sizeof(pin), d->cfg.mon.pin_dir);
    struct stats_job j = {cl, json, 0};
    if (json) {
        ctl_printf(cl, "OK\n{\"pin_dir\":\"%s\",\"rules\":%zu,\"ports\":[", pin, mon_rule_count(m));
        mon_port_list(m, stats_cb, &j);
        ctl_printf(cl,
                   "],\"core_events\":{\"read\":%" PRIu64 ",\"forwarded\":%" PRIu64
                   ",\"queue_full\":%" PRIu64 ",\"no_domain\":%" PRIu64 ",\"bad\":%" PRIu64
                   "},\"core_hypercalls\":{\"read\":%" PRIu64 ",\"stale\":%" PRIu64
                   ",\"send_errors\":%" PRIu64 ",\"notes_bad_port\":%" PRIu64 "}}\n",
                   c.ev_read, c.ev_forwarded, c.ev_queue_full, c.ev_no_domain, c.ev_bad, h.frames,
                   h.stale, h.send_errors, h.notes_bad_port);
        return;
    }
    ctl_printf(cl, "OK\nmonitor %s: %zu rules\n", pin, mon_rule_count(m));
    mon_port_list(m, stats_cb, &j);
    ctl_printf(cl,
               "drop events at the core: read %" PRIu64 ", forwarded to domain of %" PRIu64
               ", dropped (its queue full) %" PRIu64 ", dropped (not running) %" PRIu64
               ", bad %" PRIu64 "\n",
               c.ev_read, c.ev_forwarded, c.ev_queue_full, c.ev_no_domain, c.ev_bad);
    ctl_printf(cl,
               "hypercalls at the core: read %" PRIu64 ", dropped as stale %" PRIu64
               ", replies lost %" PRIu64 "; domain notes for unconfigured ports %" PRIu64 "\n",
               h.frames, h.stale, h.send_errors, h.notes_bad_port);
}

/* ---- ports ---------------------------------------------------------------------------------- */

void ctl_cmd_ports(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct mon *m = need_mon(cl);
    if (!m) return;
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    ctl_printf(cl, json ? "OK\n{\"ports\":[" : "OK\n");
    for (size_t i = 0; i < mc->nports; i++) {
        const struct vfd_mon_port_conf *p = &mc->ports[i];
        struct mon_port_info pi;
        int have = mon_port_stats(m, p->id, &pi) == 0;
        int ok = have && pi.attached;
        int v4 = !!(p->flags & MON_PORT_IPV4_ONLY);
        uint64_t hcf = have ? pi.hc_frames : 0;
        if (json)
            ctl_printf(cl,
                       "%s{\"id\":%u,\"guest\":\"%s\",\"uplink\":\"%s\",\"switch_port\":\"%s\","
                       "\"uplink_created\":%s,\"ipv4_only\":%s,\"attached\":%s,"
                       "\"guest_ifindex\":%d,\"uplink_ifindex\":%d,\"guest_rules\":%zu,"
                       "\"hypercalls\":%" PRIu64 "}",
                       i ? "," : "", p->id, p->guest, p->uplink, p->switch_port,
                       p->peer[0] ? "true" : "false", v4 ? "true" : "false", ok ? "true" : "false",
                       have ? pi.guest_ifindex : 0, have ? pi.uplink_ifindex : 0,
                       ctl_guest_rules(d, p->id), hcf);
        else
            ctl_printf(cl,
                       "port %u: guest %s uplink %s switch port %s%s%s: %s\n"
                       "  guest rules %zu, hypercall frames %" PRIu64 "\n",
                       p->id, p->guest, p->uplink, p->switch_port[0] ? p->switch_port : "(unknown)",
                       p->peer[0] ? " (pair created by the core)" : "", v4 ? " ipv4-only" : "",
                       ok ? "attached" : "NOT ATTACHED", ctl_guest_rules(d, p->id), hcf);
    }
    if (json) ctl_printf(cl, "]}\n");
}
