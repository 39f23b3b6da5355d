/*
 * msg_cluster.c - the cluster's messages (docs/cluster.md): which switches
 * the of domain has (CL_SWITCH / CL_CONN), which of them this instance is
 * master of (CL_ROLE / CL_ROLE_SET), the apps' shared keys (CL_WRITE /
 * CL_PUT going out, CL_EVENT / CL_CHANGE coming in) and whether etcd is
 * reachable (CL_STATE / CL_STATE_SET). The core passes each D2C type on as
 * the C2D type of the same layout: the of domain and the cluster domain
 * never talk directly, and everything between them has crossed a decoder.
 * One canonical form per message: fields a type does not use are zero.
 */
#include "msg/msg_internal.h"

#include <string.h>

int msg_cl_key_ok(const char *s, size_t n)
{
    if (n == 0 || n > MSG_CL_KEY_MAX || s[0] == '/') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
        if (!ok || (c == '/' && i + 1 < n && s[i + 1] == '/')) return 0;
    }
    return 1;
}

/* CL_SWITCH / CL_CONN: u64 dpid, u8 state */
int msg_enc_cl_switch(struct msg_w *w, const struct msg_cl_switch *m)
{
    msg_put_u64(w, m->dpid);
    msg_put_u8(w, m->state);
    return msg_enc_done(w);
}

int msg_dec_cl_switch(struct msg_r *r, struct msg_cl_switch *m)
{
    m->dpid = msg_get_u64(r);
    m->state = msg_get_u8(r);
    if (r->failed) return MSG_FATAL;
    if (m->state > MSG_CLS_LOST) return msg_r_fail(r, "switch state %u unknown", m->state);
    return msg_get_end(r);
}

/* CL_ROLE / CL_ROLE_SET: u64 dpid, u8 master, u8 takeover */
int msg_enc_cl_role(struct msg_w *w, const struct msg_cl_role *m)
{
    msg_put_u64(w, m->dpid);
    msg_put_u8(w, m->master);
    msg_put_u8(w, m->takeover);
    return msg_enc_done(w);
}

int msg_dec_cl_role(struct msg_r *r, struct msg_cl_role *m)
{
    m->dpid = msg_get_u64(r);
    m->master = msg_get_u8(r);
    m->takeover = msg_get_u8(r);
    if (r->failed) return MSG_FATAL;
    if (m->master > 1 || m->takeover > 1) return msg_r_fail(r, "role flags not 0 or 1");
    if (!m->master && m->takeover) return msg_r_fail(r, "slave role with takeover set");
    return msg_get_end(r);
}

/* CL_WRITE / CL_PUT / CL_EVENT / CL_CHANGE: u8 op, str key, u32 length +
 * value, u32 ttl */
int msg_enc_cl_kv(struct msg_w *w, const struct msg_cl_kv *m)
{
    msg_put_u8(w, m->op);
    msg_put_str(w, m->key, MSG_CL_KEY_MAX);
    msg_put_lstr(w, m->value ? m->value : "", m->value ? m->value_len : 0, MSG_CL_VAL_MAX);
    msg_put_u32(w, m->ttl);
    return msg_enc_done(w);
}

int msg_dec_cl_kv(struct msg_r *r, struct msg_cl_kv *m)
{
    m->op = msg_get_u8(r);
    msg_get_str(r, m->key, sizeof(m->key));
    /* values are any bytes: read as raw, not as text */
    m->value_len = msg_get_u32(r);
    m->value = NULL;
    if (!r->failed) {
        if (m->value_len > MSG_CL_VAL_MAX)
            return msg_r_fail(r, "value of %u bytes, more than %u", m->value_len, MSG_CL_VAL_MAX);
        if (r->len - r->pos < m->value_len) return msg_r_fail(r, "value past the payload");
        m->value = (const char *)r->p + r->pos;
        r->pos += m->value_len;
    }
    m->ttl = msg_get_u32(r);
    if (r->failed) return MSG_FATAL;
    if (m->op != MSG_CL_OP_PUT && m->op != MSG_CL_OP_DELETE)
        return msg_r_fail(r, "cluster operation %u unknown", m->op);
    if (!msg_cl_key_ok(m->key, strlen(m->key)))
        return msg_r_fail(r, "cluster key '%.40s' not 1..%d bytes of [A-Za-z0-9_.:/-]", m->key,
                          MSG_CL_KEY_MAX);
    if (m->op == MSG_CL_OP_DELETE && (m->value_len || m->ttl))
        return msg_r_fail(r, "delete with a value or a ttl");
    if (m->ttl > MSG_CL_TTL_MAX) return msg_r_fail(r, "ttl %u s, more than %u", m->ttl, MSG_CL_TTL_MAX);
    return msg_get_end(r);
}

/* CL_STATE / CL_STATE_SET: u8 connected */
int msg_enc_cl_state(struct msg_w *w, const struct msg_cl_state *m)
{
    msg_put_u8(w, m->connected);
    return msg_enc_done(w);
}

int msg_dec_cl_state(struct msg_r *r, struct msg_cl_state *m)
{
    m->connected = msg_get_u8(r);
    if (r->failed) return MSG_FATAL;
    if (m->connected > 1) return msg_r_fail(r, "connected %u not 0 or 1", m->connected);
    return msg_get_end(r);
}
