/*
 * ofbench_tls.c - the load generator's switches speaking TLS (--tls
 * CERT,KEY,CA), as Open vSwitch does with `ovs-vsctl set-ssl`: a client
 * certificate for mutual authentication, the controller's certificate
 * verified against CA. The TLS code is the controller's own (src/tls), so
 * both ends of a benchmark run the same OpenSSL configuration: TLS 1.3,
 * the same suites, no session resumption.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/ofbench.h"
#include "tls/tls.h"

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *b = malloc(TLS_CA_MAX + 1);
    ssize_t r = 0;
    size_t n = 0;
    while (fd >= 0 && b && n < TLS_CA_MAX && (r = read(fd, b + n, TLS_CA_MAX - n)) > 0)
        n += (size_t)r;
    if (fd < 0 || !b || r < 0) {
        fprintf(stderr, "ofbench: --tls: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    close(fd);
    b[n] = '\0';
    *len = n;
    return b;
}

struct tls_ctx *ofb_tls_ctx(const char *spec)
{
    char buf[3 * 4096], *part[3];
    if (strlen(spec) >= sizeof(buf)) goto usage;
    strcpy(buf, spec);
    part[0] = strtok(buf, ",");
    part[1] = part[0] ? strtok(NULL, ",") : NULL;
    part[2] = part[1] ? strtok(NULL, ",") : NULL;
    if (!part[2] || strtok(NULL, ",")) goto usage;
    char err[TLS_ERR_MAX];
    if (tls_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "ofbench: --tls: %s\n", err);
        exit(2);
    }
    struct tls_settings s = {.min_version = TLS_V13};
    s.cert = slurp(part[0], &s.cert_len);
    s.key = slurp(part[1], &s.key_len);
    s.ca = slurp(part[2], &s.ca_len);
    enum tls_item bad;
    struct tls_ctx *x = tls_ctx_new(&s, TLS_CLIENT, &bad, err, sizeof(err));
    if (!x) {
        const char *what[] = {"", "KEY", "CERT", "CA", "", "", "", "KEY"};
        fprintf(stderr, "ofbench: --tls %s: %s\n", bad < 8 ? what[bad] : "", err);
        exit(2);
    }
    tls_scrub((void *)s.key, s.key_len);
    free((void *)s.cert);
    free((void *)s.key);
    free((void *)s.ca);
    return x;
usage:
    fprintf(stderr, "ofbench: --tls wants CERT,KEY,CA (three PEM files)\n");
    exit(2);
}

ssize_t ofb_io_read(struct ofb_sw *s, void *p, size_t n)
{
    return s->tls ? tls_conn_read(s->tls, p, n) : read(s->fd, p, n);
}

ssize_t ofb_io_write(struct ofb_sw *s, const void *p, size_t n)
{
    if (!s->tls) return send(s->fd, p, n, MSG_NOSIGNAL);
    ssize_t r = tls_conn_write(s->tls, p, n);
    if (r == 0) {
        errno = EAGAIN;
        return -1;
    }
    return r;
}

bool ofb_io_buffered(const struct ofb_sw *s)
{
    return s->tls && tls_conn_buffered(s->tls);
}

bool ofb_io_staged(const struct ofb_sw *s)
{
    return s->tls && tls_conn_staged(s->tls) > 0;
}
