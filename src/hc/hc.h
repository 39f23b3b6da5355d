/*
 * hc.h - guest hypercalls: the frames a guest exchanges with the monitor on its
 * own link (EtherType 0x88B5), decoded into host-order structs and encoded back.
 * Pure code, no I/O and no allocation: the guest tool (vfguest, built with musl)
 * links this and nothing else of the project. Wire layout, limits and the
 * security model: docs/hypercall.md.
 */
#ifndef VF_HC_H
#define VF_HC_H

#include <stddef.h>
#include <stdint.h>

#define HC_ETHERTYPE 0x88B5u /* IEEE 802 local experimental EtherType 1 */
#define HC_MAGIC     0x5646u /* "VF" */
#define HC_VERSION   1u

#define HC_ETH_LEN     14u  /* destination, source, EtherType; never VLAN-tagged */
#define HC_HDR_LEN     16u  /* the hypercall header after the Ethernet header */
#define HC_MIN_FRAME   60u  /* Ethernet minimum without FCS: shorter frames are padded */
#define HC_FRAME_MAX   512u /* whole frame; the datapath drops longer ones */
#define HC_PAYLOAD_MAX (HC_FRAME_MAX - HC_ETH_LEN - HC_HDR_LEN) /* 482 */

/* Operations: requests from the guest below 0x80, frames of the monitor above. */
enum hc_op {
    HC_OP_RULE_ADD = 0x01,
    HC_OP_RULE_DEL = 0x02,
    HC_OP_RULE_LIST = 0x03,
    HC_OP_EVENTS = 0x04,
    HC_OP_REPLY = 0x81,
    HC_OP_NOTIFY = 0x82,
};

#define HC_F_MORE 0x0001u /* REPLY to RULE_LIST/EVENTS: more entries after these */

/* Status of a REPLY: Linux errno numbers, fixed here so the wire does not
 * depend on the platform's <errno.h>. */
enum hc_status {
    HC_OK = 0,
    HC_EPERM = 1,            /* not the guest's to do (another owner's rule) */
    HC_ENOENT = 2,           /* no such rule */
    HC_EIO = 5,              /* the monitor failed otherwise */
    HC_E2BIG = 7,            /* frame longer than HC_FRAME_MAX */
    HC_EEXIST = 17,          /* a rule with the same match exists in the guest tier */
    HC_EINVAL = 22,          /* malformed request: a field, a length, reserved bits */
    HC_ENOSPC = 28,          /* the monitor's rule table is full */
    HC_ENOSYS = 38,          /* unknown operation */
    HC_EPROTONOSUPPORT = 93, /* version other than HC_VERSION */
    HC_EDQUOT = 122,         /* the guest's rule quota is used up */
};

/* A guest rule: the monitor's rule fields without "on" (always the guest's
 * own port) and with host-order numbers. */
enum { HC_DIR_FROM_GUEST = 1, HC_DIR_TO_GUEST = 2, HC_DIR_BOTH = 3 };
enum { HC_ACT_PASS = 0, HC_ACT_DROP = 1 };
struct hc_rule {
    uint32_t addr;  /* IPv4, host order (10.0.0.9 is 0x0a000009) */
    uint8_t plen;   /* 0..32 */
    uint8_t proto;  /* IP protocol, 0 = any */
    uint16_t port;  /* L4 port, 0 = any */
    uint8_t dirs;   /* HC_DIR_* */
    uint8_t action; /* HC_ACT_* */
};

/* One entry of a RULE_LIST reply. */
#define HC_ENTRY_LEN 32u
#define HC_LIST_MAX  (HC_PAYLOAD_MAX / HC_ENTRY_LEN) /* 15 per page */
struct hc_entry {
    uint32_t id;
    struct hc_rule rule;
    uint64_t packets, bytes;
};

/* A notification: NOTIFY carries one, an EVENTS reply up to HC_NOTES_MAX. */
enum hc_kind { HC_KIND_SCAN_BLOCKED = 1, HC_KIND_BLOCKED = 2, HC_KIND_NOTICE = 3 };
#define HC_NOTE_LEN      96u
#define HC_NOTE_TEXT_MAX 64u
#define HC_NOTES_MAX     (HC_PAYLOAD_MAX / HC_NOTE_LEN) /* 5 per page */
struct hc_note {
    uint32_t seq;                    /* per port, from 1, assigned by the monitor */
    uint16_t kind;                   /* enum hc_kind */
    uint8_t proto;                   /* IP protocol of what was blocked, 0 none */
    uint64_t time;                   /* seconds since the epoch, UTC */
    uint32_t addr;                   /* the other end (e.g. the scanner), IPv4 host order, 0 none */
    uint8_t mac[6];                  /* its MAC, zero when unknown */
    uint16_t port;                   /* L4 port blocked, 0 none */
    uint32_t rule;                   /* the rule that blocks, 0 none */
    char text[HC_NOTE_TEXT_MAX + 1]; /* printable ASCII, NUL-terminated */
};

/* The text of an error REPLY: why the monitor refused. */
#define HC_TEXT_MAX 200u

/* A decoded frame. Which member of u is valid depends on op (and, for a REPLY,
 * on ref_op and status). */
struct hc_msg {
    uint8_t dst[6], src[6];
    uint8_t version, op;
    uint16_t flags;
    uint32_t id;     /* request id (the guest's); NOTIFY: the note's seq */
    uint16_t status; /* REPLY: enum hc_status; else 0 */
    uint8_t ref_op;  /* REPLY: the op of the request answered; else 0 */
    int has_id;      /* hc_parse: header intact enough to answer (id, op valid) */
    union {
        struct hc_rule rule; /* RULE_ADD */
        uint32_t rule_id;    /* RULE_DEL; REPLY to RULE_ADD */
        uint32_t start;      /* RULE_LIST: first rule id; EVENTS: first seq */
        struct {
            unsigned n;
            struct hc_entry e[HC_LIST_MAX];
        } list; /* REPLY to RULE_LIST */
        struct {
            unsigned n;
            struct hc_note note[HC_NOTES_MAX];
        } notes;                    /* REPLY to EVENTS (n 0..5); NOTIFY (n 1) */
        char text[HC_TEXT_MAX + 1]; /* REPLY with status != 0 */
    } u;
};

/* Decodes one frame; strict: exact lengths, known values, reserved fields zero,
 * no trailing bytes except the zero padding of a 60-byte minimum frame.
 * Returns 0, or the enum hc_status a monitor answers with (HC_EINVAL, HC_E2BIG,
 * HC_ENOSYS, HC_EPROTONOSUPPORT); err says what was wrong. m->has_id tells
 * whether the header was intact enough (EtherType, magic, 16 bytes) to answer:
 * without it the frame is not a hypercall and gets no reply. */
int hc_parse(const uint8_t *frame, size_t len, struct hc_msg *m, char *err, size_t errlen);

/* Encodes m (version HC_VERSION) into out; returns the frame length (at least
 * HC_MIN_FRAME, zero-padded), or 0 when m is invalid or cap too small (a frame
 * the encoder writes always parses). */
size_t hc_encode(const struct hc_msg *m, uint8_t *out, size_t cap);

/* Names: "RULE_ADD", "EPERM", "scan-blocked"; "?" when unknown. */
const char *hc_op_name(unsigned op);
const char *hc_status_name(unsigned status);
const char *hc_kind_name(unsigned kind);
int hc_kind_parse(const char *name); /* -1 when unknown */

/* Rule text, the monitor's form without "on":
 * "ACTION ADDR[/PLEN] [proto P] [port N|any] [dir D]", ACTION drop|pass, P
 * tcp|udp|icmp|any|0..255, D from-guest|to-guest|both. Defaults: proto any
 * (tcp with a port), port any, dir both. 0 or -1 with err set. */
int hc_rule_parse(const char *text, struct hc_rule *r, char *err, size_t errlen);
int hc_rule_format(const struct hc_rule *r, char *buf, size_t len);

#endif
