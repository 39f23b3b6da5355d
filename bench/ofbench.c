/*
 * ofbench.c - OpenFlow 1.0 controller load generator in the spirit of cbench:
 * N emulated switches connect to a controller, do the handshake, teach it
 * their hosts' MACs (a learning phase, not counted), then send PACKET_INs for
 * L loops of M ms and count the answers per second.
 *
 *   latency mode:    one PACKET_IN outstanding per switch; the next one is
 *                    sent when the answer arrives (rate = 1 / round trip).
 *   throughput mode: up to --cap outstanding per switch, written as fast as
 *                    the socket takes them.
 *
 * An "answer" is a message that releases the PACKET_IN's buffer: a PACKET_OUT,
 * or a FLOW_MOD (ADD/MODIFY) naming the buffer. Each PACKET_IN gets a fresh
 * buffer id, and an answer counts once, so a controller that sends FLOW_MOD +
 * PACKET_OUT per packet (os-ken's simple_switch) and one that sends a single
 * buffered FLOW_MOD (ovs-testcontroller) are measured on the same scale. The
 * raw FLOW_MOD and PACKET_OUT message rates (cbench's "responses") are printed
 * beside it.
 *
 * One thread, one epoll set, level-triggered. Per switch: one read per wakeup,
 * every whole message handled from the read buffer, new PACKET_INs appended
 * to one write buffer and sent with one send(). Nothing is allocated after
 * start (but by OpenSSL, with --tls: then every switch does a TLS 1.3
 * handshake with a client certificate first, bench/ofbench_tls.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/ofbench.h"
#include "lib/be.h"
#include "lib/sock.h"
#include "tls/tls.h"

#define MAX_EVENTS     64
#define TICK_MS        10  /* stall checks and reconnects, at most this late */
#define RETRY_MS       100 /* a refused connect is retried this often */
#define LEARN_LIMIT_MS 60000

uint64_t ofb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- options --------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: ofbench [options] HOST:PORT\n"
               "Emulates OpenFlow 1.0 switches against the controller at HOST:PORT and\n"
               "prints PACKET_INs answered per second (per loop, then a RESULT line).\n"
               "  -s, --switches N     emulated switches (16)\n"
               "  -M, --macs N         hosts (MACs) per switch (1000)\n"
               "  -p, --ports N        ports per switch (4)\n"
               "  -l, --loops N        loops (10)\n"
               "  -m, --ms N           loop length in ms (1000)\n"
               "  -w, --warmup N       first loops left out of the summary (1)\n"
               "  -t, --throughput     throughput mode (default: latency mode)\n"
               "      --mode latency|throughput\n"
               "  -c, --cap N          outstanding PACKET_INs per switch in throughput mode (512)\n"
               "      --learn-window N outstanding learning PACKET_INs per switch (16)\n"
               "      --no-learn       skip the learning phase\n"
               "  -D, --delay MS       pause after the handshakes (0)\n"
               "      --stall MS       no answer for MS on a switch: its outstanding PACKET_INs\n"
               "                       count as lost and sending resumes (500)\n"
               "      --connect-timeout MS  every switch connected and ready by then (15000)\n"
               "  -d, --dpid-base N    datapath id of the first switch (1)\n"
               "      --validate       decode every controller message with the of10 codec\n"
               "  -q, --quiet          print only the RESULT line\n"
               "      --tls CERT,KEY,CA  speak TLS 1.3 with this client certificate and key,\n"
               "                       verifying the controller against CA (PEM files)\n"
               "Exit: 0 ok, 1 connection/handshake failure or no answer at all, 2 usage.\n");
}

/* Decimal in [min, max], whole string; exits with a usage error otherwise. */
static unsigned long long num_arg(const char *name, const char *v, unsigned long long min,
                                  unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (errno || end == v || *end || v[0] == '-' || n < min || n > max) {
        fprintf(stderr, "ofbench: %s must be a number in %llu..%llu, not '%s'\n", name, min, max,
                v);
        exit(2);
    }
    return n;
}

static void parse_opts(struct ofb_opts *o, int argc, char **argv)
{
    enum { O_MODE = 256, O_LEARN_WIN, O_NO_LEARN, O_STALL, O_CONNECT, O_VALIDATE, O_TLS };
    static const struct option lo[] = {{"switches", 1, 0, 's'},
                                       {"macs", 1, 0, 'M'},
                                       {"ports", 1, 0, 'p'},
                                       {"loops", 1, 0, 'l'},
                                       {"ms", 1, 0, 'm'},
                                       {"warmup", 1, 0, 'w'},
                                       {"throughput", 0, 0, 't'},
                                       {"mode", 1, 0, O_MODE},
                                       {"cap", 1, 0, 'c'},
                                       {"learn-window", 1, 0, O_LEARN_WIN},
                                       {"no-learn", 0, 0, O_NO_LEARN},
                                       {"delay", 1, 0, 'D'},
                                       {"stall", 1, 0, O_STALL},
                                       {"connect-timeout", 1, 0, O_CONNECT},
                                       {"dpid-base", 1, 0, 'd'},
                                       {"validate", 0, 0, O_VALIDATE},
                                       {"tls", 1, 0, O_TLS},
                                       {"quiet", 0, 0, 'q'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    *o = (struct ofb_opts){.switches = 16,
                           .macs = 1000,
                           .ports = 4,
                           .loops = 10,
                           .loop_ms = 1000,
                           .warmup = 1,
                           .cap = 512,
                           .learn_win = 16,
                           .stall_ms = 500,
                           .connect_ms = 15000,
                           .dpid_base = 1,
                           .mode = OFB_LATENCY,
                           .learn = true};
    int c;
    while ((c = getopt_long(argc, argv, "s:M:p:l:m:w:tc:D:d:qh", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            o->switches = (unsigned)num_arg("--switches", optarg, 1, 1000);
            break;
        case 'M':
            o->macs = (unsigned)num_arg("--macs", optarg, 1, 1000000);
            break;
        case 'p':
            o->ports = (unsigned)num_arg("--ports", optarg, 1, 256);
            break;
        case 'l':
            o->loops = (unsigned)num_arg("--loops", optarg, 1, 1000000);
            break;
        case 'm':
            o->loop_ms = (unsigned)num_arg("--ms", optarg, 10, 3600000);
            break;
        case 'w':
            o->warmup = (unsigned)num_arg("--warmup", optarg, 0, 1000000);
            break;
        case 't':
            o->mode = OFB_THROUGHPUT;
            break;
        case O_MODE:
            if (strcmp(optarg, "latency") == 0)
                o->mode = OFB_LATENCY;
            else if (strcmp(optarg, "throughput") == 0)
                o->mode = OFB_THROUGHPUT;
            else {
                fprintf(stderr, "ofbench: --mode is latency or throughput\n");
                exit(2);
            }
            break;
        case 'c':
            o->cap = (unsigned)num_arg("--cap", optarg, 1, OFB_CAPMAX);
            break;
        case O_LEARN_WIN:
            o->learn_win = (unsigned)num_arg("--learn-window", optarg, 1, OFB_CAPMAX);
            break;
        case O_NO_LEARN:
            o->learn = false;
            break;
        case 'D':
            o->delay_ms = (unsigned)num_arg("--delay", optarg, 0, 600000);
            break;
        case O_STALL:
            o->stall_ms = (unsigned)num_arg("--stall", optarg, 10, 600000);
            break;
        case O_CONNECT:
            o->connect_ms = (unsigned)num_arg("--connect-timeout", optarg, 100, 3600000);
            break;
        case 'd':
            o->dpid_base = num_arg("--dpid-base", optarg, 0, UINT64_MAX - 1000);
            break;
        case O_VALIDATE:
            o->validate = true;
            break;
        case O_TLS:
            o->tls = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        exit(2);
    }
    o->addr = argv[optind];
    if (o->warmup >= o->loops) {
        fprintf(stderr, "ofbench: --warmup (%u) must be below --loops (%u)\n", o->warmup, o->loops);
        exit(2);
    }
}

/* ---- connections and buffers --------------------------------------------------- */

static void sw_dead(struct ofb_sw *s, const char *why)
{
    if (s->state == SW_DEAD) return;
    fprintf(stderr, "ofbench: switch %u: %s\n", s->idx, why);
    if (s->state == SW_READY) s->b->ready--;
    tls_conn_free(s->tls);
    s->tls = NULL;
    if (s->fd >= 0) close(s->fd); /* also leaves the epoll set */
    s->fd = -1;
    s->state = SW_DEAD;
    s->b->dead++;
}

uint8_t *ofb_wreserve(struct ofb_sw *s, size_t n)
{
    if (OFB_WBUF - s->wlen < n && s->woff > 0) {
        memmove(s->wbuf, s->wbuf + s->woff, s->wlen - s->woff);
        s->wlen -= s->woff;
        s->woff = 0;
    }
    if (OFB_WBUF - s->wlen < n) {
        /* Only reachable when the controller stops reading while asking for
         * more than OFB_WRESERVE bytes of replies: nothing sensible to do. */
        fprintf(stderr, "ofbench: switch %u: write buffer full (controller not reading)\n", s->idx);
        exit(1);
    }
    return s->wbuf + s->wlen;
}

static void sw_watch(struct ofb_sw *s, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = s};
    if (epoll_ctl(s->b->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0) sw_dead(s, "epoll_ctl failed");
}

static void sw_connect(struct ofb_sw *s)
{
    char err[SOCK_ERR_MAX];
    s->fd = sock_connect(s->b->o.addr, err, sizeof(err)); /* non-blocking, TCP_NODELAY */
    if (s->fd < 0) {
        fprintf(stderr, "ofbench: connect %s: %s\n", s->b->o.addr, err[0] ? err : strerror(errno));
        exit(1);
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = s};
    if (epoll_ctl(s->b->ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
        perror("ofbench: epoll_ctl");
        exit(1);
    }
    s->state = SW_CONNECTING;
    s->rlen = s->woff = s->wlen = 0;
}

static void sw_tls(struct ofb_sw *s);

/* The connect finished: send HELLO; a refusal (controller not listening yet)
 * is retried until --connect-timeout. */
static void sw_connected(struct ofb_sw *s)
{
    int e = sock_connect_result(s->fd);
    if (e == ECONNREFUSED) {
        s->last_err = e;
        close(s->fd);
        s->fd = -1;
        s->state = SW_IDLE;
        s->retry_ns = s->b->now_ns + RETRY_MS * 1000000ull;
        return;
    }
    if (e != 0) {
        sw_dead(s, strerror(e));
        return;
    }
    if (s->b->tls) {
        s->tls = tls_conn_new(s->b->tls, s->fd);
        if (!s->tls) {
            sw_dead(s, "out of memory for TLS");
            return;
        }
        s->state = SW_TLS;
        sw_tls(s); /* the ClientHello: a client speaks first */
        return;
    }
    s->state = SW_HANDSHAKE;
    s->want_out = true;
    sw_watch(s, EPOLLIN | EPOLLOUT);
    ofb_sw_hello(s);
}

/* One step of the TLS handshake; OpenFlow starts when it is done. */
static void sw_tls(struct ofb_sw *s)
{
    int r = tls_conn_handshake(s->tls);
    if (r == TLS_ERR) {
        char why[TLS_ERR_MAX + 16];
        snprintf(why, sizeof(why), "TLS: %s", tls_conn_error(s->tls));
        sw_dead(s, why);
    } else if (r == TLS_AGAIN) {
        sw_watch(s, EPOLLIN | (tls_conn_staged(s->tls) ? EPOLLOUT : 0));
    } else {
        if (s->idx == 0 && !s->b->o.quiet) {
            char d[256];
            tls_conn_describe(s->tls, d, sizeof(d));
            printf("tls: %s\n", d);
        }
        s->state = SW_HANDSHAKE;
        s->want_out = true;
        sw_watch(s, EPOLLIN | EPOLLOUT);
        ofb_sw_hello(s);
    }
}

static void sw_flush(struct ofb_sw *s)
{
    while (s->woff < s->wlen || ofb_io_staged(s)) {
        if (s->woff == s->wlen) { /* TLS: only ciphertext is left */
            if (tls_conn_flush(s->tls) < 0) {
                sw_dead(s, strerror(errno));
                return;
            }
            break;
        }
        ssize_t n = ofb_io_write(s, s->wbuf + s->woff, s->wlen - s->woff);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            sw_dead(s, strerror(errno));
            return;
        }
        s->woff += (size_t)n;
    }
    if (s->woff == s->wlen) s->woff = s->wlen = 0;
    /* EPOLLOUT only while bytes wait: an epoll_ctl per backlog episode, not
     * per message. */
    bool want = s->wlen != 0 || ofb_io_staged(s);
    if (want != s->want_out) {
        s->want_out = want;
        sw_watch(s, EPOLLIN | (want ? EPOLLOUT : 0));
    }
}

/* Queue new PACKET_INs up to the phase's window, while the socket keeps up. */
static void sw_fill(struct ofb_sw *s)
{
    struct ofb *b = s->b;
    unsigned win;
    if (s->state != SW_READY) return;
    if (b->phase == OFB_LEARN)
        win = b->o.learn_win;
    else if (b->phase == OFB_MEASURE)
        win = b->o.mode == OFB_LATENCY ? 1 : b->o.cap;
    else
        return;
    if (s->outstanding >= win || s->wlen - s->woff >= OFB_WLOW) return;
    if (s->woff == s->wlen) s->woff = s->wlen = 0;
    size_t room =
        s->wlen < OFB_WBUF - OFB_WRESERVE ? (OFB_WBUF - OFB_WRESERVE - s->wlen) / OFB_PI_LEN : 0;
    size_t n = win - s->outstanding;
    if (n > room) n = room;
    if (b->phase == OFB_LEARN) {
        if (n > b->o.macs - s->learned) n = b->o.macs - s->learned;
        while (n--)
            ofb_sw_put_learn(s);
    } else {
        if (b->o.mode == OFB_LATENCY && n) s->sent_ns = ofb_now_ns();
        while (n--)
            ofb_sw_put_packet(s);
    }
}

void ofb_answer(struct ofb_sw *s, uint32_t buffer_id)
{
    struct ofb *b = s->b;
    if (buffer_id != OFP10_NO_BUFFER) {
        uint32_t i = buffer_id & (OFB_NBUF - 1);
        uint64_t bit = 1ull << (i & 63);
        if (buffer_id >= OFB_NBUF || !(s->pending[i >> 6] & bit)) {
            s->c.stray++;
            return;
        }
        s->pending[i >> 6] &= ~bit;
    } else if (s->outstanding == 0) {
        s->c.stray++;
        return;
    }
    s->outstanding--;
    s->c.answers++;
    s->progress_ns = b->now_ns;
    if (b->o.mode == OFB_LATENCY && b->phase == OFB_MEASURE) {
        uint64_t rtt = b->now_ns - s->sent_ns;
        s->c.rtt_ns += rtt;
        s->c.rtt_n++;
        if (rtt > s->c.rtt_max_ns) s->c.rtt_max_ns = rtt;
        if (b->record_rtt) {
            uint64_t us = rtt / 1000;
            b->rtt_hist[us < OFB_RTT_BUCKETS ? us : OFB_RTT_BUCKETS]++;
        }
    }
}

/* One read, then every whole message in the buffer (with TLS: again while
 * decrypted bytes wait inside, which no event would announce). False:
 * connection gone. */
static int sw_read1(struct ofb_sw *s);

static bool sw_read(struct ofb_sw *s)
{
    int r;
    do
        r = sw_read1(s);
    while (r > 0 && ofb_io_buffered(s));
    return r >= 0;
}

/* 1 read something, 0 nothing there, -1 the connection is gone. */
static int sw_read1(struct ofb_sw *s)
{
    ssize_t n = ofb_io_read(s, s->rbuf + s->rlen, OFB_RBUF - s->rlen);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        char why[TLS_ERR_MAX + 16];
        if (n < 0 && errno == EPROTO && s->tls)
            snprintf(why, sizeof(why), "TLS: %s", tls_conn_error(s->tls));
        else
            snprintf(why, sizeof(why), "%s",
                     n == 0 ? "controller closed the connection" : strerror(errno));
        sw_dead(s, why);
        return -1;
    }
    s->b->now_ns = ofb_now_ns();
    s->rlen += (size_t)n;
    size_t off = 0;
    while (s->rlen - off >= OFP10_HEADER_LEN) {
        const uint8_t *p = s->rbuf + off;
        size_t len = be_get16(p + 2);
        if (len < OFP10_HEADER_LEN) {
            sw_dead(s, "message length below 8 from the controller");
            return -1;
        }
        if (len > s->rlen - off) break;
        if (!ofb_sw_input(s, p, len)) {
            sw_flush(s); /* the ERROR, best effort */
            sw_dead(s, "protocol error");
            return -1;
        }
        off += len;
    }
    if (off) {
        memmove(s->rbuf, s->rbuf + off, s->rlen - off);
        s->rlen -= off;
    }
    return 1;
}

static void sw_event(struct ofb_sw *s, uint32_t ev)
{
    if (s->state == SW_CONNECTING) {
        sw_connected(s);
    } else if (s->state == SW_TLS) {
        sw_tls(s);
    } else if (s->state == SW_HANDSHAKE || s->state == SW_READY) {
        if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !sw_read(s)) return;
        if (s->state == SW_HANDSHAKE && s->got_hello && s->features_sent && !s->probe_xid)
            ofb_sw_probe(s);
        if (s->state == SW_READY && s->probe_xid) {
            s->probe_xid = 0; /* counted once */
            s->b->ready++;
        }
        sw_fill(s);
    }
    if (s->state == SW_HANDSHAKE || s->state == SW_READY) sw_flush(s);
}

/* Timed work: refused connects retried, stalled switches unblocked. A stall
 * is a controller that dropped PACKET_INs (ovs-testcontroller drops answers
 * when its send queue is full); without this a latency-mode switch would stop
 * for the rest of the run. */
static void tick(struct ofb *b)
{
    uint64_t stall_ns = b->o.stall_ms * 1000000ull;
    for (unsigned i = 0; i < b->o.switches; i++) {
        struct ofb_sw *s = &b->sw[i];
        if (s->state == SW_IDLE && b->now_ns >= s->retry_ns) sw_connect(s);
        if (s->state != SW_READY || !s->outstanding || b->now_ns - s->progress_ns < stall_ns)
            continue;
        s->c.lost += s->outstanding;
        s->outstanding = 0;
        memset(s->pending, 0, OFB_NBUF / 8);
        sw_fill(s);
        sw_flush(s);
    }
}

/* Runs the event loop until deadline or until done(b) holds. */
static void run(struct ofb *b, uint64_t deadline, bool (*done)(const struct ofb *))
{
    struct epoll_event evs[MAX_EVENTS];
    uint64_t next_tick = 0;
    for (;;) {
        b->now_ns = ofb_now_ns();
        if (b->now_ns >= next_tick) {
            tick(b);
            next_tick = b->now_ns + TICK_MS * 1000000ull;
        }
        if ((done && done(b)) || b->now_ns >= deadline) return;
        uint64_t wait = deadline - b->now_ns;
        if (wait > next_tick - b->now_ns) wait = next_tick - b->now_ns;
        int n = epoll_wait(b->ep, evs, MAX_EVENTS, (int)((wait + 999999) / 1000000));
        if (n < 0 && errno != EINTR) {
            perror("ofbench: epoll_wait");
            exit(1);
        }
        b->now_ns = ofb_now_ns();
        for (int i = 0; i < n; i++)
            sw_event(evs[i].data.ptr, evs[i].events);
    }
}

/* ---- phases ---------------------------------------------------------------- */

static bool all_ready(const struct ofb *b)
{
    return b->ready + b->dead == b->o.switches;
}

static bool learn_done(const struct ofb *b)
{
    for (unsigned i = 0; i < b->o.switches; i++) {
        const struct ofb_sw *s = &b->sw[i];
        if (s->state == SW_READY && (s->learned < b->o.macs || s->outstanding)) return false;
    }
    return true;
}

static void kick_all(struct ofb *b)
{
    for (unsigned i = 0; i < b->o.switches; i++) {
        sw_fill(&b->sw[i]);
        if (b->sw[i].state == SW_READY) sw_flush(&b->sw[i]);
    }
}

static const char *state_name(enum ofb_state st)
{
    static const char *const n[] = {"waiting to reconnect", "connecting", "in TLS handshake",
                                    "in handshake",         "ready",      "dead"};
    return n[st];
}

static void handshake(struct ofb *b)
{
    uint64_t t0 = ofb_now_ns();
    for (unsigned i = 0; i < b->o.switches; i++)
        sw_connect(&b->sw[i]);
    run(b, t0 + b->o.connect_ms * 1000000ull, all_ready);
    if (b->ready < b->o.switches) {
        for (unsigned i = 0; i < b->o.switches; i++) {
            const struct ofb_sw *s = &b->sw[i];
            if (s->state == SW_READY) continue;
            fprintf(stderr, "ofbench: switch %u %s after %u ms (%s%shello %s, features %s)\n",
                    s->idx, state_name(s->state), b->o.connect_ms,
                    s->last_err ? strerror(s->last_err) : "", s->last_err ? "; " : "",
                    s->got_hello ? "received" : "not received",
                    s->features_sent ? "sent" : "never requested");
        }
        fprintf(stderr, "ofbench: handshake failed: %u/%u switches ready\n", b->ready,
                b->o.switches);
        exit(1);
    }
    if (b->o.quiet) return;
    printf("handshake: %u/%u switches ready in %.1f ms; controller sent:", b->ready, b->o.switches,
           (double)(ofb_now_ns() - t0) / 1e6);
    for (unsigned t = 0; t < OFPT10_N_TYPES; t++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < b->o.switches; i++)
            n += b->sw[i].ctl_seen[t];
        if (n) printf(" %s=%" PRIu64, of10_type_name((uint8_t)t) + 5, n); /* skip "OFPT_" */
    }
    printf("\n");
    fflush(stdout);
}

static struct ofb_counts collect(struct ofb *b, uint64_t *sw_min, uint64_t *sw_max)
{
    struct ofb_counts t = {0};
    *sw_min = UINT64_MAX;
    *sw_max = 0;
    for (unsigned i = 0; i < b->o.switches; i++) {
        struct ofb_counts *c = &b->sw[i].c;
        t.sent += c->sent;
        t.answers += c->answers;
        t.flow_mods += c->flow_mods;
        t.packet_outs += c->packet_outs;
        t.lost += c->lost;
        t.stray += c->stray;
        t.rtt_ns += c->rtt_ns;
        t.rtt_n += c->rtt_n;
        if (c->rtt_max_ns > t.rtt_max_ns) t.rtt_max_ns = c->rtt_max_ns;
        if (c->answers < *sw_min) *sw_min = c->answers;
        if (c->answers > *sw_max) *sw_max = c->answers;
        memset(c, 0, sizeof(*c));
    }
    return t;
}

static void learn(struct ofb *b)
{
    uint64_t t0 = ofb_now_ns(), smin, smax;
    b->phase = OFB_LEARN;
    kick_all(b);
    run(b, t0 + LEARN_LIMIT_MS * 1000000ull, learn_done);
    struct ofb_counts c = collect(b, &smin, &smax);
    if (!learn_done(b))
        fprintf(stderr, "ofbench: learning phase not finished after %d ms\n", LEARN_LIMIT_MS);
    if (!b->o.quiet) {
        printf("learning: %" PRIu64 " MACs in %.3f s: %" PRIu64 " answered (flow_mod %" PRIu64
               ", packet_out %" PRIu64 "), %" PRIu64 " lost\n",
               c.sent, (double)(ofb_now_ns() - t0) / 1e9, c.answers, c.flow_mods, c.packet_outs,
               c.lost);
        fflush(stdout);
    }
}

/* Histogram percentile, in us (the bucket's upper edge). */
static unsigned rtt_pct(const struct ofb *b, double pct)
{
    uint64_t total = 0, acc = 0;
    for (unsigned i = 0; i <= OFB_RTT_BUCKETS; i++)
        total += b->rtt_hist[i];
    if (!total) return 0;
    uint64_t want = (uint64_t)ceil(pct / 100.0 * (double)total);
    for (unsigned i = 0; i <= OFB_RTT_BUCKETS; i++) {
        acc += b->rtt_hist[i];
        if (acc >= want) return i + 1;
    }
    return OFB_RTT_BUCKETS + 1;
}

struct summary {
    double min, max, sum, sumsq;
    unsigned n;
    struct ofb_counts tot;
    double secs;
};

static void measure(struct ofb *b, struct summary *sm)
{
    const struct ofb_opts *o = &b->o;
    b->phase = OFB_MEASURE;
    for (unsigned i = 0; i < b->o.switches; i++)
        b->sw[i].c = (struct ofb_counts){0};
    kick_all(b);
    *sm = (struct summary){.min = INFINITY};
    for (unsigned loop = 0; loop < o->loops; loop++) {
        bool warm = loop < o->warmup;
        uint64_t t0 = ofb_now_ns(), smin, smax;
        b->record_rtt = !warm;
        run(b, t0 + o->loop_ms * 1000000ull, NULL);
        if (b->ready == 0) { /* every connection lost: nothing left to measure */
            fprintf(stderr, "ofbench: no switch connected, stopping in loop %u\n", loop + 1);
            break;
        }
        double secs = (double)(ofb_now_ns() - t0) / 1e9;
        struct ofb_counts c = collect(b, &smin, &smax);
        double rate = (double)c.answers / secs;
        if (!warm) {
            sm->min = fmin(sm->min, rate);
            sm->max = fmax(sm->max, rate);
            sm->sum += rate;
            sm->sumsq += rate * rate;
            sm->n++;
            sm->secs += secs;
            sm->tot.answers += c.answers;
            sm->tot.flow_mods += c.flow_mods;
            sm->tot.packet_outs += c.packet_outs;
            sm->tot.lost += c.lost;
            sm->tot.stray += c.stray;
            sm->tot.rtt_ns += c.rtt_ns;
            sm->tot.rtt_n += c.rtt_n;
        }
        if (o->quiet) continue;
        printf("loop %3u/%u%s %10.0f responses/s  flow_mod %.0f/s packet_out %.0f/s  "
               "per switch %" PRIu64 "..%" PRIu64 "  lost %" PRIu64,
               loop + 1, o->loops, warm ? " warmup" : "       ", rate, (double)c.flow_mods / secs,
               (double)c.packet_outs / secs, smin, smax, c.lost);
        if (o->mode == OFB_LATENCY && c.rtt_n)
            printf("  rtt avg %.1f us max %.1f us", (double)c.rtt_ns / (double)c.rtt_n / 1e3,
                   (double)c.rtt_max_ns / 1e3);
        printf("\n");
        fflush(stdout);
    }
    b->phase = OFB_DONE;
}

static void report(const struct ofb *b, const struct summary *sm)
{
    const struct ofb_opts *o = &b->o;
    double n = sm->n ? sm->n : 1, secs = sm->secs > 0 ? sm->secs : 1; /* stopped early */
    double avg = sm->sum / n;
    /* Population deviation over the kept loops, as cbench reports it. */
    double var = sm->sumsq / n - avg * avg;
    double sd = var > 0 ? sqrt(var) : 0;
    uint64_t invalid = 0, errors = 0;
    for (unsigned i = 0; i < o->switches; i++) {
        invalid += b->sw[i].invalid;
        errors += b->sw[i].errors_seen;
    }
    printf("RESULT mode=%s switches=%u macs=%u loops=%u loop_ms=%u min=%.0f max=%.0f avg=%.0f "
           "stdev=%.0f flow_mods_per_s=%.0f packet_outs_per_s=%.0f lost=%" PRIu64 " stray=%" PRIu64
           " invalid=%" PRIu64 " errors=%" PRIu64 " dead=%u",
           o->mode == OFB_LATENCY ? "latency" : "throughput", o->switches, o->macs, sm->n,
           o->loop_ms, sm->n ? sm->min : 0, sm->max, avg, sd, (double)sm->tot.flow_mods / secs,
           (double)sm->tot.packet_outs / secs, sm->tot.lost, sm->tot.stray, invalid, errors,
           b->dead);
    if (o->mode == OFB_LATENCY)
        printf(" rtt_avg_us=%.1f rtt_p50_us=%u rtt_p99_us=%u",
               sm->tot.rtt_n ? (double)sm->tot.rtt_ns / (double)sm->tot.rtt_n / 1e3 : 0.0,
               rtt_pct(b, 50), rtt_pct(b, 99));
    printf("\n");
}

static struct ofb *setup(const struct ofb_opts *o)
{
    static uint8_t arena_mem[OF10_ARENA_SIZE];
    struct ofb *b = calloc(1, sizeof(*b));
    if (!b || !(b->sw = calloc(o->switches, sizeof(*b->sw)))) goto oom;
    b->o = *o;
    of10_arena_init(&b->arena, arena_mem, sizeof(arena_mem));
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    if (b->ep < 0) {
        perror("ofbench: epoll_create1");
        exit(1);
    }
    for (unsigned i = 0; i < o->switches; i++) {
        struct ofb_sw *s = &b->sw[i];
        s->b = b;
        s->idx = i;
        s->fd = -1;
        s->miss_send_len = 128;
        s->next_xid = 0x80000000u; /* far from the PACKET_IN xids (= sequence numbers) */
        s->rbuf = malloc(OFB_RBUF);
        s->wbuf = malloc(OFB_WBUF);
        s->pending = calloc(OFB_NBUF / 64, sizeof(uint64_t));
        if (!s->rbuf || !s->wbuf || !s->pending) goto oom;
        ofb_sw_templates(s);
    }
    return b;
oom:
    fprintf(stderr, "ofbench: out of memory\n");
    exit(1);
}

static void teardown(struct ofb *b)
{
    for (unsigned i = 0; i < b->o.switches; i++) {
        struct ofb_sw *s = &b->sw[i];
        tls_conn_free(s->tls);
        if (s->fd >= 0) close(s->fd);
        free(s->rbuf);
        free(s->wbuf);
        free(s->pending);
    }
    close(b->ep);
    tls_ctx_free(b->tls);
    free(b->sw);
    free(b);
}

int main(int argc, char **argv)
{
    struct ofb_opts o;
    struct summary sm;
    parse_opts(&o, argc, argv);
    if (o.learn_win > o.cap && o.mode == OFB_THROUGHPUT) o.learn_win = o.cap;
    struct ofb *b = setup(&o);
    if (o.tls) b->tls = ofb_tls_ctx(o.tls);
    if (!o.quiet) {
        printf("ofbench: %s mode, %u switches x %u MACs (%u ports), %u loops x %u ms "
               "(%u warmup)",
               o.mode == OFB_LATENCY ? "latency" : "throughput", o.switches, o.macs, o.ports,
               o.loops, o.loop_ms, o.warmup);
        if (o.mode == OFB_THROUGHPUT) printf(", cap %u/switch", o.cap);
        printf(" -> %s%s\n", o.tls ? "tls:" : "", o.addr);
        fflush(stdout);
    }
    handshake(b);
    if (o.delay_ms) run(b, ofb_now_ns() + o.delay_ms * 1000000ull, NULL);
    if (o.learn) learn(b);
    measure(b, &sm);
    report(b, &sm);
    bool ok = b->dead == 0 && sm.tot.answers > 0;
    if (!ok)
        fprintf(stderr, "ofbench: %s\n", b->dead ? "connections lost" : "no PACKET_IN answered");
    teardown(b);
    return ok ? 0 : 1;
}
