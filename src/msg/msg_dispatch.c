/*
 * msg_dispatch.c - table dispatch of received messages, OpenSSH-monitor
 * style: a row per type with the sender kinds that may use it. Everything
 * that is not explicitly allowed and well-formed is MSG_FATAL, and fds are
 * closed on every path unless a handler took them.
 */
#include "msg/msg_internal.h"

static const struct msg_handler *row_find(const struct msg_handler *tab, uint16_t type)
{
    for (; tab->type; tab++)
        if (tab->type == type) return tab;
    return NULL;
}

/* The direction a sender kind may use: the core only sends core -> domain
 * types, a domain only domain -> core ones. */
static int dir_of_kind(int kind)
{
    return kind == MSG_KIND_CORE ? MSG_DIR_C2D : MSG_DIR_D2C;
}

int msg_table_check(const struct msg_handler *tab, char *err, size_t errlen)
{
    for (const struct msg_handler *t = tab; t->type; t++) {
        const struct msg_spec *s = msg_spec_find(t->type);
        if (!s) return msg_err(err, errlen, "table: unknown type 0x%04x", t->type);
        if (!t->fn) return msg_err(err, errlen, "table: %s without a handler", s->name);
        if (row_find(tab, t->type) != t)
            return msg_err(err, errlen, "table: %s listed twice", s->name);
        if (!t->permitted) return msg_err(err, errlen, "table: %s permitted for no kind", s->name);
        for (int k = 0; k < MSG_KIND_COUNT; k++)
            if ((t->permitted & MSG_KBIT(k)) && dir_of_kind(k) != s->dir)
                return msg_err(err, errlen, "table: %s permitted for kind %s, wrong direction",
                               s->name, msg_kind_name(k));
        if (t->permitted >> MSG_KIND_COUNT)
            return msg_err(err, errlen, "table: %s permitted for undefined kinds", s->name);
    }
    return MSG_OK;
}

static int not_permitted(const struct msg_spec *s, int kind, char *err, size_t errlen)
{
    if (kind == MSG_KIND_CORE)
        return msg_err(err, errlen, "type %s not permitted from the core", s->name);
    return msg_err(err, errlen, "type %s not permitted for domain kind %s", s->name,
                   msg_kind_name(kind));
}

/* Everything before the handler runs. */
static int admit(const struct msg_handler *tab, int kind, const struct msg_hdr *h, int nfds,
                 const struct msg_handler **row, char *err, size_t errlen)
{
    const struct msg_spec *s = msg_spec_find(h->type);
    if (!s) return msg_err(err, errlen, "unknown type 0x%04x", h->type);
    if (kind < 0 || kind >= MSG_KIND_COUNT) return msg_err(err, errlen, "sender kind %d", kind);
    /* A type of the other direction, or one this side has no row for, is
     * as unpermitted as one the row excludes. */
    *row = row_find(tab, h->type);
    if (s->dir != dir_of_kind(kind) || !*row || !((*row)->permitted & MSG_KBIT(kind)))
        return not_permitted(s, kind, err, errlen);
    if (h->flags)
        return msg_err(err, errlen, "header flags 0x%04x set, none are defined", h->flags);
    if (msg_spec_check_len(s, h->len, err, errlen) != MSG_OK) return MSG_FATAL;
    return msg_spec_check_fds(s, nfds, err, errlen);
}

int msg_dispatch(const struct msg_handler *tab, int kind, void *ctx, const struct msg_hdr *h,
                 const uint8_t *payload, int *fds, int nfds, char *err, size_t errlen)
{
    const struct msg_handler *row = NULL;
    int rc = admit(tab, kind, h, nfds, &row, err, errlen);
    if (rc == MSG_OK) {
        const char *name = msg_type_name(h->type);
        struct msg_r r;
        msg_r_init(&r, payload, h->len);
        rc = row->fn(ctx, h, &r, fds, nfds);
        if (rc != MSG_OK || r.failed) {
            rc = msg_err(err, errlen, "%s: %s", name, r.err[0] ? r.err : "rejected by handler");
        } else if (r.pos != r.len) {
            /* Fail closed even when a handler forgot msg_get_end: an
             * unparsed tail is bytes nobody checked. */
            rc = msg_err(err, errlen, "%s: %zu trailing bytes at offset %zu", name, r.len - r.pos,
                         r.pos);
        }
    }
    msg_close_fds(fds, nfds); /* what the handler kept it set to -1 */
    return rc;
}
