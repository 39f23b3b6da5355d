/*
 * msg_d2c.c - payload codecs of the domain -> core messages (RULE_ADD is the
 * rule field itself, in msg_fields.c). These decoders are the core's whole
 * parser of untrusted domain input: every value is range-checked here, so a
 * handler sees only well-formed requests and decides policy alone.
 */
#include "msg/msg_internal.h"

#include <string.h>

/* LOG: u8 level, str module (name), str text */
int msg_enc_log(struct msg_w *w, const struct msg_log *m)
{
    msg_put_u8(w, m->level);
    msg_put_str(w, m->module, MSG_NAME_MAX);
    msg_put_str(w, m->text, MSG_TEXT_MAX);
    return msg_enc_done(w);
}

int msg_dec_log(struct msg_r *r, struct msg_log *m)
{
    m->level = msg_get_u8(r);
    msg_get_name(r, m->module, sizeof(m->module));
    /* Text may hold any byte but NUL; the core's logger escapes the rest. */
    msg_get_str(r, m->text, sizeof(m->text));
    if (r->failed) return MSG_FATAL;
    if (m->level > 3) return msg_r_fail(r, "log level %u > 3", m->level);
    return msg_get_end(r);
}

/* HEARTBEAT: u32 seq */
int msg_enc_heartbeat(struct msg_w *w, const struct msg_heartbeat *m)
{
    msg_put_u32(w, m->seq);
    return msg_enc_done(w);
}

int msg_dec_heartbeat(struct msg_r *r, struct msg_heartbeat *m)
{
    m->seq = msg_get_u32(r);
    return msg_get_end(r);
}

/* STATUS: u16 count, count x (str key (name), u64 value) */
int msg_enc_status(struct msg_w *w, const struct msg_status *m)
{
    msg_put_u16(w, m->count);
    if (m->count > MSG_STATS_MAX) w->failed = 1;
    for (unsigned i = 0; i < m->count && !w->failed; i++) {
        msg_put_str(w, m->stats[i].key, MSG_NAME_MAX);
        msg_put_u64(w, m->stats[i].value);
    }
    return msg_enc_done(w);
}

int msg_dec_status(struct msg_r *r, struct msg_status *m)
{
    m->count = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (m->count > MSG_STATS_MAX)
        return msg_r_fail(r, "status count %u > %u", m->count, MSG_STATS_MAX);
    for (unsigned i = 0; i < m->count; i++) {
        if (msg_get_name(r, m->stats[i].key, sizeof(m->stats[i].key)) != MSG_OK) return MSG_FATAL;
        m->stats[i].value = msg_get_u64(r);
        /* A key twice would make the report ambiguous; 64 x 64 compares. */
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(m->stats[i].key, m->stats[j].key))
                return msg_r_fail(r, "status key '%s' twice", m->stats[i].key);
    }
    return msg_get_end(r);
}

/* RECORD: str app (name), str stream (name), str line */
int msg_enc_record(struct msg_w *w, const struct msg_record *m)
{
    msg_put_str(w, m->app, MSG_APP_MAX);
    msg_put_str(w, m->stream, MSG_APP_MAX);
    msg_put_str(w, m->line, MSG_TEXT_MAX);
    return msg_enc_done(w);
}

int msg_dec_record(struct msg_r *r, struct msg_record *m)
{
    msg_get_name(r, m->app, sizeof(m->app));
    msg_get_name(r, m->stream, sizeof(m->stream));
    msg_get_str(r, m->line, sizeof(m->line));
    return msg_get_end(r);
}

/* A request's address: a real family (NONE is for replies only). */
static int request_addr(struct msg_r *r, struct msg_addr *a)
{
    if (msg_dec_addr(r, a) != MSG_OK) return MSG_FATAL;
    if (a->family == MSG_AF_NONE) return msg_r_fail(r, "request without an address family");
    return MSG_OK;
}

/* SOCK_LISTEN: addr, u16 backlog */
int msg_enc_sock_listen(struct msg_w *w, const struct msg_sock_listen *m)
{
    msg_enc_addr(w, &m->addr);
    msg_put_u16(w, m->backlog);
    return msg_enc_done(w);
}

int msg_dec_sock_listen(struct msg_r *r, struct msg_sock_listen *m)
{
    if (request_addr(r, &m->addr) != MSG_OK) return MSG_FATAL;
    m->backlog = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (m->backlog < 1 || m->backlog > MSG_BACKLOG_MAX)
        return msg_r_fail(r, "backlog %u outside 1..%u", m->backlog, MSG_BACKLOG_MAX);
    return msg_get_end(r);
}

/* SOCK_CONNECT: addr */
int msg_enc_sock_connect(struct msg_w *w, const struct msg_sock_connect *m)
{
    return msg_enc_addr(w, &m->addr);
}

int msg_dec_sock_connect(struct msg_r *r, struct msg_sock_connect *m)
{
    if (request_addr(r, &m->addr) != MSG_OK) return MSG_FATAL;
    if (!m->addr.port) return msg_r_fail(r, "connect to port 0");
    return msg_get_end(r);
}

/* SOCK_CLOSE, SOCK_GETNAME: u32 sock_id */
int msg_enc_sock_id(struct msg_w *w, const struct msg_sock_id *m)
{
    msg_put_u32(w, m->sock_id);
    return msg_enc_done(w);
}

int msg_dec_sock_id(struct msg_r *r, struct msg_sock_id *m)
{
    m->sock_id = msg_get_u32(r);
    if (!r->failed && !m->sock_id) return msg_r_fail(r, "socket id 0");
    return msg_get_end(r);
}

/* SOCK_SETOPT: u32 sock_id, u8 opt, u32 value */
int msg_enc_sock_setopt(struct msg_w *w, const struct msg_sock_setopt *m)
{
    msg_put_u32(w, m->sock_id);
    msg_put_u8(w, m->opt);
    msg_put_u32(w, m->value);
    return msg_enc_done(w);
}

int msg_dec_sock_setopt(struct msg_r *r, struct msg_sock_setopt *m)
{
    m->sock_id = msg_get_u32(r);
    m->opt = msg_get_u8(r);
    m->value = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    if (!m->sock_id) return msg_r_fail(r, "socket id 0");
    switch (m->opt) {
    case MSG_SO_NODELAY:
    case MSG_SO_KEEPALIVE:
        if (m->value > 1) return msg_r_fail(r, "option %u value %u not 0 or 1", m->opt, m->value);
        break;
    case MSG_SO_SNDBUF:
    case MSG_SO_RCVBUF:
        /* Bounded so a domain cannot pin kernel memory through the core. */
        if (m->value < MSG_SOCKBUF_MIN || m->value > MSG_SOCKBUF_MAX)
            return msg_r_fail(r, "option %u value %u outside %u..%u", m->opt, m->value,
                              MSG_SOCKBUF_MIN, MSG_SOCKBUF_MAX);
        break;
    default:
        return msg_r_fail(r, "socket option %u unknown", m->opt);
    }
    return msg_get_end(r);
}

/* RULE_DEL: u32 id */
int msg_enc_rule_del(struct msg_w *w, const struct msg_rule_del *m)
{
    msg_put_u32(w, m->id);
    return msg_enc_done(w);
}

int msg_dec_rule_del(struct msg_r *r, struct msg_rule_del *m)
{
    m->id = msg_get_u32(r);
    if (!r->failed && !m->id) return msg_r_fail(r, "rule id 0");
    return msg_get_end(r);
}

/* RULE_LIST: u32 start_id, u16 max */
int msg_enc_rule_list(struct msg_w *w, const struct msg_rule_list *m)
{
    msg_put_u32(w, m->start_id);
    msg_put_u16(w, m->max);
    return msg_enc_done(w);
}

int msg_dec_rule_list(struct msg_r *r, struct msg_rule_list *m)
{
    m->start_id = msg_get_u32(r);
    m->max = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (m->max < 1 || m->max > MSG_RULES_MAX)
        return msg_r_fail(r, "list max %u outside 1..%u", m->max, MSG_RULES_MAX);
    return msg_get_end(r);
}

/* CTL_REPLY: u8 final, u8 error, u32 length + text */
int msg_enc_ctl_reply(struct msg_w *w, const struct msg_ctl_reply *m)
{
    msg_put_u8(w, m->final);
    msg_put_u8(w, m->error);
    msg_put_lstr(w, m->text, m->text_len, MSG_CHUNK_MAX);
    return msg_enc_done(w);
}

int msg_dec_ctl_reply(struct msg_r *r, struct msg_ctl_reply *m)
{
    m->final = msg_get_u8(r);
    m->error = msg_get_u8(r);
    msg_get_lstr(r, &m->text, &m->text_len, MSG_CHUNK_MAX);
    if (r->failed) return MSG_FATAL;
    if (m->final > 1 || m->error > 1)
        return msg_r_fail(r, "final %u / error %u not 0 or 1", m->final, m->error);
    return msg_get_end(r);
}

/* APP_RESULT: u32 generation, str error */
int msg_enc_app_result(struct msg_w *w, const struct msg_app_result *m)
{
    msg_put_u32(w, m->generation);
    msg_put_str(w, m->error, MSG_VALUE_MAX);
    return msg_enc_done(w);
}

int msg_dec_app_result(struct msg_r *r, struct msg_app_result *m)
{
    m->generation = msg_get_u32(r);
    msg_get_str(r, m->error, sizeof(m->error));
    if (r->failed) return MSG_FATAL;
    if (!m->generation) return msg_r_fail(r, "app result for generation 0");
    return msg_get_end(r);
}

/* GUEST_NOTIFY: u16 port, u16 kind, u8 proto, u8 text length, u32 addr,
 * 6 bytes mac, u16 l4port, u32 rule, 64 bytes text (its length in printable
 * ASCII, then zeros). Fixed size: the text is the hypercall note's own field,
 * so whatever passes here the core can put in a note as it is. */
int msg_enc_guest_notify(struct msg_w *w, const struct msg_guest_notify *m)
{
    size_t n = strnlen(m->text, sizeof(m->text));
    uint8_t text[MSG_NOTE_TEXT_MAX];
    if (n > MSG_NOTE_TEXT_MAX) w->failed = 1;
    memset(text, 0, sizeof(text));
    memcpy(text, m->text, n > MSG_NOTE_TEXT_MAX ? MSG_NOTE_TEXT_MAX : n);
    msg_put_u16(w, m->port);
    msg_put_u16(w, m->kind);
    msg_put_u8(w, m->proto);
    msg_put_u8(w, (uint8_t)n);
    msg_put_u32(w, m->addr);
    msg_put_bytes(w, m->mac, sizeof(m->mac));
    msg_put_u16(w, m->l4port);
    msg_put_u32(w, m->rule);
    msg_put_bytes(w, text, sizeof(text));
    return msg_enc_done(w);
}

int msg_dec_guest_notify(struct msg_r *r, struct msg_guest_notify *m)
{
    uint8_t text[MSG_NOTE_TEXT_MAX];
    memset(m, 0, sizeof(*m));
    m->port = msg_get_u16(r);
    m->kind = msg_get_u16(r);
    m->proto = msg_get_u8(r);
    unsigned n = msg_get_u8(r);
    m->addr = msg_get_u32(r);
    msg_get_bytes(r, m->mac, sizeof(m->mac));
    m->l4port = msg_get_u16(r);
    m->rule = msg_get_u32(r);
    size_t at = r->pos;
    msg_get_bytes(r, text, sizeof(text));
    if (r->failed) return MSG_FATAL;
    if (!m->port || m->port > MSG_PORT_ID_MAX)
        return msg_r_fail(r, "guest port %u outside 1..%u", m->port, MSG_PORT_ID_MAX);
    if (m->kind < MSG_NOTE_SCAN_BLOCKED || m->kind > MSG_NOTE_NOTICE)
        return msg_r_fail(r, "notification kind %u unknown", m->kind);
    if (m->rule > MSG_RULE_ID_MAX)
        return msg_r_fail(r, "rule id %u > %u", m->rule, MSG_RULE_ID_MAX);
    if (n > MSG_NOTE_TEXT_MAX) return msg_r_fail(r, "text length %u > %u", n, MSG_NOTE_TEXT_MAX);
    for (unsigned i = 0; i < MSG_NOTE_TEXT_MAX; i++) {
        if (i < n && (text[i] < 0x20 || text[i] > 0x7e))
            return msg_r_fail(r, "byte 0x%02x not printable in text at offset %zu", text[i],
                              at + i);
        if (i >= n && text[i]) return msg_r_fail(r, "text padding not zero at offset %zu", at + i);
    }
    memcpy(m->text, text, n);
    return msg_get_end(r);
}
