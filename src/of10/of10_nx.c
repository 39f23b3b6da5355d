/*
 * of10_nx.c - the Nicira role extension of OpenFlow 1.0 (NXT_ROLE_REQUEST /
 * NXT_ROLE_REPLY), built on the codec's opaque VENDOR message: vendor
 * 0x00002320, then a be32 subtype and a be32 role, 16 bytes of body after
 * the OpenFlow header in all.
 *
 * Only the role messages are understood here; any other vendor or Nicira
 * subtype is "not ours" (1), so a caller can pass the message on unchanged.
 * A role message with a wrong length or a role outside 0..2 is malformed
 * (-1): Open vSwitch itself answers those with BAD_LEN and BAD_ROLE.
 */
#include "lib/be.h"
#include "of10/of10.h"

void of10_nx_role_msg(struct of10_msg *m, uint8_t body[8], uint32_t subtype, uint32_t role)
{
    be_put32(body, subtype);
    be_put32(body + 4, role);
    *m = (struct of10_msg){.version = OFP10_VERSION, .type = OFPT10_VENDOR};
    m->u.vendor.vendor = NX_VENDOR_ID;
    m->u.vendor.data.p = body;
    m->u.vendor.data.len = 8;
}

void of10_nx_role_request(struct of10_msg *m, uint8_t body[8], uint32_t role)
{
    of10_nx_role_msg(m, body, NXT_ROLE_REQUEST, role);
}

int of10_nx_role_parse(const struct of10_msg *m, uint32_t *subtype, uint32_t *role)
{
    if (!m || m->type != OFPT10_VENDOR || m->u.vendor.vendor != NX_VENDOR_ID) return 1;
    const struct of10_bytes *d = &m->u.vendor.data;
    if (d->len < 4 || !d->p) return 1; /* no subtype: not a role message */
    uint32_t sub = be_get32(d->p);
    if (sub != NXT_ROLE_REQUEST && sub != NXT_ROLE_REPLY) return 1;
    if (d->len != 8) return -1;
    uint32_t r = be_get32(d->p + 4);
    if (r > NX_ROLE_SLAVE) return -1;
    if (subtype) *subtype = sub;
    if (role) *role = r;
    return 0;
}

const char *of10_nx_role_name(uint32_t role)
{
    switch (role) {
    case NX_ROLE_OTHER:
        return "other";
    case NX_ROLE_MASTER:
        return "master";
    case NX_ROLE_SLAVE:
        return "slave";
    default:
        return "invalid";
    }
}
