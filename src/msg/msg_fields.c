/*
 * msg_fields.c - composite fields used by several messages: socket address,
 * packet-filter rule (and the RULE_RESULT that lists them), position in a
 * pushed set. Decoders accept only the
 * canonical form (unused bytes zero, prefix host bits clear) so that every
 * accepted payload re-encodes to the same bytes, which the fuzz target checks.
 */
#include "msg/msg_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int msg_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return MSG_FATAL;
}

/* ---- address: u8 family, u16 port, 16 address bytes --------------------------- */

int msg_enc_addr(struct msg_w *w, const struct msg_addr *a)
{
    msg_put_u8(w, a->family);
    msg_put_u16(w, a->port);
    msg_put_bytes(w, a->addr, sizeof(a->addr));
    return msg_enc_done(w);
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int msg_dec_addr(struct msg_r *r, struct msg_addr *a)
{
    a->family = msg_get_u8(r);
    a->port = msg_get_u16(r);
    msg_get_bytes(r, a->addr, sizeof(a->addr));
    if (r->failed) return MSG_FATAL;
    switch (a->family) {
    case MSG_AF_NONE:
        if (a->port || !all_zero(a->addr, 16))
            return msg_r_fail(r, "address family 0 with port or address bytes set");
        break;
    case MSG_AF_INET:
        if (!all_zero(a->addr + 4, 12))
            return msg_r_fail(r, "IPv4 address with bytes 4..15 not zero");
        break;
    case MSG_AF_INET6:
        break;
    default:
        return msg_r_fail(r, "address family %u unknown", a->family);
    }
    return MSG_OK;
}

/* ---- rule: addr, plen, proto, port, dir, action, on ----------------------------- */

int msg_enc_rule(struct msg_w *w, const struct msg_rule *m)
{
    msg_put_u32(w, m->addr);
    msg_put_u8(w, m->plen);
    msg_put_u8(w, m->proto);
    msg_put_u16(w, m->port);
    msg_put_u8(w, m->dir);
    msg_put_u8(w, m->action);
    msg_put_u16(w, m->on);
    return msg_enc_done(w);
}

/* Field checks of one rule, without the end-of-payload check, so a
 * RULE_RESULT can read a list of them. These are the wire's rules (one
 * canonical form of a rule); who may add what is the core's business. */
static int rule_fields(struct msg_r *r, struct msg_rule *m)
{
    m->addr = msg_get_u32(r);
    m->plen = msg_get_u8(r);
    m->proto = msg_get_u8(r);
    m->port = msg_get_u16(r);
    m->dir = msg_get_u8(r);
    m->action = msg_get_u8(r);
    m->on = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (m->plen > 32) return msg_r_fail(r, "prefix length %u > 32", m->plen);
    uint32_t host = m->plen == 32 ? 0 : UINT32_MAX >> m->plen;
    if (m->addr & host)
        return msg_r_fail(r, "address 0x%08x has bits set past /%u", m->addr, m->plen);
    if (m->port && m->proto != 6 && m->proto != 17)
        return msg_r_fail(r, "port %u with protocol %u", m->port, m->proto);
    if (m->dir < MSG_RDIR_FROM_GUEST || m->dir > MSG_RDIR_BOTH)
        return msg_r_fail(r, "rule direction %u unknown", m->dir);
    if (m->action < MSG_RACT_PASS || m->action > MSG_RACT_DROP)
        return msg_r_fail(r, "rule action %u unknown", m->action);
    if (m->on > MSG_PORT_ID_MAX) return msg_r_fail(r, "guest port %u > %u", m->on, MSG_PORT_ID_MAX);
    return MSG_OK;
}

int msg_dec_rule(struct msg_r *r, struct msg_rule *m)
{
    if (rule_fields(r, m) != MSG_OK) return MSG_FATAL;
    return msg_get_end(r);
}

/* Decimal 1..max without a leading zero. */
static int dec_ok(const char *s, unsigned long max)
{
    if (*s < '1' || *s > '9') return 0;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max) return 0;
    }
    return 1;
}

/* "admin", "domain:NAME" (NAME 1..31 of [A-Za-z0-9_.-]) or "guest:ID" (a
 * port id): the owners the monitor knows (src/mon/mon_owner.c). */
static int owner_ok(const char *o)
{
    if (strcmp(o, "admin") == 0) return 1;
    if (strncmp(o, "guest:", 6) == 0) return dec_ok(o + 6, MSG_PORT_ID_MAX);
    if (strncmp(o, "domain:", 7) != 0) return 0;
    size_t n = strlen(o + 7);
    return n >= 1 && n <= 31 && !strchr(o + 7, ':');
}

int msg_enc_rule_result(struct msg_w *w, const struct msg_rule_result *m)
{
    msg_put_u16(w, m->op);
    msg_put_u32(w, m->error);
    msg_put_str(w, m->reason, MSG_REASON_MAX);
    msg_put_u32(w, m->next_id);
    msg_put_u16(w, m->count);
    if (m->count > MSG_RULES_MAX) w->failed = 1;
    for (unsigned i = 0; i < m->count && !w->failed; i++) {
        const struct msg_rule_entry *e = &m->rules[i];
        msg_put_u32(w, e->id);
        msg_enc_rule(w, &e->rule);
        msg_put_str(w, e->owner, MSG_OWNER_MAX);
        msg_put_u64(w, e->packets);
        msg_put_u64(w, e->bytes);
    }
    return msg_enc_done(w);
}

static int rule_entry(struct msg_r *r, unsigned i, struct msg_rule_entry *e)
{
    e->id = msg_get_u32(r);
    if (!r->failed && (!e->id || e->id > MSG_RULE_ID_MAX))
        return msg_r_fail(r, "rule %u with id %u outside 1..%u", i, e->id, MSG_RULE_ID_MAX);
    if (rule_fields(r, &e->rule) != MSG_OK) return MSG_FATAL;
    msg_get_name(r, e->owner, sizeof(e->owner));
    e->packets = msg_get_u64(r);
    e->bytes = msg_get_u64(r);
    if (r->failed) return MSG_FATAL;
    if (!owner_ok(e->owner))
        return msg_r_fail(r, "rule %u: owner '%s' is not admin, domain:NAME or guest:ID", e->id,
                          e->owner);
    return MSG_OK;
}

int msg_dec_rule_result(struct msg_r *r, struct msg_rule_result *m)
{
    m->op = msg_get_u16(r);
    m->error = msg_get_u32(r);
    msg_get_str(r, m->reason, sizeof(m->reason));
    m->next_id = msg_get_u32(r);
    m->count = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (m->op != MSG_RULE_ADD && m->op != MSG_RULE_DEL && m->op != MSG_RULE_LIST)
        return msg_r_fail(r, "rule result for op 0x%04x", m->op);
    if (m->error > MSG_ERRNO_MAX) return msg_r_fail(r, "error %u is not an errno", m->error);
    if (!m->error && m->reason[0]) return msg_r_fail(r, "successful rule result with a reason");
    if (m->count > MSG_RULES_MAX)
        return msg_r_fail(r, "rule count %u > %u", m->count, MSG_RULES_MAX);
    if (m->error && (m->count || m->next_id))
        return msg_r_fail(r, "failed rule result with rules or next_id");
    if (m->op != MSG_RULE_LIST && m->next_id)
        return msg_r_fail(r, "next_id %u outside RULE_LIST", m->next_id);
    if (m->next_id > MSG_RULE_ID_MAX)
        return msg_r_fail(r, "next_id %u > %u", m->next_id, MSG_RULE_ID_MAX);
    if (m->op == MSG_RULE_ADD && !m->error && m->count != 1)
        return msg_r_fail(r, "RULE_ADD result with %u rules, needs 1", m->count);
    if (m->op == MSG_RULE_DEL && m->count)
        return msg_r_fail(r, "RULE_DEL result with %u rules", m->count);
    for (unsigned i = 0; i < m->count; i++) {
        if (rule_entry(r, i, &m->rules[i]) != MSG_OK) return MSG_FATAL;
        /* a listing goes up in id order: one canonical page */
        if (i && m->rules[i].id <= m->rules[i - 1].id)
            return msg_r_fail(r, "rule ids not ascending (%u after %u)", m->rules[i].id,
                              m->rules[i - 1].id);
    }
    if (m->next_id && m->count && m->next_id <= m->rules[m->count - 1].id)
        return msg_r_fail(r, "next_id %u not past the last rule %u", m->next_id,
                          m->rules[m->count - 1].id);
    return msg_get_end(r);
}

/* ---- set position: u32 generation, u16 index, u16 count ----------------------- */

void msg_enc_set_pos(struct msg_w *w, const struct msg_set_pos *s)
{
    msg_put_u32(w, s->generation);
    msg_put_u16(w, s->index);
    msg_put_u16(w, s->count);
}

int msg_dec_set_pos(struct msg_r *r, struct msg_set_pos *s)
{
    s->generation = msg_get_u32(r);
    s->index = msg_get_u16(r);
    s->count = msg_get_u16(r);
    if (r->failed) return MSG_FATAL;
    if (s->count > MSG_SET_MAX) return msg_r_fail(r, "set count %u > %u", s->count, MSG_SET_MAX);
    if (s->count ? s->index >= s->count : s->index != 0)
        return msg_r_fail(r, "set index %u outside count %u", s->index, s->count);
    return MSG_OK;
}

int msg_get_set_name(struct msg_r *r, const struct msg_set_pos *s, char *dst, size_t cap)
{
    if (s->count) return msg_get_name(r, dst, cap);
    if (msg_get_str(r, dst, cap) != MSG_OK) return MSG_FATAL;
    if (dst[0]) return msg_r_fail(r, "empty set with a non-empty entry");
    return MSG_OK;
}
