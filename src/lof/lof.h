/*
 * lof.h - the Lua app host of the controller ("Lua OpenFlow"): one sandboxed
 * Lua state holding a chain of apps, fed by the ofc engine's events, with an
 * API for apps to act on switches. Sources and configuration arrive as data
 * (never read from files here), and a reload is atomic: either every app of the
 * new set loads and starts, or the running set stays untouched.
 *
 * Lifetime: create the lof, create the engine with lof_ofc_handlers() and the
 * lof as ctx, lof_attach, lof_load. Tear down in the opposite order: ofc_free
 * first (the apps see switch_down and their pending requests fail with "switch
 * disconnected"), then lof_free. To drop the engine while keeping the apps,
 * lof_attach(l, NULL) forgets the apps' pending requests first.
 *
 * Host callbacks (struct lof_host) run inside a Lua call: they must not call
 * lof_load or lof_free. The Lua API itself is documented in docs/lua-api.md.
 */
#ifndef VF_LOF_H
#define VF_LOF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lua/vlua.h"
#include "ofc/ofc.h"

#define LOF_MAX_APPS     32   /* apps in one chain */
#define LOF_MAX_NAME     48   /* app name: [a-z0-9_-]{1,47} (it names files) */
#define LOF_MAX_TIMERS   1024 /* live timers of one Lua state */
#define LOF_MAX_REQUESTS 4096 /* pending stats/barrier requests of one Lua state */

struct lof;

/* One configuration entry of an app: repeated keys become a Lua array; values
 * that read as integers/numbers/true/false become those types. */
struct lof_kv {
    const char *key;
    const char *value;
};

struct lof_app_src {
    const char *name;   /* app name: "l2_learning" */
    const char *origin; /* for messages: "lua/apps/l2_learning.lua" */
    const char *src;
    size_t len;
    const struct lof_kv *cfg;
    size_t ncfg;
};

/* ---- the monitor below the guests: the `rules` module and monitor_drop ------------- *
 * The host carries rule requests to the monitor (a domain: RULE_* messages to
 * the core) and answers later with lof_rule_answer; it hands drop events in
 * with lof_monitor_drop. docs/lua-api.md, "Rules". */

#define LOF_MAX_RULE_REQS  256  /* pending rules.add/del/list of one Lua state */
#define LOF_RULES_LIST_MAX 1024 /* rules one rules.list answer may carry */
#define LOF_MON_PORTS_MAX  256
#define LOF_OWNER_MAX      40 /* "admin", "domain:NAME", "guest:ID", NUL included */

enum lof_rule_op { LOF_RULE_ADD = 1, LOF_RULE_DEL = 2, LOF_RULE_LIST = 3 };
enum lof_rule_dir { LOF_DIR_FROM_GUEST = 1, LOF_DIR_TO_GUEST = 2, LOF_DIR_BOTH = 3 };

struct lof_rule {
    uint32_t addr; /* remote IPv4 address, host order; bits past plen zero */
    uint8_t plen;  /* 0..32 */
    uint8_t proto; /* 0 any, else an IP protocol number */
    uint16_t port; /* 0 any; only with tcp (6) or udp (17) */
    uint8_t dir;   /* enum lof_rule_dir */
    uint8_t drop;  /* 1 drop, 0 pass (count and let through) */
    uint16_t on;   /* guest port id 1..4095, 0 every port */
};

struct lof_rule_info {
    uint32_t id;
    struct lof_rule rule;
    char owner[LOF_OWNER_MAX];
    uint64_t packets, bytes;
};

struct lof_rule_req {
    uint32_t token;       /* what lof_rule_answer must be given back */
    int op;               /* enum lof_rule_op */
    struct lof_rule rule; /* ADD */
    uint32_t id;          /* DEL: the rule; LIST: the first id wanted */
};

struct lof_mon_port {
    uint16_t id;
    char guest[16];       /* the guest's host-side interface */
    char switch_port[16]; /* the name of its port on the switch, "" unknown */
};

/* One dropped packet (host order), as the monitor reported it. */
struct lof_drop {
    uint64_t ts_ns;   /* CLOCK_MONOTONIC */
    uint32_t rule_id; /* 0: no rule (malformed, non-IP) */
    uint16_t port;    /* guest port id */
    uint8_t dir;      /* LOF_DIR_FROM_GUEST or LOF_DIR_TO_GUEST */
    uint8_t proto;
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    uint32_t len;
    uint16_t flags; /* LOF_DROP_* */
    uint16_t ethertype;
    uint32_t limited, lost;
};
#define LOF_DROP_MALFORMED 0x01u
#define LOF_DROP_FRAGMENT  0x02u
#define LOF_DROP_NON_IP    0x04u

/* ---- the guests: the `guest` module --------------------------------------------------- *
 * guest.notify hands a note for the guest on a monitored port to the host (a
 * domain: GUEST_NOTIFY to the core, which sends it down that port's hypercall
 * channel, docs/hypercall.md). One way: nothing is answered. docs/lua-api.md,
 * "Guests". */

#define LOF_NOTE_TEXT_MAX 64  /* the hypercall note's text field */
#define LOF_NOTIFY_RATE   200 /* guest.notify calls per second (and burst) of one lof */

enum lof_note_kind { LOF_NOTE_SCAN_BLOCKED = 1, LOF_NOTE_BLOCKED = 2, LOF_NOTE_NOTICE = 3 };

struct lof_guest_note {
    uint16_t port;                    /* a configured guest port id (lof_set_monitor) */
    uint16_t kind;                    /* enum lof_note_kind */
    uint8_t proto;                    /* IP protocol of what was blocked, 0 none */
    uint32_t addr;                    /* the other end (the attacker), IPv4 host order, 0 none */
    uint8_t mac[6];                   /* its MAC, zeros when unknown */
    uint16_t l4port;                  /* L4 port blocked, 0 none */
    uint32_t rule;                    /* the rule that blocks, 0 none */
    char text[LOF_NOTE_TEXT_MAX + 1]; /* printable ASCII */
};

/* ---- the cluster: the `cluster` module -------------------------------------------------- *
 * Several instances share keys through etcd (a "cluster" domain keeps them);
 * the lof keeps a mirror of the keys it was told about, which outlives app
 * reloads, and calls the apps' watchers on changes. docs/lua-api.md, "Cluster". */

/* bytes of an app key: [A-Za-z0-9_.:/-], no "//", no leading '/' */
#define LOF_CLUSTER_KEY_MAX  200
#define LOF_CLUSTER_VAL_MAX  1024  /* bytes of a value (any bytes) */
#define LOF_CLUSTER_KEYS_MAX 65536 /* keys the mirror holds */
#define LOF_CLUSTER_RATE     200   /* cluster.put/delete calls per second (and burst) of one lof */
#define LOF_CLUSTER_WATCHES  64    /* cluster.watch registrations of one Lua state */
#define LOF_CLUSTER_TTL_MAX  (30u * 86400u)

enum lof_cluster_op { LOF_CL_PUT = 1, LOF_CL_DELETE = 2 };

/* What the host (daemon, or later the core through the domain) provides. */
struct lof_host {
    /* app output records, e.g. flowmon's CSV rows: stream "flowmon", one line
     * without its newline. NULL: records are dropped. */
    void (*record)(void *ctx, const char *app, const char *stream, const char *line);
    /* Called while an app's environment is built, with that table on top of
     * L's stack (leave it there): the host may add what only it can offer
     * (a protection domain adds the `socket` module). Runs protected: a Lua
     * error fails the load. NULL: nothing is added. */
    void (*open_env)(void *ctx, lua_State *L, const char *app);
    /* Carry a rules request to the monitor. 0: its answer will come through
     * lof_rule_answer with rq->token (possibly before this returns); -errno:
     * not sent, no answer will come. NULL (or no lof_set_monitor): the rules
     * calls answer "no monitor configured". */
    int (*rule_request)(void *ctx, const struct lof_rule_req *rq);
    /* Carry a guest note to the monitor: 0 (handed over; whether it reaches
     * the guest is the core's business) or -errno. NULL (or no monitor):
     * guest.notify says "no monitor configured". */
    int (*guest_notify)(void *ctx, const struct lof_guest_note *n);
    /* Carry a write to the cluster: 0 handed over, -errno not (NULL, or no
     * lof_set_cluster: cluster.put says "no cluster configured"). The change
     * itself comes back later through lof_cluster_event. */
    int (*cluster_put)(void *ctx, int op, const char *key, const void *val, size_t vlen,
                       uint32_t ttl_s);
};

/* NULL on allocation failure. lim NULL: vlua's defaults; host NULL: no host
 * callbacks. log is borrowed and must outlive the lof. */
struct lof *lof_new(struct ev_loop *loop, struct log *log, const struct vlua_limits *lim,
                    const struct lof_host *host, void *host_ctx);
void lof_free(struct lof *l);
/* The engine handlers to pass to ofc_new with ctx = the lof; then attach. */
const struct ofc_handlers *lof_ofc_handlers(void);
/* Attach the engine the apps act on (NULL detaches: pending requests of the
 * running apps are cancelled at the old engine). */
void lof_attach(struct lof *l, struct ofc *c);

/* Load (first time) or reload the whole app chain, in this order. Atomic: on any
 * error (syntax, runtime error in the chunk or its start, bad handler table,
 * state transfer) nothing changes and err holds "origin:line: message".
 * On success the old state's timers and requests are cancelled and it is freed;
 * switch connections are never touched. After the first load, switch_up is
 * delivered for every switch already connected; after a reload it is not, and
 * each app's reloaded(fresh) runs instead. 0 / -1. */
int lof_load(struct lof *l, const struct lof_app_src *apps, size_t n, char *err, size_t errcap);

/* The monitor exists, with these ports (copied). Until this is called, and
 * after lof_set_monitor(l, 0, NULL, 0), rules calls say "no monitor
 * configured" and rules.ports() is empty. */
int lof_set_monitor(struct lof *l, int enabled, const struct lof_mon_port *ports, size_t n);
/* The answer to request token: err 0 or an errno with its one-line reason;
 * for ADD the new rule (n 1), for LIST the rules (n <= LOF_RULES_LIST_MAX)
 * and next_id (0: no more). A token nobody waits for (the app set was
 * reloaded meanwhile) is ignored: its callback went with the old apps. */
void lof_rule_answer(struct lof *l, uint32_t token, int err, const char *reason,
                     const struct lof_rule_info *rules, size_t n, uint32_t next_id);
/* A dropped packet: monitor_drop(ev) of every app, in chain order. */
void lof_monitor_drop(struct lof *l, const struct lof_drop *ev);

/* An operator's command (visorflowctl block / unblock, through the core):
 * command(name, args) of each app in chain order until one returns non-nil
 * (lof_api_cmd.c, docs/lua-api.md "Commands"). args: {target=, addr= or
 * mac=, seconds= (absent: until unblocked)}. */
struct lof_command {
    const char *name;   /* "block", "unblock" */
    const char *target; /* "10.0.0.5" or "02:00:00:00:00:01" */
    int is_mac;
    uint32_t seconds; /* 0: none given */
};
/* 1 when an app answered: *error and its text (one line); 0 when none did. */
int lof_command(struct lof *l, const struct lof_command *cmd, int *error, char *text, size_t cap);

/* The cluster exists, this instance's name (copied; [A-Za-z0-9_.:-]{1,63});
 * enabled 0: not (the mirror is kept: a cluster that comes back resends it).
 * 0 / -1 (a bad name: nothing changes). */
int lof_set_cluster(struct lof *l, int enabled, const char *instance);
/* A change of a shared key (from any instance, this one included): the
 * mirror is updated; watchers whose prefix matches are called, in chain order
 * of registration, only when the value actually changed (a put of the same
 * value again is not an event). A bad key or value is logged and ignored. */
void lof_cluster_event(struct lof *l, int op, const char *key, const void *val, size_t vlen);
/* etcd reachable or not (for cluster.connected()). */
void lof_cluster_state(struct lof *l, int connected);

struct lof_status {
    unsigned generation;     /* successful loads so far */
    unsigned failed_reloads; /* failed lof_load calls (first load included) */
    size_t n_apps;
    const char *app_names[LOF_MAX_APPS]; /* valid until the next lof_load/lof_free */
    size_t mem_used, mem_cap;
    /* budget/mem trips summed over every state this lof ran; handler_errors
     * counts handler, timer and callback calls that raised an error */
    uint64_t budget_trips, mem_trips, handler_errors;
    size_t timers, requests; /* live in the running state */
    size_t rule_requests;    /* rules calls waiting for their answer */
    uint64_t drops;          /* monitor_drop events delivered to the apps */
    uint64_t guest_notes;    /* guest.notify calls handed to the host */
    size_t cluster_keys;     /* keys in the cluster mirror */
    size_t cluster_watches;  /* cluster.watch registrations of the running state */
    uint64_t cluster_events; /* cluster changes that reached watchers */
    char last_error[256];    /* last failed load or handler error, "" if none */
};
void lof_status(const struct lof *l, struct lof_status *st);

#endif
