/*
 * hc_mon.c - the hypercall server's callbacks over the monitor's rule table,
 * and the few lines that connect the hypercall ring, the server and the
 * socket. Numbers change representation here: hc uses host-order addresses,
 * mon network order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hc_mon.h"

_Static_assert(HC_ETHERTYPE == MON_HC_ETHER_TYPE, "hypercall EtherType: hc and mon agree");
_Static_assert(HC_FRAME_MAX == MON_HC_FRAME_LEN, "hypercall frame limit: hc and mon agree");
_Static_assert(HC_PORT_ID_MAX == MON_PORT_ID_LIMIT, "port ids: hc and mon agree");
_Static_assert(HC_OWNER_LEN == MON_OWNER_LEN, "owner length: hc and mon agree");

static void to_mon(const struct hc_rule *r, uint16_t port_id, struct mon_rule *mr)
{
    memset(mr, 0, sizeof(*mr));
    mr->addr = htonl(r->addr);
    mr->plen = r->plen;
    mr->proto = r->proto;
    mr->l4port = r->port;
    mr->dirs = r->dirs;
    mr->action = r->action == HC_ACT_DROP ? MON_DROP : MON_PASS;
    mr->port_id = port_id;
}

static void to_hc(const struct mon_rule_info *ri, struct hc_rule_info *out)
{
    memset(out, 0, sizeof(*out));
    out->id = ri->id;
    out->rule.addr = ntohl(ri->rule.addr);
    out->rule.plen = ri->rule.plen;
    out->rule.proto = ri->rule.proto;
    out->rule.port = ri->rule.l4port;
    out->rule.dirs = ri->rule.dirs;
    out->rule.action = ri->rule.action == MON_DROP ? HC_ACT_DROP : HC_ACT_PASS;
    out->port_id = ri->rule.port_id;
    memcpy(out->owner, ri->owner, sizeof(out->owner));
    out->owner[sizeof(out->owner) - 1] = '\0';
    out->packets = ri->packets;
    out->bytes = ri->bytes;
}

static int op_add(void *ctx, const struct hc_rule *r, uint16_t port_id, const char *owner,
                  uint32_t *id, char *msg, size_t msglen)
{
    struct mon *m = ctx;
    struct mon_rule mr;
    to_mon(r, port_id, &mr);
    int rc = mon_rule_add(m, &mr, owner, id);
    if (rc) snprintf(msg, msglen, "%s", mon_error(m));
    return rc;
}

static int op_del(void *ctx, uint32_t id, const char *owner, char *msg, size_t msglen)
{
    struct mon *m = ctx;
    int rc = mon_rule_del(m, id, owner);
    if (rc) snprintf(msg, msglen, "%s", mon_error(m));
    return rc;
}

static int op_get(void *ctx, uint32_t id, struct hc_rule_info *out)
{
    struct mon_rule_info ri;
    int rc = mon_rule_get(ctx, id, &ri);
    if (!rc) to_hc(&ri, out);
    return rc;
}

struct list_ctx {
    uint32_t start;
    hc_rule_cb cb;
    void *cbctx;
};

static int list_one(const struct mon_rule_info *ri, void *ctx)
{
    struct list_ctx *l = ctx;
    struct hc_rule_info hi;
    if (ri->id < l->start) return 0;
    to_hc(ri, &hi);
    return l->cb(&hi, l->cbctx);
}

/* Without counters: reading them is a system call per rule, and the server
 * asks get() for the few it returns. */
static int op_list(void *ctx, uint32_t start, hc_rule_cb cb, void *cbctx)
{
    struct list_ctx l = {start, cb, cbctx};
    return mon_rule_list(ctx, 0, list_one, &l);
}

const struct hc_ops hc_mon_ops = {op_add, op_del, op_get, op_list};

void hc_mon_frame(const struct mon_hc_frame *f, void *ctx)
{
    struct hc_mon *hm = ctx;
    uint8_t out[HC_FRAME_MAX];
    int n = hc_handle(hm->srv, f->bytes, f->len, f->port_id, out, sizeof(out));
    if (n > 0 && mon_hc_send(hm->mon, f->port_id, out, (size_t)n)) hm->send_errors++;
}

int hc_mon_notify(struct hc_mon *hm, uint16_t port_id, const struct hc_note *note)
{
    uint8_t out[HC_FRAME_MAX];
    int n = hc_notify(hm->srv, port_id, note, out, sizeof(out));
    if (n < 0) return n;
    /* Kept in the backlog even when the guest cannot be reached now. */
    return mon_hc_send(hm->mon, port_id, out, (size_t)n);
}

struct reset_ctx {
    char owner[HC_OWNER_LEN];
    uint32_t *ids;
    size_t n, cap;
};

static int collect(const struct mon_rule_info *ri, void *ctx)
{
    struct reset_ctx *r = ctx;
    if (strcmp(ri->owner, r->owner)) return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        uint32_t *ids = realloc(r->ids, cap * sizeof(*ids));
        if (!ids) return 1;
        r->ids = ids;
        r->cap = cap;
    }
    r->ids[r->n++] = ri->id;
    return 0;
}

int hc_mon_port_reset(struct hc_mon *hm, uint16_t port_id)
{
    struct reset_ctx r = {.ids = NULL};
    int gone = 0;
    if (port_id == 0 || port_id > HC_PORT_ID_MAX) return -EINVAL;
    snprintf(r.owner, sizeof(r.owner), "guest:%u", port_id);
    mon_rule_list(hm->mon, 0, collect, &r);
    for (size_t i = 0; i < r.n; i++)
        gone += mon_rule_del(hm->mon, r.ids[i], "admin") == 0;
    free(r.ids);
    hc_server_port_reset(hm->srv, port_id);
    return gone;
}
