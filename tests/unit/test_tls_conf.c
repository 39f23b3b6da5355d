/*
 * test_tls_conf.c - the [controller] tls_* keys as the core reads them:
 * a good set of files, and every mistake refused with the exact
 * "file:line: ..." message (missing or unreadable file, no PEM in it, a key
 * that is not the certificate's, settings without an ssl: listener, bad
 * versions and cipher lists), with nothing kept.
 */
#include "tls_fixtures.h"

#include <errno.h>
#include <sys/stat.h>

static struct tlsfx_world W;
static char dir[64];
static char path_key[128], path_cert[128], path_ca[128], path_other[128];

static int setup(void **state)
{
    (void)state;
    tlsfx_world_init(&W);
    snprintf(dir, sizeof(dir), "/tmp/vf-tlsconf.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path_key, sizeof(path_key), "%s/key.pem", dir);
    snprintf(path_cert, sizeof(path_cert), "%s/cert.pem", dir);
    snprintf(path_ca, sizeof(path_ca), "%s/ca.pem", dir);
    snprintf(path_other, sizeof(path_other), "%s/other-key.pem", dir);
    tlsfx_write(path_key, W.server.key_pem, W.server.key_len);
    tlsfx_write(path_cert, W.server.cert_pem, W.server.cert_len);
    tlsfx_write(path_ca, W.ca.cert_pem, W.ca.cert_len);
    tlsfx_write(path_other, W.client.key_pem, W.client.key_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    tlsfx_world_free(&W);
    return 0;
}

/* Parse text (with %K %C %A for the three paths) and load its TLS keys. */
static int load(const char *tmpl, bool need_tls, struct tls_conf *t, char *err, size_t errcap)
{
    char text[4096];
    size_t n = 0;
    for (const char *p = tmpl; *p && n < sizeof(text) - 200; p++) {
        if (p[0] == '%' && (p[1] == 'K' || p[1] == 'C' || p[1] == 'A' || p[1] == 'D')) {
            const char *s = p[1] == 'K'   ? path_key
                            : p[1] == 'C' ? path_cert
                            : p[1] == 'A' ? path_ca
                                          : dir;
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", s);
            p++;
        } else {
            text[n++] = *p;
        }
    }
    text[n] = '\0';
    struct conf c;
    assert_int_equal(conf_parse(&c, "vf.conf", text, n, err, errcap), 0);
    int rc = tls_conf_load(t, &c, "controller", need_tls, 2, err, errcap);
    conf_free(&c);
    return rc;
}

static void test_good(void **state)
{
    (void)state;
    struct tls_conf t;
    char err[512] = "";
    int rc = load("[controller]\nlisten = ssl:127.0.0.1:6653\ntls_key = %K\ntls_cert = %C\n"
                  "tls_ca = %A\n",
                  true, &t, err, sizeof(err));
    if (rc) fail_msg("%s", err);
    assert_true(t.enabled);
    assert_int_equal(t.min_version, TLS_V13);
    assert_int_equal(t.key_len, W.server.key_len);
    assert_memory_equal(t.key, W.server.key_pem, t.key_len);
    assert_memory_equal(t.ca, W.ca.cert_pem, t.ca_len);
    assert_string_equal(t.subject, "CN=controller,O=visorflow test");
    struct tls_settings s;
    tls_conf_settings(&t, &s);
    assert_ptr_equal(s.key, t.key);
    tls_conf_free(&t);
    assert_null(t.key);

    rc = load("[controller]\ntls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_min_version = 1.2\n"
              "tls_ciphers = ECDHE+AESGCM\ntls_ciphersuites = TLS_AES_128_GCM_SHA256\n",
              true, &t, err, sizeof(err));
    if (rc) fail_msg("%s", err);
    assert_int_equal(t.min_version, TLS_V12);
    assert_string_equal(t.ciphers, "ECDHE+AESGCM");
    assert_string_equal(t.ciphersuites, "TLS_AES_128_GCM_SHA256");
    tls_conf_free(&t);

    /* No ssl: listener and no tls_* key: nothing to do, nothing read. */
    rc = load("[controller]\nlisten = 127.0.0.1:6653\n", false, &t, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_false(t.enabled);
    assert_null(t.key);
}

static void expect(const char *tmpl, bool need_tls, const char *want)
{
    struct tls_conf t;
    char err[512] = "", w[512];
    /* %D in want: the temporary directory */
    size_t k = 0;
    for (const char *p = want; *p && k < sizeof(w) - sizeof(dir); p++) {
        if (p[0] == '%' && p[1] == 'D') {
            k += (size_t)snprintf(w + k, sizeof(w) - k, "%s", dir);
            p++;
        } else {
            w[k++] = *p;
        }
    }
    w[k] = '\0';
    assert_int_equal(load(tmpl, need_tls, &t, err, sizeof(err)), -1);
    if (strcmp(err, w) != 0) fail_msg("for %s\n got '%s'\nwant '%s'", tmpl, err, w);
    assert_false(t.enabled);
    assert_null(t.key);
    assert_null(t.cert);
}

static void test_errors(void **state)
{
    (void)state;
    const char *head = "[controller]\nlisten = ssl:127.0.0.1:6653\n";
    char b[1024];
#define CASE(body, want)                                                                           \
    do {                                                                                           \
        snprintf(b, sizeof(b), "%s%s", head, body);                                                \
        expect(b, true, want);                                                                     \
    } while (0)
    CASE("tls_cert = %C\ntls_ca = %A\n",
         "vf.conf:2: a listen with ssl: needs tls_key (a PEM file) in [controller]");
    CASE("tls_key = %K\ntls_cert = %C\n",
         "vf.conf:2: a listen with ssl: needs tls_ca (a PEM file) in [controller]");
    CASE("tls_key = %D/nope.pem\ntls_cert = %C\ntls_ca = %A\n",
         "vf.conf:3: tls_key %D/nope.pem: No such file or directory");
    CASE("tls_key = %K\ntls_cert = %D\ntls_ca = %A\n", "vf.conf:4: tls_cert %D: Is a directory");
    CASE("tls_key =\ntls_cert = %C\ntls_ca = %A\n", "vf.conf:3: tls_key : no file named");
    CASE("tls_key = %C\ntls_cert = %C\ntls_ca = %A\n",
         "vf.conf:3: tls_key %D/cert.pem: no PEM private key in it (or one protected by a "
         "password)");
    CASE("tls_key = %K\ntls_cert = %K\ntls_ca = %A\n",
         "vf.conf:4: tls_cert %D/key.pem: no PEM certificate in it");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %K\n",
         "vf.conf:5: tls_ca %D/key.pem: no PEM certificate in it");
    CASE("tls_key = %D/other-key.pem\ntls_cert = %C\ntls_ca = %A\n",
         "vf.conf:3: tls_key %D/other-key.pem does not match the certificate of tls_cert "
         "%D/cert.pem");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_min_version = 1.1\n",
         "vf.conf:6: tls_min_version: '1.1' is not 1.2 or 1.3");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_ciphers = ECDHE+AESGCM\n",
         "vf.conf:6: tls_ciphers applies to TLS 1.2 only, which tls_min_version 1.3 (the "
         "default) excludes; tls_ciphersuites sets the TLS 1.3 ones");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_min_version = 1.2\ntls_ciphers = "
         "AES256-SHA\n",
         "vf.conf:7: tls_ciphers: AES256-SHA is not ECDHE with an AEAD cipher");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_min_version = 1.2\ntls_ciphers = a;b\n",
         "vf.conf:7: tls_ciphers: 'a;b' is not a cipher list (1..256 of A-Z a-z 0-9 _:+!@=.,-)");
    CASE("tls_key = %K\ntls_cert = %C\ntls_ca = %A\ntls_ciphersuites = TLS_FOO\n",
         "vf.conf:6: tls_ciphersuites: no usable TLS 1.3 suite: no cipher match");
#undef CASE
    /* tls_* settings with no ssl: listener: a forgotten prefix */
    expect("[controller]\nlisten = 127.0.0.1:6653\ntls_cert = %C\n", false,
           "vf.conf:3: tls_cert is set but no listen is ssl:");
    expect("[controller]\ntls_min_version = 1.3\n", false,
           "vf.conf:2: tls_min_version is set but no listen is ssl:");
}

static void test_file_limits(void **state)
{
    (void)state;
    char big[128], empty[128];
    snprintf(big, sizeof(big), "%s/big.pem", dir);
    snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
    size_t n = TLS_KEY_MAX + 1;
    char *junk = malloc(n);
    memset(junk, 'A', n);
    tlsfx_write(big, junk, n);
    free(junk);
    tlsfx_write(empty, "", 0);
    expect("[controller]\ntls_key = %D/big.pem\ntls_cert = %C\ntls_ca = %A\n", true,
           "vf.conf:2: tls_key %D/big.pem: larger than 16384 bytes");
    expect("[controller]\ntls_key = %K\ntls_cert = %C\ntls_ca = %D/empty.pem\n", true,
           "vf.conf:4: tls_ca %D/empty.pem: empty file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_file_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
