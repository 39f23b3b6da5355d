/*
 * msg_tls.c - the codec of TLS_CONFIG (core -> of domain): the settings and
 * key material of the domain's ssl: listeners. The core has already built a
 * context from the same bytes (src/tls/tls_conf.c); the decoder checks the
 * form only (a known minimum version, cipher lists of a small alphabet, PEM
 * texts that at least hold a BEGIN line), the domain's OpenSSL the rest.
 */
#include "msg/msg_internal.h"

#include <string.h>

#define PEM_BEGIN "-----BEGIN "

/* TLS_CONFIG: u16 min_version, str ciphers, str ciphersuites, u32 length +
 * key, u32 length + cert, u32 length + ca */
int msg_enc_tls_config(struct msg_w *w, const struct msg_tls_config *m)
{
    msg_put_u16(w, m->min_version);
    msg_put_str(w, m->ciphers, MSG_TLS_TEXT_MAX);
    msg_put_str(w, m->ciphersuites, MSG_TLS_TEXT_MAX);
    msg_put_lstr(w, m->key, m->key_len, MSG_TLS_KEY_MAX);
    msg_put_lstr(w, m->cert, m->cert_len, MSG_TLS_CERT_MAX);
    msg_put_lstr(w, m->ca, m->ca_len, MSG_TLS_CA_MAX);
    return msg_enc_done(w);
}

/* OpenSSL's cipher-string syntax, without anything that could be a path or
 * a control character. */
static int cipher_list(struct msg_r *r, const char *what, const char *s)
{
    for (size_t i = 0; s[i]; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _:+!@=.,-",
                    s[i]))
            return msg_r_fail(r, "%s: byte 0x%02x not allowed at %zu", what, (unsigned char)s[i],
                              i);
    return MSG_OK;
}

static int pem(struct msg_r *r, const char *what, const char *p, uint32_t n)
{
    if (!n) return msg_r_fail(r, "%s: empty", what);
    if (!memmem(p, n, PEM_BEGIN, sizeof(PEM_BEGIN) - 1))
        return msg_r_fail(r, "%s: no PEM BEGIN line", what);
    return MSG_OK;
}

int msg_dec_tls_config(struct msg_r *r, struct msg_tls_config *m)
{
    m->min_version = msg_get_u16(r);
    msg_get_str(r, m->ciphers, sizeof(m->ciphers));
    msg_get_str(r, m->ciphersuites, sizeof(m->ciphersuites));
    msg_get_lstr(r, &m->key, &m->key_len, MSG_TLS_KEY_MAX);
    msg_get_lstr(r, &m->cert, &m->cert_len, MSG_TLS_CERT_MAX);
    msg_get_lstr(r, &m->ca, &m->ca_len, MSG_TLS_CA_MAX);
    if (r->failed) return MSG_FATAL;
    if (m->min_version != 0x0303 && m->min_version != 0x0304)
        return msg_r_fail(r, "TLS version 0x%04x is not 0x0303 (1.2) or 0x0304 (1.3)",
                          m->min_version);
    /* One canonical form: TLS 1.2 ciphers only where TLS 1.2 is allowed. */
    if (m->min_version == 0x0304 && m->ciphers[0])
        return msg_r_fail(r, "TLS 1.2 ciphers with minimum version TLS 1.3");
    if (cipher_list(r, "ciphers", m->ciphers) != MSG_OK ||
        cipher_list(r, "ciphersuites", m->ciphersuites) != MSG_OK ||
        pem(r, "key", m->key, m->key_len) != MSG_OK ||
        pem(r, "cert", m->cert, m->cert_len) != MSG_OK || pem(r, "ca", m->ca, m->ca_len) != MSG_OK)
        return MSG_FATAL;
    return msg_get_end(r);
}
