/*
 * ofc_internal.h - the engine's private types, shared by its files:
 * ofc_engine.c (engine, switch tables, deferred close), ofc_listen.c (accept),
 * ofc_conn.c (framing, output queues), ofc_xport.c (how bytes move: plain
 * TCP or TLS), ofc_proto.c (handshake, dispatch, liveness, port table) and
 * ofc_req.c (request/reply tracking).
 *
 * Lifetime rule: a switch is closed in two steps. ofc_sw_close() stops all
 * I/O and takes the switch out of every lookup table at once; the part that
 * calls back into the layer above (GONE replies, switch_down) runs from the
 * engine's top level (end of the current event, or a 0 ms timer), and the
 * memory is freed only there. So a switch pointer held by the engine or by
 * a handler anywhere up the stack stays valid until the event is over.
 */
#ifndef VF_OFC_INTERNAL_H
#define VF_OFC_INTERNAL_H

#include <stdbool.h>

#include "lib/buf.h"
#include "ofc/ofc.h"

#define OFC_MOD "ofc"
/* Input buffer bound: two largest messages, so one partial message never
 * blocks the reading of the next whole one. */
#define OFC_IN_CAP (2u * 65536u)
/* After HELLO_FAILED or too many bad messages we flush, half-close and wait
 * this long for the peer to close before cutting the connection. */
#define OFC_LINGER_MS 2000
/* OFPT_ERROR data: this many bytes of the offending message at most. */
#define OFC_ERR_DATA_MAX 64
/* Connections accepted per readable event of a listener. */
#define OFC_ACCEPT_BURST 256
/* After EMFILE and the like the listener pauses this long (no busy loop). */
#define OFC_ACCEPT_PAUSE_MS 100
#define OFC_PEER_MAX        72

enum ofc_state {
    OFC_ST_TLS,      /* TLS handshake: no OpenFlow yet */
    OFC_ST_HELLO,    /* our HELLO sent, waiting for the peer's */
    OFC_ST_FEATURES, /* FEATURES_REQUEST sent, waiting for the reply */
    OFC_ST_UP,       /* handshake complete: switch_up was called */
    OFC_ST_LINGER,   /* closing: flushing output, then waiting for the peer's EOF */
    OFC_ST_DEAD,     /* fd closed; memory freed at the next settle */
};

struct ofc_req {
    struct ofc_switch *sw;
    struct ofc_req *hnext;       /* xid hash chain */
    struct ofc_req *prev, *next; /* the switch's requests in issue order */
    uint32_t xid;
    uint8_t reply_type;
    uint16_t stats_type; /* STATS_REQUEST: the kind every part must carry */
    bool discard;        /* multipart went over its bound: swallow the rest */
    ofc_reply_fn *cb;
    void *ctx;
    const void *owner;
    uint64_t timer;
    struct buf parts; /* raw bytes of the multipart parts so far, back to back */
    size_t nparts;
};

struct ofc_xport;
struct tls_conn;

struct ofc_switch {
    struct ofc *c;
    int fd;
    enum ofc_state state;
    bool was_up;    /* switch_up was called: switch_down is owed */
    bool finished;  /* GONE replies and switch_down done */
    bool eof;       /* the peer half-closed; close once the input is used up */
    bool corked;    /* inside this switch's input batch: flush at its end */
    bool shut_wr;   /* LINGER: our side is half-closed */
    bool in_ready;  /* on the engine's ready list (complete input pending) */
    bool probe_out; /* our ECHO_REQUEST is unanswered */
    bool rx_more;   /* the input filled up while the transport held more */
    bool ended;     /* the transport's end (close_notify) is queued */
    bool hs_done;   /* FEATURES_REPLY arrived: the switch is connected */
    bool shown;     /* visible to the layer above: find/foreach/count, handlers */
    /* roles mode (ofc_role.c) */
    bool conn_told;   /* conn(dpid, 1) was called: conn(dpid, 0) is owed */
    bool demote_owed; /* demoted by ofc_role_set: switch_down owed from settle */
    bool takeover;    /* of the promotion that made it visible */
    bool want_takeover;
    uint8_t role;       /* enum ofc_role */
    uint32_t role_xid;  /* xid of our last ROLE_REQUEST still unanswered, or 0 */
    uint32_t role_sent; /* the role it asked for (NX_ROLE_*) */
    char peer[OFC_PEER_MAX];

    const struct ofc_xport *xp; /* how its bytes move */
    struct tls_conn *tls;       /* TLS transport: the connection, else NULL */
    struct buf in;
    struct buf out;   /* everything but urgent replies */
    struct buf prio;  /* ECHO traffic: written at the next message boundary */
    size_t out_left;  /* bytes of the message at out's head not yet written */
    size_t prio_left; /* same for prio; at most one of the two is nonzero */

    uint64_t timer; /* handshake deadline, liveness check or linger */
    uint64_t start_ms, up_ms, last_rx_ms, probe_ms;
    uint32_t features_xid, probe_xid;
    uint32_t bad_msgs;
    uint64_t dpid;
    struct of10_features features; /* ports: engine-owned (malloc) */
    size_t ports_cap;
    void *udata;
    struct ofc_switch_counters cnt;

    struct ofc_switch *prev, *next;             /* c->all */
    struct ofc_switch *dpid_next;               /* c->dpid_tab chain */
    struct ofc_switch *ready_prev, *ready_next; /* c->ready */
    struct ofc_switch *pend_next;               /* c->pending */
    struct ofc_switch *zombie_next;             /* c->zombies */

    struct ofc_req **req_tab; /* xid -> request, chained; req_cap power of 2 */
    size_t req_cap, req_n;
    struct ofc_req *req_head, *req_tail;
};

struct ofc_listener {
    struct ofc *c;
    int fd;
    struct tls_ctx *tls; /* its connections speak TLS, else NULL */
    uint64_t retry_timer;
    struct ofc_listener *next;
};

struct ofc {
    struct ev_loop *loop;
    struct log *log;
    struct ofc_config cfg;
    struct ofc_handlers h;
    void *ctx;

    void *arena_mem; /* one decode arena, reset for every message */
    struct of10_arena arena;

    struct ofc_listener *listeners;
    struct ofc_switch *all; /* every switch not yet freed, zombies included */
    size_t n_up;
    struct ofc_switch **dpid_tab; /* up switches by dpid; dpid_cap power of 2 */
    size_t dpid_cap, dpid_n;
    struct ofc_switch *ready_head, *ready_tail;
    size_t n_ready;
    struct ofc_switch *pending; /* closed, finish (GONE, switch_down) owed */
    struct ofc_switch *zombies; /* dead and finished: free at depth 0 */
    uint64_t work_timer;        /* 0 ms: ready input, pending finishes */
    unsigned depth;             /* engine callbacks on the stack */
    uint32_t next_xid;
    struct ofc_counters cnt;
    ofc_close_fn *close_hook;
    void *close_ctx;
    ofc_conn_fn *conn_hook; /* roles mode */
    ofc_lost_fn *lost_hook;
    void *role_ctx;
    size_t n_demote_owed; /* switches with demote_owed set */
};

enum ofc_role { OFC_ROLE_SLAVE, OFC_ROLE_PENDING, OFC_ROLE_MASTER };

/* ---- ofc_engine.c ---- */
void ofc_enter(struct ofc *c);
void ofc_leave(struct ofc *c); /* settles at depth 0 */
void ofc_kick(struct ofc *c);  /* arm the work timer */
uint32_t ofc_next_xid(struct ofc *c);
/* Stop I/O, leave the tables, owe the finish. linger: flush what is queued
 * and half-close first (state LINGER) instead of closing at once. */
void ofc_sw_close(struct ofc_switch *sw, const char *why, bool linger);
/* The fd is closed now (from LINGER or directly): state DEAD. */
void ofc_sw_dead(struct ofc_switch *sw);
/* GONE replies and switch_down, now (normally from the settle step). */
void ofc_sw_finish(struct ofc_switch *sw);
void ofc_ready_set(struct ofc_switch *sw, bool ready);
int ofc_dpid_add(struct ofc *c, struct ofc_switch *sw);
void ofc_dpid_del(struct ofc *c, struct ofc_switch *sw);
/* A closed switch with this dpid whose switch_down is still owed, or NULL. */
struct ofc_switch *ofc_pending_find(struct ofc *c, uint64_t dpid);
void ofc_sw_timer_set(struct ofc_switch *sw, uint64_t after_ms, ev_timer_cb *cb);
/* close(fd) of a connection, after the close hook. */
void ofc_close_fd(struct ofc *c, int fd);
/* A new connection: registered, HELLO sent (or, with tls, the TLS handshake
 * started). NULL (fd closed) on failure. */
struct ofc_switch *ofc_sw_new(struct ofc *c, int fd, const char *peer, struct tls_ctx *tls);
static inline bool ofc_sw_alive(const struct ofc_switch *sw)
{
    return sw->state <= OFC_ST_UP;
}

/* Any connected (handshake done, not closed) switch with this dpid, visible
 * or not. */
struct ofc_switch *ofc_dpid_find(struct ofc *c, uint64_t dpid);

/* ---- ofc_role.c ---- */
/* Handshake done in roles mode: ROLE_REQUEST(slave), conn(dpid, 1). */
void ofc_role_connected(struct ofc_switch *sw);
/* A message from a connected switch in roles mode: role replies and
 * refusals. true: consumed. May demote the switch (shown becomes false). */
bool ofc_role_input(struct ofc_switch *sw, const struct of10_msg *m);
/* From the settle step: the switch_down of every demote_owed switch. */
void ofc_role_settle(struct ofc *c);
/* From ofc_sw_finish, after switch_down: conn(dpid, 0) if owed. */
void ofc_role_finish(struct ofc_switch *sw);

/* ---- ofc_listen.c ---- */
void ofc_listeners_free(struct ofc *c);

/* ---- ofc_conn.c ---- */
void ofc_conn_event(struct ev_loop *loop, int fd, int events, void *ctx);
/* Read what the transport has, then process: -1 if the switch closed. */
int ofc_conn_read(struct ofc_switch *sw);
/* Process up to the fairness budget of complete messages from the input. */
void ofc_conn_process(struct ofc_switch *sw);
/* Encode m (xid already set) into the main or the priority queue. 0 / -1
 * (encode failure; or over the bound: the switch is closed). */
int ofc_conn_queue(struct ofc_switch *sw, const struct of10_msg *m, bool prio);
/* Write what the socket takes; fix the EV_WRITE interest. -1: closed. */
int ofc_conn_flush(struct ofc_switch *sw);
void ofc_conn_sync_events(struct ofc_switch *sw);
size_t ofc_conn_queued(const struct ofc_switch *sw);
/* OFPT_ERROR with type/code of err, data = up to 64 bytes of p, xid echoed. */
int ofc_conn_send_error(struct ofc_switch *sw, uint32_t xid, uint16_t type, uint16_t code,
                        const void *data, size_t len);

/* Half-close our side once everything queued is out (LINGER). */
void ofc_conn_shut(struct ofc_switch *sw);

/* ---- ofc_xport.c ---- */
/* How a connection's bytes move. read appends to in like buf_read_fd (> 0
 * bytes, 0 end of stream, -1 with errno: EAGAIN, ENOBUFS when in is full);
 * write takes up to n bytes (>= 0) and sets *full when the socket takes no
 * more for now, or -1 with errno; reason turns a -1's errno into words. A
 * transport may hold input the socket no longer shows (buffered) and output
 * the socket has not taken (staged, sent by flush: 0 all, 1 some left, -1). */
struct ofc_xport {
    const char *name;
    ssize_t (*read)(struct ofc_switch *sw, struct buf *in);
    ssize_t (*write)(struct ofc_switch *sw, const uint8_t *p, size_t n, bool *full);
    bool (*buffered)(const struct ofc_switch *sw);
    size_t (*staged)(const struct ofc_switch *sw);
    int (*flush)(struct ofc_switch *sw);
    void (*end)(struct ofc_switch *sw); /* before our half-close: TLS's close_notify */
    void (*reason)(const struct ofc_switch *sw, int err, char *dst, size_t cap);
};
extern const struct ofc_xport ofc_xport_tcp, ofc_xport_tls;
/* Set the transport up for a new switch: 0, or -1 (out of memory). */
int ofc_xport_init(struct ofc_switch *sw, struct tls_ctx *tls);
void ofc_xport_free(struct ofc_switch *sw);
/* OFC_ST_TLS: one handshake step; on success the OpenFlow handshake starts. */
void ofc_xport_tls_step(struct ofc_switch *sw);

/* ---- ofc_proto.c ---- */
/* (Re)arm the handshake deadline: handshake_timeout_ms after start_ms. */
void ofc_proto_arm(struct ofc_switch *sw);
void ofc_proto_start(struct ofc_switch *sw);
void ofc_proto_handle(struct ofc_switch *sw, const uint8_t *p, size_t len);
void ofc_proto_free_ports(struct ofc_switch *sw);

/* ---- ofc_req.c ---- */
/* Route a reply or error to its request; true if it was claimed. */
bool ofc_req_route(struct ofc_switch *sw, const struct of10_msg *m, const uint8_t *p, size_t len);
/* Every pending request of sw: GONE, one callback each. */
void ofc_req_fail_all(struct ofc_switch *sw);
void ofc_req_free_table(struct ofc_switch *sw);
bool ofc_req_pending(const struct ofc_switch *sw, uint32_t xid);

#endif
