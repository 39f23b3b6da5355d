/*
 * tls_conn.c - one non-blocking TLS connection over a socket.
 *
 * OpenSSL reads from and writes to two memory BIOs; only this file touches
 * the socket, with recv and send(MSG_NOSIGNAL). That keeps every decision
 * about waiting with the caller's event loop, keeps SIGPIPE away, and lets
 * the code see the first bytes a peer sent (to say "this is plain OpenFlow,
 * not TLS" instead of only "wrong version number").
 *
 * Bounds: bytes are taken from the socket only when OpenSSL asks for more
 * (SSL_ERROR_WANT_READ), at most one record's worth at a time, so the read
 * side holds at most about two records. A write encrypts at most one record
 * and refuses more while its ciphertext has not reached the socket, so the
 * write side holds at most one record plus its overhead.
 *
 * With TLS 1.3, renegotiation disabled and no session tickets, a read never
 * needs to write and a write never needs to read; the code does not rely on
 * it: whatever OpenSSL puts in the write BIO (an alert, a key update answer)
 * is staged and sent like any ciphertext.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tls/tls_internal.h"

#define REC_MAX   16384               /* plaintext of one TLS record */
#define RECV_MAX  (REC_MAX + 256 + 5) /* one record on the wire, with header and tag */
#define FIRST_MAX 8                   /* first bytes kept, for diagnosis */

struct tls_conn {
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    int fd;
    int error; /* sticky errno after a failure */
    bool eof;     /* the socket reached end of stream */
    bool drained; /* the last recv took less than it asked: the socket is empty */
    bool done; /* handshake complete */
    uint8_t first[FIRST_MAX];
    size_t nfirst;
    uint8_t *stage; /* ciphertext taken from wbio, not yet on the socket */
    size_t stage_off, stage_len, stage_cap;
    uint64_t bytes_in, bytes_out;
    char why[TLS_ERR_MAX];
};

struct tls_conn *tls_conn_new(struct tls_ctx *x, int fd)
{
    struct tls_conn *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->fd = fd;
    t->ssl = SSL_new(x->ssl);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return NULL;
    }
    /* An empty read BIO means "not yet", not end of stream: the socket's
     * end of stream is ours to report. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    if (x->role == TLS_SERVER)
        SSL_set_accept_state(t->ssl);
    else
        SSL_set_connect_state(t->ssl);
    return t;
}

void tls_conn_free(struct tls_conn *t)
{
    if (!t) return;
    SSL_free(t->ssl); /* frees both BIOs */
    free(t->stage);
    free(t);
}

const char *tls_conn_error(const struct tls_conn *t)
{
    return t->why[0] ? t->why : "no error";
}

bool tls_conn_established(const struct tls_conn *t)
{
    return t->done;
}

void tls_conn_bytes(const struct tls_conn *t, uint64_t *in, uint64_t *out)
{
    *in = t->bytes_in;
    *out = t->bytes_out;
}

/* ---- the socket side ---------------------------------------------------------- */

size_t tls_conn_staged(const struct tls_conn *t)
{
    return t->stage_len + BIO_ctrl_pending(t->wbio);
}

/* Move what OpenSSL wrote into the stage (one copy; the stage only grows to
 * the largest burst OpenSSL produced at once). */
static int stage_take(struct tls_conn *t)
{
    size_t n = BIO_ctrl_pending(t->wbio);
    if (!n) return 0;
    if (t->stage_off && t->stage_off == t->stage_len) t->stage_off = t->stage_len = 0;
    if (t->stage_len + n > t->stage_cap) {
        if (t->stage_off) { /* compact first */
            memmove(t->stage, t->stage + t->stage_off, t->stage_len - t->stage_off);
            t->stage_len -= t->stage_off;
            t->stage_off = 0;
        }
        if (t->stage_len + n > t->stage_cap) {
            size_t cap = t->stage_len + n;
            uint8_t *p = realloc(t->stage, cap);
            if (!p) return -1;
            t->stage = p;
            t->stage_cap = cap;
        }
    }
    int r = BIO_read(t->wbio, t->stage + t->stage_len, (int)n);
    if (r > 0) t->stage_len += (size_t)r;
    return 0;
}

int tls_conn_flush(struct tls_conn *t)
{
    if (t->error) {
        errno = t->error;
        return -1;
    }
    if (stage_take(t) != 0) {
        errno = t->error = ENOMEM;
        return -1;
    }
    while (t->stage_off < t->stage_len) {
        ssize_t r = send(t->fd, t->stage + t->stage_off, t->stage_len - t->stage_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
            t->error = errno;
            snprintf(t->why, sizeof(t->why), "write failed: %s", strerror(errno));
            return -1;
        }
        t->stage_off += (size_t)r;
        t->bytes_out += (uint64_t)r;
    }
    t->stage_off = t->stage_len = 0;
    return 0;
}

/* One recv into the read BIO: 1 got bytes, 0 end of stream, -1 errno
 * (EAGAIN: nothing now). */
static int feed(struct tls_conn *t)
{
    uint8_t b[RECV_MAX];
    if (t->eof) return 0;
    for (;;) {
        ssize_t r = recv(t->fd, b, sizeof(b), MSG_DONTWAIT);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                t->error = errno;
                snprintf(t->why, sizeof(t->why), "read failed: %s", strerror(errno));
            }
            return -1;
        }
        if (r == 0) {
            t->eof = true;
            return 0;
        }
        if (t->nfirst < FIRST_MAX) {
            size_t k = FIRST_MAX - t->nfirst < (size_t)r ? FIRST_MAX - t->nfirst : (size_t)r;
            memcpy(t->first + t->nfirst, b, k);
            t->nfirst += k;
        }
        t->bytes_in += (uint64_t)r;
        t->drained = (size_t)r < sizeof(b);
        if (BIO_write(t->rbio, b, (int)r) != (int)r) {
            t->error = ENOMEM;
            snprintf(t->why, sizeof(t->why), "out of memory");
            return -1;
        }
        return 1;
    }
}

/* ---- reasons ------------------------------------------------------------------ */

/* The first bytes of an OpenFlow message: a version we know of, a type, a
 * length of at least a header. Plain OpenFlow sent to a TLS port starts so. */
static bool looks_like_openflow(const struct tls_conn *t)
{
    return t->nfirst >= 4 && t->first[0] >= 1 && t->first[0] <= 6 && t->first[1] < 40 &&
           ((unsigned)t->first[2] << 8 | t->first[3]) >= 8;
}

/* After SSL_ERROR_SSL: OpenSSL's reason, with the verification result when
 * the peer's certificate was refused, and a hint when the peer is not
 * speaking TLS at all. */
static void describe_failure(struct tls_conn *t)
{
    char r[100];
    unsigned long e = ERR_peek_last_error();
    tls_reason(r, sizeof(r), "TLS protocol error");
    long v = SSL_get_verify_result(t->ssl);
    if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
        v != X509_V_OK)
        snprintf(t->why, sizeof(t->why), "%s: %s", r, X509_verify_cert_error_string(v));
    else if (!t->done && looks_like_openflow(t))
        snprintf(t->why, sizeof(t->why),
                 "%s (the peer speaks plain OpenFlow, version 0x%02x, not TLS)", r, t->first[0]);
    else
        snprintf(t->why, sizeof(t->why), "%s", r);
}

/* A failed SSL_* call: its class, with t->why and the sticky error set for
 * the fatal ones. Returns the SSL_ERROR_* value. */
static int classify(struct tls_conn *t, int ret)
{
    int e = SSL_get_error(t->ssl, ret);
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return e;
    case SSL_ERROR_SYSCALL: /* memory BIOs: only an unexpected end */
        tls_reason(t->why, sizeof(t->why), "unexpected end of the TLS stream");
        break;
    default:
        describe_failure(t);
        break;
    }
    (void)tls_conn_flush(t); /* the alert, if any: the peer learns why */
    t->error = EPROTO;
    return e;
}

/* ---- handshake, read, write ------------------------------------------------------ */

int tls_conn_handshake(struct tls_conn *t)
{
    if (t->done) return TLS_OK;
    if (t->error) return TLS_ERR;
    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(t->ssl);
        if (r == 1) {
            t->done = true;
            return tls_conn_flush(t) < 0 ? TLS_ERR : TLS_OK;
        }
        int e = classify(t, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            if (e == SSL_ERROR_ZERO_RETURN) {
                snprintf(t->why, sizeof(t->why), "closed by the peer during the TLS handshake");
                t->error = ECONNRESET;
            }
            return TLS_ERR;
        }
        if (tls_conn_flush(t) < 0) return TLS_ERR;
        if (e == SSL_ERROR_WANT_WRITE) return TLS_AGAIN;
        int f = feed(t);
        if (f > 0) continue;
        if (f < 0) return t->error ? TLS_ERR : TLS_AGAIN;
        if (looks_like_openflow(t))
            snprintf(t->why, sizeof(t->why),
                     "closed by the peer during the TLS handshake (it sent plain OpenFlow)");
        else if (t->nfirst == 0)
            snprintf(t->why, sizeof(t->why), "closed by the peer before the TLS handshake");
        else
            snprintf(t->why, sizeof(t->why), "closed by the peer during the TLS handshake");
        t->error = ECONNRESET;
        return TLS_ERR;
    }
}

ssize_t tls_conn_read(struct tls_conn *t, void *buf, size_t n)
{
    if (t->error) {
        errno = t->error;
        return -1;
    }
    if (n > INT_MAX) n = INT_MAX;
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(t->ssl, buf, (int)n);
        if (r > 0) {
            if (BIO_ctrl_pending(t->wbio)) (void)tls_conn_flush(t);
            return r;
        }
        int e = classify(t, r);
        if (e == SSL_ERROR_ZERO_RETURN) return 0; /* close_notify */
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            errno = t->error;
            return -1;
        }
        if (BIO_ctrl_pending(t->wbio) && tls_conn_flush(t) < 0) return -1;
        if (e == SSL_ERROR_WANT_WRITE) {
            errno = EAGAIN;
            return -1;
        }
        int f = feed(t);
        if (f > 0) continue;
        if (f == 0)
            return 0; /* end of stream without close_notify: OpenFlow's
                         framing tells whether a message was cut */
        errno = t->error ? t->error : EAGAIN;
        return -1;
    }
}

bool tls_conn_buffered(const struct tls_conn *t)
{
    return SSL_pending(t->ssl) > 0 || BIO_ctrl_pending(t->rbio) > 0;
}

bool tls_conn_drained(const struct tls_conn *t)
{
    return t->drained && !tls_conn_buffered(t);
}

ssize_t tls_conn_write(struct tls_conn *t, const void *p, size_t n)
{
    int f = tls_conn_flush(t);
    if (f < 0) return -1;
    if (f > 0) return 0; /* earlier ciphertext still waits for the socket */
    if (n == 0) return 0;
    if (n > REC_MAX) n = REC_MAX;
    ERR_clear_error();
    int r = SSL_write(t->ssl, p, (int)n);
    if (r <= 0) {
        int e = classify(t, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            (void)tls_conn_flush(t);
            return 0;
        }
        errno = t->error;
        return -1;
    }
    (void)tls_conn_flush(t); /* the bytes are taken; a send error shows at the next call */
    return r;
}

void tls_conn_close_notify(struct tls_conn *t)
{
    if (!t->done || t->error) return;
    ERR_clear_error();
    (void)SSL_shutdown(t->ssl); /* 0: sent ours, the peer's not awaited */
    ERR_clear_error();
    (void)stage_take(t);
}

void tls_conn_describe(const struct tls_conn *t, char *dst, size_t cap)
{
    char who[160] = "no certificate";
    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    if (peer) tls_name_text(X509_get_subject_name(peer), who, sizeof(who));
    snprintf(dst, cap, "%s %s, peer %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl), who);
}

int tls_conn_peer_cn(const struct tls_conn *t, char *dst, size_t cap)
{
    dst[0] = '\0';
    X509 *peer = t->done ? SSL_get0_peer_certificate(t->ssl) : NULL;
    if (!peer) return -1;
    X509_NAME *name = X509_get_subject_name(peer);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    /* none, or more than one: no single name to decide by */
    if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0) return -1;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    int ok = n > 0 && (size_t)n < cap;
    for (int k = 0; ok && k < n; k++)
        ok = utf8[k] >= 0x20 && utf8[k] <= 0x7e; /* printable ASCII, no NUL */
    if (ok) {
        memcpy(dst, utf8, (size_t)n);
        dst[n] = '\0';
    }
    OPENSSL_free(utf8);
    ERR_clear_error();
    return ok ? 0 : -1;
}
