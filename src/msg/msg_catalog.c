/*
 * msg_catalog.c - the catalogue: for every message type its name, direction,
 * exact or min..max payload length and fd count, and its codec. It is the
 * single source of those rules: the transport (fds per type), dispatch
 * (lengths), msg_send's self-check and the fuzz target all read this table.
 */
#include "msg/msg_internal.h"

#include <stdio.h>

/* Wire size of a u16-prefixed string of at most n bytes. */
#define STR(n) (2 + (n))

/* Fixed and bounded payload sizes, spelled as their layouts (docs/messages.md). */
#define LEN_HELLO_MIN   (2 + 1 + STR(1) + 4 + 4 + 2 + 2 + 4)
#define LEN_HELLO_MAX   (LEN_HELLO_MIN - 1 + MSG_NAME_MAX)
#define LEN_SET_POS     (4 + 2 + 2)
#define LEN_APP_MIN     (LEN_SET_POS + STR(0) + STR(0) + 4)
#define LEN_APP_MAX     (LEN_APP_MIN + MSG_APP_MAX + MSG_ORIGIN_MAX + MSG_SOURCE_MAX)
#define LEN_CONFIG_MIN  (LEN_SET_POS + STR(0) + STR(0))
#define LEN_CONFIG_MAX  (LEN_CONFIG_MIN + MSG_APP_MAX + MSG_VALUE_MAX)
#define LEN_SOCK_RESULT (2 + 4 + 4 + MSG_ADDR_LEN + MSG_ADDR_LEN)
#define LEN_ACCEPTED    (4 + 4 + MSG_ADDR_LEN)
#define LEN_RULES_MIN   (2 + 4 + STR(0) + 4 + 2)
#define LEN_RULE_ENTRY  (4 + MSG_RULE_LEN + STR(MSG_OWNER_MAX) + 8 + 8)
#define LEN_RULES_MAX   (LEN_RULES_MIN + MSG_REASON_MAX + MSG_RULES_MAX * LEN_RULE_ENTRY)
#define LEN_MON_EVENT   (8 + 4 + 2 + 1 + 1 + 4 + 4 + 2 + 2 + 4 + 2 + 2 + 4 + 4)
#define LEN_LOG_MIN     (1 + STR(1) + STR(0))
#define LEN_LOG_MAX     (1 + STR(MSG_NAME_MAX) + STR(MSG_TEXT_MAX))
#define LEN_STATUS_MAX  (2 + MSG_STATS_MAX * (STR(MSG_NAME_MAX) + 8))
#define LEN_RECORD_MIN  (STR(1) + STR(1) + STR(0))
#define LEN_RECORD_MAX  (STR(MSG_APP_MAX) + STR(MSG_APP_MAX) + STR(MSG_TEXT_MAX))
#define LEN_CTL_REQUEST (1 + 1 + 8)
#define LEN_CTL_REPLY   (1 + 1 + 4)
#define LEN_APP_RESULT  (4 + STR(0))
#define LEN_BLOCK       (1 + 1 + 6 + 4)
#define LEN_TLS_MIN     (2 + STR(0) + STR(0) + 3 * 4)
#define LEN_TLS_MAX                                                                                \
    (LEN_TLS_MIN + 2 * MSG_TLS_TEXT_MAX + MSG_TLS_KEY_MAX + MSG_TLS_CERT_MAX + MSG_TLS_CA_MAX)
#define LEN_GUEST_NOTE  (2 + 2 + 1 + 1 + 4 + 6 + 2 + 4 + MSG_NOTE_TEXT_MAX)
#define LEN_CL_KV_MIN   (1 + STR(1) + 4 + 4)
#define LEN_CL_KV_MAX   (LEN_CL_KV_MIN - 1 + MSG_CL_KEY_MAX + MSG_CL_VAL_MAX)

_Static_assert(LEN_APP_MAX <= MSG_MAX_PAYLOAD, "APP_SOURCES must fit MSG_MAX_PAYLOAD");
_Static_assert(LEN_TLS_MAX <= MSG_MAX_PAYLOAD, "TLS_CONFIG must fit MSG_MAX_PAYLOAD");
_Static_assert(MSG_MAX_PAYLOAD <= UINT32_MAX - MSG_HDR_LEN, "length field");

/* Codec entry points of one type, taking the union so the table is uniform;
 * the typed functions stay the public API. */
typedef int enc_fn(struct msg_w *w, const union msg_body *b);
typedef int dec_fn(struct msg_r *r, int nfds, union msg_body *b);

#define CODEC(fn, field)                                                                           \
    static int enc_##fn(struct msg_w *w, const union msg_body *b)                                  \
    {                                                                                              \
        return msg_enc_##fn(w, &b->field);                                                         \
    }                                                                                              \
    static int dec_##fn(struct msg_r *r, int nfds, union msg_body *b)                              \
    {                                                                                              \
        (void)nfds; /* the catalogue already fixed the fd count */                                 \
        return msg_dec_##fn(r, &b->field);                                                         \
    }
CODEC(hello, hello)
CODEC(app_source, app_source)
CODEC(config, config)
CODEC(sock_accepted, sock_accepted)
CODEC(rule_result, rule_result)
CODEC(shutdown, shutdown)
CODEC(ctl_request, ctl_request)
CODEC(mon_event, mon_event)
CODEC(tls_config, tls_config)
CODEC(ctl_reply, ctl_reply)
CODEC(app_result, app_result)
CODEC(log, log)
CODEC(heartbeat, heartbeat)
CODEC(status, status)
CODEC(record, record)
CODEC(sock_listen, sock_listen)
CODEC(sock_connect, sock_connect)
CODEC(sock_id, sock_id)
CODEC(sock_setopt, sock_setopt)
CODEC(rule, rule)
CODEC(rule_del, rule_del)
CODEC(rule_list, rule_list)
CODEC(guest_notify, guest_notify)
CODEC(mgmt_query, mgmt_query)
CODEC(block, block)
CODEC(cl_switch, cl_switch)
CODEC(cl_role, cl_role)
CODEC(cl_kv, cl_kv)
CODEC(cl_state, cl_state)

static int enc_socket_result(struct msg_w *w, const union msg_body *b)
{
    return msg_enc_socket_result(w, &b->socket_result);
}

/* The one decoder whose rules depend on the fds that came along. */
static int dec_socket_result(struct msg_r *r, int nfds, union msg_body *b)
{
    return msg_dec_socket_result(r, nfds, &b->socket_result);
}

struct entry {
    struct msg_spec s;
    enc_fn *enc;
    dec_fn *dec;
};

#define C2D MSG_DIR_C2D
#define D2C MSG_DIR_D2C
#define ROW(t, dir, f0, f1, lo, hi, fn)                                                            \
    {                                                                                              \
        {MSG_##t, dir, f0, f1, lo, hi, #t}, enc_##fn, dec_##fn                                     \
    }

static const struct entry catalog[] = {
    ROW(HELLO, C2D, 0, 0, LEN_HELLO_MIN, LEN_HELLO_MAX, hello),
    ROW(APP_SOURCES, C2D, 0, 0, LEN_APP_MIN, LEN_APP_MAX, app_source),
    ROW(CONFIG, C2D, 0, 0, LEN_CONFIG_MIN, LEN_CONFIG_MAX, config),
    ROW(SOCKET_RESULT, C2D, 0, 1, LEN_SOCK_RESULT, LEN_SOCK_RESULT, socket_result),
    ROW(SOCK_ACCEPTED, C2D, 1, 1, LEN_ACCEPTED, LEN_ACCEPTED, sock_accepted),
    ROW(RULE_RESULT, C2D, 0, 0, LEN_RULES_MIN, LEN_RULES_MAX, rule_result),
    ROW(SHUTDOWN, C2D, 0, 0, 5, 5, shutdown),
    ROW(CTL_REQUEST, C2D, 0, 0, LEN_CTL_REQUEST, LEN_CTL_REQUEST, ctl_request),
    ROW(MON_EVENT, C2D, 0, 0, LEN_MON_EVENT, LEN_MON_EVENT, mon_event),
    ROW(TLS_CONFIG, C2D, 0, 0, LEN_TLS_MIN, LEN_TLS_MAX, tls_config),
    ROW(MGMT_REPLY, C2D, 0, 0, LEN_CTL_REPLY, LEN_CTL_REPLY + MSG_CHUNK_MAX, ctl_reply),
    ROW(APP_COMMAND, C2D, 0, 0, LEN_BLOCK, LEN_BLOCK, block),
    ROW(CL_SWITCH, C2D, 0, 0, 9, 9, cl_switch),
    ROW(CL_ROLE, C2D, 0, 0, 10, 10, cl_role),
    ROW(CL_WRITE, C2D, 0, 0, LEN_CL_KV_MIN, LEN_CL_KV_MAX, cl_kv),
    ROW(CL_EVENT, C2D, 0, 0, LEN_CL_KV_MIN, LEN_CL_KV_MAX, cl_kv),
    ROW(CL_STATE, C2D, 0, 0, 1, 1, cl_state),
    ROW(LOG, D2C, 0, 0, LEN_LOG_MIN, LEN_LOG_MAX, log),
    ROW(HEARTBEAT, D2C, 0, 0, 4, 4, heartbeat),
    ROW(STATUS, D2C, 0, 0, 2, LEN_STATUS_MAX, status),
    ROW(RECORD, D2C, 0, 0, LEN_RECORD_MIN, LEN_RECORD_MAX, record),
    ROW(CTL_REPLY, D2C, 0, 0, LEN_CTL_REPLY, LEN_CTL_REPLY + MSG_CHUNK_MAX, ctl_reply),
    ROW(APP_RESULT, D2C, 0, 0, LEN_APP_RESULT, LEN_APP_RESULT + MSG_VALUE_MAX, app_result),
    ROW(SOCK_LISTEN, D2C, 0, 0, MSG_ADDR_LEN + 2, MSG_ADDR_LEN + 2, sock_listen),
    ROW(SOCK_CONNECT, D2C, 0, 0, MSG_ADDR_LEN, MSG_ADDR_LEN, sock_connect),
    ROW(SOCK_CLOSE, D2C, 0, 0, 4, 4, sock_id),
    ROW(SOCK_GETNAME, D2C, 0, 0, 4, 4, sock_id),
    ROW(SOCK_SETOPT, D2C, 0, 0, 9, 9, sock_setopt),
    ROW(RULE_ADD, D2C, 0, 0, MSG_RULE_LEN, MSG_RULE_LEN, rule),
    ROW(RULE_DEL, D2C, 0, 0, 4, 4, rule_del),
    ROW(RULE_LIST, D2C, 0, 0, 6, 6, rule_list),
    ROW(GUEST_NOTIFY, D2C, 0, 0, LEN_GUEST_NOTE, LEN_GUEST_NOTE, guest_notify),
    ROW(MGMT_QUERY, D2C, 0, 0, 2, 2, mgmt_query),
    ROW(MGMT_BLOCK, D2C, 0, 0, LEN_BLOCK, LEN_BLOCK, block),
    ROW(CL_CONN, D2C, 0, 0, 9, 9, cl_switch),
    ROW(CL_ROLE_SET, D2C, 0, 0, 10, 10, cl_role),
    ROW(CL_PUT, D2C, 0, 0, LEN_CL_KV_MIN, LEN_CL_KV_MAX, cl_kv),
    ROW(CL_CHANGE, D2C, 0, 0, LEN_CL_KV_MIN, LEN_CL_KV_MAX, cl_kv),
    ROW(CL_STATE_SET, D2C, 0, 0, 1, 1, cl_state),
};
#define N_CATALOG (sizeof(catalog) / sizeof(catalog[0]))

/* 39 types: a linear scan is as fast as anything and obviously correct. */
static const struct entry *find(uint16_t type)
{
    for (size_t i = 0; i < N_CATALOG; i++)
        if (catalog[i].s.type == type) return &catalog[i];
    return NULL;
}

const struct msg_spec *msg_spec_find(uint16_t type)
{
    const struct entry *e = find(type);
    return e ? &e->s : NULL;
}

const struct msg_spec *msg_spec_at(size_t i)
{
    return i < N_CATALOG ? &catalog[i].s : NULL;
}

const char *msg_type_name(uint16_t type)
{
    const struct entry *e = find(type);
    return e ? e->s.name : "?";
}

const char *msg_kind_name(int kind)
{
    static const char *const names[MSG_KIND_COUNT] = {"core", "mgmt", "of", "cluster"};
    return kind >= 0 && kind < MSG_KIND_COUNT ? names[kind] : "?";
}

int msg_encode(uint16_t type, struct msg_w *w, const union msg_body *b)
{
    const struct entry *e = find(type);
    if (!e) {
        w->failed = 1;
        return MSG_FATAL;
    }
    return e->enc(w, b);
}

int msg_decode(uint16_t type, struct msg_r *r, int nfds, union msg_body *b)
{
    const struct entry *e = find(type);
    if (!e) return msg_r_fail(r, "unknown type 0x%04x", type);
    return e->dec(r, nfds, b);
}

int msg_spec_check_len(const struct msg_spec *s, size_t len, char *err, size_t errlen)
{
    if (len >= s->min_len && len <= s->max_len) return MSG_OK;
    if (s->min_len == s->max_len)
        return msg_err(err, errlen, "payload length %zu, %s needs exactly %u", len, s->name,
                       s->min_len);
    return msg_err(err, errlen, "payload length %zu, %s needs %u..%u", len, s->name, s->min_len,
                   s->max_len);
}

int msg_spec_check_fds(const struct msg_spec *s, int nfds, char *err, size_t errlen)
{
    if (nfds >= s->fds_min && nfds <= s->fds_max) return MSG_OK;
    if (!s->fds_max) return msg_err(err, errlen, "type %s carries no fds, got %d", s->name, nfds);
    if (s->fds_min == s->fds_max)
        return msg_err(err, errlen, "type %s needs exactly %u fd%s, got %d", s->name, s->fds_min,
                       s->fds_min == 1 ? "" : "s", nfds);
    return msg_err(err, errlen, "type %s carries at most %u fd%s, got %d", s->name, s->fds_max,
                   s->fds_max == 1 ? "" : "s", nfds);
}

int msg_check(uint16_t type, const uint8_t *p, size_t len, int nfds, char *err, size_t errlen)
{
    const struct entry *e = find(type);
    if (!e) return msg_err(err, errlen, "unknown type 0x%04x", type);
    if (msg_spec_check_len(&e->s, len, err, errlen) != MSG_OK ||
        msg_spec_check_fds(&e->s, nfds, err, errlen) != MSG_OK)
        return MSG_FATAL;
    union msg_body body;
    struct msg_r r;
    msg_r_init(&r, p, len);
    if (e->dec(&r, nfds, &body) != MSG_OK || r.failed)
        return msg_err(err, errlen, "%s: %s", e->s.name, r.err[0] ? r.err : "rejected");
    return MSG_OK;
}
