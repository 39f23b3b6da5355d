/*
 * tls_fixtures.h - test certificates made at test time with OpenSSL's API:
 * CAs, leaf certificates signed by them (P-256 keys unless asked for RSA),
 * as PEM text in memory, and contexts built from them. Nothing is read from
 * disk; a test that needs files writes them (tlsfx_write).
 */
#ifndef VF_TEST_TLS_FIXTURES_H
#define VF_TEST_TLS_FIXTURES_H

#include "unit.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "tls/tls.h"

#define TFX_API static __attribute__((unused))

struct tlsfx_id {
    EVP_PKEY *key;
    X509 *cert;
    char *key_pem, *cert_pem; /* NUL-terminated */
    size_t key_len, cert_len;
};

static char *tlsfx_bio_text(BIO *b, size_t *len)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    *len = (size_t)n;
    BIO_free(b);
    return s;
}

static void tlsfx_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v;
    X509V3_set_ctx(&v, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* Set by the sandbox probe: validity 2020..2099 written as text, so making
 * certificates never reads the clock through gmtime (whose first call loads
 * the time zone, which is what tls_init must do for the sandbox). */
static bool tlsfx_fixed_times;

/* A certificate for cn with a fresh key (rsa_bits 0: P-256), signed by ca
 * (NULL: self-signed CA), valid from now + nb_s to now + na_s. */
TFX_API void tlsfx_make(struct tlsfx_id *id, const struct tlsfx_id *ca, const char *cn,
                        int rsa_bits, long nb_s, long na_s)
{
    static long serial = 1;
    memset(id, 0, sizeof(*id));
    id->key = rsa_bits ? EVP_RSA_gen((unsigned)rsa_bits) : EVP_EC_gen("P-256");
    assert_non_null(id->key);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    if (tlsfx_fixed_times) {
        ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z");
        ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z");
    } else {
        X509_gmtime_adj(X509_getm_notBefore(x), nb_s);
        X509_gmtime_adj(X509_getm_notAfter(x), na_s);
    }
    X509_set_pubkey(x, id->key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"visorflow test", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? X509_get_subject_name(ca->cert) : n);
    if (!ca) {
        tlsfx_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
        tlsfx_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        tlsfx_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
        tlsfx_ext(x, ca->cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    }
    assert_true(X509_sign(x, ca ? ca->key : id->key, EVP_sha256()) > 0);
    id->cert = x;
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, id->key, NULL, NULL, 0, NULL, NULL), 1);
    id->key_pem = tlsfx_bio_text(b, &id->key_len);
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    id->cert_pem = tlsfx_bio_text(b, &id->cert_len);
}

TFX_API void tlsfx_free(struct tlsfx_id *id)
{
    EVP_PKEY_free(id->key);
    X509_free(id->cert);
    free(id->key_pem);
    free(id->cert_pem);
    memset(id, 0, sizeof(*id));
}

/* The key in PEM encrypted with a password (a context must refuse it). */
TFX_API char *tlsfx_encrypted_key(const struct tlsfx_id *id, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(
        PEM_write_bio_PrivateKey(b, id->key, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"),
        1);
    return tlsfx_bio_text(b, len);
}

/* A world of two CAs: "ca" signs server and client, "other" signs intruder. */
struct tlsfx_world {
    struct tlsfx_id ca, other, server, client, intruder;
};

TFX_API void tlsfx_world_init(struct tlsfx_world *w)
{
    tlsfx_make(&w->ca, NULL, "test CA", 0, -3600, 86400);
    tlsfx_make(&w->other, NULL, "other CA", 0, -3600, 86400);
    tlsfx_make(&w->server, &w->ca, "controller", 0, -3600, 86400);
    tlsfx_make(&w->client, &w->ca, "switch 1", 0, -3600, 86400);
    tlsfx_make(&w->intruder, &w->other, "intruder", 0, -3600, 86400);
}

TFX_API void tlsfx_world_free(struct tlsfx_world *w)
{
    tlsfx_free(&w->ca);
    tlsfx_free(&w->other);
    tlsfx_free(&w->server);
    tlsfx_free(&w->client);
    tlsfx_free(&w->intruder);
}

/* Settings for identity id trusting ca. */
TFX_API struct tls_settings tlsfx_settings(const struct tlsfx_id *id, const struct tlsfx_id *ca,
                                           uint16_t min_version)
{
    struct tls_settings s = {
        .key = id->key_pem,
        .cert = id->cert_pem,
        .ca = ca->cert_pem,
        .key_len = id->key_len,
        .cert_len = id->cert_len,
        .ca_len = ca->cert_len,
        .min_version = min_version,
    };
    return s;
}

TFX_API struct tls_ctx *tlsfx_ctx(const struct tlsfx_id *id, const struct tlsfx_id *ca,
                                  enum tls_role role)
{
    struct tls_settings s = tlsfx_settings(id, ca, TLS_V13);
    char err[TLS_ERR_MAX] = "";
    struct tls_ctx *x = tls_ctx_new(&s, role, NULL, err, sizeof(err));
    if (!x) fail_msg("context: %s", err);
    return x;
}

/* Write text to dir/name; returns the path (static buffer per call site). */
TFX_API void tlsfx_write(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

#endif
