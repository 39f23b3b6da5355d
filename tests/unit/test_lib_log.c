/*
 * test_lib_log.c - logging: sanitisation of hostile text, the exact line
 * format, level filtering, sinks, errno preservation, truncation.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/log.h"

/* 2026-11-26T22:10:03.123Z */
#define T0 1795731003123ull

static uint64_t fixed_clock(void *ctx)
{
    return *(uint64_t *)ctx;
}

struct sank {
    int n;
    enum log_level level;
    uint64_t ms;
    char module[64];
    char msg[4 * LOG_MSG_MAX];
};

static void capture_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                         const char *msg)
{
    struct sank *s = ctx;
    s->n++;
    s->level = level;
    s->ms = unix_ms;
    snprintf(s->module, sizeof(s->module), "%s", module);
    snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void test_sanitize_cases(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"plain text 123", 14, "plain text 123"},
        {"a\nb\rc\td", 7, "a\\nb\\rc\\td"},
        {"\x1b[31mred", 8, "\\x1b[31mred"},
        {"back\\slash", 10, "back\\\\slash"},
        {"nul\0in", 6, "nul\\x00in"},
        {"\xff\xc3\xa9", 3, "\\xff\\xc3\\xa9"},
        {"\x7f", 1, "\\x7f"},
        {"", 0, ""},
    };
    char out[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = log_sanitize(out, sizeof(out), cases[i].in, cases[i].len);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
}

static void test_sanitize_truncation(void **state)
{
    (void)state;
    char out[16];
    memset(out, '#', sizeof(out));
    /* "ab" + "\x01" needs 2 + 4 + NUL = 7: with 6 bytes the escape is dropped whole. */
    assert_int_equal(log_sanitize(out, 6, "ab\x01", 3), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(log_sanitize(out, 7, "ab\x01", 3), 6);
    assert_string_equal(out, "ab\\x01");
    assert_int_equal(log_sanitize(out, 1, "abc", 3), 0);
    assert_string_equal(out, "");
    out[0] = '#';
    assert_int_equal(log_sanitize(out, 0, "abc", 3), 0);
    assert_int_equal(out[0], '#'); /* cap 0: untouched */
    assert_int_equal(log_sanitize(out, 4, "abcdef", 6), 3);
    assert_string_equal(out, "abc");
}

static void test_format_line(void **state)
{
    (void)state;
    char line[256];
    size_t n = log_format_line(line, sizeof(line), T0, LOG_LEVEL_INFO, "of", "switch up");
    assert_string_equal(line, "2026-11-26T22:10:03.123Z INFO of: switch up\n");
    assert_int_equal(n, strlen(line));
    log_format_line(line, sizeof(line), 7, LOG_LEVEL_DEBUG, "m", "x");
    assert_string_equal(line, "1970-01-01T00:00:00.007Z DEBUG m: x\n");
    /* Truncated: still one line ending in '\n'. */
    n = log_format_line(line, 20, T0, LOG_LEVEL_ERROR, "m", "x");
    assert_int_equal(n, 19);
    assert_string_equal(line, "2026-11-26T22:10:0\n");
    assert_string_equal(log_level_name(LOG_LEVEL_ERROR), "ERROR");
    assert_string_equal(log_level_name(LOG_LEVEL_WARN), "WARN");
    assert_string_equal(log_level_name((enum log_level)9), "?");
}

static void test_sink_levels_sanitised(void **state)
{
    (void)state;
    struct log lg;
    struct sank s = {0};
    uint64_t now = T0;
    log_init(&lg, LOG_LEVEL_INFO);
    log_set_clock(&lg, fixed_clock, &now);
    log_set_sink(&lg, capture_sink, &s);
    log_debug(&lg, "app", "dropped %d", 1);
    assert_int_equal(s.n, 0);
    assert_false(log_enabled(&lg, LOG_LEVEL_DEBUG));
    log_warn(&lg, "of", "peer said '%s'", "evil\nFAKE LINE\x1b[0m");
    assert_int_equal(s.n, 1);
    assert_int_equal(s.level, LOG_LEVEL_WARN);
    assert_int_equal(s.ms, T0);
    assert_string_equal(s.module, "of");
    assert_string_equal(s.msg, "peer said 'evil\\nFAKE LINE\\x1b[0m'");
    log_msg(&lg, LOG_LEVEL_ERROR, "bad\tmod", "x");
    assert_string_equal(s.module, "bad\\tmod");
    log_msg(&lg, LOG_LEVEL_ERROR, NULL, "y");
    assert_string_equal(s.module, "-");
    log_set_level(&lg, LOG_LEVEL_DEBUG);
    log_debug(&lg, "app", "now %s", "kept");
    assert_int_equal(s.n, 4);
    assert_string_equal(s.msg, "now kept");
}

/* The default sink writes one complete line per message to its fd. */
static void test_default_sink_fd(void **state)
{
    (void)state;
    struct log lg;
    int p[2];
    char got[512];
    uint64_t now = T0;
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    log_init(&lg, LOG_LEVEL_DEBUG);
    assert_int_equal(lg.fd, STDERR_FILENO);
    log_set_fd(&lg, p[1]);
    log_set_clock(&lg, fixed_clock, &now);
    log_info(&lg, "core", "domain %s restarted (%d)", "of", 3);
    now += 1001;
    log_error(&lg, "of", "bye");
    ssize_t n = read(p[0], got, sizeof(got) - 1);
    assert_true(n > 0);
    got[n] = '\0';
    assert_string_equal(got, "2026-11-26T22:10:03.123Z INFO core: domain of restarted (3)\n"
                             "2026-11-26T22:10:04.124Z ERROR of: bye\n");
    /* A sink installed and removed again: back to the fd. */
    struct sank s = {0};
    log_set_sink(&lg, capture_sink, &s);
    log_info(&lg, "m", "to sink");
    log_set_sink(&lg, NULL, NULL);
    log_info(&lg, "m", "to fd");
    n = read(p[0], got, sizeof(got) - 1);
    got[n] = '\0';
    assert_int_equal(s.n, 1);
    assert_string_equal(got, "2026-11-26T22:10:04.124Z INFO m: to fd\n");
    close(p[0]);
    close(p[1]);
}

static void test_errno_preserved(void **state)
{
    (void)state;
    struct log lg;
    struct sank s = {0};
    log_init(&lg, LOG_LEVEL_INFO);
    log_set_sink(&lg, capture_sink, &s);
    errno = ECONNRESET;
    log_info(&lg, "m", "read: %m");
    assert_int_equal(errno, ECONNRESET);
    assert_string_equal(s.msg, "read: Connection reset by peer");
    /* A default sink whose fd is bad drops the line and keeps errno too. */
    log_set_sink(&lg, NULL, NULL);
    log_set_fd(&lg, -1);
    errno = EAGAIN;
    log_error(&lg, "m", "lost");
    assert_int_equal(errno, EAGAIN);
}

static void test_long_message_truncated(void **state)
{
    (void)state;
    struct log lg;
    struct sank s = {0};
    static char big[3000], worst[LOG_MSG_MAX + 10];
    memset(big, 'a', sizeof(big) - 1);
    memset(worst, 1, sizeof(worst) - 1); /* every byte escapes to 4 */
    log_init(&lg, LOG_LEVEL_INFO);
    log_set_sink(&lg, capture_sink, &s);
    log_info(&lg, "m", "%s", big);
    assert_int_equal(strlen(s.msg), LOG_MSG_MAX - 1);
    log_info(&lg, "m", "%s", worst);
    assert_int_equal(strlen(s.msg), 4 * (LOG_MSG_MAX - 1));
    char line[LOG_LINE_MAX];
    size_t n = log_format_line(line, sizeof(line), T0, LOG_LEVEL_DEBUG, "module-name", s.msg);
    assert_int_equal(line[n - 1], '\n');
    assert_int_equal(n, strlen("2026-11-26T22:10:03.123Z DEBUG module-name: \n") + strlen(s.msg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_cases),
        cmocka_unit_test(test_sanitize_truncation),
        cmocka_unit_test(test_format_line),
        cmocka_unit_test(test_sink_levels_sanitised),
        cmocka_unit_test(test_default_sink_fd),
        cmocka_unit_test(test_errno_preserved),
        cmocka_unit_test(test_long_message_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
