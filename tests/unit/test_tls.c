/*
 * test_tls.c - src/tls on its own: contexts from good and bad PEM text
 * (each bad input refused with the setting and reason named), two
 * connections talking over a socketpair (handshake, data both ways larger
 * than a record, close_notify), and the ways a handshake fails: a client
 * certificate from another CA, no client certificate, plain OpenFlow sent
 * to a TLS server, a TLS 1.2 client against the TLS 1.3 minimum.
 */
#include "tls_fixtures.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

static struct tlsfx_world W;

static int setup(void **state)
{
    (void)state;
    char err[TLS_ERR_MAX];
    assert_int_equal(tls_init(err, sizeof(err)), 0);
    tlsfx_world_init(&W);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tlsfx_world_free(&W);
    return 0;
}

/* ---- contexts ----------------------------------------------------------------- */

static void test_ctx_good(void **state)
{
    (void)state;
    struct tls_ctx *x = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    char subj[160];
    tls_ctx_subject(x, subj, sizeof(subj));
    assert_string_equal(subj, "CN=controller,O=visorflow test");
    tls_ctx_free(x);
    /* A chain in the certificate file (leaf, then the CA) and a CA file of
     * two certificates are fine. */
    char chain[8192], two[8192];
    snprintf(chain, sizeof(chain), "%s%s", W.server.cert_pem, W.ca.cert_pem);
    snprintf(two, sizeof(two), "some words first\n%s%s", W.other.cert_pem, W.ca.cert_pem);
    struct tls_settings s = tlsfx_settings(&W.server, &W.ca, TLS_V12);
    s.cert = chain;
    s.cert_len = strlen(chain);
    s.ca = two;
    s.ca_len = strlen(two);
    char err[TLS_ERR_MAX] = "";
    x = tls_ctx_new(&s, TLS_SERVER, NULL, err, sizeof(err));
    if (!x) fail_msg("%s", err);
    tls_ctx_free(x);
}

static void expect_bad(const struct tls_settings *s, enum tls_item item, const char *want)
{
    enum tls_item bad = TLS_ITEM_NONE;
    char err[TLS_ERR_MAX] = "";
    struct tls_ctx *x = tls_ctx_new(s, TLS_SERVER, &bad, err, sizeof(err));
    if (x) fail_msg("accepted, wanted '%s'", want);
    if (bad != item || !strstr(err, want))
        fail_msg("item %d '%s', wanted item %d '%s'", bad, err, item, want);
    assert_int_equal(ERR_peek_error(), 0); /* nothing left on OpenSSL's queue */
}

static void test_ctx_bad(void **state)
{
    (void)state;
    struct tls_settings s;
    /* the key file holds a certificate */
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.key = W.server.cert_pem, s.key_len = W.server.cert_len;
    expect_bad(&s, TLS_ITEM_KEY, "no PEM private key in it");
    /* the certificate file holds a key */
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.cert = W.server.key_pem, s.cert_len = W.server.key_len;
    expect_bad(&s, TLS_ITEM_CERT, "no PEM certificate in it");
    /* no PEM at all, and an empty CA */
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.ca = "hello world\n", s.ca_len = 12;
    expect_bad(&s, TLS_ITEM_CA, "no PEM certificate in it");
    s.ca = "", s.ca_len = 0;
    expect_bad(&s, TLS_ITEM_CA, "no PEM certificate in it");
    /* a certificate cut in the middle */
    char cut[4096];
    size_t half = W.server.cert_len / 2;
    memcpy(cut, W.server.cert_pem, half);
    memcpy(cut + half, "\n-----END CERTIFICATE-----\n", 27);
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.cert = cut, s.cert_len = half + 27;
    expect_bad(&s, TLS_ITEM_CERT, "certificate does not parse");
    /* the client's key with the server's certificate */
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.key = W.client.key_pem, s.key_len = W.client.key_len;
    expect_bad(&s, TLS_ITEM_MATCH, "the key does not match the certificate");
    /* a key protected by a password: refused, never asked for */
    size_t elen;
    char *enc = tlsfx_encrypted_key(&W.server, &elen);
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.key = enc, s.key_len = elen;
    expect_bad(&s, TLS_ITEM_KEY, "protected by a password");
    free(enc);
    /* expired, not yet valid */
    struct tlsfx_id old, young, weak;
    tlsfx_make(&old, &W.ca, "old", 0, -7200, -3600);
    s = tlsfx_settings(&old, &W.ca, TLS_V13);
    expect_bad(&s, TLS_ITEM_CERT, "the certificate has expired");
    tlsfx_make(&young, &W.ca, "young", 0, 3600, 7200);
    s = tlsfx_settings(&young, &W.ca, TLS_V13);
    expect_bad(&s, TLS_ITEM_CERT, "the certificate is not valid yet");
    /* RSA 1024 is below security level 2 */
    tlsfx_make(&weak, &W.ca, "weak", 1024, -3600, 3600);
    s = tlsfx_settings(&weak, &W.ca, TLS_V13);
    expect_bad(&s, TLS_ITEM_CERT, "certificate refused: ee key too small");
    tlsfx_free(&old);
    tlsfx_free(&young);
    tlsfx_free(&weak);
    /* versions and ciphers */
    s = tlsfx_settings(&W.server, &W.ca, 0x0302);
    expect_bad(&s, TLS_ITEM_VERSION, "is not TLS 1.2 or 1.3");
    s = tlsfx_settings(&W.server, &W.ca, TLS_V12);
    s.ciphers = "AES128-SHA";
    expect_bad(&s, TLS_ITEM_CIPHERS, "AES128-SHA is not ECDHE with an AEAD cipher");
    s.ciphers = "ECDHE+AESGCM:RSA+AES";
    expect_bad(&s, TLS_ITEM_CIPHERS, "is not ECDHE with an AEAD cipher");
    s.ciphers = "NO-SUCH-CIPHER";
    expect_bad(&s, TLS_ITEM_CIPHERS, "no usable TLS 1.2 cipher");
    s = tlsfx_settings(&W.server, &W.ca, TLS_V13);
    s.ciphersuites = "TLS_NO_SUCH_SUITE";
    expect_bad(&s, TLS_ITEM_SUITES, "no usable TLS 1.3 suite");
}

/* ---- connections ----------------------------------------------------------------- */

struct pair {
    int fd[2];
    struct tls_conn *srv, *cli;
};

static void pair_open(struct pair *p, struct tls_ctx *srv, struct tls_ctx *cli)
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p->fd), 0);
    p->srv = tls_conn_new(srv, p->fd[0]);
    p->cli = cli ? tls_conn_new(cli, p->fd[1]) : NULL;
    assert_non_null(p->srv);
}

static void pair_close(struct pair *p)
{
    tls_conn_free(p->srv);
    tls_conn_free(p->cli);
    close(p->fd[0]);
    close(p->fd[1]);
}

/* Step both handshakes until neither makes progress: each side's result. */
static void pair_handshake(struct pair *p, int *rs, int *rc)
{
    *rs = *rc = TLS_AGAIN;
    for (int i = 0; i < 100 && (*rs == TLS_AGAIN || *rc == TLS_AGAIN); i++) {
        if (*rc == TLS_AGAIN) *rc = tls_conn_handshake(p->cli);
        if (*rs == TLS_AGAIN) *rs = tls_conn_handshake(p->srv);
    }
}

static void test_conn_roundtrip(void **state)
{
    (void)state;
    struct tls_ctx *xs = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    struct tls_ctx *xc = tlsfx_ctx(&W.client, &W.ca, TLS_CLIENT);
    struct pair p;
    pair_open(&p, xs, xc);
    tls_ctx_free(xs); /* connections keep what they need */
    tls_ctx_free(xc);
    int rs, rc;
    pair_handshake(&p, &rs, &rc);
    assert_int_equal(rs, TLS_OK);
    assert_int_equal(rc, TLS_OK);
    char d[256];
    tls_conn_describe(p.srv, d, sizeof(d));
    assert_non_null(strstr(d, "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=switch 1"));
    tls_conn_describe(p.cli, d, sizeof(d));
    assert_non_null(strstr(d, "peer CN=controller"));

    /* 300 KB client -> server, more than the socket buffer and many records:
     * writes stop (0) when the socket is full, reads take what arrived. */
    size_t n = 300000, sent = 0, got = 0;
    uint8_t *src = malloc(n), *dst = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 31 + 7);
    int stalls = 0;
    while (got < n) {
        if (sent < n) {
            ssize_t w = tls_conn_write(p.cli, src + sent, n - sent);
            assert_true(w >= 0);
            assert_true(w <= 16384);
            assert_true(tls_conn_staged(p.cli) <= 16384 + 512);
            sent += (size_t)w;
            stalls += w == 0;
        } else {
            assert_true(tls_conn_flush(p.cli) >= 0);
        }
        ssize_t r = tls_conn_read(p.srv, dst + got, 1000); /* small reads: data stays inside */
        if (r > 0)
            got += (size_t)r;
        else
            assert_true(r < 0 && errno == EAGAIN);
    }
    assert_memory_equal(src, dst, n);
    assert_true(stalls > 0);
    /* A record was read 1000 bytes at a time: at the end nothing is left inside. */
    assert_false(tls_conn_buffered(p.srv));
    uint8_t x[4];
    assert_int_equal(tls_conn_read(p.srv, x, 4), -1);
    assert_int_equal(errno, EAGAIN);
    /* data the other way, and a read that leaves part of a record inside */
    assert_int_equal(tls_conn_write(p.srv, "0123456789", 10), 10);
    assert_int_equal(tls_conn_read(p.cli, x, 4), 4);
    assert_true(tls_conn_buffered(p.cli));
    assert_false(tls_conn_drained(p.cli)); /* the socket is empty, but 6 bytes wait inside */
    char rest[16];
    assert_int_equal(tls_conn_read(p.cli, rest, sizeof(rest)), 6);
    assert_memory_equal(rest, "456789", 6);
    assert_true(tls_conn_drained(p.cli)); /* a further read would find nothing */
    /* close_notify reads as end of stream */
    tls_conn_close_notify(p.cli);
    assert_int_equal(tls_conn_flush(p.cli), 0);
    assert_int_equal(tls_conn_read(p.srv, x, 4), 0);
    uint64_t in, out;
    tls_conn_bytes(p.srv, &in, &out);
    assert_true(in > n && out > 0);
    free(src);
    free(dst);
    pair_close(&p);
}

static void test_conn_wrong_ca(void **state)
{
    (void)state;
    struct tls_ctx *xs = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    /* The intruder trusts our CA, so it would accept the server; the server
     * does not trust the intruder's CA. */
    struct tls_ctx *xc = tlsfx_ctx(&W.intruder, &W.ca, TLS_CLIENT);
    struct pair p;
    pair_open(&p, xs, xc);
    int rs, rc;
    pair_handshake(&p, &rs, &rc);
    assert_int_equal(rs, TLS_ERR);
    assert_string_equal(tls_conn_error(p.srv),
                        "certificate verify failed: unable to get local issuer certificate");
    /* TLS 1.3: the client finished first, then reads the server's alert. */
    uint8_t b[8];
    ssize_t r = tls_conn_read(p.cli, b, sizeof(b));
    assert_true(r <= 0);
    if (r < 0) {
        assert_int_equal(errno, EPROTO);
        assert_non_null(strstr(tls_conn_error(p.cli), "unknown ca"));
    }
    pair_close(&p);
    /* and a server certificate the client does not trust */
    struct tls_ctx *xs2 = tlsfx_ctx(&W.intruder, &W.other, TLS_SERVER);
    struct tls_ctx *xc2 = tlsfx_ctx(&W.client, &W.ca, TLS_CLIENT);
    pair_open(&p, xs2, xc2);
    pair_handshake(&p, &rs, &rc);
    assert_int_equal(rc, TLS_ERR);
    assert_string_equal(tls_conn_error(p.cli),
                        "certificate verify failed: unable to get local issuer certificate");
    assert_int_equal(rs, TLS_ERR);
    assert_non_null(strstr(tls_conn_error(p.srv), "unknown ca"));
    pair_close(&p);
    tls_ctx_free(xs);
    tls_ctx_free(xc);
    tls_ctx_free(xs2);
    tls_ctx_free(xc2);
}

/* A client without a certificate: a raw OpenSSL client, since our
 * contexts always have one. */
static void test_conn_no_client_cert(void **state)
{
    (void)state;
    struct tls_ctx *xs = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    struct pair p;
    pair_open(&p, xs, NULL);
    SSL_CTX *cc = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(cc, SSL_VERIFY_NONE, NULL);
    SSL *c = SSL_new(cc);
    SSL_set_fd(c, p.fd[1]);
    int rs = TLS_AGAIN;
    for (int i = 0; i < 100 && rs == TLS_AGAIN; i++) {
        SSL_connect(c);
        rs = tls_conn_handshake(p.srv);
    }
    ERR_clear_error();
    assert_int_equal(rs, TLS_ERR);
    assert_non_null(strstr(tls_conn_error(p.srv), "peer did not return a certificate"));
    SSL_free(c);
    SSL_CTX_free(cc);
    pair_close(&p);
    tls_ctx_free(xs);
}

static void test_conn_plain_openflow(void **state)
{
    (void)state;
    struct tls_ctx *xs = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    struct pair p;
    pair_open(&p, xs, NULL);
    static const uint8_t hello[8] = {1, 0, 0, 8, 0, 0, 0, 1};
    assert_int_equal(write(p.fd[1], hello, 8), 8);
    assert_int_equal(tls_conn_handshake(p.srv), TLS_ERR);
    assert_string_equal(
        tls_conn_error(p.srv),
        "wrong version number (the peer speaks plain OpenFlow, version 0x01, not TLS)");
    pair_close(&p);
    /* the same HELLO, and the peer closes before anything more */
    pair_open(&p, xs, NULL);
    assert_int_equal(write(p.fd[1], hello, 4), 4);
    shutdown(p.fd[1], SHUT_WR);
    assert_int_equal(tls_conn_handshake(p.srv), TLS_ERR);
    assert_string_equal(tls_conn_error(p.srv),
                        "closed by the peer during the TLS handshake (it sent plain OpenFlow)");
    pair_close(&p);
    /* nothing at all */
    pair_open(&p, xs, NULL);
    assert_int_equal(tls_conn_handshake(p.srv), TLS_AGAIN);
    shutdown(p.fd[1], SHUT_WR);
    assert_int_equal(tls_conn_handshake(p.srv), TLS_ERR);
    assert_string_equal(tls_conn_error(p.srv), "closed by the peer before the TLS handshake");
    pair_close(&p);
    tls_ctx_free(xs);
}

static void test_conn_versions(void **state)
{
    (void)state;
    /* A client that offers TLS 1.2 at most, against the default minimum 1.3. */
    struct tls_ctx *xs = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    struct pair p;
    pair_open(&p, xs, NULL);
    SSL_CTX *cc = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(cc, TLS1_2_VERSION);
    SSL *c = SSL_new(cc);
    SSL_set_fd(c, p.fd[1]);
    int rs = TLS_AGAIN;
    for (int i = 0; i < 100 && rs == TLS_AGAIN; i++) {
        SSL_connect(c);
        rs = tls_conn_handshake(p.srv);
    }
    ERR_clear_error();
    assert_int_equal(rs, TLS_ERR);
    assert_string_equal(tls_conn_error(p.srv), "unsupported protocol");
    SSL_free(c);
    SSL_CTX_free(cc);
    pair_close(&p);
    tls_ctx_free(xs);

    /* With tls_min_version 1.2 the same client gets an ECDHE AEAD cipher. */
    struct tls_settings ss = tlsfx_settings(&W.server, &W.ca, TLS_V12);
    struct tls_settings cs = tlsfx_settings(&W.client, &W.ca, TLS_V12);
    xs = tls_ctx_new(&ss, TLS_SERVER, NULL, NULL, 0);
    struct tls_ctx *xc = tls_ctx_new(&cs, TLS_CLIENT, NULL, NULL, 0);
    assert_non_null(xs);
    assert_non_null(xc);
    pair_open(&p, xs, xc);
    int rc;
    pair_handshake(&p, &rs, &rc);
    assert_int_equal(rs, TLS_OK);
    char d[256];
    tls_conn_describe(p.srv, d, sizeof(d));
    assert_non_null(strstr(d, "TLSv1.3")); /* both can do 1.3: it wins */
    pair_close(&p);
    tls_ctx_free(xs);
    tls_ctx_free(xc);
}

static void test_listen_scheme(void **state)
{
    (void)state;
    const char *a;
    assert_int_equal(tls_listen_scheme("ssl:127.0.0.1:6653", &a), 1);
    assert_string_equal(a, "127.0.0.1:6653");
    assert_int_equal(tls_listen_scheme("ssl:[::1]:6653", &a), 1);
    assert_string_equal(a, "[::1]:6653");
    assert_int_equal(tls_listen_scheme("tcp:127.0.0.1:6653", &a), 0);
    assert_string_equal(a, "127.0.0.1:6653");
    assert_int_equal(tls_listen_scheme("127.0.0.1:6653", &a), 0);
    assert_string_equal(a, "127.0.0.1:6653");
    assert_int_equal(tls_listen_scheme("[::1]:6653", &a), 0);
    assert_int_equal(tls_listen_scheme("udp:127.0.0.1:6653", &a), -1);
    assert_int_equal(tls_listen_scheme("SSL:127.0.0.1:6653", &a), -1);
    assert_int_equal(tls_listen_scheme("pssl:6653", &a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctx_good),
        cmocka_unit_test(test_ctx_bad),
        cmocka_unit_test(test_conn_roundtrip),
        cmocka_unit_test(test_conn_wrong_ca),
        cmocka_unit_test(test_conn_no_client_cert),
        cmocka_unit_test(test_conn_plain_openflow),
        cmocka_unit_test(test_conn_versions),
        cmocka_unit_test(test_listen_scheme),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
