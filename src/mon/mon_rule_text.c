/*
 * mon_rule_text.c - rule validation and the rule's text form, the one parser of
 * rules given as text (monctl, and later the management API and Lua).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/mon_internal.h"

static const char *proto_name(unsigned p, char *buf, size_t len)
{
    switch (p) {
    case MON_PROTO_ANY:
        return "any";
    case MON_PROTO_ICMP:
        return "icmp";
    case MON_PROTO_TCP:
        return "tcp";
    case MON_PROTO_UDP:
        return "udp";
    }
    snprintf(buf, len, "%u", p);
    return buf;
}

static const char *dirs_name(unsigned d)
{
    return d == MON_FROM_GUEST ? "from-guest" : d == MON_TO_GUEST ? "to-guest" : "both";
}

int mon_rule_check(const struct mon_rule *r, char *err, size_t errlen)
{
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pb[8];

    if (r->plen > 32) {
        snprintf(err, errlen, "prefix length %u is out of range 0..32", r->plen);
        return -EINVAL;
    }
    uint32_t mask = r->plen ? htonl(~0u << (32 - r->plen)) : 0;
    if (r->addr & ~mask) {
        uint32_t net = r->addr & mask;
        inet_ntop(AF_INET, &r->addr, a, sizeof(a));
        inet_ntop(AF_INET, &net, b, sizeof(b));
        snprintf(err, errlen,
                 "address %s/%u has bits set beyond the prefix length (%s/%u would be valid)", a,
                 r->plen, b, r->plen);
        return -EINVAL;
    }
    if (r->dirs < MON_FROM_GUEST || r->dirs > MON_BOTH) {
        snprintf(err, errlen, "direction must be from-guest, to-guest or both");
        return -EINVAL;
    }
    if (r->action != MON_PASS && r->action != MON_DROP) {
        snprintf(err, errlen, "action must be drop or pass");
        return -EINVAL;
    }
    if (r->port_id > MON_PORT_ID_MAX) {
        snprintf(err, errlen, "port id %u is out of range 1..%u (0: every port)", r->port_id,
                 MON_PORT_ID_MAX);
        return -EINVAL;
    }
    if (r->l4port && r->proto != MON_PROTO_TCP && r->proto != MON_PROTO_UDP) {
        snprintf(err, errlen, "port %u needs protocol tcp or udp, not %s", r->l4port,
                 proto_name(r->proto, pb, sizeof(pb)));
        return -EINVAL;
    }
    return 0;
}

int mon_rule_format(const struct mon_rule *r, char *buf, size_t len)
{
    char a[INET_ADDRSTRLEN], pb[8], port[8], on[8];
    inet_ntop(AF_INET, &r->addr, a, sizeof(a));
    snprintf(port, sizeof(port), "%u", r->l4port);
    snprintf(on, sizeof(on), "%u", r->port_id);
    return snprintf(buf, len, "%s %s/%u proto %s port %s dir %s on %s",
                    r->action == MON_DROP ? "drop" : "pass", a, r->plen,
                    proto_name(r->proto, pb, sizeof(pb)), r->l4port ? port : "any",
                    dirs_name(r->dirs), r->port_id ? on : "all");
}

/* A decimal number without sign, spaces or leading zeros, within 0..max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1])) return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

static int parse_addr(const char *s, struct mon_rule *r, char *err, size_t errlen)
{
    char buf[24];
    unsigned long plen = 32;

    if (strcmp(s, "any") == 0) {
        r->addr = 0;
        r->plen = 0;
        return 0;
    }
    if (strlen(s) >= sizeof(buf)) {
        snprintf(err, errlen, "bad address '%.24s...'", s);
        return -EINVAL;
    }
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if (parse_uint(slash + 1, 32, &plen)) {
            snprintf(err, errlen, "bad prefix length '/%s' (0..32)", slash + 1);
            return -EINVAL;
        }
    }
    if (inet_pton(AF_INET, buf, &r->addr) != 1) {
        snprintf(err, errlen, "bad address '%s' (an IPv4 address, ADDR/LEN or any)", buf);
        return -EINVAL;
    }
    r->plen = (uint8_t)plen;
    return 0;
}

static int parse_proto(const char *v, struct mon_rule *r, char *err, size_t errlen)
{
    unsigned long n;
    if (strcmp(v, "any") == 0)
        r->proto = MON_PROTO_ANY;
    else if (strcmp(v, "tcp") == 0)
        r->proto = MON_PROTO_TCP;
    else if (strcmp(v, "udp") == 0)
        r->proto = MON_PROTO_UDP;
    else if (strcmp(v, "icmp") == 0)
        r->proto = MON_PROTO_ICMP;
    else if (parse_uint(v, 255, &n) == 0)
        r->proto = (uint8_t)n;
    else {
        snprintf(err, errlen, "unknown protocol '%.20s' (tcp, udp, icmp, any or 0..255)", v);
        return -EINVAL;
    }
    return 0;
}

static int parse_option(const char *k, const char *v, struct mon_rule *r, char *err, size_t errlen)
{
    unsigned long n;
    if (strcmp(k, "proto") == 0) return parse_proto(v, r, err, errlen);
    if (strcmp(k, "port") == 0) {
        if (strcmp(v, "any") == 0)
            r->l4port = 0;
        else if (parse_uint(v, 65535, &n) == 0 && n > 0)
            r->l4port = (uint16_t)n;
        else {
            snprintf(err, errlen, "bad port '%.20s' (1..65535 or any)", v);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(k, "dir") == 0) {
        if (strcmp(v, "from-guest") == 0)
            r->dirs = MON_FROM_GUEST;
        else if (strcmp(v, "to-guest") == 0)
            r->dirs = MON_TO_GUEST;
        else if (strcmp(v, "both") == 0)
            r->dirs = MON_BOTH;
        else {
            snprintf(err, errlen, "unknown direction '%.20s' (from-guest, to-guest or both)", v);
            return -EINVAL;
        }
        return 0;
    }
    /* "on": which guest port the rule applies to */
    if (strcmp(v, "all") == 0)
        r->port_id = 0;
    else if (parse_uint(v, MON_PORT_ID_MAX, &n) == 0 && n > 0)
        r->port_id = (uint16_t)n;
    else {
        snprintf(err, errlen, "bad port id '%.20s' (1..%u or all)", v, MON_PORT_ID_MAX);
        return -EINVAL;
    }
    return 0;
}

int mon_rule_parse(const char *text, struct mon_rule *r, char *err, size_t errlen)
{
    static const char *const keys[] = {"proto", "port", "dir", "on"};
    char buf[256], *save = NULL;
    int seen[4] = {0};

    memset(r, 0, sizeof(*r));
    r->dirs = MON_BOTH;
    if (strlen(text) >= sizeof(buf)) {
        snprintf(err, errlen, "rule text longer than %zu bytes", sizeof(buf) - 1);
        return -EINVAL;
    }
    strcpy(buf, text);
    char *tok = strtok_r(buf, " \t", &save);
    if (!tok) {
        snprintf(err, errlen, "empty rule");
        return -EINVAL;
    }
    if (strcmp(tok, "drop") == 0)
        r->action = MON_DROP;
    else if (strcmp(tok, "pass") == 0)
        r->action = MON_PASS;
    else {
        snprintf(err, errlen, "unknown action '%.20s' (drop or pass)", tok);
        return -EINVAL;
    }
    if (!(tok = strtok_r(NULL, " \t", &save))) {
        snprintf(err, errlen, "missing address after '%s'", r->action ? "drop" : "pass");
        return -EINVAL;
    }
    int rc = parse_addr(tok, r, err, errlen);
    while (!rc && (tok = strtok_r(NULL, " \t", &save))) {
        size_t k = 0;
        while (k < 4 && strcmp(tok, keys[k]) != 0)
            k++;
        if (k == 4) {
            snprintf(err, errlen, "unknown keyword '%.20s' (proto, port, dir or on)", tok);
            return -EINVAL;
        }
        if (seen[k]++) {
            snprintf(err, errlen, "'%s' given twice", keys[k]);
            return -EINVAL;
        }
        const char *v = strtok_r(NULL, " \t", &save);
        if (!v) {
            snprintf(err, errlen, "'%s' needs a value", keys[k]);
            return -EINVAL;
        }
        rc = parse_option(keys[k], v, r, err, errlen);
    }
    if (rc) return rc;
    if (r->l4port && !seen[0]) /* the paper's form: an address and a TCP port */
        r->proto = MON_PROTO_TCP;
    return mon_rule_check(r, err, errlen);
}
