/*
 * hc_server.c - carries out guest requests against the rule table through
 * callbacks and builds the replies; keeps per port a bounded notification
 * backlog and the last reply (so a retried request is not carried out twice).
 *
 * Permissions are checked here before any callback (a guest may add rules only
 * on its own port, delete and list only its own rules) and again by the rule
 * table (src/mon enforces owner tiers): a mistake in one is caught by the other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/hc_server.h"

struct hc_port {
    struct hc_port_stats st;
    uint32_t seq; /* last notification's seq; the backlog holds seq-15..seq */
    struct hc_note backlog[HC_BACKLOG];
    /* The last request (from its EtherType on) and the reply it got. */
    size_t req_len, rep_len;
    uint8_t req[HC_FRAME_MAX], rep[HC_FRAME_MAX];
};

struct hc_server {
    const struct hc_ops *ops;
    void *ctx;
    unsigned quota;
    uint8_t mac[6];
    struct hc_port *ports[HC_PORT_ID_MAX + 1]; /* allocated at a port's first frame */
};

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct hc_server *hc_server_new(const struct hc_ops *ops, void *ctx)
{
    struct hc_server *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->ops = ops;
    s->ctx = ctx;
    s->quota = HC_QUOTA_DEFAULT;
    memcpy(s->mac, (const uint8_t[6]){0x02, 0x56, 0x46, 0x48, 0x43, 0x00}, 6);
    return s;
}

void hc_server_free(struct hc_server *s)
{
    if (!s) return;
    for (size_t i = 0; i <= HC_PORT_ID_MAX; i++)
        free(s->ports[i]);
    free(s);
}

int hc_server_quota(struct hc_server *s, unsigned rules)
{
    if (rules < 1 || rules > 100000) return -EINVAL;
    s->quota = rules;
    return 0;
}

void hc_server_mac(struct hc_server *s, const uint8_t mac[6])
{
    memcpy(s->mac, mac, 6);
}

static struct hc_port *port_get(struct hc_server *s, uint16_t id)
{
    if (id == 0 || id > HC_PORT_ID_MAX) return NULL;
    if (!s->ports[id]) s->ports[id] = calloc(1, sizeof(struct hc_port));
    return s->ports[id];
}

void hc_server_port_reset(struct hc_server *s, uint16_t id)
{
    if (id == 0 || id > HC_PORT_ID_MAX) return;
    free(s->ports[id]);
    s->ports[id] = NULL;
}

int hc_server_stats(const struct hc_server *s, uint16_t id, struct hc_port_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (id == 0 || id > HC_PORT_ID_MAX || !s->ports[id]) return -ENOENT;
    *st = s->ports[id]->st;
    return 0;
}

/* ---- replies ------------------------------------------------------------------------- */

static uint16_t to_status(int rc)
{
    switch (-rc) {
    case 0:
        return HC_OK;
    case EPERM:
        return HC_EPERM;
    case ENOENT:
        return HC_ENOENT;
    case EEXIST:
        return HC_EEXIST;
    case EINVAL:
        return HC_EINVAL;
    case ENOSPC:
        return HC_ENOSPC;
    case EDQUOT:
        return HC_EDQUOT;
    }
    return HC_EIO;
}

/* A reply to req; payload fields are filled by the caller. */
static void reply_init(struct hc_server *s, const struct hc_msg *req, struct hc_msg *rep)
{
    memset(rep, 0, sizeof(*rep));
    /* The request's source MAC is where the guest listens; it is addressing
     * only, never identity. A multicast source is not an address: broadcast. */
    memcpy(rep->dst, req->src[0] & 1 ? broadcast : req->src, 6);
    memcpy(rep->src, s->mac, 6);
    rep->op = HC_OP_REPLY;
    rep->ref_op = req->op;
    rep->id = req->id;
}

/* An error reply: the status and a reason, printable ASCII only. */
static void refuse(struct hc_msg *rep, uint16_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(struct hc_msg *rep, uint16_t status, const char *fmt, ...)
{
    va_list ap;
    rep->status = status;
    rep->flags = 0;
    va_start(ap, fmt);
    vsnprintf(rep->u.text, sizeof(rep->u.text), fmt, ap);
    va_end(ap);
    for (char *c = rep->u.text; *c; c++)
        if (*c < 0x20 || *c > 0x7e) *c = '?';
}

/* The reason from a callback, or the status name when it gave none. */
static void refuse_rc(struct hc_msg *rep, int rc, const char *msg)
{
    uint16_t st = to_status(rc);
    refuse(rep, st, "%s", msg && *msg ? msg : hc_status_name(st));
}

/* ---- requests ------------------------------------------------------------------------ */

struct walk {
    const char *owner;
    uint32_t start;
    unsigned n, cap;
    uint32_t ids[HC_LIST_MAX + 1];
};

static int own_rule(const struct hc_rule_info *ri, void *cbctx)
{
    struct walk *w = cbctx;
    if (ri->id < w->start || strcmp(ri->owner, w->owner)) return 0;
    if (w->n < w->cap) w->ids[w->n] = ri->id;
    w->n++;
    return w->cap && w->n >= w->cap; /* cap 0: count them all */
}

static void do_add(struct hc_server *s, uint16_t port, const char *owner, const struct hc_msg *req,
                   struct hc_msg *rep)
{
    char msg[HC_TEXT_MAX + 1] = "";
    /* Quota first: a guest must not fill the table the admin and domains share. */
    struct walk w = {.owner = owner, .start = 1, .cap = 0};
    int rc = s->ops->list(s->ctx, 1, own_rule, &w);
    if (rc) {
        refuse_rc(rep, rc, "cannot count the guest's rules");
        return;
    }
    if (w.n >= s->quota) {
        refuse(rep, HC_EDQUOT, "%s owns %u rules, its limit", owner, w.n);
        return;
    }
    uint32_t id = 0;
    rc = s->ops->add(s->ctx, &req->u.rule, port, owner, &id, msg, sizeof(msg));
    if (rc) {
        refuse_rc(rep, rc, msg);
        return;
    }
    rep->u.rule_id = id;
}

/* Who holds a rule, as much as a guest may learn: admin and domains by name,
 * other guests not by port. */
static const char *holder(const char *owner)
{
    return strncmp(owner, "guest:", 6) == 0 ? "another guest" : owner;
}

static void do_del(struct hc_server *s, const char *owner, const struct hc_msg *req,
                   struct hc_msg *rep)
{
    char msg[HC_TEXT_MAX + 1] = "";
    struct hc_rule_info ri;
    uint32_t id = req->u.rule_id;
    int rc = s->ops->get(s->ctx, id, &ri);
    if (rc) {
        refuse(rep, to_status(rc), rc == -ENOENT ? "no rule %u" : "cannot read rule %u", id);
        return;
    }
    if (strcmp(ri.owner, owner)) {
        refuse(rep, HC_EPERM, "rule %u belongs to %s; %s may delete only its own rules", id,
               holder(ri.owner), owner);
        return;
    }
    rc = s->ops->del(s->ctx, id, owner, msg, sizeof(msg));
    if (rc) refuse_rc(rep, rc, msg);
}

static void do_list(struct hc_server *s, const char *owner, const struct hc_msg *req,
                    struct hc_msg *rep)
{
    /* One more than a page tells whether there is more. */
    struct walk w = {
        .owner = owner, .start = req->u.start ? req->u.start : 1, .cap = HC_LIST_MAX + 1};
    int rc = s->ops->list(s->ctx, w.start, own_rule, &w);
    if (rc) {
        refuse_rc(rep, rc, "cannot list the rules");
        return;
    }
    if (w.n > HC_LIST_MAX) rep->flags |= HC_F_MORE;
    unsigned n = w.n > HC_LIST_MAX ? HC_LIST_MAX : w.n;
    for (unsigned i = 0; i < n; i++) {
        struct hc_rule_info ri;
        /* Gone since the walk, or another owner's now: leave it out. */
        if (s->ops->get(s->ctx, w.ids[i], &ri) || strcmp(ri.owner, owner)) continue;
        struct hc_entry *e = &rep->u.list.e[rep->u.list.n++];
        e->id = ri.id;
        e->rule = ri.rule;
        e->packets = ri.packets;
        e->bytes = ri.bytes;
    }
}

static void do_events(struct hc_port *p, const struct hc_msg *req, struct hc_msg *rep)
{
    uint32_t first = p->seq > HC_BACKLOG ? p->seq - HC_BACKLOG + 1 : 1;
    uint32_t seq = req->u.start > first ? req->u.start : first;
    for (; seq <= p->seq && seq != 0; seq++) {
        if (rep->u.notes.n == HC_NOTES_MAX) {
            rep->flags |= HC_F_MORE;
            break;
        }
        rep->u.notes.note[rep->u.notes.n++] = p->backlog[(seq - 1) % HC_BACKLOG];
    }
}

/* The request's bytes from its EtherType on: what a retry repeats. */
static int is_retry(const struct hc_port *p, const uint8_t *frame, size_t len)
{
    return p->rep_len && len <= HC_FRAME_MAX && p->req_len == len - 12 &&
           !memcmp(p->req, frame + 12, len - 12);
}

int hc_handle(struct hc_server *s, const uint8_t *frame, size_t len, uint16_t port_id, uint8_t *out,
              size_t cap)
{
    char err[HC_TEXT_MAX + 1], owner[HC_OWNER_LEN];
    struct hc_msg req, rep;
    struct hc_port *p = port_get(s, port_id);

    if (!p || cap < HC_FRAME_MAX) return 0;
    p->st.frames++;
    int rc = hc_parse(frame, len, &req, err, sizeof(err));
    if (rc && !req.has_id) {
        p->st.malformed++;
        p->st.unanswered++;
        return 0;
    }
    if (is_retry(p, frame, len)) {
        p->st.retries++;
        memcpy(out, p->rep, p->rep_len);
        return (int)p->rep_len;
    }
    reply_init(s, &req, &rep);
    if (!rc && !(req.op >= HC_OP_RULE_ADD && req.op <= HC_OP_EVENTS)) {
        rc = HC_EINVAL;
        snprintf(err, sizeof(err), "%s is sent by the monitor, not to it", hc_op_name(req.op));
    }
    snprintf(owner, sizeof(owner), "guest:%u", port_id);
    if (rc) {
        p->st.malformed++;
        /* 0: what was answered is not a request op at all. */
        rep.ref_op = req.op >= HC_OP_RULE_ADD && req.op <= HC_OP_EVENTS ? req.op : 0;
        refuse(&rep, (uint16_t)rc, "%s", err);
    } else {
        p->st.requests++;
        switch (req.op) {
        case HC_OP_RULE_ADD:
            do_add(s, port_id, owner, &req, &rep);
            break;
        case HC_OP_RULE_DEL:
            do_del(s, owner, &req, &rep);
            break;
        case HC_OP_RULE_LIST:
            do_list(s, owner, &req, &rep);
            break;
        case HC_OP_EVENTS:
            do_events(p, &req, &rep);
            break;
        }
    }
    if (rep.status) p->st.refused++;
    size_t n = hc_encode(&rep, out, cap);
    if (!n) return 0; /* cannot happen: every reply built here encodes */
    /* Remember it for a retry (a malformed frame too: the answer is the same).
     * An oversized frame is not kept: the datapath never delivers one. */
    if (len <= HC_FRAME_MAX) {
        p->req_len = len - 12;
        memcpy(p->req, frame + 12, len - 12);
        p->rep_len = n;
        memcpy(p->rep, out, n);
    }
    return (int)n;
}

/* ---- notifications ------------------------------------------------------------------- */

int hc_notify(struct hc_server *s, uint16_t port_id, const struct hc_note *note, uint8_t *out,
              size_t cap)
{
    struct hc_msg m;
    if (port_id == 0 || port_id > HC_PORT_ID_MAX || hc_kind_name(note->kind)[0] == '?')
        return -EINVAL;
    size_t tlen = strnlen(note->text, sizeof(note->text));
    if (tlen > HC_NOTE_TEXT_MAX) return -EINVAL;
    for (size_t i = 0; i < tlen; i++)
        if (note->text[i] < 0x20 || note->text[i] > 0x7e) return -EINVAL;
    if (cap < HC_FRAME_MAX) return -ENOSPC;
    struct hc_port *p = port_get(s, port_id);
    if (!p) return -ENOMEM;

    memset(&m, 0, sizeof(m));
    memcpy(m.dst, broadcast, 6);
    memcpy(m.src, s->mac, 6);
    m.op = HC_OP_NOTIFY;
    struct hc_note *n = &m.u.notes.note[0];
    *n = *note;
    n->seq = p->seq + 1; /* 2^32 notifications on one port are not a concern */
    if (!n->time) n->time = (uint64_t)time(NULL);
    m.u.notes.n = 1;
    m.id = n->seq;
    size_t len = hc_encode(&m, out, cap);
    if (!len) return -EINVAL;
    p->seq = n->seq;
    p->backlog[(n->seq - 1) % HC_BACKLOG] = *n;
    p->st.notes++;
    return (int)len;
}
