/*
 * test_etcd_json.c - src/etcd's pieces below the responses: the JSON
 * tokenizer (valid documents, every kind of malformed one, the limits),
 * integer reading, strict base64, and the request bodies.
 */
#include "unit.h"

#include "etcd/etcd.h"
#include "etcd/etcd_internal.h"

static struct etcd_tok toks[ETCD_TOKENS_MAX];

static int parse(const char *s, size_t n, char *err)
{
    struct etcd_json j = {.t = toks, .cap = ETCD_TOKENS_MAX};
    err[0] = '\0';
    int rc = etcd_json_parse(&j, s, n, err, ETCD_ERR_MAX);
    if (rc == 0) return (int)j.n;
    return -1;
}

/* The document must be refused with a reason containing why. */
static void refused(const char *doc, const char *why)
{
    char err[ETCD_ERR_MAX];
    int rc = parse(doc, strlen(doc), err);
    if (rc >= 0 || !strstr(err, why))
        fail_msg("'%s': rc %d err '%s', want '%s'", doc, rc, err, why);
}

static void test_json_valid(void **state)
{
    char err[ETCD_ERR_MAX];
    (void)state;
    const char *doc =
        " {\"a\" : [1, -0, 2.5e-3, \"x\\u00e9\\ud83d\\ude00\\n\", true, false, null, {}, []],"
        "\"b\":{\"c\":\"\"}} \r\n";
    struct etcd_json j = {.t = toks, .cap = ETCD_TOKENS_MAX};
    assert_int_equal(etcd_json_parse(&j, doc, strlen(doc), err, sizeof(err)), 0);
    assert_int_equal(j.n, 16);
    assert_int_equal(j.t[0].type, ETCD_T_OBJ);
    assert_int_equal(j.t[0].size, 2);
    assert_int_equal(j.t[0].next, 16);
    assert_true(etcd_json_str_eq(&j, 1, "a"));
    assert_int_equal(j.t[2].type, ETCD_T_ARR);
    assert_int_equal(j.t[2].size, 9);
    assert_int_equal(j.t[2].next, 12);
    assert_int_equal(j.t[4].type, ETCD_T_NUM);
    char s[32];
    long l = etcd_json_str(&j, 6, s, sizeof(s));
    assert_int_equal(l, 1 + 2 + 4 + 1);
    assert_memory_equal(s, "x\xc3\xa9\xf0\x9f\x98\x80\n", 8);
    assert_int_equal(etcd_json_str(&j, 6, s, 3), -1); /* does not fit */
    assert_int_equal(j.t[7].type, ETCD_T_TRUE);
    assert_int_equal(j.t[9].type, ETCD_T_NULL);
    assert_int_equal(j.t[10].type, ETCD_T_OBJ);
    assert_int_equal(j.t[10].size, 0);
    assert_true(etcd_json_str_eq(&j, 12, "b"));
    /* Names compare after unescaping. */
    const char *esc = "{\"\\u0073ucceeded\":true,\"a\\/b\":1}";
    assert_int_equal(etcd_json_parse(&j, esc, strlen(esc), err, sizeof(err)), 0);
    assert_true(etcd_json_str_eq(&j, 1, "succeeded"));
    assert_false(etcd_json_str_eq(&j, 1, "succeede"));
    assert_true(etcd_json_str_eq(&j, 3, "a/b"));
    /* Scalars at the top are values too. */
    assert_int_equal(parse("\"x\"", 3, err), 1);
    assert_int_equal(parse("0", 1, err), 1);
}

static void test_json_malformed(void **state)
{
    (void)state;
    refused("", "expected a value");
    refused("   ", "truncated");
    refused("{", "truncated");
    refused("{\"a\":1", "expected ',' or '}'");
    refused("[1,2", "expected ',' or ']'");
    refused("{\"a\":1,}", "expected a member name");
    refused("[1,]", "unexpected character");
    refused("{\"a\" 1}", "expected ':'");
    refused("{a:1}", "expected a member name");
    refused("{\"a\":1]", "expected ',' or '}'");
    refused("[1}", "expected ',' or ']'");
    refused("{\"a\":1}x", "bytes after the JSON value");
    refused("{}{}", "bytes after the JSON value");
    refused("// c\n{}", "unexpected character");
    refused("{\"a\":01}", "leading zero");
    refused("{\"a\":-}", "bad number");
    refused("{\"a\":+1}", "unexpected character");
    refused("{\"a\":1.}", "bad fraction");
    refused("{\"a\":.5}", "unexpected character");
    refused("{\"a\":1e}", "bad exponent");
    refused("{\"a\":tru}", "unexpected character");
    refused("{\"a\":nul", "unexpected character");
    refused("{\"a\":\"x\ty\"}", "control character in string");
    refused("{\"a\":\"x\ny\"}", "control character in string");
    refused("{\"a\":\"\\x\"}", "bad escape");
    refused("{\"a\":\"\\u12g4\"}", "bad \\u escape");
    refused("{\"a\":\"\\u12\"}", "bad \\u escape");
    refused("{\"a\":\"\\ud800\"}", "high surrogate without low");
    refused("{\"a\":\"\\ud800\\u0041\"}", "high surrogate without low");
    refused("{\"a\":\"\\udc00\"}", "lone low surrogate");
    refused("{\"a\":\"abc", "unterminated string");
    refused("{\"a\":\"abc\\", "unterminated escape");
    refused("{\"a\":1,\"a\":2}", "duplicate member name");
    refused("{\"a\":{\"x\":[1]},\"b\":2,\"\\u0061\":3}", "duplicate member name");
    refused("\x01", "unexpected character");
}

static void test_json_limits(void **state)
{
    char err[ETCD_ERR_MAX];
    char doc[256];
    (void)state;
    /* ETCD_DEPTH_MAX levels parse, one more does not. */
    size_t n = 0;
    for (int k = 0; k < ETCD_DEPTH_MAX; k++)
        doc[n++] = '[';
    for (int k = 0; k < ETCD_DEPTH_MAX; k++)
        doc[n++] = ']';
    assert_int_equal(parse(doc, n, err), ETCD_DEPTH_MAX);
    n = 0;
    for (int k = 0; k <= ETCD_DEPTH_MAX; k++)
        doc[n++] = '[';
    for (int k = 0; k <= ETCD_DEPTH_MAX; k++)
        doc[n++] = ']';
    assert_int_equal(parse(doc, n, err), -1);
    assert_non_null(strstr(err, "nesting deeper than 16"));
    /* A deep document far beyond the limit is refused at the limit, no recursion. */
    char *deep = malloc(100000);
    memset(deep, '[', 100000);
    assert_int_equal(parse(deep, 100000, err), -1);
    assert_non_null(strstr(err, "nesting deeper"));
    /* Tokens: 65536 fit, one more does not. */
    size_t cap = 2 * (ETCD_TOKENS_MAX + 1) + 2;
    char *many = malloc(cap);
    n = 0;
    many[n++] = '[';
    for (int k = 0; k < ETCD_TOKENS_MAX - 1; k++) {
        many[n++] = '0';
        many[n++] = ',';
    }
    many[n - 1] = ']';
    assert_int_equal(parse(many, n, err), ETCD_TOKENS_MAX);
    many[n - 1] = ',';
    many[n++] = '1';
    many[n++] = ']';
    assert_int_equal(parse(many, n, err), -1);
    assert_non_null(strstr(err, "more than 65536 tokens"));
    /* The caller's smaller array is the limit too. */
    struct etcd_tok few[3];
    struct etcd_json j = {.t = few, .cap = 3};
    assert_int_equal(etcd_json_parse(&j, "[1,2]", 5, err, sizeof(err)), 0);
    assert_int_equal(etcd_json_parse(&j, "[1,2,3]", 7, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than 3 tokens"));
    /* Members of one object. */
    n = 0;
    many[n++] = '{';
    for (int k = 0; k <= ETCD_JSON_KEYS_MAX; k++)
        n += (size_t)sprintf(many + n, "\"k%d\":0,", k);
    many[n - 1] = '}';
    assert_int_equal(parse(many, n, err), -1);
    assert_non_null(strstr(err, "more than 256 members"));
    /* Over ETCD_MSG_MAX. */
    char *big = malloc(ETCD_MSG_MAX + 1);
    memset(big, ' ', ETCD_MSG_MAX + 1);
    big[0] = '0';
    assert_int_equal(parse(big, ETCD_MSG_MAX + 1, err), -1);
    assert_non_null(strstr(err, "over"));
    free(big);
    free(many);
    free(deep);
}

static void test_ints(void **state)
{
    int64_t v;
    uint64_t u;
    const char *why;
    (void)state;
    assert_int_equal(etcd_int64("0", 1, &v, &why), 0);
    assert_int_equal(v, 0);
    assert_int_equal(etcd_int64("9223372036854775807", 19, &v, &why), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(etcd_int64("-9223372036854775808", 20, &v, &why), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(etcd_int64("9223372036854775808", 19, &v, &why), -1);
    assert_string_equal(why, "out of range");
    assert_int_equal(etcd_int64("-9223372036854775809", 20, &v, &why), -1);
    assert_string_equal(why, "out of range");
    assert_int_equal(etcd_int64("99999999999999999999999", 23, &v, &why), -1);
    assert_string_equal(why, "out of range");
    assert_int_equal(etcd_int64("+1", 2, &v, &why), -1);
    assert_string_equal(why, "not an integer");
    assert_int_equal(etcd_int64("1e3", 3, &v, &why), -1);
    assert_int_equal(etcd_int64("1.0", 3, &v, &why), -1);
    assert_int_equal(etcd_int64("", 0, &v, &why), -1);
    assert_int_equal(etcd_int64("-", 1, &v, &why), -1);
    assert_int_equal(etcd_int64(" 1", 2, &v, &why), -1);
    assert_int_equal(etcd_int64("01", 2, &v, &why), -1);
    assert_string_equal(why, "leading zero");
    assert_int_equal(etcd_uint64("18446744073709551615", 20, &u, &why), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(etcd_uint64("18446744073709551616", 20, &u, &why), -1);
    assert_string_equal(why, "out of range");
    assert_int_equal(etcd_uint64("-1", 2, &u, &why), -1);
    assert_string_equal(why, "negative");
}

static void test_b64(void **state)
{
    char t[64];
    uint8_t b[64];
    (void)state;
    assert_int_equal(etcd_b64_enc(t, "", 0), 0);
    assert_string_equal(t, "");
    assert_int_equal(etcd_b64_enc(t, "a", 1), 4);
    assert_string_equal(t, "YQ==");
    assert_int_equal(etcd_b64_enc(t, "/vf/x", 5), 8);
    assert_string_equal(t, "L3ZmL3g=");
    assert_int_equal(etcd_b64_enc(t, "hello\0\377", 7), 12);
    assert_string_equal(t, "aGVsbG8A/w==");
    assert_int_equal(etcd_b64_enc(t, "\xfb\xff\xbf", 3), 4);
    assert_string_equal(t, "+/+/");
    assert_int_equal(etcd_b64_dec(b, sizeof(b), "aGVsbG8A/w==", 12), 7);
    assert_memory_equal(b, "hello\0\377", 7);
    assert_int_equal(etcd_b64_dec(b, sizeof(b), "L3ZmL3g=", 8), 5);
    assert_int_equal(etcd_b64_dec(b, sizeof(b), "", 0), 0);
    assert_int_equal(etcd_b64_dec(b, sizeof(b), "+/+/", 4), 3);
    /* Round trip of every length up to 40 over all byte values. */
    for (size_t n = 0; n <= 40; n++) {
        uint8_t src[40];
        for (size_t k = 0; k < n; k++)
            src[k] = (uint8_t)(k * 37 + n);
        size_t l = etcd_b64_enc(t, src, n);
        assert_int_equal(etcd_b64_dec(b, n, t, l), (int)n);
        assert_memory_equal(b, src, n);
        if (n) assert_int_equal(etcd_b64_dec(b, n - 1, t, l), -1); /* cap */
    }
    const char *bad[] = {"YQ=",  "YQ",    "Y===", "YR==", "YWJ=", "YQ==YQ==",
                         "Y=Q=", "YQ\n=", " YQ=", "YQ-_", "====", "=AAA"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        if (etcd_b64_dec(b, sizeof(b), bad[k], strlen(bad[k])) != -1)
            fail_msg("'%s' decoded", bad[k]);
}

static void test_requests(void **state)
{
    char d[4096];
    (void)state;
    assert_int_equal(etcd_req_lease_grant(d, sizeof(d), 2), 11);
    assert_string_equal(d, "{\"TTL\":\"2\"}");
    assert_int_equal(etcd_req_lease_grant(d, sizeof(d), 0), -1);
    assert_int_equal(etcd_req_lease_grant(d, 11, 2), -1); /* no room for the NUL */
    assert_true(etcd_req_lease_id(d, sizeof(d), 2324035644737172997) > 0);
    assert_string_equal(d, "{\"ID\":\"2324035644737172997\"}");
    assert_int_equal(etcd_req_lease_id(d, sizeof(d), 0), -1);
    assert_true(etcd_req_put(d, sizeof(d), "/vf/x", 5, "a", 1, 0) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmL3g=\",\"value\":\"YQ==\"}");
    assert_true(etcd_req_put(d, sizeof(d), "/vf/x", 5, "", 0, 7) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmL3g=\",\"value\":\"\",\"lease\":\"7\"}");
    assert_int_equal(etcd_req_put(d, sizeof(d), "", 0, "a", 1, 0), -1);
    static uint8_t big[ETCD_VAL_MAX + 1];
    assert_int_equal(etcd_req_put(d, sizeof(d), big, ETCD_KEY_MAX + 1, "a", 1, 0), -1);
    assert_true(etcd_req_put(d, sizeof(d), big, ETCD_KEY_MAX, big, ETCD_VAL_MAX, 0) > 0);
    assert_int_equal(etcd_req_put(d, sizeof(d), "k", 1, big, ETCD_VAL_MAX + 1, 0), -1);
    assert_int_equal(etcd_req_put(d, sizeof(d), "k", 1, "v", 1, -1), -1);
    /* Prefix ends. */
    assert_true(etcd_req_range(d, sizeof(d), "/vf/", 4, 1) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmLw==\",\"range_end\":\"L3ZmMA==\"}"); /* "/vf0" */
    assert_true(etcd_req_range(d, sizeof(d), "/vf/", 4, 0) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmLw==\"}");
    assert_true(etcd_req_range(d, sizeof(d), "a\xff\xff", 3, 1) > 0);
    assert_string_equal(d, "{\"key\":\"Yf//\",\"range_end\":\"Yg==\"}"); /* "b" */
    assert_true(etcd_req_range(d, sizeof(d), "\xff\xff", 2, 1) > 0);
    assert_string_equal(d, "{\"key\":\"//8=\",\"range_end\":\"AA==\"}"); /* to the end */
    /* The txns, exactly as sent to the recorded etcd. */
    assert_true(etcd_req_create(d, sizeof(d), "/vf/x", 5, "a", 1, 2054101142093277448) > 0);
    assert_string_equal(
        d, "{\"compare\":[{\"target\":\"CREATE\",\"key\":\"L3ZmL3g=\",\"create_revision\":\"0\"}],"
           "\"success\":[{\"request_put\":{\"key\":\"L3ZmL3g=\",\"value\":\"YQ==\","
           "\"lease\":\"2054101142093277448\"}}],\"failure\":[{\"request_range\":{\"key\":"
           "\"L3ZmL3g=\"}}]}");
    assert_true(etcd_req_delete_if(d, sizeof(d), "/vf/x", 5, 2) > 0);
    assert_string_equal(
        d, "{\"compare\":[{\"target\":\"CREATE\",\"key\":\"L3ZmL3g=\",\"create_revision\":\"2\"}],"
           "\"success\":[{\"request_delete_range\":{\"key\":\"L3ZmL3g=\"}}]}");
    assert_int_equal(etcd_req_delete_if(d, sizeof(d), "/vf/x", 5, 0), -1);
    assert_true(etcd_req_put_if(d, sizeof(d), "/vf/x", 5, "a", 1, 7, 2) > 0);
    assert_string_equal(
        d, "{\"compare\":[{\"target\":\"CREATE\",\"key\":\"L3ZmL3g=\",\"create_revision\":\"2\"}],"
           "\"success\":[{\"request_put\":{\"key\":\"L3ZmL3g=\",\"value\":\"YQ==\","
           "\"lease\":\"7\"}}],\"failure\":[{\"request_range\":{\"key\":\"L3ZmL3g=\"}}]}");
    assert_int_equal(etcd_req_put_if(d, sizeof(d), "/vf/x", 5, "a", 1, 7, 0), -1); /* that is create */
    assert_int_equal(etcd_req_put_if(d, sizeof(d), "/vf/x", 5, "a", 1, -1, 2), -1);
    /* a page of a prefix read: from a start inside the prefix, at a revision */
    assert_true(etcd_req_range_page(d, sizeof(d), "/vf/a\0", 6, "/vf/", 4, 12, 256) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmL2EA\",\"range_end\":\"L3ZmMA==\",\"limit\":\"256\","
                           "\"revision\":\"12\"}");
    assert_true(etcd_req_range_page(d, sizeof(d), "/vf/", 4, "/vf/", 4, 0, 1) > 0);
    assert_string_equal(d, "{\"key\":\"L3ZmLw==\",\"range_end\":\"L3ZmMA==\",\"limit\":\"1\"}");
    assert_int_equal(etcd_req_range_page(d, sizeof(d), "/vg/a", 5, "/vf/", 4, 0, 1), -1);
    assert_int_equal(etcd_req_range_page(d, sizeof(d), "/v", 2, "/vf/", 4, 0, 1), -1);
    assert_int_equal(etcd_req_range_page(d, sizeof(d), "/vf/a", 5, "/vf/", 4, 0, 0), -1);
    assert_int_equal(etcd_req_range_page(d, sizeof(d), "/vf/a", 5, "/vf/", 4, -1, 1), -1);
    assert_true(etcd_req_watch(d, sizeof(d), "/vf/", 4, 1) > 0);
    assert_string_equal(d, "{\"create_request\":{\"key\":\"L3ZmLw==\",\"range_end\":\"L3ZmMA==\","
                           "\"start_revision\":\"1\"}}");
    assert_true(etcd_req_watch(d, sizeof(d), "/vf/", 4, 0) > 0);
    assert_string_equal(d,
                        "{\"create_request\":{\"key\":\"L3ZmLw==\",\"range_end\":\"L3ZmMA==\"}}");
    assert_int_equal(etcd_req_watch(d, sizeof(d), "/vf/", 4, -1), -1);
    /* Every body that does not fit is -1 at every size below its own. */
    int full = etcd_req_create(d, sizeof(d), "/vf/x", 5, "a", 1, 9);
    for (int c = 0; c <= full; c++)
        assert_int_equal(etcd_req_create(d, (size_t)c, "/vf/x", 5, "a", 1, 9), -1);
    /* HTTP request. */
    int n = etcd_http_request(d, sizeof(d), "127.0.0.1:2379", "/v3/kv/range", "{}", 2);
    assert_int_equal(n,
                     (int)strlen("POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1:2379\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
    assert_memory_equal(
        d,
        "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1:2379\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\n\r\n{}",
        (size_t)n);
    assert_int_equal(etcd_http_request(d, (size_t)n - 1, "127.0.0.1:2379", "/v3/kv/range", "{}", 2),
                     -1);
    assert_int_equal(etcd_http_request(d, sizeof(d), "h\r\nX: y", "/v3/kv/range", "{}", 2), -1);
    assert_int_equal(etcd_http_request(d, sizeof(d), "h", "/v3 x", "{}", 2), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_valid),  cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_limits), cmocka_unit_test(test_ints),
        cmocka_unit_test(test_b64),         cmocka_unit_test(test_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
