/*
 * mgmt_auth.c - who may do what over the management API. A client is who
 * its certificate's subject CN says (the certificate chains to [mgmt] tls_ca:
 * TLS checked that before any request). admins may do everything, viewers
 * may only look (rule list, stats, guests, domains), anyone else nothing.
 * Names compare exactly: no case folding, no wildcards, so what the
 * configuration says is all there is to read.
 */
#include <stdio.h>
#include <string.h>

#include "mgmt/mgmt.h"

const char *mgmt_role_name(enum mgmt_role r)
{
    return r == MGMT_ROLE_ADMIN ? "admin" : r == MGMT_ROLE_VIEWER ? "viewer" : "none";
}

enum mgmt_role mgmt_role_of(const char *cn, const char *const *admins, size_t n_admins,
                            const char *const *viewers, size_t n_viewers)
{
    if (!cn || !cn[0]) return MGMT_ROLE_NONE;
    for (size_t i = 0; i < n_admins; i++)
        if (!strcmp(cn, admins[i])) return MGMT_ROLE_ADMIN;
    for (size_t i = 0; i < n_viewers; i++)
        if (!strcmp(cn, viewers[i])) return MGMT_ROLE_VIEWER;
    return MGMT_ROLE_NONE;
}

int mgmt_op_changes(enum mgmt_op op)
{
    return op == MGMT_OP_RULE_ADD || op == MGMT_OP_RULE_DEL || op == MGMT_OP_RELOAD ||
           op == MGMT_OP_BLOCK || op == MGMT_OP_UNBLOCK;
}

int mgmt_authorise(enum mgmt_role role, const char *cn, enum mgmt_op op, char *err,
                   size_t errcap)
{
    const char *who = cn && cn[0] ? cn : "(none)";
    if (role == MGMT_ROLE_ADMIN) return MGMT_ST_OK;
    if (role == MGMT_ROLE_VIEWER && !mgmt_op_changes(op)) return MGMT_ST_OK;
    if (role == MGMT_ROLE_VIEWER)
        snprintf(err, errcap, "%s: certificate CN '%.128s' is a viewer; only admins may change things",
                 mgmt_op_name(op), who);
    else
        snprintf(err, errcap, "%s: certificate CN '%.128s' is neither an admin nor a viewer",
                 mgmt_op_name(op), who);
    return MGMT_ST_FORBIDDEN;
}
