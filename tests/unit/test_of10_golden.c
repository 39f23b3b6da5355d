/*
 * test_of10_golden.c - golden tests for the OpenFlow 1.0 codec and printer.
 * Every file in tests/golden/of10/ is one cmocka test; each case in it is hex
 * in, and either the exact of10_print() line or the exact decode error out.
 * Valid cases must also re-encode to the same bytes, and print the same way
 * through every smaller output buffer (the printer's snprintf contract).
 */
#include "unit.h"

#include <dirent.h>

#include "of10/of10.h"

#define MAX_MSG 70000 /* above 65535 so over-long garbage still parses as hex */
#define MAX_TEXT 65536
#define MIN_CASES 120 /* the suite shrinking below this is a failure too */

struct golden_case {
    const char *file;
    const char *name;
    int line;
    char *hex;          /* joined hex lines */
    const char *expect; /* text after "expect: " */
};

static unsigned char *arena_mem;
static size_t total_cases;

/* Checks one decoded, valid case: printing, printing into short buffers,
 * and the byte-exact round trip. Returns a failure description or NULL. */
static const char *check_valid(const struct golden_case *c, const uint8_t *in, size_t n,
                               const struct of10_msg *m, char *got, size_t gotcap)
{
    size_t want = of10_print(m, got, gotcap);
    if (want >= gotcap) return "printer output longer than the test buffer";
    if (strlen(got) != want) return "printer return value differs from strlen";
    if (strcmp(got, c->expect) != 0) return "text differs";

    /* Truncation: every cap gives a NUL-terminated prefix and the same length;
     * cap 0 writes nothing, and a NULL buffer is allowed with it. */
    if (of10_print(m, NULL, 0) != want) return "NULL-buffer length differs";
    char small[512];
    size_t limit = want + 2 < sizeof small ? want + 2 : sizeof small;
    for (size_t cap = 0; cap <= limit; cap++) {
        memset(small, 'X', sizeof small);
        if (of10_print(m, small, cap) != want) return "short-buffer length differs";
        if (cap && (strlen(small) != (want < cap ? want : cap - 1) ||
                    strncmp(small, got, strlen(small)) != 0))
            return "short-buffer output is not a terminated prefix";
        if (!cap && small[0] != 'X') return "cap 0 wrote to the buffer";
    }

    static uint8_t out[MAX_MSG];
    size_t out_len = 0;
    uint32_t err = of10_encode(m, out, sizeof out, &out_len);
    if (err) {
        snprintf(got, gotcap, "encode failed: %s", of10_err_name(err));
        return "encode(decode(x)) failed";
    }
    if (out_len != n || memcmp(out, in, n) != 0) {
        size_t i = 0;
        while (i < n && i < out_len && out[i] == in[i]) i++;
        snprintf(got, gotcap, "encoded %zu bytes, input %zu, first difference at byte %zu",
                 out_len, n, i);
        return "encode(decode(x)) != x";
    }
    return NULL;
}

/* Runs one case; prints a diagnostic and returns 1 on failure. */
static int run_case(const struct golden_case *c)
{
    static uint8_t in[MAX_MSG];
    static char got[MAX_TEXT];
    long n = unit_hex(c->hex, in, sizeof in);
    if (n < 0) {
        print_error("%s:%d %s: bad hex\n", c->file, c->line, c->name);
        return 1;
    }
    struct of10_arena arena;
    of10_arena_init(&arena, arena_mem, OF10_ARENA_SIZE);
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    uint32_t err = of10_decode(in, (size_t)n, &m, &arena);

    const char *why = NULL;
    bool want_err = strncmp(c->expect, "error: ", 7) == 0;
    if (err) {
        snprintf(got, sizeof got, "error: %s", of10_err_name(err));
        if (!want_err || strcmp(got, c->expect) != 0) why = "decode result differs";
    } else if (want_err) {
        of10_print(&m, got, sizeof got);
        why = "decoded, but an error was expected";
    } else {
        why = check_valid(c, in, (size_t)n, &m, got, sizeof got);
    }
    if (!why) return 0;
    print_error("%s:%d %s: %s\n  expected: %s\n  got:      %s\n", c->file, c->line, c->name,
                why, c->expect, got);
    return 1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    for (size_t k; s && (k = fread(s + len, 1, cap - len - 1, f)) > 0;) {
        len += k;
        if (cap - len - 1 == 0) {
            char *t = realloc(s, cap *= 2);
            if (!t) free(s);
            s = t;
        }
    }
    fclose(f);
    if (s) s[len] = '\0';
    return s;
}

/* Parses a golden file line by line (format: see the header of any file) and
 * runs each case as soon as it is complete. Malformed files fail the test. */
static void test_file(void **state)
{
    const char *path = *state;
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *text = read_file(path);
    assert_non_null(text);

    size_t hex_cap = strlen(text) + 1;
    char *hex = malloc(hex_cap);
    assert_non_null(hex);
    struct golden_case c = {.file = file, .hex = hex};
    char name[128] = "";
    enum { IDLE, NAMED, IN_HEX } st = IDLE;
    int failures = 0, cases = 0, lineno = 0;

    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[--l] = '\0';

        if (l == 0 || strncmp(line, "##", 2) == 0) continue;
        if (line[0] == '#') {
            if (st != IDLE) fail_msg("%s:%d: case %s has no expect: line", file, lineno, name);
            /* name: first word after "# " */
            const char *s = line + 1;
            while (*s == ' ') s++;
            size_t k = strcspn(s, " \t");
            if (k == 0 || k >= sizeof name) fail_msg("%s:%d: bad case name", file, lineno);
            memcpy(name, s, k);
            name[k] = '\0';
            c.name = name;
            c.line = lineno;
            st = NAMED;
        } else if (strncmp(line, "hex:", 4) == 0) {
            if (st != NAMED) fail_msg("%s:%d: hex: outside a case", file, lineno);
            snprintf(hex, hex_cap, "%s", line + 4);
            st = IN_HEX;
        } else if (strncmp(line, "expect: ", 8) == 0) {
            if (st != IN_HEX) fail_msg("%s:%d: expect: without hex:", file, lineno);
            c.expect = line + 8;
            failures += run_case(&c);
            cases++;
            st = IDLE;
        } else if (st == IN_HEX && (line[0] == ' ' || line[0] == '\t')) {
            size_t used = strlen(hex);
            snprintf(hex + used, hex_cap - used, " %s", line);
        } else {
            fail_msg("%s:%d: unexpected line: %s", file, lineno, line);
        }
    }
    if (st != IDLE) fail_msg("%s: last case %s is incomplete", file, name);
    free(hex);
    free(text);
    total_cases += (size_t)cases;
    print_message("%s: %d cases, %d failed\n", file, cases, failures);
    assert_true(cases > 0);
    assert_int_equal(failures, 0);
}

static void test_case_count(void **state)
{
    (void)state;
    print_message("%zu golden cases in all\n", total_cases);
    assert_true(total_cases >= MIN_CASES);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/golden/of10", unit_root());
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "test_of10_golden: cannot open %s (set VF_ROOT)\n", dir);
        return 1;
    }
    char *paths[64];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 64;) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0) continue;
        size_t sz = strlen(dir) + l + 2;
        paths[n] = malloc(sz);
        if (!paths[n]) return 1;
        snprintf(paths[n], sz, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(paths, n, sizeof paths[0], cmp_str);

    arena_mem = malloc(OF10_ARENA_SIZE);
    struct CMUnitTest tests[65];
    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){strrchr(paths[i], '/') + 1, test_file, NULL, NULL, paths[i]};
    /* cmocka runs tests in order, so the count check sees every file's cases. */
    tests[n] = (struct CMUnitTest){"case_count", test_case_count, NULL, NULL, NULL};
    int rc = _cmocka_run_group_tests("of10_golden", tests, n + 1, NULL, NULL);
    for (size_t i = 0; i < n; i++) free(paths[i]);
    free(arena_mem);
    return rc;
}
