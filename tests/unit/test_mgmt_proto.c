/*
 * test_mgmt_proto.c - the management API's parser (src/mgmt): frame headers
 * (every field, both directions, truncation is the caller's: a header is
 * always 10 bytes), requests (every command, every argument, malformed text
 * of every kind, oversize), and the authorisation rule.
 */
#include "unit.h"

#include "mgmt/mgmt.h"

static int parse(const char *s, struct mgmt_req *rq, char *err)
{
    return mgmt_req_parse((const uint8_t *)s, strlen(s), rq, err, MGMT_ERR_MAX);
}

static void test_frames(void **state)
{
    (void)state;
    uint8_t h[MGMT_HDR_LEN];
    uint16_t code;
    uint32_t len;
    char err[MGMT_ERR_MAX];
    mgmt_frame_put(h, 0, 11);
    assert_memory_equal(h, "VFM1\x00\x00\x00\x00\x00\x0b", 10);
    assert_int_equal(mgmt_frame_parse(h, 1, &code, &len, err, sizeof(err)), MGMT_ST_OK);
    assert_int_equal(len, 11);
    mgmt_frame_put(h, 403, 7);
    assert_int_equal(mgmt_frame_parse(h, 0, &code, &len, err, sizeof(err)), MGMT_ST_OK);
    assert_int_equal(code, 403);
    static const struct {
        const char *hex;
        int request, st;
        const char *why;
    } bad[] = {
        {"56464d32 0000 00000001", 1, MGMT_ST_BAD, "not a management API frame (the first 4 bytes are not \"VFM1\")"},
        {"00000000 0000 00000001", 1, MGMT_ST_BAD, "not a management API frame (the first 4 bytes are not \"VFM1\")"},
        {"56464d31 00c8 00000001", 1, MGMT_ST_BAD, "a request's code must be 0, not 200"},
        {"56464d31 0000 00000000", 1, MGMT_ST_BAD, "empty request"},
        {"56464d31 0000 00001001", 1, MGMT_ST_TOO_LARGE, "request of 4097 bytes, more than 4096"},
        {"56464d31 0000 ffffffff", 1, MGMT_ST_TOO_LARGE, "request of 4294967295 bytes, more than 4096"},
        {"56464d31 0000 00000000", 0, MGMT_ST_BAD, "response status 0 unknown"},
        {"56464d31 00c9 00000000", 0, MGMT_ST_BAD, "response status 201 unknown"},
        {"56464d31 00c8 01000001", 0, MGMT_ST_TOO_LARGE, "response of 16777217 bytes, more than 16777216"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(unit_hex(bad[i].hex, h, sizeof(h)), MGMT_HDR_LEN);
        int st = mgmt_frame_parse(h, bad[i].request, &code, &len, err, sizeof(err));
        if (st != bad[i].st || strcmp(err, bad[i].why))
            fail_msg("frame %zu: %d '%s', want %d '%s'", i, st, err, bad[i].st, bad[i].why);
    }
    /* the largest of each is fine */
    mgmt_frame_put(h, 0, MGMT_REQ_MAX);
    assert_int_equal(mgmt_frame_parse(h, 1, &code, &len, err, sizeof(err)), MGMT_ST_OK);
    mgmt_frame_put(h, 200, MGMT_RESP_MAX);
    assert_int_equal(mgmt_frame_parse(h, 0, &code, &len, err, sizeof(err)), MGMT_ST_OK);
}

static void test_requests_good(void **state)
{
    (void)state;
    struct mgmt_req rq;
    char err[MGMT_ERR_MAX];
    assert_int_equal(parse("rule add drop 10.0.0.5 port 22 dir from-guest on 1", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.op, MGMT_OP_RULE_ADD);
    assert_int_equal(rq.rule.addr, 0x0a000005);
    assert_int_equal(rq.rule.plen, 32);
    assert_int_equal(rq.rule.proto, 6);
    assert_int_equal(rq.rule.port, 22);
    assert_int_equal(rq.rule.dir, MSG_RDIR_FROM_GUEST);
    assert_int_equal(rq.rule.action, MSG_RACT_DROP);
    assert_int_equal(rq.rule.on, 1);
    assert_int_equal(parse("rule del 131071 --json", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.rule_id, 131071);
    assert_int_equal(rq.json, 1);
    assert_int_equal(parse("rule --json list", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.op, MGMT_OP_RULE_LIST);
    assert_int_equal(rq.json, 1);
    assert_int_equal(parse("stats", &rq, err), MGMT_ST_OK);
    assert_int_equal(parse("guests --json", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.op, MGMT_OP_GUESTS);
    assert_int_equal(parse("domains", &rq, err), MGMT_ST_OK);
    assert_int_equal(parse("reload", &rq, err), MGMT_ST_OK);
    assert_int_equal(parse("block 10.0.0.5 --for 2592000", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.block.command, MSG_BLOCK);
    assert_int_equal(rq.block.kind, MSG_BK_IPV4);
    assert_memory_equal(rq.block.addr, "\x0a\x00\x00\x05\x00\x00", 6);
    assert_int_equal(rq.block.seconds, 2592000);
    assert_int_equal(parse("unblock 02:AB:cd:00:00:01", &rq, err), MGMT_ST_OK);
    assert_int_equal(rq.block.kind, MSG_BK_MAC);
    assert_memory_equal(rq.block.addr, "\x02\xab\xcd\x00\x00\x01", 6);
    assert_int_equal(rq.block.seconds, 0);
}

static void test_requests_bad(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        const char *why;
    } bad[] = {
        {"", "empty request"},
        {" stats", "stray space at 0: words are separated by one space"},
        {"stats ", "stray space at 5: words are separated by one space"},
        {"rule  list", "stray space at 5: words are separated by one space"},
        {"stats\n", "byte 0x0a at 5: requests are printable ASCII"},
        {"sta\tts", "byte 0x09 at 3: requests are printable ASCII"},
        {"stats\x7f", "byte 0x7f at 5: requests are printable ASCII"},
        {"st\xc3\xa4ts", "byte 0xc3 at 2: requests are printable ASCII"},
        {"shutdown", "unknown command 'shutdown' (rule, stats, guests, domains, reload, block, unblock)"},
        {"--json", "unknown command '--json' (rule, stats, guests, domains, reload, block, unblock)"},
        {"STATS", "unknown command 'STATS' (rule, stats, guests, domains, reload, block, unblock)"},
        {"stats now", "stats takes no arguments"},
        {"reload --json", "reload has no JSON form"},
        {"rule", "usage: rule add RULE... | rule del ID | rule list"},
        {"rule add", "usage: rule add RULE... | rule del ID | rule list"},
        {"rule list 1", "usage: rule add RULE... | rule del ID | rule list"},
        {"rule flush", "usage: rule add RULE... | rule del ID | rule list"},
        {"rule del", "usage: rule add RULE... | rule del ID | rule list"},
        {"rule del 0", "rule del: '0' is not a rule id (1..131071)"},
        {"rule del 131072", "rule del: '131072' is not a rule id (1..131071)"},
        {"rule del 01", "rule del: '01' is not a rule id (1..131071)"},
        {"rule del -1", "rule del: '-1' is not a rule id (1..131071)"},
        {"rule del 99999999999999999999", "rule del: '99999999999999999999' is not a rule id (1..131071)"},
        {"rule add reject 10.0.0.5", "rule: "},
        {"rule add drop 10.0.0.1/24", "rule: "},
        {"rule add drop 10.0.0.5 proto icmp port 7", "rule: "},
        {"rule add drop 10.0.0.5 on 4096", "rule: "},
        {"rule add drop 300.0.0.5", "rule: "},
        {"block", "usage: block ADDR|MAC [--for SECONDS]"},
        {"block 10.0.0.5 --for", "usage: block ADDR|MAC [--for SECONDS]"},
        {"block 10.0.0.5 --for 0", "block: --for '0' is not a number of seconds 1..2592000"},
        {"block 10.0.0.5 --for 2592001", "block: --for '2592001' is not a number of seconds 1..2592000"},
        {"block 10.0.0.5 --for 1x", "block: --for '1x' is not a number of seconds 1..2592000"},
        {"block 10.0.0.5 --until 5", "usage: block ADDR|MAC [--for SECONDS]"},
        {"block 0.0.0.0", "block: '0.0.0.0' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block 00:00:00:00:00:00", "block: '00:00:00:00:00:00' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block 02:00:00:00:00:0g", "block: '02:00:00:00:00:0g' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block 02:00:00:00:00: 1", "block: '02:00:00:00:00:' is not an IPv4 address or a MAC"},
        {"block 02-00-00-00-00-01", "block: '02-00-00-00-00-01' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block 2:0:0:0:0:1", "block: '2:0:0:0:0:1' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block ::1", "block: '::1' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)"},
        {"block 10.0.0.5 --json", "block has no JSON form"},
        {"unblock 10.0.0.5 --for 5", "usage: unblock ADDR|MAC"},
        {"unblock", "usage: unblock ADDR|MAC"},
    };
    char err[MGMT_ERR_MAX];
    struct mgmt_req rq;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int st = parse(bad[i].req, &rq, err);
        if (st != MGMT_ST_BAD || strncmp(err, bad[i].why, strlen(bad[i].why)))
            fail_msg("request %zu '%s': %d '%s', want 400 '%s'", i, bad[i].req, st, err, bad[i].why);
    }
    /* a rule's reason is the monitor's own */
    parse("rule add drop 10.0.0.1/24", &rq, err);
    assert_non_null(strstr(err, "10.0.0.0/24 would be valid"));
    /* more than 32 words; more than MGMT_REQ_MAX bytes */
    char big[MGMT_REQ_MAX + 2];
    strcpy(big, "rule add drop 10.0.0.5");
    for (int i = 0; i < 16; i++)
        strcat(big, " on 1");
    assert_int_equal(parse(big, &rq, err), MGMT_ST_BAD);
    assert_string_equal(err, "more than 32 words");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(mgmt_req_parse((const uint8_t *)big, MGMT_REQ_MAX + 1, &rq, err, sizeof(err)),
                     MGMT_ST_BAD);
    assert_string_equal(err, "request of 4097 bytes, more than 4096");
    /* a NUL inside */
    assert_int_equal(mgmt_req_parse((const uint8_t *)"stats\0x", 7, &rq, err, sizeof(err)), MGMT_ST_BAD);
    assert_string_equal(err, "byte 0x00 at 5: requests are printable ASCII");
}

static void test_authorisation(void **state)
{
    (void)state;
    const char *admins[] = {"alice", "ops-1"}, *viewers[] = {"bob"};
    char err[MGMT_ERR_MAX];
    assert_int_equal(mgmt_role_of("alice", admins, 2, viewers, 1), MGMT_ROLE_ADMIN);
    assert_int_equal(mgmt_role_of("ops-1", admins, 2, viewers, 1), MGMT_ROLE_ADMIN);
    assert_int_equal(mgmt_role_of("bob", admins, 2, viewers, 1), MGMT_ROLE_VIEWER);
    assert_int_equal(mgmt_role_of("Alice", admins, 2, viewers, 1), MGMT_ROLE_NONE);
    assert_int_equal(mgmt_role_of("alice ", admins, 2, viewers, 1), MGMT_ROLE_NONE);
    assert_int_equal(mgmt_role_of("alic", admins, 2, viewers, 1), MGMT_ROLE_NONE);
    assert_int_equal(mgmt_role_of("", admins, 2, viewers, 1), MGMT_ROLE_NONE);
    assert_int_equal(mgmt_role_of(NULL, admins, 2, viewers, 1), MGMT_ROLE_NONE);
    for (enum mgmt_op op = MGMT_OP_RULE_ADD; op <= MGMT_OP_UNBLOCK; op++) {
        int change = op == MGMT_OP_RULE_ADD || op == MGMT_OP_RULE_DEL || op == MGMT_OP_RELOAD ||
                     op == MGMT_OP_BLOCK || op == MGMT_OP_UNBLOCK;
        assert_int_equal(mgmt_op_changes(op), change);
        assert_int_equal(mgmt_authorise(MGMT_ROLE_ADMIN, "alice", op, err, sizeof(err)), MGMT_ST_OK);
        assert_int_equal(mgmt_authorise(MGMT_ROLE_VIEWER, "bob", op, err, sizeof(err)),
                         change ? MGMT_ST_FORBIDDEN : MGMT_ST_OK);
        assert_int_equal(mgmt_authorise(MGMT_ROLE_NONE, "eve", op, err, sizeof(err)),
                         MGMT_ST_FORBIDDEN);
    }
    mgmt_authorise(MGMT_ROLE_VIEWER, "bob", MGMT_OP_RULE_ADD, err, sizeof(err));
    assert_string_equal(err, "rule add: certificate CN 'bob' is a viewer; only admins may change things");
    mgmt_authorise(MGMT_ROLE_NONE, "", MGMT_OP_STATS, err, sizeof(err));
    assert_string_equal(err, "stats: certificate CN '(none)' is neither an admin nor a viewer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_requests_good),
        cmocka_unit_test(test_requests_bad),
        cmocka_unit_test(test_authorisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
