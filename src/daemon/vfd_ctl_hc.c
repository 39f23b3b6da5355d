/*
 * vfd_ctl_hc.c - `visorflowctl guests`: each configured guest port as its
 * guest sees the monitor: the port, whether it is attached, the rules its
 * guest owns (guest:ID), the datapath's hypercall counters (frames queued for
 * the core, dropped as oversized or over the rate, lost to a full ring,
 * spoofed 0x88B5 frames towards it), what the core's server made of the
 * frames, and the notes: made, kept for EVENTS, and the domains' notes sent,
 * rate-limited or not sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"

/* Counted by the core's own walk (vfd_mon_rule_count_owner): the configured
 * ports are few (256 at most) and the command is not on any hot path. */
size_t ctl_guest_rules(struct vfd *d, uint16_t port_id)
{
    char owner[MON_OWNER_LEN];
    snprintf(owner, sizeof(owner), "guest:%u", port_id);
    return vfd_mon_rule_count_owner(d, owner);
}

static void one_json(struct ctl_client *cl, int first, const struct vfd_mon_port_conf *p, int att,
                     size_t rules, const struct mon_port_info *pi, const struct vfd_hc_port *hp)
{
    const struct hc_port_stats *s = &hp->srv;
    ctl_printf(cl,
               "%s{\"id\":%u,\"guest\":\"%s\",\"attached\":%s,\"rules\":%zu,\"frames\":%" PRIu64
               ",\"oversize\":%" PRIu64 ",\"limited\":%" PRIu64 ",\"lost\":%" PRIu64
               ",\"spoofed\":%" PRIu64 ",\"sent\":%" PRIu64 ",",
               first ? "" : ",", p->id, p->guest, att ? "true" : "false", rules, pi->hc_frames,
               pi->hc_oversize, pi->hc_limited, pi->hc_lost, pi->hc_spoofed, pi->hc_sent);
    ctl_printf(cl,
               "\"served\":{\"frames\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"malformed\":%" PRIu64
               ",\"unanswered\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"retries\":%" PRIu64 "},",
               s->frames, s->requests, s->malformed, s->unanswered, s->refused, s->retries);
    ctl_printf(cl,
               "\"notes\":%" PRIu64 ",\"queued\":%zu,\"domain_notes\":{\"sent\":%" PRIu64
               ",\"limited\":%" PRIu64 ",\"unsent\":%" PRIu64 "}}",
               s->notes, hp->backlog, hp->notes_sent, hp->notes_limited, hp->notes_unsent);
}

static void one_text(struct ctl_client *cl, const struct vfd_mon_port_conf *p, int att,
                     size_t rules, const struct mon_port_info *pi, const struct vfd_hc_port *hp)
{
    const struct hc_port_stats *s = &hp->srv;
    ctl_printf(cl, "port %u: guest %s, %s, guest rules %zu\n", p->id, p->guest,
               att ? "attached" : "NOT ATTACHED", rules);
    ctl_printf(cl,
               "  hypercalls: frames %" PRIu64 ", oversize %" PRIu64 ", limited %" PRIu64
               ", lost %" PRIu64 ", spoofed %" PRIu64 "; the monitor's frames sent %" PRIu64 "\n",
               pi->hc_frames, pi->hc_oversize, pi->hc_limited, pi->hc_lost, pi->hc_spoofed,
               pi->hc_sent);
    ctl_printf(cl,
               "  served: frames %" PRIu64 ", requests %" PRIu64 ", malformed %" PRIu64
               ", unanswered %" PRIu64 ", refused %" PRIu64 ", retries %" PRIu64 "\n",
               s->frames, s->requests, s->malformed, s->unanswered, s->refused, s->retries);
    ctl_printf(cl,
               "  notes: %" PRIu64 " made, %zu queued for EVENTS; from domains %" PRIu64
               " sent, %" PRIu64 " rate-limited, %" PRIu64 " not sent\n",
               s->notes, hp->backlog, hp->notes_sent, hp->notes_limited, hp->notes_unsent);
}

void ctl_cmd_guests(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct mon *m = vfd_mon_handle(d);
    if (!m) {
        ctl_printf(cl, "ERR no monitor configured (the configuration has no [monitor])\n");
        return;
    }
    const struct vfd_mon_conf *mc = &d->cfg.mon;
    struct vfd_hc_counters c;
    vfd_hc_counters(d, &c);
    ctl_printf(cl, json ? "OK\n{\"guests\":[" : "OK\n");
    for (size_t i = 0; i < mc->nports; i++) {
        const struct vfd_mon_port_conf *p = &mc->ports[i];
        struct mon_port_info pi;
        struct vfd_hc_port hp;
        memset(&pi, 0, sizeof(pi));
        int att = mon_port_stats(m, p->id, &pi) == 0 && pi.attached;
        vfd_hc_port(d, p->id, &hp);
        size_t rules = ctl_guest_rules(d, p->id);
        if (json)
            one_json(cl, i == 0, p, att, rules, &pi, &hp);
        else
            one_text(cl, p, att, rules, &pi, &hp);
    }
    if (json)
        ctl_printf(cl,
                   "],\"limits\":{\"rate\":%u,\"burst\":%u,\"max_rules\":%u,\"notify_rate\":%u,"
                   "\"notify_burst\":%u},\"core\":{\"read\":%" PRIu64 ",\"stale\":%" PRIu64
                   ",\"send_errors\":%" PRIu64 ",\"notes_bad_port\":%" PRIu64 "}}\n",
                   mc->hc_rate, mc->hc_burst, mc->guest_max_rules, mc->notify_rate,
                   mc->notify_burst, c.frames, c.stale, c.send_errors, c.notes_bad_port);
    else
        ctl_printf(cl,
                   "limits: %u frames/s (burst %u) a port, %u rules a guest, domain notes %u/s "
                   "(burst %u) a port\n"
                   "core: frames read %" PRIu64 ", dropped as stale %" PRIu64
                   ", replies lost %" PRIu64 ", domain notes for unconfigured ports %" PRIu64 "\n",
                   mc->hc_rate, mc->hc_burst, mc->guest_max_rules, mc->notify_rate,
                   mc->notify_burst, c.frames, c.stale, c.send_errors, c.notes_bad_port);
}
