/*
 * mon_internal.h - the monitor handle and what the mon_*.c files share. Not for
 * users of the library: they include mon.h.
 */
#ifndef VF_MON_INTERNAL_H
#define VF_MON_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/mon_abi.h"
#include "mon/mon.h"

struct bpf_object;
struct ring_buffer;

_Static_assert(MON_OWNER_LEN == MON_OWNER_MAX, "owner length agrees with the ABI");
_Static_assert(MON_RULE_ID_MAX == MON_RULES_MAX - 1, "rule id range agrees with the ABI");
_Static_assert(MON_PORT_ID_LIMIT == MON_PORT_ID_MAX, "port id range agrees with the ABI");
_Static_assert(MON_HC_ETHER_TYPE == MON_HC_ETHERTYPE, "hypercall EtherType agrees with the ABI");
_Static_assert(MON_HC_FRAME_LEN == MON_HC_FRAME_MAX, "hypercall frame limit agrees with the ABI");

/* Owner kinds map 1:1 to evaluation tiers. */
struct mon_owner {
    unsigned tier; /* MON_TIER_* */
    uint16_t port; /* guest:ID */
    char name[32]; /* domain:NAME */
};

struct mon {
    char pin_dir[200];
    unsigned flags;
    int lock_fd;
    struct bpf_object *obj; /* NULL when read-only */
    int fd_ports, fd_exact, fd_prefix, fd_counters, fd_pstats, fd_cfg, fd_events, fd_rules;
    int fd_hc, fd_hc_tb;      /* hypercall ring and token buckets */
    int fd_ingress, fd_guard; /* the pinned programs */
    struct mon_cfg *cfg;      /* the mmap-ed configuration entry */
    struct ring_buffer *rb;
    mon_drop_cb ev_cb;
    void *ev_ctx;
    struct ring_buffer *hc_rb; /* hypercall frames (mon_hc.c) */
    mon_hc_cb hc_cb;
    void *hc_ctx;
    int hc_sock;      /* AF_PACKET socket with SO_MARK for the monitor's frames */
    uint16_t hc_port; /* last port sent to, and its guest-side ifindex */
    uint32_t hc_ifindex;
    int ncpus;
    /* The rule table, indexed by id, rebuilt from the pinned records at open. */
    struct mon_rule_rec *recs;
    uint8_t *used;
    size_t nrules;
    uint32_t next_id;
    /* How many match entries use each presence bit, per direction. */
    uint32_t present_refs[2][64];
    void *zeros; /* zeroed per-CPU values, for resetting counters */
    size_t zeros_len;
    char err[MON_ERR_LEN];
};

/* mon_open.c */
int mon_fail(struct mon *m, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mon_pin_path(const struct mon *m, const char *name, char *buf, size_t len);
/* Zeros for every CPU's copy of a value of size vsize (rounded up to 8). */
const void *mon_zeros(struct mon *m, size_t vsize);

/* mon_rule.c (used by recovery in mon_open.c) */
int mon_rules_recover(struct mon *m);
void mon_rec_to_rule(const struct mon_rule_rec *rec, struct mon_rule *r);

/* mon_owner.c */
int mon_owner_parse(const char *text, struct mon_owner *o, char *err, size_t errlen);

/* mon_port.c */
int mon_ports_reattach(struct mon *m);                      /* after the programs changed */
int mon_port_ids(struct mon *m, uint16_t *ids, size_t cap); /* attached port ids */
int mon_port_guest_ifindex(struct mon *m, uint16_t port_id, uint32_t *ifindex); /* G's */

/* mon_nl.c: the rtnetlink calls the port code needs */
int mon_nl_veth_add(const char *name, const char *peer);
int mon_nl_link_up(int ifindex);
int mon_nl_link_del(int ifindex);

/* mon_blob.c: the filter object, embedded at build time */
extern const unsigned char mon_bpf_obj[];
extern const unsigned char mon_bpf_obj_end[];

#endif
