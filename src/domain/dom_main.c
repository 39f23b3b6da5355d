/*
 * dom_main.c - visorflow-domain: main, and the dispatch table for what the
 * core sends. The first thing main does is sbx_enter, before a single byte
 * from the core is read; the limits it enters with are the ones the core
 * already set (it can only keep or lower them). After that the process can
 * no longer open, create or connect anything: it has fd 3.
 *
 * The core's messages are trusted no more than needed: each one is checked
 * by msg_dispatch against this table, and anything unexpected (a message
 * before HELLO, a set out of order) ends the domain, which the core then
 * restarts. A domain that cannot follow its core is of no use.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "domain/dom.h"
#include "lua/vlua.h"
#include "sbx/sbx.h"
#include "tls/tls.h"

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's exit-time scan (prctl, a ptrace thread) is not in the
 * allow-list: without this every sanitized domain would end by SIGSYS. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

#define CORE MSG_KBIT(MSG_KIND_CORE)

void dom_fatal(struct dom *d, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_error(&d->log, "domain", "fatal: %s", why);
    char err[MSG_ERR_MAX];
    msg_outq_flush(&d->out, d->fd, err, sizeof(err)); /* best effort: the line above */
    exit(2);
}

/* A TLS context from TLS_CONFIG's key material, for any kind (the of
 * domain's listeners, the mgmt server, the cluster's etcd client). The
 * payload r reads (the key's bytes) is scrubbed whatever the outcome; a
 * context the core built from the same settings and this side cannot is a
 * broken domain. */
struct tls_ctx *dom_tls_ctx(struct dom *d, const struct msg_tls_config *m, struct msg_r *r,
                            enum tls_role role)
{
    struct tls_settings s = {.key = m->key,
                             .cert = m->cert,
                             .ca = m->ca,
                             .key_len = m->key_len,
                             .cert_len = m->cert_len,
                             .ca_len = m->ca_len,
                             .min_version = m->min_version,
                             .ciphers = m->ciphers,
                             .ciphersuites = m->ciphersuites};
    char err[TLS_ERR_MAX];
    struct tls_ctx *x = tls_ctx_new(&s, role, NULL, err, sizeof(err));
    tls_scrub((void *)r->p, r->len);
    if (!x) dom_fatal(d, "TLS: %s (the core accepted the same settings)", err);
    return x;
}

/* One counter of a STATUS; nothing past MSG_STATS_MAX. */
void dom_status_put(struct msg_status *st, const char *key, uint64_t v)
{
    if (st->count >= MSG_STATS_MAX) return;
    snprintf(st->stats[st->count].key, sizeof(st->stats[0].key), "%s", key);
    st->stats[st->count++].value = v;
}

/* ---- timers ------------------------------------------------------------------------- */

static void heartbeat(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct dom *d = ctx;
    union msg_body b = {.heartbeat = {d->hb_seq++}};
    dom_send(d, MSG_HEARTBEAT, 0, &b, NULL, 0);
}

static void status(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct dom *d = ctx;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    if (d->hello.kind == MSG_KIND_OF) dom_of_status(d, &b.status);
    if (d->hello.kind == MSG_KIND_MGMT) dom_mgmt_status(d, &b.status);
    if (d->hello.kind == MSG_KIND_CLUSTER) dom_cluster_status(d, &b.status);
    struct msg_status *st = &b.status;
    if (st->count + 2 <= MSG_STATS_MAX) {
        dom_status_put(st, "sockets", d->n_socks);
        dom_status_put(st, "log_dropped", d->log_dropped);
    }
    dom_send(d, MSG_STATUS, 0, &b, NULL, 0);
}

/* ---- handlers -------------------------------------------------------------------------- */

static int h_hello(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    if (d->have_hello) return msg_r_fail(r, "a second HELLO");
    if (msg_dec_hello(r, &d->hello) != MSG_OK) return MSG_FATAL;
    d->have_hello = 1;
    if (d->hello.kind == MSG_KIND_OF && dom_of_start(d) != 0) dom_fatal(d, "out of memory");
    if (d->hello.kind == MSG_KIND_MGMT && dom_mgmt_start(d) != 0) dom_fatal(d, "out of memory");
    if (d->hello.kind == MSG_KIND_CLUSTER && dom_cluster_start(d) != 0)
        dom_fatal(d, "out of memory");
    /* The first heartbeat at once: the core counts the domain as running
     * from it. */
    d->hb_timer = ev_timer_add(d->loop, 0, d->hello.heartbeat_ms, heartbeat, d);
    d->status_timer = ev_timer_add(d->loop, DOM_STATUS_MS, DOM_STATUS_MS, status, d);
    return MSG_OK;
}

/* Sets arrive entry by entry in order: index 0 starts one, the last one
 * (or an empty set) completes it. Returns 1 when complete. */
static int set_step(struct msg_r *r, const struct msg_set_pos *s, uint32_t *gen, size_t *have,
                    const char *what)
{
    if (s->index == 0) {
        *gen = s->generation;
        *have = 0;
    } else if (s->generation != *gen || s->index != *have) {
        msg_r_fail(r, "%s entry %u of generation %u out of order (have %zu of %u)", what, s->index,
                   s->generation, *have, *gen);
        return -1;
    }
    return !s->count || s->index + 1 == s->count;
}

static void free_cfg(struct dom *d)
{
    for (size_t i = 0; i < d->ncfg; i++) {
        free(d->cfg[i].key);
        free(d->cfg[i].value);
    }
    d->ncfg = 0;
}

static int h_config(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_config m;
    if (msg_dec_config(r, &m) != MSG_OK) return MSG_FATAL;
    if (m.set.index == 0) free_cfg(d);
    int done = set_step(r, &m.set, &d->cfg_gen, &d->ncfg, "CONFIG");
    if (done < 0) return MSG_FATAL;
    if (m.set.count) {
        d->cfg[d->ncfg].key = strdup(m.key);
        d->cfg[d->ncfg].value = strdup(m.value);
        if (!d->cfg[d->ncfg].key || !d->cfg[d->ncfg].value) dom_fatal(d, "out of memory");
        d->ncfg++;
    }
    if (!done) return MSG_OK;
    for (size_t i = 0; i < d->ncfg; i++)
        if (!strcmp(d->cfg[i].key, "log_level") && d->cfg[i].value[0] >= '0' &&
            d->cfg[i].value[0] <= '3')
            log_set_level(&d->log, (enum log_level)(d->cfg[i].value[0] - '0'));
    d->configured = 1;
    if (d->hello.kind == MSG_KIND_CLUSTER) return dom_cluster_configure(d, r);
    return d->hello.kind == MSG_KIND_OF ? dom_of_configure(d, r) : dom_mgmt_configure(d, r);
}

static void free_apps(struct dom *d)
{
    for (size_t i = 0; i < d->napps; i++)
        free(d->apps[i].src);
    d->napps = 0;
}

static int h_apps(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_app_source m;
    if (msg_dec_app_source(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF) return msg_r_fail(r, "apps for a domain not of kind of");
    if (!d->configured) return msg_r_fail(r, "apps before the configuration");
    if (m.set.index == 0) free_apps(d);
    int done = set_step(r, &m.set, &d->app_gen, &d->napps, "APP_SOURCES");
    if (done < 0) return MSG_FATAL;
    if (m.set.count) {
        struct dom_app *a = &d->apps[d->napps];
        snprintf(a->name, sizeof(a->name), "%s", m.name);
        snprintf(a->origin, sizeof(a->origin), "%s", m.origin);
        a->src = malloc(m.source_len + 1);
        if (!a->src) dom_fatal(d, "out of memory");
        memcpy(a->src, m.source, m.source_len); /* m.source points into the payload */
        a->len = m.source_len;
        d->napps++;
    }
    if (!done) return MSG_OK;
    dom_of_load(d);
    free_apps(d);
    return MSG_OK;
}

static int h_sock_result(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    struct msg_socket_result m;
    if (msg_dec_socket_result(r, nfds, &m) != MSG_OK) return MSG_FATAL;
    return dom_sock_result(ctx, h->id, &m, fds, r);
}

static int h_accepted(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)nfds;
    struct dom *d = ctx;
    struct msg_sock_accepted m;
    if (msg_dec_sock_accepted(r, &m) != MSG_OK) return MSG_FATAL;
    return dom_sock_accepted(d, &m, fds, d->waiting);
}

static int h_tls(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_tls_config m;
    if (msg_dec_tls_config(r, &m) != MSG_OK) return MSG_FATAL;
    struct dom *d = ctx;
    if (d->hello.kind == MSG_KIND_CLUSTER) return dom_cluster_tls(d, &m, r);
    return d->hello.kind == MSG_KIND_MGMT ? dom_mgmt_tls(d, &m, r) : dom_of_tls(d, &m, r);
}

static int h_shutdown(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_shutdown m;
    if (msg_dec_shutdown(r, &m) != MSG_OK) return MSG_FATAL;
    log_info(&d->log, "domain", "shutting down on the core's request");
    dom_of_stop(d);
    dom_mgmt_stop(d);
    dom_cluster_stop(d);
    char err[MSG_ERR_MAX];
    msg_outq_flush(&d->out, d->fd, err, sizeof(err));
    exit(0);
}

static int h_ctl(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_ctl_request m;
    if (msg_dec_ctl_request(r, &m) != MSG_OK) return MSG_FATAL;
    return dom_ctl_request(ctx, h->id, &m, r);
}

static int h_rule_result(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    static struct msg_rule_result m; /* ~6 KiB: one domain, one thread */
    if (msg_dec_rule_result(r, &m) != MSG_OK) return MSG_FATAL;
    struct dom *d = ctx;
    if (d->hello.kind == MSG_KIND_MGMT) return dom_mgmt_rule_result(d, h->id, &m, r);
    return dom_rules_result(d, h->id, &m, r);
}

static int h_mgmt_reply(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_ctl_reply m;
    if (msg_dec_ctl_reply(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_MGMT) return msg_r_fail(r, "MGMT_REPLY for a domain of kind of");
    return dom_mgmt_reply(d, h->id, &m, r);
}

static int h_app_command(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_block m;
    if (msg_dec_block(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF) return msg_r_fail(r, "APP_COMMAND for a domain not of kind of");
    return dom_of_command(d, h->id, &m);
}

static int h_mon_event(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_mon_event m;
    if (msg_dec_mon_event(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF) return msg_r_fail(r, "drop event for a domain not of kind of");
    dom_rules_drop(d, &m);
    return MSG_OK;
}

/* The cluster's messages: the ones for the cluster domain, the ones for
 * the of domain; to the wrong kind they are nonsense from the core. */
static int h_cl_switch(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_cl_switch m;
    if (msg_dec_cl_switch(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_CLUSTER || !d->configured)
        return msg_r_fail(r, "CL_SWITCH for a domain that is not the configured cluster domain");
    return dom_cluster_switch(d, &m);
}

static int h_cl_write(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_cl_kv m;
    if (msg_dec_cl_kv(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_CLUSTER || !d->configured)
        return msg_r_fail(r, "CL_WRITE for a domain that is not the configured cluster domain");
    return dom_cluster_write(d, &m);
}

static int h_cl_role(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_cl_role m;
    if (msg_dec_cl_role(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF || !d->configured)
        return msg_r_fail(r, "CL_ROLE for a domain that is not the configured of domain");
    return dom_of_role(d, &m);
}

static int h_cl_event(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_cl_kv m;
    if (msg_dec_cl_kv(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF || !d->configured)
        return msg_r_fail(r, "CL_EVENT for a domain that is not the configured of domain");
    return dom_of_cluster_event(d, &m);
}

static int h_cl_state(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct dom *d = ctx;
    struct msg_cl_state m;
    if (msg_dec_cl_state(r, &m) != MSG_OK) return MSG_FATAL;
    if (d->hello.kind != MSG_KIND_OF || !d->configured)
        return msg_r_fail(r, "CL_STATE for a domain that is not the configured of domain");
    return dom_of_cluster_state(d, &m);
}

static const struct msg_handler dom_table[] = {
    {MSG_HELLO, CORE, h_hello},
    {MSG_CONFIG, CORE, h_config},
    {MSG_APP_SOURCES, CORE, h_apps},
    {MSG_SOCKET_RESULT, CORE, h_sock_result},
    {MSG_SOCK_ACCEPTED, CORE, h_accepted},
    {MSG_SHUTDOWN, CORE, h_shutdown},
    {MSG_CTL_REQUEST, CORE, h_ctl},
    {MSG_RULE_RESULT, CORE, h_rule_result},
    {MSG_MON_EVENT, CORE, h_mon_event},
    {MSG_TLS_CONFIG, CORE, h_tls},
    {MSG_MGMT_REPLY, CORE, h_mgmt_reply},
    {MSG_APP_COMMAND, CORE, h_app_command},
    {MSG_CL_SWITCH, CORE, h_cl_switch},
    {MSG_CL_WRITE, CORE, h_cl_write},
    {MSG_CL_ROLE, CORE, h_cl_role},
    {MSG_CL_EVENT, CORE, h_cl_event},
    {MSG_CL_STATE, CORE, h_cl_state},
    {0, 0, NULL},
};

void dom_handle(struct dom *d, const struct msg_hdr *h, const uint8_t *p, int *fds, int nfds)
{
    char err[MSG_ERR_MAX];
    if (!d->have_hello && h->type != MSG_HELLO) {
        msg_close_fds(fds, nfds);
        dom_fatal(d, "%s before HELLO", msg_type_name(h->type));
    }
    if (msg_dispatch(dom_table, MSG_KIND_CORE, d, h, p, fds, nfds, err, sizeof(err)) != MSG_OK)
        dom_fatal(d, "message from the core: %s", err);
}

/* The limits the core set, to enter the sandbox with (sbx_enter may only
 * lower them; the defaults would lower the open-file limit below what the
 * of domain needs). Read before the filter, which forbids prlimit64. */
static void current_limits(struct sbx_limits *lim)
{
    struct {
        int res;
        uint64_t *dst;
    } t[] = {{RLIMIT_AS, &lim->as_bytes},
             {RLIMIT_NOFILE, &lim->nofile},
             {RLIMIT_CPU, &lim->cpu_seconds},
             {RLIMIT_FSIZE, &lim->fsize_bytes}};
    sbx_limits_default(lim);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct rlimit rl;
        if (getrlimit(t[i].res, &rl) == 0)
            *t[i].dst = rl.rlim_max == RLIM_INFINITY ? SBX_UNLIMITED : rl.rlim_max;
    }
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv; /* argv[1] is the domain's name, for ps only */
    struct sbx_limits lim;
    char err[SBX_ERR_MAX];
    current_limits(&lim);
    /* Writes to a peer that went away return EPIPE; no handler can be
     * installed after sbx_enter (rt_sigaction is not allowed). */
    signal(SIGPIPE, SIG_IGN);
    /* OpenSSL's library set-up, without its configuration file, while
     * files could still be opened: after sbx_enter nothing TLS does needs
     * a system call outside the allow-list (docs/security.md). */
    if (tls_init(err, sizeof(err)) != 0) {
        dprintf(2, "visorflow-domain: TLS: %s\n", err);
        return 1;
    }
    /* The Lua watchdog's timer and handler, for the same reason: after
     * sbx_enter only the ticks' rt_sigreturn is allowed. Without it the apps
     * still run within their budget, only hooked from the first instruction
     * (slower). Started in every domain: one signal per 4 ms of CPU time is
     * nothing, and the kind is known only after HELLO. */
    if (vlua_watch_start(err, sizeof(err)) != 0)
        dprintf(2, "visorflow-domain: %s (Lua calls run hooked throughout)\n", err);
    if (sbx_enter(&lim, err, sizeof(err)) != 0) {
        dprintf(2, "visorflow-domain: sandbox: %s\n", err);
        return 1;
    }
    static struct dom d;
    d.fd = SBX_FD;
    d.fd_cap = lim.nofile == SBX_UNLIMITED ? 65536 : (size_t)lim.nofile;
    log_init(&d.log, LOG_LEVEL_INFO);
    log_set_sink(&d.log, dom_log_sink, &d);
    d.loop = ev_loop_new();
    d.rx = malloc(MSG_MAX_PAYLOAD);
    d.cfg = calloc(MSG_SET_MAX, sizeof(*d.cfg));
    d.apps = calloc(MSG_SET_MAX, sizeof(*d.apps));
    if (!d.loop || !d.rx || !d.cfg || !d.apps || dom_sock_init(&d) != 0) {
        dprintf(2, "visorflow-domain: out of memory\n");
        return 3;
    }
    dom_link_init(&d);
    ev_run(d.loop);
    return 0;
}
