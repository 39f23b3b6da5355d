/*
 * test_vfd_config_cluster.c - the core's [cluster] section
 * (vfd_config_cluster.c): a valid file read into the settings and the
 * cluster domain it makes (allowed to reach its endpoints and nothing
 * else), the defaults, and every malformed line refused with its exact
 * "file:line: message".
 */
#include "unit.h"

#include <unistd.h>

#include "daemon/vfd.h"
#include "vfd_config_harness.h"

/* Lines 1-5 are these; a test's text starts at line 6, inside [cluster]. */
#define HEAD "[controller]\napps = hub\n[daemon]\ncontrol = /tmp/vf-clcfg.sock\n[cluster]\n"

static const struct vfd_domain_conf *cluster_domain(const struct vfd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_domains; i++)
        if (cfg->domains[i].kind == MSG_KIND_CLUSTER) return &cfg->domains[i];
    return NULL;
}

static void test_valid(void **state)
{
    (void)state;
    struct vfd_config cfg;
    char err[512];
    int rc = load(&cfg,
                  HEAD "name = node-1.a\n"
                       "endpoints = http://127.0.0.1:23791, http://127.0.0.1:23792/,"
                       " http://[::1]:23793\n"
                       "prefix = /vf/test\n"
                       "lease_ttl = 2\n"
                       "request_timeout = 750ms\n",
                  err, sizeof(err));
    if (rc) fail_msg("%s", err);
    assert_true(cfg.cluster.enabled);
    assert_string_equal(cfg.cluster.name, "node-1.a");
    assert_int_equal(cfg.cluster.n_endpoints, 3);
    assert_string_equal(cfg.cluster.endpoints[0], "127.0.0.1:23791");
    assert_string_equal(cfg.cluster.endpoints[1], "127.0.0.1:23792");
    assert_string_equal(cfg.cluster.endpoints[2], "[::1]:23793");
    assert_false(cfg.cluster.tls);
    assert_string_equal(cfg.cluster.prefix, "/vf/test");
    assert_int_equal(cfg.cluster.lease_ttl, 2);
    assert_int_equal(cfg.cluster.timeout_ms, 750);
    const struct vfd_domain_conf *dc = cluster_domain(&cfg);
    assert_non_null(dc);
    assert_string_equal(dc->name, "cluster");
    struct msg_addr a;
    char why[160];
    assert_int_equal(brk_addr_parse("127.0.0.1:23792", &a, why, sizeof(why)), 0);
    assert_true(brk_list_allows(&dc->policy.connect, &a));
    assert_int_equal(brk_addr_parse("127.0.0.1:23794", &a, why, sizeof(why)), 0);
    assert_false(brk_list_allows(&dc->policy.connect, &a)); /* an endpoint, nothing else */
    assert_int_equal(brk_addr_parse("127.0.0.1:6653", &a, why, sizeof(why)), 0);
    assert_false(brk_list_allows(&dc->policy.listen, &a)); /* it listens nowhere */
    vfd_config_free(&cfg);

    /* defaults; and no [cluster]: no cluster domain */
    rc = load(&cfg, HEAD "name = n\nendpoints = http://127.0.0.1:2379\n", err, sizeof(err));
    if (rc) fail_msg("%s", err);
    assert_string_equal(cfg.cluster.prefix, "/visorflow");
    assert_int_equal(cfg.cluster.lease_ttl, 3);
    assert_int_equal(cfg.cluster.timeout_ms, 2000);
    vfd_config_free(&cfg);
    rc = load(&cfg, "[controller]\napps = hub\n", err, sizeof(err));
    if (rc) fail_msg("%s", err);
    assert_false(cfg.cluster.enabled);
    assert_null(cluster_domain(&cfg));
    vfd_config_free(&cfg);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text; /* after HEAD (line 6 on) */
        const char *want; /* after "PATH:" */
    } cases[] = {
        {"endpoints = http://127.0.0.1:2379\n",
         "5: [cluster] needs a name: 1..32 of A-Z a-z 0-9 _ - . (this instance, unique in the "
         "cluster)"},
        {"name = a b\nendpoints = http://127.0.0.1:2379\n",
         "6: [cluster] needs a name: 1..32 of A-Z a-z 0-9 _ - . (this instance, unique in the "
         "cluster)"},
        {"name = n\n", " [cluster] needs endpoints (http://IP:PORT of etcd members)"},
        {"name = n\nendpoints = 127.0.0.1:2379\n",
         "7: endpoints: '127.0.0.1:2379' is not http://IP:PORT or https://IP:PORT"},
        {"name = n\nendpoints = http://etcd1:2379\n",
         "7: endpoints: 'http://etcd1:2379': bad IPv4 address 'etcd1' in 'etcd1:2379' (IP "
         "literals: names are not resolved)"},
        {"name = n\nendpoints = http://127.0.0.1:0\n",
         "7: endpoints: 'http://127.0.0.1:0': needs a port (IP literals: names are not resolved)"},
        {"name = n\nendpoints = http://127.0.0.1:2379, https://127.0.0.1:2380\n",
         "7: endpoints: http:// and https:// mixed"},
        {"name = n\nendpoints = http://127.0.0.1:2379, http://127.0.0.1:2379\n",
         "7: endpoints: 'http://127.0.0.1:2379' given twice"},
        {"name = n\nendpoints = http://127.0.0.1:2379\nprefix = visorflow\n",
         "8: prefix: 'visorflow' is not /SEGMENT[/SEGMENT...] of A-Z a-z 0-9 _ - . (at most 47 "
         "bytes)"},
        {"name = n\nendpoints = http://127.0.0.1:2379\nprefix = /a//b\n",
         "8: prefix: '/a//b' is not /SEGMENT[/SEGMENT...] of A-Z a-z 0-9 _ - . (at most 47 "
         "bytes)"},
        {"name = n\nendpoints = http://127.0.0.1:2379\nlease_ttl = 1\n",
         "8: lease_ttl: 1 is out of range 2..3600"},
        {"name = n\nendpoints = http://127.0.0.1:2379\ntls_ca = /etc/ssl/ca.pem\n",
         "5: [cluster] tls_* keys need https:// endpoints"},
        {"name = n\nendpoints = http://127.0.0.1:2379\nmembers = 3\n",
         "8: unknown key 'members' in [cluster]"},
        {"name = n\nendpoints = http://127.0.0.1:2379\n[domain.cluster]\nkind = cluster\n"
         "connect_allow = 127.0.0.1:2380\n",
         " endpoint 127.0.0.1:2379 is not allowed by [domain.cluster] connect_allow"},
        {"name = n\nendpoints = http://127.0.0.1:2379\n[domain.etcd]\nkind = etcd\n",
         "9: kind: 'etcd' is not of, mgmt or cluster"},
    };
    char text[1024], err[512], want[600];
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vfd_config cfg;
        snprintf(text, sizeof(text), HEAD "%s", cases[i].text);
        snprintf(want, sizeof(want), "%s:%s", path, cases[i].want);
        if (load(&cfg, text, err, sizeof(err)) != -1 || strcmp(err, want) != 0) {
            print_error("case %zu:\n got  '%s'\n want '%s'\n", i, err, want);
            bad++;
        }
    }
    /* a domain of kind cluster without [cluster] */
    struct vfd_config cfg;
    snprintf(want, sizeof(want), "%s: [domain.c] of kind cluster without a [cluster] section",
             path);
    if (load(&cfg, "[controller]\napps = hub\n[domain.c]\nkind = cluster\n", err, sizeof(err)) !=
            -1 ||
        strcmp(err, want)) {
        print_error("no [cluster]:\n got  '%s'\n want '%s'\n", err, want);
        bad++;
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {T(test_valid), T(test_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
