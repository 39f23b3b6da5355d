/*
 * mon_owner.c - rule owners: "admin", "domain:NAME", "guest:ID". The owner kind
 * is the rule's evaluation tier; who may add and delete what is decided here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/mon_internal.h"

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

int mon_owner_parse(const char *text, struct mon_owner *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    if (!text) {
        snprintf(err, errlen, "no owner given");
        return -EINVAL;
    }
    if (strcmp(text, "admin") == 0) {
        o->tier = MON_TIER_ADMIN;
        return 0;
    }
    if (strncmp(text, "domain:", 7) == 0) {
        const char *n = text + 7;
        size_t len = strlen(n);
        if (len == 0 || len >= sizeof(o->name)) {
            snprintf(err, errlen, "owner '%.40s': domain name must be 1..%zu characters", text,
                     sizeof(o->name) - 1);
            return -EINVAL;
        }
        for (size_t i = 0; i < len; i++)
            if (!name_char(n[i])) {
                snprintf(err, errlen,
                         "owner '%.40s': domain name may hold only letters, digits, '_', '.', '-'",
                         text);
                return -EINVAL;
            }
        o->tier = MON_TIER_DOMAIN;
        memcpy(o->name, n, len + 1);
        return 0;
    }
    if (strncmp(text, "guest:", 6) == 0) {
        const char *d = text + 6;
        char *end;
        unsigned long v = strtoul(d, &end, 10);
        if (*d < '1' || *d > '9' || *end || v > MON_PORT_ID_MAX) {
            snprintf(err, errlen, "owner '%.40s': guest port id must be 1..%u", text,
                     MON_PORT_ID_MAX);
            return -EINVAL;
        }
        o->tier = MON_TIER_GUEST;
        o->port = (uint16_t)v;
        return 0;
    }
    snprintf(err, errlen, "owner '%.40s' is not admin, domain:NAME or guest:ID", text);
    return -EINVAL;
}

int mon_owner_check(const char *owner, char *err, size_t errlen)
{
    struct mon_owner o;
    return mon_owner_parse(owner, &o, err, errlen);
}
