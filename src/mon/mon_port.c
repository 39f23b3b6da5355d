/*
 * mon_port.c - guest ports: the filter as a bump in the wire between the guest's
 * host-side port G and an uplink U whose veth peer sits on the switch. Three tc
 * (clsact, direct-action) filters per port: G ingress and U ingress decide and
 * redirect, G egress guards. tc filters hold their program, so the port keeps
 * filtering while no process has the library open.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mon/mon_internal.h"

#define MON_TC_HANDLE 0x5646u /* "VF" */
#define MON_TC_PRIO   1u      /* first among the port's filters */

struct pair {
    __u32 g, u;             /* ifindexes; 0 when absent */
    struct mon_port pg, pu; /* their entries */
};

/* The port table is keyed by ifindex; a port id is found by a walk (at most
 * MON_PORTS_MAX entries, and only on control operations). */
static int find_pair(struct mon *m, uint16_t port_id, struct pair *pp)
{
    __u32 key, next;
    int have = 0;
    memset(pp, 0, sizeof(*pp));
    while (bpf_map_get_next_key(m->fd_ports, have ? &key : NULL, &next) == 0) {
        struct mon_port p;
        key = next;
        have = 1;
        if (bpf_map_lookup_elem(m->fd_ports, &next, &p) != 0 || p.port_id != port_id) continue;
        if (p.dir == MON_DIR_FROM_GUEST) {
            pp->g = next;
            pp->pg = p;
        } else {
            pp->u = next;
            pp->pu = p;
        }
    }
    return pp->g || pp->u ? 0 : -ENOENT;
}

int mon_port_guest_ifindex(struct mon *m, uint16_t port_id, uint32_t *ifindex)
{
    struct pair pp;
    if (find_pair(m, port_id, &pp) || !pp.g) return -ENOENT;
    *ifindex = pp.g;
    return 0;
}

int mon_port_ids(struct mon *m, uint16_t *ids, size_t cap)
{
    uint8_t seen[MON_PORT_ID_MAX + 1] = {0};
    __u32 key, next;
    int have = 0;
    size_t n = 0;
    while (bpf_map_get_next_key(m->fd_ports, have ? &key : NULL, &next) == 0) {
        struct mon_port p;
        key = next;
        have = 1;
        if (bpf_map_lookup_elem(m->fd_ports, &next, &p) == 0 && p.port_id &&
            p.port_id <= MON_PORT_ID_MAX)
            seen[p.port_id] = 1;
    }
    for (uint16_t id = 1; id <= MON_PORT_ID_MAX && n < cap; id++)
        if (seen[id]) ids[n++] = id;
    return (int)n;
}

static int tc_hook(int ifindex, enum bpf_tc_attach_point ap, int prog_fd)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = ap);
    LIBBPF_OPTS(bpf_tc_opts, o, .handle = MON_TC_HANDLE, .priority = MON_TC_PRIO,
                .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
    return bpf_tc_attach(&h, &o);
}

static void tc_unhook(int ifindex, enum bpf_tc_attach_point ap)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = ap);
    LIBBPF_OPTS(bpf_tc_opts, o, .handle = MON_TC_HANDLE, .priority = MON_TC_PRIO);
    bpf_tc_detach(&h, &o);
}

static __u32 prog_id(int fd)
{
    struct bpf_prog_info info;
    __u32 len = sizeof(info);
    memset(&info, 0, sizeof(info));
    return fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

static int tc_hooked(int ifindex, enum bpf_tc_attach_point ap, __u32 want)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = ap);
    LIBBPF_OPTS(bpf_tc_opts, o, .handle = MON_TC_HANDLE, .priority = MON_TC_PRIO);
    return want && bpf_tc_query(&h, &o) == 0 && o.prog_id == want;
}

/* Creates the clsact qdisc; 1 if this call created it, 0 if it was there. */
static int clsact_create(int ifindex)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int rc = bpf_tc_hook_create(&h);
    return rc == 0 ? 1 : rc == -EEXIST ? 0 : rc;
}

static void clsact_destroy(int ifindex)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&h);
}

/* Attach order: the guard and the uplink first, the guest's ingress last, so a
 * frame from the guest is never forwarded before the way back is filtered. */
static int hook_all(struct mon *m, __u32 g, __u32 u)
{
    int rc;
    if ((rc = tc_hook((int)g, BPF_TC_EGRESS, m->fd_guard)) ||
        (rc = tc_hook((int)u, BPF_TC_INGRESS, m->fd_ingress)) ||
        (rc = tc_hook((int)g, BPF_TC_INGRESS, m->fd_ingress)))
        return rc;
    return 0;
}

static void unhook_all(__u32 g, __u32 u)
{
    if (g) tc_unhook((int)g, BPF_TC_INGRESS);
    if (u) tc_unhook((int)u, BPF_TC_INGRESS);
    if (g) tc_unhook((int)g, BPF_TC_EGRESS);
}

/* Undo of a partial attach, and the body of detach. */
static void teardown(struct mon *m, const struct pair *pp)
{
    __u8 fl = pp->g ? pp->pg.flags : pp->pu.flags;
    unhook_all(pp->g, pp->u);
    if (pp->g && (fl & MON_PORT_F_CLSACT_G)) clsact_destroy((int)pp->g);
    if (pp->u && (fl & MON_PORT_F_CLSACT_U)) clsact_destroy((int)pp->u);
    if (pp->g) bpf_map_delete_elem(m->fd_ports, &pp->g);
    if (pp->u) bpf_map_delete_elem(m->fd_ports, &pp->u);
    if (pp->u && (fl & MON_PORT_F_UPLINK_OWNED))
        mon_nl_link_del((int)pp->u); /* takes its veth peer with it */
}

static int check_spec(struct mon *m, const struct mon_port_spec *s)
{
    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    if (s->port_id == 0 || s->port_id > MON_PORT_ID_MAX)
        return mon_fail(m, -EINVAL, "port id %u is out of range 1..%u", s->port_id,
                        MON_PORT_ID_MAX);
    if (!s->guest_if || !*s->guest_if || strlen(s->guest_if) >= IFNAMSIZ)
        return mon_fail(m, -EINVAL, "guest interface name missing or too long");
    if (!s->uplink_if || !*s->uplink_if || strlen(s->uplink_if) >= IFNAMSIZ)
        return mon_fail(m, -EINVAL, "uplink interface name missing or too long");
    if (s->uplink_peer && (!*s->uplink_peer || strlen(s->uplink_peer) >= IFNAMSIZ))
        return mon_fail(m, -EINVAL, "uplink peer name empty or too long");
    if (s->flags & ~MON_PORT_IPV4_ONLY)
        return mon_fail(m, -EINVAL, "unknown port flags 0x%x", s->flags);
    struct pair pp;
    if (find_pair(m, s->port_id, &pp) == 0)
        return mon_fail(m, -EEXIST, "port %u is already attached", s->port_id);
    return 0;
}

static int in_use(struct mon *m, __u32 ifindex, const char *name)
{
    struct mon_port p;
    if (bpf_map_lookup_elem(m->fd_ports, &ifindex, &p) == 0)
        return mon_fail(m, -EEXIST, "%s is already part of monitored port %u", name, p.port_id);
    return 0;
}

int mon_attach_port(struct mon *m, const struct mon_port_spec *s)
{
    char uname[IFNAMSIZ], pname[IFNAMSIZ];
    const char *peer = s->uplink_peer;
    struct pair pp;
    int rc;

    if ((rc = check_spec(m, s))) return rc;
    snprintf(uname, sizeof(uname), "%s", s->uplink_if);
    if (strcmp(uname, "auto") == 0) { /* vfm<ID>u, with vfm<ID>s for the switch */
        snprintf(uname, sizeof(uname), "vfm%uu", s->port_id);
        snprintf(pname, sizeof(pname), "vfm%us", s->port_id);
        peer = pname;
    }
    memset(&pp, 0, sizeof(pp));
    pp.g = if_nametoindex(s->guest_if);
    if (!pp.g) return mon_fail(m, -ENODEV, "no interface %s", s->guest_if);
    if ((rc = in_use(m, pp.g, s->guest_if))) return rc;
    __u8 flags = s->flags & MON_PORT_IPV4_ONLY ? MON_PORT_F_IPV4_ONLY : 0;
    if (peer) {
        if ((rc = mon_nl_veth_add(uname, peer)))
            return mon_fail(m, rc, "cannot create the uplink pair %s/%s: %s", uname, peer,
                            strerror(-rc));
        flags |= MON_PORT_F_UPLINK_OWNED;
    }
    pp.u = if_nametoindex(uname);
    if (!pp.u) return mon_fail(m, -ENODEV, "no interface %s", uname);
    if (pp.u == pp.g) {
        rc = mon_fail(m, -EINVAL, "guest and uplink are the same interface %s", uname);
        goto undo_link;
    }
    if ((rc = in_use(m, pp.u, uname))) goto undo_link;
    int cg = clsact_create((int)pp.g), cu = cg < 0 ? 0 : clsact_create((int)pp.u);
    if (cg < 0 || cu < 0) {
        rc = mon_fail(m, cg < 0 ? cg : cu, "cannot add the clsact qdisc: %s",
                      strerror(-(cg < 0 ? cg : cu)));
        if (cg > 0) clsact_destroy((int)pp.g);
        goto undo_link;
    }
    flags |= (cg ? MON_PORT_F_CLSACT_G : 0) | (cu ? MON_PORT_F_CLSACT_U : 0);
    pp.pg = (struct mon_port){
        .peer_ifindex = pp.u, .port_id = s->port_id, .dir = MON_DIR_FROM_GUEST, .flags = flags};
    pp.pu = (struct mon_port){
        .peer_ifindex = pp.g, .port_id = s->port_id, .dir = MON_DIR_TO_GUEST, .flags = flags};
    __u32 pid = s->port_id;
    const void *z = mon_zeros(m, sizeof(struct mon_pstat));
    if (!z || bpf_map_update_elem(m->fd_pstats, &pid, z, BPF_ANY) ||
        bpf_map_update_elem(m->fd_ports, &pp.g, &pp.pg, BPF_NOEXIST) ||
        bpf_map_update_elem(m->fd_ports, &pp.u, &pp.pu, BPF_NOEXIST)) {
        rc = mon_fail(m, z ? -errno : -ENOMEM, "cannot record port %u: %s", s->port_id,
                      strerror(z ? errno : ENOMEM));
        teardown(m, &pp);
        return rc;
    }
    if ((rc = hook_all(m, pp.g, pp.u)) || (rc = mon_nl_link_up((int)pp.u)) ||
        (peer && (rc = mon_nl_link_up((int)if_nametoindex(peer)))) ||
        (rc = mon_nl_link_up((int)pp.g))) {
        int e = rc;
        teardown(m, &pp);
        return mon_fail(m, e, "cannot attach port %u (%s/%s): %s", s->port_id, s->guest_if, uname,
                        strerror(-e));
    }
    return 0;
undo_link:
    if (peer) mon_nl_link_del((int)if_nametoindex(uname));
    return rc;
}

int mon_detach_port(struct mon *m, uint16_t port_id)
{
    struct pair pp;
    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    if (find_pair(m, port_id, &pp)) return mon_fail(m, -ENOENT, "port %u is not attached", port_id);
    teardown(m, &pp);
    return 0;
}

int mon_ports_reattach(struct mon *m)
{
    uint16_t ids[MON_PORT_ID_MAX];
    int n = mon_port_ids(m, ids, MON_PORT_ID_MAX);
    for (int i = 0; i < n; i++) {
        struct pair pp;
        if (find_pair(m, ids[i], &pp) == 0 && pp.g && pp.u)
            hook_all(m, pp.g, pp.u); /* BPF_TC_F_REPLACE: one atomic swap each */
    }
    return 0;
}

static void sum_pstat(struct mon *m, uint16_t port_id, struct mon_port_info *pi)
{
    __u32 key = port_id;
    struct mon_pstat *v = calloc((size_t)m->ncpus, sizeof(*v));
    if (!v || bpf_map_lookup_elem(m->fd_pstats, &key, v) != 0) {
        free(v);
        return;
    }
    for (int c = 0; c < m->ncpus; c++) {
        for (int d = 0; d < 2; d++) {
            pi->dir[d].pass_pkts += v[c].pass_pkts[d];
            pi->dir[d].pass_bytes += v[c].pass_bytes[d];
            pi->dir[d].drop_pkts += v[c].drop_pkts[d];
            pi->dir[d].drop_bytes += v[c].drop_bytes[d];
        }
        pi->malformed += v[c].malformed;
        pi->ev_sent += v[c].ev_sent;
        pi->ev_limited += v[c].ev_limited;
        pi->ev_lost += v[c].ev_lost;
        pi->hc_frames += v[c].hc_frames;
        pi->hc_oversize += v[c].hc_oversize;
        pi->hc_limited += v[c].hc_limited;
        pi->hc_lost += v[c].hc_lost;
        pi->hc_spoofed += v[c].hc_spoofed;
        pi->hc_sent += v[c].hc_sent;
    }
    free(v);
}

int mon_port_stats(struct mon *m, uint16_t port_id, struct mon_port_info *pi)
{
    struct pair pp;
    memset(pi, 0, sizeof(*pi));
    if (find_pair(m, port_id, &pp)) return mon_fail(m, -ENOENT, "port %u is not attached", port_id);
    __u8 fl = pp.g ? pp.pg.flags : pp.pu.flags;
    pi->port_id = port_id;
    pi->flags = fl & MON_PORT_F_IPV4_ONLY ? MON_PORT_IPV4_ONLY : 0;
    pi->uplink_owned = !!(fl & MON_PORT_F_UPLINK_OWNED);
    pi->guest_ifindex = (int)pp.g;
    pi->uplink_ifindex = (int)pp.u;
    if (!pp.g || !if_indextoname(pp.g, pi->guest_if)) pi->guest_if[0] = '\0';
    if (!pp.u || !if_indextoname(pp.u, pi->uplink_if)) pi->uplink_if[0] = '\0';
    __u32 ing = prog_id(m->fd_ingress), grd = prog_id(m->fd_guard);
    pi->attached = pp.g && pp.u && tc_hooked((int)pp.g, BPF_TC_INGRESS, ing) &&
                   tc_hooked((int)pp.u, BPF_TC_INGRESS, ing) &&
                   tc_hooked((int)pp.g, BPF_TC_EGRESS, grd);
    sum_pstat(m, port_id, pi);
    return 0;
}

int mon_port_list(struct mon *m, mon_port_cb cb, void *ctx)
{
    uint16_t ids[MON_PORT_ID_MAX];
    int n = mon_port_ids(m, ids, MON_PORT_ID_MAX);
    for (int i = 0; i < n; i++) {
        struct mon_port_info pi;
        if (mon_port_stats(m, ids[i], &pi) == 0 && cb(&pi, ctx)) break;
    }
    return n;
}
