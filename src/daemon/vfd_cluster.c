/*
 * vfd_cluster.c - the core's part in the cluster (docs/cluster.md): it
 * passes the fixed-layout messages between the of domain and the cluster
 * domain, and remembers the one thing either of them needs after the
 * other restarts: which switches the of domain has. It holds no etcd
 * state and parses nothing from the network; whatever crosses here has
 * crossed a decoder (msg_cluster.c) on the way in.
 *
 *   of       CL_CONN      -> core (table) -> CL_SWITCH   -> cluster
 *   cluster  CL_ROLE_SET  -> core         -> CL_ROLE     -> of
 *   of       CL_PUT       -> core         -> CL_WRITE    -> cluster
 *   cluster  CL_CHANGE    -> core         -> CL_EVENT    -> of
 *   cluster  CL_STATE_SET -> core         -> CL_STATE    -> of
 *
 * A message for a domain that is not running is dropped and counted: the
 * cluster domain rebuilds everything from etcd and from the switch table
 * when it starts, the of domain gets its roles again when its switches
 * reconnect. An app's write while the cluster domain restarts is lost (the
 * app learns nothing of it; the count is in `visorflowctl cluster`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vfd.h"

#define CL_SWITCHES_MAX 4096 /* switches one of domain may report */

struct vfd_cluster {
    uint64_t *dpids; /* switches the of domain has now */
    size_t n;
    uint64_t dropped_writes, dropped_events, refused_switches;
};

static struct vfd_cluster *get(struct vfd *d)
{
    if (!d->cluster) d->cluster = calloc(1, sizeof(*d->cluster));
    if (d->cluster && !d->cluster->dpids)
        d->cluster->dpids = calloc(CL_SWITCHES_MAX, sizeof(uint64_t));
    return d->cluster && d->cluster->dpids ? d->cluster : NULL;
}

static struct vfd_domain *running(struct vfd *d, int kind)
{
    struct vfd_domain *dom = vfd_domain_find(d, kind);
    return dom && dom->fd >= 0 && dom->pid > 0 ? dom : NULL;
}

int vfd_cluster_conn(struct vfd_domain *dom, const struct msg_cl_switch *m)
{
    struct vfd *d = dom->d;
    struct vfd_cluster *k = get(d);
    if (!k) return MSG_OK;
    size_t i;
    for (i = 0; i < k->n && k->dpids[i] != m->dpid; i++) {
    }
    if (m->state == MSG_CLS_UP && i == k->n) {
        if (k->n == CL_SWITCHES_MAX) {
            /* it stays slave: nobody here will campaign for it */
            k->refused_switches++;
            log_warn(&d->log, "cluster", "switch %016llx: more than %d switches, not in the cluster",
                     (unsigned long long)m->dpid, CL_SWITCHES_MAX);
            return MSG_OK;
        }
        k->dpids[k->n++] = m->dpid;
    } else if (m->state == MSG_CLS_GONE && i < k->n) {
        k->dpids[i] = k->dpids[--k->n];
    }
    struct vfd_domain *cl = running(d, MSG_KIND_CLUSTER);
    union msg_body b = {.cl_switch = *m};
    if (cl) vfd_domain_send(cl, MSG_CL_SWITCH, 0, &b, NULL, 0);
    return MSG_OK;
}

int vfd_cluster_role(struct vfd_domain *dom, const struct msg_cl_role *m)
{
    struct vfd_domain *of = running(dom->d, MSG_KIND_OF);
    union msg_body b = {.cl_role = *m};
    if (of) vfd_domain_send(of, MSG_CL_ROLE, 0, &b, NULL, 0);
    return MSG_OK;
}

/* CL_PUT from the of domain, CL_CHANGE from the cluster domain: the same
 * layout, passed on to the other side. */
int vfd_cluster_kv(struct vfd_domain *dom, uint16_t type, const struct msg_cl_kv *m)
{
    struct vfd *d = dom->d;
    struct vfd_cluster *k = get(d);
    int to_cluster = type == MSG_CL_PUT;
    struct vfd_domain *peer = running(d, to_cluster ? MSG_KIND_CLUSTER : MSG_KIND_OF);
    union msg_body b = {.cl_kv = *m};
    if (!peer) {
        if (k && to_cluster) k->dropped_writes++;
        if (k && !to_cluster) k->dropped_events++;
        if (to_cluster)
            log_warn(&d->log, "cluster", "write of '%s' dropped: the cluster domain is not running",
                     m->key);
        return MSG_OK;
    }
    vfd_domain_send(peer, to_cluster ? MSG_CL_WRITE : MSG_CL_EVENT, 0, &b, NULL, 0);
    return MSG_OK;
}

int vfd_cluster_state(struct vfd_domain *dom, const struct msg_cl_state *m)
{
    struct vfd_domain *of = running(dom->d, MSG_KIND_OF);
    union msg_body b = {.cl_state = *m};
    if (of) vfd_domain_send(of, MSG_CL_STATE, 0, &b, NULL, 0);
    return MSG_OK;
}

/* A new incarnation of the cluster domain learns every switch there is. */
void vfd_cluster_domain_up(struct vfd_domain *dom)
{
    struct vfd_cluster *k = get(dom->d);
    if (!k || dom->conf->kind != MSG_KIND_CLUSTER) return;
    for (size_t i = 0; i < k->n; i++) {
        union msg_body b = {.cl_switch = {k->dpids[i], MSG_CLS_UP}};
        vfd_domain_send(dom, MSG_CL_SWITCH, 0, &b, NULL, 0);
    }
}

/* The of domain ended: its switches went with it (the cluster domain gives
 * up their mastership at once, so another instance takes over without
 * waiting out our lease). The cluster domain ended: the of domain keeps
 * its roles (the switches fence: docs/cluster.md) and hears etcd is gone. */
void vfd_cluster_domain_down(struct vfd_domain *dom)
{
    struct vfd *d = dom->d;
    struct vfd_cluster *k = get(d);
    if (!k || !d->cfg.cluster.enabled) return;
    if (dom->conf->kind == MSG_KIND_OF) {
        struct vfd_domain *cl = running(d, MSG_KIND_CLUSTER);
        for (size_t i = 0; cl && i < k->n; i++) {
            union msg_body b = {.cl_switch = {k->dpids[i], MSG_CLS_GONE}};
            vfd_domain_send(cl, MSG_CL_SWITCH, 0, &b, NULL, 0);
        }
        k->n = 0;
    } else if (dom->conf->kind == MSG_KIND_CLUSTER) {
        struct vfd_domain *of = running(d, MSG_KIND_OF);
        union msg_body b = {.cl_state = {0}};
        if (of) vfd_domain_send(of, MSG_CL_STATE, 0, &b, NULL, 0);
    }
}

void vfd_cluster_counters(struct vfd *d, uint64_t *switches, uint64_t *dropped_writes,
                          uint64_t *dropped_events)
{
    struct vfd_cluster *k = d->cluster;
    *switches = k ? k->n : 0;
    *dropped_writes = k ? k->dropped_writes : 0;
    *dropped_events = k ? k->dropped_events : 0;
}

void vfd_cluster_free(struct vfd *d)
{
    if (!d->cluster) return;
    free(d->cluster->dpids);
    free(d->cluster);
    d->cluster = NULL;
}
