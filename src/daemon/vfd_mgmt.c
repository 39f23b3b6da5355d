/*
 * vfd_mgmt.c - the core's side of the management API. The management domain
 * terminates TLS, parses every request and checks the client's role; what
 * reaches the core is a fixed-layout operation (MGMT_QUERY: stats, guests,
 * domains, reload; MGMT_BLOCK: block or unblock a target), already checked
 * field by field by its decoder. The core turns it into the control socket's
 * command of the same name, written by the core itself, and runs it on a
 * client without a socket (vfd_ctl_run), so the API answers with exactly the
 * text of the local socket. The answer goes back as MGMT_REPLY chunks with
 * the request's id: error set when the command answered "ERR".
 *
 * Rules (RULE_ADD/DEL/LIST) take the existing messages; vfd_mon_dom.c acts
 * for a domain of kind mgmt as admin (docs/security.md, "Management API").
 *
 * A reply for an incarnation of the domain that has ended is dropped. At most
 * MGMT_PENDING_MAX answers may be outstanding for the domain: more means it
 * asks faster than it reads, and it gets an error for the surplus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

#define MGMT_PENDING_MAX 64

struct mgmt_job {
    struct vfd_domain *dom;
    pid_t pid; /* the incarnation that asked */
    unsigned restarts;
    uint32_t id;
};

static unsigned g_pending; /* one core, one management domain's worth of jobs */

static void send_reply(struct vfd_domain *dom, uint32_t id, int error, const char *text, size_t n)
{
    do {
        size_t k = n > MSG_CHUNK_MAX ? MSG_CHUNK_MAX : n;
        union msg_body b = {.ctl_reply = {.final = k == n,
                                          .error = (uint8_t)error,
                                          .text = text,
                                          .text_len = (uint32_t)k}};
        if (vfd_domain_send(dom, MSG_MGMT_REPLY, id, &b, NULL, 0) != MSG_OK) return;
        text += k;
        n -= k;
    } while (n);
}

/* The control command's reply: "OK\n" and the text, or "ERR why\n". */
static void job_done(void *ctx, const char *text, size_t len)
{
    struct mgmt_job *j = ctx;
    struct vfd_domain *dom = j->dom;
    g_pending--;
    if (text && dom->fd >= 0 && dom->pid == j->pid && dom->restarts == j->restarts) {
        int error = !(len >= 3 && !memcmp(text, "OK\n", 3));
        size_t skip = error ? (len >= 4 && !memcmp(text, "ERR ", 4) ? 4 : 0) : 3;
        send_reply(dom, j->id, error, text + skip, len - skip);
    }
    free(j);
}

static int run(struct vfd_domain *dom, uint32_t id, const char *line)
{
    struct vfd *d = dom->d;
    const char *why = NULL;
    struct mgmt_job *j = NULL;
    if (!d->ctl)
        why = "the core has no control commands (--check)";
    else if (g_pending >= MGMT_PENDING_MAX)
        why = "too many management requests in progress";
    else if (!(j = calloc(1, sizeof(*j))))
        why = "out of memory";
    if (why) {
        send_reply(dom, id, 1, why, strlen(why));
        return MSG_OK;
    }
    *j = (struct mgmt_job){dom, dom->pid, dom->restarts, id};
    g_pending++;
    if (vfd_ctl_run(d->ctl, line, job_done, j) != 0) {
        g_pending--;
        free(j);
        send_reply(dom, id, 1, "out of memory", 13);
    }
    return MSG_OK;
}

int vfd_mgmt_query(struct vfd_domain *dom, uint32_t id, const struct msg_mgmt_query *m)
{
    static const char *const names[] = {NULL, "stats", "guests", "domains", "reload"};
    char line[64];
    /* the decoder admits only commands 1..4 */
    snprintf(line, sizeof(line), "%s%s", names[m->command], m->json ? " --json" : "");
    return run(dom, id, line);
}

int vfd_mgmt_block(struct vfd_domain *dom, uint32_t id, const struct msg_block *m)
{
    char target[32], line[96];
    msg_block_target(m, target, sizeof(target));
    if (m->command == MSG_UNBLOCK)
        snprintf(line, sizeof(line), "unblock %s", target);
    else if (m->seconds)
        snprintf(line, sizeof(line), "block %s --for %u", target, m->seconds);
    else
        snprintf(line, sizeof(line), "block %s", target);
    return run(dom, id, line);
}
