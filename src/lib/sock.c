/*
 * sock.c - TCP socket helpers: fd flags, a strict numeric address parser with
 * precise error messages, and non-blocking listen / accept / connect.
 */
#include "lib/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void sock_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sock_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int sock_fl(int fd, int get, int set, int flag)
{
    int fl = fcntl(fd, get);
    if (fl < 0) return SOCK_ERR;
    if ((fl & flag) == flag) return SOCK_OK;
    return fcntl(fd, set, fl | flag) < 0 ? SOCK_ERR : SOCK_OK;
}

int sock_set_nonblock(int fd)
{
    return sock_fl(fd, F_GETFL, F_SETFL, O_NONBLOCK);
}
int sock_set_cloexec(int fd)
{
    return sock_fl(fd, F_GETFD, F_SETFD, FD_CLOEXEC);
}

int sock_set_nodelay(int fd)
{
    /* Look first: a sandboxed domain may read options (getsockopt) but not
     * set them, and the core sets TCP_NODELAY on every socket it hands over,
     * so in a domain this never reaches setsockopt. */
    int one = 1, cur = 0;
    socklen_t len = sizeof(cur);
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &cur, &len) == 0 && cur) return SOCK_OK;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ? SOCK_ERR : SOCK_OK;
}

/* ---- addresses ----------------------------------------------------------- */

/* Decimal 0..65535, digits only: no sign, no spaces, no hex. */
static int sock_parse_port(const char *p, size_t n, unsigned *port)
{
    unsigned v = 0;
    if (n == 0 || n > 5) return SOCK_ERR;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return SOCK_ERR;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v > 65535) return SOCK_ERR;
    *port = v;
    return SOCK_OK;
}

/* Split text into host and port parts; the messages name the exact fault.
 * The caller has already checked length and characters, so text is safe to
 * echo into err. */
static int sock_split(const char *text, char *host, const char **port, int *v6, char *err,
                      size_t errlen)
{
    size_t hlen;
    const char *colon;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close) {
            sock_err(err, errlen, "missing ']' in '%s'", text);
            return SOCK_ERR;
        }
        if (close[1] != ':') {
            sock_err(err, errlen,
                     close[1] ? "expected ':' after ']' in '%s'" : "missing port in '%s'", text);
            return SOCK_ERR;
        }
        hlen = (size_t)(close - text - 1);
        memcpy(host, text + 1, hlen);
        *port = close + 2;
        *v6 = 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon) {
            sock_err(err, errlen, "missing port in '%s'", text);
            return SOCK_ERR;
        }
        hlen = (size_t)(colon - text);
        if (memchr(text, ':', hlen)) {
            sock_err(err, errlen, "IPv6 address must be in brackets in '%s'", text);
            return SOCK_ERR;
        }
        memcpy(host, text, hlen);
        *port = colon + 1;
        *v6 = 0;
    }
    host[hlen] = '\0';
    if (hlen == 0) {
        sock_err(err, errlen, "missing host in '%s'", text);
        return SOCK_ERR;
    }
    return SOCK_OK;
}

int sock_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err,
                    size_t errlen)
{
    char host[SOCK_ADDR_MAX + 1];
    const char *port;
    unsigned pnum;
    int v6;
    errno = EINVAL;
    if (!text || !*text) {
        sock_err(err, errlen, "empty address");
        return SOCK_ERR;
    }
    size_t n = strnlen(text, SOCK_ADDR_MAX + 1);
    if (n > SOCK_ADDR_MAX) {
        sock_err(err, errlen, "address too long (max %d characters)", SOCK_ADDR_MAX);
        return SOCK_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f) { /* never echo it: the text is untrusted */
            sock_err(err, errlen, "bad character 0x%02x at offset %zu in address", c, i);
            return SOCK_ERR;
        }
    }
    if (sock_split(text, host, &port, &v6, err, errlen) < 0) return SOCK_ERR;
    if (!*port) {
        sock_err(err, errlen, "missing port in '%s'", text);
        return SOCK_ERR;
    }
    if (sock_parse_port(port, strlen(port), &pnum) < 0) {
        sock_err(err, errlen, "bad port '%s' in '%s'", port, text);
        return SOCK_ERR;
    }
    memset(ss, 0, sizeof(*ss));
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
            sock_err(err, errlen, "bad IPv6 address '%s' in '%s'", host, text);
            return SOCK_ERR;
        }
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)pnum);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
            sock_err(err, errlen, "bad IPv4 address '%s' in '%s'", host, text);
            return SOCK_ERR;
        }
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)pnum);
        *len = sizeof(*a);
    }
    errno = 0;
    return SOCK_OK;
}

int sock_format_addr(const struct sockaddr *sa, socklen_t len, char *dst, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    int n;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        n = snprintf(dst, cap, "%s:%u", host, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        n = snprintf(dst, cap, "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        errno = EAFNOSUPPORT;
        return SOCK_ERR;
    }
    if (n < 0 || (size_t)n >= cap) {
        errno = ENOSPC;
        return SOCK_ERR;
    }
    return SOCK_OK;
}

int sock_local_addr(int fd, char *dst, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return SOCK_ERR;
    return sock_format_addr((struct sockaddr *)&ss, len, dst, cap);
}

/* ---- listen / accept / connect ------------------------------------------- */

/* Close fd keeping errno, report "what text: strerror" and return -1. */
static int sock_fail(int fd, const char *what, const char *text, char *err, size_t errlen)
{
    int e = errno;
    char msg[128];
    const char *s = strerror_r(e, msg, sizeof(msg)); /* GNU: may not use msg */
    sock_err(err, errlen, "%s %s: %s", what, text, s);
    if (fd >= 0) close(fd);
    errno = e;
    return -1;
}

int sock_listen(const char *text, int backlog, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    if (sock_parse_addr(text, &ss, &len, err, errlen) < 0) return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return sock_fail(-1, "socket for", text, err, errlen);
    /* A restarted controller must rebind at once despite TIME_WAIT sockets. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        return sock_fail(fd, "SO_REUSEADDR on", text, err, errlen);
    if (ss.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
        return sock_fail(fd, "IPV6_V6ONLY on", text, err, errlen);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) return sock_fail(fd, "bind", text, err, errlen);
    if (listen(fd, backlog) < 0) return sock_fail(fd, "listen", text, err, errlen);
    return fd;
}

int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *peerlen)
{
    struct sockaddr_storage tmp;
    socklen_t tlen = sizeof(tmp);
    if (!peer) peer = &tmp;
    if (!peerlen) peerlen = &tlen;
    *peerlen = sizeof(*peer);
    int fd;
    do {
        fd = accept4(lfd, (struct sockaddr *)peer, peerlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    /* OpenFlow messages are small and latency-bound: no Nagle. Best effort:
     * it fails only on non-TCP sockets, which need no such option. */
    sock_set_nodelay(fd);
    return fd;
}

int sock_connect(const char *text, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (sock_parse_addr(text, &ss, &len, err, errlen) < 0) return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return sock_fail(-1, "socket for", text, err, errlen);
    sock_set_nodelay(fd);
    /* EINTR on a non-blocking connect: it goes on asynchronously as well. */
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS && errno != EINTR)
        return sock_fail(fd, "connect", text, err, errlen);
    return fd;
}

int sock_connect_result(int fd)
{
    int e = 0;
    socklen_t elen = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0) return errno;
    return e;
}
