/*
 * dom_of.c - the domain of kind "of": the OpenFlow controller engine (ofc)
 * with the Lua app host (lof), fed by what the core pushes. CONFIG carries
 * the engine's numbers ("of.KEY"), the listen addresses ("of.listen") and
 * each app's settings ("app.NAME.KEY"); APP_SOURCES the apps, which are
 * loaded as one set and answered with APP_RESULT. The listening sockets are
 * the core's: the domain registers them with SOCK_LISTEN and gets each
 * switch connection as a passed fd (SOCK_ACCEPTED), which the engine adopts.
 *
 * TLS terminates here: for "ssl:" listeners the core sends TLS_CONFIG (the
 * key material it read) before CONFIG; the domain builds its context from
 * those bytes in memory, scrubs them, and adopts each connection of such a
 * listener as TLS. It never opens a key file (it could not: no files).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk/brk.h"
#include "domain/dom.h"
#include "lof/lof.h"
#include "ofc/ofc.h"
#include "tls/tls.h"

#define OF_MAX_LISTEN 8

/* One registered listener: where its connections go. */
struct listen_req {
    struct dom *d;
    char text[BRK_TEXT_MAX];
    int tls;
};

struct dom_of {
    struct ofc_config ocfg;
    struct vlua_limits lim;
    struct ofc *ofc;
    struct lof *lof;
    struct tls_ctx *tls; /* from TLS_CONFIG, for the ssl: listeners */
    int tls_seen;
    struct listen_req lsn[OF_MAX_LISTEN];
    size_t nlsn;
    uint64_t loads_ok, loads_failed;
};

/* ---- host callbacks --------------------------------------------------------------- */

static void host_record(void *ctx, const char *app, const char *stream, const char *line)
{
    struct dom *d = ctx;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    if (strlen(line) > MSG_TEXT_MAX) {
        log_warn(&d->log, "records", "record of app %s longer than %d bytes dropped", app,
                 MSG_TEXT_MAX);
        return;
    }
    snprintf(b.record.app, sizeof(b.record.app), "%s", app);
    snprintf(b.record.stream, sizeof(b.record.stream), "%s", stream);
    snprintf(b.record.line, sizeof(b.record.line), "%s", line);
    dom_send(d, MSG_RECORD, 0, &b, NULL, 0);
}

static void host_open_env(void *ctx, lua_State *L, const char *app)
{
    (void)app;
    dom_lsock_open(ctx, L);
}

/* The engine closes a switch's fd: the core lets go of its copy. */
static void engine_closes(void *ctx, int fd)
{
    dom_sock_release(ctx, fd);
}

/* ---- listeners ----------------------------------------------------------------------- */

static void of_accept(void *ctx, uint32_t sock_id, int fd, const struct msg_addr *peer)
{
    (void)sock_id;
    struct listen_req *q = ctx;
    struct dom *d = q->d;
    char text[BRK_TEXT_MAX];
    brk_addr_format(peer, text, sizeof(text));
    /* on failure the close hook tells the core */
    if (q->tls)
        ofc_adopt_tls(d->of->ofc, fd, text, d->of->tls);
    else
        ofc_adopt_fd(d->of->ofc, fd, text);
}

static void listen_done(void *ctx, const struct msg_socket_result *r, int fd)
{
    (void)fd;
    struct listen_req *q = ctx;
    struct dom *d = q->d;
    if (r->error) {
        log_error(&d->log, "of", "listen on %s refused by the core: %s", q->text,
                  strerror((int)r->error));
    } else {
        dom_sock_listen_on(d, r->sock_id, of_accept, q, 0);
        log_info(&d->log, "of", "OpenFlow%s connections from %s (core socket %u)",
                 q->tls ? " over TLS" : "", q->text, r->sock_id);
    }
}

static int ask_listen(struct dom *d, const char *text, struct msg_r *r)
{
    struct dom_of *of = d->of;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    char why[160];
    const char *addr;
    int tls = tls_listen_scheme(text, &addr);
    if (tls < 0) return msg_r_fail(r, "of.listen '%.64s': unknown scheme", text);
    if (tls && !of->tls)
        return msg_r_fail(r, "of.listen '%.64s': no TLS_CONFIG came before the configuration",
                          text);
    if (brk_addr_parse(addr, &b.sock_listen.addr, why, sizeof(why)) != 0)
        return msg_r_fail(r, "of.listen '%.64s': %s", text, why);
    b.sock_listen.backlog = MSG_BACKLOG_MAX;
    struct listen_req *q = &of->lsn[of->nlsn++]; /* lives as long as the domain */
    q->d = d;
    q->tls = tls;
    snprintf(q->text, sizeof(q->text), "%s", addr);
    dom_sock_request(d, MSG_SOCK_LISTEN, &b, listen_done, q);
    return MSG_OK;
}

/* ---- TLS ------------------------------------------------------------------------------- */

int dom_of_tls(struct dom *d, struct msg_tls_config *m, struct msg_r *r)
{
    struct dom_of *of = d->of;
    if (!of) return msg_r_fail(r, "TLS settings for a domain of kind mgmt");
    if (of->tls_seen) return msg_r_fail(r, "a second TLS_CONFIG");
    if (d->configured) return msg_r_fail(r, "TLS_CONFIG after the configuration");
    of->tls_seen = 1;
    /* The key's bytes are in our receive buffer (the payload r reads): they
     * go now, whatever the outcome. The context keeps the parsed key. */
    of->tls = dom_tls_ctx(d, m, r, TLS_SERVER);
    char subj[160];
    tls_ctx_subject(of->tls, subj, sizeof(subj));
    log_info(&d->log, "of", "TLS ready: certificate %s, minimum TLS %s", subj,
             m->min_version == TLS_V13 ? "1.3" : "1.2");
    return MSG_OK;
}

/* ---- configuration -------------------------------------------------------------------- */

static int set_number(struct dom_of *of, const char *key, const char *value, struct msg_r *r)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || end == value || *end)
        return msg_r_fail(r, "of.%s: '%.32s' is not a number", key, value);
    struct ofc_config *c = &of->ocfg;
    if (!strcmp(key, "miss_send_len") && v <= 65535)
        c->miss_send_len = (uint16_t)v;
    else if (!strcmp(key, "echo_interval") && v <= UINT32_MAX)
        c->echo_interval_ms = (uint32_t)v;
    else if (!strcmp(key, "echo_timeout") && v <= UINT32_MAX)
        c->echo_timeout_ms = (uint32_t)v;
    else if (!strcmp(key, "handshake_timeout") && v <= UINT32_MAX)
        c->handshake_timeout_ms = (uint32_t)v;
    else if (!strcmp(key, "request_timeout") && v <= UINT32_MAX)
        c->request_timeout_ms = (uint32_t)v;
    else if (!strcmp(key, "out_buffer"))
        c->out_buf_cap = (size_t)v;
    else if (!strcmp(key, "max_bad_msgs") && v <= UINT32_MAX)
        c->max_bad_msgs = (uint32_t)v;
    /* Core and domain come from one build; a key one of them does not know
     * means they do not. */
    else
        return msg_r_fail(r, "CONFIG key 'of.%.40s' unknown or out of range", key);
    return MSG_OK;
}

int dom_of_start(struct dom *d)
{
    struct dom_of *of = calloc(1, sizeof(*of));
    if (!of) return -1;
    of->lim.mem_bytes = (size_t)d->hello.mem_kib * 1024;
    of->lim.instr_budget = d->hello.instr_budget;
    ofc_config_defaults(&of->ocfg);
    d->of = of;
    return 0;
}

/* "ID GUEST SWITCH_PORT" ("-": unknown), as vfd_push.c writes it. */
static int mon_port(const char *v, struct lof_mon_port *p, struct msg_r *r)
{
    char sw[16];
    unsigned id;
    memset(p, 0, sizeof(*p));
    if (sscanf(v, "%u %15s %15s", &id, p->guest, sw) != 3 || !id || id > MSG_PORT_ID_MAX)
        return msg_r_fail(r, "mon.port '%.64s' is not 'ID GUEST SWITCH_PORT'", v);
    p->id = (uint16_t)id;
    if (strcmp(sw, "-") != 0) memcpy(p->switch_port, sw, sizeof(sw));
    return MSG_OK;
}

/* mon.enabled and mon.port entries: whether the rules module has a monitor. */
static int mon_config(struct dom *d, struct msg_r *r)
{
    struct lof_mon_port *ports = calloc(LOF_MON_PORTS_MAX, sizeof(*ports));
    size_t n = 0;
    int enabled = 0;
    if (!ports) dom_fatal(d, "out of memory");
    for (size_t i = 0; i < d->ncfg; i++) {
        const char *k = d->cfg[i].key, *v = d->cfg[i].value;
        if (!strcmp(k, "mon.enabled")) {
            enabled = 1;
        } else if (!strcmp(k, "mon.port")) {
            if (n == LOF_MON_PORTS_MAX || mon_port(v, &ports[n++], r) != MSG_OK) {
                free(ports);
                return n == LOF_MON_PORTS_MAX ? msg_r_fail(r, "too many mon.port") : MSG_FATAL;
            }
        } else if (!strncmp(k, "mon.", 4)) {
            free(ports);
            return msg_r_fail(r, "CONFIG key '%.40s' unknown", k);
        }
    }
    if (lof_set_monitor(d->of->lof, enabled, ports, n) != 0) dom_fatal(d, "out of memory");
    free(ports);
    return MSG_OK;
}

int dom_of_configure(struct dom *d, struct msg_r *r)
{
    struct dom_of *of = d->of;
    const char *listen[OF_MAX_LISTEN], *instance = NULL;
    size_t nlisten = 0;
    for (size_t i = 0; i < d->ncfg; i++) {
        const char *k = d->cfg[i].key, *v = d->cfg[i].value;
        if (!strcmp(k, "cluster.instance")) {
            /* in a cluster: switches start as slaves (dom_of_cluster.c) */
            instance = v;
            of->ocfg.roles = 1;
        } else if (!strcmp(k, "of.listen")) {
            if (nlisten == OF_MAX_LISTEN)
                return msg_r_fail(r, "more than %d of.listen", OF_MAX_LISTEN);
            listen[nlisten++] = v;
        } else if (!strncmp(k, "of.", 3)) {
            if (set_number(of, k + 3, v, r) != MSG_OK) return MSG_FATAL;
        }
    }
    if (of->ofc) return mon_config(d, r); /* the engine exists: only the settings change */
    static const struct lof_host host = {.record = host_record,
                                         .open_env = host_open_env,
                                         .rule_request = dom_rules_request,
                                         .guest_notify = dom_guest_notify,
                                         .cluster_put = dom_of_cluster_put};
    of->lof = lof_new(d->loop, &d->log, &of->lim, &host, d);
    of->ofc = of->lof ? ofc_new(d->loop, &d->log, &of->ocfg, lof_ofc_handlers(), of->lof) : NULL;
    if (!of->ofc) dom_fatal(d, "cannot create the OpenFlow engine");
    lof_attach(of->lof, of->ofc);
    ofc_set_close_hook(of->ofc, engine_closes, d);
    if (instance) {
        ofc_set_role_hooks(of->ofc, dom_of_role_conn, dom_of_role_lost, d);
        if (lof_set_cluster(of->lof, 1, instance) != 0) dom_fatal(d, "out of memory");
    }
    for (size_t i = 0; i < nlisten; i++)
        if (ask_listen(d, listen[i], r) != MSG_OK) return MSG_FATAL;
    return mon_config(d, r);
}

/* ---- apps ----------------------------------------------------------------------------- */

int dom_of_load(struct dom *d)
{
    struct dom_of *of = d->of;
    struct lof_app_src src[MSG_SET_MAX];
    struct lof_kv *kv = calloc(d->ncfg ? d->ncfg : 1, sizeof(*kv));
    if (!kv) dom_fatal(d, "out of memory");
    size_t used = 0;
    for (size_t i = 0; i < d->napps; i++) {
        const struct dom_app *a = &d->apps[i];
        char prefix[MSG_APP_MAX + 8];
        size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "app.%s.", a->name);
        src[i] = (struct lof_app_src){a->name, a->origin, a->src, a->len, kv + used, 0};
        for (size_t k = 0; k < d->ncfg; k++)
            if (!strncmp(d->cfg[k].key, prefix, pl)) {
                kv[used++] = (struct lof_kv){d->cfg[k].key + pl, d->cfg[k].value};
                src[i].ncfg++;
            }
    }
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.app_result.generation = d->app_gen;
    if (lof_load(of->lof, src, d->napps, b.app_result.error, sizeof(b.app_result.error)) == 0) {
        of->loads_ok++;
        b.app_result.error[0] = '\0';
    } else {
        of->loads_failed++;
        if (!b.app_result.error[0]) snprintf(b.app_result.error, 32, "load failed");
    }
    free(kv);
    dom_send(d, MSG_APP_RESULT, 0, &b, NULL, 0);
    return 0;
}

/* ---- status and teardown ---------------------------------------------------------------- */

void dom_of_status(struct dom *d, struct msg_status *st)
{
    struct dom_of *of = d->of;
    if (!of || !of->ofc) return;
    struct ofc_counters c;
    struct lof_status ls;
    ofc_counters(of->ofc, &c);
    lof_status(of->lof, &ls);
    dom_status_put(st, "switches", ofc_switch_count(of->ofc));
    dom_status_put(st, "accepted", c.accepted);
    dom_status_put(st, "disconnects", c.disconnects);
    dom_status_put(st, "packet_ins", c.packet_ins);
    dom_status_put(st, "msgs_in", c.msgs_in);
    dom_status_put(st, "msgs_out", c.msgs_out);
    dom_status_put(st, "bad_msgs", c.bad_msgs);
    dom_status_put(st, "apps", ls.n_apps);
    dom_status_put(st, "generation", ls.generation);
    dom_status_put(st, "lua_mem", ls.mem_used);
    dom_status_put(st, "budget_trips", ls.budget_trips);
    dom_status_put(st, "mem_trips", ls.mem_trips);
    dom_status_put(st, "handler_errors", ls.handler_errors);
    dom_status_put(st, "loads_failed", of->loads_failed);
    dom_status_put(st, "mon_events", d->mon_events);
    dom_status_put(st, "mon_drops_delivered", ls.drops);
    dom_status_put(st, "rule_requests", d->n_rreqs);
    if (of->tls) {
        dom_status_put(st, "tls_handshakes", c.tls_handshakes);
        dom_status_put(st, "tls_failures", c.tls_failures);
    }
    dom_status_put(st, "guest_notes", ls.guest_notes);
}

struct ofc *dom_of_engine(struct dom *d)
{
    return d->of ? d->of->ofc : NULL;
}

struct lof *dom_of_host(struct dom *d)
{
    return d->of ? d->of->lof : NULL;
}

void dom_of_stop(struct dom *d)
{
    struct dom_of *of = d->of;
    if (!of) return;
    if (of->ofc) ofc_free(of->ofc); /* the apps see switch_down first */
    if (of->lof) lof_free(of->lof);
    tls_ctx_free(of->tls);
    free(of);
    d->of = NULL;
}

/* ---- operators' commands --------------------------------------------------------------- */

int dom_of_command(struct dom *d, uint32_t id, const struct msg_block *m)
{
    struct lof *l = dom_of_host(d);
    char target[32], text[512];
    msg_block_target(m, target, sizeof(target));
    struct lof_command cmd = {.name = m->command == MSG_BLOCK ? "block" : "unblock",
                              .target = target,
                              .is_mac = m->kind == MSG_BK_MAC,
                              .seconds = m->seconds};
    int error = 0;
    if (!l || !lof_command(l, &cmd, &error, text, sizeof(text))) {
        error = 1;
        snprintf(text, sizeof(text),
                 "no app answered '%s %s': none of the running apps has a command handler that "
                 "handles it",
                 cmd.name, target);
    }
    log_info(&d->log, "of", "command %s %s%s: %s%s", cmd.name, target,
             m->seconds ? " (with a duration)" : "", error ? "refused: " : "", text);
    dom_ctl_reply(d, id, error, text, strlen(text));
    return MSG_OK;
}
