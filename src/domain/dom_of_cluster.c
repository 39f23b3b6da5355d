/*
 * dom_of_cluster.c - the of domain's side of the cluster (docs/cluster.md).
 * With [cluster] the engine runs in roles mode: every switch starts as a
 * slave (a Nicira role request), the apps see it only once the cluster
 * domain, through the core, makes this instance its master (CL_ROLE), and
 * lose it again when it is handed back. Which switches exist goes the other
 * way (CL_CONN), and so does a switch's refusal of us as master (another
 * instance took it over through the switch). The apps' shared keys travel
 * as CL_PUT out and CL_EVENT in; lof keeps the mirror they read.
 */
#include <inttypes.h>
#include <string.h>

#include "domain/dom.h"
#include "lof/lof.h"
#include "ofc/ofc.h"

static void send_conn(struct dom *d, uint64_t dpid, uint8_t state)
{
    union msg_body b = {.cl_switch = {dpid, state}};
    dom_send(d, MSG_CL_CONN, 0, &b, NULL, 0);
}

/* ofc's role hooks (ctx: the dom) */
void dom_of_role_conn(void *ctx, uint64_t dpid, int up)
{
    send_conn(ctx, dpid, up ? MSG_CLS_UP : MSG_CLS_GONE);
}

void dom_of_role_lost(void *ctx, uint64_t dpid, const char *why)
{
    struct dom *d = ctx;
    log_warn(&d->log, "cluster", "switch %016" PRIx64 ": refused us as master (%s)", dpid, why);
    send_conn(d, dpid, MSG_CLS_LOST);
}

/* lof's cluster_put host callback (ctx: the dom) */
int dom_of_cluster_put(void *ctx, int op, const char *key, const void *val, size_t vlen,
                       uint32_t ttl)
{
    struct dom *d = ctx;
    union msg_body b;
    memset(&b, 0, sizeof(b));
    size_t kl = strlen(key);
    if (!msg_cl_key_ok(key, kl) || vlen > MSG_CL_VAL_MAX || ttl > MSG_CL_TTL_MAX) return -22;
    b.cl_kv.op = op == LOF_CL_PUT ? MSG_CL_OP_PUT : MSG_CL_OP_DELETE;
    memcpy(b.cl_kv.key, key, kl + 1);
    if (op == LOF_CL_PUT) {
        b.cl_kv.value = val;
        b.cl_kv.value_len = (uint32_t)vlen;
        b.cl_kv.ttl = ttl;
    }
    dom_send(d, MSG_CL_PUT, 0, &b, NULL, 0);
    return 0;
}

int dom_of_role(struct dom *d, const struct msg_cl_role *m)
{
    struct ofc *c = dom_of_engine(d);
    if (!c) return MSG_OK;
    if (ofc_role_set(c, m->dpid, m->master, m->takeover) != 0)
        log_info(&d->log, "cluster", "switch %016" PRIx64 ": %s, but it is not connected here",
                 m->dpid, m->master ? "made master" : "made slave");
    return MSG_OK;
}

int dom_of_cluster_event(struct dom *d, const struct msg_cl_kv *m)
{
    struct lof *l = dom_of_host(d);
    if (l)
        lof_cluster_event(l, m->op == MSG_CL_OP_PUT ? LOF_CL_PUT : LOF_CL_DELETE, m->key,
                          m->value, m->value_len);
    return MSG_OK;
}

int dom_of_cluster_state(struct dom *d, const struct msg_cl_state *m)
{
    struct lof *l = dom_of_host(d);
    if (l) lof_cluster_state(l, m->connected);
    return MSG_OK;
}
