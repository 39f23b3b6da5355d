/*
 * test_lof_apps.c - the shipped apps (lua/apps/NAME.lua) over the fake engine:
 * l2_learning learns and installs exact flows and floods the unknown, hub
 * floods, firewall installs its drop flows after the table is cleared and
 * stops the chain for denied packets, flowmon polls on its tick and records
 * CSV rows. Sources are read from the tree, as the daemon would.
 */
#include "test_lof_fake.h"

static struct lof_app_src app(const char *name, const struct lof_kv *kv, size_t n)
{
    static char origins[8][64];
    static int k;
    char *o = origins[k++ % 8];
    snprintf(o, 64, "lua/apps/%s.lua", name);
    struct lof_app_src a = {name, o, NULL, 0, kv, n};
    a.src = lt_read_file(o, &a.len);
    return a;
}

static void load_apps(const struct lof_app_src *a, size_t n)
{
    char err[512];
    if (lt_load_list(T, a, n, err, sizeof err) != 0) fail_msg("load: %s", err);
}

#define H1    "00:00:00:00:00:01"
#define H2    "00:00:00:00:00:02"
#define H3    "00:00:00:00:00:03"
#define BCAST "ff:ff:ff:ff:ff:ff"

static size_t frame(uint8_t *f, const char *src, const char *dst, uint32_t sip, uint32_t dip,
                    uint8_t proto, uint16_t dport)
{
    return lf_frame(f, src, dst, sip, dip, proto, 40000, dport);
}

static void test_l2_learning(void **state)
{
    (void)state;
    const struct lof_kv kv[] = {{"idle_timeout", "30"}};
    struct lof_app_src a = app("l2_learning", kv, 1);
    load_apps(&a, 1);
    struct ofc_switch *sw = lf_switch_up(T, 1, 3);
    struct ofc_switch *sw2 = lf_switch_up(T, 2, 3);
    /* switch_up: the table is cleared, nothing installed */
    assert_int_equal(lf_engine.nsent, 2);
    const struct of10_msg *m = lf_decode(lf_nth(OFPT10_FLOW_MOD, 0));
    assert_int_equal(m->u.flow_mod.command, OFPFC10_DELETE);
    assert_int_equal(m->u.flow_mod.match.wildcards, 0x3820ff);
    assert_int_equal(m->u.flow_mod.out_port, OFPP10_NONE);
    assert_int_equal(m->u.flow_mod.actions.n, 0);
    lf_clear_sent();

    uint8_t f[128];
    /* h1 -> h2, h2 unknown: flooded with the packet's bytes */
    size_t len = frame(f, H1, H2, 0x0a000001, 0x0a000002, 6, 80);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 1);
    assert_string_equal(lf_last()->text, "OFPT_PACKET_OUT (xid=0x3): in_port=1 actions=FLOOD "
                                         "buffer=none data_len=60");
    lf_clear_sent();

    /* h2 -> h1, buffered: h1 is known on port 1, so an exact flow carries it */
    len = frame(f, H2, H1, 0x0a000002, 0x0a000001, 6, 40000);
    lf_packet_in(T, sw, 2, f, len, 5);
    assert_int_equal(lf_engine.nsent, 1);
    m = lf_decode(lf_last());
    assert_int_equal(m->type, OFPT10_FLOW_MOD);
    const struct of10_flow_mod *fm = &m->u.flow_mod;
    struct pkt_info pi;
    struct of10_match want;
    assert_int_equal(pkt_parse(f, len, &pi), PKT_OK);
    pkt_to_of10_match(&pi, 2, &want);
    of10_match_normalize(&want);
    assert_true(of10_match_equal(&fm->match, &want));
    assert_int_equal(fm->match.wildcards,
                     OFPFW10_DL_VLAN_PCP); /* exact but for the PCP of an untagged frame */
    assert_int_equal(fm->command, OFPFC10_ADD);
    assert_int_equal(fm->idle_timeout, 30);
    assert_int_equal(fm->hard_timeout, 0);
    assert_int_equal(fm->priority, 0x8000);
    assert_int_equal(fm->buffer_id, 5);
    assert_int_equal(fm->actions.n, 1);
    assert_int_equal(fm->actions.v[0].type, OFPAT10_OUTPUT);
    assert_int_equal(fm->actions.v[0].u.output.port, 1);
    lf_clear_sent();

    /* h1 -> h2 again, unbuffered: flow plus a PACKET_OUT with the bytes */
    len = frame(f, H1, H2, 0x0a000001, 0x0a000002, 6, 80);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 2);
    assert_int_equal(lf_engine.sent[0].type, OFPT10_FLOW_MOD);
    assert_string_equal(lf_engine.sent[1].text, "OFPT_PACKET_OUT (xid=0x6): in_port=1 "
                                                "actions=output:2 buffer=none data_len=60");
    lf_clear_sent();

    /* broadcast: flooded, never a flow; the sender is still learned */
    len = frame(f, H3, BCAST, 0x0a000003, 0x0a000001, 0, 0);
    lf_packet_in(T, sw, 3, f, len, 9);
    assert_string_equal(lf_last()->text, "OFPT_PACKET_OUT (xid=0x7): in_port=3 actions=FLOOD "
                                         "buffer=0x00000009");
    /* h3 -> h1 arriving on h1's own port: dropped, its buffer released */
    len = frame(f, H3, H1, 0x0a000003, 0x0a000001, 17, 53);
    lf_packet_in(T, sw, 1, f, len, 11);
    assert_string_equal(lf_last()->text, "OFPT_PACKET_OUT (xid=0x8): in_port=1 actions=drop "
                                         "buffer=0x0000000b");
    /* tables are per switch: on switch 2 nothing is known */
    len = frame(f, H2, H1, 0x0a000002, 0x0a000001, 6, 40000);
    lf_packet_in(T, sw2, 2, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_last()->type, OFPT10_PACKET_OUT);
    assert_int_equal(lf_last()->dpid, 2);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 0);
    lf_clear_sent();

    /* a reload keeps what was learned (h3 moved to port 1 above) */
    load_apps(&a, 1);
    assert_int_equal(lf_engine.nsent, 0); /* no switch_up replay, no DELETE */
    len = frame(f, H2, H3, 0x0a000002, 0x0a000003, 6, 40000);
    lf_packet_in(T, sw, 2, f, len, 12);
    m = lf_decode(lf_last());
    assert_int_equal(m->type, OFPT10_FLOW_MOD);
    assert_int_equal(m->u.flow_mod.actions.v[0].u.output.port, 1);
    /* and a switch that reconnects starts from scratch */
    lf_switch_down(T, sw);
    sw = lf_switch_up(T, 1, 3);
    lf_clear_sent();
    lf_packet_in(T, sw, 2, f, len, 13);
    assert_int_equal(lf_last()->type, OFPT10_PACKET_OUT);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 0);
}

/* A takeover in roles mode (switch_up's info.takeover): the flows the old
 * master installed stay; a fresh connect still clears the table. */
static void test_l2_learning_takeover(void **state)
{
    (void)state;
    struct lof_app_src a = app("l2_learning", NULL, 0);
    load_apps(&a, 1);
    lf_next_takeover = true;
    struct ofc_switch *sw = lf_switch_up(T, 1, 3);
    lf_next_takeover = false;
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 0);
    /* it still learns and forwards */
    uint8_t f[128];
    size_t len = frame(f, H1, H2, 0x0a000001, 0x0a000002, 6, 80);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_count(OFPT10_PACKET_OUT), 1);
    lf_switch_down(T, sw);
    lf_clear_sent();
    lf_switch_up(T, 1, 3); /* the same switch, a fresh connect */
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 1);
    assert_int_equal(lf_decode(lf_nth(OFPT10_FLOW_MOD, 0))->u.flow_mod.command, OFPFC10_DELETE);
}

static void test_hub(void **state)
{
    (void)state;
    struct lof_app_src a = app("hub", NULL, 0);
    load_apps(&a, 1);
    struct ofc_switch *sw = lf_switch_up(T, 1, 3);
    assert_int_equal(lf_engine.nsent, 0);
    uint8_t f[128];
    size_t len = frame(f, H1, H2, 1, 2, 17, 53);
    for (int i = 0; i < 3; i++)
        lf_packet_in(T, sw, 2, f, len, i == 1 ? 4 : OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 3);
    assert_int_equal(lf_count(OFPT10_PACKET_OUT), 3);
    assert_string_equal(lf_nth(OFPT10_PACKET_OUT, 1)->text,
                        "OFPT_PACKET_OUT (xid=0x2): in_port=2 actions=FLOOD buffer=0x00000004");
}

static const struct lof_kv fw_rules[] = {
    {"rule", "allow tcp 10.0.0.5 any 22"},
    {"rule", "deny tcp 10.0.0.0/24 any 22"},
    {"rule", "deny udp any 1234 10.0.1.0/24 53"},
    {"rule", "deny ip 10.9.9.9 any"},
};

static void test_firewall_in_front_of_l2(void **state)
{
    (void)state;
    struct lof_app_src a[] = {app("firewall", fw_rules, 4), app("l2_learning", NULL, 0)};
    load_apps(a, 2);
    assert_true(lf_log_has(T, "INFO app:firewall: rule 2 is enforced on packet_in only"));
    struct ofc_switch *sw = lf_switch_up(T, 1, 3);
    /* the barrier goes first, l2_learning's DELETE after; the drop flows
     * follow the barrier reply, so the DELETE cannot take them out */
    assert_int_equal(lf_engine.nsent, 2);
    assert_int_equal(lf_engine.sent[0].type, OFPT10_BARRIER_REQUEST);
    assert_int_equal(lf_engine.sent[1].type, OFPT10_FLOW_MOD);
    lf_answer(0, OFC_REPLY_OK, NULL, 0);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 3);
    assert_string_equal(
        lf_nth(OFPT10_FLOW_MOD, 1)->text,
        "OFPT_FLOW_MOD (xid=0x3): ADD priority=61437,udp,nw_dst=10.0.1.0/24,tp_src=1234,"
        "tp_dst=53 actions=drop");
    assert_string_equal(
        lf_nth(OFPT10_FLOW_MOD, 2)->text,
        "OFPT_FLOW_MOD (xid=0x4): ADD priority=61436,ip,nw_src=10.9.9.9 actions=drop");
    lf_clear_sent();

    uint8_t f[128];
    /* denied by rule 2 (no flow for it): buffer released, chain stopped */
    size_t len = frame(f, H1, H2, 0x0a000007, 0x0a000009, 6, 22);
    lf_packet_in(T, sw, 1, f, len, 7);
    assert_int_equal(lf_engine.nsent, 1);
    assert_string_equal(lf_last()->text, "OFPT_PACKET_OUT (xid=0x5): in_port=1 actions=drop "
                                         "buffer=0x00000007");
    assert_true(lf_log_has(T, "DEBUG app:firewall: 00:00:00:00:00:00:00:01 port 1: 10.0.0.7 -> "
                              "10.0.0.9 denied by rule 2"));
    /* the same from 10.0.0.5 is allowed by rule 1: l2_learning floods it */
    len = frame(f, H1, H2, 0x0a000005, 0x0a000009, 6, 22);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_string_equal(lf_last()->text, "OFPT_PACKET_OUT (xid=0x6): in_port=1 actions=FLOOD "
                                         "buffer=none data_len=60");
    /* and h2 -> h1 now finds h1 learned: l2 saw the allowed packet, not the denied */
    len = frame(f, H2, H1, 0x0a000009, 0x0a000005, 6, 40000);
    lf_packet_in(T, sw, 2, f, len, 8);
    assert_int_equal(lf_last()->type, OFPT10_FLOW_MOD);
    /* rule 3 by its full 5-tuple; ARP and other traffic pass */
    lf_clear_sent();
    len = lf_frame(f, H1, H2, 0x0a000303, 0x0a000107, 17, 1234, 53);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 0); /* unbuffered: nothing to release */
    len = lf_frame(f, H1, H2, 0x0a000303, 0x0a000107, 17, 1235, 53);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    len = frame(f, H1, BCAST, 0x0a090909, 0x0a000001, 0, 0);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 3); /* flow + packet_out to h2; the ARP flooded */
    assert_int_equal(lf_count(OFPT10_PACKET_OUT), 2);

    /* new rules: the drop flow that is gone is deleted, the rest re-added */
    const struct lof_kv fewer[] = {{"rule", "deny ip 10.9.9.9 any"}, {"default", "deny"}};
    a[0] = app("firewall", fewer, 2);
    lf_clear_sent();
    load_apps(a, 2);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 3);
    assert_string_equal(lf_nth(OFPT10_FLOW_MOD, 0)->text,
                        "OFPT_FLOW_MOD (xid=0xb): DEL_STRICT priority=61437,udp,nw_dst=10.0.1.0/24,"
                        "tp_src=1234,tp_dst=53 actions=drop");
    assert_string_equal(lf_nth(OFPT10_FLOW_MOD, 1)->text,
                        "OFPT_FLOW_MOD (xid=0xc): DEL_STRICT priority=61436,ip,nw_src=10.9.9.9 "
                        "actions=drop");
    assert_string_equal(
        lf_nth(OFPT10_FLOW_MOD, 2)->text,
        "OFPT_FLOW_MOD (xid=0xd): ADD priority=61439,ip,nw_src=10.9.9.9 actions=drop");
    /* default deny now: IPv4 without a rule stops here; ARP still passes */
    lf_clear_sent();
    len = frame(f, H1, H2, 0x0a000005, 0x0a000009, 6, 22);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    assert_int_equal(lf_engine.nsent, 0);
    assert_true(lf_log_has(T, "denied by the default"));
}

static void test_firewall_bad_rules(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"deny tcp 10.0.0.0/33 any 22",
         "rule 1 'deny tcp 10.0.0.0/33 any 22': bad address '10.0.0.0/33'"},
        {"block tcp any any", "rule 1 'block tcp any any': action must be allow or deny"},
        {"deny icmp any any 22", "rule 1 'deny icmp any any 22': ports need tcp or udp"},
        {"deny tcp any", "rule 1 'deny tcp any': expected ACTION PROTO SRC DST [DPORT]"},
        {"deny sctp any any", "rule 1 'deny sctp any any': bad protocol 'sctp'"},
        {"deny tcp any any 70000", "rule 1 'deny tcp any any 70000': bad port '70000'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct lof_kv kv[] = {{"rule", cases[i][0]}};
        struct lof_app_src a = app("firewall", kv, 1);
        char err[512];
        assert_int_equal(lt_load_list(T, &a, 1, err, sizeof err), -1);
        const char *colon = strstr(err, ": ");
        if (strncmp(err, "lua/apps/firewall.lua:", 22) != 0 || !colon ||
            strncmp(colon + 2, cases[i][1], strlen(cases[i][1])) != 0)
            fail_msg("rule '%s': got '%s'", cases[i][0], err);
    }
}

static void test_flowmon(void **state)
{
    (void)state;
    const struct lof_kv kv[] = {{"interval", "2"}};
    struct lof_app_src a = app("flowmon", kv, 1);
    load_apps(&a, 1);
    lf_switch_up(T, 1, 2);
    lf_switch_up(T, 2, 1);
    lt_advance(T, 1990);
    assert_int_equal(lf_engine.nreq, 0);
    lt_advance(T, 10);
    /* one flow and one port request per switch, on the tick */
    assert_int_equal(lf_engine.nreq, 4);
    assert_int_equal(lf_engine.req[0].stats_type, OFPST10_FLOW);
    assert_int_equal(lf_engine.req[1].stats_type, OFPST10_PORT);
    assert_int_equal(lf_engine.req[0].sw->dpid, 1);
    assert_int_equal(lf_engine.req[2].sw->dpid, 2);

    struct of10_flow_stats fs[2];
    memset(fs, 0, sizeof fs);
    of10_match_init_catchall(&fs[0].match);
    fs[0].match.wildcards &= ~(uint32_t)(OFPFW10_DL_TYPE | OFPFW10_NW_PROTO | OFPFW10_TP_DST);
    fs[0].match.dl_type = 0x0800, fs[0].match.nw_proto = 6, fs[0].match.tp_dst = 22;
    of10_match_set_nw_src_prefix(&fs[0].match, 0x0a000001, 32);
    fs[0].priority = 100, fs[0].packet_count = 5, fs[0].byte_count = 300;
    fs[0].duration_sec = 3, fs[0].duration_nsec = 500000000;
    struct of10_action out = {.type = OFPAT10_OUTPUT};
    out.u.output.port = 2;
    fs[0].actions = (struct of10_actions){&out, 1};
    of10_match_init_catchall(&fs[1].match);
    fs[1].priority = 0xf000, fs[1].packet_count = 1ull << 33, fs[1].byte_count = 1ull << 40;
    struct of10_msg fr = {.version = 1, .type = OFPT10_STATS_REPLY};
    fr.u.stats_reply.type = OFPST10_FLOW;
    fr.u.stats_reply.u.flow.v = fs;
    fr.u.stats_reply.u.flow.n = 2;
    const struct of10_msg *fp[] = {&fr};
    lf_answer(0, OFC_REPLY_OK, fp, 1);
    struct of10_port_stats ps = {.port_no = 1,
                                 .rx_packets = 10,
                                 .tx_packets = 20,
                                 .rx_bytes = 1000,
                                 .tx_bytes = 2000,
                                 .rx_dropped = 1,
                                 .tx_dropped = 2};
    struct of10_msg pr = {.version = 1, .type = OFPT10_STATS_REPLY};
    pr.u.stats_reply.type = OFPST10_PORT;
    pr.u.stats_reply.u.port.v = &ps;
    pr.u.stats_reply.u.port.n = 1;
    const struct of10_msg *pp[] = {&pr};
    lf_answer(1, OFC_REPLY_OK, pp, 1);
    lf_answer(2, OFC_REPLY_TIMEOUT, NULL, 0); /* switch 2's port request stays pending */
    const char *want =
        "flowmon/stats: time,dpid,kind,key,priority,packets,bytes,duration,actions\n"
        "flowmon/stats: 1700000003.000,00:00:00:00:00:00:00:01,flow,"
        "\"dl_type=0x0800,nw_src=10.0.0.1,nw_proto=6,tp_dst=22\",100,5,300,3.500,output:2\n"
        "flowmon/stats: 1700000003.000,00:00:00:00:00:00:00:01,flow,any,61440,8589934592,"
        "1099511627776,0.000,drop\n"
        "flowmon/stats: 1700000003.000,00:00:00:00:00:00:00:01,port_rx,1,,10,1000,,1\n"
        "flowmon/stats: 1700000003.000,00:00:00:00:00:00:00:01,port_tx,1,,20,2000,,2\n";
    lt_want_records(want);
    assert_true(lf_log_has(T, "WARN app:flowmon: 00:00:00:00:00:00:00:02: flow stats: timeout"));
    /* next tick: switch 1 is polled again, switch 2 (still waiting) is not */
    lt_advance(T, 2000);
    assert_int_equal(lf_engine.nreq, 6);
    assert_int_equal(lf_engine.req[4].sw->dpid, 1);
    assert_int_equal(lf_engine.req[5].sw->dpid, 1);
    /* a reload keeps the header written once */
    load_apps(&a, 1);
    assert_false(lf_engine.req[3].live); /* cancelled with the old state */
    assert_int_equal(T->nrecords, 5);
    lt_advance(T, 2000);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.requests, 4);
    assert_int_equal(st.handler_errors, 0);
}

/* The worked example of docs/lua-api.md, exactly as printed there. */
static void test_doc_example(void **state)
{
    (void)state;
    size_t len;
    char *doc = lt_read_file("docs/lua-api.md", &len);
    char *start = strstr(doc, "<!-- example-app -->\n```lua\n");
    assert_non_null(start);
    start += strlen("<!-- example-app -->\n```lua\n");
    char *end = strstr(start, "\n```\n");
    assert_non_null(end);
    const struct lof_kv kv[] = {{"max_syns", "3"}};
    const char *tail = "return { packet_in = function(sw, p) vf.record('saw', p.nw_src) end }\n";
    struct lof_app_src a[] = {{"synguard", "synguard.lua", start, (size_t)(end - start) + 1, kv, 1},
                              {"tail", "tail.lua", tail, strlen(tail), NULL, 0}};
    load_apps(a, 2);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    uint8_t f[128];
    size_t n = frame(f, H1, H2, 0x0a000007, 0x0a000009, 6, 80);
    for (int i = 0; i < 4; i++)
        lf_packet_in(T, sw, 1, f, n, OFP10_NO_BUFFER);
    /* the fourth SYN: a drop flow and a barrier, and the chain stops */
    assert_int_equal(lf_engine.nsent, 2);
    const struct of10_msg *m = lf_decode(lf_nth(OFPT10_FLOW_MOD, 0));
    char b[256];
    of10_match_print(&m->u.flow_mod.match, b, sizeof b);
    assert_string_equal(b, "ip,nw_src=10.0.0.7");
    assert_int_equal(m->u.flow_mod.priority, 0xf800);
    assert_int_equal(m->u.flow_mod.hard_timeout, 60);
    assert_int_equal(m->u.flow_mod.flags, OFPFF10_SEND_FLOW_REM);
    assert_int_equal(m->u.flow_mod.actions.n, 0);
    assert_int_equal(lf_engine.sent[1].type, OFPT10_BARRIER_REQUEST);
    lf_answer(0, OFC_REPLY_OK, NULL, 0);
    assert_true(
        lf_log_has(T, "WARN app:synguard: 00:00:00:00:00:00:00:01: blocked 10.0.0.7 for 60 s"));
    n = frame(f, H3, H2, 0x0a000008, 0x0a000009, 6, 80);
    lf_packet_in(T, sw, 3, f, n, OFP10_NO_BUFFER);
    n = frame(f, H1, H2, 0x0a000007, 0x0a000009, 6, 80);
    load_apps(a, 2); /* the block list survives a reload */
    lf_packet_in(T, sw, 1, f, n, OFP10_NO_BUFFER);
    const char *want = "tail/saw: 10.0.0.7\ntail/saw: 10.0.0.7\ntail/saw: 10.0.0.7\n"
                       "synguard/blocks: 1700000001.000,00:00:00:00:00:00:00:01,10.0.0.7\n"
                       "tail/saw: 10.0.0.8\n";
    lt_want_records(want);
    /* the hard timeout ends the block */
    struct of10_msg fr = {.version = 1, .type = OFPT10_FLOW_REMOVED};
    fr.u.flow_removed.match = m->u.flow_mod.match;
    fr.u.flow_removed.priority = 0xf800;
    fr.u.flow_removed.reason = OFPRR10_HARD_TIMEOUT;
    fr.u.flow_removed.packet_count = 1234;
    lof_ofc_handlers()->flow_removed(T->l, sw, &fr);
    assert_true(lf_log_has(T, "INFO app:synguard: 00:00:00:00:00:00:00:01: 10.0.0.7 unblocked, "
                              "1234 packets dropped"));
    lf_packet_in(T, sw, 1, f, n, OFP10_NO_BUFFER);
    assert_non_null(strstr(T->records, "tail/saw: 10.0.0.8\ntail/saw: 10.0.0.7\n"));
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_l2_learning, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_l2_learning_takeover, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_hub, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_firewall_in_front_of_l2, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_firewall_bad_rules, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_flowmon, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_doc_example, lt_setup, lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
