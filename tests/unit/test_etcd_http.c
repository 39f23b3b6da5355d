/*
 * test_etcd_http.c - src/etcd's response reader: the recorded responses of a
 * real etcd give the expected messages, whether fed whole, byte by byte or
 * in odd pieces; keep-alive sequences; stream splitting across chunks; and
 * every framing error refused with a reason naming it.
 */
#include "unit.h"

#include "etcd/etcd.h"
#include "etcd_fixtures.h"

#define MSGS_MAX 64

struct got {
    int n;
    int status[MSGS_MAX];
    char *text[MSGS_MAX];
    size_t len[MSGS_MAX];
    int rc; /* of the first failing feed, or of eof */
    char err[256];
};

static void got_free(struct got *g)
{
    for (int k = 0; k < g->n; k++)
        free(g->text[k]);
    memset(g, 0, sizeof(*g));
}

static void drain(struct etcd_http *h, struct got *g)
{
    int st;
    const char *j;
    size_t l;
    while (etcd_http_take(h, &st, &j, &l) == 1) {
        assert_true(g->n < MSGS_MAX);
        assert_true(l <= ETCD_MSG_MAX);
        g->status[g->n] = st;
        g->text[g->n] = malloc(l + 1);
        memcpy(g->text[g->n], j, l);
        g->text[g->n][l] = '\0';
        g->len[g->n++] = l;
    }
}

/* Feed s in pieces of step bytes (0: whole), take after each feed, then eof. */
static void run(const char *s, size_t n, size_t step, int stream, int eof, struct got *g)
{
    struct etcd_http *h = etcd_http_new(stream);
    assert_non_null(h);
    memset(g, 0, sizeof(*g));
    for (size_t o = 0; o < n && g->rc == 0;) {
        size_t k = step && n - o > step ? step : n - o;
        g->rc = etcd_http_feed(h, s + o, k, g->err, sizeof(g->err));
        drain(h, g);
        o += k;
    }
    if (g->rc == 0 && eof) g->rc = etcd_http_eof(h, g->err, sizeof(g->err));
    etcd_http_free(h);
}

static void same(const struct got *a, const struct got *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->n, b->n);
    for (int k = 0; k < a->n; k++) {
        assert_int_equal(a->status[k], b->status[k]);
        assert_int_equal(a->len[k], b->len[k]);
        assert_memory_equal(a->text[k], b->text[k], a->len[k]);
    }
    if (a->rc) assert_string_equal(a->err, b->err);
}

/* Whole, byte by byte and in 7-byte pieces give the same; the whole is returned in g. */
static void run_all_ways(const char *s, int stream, int eof, struct got *g)
{
    struct got b, c;
    size_t n = strlen(s);
    run(s, n, 0, stream, eof, g);
    run(s, n, 1, stream, eof, &b);
    same(g, &b);
    got_free(&b);
    run(s, n, 7, stream, eof, &c);
    same(g, &c);
    got_free(&c);
}

static void test_unary_fixtures(void **state)
{
    struct got g;
    (void)state;
    run_all_ways(EX_LEASE_GRANT, 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 200);
    assert_int_equal(g.len[0], 151);
    assert_true(g.text[0][0] == '{' && g.text[0][150] == '}');
    got_free(&g);
    /* A chunked error with a trailer. */
    run_all_ways(EX_REVOKE_GONE, 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 404);
    assert_string_equal(g.text[0],
                        "{\"error\":\"etcdserver: requested lease not found\",\"message\":"
                        "\"etcdserver: requested lease not found\",\"code\":5}");
    got_free(&g);
    /* Keepalive is a chunked stream RPC: unary mode takes its whole body. */
    run_all_ways(EX_KEEPALIVE, 0, 1, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 200);
    assert_non_null(strstr(g.text[0], "\"TTL\":\"30\"}}\n"));
    got_free(&g);
    run_all_ways(EX_NOTFOUND, 0, 1, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 404);
    assert_string_equal(g.text[0], "Not Found\n");
    got_free(&g);
}

static void test_keepalive_sequence(void **state)
{
    struct got g;
    (void)state;
    const char *seq = EX_LEASE_GRANT EX_KEEPALIVE EX_REVOKE_GONE EX_TXN_CREATE_OK EX_TXN_CREATE_FAIL
        EX_RANGE_PREFIX EX_MEMBERS EX_BADJSON EX_NOTFOUND EX_EMPTYKEY EX_PUT;
    run_all_ways(seq, 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 11);
    int want[] = {200, 200, 404, 200, 200, 200, 200, 400, 404, 400, 200};
    for (int k = 0; k < 11; k++)
        assert_int_equal(g.status[k], want[k]);
    assert_non_null(strstr(g.text[3], "\"succeeded\":true"));
    assert_non_null(strstr(g.text[9], "key is not provided"));
    got_free(&g);
}

static void test_watch_stream(void **state)
{
    struct got g;
    (void)state;
    /* curl stopped the watch: the response is cut in the middle. */
    run_all_ways(EX_WATCH, 1, 0, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 5);
    assert_non_null(strstr(g.text[0], "\"created\":true}}"));
    assert_non_null(strstr(g.text[1], "\"key\":\"L3ZmL3g=\""));
    assert_non_null(strstr(g.text[3], "\"type\":\"DELETE\""));
    for (int k = 0; k < 5; k++) {
        assert_int_equal(g.status[k], 200);
        assert_true(g.text[k][0] == '{' && g.text[k][g.len[k] - 1] == '}'); /* no newline */
    }
    got_free(&g);
    run(EX_WATCH, strlen(EX_WATCH), 0, 1, 1, &g);
    assert_int_equal(g.rc, -1);
    assert_non_null(strstr(g.err, "closed inside a chunked body"));
    got_free(&g);
    /* The stream error at etcd's shutdown, then the last chunk. */
    run_all_ways(EX_WATCH_SHUTDOWN, 1, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(
        g.text[1],
        "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"transport is closing\","
        "\"http_status\":\"Service Unavailable\"}}");
    got_free(&g);
    /* A watch refused before it starts: 500 with Content-Length, one message. */
    run_all_ways(EX_WATCH_BADJSON, 1, 1, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 500);
    got_free(&g);
    /* Values split anywhere across chunks, several in one chunk, braces in strings. */
    const char *odd = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\n{\"a\r\n"
                      "a;ext=1\r\n\":\"}{[\"}\n \r\n"
                      "d\r\n{\"b\":[1]}\n[2]\r\n"
                      "4\r\n\t{\"\\\r\n"
                      "5\r\n\"\":0}\r\n"
                      "0\r\nX-T: 1\r\n\r\n";
    run_all_ways(odd, 1, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.text[0], "{\"a\":\"}{[\"}");
    assert_string_equal(g.text[1], "{\"b\":[1]}");
    assert_string_equal(g.text[2], "[2]");
    assert_string_equal(g.text[3], "{\"\\\"\":0}");
    got_free(&g);
}

/* s must fail (at feed, or at eof when eof) with a reason containing why. */
static void refused(const char *s, int stream, const char *why)
{
    struct got g, b;
    run(s, strlen(s), 0, stream, 1, &g);
    if (g.rc != -1 || !strstr(g.err, why))
        fail_msg("'%.60s': rc %d err '%s', want '%s'", s, g.rc, g.err, why);
    run(s, strlen(s), 1, stream, 1, &b); /* the same reason byte by byte */
    if (b.rc != -1 || !strstr(b.err, why))
        fail_msg("bytewise '%.60s': err '%s', want '%s'", s, b.err, why);
    got_free(&g);
    got_free(&b);
}

#define OKH "HTTP/1.1 200 OK\r\n"
#define CHK OKH "Transfer-Encoding: chunked\r\n\r\n"

static void test_http_malformed(void **state)
{
    (void)state;
    refused("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0, "bad status line");
    refused("HTTP/1.1 2000 OK\r\n\r\n", 0, "bad status line");
    refused("HTTP/1.1 20x OK\r\n\r\n", 0, "bad status line");
    refused("HTTP/1.1 099 OK\r\n\r\n", 0, "bad status line");
    refused("HTTP/1.1 100 Continue\r\n\r\n", 0, "unexpected status 100");
    refused("\r\nHTTP/1.1 200 OK\r\n\r\n", 0, "bad status line");
    refused("garbage\r\n\r\n", 0, "bad status line");
    refused(OKH "\r\n", 0, "neither Content-Length nor chunked");
    refused(OKH "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 0, "Content-Length twice");
    refused(OKH "Content-Length: -1\r\n\r\n", 0, "Content-Length not a number");
    refused(OKH "Content-Length: +1\r\n\r\n", 0, "Content-Length not a number");
    refused(OKH "Content-Length: 1 1\r\n\r\n", 0, "Content-Length not a number");
    refused(OKH "Content-Length: \r\n\r\n", 0, "empty Content-Length");
    refused(OKH "Content-Length: 1048577\r\n\r\n", 0, "Content-Length over 1048576");
    refused(OKH "Content-Length: 99999999999999999999999999\r\n\r\n", 0, "Content-Length over");
    refused(OKH "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
            "both Content-Length and chunked");
    refused(OKH "Transfer-Encoding: gzip\r\n\r\n", 0, "unsupported Transfer-Encoding");
    refused(OKH "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
            "Transfer-Encoding twice");
    refused(OKH "No colon here\r\n\r\n", 0, "header line without a name");
    refused(OKH ": x\r\n\r\n", 0, "header line without a name");
    refused(OKH "Bad Name: x\r\n\r\n", 0, "bad character in a header name");
    refused(OKH "X: a\rb\r\nContent-Length: 0\r\n\r\n", 0, "header");
    refused(OKH "X: a\nContent-Length: 0\r\n\r\n", 0, "header");
    refused(CHK "zz\r\n", 0, "bad chunk size");
    refused(CHK "\r\n", 0, "bad chunk size");
    refused(CHK "5x\r\n", 0, "bad chunk size");
    refused(CHK "100001\r\n", 0, "chunk size over 1048576");
    refused(CHK "ffffffffffffffffffffffff\r\n", 0, "chunk size over");
    refused(CHK "2\r\n{}XY", 0, "chunk data not followed by CRLF");
    refused(CHK "2\r\n{}\rX", 0, "chunk data not followed by CRLF");
    refused(CHK "2\n{}\r\n", 0, "bare LF in chunk size line");
    refused(CHK "2\rx\n", 0, "bare CR");
    refused(CHK "0\r\nno colon\r\n\r\n", 0, "trailer line without ':'");
    /* Unary bodies over the limit across chunks. */
    {
        size_t n = 0, cap = 2 * ETCD_MSG_MAX + 4096;
        char *s = malloc(cap);
        n += (size_t)sprintf(s, CHK);
        for (int k = 0; k < 2; k++) {
            n += (size_t)sprintf(s + n, "80000\r\n");
            memset(s + n, ' ', 0x80000);
            n += 0x80000;
            n += (size_t)sprintf(s + n, "\r\n");
        }
        n += (size_t)sprintf(s + n, "1\r\n \r\n");
        s[n] = '\0';
        struct got g;
        run(s, n, 65536, 0, 0, &g);
        assert_int_equal(g.rc, -1);
        assert_non_null(strstr(g.err, "message over 1048576"));
        got_free(&g);
        /* The same in stream mode: one value too long. */
        memset(s + strlen(CHK) + 7, '[', 1);
        run(s, n, 65536, 1, 0, &g);
        assert_int_equal(g.rc, -1);
        assert_non_null(strstr(g.err, "stream: message over 1048576"));
        got_free(&g);
        free(s);
    }
    /* Header section too long, with and without its end. */
    {
        char *s = malloc(ETCD_HDRS_MAX + 100);
        size_t n = (size_t)sprintf(s, OKH "X: ");
        memset(s + n, 'a', ETCD_HDRS_MAX);
        n += ETCD_HDRS_MAX;
        s[n] = '\0';
        refused(s, 0, "header section over 8192 bytes");
        strcpy(s + n, "\r\nContent-Length: 0\r\n\r\n");
        refused(s, 0, "header section over 8192 bytes");
        free(s);
    }
    /* Stream: only whitespace between values, nothing unfinished at the end. */
    refused(CHK "4\r\n{} x\r\n", 1, "stream: byte 0x78 between JSON values");
    refused(CHK "2\r\n12\r\n", 1, "stream: byte 0x31 between JSON values");
    refused(CHK "3\r\n{\"a\r\n0\r\n\r\n", 1, "stream: response ended inside a JSON value");
    /* Truncation, seen at eof. */
    refused("HTTP/1.1 200", 0, "closed inside a status line or headers");
    refused(OKH "Content-Length: 5\r\n\r\n{}", 0, "closed 3 bytes before the end");
    refused(CHK "5\r\n{}", 0, "closed inside a chunked body");
    refused(CHK "0\r\n", 0, "closed inside a chunked body");
    /* After Connection: close, nothing more. */
    refused(OKH "Connection: close\r\nContent-Length: 2\r\n\r\n{}" OKH, 0,
            "bytes after the last response");
    /* A failed reader stays failed. */
    {
        char err[128];
        struct etcd_http *h = etcd_http_new(0);
        assert_int_equal(etcd_http_feed(h, "junk\r\n\r\n", 8, err, sizeof(err)), -1);
        assert_int_equal(etcd_http_feed(h, OKH, strlen(OKH), err, sizeof(err)), -1);
        assert_non_null(strstr(err, "connection already failed"));
        assert_int_equal(etcd_http_eof(h, err, sizeof(err)), -1);
        etcd_http_free(h);
    }
}

static void test_http_edges(void **state)
{
    struct got g;
    (void)state;
    /* Connection: close then eof is fine; an unframed error body is dropped to the close. */
    run_all_ways(OKH "Connection: close\r\nContent-Length: 2\r\n\r\n{}", 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    got_free(&g);
    run_all_ways("HTTP/1.1 503 Service Unavailable\r\n\r\nbusy, go away", 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 503);
    assert_int_equal(g.len[0], 0);
    got_free(&g);
    run_all_ways("HTTP/1.1 204 No Content\r\n\r\n" OKH "content-length: 2\r\n\r\n{}", 0, 1, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.len[0], 0);
    assert_string_equal(g.text[1], "{}");
    got_free(&g);
    /* Case-insensitive names, whitespace around values, reason phrase absent. */
    run_all_ways("HTTP/1.1 200\r\nTRANSFER-ENCODING:  Chunked \r\n\r\n2\r\n{}\r\n0\r\n\r\n", 0, 1,
                 &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    got_free(&g);
    /* Nothing at all, then eof: fine. */
    run_all_ways("", 0, 1, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 0);
    /* A message of exactly ETCD_MSG_MAX bytes in stream mode and in unary mode. */
    size_t cap = ETCD_MSG_MAX + 256, n;
    char *s = malloc(cap);
    for (int stream = 0; stream <= 1; stream++) {
        n = (size_t)sprintf(s, OKH "Content-Length: %u\r\n\r\n", ETCD_MSG_MAX);
        s[n] = '[';
        memset(s + n + 1, ' ', ETCD_MSG_MAX - 2);
        s[n + ETCD_MSG_MAX - 1] = ']';
        n += ETCD_MSG_MAX;
        run(s, n, 100000, stream, 1, &g);
        assert_int_equal(g.rc, 0);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.len[0], ETCD_MSG_MAX);
        got_free(&g);
    }
    free(s);
    /* Feeding messages without taking them is refused past 2 * ETCD_MSG_MAX held. */
    {
        char err[128];
        struct etcd_http *h = etcd_http_new(1);
        size_t half = ETCD_MSG_MAX / 2;
        char *chunk = malloc(half + 32);
        assert_int_equal(etcd_http_feed(h, CHK, strlen(CHK), err, sizeof(err)), 0);
        size_t m = (size_t)sprintf(chunk, "%zx\r\n", half);
        for (size_t k = 0; k < half; k += 1024) { /* values of 1 KiB */
            memset(chunk + m + k, ' ', 1024);
            chunk[m + k] = '[';
            chunk[m + k + 1023] = ']';
        }
        memcpy(chunk + m + half, "\r\n", 2);
        int rc = 0, feeds = 0;
        while (rc == 0 && feeds < 8) {
            rc = etcd_http_feed(h, chunk, m + half + 2, err, sizeof(err));
            feeds++;
        }
        assert_int_equal(rc, -1);
        assert_int_equal(feeds, 5);
        assert_non_null(strstr(err, "bytes held"));
        etcd_http_free(h);
        /* Taken after each feed, the same bytes go through. */
        h = etcd_http_new(1);
        assert_int_equal(etcd_http_feed(h, CHK, strlen(CHK), err, sizeof(err)), 0);
        int taken = 0, st;
        const char *j;
        size_t l;
        for (int k = 0; k < 8; k++) {
            assert_int_equal(etcd_http_feed(h, chunk, m + half + 2, err, sizeof(err)), 0);
            while (etcd_http_take(h, &st, &j, &l) == 1) {
                assert_int_equal(l, 1024);
                taken++;
            }
        }
        assert_int_equal(taken, 8 * 512);
        etcd_http_free(h);
        free(chunk);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unary_fixtures), cmocka_unit_test(test_keepalive_sequence),
        cmocka_unit_test(test_watch_stream),   cmocka_unit_test(test_http_malformed),
        cmocka_unit_test(test_http_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
