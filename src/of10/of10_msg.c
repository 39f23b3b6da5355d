/*
 * of10_msg.c - message framing and the message table: header checks, the
 * length rule of every type, and dispatch of decode/validate/encode to the
 * per-message functions. The bodies without structure (HELLO, ERROR, ECHO,
 * VENDOR, switch config) live here too; the others have their own files.
 *
 * Decode order, so the error for a message with several faults is fixed:
 *   1. len >= 8 and the header's length field == len        else BAD_LEN
 *   2. version 0x01, except for HELLO                          else BAD_VERSION
 *   3. type < 22                                               else BAD_TYPE
 *   4. the table's length rule (exact / minimum / multiple)    else BAD_LEN
 *   5. the message's own checks, in wire order.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

/* ofp_header */
enum { H_VERSION = 0, H_TYPE = 1, H_LENGTH = 2, H_XID = 4 };

/* Body offsets of the small messages handled here. */
enum {
    ERR_TYPE = 8,
    ERR_CODE = 10,
    ERR_DATA = 12, /* ofp_error_msg */
    VND_VENDOR = 8,
    VND_DATA = 12, /* ofp_vendor_header */
    CFG_FLAGS = 8,
    CFG_MISS_SEND_LEN = 10, /* ofp_switch_config */
};
_Static_assert((int)(ERR_DATA) == (int)(OFP10_ERROR_MSG_LEN), "ofp_error_msg");
_Static_assert((int)(VND_DATA) == (int)(OFP10_VENDOR_HEADER_LEN), "ofp_vendor_header");
_Static_assert((int)(CFG_MISS_SEND_LEN + 2) == (int)(OFP10_SWITCH_CONFIG_LEN), "ofp_switch_config");

/* ---- opaque bodies ------------------------------------------------------ */

static struct of10_bytes tail(const uint8_t *p, size_t off, size_t len)
{
    struct of10_bytes b = {len > off ? p + off : NULL, len - off};
    return b;
}

static void put_bytes(uint8_t *p, const struct of10_bytes *b)
{
    if (b->len) memcpy(p, b->p, b->len);
}

/* HELLO, ECHO_REQUEST, ECHO_REPLY: everything after the header is kept as
 * bytes (HELLO: newer versions put hello elements there; ECHO: arbitrary
 * payload). The message type picks the union member. */
static struct of10_bytes *payload_of(struct of10_msg *m)
{
    return m->type == OFPT10_HELLO ? &m->u.hello : &m->u.echo;
}
static const struct of10_bytes *payload_of_c(const struct of10_msg *m)
{
    return m->type == OFPT10_HELLO ? &m->u.hello : &m->u.echo;
}
static uint32_t payload_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                               struct of10_arena *arena)
{
    (void)arena;
    *payload_of(m) = tail(p, OFP10_HEADER_LEN, len);
    return OF10_OK;
}
static uint32_t payload_validate(const struct of10_msg *m)
{
    return of10_bytes_ok(payload_of_c(m)) ? OF10_OK : OF10_E_BAD_LEN;
}
static size_t payload_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_HEADER_LEN, payload_of_c(m)->len);
}
static void payload_encode(const struct of10_msg *m, uint8_t *p)
{
    put_bytes(p + OFP10_HEADER_LEN, payload_of_c(m));
}

/* ERROR: type and code are kept as received (a peer may be newer than us). */
static uint32_t error_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                             struct of10_arena *arena)
{
    (void)arena;
    m->u.error.type = be_get16(p + ERR_TYPE);
    m->u.error.code = be_get16(p + ERR_CODE);
    m->u.error.data = tail(p, ERR_DATA, len);
    return OF10_OK;
}
static uint32_t error_validate(const struct of10_msg *m)
{
    return of10_bytes_ok(&m->u.error.data) ? OF10_OK : OF10_E_BAD_LEN;
}
static size_t error_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_ERROR_MSG_LEN, m->u.error.data.len);
}
static void error_encode(const struct of10_msg *m, uint8_t *p)
{
    be_put16(p + ERR_TYPE, m->u.error.type);
    be_put16(p + ERR_CODE, m->u.error.code);
    put_bytes(p + ERR_DATA, &m->u.error.data);
}

/* VENDOR: vendor id, then bytes only that vendor understands. */
static uint32_t vendor_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                              struct of10_arena *arena)
{
    (void)arena;
    m->u.vendor.vendor = be_get32(p + VND_VENDOR);
    m->u.vendor.data = tail(p, VND_DATA, len);
    return OF10_OK;
}
static uint32_t vendor_validate(const struct of10_msg *m)
{
    return of10_bytes_ok(&m->u.vendor.data) ? OF10_OK : OF10_E_BAD_LEN;
}
static size_t vendor_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_VENDOR_HEADER_LEN, m->u.vendor.data.len);
}
static void vendor_encode(const struct of10_msg *m, uint8_t *p)
{
    be_put32(p + VND_VENDOR, m->u.vendor.vendor);
    put_bytes(p + VND_DATA, &m->u.vendor.data);
}

/* GET_CONFIG_REPLY / SET_CONFIG: flags are kept as sent; a switch answers
 * unsupported fragment modes itself. */
static uint32_t config_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                              struct of10_arena *arena)
{
    (void)len, (void)arena;
    m->u.config.flags = be_get16(p + CFG_FLAGS);
    m->u.config.miss_send_len = be_get16(p + CFG_MISS_SEND_LEN);
    return OF10_OK;
}
static void config_encode(const struct of10_msg *m, uint8_t *p)
{
    be_put16(p + CFG_FLAGS, m->u.config.flags);
    be_put16(p + CFG_MISS_SEND_LEN, m->u.config.miss_send_len);
}

/* ---- the message table ------------------------------------------------- */

/* step: 0 = exactly min bytes; 1 = at least min; n = min plus a multiple of n.
 * A NULL function means "nothing to do" (no body, or no check). */
struct msg_kind {
    uint16_t min;
    uint16_t step;
    of10_decode_fn *decode;
    of10_validate_fn *validate;
    of10_len_fn *len; /* NULL: always min */
    of10_encode_fn *encode;
};

static const struct msg_kind kinds[OFPT10_N_TYPES] = {
    [OFPT10_HELLO] = {8, 1, payload_decode, payload_validate, payload_len, payload_encode},
    [OFPT10_ERROR] = {12, 1, error_decode, error_validate, error_len, error_encode},
    [OFPT10_ECHO_REQUEST] = {8, 1, payload_decode, payload_validate, payload_len, payload_encode},
    [OFPT10_ECHO_REPLY] = {8, 1, payload_decode, payload_validate, payload_len, payload_encode},
    [OFPT10_VENDOR] = {12, 1, vendor_decode, vendor_validate, vendor_len, vendor_encode},
    [OFPT10_FEATURES_REQUEST] = {8, 0, NULL, NULL, NULL, NULL},
    [OFPT10_FEATURES_REPLY] = {32, 48, of10_features_decode, of10_features_validate,
                               of10_features_len, of10_features_encode},
    [OFPT10_GET_CONFIG_REQUEST] = {8, 0, NULL, NULL, NULL, NULL},
    [OFPT10_GET_CONFIG_REPLY] = {12, 0, config_decode, NULL, NULL, config_encode},
    [OFPT10_SET_CONFIG] = {12, 0, config_decode, NULL, NULL, config_encode},
    [OFPT10_PACKET_IN] = {18, 1, of10_packet_in_decode, of10_packet_in_validate, of10_packet_in_len,
                          of10_packet_in_encode},
    [OFPT10_FLOW_REMOVED] = {88, 0, of10_flow_removed_decode, NULL, NULL, of10_flow_removed_encode},
    [OFPT10_PORT_STATUS] = {64, 0, of10_port_status_decode, NULL, NULL, of10_port_status_encode},
    [OFPT10_PACKET_OUT] = {16, 1, of10_packet_out_decode, of10_packet_out_validate,
                           of10_packet_out_len, of10_packet_out_encode},
    [OFPT10_FLOW_MOD] = {72, 8, of10_flow_mod_decode, of10_flow_mod_validate, of10_flow_mod_len,
                         of10_flow_mod_encode},
    [OFPT10_PORT_MOD] = {32, 0, of10_port_mod_decode, of10_port_mod_validate, NULL,
                         of10_port_mod_encode},
    [OFPT10_STATS_REQUEST] = {12, 1, of10_stats_request_decode, of10_stats_request_validate,
                              of10_stats_request_len, of10_stats_request_encode},
    [OFPT10_STATS_REPLY] = {12, 1, of10_stats_reply_decode, of10_stats_reply_validate,
                            of10_stats_reply_len, of10_stats_reply_encode},
    [OFPT10_BARRIER_REQUEST] = {8, 0, NULL, NULL, NULL, NULL},
    [OFPT10_BARRIER_REPLY] = {8, 0, NULL, NULL, NULL, NULL},
    [OFPT10_QUEUE_GET_CONFIG_REQUEST] = {12, 0, of10_qgc_request_decode, of10_qgc_request_validate,
                                         NULL, of10_qgc_request_encode},
    [OFPT10_QUEUE_GET_CONFIG_REPLY] = {16, 1, of10_qgc_reply_decode, of10_qgc_reply_validate,
                                       of10_qgc_reply_len, of10_qgc_reply_encode},
};

static bool len_ok(const struct msg_kind *k, size_t len)
{
    if (k->step == 0) return len == k->min;
    return len >= k->min && (len - k->min) % k->step == 0;
}

size_t of10_frame_len(const uint8_t *p)
{
    size_t len = be_get16(p + H_LENGTH);
    return len < OFP10_HEADER_LEN ? 0 : len;
}

uint32_t of10_decode(const uint8_t *p, size_t len, struct of10_msg *m, struct of10_arena *arena)
{
    memset(m, 0, sizeof *m);
    if (len < OFP10_HEADER_LEN || be_get16(p + H_LENGTH) != len) return OF10_E_BAD_LEN;
    m->version = p[H_VERSION];
    m->type = p[H_TYPE];
    m->xid = be_get32(p + H_XID);
    if (m->type != OFPT10_HELLO && m->version != OFP10_VERSION) return OF10_E_BAD_VERSION;
    if (m->type >= OFPT10_N_TYPES) return OF10_E_BAD_TYPE;
    const struct msg_kind *k = &kinds[m->type];
    if (!len_ok(k, len)) return OF10_E_BAD_LEN;
    return k->decode ? k->decode(p, len, m, arena) : OF10_OK;
}

static size_t kind_len(const struct msg_kind *k, const struct of10_msg *m)
{
    return k->len ? k->len(m) : k->min;
}

uint32_t of10_validate(const struct of10_msg *m)
{
    if (m->type != OFPT10_HELLO && m->version != OFP10_VERSION) return OF10_E_BAD_VERSION;
    if (m->type >= OFPT10_N_TYPES) return OF10_E_BAD_TYPE;
    const struct msg_kind *k = &kinds[m->type];
    uint32_t err = k->validate ? k->validate(m) : OF10_OK;
    if (err) return err;
    return kind_len(k, m) > OF10_MAX_MSG_LEN ? OF10_E_BAD_LEN : OF10_OK;
}

/* Validating first means the length functions only ever see well-formed
 * arrays, and "0" covers every message encode would refuse. */
size_t of10_encoded_len(const struct of10_msg *m)
{
    if (of10_validate(m)) return 0;
    return kind_len(&kinds[m->type], m);
}

/* The whole message is zeroed first, so every pad byte goes out as zero
 * whatever the body encoders skip. */
uint32_t of10_encode(const struct of10_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
    if (out_len) *out_len = 0;
    uint32_t err = of10_validate(m);
    if (err) return err;
    const struct msg_kind *k = &kinds[m->type];
    size_t len = kind_len(k, m);
    if (!buf || cap < len) return OF10_E_NOSPACE;
    memset(buf, 0, len);
    buf[H_VERSION] = m->version;
    buf[H_TYPE] = m->type;
    be_put16(buf + H_LENGTH, (uint16_t)len);
    be_put32(buf + H_XID, m->xid);
    if (k->encode) k->encode(m, buf);
    if (out_len) *out_len = len;
    return OF10_OK;
}
