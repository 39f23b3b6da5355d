/*
 * mon_abi.h - what the packet filter (filter.bpf.c) and its loader (src/mon/)
 * share: map keys and values, event records, limits. Both sides compile it, so
 * it uses only <linux/types.h> types. Changing a layout here changes the pinned
 * maps' layout: bump MON_LAYOUT_VERSION so old pins are refused, not misread.
 */
#ifndef VF_BPF_MON_ABI_H
#define VF_BPF_MON_ABI_H

#include <linux/types.h>

#define MON_LAYOUT_VERSION 2u /* 2: hypercalls (mon_hc ring, counters, config) */

/* Limits. Rule ids are 1..MON_RULES_MAX-1 and index the counter array. */
#define MON_RULES_MAX    131072u
#define MON_MATCH_MAX    (2u * MON_RULES_MAX) /* a "both" rule has two entries */
#define MON_PORT_ID_MAX  4095u                /* guest port ids 1..4095; 0 = all */
#define MON_PORTS_MAX    8192u                /* ifindex entries: two per port */
#define MON_EVENTS_BYTES (256u * 1024u)       /* ring buffer size */

/* Guest hypercalls (docs/hypercall.md): frames of this EtherType from a guest
 * are copied to their own ring and never forwarded; towards a guest only the
 * monitor's own (marked) frames pass. Must agree with src/hc/hc.h. */
#define MON_HC_ETHERTYPE    0x88B5u
#define MON_HC_FRAME_MAX    512u           /* longer hypercall frames: dropped */
#define MON_HC_RING_BYTES   (256u * 1024u) /* ~490 frames */
#define MON_HC_MARK_DEFAULT 0x56464843u    /* "VFHC": skb->mark of the monitor's replies */

/* Direction of a packet, relative to the guest. */
#define MON_DIR_FROM_GUEST 0u
#define MON_DIR_TO_GUEST   1u

/* Rule actions as the datapath sees them. */
#define MON_ACT_PASS 0u /* count and let through */
#define MON_ACT_DROP 1u

/* Owner tiers, highest authority first. A tier's winning drop is final; a pass
 * never lifts a drop decided by another tier (see docs/monitor.md). */
#define MON_TIER_ADMIN  0u
#define MON_TIER_DOMAIN 1u
#define MON_TIER_GUEST  2u
#define MON_TIERS       3u

/* Rule classes, by how much of the L4 header they name. */
#define MON_CLASS_PORT  0u /* protocol tcp/udp and one port (src or dst) */
#define MON_CLASS_PROTO 1u /* one protocol, any port */
#define MON_CLASS_ANY   2u /* any protocol */
#define MON_CLASSES     3u

/* Scope: the rule names one guest port, or applies to all ports. */
#define MON_SCOPE_PORT 0u
#define MON_SCOPE_ALL  1u

/* Bit in mon_cfg.present[dir] telling the datapath that at least one entry of
 * this (tier, scope, class) exists in the exact-address hash (kind 0) or the
 * prefix trie (kind 1). Lookups of empty classes are skipped. */
#define MON_KIND_HASH 0u
#define MON_KIND_LPM  1u
#define MON_PRESENT_BIT(tier, scope, cls, kind)                                                    \
    (((((tier)*2u + (scope)) * MON_CLASSES + (cls)) * 2u) + (kind))

/* The fixed part of a match key; addr is last so that an LPM prefix over the
 * whole struct is "all fixed fields + the first plen bits of addr". */
struct mon_match {
    __u8 tier;    /* MON_TIER_* */
    __u8 dir;     /* MON_DIR_* */
    __u8 proto;   /* IP protocol; 0 = any (class ANY) */
    __u8 pad0;    /* zero */
    __u16 l4port; /* host order; 0 = any (class PROTO/ANY) */
    __u16 pad1;   /* zero */
    __u32 scope;  /* guest port id, 0 = all ports */
    __u32 addr;   /* remote IPv4 address, network order, host bits zero */
};
#define MON_MATCH_FIXED_BITS 96u /* bits of mon_match before addr */
_Static_assert(sizeof(struct mon_match) == 16, "mon_match layout");

struct mon_lpm_key {
    __u32 prefixlen; /* MON_MATCH_FIXED_BITS + plen */
    struct mon_match m;
};
_Static_assert(sizeof(struct mon_lpm_key) == 20, "mon_lpm_key layout");

/* Value of both match maps: all the datapath needs to know about a rule. */
struct mon_verdict {
    __u32 rule_id;
    __u8 action; /* MON_ACT_* */
    __u8 plen;   /* prefix length (the trie does not say which entry matched) */
    __u16 pad;
};
_Static_assert(sizeof(struct mon_verdict) == 8, "mon_verdict layout");

/* Per-rule counters (per-CPU array indexed by rule id). */
struct mon_counter {
    __u64 packets; /* GSO segments counted one by one */
    __u64 bytes;   /* bytes at the hook (a GSO packet counts its length once) */
};

/* Port table, keyed by ifindex: the guest-side port G and the uplink U each
 * have an entry naming the other. */
#define MON_PORT_F_IPV4_ONLY    0x01u /* drop every EtherType but IPv4 and ARP */
#define MON_PORT_F_UPLINK_OWNED 0x02u /* the library created U (and deletes it) */
#define MON_PORT_F_CLSACT_G     0x04u /* the library created G's clsact qdisc */
#define MON_PORT_F_CLSACT_U     0x08u /* the library created U's clsact qdisc */
struct mon_port {
    __u32 peer_ifindex; /* where passed frames go: U for G, G for U */
    __u16 port_id;      /* 1..MON_PORT_ID_MAX */
    __u8 dir;           /* direction of frames entering this ifindex */
    __u8 flags;         /* MON_PORT_F_* */
};
_Static_assert(sizeof(struct mon_port) == 8, "mon_port layout");

/* Per-port statistics and the event token bucket (per-CPU array by port id). */
struct mon_pstat {
    __u64 pass_pkts[2], pass_bytes[2]; /* by MON_DIR_* */
    __u64 drop_pkts[2], drop_bytes[2];
    __u64 malformed;   /* dropped as malformed (also in drop_*) */
    __u64 ev_sent;     /* drop events written to the ring */
    __u64 ev_limited;  /* drop events suppressed by the rate limit */
    __u64 ev_lost;     /* drop events lost: ring full */
    __u64 tb_last_ns;  /* token bucket: last refill (datapath private) */
    __u64 tb_tokens;   /* token bucket: tokens * 1e9 (datapath private) */
    __u64 tb_limited;  /* suppressed since the last event (datapath private) */
    __u64 hc_frames;   /* hypercall frames from the guest queued for the core */
    __u64 hc_oversize; /* hypercall frames over MON_HC_FRAME_MAX: dropped */
    __u64 hc_limited;  /* hypercall frames over the port's rate: dropped */
    __u64 hc_lost;     /* hypercall frames dropped: ring full */
    __u64 hc_spoofed;  /* hypercall-EtherType frames towards the guest not from the monitor */
    __u64 hc_sent;     /* the monitor's own frames let through to the guest */
};

/* Global configuration: one mmap-able array entry, updated with atomic stores
 * by the loader and read once per packet. */
struct mon_cfg {
    __u64 present[2]; /* by MON_DIR_*: MON_PRESENT_BIT set */
    __u32 layout;     /* MON_LAYOUT_VERSION, written at creation */
    __u32 ev_rate;    /* drop events per second per port per CPU */
    __u32 ev_burst;   /* bucket depth, events */
    __u32 pad;
    __u32 hc_rate;  /* hypercall frames per second per port */
    __u32 hc_burst; /* bucket depth, frames */
    __u32 hc_mark;  /* skb->mark the guard requires of the monitor's frames */
    __u32 pad2;
};

/* Drop event (ring buffer record). */
#define MON_EV_DROP       1u
#define MON_EVF_MALFORMED 0x01u /* no rule: the packet was malformed */
#define MON_EVF_FRAGMENT  0x02u /* a non-first fragment (no ports) */
#define MON_EVF_NON_IP    0x04u /* EtherType refused on an IPv4-only port */
#define MON_EVF_HC_SPOOF  0x08u /* hypercall EtherType towards the guest, not the monitor's */
struct mon_event {
    __u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
    __u32 type;    /* MON_EV_* */
    __u32 rule_id; /* 0 when no rule decided (malformed, non-IP) */
    __u16 port_id;
    __u8 dir;
    __u8 proto;
    __u32 saddr, daddr; /* network order */
    __u16 sport, dport; /* host order; 0 without ports */
    __u32 len;          /* bytes at the hook */
    __u16 flags;        /* MON_EVF_* */
    __u16 ethertype;    /* host order */
    __u32 limited;      /* events this port/CPU suppressed before this one */
    __u32 pad;
};
_Static_assert(sizeof(struct mon_event) == 48, "mon_event layout");

/* A hypercall frame from a guest (mon_hc ring record). The port id is where
 * the frame arrived: the requester's only identity. */
struct mon_hc_rec {
    __u64 ts_ns;   /* bpf_ktime_get_ns() */
    __u32 ifindex; /* G, the guest's host-side port */
    __u16 port_id;
    __u16 len; /* bytes in data, 14..MON_HC_FRAME_MAX */
    __u8 data[MON_HC_FRAME_MAX];
};
_Static_assert(sizeof(struct mon_hc_rec) == 16 + MON_HC_FRAME_MAX, "mon_hc_rec layout");

/* Rule record (userspace-only map, pinned with the rest): the whole rule and
 * its owner, so a restarted loader rebuilds its table from the pins alone. */
#define MON_OWNER_MAX 40 /* bytes including the NUL */
struct mon_rule_rec {
    __u32 addr; /* network order */
    __u8 plen;
    __u8 proto;   /* 0 = any */
    __u16 l4port; /* 0 = any */
    __u8 dirs;    /* bit 0: from guest, bit 1: to guest */
    __u8 action;  /* MON_ACT_* */
    __u16 scope;  /* port id, 0 = all */
    __u8 tier;    /* MON_TIER_*, derived from the owner */
    __u8 pad[3];
    __u64 created_ns; /* CLOCK_REALTIME at creation */
    char owner[MON_OWNER_MAX];
};
_Static_assert(sizeof(struct mon_rule_rec) == 64, "mon_rule_rec layout");

#endif
