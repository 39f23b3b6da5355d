/*
 * tls_conf.c - the core's side of TLS: the tls_* keys of [controller], the
 * PEM files they name (read here, as bytes, bounded), and one check of all
 * of it by building the server context a domain will build from the same
 * bytes. Every mistake is refused at start-up with file:line and the file:
 * a missing or unreadable file, text without PEM in it, a key that is not
 * the certificate's, an expired certificate, a cipher list that lets weak
 * ciphers in. The bytes are kept (a restarted domain gets them again) and
 * scrubbed when the configuration is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls/tls.h"

int tls_listen_scheme(const char *text, const char **addr)
{
    if (!strncmp(text, "ssl:", 4)) {
        *addr = text + 4;
        return 1;
    }
    if (!strncmp(text, "tcp:", 4)) {
        *addr = text + 4;
        return 0;
    }
    /* Addresses are numeric (IPv4, [IPv6]): letters then ':' is a scheme. */
    const char *p = text;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
        p++;
    if (p != text && *p == ':') return -1;
    *addr = text;
    return 0;
}

/* The whole file, NUL-terminated, at most max bytes. */
static int read_pem(const char *path, size_t max, char **out, size_t *len, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, cap, "%s", strerror(errno));
        return -1;
    }
    char *b = malloc(max + 1);
    size_t n = 0;
    ssize_t r = 0;
    while (b && n <= max && (r = read(fd, b + n, max + 1 - n)) > 0)
        n += (size_t)r;
    int e = errno;
    close(fd);
    if (!b || r < 0) {
        snprintf(why, cap, "%s", b ? strerror(e) : "out of memory");
        if (b) tls_scrub(b, n);
        free(b);
        return -1;
    }
    if (n > max || n == 0) {
        if (n)
            snprintf(why, cap, "larger than %zu bytes", max);
        else
            snprintf(why, cap, "empty file");
        tls_scrub(b, n);
        free(b);
        return -1;
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return 0;
}

static const char *const file_keys[] = {"tls_key", "tls_cert", "tls_ca"};
static const char *const other_keys[] = {"tls_min_version", "tls_ciphers", "tls_ciphersuites"};

static int load_files(struct tls_conf *t, const struct conf *c, const char *section, unsigned line,
                      char *err, size_t errcap)
{
    char **dst[] = {&t->key, &t->cert, &t->ca};
    size_t *len[] = {&t->key_len, &t->cert_len, &t->ca_len};
    const size_t max[] = {TLS_KEY_MAX, TLS_CERT_MAX, TLS_CA_MAX};
    for (size_t i = 0; i < 3; i++) {
        const struct conf_entry *e = conf_find(c, section, file_keys[i]);
        if (!e) {
            snprintf(err, errcap, "%s:%u: a listen with ssl: needs %s (a PEM file) in [%s]",
                     c->origin, line, file_keys[i], section);
            return -1;
        }
        char why[TLS_ERR_MAX];
        if (!e->value[0] || read_pem(e->value, max[i], dst[i], len[i], why, sizeof(why)) != 0) {
            snprintf(err, errcap, "%s:%u: %s %s: %s", c->origin, e->line, file_keys[i], e->value,
                     e->value[0] ? why : "no file named");
            return -1;
        }
    }
    return 0;
}

/* Text settings: a cipher list is a word list of [A-Za-z0-9 _:+!@=.,-]. */
static int cipher_text(const struct conf *c, const struct conf_entry *e, char *dst, size_t cap,
                       char *err, size_t errcap)
{
    size_t n = strlen(e->value);
    bool ok = n > 0 && n < cap;
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _:+!@=.,-",
                    e->value[i]) != NULL;
    if (!ok) {
        snprintf(err, errcap,
                 "%s:%u: %s: '%.64s' is not a cipher list (1..%zu of A-Z a-z 0-9 _:+!@=.,-)",
                 c->origin, e->line, e->key, e->value, cap - 1);
        return -1;
    }
    memcpy(dst, e->value, n + 1);
    return 0;
}

static int load_options(struct tls_conf *t, const struct conf *c, const char *section, char *err,
                        size_t errcap)
{
    const struct conf_entry *v = conf_find(c, section, "tls_min_version");
    t->min_version = TLS_V13;
    if (v && !strcmp(v->value, "1.2")) {
        t->min_version = TLS_V12;
    } else if (v && strcmp(v->value, "1.3") != 0) {
        snprintf(err, errcap, "%s:%u: tls_min_version: '%.32s' is not 1.2 or 1.3", c->origin,
                 v->line, v->value);
        return -1;
    }
    const struct conf_entry *ci = conf_find(c, section, "tls_ciphers");
    if (ci && t->min_version == TLS_V13) {
        snprintf(err, errcap,
                 "%s:%u: tls_ciphers applies to TLS 1.2 only, which tls_min_version 1.3 (the "
                 "default) excludes; tls_ciphersuites sets the TLS 1.3 ones",
                 c->origin, ci->line);
        return -1;
    }
    if (ci && cipher_text(c, ci, t->ciphers, sizeof(t->ciphers), err, errcap) != 0) return -1;
    const struct conf_entry *cs = conf_find(c, section, "tls_ciphersuites");
    if (cs && cipher_text(c, cs, t->ciphersuites, sizeof(t->ciphersuites), err, errcap) != 0)
        return -1;
    return 0;
}

/* Build the server context once; name the key whose file or value is bad. */
static int check(struct tls_conf *t, const struct conf *c, const char *section, char *err,
                 size_t errcap)
{
    struct tls_settings s;
    enum tls_item bad;
    char why[TLS_ERR_MAX];
    tls_conf_settings(t, &s);
    struct tls_ctx *x = tls_ctx_new(&s, TLS_SERVER, &bad, why, sizeof(why));
    if (x) {
        tls_ctx_subject(x, t->subject, sizeof(t->subject));
        tls_ctx_free(x);
        return 0;
    }
    static const char *const keys[] = {
        [TLS_ITEM_NONE] = "tls_cert",           [TLS_ITEM_KEY] = "tls_key",
        [TLS_ITEM_CERT] = "tls_cert",           [TLS_ITEM_CA] = "tls_ca",
        [TLS_ITEM_VERSION] = "tls_min_version", [TLS_ITEM_CIPHERS] = "tls_ciphers",
        [TLS_ITEM_SUITES] = "tls_ciphersuites", [TLS_ITEM_MATCH] = "tls_key",
    };
    const struct conf_entry *e = conf_find(c, section, keys[bad]);
    if (bad == TLS_ITEM_MATCH) {
        const struct conf_entry *ce = conf_find(c, section, "tls_cert");
        snprintf(err, errcap, "%s:%u: tls_key %s does not match the certificate of tls_cert %s",
                 c->origin, e->line, e->value, ce->value);
    } else if (e) {
        bool file = bad == TLS_ITEM_KEY || bad == TLS_ITEM_CERT || bad == TLS_ITEM_CA;
        snprintf(err, errcap, "%s:%u: %s%s%s: %s", c->origin, e->line, e->key, file ? " " : "",
                 file ? e->value : "", why);
    } else { /* a default setting failed: the OpenSSL build lacks something */
        snprintf(err, errcap, "%s: TLS with the default %s: %s", c->origin, keys[bad], why);
    }
    return -1;
}

int tls_conf_load(struct tls_conf *t, const struct conf *c, const char *section, bool need_tls,
                  unsigned line, char *err, size_t errcap)
{
    memset(t, 0, sizeof(*t));
    if (!need_tls) {
        /* Settings nothing uses are most likely a forgotten ssl: prefix. */
        for (size_t i = 0; i < 6; i++) {
            const char *k = i < 3 ? file_keys[i] : other_keys[i - 3];
            const struct conf_entry *e = conf_find(c, section, k);
            if (e) {
                snprintf(err, errcap, "%s:%u: %s is set but no listen is ssl:", c->origin, e->line,
                         k);
                return -1;
            }
        }
        return 0;
    }
    char e0[TLS_ERR_MAX];
    if (tls_init(e0, sizeof(e0)) != 0) {
        snprintf(err, errcap, "%s: TLS: %s", c->origin, e0);
        return -1;
    }
    t->enabled = true;
    if (load_options(t, c, section, err, errcap) != 0 ||
        load_files(t, c, section, line, err, errcap) != 0 ||
        check(t, c, section, err, errcap) != 0) {
        tls_conf_free(t);
        return -1;
    }
    return 0;
}

void tls_conf_free(struct tls_conf *t)
{
    tls_scrub(t->key, t->key_len);
    free(t->key);
    free(t->cert);
    free(t->ca);
    memset(t, 0, sizeof(*t));
}

void tls_conf_settings(const struct tls_conf *t, struct tls_settings *s)
{
    *s = (struct tls_settings){
        .key = t->key,
        .cert = t->cert,
        .ca = t->ca,
        .key_len = t->key_len,
        .cert_len = t->cert_len,
        .ca_len = t->ca_len,
        .min_version = t->min_version,
        .ciphers = t->ciphers,
        .ciphersuites = t->ciphersuites,
    };
}
