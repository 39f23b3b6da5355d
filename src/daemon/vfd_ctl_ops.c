/*
 * vfd_ctl_ops.c - control commands for an operator looking at the host
 * rather than the controller (the guests' view is vfd_ctl_hc.c's):
 *
 *   domains           each protection domain: name, kind, pid, state,
 *                     restarts, uptime, last exit
 *   block ADDR|MAC [--for SECONDS], unblock ADDR|MAC
 *                     the operator's manual version of what a scan detector
 *                     does: passed to the of domain as APP_COMMAND, whose
 *                     apps' `command` handler does it and answers
 *
 * The same commands answer the management API (vfd_mgmt.c runs them on a
 * client without a socket), so both paths print exactly the same.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"
#include "lib/json.h"
#include "mgmt/mgmt.h"

/* ---- domains --------------------------------------------------------------------------- */

void ctl_cmd_domains(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)argv;
    struct vfd *d = ctl_daemon(cl);
    uint64_t now = ev_now_ms(d->loop);
    ctl_printf(cl, json ? "OK\n{\"domains\":[" : "OK\n");
    for (size_t i = 0; i < d->n_domains; i++) {
        const struct vfd_domain *dom = &d->domains[i];
        uint64_t up = dom->pid > 0 ? (now - dom->started_ms) / 1000 : 0;
        const char *kind = msg_kind_name(dom->conf->kind), *state = vfd_dom_state_name(dom->state);
        if (json) {
            char exit_text[2 * sizeof(dom->last_exit)];
            ctl_printf(cl,
                       "%s{\"name\":\"%s\",\"kind\":\"%s\",\"pid\":%d,\"state\":\"%s\","
                       "\"restarts\":%u,\"uptime_s\":%" PRIu64 ",\"last_exit\":\"%s\"}",
                       i ? "," : "", dom->conf->name, kind, (int)dom->pid, state, dom->restarts,
                       up, json_escape(exit_text, sizeof(exit_text), dom->last_exit));
        } else {
            ctl_printf(cl, "%s: kind %s pid %d state %s restarts %u up %" PRIu64 "s%s%s\n",
                       dom->conf->name, kind, (int)dom->pid, state, dom->restarts, up,
                       dom->last_exit[0] ? "; last exit: " : "", dom->last_exit);
        }
    }
    if (json) ctl_printf(cl, "]}\n");
}

/* ---- block / unblock ---------------------------------------------------------------------- */

static void block_chunk(void *ctx, const struct msg_ctl_reply *chunk, unsigned seq,
                        const char *reason)
{
    struct ctl_client *cl = ctx;
    if (!chunk && !reason) return; /* the client went away */
    if (!chunk) {
        ctl_printf(cl, seq ? "\n(answer cut short: %s)\n" : "ERR %s\n", reason);
        ctl_reply_done(cl);
        return;
    }
    if (seq == 0) ctl_printf(cl, chunk->error ? "ERR " : "OK\n");
    ctl_write(cl, chunk->text, chunk->text_len);
    if (chunk->final) {
        if (!chunk->text_len || chunk->text[chunk->text_len - 1] != '\n') ctl_write(cl, "\n", 1);
        ctl_reply_done(cl);
    }
}

static void run_block(struct ctl_client *cl, struct msg_block *m, const char *what)
{
    struct vfd *d = ctl_daemon(cl);
    char target[32];
    msg_block_target(m, target, sizeof(target));
    struct vfd_domain *dom = vfd_domain_find(d, MSG_KIND_OF);
    union msg_body b = {.block = *m};
    if (!dom || vfd_domain_ask(dom, MSG_APP_COMMAND, &b, block_chunk, cl, cl) != 0) {
        ctl_printf(cl, "ERR domain of is not running (%s): nobody to %s %s\n",
                   dom ? vfd_dom_state_name(dom->state) : "not configured", what, target);
        return;
    }
    log_info(&d->log, "ctl", "%s %s%s asked of the apps", what, target,
             m->seconds ? " (for a while)" : "");
    ctl_reply_wait(cl);
}

void ctl_cmd_block(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)json;
    struct msg_block m = {.command = MSG_BLOCK};
    if (mgmt_target_parse(argv[0], &m) != 0) {
        ctl_printf(cl, "ERR block: '%.64s' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)\n",
                   argv[0]);
        return;
    }
    if (argc == 3 && !strcmp(argv[1], "--for")) {
        char *end;
        unsigned long v = strtoul(argv[2], &end, 10);
        if (argv[2][0] < '1' || argv[2][0] > '9' || *end || v > MSG_BLOCK_SECONDS_MAX) {
            ctl_printf(cl, "ERR block: --for '%.32s' is not a number of seconds 1..%u\n", argv[2],
                       MSG_BLOCK_SECONDS_MAX);
            return;
        }
        m.seconds = (uint32_t)v;
    } else if (argc != 1) {
        ctl_printf(cl, "ERR usage: block ADDR|MAC [--for SECONDS]\n");
        return;
    }
    run_block(cl, &m, "block");
}

void ctl_cmd_unblock(struct ctl_client *cl, int argc, char **argv, int json)
{
    (void)argc, (void)json;
    struct msg_block m = {.command = MSG_UNBLOCK};
    if (mgmt_target_parse(argv[0], &m) != 0) {
        ctl_printf(cl,
                   "ERR unblock: '%.64s' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)\n",
                   argv[0]);
        return;
    }
    run_block(cl, &m, "unblock");
}
