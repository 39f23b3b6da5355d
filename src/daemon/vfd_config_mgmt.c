/*
 * vfd_config_mgmt.c - the [mgmt] section: the management API, served over
 * TLS 1.3 with client certificates by the protection domain of kind mgmt.
 *
 *   listen = HOST:PORT      repeatable (at most VFD_MGMT_MAX_LISTEN)
 *   tls_key, tls_cert, tls_ca, tls_ciphersuites   as [controller]'s
 *   admins = CN, CN...      client certificate CNs that may change things
 *   viewers = CN, CN...     CNs that may only look
 *   max_clients, idle_timeout
 *
 * The PEM files are read and checked here (one server context is built from
 * them, so a bad key is an error naming file:line at start-up) and travel to
 * the domain in TLS_CONFIG. TLS 1.2 is not offered: there is no switch to be
 * compatible with, so tls_min_version and tls_ciphers are not keys here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

static const char *const mgmt_keys[] = {"listen",  "tls_key",     "tls_cert",     "tls_ca",
                                        "tls_ciphersuites", "admins", "viewers", "max_clients",
                                        "idle_timeout",     NULL};

/* A CN as it may travel (CONFIG value) and be compared: printable ASCII. */
static int cn_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VFD_MGMT_CN_MAX) return 0;
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e) return 0;
    return 1;
}

static int cn_list(struct vfd_config *cfg, const char *key, char **buf, const char **items,
                   size_t *n, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    const struct conf_entry *e = conf_find(c, "mgmt", key);
    *n = 0;
    if (!e) return 0;
    size_t cap = strlen(e->value) + 1;
    char *copy = malloc(cap);
    char *v[VFD_MGMT_MAX_CN];
    if (!copy) return -1;
    *buf = copy;
    if (conf_list(e, copy, cap, v, VFD_MGMT_MAX_CN, n, c->origin, err, errcap) != 0) return -1;
    for (size_t i = 0; i < *n; i++) {
        if (!cn_ok(v[i])) {
            snprintf(err, errcap, "%s:%u: %s: '%s' is not a CN (1..%d printable ASCII characters)",
                     c->origin, e->line, key, v[i], VFD_MGMT_CN_MAX);
            return -1;
        }
        items[i] = v[i];
    }
    return 0;
}

static int check_roles(const struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct vfd_mgmt_conf *m = &cfg->mgmt;
    const struct conf *c = &cfg->conf;
    const struct conf_entry *e = conf_find(c, "mgmt", "viewers");
    for (size_t i = 0; i < m->n_viewers; i++)
        for (size_t k = 0; k < m->n_admins; k++)
            if (!strcmp(m->viewers[i], m->admins[k])) {
                snprintf(err, errcap, "%s:%u: viewers: '%s' is an admin already (admins may view)",
                         c->origin, e->line, m->viewers[i]);
                return -1;
            }
    if (!m->n_admins && !m->n_viewers) {
        const struct conf_section *s = NULL;
        for (size_t i = 0; i < c->nsec && !s; i++)
            if (!strcmp(c->sec[i].name, "mgmt")) s = &c->sec[i];
        snprintf(err, errcap, "%s:%u: [mgmt] needs admins or viewers (client certificate CNs)",
                 c->origin, s ? s->line : 0);
        return -1;
    }
    return 0;
}

int vfd_config_mgmt(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    struct vfd_mgmt_conf *m = &cfg->mgmt;
    int present = 0;
    for (size_t i = 0; i < c->nsec; i++)
        present |= !strcmp(c->sec[i].name, "mgmt");
    if (!present) return 0;
    if (conf_check(c, NULL, "mgmt", mgmt_keys, err, errcap) != 0) return -1;
    m->enabled = 1;
    unsigned line = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_entry *e = &c->v[i];
        if (strcmp(e->section, "mgmt") != 0 || strcmp(e->key, "listen") != 0) continue;
        struct msg_addr a;
        char why[160] = "";
        if (m->n_listen == VFD_MGMT_MAX_LISTEN) {
            snprintf(err, errcap, "%s:%u: more than %d [mgmt] listen entries", c->origin, e->line,
                     VFD_MGMT_MAX_LISTEN);
            return -1;
        }
        if (brk_addr_parse(e->value, &a, why, sizeof(why)) != 0) {
            snprintf(err, errcap, "%s:%u: listen: %s", c->origin, e->line, why);
            return -1;
        }
        if (a.port == 0) {
            snprintf(err, errcap, "%s:%u: listen: '%s' needs a port (clients must know it)",
                     c->origin, e->line, e->value);
            return -1;
        }
        if (!line) line = e->line;
        m->listen_line[m->n_listen] = e->line;
        m->listen[m->n_listen++] = e->value;
    }
    if (!m->n_listen) {
        snprintf(err, errcap, "%s: [mgmt] needs a listen address (HOST:PORT, served over TLS)",
                 c->origin);
        return -1;
    }
    if (tls_conf_load(&m->tls, c, "mgmt", true, line, err, errcap) != 0) return -1;
    uint64_t maxc, idle;
    if (cn_list(cfg, "admins", &m->admins_buf, m->admins, &m->n_admins, err, errcap) != 0 ||
        cn_list(cfg, "viewers", &m->viewers_buf, m->viewers, &m->n_viewers, err, errcap) != 0 ||
        check_roles(cfg, err, errcap) != 0 ||
        conf_u64(c, "mgmt", "max_clients", 16, 1, 1024, &maxc, err, errcap) != 0 ||
        conf_ms(c, "mgmt", "idle_timeout", 30000, 100, 3600000, &idle, err, errcap) != 0)
        return -1;
    m->max_clients = (unsigned)maxc;
    m->idle_ms = (uint32_t)idle;
    return 0;
}

void vfd_config_mgmt_free(struct vfd_config *cfg)
{
    tls_conf_free(&cfg->mgmt.tls);
    free(cfg->mgmt.admins_buf);
    free(cfg->mgmt.viewers_buf);
}

/* The domain that serves [mgmt]: the one of kind mgmt, made with default
 * limits ("mgmt") when the file has no [domain.NAME] of that kind. */
int vfd_config_mgmt_domain(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    struct vfd_domain_conf *dc = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_domains; i++)
        if (cfg->domains[i].kind == MSG_KIND_MGMT) {
            dc = &cfg->domains[i];
            n++;
        }
    if (!cfg->mgmt.enabled) return 0;
    if (n > 1) {
        snprintf(err, errcap, "%s: [mgmt] is served by one domain of kind mgmt; %zu are configured",
                 c->origin, n);
        return -1;
    }
    for (size_t i = 0; i < cfg->mgmt.n_listen; i++) {
        struct msg_addr a;
        char why[160];
        brk_addr_parse(cfg->mgmt.listen[i], &a, why, sizeof(why)); /* parsed already */
        if (!brk_list_allows(&dc->policy.listen, &a)) {
            snprintf(err, errcap, "%s:%u: listen: %s is not allowed by [domain.%s] listen_allow",
                     c->origin, cfg->mgmt.listen_line[i], cfg->mgmt.listen[i], dc->name);
            return -1;
        }
    }
    return 0;
}
