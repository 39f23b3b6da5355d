/*
 * vfd.h - visorflowd, the core: what its files share. The core reads the
 * configuration and the app files, holds the listening sockets, the control
 * socket and the record files, and supervises the protection domains that do
 * the actual work (docs/architecture.md, "The core and its domains"). It
 * parses nothing rich: no OpenFlow, no Lua, no JSON; a domain's words reach it
 * only as fixed-layout messages (src/msg) checked by one dispatch table.
 */
#ifndef VF_VFD_H
#define VF_VFD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "brk/brk.h"
#include "conf/conf.h"
#include "hc/hc_server.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "mon/mon.h"
#include "msg/msg.h"
#include "sbx/sbx.h"
#include "tls/tls.h"

#define VFD_MAX_LISTEN        8
#define VFD_MAX_APPS          32
#define VFD_MAX_DOMAINS       8
#define VFD_MAX_ARGS          8
#define VFD_MAX_OF_NUMS       16
#define VFD_CTL_TIMEOUT_MS    12000 /* a domain's answer to a control request */
#define VFD_RELOAD_TIMEOUT_MS 15000 /* a domain's APP_RESULT after a reload */

/* ---- configuration (vfd_config.c, vfd_config_dom.c) ----------------------- */

struct vfd_kv {
    const char *key, *value; /* point into the struct conf */
};

struct vfd_app_conf {
    char *name;
    struct vfd_kv *kv;
    size_t nkv;
};

/* [monitor] (vfd_config_mon.c): the eBPF filter below the guests. */
#define VFD_MON_MAX_PORTS 256  /* port lines; each is also a CONFIG entry for the of domain */
#define VFD_MON_MAX_RULES 4096 /* rule lines */
#define VFD_IFNAME_MAX    16   /* IFNAMSIZ */

struct vfd_mon_port_conf {
    uint16_t id;                      /* 1..MON_PORT_ID_LIMIT */
    char guest[VFD_IFNAME_MAX];       /* G: the guest's host-side veth or tap */
    char uplink[VFD_IFNAME_MAX];      /* U: the monitor's side of the uplink pair */
    char peer[VFD_IFNAME_MAX];        /* the pair's switch side, created by the core; "" */
    char switch_port[VFD_IFNAME_MAX]; /* the name the switch knows ("" unknown) */
    uint32_t flags;                   /* MON_PORT_* */
    unsigned line;
};

struct vfd_mon_rule_conf {
    struct mon_rule rule;
    unsigned line;
};

struct vfd_mon_conf {
    int enabled; /* a [monitor] section exists */
    const char *pin_dir;
    uint32_t ev_rate, ev_burst; /* drop events per second and burst, per port and CPU */
    uint32_t ev_queue;          /* messages that may wait for the of domain before events drop */
    uint32_t hc_rate, hc_burst; /* hypercall frames per second and burst, per port (datapath) */
    uint32_t guest_max_rules;   /* rules one guest may own (the hc server's quota) */
    uint32_t notify_rate, notify_burst; /* domain notes per second and burst, per port (core) */
    struct vfd_mon_port_conf *ports;
    size_t nports;
    struct vfd_mon_rule_conf *rules;
    size_t nrules;
};

/* [mgmt] (vfd_config_mgmt.c): the management API, served by the domain of
 * kind mgmt over TLS 1.3 with client certificates. */
#define VFD_MGMT_MAX_LISTEN 4
#define VFD_MGMT_MAX_CN     64  /* names in admins, and in viewers */
#define VFD_MGMT_CN_MAX     128 /* bytes of one CN */

struct vfd_mgmt_conf {
    int enabled; /* a [mgmt] section exists */
    const char *listen[VFD_MGMT_MAX_LISTEN];
    unsigned listen_line[VFD_MGMT_MAX_LISTEN];
    size_t n_listen;
    struct tls_conf tls; /* its key material, for TLS_CONFIG */
    const char *admins[VFD_MGMT_MAX_CN], *viewers[VFD_MGMT_MAX_CN];
    size_t n_admins, n_viewers;
    char *admins_buf, *viewers_buf; /* what the names point into */
    unsigned max_clients;
    uint32_t idle_ms;
};

/* [cluster] (vfd_config_cluster.c): this instance's part in a cluster of
 * visorflow instances coordinated through etcd (docs/cluster.md), run by the
 * domain of kind cluster. */
#define VFD_CLUSTER_MAX_EP   8
#define VFD_CLUSTER_NAME_MAX 32
#define VFD_CLUSTER_PFX_MAX  47 /* + "/shared/" + an app key of 200 + the "\\0" a paged read adds fits 256 */

struct vfd_cluster_conf {
    int enabled; /* a [cluster] section exists */
    char name[VFD_CLUSTER_NAME_MAX + 1];
    const char *endpoints[VFD_CLUSTER_MAX_EP]; /* "IP:PORT" (the scheme is tls) */
    char *endpoints_buf;
    size_t n_endpoints;
    int tls;                 /* https:// endpoints */
    struct tls_conf tls_conf; /* the client's key material, CA of the etcd members */
    char prefix[VFD_CLUSTER_PFX_MAX + 1];
    uint32_t lease_ttl;  /* seconds */
    uint32_t timeout_ms; /* an etcd request's answer */
};

/* One protection domain: [domain.NAME], or the default "of" domain. */
struct vfd_domain_conf {
    char name[MSG_NAME_MAX + 1];
    int kind; /* MSG_KIND_OF, MSG_KIND_MGMT, MSG_KIND_CLUSTER */
    char binary[PATH_MAX];
    const char *args[VFD_MAX_ARGS]; /* tests only: argv[1..] instead of the name */
    size_t nargs;
    char *args_buf;     /* what args point into */
    int stderr_inherit; /* debugging: the domain's stderr is the core's */
    struct sbx_limits limits;
    unsigned max_socks;
    unsigned max_rules; /* monitor rules it may own (HELLO.max_rules) */
    uint32_t heartbeat_ms, heartbeat_timeout_ms;
    uint32_t restart_min_ms, restart_max_ms, healthy_ms;
    struct brk_policy policy;
};

struct vfd_config {
    struct conf conf; /* the parsed file; the fields below point into it */
    const char *listen[VFD_MAX_LISTEN];
    size_t n_listen;
    /* listen[i] is as written ("ssl:ADDR", "tcp:ADDR", "ADDR"), listen_addr[i]
     * the ADDR past the scheme, listen_tls[i] whether it was ssl: */
    const char *listen_addr[VFD_MAX_LISTEN];
    int listen_tls[VFD_MAX_LISTEN];
    struct tls_conf tls; /* key material for the ssl: listeners (src/tls/tls_conf.c) */
    /* [controller] numbers, already checked, passed to the of domain as
     * CONFIG entries "of.KEY" (the domain maps them to its engine) */
    struct {
        const char *key;
        uint64_t value;
    } of_num[VFD_MAX_OF_NUMS];
    size_t n_of_num;
    uint64_t lua_memory, lua_budget;
    char *app_dir;
    struct vfd_app_conf apps[VFD_MAX_APPS]; /* in chain order */
    size_t n_apps;
    const char *control; /* unix socket path */
    const char *record_dir;
    enum log_level log_level;
    int log_syslog; /* log_target = syslog */
    struct vfd_domain_conf domains[VFD_MAX_DOMAINS];
    size_t n_domains;
    struct vfd_mon_conf mon;
    struct vfd_mgmt_conf mgmt;
    struct vfd_cluster_conf cluster;
};

/* Reads and checks the whole file; -1 with "file:line: message". self is
 * the core's own path (the default domain binary sits next to it). */
int vfd_config_load(struct vfd_config *cfg, const char *path, const char *self, char *err,
                    size_t errcap);
void vfd_config_free(struct vfd_config *cfg);
/* [domain.NAME] sections (vfd_config_dom.c); after [controller] is read. */
int vfd_config_domains(struct vfd_config *cfg, const char *self, char *err, size_t errcap);
/* [monitor] (vfd_config_mon.c); before the apps' settings are counted. */
int vfd_config_mon(struct vfd_config *cfg, char *err, size_t errcap);
void vfd_config_mon_free(struct vfd_config *cfg);
/* [mgmt] (vfd_config_mgmt.c): before the domains; then, after them, the
 * domain that serves it (made when none of kind mgmt is configured) and its
 * listen_allow checked. */
int vfd_config_mgmt(struct vfd_config *cfg, char *err, size_t errcap);
int vfd_config_mgmt_domain(struct vfd_config *cfg, char *err, size_t errcap);
void vfd_config_mgmt_free(struct vfd_config *cfg);
/* [cluster] (vfd_config_cluster.c): before the domains; after them the
 * domain that runs it (made when none of kind cluster is configured), its
 * connect_allow defaulting to the endpoints. */
int vfd_config_cluster(struct vfd_config *cfg, char *err, size_t errcap);
int vfd_config_cluster_domain(struct vfd_config *cfg, char *err, size_t errcap);
void vfd_config_cluster_free(struct vfd_config *cfg);
/* Bytes of a file, at most max; -1 with "path: reason". */
int vfd_read_file(const char *path, char **out, size_t *len, size_t max, char *err, size_t errcap);

/* ---- app sets (vfd_apps.c) --------------------------------------------------- */

struct vfd_app_src {
    char name[MSG_APP_MAX + 1];
    char origin[MSG_ORIGIN_MAX + 1];
    char *text;
    size_t len;
};

/* The bytes of every configured app, read at one moment. Shared by the
 * pushes that use it (refs). */
struct vfd_appset {
    unsigned refs;
    size_t n;
    struct vfd_app_src apps[VFD_MAX_APPS];
};

/* ---- domains (vfd_domain.c, vfd_dispatch.c, vfd_push.c) --------------------- */

enum vfd_dom_state {
    VFD_DOM_STARTING, /* spawned, no heartbeat yet */
    VFD_DOM_RUNNING,
    VFD_DOM_RESTARTING, /* dead, waiting out its back-off */
    VFD_DOM_STOPPED,    /* the core is shutting down */
};

struct vfd;
struct vfd_ctlreq;

struct vfd_domain {
    struct vfd *d;
    const struct vfd_domain_conf *conf;
    enum vfd_dom_state state;
    pid_t pid; /* 0 when not running */
    int fd;    /* the core's end of the socketpair, -1 when down */
    struct msg_outq out;
    struct brk *brk; /* its sockets and policy */
    unsigned restarts;
    uint64_t started_ms, last_hb_ms, backoff_ms;
    uint64_t restart_timer, hb_timer, fail_timer, eof_timer;
    char last_exit[320];   /* "" until it first ended */
    char kill_reason[256]; /* why the core killed it ("" if it did not) */
    uint32_t next_req;     /* CTL_REQUEST ids of this incarnation */
    struct vfd_ctlreq *reqs;
    struct msg_status stats; /* the last STATUS */
    uint64_t log_lines, exits;
    uint32_t app_gen_answered; /* last APP_RESULT generation */
};

/* A control request's answer, chunk by chunk (seq 0, 1, ...), or its end:
 * chunk NULL with a reason (the domain died, no answer in time), or chunk
 * and reason both NULL when the request was cancelled (free ctx only). */
typedef void vfd_reply_fn(void *ctx, const struct msg_ctl_reply *chunk, unsigned seq,
                          const char *reason);

struct vfd_domain *vfd_domain_find(struct vfd *d, int kind);
/* Set up the domain table and hold the listeners (before privileges go). */
int vfd_domains_start(struct vfd *d, char *err, size_t errcap);
/* Start every domain (after privileges went). */
void vfd_domains_spawn(struct vfd *d);
/* Reap exited domains (SIGCHLD): log, clean up, schedule restarts. */
void vfd_domains_reap(struct vfd *d);
void vfd_domains_stop(struct vfd *d);
/* Send one message to a running domain (queued if its socket is full). A
 * failure ends the domain from the event loop, never inside this call. */
int vfd_domain_send(struct vfd_domain *dom, uint16_t type, uint32_t id, const union msg_body *b,
                    const int *fds, int nfds);
/* Kill a domain the core gave up on; reason goes to the log and status. */
void vfd_domain_kill(struct vfd_domain *dom, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* End of file on its socket (vfd_dispatch.c). */
void vfd_domain_eof(struct vfd_domain *dom);
/* Ask a running domain; 0, or -1 when it is not running (nothing called). */
int vfd_domain_ctl(struct vfd_domain *dom, const struct msg_ctl_request *rq, vfd_reply_fn *fn,
                   void *ctx, const void *owner);
/* The same for any request the domain answers with CTL_REPLY (APP_COMMAND). */
int vfd_domain_ask(struct vfd_domain *dom, uint16_t type, const union msg_body *b,
                   vfd_reply_fn *fn, void *ctx, const void *owner);
void vfd_domains_cancel_owner(struct vfd *d, const void *owner);
/* The domain ended: every request waiting on it fails with why. */
void vfd_ctlreqs_fail(struct vfd_domain *dom, const char *why);
/* A CTL_REPLY chunk arrived (vfd_dispatch.c): route it. MSG_FATAL when it
 * answers nothing this domain was asked. */
int vfd_domain_reply(struct vfd_domain *dom, uint32_t id, const struct msg_ctl_reply *m,
                     struct msg_r *r);
const char *vfd_dom_state_name(enum vfd_dom_state s);
/* Read and dispatch what the domain sent (vfd_dispatch.c). */
void vfd_dispatch_input(struct vfd_domain *dom);
int vfd_dispatch_check(char *err, size_t errcap);
/* What a new incarnation gets first: HELLO, CONFIG, its apps (vfd_push.c). */
int vfd_push_start(struct vfd_domain *dom);
int vfd_push_apps(struct vfd_domain *dom, const struct vfd_appset *set, uint32_t gen);

/* ---- the core ------------------------------------------------------------------- */

typedef void vfd_done_fn(void *ctx, const char *err);

/* The app set in flight: pushed, its APP_RESULT not yet in. */
struct vfd_reload {
    int active;
    int startup; /* the first load: survives restarts, decides the exit */
    uint32_t gen;
    struct vfd_appset *set;
    vfd_done_fn *done;
    void *ctx;
    const void *owner;
    uint64_t timer;
};

struct vfd {
    struct ev_loop *loop;
    struct log log;
    struct vfd_config cfg;
    const char *config_path;
    char self[PATH_MAX];
    int check_only;
    int exit_code;
    int finished; /* exit_code is decided (start-up load failed, --check done) */
    struct vfd_domain domains[VFD_MAX_DOMAINS];
    size_t n_domains;
    uint8_t *rx; /* MSG_MAX_PAYLOAD bytes: the payload being dispatched */
    struct vfd_ctl *ctl;
    struct vfd_watch *watch;
    struct vfd_records *records;
    struct vfd_mon *mon; /* NULL without [monitor] */
    struct vfd_hc *hc;   /* the guests' hypercalls; NULL without [monitor] */
    struct vfd_cluster *cluster; /* the switch table for the cluster domain */
    uint64_t started_ms;
    /* apps */
    struct vfd_appset *apps_live; /* the set the of domain runs */
    struct vfd_reload reload;
    uint32_t app_gen; /* last generation pushed */
    unsigned reloads_ok, reloads_failed;
    char last_reload_error[MSG_VALUE_MAX + 1];
};

/* Read the configured app files now. */
int vfd_appset_read(const struct vfd_config *cfg, struct vfd_appset **out, char *err,
                    size_t errcap);
void vfd_appset_unref(struct vfd_appset *set);
/* Read the apps and push them to the of domain; done(ctx, err) once its
 * APP_RESULT is in (err NULL: running). -1 with err when nothing was pushed. */
int vfd_apps_reload(struct vfd *d, vfd_done_fn *done, void *ctx, const void *owner, char *err,
                    size_t errcap);
/* The first load, at start: pushed with the of domain's first HELLO. */
int vfd_apps_startup(struct vfd *d, vfd_done_fn *done, void *ctx, char *err, size_t errcap);
/* The set a new incarnation of the of domain gets, and its generation. */
const struct vfd_appset *vfd_apps_for_start(struct vfd *d, uint32_t *gen);
/* APP_RESULT from the of domain; MSG_FATAL for a generation never pushed. */
int vfd_apps_result(struct vfd_domain *dom, const struct msg_app_result *m, struct msg_r *r);
/* The of domain ended: a reload waiting on it fails (the startup one waits on). */
void vfd_apps_domain_down(struct vfd *d, const char *why);
void vfd_apps_cancel_owner(struct vfd *d, const void *owner);
/* Watch app_dir with inotify and reload (debounced) when a file changes. */
struct vfd_watch *vfd_watch_new(struct vfd *d);
void vfd_watch_free(struct vfd_watch *w);

/* Control socket: status, flows DPID, reload. */
struct vfd_ctl *vfd_ctl_new(struct vfd *d, const char *path, char *err, size_t errcap);
void vfd_ctl_free(struct vfd_ctl *c);
/* Run one request line of the control socket's on a client without a socket:
 * done(ctx, text, len) gets the whole reply ("OK\n..." or "ERR ...\n") once
 * complete, perhaps before this returns; text NULL when the client ended
 * first (the core is stopping). -1: not started (out of memory, too long). */
typedef void ctl_done_fn(void *ctx, const char *text, size_t len);
int vfd_ctl_run(struct vfd_ctl *c, const char *line, ctl_done_fn *done, void *ctx);
/* MGMT_QUERY and MGMT_BLOCK from the management domain (vfd_mgmt.c). */
int vfd_mgmt_query(struct vfd_domain *dom, uint32_t id, const struct msg_mgmt_query *m);
int vfd_mgmt_block(struct vfd_domain *dom, uint32_t id, const struct msg_block *m);

/* Records from apps (flowmon's CSV): record_dir/APP-STREAM.csv */
struct vfd_records *vfd_records_new(const char *dir, struct log *log);
void vfd_records_free(struct vfd_records *r);
void vfd_record(void *ctx, const char *app, const char *stream, const char *line);

/* ---- the monitor (vfd_mon.c, vfd_mon_rules.c, vfd_mon_dom.c) ------------------------ *
 * The core is the monitor's one writer (mon.h: one writer per pin directory).
 * Everything that changes rules goes through these calls, whoever asks:
 * the configuration, visorflowctl (owner admin), a domain's RULE_* (owner
 * domain:NAME), later the guests' hypercalls (guest:ID). */

struct vfd_mon;

/* What the core itself counts about drop events (the datapath counts the rest). */
struct vfd_mon_counters {
    uint64_t ev_read;       /* events read from the ring */
    uint64_t ev_forwarded;  /* sent to the of domain as MON_EVENT */
    uint64_t ev_queue_full; /* dropped: the domain's queue was over [monitor] event_queue */
    uint64_t ev_no_domain;  /* dropped: no of domain running */
    uint64_t ev_bad;        /* dropped: a record that does not fit MON_EVENT */
};

/* Open the monitor, apply the configured admin rules, attach the configured
 * ports (in that order), and start reading events: before the capabilities
 * go. Nothing of a failed start stays applied. No [monitor]: nothing, 0. */
int vfd_mon_start(struct vfd *d, char *err, size_t errcap);
/* The configured rules and ports onto an open monitor (vfd_mon_apply.c):
 * 0, or -1 with "file:line: ..." and nothing of this call left applied.
 * renewed (room for 2 * VFD_MON_MAX_PORTS) gets the ids of the ports this
 * call attached anew or detached: their guest may have changed. */
int vfd_mon_apply(struct vfd *d, struct mon *m, uint16_t *renewed, size_t *nrenewed, char *err,
                  size_t errcap);
/* Closes the handle only: ports, rules and counters stay pinned and filtering. */
void vfd_mon_stop(struct vfd *d);
/* The open monitor, NULL when none is configured. */
struct mon *vfd_mon_handle(struct vfd *d);
/* The ports this start attached anew or detached (vfd_mon_apply's renewed). */
size_t vfd_mon_renewed(struct vfd *d, const uint16_t **ids);
void vfd_mon_counters(struct vfd *d, struct vfd_mon_counters *c);
/* Add a rule in owner's name; max: how many rules that owner may hold (0: no
 * cap). 0 with *id, or -errno with the reason in err (ENODEV: no monitor,
 * EDQUOT: owner at max, and mon_rule_add's). */
int vfd_mon_rule_add(struct vfd *d, const struct mon_rule *r, const char *owner, unsigned max,
                     uint32_t *id, char *err, size_t errcap);
/* Delete rule id as requester (admin deletes anything): 0 or -errno with err. */
int vfd_mon_rule_del(struct vfd *d, uint32_t id, const char *requester, char *err, size_t errcap);
/* Rules owned by owner. */
size_t vfd_mon_rule_count_owner(struct vfd *d, const char *owner);
/* RULE_ADD/DEL/LIST from a domain (vfd_mon_dom.c); replies RULE_RESULT. */
int vfd_mon_dom_add(struct vfd_domain *dom, uint32_t id, const struct msg_rule *m);
int vfd_mon_dom_del(struct vfd_domain *dom, uint32_t id, const struct msg_rule_del *m);
int vfd_mon_dom_list(struct vfd_domain *dom, uint32_t id, const struct msg_rule_list *m);
/* Conversions between the wire's rule and the monitor's. */
void vfd_mon_rule_to_msg(const struct mon_rule *r, struct msg_rule *m);
void vfd_mon_rule_from_msg(const struct msg_rule *m, struct mon_rule *r);

/* ---- guest hypercalls (vfd_hc.c) ---------------------------------------------------- *
 * With [monitor] the core serves the guests' hypercall channel
 * (docs/hypercall.md): frames the datapath took off a guest port are carried
 * out by the hc server over the monitor's rules, as guest:PORT, and answered
 * on that port; the of domain's GUEST_NOTIFY become notes down the channel. */

struct vfd_hc;

/* One guest port as `visorflowctl guests` shows it (the datapath's counters
 * are mon_port_stats'). */
struct vfd_hc_port {
    struct hc_port_stats srv; /* the hc server's, since the core started */
    uint64_t notes_sent;      /* domain notes sent down the channel */
    uint64_t notes_limited;   /* dropped: over [monitor] notify_rate */
    uint64_t notes_unsent;    /* kept in the backlog, the send failed */
    size_t backlog;           /* notes kept for EVENTS (at most HC_BACKLOG) */
};
struct vfd_hc_counters {
    uint64_t frames;         /* read from the hypercall ring */
    uint64_t stale;          /* dropped: waited in the ring from before this core started */
    uint64_t send_errors;    /* replies the socket refused */
    uint64_t notes_bad_port; /* domain notes for a port [monitor] does not configure */
};

/* Open the server and the marked socket, set the limits, put the ring on the
 * loop, and delete the guest:ID rules of ports whose guest may have changed
 * (vfd_mon_renewed) or that are not configured: after vfd_mon_start, before
 * the capabilities go (the socket needs CAP_NET_RAW). No monitor: nothing, 0. */
int vfd_hc_start(struct vfd *d, char *err, size_t errcap);
void vfd_hc_stop(struct vfd *d);
/* -ENODEV without a monitor, -ENOENT for a port [monitor] does not configure. */
int vfd_hc_port(struct vfd *d, uint16_t port_id, struct vfd_hc_port *out);
void vfd_hc_counters(struct vfd *d, struct vfd_hc_counters *c);
/* GUEST_NOTIFY from a domain (vfd_dispatch.c): rate-limited per port, then a
 * note down the port's channel. Never fatal: the decoder checked the fields. */
int vfd_hc_notify(struct vfd_domain *dom, const struct msg_guest_notify *m);

/* ---- the cluster (vfd_cluster.c) ------------------------------------------------------ *
 * Passes CL_* messages between the of domain and the cluster domain, and
 * keeps the of domain's switch table for a restarting cluster domain. */
struct vfd_cluster;
int vfd_cluster_conn(struct vfd_domain *dom, const struct msg_cl_switch *m);
int vfd_cluster_role(struct vfd_domain *dom, const struct msg_cl_role *m);
int vfd_cluster_kv(struct vfd_domain *dom, uint16_t type, const struct msg_cl_kv *m);
int vfd_cluster_state(struct vfd_domain *dom, const struct msg_cl_state *m);
void vfd_cluster_domain_up(struct vfd_domain *dom);
void vfd_cluster_domain_down(struct vfd_domain *dom);
void vfd_cluster_counters(struct vfd *d, uint64_t *switches, uint64_t *dropped_writes,
                          uint64_t *dropped_events);
void vfd_cluster_free(struct vfd *d);

/* Keep only the capabilities spawning domains needs (vfd_caps.c). */
int vfd_caps_drop(struct log *log, char *err, size_t errcap);
/* Room for the sockets the domains may hold, before the capabilities go. */
void vfd_raise_nofile(const struct vfd_config *cfg, struct log *log);

#endif
