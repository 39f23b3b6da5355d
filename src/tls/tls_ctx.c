/*
 * tls_ctx.c - library set-up and TLS contexts built from PEM bytes in
 * memory. The same function builds the context the core checks the
 * configuration with and the one a protection domain serves with, so the
 * two cannot disagree about what a valid key, chain or cipher list is.
 *
 * Policy, whatever the settings: security level 2 (RSA and DH keys of at
 * least 2048 bits, no SHA-1 signatures), no renegotiation, no compression,
 * no session tickets or cache (every connection authenticates in full, so a
 * switch's certificate is checked each time it connects), the peer always
 * verified against the configured CA certificates, at most 8 deep.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls/tls.h"
#include "tls/tls_internal.h"

#define VERIFY_DEPTH 8

int tls_init(char *err, size_t errcap)
{
    uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS |
                    OPENSSL_INIT_LOAD_CRYPTO_STRINGS;
    if (OPENSSL_init_ssl(opts, NULL) != 1) {
        tls_reason(err, errcap, "OpenSSL initialisation failed");
        return -1;
    }
    /* Certificate validity is checked against the clock with gmtime_r,
     * whose first call in a process makes glibc load the time zone
     * (open /etc/localtime), even for UTC. Make that first call here:
     * inside a sandbox the open would be a forbidden system call. */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return 0;
}

void tls_scrub(void *p, size_t n)
{
    if (p && n) OPENSSL_cleanse(p, n);
}

void tls_reason(char *dst, size_t cap, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    if (dst && cap) snprintf(dst, cap, "%s", r ? r : fallback);
    ERR_clear_error();
}

/* Encrypted keys would make OpenSSL ask on the terminal: refuse instead. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* what, and with_reason: ": " and OpenSSL's reason. */
static int fail(enum tls_item *bad, enum tls_item item, char *err, size_t errcap, const char *what,
                bool with_reason)
{
    char why[TLS_ERR_MAX];
    tls_reason(why, sizeof(why), "no details");
    if (bad) *bad = item;
    if (err && errcap)
        snprintf(err, errcap, "%s%s%s", what, with_reason ? ": " : "", with_reason ? why : "");
    return -1;
}

/* Every certificate of a PEM text, in order; 0 certificates is not an
 * error here (the caller knows what it needs). -1 on a malformed one. */
static int each_cert(const char *pem, size_t len, int (*fn)(X509 *x, void *ctx), void *ctx,
                     int *count)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b) return -1;
    *count = 0;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, no_password, NULL);
        if (!x) {
            /* The normal end: no further BEGIN line. Anything else is a
             * certificate that does not parse. */
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            BIO_free(b);
            return -1;
        }
        (*count)++;
        if (fn(x, ctx) != 0) { /* fn took x or freed it */
            BIO_free(b);
            return -1;
        }
    }
    BIO_free(b);
    return 0;
}

struct chain_ctx {
    SSL_CTX *ssl;
    X509 *leaf;
};

static int add_chain(X509 *x, void *ctx)
{
    struct chain_ctx *c = ctx;
    if (!c->leaf) {
        c->leaf = x; /* kept until the key is checked against it */
        return 0;
    }
    if (SSL_CTX_add0_chain_cert(c->ssl, x) != 1) {
        X509_free(x);
        return -1;
    }
    return 0;
}

static int add_ca(X509 *x, void *ctx)
{
    SSL_CTX *ssl = ctx;
    /* Trusted for verification, and named in the server's certificate
     * request so a client with several certificates picks the right one. */
    int ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(ssl), x) == 1 &&
             SSL_CTX_add_client_CA(ssl, x) == 1;
    X509_free(x);
    return ok ? 0 : -1;
}

static int set_key_and_cert(SSL_CTX *ssl, const struct tls_settings *s, enum tls_item *bad,
                            char *err, size_t errcap)
{
    struct chain_ctx cc = {ssl, NULL};
    int n = 0;
    if (!s->cert || each_cert(s->cert, s->cert_len, add_chain, &cc, &n) != 0) {
        X509_free(cc.leaf);
        return fail(bad, TLS_ITEM_CERT, err, errcap, "certificate does not parse", true);
    }
    if (!cc.leaf) {
        X509_free(cc.leaf);
        return fail(bad, TLS_ITEM_CERT, err, errcap, "no PEM certificate in it", false);
    }
    int rc = -1;
    EVP_PKEY *pk = NULL;
    BIO *kb = s->key ? BIO_new_mem_buf(s->key, (int)s->key_len) : NULL;
    if (kb) pk = PEM_read_bio_PrivateKey(kb, NULL, no_password, NULL);
    BIO_free(kb);
    if (!pk) {
        fail(bad, TLS_ITEM_KEY, err, errcap,
             "no PEM private key in it (or one protected by a password)", false);
    } else if (X509_check_private_key(cc.leaf, pk) != 1) {
        fail(bad, TLS_ITEM_MATCH, err, errcap, "the key does not match the certificate", false);
    } else if (X509_cmp_current_time(X509_get0_notAfter(cc.leaf)) <= 0) {
        fail(bad, TLS_ITEM_CERT, err, errcap, "the certificate has expired", false);
    } else if (X509_cmp_current_time(X509_get0_notBefore(cc.leaf)) >= 0) {
        fail(bad, TLS_ITEM_CERT, err, errcap, "the certificate is not valid yet", false);
    } else if (SSL_CTX_use_certificate(ssl, cc.leaf) != 1) {
        /* e.g. "ee key too small" under security level 2 */
        fail(bad, TLS_ITEM_CERT, err, errcap, "certificate refused", true);
    } else if (SSL_CTX_use_PrivateKey(ssl, pk) != 1 || SSL_CTX_check_private_key(ssl) != 1) {
        fail(bad, TLS_ITEM_KEY, err, errcap, "key refused", true);
    } else {
        rc = 0;
    }
    EVP_PKEY_free(pk); /* the context holds its own reference */
    X509_free(cc.leaf);
    return rc;
}

/* TLS 1.2 is allowed only with ECDHE key exchange and an AEAD cipher: a
 * list that lets anything else in is refused, naming the first offender. */
static int check_tls12_ciphers(SSL_CTX *ssl, enum tls_item *bad, char *err, size_t errcap)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ssl);
    int n12 = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any) continue; /* a TLS 1.3 suite */
        if (SSL_CIPHER_get_kx_nid(c) != NID_kx_ecdhe || !SSL_CIPHER_is_aead(c)) {
            if (bad) *bad = TLS_ITEM_CIPHERS;
            snprintf(err, errcap, "%s is not ECDHE with an AEAD cipher", SSL_CIPHER_get_name(c));
            return -1;
        }
        n12++;
    }
    if (!n12) {
        if (bad) *bad = TLS_ITEM_CIPHERS;
        snprintf(err, errcap, "no TLS 1.2 cipher left");
        return -1;
    }
    return 0;
}

static int set_protocol(SSL_CTX *ssl, const struct tls_settings *s, enum tls_item *bad, char *err,
                        size_t errcap)
{
    if (s->min_version != TLS_V12 && s->min_version != TLS_V13) {
        if (bad) *bad = TLS_ITEM_VERSION;
        snprintf(err, errcap, "minimum version 0x%04x is not TLS 1.2 or 1.3", s->min_version);
        return -1;
    }
    SSL_CTX_set_min_proto_version(ssl, s->min_version);
    SSL_CTX_set_max_proto_version(ssl, TLS_V13);
    SSL_CTX_set_security_level(ssl, 2);
    SSL_CTX_set_options(ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ssl, 0);
    /* Writes are retried from a buffer that may move (the engine's output
     * queue); RELEASE_BUFFERS gives an idle connection's 34 KiB of record
     * buffers back, which matters with thousands of switches; NO_AUTO_CHAIN:
     * the chain sent is the certificate file's, not one completed from the
     * CA certificates we trust (those are for verifying peers). */
    SSL_CTX_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
    const char *suites = s->ciphersuites && *s->ciphersuites ? s->ciphersuites : TLS_DEFAULT_SUITES;
    if (SSL_CTX_set_ciphersuites(ssl, suites) != 1)
        return fail(bad, TLS_ITEM_SUITES, err, errcap, "no usable TLS 1.3 suite", true);
    const char *ciphers = s->ciphers && *s->ciphers ? s->ciphers : TLS_DEFAULT_CIPHERS;
    if (SSL_CTX_set_cipher_list(ssl, ciphers) != 1)
        return fail(bad, TLS_ITEM_CIPHERS, err, errcap, "no usable TLS 1.2 cipher", true);
    return s->min_version == TLS_V12 ? check_tls12_ciphers(ssl, bad, err, errcap) : 0;
}

struct tls_ctx *tls_ctx_new(const struct tls_settings *s, enum tls_role role, enum tls_item *bad,
                            char *err, size_t errcap)
{
    char scratch[TLS_ERR_MAX];
    if (!err || !errcap) {
        err = scratch;
        errcap = sizeof(scratch);
    }
    if (bad) *bad = TLS_ITEM_NONE;
    ERR_clear_error();
    struct tls_ctx *x = calloc(1, sizeof(*x));
    SSL_CTX *ssl = SSL_CTX_new(role == TLS_SERVER ? TLS_server_method() : TLS_client_method());
    if (!x || !ssl) {
        tls_reason(err, errcap, "out of memory");
        goto bad;
    }
    x->ssl = ssl;
    x->role = role;
    if (set_protocol(ssl, s, bad, err, errcap) != 0 ||
        set_key_and_cert(ssl, s, bad, err, errcap) != 0)
        goto bad;
    int n = 0;
    if (!s->ca || each_cert(s->ca, s->ca_len, add_ca, ssl, &n) != 0) {
        fail(bad, TLS_ITEM_CA, err, errcap, "CA certificate does not parse", true);
        goto bad;
    }
    if (!n) {
        fail(bad, TLS_ITEM_CA, err, errcap, "no PEM certificate in it", false);
        goto bad;
    }
    int mode = SSL_VERIFY_PEER;
    if (role == TLS_SERVER) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ssl, mode, NULL);
    SSL_CTX_set_verify_depth(ssl, VERIFY_DEPTH);
    ERR_clear_error();
    return x;
bad:
    ERR_clear_error();
    SSL_CTX_free(ssl);
    free(x);
    return NULL;
}

void tls_ctx_free(struct tls_ctx *x)
{
    if (!x) return;
    SSL_CTX_free(x->ssl); /* reference counted: live connections keep it */
    free(x);
}

void tls_name_text(const X509_NAME *n, char *dst, size_t cap)
{
    if (!cap) return;
    dst[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return;
    /* RFC 2253 order reversed to read most specific first: CN=...,O=... */
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long len = BIO_get_mem_data(b, &p);
    size_t k = 0;
    for (long i = 0; i < len && k + 1 < cap; i++) /* printable ASCII only: it is logged */
        dst[k++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
    dst[k] = '\0';
    BIO_free(b);
}

void tls_ctx_subject(const struct tls_ctx *x, char *dst, size_t cap)
{
    X509 *c = SSL_CTX_get0_certificate(x->ssl);
    if (c)
        tls_name_text(X509_get_subject_name(c), dst, cap);
    else if (cap)
        dst[0] = '\0';
}
