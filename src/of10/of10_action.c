/*
 * of10_action.c - OpenFlow 1.0 action lists: decode (two passes, so the array
 * is sized exactly), validate, encode, equality.
 *
 * Length rules, as OVS applies them: every action is at least 8 bytes, a
 * multiple of 8 and inside the list (else OFPBAC_BAD_LEN); a known type must
 * have exactly its size (OFPBAC_BAD_LEN); an unknown type is OFPBAC_BAD_TYPE.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

/* Argument offsets common to the action layouts (after type, len). */
enum {
    A_TYPE = 0,
    A_LEN = 2,
    A_ARG = 4,           /* port, vid, pcp, tos, tp port, nw addr, dl addr, vendor */
    A_OUT_MAX_LEN = 6,   /* ofp_action_output.max_len */
    A_ENQ_QUEUE_ID = 12, /* ofp_action_enqueue.queue_id, after 6 pad bytes */
};

#define MAX_STD_ACTION OFPAT10_ENQUEUE

/* Wire size of each standard action (ofp_action_* structs). */
static const uint16_t action_size[MAX_STD_ACTION + 1] = {
    [OFPAT10_OUTPUT] = 8,     [OFPAT10_SET_VLAN_VID] = 8, [OFPAT10_SET_VLAN_PCP] = 8,
    [OFPAT10_STRIP_VLAN] = 8, [OFPAT10_SET_DL_SRC] = 16,  [OFPAT10_SET_DL_DST] = 16,
    [OFPAT10_SET_NW_SRC] = 8, [OFPAT10_SET_NW_DST] = 8,   [OFPAT10_SET_NW_TOS] = 8,
    [OFPAT10_SET_TP_SRC] = 8, [OFPAT10_SET_TP_DST] = 8,   [OFPAT10_ENQUEUE] = 16,
};

/* OUTPUT may name any physical port or a reserved port except NONE; 0 and
 * 0xff00..0xfff7 name nothing. */
static bool output_port_ok(uint16_t port)
{
    return of10_port_is_physical(port) || (port >= OFPP10_IN_PORT && port <= OFPP10_LOCAL);
}

/* ENQUEUE needs a port with queues: a physical port, or the input port. */
static bool enqueue_port_ok(uint16_t port)
{
    return of10_port_is_physical(port) || port == OFPP10_IN_PORT;
}

/* Argument checks shared by decode and validate. */
static uint32_t check_args(const struct of10_action *a)
{
    switch (a->type) {
    case OFPAT10_OUTPUT:
        return output_port_ok(a->u.output.port) ? OF10_OK : OF10_E_ACT_BAD_OUT_PORT;
    case OFPAT10_SET_VLAN_VID:
        return a->u.vlan_vid > 0x0fff ? OF10_E_ACT_BAD_ARGUMENT : OF10_OK;
    case OFPAT10_SET_VLAN_PCP:
        return a->u.vlan_pcp > 7 ? OF10_E_ACT_BAD_ARGUMENT : OF10_OK;
    case OFPAT10_SET_NW_TOS:
        return (a->u.nw_tos & 0x03) ? OF10_E_ACT_BAD_ARGUMENT : OF10_OK;
    case OFPAT10_ENQUEUE:
        if (!enqueue_port_ok(a->u.enqueue.port)) return OF10_E_ACT_BAD_OUT_PORT;
        return a->u.enqueue.queue_id == OFPQ10_ALL ? OF10_E_ACT_BAD_QUEUE : OF10_OK;
    default:
        return OF10_OK;
    }
}

/* Read the arguments of a known action whose length was checked. VID keeps
 * all 16 wire bits, so an out-of-range VID is rejected, not truncated. */
static void read_args(const uint8_t *p, struct of10_action *a)
{
    const uint8_t *arg = p + A_ARG;
    switch (a->type) {
    case OFPAT10_OUTPUT:
        a->u.output.port = be_get16(arg);
        a->u.output.max_len = be_get16(p + A_OUT_MAX_LEN);
        break;
    case OFPAT10_SET_VLAN_VID:
        a->u.vlan_vid = be_get16(arg);
        break;
    case OFPAT10_SET_VLAN_PCP:
        a->u.vlan_pcp = arg[0];
        break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        memcpy(a->u.dl_addr, arg, 6);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        a->u.nw_addr = be_get32(arg);
        break;
    case OFPAT10_SET_NW_TOS:
        a->u.nw_tos = arg[0];
        break;
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        a->u.tp_port = be_get16(arg);
        break;
    case OFPAT10_ENQUEUE:
        a->u.enqueue.port = be_get16(arg);
        a->u.enqueue.queue_id = be_get32(p + A_ENQ_QUEUE_ID);
        break;
    default:
        break; /* STRIP_VLAN: no argument */
    }
}

/* Decode one action at p with left bytes remaining in the list. */
static uint32_t decode_one(const uint8_t *p, size_t left, struct of10_action *a)
{
    if (left < OFP10_ACTION_HEADER_LEN) return OF10_E_ACT_BAD_LEN;
    memset(a, 0, sizeof *a);
    a->type = be_get16(p + A_TYPE);
    a->len = be_get16(p + A_LEN);
    if (a->len < OFP10_ACTION_HEADER_LEN || a->len % 8 || a->len > left) return OF10_E_ACT_BAD_LEN;
    if (a->type == OFPAT10_VENDOR) {
        a->u.vendor.vendor = be_get32(p + A_ARG);
        a->u.vendor.body = p + OFP10_ACTION_HEADER_LEN;
        a->u.vendor.body_len = (uint16_t)(a->len - OFP10_ACTION_HEADER_LEN);
        if (!a->u.vendor.body_len) a->u.vendor.body = NULL;
        return OF10_OK;
    }
    if (a->type > MAX_STD_ACTION) return OF10_E_ACT_BAD_TYPE;
    if (a->len != action_size[a->type]) return OF10_E_ACT_BAD_LEN;
    read_args(p, a);
    return check_args(a);
}

uint32_t of10_actions_decode(const uint8_t *p, size_t len, struct of10_actions *out,
                             struct of10_arena *arena)
{
    struct of10_action tmp;
    size_t n = 0;
    uint32_t err = OF10_OK;

    out->v = NULL;
    out->n = 0;
    if (len % 8) return OF10_E_BAD_LEN; /* callers check; the list itself is bad */
    /* Pass 1: check everything and count. */
    for (size_t off = 0; off < len; off += tmp.len, n++) {
        err = decode_one(p + off, len - off, &tmp);
        if (err) return err;
    }
    /* Pass 2: the list is known good; fill an exactly sized array. */
    out->v = of10_arena_array(arena, n, sizeof *out->v, &err);
    if (err) return err;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        (void)decode_one(p + off, len - off, &out->v[i]);
        off += out->v[i].len;
    }
    out->n = n;
    return OF10_OK;
}

/* Wire length of one action, from its type (standard) or body (vendor);
 * 0 for an unknown type. The len member is not trusted for encoding. */
static size_t action_wire_len(const struct of10_action *a)
{
    if (a->type == OFPAT10_VENDOR) return (size_t)OFP10_ACTION_HEADER_LEN + a->u.vendor.body_len;
    return a->type <= MAX_STD_ACTION ? action_size[a->type] : 0;
}

size_t of10_actions_len(const struct of10_actions *a)
{
    size_t total = 0;
    for (size_t i = 0; a->v && i < a->n; i++)
        total = of10_len_add(total, action_wire_len(&a->v[i]));
    return total;
}

/* The len member may be 0 ("compute it"); any other value must agree with
 * the length the action encodes to, so a stale len is caught, not ignored. */
static uint32_t validate_one(const struct of10_action *a)
{
    if (a->type != OFPAT10_VENDOR && a->type > MAX_STD_ACTION) return OF10_E_ACT_BAD_TYPE;
    size_t wlen = action_wire_len(a);
    if (wlen % 8 || wlen > 0xffff || (a->len && a->len != wlen)) return OF10_E_ACT_BAD_LEN;
    if (a->type == OFPAT10_VENDOR && a->u.vendor.body_len && !a->u.vendor.body)
        return OF10_E_ACT_BAD_LEN;
    return check_args(a);
}

uint32_t of10_actions_validate(const struct of10_actions *a)
{
    if (a->n && !a->v) return OF10_E_BAD_LEN;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t err = validate_one(&a->v[i]);
        if (err) return err;
    }
    return OF10_OK;
}

static void write_args(const struct of10_action *a, uint8_t *p)
{
    uint8_t *arg = p + A_ARG;
    switch (a->type) {
    case OFPAT10_OUTPUT:
        be_put16(arg, a->u.output.port);
        be_put16(p + A_OUT_MAX_LEN, a->u.output.max_len);
        break;
    case OFPAT10_SET_VLAN_VID:
        be_put16(arg, a->u.vlan_vid);
        break;
    case OFPAT10_SET_VLAN_PCP:
        arg[0] = a->u.vlan_pcp;
        break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        memcpy(arg, a->u.dl_addr, 6);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        be_put32(arg, a->u.nw_addr);
        break;
    case OFPAT10_SET_NW_TOS:
        arg[0] = a->u.nw_tos;
        break;
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        be_put16(arg, a->u.tp_port);
        break;
    case OFPAT10_ENQUEUE:
        be_put16(arg, a->u.enqueue.port);
        be_put32(p + A_ENQ_QUEUE_ID, a->u.enqueue.queue_id);
        break;
    case OFPAT10_VENDOR:
        be_put32(arg, a->u.vendor.vendor);
        if (a->u.vendor.body_len)
            memcpy(p + OFP10_ACTION_HEADER_LEN, a->u.vendor.body, a->u.vendor.body_len);
        break;
    default:
        break;
    }
}

void of10_actions_encode(const struct of10_actions *a, uint8_t *p)
{
    for (size_t i = 0; i < a->n; i++) {
        size_t wlen = action_wire_len(&a->v[i]);
        memset(p, 0, wlen); /* pads */
        be_put16(p + A_TYPE, a->v[i].type);
        be_put16(p + A_LEN, (uint16_t)wlen);
        write_args(&a->v[i], p);
        p += wlen;
    }
}

/* Compares the arguments the type defines; len is derived, so not compared. */
static bool action_equal(const struct of10_action *a, const struct of10_action *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case OFPAT10_OUTPUT:
        return a->u.output.port == b->u.output.port && a->u.output.max_len == b->u.output.max_len;
    case OFPAT10_SET_VLAN_VID:
        return a->u.vlan_vid == b->u.vlan_vid;
    case OFPAT10_SET_VLAN_PCP:
        return a->u.vlan_pcp == b->u.vlan_pcp;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        return !memcmp(a->u.dl_addr, b->u.dl_addr, 6);
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        return a->u.nw_addr == b->u.nw_addr;
    case OFPAT10_SET_NW_TOS:
        return a->u.nw_tos == b->u.nw_tos;
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        return a->u.tp_port == b->u.tp_port;
    case OFPAT10_ENQUEUE:
        return a->u.enqueue.port == b->u.enqueue.port &&
               a->u.enqueue.queue_id == b->u.enqueue.queue_id;
    case OFPAT10_VENDOR:
        return a->u.vendor.vendor == b->u.vendor.vendor &&
               a->u.vendor.body_len == b->u.vendor.body_len &&
               (!a->u.vendor.body_len ||
                !memcmp(a->u.vendor.body, b->u.vendor.body, a->u.vendor.body_len));
    default:
        return true; /* STRIP_VLAN, or unknown types with no defined args */
    }
}

bool of10_actions_equal(const struct of10_actions *a, const struct of10_actions *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!action_equal(&a->v[i], &b->v[i])) return false;
    return true;
}
