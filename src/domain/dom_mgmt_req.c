/*
 * dom_mgmt_req.c - what a parsed, authorised management request becomes:
 *
 *   rule add/del/list   RULE_ADD / RULE_DEL / RULE_LIST (paged, 64 a page);
 *                       the core adds and deletes them as admin
 *   stats, guests, domains, reload   MGMT_QUERY
 *   block, unblock      MGMT_BLOCK (the core passes it to the of domain)
 *
 * The answers: RULE_RESULT, formatted here the way the control socket prints
 * rules; MGMT_REPLY, whose text is the core's own (the control socket's
 * command of that name) and goes to the client as it is. Each request is
 * remembered by its message id until its answer is complete, also when its
 * client went away meanwhile (the answer is then dropped); an answer to an id
 * never used, or of the wrong kind, ends the domain, as for SOCKET_RESULT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dom_mgmt.h"
#include "lib/json.h"
#include "mon/mon.h"

struct pending {
    struct pending *next;
    uint32_t id;
    uint16_t type; /* the message sent */
    struct mgmt_client *c; /* NULL: gone */
    int json;
    uint32_t rule_id; /* RULE_DEL's */
};

static struct pending *g_pend; /* one domain per process */
static uint32_t g_next;

static struct pending *add(struct mgmt_client *c, uint16_t type, int json)
{
    struct pending *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    if (!++g_next) g_next = 1;
    *p = (struct pending){g_pend, g_next, type, c, json, 0};
    g_pend = p;
    return p;
}

static struct pending *take(uint32_t id)
{
    for (struct pending **pp = &g_pend; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            struct pending *p = *pp;
            *pp = p->next;
            return p;
        }
    return NULL;
}

void mgmt_req_forget(struct dom *d, struct mgmt_client *c)
{
    (void)d;
    for (struct pending *p = g_pend; p; p = p->next)
        if (p->c == c) p->c = NULL;
}

static void list_page(struct dom *d, struct pending *p, uint32_t start)
{
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.rule_list.start_id = start;
    b.rule_list.max = MSG_RULES_MAX;
    dom_send(d, MSG_RULE_LIST, p->id, &b, NULL, 0);
}

void mgmt_req_start(struct dom *d, struct mgmt_client *c, const struct mgmt_req *rq)
{
    static const uint16_t types[] = {
        [MGMT_OP_RULE_ADD] = MSG_RULE_ADD, [MGMT_OP_RULE_DEL] = MSG_RULE_DEL,
        [MGMT_OP_RULE_LIST] = MSG_RULE_LIST, [MGMT_OP_STATS] = MSG_MGMT_QUERY,
        [MGMT_OP_GUESTS] = MSG_MGMT_QUERY, [MGMT_OP_DOMAINS] = MSG_MGMT_QUERY,
        [MGMT_OP_RELOAD] = MSG_MGMT_QUERY, [MGMT_OP_BLOCK] = MSG_MGMT_BLOCK,
        [MGMT_OP_UNBLOCK] = MSG_MGMT_BLOCK,
    };
    struct pending *p = add(c, types[rq->op], rq->json);
    if (!p) {
        mgmt_respond(c, MGMT_ST_UNAVAILABLE, "out of memory", 13);
        return;
    }
    buf_clear(&c->acc);
    c->n_acc = 0;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    switch (rq->op) {
    case MGMT_OP_RULE_ADD:
        b.rule = rq->rule;
        break;
    case MGMT_OP_RULE_DEL:
        b.rule_del.id = p->rule_id = rq->rule_id;
        break;
    case MGMT_OP_RULE_LIST:
        if (rq->json) buf_append(&c->acc, "{\"rules\":[", 10);
        list_page(d, p, 1);
        return;
    case MGMT_OP_BLOCK:
    case MGMT_OP_UNBLOCK:
        b.block = rq->block;
        break;
    default: {
        static const uint8_t q[] = {[MGMT_OP_STATS] = MSG_MQ_STATS,
                                    [MGMT_OP_GUESTS] = MSG_MQ_GUESTS,
                                    [MGMT_OP_DOMAINS] = MSG_MQ_DOMAINS,
                                    [MGMT_OP_RELOAD] = MSG_MQ_RELOAD};
        b.mgmt_query.command = q[rq->op];
        b.mgmt_query.json = (uint8_t)rq->json;
    }
    }
    dom_send(d, p->type, p->id, &b, NULL, 0);
}

/* ---- answers ---------------------------------------------------------------------------- */

static void finish(struct mgmt_client *c, unsigned status, const char *text, size_t len)
{
    if (!c) return;
    mgmt_respond(c, status, text, len);
    buf_clear(&c->acc);
    mgmt_client_resume(c);
}

static unsigned status_of_errno(uint32_t e)
{
    return e == ENOENT ? MGMT_ST_NOT_FOUND
           : e == EEXIST ? MGMT_ST_CONFLICT
           : e == EPERM  ? MGMT_ST_FORBIDDEN
                         : MGMT_ST_FAILED;
}

static void accf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void accf(struct buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* One listed rule, as the control socket prints it. */
static void list_entry(struct mgmt_client *c, int json, const struct msg_rule_entry *e)
{
    struct mon_rule r = {.addr = htonl(e->rule.addr),
                         .plen = e->rule.plen,
                         .proto = e->rule.proto,
                         .l4port = e->rule.port,
                         .dirs = e->rule.dir,
                         .action = e->rule.action == MSG_RACT_DROP ? MON_DROP : MON_PASS,
                         .port_id = e->rule.on};
    char text[128], addr[INET_ADDRSTRLEN];
    mon_rule_format(&r, text, sizeof(text));
    if (!json) {
        accf(&c->acc, "%u\t%s\t%s\tpackets=%" PRIu64 " bytes=%" PRIu64 "\n", e->id, e->owner, text,
             e->packets, e->bytes);
    } else {
        inet_ntop(AF_INET, &r.addr, addr, sizeof(addr));
        const char *dir = r.dirs == MON_FROM_GUEST ? "from-guest" : r.dirs == MON_TO_GUEST ? "to-guest" : "both";
        /* the owner is a name (msg_get_name's alphabet): nothing to escape */
        accf(&c->acc,
             "%s{\"id\":%u,\"owner\":\"%s\",\"rule\":\"%s\",\"addr\":\"%s\",\"plen\":%u,"
             "\"proto\":%u,\"port\":%u,\"dir\":\"%s\",\"action\":\"%s\",\"on\":%u,"
             "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
             c->n_acc ? "," : "", e->id, e->owner, text, addr, r.plen, r.proto, r.l4port, dir,
             r.action == MON_DROP ? "drop" : "pass", r.port_id, e->packets, e->bytes);
    }
    c->n_acc++;
}

int dom_mgmt_rule_result(struct dom *d, uint32_t id, const struct msg_rule_result *m,
                         struct msg_r *r)
{
    struct pending *p = take(id);
    if (!p) return msg_r_fail(r, "RULE_RESULT for request %u, which was never made", id);
    if (p->type != m->op) {
        uint16_t want = p->type;
        free(p);
        return msg_r_fail(r, "RULE_RESULT for %s answers request %u, a %s", msg_type_name(m->op),
                          id, msg_type_name(want));
    }
    struct mgmt_client *c = p->c;
    char text[MSG_REASON_MAX + 64];
    int n;
    if (m->error) {
        n = snprintf(text, sizeof(text), "%s", m->reason[0] ? m->reason : strerror((int)m->error));
        finish(c, status_of_errno(m->error), text, (size_t)n);
    } else if (m->op == MSG_RULE_ADD) {
        n = snprintf(text, sizeof(text), p->json ? "{\"id\":%u}\n" : "%u\n", m->rules[0].id);
        finish(c, MGMT_ST_OK, text, (size_t)n);
    } else if (m->op == MSG_RULE_DEL) {
        /* as the control socket says it; the id is the request's */
        n = snprintf(text, sizeof(text), p->json ? "{\"deleted\":%u}\n" : "deleted rule %u\n",
                     p->rule_id);
        finish(c, MGMT_ST_OK, text, (size_t)n);
    } else if (c) {
        for (unsigned i = 0; i < m->count; i++)
            list_entry(c, p->json, &m->rules[i]);
        if (m->next_id && buf_len(&c->acc) < MGMT_RESP_MAX / 2) {
            p->next = g_pend; /* the next page, same request */
            g_pend = p;
            list_page(d, p, m->next_id);
            return MSG_OK;
        }
        if (p->json) accf(&c->acc, "],\"count\":%zu}\n", c->n_acc);
        if (m->next_id)
            finish(c, MGMT_ST_FAILED, "the listing is larger than the protocol's limit", 47);
        else
            finish(c, MGMT_ST_OK, (const char *)buf_data(&c->acc), buf_len(&c->acc));
    }
    free(p);
    return MSG_OK;
}

int dom_mgmt_reply(struct dom *d, uint32_t id, const struct msg_ctl_reply *m, struct msg_r *r)
{
    (void)d;
    struct pending *p = g_pend;
    while (p && p->id != id)
        p = p->next;
    if (!p || (p->type != MSG_MGMT_QUERY && p->type != MSG_MGMT_BLOCK))
        return msg_r_fail(r, "MGMT_REPLY for request %u, which was never made", id);
    struct mgmt_client *c = p->c;
    if (c && buf_append(&c->acc, m->text, m->text_len) != BUF_OK) {
        mgmt_client_close(c, "the core's answer is larger than the protocol's limit");
        c = p->c = NULL;
    }
    if (!m->final) return MSG_OK;
    take(id);
    if (c && buf_append(&c->acc, "", 1) != BUF_OK) { /* a NUL for strstr, not sent */
        finish(c, MGMT_ST_FAILED, "the core's answer is larger than the protocol's limit", 53);
    } else if (c) {
        const char *t = (const char *)buf_data(&c->acc);
        /* what could not be done because a part is down or busy: 503 */
        unsigned st = !m->error ? MGMT_ST_OK : MGMT_ST_FAILED;
        if (m->error && (strstr(t, "is not running") || strstr(t, "no answer from domain") ||
                         strstr(t, "too many management")))
            st = MGMT_ST_UNAVAILABLE;
        finish(c, st, t, buf_len(&c->acc) - 1);
    }
    free(p);
    return MSG_OK;
}
