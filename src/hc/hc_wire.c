/*
 * hc_wire.c - the hypercall frame codec: big-endian, field by field, never a
 * struct copied onto the wire. The parser is the one place that says what a
 * valid frame is; the encoder writes a frame and runs the parser over it, so
 * the monitor and the guest tool cannot emit what the other side refuses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hc/hc.h"

/* Offsets in the frame. */
enum {
    OFF_TYPE = 12,
    OFF_MAGIC = 14,
    OFF_VERSION = 16,
    OFF_OP = 17,
    OFF_FLAGS = 18,
    OFF_LENGTH = 20,
    OFF_ID = 22,
    OFF_STATUS = 26,
    OFF_REF_OP = 28,
    OFF_RESERVED = 29,
    OFF_PAYLOAD = 30,
};
_Static_assert(OFF_PAYLOAD == HC_ETH_LEN + HC_HDR_LEN, "header layout");
#define RULE_LEN 12u /* RULE_ADD payload, and bytes 4..15 of a list entry */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static int bad(int status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(int status, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return status;
}

static int printable(uint8_t c)
{
    return c >= 0x20 && c <= 0x7e;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* ---- names -------------------------------------------------------------------- */

const char *hc_op_name(unsigned op)
{
    switch (op) {
    case HC_OP_RULE_ADD:
        return "RULE_ADD";
    case HC_OP_RULE_DEL:
        return "RULE_DEL";
    case HC_OP_RULE_LIST:
        return "RULE_LIST";
    case HC_OP_EVENTS:
        return "EVENTS";
    case HC_OP_REPLY:
        return "REPLY";
    case HC_OP_NOTIFY:
        return "NOTIFY";
    }
    return "?";
}

const char *hc_status_name(unsigned status)
{
    switch (status) {
    case HC_OK:
        return "OK";
    case HC_EPERM:
        return "EPERM";
    case HC_ENOENT:
        return "ENOENT";
    case HC_EIO:
        return "EIO";
    case HC_E2BIG:
        return "E2BIG";
    case HC_EEXIST:
        return "EEXIST";
    case HC_EINVAL:
        return "EINVAL";
    case HC_ENOSPC:
        return "ENOSPC";
    case HC_ENOSYS:
        return "ENOSYS";
    case HC_EPROTONOSUPPORT:
        return "EPROTONOSUPPORT";
    case HC_EDQUOT:
        return "EDQUOT";
    }
    return "?";
}

static const char *const kind_names[] = {NULL, "scan-blocked", "blocked", "notice"};
#define KIND_MAX HC_KIND_NOTICE

const char *hc_kind_name(unsigned kind)
{
    return kind >= 1 && kind <= KIND_MAX ? kind_names[kind] : "?";
}

int hc_kind_parse(const char *name)
{
    for (int k = 1; k <= (int)KIND_MAX; k++)
        if (!strcmp(name, kind_names[k])) return k;
    return -1;
}

static int request_op(unsigned op)
{
    return op >= HC_OP_RULE_ADD && op <= HC_OP_EVENTS;
}

static int known_status(unsigned s)
{
    return s != HC_OK && strcmp(hc_status_name(s), "?") != 0;
}

/* ---- payload pieces --------------------------------------------------------------- */

/* The 12 rule bytes: addr, plen, proto, port, dirs, action, 2 reserved. */
static int get_rule(const uint8_t *p, struct hc_rule *r, char *err, size_t errlen)
{
    r->addr = get32(p);
    r->plen = p[4];
    r->proto = p[5];
    r->port = get16(p + 6);
    r->dirs = p[8];
    r->action = p[9];
    if (r->plen > 32) return bad(HC_EINVAL, err, errlen, "prefix length %u is over 32", r->plen);
    if (r->dirs < HC_DIR_FROM_GUEST || r->dirs > HC_DIR_BOTH)
        return bad(HC_EINVAL, err, errlen,
                   "direction %u is not 1 (from-guest), 2 (to-guest) or 3 (both)", r->dirs);
    if (r->action > HC_ACT_DROP)
        return bad(HC_EINVAL, err, errlen, "action %u is not 0 (pass) or 1 (drop)", r->action);
    if (get16(p + 10)) return bad(HC_EINVAL, err, errlen, "rule reserved bytes are not zero");
    return 0;
}

static void put_rule(uint8_t *p, const struct hc_rule *r)
{
    put32(p, r->addr);
    p[4] = r->plen;
    p[5] = r->proto;
    put16(p + 6, r->port);
    p[8] = r->dirs;
    p[9] = r->action;
    put16(p + 10, 0);
}

/* 96 bytes: seq, kind, proto, text length, time, addr, mac, port, rule, text. */
static int get_note(const uint8_t *p, struct hc_note *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof(*n));
    n->seq = get32(p);
    n->kind = get16(p + 4);
    n->proto = p[6];
    unsigned tlen = p[7];
    n->time = get64(p + 8);
    n->addr = get32(p + 16);
    memcpy(n->mac, p + 20, 6);
    n->port = get16(p + 26);
    n->rule = get32(p + 28);
    if (n->seq == 0) return bad(HC_EINVAL, err, errlen, "notification sequence number 0");
    if (n->kind < 1 || n->kind > KIND_MAX)
        return bad(HC_EINVAL, err, errlen, "notification kind %u is unknown", n->kind);
    if (tlen > HC_NOTE_TEXT_MAX)
        return bad(HC_EINVAL, err, errlen, "notification text length %u is over %u", tlen,
                   HC_NOTE_TEXT_MAX);
    for (unsigned i = 0; i < tlen; i++)
        if (!printable(p[32 + i]))
            return bad(HC_EINVAL, err, errlen,
                       "notification text byte %u (0x%02x) is not printable", i, p[32 + i]);
    if (!all_zero(p + 32 + tlen, HC_NOTE_TEXT_MAX - tlen))
        return bad(HC_EINVAL, err, errlen, "notification text padding is not zero");
    memcpy(n->text, p + 32, tlen);
    return 0;
}

static void put_note(uint8_t *p, const struct hc_note *n)
{
    size_t tlen = strnlen(n->text, HC_NOTE_TEXT_MAX); /* fits() refused longer */
    memset(p, 0, HC_NOTE_LEN);
    put32(p, n->seq);
    put16(p + 4, n->kind);
    p[6] = n->proto;
    p[7] = (uint8_t)tlen;
    put64(p + 8, n->time);
    put32(p + 16, n->addr);
    memcpy(p + 20, n->mac, 6);
    put16(p + 26, n->port);
    put32(p + 28, n->rule);
    memcpy(p + 32, n->text, tlen);
}

/* ---- parsing ------------------------------------------------------------------------ */

static int parse_list(const uint8_t *p, size_t plen, struct hc_msg *m, char *err, size_t errlen)
{
    if (plen % HC_ENTRY_LEN)
        return bad(HC_EINVAL, err, errlen, "rule list of %zu bytes is not a multiple of %u", plen,
                   HC_ENTRY_LEN);
    m->u.list.n = (unsigned)(plen / HC_ENTRY_LEN); /* at most 15: plen <= 482 */
    for (unsigned i = 0; i < m->u.list.n; i++, p += HC_ENTRY_LEN) {
        struct hc_entry *e = &m->u.list.e[i];
        e->id = get32(p);
        int rc = get_rule(p + 4, &e->rule, err, errlen);
        if (rc) return rc;
        e->packets = get64(p + 16);
        e->bytes = get64(p + 24);
        if (e->id == 0 || (i && e->id <= m->u.list.e[i - 1].id))
            return bad(HC_EINVAL, err, errlen, "rule list entry %u: id %u is not ascending from 1",
                       i, e->id);
    }
    return 0;
}

static int parse_notes(const uint8_t *p, size_t plen, struct hc_msg *m, char *err, size_t errlen)
{
    if (plen % HC_NOTE_LEN)
        return bad(HC_EINVAL, err, errlen, "notifications of %zu bytes are not a multiple of %u",
                   plen, HC_NOTE_LEN);
    m->u.notes.n = (unsigned)(plen / HC_NOTE_LEN); /* at most 5 */
    for (unsigned i = 0; i < m->u.notes.n; i++, p += HC_NOTE_LEN) {
        int rc = get_note(p, &m->u.notes.note[i], err, errlen);
        if (rc) return rc;
        if (i && m->u.notes.note[i].seq <= m->u.notes.note[i - 1].seq)
            return bad(HC_EINVAL, err, errlen, "notification %u: sequence numbers not ascending",
                       i);
    }
    return 0;
}

static int parse_reply(const uint8_t *p, size_t plen, struct hc_msg *m, char *err, size_t errlen)
{
    if (m->status != HC_OK) {
        if (plen > HC_TEXT_MAX)
            return bad(HC_EINVAL, err, errlen, "error text of %zu bytes is over %u", plen,
                       HC_TEXT_MAX);
        for (size_t i = 0; i < plen; i++)
            if (!printable(p[i]))
                return bad(HC_EINVAL, err, errlen, "error text byte %zu (0x%02x) is not printable",
                           i, p[i]);
        memcpy(m->u.text, p, plen);
        m->u.text[plen] = '\0';
        return 0;
    }
    switch (m->ref_op) {
    case HC_OP_RULE_ADD:
        if (plen != 4) break;
        m->u.rule_id = get32(p);
        return m->u.rule_id ? 0 : bad(HC_EINVAL, err, errlen, "reply names rule id 0");
    case HC_OP_RULE_DEL:
        if (plen != 0) break;
        return 0;
    case HC_OP_RULE_LIST:
        return parse_list(p, plen, m, err, errlen);
    case HC_OP_EVENTS:
        return parse_notes(p, plen, m, err, errlen);
    }
    return bad(HC_EINVAL, err, errlen, "reply to %s with a payload of %zu bytes",
               hc_op_name(m->ref_op), plen);
}

/* Payload lengths of the fixed-size frames; 0 for the variable ones. */
static size_t fixed_len(unsigned op)
{
    switch (op) {
    case HC_OP_RULE_ADD:
        return RULE_LEN;
    case HC_OP_RULE_DEL:
    case HC_OP_RULE_LIST:
    case HC_OP_EVENTS:
        return 4;
    case HC_OP_NOTIFY:
        return HC_NOTE_LEN;
    }
    return 0;
}

static int parse_payload(const uint8_t *p, size_t plen, struct hc_msg *m, char *err, size_t errlen)
{
    size_t want = fixed_len(m->op);
    if (want && plen != want)
        return bad(HC_EINVAL, err, errlen, "%s payload must be %zu bytes, not %zu",
                   hc_op_name(m->op), want, plen);
    switch (m->op) {
    case HC_OP_RULE_ADD:
        return get_rule(p, &m->u.rule, err, errlen);
    case HC_OP_RULE_DEL:
        m->u.rule_id = get32(p);
        return m->u.rule_id ? 0 : bad(HC_EINVAL, err, errlen, "rule id 0 does not exist");
    case HC_OP_RULE_LIST:
    case HC_OP_EVENTS:
        m->u.start = get32(p);
        return 0;
    case HC_OP_NOTIFY: {
        int rc = parse_notes(p, plen, m, err, errlen);
        if (!rc && m->u.notes.note[0].seq != m->id)
            return bad(HC_EINVAL, err, errlen, "NOTIFY id %u differs from its note's seq %u", m->id,
                       m->u.notes.note[0].seq);
        return rc;
    }
    default:
        return parse_reply(p, plen, m, err, errlen);
    }
}

/* The fields after the payload length: flags, status, ref_op, reserved. */
static int check_header(struct hc_msg *m, const uint8_t *f, char *err, size_t errlen)
{
    unsigned allowed = m->op == HC_OP_REPLY ? HC_F_MORE : 0;
    if (m->flags & ~allowed)
        return bad(HC_EINVAL, err, errlen, "flags 0x%04x have reserved bits set for %s", m->flags,
                   hc_op_name(m->op));
    if (f[OFF_RESERVED]) return bad(HC_EINVAL, err, errlen, "reserved header byte is not zero");
    if (m->op != HC_OP_REPLY) {
        if (m->status)
            return bad(HC_EINVAL, err, errlen, "status %u in a %s", m->status, hc_op_name(m->op));
        if (m->ref_op)
            return bad(HC_EINVAL, err, errlen, "ref_op %u in a %s", m->ref_op, hc_op_name(m->op));
        return 0;
    }
    /* ref_op 0: an error reply to a frame whose op was not a request op. */
    if (!request_op(m->ref_op) && !(m->ref_op == 0 && m->status != HC_OK))
        return bad(HC_EINVAL, err, errlen, "reply to op 0x%02x, which is not a request", m->ref_op);
    if (m->status != HC_OK && !known_status(m->status))
        return bad(HC_EINVAL, err, errlen, "status %u is unknown", m->status);
    if ((m->flags & HC_F_MORE) &&
        (m->status || (m->ref_op != HC_OP_RULE_LIST && m->ref_op != HC_OP_EVENTS)))
        return bad(HC_EINVAL, err, errlen, "flag MORE on a reply that has no pages");
    return 0;
}

int hc_parse(const uint8_t *f, size_t len, struct hc_msg *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    if (err && errlen) err[0] = '\0';
    if (len < OFF_PAYLOAD)
        return bad(HC_EINVAL, err, errlen, "frame of %zu bytes is shorter than the %u-byte headers",
                   len, OFF_PAYLOAD);
    if (get16(f + OFF_TYPE) != HC_ETHERTYPE)
        return bad(HC_EINVAL, err, errlen, "EtherType 0x%04x is not 0x%04x", get16(f + OFF_TYPE),
                   HC_ETHERTYPE);
    if (get16(f + OFF_MAGIC) != HC_MAGIC)
        return bad(HC_EINVAL, err, errlen, "magic 0x%04x is not 0x%04x", get16(f + OFF_MAGIC),
                   HC_MAGIC);
    memcpy(m->dst, f, 6);
    memcpy(m->src, f + 6, 6);
    m->version = f[OFF_VERSION];
    m->op = f[OFF_OP];
    m->flags = get16(f + OFF_FLAGS);
    m->id = get32(f + OFF_ID);
    m->status = get16(f + OFF_STATUS);
    m->ref_op = f[OFF_REF_OP];
    m->has_id = 1; /* from here on, the sender can be told what was wrong */

    if (len > HC_FRAME_MAX)
        return bad(HC_E2BIG, err, errlen, "frame of %zu bytes is over %u", len, HC_FRAME_MAX);
    if (m->version != HC_VERSION)
        return bad(HC_EPROTONOSUPPORT, err, errlen, "version %u is not supported (only %u)",
                   m->version, HC_VERSION);
    if (!request_op(m->op) && m->op != HC_OP_REPLY && m->op != HC_OP_NOTIFY)
        return bad(HC_ENOSYS, err, errlen, "op 0x%02x is unknown", m->op);
    int rc = check_header(m, f, err, errlen);
    if (rc) return rc;
    size_t plen = get16(f + OFF_LENGTH), end = OFF_PAYLOAD + plen;
    if (end > len)
        return bad(HC_EINVAL, err, errlen,
                   "payload length %zu, but only %zu bytes follow the header", plen,
                   len - OFF_PAYLOAD);
    /* Trailing bytes only as the zero padding up to the Ethernet minimum. */
    if (end < len && !(len == HC_MIN_FRAME && all_zero(f + end, len - end)))
        return bad(HC_EINVAL, err, errlen, "%zu byte(s) after the payload", len - end);
    return parse_payload(f + OFF_PAYLOAD, plen, m, err, errlen);
}

/* ---- encoding ------------------------------------------------------------------------ */

static size_t put_payload(const struct hc_msg *m, uint8_t *p)
{
    switch (m->op) {
    case HC_OP_RULE_ADD:
        put_rule(p, &m->u.rule);
        return RULE_LEN;
    case HC_OP_RULE_DEL:
        put32(p, m->u.rule_id);
        return 4;
    case HC_OP_RULE_LIST:
    case HC_OP_EVENTS:
        put32(p, m->u.start);
        return 4;
    case HC_OP_NOTIFY:
        put_note(p, &m->u.notes.note[0]);
        return HC_NOTE_LEN;
    }
    if (m->status) {
        size_t n = strnlen(m->u.text, HC_TEXT_MAX); /* fits() refused longer */
        memcpy(p, m->u.text, n);
        return n;
    }
    switch (m->ref_op) {
    case HC_OP_RULE_ADD:
        put32(p, m->u.rule_id);
        return 4;
    case HC_OP_RULE_LIST:
        for (unsigned i = 0; i < m->u.list.n; i++) {
            const struct hc_entry *e = &m->u.list.e[i];
            uint8_t *q = p + i * HC_ENTRY_LEN;
            put32(q, e->id);
            put_rule(q + 4, &e->rule);
            put64(q + 16, e->packets);
            put64(q + 24, e->bytes);
        }
        return m->u.list.n * HC_ENTRY_LEN;
    case HC_OP_EVENTS:
        for (unsigned i = 0; i < m->u.notes.n; i++)
            put_note(p + i * HC_NOTE_LEN, &m->u.notes.note[i]);
        return m->u.notes.n * HC_NOTE_LEN;
    }
    return 0;
}

/* What writing would silently cut: more than a page of entries, text longer
 * than its field. The caller must split or shorten. */
static int fits(const struct hc_msg *m)
{
    if (m->op == HC_OP_NOTIFY)
        return strnlen(m->u.notes.note[0].text, sizeof(m->u.notes.note[0].text)) <=
               HC_NOTE_TEXT_MAX;
    if (m->op != HC_OP_REPLY) return 1;
    if (m->status) return strnlen(m->u.text, sizeof(m->u.text)) <= HC_TEXT_MAX;
    if (m->ref_op == HC_OP_RULE_LIST) return m->u.list.n <= HC_LIST_MAX;
    if (m->ref_op != HC_OP_EVENTS) return 1;
    if (m->u.notes.n > HC_NOTES_MAX) return 0;
    for (unsigned i = 0; i < m->u.notes.n; i++)
        if (strnlen(m->u.notes.note[i].text, sizeof(m->u.notes.note[i].text)) > HC_NOTE_TEXT_MAX)
            return 0;
    return 1;
}

size_t hc_encode(const struct hc_msg *m, uint8_t *out, size_t cap)
{
    uint8_t f[HC_FRAME_MAX];
    struct hc_msg check;

    if (!fits(m)) return 0;
    memset(f, 0, sizeof(f));
    memcpy(f, m->dst, 6);
    memcpy(f + 6, m->src, 6);
    put16(f + OFF_TYPE, HC_ETHERTYPE);
    put16(f + OFF_MAGIC, HC_MAGIC);
    f[OFF_VERSION] = HC_VERSION;
    f[OFF_OP] = m->op;
    put16(f + OFF_FLAGS, m->flags);
    put32(f + OFF_ID, m->id);
    put16(f + OFF_STATUS, m->status);
    f[OFF_REF_OP] = m->ref_op;
    size_t plen = put_payload(m, f + OFF_PAYLOAD);
    put16(f + OFF_LENGTH, (uint16_t)plen);
    size_t len = OFF_PAYLOAD + plen;
    if (len < HC_MIN_FRAME) len = HC_MIN_FRAME; /* f is zeroed: the padding is zero */
    /* Anything the parser would refuse (an unknown op or kind, text that is not
     * printable or too long, ...) is not written. */
    if (len > cap || hc_parse(f, len, &check, NULL, 0) != 0) return 0;
    memcpy(out, f, len);
    return len;
}
