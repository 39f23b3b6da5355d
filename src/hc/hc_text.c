/*
 * hc_text.c - a guest rule as text, for the guest tool and for logs. The same
 * grammar as the monitor's rules (docs/monitor.md) without "on": a guest's rule
 * is always on its own port. The monitor checks again what arrives by frame;
 * this parser only lets the guest see its mistakes before sending.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hc.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decimal, no sign, no leading zeros, 0..max. */
static int number(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1])) return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

static void dotted(uint32_t host, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", host >> 24, (host >> 16) & 255, (host >> 8) & 255,
             host & 255);
}

static int parse_addr(const char *s, struct hc_rule *r, char *err, size_t errlen)
{
    char buf[24];
    unsigned long plen = 32;
    struct in_addr a;

    if (!strcmp(s, "any")) {
        r->addr = 0;
        r->plen = 0;
        return 0;
    }
    if (strlen(s) >= sizeof(buf)) return fail(err, errlen, "bad address '%.24s...'", s);
    snprintf(buf, sizeof(buf), "%s", s);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if (number(slash + 1, 32, &plen))
            return fail(err, errlen, "bad prefix length '/%s' (0..32)", slash + 1);
    }
    if (inet_pton(AF_INET, buf, &a) != 1)
        return fail(err, errlen, "bad address '%s' (an IPv4 address, ADDR/LEN or any)", buf);
    r->addr = ntohl(a.s_addr);
    r->plen = (uint8_t)plen;
    uint32_t mask = plen ? ~0u << (32 - plen) : 0;
    if (r->addr & ~mask) {
        char net[16];
        dotted(r->addr & mask, net, sizeof(net));
        return fail(err, errlen,
                    "address %s/%lu has bits set beyond the prefix length (%s/%lu would be valid)",
                    buf, plen, net, plen);
    }
    return 0;
}

static const char *const protos[][2] = {{"any", "0"}, {"icmp", "1"}, {"tcp", "6"}, {"udp", "17"}};

static int parse_opt(const char *k, const char *v, struct hc_rule *r, char *err, size_t errlen)
{
    unsigned long n;
    if (!strcmp(k, "proto")) {
        for (size_t i = 0; i < 4; i++)
            if (!strcmp(v, protos[i][0])) v = protos[i][1];
        if (number(v, 255, &n))
            return fail(err, errlen, "unknown protocol '%.20s' (tcp, udp, icmp, any or 0..255)", v);
        r->proto = (uint8_t)n;
    } else if (!strcmp(k, "port")) {
        if (!strcmp(v, "any"))
            n = 0;
        else if (number(v, 65535, &n) || n == 0)
            return fail(err, errlen, "bad port '%.20s' (1..65535 or any)", v);
        r->port = (uint16_t)n;
    } else if (!strcmp(k, "dir")) {
        if (!strcmp(v, "from-guest"))
            r->dirs = HC_DIR_FROM_GUEST;
        else if (!strcmp(v, "to-guest"))
            r->dirs = HC_DIR_TO_GUEST;
        else if (!strcmp(v, "both"))
            r->dirs = HC_DIR_BOTH;
        else
            return fail(err, errlen, "unknown direction '%.20s' (from-guest, to-guest or both)", v);
    }
    return 0;
}

int hc_rule_parse(const char *text, struct hc_rule *r, char *err, size_t errlen)
{
    static const char *const keys[] = {"proto", "port", "dir"};
    char buf[256], *save = NULL;
    int seen[3] = {0};

    memset(r, 0, sizeof(*r));
    r->dirs = HC_DIR_BOTH;
    if (strlen(text) >= sizeof(buf))
        return fail(err, errlen, "rule text longer than %zu bytes", sizeof(buf) - 1);
    snprintf(buf, sizeof(buf), "%s", text);
    char *tok = strtok_r(buf, " \t", &save);
    if (!tok) return fail(err, errlen, "empty rule");
    if (!strcmp(tok, "drop"))
        r->action = HC_ACT_DROP;
    else if (!strcmp(tok, "pass"))
        r->action = HC_ACT_PASS;
    else
        return fail(err, errlen, "unknown action '%.20s' (drop or pass)", tok);
    if (!(tok = strtok_r(NULL, " \t", &save)))
        return fail(err, errlen, "missing address after '%s'", r->action ? "drop" : "pass");
    if (parse_addr(tok, r, err, errlen)) return -1;
    while ((tok = strtok_r(NULL, " \t", &save))) {
        size_t k = 0;
        while (k < 3 && strcmp(tok, keys[k]))
            k++;
        if (k == 3) {
            if (!strcmp(tok, "on"))
                return fail(err, errlen,
                            "'on' is not for guests: a guest's rule is on its own port");
            return fail(err, errlen, "unknown keyword '%.20s' (proto, port or dir)", tok);
        }
        if (seen[k]++) return fail(err, errlen, "'%s' given twice", keys[k]);
        const char *v = strtok_r(NULL, " \t", &save);
        if (!v) return fail(err, errlen, "'%s' needs a value", keys[k]);
        if (parse_opt(keys[k], v, r, err, errlen)) return -1;
    }
    if (r->port && !seen[0]) r->proto = 6; /* an address and a port: TCP, as the monitor's rules */
    if (r->port && r->proto != 6 && r->proto != 17)
        return fail(err, errlen, "port %u needs protocol tcp or udp", r->port);
    return 0;
}

int hc_rule_format(const struct hc_rule *r, char *buf, size_t len)
{
    char a[16], proto[8], port[8];
    dotted(r->addr, a, sizeof(a));
    snprintf(proto, sizeof(proto), "%u", r->proto);
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(proto, protos[i][1])) snprintf(proto, sizeof(proto), "%s", protos[i][0]);
    snprintf(port, sizeof(port), "%u", r->port);
    return snprintf(buf, len, "%s %s/%u proto %s port %s dir %s",
                    r->action == HC_ACT_DROP ? "drop" : "pass", a, r->plen, proto,
                    r->port ? port : "any",
                    r->dirs == HC_DIR_FROM_GUEST ? "from-guest"
                    : r->dirs == HC_DIR_TO_GUEST ? "to-guest"
                                                 : "both");
}
