/*
 * of10_stats.c - STATS_REQUEST and STATS_REPLY bodies (after the 12-byte
 * header + type + flags): DESC, FLOW, AGGREGATE, TABLE, PORT, QUEUE, VENDOR.
 *
 * An unknown stats type is OFPBRC_BAD_STAT whatever its length. Known types
 * have exact body sizes (requests, DESC and AGGREGATE replies), or a whole
 * number of fixed entries (TABLE, PORT, QUEUE replies), or self-sized entries
 * (FLOW replies: each length >= 88, a multiple of 8, inside the body); any
 * other length is OFPBRC_BAD_LEN. Flags, including REPLY_MORE, are kept.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

enum { ST_TYPE = 8, ST_FLAGS = 10, ST_BODY = 12 };
_Static_assert((int)(ST_BODY) == (int)(OFP10_STATS_MSG_LEN), "ofp_stats_request/reply header");

/* ofp_flow_stats_request (also aggregate) */
enum { FSR_MATCH = 0, FSR_TABLE_ID = 40, FSR_OUT_PORT = 42, FSR_END = 44 };
_Static_assert((int)(FSR_END) == (int)(OFP10_FLOW_STATS_REQUEST_LEN), "ofp_flow_stats_request");
/* ofp_port_stats_request: port_no then 6 pad bytes */
enum { PSR_PORT_NO = 0 };
/* ofp_queue_stats_request: port_no, 2 pad bytes, queue_id */
enum { QSR_PORT_NO = 0, QSR_QUEUE_ID = 4, QSR_END = 8 };
_Static_assert((int)(QSR_END) == (int)(OFP10_QUEUE_STATS_REQUEST_LEN), "ofp_queue_stats_request");
/* vendor stats: vendor id then opaque bytes */
enum { VS_VENDOR = 0, VS_DATA = 4 };

/* ofp_desc_stats */
enum { DS_MFR = 0, DS_HW = 256, DS_SW = 512, DS_SERIAL = 768, DS_DP = 800, DS_END = 1056 };
_Static_assert((int)(DS_END) == (int)(OFP10_DESC_STATS_LEN), "ofp_desc_stats");
/* ofp_flow_stats */
enum {
    FS_LENGTH = 0,
    FS_TABLE_ID = 2, /* 1 pad byte */
    FS_MATCH = 4,
    FS_DURATION_SEC = 44,
    FS_DURATION_NSEC = 48,
    FS_PRIORITY = 52,
    FS_IDLE_TIMEOUT = 54,
    FS_HARD_TIMEOUT = 56, /* 6 pad bytes */
    FS_COOKIE = 64,
    FS_PACKET_COUNT = 72,
    FS_BYTE_COUNT = 80,
    FS_ACTIONS = 88,
};
_Static_assert((int)(FS_ACTIONS) == (int)(OFP10_FLOW_STATS_LEN), "ofp_flow_stats");
/* ofp_aggregate_stats_reply: 4 pad bytes at the end */
enum { AG_PACKET_COUNT = 0, AG_BYTE_COUNT = 8, AG_FLOW_COUNT = 16 };
_Static_assert((int)(AG_FLOW_COUNT + 8) == (int)(OFP10_AGGREGATE_STATS_REPLY_LEN),
               "aggregate reply");
/* ofp_table_stats */
enum {
    TS_TABLE_ID = 0, /* 3 pad bytes */
    TS_NAME = 4,
    TS_WILDCARDS = 36,
    TS_MAX_ENTRIES = 40,
    TS_ACTIVE_COUNT = 44,
    TS_LOOKUP_COUNT = 48,
    TS_MATCHED_COUNT = 56,
};
_Static_assert((int)(TS_MATCHED_COUNT + 8) == (int)(OFP10_TABLE_STATS_LEN), "ofp_table_stats");
_Static_assert((int)(TS_WILDCARDS - TS_NAME) == (int)(OFP10_MAX_TABLE_NAME_LEN),
               "table name field");
/* ofp_port_stats: port_no, 6 pad bytes, then twelve 64-bit counters */
enum { PST_PORT_NO = 0, PST_COUNTERS = 8, PST_N_COUNTERS = 12 };
_Static_assert((int)(PST_COUNTERS + 8 * PST_N_COUNTERS) == (int)(OFP10_PORT_STATS_LEN),
               "ofp_port_stats");
/* ofp_queue_stats: port_no, 2 pad bytes, queue_id, three counters */
enum { QS_PORT_NO = 0, QS_QUEUE_ID = 4, QS_TX_BYTES = 8, QS_TX_PACKETS = 16, QS_TX_ERRORS = 24 };
_Static_assert((int)(QS_TX_ERRORS + 8) == (int)(OFP10_QUEUE_STATS_LEN), "ofp_queue_stats");

static bool known_type(uint16_t type)
{
    return type <= OFPST10_QUEUE || type == OFPST10_VENDOR;
}

static void vendor_decode(const uint8_t *b, size_t blen, struct of10_vendor_msg *v)
{
    v->vendor = be_get32(b + VS_VENDOR);
    v->data.p = blen > VS_DATA ? b + VS_DATA : NULL;
    v->data.len = blen - VS_DATA;
}

static void vendor_encode(const struct of10_vendor_msg *v, uint8_t *b)
{
    be_put32(b + VS_VENDOR, v->vendor);
    if (v->data.len) memcpy(b + VS_DATA, v->data.p, v->data.len);
}

/* ---- requests ---------------------------------------------------------- */

/* Exact body size of each request type; SIZE_MAX for VENDOR (>= 4). */
static size_t request_body_size(uint16_t type)
{
    switch (type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        return OFP10_FLOW_STATS_REQUEST_LEN;
    case OFPST10_PORT:
        return OFP10_PORT_STATS_REQUEST_LEN;
    case OFPST10_QUEUE:
        return OFP10_QUEUE_STATS_REQUEST_LEN;
    case OFPST10_VENDOR:
        return SIZE_MAX;
    default:
        return 0; /* DESC, TABLE */
    }
}

uint32_t of10_stats_request_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                   struct of10_arena *arena)
{
    (void)arena;
    struct of10_stats_request *r = &m->u.stats_request;
    const uint8_t *b = p + ST_BODY;
    size_t blen = len - ST_BODY, want;
    r->type = be_get16(p + ST_TYPE);
    r->flags = be_get16(p + ST_FLAGS);
    if (!known_type(r->type)) return OF10_E_BAD_STAT;
    want = request_body_size(r->type);
    if (want == SIZE_MAX ? blen < VS_DATA : blen != want) return OF10_E_BAD_LEN;
    switch (r->type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        of10_match_decode(b + FSR_MATCH, &r->u.flow.match);
        r->u.flow.table_id = b[FSR_TABLE_ID];
        r->u.flow.out_port = be_get16(b + FSR_OUT_PORT);
        break;
    case OFPST10_PORT:
        r->u.port.port_no = be_get16(b + PSR_PORT_NO);
        break;
    case OFPST10_QUEUE:
        r->u.queue.port_no = be_get16(b + QSR_PORT_NO);
        r->u.queue.queue_id = be_get32(b + QSR_QUEUE_ID);
        break;
    case OFPST10_VENDOR:
        vendor_decode(b, blen, &r->u.vendor);
        break;
    default:
        break;
    }
    return OF10_OK;
}

uint32_t of10_stats_request_validate(const struct of10_msg *m)
{
    const struct of10_stats_request *r = &m->u.stats_request;
    if (!known_type(r->type)) return OF10_E_BAD_STAT;
    if (r->type == OFPST10_VENDOR && !of10_bytes_ok(&r->u.vendor.data)) return OF10_E_BAD_LEN;
    return OF10_OK;
}

size_t of10_stats_request_len(const struct of10_msg *m)
{
    const struct of10_stats_request *r = &m->u.stats_request;
    if (r->type == OFPST10_VENDOR)
        return of10_len_add(OFP10_STATS_MSG_LEN + VS_DATA, r->u.vendor.data.len);
    return OFP10_STATS_MSG_LEN + request_body_size(r->type);
}

void of10_stats_request_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_stats_request *r = &m->u.stats_request;
    uint8_t *b = p + ST_BODY;
    be_put16(p + ST_TYPE, r->type);
    be_put16(p + ST_FLAGS, r->flags);
    switch (r->type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        of10_match_encode(&r->u.flow.match, b + FSR_MATCH);
        b[FSR_TABLE_ID] = r->u.flow.table_id;
        be_put16(b + FSR_OUT_PORT, r->u.flow.out_port);
        break;
    case OFPST10_PORT:
        be_put16(b + PSR_PORT_NO, r->u.port.port_no);
        break;
    case OFPST10_QUEUE:
        be_put16(b + QSR_PORT_NO, r->u.queue.port_no);
        be_put32(b + QSR_QUEUE_ID, r->u.queue.queue_id);
        break;
    case OFPST10_VENDOR:
        vendor_encode(&r->u.vendor, b);
        break;
    default:
        break;
    }
}

/* ---- replies: fixed-size entries --------------------------------------- */

static void desc_decode(const uint8_t *b, struct of10_desc_stats *d)
{
    of10_get_str(d->mfr_desc, b + DS_MFR, OFP10_DESC_STR_LEN);
    of10_get_str(d->hw_desc, b + DS_HW, OFP10_DESC_STR_LEN);
    of10_get_str(d->sw_desc, b + DS_SW, OFP10_DESC_STR_LEN);
    of10_get_str(d->serial_num, b + DS_SERIAL, OFP10_SERIAL_NUM_LEN);
    of10_get_str(d->dp_desc, b + DS_DP, OFP10_DESC_STR_LEN);
}

static void desc_encode(const struct of10_desc_stats *d, uint8_t *b)
{
    of10_put_str(b + DS_MFR, d->mfr_desc, OFP10_DESC_STR_LEN);
    of10_put_str(b + DS_HW, d->hw_desc, OFP10_DESC_STR_LEN);
    of10_put_str(b + DS_SW, d->sw_desc, OFP10_DESC_STR_LEN);
    of10_put_str(b + DS_SERIAL, d->serial_num, OFP10_SERIAL_NUM_LEN);
    of10_put_str(b + DS_DP, d->dp_desc, OFP10_DESC_STR_LEN);
}

static void table_decode(const uint8_t *b, struct of10_table_stats *t)
{
    t->table_id = b[TS_TABLE_ID];
    of10_get_str(t->name, b + TS_NAME, OFP10_MAX_TABLE_NAME_LEN);
    t->wildcards = be_get32(b + TS_WILDCARDS);
    t->max_entries = be_get32(b + TS_MAX_ENTRIES);
    t->active_count = be_get32(b + TS_ACTIVE_COUNT);
    t->lookup_count = be_get64(b + TS_LOOKUP_COUNT);
    t->matched_count = be_get64(b + TS_MATCHED_COUNT);
}

static void table_encode(const struct of10_table_stats *t, uint8_t *b)
{
    b[TS_TABLE_ID] = t->table_id;
    of10_put_str(b + TS_NAME, t->name, OFP10_MAX_TABLE_NAME_LEN);
    be_put32(b + TS_WILDCARDS, t->wildcards);
    be_put32(b + TS_MAX_ENTRIES, t->max_entries);
    be_put32(b + TS_ACTIVE_COUNT, t->active_count);
    be_put64(b + TS_LOOKUP_COUNT, t->lookup_count);
    be_put64(b + TS_MATCHED_COUNT, t->matched_count);
}

/* The twelve port counters in wire order, as pointers into the struct. */
static void port_counters(struct of10_port_stats *s, uint64_t *c[PST_N_COUNTERS])
{
    uint64_t *v[PST_N_COUNTERS] = {
        &s->rx_packets,   &s->tx_packets,  &s->rx_bytes,   &s->tx_bytes,
        &s->rx_dropped,   &s->tx_dropped,  &s->rx_errors,  &s->tx_errors,
        &s->rx_frame_err, &s->rx_over_err, &s->rx_crc_err, &s->collisions,
    };
    memcpy(c, v, sizeof v);
}

static void port_decode(const uint8_t *b, struct of10_port_stats *s)
{
    uint64_t *c[PST_N_COUNTERS];
    s->port_no = be_get16(b + PST_PORT_NO);
    port_counters(s, c);
    for (int i = 0; i < PST_N_COUNTERS; i++)
        *c[i] = be_get64(b + PST_COUNTERS + 8 * i);
}

static void port_encode(const struct of10_port_stats *s, uint8_t *b)
{
    struct of10_port_stats copy = *s; /* port_counters() hands out writable pointers */
    uint64_t *c[PST_N_COUNTERS];
    be_put16(b + PST_PORT_NO, s->port_no);
    port_counters(&copy, c);
    for (int i = 0; i < PST_N_COUNTERS; i++)
        be_put64(b + PST_COUNTERS + 8 * i, *c[i]);
}

static void queue_decode(const uint8_t *b, struct of10_queue_stats *q)
{
    q->port_no = be_get16(b + QS_PORT_NO);
    q->queue_id = be_get32(b + QS_QUEUE_ID);
    q->tx_bytes = be_get64(b + QS_TX_BYTES);
    q->tx_packets = be_get64(b + QS_TX_PACKETS);
    q->tx_errors = be_get64(b + QS_TX_ERRORS);
}

static void queue_encode(const struct of10_queue_stats *q, uint8_t *b)
{
    be_put16(b + QS_PORT_NO, q->port_no);
    be_put32(b + QS_QUEUE_ID, q->queue_id);
    be_put64(b + QS_TX_BYTES, q->tx_bytes);
    be_put64(b + QS_TX_PACKETS, q->tx_packets);
    be_put64(b + QS_TX_ERRORS, q->tx_errors);
}

/* ---- replies: flow stats (self-sized entries with actions) ------------- */

static uint32_t flow_entry_decode(const uint8_t *e, struct of10_flow_stats *fs,
                                  struct of10_arena *arena)
{
    size_t elen = be_get16(e + FS_LENGTH);
    fs->table_id = e[FS_TABLE_ID];
    of10_match_decode(e + FS_MATCH, &fs->match);
    fs->duration_sec = be_get32(e + FS_DURATION_SEC);
    fs->duration_nsec = be_get32(e + FS_DURATION_NSEC);
    fs->priority = be_get16(e + FS_PRIORITY);
    fs->idle_timeout = be_get16(e + FS_IDLE_TIMEOUT);
    fs->hard_timeout = be_get16(e + FS_HARD_TIMEOUT);
    fs->cookie = be_get64(e + FS_COOKIE);
    fs->packet_count = be_get64(e + FS_PACKET_COUNT);
    fs->byte_count = be_get64(e + FS_BYTE_COUNT);
    return of10_actions_decode(e + FS_ACTIONS, elen - FS_ACTIONS, &fs->actions, arena);
}

static uint32_t flow_reply_decode(const uint8_t *b, size_t blen, struct of10_stats_reply *r,
                                  struct of10_arena *arena)
{
    size_t n = 0;
    /* pass 1 over the entries: framing only, so the array is sized exactly */
    uint32_t err = of10_entries_count(b, blen, OFP10_FLOW_STATS_LEN, FS_LENGTH, NULL, &n);
    if (err) return err;
    struct of10_flow_stats *v = of10_arena_array(arena, n, sizeof *v, &err);
    if (err) return err;
    for (size_t i = 0; i < n; i++) {
        memset(&v[i], 0, sizeof v[i]);
        err = flow_entry_decode(b, &v[i], arena);
        if (err) return err;
        b += be_get16(b + FS_LENGTH);
    }
    r->u.flow.v = v;
    r->u.flow.n = n;
    return OF10_OK;
}

static size_t flow_entry_len(const struct of10_flow_stats *fs)
{
    return of10_len_add(OFP10_FLOW_STATS_LEN, of10_actions_len(&fs->actions));
}

static void flow_entry_encode(const struct of10_flow_stats *fs, uint8_t *e)
{
    be_put16(e + FS_LENGTH, (uint16_t)flow_entry_len(fs));
    e[FS_TABLE_ID] = fs->table_id;
    of10_match_encode(&fs->match, e + FS_MATCH);
    be_put32(e + FS_DURATION_SEC, fs->duration_sec);
    be_put32(e + FS_DURATION_NSEC, fs->duration_nsec);
    be_put16(e + FS_PRIORITY, fs->priority);
    be_put16(e + FS_IDLE_TIMEOUT, fs->idle_timeout);
    be_put16(e + FS_HARD_TIMEOUT, fs->hard_timeout);
    be_put64(e + FS_COOKIE, fs->cookie);
    be_put64(e + FS_PACKET_COUNT, fs->packet_count);
    be_put64(e + FS_BYTE_COUNT, fs->byte_count);
    of10_actions_encode(&fs->actions, e + FS_ACTIONS);
}

/* ---- replies: dispatch ------------------------------------------------- */

#define DECODE_ENTRIES(arr, wsize, fn)                                                             \
    OF10_DECODE_ENTRIES((arr).v, (arr).n, b, blen, (wsize), fn, arena, &err)

static uint32_t reply_body_decode(const uint8_t *b, size_t blen, struct of10_stats_reply *r,
                                  struct of10_arena *arena)
{
    uint32_t err = OF10_OK;
    switch (r->type) {
    case OFPST10_DESC:
        if (blen != OFP10_DESC_STATS_LEN) return OF10_E_BAD_LEN;
        r->u.desc = of10_arena_array(arena, 1, sizeof *r->u.desc, &err);
        if (!err) desc_decode(b, r->u.desc);
        return err;
    case OFPST10_FLOW:
        return flow_reply_decode(b, blen, r, arena);
    case OFPST10_AGGREGATE:
        if (blen != OFP10_AGGREGATE_STATS_REPLY_LEN) return OF10_E_BAD_LEN;
        r->u.aggregate.packet_count = be_get64(b + AG_PACKET_COUNT);
        r->u.aggregate.byte_count = be_get64(b + AG_BYTE_COUNT);
        r->u.aggregate.flow_count = be_get32(b + AG_FLOW_COUNT);
        return OF10_OK;
    case OFPST10_TABLE:
        DECODE_ENTRIES(r->u.table, OFP10_TABLE_STATS_LEN, table_decode);
        break;
    case OFPST10_PORT:
        DECODE_ENTRIES(r->u.port, OFP10_PORT_STATS_LEN, port_decode);
        break;
    case OFPST10_QUEUE:
        DECODE_ENTRIES(r->u.queue, OFP10_QUEUE_STATS_LEN, queue_decode);
        break;
    default: /* VENDOR */
        if (blen < VS_DATA) return OF10_E_BAD_LEN;
        vendor_decode(b, blen, &r->u.vendor);
        break;
    }
    return err;
}

uint32_t of10_stats_reply_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                 struct of10_arena *arena)
{
    struct of10_stats_reply *r = &m->u.stats_reply;
    r->type = be_get16(p + ST_TYPE);
    r->flags = be_get16(p + ST_FLAGS);
    if (!known_type(r->type)) return OF10_E_BAD_STAT;
    return reply_body_decode(p + ST_BODY, len - ST_BODY, r, arena);
}

uint32_t of10_stats_reply_validate(const struct of10_msg *m)
{
    const struct of10_stats_reply *r = &m->u.stats_reply;
    switch (r->type) {
    case OFPST10_DESC:
        return r->u.desc ? OF10_OK : OF10_E_BAD_LEN;
    case OFPST10_FLOW:
        if (r->u.flow.n && !r->u.flow.v) return OF10_E_BAD_LEN;
        for (size_t i = 0; i < r->u.flow.n; i++) {
            /* each entry's length travels in a 16-bit field */
            if (flow_entry_len(&r->u.flow.v[i]) > OF10_MAX_MSG_LEN) return OF10_E_BAD_LEN;
            uint32_t err = of10_actions_validate(&r->u.flow.v[i].actions);
            if (err) return err;
        }
        return OF10_OK;
    case OFPST10_AGGREGATE:
        return OF10_OK;
    case OFPST10_TABLE:
        return r->u.table.n && !r->u.table.v ? OF10_E_BAD_LEN : OF10_OK;
    case OFPST10_PORT:
        return r->u.port.n && !r->u.port.v ? OF10_E_BAD_LEN : OF10_OK;
    case OFPST10_QUEUE:
        return r->u.queue.n && !r->u.queue.v ? OF10_E_BAD_LEN : OF10_OK;
    case OFPST10_VENDOR:
        return of10_bytes_ok(&r->u.vendor.data) ? OF10_OK : OF10_E_BAD_LEN;
    default:
        return OF10_E_BAD_STAT;
    }
}

static size_t reply_body_len(const struct of10_stats_reply *r)
{
    size_t len = 0;
    switch (r->type) {
    case OFPST10_DESC:
        return OFP10_DESC_STATS_LEN;
    case OFPST10_FLOW:
        if (r->u.flow.n && !r->u.flow.v) return SIZE_MAX; /* unencodable */
        for (size_t i = 0; i < r->u.flow.n; i++)
            len = of10_len_add(len, flow_entry_len(&r->u.flow.v[i]));
        return len;
    case OFPST10_AGGREGATE:
        return OFP10_AGGREGATE_STATS_REPLY_LEN;
    case OFPST10_TABLE:
        return of10_len_mul(r->u.table.n, OFP10_TABLE_STATS_LEN);
    case OFPST10_PORT:
        return of10_len_mul(r->u.port.n, OFP10_PORT_STATS_LEN);
    case OFPST10_QUEUE:
        return of10_len_mul(r->u.queue.n, OFP10_QUEUE_STATS_LEN);
    default:
        return of10_len_add(VS_DATA, r->u.vendor.data.len);
    }
}

size_t of10_stats_reply_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_STATS_MSG_LEN, reply_body_len(&m->u.stats_reply));
}

void of10_stats_reply_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_stats_reply *r = &m->u.stats_reply;
    uint8_t *b = p + ST_BODY;
    be_put16(p + ST_TYPE, r->type);
    be_put16(p + ST_FLAGS, r->flags);
    switch (r->type) {
    case OFPST10_DESC:
        desc_encode(r->u.desc, b);
        break;
    case OFPST10_FLOW:
        for (size_t i = 0; i < r->u.flow.n; i++) {
            flow_entry_encode(&r->u.flow.v[i], b);
            b += flow_entry_len(&r->u.flow.v[i]);
        }
        break;
    case OFPST10_AGGREGATE:
        be_put64(b + AG_PACKET_COUNT, r->u.aggregate.packet_count);
        be_put64(b + AG_BYTE_COUNT, r->u.aggregate.byte_count);
        be_put32(b + AG_FLOW_COUNT, r->u.aggregate.flow_count);
        break;
    case OFPST10_TABLE:
        for (size_t i = 0; i < r->u.table.n; i++)
            table_encode(&r->u.table.v[i], b + i * OFP10_TABLE_STATS_LEN);
        break;
    case OFPST10_PORT:
        for (size_t i = 0; i < r->u.port.n; i++)
            port_encode(&r->u.port.v[i], b + i * OFP10_PORT_STATS_LEN);
        break;
    case OFPST10_QUEUE:
        for (size_t i = 0; i < r->u.queue.n; i++)
            queue_encode(&r->u.queue.v[i], b + i * OFP10_QUEUE_STATS_LEN);
        break;
    default:
        vendor_encode(&r->u.vendor, b);
        break;
    }
}
