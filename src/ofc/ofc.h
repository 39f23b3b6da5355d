/*
 * ofc.h - the OpenFlow 1.0 controller engine: switch connections on an ev loop,
 * handshake, liveness, request/reply tracking. It holds no global state and
 * touches no files: listening sockets, connected sockets and configuration are
 * handed to it, so the same engine runs in a test, in a daemon, or inside a
 * sandboxed protection domain that receives its sockets from the core.
 */
#ifndef VF_OFC_H
#define VF_OFC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "of10/of10.h"

struct ofc;
struct ofc_switch;
struct tls_ctx;

struct ofc_config {
    uint16_t miss_send_len;        /* SET_CONFIG after FEATURES_REPLY (default 128) */
    uint32_t echo_interval_ms;     /* idle time before we probe with ECHO_REQUEST (5000) */
    uint32_t echo_timeout_ms;      /* silence after which a switch is dropped (15000) */
    uint32_t handshake_timeout_ms; /* HELLO..FEATURES_REPLY must finish within (10000) */
    uint32_t request_timeout_ms;   /* a tracked request without reply fails after (10000) */
    size_t out_buf_cap;            /* bytes queued to one switch before it is dropped (4 MiB) */
    uint32_t max_bad_msgs;         /* malformed messages tolerated before disconnect (16) */
    uint32_t max_msgs_per_read;    /* fairness: messages handled per readable event (64) */
    size_t max_multipart_bytes;    /* bound on one assembled multipart reply (32 MiB) */
    int listen_backlog;            /* listen(2) backlog (4096) */
    int roles;                     /* 1: master/slave roles mode (ofc_role.c); 0: off */
};
/* Zero fields of cfg take the defaults above. */
void ofc_config_defaults(struct ofc_config *cfg);

/* What the engine tells the layer above (the Lua app host). All optional. The
 * switch pointer is valid during the call; messages and their bytes only during
 * the call (copy what you keep). switch_down comes only for switches that had
 * switch_up, and before a newer connection of the same dpid gets its switch_up.
 * No handler or reply callback ever runs inside an ofc_* call (ofc_free aside):
 * a close caused by a call (ofc_switch_close, ofc_send over the bound) stops
 * the switch's I/O at once, and its switch_down / GONE replies follow from the
 * event loop right after the current event. */
struct ofc_handlers {
    void (*switch_up)(void *ctx, struct ofc_switch *sw);   /* after FEATURES_REPLY + SET_CONFIG */
    void (*switch_down)(void *ctx, struct ofc_switch *sw); /* before the switch is freed */
    void (*packet_in)(void *ctx, struct ofc_switch *sw, const struct of10_msg *m);
    void (*flow_removed)(void *ctx, struct ofc_switch *sw, const struct of10_msg *m);
    void (*port_status)(void *ctx, struct ofc_switch *sw, const struct of10_msg *m);
    /* ERROR messages that answer no tracked request */
    void (*error)(void *ctx, struct ofc_switch *sw, const struct of10_msg *m);
    /* anything else asynchronous (VENDOR, untracked replies) */
    void (*other)(void *ctx, struct ofc_switch *sw, const struct of10_msg *m);
};

struct ofc *ofc_new(struct ev_loop *loop, struct log *log, const struct ofc_config *cfg,
                    const struct ofc_handlers *h, void *ctx);
/* Closes every switch (switch_down is called for each) and listener. Not from
 * inside a handler or callback. */
void ofc_free(struct ofc *c);

/* Listen on "127.0.0.1:6653" / "[::1]:6653"; 0 or -1 with err filled. */
int ofc_listen(struct ofc *c, const char *addr, char *err, size_t errcap);
/* Take over an already listening socket (the core opened it). 0 / -1. */
int ofc_listen_fd(struct ofc *c, int fd);
/* Take over one connected socket (accepted elsewhere, e.g. passed by the core);
 * the handshake starts at once. 0 / -1 (fd closed). */
int ofc_adopt_fd(struct ofc *c, int fd, const char *peer);
/* The same for connections that speak TLS (src/tls): the TLS handshake with
 * ctx's certificate, requiring the peer's, comes first, and it and the
 * OpenFlow handshake together must finish within handshake_timeout_ms. A
 * TLS failure is one log line naming the peer and the reason, and closes
 * only that connection. ctx may be freed while its connections live (they
 * hold what they need), but a listener uses it for every accept. */
int ofc_listen_fd_tls(struct ofc *c, int fd, struct tls_ctx *ctx);
int ofc_adopt_tls(struct ofc *c, int fd, const char *peer, struct tls_ctx *ctx);
/* fn(ctx, fd) runs just before the engine closes a connection's fd, whatever
 * the reason (a protection domain tells the core, which holds a copy of
 * every socket it passed). NULL: none. */
typedef void ofc_close_fn(void *ctx, int fd);
void ofc_set_close_hook(struct ofc *c, ofc_close_fn *fn, void *ctx);

/* Queue a message to a switch. xid 0 gets a fresh xid (written back into m);
 * version 0 is taken as 0x01 (written back too).
 * Returns 0, or -1 when the message does not encode (error logged) or the
 * switch's output bound is exceeded (the switch is then disconnected). */
int ofc_send(struct ofc_switch *sw, struct of10_msg *m);

/* Request/reply tracking. status: */
enum {
    OFC_REPLY_OK = 0,       /* parts[0..n-1]: the reply, multipart parts in order */
    OFC_REPLY_ERROR = 1,    /* parts[0]: the OFPT_ERROR the switch answered with */
    OFC_REPLY_TIMEOUT = 2,  /* nparts == 0 */
    OFC_REPLY_GONE = 3,     /* switch disconnected; nparts == 0 */
    OFC_REPLY_TOO_BIG = 4,  /* multipart reply exceeded max_multipart_bytes */
};
typedef void ofc_reply_fn(struct ofc_switch *sw, int status, const struct of10_msg *const *parts,
                          size_t nparts, void *ctx);
/* Send m (STATS_REQUEST, BARRIER_REQUEST, GET_CONFIG_REQUEST, FEATURES_REQUEST,
 * QUEUE_GET_CONFIG_REQUEST, ECHO_REQUEST) and call cb exactly once with the
 * outcome. Returns the xid, or 0 if sending failed (cb is not called). `owner`
 * groups requests for ofc_cancel_owner. */
uint32_t ofc_request(struct ofc_switch *sw, struct of10_msg *m, ofc_reply_fn *cb, void *ctx,
                     const void *owner);
/* Forget every pending request of this owner without calling back (used when a
 * Lua state is replaced by a reload). */
void ofc_cancel_owner(struct ofc *c, const void *owner);

/* Switch accessors. Ports reflect FEATURES_REPLY plus every PORT_STATUS since;
 * ofc_switch_features is NULL before the handshake completed. find, foreach
 * and count see only switches that completed the handshake and are not closed. */
uint64_t ofc_switch_dpid(const struct ofc_switch *sw);
const struct of10_features *ofc_switch_features(const struct ofc_switch *sw);
const char *ofc_switch_peer(const struct ofc_switch *sw);
/* "tcp", or "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=..." */
void ofc_switch_transport(const struct ofc_switch *sw, char *dst, size_t cap);
uint64_t ofc_switch_connected_ms(const struct ofc_switch *sw); /* ev time when up */
struct ofc_switch *ofc_switch_find(struct ofc *c, uint64_t dpid);
struct ofc *ofc_switch_engine(struct ofc_switch *sw);
void ofc_foreach_switch(struct ofc *c, void (*fn)(struct ofc_switch *sw, void *arg), void *arg);
size_t ofc_switch_count(const struct ofc *c); /* switches that completed the handshake */
void ofc_switch_close(struct ofc_switch *sw, const char *why);
void ofc_switch_set_udata(struct ofc_switch *sw, void *p);
void *ofc_switch_udata(const struct ofc_switch *sw);

/* ---- master/slave roles (ofc_role.c) ----------------------------------------
 * With cfg.roles = 1 several controllers share each switch through the Nicira
 * role extension, and the layer above decides which one is master. Every
 * connection starts as slave: after FEATURES_REPLY + SET_CONFIG the engine
 * sends ROLE_REQUEST(slave) and calls conn(ctx, dpid, 1) instead of
 * switch_up. A slave (or a switch whose promotion is pending) is invisible:
 * ofc_switch_find, ofc_foreach_switch and ofc_switch_count do not see it and
 * none of the handlers runs for it (echo and liveness go on). It becomes
 * visible, with switch_up, when the switch answers ofc_role_set's master
 * request with ROLE_REPLY(master). When the connection ends: switch_down
 * first if it was visible, then conn(ctx, dpid, 0). When the switch refuses
 * one of our messages as from a slave (OFPBRC_EPERM) while we were master,
 * another controller took it over: the engine demotes it locally
 * (switch_down, invisible) and calls lost(); it never asks to be master
 * again by itself. */
typedef void ofc_conn_fn(void *ctx, uint64_t dpid, int up);
typedef void ofc_lost_fn(void *ctx, uint64_t dpid, const char *why);
void ofc_set_role_hooks(struct ofc *c, ofc_conn_fn *conn, ofc_lost_fn *lost, void *ctx);
/* master 1: ROLE_REQUEST(master); switch_up follows the matching reply (with
 * ofc_switch_takeover = takeover). master 0: switch_down (from the event loop,
 * after this call, if the switch was visible), invisible at once,
 * ROLE_REQUEST(slave). Idempotent: asking for the role already held or
 * pending sends nothing. -1 when roles mode is off or no connected switch has
 * this dpid (call again on conn(dpid, 1)); 0 otherwise. */
int ofc_role_set(struct ofc *c, uint64_t dpid, int master, int takeover);
/* The takeover flag of the promotion that made sw visible (1: another
 * controller was master before, the flow table is worth keeping); 0 outside
 * roles mode. */
int ofc_switch_takeover(const struct ofc_switch *sw);
/* -1 no connected switch with this dpid, 0 slave or promotion pending,
 * 1 master (visible). Outside roles mode: 1 for a connected switch. */
int ofc_role_of(struct ofc *c, uint64_t dpid);

struct ofc_counters {
    uint64_t accepted, handshakes, disconnects;
    uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
    uint64_t packet_ins, bad_msgs, echo_timeouts, overflow_drops, requests_timed_out;
    uint64_t tls_handshakes, tls_failures; /* completed / failed TLS handshakes */
};
void ofc_counters(const struct ofc *c, struct ofc_counters *out);
struct ofc_switch_counters {
    uint64_t msgs_in, msgs_out, packet_ins, bad_msgs, echoes_answered;
    size_t out_queued; /* bytes waiting in the output buffer */
};
void ofc_switch_counters(const struct ofc_switch *sw, struct ofc_switch_counters *out);

#endif
