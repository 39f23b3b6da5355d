/*
 * dom_ctl.c - control requests the core passes on (CTL_REQUEST): the status
 * detail only the domain knows (apps, engine counters, switches and their
 * ports) and the flow table of one switch, asked from the switch itself.
 * The answer is text (or JSON) sent back in CTL_REPLY chunks; the core puts
 * it under its own headings. Names that come from switches are escaped.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dom.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lof/lof.h"
#include "ofc/ofc.h"

#define REPLY_MAX (16u << 20)

struct out {
    struct buf b;
    int json;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_append(&o->b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void dom_ctl_reply(struct dom *d, uint32_t id, int error, const char *text, size_t len)
{
    do {
        size_t n = len > MSG_CHUNK_MAX ? MSG_CHUNK_MAX : len;
        union msg_body b = {
            .ctl_reply = {
                .final = n == len, .error = (uint8_t)error, .text = text, .text_len = (uint32_t)n}};
        dom_send(d, MSG_CTL_REPLY, id, &b, NULL, 0);
        text += n;
        len -= n;
    } while (len);
}

static void reply_out(struct dom *d, uint32_t id, int error, struct out *o)
{
    dom_ctl_reply(d, id, error, (const char *)buf_data(&o->b), buf_len(&o->b));
    buf_free(&o->b);
}

/* ---- status -------------------------------------------------------------------------- */

struct sw_ctx {
    struct out *o;
    int first;
    uint64_t now;
};

static void status_switch(struct ofc_switch *sw, void *arg)
{
    struct sw_ctx *s = arg;
    struct out *o = s->o;
    struct ofc_switch_counters sc;
    ofc_switch_counters(sw, &sc);
    const struct of10_features *f = ofc_switch_features(sw);
    char peer[128], tr[256], trj[512];
    uint64_t dpid = ofc_switch_dpid(sw), up = (s->now - ofc_switch_connected_ms(sw)) / 1000;
    ofc_switch_transport(sw, tr, sizeof(tr)); /* "tcp" or the TLS version, cipher, peer name */
    json_escape(trj, sizeof(trj), tr);
    if (o->json)
        outf(o,
             "%s{\"dpid\":\"%016" PRIx64 "\",\"peer\":\"%s\",\"up_s\":%" PRIu64
             ",\"msgs_in\":%" PRIu64 ",\"msgs_out\":%" PRIu64 ",\"packet_ins\":%" PRIu64
             ",\"queued\":%zu,\"transport\":\"%s\",\"ports\":[",
             s->first ? "" : ",", dpid, json_escape(peer, sizeof(peer), ofc_switch_peer(sw)), up,
             sc.msgs_in, sc.msgs_out, sc.packet_ins, sc.out_queued, trj);
    else
        outf(o,
             "  switch %016" PRIx64 " peer %s up %" PRIu64 "s msgs in %" PRIu64 " out %" PRIu64
             " packet_ins %" PRIu64 " queued %zu transport %s\n",
             dpid, json_escape(peer, sizeof(peer), ofc_switch_peer(sw)), up, sc.msgs_in,
             sc.msgs_out, sc.packet_ins, sc.out_queued, trj);
    for (size_t i = 0; f && i < f->n_ports; i++) {
        const struct of10_phy_port *p = &f->ports[i];
        char name[128];
        json_escape(name, sizeof(name), p->name);
        const char *link = (p->state & OFPPS10_LINK_DOWN) ? "down" : "up";
        if (o->json)
            outf(o, "%s{\"port\":%u,\"name\":\"%s\",\"link\":\"%s\"}", i ? "," : "", p->port_no,
                 name, link);
        else
            outf(o, "    port %u %s link %s\n", p->port_no, name, link);
    }
    if (o->json) outf(o, "]}");
    s->first = 0;
}

static void status_of(struct dom *d, struct out *o)
{
    struct ofc *c = dom_of_engine(d);
    if (!c) {
        outf(o, o->json ? "{\"configured\":false}" : "not configured yet\n");
        return;
    }
    struct ofc_counters k;
    struct lof_status ls;
    ofc_counters(c, &k);
    lof_status(dom_of_host(d), &ls);
    char apps[1024] = "", err[600];
    for (size_t i = 0; i < ls.n_apps && strlen(apps) + 80 < sizeof(apps); i++)
        snprintf(apps + strlen(apps), sizeof(apps) - strlen(apps), "%s%s%s%s", i ? "," : "",
                 o->json ? "\"" : "", ls.app_names[i], o->json ? "\"" : "");
    json_escape(err, sizeof(err), ls.last_error);
    if (o->json) {
        outf(o,
             "{\"apps\":[%s],\"generation\":%u,\"lua_mem\":%zu,\"lua_mem_cap\":%zu,"
             "\"lua_budget_trips\":%" PRIu64 ",\"lua_mem_trips\":%" PRIu64
             ",\"lua_handler_errors\":%" PRIu64 ",\"last_app_error\":\"%s\",",
             apps, ls.generation, ls.mem_used, ls.mem_cap, ls.budget_trips, ls.mem_trips,
             ls.handler_errors, err);
        outf(o,
             "\"counters\":{\"accepted\":%" PRIu64 ",\"handshakes\":%" PRIu64
             ",\"disconnects\":%" PRIu64 ",\"msgs_in\":%" PRIu64 ",\"msgs_out\":%" PRIu64
             ",\"packet_ins\":%" PRIu64 ",\"bad_msgs\":%" PRIu64 ",\"echo_timeouts\":%" PRIu64
             ",\"overflow_drops\":%" PRIu64 ",\"tls_handshakes\":%" PRIu64
             ",\"tls_failures\":%" PRIu64 "},\"brokered_sockets\":%zu,\"switches\":[",
             k.accepted, k.handshakes, k.disconnects, k.msgs_in, k.msgs_out, k.packet_ins,
             k.bad_msgs, k.echo_timeouts, k.overflow_drops, k.tls_handshakes, k.tls_failures,
             d->n_socks);
    } else {
        outf(o,
             "apps: %s (generation %u; lua memory %zu of %zu bytes; budget trips %" PRIu64
             ", memory trips %" PRIu64 ", handler errors %" PRIu64 ")\n",
             apps, ls.generation, ls.mem_used, ls.mem_cap, ls.budget_trips, ls.mem_trips,
             ls.handler_errors);
        if (ls.last_error[0]) outf(o, "last app error: %s\n", ls.last_error);
        outf(o,
             "counters: accepted %" PRIu64 " handshakes %" PRIu64 " disconnects %" PRIu64
             " msgs_in %" PRIu64 " msgs_out %" PRIu64 " packet_ins %" PRIu64 " bad_msgs %" PRIu64
             " echo_timeouts %" PRIu64 " overflow_drops %" PRIu64 " tls_handshakes %" PRIu64
             " tls_failures %" PRIu64 "\n",
             k.accepted, k.handshakes, k.disconnects, k.msgs_in, k.msgs_out, k.packet_ins,
             k.bad_msgs, k.echo_timeouts, k.overflow_drops, k.tls_handshakes, k.tls_failures);
        outf(o, "switches: %zu\n", ofc_switch_count(c));
    }
    struct sw_ctx s = {o, 1, ev_now_ms(d->loop)};
    ofc_foreach_switch(c, status_switch, &s);
    if (o->json) outf(o, "]}");
}

/* ---- flows --------------------------------------------------------------------------- */

struct flows_req {
    struct dom *d;
    uint32_t id;
    int json;
};

static void flows_reply(struct ofc_switch *sw, int status, const struct of10_msg *const *parts,
                        size_t nparts, void *ctx)
{
    (void)sw;
    struct flows_req *q = ctx;
    struct out o = {.json = q->json};
    buf_init(&o.b, REPLY_MAX);
    if (status != OFC_REPLY_OK) {
        static const char *const why[] = {"ok", "switch answered with an error", "timed out",
                                          "switch disconnected", "reply too large"};
        outf(&o, "flow stats: %s\n", why[status <= 4 ? status : 1]);
        reply_out(q->d, q->id, 1, &o);
        free(q);
        return;
    }
    if (o.json) outf(&o, "[");
    int first = 1;
    for (size_t p = 0; p < nparts; p++) {
        const struct of10_stats_reply *r = &parts[p]->u.stats_reply;
        for (size_t i = 0; i < r->u.flow.n; i++) {
            const struct of10_flow_stats *f = &r->u.flow.v[i];
            char match[1024], acts[1024];
            of10_match_print(&f->match, match, sizeof(match));
            of10_actions_print(&f->actions, acts, sizeof(acts));
            if (o.json)
                outf(&o,
                     "%s{\"table\":%u,\"priority\":%u,\"match\":\"%s\",\"actions\":\"%s\","
                     "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                     ",\"duration_s\":%u,\"idle_timeout\":%u,\"hard_timeout\":%u,"
                     "\"cookie\":%" PRIu64 "}",
                     first ? "" : ",", f->table_id, f->priority, match, acts, f->packet_count,
                     f->byte_count, f->duration_sec, f->idle_timeout, f->hard_timeout, f->cookie);
            else
                outf(&o,
                     "table=%u priority=%u %s%sactions=%s n_packets=%" PRIu64 " n_bytes=%" PRIu64
                     " duration=%us idle_timeout=%u\n",
                     f->table_id, f->priority, match, match[0] ? " " : "", acts, f->packet_count,
                     f->byte_count, f->duration_sec, f->idle_timeout);
            first = 0;
        }
    }
    if (o.json) outf(&o, "]\n");
    reply_out(q->d, q->id, 0, &o);
    free(q);
}

static void flows(struct dom *d, uint32_t id, const struct msg_ctl_request *m)
{
    struct ofc *c = dom_of_engine(d);
    struct ofc_switch *sw = c ? ofc_switch_find(c, m->dpid) : NULL;
    char text[96];
    if (!sw) {
        int n = snprintf(text, sizeof(text), "no switch with DPID %016" PRIx64 " is connected\n",
                         m->dpid);
        dom_ctl_reply(d, id, 1, text, (size_t)n);
        return;
    }
    struct of10_msg req = {.version = OFP10_VERSION, .type = OFPT10_STATS_REQUEST};
    req.u.stats_request.type = OFPST10_FLOW;
    of10_match_init_catchall(&req.u.stats_request.u.flow.match);
    req.u.stats_request.u.flow.table_id = 0xff;
    req.u.stats_request.u.flow.out_port = OFPP10_NONE;
    struct flows_req *q = malloc(sizeof(*q));
    if (!q) dom_fatal(d, "out of memory");
    *q = (struct flows_req){d, id, m->json};
    if (ofc_request(sw, &req, flows_reply, q, q) == 0) {
        free(q);
        int n = snprintf(text, sizeof(text), "could not send the request to the switch\n");
        dom_ctl_reply(d, id, 1, text, (size_t)n);
    }
}

int dom_ctl_request(struct dom *d, uint32_t id, const struct msg_ctl_request *m, struct msg_r *r)
{
    (void)r;
    if (m->command == MSG_CTL_CLUSTER) {
        if (d->hello.kind != MSG_KIND_CLUSTER) {
            static const char no[] = "this domain is not the cluster domain\n";
            dom_ctl_reply(d, id, 1, no, sizeof(no) - 1);
        } else {
            dom_cluster_ctl(d, id, m->json);
        }
        return MSG_OK;
    }
    if (m->command == MSG_CTL_FLOWS) {
        if (d->hello.kind != MSG_KIND_OF) {
            static const char no[] = "this domain has no switches\n";
            dom_ctl_reply(d, id, 1, no, sizeof(no) - 1);
        } else {
            flows(d, id, m);
        }
        return MSG_OK;
    }
    struct out o = {.json = m->json};
    buf_init(&o.b, REPLY_MAX);
    if (d->hello.kind == MSG_KIND_OF)
        status_of(d, &o);
    else if (d->hello.kind == MSG_KIND_CLUSTER)
        outf(&o, o.json ? "{\"service\":\"cluster\"}" : "etcd client (visorflowctl cluster)\n");
    else
        outf(&o, o.json ? "{\"service\":\"none yet\"}" : "no service yet (management API)\n");
    reply_out(d, id, 0, &o);
    return MSG_OK;
}
