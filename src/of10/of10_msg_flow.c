/*
 * of10_msg_flow.c - messages about flows and packets: PACKET_IN, FLOW_REMOVED,
 * PACKET_OUT and FLOW_MOD.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

/* ofp_packet_in: data starts at 18 (sizeof is 20 only because of tail pad) */
enum { PI_BUFFER_ID = 8, PI_TOTAL_LEN = 12, PI_IN_PORT = 14, PI_REASON = 16, PI_DATA = 18 };
_Static_assert((int)(PI_DATA) == (int)(OFP10_PACKET_IN_LEN), "ofp_packet_in");

/* ofp_flow_removed */
enum {
    FR_MATCH = 8,
    FR_COOKIE = 48,
    FR_PRIORITY = 56,
    FR_REASON = 58, /* 1 pad byte */
    FR_DURATION_SEC = 60,
    FR_DURATION_NSEC = 64,
    FR_IDLE_TIMEOUT = 68, /* 2 pad bytes */
    FR_PACKET_COUNT = 72,
    FR_BYTE_COUNT = 80,
};
_Static_assert((int)(FR_BYTE_COUNT + 8) == (int)(OFP10_FLOW_REMOVED_LEN), "ofp_flow_removed");
_Static_assert((int)(FR_MATCH + OFP10_MATCH_LEN) == (int)(FR_COOKIE), "match in flow_removed");

/* ofp_packet_out */
enum { PO_BUFFER_ID = 8, PO_IN_PORT = 12, PO_ACTIONS_LEN = 14, PO_ACTIONS = 16 };
_Static_assert((int)(PO_ACTIONS) == (int)(OFP10_PACKET_OUT_LEN), "ofp_packet_out");

/* ofp_flow_mod */
enum {
    FM_MATCH = 8,
    FM_COOKIE = 48,
    FM_COMMAND = 56,
    FM_IDLE_TIMEOUT = 58,
    FM_HARD_TIMEOUT = 60,
    FM_PRIORITY = 62,
    FM_BUFFER_ID = 64,
    FM_OUT_PORT = 68,
    FM_FLAGS = 70,
    FM_ACTIONS = 72,
};
_Static_assert((int)(FM_ACTIONS) == (int)(OFP10_FLOW_MOD_LEN), "ofp_flow_mod");

/* ---- PACKET_IN --------------------------------------------------------- */

uint32_t of10_packet_in_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                               struct of10_arena *arena)
{
    (void)arena;
    struct of10_packet_in *pi = &m->u.packet_in;
    pi->buffer_id = be_get32(p + PI_BUFFER_ID);
    pi->total_len = be_get16(p + PI_TOTAL_LEN);
    pi->in_port = be_get16(p + PI_IN_PORT);
    pi->reason = p[PI_REASON];
    pi->data.p = len > PI_DATA ? p + PI_DATA : NULL;
    pi->data.len = len - PI_DATA;
    return OF10_OK;
}

uint32_t of10_packet_in_validate(const struct of10_msg *m)
{
    return of10_bytes_ok(&m->u.packet_in.data) ? OF10_OK : OF10_E_BAD_LEN;
}

size_t of10_packet_in_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_PACKET_IN_LEN, m->u.packet_in.data.len);
}

void of10_packet_in_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_packet_in *pi = &m->u.packet_in;
    be_put32(p + PI_BUFFER_ID, pi->buffer_id);
    be_put16(p + PI_TOTAL_LEN, pi->total_len);
    be_put16(p + PI_IN_PORT, pi->in_port);
    p[PI_REASON] = pi->reason;
    if (pi->data.len) memcpy(p + PI_DATA, pi->data.p, pi->data.len);
}

/* ---- FLOW_REMOVED ------------------------------------------------------ */

uint32_t of10_flow_removed_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                  struct of10_arena *arena)
{
    (void)len, (void)arena;
    struct of10_flow_removed *fr = &m->u.flow_removed;
    of10_match_decode(p + FR_MATCH, &fr->match);
    fr->cookie = be_get64(p + FR_COOKIE);
    fr->priority = be_get16(p + FR_PRIORITY);
    fr->reason = p[FR_REASON];
    fr->duration_sec = be_get32(p + FR_DURATION_SEC);
    fr->duration_nsec = be_get32(p + FR_DURATION_NSEC);
    fr->idle_timeout = be_get16(p + FR_IDLE_TIMEOUT);
    fr->packet_count = be_get64(p + FR_PACKET_COUNT);
    fr->byte_count = be_get64(p + FR_BYTE_COUNT);
    return OF10_OK;
}

void of10_flow_removed_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_flow_removed *fr = &m->u.flow_removed;
    of10_match_encode(&fr->match, p + FR_MATCH);
    be_put64(p + FR_COOKIE, fr->cookie);
    be_put16(p + FR_PRIORITY, fr->priority);
    p[FR_REASON] = fr->reason;
    be_put32(p + FR_DURATION_SEC, fr->duration_sec);
    be_put32(p + FR_DURATION_NSEC, fr->duration_nsec);
    be_put16(p + FR_IDLE_TIMEOUT, fr->idle_timeout);
    be_put64(p + FR_PACKET_COUNT, fr->packet_count);
    be_put64(p + FR_BYTE_COUNT, fr->byte_count);
}

/* ---- PACKET_OUT -------------------------------------------------------- */

/* A packet-out either releases a buffered packet (buffer_id set, no data) or
 * carries the packet (buffer_id NO_BUFFER). Data next to a buffer id would be
 * silently dropped by the switch, so it is refused as a wrong length
 * (OFPBRC_BAD_LEN). in_port is not checked: OF1.0 allows any port or NONE. */
static uint32_t packet_out_data_check(const struct of10_packet_out *po)
{
    if (!of10_bytes_ok(&po->data)) return OF10_E_BAD_LEN;
    return po->data.len && po->buffer_id != OFP10_NO_BUFFER ? OF10_E_BAD_LEN : OF10_OK;
}

/* Checks: actions_len % 8 and fit (BAD_LEN), data vs buffer (BAD_LEN), then
 * the actions themselves (OFPET_BAD_ACTION). */
uint32_t of10_packet_out_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                struct of10_arena *arena)
{
    struct of10_packet_out *po = &m->u.packet_out;
    po->buffer_id = be_get32(p + PO_BUFFER_ID);
    po->in_port = be_get16(p + PO_IN_PORT);
    size_t alen = be_get16(p + PO_ACTIONS_LEN);
    if (alen % 8 || alen > len - PO_ACTIONS) return OF10_E_BAD_LEN;
    size_t data_off = PO_ACTIONS + alen;
    po->data.p = len > data_off ? p + data_off : NULL;
    po->data.len = len - data_off;
    uint32_t err = packet_out_data_check(po);
    if (err) return err;
    return of10_actions_decode(p + PO_ACTIONS, alen, &po->actions, arena);
}

uint32_t of10_packet_out_validate(const struct of10_msg *m)
{
    uint32_t err = packet_out_data_check(&m->u.packet_out);
    return err ? err : of10_actions_validate(&m->u.packet_out.actions);
}

size_t of10_packet_out_len(const struct of10_msg *m)
{
    size_t len = of10_len_add(OFP10_PACKET_OUT_LEN, of10_actions_len(&m->u.packet_out.actions));
    return of10_len_add(len, m->u.packet_out.data.len);
}

void of10_packet_out_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_packet_out *po = &m->u.packet_out;
    size_t alen = of10_actions_len(&po->actions);
    be_put32(p + PO_BUFFER_ID, po->buffer_id);
    be_put16(p + PO_IN_PORT, po->in_port);
    be_put16(p + PO_ACTIONS_LEN, (uint16_t)alen);
    of10_actions_encode(&po->actions, p + PO_ACTIONS);
    if (po->data.len) memcpy(p + PO_ACTIONS + alen, po->data.p, po->data.len);
}

/* ---- FLOW_MOD ---------------------------------------------------------- */

/* Checks shared by decode and validate, before the actions: a bad command
 * makes the whole request meaningless, whatever its actions say. An emergency
 * entry may not time out (OF1.0 4.6; OVS answers the same code). Otherwise
 * timeouts, priority, flags (unknown bits too), buffer id and out_port are
 * taken as sent: every value has a meaning. */
static uint32_t flow_mod_check(const struct of10_flow_mod *fm)
{
    if (fm->command > OFPFC10_DELETE_STRICT) return OF10_E_FM_BAD_COMMAND;
    if ((fm->flags & OFPFF10_EMERG) && (fm->idle_timeout || fm->hard_timeout))
        return OF10_E_FM_BAD_EMERG_TIMEOUT;
    return OF10_OK;
}

uint32_t of10_flow_mod_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                              struct of10_arena *arena)
{
    struct of10_flow_mod *fm = &m->u.flow_mod;
    of10_match_decode(p + FM_MATCH, &fm->match);
    fm->cookie = be_get64(p + FM_COOKIE);
    fm->command = be_get16(p + FM_COMMAND);
    fm->idle_timeout = be_get16(p + FM_IDLE_TIMEOUT);
    fm->hard_timeout = be_get16(p + FM_HARD_TIMEOUT);
    fm->priority = be_get16(p + FM_PRIORITY);
    fm->buffer_id = be_get32(p + FM_BUFFER_ID);
    fm->out_port = be_get16(p + FM_OUT_PORT);
    fm->flags = be_get16(p + FM_FLAGS);
    uint32_t err = flow_mod_check(fm);
    if (err) return err;
    return of10_actions_decode(p + FM_ACTIONS, len - FM_ACTIONS, &fm->actions, arena);
}

uint32_t of10_flow_mod_validate(const struct of10_msg *m)
{
    uint32_t err = flow_mod_check(&m->u.flow_mod);
    return err ? err : of10_actions_validate(&m->u.flow_mod.actions);
}

size_t of10_flow_mod_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_FLOW_MOD_LEN, of10_actions_len(&m->u.flow_mod.actions));
}

void of10_flow_mod_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_flow_mod *fm = &m->u.flow_mod;
    of10_match_encode(&fm->match, p + FM_MATCH);
    be_put64(p + FM_COOKIE, fm->cookie);
    be_put16(p + FM_COMMAND, fm->command);
    be_put16(p + FM_IDLE_TIMEOUT, fm->idle_timeout);
    be_put16(p + FM_HARD_TIMEOUT, fm->hard_timeout);
    be_put16(p + FM_PRIORITY, fm->priority);
    be_put32(p + FM_BUFFER_ID, fm->buffer_id);
    be_put16(p + FM_OUT_PORT, fm->out_port);
    be_put16(p + FM_FLAGS, fm->flags);
    of10_actions_encode(&fm->actions, p + FM_ACTIONS);
}
