/*
 * dom.h - visorflow-domain, a protection domain: what its files share. The
 * process locks itself in (sbx_enter) before it reads anything, then lives
 * on one event loop around fd 3, its socketpair to the core: everything it
 * knows arrives there (HELLO, CONFIG, APP_SOURCES), every socket it uses is
 * asked for there (SOCK_*) and handed over by SCM_RIGHTS, and everything it
 * has to say leaves there (LOG, STATUS, HEARTBEAT, RECORD, CTL_REPLY,
 * APP_RESULT).
 *
 *   dom_main.c   main, HELLO, heartbeat and status timers, the dispatch table
 *   dom_link.c   fd 3: receive, send (queued), the log sink, nested waits
 *   dom_sock.c   socket requests to the core and their answers
 *   dom_of.c     kind "of": the OpenFlow engine and the Lua apps
 *   dom_ctl.c    control requests: status detail, flow tables
 *   dom_rules.c  the Lua rules module's requests (RULE_*), drop events, the
 *                `guest` module's notes (GUEST_NOTIFY)
 *   dom_mgmt.c   kind "mgmt": the management API server (TLS, framing,
 *                roles); dom_mgmt_req.c its requests to the core
 *   dom_cluster.c kind "cluster": the etcd client (dom_cluster.h)
 *   dom_lsock.c  the Lua `socket` module (luasocket-style) over dom_sock;
 *                dom_lsock_io.c send/receive, dom_lselect.c socket.select
 */
#ifndef VF_DOM_H
#define VF_DOM_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "msg/msg.h"
#include "tls/tls.h"

struct lua_State;
struct dom_of;
struct dom_mgmt;
struct dom_cluster;
struct dom_deferred;
struct dom_req;
struct dom_lsn;
struct dom_rreq;
struct msg_mon_event;
struct msg_rule_result;
struct lof_rule_req;
struct lof_guest_note;

#define DOM_OUTQ_MAX    (8u << 20) /* bytes waiting for the core */
#define DOM_LOG_QUEUE   2048       /* queued messages beyond which log lines are dropped */
#define DOM_STATUS_MS   1000       /* STATUS period */
#define DOM_WAIT_MAX_MS 1000       /* longest blocking wait of a Lua socket call */

/* One entry of a pushed set (CONFIG). */
struct dom_kv {
    char *key, *value;
};

struct dom_app {
    char name[MSG_APP_MAX + 1];
    char origin[MSG_ORIGIN_MAX + 1];
    char *src;
    size_t len;
};

struct dom {
    struct ev_loop *loop;
    struct log log;
    int fd; /* SBX_FD */
    struct msg_outq out;
    uint8_t *rx; /* MSG_MAX_PAYLOAD bytes */
    int have_hello;
    struct msg_hello hello;
    uint32_t hb_seq;
    uint64_t hb_timer, status_timer, deferred_timer;
    uint64_t log_dropped;
    /* messages that arrived during a nested wait, for the main loop */
    struct dom_deferred *dq_head, *dq_tail;
    size_t dq_n;
    int waiting;
    /* socket requests and listeners (dom_sock.c) */
    struct dom_req *reqs;
    struct dom_lsn *lsns;
    uint32_t next_req;
    uint32_t *fd_sock; /* fd -> sock id at the core, 0: not brokered */
    size_t fd_cap;
    size_t n_socks;
    /* pushed sets being received */
    struct dom_kv *cfg;
    size_t ncfg;
    uint32_t cfg_gen;
    int configured;
    struct dom_app *apps;
    size_t napps;
    uint32_t app_gen;
    struct dom_of *of;     /* kind "of" */
    struct dom_mgmt *mgmt; /* kind "mgmt" */
    struct dom_cluster *cluster; /* kind "cluster" */
    /* the monitor's rules (dom_rules.c) */
    struct dom_rreq *rreqs;
    size_t n_rreqs;
    uint32_t next_rule_req;
    uint64_t mon_events;
};

/* ---- dom_main.c ---- */
__attribute__((noreturn)) void dom_fatal(struct dom *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct tls_ctx *dom_tls_ctx(struct dom *d, const struct msg_tls_config *m, struct msg_r *r,
                            enum tls_role role);
void dom_status_put(struct msg_status *st, const char *key, uint64_t v);
/* Dispatch one message received from the core (main loop or deferred). */
void dom_handle(struct dom *d, const struct msg_hdr *h, const uint8_t *p, int *fds, int nfds);

/* ---- dom_link.c ---- */
void dom_link_init(struct dom *d);
/* Queue or send; a link that cannot take it any more ends the domain. */
void dom_send(struct dom *d, uint16_t type, uint32_t id, const union msg_body *b, const int *fds,
              int nfds);
/* Log lines go to the core as LOG messages. */
void dom_log_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                  const char *msg);
/* Wait up to timeout_ms for done(ctx), or for one of pfds to become ready
 * (pfds may be NULL). Meanwhile socket answers from the core are handled
 * and everything else is kept for the main loop, in order. Returns 1 when
 * done(ctx) holds or a pfd is ready, 0 on timeout. */
int dom_link_wait(struct dom *d, int (*done)(void *ctx), void *ctx, struct pollfd *pfds, int npfds,
                  int timeout_ms);

/* ---- dom_sock.c ---- */
/* The answer to a socket request; fd is the passed socket (the callback
 * owns it) or -1. r NULL: the domain is shutting down. */
typedef void dom_sock_fn(void *ctx, const struct msg_socket_result *r, int fd);
/* A connection on a registered listener; the callback owns fd. */
typedef void dom_accept_fn(void *ctx, uint32_t sock_id, int fd, const struct msg_addr *peer);

int dom_sock_init(struct dom *d);
/* Send a SOCK_* request; its answer goes to fn (NULL: dropped). Returns the
 * request id. */
uint32_t dom_sock_request(struct dom *d, uint16_t type, const union msg_body *b, dom_sock_fn *fn,
                          void *ctx);
/* fn will not be called; a socket the answer carries is given back. */
void dom_sock_cancel(struct dom *d, uint32_t id);
/* Connections on listener id go to fn. in_wait: fn may run inside a nested
 * wait (a Lua accept waits for it); else only from the main loop. */
void dom_sock_listen_on(struct dom *d, uint32_t id, dom_accept_fn *fn, void *ctx, int in_wait);
void dom_sock_unlisten(struct dom *d, uint32_t id);
/* Remember which core socket an fd is, so that closing it tells the core. */
void dom_sock_track(struct dom *d, int fd, uint32_t sock_id);
/* Close fd; SOCK_CLOSE to the core if it was brokered. */
void dom_sock_close(struct dom *d, int fd);
/* The same without the close (the caller closes it right after). */
void dom_sock_release(struct dom *d, int fd);
void dom_sock_forget_id(struct dom *d, uint32_t sock_id); /* SOCK_CLOSE only */
/* SOCKET_RESULT / SOCK_ACCEPTED from the core. MSG_FATAL for nonsense. */
int dom_sock_result(struct dom *d, uint32_t id, const struct msg_socket_result *m, int *fds,
                    struct msg_r *r);
int dom_sock_accepted(struct dom *d, const struct msg_sock_accepted *m, int *fds, int in_wait);
/* Is this SOCK_ACCEPTED for a listener that takes it inside a wait? */
int dom_sock_accept_in_wait(struct dom *d, uint32_t listener_id);
void dom_sock_text(const struct msg_addr *a, char *dst, size_t cap);

/* ---- dom_of.c ---- */
int dom_of_start(struct dom *d);
int dom_of_configure(struct dom *d, struct msg_r *r);
/* TLS_CONFIG: build the context of the ssl: listeners; scrubs the payload. */
int dom_of_tls(struct dom *d, struct msg_tls_config *m, struct msg_r *r);
int dom_of_load(struct dom *d);
void dom_of_status(struct dom *d, struct msg_status *st);
void dom_of_stop(struct dom *d);
struct ofc *dom_of_engine(struct dom *d);
struct lof *dom_of_host(struct dom *d);

/* APP_COMMAND: block / unblock, answered by the apps' command handler. */
int dom_of_command(struct dom *d, uint32_t id, const struct msg_block *m);

/* ---- dom_mgmt.c, dom_mgmt_req.c ---- */
int dom_mgmt_start(struct dom *d);
int dom_mgmt_tls(struct dom *d, struct msg_tls_config *m, struct msg_r *r);
int dom_mgmt_configure(struct dom *d, struct msg_r *r);
void dom_mgmt_status(struct dom *d, struct msg_status *st);
void dom_mgmt_stop(struct dom *d);
/* Answers from the core; MSG_FATAL for one to a request never made. */
int dom_mgmt_rule_result(struct dom *d, uint32_t id, const struct msg_rule_result *m,
                         struct msg_r *r);
int dom_mgmt_reply(struct dom *d, uint32_t id, const struct msg_ctl_reply *m, struct msg_r *r);

/* ---- dom_cluster*.c (kind cluster) ---- */
int dom_cluster_start(struct dom *d);
int dom_cluster_tls(struct dom *d, struct msg_tls_config *m, struct msg_r *r);
int dom_cluster_configure(struct dom *d, struct msg_r *r);
int dom_cluster_switch(struct dom *d, const struct msg_cl_switch *m);
int dom_cluster_write(struct dom *d, const struct msg_cl_kv *m);
void dom_cluster_ctl(struct dom *d, uint32_t id, int json);
void dom_cluster_status(struct dom *d, struct msg_status *st);
void dom_cluster_stop(struct dom *d);

/* ---- dom_of_cluster.c: the cluster's side in the of domain ---- */
void dom_of_role_conn(void *ctx, uint64_t dpid, int up);
void dom_of_role_lost(void *ctx, uint64_t dpid, const char *why);
int dom_of_cluster_put(void *ctx, int op, const char *key, const void *val, size_t vlen,
                       uint32_t ttl);
int dom_of_role(struct dom *d, const struct msg_cl_role *m);
int dom_of_cluster_event(struct dom *d, const struct msg_cl_kv *m);
int dom_of_cluster_state(struct dom *d, const struct msg_cl_state *m);

/* ---- dom_ctl.c ---- */
int dom_ctl_request(struct dom *d, uint32_t id, const struct msg_ctl_request *m, struct msg_r *r);
/* Send text as CTL_REPLY chunks, the last one final. */
void dom_ctl_reply(struct dom *d, uint32_t id, int error, const char *text, size_t len);

/* ---- dom_rules.c ---- */
/* lof's rule_request host callback (ctx: the dom). */
int dom_rules_request(void *ctx, const struct lof_rule_req *rq);
/* RULE_RESULT from the core; MSG_FATAL for one that answers nothing asked. */
int dom_rules_result(struct dom *d, uint32_t id, const struct msg_rule_result *m, struct msg_r *r);
/* MON_EVENT from the core. */
void dom_rules_drop(struct dom *d, const struct msg_mon_event *m);
/* lof's guest_notify host callback (ctx: the dom): GUEST_NOTIFY to the core. */
int dom_guest_notify(void *ctx, const struct lof_guest_note *n);

/* ---- dom_lsock.c ---- */
/* Put `socket` into the app environment on top of L's stack. */
void dom_lsock_open(struct dom *d, struct lua_State *L);

#endif
