/*
 * vfd_config_dom.c - the [domain.NAME] sections: which protection domains
 * the core runs, with what limits, and which sockets each may ask for. The
 * "of" domain (the OpenFlow controller with its Lua apps) always exists and
 * is configured by [controller]; [domain.of] only adjusts its sandbox. Every
 * other domain needs a section naming its kind.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"
#include "lib/sock.h"

static const char *const dom_keys[] = {
    "kind",         "binary",        "args",      "stderr",
    "memory",       "nofile",        "cpu",       "max_socks",
    "listen_allow", "connect_allow", "heartbeat", "heartbeat_timeout",
    "restart_min",  "restart_max",   "max_rules", NULL};

#define DOM_HEALTHY_MS 10000 /* alive this long: the next restart is quick again */

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MSG_NAME_MAX) return 0;
    for (; *s; s++)
        if (!(*s == '_' || *s == '-' || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static void dom_defaults(struct vfd_domain_conf *dc, const char *name, int kind, const char *self)
{
    memset(dc, 0, sizeof(*dc));
    snprintf(dc->name, sizeof(dc->name), "%s", name);
    dc->kind = kind;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", self);
    snprintf(dc->binary, sizeof(dc->binary), "%s/visorflow-domain", dirname(dir));
    sbx_limits_default(&dc->limits);
}

/* The numbers of one section; names below are the keys. */
static int dom_numbers(const struct conf *c, const char *sec, struct vfd_domain_conf *dc, char *err,
                       size_t errcap)
{
    uint64_t mem, nofile, cpu, socks, hb, hbt, rmin, rmax, rules;
    /* The of domain serves one socket per switch: 4096 leaves room for the
     * 1,000-switch case and then some; the default of sbx (256) would not. */
    uint64_t def_nofile = dc->kind == MSG_KIND_OF ? 4096 : 256;
    if (conf_size(c, sec, "memory", 256u << 20, 16u << 20, 1ull << 40, &mem, err, errcap) ||
        conf_u64(c, sec, "nofile", def_nofile, 16, 1u << 20, &nofile, err, errcap) ||
        conf_u64(c, sec, "cpu", 0, 0, 1u << 30, &cpu, err, errcap) ||
        conf_u64(c, sec, "max_socks", nofile - 16 > 65535 ? 65535 : nofile - 16, 1, 65535, &socks,
                 err, errcap) ||
        conf_ms(c, sec, "heartbeat", 500, 10, 3600000, &hb, err, errcap) ||
        conf_ms(c, sec, "heartbeat_timeout", hb * 10 > 5000 ? hb * 10 : 5000, 20, 36000000, &hbt,
                err, errcap) ||
        conf_ms(c, sec, "restart_min", 50, 1, 60000, &rmin, err, errcap) ||
        conf_ms(c, sec, "restart_max", 5000, 1, 3600000, &rmax, err, errcap) ||
        /* monitor rules: only the of domain asks for them (RULE_* from mgmt is fatal) */
        conf_u64(c, sec, "max_rules", dc->kind == MSG_KIND_OF ? 1024 : 0, 0, 65535, &rules, err,
                 errcap))
        return -1;
    const struct conf_entry *e;
    if (hbt < 2 * hb) {
        e = conf_find(c, sec, "heartbeat_timeout");
        snprintf(err, errcap, "%s:%u: heartbeat_timeout must be at least twice heartbeat",
                 c->origin, e ? e->line : 0);
        return -1;
    }
    if (rmax < rmin) {
        e = conf_find(c, sec, "restart_max");
        snprintf(err, errcap, "%s:%u: restart_max is below restart_min", c->origin,
                 e ? e->line : 0);
        return -1;
    }
    if (socks + 8 > nofile) {
        e = conf_find(c, sec, "max_socks");
        snprintf(err, errcap, "%s:%u: max_socks needs nofile of at least max_socks + 8", c->origin,
                 e ? e->line : 0);
        return -1;
    }
    dc->limits.as_bytes = mem;
    dc->limits.nofile = nofile;
    dc->limits.cpu_seconds = cpu ? cpu : SBX_UNLIMITED;
    dc->max_socks = (unsigned)socks;
    dc->max_rules = (unsigned)rules;
    dc->heartbeat_ms = (uint32_t)hb;
    dc->heartbeat_timeout_ms = (uint32_t)hbt;
    dc->restart_min_ms = (uint32_t)rmin;
    dc->restart_max_ms = (uint32_t)rmax;
    dc->healthy_ms = DOM_HEALTHY_MS;
    return 0;
}

static int dom_text(struct vfd_config *cfg, const char *sec, struct vfd_domain_conf *dc, char *err,
                    size_t errcap)
{
    const struct conf *c = &cfg->conf;
    const struct conf_entry *e = conf_find(c, sec, "binary");
    if (e) {
        if (e->value[0] != '/' || strlen(e->value) >= sizeof(dc->binary)) {
            snprintf(err, errcap, "%s:%u: binary: '%s' is not an absolute path", c->origin, e->line,
                     e->value);
            return -1;
        }
        snprintf(dc->binary, sizeof(dc->binary), "%s", e->value);
    }
    e = conf_find(c, sec, "args");
    if (e) {
        /* The items point into a copy kept by the domain table: the argv
         * strings must outlive this function. */
        char *copy = strdup(e->value), *save = NULL;
        if (!copy) return -1;
        for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            if (dc->nargs == VFD_MAX_ARGS) {
                snprintf(err, errcap, "%s:%u: args: more than %d words", c->origin, e->line,
                         VFD_MAX_ARGS);
                free(copy);
                return -1;
            }
            dc->args[dc->nargs++] = t;
        }
        dc->args_buf = copy;
    }
    e = conf_find(c, sec, "stderr");
    if (e && strcmp(e->value, "inherit") != 0 && strcmp(e->value, "null") != 0) {
        snprintf(err, errcap, "%s:%u: stderr: '%s' is not null or inherit", c->origin, e->line,
                 e->value);
        return -1;
    }
    dc->stderr_inherit = e && strcmp(e->value, "inherit") == 0;
    int have_listen = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].section, sec) != 0) continue;
        int is_listen = strcmp(c->v[i].key, "listen_allow") == 0;
        if (!is_listen && strcmp(c->v[i].key, "connect_allow") != 0) continue;
        have_listen |= is_listen;
        if (brk_list_add(is_listen ? &dc->policy.listen : &dc->policy.connect, &c->v[i], c->origin,
                         err, errcap) != 0)
            return -1;
    }
    /* By default the controller may listen where [controller] says, and
     * nowhere else. */
    for (size_t i = 0; !have_listen && dc->kind == MSG_KIND_OF && i < cfg->n_listen; i++)
        brk_rule_parse(cfg->listen_addr[i], &dc->policy.listen.v[dc->policy.listen.n++], err,
                       errcap);
    /* the cluster domain may connect to its etcd endpoints */
    int have_connect = 0;
    for (size_t i = 0; i < c->n; i++)
        have_connect |= !strcmp(c->v[i].section, sec) && !strcmp(c->v[i].key, "connect_allow");
    for (size_t i = 0; !have_connect && dc->kind == MSG_KIND_CLUSTER && i < cfg->cluster.n_endpoints;
         i++)
        brk_rule_parse(cfg->cluster.endpoints[i], &dc->policy.connect.v[dc->policy.connect.n++],
                       err, errcap);
    /* and the management domain where [mgmt] says */
    for (size_t i = 0; !have_listen && dc->kind == MSG_KIND_MGMT && i < cfg->mgmt.n_listen; i++)
        brk_rule_parse(cfg->mgmt.listen[i], &dc->policy.listen.v[dc->policy.listen.n++], err,
                       errcap);
    return 0;
}

/* Every [controller] listen address parses and is allowed to the of domain. */
static int check_listen(struct vfd_config *cfg, const struct vfd_domain_conf *of, char *err,
                        size_t errcap)
{
    const struct conf *c = &cfg->conf;
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_entry *e = &c->v[i];
        if (strcmp(e->section, "controller") != 0 || strcmp(e->key, "listen") != 0) continue;
        struct msg_addr a;
        char why[SOCK_ERR_MAX];
        const char *addr;
        if (tls_listen_scheme(e->value, &addr) < 0) continue; /* refused already */
        if (brk_addr_parse(addr, &a, why, sizeof(why)) != 0) {
            snprintf(err, errcap, "%s:%u: listen: %s", c->origin, e->line, why);
            return -1;
        }
        if (!brk_list_allows(&of->policy.listen, &a)) {
            snprintf(err, errcap, "%s:%u: listen: %s is not allowed by [domain.of] listen_allow",
                     c->origin, e->line, addr);
            return -1;
        }
    }
    return 0;
}

static int dom_kind(const struct conf *c, const char *sec, const char *name, int *kind, char *err,
                    size_t errcap)
{
    const struct conf_entry *e = conf_find(c, sec, "kind");
    int is_of = strcmp(name, "of") == 0;
    if (!e) {
        if (is_of) return *kind = MSG_KIND_OF, 0;
        const struct conf_section *s = NULL;
        for (size_t i = 0; i < c->nsec && !s; i++)
            if (strcmp(c->sec[i].name, sec) == 0) s = &c->sec[i];
        snprintf(err, errcap, "%s:%u: [%s] needs a kind (of, mgmt, cluster)", c->origin,
                 s ? s->line : 0, sec);
        return -1;
    }
    if (strcmp(e->value, "mgmt") == 0 && !is_of) return *kind = MSG_KIND_MGMT, 0;
    if (strcmp(e->value, "cluster") == 0 && !is_of) return *kind = MSG_KIND_CLUSTER, 0;
    if (strcmp(e->value, "of") == 0 && is_of) return *kind = MSG_KIND_OF, 0;
    if (strcmp(e->value, "of") == 0 || strcmp(e->value, "mgmt") == 0)
        snprintf(err, errcap,
                 "%s:%u: kind: the controller is [domain.of], the only domain of kind of",
                 c->origin, e->line);
    else
        snprintf(err, errcap, "%s:%u: kind: '%s' is not of, mgmt or cluster", c->origin, e->line,
                 e->value);
    return -1;
}

int vfd_config_domains(struct vfd_config *cfg, const char *self, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    dom_defaults(&cfg->domains[0], "of", MSG_KIND_OF, self);
    cfg->n_domains = 1;
    for (size_t k = 0; k < c->nsec; k++) {
        const char *sec = c->sec[k].name;
        if (strncmp(sec, "domain.", 7) != 0) continue;
        const char *name = sec + 7;
        if (!valid_name(name)) {
            snprintf(err, errcap, "%s:%u: [%s]: a domain name is 1..%d of a-z, 0-9, _, -",
                     c->origin, c->sec[k].line, sec, MSG_NAME_MAX);
            return -1;
        }
        struct vfd_domain_conf *dc = NULL;
        for (size_t i = 0; i < cfg->n_domains; i++)
            if (strcmp(cfg->domains[i].name, name) == 0) dc = &cfg->domains[i];
        if (dc && strcmp(name, "of") != 0) {
            snprintf(err, errcap, "%s:%u: [%s] appears twice", c->origin, c->sec[k].line, sec);
            return -1;
        }
        if (!dc) {
            if (cfg->n_domains == VFD_MAX_DOMAINS) {
                snprintf(err, errcap, "%s:%u: more than %d domains", c->origin, c->sec[k].line,
                         VFD_MAX_DOMAINS);
                return -1;
            }
            dc = &cfg->domains[cfg->n_domains++];
        }
        int kind;
        if (conf_check(c, NULL, sec, dom_keys, err, errcap) != 0 ||
            dom_kind(c, sec, name, &kind, err, errcap) != 0)
            return -1;
        if (strcmp(name, "of") != 0) dom_defaults(dc, name, kind, self);
    }
    /* [mgmt] without a [domain.NAME] of kind mgmt: one named mgmt, with the
     * default limits (vfd_config_mgmt_domain checks the rest). */
    int have_mgmt = 0;
    for (size_t i = 0; i < cfg->n_domains; i++)
        have_mgmt |= cfg->domains[i].kind == MSG_KIND_MGMT;
    if (cfg->mgmt.enabled && !have_mgmt) {
        if (cfg->n_domains == VFD_MAX_DOMAINS) {
            snprintf(err, errcap, "%s: [mgmt] needs a domain, and %d are configured already",
                     c->origin, VFD_MAX_DOMAINS);
            return -1;
        }
        dom_defaults(&cfg->domains[cfg->n_domains++], "mgmt", MSG_KIND_MGMT, self);
    }
    /* [cluster] likewise: one named cluster */
    int have_cluster = 0;
    for (size_t i = 0; i < cfg->n_domains; i++)
        have_cluster |= cfg->domains[i].kind == MSG_KIND_CLUSTER;
    if (cfg->cluster.enabled && !have_cluster) {
        if (cfg->n_domains == VFD_MAX_DOMAINS) {
            snprintf(err, errcap, "%s: [cluster] needs a domain, and %d are configured already",
                     c->origin, VFD_MAX_DOMAINS);
            return -1;
        }
        dom_defaults(&cfg->domains[cfg->n_domains++], "cluster", MSG_KIND_CLUSTER, self);
    }
    for (size_t i = 0; i < cfg->n_domains; i++) {
        struct vfd_domain_conf *dc = &cfg->domains[i];
        char sec[MSG_NAME_MAX + 8];
        snprintf(sec, sizeof(sec), "domain.%s", dc->name);
        if (dom_numbers(c, sec, dc, err, errcap) != 0 || dom_text(cfg, sec, dc, err, errcap) != 0)
            return -1;
    }
    return check_listen(cfg, &cfg->domains[0], err, errcap);
}
