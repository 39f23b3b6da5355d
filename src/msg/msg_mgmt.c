/*
 * msg_mgmt.c - the management domain's requests to the core: MGMT_QUERY
 * (stats, guests, domains, reload) and MGMT_BLOCK, whose layout APP_COMMAND
 * shares when the core passes a block on to the of domain. Their answers
 * (MGMT_REPLY) use the CTL_REPLY codec. Every field has one canonical form:
 * unused bytes are zero, so a request re-encodes to the bytes it came in.
 */
#include "msg/msg_internal.h"

#include <stdio.h>

/* MGMT_QUERY: u8 command, u8 json */
int msg_enc_mgmt_query(struct msg_w *w, const struct msg_mgmt_query *m)
{
    msg_put_u8(w, m->command);
    msg_put_u8(w, m->json);
    return msg_enc_done(w);
}

int msg_dec_mgmt_query(struct msg_r *r, struct msg_mgmt_query *m)
{
    m->command = msg_get_u8(r);
    m->json = msg_get_u8(r);
    if (r->failed) return MSG_FATAL;
    if (m->command < MSG_MQ_STATS || m->command > MSG_MQ_RELOAD)
        return msg_r_fail(r, "management query %u unknown", m->command);
    if (m->json > 1) return msg_r_fail(r, "format %u not 0 or 1", m->json);
    /* reload answers one line: there is no JSON form to ask for */
    if (m->command == MSG_MQ_RELOAD && m->json) return msg_r_fail(r, "reload with format JSON");
    return msg_get_end(r);
}

/* MGMT_BLOCK / APP_COMMAND: u8 command, u8 kind, 6 bytes addr, u32 seconds */
int msg_enc_block(struct msg_w *w, const struct msg_block *m)
{
    msg_put_u8(w, m->command);
    msg_put_u8(w, m->kind);
    msg_put_bytes(w, m->addr, sizeof(m->addr));
    msg_put_u32(w, m->seconds);
    return msg_enc_done(w);
}

int msg_dec_block(struct msg_r *r, struct msg_block *m)
{
    m->command = msg_get_u8(r);
    m->kind = msg_get_u8(r);
    msg_get_bytes(r, m->addr, sizeof(m->addr));
    m->seconds = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    if (m->command != MSG_BLOCK && m->command != MSG_UNBLOCK)
        return msg_r_fail(r, "block command %u unknown", m->command);
    if (m->kind != MSG_BK_IPV4 && m->kind != MSG_BK_MAC)
        return msg_r_fail(r, "block target kind %u unknown", m->kind);
    if (m->kind == MSG_BK_IPV4 && (m->addr[4] || m->addr[5]))
        return msg_r_fail(r, "IPv4 target with bytes 4..5 not zero");
    int zero = 1;
    for (size_t i = 0; i < sizeof(m->addr); i++)
        zero &= m->addr[i] == 0;
    if (zero) return msg_r_fail(r, "block target is all zero");
    if (m->command == MSG_UNBLOCK && m->seconds) return msg_r_fail(r, "unblock with a duration");
    if (m->seconds > MSG_BLOCK_SECONDS_MAX)
        return msg_r_fail(r, "block for %u s, more than %u", m->seconds, MSG_BLOCK_SECONDS_MAX);
    return msg_get_end(r);
}

void msg_block_target(const struct msg_block *m, char *dst, size_t cap)
{
    const uint8_t *a = m->addr;
    if (m->kind == MSG_BK_IPV4)
        snprintf(dst, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    else
        snprintf(dst, cap, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}
