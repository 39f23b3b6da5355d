/*
 * tls.h - TLS for OpenFlow connections (OpenSSL 3), in three parts:
 *
 *   tls_ctx.c   a context built from PEM bytes in memory: key, certificate
 *               chain, the CA that peers must chain to, versions, ciphers.
 *               It opens no file, so it works inside a protection domain.
 *   tls_conn.c  one non-blocking connection over a socket fd. OpenSSL reads
 *               and writes memory BIOs only; this file moves the bytes
 *               between them and the socket, so the caller's event loop
 *               decides every wait and OpenSSL never blocks or signals.
 *   tls_conf.c  the core's side: the [controller] tls_* keys, the PEM files
 *               read from disk, everything checked by building a context
 *               once, so a mistake is an error naming file:line at start-up.
 *
 * None of it keeps state of its own outside the objects it returns (OpenSSL
 * has its per-process library state and per-thread error queue; every call
 * here clears that queue before it starts and after it has read it).
 */
#ifndef VF_TLS_H
#define VF_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"

#define TLS_V12 0x0303 /* wire version numbers, as OpenSSL's TLS1_x_VERSION */
#define TLS_V13 0x0304

/* Bounds on what the core reads and sends (docs/messages.md, TLS_CONFIG). */
#define TLS_KEY_MAX     (16u << 10)  /* one private key */
#define TLS_CERT_MAX    (64u << 10)  /* the certificate and its chain */
#define TLS_CA_MAX      (128u << 10) /* the CA certificates peers must chain to */
#define TLS_CIPHERS_MAX 256          /* a cipher list or a TLS 1.3 suite list */
#define TLS_ERR_MAX     200          /* any reason string */

/* Defaults. TLS 1.2 (only when tls_min_version = 1.2) is limited to ECDHE key
 * exchange with AEAD ciphers: forward secrecy, no CBC, no RSA key transport. */
#define TLS_DEFAULT_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"
#define TLS_DEFAULT_SUITES                                                                         \
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

/* Once per process, before anything else here, and in a protection domain
 * before sbx_enter: OpenSSL's library set-up without its configuration file
 * (OPENSSL_INIT_NO_LOAD_CONFIG) and with the error strings loaded, so no
 * later call needs a file. 0, or -1 with err. */
int tls_init(char *err, size_t errcap);

/* ---- contexts (tls_ctx.c) ----------------------------------------------------- */

enum tls_role { TLS_SERVER, TLS_CLIENT };
/* Which setting a context could not be built from. */
enum tls_item {
    TLS_ITEM_NONE,
    TLS_ITEM_KEY,
    TLS_ITEM_CERT,
    TLS_ITEM_CA,
    TLS_ITEM_VERSION,
    TLS_ITEM_CIPHERS,
    TLS_ITEM_SUITES,
    TLS_ITEM_MATCH, /* the key is not the certificate's */
};

/* PEM text need not be NUL-terminated; lengths count its bytes. */
struct tls_settings {
    const char *key, *cert, *ca;
    size_t key_len, cert_len, ca_len;
    uint16_t min_version;     /* TLS_V12 or TLS_V13 */
    const char *ciphers;      /* TLS 1.2 cipher list; NULL or "": the default */
    const char *ciphersuites; /* TLS 1.3 suites; NULL or "": the default */
};

struct tls_ctx;
/* Both roles authenticate the peer: a server asks for a client certificate
 * and refuses a client without one; both verify the peer's chain against
 * the CA certificates (no host names: OpenFlow peers are addresses, and
 * Open vSwitch does not check names either). NULL with *bad and err ("no
 * PEM private key in it", "key does not match the certificate", ...). */
struct tls_ctx *tls_ctx_new(const struct tls_settings *s, enum tls_role role, enum tls_item *bad,
                            char *err, size_t errcap);
/* Connections made from a context keep what they need: it may be freed
 * before them. */
void tls_ctx_free(struct tls_ctx *x);
/* "CN=..., O=..." of the context's own certificate. */
void tls_ctx_subject(const struct tls_ctx *x, char *dst, size_t cap);

/* ---- connections (tls_conn.c) ------------------------------------------------- */

enum { TLS_OK = 0, TLS_AGAIN = 1, TLS_ERR = -1 };

struct tls_conn;
/* A connection over the connected, non-blocking stream socket fd (not owned:
 * the caller closes it, after tls_conn_free). NULL when out of memory. */
struct tls_conn *tls_conn_new(struct tls_ctx *x, int fd);
void tls_conn_free(struct tls_conn *t);

/* One step of the handshake: TLS_OK when complete, TLS_AGAIN (wait until
 * the socket is readable, or writable when tls_conn_staged() > 0), TLS_ERR
 * (reason in tls_conn_error: "certificate verify failed: unable to get
 * local issuer certificate"; the alert saying so was sent if it could be). */
int tls_conn_handshake(struct tls_conn *t);
bool tls_conn_established(const struct tls_conn *t);

/* Decrypted bytes into buf: > 0 bytes; 0 the peer closed (close_notify or
 * end of stream); -1 with errno: EAGAIN (nothing now), EPROTO (a TLS error,
 * reason in tls_conn_error), or the socket's own error. */
ssize_t tls_conn_read(struct tls_conn *t, void *buf, size_t n);
/* Decrypted bytes still held inside (an earlier read took part of a record,
 * or records arrived together): no socket event will announce them. */
bool tls_conn_buffered(const struct tls_conn *t);
/* Nothing to read without a new socket event: the last recv took less than
 * it asked for (the socket was empty) and nothing is buffered. A reader
 * that loops until EAGAIN may stop here and save that last system call. */
bool tls_conn_drained(const struct tls_conn *t);

/* Encrypt up to 16 KiB of p (one record): > 0 plaintext bytes taken, which
 * go out as the socket allows; 0 when the ciphertext of earlier writes is
 * still waiting for the socket (wait until writable); -1 with errno (EPROTO:
 * reason in tls_conn_error). The ciphertext waiting inside is at most one
 * record plus what OpenSSL adds, so a caller's own output bound holds. */
ssize_t tls_conn_write(struct tls_conn *t, const void *p, size_t n);
/* Ciphertext waiting for the socket. */
size_t tls_conn_staged(const struct tls_conn *t);
/* Send what is staged: 0 all sent, 1 some left (wait until writable), -1
 * with errno. */
int tls_conn_flush(struct tls_conn *t);
/* Queue a close_notify alert (sent by the next flush). */
void tls_conn_close_notify(struct tls_conn *t);

/* The reason of the last TLS_ERR / EPROTO. */
const char *tls_conn_error(const struct tls_conn *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=..." once established. */
void tls_conn_describe(const struct tls_conn *t, char *dst, size_t cap);
/* The peer certificate's subject CN once established: 0, or -1 when there
 * is no certificate, no CN, more than one CN, or one that is not 1..cap-1
 * printable ASCII characters (an identity must be one unambiguous name). */
int tls_conn_peer_cn(const struct tls_conn *t, char *dst, size_t cap);
/* Bytes on the socket so far, both ways (ciphertext, for the benchmarks). */
void tls_conn_bytes(const struct tls_conn *t, uint64_t *in, uint64_t *out);

/* ---- configuration (tls_conf.c, the core) ----------------------------------------- */

/* "ssl:ADDR" -> 1, "tcp:ADDR" or a bare "ADDR" -> 0, with *addr pointing
 * past the scheme; -1 for another scheme ("udp:..."). */
int tls_listen_scheme(const char *text, const char **addr);

struct tls_conf {
    bool enabled;          /* some listener speaks TLS: the rest is filled */
    char *key, *cert, *ca; /* the files' bytes, NUL-terminated; scrubbed when freed */
    size_t key_len, cert_len, ca_len;
    uint16_t min_version;
    char ciphers[TLS_CIPHERS_MAX + 1], ciphersuites[TLS_CIPHERS_MAX + 1];
    char subject[160]; /* of the controller's certificate, for the log */
};

/* Read the tls_* keys of [section] (tls_key, tls_cert, tls_ca,
 * tls_min_version, tls_ciphers, tls_ciphersuites). need_tls: some listener
 * is ssl: (line: its line, for the message when a file is missing from the
 * configuration). Without need_tls any tls_* key is an error (likely a
 * forgotten ssl: prefix). Reads the files and builds a server context once
 * to check them. 0, or -1 with "file:line: ..." and nothing kept. */
int tls_conf_load(struct tls_conf *t, const struct conf *c, const char *section, bool need_tls,
                  unsigned line, char *err, size_t errcap);
void tls_conf_free(struct tls_conf *t);
/* The settings a context is built from (pointing into t). */
void tls_conf_settings(const struct tls_conf *t, struct tls_settings *s);

/* Overwrite n bytes so that no copy of key material stays behind (the
 * compiler may not drop it: OPENSSL_cleanse). */
void tls_scrub(void *p, size_t n);

#endif
