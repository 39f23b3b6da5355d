/*
 * ofecho.c - the trivial OpenFlow 1.0 "controller" for bench/controller.sh:
 * it answers every PACKET_IN with a PACKET_OUT (the same buffer, flood) and
 * does nothing else that costs. Run against ofbench it shows the generator's
 * own ceiling, so a controller's figure can be told apart from ofbench's.
 *
 * On connect it sends HELLO and FEATURES_REQUEST, answers ECHO_REQUEST, and
 * ignores every other message. One thread, one epoll set; per connection one
 * read per wakeup, all answers of that read written with one send. When the
 * peer does not read, input stops being read (back pressure) instead of
 * buffering without limit.
 *
 *   ofecho [-q] HOST:PORT     (SIGINT/SIGTERM: print totals, exit 0)
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/be.h"
#include "lib/sock.h"
#include "of10/of10_wire.h"

#define ECHO_RBUF   (128u << 10)
#define ECHO_WBUF   (256u << 10)
#define ECHO_MAXMSG 65535u
#define PO_LEN      (OFP10_PACKET_OUT_LEN + OFP10_ACTION_HEADER_LEN)

struct conn {
    int fd;
    bool out_wanted, in_paused;
    size_t rlen, woff, wlen;
    uint8_t rbuf[ECHO_RBUF];
    uint8_t wbuf[ECHO_WBUF];
};

static volatile sig_atomic_t stop;
static uint64_t n_conns, n_answered, n_echo;
static int ep;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void put_header(uint8_t *p, uint8_t type, uint16_t len, uint32_t xid)
{
    p[0] = OFP10_VERSION;
    p[1] = type;
    be_put16(p + 2, len);
    be_put32(p + 4, xid);
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    free(c);
}

static void conn_watch(struct conn *c)
{
    struct epoll_event ev = {
        .events = (c->in_paused ? 0 : EPOLLIN) | (c->out_wanted ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* PACKET_OUT for the PACKET_IN at p: its buffer and in_port, one OUTPUT:FLOOD
 * action; the frame is copied back only when the switch did not buffer it. */
static size_t answer_len(const uint8_t *p, size_t len)
{
    bool buffered = be_get32(p + 8) != OFP10_NO_BUFFER;
    size_t n = PO_LEN + (buffered ? 0 : len - OFP10_PACKET_IN_LEN);
    return n <= ECHO_MAXMSG ? n : PO_LEN; /* a frame too long to echo is dropped */
}

static void answer(struct conn *c, const uint8_t *p, size_t len)
{
    uint8_t *q = c->wbuf + c->wlen;
    size_t n = answer_len(p, len);
    put_header(q, OFPT10_PACKET_OUT, (uint16_t)n, be_get32(p + 4));
    memcpy(q + 8, p + 8, 4);                   /* buffer_id */
    memcpy(q + 12, p + 14, 2);                 /* in_port */
    be_put16(q + 14, OFP10_ACTION_HEADER_LEN); /* actions_len */
    be_put16(q + 16, 0);                       /* OFPAT_OUTPUT */
    be_put16(q + 18, OFP10_ACTION_HEADER_LEN);
    be_put16(q + 20, OFPP10_FLOOD);
    be_put16(q + 22, 0);
    if (n > PO_LEN) memcpy(q + PO_LEN, p + OFP10_PACKET_IN_LEN, n - PO_LEN);
    c->wlen += n;
    n_answered++;
}

/* Handles whole messages while their answers fit; returns bytes consumed. */
static size_t conn_parse(struct conn *c)
{
    size_t off = 0;
    while (c->rlen - off >= OFP10_HEADER_LEN) {
        const uint8_t *p = c->rbuf + off;
        size_t len = be_get16(p + 2);
        if (len < OFP10_HEADER_LEN) return SIZE_MAX;
        if (len > c->rlen - off) break;
        size_t need = len; /* an echo reply is as long as its request */
        if (p[1] == OFPT10_PACKET_IN) {
            if (len < OFP10_PACKET_IN_LEN) return SIZE_MAX;
            need = answer_len(p, len);
        }
        if (ECHO_WBUF - c->wlen < need) break; /* peer not reading: stop here */
        if (p[1] == OFPT10_PACKET_IN) {
            answer(c, p, len);
        } else if (p[1] == OFPT10_ECHO_REQUEST) {
            memcpy(c->wbuf + c->wlen, p, len);
            c->wbuf[c->wlen + 1] = OFPT10_ECHO_REPLY;
            c->wlen += len;
            n_echo++;
        }
        off += len;
    }
    return off;
}

static bool conn_flush(struct conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            return false;
        }
        c->woff += (size_t)n;
    }
    if (c->woff == c->wlen)
        c->woff = c->wlen = 0;
    else if (c->woff > ECHO_WBUF / 2) {
        memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
        c->wlen -= c->woff;
        c->woff = 0;
    }
    return true;
}

/* Read once (unless the buffer is full of unanswerable input), answer,
 * write; pause reading while the output does not drain. */
static void conn_event(struct conn *c, uint32_t ev)
{
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && c->rlen < ECHO_RBUF) {
        ssize_t n = read(c->fd, c->rbuf + c->rlen, ECHO_RBUF - c->rlen);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (n > 0) c->rlen += (size_t)n;
    }
    size_t used = conn_parse(c);
    if (used == SIZE_MAX) {
        fprintf(stderr, "ofecho: bad message length, closing a connection\n");
        conn_close(c);
        return;
    }
    memmove(c->rbuf, c->rbuf + used, c->rlen - used);
    c->rlen -= used;
    if (!conn_flush(c)) {
        conn_close(c);
        return;
    }
    /* Paused while what is left needs more room than the output has: the
     * unparsed input then waits for EPOLLOUT, not for more input. */
    bool want_out = c->wlen > 0;
    bool pause =
        want_out && c->rlen >= OFP10_HEADER_LEN && ECHO_WBUF - c->wlen < ECHO_MAXMSG + PO_LEN;
    if (want_out != c->out_wanted || pause != c->in_paused) {
        c->out_wanted = want_out;
        c->in_paused = pause;
        conn_watch(c);
    }
}

static void accept_all(int lfd)
{
    for (;;) {
        int fd = sock_accept(lfd, NULL, NULL); /* non-blocking, TCP_NODELAY */
        if (fd < 0) return;
        struct conn *c = malloc(sizeof(*c));
        if (!c) {
            close(fd);
            return;
        }
        memset(c, 0, offsetof(struct conn, rbuf));
        c->fd = fd;
        put_header(c->wbuf, OFPT10_HELLO, OFP10_HEADER_LEN, 1);
        put_header(c->wbuf + 8, OFPT10_FEATURES_REQUEST, OFP10_HEADER_LEN, 2);
        c->wlen = 16;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 || !conn_flush(c)) {
            conn_close(c);
            continue;
        }
        n_conns++;
    }
}

int main(int argc, char **argv)
{
    char err[SOCK_ERR_MAX];
    bool quiet = argc == 3 && strcmp(argv[1], "-q") == 0;
    if (argc != 2 + quiet || argv[argc - 1][0] == '-') {
        fprintf(stderr, "usage: ofecho [-q] HOST:PORT\n");
        return 2;
    }
    int lfd = sock_listen(argv[argc - 1], 128, err, sizeof(err));
    if (lfd < 0) {
        fprintf(stderr, "ofecho: listen %s: %s\n", argv[argc - 1], err);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ep = epoll_create1(EPOLL_CLOEXEC);
    static int listener_tag; /* data.ptr of the listening socket */
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener_tag};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror("ofecho: epoll");
        return 1;
    }
    if (!quiet) fprintf(stderr, "ofecho: listening on %s\n", argv[argc - 1]);
    struct epoll_event evs[64];
    while (!stop) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &listener_tag)
                accept_all(lfd);
            else
                conn_event(evs[i].data.ptr, evs[i].events);
        }
    }
    if (!quiet)
        fprintf(stderr,
                "ofecho: %" PRIu64 " connections, %" PRIu64 " PACKET_INs answered, %" PRIu64
                " echo requests\n",
                n_conns, n_answered, n_echo);
    return 0;
}
