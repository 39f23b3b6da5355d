/*
 * tls_internal.h - what tls_ctx.c, tls_conn.c and tls_conf.c share and
 * nothing else sees: the context's fields and the reason formatting.
 */
#ifndef VF_TLS_INTERNAL_H
#define VF_TLS_INTERNAL_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls.h"

struct tls_ctx {
    SSL_CTX *ssl;
    enum tls_role role;
};

/* The reason of the newest error on OpenSSL's queue (or fallback when it
 * is empty) into dst; the queue is cleared. */
void tls_reason(char *dst, size_t cap, const char *fallback);
/* A certificate name as one printable line, "CN=...,O=...". */
void tls_name_text(const X509_NAME *n, char *dst, size_t cap);

#endif
