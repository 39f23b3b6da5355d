/*
 * ofbench.h - the controller load generator (bench/ofbench.c): what its two
 * files share. ofbench_switch.c is the emulated OpenFlow 1.0 switch (the
 * handshake and control answers, the PACKET_IN templates, reading the
 * controller's answers); ofbench.c is the program (options, the epoll loop,
 * the phases, the figures).
 */
#ifndef VF_OFBENCH_H
#define VF_OFBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "of10/of10.h"

/* Per-switch buffers, allocated once at start: nothing is allocated while
 * packets flow. The read buffer holds any whole OpenFlow message (<= 65535
 * bytes) plus what one read brings. The write buffer keeps OFB_WRESERVE free
 * for control replies, so a reply never waits for a full buffer to drain. */
#define OFB_RBUF     (128u << 10)
#define OFB_WBUF     (256u << 10)
#define OFB_WRESERVE (66u << 10)
/* New PACKET_INs are queued only while fewer unsent bytes than this wait in
 * the write buffer: "as many as the socket takes", not as many as memory. */
#define OFB_WLOW (16u << 10)

/* Buffer ids: each PACKET_IN carries a fresh one, answers are matched to it
 * through a bitmap, like a switch whose buffer is consumed once. */
#define OFB_NBUF   65536u
#define OFB_CAPMAX (OFB_NBUF / 4)

/* Every emulated frame is 60 bytes (minimum Ethernet without FCS), so every
 * PACKET_IN is 18 + 60 bytes and fits below any miss_send_len >= 60. */
#define OFB_FRAME_LEN 60u
#define OFB_PI_LEN    (OFP10_PACKET_IN_LEN + OFB_FRAME_LEN)

/* Latency mode keeps a histogram of round trips, 1 us per bucket. */
#define OFB_RTT_BUCKETS 16384u

enum ofb_mode { OFB_LATENCY, OFB_THROUGHPUT };
enum ofb_phase { OFB_HANDSHAKE, OFB_LEARN, OFB_MEASURE, OFB_DONE };
enum ofb_state { SW_IDLE, SW_CONNECTING, SW_TLS, SW_HANDSHAKE, SW_READY, SW_DEAD };

struct ofb_opts {
    const char *addr;
    unsigned switches, macs, ports;
    unsigned loops, loop_ms, warmup;
    unsigned cap;        /* outstanding PACKET_INs per switch, throughput mode */
    unsigned learn_win;  /* outstanding learning PACKET_INs per switch */
    unsigned delay_ms;   /* pause between the handshakes and the learning phase */
    unsigned stall_ms;   /* no answer for this long: outstanding ones are lost */
    unsigned connect_ms; /* all switches must be ready by then */
    uint64_t dpid_base;
    enum ofb_mode mode;
    bool learn, validate, quiet;
    const char *tls; /* "CERT,KEY,CA": connect with TLS (bench/ofbench_tls.c) */
};

/* Counters of one switch for the current loop; summed and reset at each loop
 * boundary. */
struct ofb_counts {
    uint64_t sent;                      /* PACKET_INs written */
    uint64_t answers;                   /* PACKET_INs answered (the headline figure) */
    uint64_t flow_mods;                 /* FLOW_MOD messages received */
    uint64_t packet_outs;               /* PACKET_OUT messages received */
    uint64_t lost;                      /* given up after stall_ms without an answer */
    uint64_t stray;                     /* answers naming a buffer that was not outstanding */
    uint64_t rtt_ns, rtt_n, rtt_max_ns; /* latency mode */
};

struct ofb;

struct tls_ctx;
struct tls_conn;

struct ofb_sw {
    struct ofb *b;
    unsigned idx;
    int fd;
    struct tls_conn *tls; /* --tls: the connection's TLS state */
    enum ofb_state state;
    bool got_hello, features_sent, want_out;
    uint32_t probe_xid; /* ECHO_REQUEST that closes the handshake */
    uint32_t next_xid;
    uint16_t miss_send_len;
    uint64_t retry_ns; /* SW_IDLE: when to connect again */
    int last_err;      /* errno of the last failed connect */

    uint32_t seq;                  /* PACKET_INs generated: buffer ids and xids */
    uint32_t cur;                  /* source host of the next measured PACKET_IN */
    uint32_t learned;              /* learning PACKET_INs generated */
    uint16_t cur_port, learn_port; /* ports of those hosts (kept, not divided) */
    uint32_t outstanding;
    uint64_t progress_ns; /* last answer, or first send after idle */
    uint64_t sent_ns;     /* latency mode: when the one outstanding was written */
    struct ofb_counts c;
    uint64_t ctl_seen[OFPT10_N_TYPES]; /* messages received outside the hot path */
    uint64_t errors_seen, invalid;

    uint64_t *pending; /* OFB_NBUF bits: outstanding buffer ids */
    uint8_t *rbuf;
    size_t rlen;
    uint8_t *wbuf;
    size_t woff, wlen;
    uint8_t tmpl_ip[OFB_PI_LEN];  /* measured: Ethernet + IPv4 + UDP */
    uint8_t tmpl_arp[OFB_PI_LEN]; /* learning: ARP request to broadcast */
    uint32_t ip_sum;              /* IPv4 header sum without the addresses */
};

struct ofb {
    struct ofb_opts o;
    struct tls_ctx *tls; /* --tls */
    struct ofb_sw *sw;
    int ep;
    enum ofb_phase phase;
    uint64_t now_ns;
    unsigned ready, dead;
    struct of10_arena arena;
    bool validate_reported;
    bool record_rtt;                        /* measured (not warmup) loop running */
    uint64_t rtt_hist[OFB_RTT_BUCKETS + 1]; /* 1 us buckets, last = overflow */
};

/* ---- ofbench_switch.c ------------------------------------------------------ */

/* Fills the two PACKET_IN templates of s (its MACs and IPs follow from idx). */
void ofb_sw_templates(struct ofb_sw *s);
/* Appends one PACKET_IN to the write buffer (caller checked room): a learning
 * ARP for host s->learned, or a measured IPv4 packet from host s->cur. */
void ofb_sw_put_learn(struct ofb_sw *s);
void ofb_sw_put_packet(struct ofb_sw *s);
/* Handles one whole message from the controller (len from its header).
 * Returns false when the connection must be closed (a fatal protocol error,
 * already reported on stderr). */
bool ofb_sw_input(struct ofb_sw *s, const uint8_t *p, size_t len);
/* Appends HELLO: the first thing a switch says. */
void ofb_sw_hello(struct ofb_sw *s);
/* Appends the ECHO_REQUEST whose reply closes the handshake: a controller
 * handles one connection's messages in order, so by then it has processed
 * the FEATURES_REPLY and whatever it sends on connect. */
void ofb_sw_probe(struct ofb_sw *s);

/* ---- ofbench_tls.c ----------------------------------------------------------- */

/* The client context from "CERT,KEY,CA" (PEM files; CA: what the controller's
 * certificate must chain to). Exits 2 with a message on any error. */
struct tls_ctx *ofb_tls_ctx(const char *spec);
/* I/O of one switch: plain socket or TLS, with read(2)/send(2) semantics
 * (-1 and errno EAGAIN when nothing can move now). */
ssize_t ofb_io_read(struct ofb_sw *s, void *p, size_t n);
ssize_t ofb_io_write(struct ofb_sw *s, const void *p, size_t n);
/* TLS: decrypted bytes wait inside (no socket event will tell), or
 * ciphertext waits for the socket. */
bool ofb_io_buffered(const struct ofb_sw *s);
bool ofb_io_staged(const struct ofb_sw *s);

/* ---- ofbench.c --------------------------------------------------------------- */

/* Room for n bytes at the end of s's write buffer (n <= OFB_WRESERVE). */
uint8_t *ofb_wreserve(struct ofb_sw *s, size_t n);
/* An answer to the PACKET_IN that carried buffer_id (NO_BUFFER: the oldest). */
void ofb_answer(struct ofb_sw *s, uint32_t buffer_id);
uint64_t ofb_now_ns(void);

#endif
