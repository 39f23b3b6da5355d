/*
 * of10.h - OpenFlow 1.0 messages decoded into host-order structs, and back.
 *
 * decode: bytes -> struct of10_msg. Every length, count and enum is checked;
 *   a failure returns an enum of10_err that names the exact OpenFlow error
 *   (type, code) the receiver must answer with. Variable parts (data, opaque
 *   vendor bodies) point INTO the input buffer, so a decoded message lives only
 *   as long as its bytes. Arrays (actions, ports, stats entries, queues) are
 *   carved out of a caller-supplied arena: no malloc on the decode path.
 * encode: struct of10_msg -> bytes. The message is validated first; encode never
 *   writes an invalid message (it returns the error a peer would have sent).
 */
#ifndef VF_OF10_H
#define VF_OF10_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "of10_wire.h"

/* ---- errors ------------------------------------------------------------ */

/* An error is (OpenFlow type + 1) << 16 | code, so OF10_OK is 0 and the mapping
 * to the wire is exact: of10_err_type()/of10_err_code(). Values outside the
 * OpenFlow space (arena exhausted, buffer too small) use type 0xffff - 1 and are
 * never sent to a peer. */
#define OF10_ERR(type, code) ((((uint32_t)(type) + 1u) << 16) | (uint32_t)(code))
enum of10_err {
    OF10_OK = 0,
    OF10_E_HELLO_INCOMPATIBLE = OF10_ERR(0, 0),
    OF10_E_HELLO_EPERM = OF10_ERR(0, 1),
    OF10_E_BAD_VERSION = OF10_ERR(1, 0),
    OF10_E_BAD_TYPE = OF10_ERR(1, 1),
    OF10_E_BAD_STAT = OF10_ERR(1, 2),
    OF10_E_BAD_VENDOR = OF10_ERR(1, 3),
    OF10_E_BAD_SUBTYPE = OF10_ERR(1, 4),
    OF10_E_REQ_EPERM = OF10_ERR(1, 5),
    OF10_E_BAD_LEN = OF10_ERR(1, 6),
    OF10_E_BUFFER_EMPTY = OF10_ERR(1, 7),
    OF10_E_BUFFER_UNKNOWN = OF10_ERR(1, 8),
    OF10_E_ACT_BAD_TYPE = OF10_ERR(2, 0),
    OF10_E_ACT_BAD_LEN = OF10_ERR(2, 1),
    OF10_E_ACT_BAD_VENDOR = OF10_ERR(2, 2),
    OF10_E_ACT_BAD_VENDOR_TYPE = OF10_ERR(2, 3),
    OF10_E_ACT_BAD_OUT_PORT = OF10_ERR(2, 4),
    OF10_E_ACT_BAD_ARGUMENT = OF10_ERR(2, 5),
    OF10_E_ACT_EPERM = OF10_ERR(2, 6),
    OF10_E_ACT_TOO_MANY = OF10_ERR(2, 7),
    OF10_E_ACT_BAD_QUEUE = OF10_ERR(2, 8),
    OF10_E_FM_ALL_TABLES_FULL = OF10_ERR(3, 0),
    OF10_E_FM_OVERLAP = OF10_ERR(3, 1),
    OF10_E_FM_EPERM = OF10_ERR(3, 2),
    OF10_E_FM_BAD_EMERG_TIMEOUT = OF10_ERR(3, 3),
    OF10_E_FM_BAD_COMMAND = OF10_ERR(3, 4),
    OF10_E_FM_UNSUPPORTED = OF10_ERR(3, 5),
    OF10_E_PM_BAD_PORT = OF10_ERR(4, 0),
    OF10_E_PM_BAD_HW_ADDR = OF10_ERR(4, 1),
    OF10_E_QOP_BAD_PORT = OF10_ERR(5, 0),
    OF10_E_QOP_BAD_QUEUE = OF10_ERR(5, 1),
    OF10_E_QOP_EPERM = OF10_ERR(5, 2),
    /* local conditions, never on the wire */
    OF10_E_NOSPACE = OF10_ERR(0xfffe, 0), /* arena or output buffer too small */
};

static inline bool of10_err_is_wire(uint32_t e) { return e && (e >> 16) <= 6; }
static inline uint16_t of10_err_type(uint32_t e) { return (uint16_t)((e >> 16) - 1); }
static inline uint16_t of10_err_code(uint32_t e) { return (uint16_t)(e & 0xffff); }
/* "OFPET_BAD_REQUEST/OFPBRC_BAD_LEN" style; never NULL. */
const char *of10_err_name(uint32_t e);

/* ---- arena ------------------------------------------------------------- */

struct of10_arena {
    unsigned char *base;
    size_t cap;
    size_t used;
};
/* An arena of this many bytes holds the decoded arrays of ANY message up to
 * 65535 bytes (checked by a unit test over worst-case messages). */
#define OF10_ARENA_SIZE (640u * 1024u)
void of10_arena_init(struct of10_arena *a, void *mem, size_t cap);
void of10_arena_reset(struct of10_arena *a);
void *of10_arena_alloc(struct of10_arena *a, size_t size); /* 8-aligned, NULL if full */

/* ---- match ------------------------------------------------------------- */

/* Host-order copy of ofp_match. wildcards keeps the wire bits, including the
 * 6-bit nw_src/nw_dst "number of wildcarded low bits" fields. Addresses are host
 * order (10.0.0.1 == 0x0a000001). */
struct of10_match {
    uint32_t wildcards;
    uint16_t in_port;
    uint8_t dl_src[6];
    uint8_t dl_dst[6];
    uint16_t dl_vlan;     /* 0xffff = no VLAN header */
    uint8_t dl_vlan_pcp;
    uint16_t dl_type;
    uint8_t nw_tos;
    uint8_t nw_proto;     /* or ARP opcode (low 8 bits) */
    uint32_t nw_src;
    uint32_t nw_dst;
    uint16_t tp_src;      /* or ICMP type */
    uint16_t tp_dst;      /* or ICMP code */
};

/* Number of wildcarded low bits of nw_src/nw_dst, clamped to 0..32. */
unsigned of10_match_nw_src_wild_bits(const struct of10_match *m);
unsigned of10_match_nw_dst_wild_bits(const struct of10_match *m);
/* Prefix length (32 - wild bits) and setters that keep the other bits. */
void of10_match_set_nw_src_prefix(struct of10_match *m, uint32_t addr, unsigned plen);
void of10_match_set_nw_dst_prefix(struct of10_match *m, uint32_t addr, unsigned plen);
/* A match with everything wildcarded and all fields zero. */
void of10_match_init_catchall(struct of10_match *m);
/* Normalise as Open vSwitch does for OF1.0: wildcard fields whose prerequisites
 * are absent (nw_* without dl_type IP/ARP, tp_* without nw_proto TCP/UDP/ICMP
 * over IP, ...), clamp nw prefix bits to 32, and zero every wildcarded field and
 * the host bits beyond each prefix, so equal matches compare equal bytewise. */
void of10_match_normalize(struct of10_match *m);
bool of10_match_equal(const struct of10_match *a, const struct of10_match *b);
/* Wire conversion; p points at exactly OFP10_MATCH_LEN bytes. Decoding rejects
 * nothing (all 2^32 wildcard patterns are representable; unknown high bits are
 * ignored by switches) but keeps the bits as received. */
void of10_match_decode(const uint8_t *p, struct of10_match *m);
void of10_match_encode(const struct of10_match *m, uint8_t *p);

/* ---- actions ----------------------------------------------------------- */

struct of10_action {
    uint16_t type; /* enum ofp10_action_type */
    uint16_t len;  /* wire length, kept for VENDOR and for round trips */
    union {
        struct { uint16_t port, max_len; } output;
        uint16_t vlan_vid;      /* SET_VLAN_VID: 12 bits */
        uint8_t vlan_pcp;       /* SET_VLAN_PCP: 3 bits */
        uint8_t dl_addr[6];     /* SET_DL_SRC/DST */
        uint32_t nw_addr;       /* SET_NW_SRC/DST, host order */
        uint8_t nw_tos;         /* SET_NW_TOS: DSCP bits only (low 2 bits 0) */
        uint16_t tp_port;       /* SET_TP_SRC/DST */
        struct { uint16_t port; uint32_t queue_id; } enqueue;
        struct { uint32_t vendor; const uint8_t *body; uint16_t body_len; } vendor;
    } u;
};

struct of10_actions {
    struct of10_action *v;
    size_t n;
};

/* Decode an action list of exactly len bytes (len % 8 == 0). Errors are
 * OFPET_BAD_ACTION codes: BAD_LEN, BAD_TYPE, BAD_ARGUMENT (vid > 4095, pcp > 7,
 * tos low bits), BAD_OUT_PORT (port 0, > OFPP_MAX and not reserved, or NONE). */
uint32_t of10_actions_decode(const uint8_t *p, size_t len, struct of10_actions *out,
                             struct of10_arena *arena);
/* Bytes the encoded list takes; 0 for an empty list. */
size_t of10_actions_len(const struct of10_actions *a);
uint32_t of10_actions_validate(const struct of10_actions *a);
/* Writes of10_actions_len() bytes at p (caller checked space). */
void of10_actions_encode(const struct of10_actions *a, uint8_t *p);
bool of10_actions_equal(const struct of10_actions *a, const struct of10_actions *b);

/* ---- messages ---------------------------------------------------------- */

struct of10_bytes {
    const uint8_t *p;
    size_t len;
};

struct of10_phy_port {
    uint16_t port_no;
    uint8_t hw_addr[6];
    char name[OFP10_MAX_PORT_NAME_LEN + 1]; /* always NUL-terminated */
    uint32_t config, state, curr, advertised, supported, peer;
};

struct of10_error_msg {
    uint16_t type, code;
    struct of10_bytes data; /* at least 64 bytes of the offending request */
};

struct of10_vendor_msg {
    uint32_t vendor;
    struct of10_bytes data;
};

struct of10_features {
    uint64_t datapath_id;
    uint32_t n_buffers;
    uint8_t n_tables;
    uint32_t capabilities;
    uint32_t actions; /* bitmap of 1 << OFPAT10_* supported */
    struct of10_phy_port *ports;
    size_t n_ports;
};

struct of10_switch_config {
    uint16_t flags; /* OFPC10_FRAG_* */
    uint16_t miss_send_len;
};

struct of10_packet_in {
    uint32_t buffer_id;
    uint16_t total_len;
    uint16_t in_port;
    uint8_t reason;
    struct of10_bytes data;
};

struct of10_flow_removed {
    struct of10_match match;
    uint64_t cookie;
    uint16_t priority;
    uint8_t reason;
    uint32_t duration_sec, duration_nsec;
    uint16_t idle_timeout;
    uint64_t packet_count, byte_count;
};

struct of10_port_status {
    uint8_t reason;
    struct of10_phy_port desc;
};

struct of10_packet_out {
    uint32_t buffer_id;
    uint16_t in_port;
    struct of10_actions actions;
    struct of10_bytes data; /* must be empty when buffer_id != NO_BUFFER */
};

struct of10_flow_mod {
    struct of10_match match;
    uint64_t cookie;
    uint16_t command;
    uint16_t idle_timeout, hard_timeout;
    uint16_t priority;
    uint32_t buffer_id;
    uint16_t out_port;
    uint16_t flags;
    struct of10_actions actions;
};

struct of10_port_mod {
    uint16_t port_no;
    uint8_t hw_addr[6];
    uint32_t config, mask, advertise;
};

/* stats request bodies */
struct of10_flow_stats_request { /* FLOW and AGGREGATE */
    struct of10_match match;
    uint8_t table_id; /* 0xff = all */
    uint16_t out_port;
};
struct of10_port_stats_request { uint16_t port_no; };
struct of10_queue_stats_request { uint16_t port_no; uint32_t queue_id; };

struct of10_stats_request {
    uint16_t type; /* enum ofp10_stats_type */
    uint16_t flags;
    union {
        struct of10_flow_stats_request flow; /* FLOW, AGGREGATE */
        struct of10_port_stats_request port;
        struct of10_queue_stats_request queue;
        struct of10_vendor_msg vendor;
    } u; /* DESC and TABLE have no body */
};

/* stats reply bodies */
struct of10_desc_stats {
    char mfr_desc[OFP10_DESC_STR_LEN + 1];
    char hw_desc[OFP10_DESC_STR_LEN + 1];
    char sw_desc[OFP10_DESC_STR_LEN + 1];
    char serial_num[OFP10_SERIAL_NUM_LEN + 1];
    char dp_desc[OFP10_DESC_STR_LEN + 1];
};
struct of10_flow_stats {
    uint8_t table_id;
    struct of10_match match;
    uint32_t duration_sec, duration_nsec;
    uint16_t priority, idle_timeout, hard_timeout;
    uint64_t cookie, packet_count, byte_count;
    struct of10_actions actions;
};
struct of10_aggregate_stats {
    uint64_t packet_count, byte_count;
    uint32_t flow_count;
};
struct of10_table_stats {
    uint8_t table_id;
    char name[OFP10_MAX_TABLE_NAME_LEN + 1];
    uint32_t wildcards, max_entries, active_count;
    uint64_t lookup_count, matched_count;
};
struct of10_port_stats {
    uint16_t port_no;
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped;
    uint64_t rx_errors, tx_errors, rx_frame_err, rx_over_err, rx_crc_err, collisions;
};
struct of10_queue_stats {
    uint16_t port_no;
    uint32_t queue_id;
    uint64_t tx_bytes, tx_packets, tx_errors;
};

struct of10_stats_reply {
    uint16_t type;
    uint16_t flags; /* OFPSF10_REPLY_MORE */
    union {
        struct of10_desc_stats *desc; /* in the arena: 1 KiB */
        struct { struct of10_flow_stats *v; size_t n; } flow;
        struct of10_aggregate_stats aggregate;
        struct { struct of10_table_stats *v; size_t n; } table;
        struct { struct of10_port_stats *v; size_t n; } port;
        struct { struct of10_queue_stats *v; size_t n; } queue;
        struct of10_vendor_msg vendor;
    } u;
};

struct of10_queue_prop {
    uint16_t property; /* OFPQT10_NONE or OFPQT10_MIN_RATE */
    uint16_t rate;     /* MIN_RATE: 1/10 of a percent; > 1000 = disabled */
};
struct of10_packet_queue {
    uint32_t queue_id;
    struct of10_queue_prop *props;
    size_t n_props;
};
struct of10_queue_get_config_reply {
    uint16_t port;
    struct of10_packet_queue *queues;
    size_t n_queues;
};

struct of10_msg {
    uint8_t version; /* always OFP10_VERSION except in a decoded HELLO */
    uint8_t type;    /* enum ofp10_type */
    uint32_t xid;
    union {
        struct of10_bytes hello;  /* opaque body (newer versions put elements) */
        struct of10_error_msg error;
        struct of10_bytes echo;   /* ECHO_REQUEST / ECHO_REPLY payload */
        struct of10_vendor_msg vendor;
        struct of10_features features;
        struct of10_switch_config config; /* GET_CONFIG_REPLY, SET_CONFIG */
        struct of10_packet_in packet_in;
        struct of10_flow_removed flow_removed;
        struct of10_port_status port_status;
        struct of10_packet_out packet_out;
        struct of10_flow_mod flow_mod;
        struct of10_port_mod port_mod;
        struct of10_stats_request stats_request;
        struct of10_stats_reply stats_reply;
        uint16_t queue_get_config_request; /* port */
        struct of10_queue_get_config_reply queue_get_config_reply;
    } u; /* FEATURES_REQUEST, GET_CONFIG_REQUEST, BARRIER_* have no body */
};

/* Header peek for framing: needs 8 bytes. Returns the total message length
 * from the header (>= 8) or 0 when the length field is below 8 (BAD_LEN). */
size_t of10_frame_len(const uint8_t *p);

/* Decode one whole message of exactly len bytes (len must equal the header's
 * length field). Messages other than HELLO must carry version 0x01
 * (OF10_E_BAD_VERSION). The arena is NOT reset. */
uint32_t of10_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                     struct of10_arena *arena);

/* Validate then encode into buf. *out_len receives the length. Returns
 * OF10_E_NOSPACE if cap is too small, or the validation error. */
uint32_t of10_encode(const struct of10_msg *m, uint8_t *buf, size_t cap, size_t *out_len);
uint32_t of10_validate(const struct of10_msg *m);
/* Exact encoded length, or 0 if the message cannot be encoded (> 65535). */
size_t of10_encoded_len(const struct of10_msg *m);

/* Deep equality of two decoded/constructed messages (arrays and bytes by
 * content). Used by round-trip tests and by callers comparing requests. */
bool of10_msg_equal(const struct of10_msg *a, const struct of10_msg *b);

/* Names: "OFPT_FLOW_MOD", "OFPST_FLOW", "OFPAT_OUTPUT"; "UNKNOWN" otherwise. */
const char *of10_type_name(uint8_t type);
const char *of10_stats_type_name(uint16_t type);
const char *of10_action_type_name(uint16_t type);

/* ---- Nicira role extension (of10_nx.c) --------------------------------- */

/* NXT_ROLE_REQUEST / NXT_ROLE_REPLY: an OFPT_VENDOR message with vendor
 * NX_VENDOR_ID and the 8-byte body {be32 subtype, be32 role}. A master
 * request makes the connection master and the switch demotes the previous
 * master to slave in the same step; a slave gets no PACKET_IN/FLOW_REMOVED
 * and its FLOW_MOD/PACKET_OUT are refused (Open vSwitch 3.1, OpenFlow 1.0:
 * OFPT_ERROR OFPET_BAD_REQUEST/OFPBRC_EPERM, OF10_E_REQ_EPERM). */
#define NX_VENDOR_ID     0x00002320u
#define NXT_ROLE_REQUEST 10u
#define NXT_ROLE_REPLY   11u
#define NX_ROLE_OTHER    0u /* "equal": full access, all async messages */
#define NX_ROLE_MASTER   1u
#define NX_ROLE_SLAVE    2u

/* Fill m as a role message whose body is written into body (which must live
 * as long as m is used). */
void of10_nx_role_msg(struct of10_msg *m, uint8_t body[8], uint32_t subtype, uint32_t role);
void of10_nx_role_request(struct of10_msg *m, uint8_t body[8], uint32_t role);
/* 0: a role message (subtype NXT_ROLE_REQUEST or _REPLY, role 0..2 stored);
 * 1: not one (another message, vendor or Nicira subtype); -1: a role message
 * that is malformed (body not exactly 8 bytes, or role above 2). The outputs
 * are written only on 0; either may be NULL. */
int of10_nx_role_parse(const struct of10_msg *m, uint32_t *subtype, uint32_t *role);
/* "other", "master", "slave", "invalid". */
const char *of10_nx_role_name(uint32_t role);

/* ---- printer (of10_print.c) -------------------------------------------- */

/* One line, close to ovs-ofctl's text, e.g.
 *   OFPT_FLOW_MOD (xid=0x5): ADD tcp,nw_src=10.0.0.1,tp_dst=80 idle_timeout=60 actions=output:2
 * Always NUL-terminates; returns the length it wanted (snprintf-style). */
size_t of10_print(const struct of10_msg *m, char *buf, size_t cap);
size_t of10_match_print(const struct of10_match *m, char *buf, size_t cap);
size_t of10_actions_print(const struct of10_actions *a, char *buf, size_t cap);

#endif
