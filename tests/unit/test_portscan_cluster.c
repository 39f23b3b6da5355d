/*
 * test_portscan_cluster.c - lua/apps/portscan.lua with a cluster: the real
 * `cluster` module of the lof over a fake etcd that hands every write back
 * as a change (lof_cluster_event), as the cluster domain will, and changes
 * "from another instance" injected the same way. A block is published with
 * its TTL and comes back without being applied twice; another instance's
 * block becomes a {dl_src} drop flow on every switch (also one that comes up
 * later) and a monitor rule, and its deletion or expiry removes both; notes
 * for victims are published and sent by the instance that has the guest.
 */
#include "portscan_harness.h"

#define COOKIE_REMOTE 0x7073636e00000003ull
#define X_MAC         "02:00:00:00:00:99" /* scanner blocked by another instance */

/* ---- a fake etcd: writes queue up until flushed back as changes ------------- */

static struct {
    int op;
    char key[LOF_CLUSTER_KEY_MAX + 1];
    char val[LOF_CLUSTER_VAL_MAX + 1];
    uint32_t ttl;
} Q[64];
static size_t nq, nq_total;

static int fake_put(void *ctx, int op, const char *key, const void *val, size_t vlen,
                    uint32_t ttl_s)
{
    (void)ctx;
    if (nq == 64) fail_msg("fake etcd: too many writes");
    Q[nq].op = op;
    snprintf(Q[nq].key, sizeof Q[nq].key, "%s", key);
    memcpy(Q[nq].val, val ? val : "", vlen);
    Q[nq].val[vlen] = '\0';
    Q[nq].ttl = ttl_s;
    nq++, nq_total++;
    return 0;
}

/* The queued writes as etcd would report them back, in order. */
static void flush(void)
{
    size_t n = nq;
    nq = 0;
    for (size_t i = 0; i < n; i++)
        lof_cluster_event(T->l, Q[i].op, Q[i].key, Q[i].val, strlen(Q[i].val));
}

/* The written record for key, or fail. */
static size_t written(const char *key)
{
    for (size_t i = 0; i < nq; i++)
        if (!strcmp(Q[i].key, key)) return i;
    fail_msg("nothing written to %s", key);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    F.with_rules = F.with_guest = true;
    nq = nq_total = 0;
    T = lt_new(0);
    lof_free(T->l);
    struct vlua_limits lim = {.mem_bytes = 64u << 20};
    struct lof_host host = {.record = lt_record, .open_env = ps_open_env, .cluster_put = fake_put};
    T->l = lof_new(T->loop, &T->log, &lim, &host, T);
    assert_non_null(T->l);
    lof_attach(T->l, &lf_engine);
    assert_int_equal(lof_set_cluster(T->l, 1, "host-a"), 0);
    lof_cluster_state(T->l, 1);
    return 0;
}

static long wall_s(void)
{
    return (long)((1700000000000ull + T->now) / 1000);
}

/* Another instance's change, as etcd reports it. */
static void remote_put(const char *key, const char *val)
{
    lof_cluster_event(T->l, LOF_CL_PUT, key, val, strlen(val));
}

/* The {dl_src} drop flows of other instances' blocks sent so far (consumed). */
static struct {
    int adds, deletes;
    uint64_t dpids[8];
    struct of10_flow_mod last;
} R;

static void scan_remote(void)
{
    for (size_t i = 0; i < lf_engine.nsent; i++) {
        const struct lf_sent *s = &lf_engine.sent[i];
        if (s->type != OFPT10_FLOW_MOD) continue;
        const struct of10_flow_mod *fm = &lf_decode(s)->u.flow_mod;
        if (fm->priority != BLOCK_PRIO) continue;
        bool dl_src_only = fm->match.wildcards == (WILD_ALL & ~OFPFW10_DL_SRC);
        if (fm->command == OFPFC10_ADD && fm->cookie == COOKIE_REMOTE) {
            assert_true(dl_src_only);
            if (R.adds < 8) R.dpids[R.adds] = s->dpid;
            R.adds++;
            R.last = *fm;
            R.last.actions.v = NULL;
        } else if (fm->command == OFPFC10_DELETE_STRICT && dl_src_only) {
            R.deletes++;
        }
    }
    pump();
}

static struct ofc_switch *second_switch(uint64_t dpid)
{
    struct ofc_switch *sw = lf_switch_up(T, dpid, 4);
    answer_barriers();
    return sw;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_block_published(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    /* the block, with its remaining time as TTL and the wall clock end */
    size_t i = written("portscan/block/" A_MAC);
    char want[256];
    snprintf(want, sizeof want,
             "ip=10.0.0.10 mac=" A_MAC " until=%ld by=host-a why=TRW: 5 failed, 0 answered "
             "first contacts",
             wall_s() + 300);
    assert_int_equal(Q[i].op, LOF_CL_PUT);
    assert_string_equal(Q[i].val, want);
    assert_int_equal(Q[i].ttl, 300);
    /* the victim's note: told here (B is behind eth2, monitor port 8), and published */
    assert_int_equal(F.notifies, 1);
    assert_int_equal(F.notify_port, 8);
    i = written("portscan/notify/10.0.0.11");
    assert_int_equal(Q[i].ttl, 60);
    assert_non_null(strstr(Q[i].val, "attacker=10.0.0.10 mac=" A_MAC " at="));
    assert_non_null(strstr(Q[i].val, " by=host-a text=port scan from 10.0.0.10 blocked"));
    /* both come back: neither is applied or sent a second time */
    answer_barriers();
    memset(&R, 0, sizeof R);
    flush();
    scan_remote();
    assert_int_equal(R.adds, 0);
    /* the local block's own monitor rule, and the one for every guest */
    assert_int_equal(F.adds, 2);
    assert_int_equal(F.notifies, 1);
    assert_int_equal(nq, 0);
    /* unblock: the published block is deleted */
    char text[256];
    assert_int_equal(ps_command("unblock", A_MAC, 0, text, sizeof text), 0);
    i = written("portscan/block/" A_MAC);
    assert_int_equal(Q[i].op, LOF_CL_DELETE);
    flush();
    scan_remote();
    assert_int_equal(R.adds + R.deletes, 0);
}

static void test_manual_block_published(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    char text[256];
    assert_int_equal(ps_command("block", "10.0.0.12", 0, text, sizeof text), 0);
    size_t i = written("portscan/block/" C_MAC);
    assert_int_equal(Q[i].ttl, 0); /* until unblocked: no TTL */
    assert_non_null(strstr(Q[i].val, "ip=10.0.0.12 mac=" C_MAC " until=0 by=host-a why="));
    assert_int_equal(F.notifies, 0); /* an operator's block tells no victim */
    flush();
    nq = 0;
    /* renewed with a time: published again with it */
    assert_int_equal(ps_command("block", C_MAC, 120, text, sizeof text), 0);
    i = written("portscan/block/" C_MAC);
    assert_int_equal(Q[i].ttl, 120);
}

static void test_remote_block_applied(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    second_switch(2);
    meet(sw);
    memset(&R, 0, sizeof R);
    char val[256];
    snprintf(val, sizeof val, "ip=10.9.9.9 mac=" X_MAC " until=%ld by=host-b why=TRW: 5 failed",
             wall_s() + 120);
    remote_put("portscan/block/" X_MAC, val);
    scan_remote();
    assert_int_equal(R.adds, 2); /* every switch */
    assert_true((R.dpids[0] == 1 && R.dpids[1] == 2) || (R.dpids[0] == 2 && R.dpids[1] == 1));
    assert_int_equal(R.last.hard_timeout, 120);
    assert_int_equal(R.last.actions.n, 0);
    uint8_t m[6];
    lf_mac(X_MAC, m);
    assert_memory_equal(R.last.match.dl_src, m, 6);
    assert_int_equal(barriers_pending(), 2);
    answer_barriers();
    assert_true(lf_log_has(T, "drop flow for " X_MAC " (blocked by host-b) confirmed"));
    assert_int_equal(F.adds, 1);
    assert_string_equal(F.add_spec, "addr=10.9.9.9 dir=to-guest action=drop on=0");
    /* the same value again is no change: nothing new */
    remote_put("portscan/block/" X_MAC, val);
    scan_remote();
    assert_int_equal(R.adds, 2);
    /* its packets still on their way are dropped */
    struct frame p = tcp(X_MAC, B_MAC, 0x0a090909, B_IP, 40000, 80, PKT_TCP_SYN);
    assert_false(feed(sw, 4, &p).delivered);
    /* the other instance unblocks: flows and rule go everywhere */
    memset(&R, 0, sizeof R);
    lof_cluster_event(T->l, LOF_CL_DELETE, "portscan/block/" X_MAC, NULL, 0);
    scan_remote();
    assert_int_equal(R.deletes, 2);
    assert_int_equal(F.dels, 1);
    assert_int_equal(F.del_id, 101);
    p = tcp(X_MAC, B_MAC, 0x0a090909, B_IP, 40001, 80, PKT_TCP_SYN);
    assert_true(feed(sw, 4, &p).delivered);
}

/* The later switch's flow, seen before answer_barriers consumes the log. */
static void test_remote_block_on_later_switch(void **state)
{
    (void)state;
    start(NULL, 0);
    char val[256];
    snprintf(val, sizeof val, "ip=- mac=" X_MAC " until=0 by=host-b why=blocked by request");
    remote_put("portscan/block/" X_MAC, val);
    answer_barriers();
    assert_int_equal(F.adds, 0); /* no address known: no monitor rule */
    memset(&R, 0, sizeof R);
    lf_switch_up(T, 5, 4);
    for (size_t i = 0; i < lf_engine.nreq; i++)
        if (lf_engine.req[i].live) lf_answer(i, OFC_REPLY_OK, NULL, 0);
    scan_remote();
    assert_int_equal(R.adds, 1);
    assert_int_equal(R.dpids[0], 5);
    assert_int_equal(R.last.hard_timeout, 0); /* until unblocked */
}

static void test_remote_block_expires(void **state)
{
    (void)state;
    start(NULL, 0);
    char val[256];
    snprintf(val, sizeof val, "ip=10.9.9.9 mac=" X_MAC " until=%ld by=host-b why=x", wall_s() + 10);
    remote_put("portscan/block/" X_MAC, val);
    answer_barriers();
    assert_int_equal(F.adds, 1);
    /* etcd out of reach: no delete comes; the sweep ends it a little after */
    lt_advance(T, 12000);
    assert_int_equal(F.dels, 0);
    lt_advance(T, 5000);
    assert_int_equal(F.dels, 1);
    assert_true(lf_log_has(T, "block of " X_MAC " by host-b lifted: block time over"));
    /* a delete that comes late changes nothing more */
    lof_cluster_event(T->l, LOF_CL_DELETE, "portscan/block/" X_MAC, NULL, 0);
    assert_int_equal(F.dels, 1);
}

static void test_bad_remote_values(void **state)
{
    (void)state;
    start(NULL, 0);
    memset(&R, 0, sizeof R);
    remote_put("portscan/block/" X_MAC, "garbage");
    remote_put("portscan/block/" X_MAC "x",
               "ip=- mac=" X_MAC " until=0 by=b why=key and mac differ");
    remote_put("portscan/notify/10.0.0.11", "junk");
    scan_remote();
    assert_int_equal(R.adds, 0);
    assert_int_equal(F.notifies, 0);
    assert_true(lf_log_has(T, "cannot read 'garbage'"));
    assert_int_equal(T->l->handler_errors, 0);
}

static void test_notify_routed(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw); /* B (10.0.0.11) is behind eth2: monitor port 8 */
    remote_put("portscan/notify/10.0.0.11",
               "attacker=10.7.0.1 mac=02:00:00:00:07:01 at=1.0 by=host-b text=port scan from "
               "10.7.0.1 blocked");
    assert_int_equal(F.notifies, 1);
    assert_int_equal(F.notify_port, 8);
    assert_string_equal(F.notify_text, "port scan from 10.7.0.1 blocked");
    assert_string_equal(F.notify_opts, "kind=scan-blocked attacker=10.7.0.1 mac=02:00:00:00:07:01");
    /* ours: sent already, not again; a victim not here: nobody to tell */
    remote_put("portscan/notify/10.0.0.11",
               "attacker=10.7.0.1 mac=02:00:00:00:07:01 at=2.0 by=host-a text=again");
    remote_put("portscan/notify/10.0.0.200",
               "attacker=10.7.0.1 mac=02:00:00:00:07:01 at=3.0 by=host-b text=elsewhere");
    assert_int_equal(F.notifies, 1);
}

/* The published blocks are in the mirror when the app is reloaded: the
 * remote block's rule id goes over with save/restore and its delete still
 * finds it; a block published while the chunk loads is applied by reloaded. */
static void test_reload_keeps_remote(void **state)
{
    (void)state;
    start(NULL, 0);
    char val[256];
    snprintf(val, sizeof val, "ip=10.9.9.9 mac=" X_MAC " until=%ld by=host-b why=x",
             wall_s() + 100);
    remote_put("portscan/block/" X_MAC, val);
    answer_barriers();
    assert_int_equal(F.adds, 1);
    struct lof_app_src a[2] = {app("portscan", NULL, 0), app("l2_learning", NULL, 0)};
    char err[512];
    if (lt_load_list(T, a, 2, err, sizeof err) != 0) fail_msg("reload: %s", err);
    memset(&R, 0, sizeof R);
    scan_remote();
    assert_int_equal(R.adds, 0); /* its flows are in the switches already */
    assert_int_equal(F.adds, 1);
    lof_cluster_event(T->l, LOF_CL_DELETE, "portscan/block/" X_MAC, NULL, 0);
    scan_remote();
    assert_int_equal(R.deletes, 1);
    assert_int_equal(F.dels, 1);
    assert_int_equal(F.del_id, 101);
}

/* A scanner detected here is blocked on every switch of this instance
 * too: its own port gets the local {in_port, dl_src} block, every other
 * switch the {dl_src} drop (when the published block comes back), and the
 * key's deletion takes those away again. */
static void test_own_block_on_other_switches(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    second_switch(2);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    answer_barriers();
    memset(&R, 0, sizeof R);
    flush(); /* the published block comes back through the watch */
    scan_remote();
    assert_int_equal(R.adds, 1);
    assert_int_equal(R.dpids[0], 2);
    uint8_t m[6];
    lf_mac(A_MAC, m);
    assert_memory_equal(R.last.match.dl_src, m, 6);
    assert_int_equal(R.last.match.in_port, 0);
    /* the local rule at its port, and its address dropped towards every guest */
    assert_int_equal(F.adds, 2);
    assert_string_equal(F.add_spec, "addr=10.0.0.10 dir=to-guest action=drop on=0");
    memset(&R, 0, sizeof R);
    char text[256];
    assert_int_equal(ps_command("unblock", A_MAC, 0, text, sizeof text), 0);
    flush();
    scan_remote();
    assert_int_equal(R.deletes, 1); /* the {dl_src} flow on switch 2 */
}

/* An operator blocks a MAC this instance never saw: refused without a
 * cluster; with one it is published and dropped by {dl_src} on every switch
 * here; unblock (from any instance) deletes the key and the flows. */
static void test_unknown_mac_cluster_wide(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    second_switch(2);
    meet(sw);
    memset(&R, 0, sizeof R);
    char text[256];
    assert_int_equal(ps_command("block", X_MAC, 90, text, sizeof text), 0);
    assert_non_null(strstr(text, "cluster-wide"));
    size_t i = written("portscan/block/" X_MAC);
    assert_int_equal(Q[i].op, LOF_CL_PUT);
    assert_int_equal(Q[i].ttl, 90);
    assert_non_null(strstr(Q[i].val, "ip=- mac=" X_MAC " until="));
    assert_non_null(strstr(Q[i].val, " by=host-a why=blocked by request"));
    scan_remote();
    assert_int_equal(R.adds, 2); /* both switches, by dl_src */
    assert_int_equal(R.last.hard_timeout, 90);
    /* our own write coming back changes nothing */
    flush();
    scan_remote();
    assert_int_equal(R.adds, 2);
    /* an address that was never seen is still refused: no MAC to publish */
    assert_int_equal(ps_command("block", "10.77.0.1", 0, text, sizeof text), 1);
    assert_non_null(strstr(text, "not known here"));
    /* unblock: the key goes, and so do the flows */
    nq = 0;
    memset(&R, 0, sizeof R);
    assert_int_equal(ps_command("unblock", X_MAC, 0, text, sizeof text), 0);
    i = written("portscan/block/" X_MAC);
    assert_int_equal(Q[i].op, LOF_CL_DELETE);
    scan_remote();
    assert_int_equal(R.deletes, 2);
}

int main(void)
{
#define R_(f) cmocka_unit_test_setup_teardown(f, setup, lt_teardown)
    const struct CMUnitTest tests[] = {
        R_(test_block_published),      R_(test_manual_block_published),
        R_(test_remote_block_applied), R_(test_remote_block_on_later_switch),
        R_(test_remote_block_expires), R_(test_bad_remote_values),
        R_(test_notify_routed),        R_(test_reload_keeps_remote),
        R_(test_unknown_mac_cluster_wide), R_(test_own_block_on_other_switches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
