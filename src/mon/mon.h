/*
 * mon.h - the packet monitor below the guests: load (or reuse) the pinned eBPF
 * filter, put it on guest ports as a bump in the wire, manage owned rules with
 * counters, read drop events. Semantics: docs/monitor.md.
 */
#ifndef VF_MON_H
#define VF_MON_H

#include <stddef.h>
#include <stdint.h>

#define MON_PIN_DIR_DEFAULT "/sys/fs/bpf/visorflow"
#define MON_ERR_LEN         256
#define MON_OWNER_LEN       40      /* owner text, NUL included */
#define MON_RULE_ID_MAX     131071u /* rule ids are 1..MON_RULE_ID_MAX */
#define MON_PORT_ID_LIMIT   4095u   /* guest port ids are 1..MON_PORT_ID_LIMIT */

/* Every call returns 0 (or a count) on success and -errno on failure; the
 * handle's mon_error() then says what was wrong in one line. */
struct mon;

/* ---- opening --------------------------------------------------------------------- */

#define MON_OPEN_RDONLY 0x1u /* no program load, no lock: list, stats, events */

/* Opens the monitor pinned under pin_dir (MON_PIN_DIR_DEFAULT when NULL),
 * creating and pinning maps and programs the first time, reusing them after.
 * A writer takes an exclusive lock on pin_dir: one writer at a time. */
int mon_open(struct mon **out, const char *pin_dir, unsigned flags, char *err, size_t errlen);
/* Closes the handle only: rules, ports and programs stay pinned and filtering. */
void mon_close(struct mon *m);
/* Detaches every port, removes every pin and closes the handle: the monitor is
 * gone (tests, uninstall). */
int mon_destroy(struct mon *m);
const char *mon_error(const struct mon *m);

/* ---- rules --------------------------------------------------------------------- */

enum mon_action { MON_PASS = 0, MON_DROP = 1 }; /* pass = let through and count */
enum mon_dirs { MON_FROM_GUEST = 1, MON_TO_GUEST = 2, MON_BOTH = 3 };
enum { MON_PROTO_ANY = 0, MON_PROTO_ICMP = 1, MON_PROTO_TCP = 6, MON_PROTO_UDP = 17 };

/* A rule matches a packet on a guest port when the packet's remote address (the
 * destination of what the guest sends, the source of what it receives) is in
 * addr/plen, the protocol is proto (or proto is any), the source or destination
 * port is l4port (or l4port is any), the direction is in dirs, and port_id is
 * the packet's port (or 0, every port). */
struct mon_rule {
    uint32_t addr;    /* IPv4, network order; bits beyond plen must be zero */
    uint8_t plen;     /* 0..32 */
    uint8_t proto;    /* MON_PROTO_*, or another IP protocol number; 0 = any */
    uint16_t l4port;  /* 1..65535, needs tcp or udp; 0 = any */
    uint8_t dirs;     /* enum mon_dirs */
    uint8_t action;   /* enum mon_action */
    uint16_t port_id; /* 1..MON_PORT_ID_LIMIT, or 0 for every port */
};

/* Validation alone: -EINVAL and a message naming the bad field. */
int mon_rule_check(const struct mon_rule *r, char *err, size_t errlen);
/* Text form: "ACTION ADDR[/PLEN] [proto P] [port N|any] [dir D] [on ID|all]",
 * ACTION drop|pass, ADDR dotted quad or "any", P tcp|udp|icmp|any|0..255,
 * D from-guest|to-guest|both. Defaults: proto any (tcp when a port is given:
 * the paper's "address and TCP port" form), port any, dir both, on all. */
int mon_rule_parse(const char *text, struct mon_rule *r, char *err, size_t errlen);
/* The same text form, canonical; returns what snprintf returns. */
int mon_rule_format(const struct mon_rule *r, char *buf, size_t len);

/* Owners: "admin", "domain:NAME" (NAME: 1..31 of [A-Za-z0-9_.-]), "guest:ID"
 * (ID a port id). admin adds and deletes anything; domain:NAME adds rules for
 * any port and deletes its own; guest:ID adds rules on port ID only and deletes
 * its own. Rules are evaluated in tiers by owner kind (admin, domain, guest):
 * a lower tier's pass never lifts a higher tier's drop. */
int mon_owner_check(const char *owner, char *err, size_t errlen);

/* -EINVAL bad rule/owner, -EPERM owner may not, -EEXIST the same match exists
 * in this owner tier (the message names its id), -ENOSPC table full. */
int mon_rule_add(struct mon *m, const struct mon_rule *r, const char *owner, uint32_t *id);
/* -ENOENT no such rule, -EPERM requester may not delete it. */
int mon_rule_del(struct mon *m, uint32_t id, const char *requester);

struct mon_rule_info {
    uint32_t id;
    struct mon_rule rule;
    char owner[MON_OWNER_LEN];
    uint64_t created; /* seconds since the epoch */
    uint64_t packets; /* summed over CPUs; GSO segments counted one by one */
    uint64_t bytes;
};
/* Calls cb for every rule, ascending id; cb returns non-zero to stop. With
 * counters == 0 the packets/bytes fields are left zero (faster). */
typedef int (*mon_rule_cb)(const struct mon_rule_info *ri, void *ctx);
int mon_rule_list(struct mon *m, int counters, mon_rule_cb cb, void *ctx);
int mon_rule_get(struct mon *m, uint32_t id, struct mon_rule_info *out);
size_t mon_rule_count(const struct mon *m);

/* ---- ports ----------------------------------------------------------------------- */

#define MON_PORT_IPV4_ONLY 0x01u /* drop every EtherType but IPv4 and ARP */

struct mon_port_spec {
    const char *guest_if;    /* G: the guest's host-side veth or tap */
    const char *uplink_if;   /* U: the monitor's side of the uplink pair */
    const char *uplink_peer; /* non-NULL: create the veth pair U/uplink_peer
                                (removed again by detach); the caller puts
                                uplink_peer on the switch */
    uint16_t port_id;        /* 1..MON_PORT_ID_LIMIT */
    uint32_t flags;          /* MON_PORT_* */
};
int mon_attach_port(struct mon *m, const struct mon_port_spec *spec);
int mon_detach_port(struct mon *m, uint16_t port_id);

struct mon_port_info {
    uint16_t port_id;
    uint32_t flags; /* MON_PORT_* */
    int guest_ifindex, uplink_ifindex;
    char guest_if[16], uplink_if[16]; /* "" when the interface is gone */
    int attached;                     /* all three programs are in place */
    int uplink_owned;                 /* the library created the uplink pair */
    struct {
        uint64_t pass_pkts, pass_bytes, drop_pkts, drop_bytes;
    } dir[2]; /* [0] from the guest, [1] to the guest */
    uint64_t malformed, ev_sent, ev_limited, ev_lost;
    /* Hypercalls (docs/hypercall.md): frames queued for the core; dropped as
     * oversized, over the rate, or for a full ring; frames of the hypercall
     * EtherType towards the guest that were not the monitor's (dropped); the
     * monitor's frames let through. */
    uint64_t hc_frames, hc_oversize, hc_limited, hc_lost, hc_spoofed, hc_sent;
};
int mon_port_stats(struct mon *m, uint16_t port_id, struct mon_port_info *out);
typedef int (*mon_port_cb)(const struct mon_port_info *pi, void *ctx);
int mon_port_list(struct mon *m, mon_port_cb cb, void *ctx);

/* ---- drop events ----------------------------------------------------------------- */

#define MON_DROP_MALFORMED 0x01u /* no rule: malformed packet */
#define MON_DROP_FRAGMENT  0x02u /* a non-first fragment (no ports) */
#define MON_DROP_NON_IP    0x04u /* EtherType refused on an IPv4-only port */
#define MON_DROP_HC_SPOOF  0x08u /* hypercall EtherType towards a guest, not the monitor's */

struct mon_drop {
    uint64_t ts_ns;   /* CLOCK_MONOTONIC */
    uint32_t rule_id; /* 0: malformed or non-IP */
    uint16_t port_id;
    uint8_t dir; /* 0 from the guest, 1 to the guest */
    uint8_t proto;
    uint32_t saddr, daddr; /* network order */
    uint16_t sport, dport;
    uint32_t len;
    uint16_t flags; /* MON_DROP_* */
    uint16_t ethertype;
    uint32_t limited; /* drops on this port and CPU not reported before this one */
};
typedef void (*mon_drop_cb)(const struct mon_drop *d, void *ctx);
/* Waits up to timeout_ms (0: no wait, -1: forever) and delivers what is in the
 * ring; returns the number of events or -errno. */
int mon_events_poll(struct mon *m, mon_drop_cb cb, void *ctx, int timeout_ms);
/* A descriptor that becomes readable when events wait (for an event loop). */
int mon_events_fd(struct mon *m);
/* Event rate limit per port and CPU (default 100/s, burst 20). */
int mon_events_rate(struct mon *m, uint32_t per_sec, uint32_t burst);

/* ---- guest hypercalls (docs/hypercall.md) ------------------------------------------- */

#define MON_HC_ETHER_TYPE 0x88B5u /* frames of this EtherType from a guest are hypercalls */
#define MON_HC_FRAME_LEN  512u    /* longest hypercall frame, both directions */

/* A hypercall frame from a guest, as the datapath took it off the guest port.
 * port_id is the identity of the requester; nothing in bytes is. */
struct mon_hc_frame {
    uint64_t ts_ns; /* CLOCK_MONOTONIC */
    uint16_t port_id;
    int ifindex;          /* the guest-side port G */
    const uint8_t *bytes; /* the whole frame from the Ethernet header; valid during the callback */
    size_t len;
};
typedef void (*mon_hc_cb)(const struct mon_hc_frame *f, void *ctx);
/* Waits up to timeout_ms (0: no wait, -1: forever) and delivers what is in the
 * hypercall ring; returns the number of frames or -errno. One reader. */
int mon_hc_poll(struct mon *m, mon_hc_cb cb, void *ctx, int timeout_ms);
/* A descriptor that becomes readable when hypercall frames wait. */
int mon_hc_fd(struct mon *m);
/* Hypercall frames per second and burst per port, all CPUs together
 * (default 50/s, burst 20); 1..1000000 each. */
int mon_hc_rate(struct mon *m, uint32_t per_sec, uint32_t burst);
/* The mark the guard requires on the monitor's frames to a guest (default
 * 0x56464843, "VFHC"; not 0). Set it before mon_hc_send_open. */
int mon_hc_mark(struct mon *m, uint32_t mark);
/* Opens the socket mon_hc_send writes with: AF_PACKET with SO_MARK set, which
 * needs CAP_NET_RAW now (SO_MARK: CAP_NET_RAW or CAP_NET_ADMIN) and no
 * capability afterwards: call it before dropping them. Idempotent. */
int mon_hc_send_open(struct mon *m);
/* Writes one frame of the hypercall EtherType (at most MON_HC_FRAME_LEN bytes)
 * onto guest port port_id, towards the guest. */
int mon_hc_send(struct mon *m, uint16_t port_id, const uint8_t *frame, size_t len);

/* ---- for tests --------------------------------------------------------------------- */

enum mon_prog { MON_PROG_INGRESS, MON_PROG_GUARD };
int mon_prog_fd(const struct mon *m, enum mon_prog which);

#endif
