/*
 * vfd_config_cluster.c - the [cluster] section: this instance's part in a
 * cluster of visorflow instances that share one defence through etcd
 * (docs/cluster.md). The etcd client runs in the protection domain of kind
 * cluster; the core only checks these settings and hands them over (CONFIG,
 * and TLS_CONFIG for https:// endpoints).
 *
 *   name = NODE               this instance, unique in the cluster
 *   endpoints = URL, URL...   http://IP:PORT or https://IP:PORT (one scheme)
 *   prefix = /visorflow       where in etcd's key space the cluster lives
 *   lease_ttl = 3             seconds: how long a dead instance stays master
 *   request_timeout = 2s      an etcd member that does not answer in time is
 *                             left for the next endpoint
 *   tls_key, tls_cert, tls_ca the client certificate etcd's
 *                             --client-cert-auth asks for, and the CA the
 *                             members' certificates chain to (https only)
 *
 * Endpoints are IP literals: the domain cannot resolve names (no files, no
 * sockets but the brokered ones), and resolving in the core would make a
 * DNS answer decide which peers the domain may reach.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

static const char *const cluster_keys[] = {"name",   "endpoints", "prefix",  "lease_ttl",
                                           "request_timeout", "tls_key", "tls_cert", "tls_ca",
                                           "tls_ciphersuites", NULL};

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VFD_CLUSTER_NAME_MAX) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* "/visorflow", "/a/b-c": a '/' then segments of [A-Za-z0-9_.-], no trailing '/'. */
static int prefix_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > VFD_CLUSTER_PFX_MAX || s[0] != '/' || s[n - 1] == '/') return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == '/' && s[i - 1] == '/') return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '/'))
            return 0;
    }
    return 1;
}

static int endpoints(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    struct vfd_cluster_conf *k = &cfg->cluster;
    const struct conf_entry *e = conf_find(c, "cluster", "endpoints");
    if (!e) {
        snprintf(err, errcap, "%s: [cluster] needs endpoints (http://IP:PORT of etcd members)",
                 c->origin);
        return -1;
    }
    size_t cap = strlen(e->value) + 1;
    char *items[VFD_CLUSTER_MAX_EP];
    if (!(k->endpoints_buf = malloc(cap))) return -1;
    if (conf_list(e, k->endpoints_buf, cap, items, VFD_CLUSTER_MAX_EP, &k->n_endpoints, c->origin,
                  err, errcap) != 0)
        return -1;
    if (!k->n_endpoints) {
        snprintf(err, errcap, "%s:%u: endpoints: none given", c->origin, e->line);
        return -1;
    }
    for (size_t i = 0; i < k->n_endpoints; i++) {
        char *u = items[i];
        int tls = !strncmp(u, "https://", 8);
        if (!tls && strncmp(u, "http://", 7) != 0) {
            snprintf(err, errcap, "%s:%u: endpoints: '%s' is not http://IP:PORT or https://IP:PORT",
                     c->origin, e->line, u);
            return -1;
        }
        if (i && tls != k->tls) {
            snprintf(err, errcap, "%s:%u: endpoints: http:// and https:// mixed", c->origin,
                     e->line);
            return -1;
        }
        k->tls = tls;
        char *addr = u + (tls ? 8 : 7);
        size_t al = strlen(addr);
        if (al && addr[al - 1] == '/') addr[--al] = '\0';
        struct msg_addr a;
        char why[160] = "";
        if (brk_addr_parse(addr, &a, why, sizeof(why)) != 0 || a.port == 0) {
            snprintf(err, errcap, "%s:%u: endpoints: '%s': %s (IP literals: names are not resolved)",
                     c->origin, e->line, u, why[0] ? why : "needs a port");
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(k->endpoints[j], addr)) {
                snprintf(err, errcap, "%s:%u: endpoints: '%s' given twice", c->origin, e->line, u);
                return -1;
            }
        k->endpoints[i] = addr;
    }
    return 0;
}

int vfd_config_cluster(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    struct vfd_cluster_conf *k = &cfg->cluster;
    int present = 0;
    unsigned line = 0;
    for (size_t i = 0; i < c->nsec; i++)
        if (!strcmp(c->sec[i].name, "cluster")) present = 1, line = c->sec[i].line;
    if (!present) return 0;
    if (conf_check(c, NULL, "cluster", cluster_keys, err, errcap) != 0) return -1;
    k->enabled = 1;
    const struct conf_entry *e = conf_find(c, "cluster", "name");
    if (!e || !name_ok(e->value)) {
        snprintf(err, errcap,
                 "%s:%u: [cluster] needs a name: 1..%d of A-Z a-z 0-9 _ - . (this instance, "
                 "unique in the cluster)",
                 c->origin, e ? e->line : line, VFD_CLUSTER_NAME_MAX);
        return -1;
    }
    snprintf(k->name, sizeof(k->name), "%s", e->value);
    e = conf_find(c, "cluster", "prefix");
    if (e && !prefix_ok(e->value)) {
        snprintf(err, errcap,
                 "%s:%u: prefix: '%s' is not /SEGMENT[/SEGMENT...] of A-Z a-z 0-9 _ - . (at most "
                 "%d bytes)",
                 c->origin, e->line, e->value, VFD_CLUSTER_PFX_MAX);
        return -1;
    }
    snprintf(k->prefix, sizeof(k->prefix), "%s", e ? e->value : "/visorflow");
    uint64_t ttl, tmo;
    /* etcd refuses leases shorter than 1.5 election timeouts (2 s with its
     * defaults): below 2 the grant would fail at every start. */
    if (conf_u64(c, "cluster", "lease_ttl", 3, 2, 3600, &ttl, err, errcap) != 0 ||
        conf_ms(c, "cluster", "request_timeout", 2000, 100, 60000, &tmo, err, errcap) != 0 ||
        endpoints(cfg, err, errcap) != 0)
        return -1;
    k->lease_ttl = (uint32_t)ttl;
    k->timeout_ms = (uint32_t)tmo;
    int have_tls = conf_find(c, "cluster", "tls_key") || conf_find(c, "cluster", "tls_cert") ||
                   conf_find(c, "cluster", "tls_ca");
    if (have_tls && !k->tls) {
        snprintf(err, errcap, "%s:%u: [cluster] tls_* keys need https:// endpoints", c->origin,
                 line);
        return -1;
    }
    unsigned ep_line = conf_find(c, "cluster", "endpoints")->line;
    static const char *const need[] = {"tls_key", "tls_cert", "tls_ca"};
    for (size_t i = 0; k->tls && i < 3; i++)
        if (!conf_find(c, "cluster", need[i])) {
            snprintf(err, errcap,
                     "%s:%u: endpoints: https:// needs %s in [cluster] (tls_key and tls_cert: the "
                     "client certificate etcd asks for; tls_ca: the CA of its members)",
                     c->origin, ep_line, need[i]);
            return -1;
        }
    if (k->tls && tls_conf_load(&k->tls_conf, c, "cluster", true, ep_line, err, errcap) != 0)
        return -1;
    return 0;
}

void vfd_config_cluster_free(struct vfd_config *cfg)
{
    tls_conf_free(&cfg->cluster.tls_conf);
    free(cfg->cluster.endpoints_buf);
}

/* The domain that runs [cluster]: one of kind cluster, allowed to reach
 * every endpoint. */
int vfd_config_cluster_domain(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    const struct vfd_domain_conf *dc = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_domains; i++)
        if (cfg->domains[i].kind == MSG_KIND_CLUSTER) dc = &cfg->domains[i], n++;
    if (!cfg->cluster.enabled) {
        if (n) {
            snprintf(err, errcap, "%s: [domain.%s] of kind cluster without a [cluster] section",
                     c->origin, dc->name);
            return -1;
        }
        return 0;
    }
    if (n > 1) {
        snprintf(err, errcap, "%s: [cluster] is run by one domain of kind cluster; %zu are configured",
                 c->origin, n);
        return -1;
    }
    for (size_t i = 0; i < cfg->cluster.n_endpoints; i++) {
        struct msg_addr a;
        char why[160];
        brk_addr_parse(cfg->cluster.endpoints[i], &a, why, sizeof(why)); /* parsed already */
        if (!brk_list_allows(&dc->policy.connect, &a)) {
            snprintf(err, errcap, "%s: endpoint %s is not allowed by [domain.%s] connect_allow",
                     c->origin, cfg->cluster.endpoints[i], dc->name);
            return -1;
        }
    }
    return 0;
}
