/*
 * msg_c2d.c - payload codecs of the core -> domain messages (RULE_RESULT is
 * with the rule field in msg_fields.c). The domain runs these decoders on
 * what the core sends; the core runs them in msg_send before sending.
 */
#include "msg/msg_internal.h"

#include <string.h>

/* HELLO: u16 version, u8 kind, str name, u32 mem_kib, u32 instr_budget,
 * u16 max_socks, u16 max_rules, u32 heartbeat_ms */
int msg_enc_hello(struct msg_w *w, const struct msg_hello *m)
{
    msg_put_u16(w, m->version);
    msg_put_u8(w, m->kind);
    msg_put_str(w, m->name, MSG_NAME_MAX);
    msg_put_u32(w, m->mem_kib);
    msg_put_u32(w, m->instr_budget);
    msg_put_u16(w, m->max_socks);
    msg_put_u16(w, m->max_rules);
    msg_put_u32(w, m->heartbeat_ms);
    return msg_enc_done(w);
}

int msg_dec_hello(struct msg_r *r, struct msg_hello *m)
{
    m->version = msg_get_u16(r);
    m->kind = msg_get_u8(r);
    msg_get_name(r, m->name, sizeof(m->name));
    m->mem_kib = msg_get_u32(r);
    m->instr_budget = msg_get_u32(r);
    m->max_socks = msg_get_u16(r);
    m->max_rules = msg_get_u16(r);
    m->heartbeat_ms = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    /* A version mismatch means the two binaries disagree about every layout. */
    if (m->version != MSG_VERSION)
        return msg_r_fail(r, "version %u, this side speaks %u", m->version, MSG_VERSION);
    if (m->kind != MSG_KIND_MGMT && m->kind != MSG_KIND_OF && m->kind != MSG_KIND_CLUSTER)
        return msg_r_fail(r, "domain kind %u unknown", m->kind);
    if (!m->mem_kib || !m->instr_budget) return msg_r_fail(r, "zero Lua memory or budget");
    if (m->heartbeat_ms < 10 || m->heartbeat_ms > 3600000)
        return msg_r_fail(r, "heartbeat_ms %u outside 10..3600000", m->heartbeat_ms);
    return msg_get_end(r);
}

/* APP_SOURCES: set position, str name, str origin, u32 length + source */
int msg_enc_app_source(struct msg_w *w, const struct msg_app_source *m)
{
    msg_enc_set_pos(w, &m->set);
    msg_put_str(w, m->name, MSG_APP_MAX);
    msg_put_str(w, m->origin, MSG_ORIGIN_MAX);
    msg_put_lstr(w, m->source, m->source_len, MSG_SOURCE_MAX);
    return msg_enc_done(w);
}

int msg_dec_app_source(struct msg_r *r, struct msg_app_source *m)
{
    if (msg_dec_set_pos(r, &m->set) != MSG_OK) return MSG_FATAL;
    msg_get_set_name(r, &m->set, m->name, sizeof(m->name));
    msg_get_str(r, m->origin, sizeof(m->origin));
    msg_get_lstr(r, &m->source, &m->source_len, MSG_SOURCE_MAX);
    if (r->failed) return MSG_FATAL;
    if (!m->set.count && (m->origin[0] || m->source_len))
        return msg_r_fail(r, "empty set with a non-empty entry");
    return msg_get_end(r);
}

/* CONFIG: set position, str key, str value */
int msg_enc_config(struct msg_w *w, const struct msg_config *m)
{
    msg_enc_set_pos(w, &m->set);
    msg_put_str(w, m->key, MSG_APP_MAX);
    msg_put_str(w, m->value, MSG_VALUE_MAX);
    return msg_enc_done(w);
}

int msg_dec_config(struct msg_r *r, struct msg_config *m)
{
    if (msg_dec_set_pos(r, &m->set) != MSG_OK) return MSG_FATAL;
    msg_get_set_name(r, &m->set, m->key, sizeof(m->key));
    msg_get_str(r, m->value, sizeof(m->value));
    if (r->failed) return MSG_FATAL;
    if (!m->set.count && m->value[0]) return msg_r_fail(r, "empty set with a non-empty entry");
    return msg_get_end(r);
}

/* SOCKET_RESULT: u16 op, u32 error, u32 sock_id, addr local, addr peer */
int msg_enc_socket_result(struct msg_w *w, const struct msg_socket_result *m)
{
    msg_put_u16(w, m->op);
    msg_put_u32(w, m->error);
    msg_put_u32(w, m->sock_id);
    msg_enc_addr(w, &m->local);
    msg_enc_addr(w, &m->peer);
    return msg_enc_done(w);
}

static int is_sock_op(uint16_t op)
{
    return op >= MSG_SOCK_LISTEN && op <= MSG_SOCK_SETOPT;
}

int msg_dec_socket_result(struct msg_r *r, int nfds, struct msg_socket_result *m)
{
    m->op = msg_get_u16(r);
    m->error = msg_get_u32(r);
    m->sock_id = msg_get_u32(r);
    msg_dec_addr(r, &m->local);
    msg_dec_addr(r, &m->peer);
    if (r->failed) return MSG_FATAL;
    if (!is_sock_op(m->op)) return msg_r_fail(r, "socket result for op 0x%04x", m->op);
    if (m->error > MSG_ERRNO_MAX) return msg_r_fail(r, "error %u is not an errno", m->error);
    /* A failure carries nothing else; a success names its socket. */
    if (m->error && (m->sock_id || m->local.family || m->peer.family))
        return msg_r_fail(r, "failed socket result with a socket id or address");
    if (!m->error && !m->sock_id) return msg_r_fail(r, "socket result with socket id 0");
    /* The only fd a reply carries is the connected socket. */
    int want = m->op == MSG_SOCK_CONNECT && !m->error;
    if (nfds != want)
        return msg_r_fail(r, "%s result with error %u needs %d fd%s, got %d", msg_type_name(m->op),
                          m->error, want, want == 1 ? "" : "s", nfds);
    return msg_get_end(r);
}

/* SOCK_ACCEPTED: u32 listener_id, u32 sock_id, addr peer; 1 fd */
int msg_enc_sock_accepted(struct msg_w *w, const struct msg_sock_accepted *m)
{
    msg_put_u32(w, m->listener_id);
    msg_put_u32(w, m->sock_id);
    msg_enc_addr(w, &m->peer);
    return msg_enc_done(w);
}

int msg_dec_sock_accepted(struct msg_r *r, struct msg_sock_accepted *m)
{
    m->listener_id = msg_get_u32(r);
    m->sock_id = msg_get_u32(r);
    msg_dec_addr(r, &m->peer);
    if (r->failed) return MSG_FATAL;
    if (!m->listener_id || !m->sock_id) return msg_r_fail(r, "socket id 0");
    if (m->peer.family == MSG_AF_NONE) return msg_r_fail(r, "accepted socket without a peer");
    return msg_get_end(r);
}

/* SHUTDOWN: u8 reason, u32 grace_ms */
int msg_enc_shutdown(struct msg_w *w, const struct msg_shutdown *m)
{
    msg_put_u8(w, m->reason);
    msg_put_u32(w, m->grace_ms);
    return msg_enc_done(w);
}

int msg_dec_shutdown(struct msg_r *r, struct msg_shutdown *m)
{
    m->reason = msg_get_u8(r);
    m->grace_ms = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    if (m->reason != MSG_SHUT_STOP && m->reason != MSG_SHUT_RESTART)
        return msg_r_fail(r, "shutdown reason %u unknown", m->reason);
    if (m->grace_ms > 600000) return msg_r_fail(r, "grace_ms %u > 600000", m->grace_ms);
    return msg_get_end(r);
}

/* CTL_REQUEST: u8 command, u8 json, u64 dpid */
int msg_enc_ctl_request(struct msg_w *w, const struct msg_ctl_request *m)
{
    msg_put_u8(w, m->command);
    msg_put_u8(w, m->json);
    msg_put_u64(w, m->dpid);
    return msg_enc_done(w);
}

int msg_dec_ctl_request(struct msg_r *r, struct msg_ctl_request *m)
{
    m->command = msg_get_u8(r);
    m->json = msg_get_u8(r);
    m->dpid = msg_get_u64(r);
    if (r->failed) return MSG_FATAL;
    if (m->command < MSG_CTL_STATUS || m->command > MSG_CTL_CLUSTER)
        return msg_r_fail(r, "control command %u unknown", m->command);
    if (m->json > 1) return msg_r_fail(r, "format %u not 0 or 1", m->json);
    /* A field a command does not use is zero: one canonical form. */
    if (m->command != MSG_CTL_FLOWS && m->dpid)
        return msg_r_fail(r, "%s request with a dpid",
                          m->command == MSG_CTL_STATUS ? "status" : "cluster");
    return msg_get_end(r);
}

/* MON_EVENT: u64 ts_ns, u32 rule_id, u16 port, u8 dir, u8 proto, u32 saddr,
 * u32 daddr, u16 sport, u16 dport, u32 len, u16 flags, u16 ethertype,
 * u32 limited, u32 lost */
int msg_enc_mon_event(struct msg_w *w, const struct msg_mon_event *m)
{
    msg_put_u64(w, m->ts_ns);
    msg_put_u32(w, m->rule_id);
    msg_put_u16(w, m->port);
    msg_put_u8(w, m->dir);
    msg_put_u8(w, m->proto);
    msg_put_u32(w, m->saddr);
    msg_put_u32(w, m->daddr);
    msg_put_u16(w, m->sport);
    msg_put_u16(w, m->dport);
    msg_put_u32(w, m->len);
    msg_put_u16(w, m->flags);
    msg_put_u16(w, m->ethertype);
    msg_put_u32(w, m->limited);
    msg_put_u32(w, m->lost);
    return msg_enc_done(w);
}

int msg_dec_mon_event(struct msg_r *r, struct msg_mon_event *m)
{
    m->ts_ns = msg_get_u64(r);
    m->rule_id = msg_get_u32(r);
    m->port = msg_get_u16(r);
    m->dir = msg_get_u8(r);
    m->proto = msg_get_u8(r);
    m->saddr = msg_get_u32(r);
    m->daddr = msg_get_u32(r);
    m->sport = msg_get_u16(r);
    m->dport = msg_get_u16(r);
    m->len = msg_get_u32(r);
    m->flags = msg_get_u16(r);
    m->ethertype = msg_get_u16(r);
    m->limited = msg_get_u32(r);
    m->lost = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    if (m->rule_id > MSG_RULE_ID_MAX)
        return msg_r_fail(r, "rule id %u > %u", m->rule_id, MSG_RULE_ID_MAX);
    if (!m->port || m->port > MSG_PORT_ID_MAX)
        return msg_r_fail(r, "guest port %u outside 1..%u", m->port, MSG_PORT_ID_MAX);
    if (m->dir != MSG_RDIR_FROM_GUEST && m->dir != MSG_RDIR_TO_GUEST)
        return msg_r_fail(r, "event direction %u not 1 or 2", m->dir);
    if (m->flags & ~(MSG_MON_MALFORMED | MSG_MON_FRAGMENT | MSG_MON_NON_IP))
        return msg_r_fail(r, "event flags 0x%04x unknown", m->flags);
    return msg_get_end(r);
}
