/*
 * test_vfd_config_mgmt.c - the [mgmt] section (vfd_config_mgmt.c) and
 * [cluster]'s https side (vfd_config_cluster.c), both of which read PEM
 * files: a valid file read into the settings (the mgmt domain made, its
 * listen_allow, the roles, the numbers; the cluster's client key material),
 * and every malformed line refused with its exact "file:line: message".
 * Certificates are made at test time (tls_fixtures.h) and written next to
 * the configuration.
 */
#include "unit.h"

#include "daemon/vfd.h"
#include "tls_fixtures.h"
#include "vfd_config_harness.h"

static struct tlsfx_world W;
static char kpath[128], cpath[128], capath[128];

static int setup_pem(void **state)
{
    setup(state);
    tlsfx_world_init(&W);
    snprintf(kpath, sizeof(kpath), "%s/server.key", dir);
    snprintf(cpath, sizeof(cpath), "%s/server.pem", dir);
    snprintf(capath, sizeof(capath), "%s/ca.pem", dir);
    tlsfx_write(kpath, W.server.key_pem, W.server.key_len);
    tlsfx_write(cpath, W.server.cert_pem, W.server.cert_len);
    tlsfx_write(capath, W.ca.cert_pem, W.ca.cert_len);
    return 0;
}

static int teardown_pem(void **state)
{
    unlink(kpath);
    unlink(cpath);
    unlink(capath);
    tlsfx_world_free(&W);
    return teardown(state);
}

/* [controller] and [daemon] on lines 1-4, then [mgmt] on 5, its listen and
 * TLS lines on 6-9; a case's own lines start at line 10. */
static void mgmt_text(char *dst, size_t cap, const char *rest)
{
    snprintf(dst, cap,
             "[controller]\napps = hub\n[daemon]\ncontrol = /tmp/vf-cfg.sock\n[mgmt]\n"
             "listen = 127.0.0.1:7443\ntls_key = %s\ntls_cert = %s\ntls_ca = %s\n%s",
             kpath, cpath, capath, rest);
}

static const struct vfd_domain_conf *domain_of_kind(const struct vfd_config *cfg, int kind)
{
    for (size_t i = 0; i < cfg->n_domains; i++)
        if (cfg->domains[i].kind == kind) return &cfg->domains[i];
    return NULL;
}

static void test_mgmt_valid(void **state)
{
    (void)state;
    struct vfd_config cfg;
    char text[2048], err[512];
    mgmt_text(text, sizeof(text),
              "listen = [::1]:7444\nadmins = alice, ops-2\nviewers = monitoring\n"
              "max_clients = 3\nidle_timeout = 250ms\n");
    if (load(&cfg, text, err, sizeof(err))) fail_msg("%s", err);
    const struct vfd_mgmt_conf *m = &cfg.mgmt;
    assert_true(m->enabled);
    assert_int_equal(m->n_listen, 2);
    assert_string_equal(m->listen[1], "[::1]:7444");
    assert_int_equal(m->n_admins, 2);
    assert_string_equal(m->admins[1], "ops-2");
    assert_int_equal(m->n_viewers, 1);
    assert_int_equal(m->max_clients, 3);
    assert_int_equal(m->idle_ms, 250);
    assert_true(m->tls.enabled && m->tls.key_len > 0 && m->tls.ca_len > 0);
    const struct vfd_domain_conf *dc = domain_of_kind(&cfg, MSG_KIND_MGMT);
    assert_non_null(dc);
    assert_string_equal(dc->name, "mgmt");
    struct msg_addr a;
    char why[160];
    assert_int_equal(brk_addr_parse("127.0.0.1:7443", &a, why, sizeof(why)), 0);
    assert_true(brk_list_allows(&dc->policy.listen, &a));
    assert_int_equal(brk_addr_parse("127.0.0.1:7445", &a, why, sizeof(why)), 0);
    assert_false(brk_list_allows(&dc->policy.listen, &a));
    vfd_config_free(&cfg);
    /* defaults */
    mgmt_text(text, sizeof(text), "viewers = v\n");
    if (load(&cfg, text, err, sizeof(err))) fail_msg("%s", err);
    assert_int_equal(cfg.mgmt.max_clients, 16);
    assert_int_equal(cfg.mgmt.idle_ms, 30000);
    vfd_config_free(&cfg);
}

static void test_mgmt_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text; /* from line 10 on */
        const char *want; /* after "PATH:" */
    } cases[] = {
        {"", "5: [mgmt] needs admins or viewers (client certificate CNs)"},
        {"admins = a\nviewers = a\n", "11: viewers: 'a' is an admin already (admins may view)"},
        {"admins = caf\xc3\xa9\n",
         "10: admins: 'caf\xc3\xa9' is not a CN (1..128 printable ASCII characters)"},
        {"admins = \x01x\n", "10: control character 0x01"},
        {"admins = a\nmax_clients = 0\n", "11: max_clients: 0 is out of range 1..1024"},
        {"admins = a\nmax_clients = 1025\n", "11: max_clients: 1025 is out of range 1..1024"},
        {"admins = a\nidle_timeout = 50ms\n", "11: idle_timeout: 50 is out of range 100..3600000"},
        {"admins = a\nlisten = 127.0.0.1:0\n",
         "11: listen: '127.0.0.1:0' needs a port (clients must know it)"},
        {"admins = a\nlisten = nowhere:1\n", "11: listen: bad IPv4 address 'nowhere' in 'nowhere:1'"},
        {"admins = a\nlisten = 127.0.0.2:1\nlisten = 127.0.0.3:1\nlisten = 127.0.0.4:1\n"
         "listen = 127.0.0.5:1\n",
         "14: more than 4 [mgmt] listen entries"},
        {"admins = a\ntls_min_version = 1.2\n", "11: unknown key 'tls_min_version' in [mgmt]"},
        {"admins = a\n[domain.api]\nkind = mgmt\nlisten_allow = 127.0.0.1:9\n",
         "6: listen: 127.0.0.1:7443 is not allowed by [domain.api] listen_allow"},
    };
    char text[2048], err[512], want[600];
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vfd_config cfg;
        mgmt_text(text, sizeof(text), cases[i].text);
        snprintf(want, sizeof(want), "%s:%s", path, cases[i].want);
        if (load(&cfg, text, err, sizeof(err)) != -1 || strcmp(err, want) != 0) {
            print_error("case %zu:\n got  '%s'\n want '%s'\n", i, err, want);
            bad++;
        }
    }
    /* no listen at all */
    struct {
        const char *text, *want;
    } more[] = {
        {"[controller]\napps = hub\n[mgmt]\nadmins = a\n",
         ": [mgmt] needs a listen address (HOST:PORT, served over TLS)"},
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        struct vfd_config cfg;
        snprintf(want, sizeof(want), "%s%s", path, more[i].want);
        if (load(&cfg, more[i].text, err, sizeof(err)) != -1 || strcmp(err, want) != 0) {
            print_error("more %zu:\n got  '%s'\n want '%s'\n", i, err, want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* [cluster] with https:// endpoints: the client's key material is read and
 * checked like the others'; without tls_* it is refused. */
static void test_cluster_https(void **state)
{
    (void)state;
    struct vfd_config cfg;
    char text[2048], err[512], want[600];
    snprintf(text, sizeof(text),
             "[controller]\napps = hub\n[cluster]\nname = n1\n"
             "endpoints = https://127.0.0.1:2379, https://127.0.0.1:2380\n"
             "tls_key = %s\ntls_cert = %s\ntls_ca = %s\n",
             kpath, cpath, capath);
    if (load(&cfg, text, err, sizeof(err))) fail_msg("%s", err);
    assert_true(cfg.cluster.tls);
    assert_true(cfg.cluster.tls_conf.enabled && cfg.cluster.tls_conf.cert_len > 0);
    vfd_config_free(&cfg);
    snprintf(text, sizeof(text),
             "[controller]\napps = hub\n[cluster]\nname = n1\nendpoints = https://127.0.0.1:2379\n");
    assert_int_equal(load(&cfg, text, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s:5: endpoints: https:// needs tls_key in [cluster] (tls_key and tls_cert: the "
             "client certificate etcd asks for; tls_ca: the CA of its members)",
             path);
    assert_string_equal(err, want);
    /* a CA file that is not one */
    snprintf(text, sizeof(text),
             "[controller]\napps = hub\n[cluster]\nname = n1\nendpoints = https://127.0.0.1:2379\n"
             "tls_key = %s\ntls_cert = %s\ntls_ca = %s\n",
             kpath, cpath, kpath);
    assert_int_equal(load(&cfg, text, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tls_ca"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_pem, teardown_pem)
    const struct CMUnitTest tests[] = {T(test_mgmt_valid), T(test_mgmt_errors),
                                       T(test_cluster_https)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
