/*
 * vfd_ctl_cmds.c - the control commands: status, flows DPID, reload. Text for
 * people, --json for scripts; names that come from switches are escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"

const char *ctl_json_escape(char *dst, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(dst + o, cap - o, "\\u%04x", c);
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
    return dst;
}

static void fmt_dpid(uint64_t dpid, char *out, size_t cap)
{
    snprintf(out, cap, "%016" PRIx64, dpid);
}

/* DPID as 16 hex digits, with or without colons, or 0x-prefixed hex. */
static int parse_dpid(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    for (; *s; s++) {
        if (*s == ':') continue;
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return -1;
        if (++digits > 16) return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (!digits) return -1;
    *out = v;
    return 0;
}

struct status_ctx {
    struct ctl_client *cl;
    int json;
    int first;
    uint64_t now;
};

static void status_switch(struct ofc_switch *sw, void *arg)
{
    struct status_ctx *s = arg;
    struct ofc_switch_counters sc;
    ofc_switch_counters(sw, &sc);
    const struct of10_features *f = ofc_switch_features(sw);
    char dpid[20], peer[128];
    fmt_dpid(ofc_switch_dpid(sw), dpid, sizeof(dpid));
    uint64_t up = (s->now - ofc_switch_connected_ms(sw)) / 1000;
    if (s->json) {
        ctl_printf(s->cl,
                   "%s{\"dpid\":\"%s\",\"peer\":\"%s\",\"up_s\":%" PRIu64 ",\"msgs_in\":%" PRIu64
                   ",\"msgs_out\":%" PRIu64 ",\"packet_ins\":%" PRIu64 ",\"queued\":%zu,\"ports\":[",
                   s->first ? "" : ",", dpid,
                   ctl_json_escape(peer, sizeof(peer), ofc_switch_peer(sw)), up, sc.msgs_in,
                   sc.msgs_out, sc.packet_ins, sc.out_queued);
    } else {
        ctl_printf(s->cl,
                   "  switch %s peer %s up %" PRIu64 "s msgs in %" PRIu64 " out %" PRIu64
                   " packet_ins %" PRIu64 " queued %zu\n",
                   dpid, ofc_switch_peer(sw), up, sc.msgs_in, sc.msgs_out, sc.packet_ins,
                   sc.out_queued);
    }
    for (size_t i = 0; f && i < f->n_ports; i++) {
        const struct of10_phy_port *p = &f->ports[i];
        char name[128];
        ctl_json_escape(name, sizeof(name), p->name);
        const char *link = (p->state & OFPPS10_LINK_DOWN) ? "down" : "up";
        if (s->json)
            ctl_printf(s->cl, "%s{\"port\":%u,\"name\":\"%s\",\"link\":\"%s\"}", i ? "," : "",
                       p->port_no, name, link);
        else
            ctl_printf(s->cl, "    port %u %s link %s\n", p->port_no, name, link);
    }
    if (s->json) ctl_printf(s->cl, "]}");
    s->first = 0;
}

static void cmd_status(struct ctl_client *cl, char **argv, int json)
{
    (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct ofc_counters c;
    struct lof_status ls;
    ofc_counters(d->ofc, &c);
    lof_status(d->lof, &ls);
    uint64_t now = ev_now_ms(d->loop);
    char apps[512] = "", err[600];
    for (size_t i = 0; i < ls.n_apps && i < 32; i++)
        snprintf(apps + strlen(apps), sizeof(apps) - strlen(apps), "%s%s%s%s", i ? "," : "",
                 json ? "\"" : "", ls.app_names[i], json ? "\"" : "");
    ctl_printf(cl, "OK\n");
    if (json) {
        ctl_printf(cl,
                   "{\"pid\":%d,\"uptime_s\":%" PRIu64 ",\"apps\":[%s],\"generation\":%u,"
                   "\"reloads_ok\":%u,\"reloads_failed\":%u,\"last_reload_error\":\"%s\","
                   "\"lua_mem\":%zu,\"lua_mem_cap\":%zu,\"lua_budget_trips\":%" PRIu64
                   ",\"lua_handler_errors\":%" PRIu64 ",",
                   (int)getpid(), (now - d->started_ms) / 1000, apps, ls.generation,
                   d->reloads_ok, d->reloads_failed,
                   ctl_json_escape(err, sizeof(err), d->last_reload_error), ls.mem_used,
                   ls.mem_cap, ls.budget_trips, ls.handler_errors);
        ctl_printf(cl,
                   "\"counters\":{\"accepted\":%" PRIu64 ",\"handshakes\":%" PRIu64
                   ",\"disconnects\":%" PRIu64 ",\"msgs_in\":%" PRIu64 ",\"msgs_out\":%" PRIu64
                   ",\"packet_ins\":%" PRIu64 ",\"bad_msgs\":%" PRIu64
                   ",\"echo_timeouts\":%" PRIu64 ",\"overflow_drops\":%" PRIu64 "},"
                   "\"switches\":[",
                   c.accepted, c.handshakes, c.disconnects, c.msgs_in, c.msgs_out, c.packet_ins,
                   c.bad_msgs, c.echo_timeouts, c.overflow_drops);
    } else {
        ctl_printf(cl, "visorflowd pid %d up %" PRIu64 "s\n", (int)getpid(),
                   (now - d->started_ms) / 1000);
        ctl_printf(cl,
                   "apps: %s (generation %u; reloads ok %u, failed %u; lua memory %zu of %zu "
                   "bytes; budget trips %" PRIu64 ", handler errors %" PRIu64 ")\n",
                   apps, ls.generation, d->reloads_ok, d->reloads_failed, ls.mem_used,
                   ls.mem_cap, ls.budget_trips, ls.handler_errors);
        if (d->last_reload_error[0])
            ctl_printf(cl, "last reload error: %s\n", d->last_reload_error);
        ctl_printf(cl,
                   "counters: accepted %" PRIu64 " handshakes %" PRIu64 " disconnects %" PRIu64
                   " msgs_in %" PRIu64 " msgs_out %" PRIu64 " packet_ins %" PRIu64
                   " bad_msgs %" PRIu64 " echo_timeouts %" PRIu64 " overflow_drops %" PRIu64 "\n",
                   c.accepted, c.handshakes, c.disconnects, c.msgs_in, c.msgs_out, c.packet_ins,
                   c.bad_msgs, c.echo_timeouts, c.overflow_drops);
        ctl_printf(cl, "switches: %zu\n", ofc_switch_count(d->ofc));
    }
    struct status_ctx s = {cl, json, 1, now};
    ofc_foreach_switch(d->ofc, status_switch, &s);
    if (json) ctl_printf(cl, "]}\n");
}

struct flows_req {
    int json;
};

static void flows_reply(struct ofc_switch *sw, int status, const struct of10_msg *const *parts,
                        size_t nparts, void *ctx)
{
    struct ctl_client *cl = ctx;
    int json = ctl_json_mode(cl);
    (void)sw;
    if (status != OFC_REPLY_OK) {
        static const char *const why[] = {"ok", "switch answered with an error", "timed out",
                                          "switch disconnected", "reply too large"};
        ctl_printf(cl, "ERR flow stats: %s\n", why[status <= 4 ? status : 1]);
        ctl_reply_done(cl);
        return;
    }
    ctl_printf(cl, json ? "OK\n[" : "OK\n");
    int first = 1;
    for (size_t p = 0; p < nparts; p++) {
        const struct of10_stats_reply *r = &parts[p]->u.stats_reply;
        for (size_t i = 0; i < r->u.flow.n; i++) {
            const struct of10_flow_stats *f = &r->u.flow.v[i];
            char match[1024], acts[1024];
            of10_match_print(&f->match, match, sizeof(match));
            of10_actions_print(&f->actions, acts, sizeof(acts));
            if (json)
                ctl_printf(cl,
                           "%s{\"table\":%u,\"priority\":%u,\"match\":\"%s\",\"actions\":\"%s\","
                           "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                           ",\"duration_s\":%u,\"idle_timeout\":%u,\"hard_timeout\":%u,"
                           "\"cookie\":%" PRIu64 "}",
                           first ? "" : ",", f->table_id, f->priority, match, acts,
                           f->packet_count, f->byte_count, f->duration_sec, f->idle_timeout,
                           f->hard_timeout, f->cookie);
            else
                ctl_printf(cl,
                           "table=%u priority=%u %s%sactions=%s n_packets=%" PRIu64
                           " n_bytes=%" PRIu64 " duration=%us idle_timeout=%u\n",
                           f->table_id, f->priority, match, match[0] ? " " : "", acts,
                           f->packet_count, f->byte_count, f->duration_sec, f->idle_timeout);
            first = 0;
        }
    }
    if (json) ctl_printf(cl, "]\n");
    ctl_reply_done(cl);
}

static void cmd_flows(struct ctl_client *cl, char **argv, int json)
{
    struct vfd *d = ctl_daemon(cl);
    uint64_t dpid;
    if (parse_dpid(argv[0], &dpid) != 0) {
        ctl_printf(cl, "ERR bad DPID '%.32s' (up to 16 hex digits, colons allowed)\n", argv[0]);
        return;
    }
    struct ofc_switch *sw = ofc_switch_find(d->ofc, dpid);
    if (!sw) {
        ctl_printf(cl, "ERR no switch with DPID %016" PRIx64 " is connected\n", dpid);
        return;
    }
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_STATS_REQUEST};
    m.u.stats_request.type = OFPST10_FLOW;
    of10_match_init_catchall(&m.u.stats_request.u.flow.match);
    m.u.stats_request.u.flow.table_id = 0xff;
    m.u.stats_request.u.flow.out_port = OFPP10_NONE;
    ctl_set_json_mode(cl, json);
    if (ofc_request(sw, &m, flows_reply, cl, cl) == 0) {
        ctl_printf(cl, "ERR could not send the request to the switch\n");
        return;
    }
    ctl_reply_wait(cl);
}

static void cmd_reload(struct ctl_client *cl, char **argv, int json)
{
    (void)argv;
    (void)json;
    struct vfd *d = ctl_daemon(cl);
    char err[512];
    if (vfd_apps_load(d, err, sizeof(err)) == 0) {
        log_info(&d->log, "daemon", "apps reloaded by visorflowctl");
        ctl_printf(cl, "OK\nreloaded %zu apps\n", d->cfg.n_apps);
    } else {
        log_error(&d->log, "daemon", "reload failed, previous apps keep running: %s", err);
        ctl_printf(cl, "ERR reload failed, previous apps keep running: %s\n", err);
    }
}

static const struct ctl_command ctl_commands[] = {
    {"status", 0, "status [--json]", cmd_status},
    {"flows", 1, "flows DPID [--json]", cmd_flows},
    {"reload", 0, "reload", cmd_reload},
};

const struct ctl_command *ctl_command_find(const char *name)
{
    for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
        if (strcmp(ctl_commands[i].name, name) == 0) return &ctl_commands[i];
    return NULL;
}
