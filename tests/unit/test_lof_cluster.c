/*
 * test_lof_cluster.c - the Lua `cluster` module against the fake host: bad
 * keys, values, ttls and prefixes raise with the field named (and nothing
 * reaches the host); writes reach the host and change nothing until the
 * change comes back; watchers see changes only (a put of the same value is
 * no event), deletes as nil, in registration order, by prefix; the mirror
 * survives a reload while the watches go; no cluster, a load in progress, a
 * failing host and the rate limit are refused with their reason; a watcher
 * that runs away is that app's handler error and the others still run.
 */
#include "test_lof_fake.h"

#define MAX_PUTS 512

static struct {
    int op;
    char key[LOF_CLUSTER_KEY_MAX + 1];
    char val[LOF_CLUSTER_VAL_MAX + 1];
    size_t vlen;
    uint32_t ttl;
} puts_seen[MAX_PUTS];
static size_t n_puts;
static int host_rc;

static int fake_put(void *ctx, int op, const char *key, const void *val, size_t vlen,
                    uint32_t ttl_s)
{
    (void)ctx;
    if (host_rc) return host_rc;
    if (n_puts == MAX_PUTS) fail_msg("too many puts");
    puts_seen[n_puts].op = op;
    snprintf(puts_seen[n_puts].key, sizeof puts_seen[n_puts].key, "%s", key);
    if (vlen) memcpy(puts_seen[n_puts].val, val, vlen);
    puts_seen[n_puts].vlen = vlen;
    puts_seen[n_puts].ttl = ttl_s;
    n_puts++;
    return 0;
}

static int setup_with(void **state, int small)
{
    if (small)
        lt_setup_small_budget(state);
    else
        lt_setup(state);
    n_puts = 0;
    host_rc = 0;
    lt_cluster_fn = fake_put;
    assert_int_equal(lof_set_cluster(T->l, 1, "host-a"), 0);
    return 0;
}
static int setup(void **state)
{
    return setup_with(state, 0);
}
static int setup_small(void **state)
{
    return setup_with(state, 1);
}

static int teardown(void **state)
{
    lt_cluster_fn = NULL;
    return lt_teardown(state);
}

/* Runs lua from a timer, its show() lines recorded. */
static void run(const char *lua)
{
    lt_run_later(T, lua);
}

static void put(const char *key, const char *val)
{
    lof_cluster_event(T->l, LOF_CL_PUT, key, val, strlen(val));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char long_key[LOF_CLUSTER_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    static const struct {
        const char *call, *want;
    } cases[] = {
        {"cluster.put()", "key: expected a string, got no value"},
        {"cluster.put(5, 'v')", "key: expected a string, got number"},
        {"cluster.put('', 'v')", "key: empty"},
        {"cluster.put('/a', 'v')", "key: starts with '/'"},
        {"cluster.put('a//b', 'v')", "key: contains \"//\""},
        {"cluster.put('a b', 'v')", "key: byte 2 (0x20) is not one of [A-Za-z0-9_.:/-]"},
        {"cluster.put('a\\0b', 'v')", "key: byte 2 (0x00) is not one of [A-Za-z0-9_.:/-]"},
        {"cluster.put('a*', 'v')", "key: byte 2 (0x2a) is not one of [A-Za-z0-9_.:/-]"},
        {"cluster.put(LONG, 'v')", "key: 201 bytes, at most 200"},
        {"cluster.put('a')", "value: expected a string, got no value"},
        {"cluster.put('a', 5)", "value: expected a string, got number"},
        {"cluster.put('a', {})", "value: expected a string, got table"},
        {"cluster.put('a', string.rep('x', 1025))", "value: 1025 bytes, at most 1024"},
        {"cluster.put('a', 'v', -1)",
         "ttl: expected 0 (no expiry) or 1..2592000 seconds, got number"},
        {"cluster.put('a', 'v', 2592001)",
         "ttl: expected 0 (no expiry) or 1..2592000 seconds, got number"},
        {"cluster.put('a', 'v', 1.5)",
         "ttl: expected 0 (no expiry) or 1..2592000 seconds, got number"},
        {"cluster.put('a', 'v', '60')",
         "ttl: expected 0 (no expiry) or 1..2592000 seconds, got 60"},
        {"cluster.delete('/x')", "key: starts with '/'"},
        {"cluster.delete()", "key: expected a string, got no value"},
        {"cluster.get('a//')", "key: contains \"//\""},
        {"cluster.keys()", "prefix: expected a string, got no value"},
        {"cluster.keys('/')", "prefix: starts with '/'"},
        {"cluster.watch('x y', print)", "prefix: byte 2 (0x20) is not one of [A-Za-z0-9_.:/-]"},
        {"cluster.watch('x')", "bad argument #2 to 'watch' (function expected, got no value)"},
        {"cluster.unwatch('1')", "id: expected a watch id, got 1"},
        {"cluster.unwatch(0)", "id: expected a watch id, got number"},
    };
    char lua[1024], want[600];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(lua, sizeof(lua), "local LONG = '%s' show(pcall(function() return %s end))",
                 long_key, cases[i].call);
        run(lua);
        /* raised at the app's line of the call (run() puts it on line 3) */
        snprintf(want, sizeof(want), "a/r: false|a:3: %s\n", cases[i].want);
        if (strcmp(T->records, want) != 0)
            fail_msg("case %zu %s:\n got  %s want %s", i, cases[i].call, T->records, want);
        lt_clear_records();
    }
    assert_int_equal(n_puts, 0); /* nothing reached the host */
}

static void test_writes_reach_the_host(void **state)
{
    (void)state;
    char longest[LOF_CLUSTER_KEY_MAX + 1];
    memset(longest, 'k', LOF_CLUSTER_KEY_MAX);
    longest[LOF_CLUSTER_KEY_MAX] = '\0';
    char lua[1024];
    snprintf(lua, sizeof lua,
             "show(cluster.enabled(), cluster.name(), cluster.connected())\n"
             "show(cluster.put('portscan/block/02:00:00:00:00:0a', 'a\\0b', 300))\n"
             "show(cluster.put('x', ''))\n"
             "show(cluster.put('%s', string.rep('v', 1024), 2592000))\n"
             "show(cluster.delete('x'))\n"
             "show(cluster.get('x'), cluster.get('portscan/block/02:00:00:00:00:0a'))",
             longest);
    run(lua);
    lt_want_records("a/r: true|host-a|false\na/r: true\na/r: true\na/r: true\na/r: true\n"
                    "a/r: nil|nil\n"); /* nothing changes here before the event comes */
    assert_int_equal(n_puts, 4);
    assert_int_equal(puts_seen[0].op, LOF_CL_PUT);
    assert_string_equal(puts_seen[0].key, "portscan/block/02:00:00:00:00:0a");
    assert_int_equal(puts_seen[0].vlen, 3);
    assert_memory_equal(puts_seen[0].val, "a\0b", 3);
    assert_int_equal(puts_seen[0].ttl, 300);
    assert_int_equal(puts_seen[1].vlen, 0);
    assert_int_equal(puts_seen[1].ttl, 0);
    assert_string_equal(puts_seen[2].key, longest);
    assert_int_equal(puts_seen[2].vlen, 1024);
    assert_int_equal(puts_seen[2].ttl, 2592000);
    assert_int_equal(puts_seen[3].op, LOF_CL_DELETE);
    assert_string_equal(puts_seen[3].key, "x");
    lt_clear_records();
    lof_cluster_state(T->l, 1);
    run("show(cluster.connected())");
    lt_want_records("a/r: true\n");
}

static void test_refusals(void **state)
{
    (void)state;
    host_rc = -EIO;
    run("show(cluster.put('a', 'b'))\nshow(cluster.delete('a'))");
    lt_want_records("a/r: nil|cluster.put: Input/output error\n"
                    "a/r: nil|cluster.delete: Input/output error\n");
    lt_clear_records();
    host_rc = -ENODEV;
    run("show(cluster.put('a', 'b'))");
    lt_want_records("a/r: nil|cluster.put: no cluster configured\n");
    lt_clear_records();
    host_rc = 0;
    /* While the chunk loads: refused (a load that fails later must not have
     * changed the cluster); watch and get work. */
    lt_load1(T, "a",
             LT_SHOW_APP "show('load', cluster.put('a', 'x'))\n"
                 "show('load', cluster.watch('a', function() end), cluster.get('a'))\n"
                 "vf.after(0, function() show('timer', cluster.put('a', 'y')) end)\nreturn {}\n");
    lt_advance(T, 20);
    lt_want_records("a/r: load|nil|cluster.put: not while the apps load (use switch_up, "
                    "reloaded or a timer)\n"
                    "a/r: load|1|nil\n"
                    "a/r: timer|true\n");
    assert_int_equal(n_puts, 1);
    lt_clear_records();
    /* No cluster: writes say so, the mirror is gone, name is nil. */
    put("k", "v");
    assert_int_equal(lof_set_cluster(T->l, 0, NULL), 0);
    run("show(cluster.enabled(), cluster.name(), cluster.connected(), cluster.get('k'))\n"
        "show(cluster.put('a', 'b'))\nshow(cluster.delete('a'))");
    lt_want_records("a/r: false|nil|false|nil\n"
                    "a/r: nil|cluster.put: no cluster configured\n"
                    "a/r: nil|cluster.delete: no cluster configured\n");
    assert_int_equal(n_puts, 1);
    /* bad instance names are refused and change nothing */
    assert_int_equal(lof_set_cluster(T->l, 1, ""), -1);
    assert_int_equal(lof_set_cluster(T->l, 1, "a/b"), -1);
    assert_int_equal(lof_set_cluster(T->l, 1, NULL), -1);
    lt_clear_records();
    run("show(cluster.enabled())");
    lt_want_records("a/r: false\n");
}

static void test_rate_limit(void **state)
{
    (void)state;
    char want[128];
    run("local n, last = 0\n"
        "for i = 1, 250 do local ok, err\n"
        "  if i % 2 == 0 then ok, err = cluster.put('k' .. i, 'v') else ok, err = "
        "cluster.delete('k') end\n"
        "  if ok then n = n + 1 else last = err end end\n"
        "show(n, last)");
    snprintf(want, sizeof(want), "a/r: %d|cluster.put: more than %d writes a second\n",
             LOF_CLUSTER_RATE, LOF_CLUSTER_RATE);
    lt_want_records(want);
    assert_int_equal(n_puts, LOF_CLUSTER_RATE);
    lt_clear_records();
    lt_advance(T, 100);
    run("local n = 0 for i = 1, 250 do if cluster.put('m', 'x') then n = n + 1 end end show(n)");
    snprintf(want, sizeof(want), "a/r: %d\n", LOF_CLUSTER_RATE * 120 / 1000);
    lt_want_records(want);
}

#define WATCHER LT_SHOW_APP "local function w(tag) return function(k, v) show(tag, k, v) end end\n"

static void test_watch_events(void **state)
{
    (void)state;
    lt_load1(T, "a",
             WATCHER "ids = { cluster.watch('ps/block/', w('block')),\n"
                     "        cluster.watch('', w('all')),\n"
                     "        cluster.watch('ps/block/02', w('b02')) }\n"
                     "show(ids[1], ids[2], ids[3])\n"
                     "return { command = function(n) show('unwatch', cluster.unwatch(ids[2]),\n"
                     "  cluster.unwatch(ids[2]), cluster.unwatch(999)) return true end }\n");
    lt_want_records("a/r: 1|2|3\n");
    lt_clear_records();
    put("ps/block/02:aa", "v1");
    lt_want_records("a/r: block|ps/block/02:aa|v1\na/r: all|ps/block/02:aa|v1\n"
                    "a/r: b02|ps/block/02:aa|v1\n");
    lt_clear_records();
    put("ps/block/02:aa", "v1"); /* the same value: no event */
    put("ps/notify/10.0.0.1", "n");
    lt_want_records("a/r: all|ps/notify/10.0.0.1|n\n");
    lt_clear_records();
    put("ps/block/02:aa", "v2"); /* a new value: an event */
    lof_cluster_event(T->l, LOF_CL_DELETE, "ps/block/02:aa", NULL, 0);
    lof_cluster_event(T->l, LOF_CL_DELETE, "ps/block/02:aa", NULL, 0); /* gone already */
    lof_cluster_event(T->l, LOF_CL_DELETE, "never", NULL, 0);
    lt_want_records("a/r: block|ps/block/02:aa|v2\na/r: all|ps/block/02:aa|v2\n"
                    "a/r: b02|ps/block/02:aa|v2\n"
                    "a/r: block|ps/block/02:aa|nil\na/r: all|ps/block/02:aa|nil\n"
                    "a/r: b02|ps/block/02:aa|nil\n");
    lt_clear_records();
    put("ps/e", ""); /* an empty value is a value */
    lt_want_records("a/r: all|ps/e|\n");
    lt_clear_records();
    struct lof_command c = {"x", "1", 0, 0};
    int err;
    char text[64];
    lof_command(T->l, &c, &err, text, sizeof text);
    lt_want_records("a/r: unwatch|true|false|false\n");
    lt_clear_records();
    put("ps/block/03", "x");
    lt_want_records("a/r: block|ps/block/03|x\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.cluster_watches, 2);
    assert_int_equal(st.cluster_keys, 3); /* ps/notify/10.0.0.1, ps/e, ps/block/03 */
    assert_int_equal(st.cluster_events, 6);
}

/* A watcher that unwatches itself and registers another during a dispatch:
 * the rest of that dispatch is unchanged, the new one sees the next change. */
static void test_watch_in_watcher(void **state)
{
    (void)state;
    lt_load1(T, "a",
             WATCHER "local me\n"
                     "me = cluster.watch('k', function(k, v) show('once', k, v)\n"
                     "  cluster.unwatch(me) cluster.watch('k', w('late')) end)\n"
                     "cluster.watch('k', w('steady'))\nreturn {}\n");
    put("k1", "a");
    put("k2", "b");
    lt_want_records("a/r: once|k1|a\na/r: steady|k1|a\n"
                    "a/r: steady|k2|b\na/r: late|k2|b\n");
}

static void test_keys_and_get(void **state)
{
    (void)state;
    put("ps/block/b", "2");
    put("ps/block/a", "1");
    put("ps/blockx", "3");
    put("ps/notify/1", "4");
    char bin[3] = {'x', 0, 'y'};
    lof_cluster_event(T->l, LOF_CL_PUT, "bin", bin, 3);
    run("local t, ks = cluster.keys('ps/block/'), {}\n"
        "for k, v in pairs(t) do ks[#ks + 1] = k .. '=' .. v end table.sort(ks)\n"
        "show(table.concat(ks, ','))\n"
        "local n = 0 for _ in pairs(cluster.keys('')) do n = n + 1 end\n"
        "show(n, next(cluster.keys('zz')), #cluster.get('bin'), cluster.get('ps/block/a'))\n"
        "local p = 0 for _ in pairs(cluster.keys('ps/block')) do p = p + 1 end show(p)");
    lt_want_records("a/r: ps/block/a=1,ps/block/b=2\na/r: 5|nil|3|1\na/r: 3\n");
}

/* The mirror is the lof's: a reloaded app reads it; watches are the Lua
 * state's: the old ones are gone, and a failed reload keeps the old ones. */
static void test_reload(void **state)
{
    (void)state;
    lt_load1(T, "a", WATCHER "cluster.watch('', w('old'))\nreturn {}\n");
    put("k", "1");
    lt_want_records("a/r: old|k|1\n");
    lt_clear_records();
    /* a reload that fails after its chunk registered a watch changes nothing */
    char err[256];
    const char *bad = WATCHER "cluster.watch('', w('failed'))\nerror('no')\n";
    struct lof_app_src a = {"a", "a", bad, strlen(bad), NULL, 0};
    assert_int_equal(lof_load(T->l, &a, 1, err, sizeof err), -1);
    put("k", "2");
    lt_want_records("a/r: old|k|2\n");
    lt_clear_records();
    lt_load1(T, "a", WATCHER "show('sees', cluster.get('k'))\nreturn {}\n");
    put("k", "3");
    lt_want_records("a/r: sees|2\n"); /* and no watcher any more */
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.cluster_watches, 0);
    assert_int_equal(st.cluster_keys, 1);
}

static void test_watch_limit(void **state)
{
    (void)state;
    char want[128];
    run("local n = 0 for i = 1, 64 do cluster.watch('p', print) n = n + 1 end\n"
        "show(n, pcall(cluster.watch, 'p', print))");
    snprintf(want, sizeof want, "a/r: 64|false|cluster.watch: more than %d watches\n",
             LOF_CLUSTER_WATCHES);
    lt_want_records(want);
}

/* Changes the host hands in are checked as Lua's keys are: bad ones are
 * logged and dropped, the mirror is bounded. */
static void test_bad_events(void **state)
{
    (void)state;
    lt_load1(T, "a", WATCHER "cluster.watch('', w('w'))\nreturn {}\n");
    char big[LOF_CLUSTER_VAL_MAX + 1];
    memset(big, 'v', sizeof big);
    lof_cluster_event(T->l, LOF_CL_PUT, "/abs", "v", 1);
    lof_cluster_event(T->l, LOF_CL_PUT, "a//b", "v", 1);
    lof_cluster_event(T->l, LOF_CL_PUT, NULL, "v", 1);
    lof_cluster_event(T->l, LOF_CL_PUT, "k", big, sizeof big);
    lof_cluster_event(T->l, LOF_CL_PUT, "k", NULL, 3);
    lof_cluster_event(T->l, 7, "k", "v", 1);
    lt_want_records("");
    assert_true(lf_log_has(T, "cluster: change ignored"));
    lof_cluster_event(T->l, LOF_CL_PUT, "k", big, LOF_CLUSTER_VAL_MAX);
    assert_int_equal(T->nrecords, 1);
}

static void test_mirror_bound(void **state)
{
    (void)state;
    char key[32];
    for (int i = 0; i < LOF_CLUSTER_KEYS_MAX; i++) {
        snprintf(key, sizeof key, "k/%06d", (i * 7919) % LOF_CLUSTER_KEYS_MAX); /* unordered */
        put(key, "v");
    }
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.cluster_keys, LOF_CLUSTER_KEYS_MAX);
    put("k/extra", "v");
    assert_true(lf_log_has(T, "cluster: k/extra not kept"));
    put("k/000001", "w"); /* a key it holds can still change */
    lof_cluster_event(T->l, LOF_CL_DELETE, "k/000002", NULL, 0);
    run("show(cluster.get('k/000001'), cluster.get('k/000002'), cluster.get('k/065535'))");
    lt_want_records("a/r: w|nil|v\n");
}

/* Each watcher call has the app's budget: one that runs away is that app's
 * handler error, and the next watcher still runs. */
static void test_budget_in_watcher(void **state)
{
    (void)state;
    const char *a_src = LT_SHOW_APP "cluster.watch('k', function() while true do end end)\nreturn {}\n";
    const char *b_src = LT_SHOW_APP "cluster.watch('k', function(k, v) show('b', k, v) end)\nreturn {}\n";
    struct lof_app_src apps[2] = {{"a", "a", a_src, strlen(a_src), NULL, 0},
                                  {"b", "b", b_src, strlen(b_src), NULL, 0}};
    char err[256];
    assert_int_equal(lof_load(T->l, apps, 2, err, sizeof err), 0);
    put("k", "1");
    lt_want_records("b/r: b|k|1\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 1);
    assert_int_equal(st.budget_trips, 1);
    assert_true(lf_log_has(T, "app:a: cluster watch failed"));
}

int main(void)
{
#define R(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        R(test_bad_arguments),
        R(test_writes_reach_the_host),
        R(test_refusals),
        R(test_rate_limit),
        R(test_watch_events),
        R(test_watch_in_watcher),
        R(test_keys_and_get),
        R(test_reload),
        R(test_watch_limit),
        R(test_bad_events),
        R(test_mirror_bound),
        cmocka_unit_test_setup_teardown(test_budget_in_watcher, setup_small, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
