/*
 * brk_policy.c - which addresses a domain may listen on and connect to: the
 * rule syntax of brk.h, parsed strictly (a rule that does not mean exactly
 * one thing is an error naming file:line), and matched against the decoded
 * address of a request. Matching is a linear scan of at most 32 rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "brk/brk.h"
#include "lib/sock.h"

static int fail(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errcap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decimal 1..65535, digits only. */
static int parse_port(const char *s, size_t n, uint16_t *out)
{
    unsigned v = 0;
    if (n == 0 || n > 5) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < 1 || v > 65535) return -1;
    *out = (uint16_t)v;
    return 0;
}

static int parse_ports(const char *s, struct brk_rule *r, char *err, size_t errcap)
{
    if (strcmp(s, "*") == 0) {
        r->port_lo = 0; /* "*" also allows a listener on port 0 */
        r->port_hi = 65535;
        return 0;
    }
    const char *dash = strchr(s, '-');
    size_t n1 = dash ? (size_t)(dash - s) : strlen(s);
    if (parse_port(s, n1, &r->port_lo) != 0 ||
        parse_port(dash ? dash + 1 : s, dash ? strlen(dash + 1) : n1, &r->port_hi) != 0)
        return fail(err, errcap, "bad port '%s' (1..65535, LOW-HIGH or *)", s);
    if (r->port_lo > r->port_hi) return fail(err, errcap, "empty port range '%s'", s);
    return 0;
}

/* Address with an optional /prefix; bits past the prefix must be zero, so a
 * typo like 10.0.0.1/8 is caught instead of silently meaning 10.0.0.0/8. */
static int parse_host(char *h, int v6, struct brk_rule *r, char *err, size_t errcap)
{
    char *slash = strchr(h, '/');
    unsigned max = v6 ? 128 : 32, plen = max;
    if (slash) {
        *slash = '\0';
        const char *p = slash + 1;
        unsigned v = 0;
        if (!*p || strlen(p) > 3) return fail(err, errcap, "bad prefix length '/%s'", p);
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return fail(err, errcap, "bad prefix length '/%s'", slash + 1);
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v > max) return fail(err, errcap, "prefix length '/%s' too long", slash + 1);
        plen = v;
    }
    if (inet_pton(v6 ? AF_INET6 : AF_INET, h, r->addr) != 1)
        return fail(err, errcap, "bad IPv%d address '%s'", v6 ? 6 : 4, h);
    r->family = v6 ? MSG_AF_INET6 : MSG_AF_INET;
    r->plen = (uint8_t)plen;
    for (unsigned bit = plen; bit < max; bit++)
        if (r->addr[bit / 8] & (0x80u >> (bit % 8)))
            return fail(err, errcap, "address '%s' has bits set past its prefix", h);
    return 0;
}

int brk_rule_parse(const char *text, struct brk_rule *r, char *err, size_t errcap)
{
    char buf[BRK_TEXT_MAX + 1];
    memset(r, 0, sizeof(*r));
    if (strlen(text) > BRK_TEXT_MAX)
        return fail(err, errcap, "rule longer than %d bytes", BRK_TEXT_MAX);
    snprintf(buf, sizeof(buf), "%s", text);
    char *colon = strrchr(buf, ':');
    if (!colon || colon == buf) return fail(err, errcap, "'%s' is not HOST:PORT", text);
    *colon = '\0';
    if (parse_ports(colon + 1, r, err, errcap) != 0) return -1;
    if (strcmp(buf, "*") == 0) {
        r->family = MSG_AF_NONE;
        return 0;
    }
    if (buf[0] == '[') {
        size_t n = strlen(buf);
        if (n < 3 || buf[n - 1] != ']') return fail(err, errcap, "'%s': missing ']'", text);
        buf[n - 1] = '\0';
        return parse_host(buf + 1, 1, r, err, errcap);
    }
    if (strchr(buf, ':')) return fail(err, errcap, "'%s': an IPv6 host needs [brackets]", text);
    return parse_host(buf, 0, r, err, errcap);
}

int brk_list_add(struct brk_list *list, const struct conf_entry *e, const char *origin, char *err,
                 size_t errcap)
{
    char buf[CONF_MAX_LINE + 1], *items[BRK_RULES_MAX + 1], why[160];
    size_t n;
    if (conf_list(e, buf, sizeof(buf), items, BRK_RULES_MAX + 1, &n, origin, err, errcap) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (list->n == BRK_RULES_MAX) {
            snprintf(err, errcap, "%s:%u: %s: more than %d rules", origin, e->line, e->key,
                     BRK_RULES_MAX);
            return -1;
        }
        if (brk_rule_parse(items[i], &list->v[list->n], why, sizeof(why)) != 0) {
            snprintf(err, errcap, "%s:%u: %s: rule '%.64s': %s", origin, e->line, e->key, items[i],
                     why);
            return -1;
        }
        list->n++;
    }
    return 0;
}

bool brk_rule_match(const struct brk_rule *r, const struct msg_addr *a)
{
    if (a->port < r->port_lo || a->port > r->port_hi) return false;
    if (r->family == MSG_AF_NONE) return true;
    if (r->family != a->family) return false;
    unsigned full = r->plen / 8, rest = r->plen % 8;
    if (memcmp(r->addr, a->addr, full) != 0) return false;
    if (!rest) return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (r->addr[full] & mask) == (a->addr[full] & mask);
}

bool brk_list_allows(const struct brk_list *list, const struct msg_addr *a)
{
    for (size_t i = 0; i < list->n; i++)
        if (brk_rule_match(&list->v[i], a)) return true;
    return false;
}

void brk_rule_format(const struct brk_rule *r, char *dst, size_t cap)
{
    char host[INET6_ADDRSTRLEN + 8] = "*", ports[16] = "*";
    if (r->family != MSG_AF_NONE) {
        int v6 = r->family == MSG_AF_INET6;
        char a[INET6_ADDRSTRLEN];
        inet_ntop(v6 ? AF_INET6 : AF_INET, r->addr, a, sizeof(a));
        unsigned max = v6 ? 128 : 32;
        char pre[8] = "";
        if (r->plen != max) snprintf(pre, sizeof(pre), "/%u", r->plen);
        snprintf(host, sizeof(host), v6 ? "[%s%s]" : "%s%s", a, pre);
    }
    if (r->port_lo == r->port_hi)
        snprintf(ports, sizeof(ports), "%u", r->port_lo);
    else if (r->port_lo != 0 || r->port_hi != 65535)
        snprintf(ports, sizeof(ports), "%u-%u", r->port_lo, r->port_hi);
    snprintf(dst, cap, "%s:%s", host, ports);
}

/* ---- addresses ------------------------------------------------------------------ */

int brk_addr_parse(const char *text, struct msg_addr *a, char *err, size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(a, 0, sizeof(*a));
    if (sock_parse_addr(text, &ss, &len, err, errcap) != SOCK_OK) return -1;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
        a->family = MSG_AF_INET;
        a->port = ntohs(s4->sin_port);
        memcpy(a->addr, &s4->sin_addr, 4);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
        a->family = MSG_AF_INET6;
        a->port = ntohs(s6->sin6_port);
        memcpy(a->addr, &s6->sin6_addr, 16);
    }
    return 0;
}

void brk_addr_format(const struct msg_addr *a, char *dst, size_t cap)
{
    char h[INET6_ADDRSTRLEN];
    switch (a->family) {
    case MSG_AF_INET:
        inet_ntop(AF_INET, a->addr, h, sizeof(h));
        snprintf(dst, cap, "%s:%u", h, a->port);
        break;
    case MSG_AF_INET6:
        inet_ntop(AF_INET6, a->addr, h, sizeof(h));
        snprintf(dst, cap, "[%s]:%u", h, a->port);
        break;
    default:
        snprintf(dst, cap, "-");
    }
}

bool brk_addr_equal(const struct msg_addr *a, const struct msg_addr *b)
{
    return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}
