/*
 * vfd_push.c - what a new incarnation of a domain is told, in this order:
 * HELLO (its kind, name and limits), (the of domain, when a listener is
 * ssl:, and the mgmt domain, with [mgmt]) TLS_CONFIG, its CONFIG set, and (the of domain) the live
 * APP_SOURCES set. The domain reads nothing else: every byte of
 * configuration, every app and the TLS key material reach it here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/vfd.h"

static int push_hello(struct vfd_domain *dom)
{
    const struct vfd_config *cfg = &dom->d->cfg;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.hello.version = MSG_VERSION;
    b.hello.kind = (uint8_t)dom->conf->kind;
    snprintf(b.hello.name, sizeof(b.hello.name), "%s", dom->conf->name);
    b.hello.mem_kib = (uint32_t)(cfg->lua_memory / 1024);
    b.hello.instr_budget = (uint32_t)cfg->lua_budget;
    b.hello.max_socks = (uint16_t)dom->conf->max_socks;
    /* without a monitor there is nothing to own: the domain learns it from
     * the missing mon.enabled entry, and the core refuses with ENODEV */
    b.hello.max_rules = cfg->mon.enabled ? (uint16_t)dom->conf->max_rules : 0;
    b.hello.heartbeat_ms = dom->conf->heartbeat_ms;
    return vfd_domain_send(dom, MSG_HELLO, 0, &b, NULL, 0);
}

/* One pass over the of domain's configuration: count it (emit NULL) or send
 * it. The set is small and bounded at load time (vfd_config.c). */
struct cfg_emit {
    struct vfd_domain *dom;
    uint16_t index, count;
    int failed;
};

static void emit(struct cfg_emit *e, const char *key, const char *value)
{
    if (e->dom && !e->failed) {
        union msg_body b;
        memset(&b, 0, sizeof(b));
        b.config.set = (struct msg_set_pos){1, e->index, e->count};
        snprintf(b.config.key, sizeof(b.config.key), "%s", key);
        snprintf(b.config.value, sizeof(b.config.value), "%s", value);
        e->failed = vfd_domain_send(e->dom, MSG_CONFIG, 0, &b, NULL, 0) != MSG_OK;
    }
    e->index++;
}

static void of_config(const struct vfd *d, struct cfg_emit *e)
{
    const struct vfd_config *cfg = &d->cfg;
    char key[MSG_APP_MAX + 1], num[24];
    for (size_t i = 0; i < cfg->n_of_num; i++) {
        snprintf(key, sizeof(key), "of.%s", cfg->of_num[i].key);
        snprintf(num, sizeof(num), "%" PRIu64, cfg->of_num[i].value);
        emit(e, key, num);
    }
    /* --check compiles the apps; it must not ask for the listeners of a
     * daemon that may be running. */
    for (size_t i = 0; !d->check_only && i < cfg->n_listen; i++)
        emit(e, "of.listen", cfg->listen[i]);
    for (size_t i = 0; i < cfg->n_apps; i++)
        for (size_t k = 0; k < cfg->apps[i].nkv; k++) {
            snprintf(key, sizeof(key), "app.%s.%s", cfg->apps[i].name, cfg->apps[i].kv[k].key);
            emit(e, key, cfg->apps[i].kv[k].value);
        }
    /* The monitor, for the rules module: that it exists, and each port's id,
     * guest interface and switch-side name (rules.ports() in Lua), so an app
     * can map a monitor port to an OpenFlow port by name. */
    if (!cfg->mon.enabled) return;
    emit(e, "mon.enabled", "1");
    for (size_t i = 0; i < cfg->mon.nports; i++) {
        const struct vfd_mon_port_conf *p = &cfg->mon.ports[i];
        char v[96];
        snprintf(v, sizeof(v), "%u %s %s", p->id, p->guest,
                 p->switch_port[0] ? p->switch_port : "-");
        emit(e, "mon.port", v);
    }
}

/* The management domain: [mgmt] (no listener under --check, as for of). */
static void mgmt_config(const struct vfd *d, struct cfg_emit *e)
{
    const struct vfd_mgmt_conf *m = &d->cfg.mgmt;
    char num[24];
    if (!m->enabled) return;
    for (size_t i = 0; !d->check_only && i < m->n_listen; i++)
        emit(e, "mgmt.listen", m->listen[i]);
    for (size_t i = 0; i < m->n_admins; i++)
        emit(e, "mgmt.admin", m->admins[i]);
    for (size_t i = 0; i < m->n_viewers; i++)
        emit(e, "mgmt.viewer", m->viewers[i]);
    snprintf(num, sizeof(num), "%u", m->max_clients);
    emit(e, "mgmt.max_clients", num);
    snprintf(num, sizeof(num), "%u", m->idle_ms);
    emit(e, "mgmt.idle_ms", num);
}

/* The cluster domain: [cluster]; and the of domain's part of it, the
 * instance name (which turns on roles and the cluster module). */
static void cluster_config(const struct vfd *d, struct cfg_emit *e)
{
    const struct vfd_cluster_conf *k = &d->cfg.cluster;
    char num[24];
    emit(e, "cluster.name", k->name);
    emit(e, "cluster.prefix", k->prefix);
    for (size_t i = 0; i < k->n_endpoints; i++)
        emit(e, "cluster.endpoint", k->endpoints[i]);
    emit(e, "cluster.tls", k->tls ? "1" : "0");
    snprintf(num, sizeof(num), "%u", k->lease_ttl);
    emit(e, "cluster.lease_ttl", num);
    snprintf(num, sizeof(num), "%u", k->timeout_ms);
    emit(e, "cluster.timeout_ms", num);
}

/* Every kind: the log level (the core drops what is above its own anyway;
 * this keeps a domain from sending it). */
static void all_config(struct vfd_domain *dom, struct cfg_emit *e)
{
    char level[4];
    snprintf(level, sizeof(level), "%d", (int)dom->d->cfg.log_level);
    emit(e, "log_level", level);
    if (dom->conf->kind == MSG_KIND_OF) of_config(dom->d, e);
    if (dom->conf->kind == MSG_KIND_MGMT) mgmt_config(dom->d, e);
    if (dom->conf->kind == MSG_KIND_CLUSTER) cluster_config(dom->d, e);
    if (dom->conf->kind == MSG_KIND_OF && dom->d->cfg.cluster.enabled)
        emit(e, "cluster.instance", dom->d->cfg.cluster.name);
}

static int push_config(struct vfd_domain *dom)
{
    struct cfg_emit e = {NULL, 0, 0, 0};
    all_config(dom, &e); /* count */
    e = (struct cfg_emit){dom, 0, e.index, 0};
    all_config(dom, &e);
    return e.failed ? MSG_FATAL : MSG_OK;
}

int vfd_push_apps(struct vfd_domain *dom, const struct vfd_appset *set, uint32_t gen)
{
    union msg_body b;
    uint16_t n = set ? (uint16_t)set->n : 0;
    memset(&b, 0, sizeof(b));
    b.app_source.set = (struct msg_set_pos){gen, 0, n};
    b.app_source.source = "";
    if (!n) return vfd_domain_send(dom, MSG_APP_SOURCES, 0, &b, NULL, 0) == MSG_OK ? 0 : -1;
    for (uint16_t i = 0; i < n; i++) {
        const struct vfd_app_src *a = &set->apps[i];
        b.app_source.set.index = i;
        snprintf(b.app_source.name, sizeof(b.app_source.name), "%s", a->name);
        snprintf(b.app_source.origin, sizeof(b.app_source.origin), "%s", a->origin);
        b.app_source.source = a->text;
        b.app_source.source_len = (uint32_t)a->len;
        if (vfd_domain_send(dom, MSG_APP_SOURCES, 0, &b, NULL, 0) != MSG_OK) return -1;
    }
    return 0;
}

_Static_assert(MSG_TLS_KEY_MAX == TLS_KEY_MAX && MSG_TLS_CERT_MAX == TLS_CERT_MAX &&
                   MSG_TLS_CA_MAX == TLS_CA_MAX && MSG_TLS_TEXT_MAX == TLS_CIPHERS_MAX,
               "what the core reads must fit TLS_CONFIG");

/* Before CONFIG, so the domain has its context when its listeners come: the
 * of domain's ([controller] tls_*), the mgmt domain's ([mgmt] tls_*).
 * --check starts no listener: the key stays with the core. */
static int push_tls(struct vfd_domain *dom)
{
    const struct tls_conf *t = dom->conf->kind == MSG_KIND_MGMT      ? &dom->d->cfg.mgmt.tls
                               : dom->conf->kind == MSG_KIND_CLUSTER ? &dom->d->cfg.cluster.tls_conf
                                                                     : &dom->d->cfg.tls;
    if (!t->enabled || dom->d->check_only) return MSG_OK;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    struct msg_tls_config *m = &b.tls_config;
    m->min_version = t->min_version;
    snprintf(m->ciphers, sizeof(m->ciphers), "%s", t->ciphers);
    snprintf(m->ciphersuites, sizeof(m->ciphersuites), "%s", t->ciphersuites);
    m->key = t->key, m->key_len = (uint32_t)t->key_len;
    m->cert = t->cert, m->cert_len = (uint32_t)t->cert_len;
    m->ca = t->ca, m->ca_len = (uint32_t)t->ca_len;
    return vfd_domain_send(dom, MSG_TLS_CONFIG, 0, &b, NULL, 0);
}

int vfd_push_start(struct vfd_domain *dom)
{
    if (push_hello(dom) != MSG_OK || push_tls(dom) != MSG_OK || push_config(dom) != MSG_OK)
        return -1;
    if (dom->conf->kind != MSG_KIND_OF) return 0;
    uint32_t gen;
    const struct vfd_appset *set = vfd_apps_for_start(dom->d, &gen);
    dom->app_gen_answered = gen - 1; /* this incarnation answers from gen on */
    return vfd_push_apps(dom, set, gen);
}
