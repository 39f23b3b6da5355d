/*
 * vfd_mon_dom.c - a domain's RULE_ADD, RULE_DEL and RULE_LIST, each answered
 * with one RULE_RESULT carrying the request's id.
 *
 * Ownership is the core's to decide: a rule a domain adds is owned by
 * "domain:NAME" of the domain whose socket the request came on. The message
 * has no owner field, so there is nothing to forge; the monitor's owner
 * rules then do the rest (a domain deletes only its own rules: EPERM, with
 * the owner named, for anyone else's). A request the wire format accepts but
 * the monitor refuses is an ordinary failure with an errno and a reason, not
 * a reason to kill the domain: that is kept for malformed messages.
 *
 * The management domain is the one exception: it acts as admin (owner
 * "admin", no max_rules, may delete any rule). It sends RULE_ADD/DEL only
 * for a client whose certificate's CN is in [mgmt] admins; that check is
 * the domain's, since only it sees the TLS session. The core's part is to
 * grant admin to the kind mgmt alone (a domain's kind is fixed by the
 * configuration, never by the domain) and to log every such change as
 * "admin (mgmt domain NAME)". docs/security.md, "Management API".
 *
 * Errors: ENODEV no monitor configured, EDQUOT the domain holds its
 * max_rules already, EEXIST the same match exists in the domain tier,
 * ENOSPC table full, EPERM not its rule, ENOENT no such rule, EINVAL a rule
 * the monitor refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/vfd.h"

static int acts_as_admin(const struct vfd_domain *dom)
{
    return dom->conf->kind == MSG_KIND_MGMT;
}

static void owner_of(const struct vfd_domain *dom, char *buf, size_t cap)
{
    if (acts_as_admin(dom))
        snprintf(buf, cap, "admin");
    else
        snprintf(buf, cap, "domain:%s", dom->conf->name);
}

/* Who did it, for the log. */
static void actor_of(const struct vfd_domain *dom, char *buf, size_t cap)
{
    if (acts_as_admin(dom))
        snprintf(buf, cap, "admin (mgmt domain %s)", dom->conf->name);
    else
        snprintf(buf, cap, "domain:%s", dom->conf->name);
}

/* The reply: a failure carries only its errno and reason. */
static int reply(struct vfd_domain *dom, uint32_t id, union msg_body *b, int rc, const char *why)
{
    struct msg_rule_result *m = &b->rule_result;
    if (rc) {
        m->error = (uint32_t)-rc;
        m->count = 0;
        m->next_id = 0;
        snprintf(m->reason, sizeof(m->reason), "%s", why);
    }
    vfd_domain_send(dom, MSG_RULE_RESULT, id, b, NULL, 0);
    return MSG_OK; /* a failed send ends the domain from the event loop */
}

static void entry_of(const struct mon_rule_info *ri, struct msg_rule_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->id = ri->id;
    vfd_mon_rule_to_msg(&ri->rule, &e->rule);
    snprintf(e->owner, sizeof(e->owner), "%s", ri->owner);
    e->packets = ri->packets;
    e->bytes = ri->bytes;
}

int vfd_mon_dom_add(struct vfd_domain *dom, uint32_t id, const struct msg_rule *m)
{
    static union msg_body b; /* ~6 KiB: not on the stack of a handler */
    char owner[MON_OWNER_LEN + 8], why[MON_ERR_LEN], actor[MSG_NAME_MAX + 32];
    struct mon_rule r;
    uint32_t rid = 0;
    memset(&b, 0, sizeof(b));
    b.rule_result.op = MSG_RULE_ADD;
    owner_of(dom, owner, sizeof(owner));
    actor_of(dom, actor, sizeof(actor));
    vfd_mon_rule_from_msg(m, &r);
    unsigned max = acts_as_admin(dom) ? 0 : dom->conf->max_rules; /* admin has no quota */
    int rc = vfd_mon_rule_add(dom->d, &r, owner, max, &rid, why, sizeof(why));
    if (rc == 0) { /* a new rule: its counters start at zero */
        struct msg_rule_entry *e = &b.rule_result.rules[0];
        e->id = rid;
        e->rule = *m;
        snprintf(e->owner, sizeof(e->owner), "%.*s", MSG_OWNER_MAX, owner);
        b.rule_result.count = 1;
        char text[128];
        mon_rule_format(&r, text, sizeof(text));
        log_info(&dom->d->log, "monitor", "rule %u added by %s: %s", rid, actor, text);
    }
    return reply(dom, id, &b, rc, why);
}

int vfd_mon_dom_del(struct vfd_domain *dom, uint32_t id, const struct msg_rule_del *m)
{
    static union msg_body b;
    char owner[MON_OWNER_LEN + 8], why[MON_ERR_LEN], actor[MSG_NAME_MAX + 32];
    memset(&b, 0, sizeof(b));
    b.rule_result.op = MSG_RULE_DEL;
    owner_of(dom, owner, sizeof(owner));
    actor_of(dom, actor, sizeof(actor));
    int rc = vfd_mon_rule_del(dom->d, m->id, owner, why, sizeof(why));
    if (rc == 0) log_info(&dom->d->log, "monitor", "rule %u deleted by %s", m->id, actor);
    return reply(dom, id, &b, rc, why);
}

struct page {
    struct mon *mon;
    struct msg_rule_result *res;
    uint32_t start;
    uint16_t max;
};

static int page_cb(const struct mon_rule_info *ri, void *ctx)
{
    struct page *p = ctx;
    if (ri->id < p->start) return 0;
    if (p->res->count == p->max) { /* one more exists: where the next page starts */
        p->res->next_id = ri->id;
        return 1;
    }
    /* counters only for the rules of this page: the walk itself reads none */
    struct mon_rule_info full;
    entry_of(mon_rule_get(p->mon, ri->id, &full) == 0 ? &full : ri,
             &p->res->rules[p->res->count++]);
    return 0;
}

/* A page of every owner's rules with counters: the controller sees the
 * whole filter (it lists what it could not change anyway). */
int vfd_mon_dom_list(struct vfd_domain *dom, uint32_t id, const struct msg_rule_list *m)
{
    static union msg_body b;
    memset(&b, 0, sizeof(b));
    b.rule_result.op = MSG_RULE_LIST;
    struct mon *mon = vfd_mon_handle(dom->d);
    if (!mon) return reply(dom, id, &b, -ENODEV, "no monitor configured (no [monitor] section)");
    struct page p = {mon, &b.rule_result, m->start_id, m->max};
    mon_rule_list(mon, 0, page_cb, &p);
    return reply(dom, id, &b, 0, "");
}
