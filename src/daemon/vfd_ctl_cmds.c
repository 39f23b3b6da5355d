/*
 * vfd_ctl_cmds.c - the control commands: status, flows DPID, reload (the
 * monitor's rule, stats and ports are vfd_ctl_mon.c's). Text for people,
 * --json for scripts.
 *
 * The core answers for itself (its pid, each domain's pid, state, restarts
 * and last exit, the counters of its last STATUS) and asks a domain for what
 * only the domain knows (switches, ports, apps, flow tables) with a
 * CTL_REQUEST. A domain's words are kept apart from the core's: its text
 * lines are indented under its own heading, so it cannot forge a line of the
 * core's; its JSON is placed under "detail" only after a lexical check that
 * it is one closed object (vfd_json_contained), so it cannot close the
 * core's object and add keys of its own. Neither is parsed further.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"
#include "lib/buf.h"
#include "lib/json.h"

#define DETAIL_MAX (8u << 20) /* one domain's JSON detail */
#define JSON_DEPTH 64

int vfd_json_contained(const char *p, size_t n)
{
    char stack[JSON_DEPTH];
    int depth = 0, in_str = 0, closed = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (in_str) {
            if (c < 0x20) return 0;
            if (c == '\\' && ++i == n) return 0;
            if (c == '"') in_str = 0;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
        if (closed || c < 0x20 || (i == 0 && c != '{')) return 0;
        if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (depth == JSON_DEPTH) return 0;
            stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (!depth || stack[--depth] != c) return 0;
            closed = depth == 0;
        }
    }
    return closed && !in_str;
}

/* DPID as 16 hex digits, with or without colons, or 0x-prefixed hex. */
static int parse_dpid(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    for (; *s; s++) {
        if (*s == ':') continue;
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        if (++digits > 16) return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (!digits) return -1;
    *out = v;
    return 0;
}

/* ---- status ----------------------------------------------------------------------- */

struct status_job {
    struct ctl_client *cl;
    struct vfd *d;
    int json;
    size_t next;       /* next domain to report */
    int line_start;    /* text: the next domain byte starts a line */
    struct buf detail; /* JSON: the domain's object, checked before use */
    int too_big;
};

static void domain_heading(struct status_job *j, const struct vfd_domain *dom)
{
    uint64_t now = ev_now_ms(j->d->loop);
    uint64_t up = dom->pid > 0 ? (now - dom->started_ms) / 1000 : 0;
    char exit_text[2 * sizeof(dom->last_exit)];
    const char *kind = msg_kind_name(dom->conf->kind), *state = vfd_dom_state_name(dom->state);
    struct brk_counters bc;
    brk_counters(dom->brk, &bc);
    if (j->json) {
        ctl_printf(j->cl,
                   "%s{\"name\":\"%s\",\"kind\":\"%s\",\"pid\":%d,\"state\":\"%s\","
                   "\"restarts\":%u,\"uptime_s\":%" PRIu64 ",\"last_exit\":\"%s\",",
                   j->next > 1 ? "," : "", dom->conf->name, kind, (int)dom->pid, state,
                   dom->restarts, up, json_escape(exit_text, sizeof(exit_text), dom->last_exit));
        ctl_printf(j->cl,
                   "\"sockets\":{\"open\":%zu,\"held_listeners\":%zu,\"accepted\":%" PRIu64
                   ",\"connects\":%" PRIu64 ",\"denied\":%" PRIu64 "},\"reported\":{",
                   bc.open, bc.held, bc.accepted, bc.connects, bc.denied);
        for (unsigned i = 0; i < dom->stats.count; i++)
            ctl_printf(j->cl, "%s\"%s\":%" PRIu64, i ? "," : "", dom->stats.stats[i].key,
                       dom->stats.stats[i].value);
        ctl_printf(j->cl, "},\"detail\":");
        return;
    }
    ctl_printf(j->cl, "domain %s: kind %s pid %d state %s restarts %u up %" PRIu64 "s\n",
               dom->conf->name, kind, (int)dom->pid, state, dom->restarts, up);
    if (dom->last_exit[0]) ctl_printf(j->cl, "  last exit: %s\n", dom->last_exit);
    ctl_printf(j->cl,
               "  sockets: %zu open, %zu listeners held; accepted %" PRIu64 ", connects %" PRIu64
               ", denied by policy %" PRIu64 "\n",
               bc.open, bc.held, bc.accepted, bc.connects, bc.denied);
    if (dom->stats.count) {
        ctl_printf(j->cl, "  reported:");
        for (unsigned i = 0; i < dom->stats.count; i++)
            ctl_printf(j->cl, " %s=%" PRIu64, dom->stats.stats[i].key, dom->stats.stats[i].value);
        ctl_printf(j->cl, "\n");
    }
}

static void status_chunk(void *ctx, const struct msg_ctl_reply *chunk, unsigned seq,
                         const char *reason);

/* Report the remaining domains; async: called from an answer (the client
 * waits), not from cmd_status itself (which must not end its client). */
static void status_next(struct status_job *j, int async)
{
    while (j->next < j->d->n_domains) {
        struct vfd_domain *dom = &j->d->domains[j->next++];
        domain_heading(j, dom);
        j->line_start = 1;
        buf_free(&j->detail);
        buf_init(&j->detail, DETAIL_MAX);
        j->too_big = 0;
        struct msg_ctl_request rq = {.command = MSG_CTL_STATUS, .json = (uint8_t)j->json};
        if (dom->state == VFD_DOM_RUNNING &&
            vfd_domain_ctl(dom, &rq, status_chunk, j, j->cl) == 0) {
            if (!async) ctl_reply_wait(j->cl);
            return; /* continued in status_chunk */
        }
        ctl_printf(j->cl, j->json ? "null}" : "");
    }
    struct ctl_client *cl = j->cl;
    if (j->json) ctl_printf(cl, "]}\n");
    buf_free(&j->detail);
    free(j);
    if (async) ctl_reply_done(cl);
}

/* Text of a domain: each of its lines indented two spaces by the core. */
static void indent_write(struct status_job *j, const char *p, size_t n)
{
    while (n) {
        if (j->line_start) ctl_write(j->cl, "  ", 2);
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) + 1 : n;
        ctl_write(j->cl, p, k);
        j->line_start = nl != NULL;
        p += k;
        n -= k;
    }
}

static void status_chunk(void *ctx, const struct msg_ctl_reply *chunk, unsigned seq,
                         const char *reason)
{
    (void)seq;
    struct status_job *j = ctx;
    if (!chunk && !reason) { /* the client went away */
        buf_free(&j->detail);
        free(j);
        return;
    }
    if (!chunk) {
        if (j->json)
            ctl_printf(j->cl, "null}");
        else
            ctl_printf(j->cl, "%s  (no detail: %s)\n", j->line_start ? "" : "\n", reason);
        status_next(j, 1);
        return;
    }
    if (!j->json) {
        indent_write(j, chunk->text, chunk->text_len);
    } else if (buf_append(&j->detail, chunk->text, chunk->text_len) != BUF_OK) {
        j->too_big = 1;
    }
    if (!chunk->final) return;
    if (j->json) {
        int ok = !chunk->error && !j->too_big &&
                 vfd_json_contained((const char *)buf_data(&j->detail), buf_len(&j->detail));
        if (ok)
            ctl_write(j->cl, (const char *)buf_data(&j->detail), buf_len(&j->detail));
        else
            log_warn(&j->d->log, "ctl",
                     "status detail of domain %s is not one JSON object: "
                     "left out",
                     j->d->domains[j->next - 1].conf->name);
        ctl_printf(j->cl, ok ? "}" : "null}");
    } else if (!j->line_start) {
        ctl_write(j->cl, "\n", 1);
    }
    status_next(j, 1);
}

static void cmd_status(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct status_job *j = calloc(1, sizeof(*j));
    if (!j) {
        ctl_printf(cl, "ERR out of memory\n");
        return;
    }
    *j = (struct status_job){.cl = cl, .d = d, .json = json};
    buf_init(&j->detail, DETAIL_MAX);
    uint64_t up = (ev_now_ms(d->loop) - d->started_ms) / 1000;
    char err[2 * sizeof(d->last_reload_error)];
    ctl_printf(cl, "OK\n");
    if (json) {
        ctl_printf(cl,
                   "{\"pid\":%d,\"uptime_s\":%" PRIu64 ",\"reloads_ok\":%u,\"reloads_failed\":%u,"
                   "\"last_reload_error\":\"%s\",\"domains\":[",
                   (int)getpid(), up, d->reloads_ok, d->reloads_failed,
                   json_escape(err, sizeof(err), d->last_reload_error));
    } else {
        ctl_printf(cl, "visorflowd pid %d up %" PRIu64 "s\n", (int)getpid(), up);
        ctl_printf(cl, "app reloads: ok %u, failed %u\n", d->reloads_ok, d->reloads_failed);
        if (d->last_reload_error[0])
            ctl_printf(cl, "last reload error: %s\n", d->last_reload_error);
    }
    status_next(j, 0);
}

/* ---- flows ------------------------------------------------------------------------- */

/* The domain's answer goes to the client as it is, under the core's
 * OK / ERR line. */
static void flows_chunk(void *ctx, const struct msg_ctl_reply *chunk, unsigned seq,
                        const char *reason)
{
    struct ctl_client *cl = ctx;
    if (!chunk && !reason) return; /* the client went away */
    if (!chunk) {
        if (seq == 0)
            ctl_printf(cl, "ERR %s\n", reason);
        else
            ctl_printf(cl, "\n(answer cut short: %s)\n", reason);
        ctl_reply_done(cl);
        return;
    }
    if (seq == 0) ctl_printf(cl, chunk->error ? "ERR " : "OK\n");
    ctl_write(cl, chunk->text, chunk->text_len);
    if (chunk->final) ctl_reply_done(cl);
}

static void cmd_flows(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc;
    struct vfd *d = ctl_daemon(cl);
    struct msg_ctl_request rq = {.command = MSG_CTL_FLOWS, .json = (uint8_t)json};
    if (parse_dpid(argv[0], &rq.dpid) != 0) {
        ctl_printf(cl, "ERR bad DPID '%.32s' (up to 16 hex digits, colons allowed)\n", argv[0]);
        return;
    }
    struct vfd_domain *dom = vfd_domain_find(d, MSG_KIND_OF);
    if (!dom || vfd_domain_ctl(dom, &rq, flows_chunk, cl, cl) != 0) {
        ctl_printf(cl, "ERR domain of is not running (%s)\n",
                   dom ? vfd_dom_state_name(dom->state) : "not configured");
        return;
    }
    ctl_reply_wait(cl);
}

/* ---- cluster ----------------------------------------------------------------------- */

/* Members, roles per switch and the shared keys: the cluster domain's
 * answer (it holds the etcd mirror), under the core's OK / ERR line. */
static void cmd_cluster(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    struct msg_ctl_request rq = {.command = MSG_CTL_CLUSTER, .json = (uint8_t)json};
    if (!d->cfg.cluster.enabled) {
        ctl_printf(cl, "ERR no [cluster] section: this instance is not in a cluster\n");
        return;
    }
    struct vfd_domain *dom = vfd_domain_find(d, MSG_KIND_CLUSTER);
    if (!dom || vfd_domain_ctl(dom, &rq, flows_chunk, cl, cl) != 0) {
        ctl_printf(cl, "ERR the cluster domain is not running (%s)\n",
                   dom ? vfd_dom_state_name(dom->state) : "not configured");
        return;
    }
    ctl_reply_wait(cl);
}

/* ---- reload ------------------------------------------------------------------------ */

static void reload_done(void *ctx, const char *err)
{
    struct ctl_client *cl = ctx;
    struct vfd *d = ctl_daemon(cl);
    if (err)
        ctl_printf(cl, "ERR reload failed, previous apps keep running: %s\n", err);
    else
        ctl_printf(cl, "OK\nreloaded %zu apps\n", d->apps_live ? d->apps_live->n : (size_t)0);
    ctl_reply_done(cl);
}

static void cmd_reload(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    (void)json;
    struct vfd *d = ctl_daemon(cl);
    char err[MSG_VALUE_MAX];
    if (vfd_apps_reload(d, reload_done, cl, cl, err, sizeof(err)) != 0) {
        log_error(&d->log, "apps", "reload failed, previous apps keep running: %s", err);
        ctl_printf(cl, "ERR reload failed, previous apps keep running: %s\n", err);
        return;
    }
    ctl_reply_wait(cl);
}

static const struct ctl_command ctl_commands[] = {
    {"status", 0, 0, "status [--json]", cmd_status},
    {"flows", 1, 1, "flows DPID [--json]", cmd_flows},
    {"reload", 0, 0, "reload", cmd_reload},
    {"rule", 1, 20, "rule add RULE... | rule del ID | rule list [--json]", ctl_cmd_rule},
    {"stats", 0, 0, "stats [--json]", ctl_cmd_stats},
    {"ports", 0, 0, "ports [--json]", ctl_cmd_ports},
    {"guests", 0, 0, "guests [--json]", ctl_cmd_guests},
    {"domains", 0, 0, "domains [--json]", ctl_cmd_domains},
    {"block", 1, 3, "block ADDR|MAC [--for SECONDS]", ctl_cmd_block},
    {"unblock", 1, 1, "unblock ADDR|MAC", ctl_cmd_unblock},
    {"cluster", 0, 0, "cluster [--json]", cmd_cluster},
};

const struct ctl_command *ctl_command_find(const char *name)
{
    for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
        if (strcmp(ctl_commands[i].name, name) == 0) return &ctl_commands[i];
    return NULL;
}
