/*
 * ctl_tls.c - visorflowctl's client of the management API (docs/mgmt.md):
 * one TLS 1.3 connection with a client certificate, one request frame, one
 * response frame. Blocking I/O with socket timeouts: a command-line tool has
 * nothing else to do meanwhile. The server must present a certificate that
 * chains to --ca and names the address it was asked for (IP SAN for an
 * address, DNS name otherwise).
 */
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "mgmt/mgmt.h"

static void ssl_reason(char *dst, size_t cap)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, dst, cap);
    else
        snprintf(dst, cap, "%s", errno ? strerror(errno) : "connection closed");
    ERR_clear_error();
}

/* "HOST:PORT" or "[V6]:PORT" into host and port. */
static int split(const char *server, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(server, ':');
    if (!colon || !colon[1]) return -1;
    const char *h = server;
    size_t hl = (size_t)(colon - server);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') h++, hl -= 2;
    if (!hl || hl >= hcap || strlen(colon + 1) >= pcap) return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, pcap, "%s", colon + 1);
    return 0;
}

static int dial(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "visorflowctl: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "visorflowctl: cannot reach the management API at %s:%s: %s\n", host,
                port, strerror(err));
    return fd;
}

static SSL_CTX *client_ctx(const struct ctl_tls_opts *o)
{
    char why[256];
    SSL_CTX *x = SSL_CTX_new(TLS_client_method());
    if (!x) return NULL;
    SSL_CTX_set_min_proto_version(x, TLS1_3_VERSION);
    SSL_CTX_set_verify(x, SSL_VERIFY_PEER, NULL);
    const char *what = NULL, *file = NULL;
    if (o->cert && SSL_CTX_use_certificate_chain_file(x, o->cert) != 1)
        what = "certificate", file = o->cert;
    else if (o->key && SSL_CTX_use_PrivateKey_file(x, o->key, SSL_FILETYPE_PEM) != 1)
        what = "key", file = o->key;
    else if (o->cert && o->key && SSL_CTX_check_private_key(x) != 1)
        what = "key (does not match the certificate)", file = o->key;
    else if (SSL_CTX_load_verify_locations(x, o->ca, NULL) != 1)
        what = "CA", file = o->ca;
    if (what) {
        ssl_reason(why, sizeof(why));
        fprintf(stderr, "visorflowctl: %s %s: %s\n", what, file, why);
        SSL_CTX_free(x);
        return NULL;
    }
    return x;
}

static int read_all(SSL *s, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = SSL_read(s, (uint8_t *)p + got, (int)(n - got > 1 << 30 ? 1 << 30 : n - got));
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Exit codes (visorflowctl --help): 200 -> 0; 404, 409, 500 -> 1; 400, 413
 * -> 2; 403 -> 4; 503 and anything broken -> 3. */
static int exit_code(unsigned st)
{
    switch (st) {
    case MGMT_ST_OK:
        return 0;
    case MGMT_ST_BAD:
    case MGMT_ST_TOO_LARGE:
        return 2;
    case MGMT_ST_FORBIDDEN:
        return 4;
    case MGMT_ST_UNAVAILABLE:
        return 3;
    default:
        return 1;
    }
}

int ctl_tls_request(const struct ctl_tls_opts *o, const char *req, size_t len)
{
    char host[256], port[16], why[256];
    if (split(o->server, host, sizeof(host), port, sizeof(port)) != 0) {
        fprintf(stderr, "visorflowctl: --server '%s' is not HOST:PORT\n", o->server);
        return 2;
    }
    SSL_CTX *x = client_ctx(o);
    if (!x) return 2;
    int fd = dial(host, port, CTL_TLS_TIMEOUT_MS);
    if (fd < 0) {
        SSL_CTX_free(x);
        return 3;
    }
    SSL *s = SSL_new(x);
    int rc = 3;
    uint8_t hdr[MGMT_HDR_LEN];
    char *body = NULL;
    SSL_set_fd(s, fd);
    SSL_set_tlsext_host_name(s, host);
    /* the server's certificate must name what we dialled */
    X509_VERIFY_PARAM *vp = SSL_get0_param(s);
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) SSL_set1_host(s, host);
    mgmt_frame_put(hdr, 0, (uint32_t)len);
    if (SSL_connect(s) != 1) {
        ssl_reason(why, sizeof(why));
        long v = SSL_get_verify_result(s);
        fprintf(stderr, "visorflowctl: TLS with %s failed: %s%s%s\n", o->server, why,
                v != X509_V_OK ? ": " : "", v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
        goto out;
    }
    /* With TLS 1.3 the server checks our certificate after SSL_connect has
     * returned here: a refusal shows as an alert on the first read or write. */
    if (SSL_write(s, hdr, sizeof(hdr)) <= 0 || SSL_write(s, req, (int)len) <= 0 ||
        read_all(s, hdr, sizeof(hdr)) != 0) {
        int tls_err = ERR_peek_error() != 0;
        ssl_reason(why, sizeof(why));
        fprintf(stderr, "visorflowctl: %s %s: %s\n", tls_err ? "TLS with" : "no answer from",
                o->server, tls_err ? why : "the connection closed");
        if (tls_err) fprintf(stderr, "visorflowctl: TLS with %s failed\n", o->server);
        goto out;
    }
    uint16_t code;
    uint32_t n;
    if (mgmt_frame_parse(hdr, 0, &code, &n, why, sizeof(why)) != MGMT_ST_OK) {
        fprintf(stderr, "visorflowctl: bad answer from %s: %s\n", o->server, why);
        goto out;
    }
    body = malloc(n + 1);
    if (!body || read_all(s, body, n) != 0) {
        fprintf(stderr, "visorflowctl: answer from %s cut short\n", o->server);
        goto out;
    }
    if (code == MGMT_ST_OK) {
        fwrite(body, 1, n, stdout);
    } else {
        fprintf(stderr, "visorflowctl: %u %s: %.*s%s", code, mgmt_status_name(code), (int)n, body,
                n && body[n - 1] == '\n' ? "" : "\n");
    }
    rc = exit_code(code);
    SSL_shutdown(s);
out:
    free(body);
    SSL_free(s);
    SSL_CTX_free(x);
    close(fd);
    return rc;
}
