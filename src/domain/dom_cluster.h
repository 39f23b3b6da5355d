/*
 * dom_cluster.h - the domain of kind "cluster": this instance's etcd client
 * (docs/cluster.md). It parses everything etcd sends, so it runs apart from
 * the controller: a bug in it gives an attacker who controls an etcd member
 * only what that member could say anyway (which switches this instance
 * should master, the shared keys), never the OpenFlow sessions or the apps.
 *
 *   dom_cluster_conn.c  the two connections to the current endpoint (one
 *                       for requests, pipelined; one for the watch stream),
 *                       TLS, time-outs, moving on to the next endpoint
 *   dom_cluster.c       the lease, this instance's member key, the mirror
 *                       of everything under the prefix, the shared keys
 *                       (writes, writes queued while etcd is away)
 *   dom_cluster_role.c  the election of a master per switch
 *   dom_cluster_ctl.c   `visorflowctl cluster` and the STATUS counters
 */
#ifndef VF_DOM_CLUSTER_H
#define VF_DOM_CLUSTER_H

#include "domain/dom.h"
#include "etcd/etcd.h"
#include "lib/buf.h"

#define DCL_MAX_EP       8
#define DCL_MAX_SWITCHES 4096
#define DCL_MAX_SHARED   4096 /* shared keys mirrored (the of domain's mirror holds more) */
#define DCL_MAX_MEMBERS  64
#define DCL_MAX_QUEUED   1024 /* writes kept while etcd is away */
#define DCL_NAME_MAX     32
#define DCL_KEY_MAX      (ETCD_KEY_MAX + 1)

struct dom_cluster;
struct dcl_conn;

/* A request's outcome: status is the HTTP status, or -1 when the
 * connection failed first (json is then the reason, NUL-terminated). */
typedef void dcl_done_fn(struct dom_cluster *k, void *ctx, int status, const char *json,
                         size_t len);

struct dcl_sw {
    uint64_t dpid;
    int connected;      /* the of domain has it */
    int master;         /* we hold its master key */
    int busy;           /* a campaign / resign / check in flight */
    int64_t create_rev; /* of our master key */
    char holder[DCL_NAME_MAX + 1]; /* who holds the key, "" nobody (as the mirror says) */
    int64_t holder_rev;            /* its create_revision */
    uint64_t since_ms;             /* master since */
};

struct dcl_kv {
    char key[DCL_KEY_MAX];
    char *value;
    size_t len;
    int64_t lease;
};

struct dcl_write { /* queued while etcd is away */
    int op;
    char key[MSG_CL_KEY_MAX + 1];
    char *value;
    size_t len;
    uint32_t ttl;
    uint64_t at_ms;
};

struct dom_cluster {
    struct dom *d;
    /* configuration */
    char name[DCL_NAME_MAX + 1];
    char prefix[72];
    struct msg_addr ep[DCL_MAX_EP];
    char ep_text[DCL_MAX_EP][48];
    size_t n_ep, ep_cur;
    int tls_wanted;
    struct tls_ctx *tls;
    uint32_t ttl_s, timeout_ms;
    char token[17]; /* this incarnation, in the member key's value */
    /* connections (dom_cluster_conn.c) */
    struct dcl_conn *rq, *watch;
    int up;               /* both connections working, state synchronised */
    int ever_up;
    uint64_t down_since_ms, up_since_ms;
    uint64_t retry_timer, tick_timer;
    unsigned failures; /* in a row, for the back-off */
    char last_error[320];
    /* session */
    int64_t lease;
    uint64_t lease_deadline_ms; /* we may act as lease holder until then */
    int keepalive_busy;
    int syncing;
    int64_t watch_from;
    /* the paged read after a connection */
    uint8_t page_key[ETCD_KEY_MAX];
    size_t page_len;
    int64_t page_rev;
    int page_moved;
    /* state */
    struct dcl_sw *sw;
    size_t n_sw;
    struct dcl_kv *shared;
    size_t n_shared;
    struct dcl_kv *members;
    size_t n_members;
    struct etcd_member etcd_members[16];
    size_t n_etcd_members;
    struct dcl_write *queued;
    size_t n_queued;
    /* counters */
    uint64_t reconnects, campaigns, won, lost, resigned, writes, writes_failed, writes_dropped,
        events, keepalives, lease_losses, oversize_seen;
};

/* ---- dom_cluster_conn.c ---- */
int dcl_conn_init(struct dom_cluster *k);
/* Connect to the current endpoint (both connections). */
void dcl_conn_start(struct dom_cluster *k);
/* Send a request on the request connection; fn gets its answer, or -1 when
 * the connection fails first. -1 (fn not called) when not connected. */
int dcl_request(struct dom_cluster *k, const char *path, const char *body, size_t len,
                dcl_done_fn *fn, void *ctx);
/* Open the watch stream with this body; messages go to dcl_watch_msg. */
int dcl_watch_start(struct dom_cluster *k, const char *body, size_t len);
/* Give up the current endpoint (why: one line): both connections close,
 * every waiting request fails, dcl_lost() runs, the next endpoint is tried. */
void dcl_conn_fail(struct dom_cluster *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dcl_conn_stop(struct dom_cluster *k);
const char *dcl_endpoint(const struct dom_cluster *k);

/* ---- dom_cluster.c ---- */
#define DCL_BODY_MAX 4096
extern char dcl_body[DCL_BODY_MAX]; /* the request being built (one at a time) */
static inline uint64_t dcl_now(struct dom_cluster *k)
{
    return ev_now_ms(k->d->loop);
}
/* P/KIND/REST into dst: its length, or -1 when over ETCD_KEY_MAX. */
int dcl_key(struct dom_cluster *k, char *dst, size_t cap, const char *kind, const char *rest);
struct dcl_sw *dcl_sw_find(struct dom_cluster *k, uint64_t dpid, int add);
/* (called by the connection layer) */
void dcl_connected(struct dom_cluster *k); /* the request connection is up */
void dcl_lost(struct dom_cluster *k, const char *why);
void dcl_watch_msg(struct dom_cluster *k, int status, const char *json, size_t len);

/* ---- dom_cluster_role.c ---- */
void dcl_campaign(struct dom_cluster *k, struct dcl_sw *s); /* if connected, not master, idle */
void dcl_demote(struct dom_cluster *k, struct dcl_sw *s, const char *why);
int dcl_switch(struct dom_cluster *k, const struct msg_cl_switch *m); /* CL_SWITCH */
/* An etcd_kv_fn that copies the one kv it gets into ctx. */
int dcl_holder_kv(void *ctx, int type, const struct etcd_kv *kv);

/* ---- dom_cluster_ctl.c ---- */
void dcl_ctl(struct dom_cluster *k, uint32_t id, int json);
void dcl_status(struct dom_cluster *k, struct msg_status *st);

#endif
