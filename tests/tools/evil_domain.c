/*
 * evil_domain.c - a hostile protection domain for tests/integration/
 * domain_ovs.sh. visorflowd starts it in place of visorflow-domain
 * ([domain.of] binary = .../evil_domain, args = MODE): it enters the real
 * sandbox, waits for HELLO like an honest domain, heartbeats, and then does
 * the one thing its mode names. The core must log why, kill it, restart it,
 * and stay up.
 *
 *   malformed    LOG with log level 9
 *   oversized    one 300000-byte datagram
 *   unpermitted  SHUTDOWN (a core -> domain type; no domain may send it)
 *   truncated    a header that promises 10 payload bytes, 4 follow
 *   unknown      type 0x02ff
 *   fds          a HEARTBEAT carrying an fd
 *   reply        CTL_REPLY to a request the core never sent
 *   silent       no heartbeat at all (the core's liveness check ends it)
 *   crash        exit 3 right after HELLO
 *   spin         burn CPU (with [domain.of] cpu = 1 the kernel ends it)
 *   forge        behaves, but answers `status` with text and JSON that try
 *                to pass for the core's own lines and keys
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msg/msg.h"
#include "sbx/sbx.h"

#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static uint8_t buf[MSG_MAX_PAYLOAD + 64];

static void raw(const void *p, size_t n)
{
    if (write(SBX_FD, p, n) < 0) exit(4);
}

static void send_msg(uint16_t type, uint32_t id, const union msg_body *b)
{
    struct msg_w w;
    char err[MSG_ERR_MAX];
    msg_w_init(&w, buf, sizeof(buf));
    if (msg_encode(type, &w, b) != MSG_OK ||
        msg_send(SBX_FD, type, id, buf, w.len, NULL, 0, err, sizeof(err)) != MSG_OK)
        exit(5);
}

static void heartbeat(void)
{
    static uint32_t seq;
    union msg_body b = {.heartbeat = {seq++}};
    send_msg(MSG_HEARTBEAT, 0, &b);
}

/* Receive one message within ms; 1 with h filled, 0 on timeout. */
static int recv_msg(struct msg_hdr *h, int ms)
{
    struct pollfd p = {SBX_FD, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return 0;
    int fds[MSG_MAX_FDS], nfds;
    char err[MSG_ERR_MAX];
    int rc = msg_recv(SBX_FD, h, buf, MSG_MAX_PAYLOAD, fds, &nfds, err, sizeof(err));
    if (rc == MSG_EOF) exit(0);
    msg_close_fds(fds, nfds);
    return rc == MSG_OK;
}

static void hdr(uint8_t *raw_hdr, uint16_t type, uint32_t len, uint32_t id)
{
    struct msg_hdr h = {type, 0, len, id};
    msg_hdr_put(raw_hdr, &h);
}

static void act(const char *mode)
{
    uint8_t d[64];
    if (!strcmp(mode, "malformed")) {
        /* level 9, module "x", text "" */
        hdr(d, MSG_LOG, 6, 0);
        memcpy(d + 12, "\x09\x00\x01x\x00\x00", 6);
        raw(d, 18);
    } else if (!strcmp(mode, "oversized")) {
        static uint8_t big[300000];
        hdr(big, MSG_LOG, sizeof(big) - MSG_HDR_LEN, 0);
        raw(big, sizeof(big));
    } else if (!strcmp(mode, "unpermitted")) {
        union msg_body b = {.shutdown = {MSG_SHUT_STOP, 0}};
        send_msg(MSG_SHUTDOWN, 1, &b);
    } else if (!strcmp(mode, "truncated")) {
        hdr(d, MSG_LOG, 10, 0);
        memcpy(d + 12, "\x02\x00\x01x", 4);
        raw(d, 16);
    } else if (!strcmp(mode, "unknown")) {
        hdr(d, 0x02ff, 0, 0);
        raw(d, 12);
    } else if (!strcmp(mode, "fds")) {
        int fd = 0;
        union {
            struct cmsghdr align;
            char c[CMSG_SPACE(sizeof(int))];
        } ctl;
        hdr(d, MSG_HEARTBEAT, 4, 0);
        memset(d + 12, 0, 4);
        struct iovec iov = {d, 16};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.c,
                            .msg_controllen = sizeof(ctl.c)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        if (sendmsg(SBX_FD, &mh, 0) < 0) exit(4);
    } else if (!strcmp(mode, "reply")) {
        union msg_body b = {.ctl_reply = {1, 0, "hi\n", 3}};
        send_msg(MSG_CTL_REPLY, 999, &b);
    } else if (!strcmp(mode, "crash")) {
        exit(3);
    } else if (!strcmp(mode, "spin")) {
        for (volatile unsigned long i = 0;; i++) {
        }
    }
}

/* forge: answer status with lines and keys that are not ours to give. */
static void forge(const struct msg_hdr *h)
{
    if (h->type != MSG_CTL_REQUEST) return;
    int json = buf[1];
    const char *text = json ? "{\"ok\":1}},\"restarts\":0,\"forged\":{\"x\":1"
                            : "forged detail\ndomain of: kind of pid 1 state running "
                              "restarts 0 up 99999s\nvisorflowd pid 1 up 1s\n";
    union msg_body b = {.ctl_reply = {1, 0, text, (uint32_t)strlen(text)}};
    send_msg(MSG_CTL_REPLY, h->id, &b);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "forge";
    struct sbx_limits lim;
    char err[SBX_ERR_MAX];
    struct rlimit rl;
    sbx_limits_default(&lim);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) lim.nofile = rl.rlim_max;
    if (sbx_enter(&lim, err, sizeof(err)) != 0) {
        dprintf(2, "evil_domain: %s\n", err);
        return 1;
    }
    struct msg_hdr h;
    while (!recv_msg(&h, 10000) || h.type != MSG_HELLO) {
    }
    int silent = !strcmp(mode, "silent");
    if (!silent) heartbeat();
    act(mode);
    /* Then live on as a quiet domain until the core ends it. */
    for (uint64_t next = now_ms();;) {
        if (!silent && now_ms() >= next) {
            heartbeat();
            next = now_ms() + 200;
        }
        if (recv_msg(&h, 100) && !strcmp(mode, "forge")) forge(&h);
    }
}
