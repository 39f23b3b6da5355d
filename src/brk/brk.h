/*
 * brk.h - the socket broker: the core's side of a domain's socket "system
 * calls" (SOCK_LISTEN, SOCK_CONNECT, SOCK_CLOSE, SOCK_GETNAME, SOCK_SETOPT).
 * A domain has no socket(), bind() or connect() of its own (seccomp); it asks
 * the core, the core checks the request against the domain's policy from the
 * configuration, does the call, and hands the resulting socket over by
 * SCM_RIGHTS. Data then flows between the domain and the peer without the
 * core.
 *
 * Policy (brk_policy.c): two lists per domain, listen_allow and connect_allow,
 * of rules "HOST:PORT":
 *   HOST  127.0.0.1   an IPv4 address        10.0.0.0/8     an IPv4 prefix
 *         [::1]       an IPv6 address        [fd00::/8]     an IPv6 prefix
 *         *           any address of either family
 *   PORT  6653        one port               7000-7010      a range
 *         *           any port (for listen: also port 0, "the kernel picks")
 * A request is allowed when any rule of the list matches it; an empty list
 * allows nothing. Addresses are compared as given: 0.0.0.0 (listen on every
 * address) is matched by "0.0.0.0", "0.0.0.0/0" or "*", not by "127.0.0.1";
 * an IPv4-mapped IPv6 address is an IPv6 address here.
 *
 * Runtime (brk_sock.c): one struct brk per domain. Listening sockets named by
 * the configuration are opened by the core at start (brk_hold) and HELD
 * across restarts of the domain: while no domain has registered one, the
 * core does not accept on it, so a switch that reconnects while the domain
 * restarts waits in the backlog. Every other socket belongs to one
 * incarnation of the domain and is closed when it ends (brk_down).
 */
#ifndef VF_BRK_H
#define VF_BRK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "msg/msg.h"

#define BRK_RULES_MAX          32 /* rules in one list */
#define BRK_HELD_MAX           8  /* listeners held for one domain */
#define BRK_TEXT_MAX           64 /* a rule or an address as text */
#define BRK_CONNECT_TIMEOUT_MS 5000

/* ---- policy ------------------------------------------------------------------ */

struct brk_rule {
    uint8_t family; /* MSG_AF_INET, MSG_AF_INET6, or MSG_AF_NONE for "*" */
    uint8_t addr[16];
    uint8_t plen; /* prefix bits: 32 / 128 for one address */
    uint16_t port_lo, port_hi;
};

struct brk_list {
    struct brk_rule v[BRK_RULES_MAX];
    size_t n;
};

struct brk_policy {
    struct brk_list listen, connect;
};

/* One rule from text; -1 with a reason ("bad port '70000'"). */
int brk_rule_parse(const char *text, struct brk_rule *r, char *err, size_t errcap);
/* Append the comma-separated rules of one configuration entry to list; -1
 * with "origin:line: key: rule 'x': reason". */
int brk_list_add(struct brk_list *list, const struct conf_entry *e, const char *origin, char *err,
                 size_t errcap);
bool brk_rule_match(const struct brk_rule *r, const struct msg_addr *a);
bool brk_list_allows(const struct brk_list *list, const struct msg_addr *a);
void brk_rule_format(const struct brk_rule *r, char *dst, size_t cap);

/* Addresses: "127.0.0.1:6653" / "[::1]:6653" <-> struct msg_addr. */
int brk_addr_parse(const char *text, struct msg_addr *a, char *err, size_t errcap);
void brk_addr_format(const struct msg_addr *a, char *dst, size_t cap);
bool brk_addr_equal(const struct msg_addr *a, const struct msg_addr *b);

/* ---- runtime ----------------------------------------------------------------- */

struct brk;

/* How the broker sends a reply or a SOCK_ACCEPTED to its domain (fds stay
 * the broker's; the sender dups what it queues). MSG_OK or not. */
typedef int brk_send_fn(void *ctx, uint16_t type, uint32_t id, const union msg_body *b,
                        const int *fds, int nfds);

struct brk_counters {
    uint64_t accepted, connects, denied, closed;
    size_t open, held; /* brokered sockets of this incarnation; held listeners */
};

/* name is the domain's (for logs); pol is copied; max_socks bounds the
 * sockets one incarnation may hold (listeners and pending connects count). */
struct brk *brk_new(struct ev_loop *loop, struct log *log, const char *name,
                    const struct brk_policy *pol, unsigned max_socks, brk_send_fn *send, void *ctx);
void brk_free(struct brk *b);

/* Open and hold a listener the configuration names (before the domain runs,
 * while the core may still bind privileged ports). The domain registers it
 * with a SOCK_LISTEN for the same address. 0 / -1 with err. */
int brk_hold(struct brk *b, const char *text, int backlog, char *err, size_t errcap);

/* A new incarnation starts: nothing is registered, ids start again. */
void brk_up(struct brk *b);
/* The incarnation ended: its sockets are closed (the switches see the
 * connection end and reconnect), pending connects abandoned, held listeners
 * stop accepting until the next incarnation registers them. */
void brk_down(struct brk *b);

/* Requests, already decoded and checked by msg_dispatch; the reply goes out
 * through send with the request's id. Policy denials and system-call
 * failures are errno replies, not errors of the domain: MSG_OK. MSG_FATAL
 * only when the reply cannot be sent (the caller ends the domain). */
int brk_listen(struct brk *b, uint32_t id, const struct msg_sock_listen *m);
int brk_connect(struct brk *b, uint32_t id, const struct msg_sock_connect *m);
int brk_close(struct brk *b, uint32_t id, const struct msg_sock_id *m);
int brk_getname(struct brk *b, uint32_t id, const struct msg_sock_id *m);
int brk_setopt(struct brk *b, uint32_t id, const struct msg_sock_setopt *m);

void brk_counters(const struct brk *b, struct brk_counters *out);

#endif
