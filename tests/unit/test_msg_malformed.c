/*
 * test_msg_malformed.c - what a hostile domain (or a broken core) can send:
 * every malformed datagram (size, header, control data, fds) through a real
 * socketpair, and every malformed or unpermitted payload through dispatch,
 * each with its exact reason and with every fd that came along closed again.
 * Every test runs between fd-counting setup and teardown (msg_harness.h).
 */
#include "unit.h"

#include "msg_harness.h"

/* ---- malformed datagrams ------------------------------------------------------------ */

/* sendmsg without any of msg_send's checks: what a hostile domain can do. */
static void raw_send(int fd, const uint8_t *p, size_t n, int nfds)
{
    int fds[8], pfd[2];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(fds))];
    } ctl;
    struct iovec iov = {(void *)p, n};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(pipe(pfd), 0);
    for (int i = 0; i < nfds; i++)
        fds[i] = pfd[i & 1];
    if (nfds) {
        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    assert_int_equal(sendmsg(fd, &mh, 0), (ssize_t)n);
    close(pfd[0]);
    close(pfd[1]);
}

static void test_recv_malformed(void **state)
{
    static const struct {
        const char *hex;
        int nfds;
        size_t cap;
        const char *reason;
    } cases[] = {
        {"02 01 00 00 00", 0, 0, "short datagram: 5 bytes, the header needs 12"},
        {"0202 0000 0000000a 00000000 00000001", 0, 0,
         "header says payload 10, datagram carries 4"},
        {"0202 0000 00000002 00000000 00000001", 0, 0, "header says payload 2, datagram carries 4"},
        {"0202 0000 000493e0 00000000", 0, 0, "payload length 300000 exceeds maximum 262144"},
        {"0202 0001 00000004 00000000 00000001", 0, 0, "header flags 0x0001 set, none are defined"},
        {"0202 0000 00000004 00000000 00000001", 1, 0, "type HEARTBEAT carries no fds, got 1"},
        {"1234 0000 00000000 00000000", 1, 0, "type 0x1234 carries no fds, got 1"},
        {"0105 0000 00000000 00000000", 0, 0, "type SOCK_ACCEPTED needs exactly 1 fd, got 0"},
        {"0104 0000 00000000 00000000", 2, 0, "type SOCKET_RESULT carries at most 1 fd, got 2"},
        {"0105 0000 00000000 00000000", 5, 0,
         "control data truncated: more than 4 fds or a foreign control message"},
        {"0202 0000 00000008 00000000 00000001 00000002", 0, 4,
         "datagram of 20 bytes exceeds the receive buffer of 16"},
    };
    int sv[2];
    char err[MSG_ERR_MAX];
    (void)state;
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t dg[64];
        long n = unit_hex(cases[i].hex, dg, sizeof(dg));
        int fds[MSG_MAX_FDS] = {-1, -1, -1, -1}, nfds = -1, before = fd_count();
        struct msg_hdr h;
        raw_send(sv[1], dg, (size_t)n, cases[i].nfds);
        int rc = msg_recv(sv[0], &h, g_rx, cases[i].cap ? cases[i].cap : sizeof(g_rx), fds, &nfds,
                          err, sizeof(err));
        assert_int_equal(rc, MSG_FATAL);
        assert_string_equal(err, cases[i].reason);
        assert_int_equal(nfds, 0);
        assert_int_equal(fd_count(), before); /* every received fd closed again */
    }
    /* A datagram one byte over the largest message. */
    memset(g_tx, 0, sizeof(g_tx));
    int fds[MSG_MAX_FDS], nfds;
    struct msg_hdr h;
    raw_send(sv[1], g_tx, MSG_HDR_LEN + MSG_MAX_PAYLOAD + 1, 0);
    assert_int_equal(msg_recv(sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "datagram of 262157 bytes exceeds the receive buffer of 262156");
    /* A foreign control message: credentials, once the receiver asks for them. */
    int one = 1;
    assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
    raw_send(sv[1], (const uint8_t *)"\x02\x02\0\0\0\0\0\x04\0\0\0\0\0\0\0\x01", 16, 0);
    assert_int_equal(msg_recv(sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "unexpected control message (level 1, type 2)");
    /* Nothing pending on a non-blocking socket, then the peer gone. */
    assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(msg_recv(sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err)),
                     MSG_AGAIN);
    close(sv[1]);
    assert_int_equal(msg_recv(sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err)),
                     MSG_EOF);
    close(sv[0]);
}

/* ---- malformed payloads through dispatch ------------------------------------------- */

#define ADDR_V4(port) "04 " port " 7f000001 000000000000000000000000"
#define NOTE(port, kind, len, rule) port " " kind " 06 " len " 0a000042 020000000042 0016 " rule " "
/* zero bytes, for GUEST_NOTIFY texts (64 bytes) */
#define Z26 "0000000000000000000000000000000000000000000000000000"
#define Z29 "0000000000000000000000000000000000000000000000000000000000"
#define Z32 "0000000000000000000000000000000000000000000000000000000000000000"
#define MOD33         "6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d"

/* A PEM text of 11 bytes ("-----BEGIN "), and three of them. */
#define PEM1 "0000000b 2d2d2d2d2d424547494e20"
#define PEM3 PEM1 PEM1 PEM1

static void test_dispatch_malformed(void **state)
{
    static const struct {
        int kind;
        uint16_t type;
        const char *hex;
        int nfds;
        const char *reason;
    } cases[] = {
        {MSG_KIND_OF, 0x1234, "", 0, "unknown type 0x1234"},
        {MSG_KIND_MGMT, MSG_SOCK_CONNECT, ADDR_V4("1a0d"), 0,
         "type SOCK_CONNECT not permitted for domain kind mgmt"},
        {MSG_KIND_MGMT, MSG_RECORD, "0001 61 0001 62 0000", 0,
         "type RECORD not permitted for domain kind mgmt"},
        {MSG_KIND_OF, MSG_SHUTDOWN, "01 00001388", 0,
         "type SHUTDOWN not permitted for domain kind of"},
        {MSG_KIND_CORE, MSG_LOG, "02 0001 6d 0000", 0, "type LOG not permitted from the core"},
        {MSG_KIND_OF, MSG_SOCK_CLOSE, "00000001 000000", 0,
         "payload length 7, SOCK_CLOSE needs exactly 4"},
        {MSG_KIND_OF, MSG_LOG, "02 0000", 0, "payload length 3, LOG needs 6..4133"},
        {MSG_KIND_OF, MSG_HEARTBEAT, "00000001", 1, "type HEARTBEAT carries no fds, got 1"},
        {MSG_KIND_CORE, MSG_SOCK_ACCEPTED, "00000001 00000002" ADDR_V4("1a0d"), 0,
         "type SOCK_ACCEPTED needs exactly 1 fd, got 0"},
        {MSG_KIND_OF, MSG_LOG, "02 0001 6d 000a 616263", 0,
         "LOG: string of 10 bytes at offset 4 runs past the end (3 left)"},
        {MSG_KIND_OF, MSG_STATUS, "0001 00", 0,
         "STATUS: truncated: 2-byte field at offset 2, 1 left"},
        {MSG_KIND_OF, MSG_RECORD, "ffff 616161616161", 0,
         "RECORD: string of 65535 bytes at offset 0 runs past the end (6 left)"},
        {MSG_KIND_OF, MSG_LOG, "02 0021" MOD33 "0000", 0,
         "LOG: string of 33 bytes at offset 1 exceeds field maximum 32"},
        {MSG_KIND_OF, MSG_LOG, "02 0001 6d 0005 6162006364", 0,
         "LOG: NUL byte in text at offset 8"},
        {MSG_KIND_OF, MSG_RECORD, "0003 612f62 0001 73 0000", 0,
         "RECORD: byte 0x2f not allowed in a name at offset 3"},
        {MSG_KIND_OF, MSG_LOG, "02 0000 0001 41", 0, "LOG: empty name at offset 1"},
        {MSG_KIND_OF, MSG_STATUS, "0000 abcd", 0, "STATUS: 2 trailing bytes at offset 2"},
        {MSG_KIND_OF, MSG_STATUS, "0002 0001 61 0000000000000001 0001 61 0000000000000002", 0,
         "STATUS: status key 'a' twice"},
        {MSG_KIND_OF, MSG_SOCK_SETOPT, "00000003 09 00000001", 0,
         "SOCK_SETOPT: socket option 9 unknown"},
        {MSG_KIND_OF, MSG_SOCK_SETOPT, "00000003 03 00000400", 0,
         "SOCK_SETOPT: option 3 value 1024 outside 4096..4194304"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000001 08 06 0016 01 02 0000", 0,
         "RULE_ADD: address 0x0a000001 has bits set past /8"},
        {MSG_KIND_OF, MSG_RULE_ADD, "00000000 00 01 0016 01 02 0000", 0,
         "RULE_ADD: port 22 with protocol 1"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000000 21 06 0016 01 02 0000", 0,
         "RULE_ADD: prefix length 33 > 32"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000000 08 06 0016 04 02 0000", 0,
         "RULE_ADD: rule direction 4 unknown"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000000 08 06 0016 03 00 0000", 0,
         "RULE_ADD: rule action 0 unknown"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000000 08 06 0016 03 02 1000", 0,
         "RULE_ADD: guest port 4096 > 4095"},
        {MSG_KIND_OF, MSG_RULE_ADD, "0a000000 08 06 0016 03 02", 0,
         "payload length 10, RULE_ADD needs exactly 12"},
        {MSG_KIND_OF, MSG_MGMT_QUERY, "01 00", 0, "type MGMT_QUERY not permitted for domain kind of"},
        {MSG_KIND_OF, MSG_MGMT_BLOCK, "01 01 0a000005 0000 0000003c", 0,
         "type MGMT_BLOCK not permitted for domain kind of"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "00 00", 0, "MGMT_QUERY: management query 0 unknown"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "05 00", 0, "MGMT_QUERY: management query 5 unknown"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "01 02", 0, "MGMT_QUERY: format 2 not 0 or 1"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "04 01", 0, "MGMT_QUERY: reload with format JSON"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "01", 0, "payload length 1, MGMT_QUERY needs exactly 2"},
        {MSG_KIND_MGMT, MSG_MGMT_QUERY, "01 00 00", 0,
         "payload length 3, MGMT_QUERY needs exactly 2"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "03 01 0a000005 0000 0000003c", 0,
         "MGMT_BLOCK: block command 3 unknown"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "01 03 0a000005 0000 0000003c", 0,
         "MGMT_BLOCK: block target kind 3 unknown"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "01 01 0a000005 0001 0000003c", 0,
         "MGMT_BLOCK: IPv4 target with bytes 4..5 not zero"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "01 02 00000000 0000 0000003c", 0,
         "MGMT_BLOCK: block target is all zero"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "02 01 0a000005 0000 0000003c", 0,
         "MGMT_BLOCK: unblock with a duration"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "01 01 0a000005 0000 00278d01", 0,
         "MGMT_BLOCK: block for 2592001 s, more than 2592000"},
        {MSG_KIND_MGMT, MSG_MGMT_BLOCK, "01 01 0a000005 0000 000000", 0,
         "payload length 11, MGMT_BLOCK needs exactly 12"},
        {MSG_KIND_CORE, MSG_APP_COMMAND, "01 01 0a000005 0000 00278d01", 0,
         "APP_COMMAND: block for 2592001 s, more than 2592000"},
        {MSG_KIND_MGMT, MSG_APP_COMMAND, "01 01 0a000005 0000 0000003c", 0,
         "type APP_COMMAND not permitted for domain kind mgmt"},
        /* the cluster: who may say what, and every field checked */
        {MSG_KIND_OF, MSG_CL_ROLE_SET, "0000000000000abc 01 00", 0,
         "type CL_ROLE_SET not permitted for domain kind of"},
        {MSG_KIND_CLUSTER, MSG_CL_PUT, "01 0001 61 00000000 00000000", 0,
         "type CL_PUT not permitted for domain kind cluster"},
        {MSG_KIND_CLUSTER, MSG_CL_ROLE_SET, "0000000000000abc 02 00", 0,
         "CL_ROLE_SET: role flags not 0 or 1"},
        {MSG_KIND_CLUSTER, MSG_CL_ROLE_SET, "0000000000000abc 00 01", 0,
         "CL_ROLE_SET: slave role with takeover set"},
        {MSG_KIND_OF, MSG_CL_CONN, "0000000000000abc 03", 0, "CL_CONN: switch state 3 unknown"},
        {MSG_KIND_OF, MSG_CL_CONN, "0000000000000abc", 0,
         "payload length 8, CL_CONN needs exactly 9"},
        {MSG_KIND_OF, MSG_CL_PUT, "03 0001 61 00000000 00000000", 0,
         "CL_PUT: cluster operation 3 unknown"},
        {MSG_KIND_OF, MSG_CL_PUT, "01 0002 2f61 00000000 00000000", 0,
         "CL_PUT: cluster key '/a' not 1..200 bytes of [A-Za-z0-9_.:/-]"},
        {MSG_KIND_OF, MSG_CL_PUT, "01 0003 612f2f 00000000 00000000", 0,
         "CL_PUT: cluster key 'a//' not 1..200 bytes of [A-Za-z0-9_.:/-]"},
        {MSG_KIND_OF, MSG_CL_PUT, "01 0002 6120 00000000 00000000", 0,
         "CL_PUT: cluster key 'a ' not 1..200 bytes of [A-Za-z0-9_.:/-]"},
        {MSG_KIND_OF, MSG_CL_PUT, "02 0001 61 00000001 78 00000000", 0,
         "CL_PUT: delete with a value or a ttl"},
        {MSG_KIND_OF, MSG_CL_PUT, "01 0001 61 00000000 00278d01", 0,
         "CL_PUT: ttl 2592001 s, more than 2592000"},
        {MSG_KIND_OF, MSG_CL_PUT, "01 0001 61 00000009 78 00000000", 0,
         "CL_PUT: value past the payload"},
        {MSG_KIND_CLUSTER, MSG_CL_STATE_SET, "02", 0, "CL_STATE_SET: connected 2 not 0 or 1"},
        {MSG_KIND_CORE, MSG_MGMT_REPLY, "01 02 00000000", 0,
         "MGMT_REPLY: final 1 / error 2 not 0 or 1"},
        {MSG_KIND_CORE, MSG_MGMT_REPLY, "01 00 00000003 610062", 0,
         "MGMT_REPLY: NUL byte in text at offset 7"},
        {MSG_KIND_CORE, MSG_MGMT_REPLY, "01 00 00000004 6162", 0,
         "MGMT_REPLY: string of 4 bytes at offset 2 runs past the end (2 left)"},
        {MSG_KIND_OF, MSG_RULE_DEL, "00000000", 0, "RULE_DEL: rule id 0"},
        {MSG_KIND_OF, MSG_RULE_LIST, "00000001 0041", 0, "RULE_LIST: list max 65 outside 1..64"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0220 00000000 0000 00000000 0000", 0,
         "RULE_RESULT: RULE_ADD result with 0 rules, needs 1"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0223 00000000 0000 00000000 0000", 0,
         "RULE_RESULT: rule result for op 0x0223"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0221 00000000 0002 6869 00000000 0000", 0,
         "RULE_RESULT: successful rule result with a reason"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0221 00001000 0000 00000000 0000", 0,
         "RULE_RESULT: error 4096 is not an errno"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0222 00000002 0000 00000005 0000", 0,
         "RULE_RESULT: failed rule result with rules or next_id"},
        {MSG_KIND_CORE, MSG_RULE_RESULT, "0221 00000000 0000 00000005 0000", 0,
         "RULE_RESULT: next_id 5 outside RULE_LIST"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0220 00000000 0000 00000000 0001 00000000 0a000000 08 06 0016 01 02 0000 0005 61646d696e"
         " 0000000000000000 0000000000000000",
         0, "RULE_RESULT: rule 0 with id 0 outside 1..131071"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0220 00000000 0000 00000000 0001 00000007 0a000000 08 06 0016 01 02 0000 0005 726f6f7421"
         " 0000000000000000 0000000000000000",
         0, "RULE_RESULT: byte 0x21 not allowed in a name at offset 36"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0220 00000000 0000 00000000 0001 00000007 0a000000 08 06 0016 01 02 0000 0004 726f6f74"
         " 0000000000000000 0000000000000000",
         0, "RULE_RESULT: rule 7: owner 'root' is not admin, domain:NAME or guest:ID"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0220 00000000 0000 00000000 0001 00000007 0a000000 08 06 0016 01 02 0000 000a "
         "67756573743a34303936 0000000000000000 0000000000000000",
         0, "RULE_RESULT: rule 7: owner 'guest:4096' is not admin, domain:NAME or guest:ID"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0222 00000000 0000 00000000 0002"
         " 00000007 0a000000 08 06 0016 01 02 0000 0005 61646d696e 0000000000000000 0000000000000000"
         " 00000007 0a000000 08 06 0016 01 02 0000 0005 61646d696e 0000000000000000 0000000000000000",
         0, "RULE_RESULT: rule ids not ascending (7 after 7)"},
        {MSG_KIND_CORE, MSG_RULE_RESULT,
         "0222 00000000 0000 00000007 0001"
         " 00000007 0a000000 08 06 0016 01 02 0000 0005 61646d696e 0000000000000000 0000000000000000",
         0, "RULE_RESULT: next_id 7 not past the last rule 7"},
        {MSG_KIND_CORE, MSG_MON_EVENT,
         "0000000000000000 00000005 0000 01 06 0a4d0001 0a4d0002 9c40 1389 0000004a 0000 0800 "
         "00000000 00000000",
         0, "MON_EVENT: guest port 0 outside 1..4095"},
        {MSG_KIND_CORE, MSG_MON_EVENT,
         "0000000000000000 00000005 0001 03 06 0a4d0001 0a4d0002 9c40 1389 0000004a 0000 0800 "
         "00000000 00000000",
         0, "MON_EVENT: event direction 3 not 1 or 2"},
        {MSG_KIND_CORE, MSG_MON_EVENT,
         "0000000000000000 00020000 0001 01 06 0a4d0001 0a4d0002 9c40 1389 0000004a 0000 0800 "
         "00000000 00000000",
         0, "MON_EVENT: rule id 131072 > 131071"},
        {MSG_KIND_CORE, MSG_MON_EVENT,
         "0000000000000000 00000005 0001 01 06 0a4d0001 0a4d0002 9c40 1389 0000004a 0008 0800 "
         "00000000 00000000",
         0, "MON_EVENT: event flags 0x0008 unknown"},
        {MSG_KIND_CORE, MSG_MON_EVENT, "0000000000000000 00000005 0001 01 06", 0,
         "payload length 16, MON_EVENT needs exactly 44"},
        {MSG_KIND_OF, MSG_MON_EVENT,
         "0000000000000000 00000005 0001 01 06 0a4d0001 0a4d0002 9c40 1389 0000004a 0000 0800 "
         "00000000 00000000",
         0, "type MON_EVENT not permitted for domain kind of"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0000", "0001", "00", "00000005") Z32 Z32, 0,
         "GUEST_NOTIFY: guest port 0 outside 1..4095"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("1000", "0001", "00", "00000005") Z32 Z32, 0,
         "GUEST_NOTIFY: guest port 4096 outside 1..4095"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0001", "0004", "00", "00000005") Z32 Z32, 0,
         "GUEST_NOTIFY: notification kind 4 unknown"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0001", "0000", "00", "00000005") Z32 Z32, 0,
         "GUEST_NOTIFY: notification kind 0 unknown"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0001", "0001", "00", "00020000") Z32 Z32, 0,
         "GUEST_NOTIFY: rule id 131072 > 131071"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0001", "0001", "41", "00000005") Z32 Z32, 0,
         "GUEST_NOTIFY: text length 65 > 64"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY,
         NOTE("0001", "0001", "03", "00000005") "68690a " Z29 Z32, 0,
         "GUEST_NOTIFY: byte 0x0a not printable in text at offset 24"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY,
         NOTE("0001", "0001", "02", "00000005") "6869 000000 7e " Z26 Z32, 0,
         "GUEST_NOTIFY: text padding not zero at offset 27"},
        {MSG_KIND_OF, MSG_GUEST_NOTIFY, NOTE("0001", "0001", "00", "00000005") Z32, 0,
         "payload length 54, GUEST_NOTIFY needs exactly 86"},
        {MSG_KIND_MGMT, MSG_GUEST_NOTIFY, NOTE("0001", "0001", "00", "00000005") Z32 Z32, 0,
         "type GUEST_NOTIFY not permitted for domain kind mgmt"},
        {MSG_KIND_CORE, MSG_GUEST_NOTIFY, NOTE("0001", "0001", "00", "00000005") Z32 Z32, 0,
         "type GUEST_NOTIFY not permitted from the core"},
        {MSG_KIND_OF, MSG_SOCK_CONNECT, ADDR_V4("0000"), 0, "SOCK_CONNECT: connect to port 0"},
        {MSG_KIND_OF, MSG_SOCK_CONNECT, "04 1a0d 7f000001 000000000000000000000001", 0,
         "SOCK_CONNECT: IPv4 address with bytes 4..15 not zero"},
        {MSG_KIND_OF, MSG_SOCK_LISTEN, "05 1a0d 7f000001 000000000000000000000000 0001", 0,
         "SOCK_LISTEN: address family 5 unknown"},
        {MSG_KIND_CORE, MSG_HELLO, "0001 02 0002 6f66 00010000 000f4240 0040 0100 000003e8", 0,
         "HELLO: version 1, this side speaks 3"},
        {MSG_KIND_CORE, MSG_SOCKET_RESULT, "0211 00000000 00000005" ADDR_V4("9c40") ADDR_V4("19fd"),
         0, "SOCKET_RESULT: SOCK_CONNECT result with error 0 needs 1 fd, got 0"},
        {MSG_KIND_CORE, MSG_SOCKET_RESULT,
         "0210 00000000 00000009" ADDR_V4("19fd") "00 0000 00000000000000000000000000000000", 1,
         "SOCKET_RESULT: SOCK_LISTEN result with error 0 needs 0 fds, got 1"},
        {MSG_KIND_CORE, MSG_APP_SOURCES, "00000001 0000 0000 0000 0001 61 00000000", 0,
         "APP_SOURCES: empty set with a non-empty entry"},
        {MSG_KIND_CORE, MSG_CTL_REQUEST, "04 00 0000000000000000", 0,
         "CTL_REQUEST: control command 4 unknown"},
        {MSG_KIND_CORE, MSG_CTL_REQUEST, "03 00 0000000000000001", 0,
         "CTL_REQUEST: cluster request with a dpid"},
        {MSG_KIND_CORE, MSG_CTL_REQUEST, "01 00 0000000000000001", 0,
         "CTL_REQUEST: status request with a dpid"},
        {MSG_KIND_CORE, MSG_CTL_REQUEST, "02 02 0000000000000001", 0,
         "CTL_REQUEST: format 2 not 0 or 1"},
        {MSG_KIND_OF, MSG_CTL_REQUEST, "02 00 0000000000000001", 0,
         "type CTL_REQUEST not permitted for domain kind of"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0302 0000 0000" PEM3, 0,
         "TLS_CONFIG: TLS version 0x0302 is not 0x0303 (1.2) or 0x0304 (1.3)"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0001 41 0000" PEM3, 0,
         "TLS_CONFIG: TLS 1.2 ciphers with minimum version TLS 1.3"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0303 0002 412f 0000" PEM3, 0,
         "TLS_CONFIG: ciphers: byte 0x2f not allowed at 1"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0001 0a" PEM3, 0,
         "TLS_CONFIG: ciphersuites: byte 0x0a not allowed at 0"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000 00000000" PEM1 PEM1, 0,
         "TLS_CONFIG: key: empty"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG,
         "0304 0000 0000" PEM1 "0000000b 2d2d2d2d2d424547494e0a" PEM1, 0,
         "TLS_CONFIG: cert: no PEM BEGIN line"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000" PEM1 PEM1 "00000003 616200", 0,
         "TLS_CONFIG: NUL byte in text at offset 42"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000" PEM1 PEM1 "00004000 61", 0,
         "TLS_CONFIG: string of 16384 bytes at offset 36 runs past the end (1 left)"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000" PEM1 PEM1 "00020001 61", 0,
         "TLS_CONFIG: string of 131073 bytes at offset 36 runs past the end (1 left)"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000" PEM3 "00", 0,
         "TLS_CONFIG: 1 trailing bytes at offset 51"},
        {MSG_KIND_CORE, MSG_TLS_CONFIG, "0304 0000 0000 00000000 00000000", 0,
         "payload length 14, TLS_CONFIG needs 18..213522"},
        {MSG_KIND_OF, MSG_TLS_CONFIG, "0304 0000 0000" PEM3, 0,
         "type TLS_CONFIG not permitted for domain kind of"},
        {MSG_KIND_OF, MSG_CTL_REPLY, "02 00 00000000", 0,
         "CTL_REPLY: final 2 / error 0 not 0 or 1"},
        {MSG_KIND_OF, MSG_CTL_REPLY, "01 00 00000005 6162", 0,
         "CTL_REPLY: string of 5 bytes at offset 2 runs past the end (2 left)"},
        {MSG_KIND_OF, MSG_CTL_REPLY, "01 00 00000003 610062", 0,
         "CTL_REPLY: NUL byte in text at offset 7"},
        {MSG_KIND_OF, MSG_CTL_REPLY, "01 00", 0, "payload length 2, CTL_REPLY needs 6..65542"},
        {MSG_KIND_OF, MSG_APP_RESULT, "00000000 0000", 0,
         "APP_RESULT: app result for generation 0"},
        {MSG_KIND_OF, MSG_APP_RESULT, "00000001 0000 00", 0,
         "APP_RESULT: 1 trailing bytes at offset 6"},
    };
    char err[MSG_ERR_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t p[512];
        long n = unit_hex(cases[i].hex, p, sizeof(p));
        assert_true(n >= 0);
        struct msg_hdr h = {cases[i].type, 0, (uint32_t)n, 77};
        int fds[MSG_MAX_FDS] = {-1, -1, -1, -1}, orig[MSG_MAX_FDS];
        for (int k = 0; k < cases[i].nfds; k++)
            orig[k] = fds[k] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct seen seen = {0};
        const struct msg_handler *tab = cases[i].kind == MSG_KIND_CORE ? dom_tab : core_tab;
        int rc =
            msg_dispatch(tab, cases[i].kind, &seen, &h, p, fds, cases[i].nfds, err, sizeof(err));
        if (rc != MSG_FATAL || strcmp(err, cases[i].reason))
            fail_msg("case %zu: rc %d, reason '%s', want '%s'", i, rc, err, cases[i].reason);
        for (int k = 0; k < cases[i].nfds; k++) { /* closed by dispatch */
            assert_int_equal(fds[k], -1);
            assert_false(is_open(orig[k]));
        }
    }
    /* Header flags are refused by dispatch too (callers may skip msg_recv). */
    struct msg_hdr h = {MSG_HEARTBEAT, 1, 4, 0};
    assert_int_equal(msg_dispatch(core_tab, MSG_KIND_OF, NULL, &h, (const uint8_t *)"\0\0\0\1",
                                  NULL, 0, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "header flags 0x0001 set, none are defined");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fd_setup, fd_teardown)
    const struct CMUnitTest tests[] = {T(test_recv_malformed), T(test_dispatch_malformed)};
    return cmocka_run_group_tests(tests, build_tables, NULL);
}
