/*
 * ofc_hub.c - a hub on the controller engine, for integration tests with a
 * real switch: every PACKET_IN is flooded back with a PACKET_OUT, no flow is
 * installed, and every event is printed as one line on stdout:
 *
 *   switch_up dpid=0000aabbccddeeff ports=3 peer=127.0.0.1:40000
 *   packet_in dpid=... in_port=1 len=98 buffer_id=0xffffffff
 *   stats dpid=... up_ms=1234 msgs_in=12 msgs_out=14 echoes_answered=2 packet_ins=5
 *
 * usage: ofc_hub ADDR [--echo-interval MS] [--echo-timeout MS] [--stats-ms MS]
 * Runs until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "of10/of10.h"
#include "ofc/ofc.h"

struct hub {
    struct ev_loop *loop;
    struct ofc *c;
};

static unsigned long long dpid_of(const struct ofc_switch *sw)
{
    return (unsigned long long)ofc_switch_dpid(sw);
}

static void hub_up(void *ctx, struct ofc_switch *sw)
{
    (void)ctx;
    printf("switch_up dpid=%016llx ports=%zu peer=%s\n", dpid_of(sw),
           ofc_switch_features(sw)->n_ports, ofc_switch_peer(sw));
    /* A hub installs nothing, but the table is put in a known (empty) state:
     * a table change makes Open vSwitch drop drop-flows it cached before we
     * connected (notes/datapath-facts.md). */
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_FLOW_MOD};
    of10_match_init_catchall(&m.u.flow_mod.match);
    m.u.flow_mod.command = OFPFC10_DELETE;
    m.u.flow_mod.buffer_id = OFP10_NO_BUFFER;
    m.u.flow_mod.out_port = OFPP10_NONE;
    ofc_send(sw, &m);
}

static void hub_down(void *ctx, struct ofc_switch *sw)
{
    (void)ctx;
    printf("switch_down dpid=%016llx\n", dpid_of(sw));
}

static void hub_packet_in(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    const struct of10_packet_in *pi = &m->u.packet_in;
    printf("packet_in dpid=%016llx in_port=%u len=%zu buffer_id=0x%x\n", dpid_of(sw), pi->in_port,
           pi->data.len, pi->buffer_id);
    struct of10_action act = {.type = OFPAT10_OUTPUT, .len = 8};
    act.u.output.port = OFPP10_FLOOD;
    struct of10_msg po = {.version = OFP10_VERSION, .type = OFPT10_PACKET_OUT};
    po.u.packet_out.buffer_id = pi->buffer_id;
    po.u.packet_out.in_port = pi->in_port;
    po.u.packet_out.actions.v = &act;
    po.u.packet_out.actions.n = 1;
    if (pi->buffer_id == OFP10_NO_BUFFER) po.u.packet_out.data = pi->data;
    ofc_send(sw, &po);
}

static void hub_print(const char *what, struct ofc_switch *sw, const struct of10_msg *m)
{
    char line[512];
    of10_print(m, line, sizeof(line));
    printf("%s dpid=%016llx %s\n", what, dpid_of(sw), line);
}

static void hub_flow_removed(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    hub_print("flow_removed", sw, m);
}

static void hub_port_status(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    hub_print("port_status", sw, m);
}

static void hub_error(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    hub_print("error", sw, m);
}

static void hub_other(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    hub_print("other", sw, m);
}

static void hub_stats_one(struct ofc_switch *sw, void *arg)
{
    struct hub *h = arg;
    struct ofc_switch_counters sc;
    ofc_switch_counters(sw, &sc);
    printf("stats dpid=%016llx up_ms=%llu msgs_in=%llu msgs_out=%llu echoes_answered=%llu "
           "packet_ins=%llu bad_msgs=%llu\n",
           dpid_of(sw), (unsigned long long)(ev_now_ms(h->loop) - ofc_switch_connected_ms(sw)),
           (unsigned long long)sc.msgs_in, (unsigned long long)sc.msgs_out,
           (unsigned long long)sc.echoes_answered, (unsigned long long)sc.packet_ins,
           (unsigned long long)sc.bad_msgs);
}

static void hub_stats(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct hub *h = ctx;
    (void)loop, (void)id;
    ofc_foreach_switch(h->c, hub_stats_one, h);
}

static const struct ofc_handlers hub_handlers = {
    .switch_up = hub_up,
    .switch_down = hub_down,
    .packet_in = hub_packet_in,
    .flow_removed = hub_flow_removed,
    .port_status = hub_port_status,
    .error = hub_error,
    .other = hub_other,
};

static unsigned long arg_num(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end) {
        fprintf(stderr, "ofc_hub: not a number: %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct ofc_config cfg = {0};
    unsigned long stats_ms = 1000;
    if (argc < 2) {
        fprintf(stderr,
                "usage: ofc_hub ADDR [--echo-interval MS] [--echo-timeout MS] [--stats-ms MS]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--echo-interval"))
            cfg.echo_interval_ms = (uint32_t)arg_num(argv[i + 1]);
        else if (!strcmp(argv[i], "--echo-timeout"))
            cfg.echo_timeout_ms = (uint32_t)arg_num(argv[i + 1]);
        else if (!strcmp(argv[i], "--stats-ms"))
            stats_ms = arg_num(argv[i + 1]);
        else {
            fprintf(stderr, "ofc_hub: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct log lg;
    log_init(&lg, LOG_LEVEL_INFO);
    struct hub h = {.loop = ev_loop_new()};
    if (!h.loop) return 1;
    h.c = ofc_new(h.loop, &lg, &cfg, &hub_handlers, &h);
    char err[256];
    if (!h.c || ofc_listen(h.c, argv[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "ofc_hub: %s\n", h.c ? err : "out of memory");
        return 1;
    }
    printf("listening %s\n", argv[1]);
    if (stats_ms) ev_timer_add(h.loop, stats_ms, stats_ms, hub_stats, &h);
    int rc = ev_run(h.loop);
    ofc_free(h.c);
    ev_loop_free(h.loop);
    return rc == EV_OK ? 0 : 1;
}
