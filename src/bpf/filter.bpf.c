/*
 * filter.bpf.c - the per-packet filter below the guests. A "bump in the wire" on
 * every guest port: tc ingress of the guest's host-side port G decides frames
 * from the guest and redirects passed ones to the uplink U (whose peer is on the
 * switch); tc ingress of U decides frames for the guest and redirects them to G.
 * tc egress of G guards against frames reaching the guest by any other way.
 * Guest hypercalls (EtherType 0x88B5) are taken off G's ingress into their own
 * ring and never forwarded; towards the guest only the monitor's marked frames
 * of that EtherType pass (docs/hypercall.md).
 * Design, rule semantics and precedence: docs/monitor.md.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "mon_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- maps (pinned by name under the loader's pin directory) ----------------- */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MON_PORTS_MAX);
    __type(key, __u32); /* ifindex */
    __type(value, struct mon_port);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, MON_MATCH_MAX);
    __type(key, struct mon_match); /* /32 rules */
    __type(value, struct mon_verdict);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_exact SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, MON_MATCH_MAX);
    __type(key, struct mon_lpm_key); /* /0../31 rules */
    __type(value, struct mon_verdict);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_prefix SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MON_RULES_MAX);
    __type(key, __u32); /* rule id */
    __type(value, struct mon_counter);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MON_PORT_ID_MAX + 1);
    __type(key, __u32); /* port id */
    __type(value, struct mon_pstat);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_pstats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct mon_cfg);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_cfg SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, MON_EVENTS_BYTES);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_events SEC(".maps");

/* Hypercall frames from guests, for the core: a ring of its own, so a flood of
 * drop events cannot crowd out requests, nor requests the events. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, MON_HC_RING_BYTES);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_hc SEC(".maps");

/* Hypercall token bucket per port, shared by all CPUs (a spin lock: hypercalls
 * are rare and the limit must not grow with the number of CPUs a guest can
 * send from). Datapath private; the loader never reads it. */
struct mon_hc_tb {
    struct bpf_spin_lock lock;
    __u32 pad;
    __u64 last_ns;
    __u64 tokens; /* frames * 1e9 */
};
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MON_PORT_ID_MAX + 1);
    __type(key, __u32); /* port id */
    __type(value, struct mon_hc_tb);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_hc_tb SEC(".maps");

/* Never read here: the loader's rule records, pinned beside the datapath maps so
 * that they live and die together. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, MON_RULES_MAX);
    __type(key, __u32); /* rule id */
    __type(value, struct mon_rule_rec);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} mon_rules SEC(".maps");

/* ---- packet parsing ------------------------------------------------------------ */

#define ETH_P_8021AD_ 0x88A8
#define IP_MF_        0x2000
#define IP_OFFSET_    0x1FFF

enum parse_res { PARSE_IPV4, PARSE_ARP, PARSE_OTHER, PARSE_BAD, PARSE_HC };

struct pkt {
    __u32 saddr, daddr; /* network order */
    __u16 sport, dport; /* host order */
    __u8 proto;
    __u8 has_ports;
    __u16 flags; /* MON_EVF_* */
    __u16 ethertype;
    __u8 tagged; /* PARSE_HC: behind a VLAN tag (in-line or accelerated) */
};

/* Every header is copied with bpf_skb_load_bytes: it works whether or not the
 * headers sit in the linear part of the skb, and a short packet is an error
 * from the helper, not a verifier puzzle. */
static __always_inline enum parse_res parse(struct __sk_buff *skb, struct pkt *k)
{
    struct ethhdr eth;
    struct iphdr ip;
    __u32 off = sizeof(eth);

    if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth))) return PARSE_BAD;
    __u16 type = bpf_ntohs(eth.h_proto);
    /* An accelerated tag is already out of the data; up to two more in-line. */
#pragma clang loop unroll(full)
    for (int i = 0; i < 2; i++) {
        if (type != ETH_P_8021Q && type != ETH_P_8021AD_) break;
        __be16 inner[2];
        if (bpf_skb_load_bytes(skb, off, inner, sizeof(inner))) return PARSE_BAD;
        type = bpf_ntohs(inner[1]);
        off += 4;
    }
    k->ethertype = type;
    if (type == ETH_P_ARP) return PARSE_ARP;
    if (type == MON_HC_ETHERTYPE) { /* behind tags too: never forwarded */
        k->tagged = off != sizeof(eth) || skb->vlan_present;
        return PARSE_HC;
    }
    if (type != ETH_P_IP) return PARSE_OTHER;

    if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip))) return PARSE_BAD; /* truncated IP header */
    __u32 hlen = ip.ihl * 4;
    __u32 tot = bpf_ntohs(ip.tot_len);
    if (ip.version != 4 || hlen < sizeof(ip)) return PARSE_BAD;
    if (tot == 0 && skb->gso_size) /* BIG TCP: length only in the skb */
        tot = skb->len - off;
    if (tot < hlen || skb->len < off + tot)
        return PARSE_BAD; /* header longer than the datagram, or cut short */
    k->saddr = ip.saddr;
    k->daddr = ip.daddr;
    k->proto = ip.protocol;

    __u16 frag = bpf_ntohs(ip.frag_off) & IP_OFFSET_;
    if (frag) {
        /* A later fragment has no ports. Offset 1 on TCP can only be an attempt
         * to overwrite the first fragment's header (RFC 1858). */
        if (ip.protocol == IPPROTO_TCP && frag == 1) return PARSE_BAD;
        k->flags |= MON_EVF_FRAGMENT;
        return PARSE_IPV4;
    }
    __u32 need;
    if (ip.protocol == IPPROTO_TCP)
        need = 20; /* the whole fixed header: no tiny first fragments */
    else if (ip.protocol == IPPROTO_UDP)
        need = 8;
    else
        return PARSE_IPV4;
    if (hlen + need > tot) return PARSE_BAD;
    __be16 ports[2];
    if (bpf_skb_load_bytes(skb, off + hlen, ports, sizeof(ports))) return PARSE_BAD;
    k->sport = bpf_ntohs(ports[0]);
    k->dport = bpf_ntohs(ports[1]);
    k->has_ports = 1;
    return PARSE_IPV4;
}

/* ---- rule lookup ----------------------------------------------------------------- */

struct best {
    __u32 score; /* (plen << 4) | (rank << 2) | (port scope << 1) | drop */
    __u32 rule_id;
    __u8 action;
};

static __always_inline void consider(struct best *b, const struct mon_verdict *v, __u32 rank,
                                     __u32 scoped)
{
    __u32 s = ((__u32)v->plen << 4) | (rank << 2) | (scoped << 1) | (v->action == MON_ACT_DROP);
    /* Strictly greater: on an exact tie the first candidate stays (dst port
     * before src port), which keeps the choice deterministic. */
    if (!b->rule_id || s > b->score) {
        b->score = s;
        b->rule_id = v->rule_id;
        b->action = v->action;
    }
}

/* One class: the exact-address hash first (a hit there is /32, the longest
 * prefix possible), then the prefix trie. Empty classes cost a bit test. */
static __always_inline void try_class(struct best *b, struct mon_match *m, __u64 present, __u32 bit,
                                      __u32 rank, __u32 scoped)
{
    const struct mon_verdict *v;

    if (present & (1ULL << (bit + MON_KIND_HASH))) {
        v = bpf_map_lookup_elem(&mon_exact, m);
        if (v) {
            consider(b, v, rank, scoped);
            return;
        }
    }
    if (present & (1ULL << (bit + MON_KIND_LPM))) {
        struct mon_lpm_key lk = {.prefixlen = MON_MATCH_FIXED_BITS + 32, .m = *m};
        v = bpf_map_lookup_elem(&mon_prefix, &lk);
        if (v) consider(b, v, rank, scoped);
    }
}

/* The best rule of one tier for this packet: at most 2 scopes x 4 lookups into
 * each map, whatever the number of rules. */
static __always_inline void tier_best(struct best *b, const struct pkt *k, __u64 present,
                                      __u32 tier, __u32 dir, __u32 port_id, __u32 remote)
{
#pragma clang loop unroll(full)
    for (__u32 sc = 0; sc < 2; sc++) {
        struct mon_match m = {
            .tier = tier,
            .dir = dir,
            .scope = sc == MON_SCOPE_PORT ? port_id : 0,
            .addr = remote,
        };
        __u32 scoped = sc == MON_SCOPE_PORT;
        if (k->has_ports) {
            m.proto = k->proto;
            m.l4port = k->dport;
            try_class(b, &m, present, MON_PRESENT_BIT(tier, sc, MON_CLASS_PORT, 0), 2, scoped);
            m.l4port = k->sport;
            try_class(b, &m, present, MON_PRESENT_BIT(tier, sc, MON_CLASS_PORT, 0), 2, scoped);
        }
        m.proto = k->proto;
        m.l4port = 0;
        try_class(b, &m, present, MON_PRESENT_BIT(tier, sc, MON_CLASS_PROTO, 0), 1, scoped);
        m.proto = 0;
        try_class(b, &m, present, MON_PRESENT_BIT(tier, sc, MON_CLASS_ANY, 0), 0, scoped);
    }
}

static __always_inline void count_rule(__u32 id, __u64 segs, __u64 len)
{
    struct mon_counter *c = bpf_map_lookup_elem(&mon_counters, &id);
    if (c) { /* per-CPU: plain adds are safe */
        c->packets += segs;
        c->bytes += len;
    }
}

/* ---- drop events ----------------------------------------------------------------- */

#define NSEC 1000000000ULL

/* Token bucket per port and CPU: the ring buffer never floods and a drop never
 * waits for userspace. Tokens are kept in units of 1e-9 event. */
static __always_inline void drop_event(struct __sk_buff *skb, struct mon_pstat *st,
                                       const struct mon_cfg *cfg, const struct pkt *k,
                                       __u32 port_id, __u32 dir, __u32 rule_id)
{
    __u64 now = bpf_ktime_get_ns();
    __u64 rate = cfg->ev_rate, cap = (__u64)cfg->ev_burst * NSEC;
    __u64 dt = now - st->tb_last_ns;
    if (dt > 60 * NSEC) dt = 60 * NSEC;
    __u64 tokens = st->tb_tokens + dt * rate;
    if (tokens > cap) tokens = cap;
    st->tb_last_ns = now;
    if (tokens < NSEC) {
        st->tb_tokens = tokens;
        st->ev_limited++;
        st->tb_limited++;
        return;
    }
    st->tb_tokens = tokens - NSEC;

    struct mon_event *e = bpf_ringbuf_reserve(&mon_events, sizeof(*e), 0);
    if (!e) {
        st->ev_lost++;
        return;
    }
    e->ts_ns = now;
    e->type = MON_EV_DROP;
    e->rule_id = rule_id;
    e->port_id = port_id;
    e->dir = dir;
    e->proto = k->proto;
    e->saddr = k->saddr;
    e->daddr = k->daddr;
    e->sport = k->sport;
    e->dport = k->dport;
    e->len = skb->len;
    e->flags = k->flags;
    e->ethertype = k->ethertype;
    e->limited = st->tb_limited;
    e->pad = 0;
    st->tb_limited = 0;
    st->ev_sent++;
    bpf_ringbuf_submit(e, 0);
}

/* ---- hypercalls -------------------------------------------------------------------- */

/* One token from the port's bucket, or 0 when the guest is over its rate. */
static __always_inline int hc_token(__u32 port_id, const struct mon_cfg *cfg)
{
    struct mon_hc_tb *tb = bpf_map_lookup_elem(&mon_hc_tb, &port_id);
    if (!tb) return 0;
    __u64 now = bpf_ktime_get_ns(); /* no helper calls while the lock is held */
    __u64 rate = cfg->hc_rate, cap = (__u64)cfg->hc_burst * NSEC;
    int ok = 0;
    bpf_spin_lock(&tb->lock);
    __u64 dt = now > tb->last_ns ? now - tb->last_ns : 0; /* another CPU may be ahead */
    if (dt > 60 * NSEC) dt = 60 * NSEC;
    __u64 tokens = tb->tokens + dt * rate;
    if (tokens > cap) tokens = cap;
    if (now > tb->last_ns) tb->last_ns = now;
    if (tokens >= NSEC) {
        tokens -= NSEC;
        ok = 1;
    }
    tb->tokens = tokens;
    bpf_spin_unlock(&tb->lock);
    return ok;
}

/* A hypercall frame from the guest on port_id: copied to the core's ring with
 * the port id (the only identity the core will use); the caller drops it: it
 * never reaches the switch. Oversized and over-rate frames are only counted. */
static __always_inline void hypercall(struct __sk_buff *skb, struct mon_pstat *st,
                                      const struct mon_cfg *cfg, __u32 port_id)
{
    __u32 len = skb->len;
    if (len > MON_HC_FRAME_MAX) {
        st->hc_oversize++;
        return;
    }
    if (!hc_token(port_id, cfg)) {
        st->hc_limited++;
        return;
    }
    struct mon_hc_rec *r = bpf_ringbuf_reserve(&mon_hc, sizeof(*r), 0);
    if (!r) {
        st->hc_lost++;
        return;
    }
    r->ts_ns = bpf_ktime_get_ns();
    r->ifindex = skb->ifindex;
    r->port_id = (__u16)port_id;
    r->len = (__u16)len;
    /* len is 14..512 (parse() read the EtherType at 12): the bound the
     * verifier needs for the copy. */
    if (len < ETH_HLEN || len > MON_HC_FRAME_MAX || bpf_skb_load_bytes(skb, 0, r->data, len)) {
        bpf_ringbuf_discard(r, 0);
        st->malformed++;
        return;
    }
    bpf_ringbuf_submit(r, 0);
    st->hc_frames++;
}

/* ---- the decision ---------------------------------------------------------------- */

/* Returns 1 to drop, 0 to pass. Tiers in order of authority: the first tier
 * whose best rule drops decides; every tier's best rule counts the packet. */
static __always_inline int decide(struct __sk_buff *skb, __u32 port_id, __u32 dir, __u32 flags)
{
    __u32 zero = 0;
    const struct mon_cfg *cfg = bpf_map_lookup_elem(&mon_cfg, &zero);
    struct mon_pstat *st = bpf_map_lookup_elem(&mon_pstats, &port_id);
    if (!cfg || !st) return 1; /* cannot happen with a loaded object; fail closed */

    __u64 segs = skb->gso_segs ? skb->gso_segs : 1;
    __u64 len = skb->len;
    struct pkt k = {};
    __u32 drop_id = 0;
    int drop = 0;

    switch (parse(skb, &k)) {
    case PARSE_BAD:
        k.flags |= MON_EVF_MALFORMED;
        st->malformed += segs;
        drop = 1;
        break;
    case PARSE_OTHER:
        if (flags & MON_PORT_F_IPV4_ONLY) {
            k.flags |= MON_EVF_NON_IP;
            drop = 1;
        }
        break;
    case PARSE_ARP:
        break;
    case PARSE_HC:
        /* From the guest, untagged: a hypercall, before any rule. It is not a
         * packet: no rule, pass or drop counter sees it. */
        if (dir == MON_DIR_FROM_GUEST && !k.tagged) {
            hypercall(skb, st, cfg, port_id);
            return 1;
        }
        /* Towards the guest, the hypercall EtherType is the monitor's alone; a
         * hypercall is never tagged. Neither is forwarded. */
        if (dir == MON_DIR_TO_GUEST) {
            k.flags |= MON_EVF_HC_SPOOF;
            st->hc_spoofed += segs;
        } else {
            k.flags |= MON_EVF_MALFORMED;
            st->malformed += segs;
        }
        drop = 1;
        break;
    case PARSE_IPV4: {
        __u64 present = *(volatile const __u64 *)&cfg->present[dir & 1];
        if (!present) break;
        /* The rule's address is the remote end: the destination of what the
         * guest sends, the source of what it receives. */
        __u32 remote = dir == MON_DIR_FROM_GUEST ? k.daddr : k.saddr;
#pragma clang loop unroll(full)
        for (__u32 t = 0; t < MON_TIERS; t++) {
            struct best b = {};
            tier_best(&b, &k, present, t, dir, port_id, remote);
            if (!b.rule_id) continue;
            count_rule(b.rule_id, segs, len);
            if (b.action == MON_ACT_DROP) {
                drop = 1;
                drop_id = b.rule_id;
                break;
            }
        }
        break;
    }
    }

    if (drop) {
        st->drop_pkts[dir & 1] += segs;
        st->drop_bytes[dir & 1] += len;
        drop_event(skb, st, cfg, &k, port_id, dir, drop_id);
        return 1;
    }
    st->pass_pkts[dir & 1] += segs;
    st->pass_bytes[dir & 1] += len;
    return 0;
}

/* The untagged EtherType in the data, or 0. */
static __always_inline __u16 l2_type(struct __sk_buff *skb)
{
    __be16 t;
    if (skb->vlan_present || bpf_skb_load_bytes(skb, 12, &t, sizeof(t))) return 0;
    return bpf_ntohs(t);
}

/* tc ingress of G (frames from the guest) and of U (frames for the guest). */
SEC("tc")
int mon_ingress(struct __sk_buff *skb)
{
    __u32 ifindex = skb->ifindex;
    const struct mon_port *p = bpf_map_lookup_elem(&mon_ports, &ifindex);
    if (!p) return TC_ACT_SHOT; /* attached but unknown: fail closed */
    if (decide(skb, p->port_id, p->dir, p->flags)) return TC_ACT_SHOT;
    return bpf_redirect(p->peer_ifindex, 0);
}

/* The monitor's own frame to the guest: hypercall EtherType, untagged, and the
 * mark its packet socket puts on every frame (SO_MARK, which takes CAP_NET_RAW
 * or CAP_NET_ADMIN in the host's namespace: no guest and nothing from the
 * switch has a say in skb->mark here). Anything else of that EtherType is
 * dropped by decide(). The limits of this: docs/hypercall.md. */
static __always_inline int monitor_frame(struct __sk_buff *skb, __u32 port_id)
{
    __u32 zero = 0;
    const struct mon_cfg *cfg = bpf_map_lookup_elem(&mon_cfg, &zero);
    if (!cfg || !cfg->hc_mark || skb->mark != cfg->hc_mark || skb->len > MON_HC_FRAME_MAX ||
        l2_type(skb) != MON_HC_ETHERTYPE)
        return 0;
    struct mon_pstat *st = bpf_map_lookup_elem(&mon_pstats, &port_id);
    if (st) st->hc_sent++;
    return 1;
}

/* tc egress of G: frames redirected from U were decided there; anything else
 * (the host's own stack, a packet socket writing on G) is decided here as
 * traffic to the guest. */
SEC("tc")
int mon_guard(struct __sk_buff *skb)
{
    __u32 ifindex = skb->ifindex;
    const struct mon_port *p = bpf_map_lookup_elem(&mon_ports, &ifindex);
    if (!p) return TC_ACT_SHOT;
    if (skb->ingress_ifindex == p->peer_ifindex) return TC_ACT_OK;
    if (monitor_frame(skb, p->port_id)) return TC_ACT_OK;
    return decide(skb, p->port_id, MON_DIR_TO_GUEST, p->flags) ? TC_ACT_SHOT : TC_ACT_OK;
}
