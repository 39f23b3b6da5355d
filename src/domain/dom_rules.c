/*
 * dom_rules.c - the of domain's side of the monitor: the Lua `rules` module's
 * requests go to the core as RULE_ADD / RULE_DEL / RULE_LIST and their
 * RULE_RESULT comes back to lof (lof_rule_answer); drop events (MON_EVENT)
 * go to the apps' monitor_drop handlers (lof_monitor_drop); the Lua `guest`
 * module's notes go to the core as GUEST_NOTIFY (one way: the core rate-limits
 * them per port and sends them down the port's hypercall channel).
 *
 * The domain owns nothing here: the core decides the owner of every rule it
 * adds ("domain:NAME" of this domain) and enforces max_rules. A listing is
 * fetched page by page (64 rules a RULE_RESULT) up to LOF_RULES_LIST_MAX
 * rules and handed over in one piece; the app asks for the rest with the
 * next id it is given.
 *
 * A RULE_RESULT for a request this domain never made, or of another kind,
 * means the two ends disagree: fatal, as for SOCKET_RESULT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dom.h"
#include "lof/lof.h"

struct dom_rreq {
    struct dom_rreq *next;
    uint32_t id;               /* the request's message id */
    uint32_t token;            /* lof's */
    uint16_t type;             /* MSG_RULE_* */
    struct lof_rule_info *acc; /* RULE_LIST: what the pages brought so far */
    size_t n;
};

static void rule_to_msg(const struct lof_rule *r, struct msg_rule *m)
{
    *m = (struct msg_rule){.addr = r->addr,
                           .plen = r->plen,
                           .proto = r->proto,
                           .port = r->port,
                           .dir = r->dir,
                           .action = r->drop ? MSG_RACT_DROP : MSG_RACT_PASS,
                           .on = r->on};
}

static void entry_to_lof(const struct msg_rule_entry *e, struct lof_rule_info *ri)
{
    memset(ri, 0, sizeof(*ri));
    ri->id = e->id;
    ri->rule = (struct lof_rule){.addr = e->rule.addr,
                                 .plen = e->rule.plen,
                                 .proto = e->rule.proto,
                                 .port = e->rule.port,
                                 .dir = e->rule.dir,
                                 .drop = e->rule.action == MSG_RACT_DROP,
                                 .on = e->rule.on};
    memcpy(ri->owner, e->owner,
           sizeof(ri->owner) < sizeof(e->owner) ? sizeof(ri->owner) : sizeof(e->owner));
    ri->owner[sizeof(ri->owner) - 1] = '\0';
    ri->packets = e->packets;
    ri->bytes = e->bytes;
}

static void list_page(struct dom *d, struct dom_rreq *q, uint32_t start)
{
    union msg_body b;
    memset(&b, 0, sizeof(b));
    size_t room = LOF_RULES_LIST_MAX - q->n;
    b.rule_list.start_id = start;
    b.rule_list.max = (uint16_t)(room < MSG_RULES_MAX ? room : MSG_RULES_MAX);
    dom_send(d, MSG_RULE_LIST, q->id, &b, NULL, 0);
}

int dom_rules_request(void *ctx, const struct lof_rule_req *rq)
{
    struct dom *d = ctx;
    struct dom_rreq *q = calloc(1, sizeof(*q));
    if (!q) return -ENOMEM;
    if (!++d->next_rule_req) d->next_rule_req = 1;
    q->id = d->next_rule_req;
    q->token = rq->token;
    q->next = d->rreqs;
    d->rreqs = q;
    d->n_rreqs++;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    switch (rq->op) {
    case LOF_RULE_ADD:
        q->type = MSG_RULE_ADD;
        rule_to_msg(&rq->rule, &b.rule);
        dom_send(d, MSG_RULE_ADD, q->id, &b, NULL, 0);
        break;
    case LOF_RULE_DEL:
        q->type = MSG_RULE_DEL;
        b.rule_del.id = rq->id;
        dom_send(d, MSG_RULE_DEL, q->id, &b, NULL, 0);
        break;
    default:
        q->type = MSG_RULE_LIST;
        q->acc = calloc(LOF_RULES_LIST_MAX, sizeof(*q->acc));
        if (!q->acc) dom_fatal(d, "out of memory");
        list_page(d, q, rq->id);
        break;
    }
    return 0;
}

static struct dom_rreq *take(struct dom *d, uint32_t id)
{
    for (struct dom_rreq **p = &d->rreqs; *p; p = &(*p)->next)
        if ((*p)->id == id) {
            struct dom_rreq *q = *p;
            *p = q->next;
            d->n_rreqs--;
            return q;
        }
    return NULL;
}

int dom_rules_result(struct dom *d, uint32_t id, const struct msg_rule_result *m, struct msg_r *r)
{
    struct dom_rreq *q = take(d, id);
    if (!q) return msg_r_fail(r, "RULE_RESULT for request %u, which was never made", id);
    if (q->type != m->op) {
        uint16_t want = q->type;
        free(q->acc);
        free(q);
        return msg_r_fail(r, "RULE_RESULT for %s answers request %u, a %s", msg_type_name(m->op),
                          id, msg_type_name(want));
    }
    struct lof *l = dom_of_host(d);
    struct lof_rule_info one;
    if (m->op == MSG_RULE_LIST && !m->error) {
        for (unsigned i = 0; i < m->count && q->n < LOF_RULES_LIST_MAX; i++)
            entry_to_lof(&m->rules[i], &q->acc[q->n++]);
        if (m->next_id && q->n < LOF_RULES_LIST_MAX) { /* the next page, same request */
            q->next = d->rreqs;
            d->rreqs = q;
            d->n_rreqs++;
            list_page(d, q, m->next_id);
            return MSG_OK;
        }
        if (l) lof_rule_answer(l, q->token, 0, "", q->acc, q->n, m->next_id);
    } else if (m->op == MSG_RULE_ADD && !m->error) {
        entry_to_lof(&m->rules[0], &one);
        if (l) lof_rule_answer(l, q->token, 0, "", &one, 1, 0);
    } else if (l) {
        lof_rule_answer(l, q->token, (int)m->error, m->reason, NULL, 0, 0);
    }
    free(q->acc);
    free(q);
    return MSG_OK;
}

void dom_rules_drop(struct dom *d, const struct msg_mon_event *m)
{
    struct lof *l = dom_of_host(d);
    d->mon_events++;
    if (!l) return; /* no apps yet: nobody to tell */
    struct lof_drop e = {.ts_ns = m->ts_ns,
                         .rule_id = m->rule_id,
                         .port = m->port,
                         .dir = m->dir,
                         .proto = m->proto,
                         .saddr = m->saddr,
                         .daddr = m->daddr,
                         .sport = m->sport,
                         .dport = m->dport,
                         .len = m->len,
                         .flags = m->flags,
                         .ethertype = m->ethertype,
                         .limited = m->limited,
                         .lost = m->lost};
    lof_monitor_drop(l, &e);
}

_Static_assert((int)LOF_NOTE_SCAN_BLOCKED == (int)MSG_NOTE_SCAN_BLOCKED &&
                   (int)LOF_NOTE_BLOCKED == (int)MSG_NOTE_BLOCKED &&
                   (int)LOF_NOTE_NOTICE == (int)MSG_NOTE_NOTICE,
               "note kinds: lof and msg agree");
_Static_assert(LOF_NOTE_TEXT_MAX == MSG_NOTE_TEXT_MAX, "note text: lof and msg agree");

int dom_guest_notify(void *ctx, const struct lof_guest_note *n)
{
    struct dom *d = ctx;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    struct msg_guest_notify *m = &b.guest_notify;
    m->port = n->port;
    m->kind = n->kind; /* LOF_NOTE_* and MSG_NOTE_* agree */
    m->proto = n->proto;
    m->addr = n->addr;
    memcpy(m->mac, n->mac, sizeof(m->mac));
    m->l4port = n->l4port;
    m->rule = n->rule;
    snprintf(m->text, sizeof(m->text), "%s", n->text);
    dom_send(d, MSG_GUEST_NOTIFY, 0, &b, NULL, 0);
    return 0;
}
