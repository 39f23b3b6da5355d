/*
 * test_conf.c - the configuration parser: valid files, and every malformed
 * input with the exact "file:line: message" it must produce.
 */
#include "unit.h"

#include "conf/conf.h"

static void test_parse_valid(void **state)
{
    (void)state;
    const char *text = "# top comment\n"
                       "global = 1\n"
                       "[controller]\n"
                       "  listen = 127.0.0.1:6653   # trailing comment\n"
                       "apps = l2_learning, flowmon\n"
                       "\n"
                       "[app.firewall]\r\n"
                       "rule = deny tcp 10.0.0.0/24 any 22\n"
                       "rule = allow any any any any\n"
                       "empty =\n";
    struct conf c;
    char err[256] = "";
    assert_int_equal(conf_parse(&c, "vf.conf", text, strlen(text), err, sizeof(err)), 0);
    assert_int_equal(c.n, 6);
    assert_string_equal(c.v[0].section, "");
    assert_string_equal(conf_find(&c, "controller", "listen")->value, "127.0.0.1:6653");
    assert_int_equal(conf_find(&c, "controller", "listen")->line, 4);
    assert_string_equal(conf_find(&c, "app.firewall", "rule")->value, "allow any any any any");
    assert_string_equal(conf_find(&c, "app.firewall", "empty")->value, "");
    assert_null(conf_find(&c, "controller", "nope"));
    char buf[128], *items[4];
    size_t n;
    assert_int_equal(conf_list(conf_find(&c, "controller", "apps"), buf, sizeof(buf), items, 4,
                               &n, c.origin, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0], "l2_learning");
    assert_string_equal(items[1], "flowmon");
    conf_free(&c);
}

static void expect_parse_error(const char *text, const char *want)
{
    struct conf c;
    char err[256] = "";
    assert_int_equal(conf_parse(&c, "f.conf", text, strlen(text), err, sizeof(err)), -1);
    if (strcmp(err, want) != 0) fail_msg("for %s: got '%s', want '%s'", text, err, want);
    assert_null(c.v);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("[controller\n", "f.conf:1: section header lacks ']'");
    expect_parse_error("a = 1\n[bad name]\n", "f.conf:2: bad section name 'bad name'");
    expect_parse_error("[]\n", "f.conf:1: bad section name ''");
    expect_parse_error("\n\njust words\n", "f.conf:3: expected 'key = value' or '[section]'");
    expect_parse_error("= value\n", "f.conf:1: bad key name ''");
    expect_parse_error("a b = 1\n", "f.conf:1: bad key name 'a b'");
    expect_parse_error("a.b = 1\n", "f.conf:1: bad key name 'a.b'");
    expect_parse_error("a = 1\nb = \x01\n", "f.conf:2: control character 0x01");
    char big[CONF_MAX_LINE + 16];
    memset(big, 'x', sizeof(big));
    big[0] = 'k';
    big[1] = '=';
    big[sizeof(big) - 1] = '\0';
    expect_parse_error(big, "f.conf:1: line longer than 4096 bytes");
    struct conf c;
    char err[256];
    const char nul[] = "a = 1\nb = x\0y\n";
    assert_int_equal(conf_parse(&c, "f.conf", nul, sizeof(nul) - 1, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:2: NUL byte in line");
    assert_int_equal(conf_parse(&c, "f.conf", nul, CONF_MAX_BYTES + 1, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf: file larger than 1048576 bytes");
}

static void test_typed_values(void **state)
{
    (void)state;
    const char *text = "[s]\nn = 42\nbig = 99999999999999999999999\nneg = -1\nsz = 64M\n"
                       "bad_sz = 3X\nd1 = 5\nd2 = 250ms\nd3 = 2s\nd4 = 5 min\nhuge = 70000\n"
                       "l = a,,b\n";
    struct conf c;
    char err[256];
    uint64_t v;
    assert_int_equal(conf_parse(&c, "f.conf", text, strlen(text), err, sizeof(err)), 0);
    assert_int_equal(conf_u64(&c, "s", "n", 0, 0, 100, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 42);
    assert_int_equal(conf_u64(&c, "s", "absent", 7, 0, 100, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 7);
    assert_int_equal(conf_u64(&c, "s", "big", 0, 0, UINT64_MAX, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:3: big: '99999999999999999999999' is not a number");
    assert_int_equal(conf_u64(&c, "s", "neg", 0, 0, 10, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:4: neg: '-1' is not a number");
    assert_int_equal(conf_u64(&c, "s", "huge", 0, 0, 65535, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:11: huge: 70000 is out of range 0..65535");
    assert_int_equal(conf_size(&c, "s", "sz", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(conf_size(&c, "s", "bad_sz", 0, 0, UINT64_MAX, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:6: bad_sz: '3X' is not a size (e.g. 64M)");
    assert_int_equal(conf_ms(&c, "s", "d1", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 5000);
    assert_int_equal(conf_ms(&c, "s", "d2", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 250);
    assert_int_equal(conf_ms(&c, "s", "d3", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 2000);
    assert_int_equal(conf_ms(&c, "s", "d4", 0, 0, UINT64_MAX, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:10: d4: '5 min' is not a duration (e.g. 5s, 500ms)");
    char buf[64], *items[4];
    size_t n;
    assert_int_equal(conf_list(conf_find(&c, "s", "l"), buf, sizeof(buf), items, 4, &n, c.origin,
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "f.conf:12: l: empty list item");
    conf_free(&c);
}

static void test_check_keys(void **state)
{
    (void)state;
    const char *text = "[controller]\nlisten = x\n[app.hub]\nanything = 1\n[typo]\nk = v\n";
    struct conf c;
    char err[256];
    assert_int_equal(conf_parse(&c, "f.conf", text, strlen(text), err, sizeof(err)), 0);
    static const char *const secs[] = {"controller", "app.*", NULL};
    static const char *const keys[] = {"listen", NULL};
    static const char *const keys2[] = {"apps", NULL};
    assert_int_equal(conf_check(&c, secs, "controller", keys, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:5: unknown section [typo]");
    static const char *const secs2[] = {"controller", "app.*", "typo", NULL};
    assert_int_equal(conf_check(&c, secs2, "controller", keys, err, sizeof(err)), 0);
    assert_int_equal(conf_check(&c, secs2, "controller", keys2, err, sizeof(err)), -1);
    assert_string_equal(err, "f.conf:2: unknown key 'listen' in [controller]");
    conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_typed_values),
        cmocka_unit_test(test_check_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
