/*
 * msg.h - the message interface between visorflowd (the core) and its
 * protection domains: wire header, the catalogue of message types, payload
 * codecs, SEQPACKET transport with fd passing, and table dispatch. Both sides
 * include only this header. Exact payload layouts: docs/messages.md.
 *
 * Wire: one message is one SOCK_SEQPACKET datagram, a 12-byte header then the
 * payload, every integer BIG-ENDIAN. Both ends run on the same host, so host
 * order would work too; big-endian was chosen so hex dumps, the fuzz corpus
 * and the rest of the tree (src/lib/be.h) read one way. Payloads are written
 * field by field (never a struct memcpy), so padding and alignment never cross.
 *
 * Fail closed: the receiver checks framing (msg_recv), then type, direction,
 * permission, exact length and fd count (msg_dispatch), then every field
 * (the msg_dec_* decoders, which also insist that no byte is left over). Any
 * failure is MSG_FATAL with a one-line reason; the core then kills the domain.
 * The sender runs the same decoder before sending (msg_send), so a bug on our
 * side is a local error, not a message that gets the peer killed.
 */
#ifndef VF_MSG_H
#define VF_MSG_H

#include <stddef.h>
#include <stdint.h>

/* ---- results and limits ---------------------------------------------------- */

#define MSG_OK    0
#define MSG_FATAL (-1) /* malformed / unpermitted: the peer is finished */
#define MSG_EOF   (-2) /* peer closed the socket */
#define MSG_AGAIN (-3) /* non-blocking socket: nothing to read / no room */

#define MSG_VERSION 3   /* carried in HELLO; bumped on any layout change (2: rules, MON_EVENT; 3: cluster) */
#define MSG_HDR_LEN 12  /* u16 type, u16 flags, u32 payload length, u32 id */
#define MSG_MAX_FDS 4   /* SCM_RIGHTS fds per message, any type */
#define MSG_ERR_MAX 160 /* a buffer that holds any reason string */

/* Largest payload of any message. Not 1 MiB: an AF_UNIX datagram must fit the
 * sender's SO_SNDBUF, which an unprivileged process can raise only to
 * net.core.wmem_max (default 212992, doubled by the kernel to 425984), and the
 * kernel allocates most of a big datagram as one contiguous buffer. 256 KiB
 * fits the default limit with room to spare (see msg_sock_setup). */
#define MSG_MAX_PAYLOAD (256 * 1024)

/* Field limits (bytes, excluding any NUL the decoded copy adds). */
#define MSG_NAME_MAX    32           /* domain name, log module, status key */
#define MSG_APP_MAX     64           /* app name, record stream, config key */
#define MSG_ORIGIN_MAX  256          /* where an app's source came from (file path) */
#define MSG_VALUE_MAX   1024         /* config value */
#define MSG_TEXT_MAX    4096         /* log text, record line */
#define MSG_SOURCE_MAX  (200 * 1024) /* one app's Lua source */
#define MSG_SET_MAX     256          /* entries in one APP_SOURCES / CONFIG set */
#define MSG_STATS_MAX   64           /* counters in one STATUS */
#define MSG_RULES_MAX   64           /* rules in one RULE_RESULT */
#define MSG_OWNER_MAX   39           /* rule owner: "admin", "domain:NAME", "guest:ID" */
#define MSG_REASON_MAX  255          /* why a rule request failed, one line */
#define MSG_RULE_ID_MAX 131071       /* rule ids are 1..this (the monitor's table) */
#define MSG_PORT_ID_MAX 4095         /* monitored guest port ids are 1..this */
#define MSG_BACKLOG_MAX 1024
#define MSG_CHUNK_MAX   65536 /* one CTL_REPLY chunk of control text */
#define MSG_SOCKBUF_MIN 4096  /* SO_SNDBUF / SO_RCVBUF values a domain may ask */
#define MSG_SOCKBUF_MAX (4 * 1024 * 1024)

/* TLS_CONFIG (bytes). */
#define MSG_TLS_TEXT_MAX 256          /* a TLS cipher list */
#define MSG_TLS_KEY_MAX  (16 * 1024)  /* PEM private key */
#define MSG_TLS_CERT_MAX (64 * 1024)  /* PEM certificate chain */
#define MSG_TLS_CA_MAX   (128 * 1024) /* PEM CA certificates */

/* ---- catalogue ------------------------------------------------------------- */

/* High byte = direction: 0x01xx core -> domain, 0x02xx domain -> core.
 * The comment names the payload fields; exact layouts: docs/messages.md. */
enum msg_type {
    /* core -> domain */
    MSG_HELLO = 0x0101,         /* first message: version, kind, name, limits */
    MSG_APP_SOURCES = 0x0102,   /* one Lua app of a set (generation, index,
                                   count, name, origin, source); the domain
                                   swaps its apps when the last one arrives */
    MSG_CONFIG = 0x0103,        /* one key=value of a configuration set, same
                                   set framing as APP_SOURCES */
    MSG_SOCKET_RESULT = 0x0104, /* reply to any SOCK_* request: errno, socket
                                   id, local/peer address; the connected fd
                                   for a successful SOCK_CONNECT */
    MSG_SOCK_ACCEPTED = 0x0105, /* a connection accepted on a registered
                                   listener: ids, peer address, 1 fd */
    MSG_RULE_RESULT = 0x0106,   /* reply to RULE_ADD/DEL/LIST: errno, rules */
    MSG_SHUTDOWN = 0x0107,      /* stop (or restart) within grace_ms */
    MSG_CTL_REQUEST = 0x0108,   /* a control command for the domain to answer
                                   (command, format, dpid); CTL_REPLY follows */
    MSG_MON_EVENT = 0x0109,     /* a packet the monitor dropped (port, rule,
                                   addresses, ports, flags); never answered */
    MSG_TLS_CONFIG = 0x010A,    /* the of domain's TLS settings and key
                                   material (minimum version, cipher lists,
                                   key, certificate chain, CA certificates,
                                   PEM), before its CONFIG set: the domain
                                   reads no key file itself (of, and mgmt
                                   with the management API's key) */
    MSG_MGMT_REPLY = 0x010B,    /* one chunk of the answer to a MGMT_QUERY
                                   or MGMT_BLOCK (final, error, text), the
                                   request's id: CTL_REPLY's layout */
    MSG_APP_COMMAND = 0x010C,   /* block / unblock an address or a MAC for
                                   some seconds: to the of domain, whose
                                   apps' command handler answers (CTL_REPLY) */
    MSG_CL_SWITCH = 0x010D,     /* to the cluster domain: a switch connected
                                   to this instance's of domain, went away,
                                   or refused us as master (dpid, state) */
    MSG_CL_ROLE = 0x010E,       /* to the of domain: be master or slave of a
                                   switch (dpid, master, takeover) */
    MSG_CL_WRITE = 0x010F,      /* to the cluster domain: an app's put or
                                   delete of a shared key (op, key, value, ttl) */
    MSG_CL_EVENT = 0x0110,      /* to the of domain: a shared key changed
                                   (op, key, value; ttl 0) */
    MSG_CL_STATE = 0x0111,      /* to the of domain: etcd reachable or not */

    /* domain -> core */
    MSG_LOG = 0x0201,          /* level, module, text: one log line */
    MSG_HEARTBEAT = 0x0202,    /* seq: liveness, every HELLO.heartbeat_ms */
    MSG_STATUS = 0x0203,       /* counters: up to 64 (key, u64) pairs */
    MSG_RECORD = 0x0204,       /* app record line: app, stream, line */
    MSG_CTL_REPLY = 0x0205,    /* one chunk of the answer to a CTL_REQUEST
                                  (final, error, text), the request's id */
    MSG_APP_RESULT = 0x0206,   /* outcome of an APP_SOURCES set: generation,
                                  error text ("" when the set is running) */
    MSG_SOCK_LISTEN = 0x0210,  /* register a listening endpoint (address,
                                  backlog); the core keeps the socket and
                                  sends SOCK_ACCEPTED per connection */
    MSG_SOCK_CONNECT = 0x0211, /* connect to address; fd in SOCKET_RESULT */
    MSG_SOCK_CLOSE = 0x0212,   /* forget a brokered socket id */
    MSG_SOCK_GETNAME = 0x0213, /* local and peer address of a socket id */
    MSG_SOCK_SETOPT = 0x0214,  /* one option of msg_sockopt, bounded value */
    MSG_RULE_ADD = 0x0220,     /* add a packet-filter rule (msg_rule) */
    MSG_RULE_DEL = 0x0221,     /* delete a rule by id */
    MSG_RULE_LIST = 0x0222,    /* list rules from an id on, paged */
    MSG_MGMT_QUERY = 0x0223,   /* mgmt: stats, guests, domains or reload,
                                  answered by the core (MGMT_REPLY) */
    MSG_MGMT_BLOCK = 0x0224,   /* mgmt: block / unblock, passed on to the of
                                  domain as APP_COMMAND (MGMT_REPLY) */
    MSG_GUEST_NOTIFY = 0x0230, /* tell the guest on a port something (kind,
                                  attacker, blocked flow, text) through its
                                  hypercall channel; never answered */
    /* The cluster (docs/cluster.md): the core passes each of these on to the
     * other domain as the C2D type of the same layout, after its decoder. */
    MSG_CL_CONN = 0x0240,      /* of: CL_SWITCH's layout */
    MSG_CL_ROLE_SET = 0x0241,  /* cluster: CL_ROLE's layout */
    MSG_CL_PUT = 0x0242,       /* of: CL_WRITE's layout */
    MSG_CL_CHANGE = 0x0243,    /* cluster: CL_EVENT's layout */
    MSG_CL_STATE_SET = 0x0244, /* cluster: CL_STATE's layout */
};

enum msg_dir { MSG_DIR_C2D = 1, MSG_DIR_D2C = 2 };

/* Who sent a message. CORE is the sender seen by a domain; the others are
 * the kinds of domain. A handler's permitted mask is built with MSG_KBIT. */
enum msg_kind {
    MSG_KIND_CORE = 0,
    MSG_KIND_MGMT = 1,
    MSG_KIND_OF = 2,
    MSG_KIND_CLUSTER = 3,
    MSG_KIND_COUNT
};
#define MSG_KBIT(k) (1u << (k))

/* One catalogue entry: the wire rules of a type, shared by both sides. A
 * fixed-size message has min_len == max_len. */
struct msg_spec {
    uint16_t type;
    uint8_t dir;              /* enum msg_dir */
    uint8_t fds_min, fds_max; /* SCM_RIGHTS fds it must / may carry */
    uint32_t min_len, max_len;
    const char *name; /* "SOCK_CONNECT" */
};

const struct msg_spec *msg_spec_find(uint16_t type); /* NULL: unknown */
const struct msg_spec *msg_spec_at(size_t i);        /* iterate; NULL past end */
const char *msg_type_name(uint16_t type);            /* "?" when unknown */
const char *msg_kind_name(int kind);                 /* "core" "mgmt" "of" "cluster" "?" */

/* ---- header ---------------------------------------------------------------- */

struct msg_hdr {
    uint16_t type;
    uint16_t flags; /* none defined: must be 0 */
    uint32_t len;   /* payload bytes after the header */
    uint32_t id;    /* chosen by a requester, echoed by the reply; 0 otherwise */
};

void msg_hdr_put(uint8_t raw[MSG_HDR_LEN], const struct msg_hdr *h);
/* Framing checks of a datagram of dgram_len bytes (header at raw) that came
 * with nfds fds: size, flags, length field, fds allowed for the type. An
 * unknown type passes when it carries no fds (dispatch names it). */
int msg_hdr_parse(const uint8_t *raw, size_t dgram_len, int nfds, struct msg_hdr *h, char *err,
                  size_t errlen);

/* ---- writer and reader ----------------------------------------------------- */

/* Writer over a fixed buffer. Errors are sticky: a put that does not fit (or a
 * string over its field maximum) sets failed and every later put is ignored,
 * so an encoder checks once at the end. */
struct msg_w {
    uint8_t *buf;
    size_t cap, len;
    int failed;
};
void msg_w_init(struct msg_w *w, uint8_t *buf, size_t cap);
void msg_put_u8(struct msg_w *w, uint8_t v);
void msg_put_u16(struct msg_w *w, uint16_t v);
void msg_put_u32(struct msg_w *w, uint32_t v);
void msg_put_u64(struct msg_w *w, uint64_t v);
void msg_put_bytes(struct msg_w *w, const void *p, size_t n);
void msg_put_str(struct msg_w *w, const char *s, size_t max);            /* u16 len + bytes */
void msg_put_lstr(struct msg_w *w, const char *p, size_t n, size_t max); /* u32 len */

/* Reader with a sticky error and its reason: after the first failure every
 * get returns 0 / "" and the reason stays the first one. */
struct msg_r {
    const uint8_t *p;
    size_t len, pos;
    int failed;
    char err[MSG_ERR_MAX];
};
void msg_r_init(struct msg_r *r, const uint8_t *p, size_t len);
uint8_t msg_get_u8(struct msg_r *r);
uint16_t msg_get_u16(struct msg_r *r);
uint32_t msg_get_u32(struct msg_r *r);
uint64_t msg_get_u64(struct msg_r *r);
int msg_get_bytes(struct msg_r *r, void *dst, size_t n);
/* Text: u16 length <= cap - 1, no NUL byte; dst is NUL-terminated. */
int msg_get_str(struct msg_r *r, char *dst, size_t cap);
/* Name: like text, 1..cap-1 bytes of [A-Za-z0-9_.:-]. */
int msg_get_name(struct msg_r *r, char *dst, size_t cap);
/* Long text: u32 length <= max, no NUL; *p points INTO the payload. */
int msg_get_lstr(struct msg_r *r, const char **p, uint32_t *n, size_t max);
/* MSG_FATAL if any byte is left: every decoder ends with it. */
int msg_get_end(struct msg_r *r);
/* Record a semantic failure (first one wins); returns MSG_FATAL. */
int msg_r_fail(struct msg_r *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- composite fields and decoded payloads (host order) --------------------- */

enum msg_family { MSG_AF_NONE = 0, MSG_AF_INET = 4, MSG_AF_INET6 = 6 };
/* 19 bytes: u8 family, u16 port, 16 bytes address (IPv4 in the first 4, the
 * rest zero). NONE (all zero) only in replies, for "no address". */
struct msg_addr {
    uint8_t family;
    uint16_t port;
    uint8_t addr[16];
};
#define MSG_ADDR_LEN 19

/* A packet-filter rule as it crosses the boundary (docs/monitor.md has the
 * semantics). No owner field: the core decides who owns a rule from who sent
 * the request, so there is nothing a domain could forge. 12 bytes. */
enum msg_rule_dir { MSG_RDIR_FROM_GUEST = 1, MSG_RDIR_TO_GUEST = 2, MSG_RDIR_BOTH = 3 };
enum msg_rule_action { MSG_RACT_PASS = 1, MSG_RACT_DROP = 2 };
struct msg_rule {
    uint32_t addr;  /* remote IPv4 address, host order; bits past plen zero */
    uint8_t plen;   /* 0..32 */
    uint8_t proto;  /* 0 any, or an IP protocol number (1 ICMP, 6 TCP, 17 UDP...) */
    uint16_t port;  /* 0 any; non-zero only for TCP / UDP */
    uint8_t dir;    /* enum msg_rule_dir */
    uint8_t action; /* enum msg_rule_action */
    uint16_t on;    /* guest port id 1..MSG_PORT_ID_MAX, 0 = every port */
};
#define MSG_RULE_LEN 12
/* A rule as listed: with its id, owner and counters. */
struct msg_rule_entry {
    uint32_t id; /* 1..MSG_RULE_ID_MAX */
    struct msg_rule rule;
    char owner[MSG_OWNER_MAX + 1];
    uint64_t packets, bytes;
};

/* Position of one entry in a pushed set: entries index 0..count-1 of one
 * generation arrive in order; count 0 means "the set is now empty" and then
 * index is 0 and the entry's strings are empty. */
struct msg_set_pos {
    uint32_t generation;
    uint16_t index, count;
};

struct msg_hello {
    uint16_t version; /* MSG_VERSION */
    uint8_t kind;     /* MSG_KIND_MGMT / MSG_KIND_OF */
    char name[MSG_NAME_MAX + 1];
    uint32_t mem_kib, instr_budget; /* Lua heap cap, instructions per callback */
    uint16_t max_socks, max_rules;
    uint32_t heartbeat_ms;
};
struct msg_app_source {
    struct msg_set_pos set;
    char name[MSG_APP_MAX + 1];
    char origin[MSG_ORIGIN_MAX + 1];
    const char *source; /* points into the payload; not NUL-terminated */
    uint32_t source_len;
};
struct msg_config {
    struct msg_set_pos set;
    char key[MSG_APP_MAX + 1];
    char value[MSG_VALUE_MAX + 1];
};
struct msg_socket_result {
    uint16_t op;    /* the SOCK_* request type answered */
    uint32_t error; /* 0, or an errno value (EACCES: denied by policy) */
    uint32_t sock_id;
    struct msg_addr local, peer;
};
struct msg_sock_accepted {
    uint32_t listener_id, sock_id;
    struct msg_addr peer;
};
struct msg_rule_result {
    uint16_t op; /* RULE_ADD / RULE_DEL / RULE_LIST */
    uint32_t error;
    char reason[MSG_REASON_MAX + 1]; /* "" on success; else why, one line */
    uint32_t next_id;                /* RULE_LIST: start of the next page, 0 when done */
    uint16_t count;
    struct msg_rule_entry rules[MSG_RULES_MAX];
};
/* MON_EVENT flags */
#define MSG_MON_MALFORMED 0x01u /* no rule: the packet was malformed */
#define MSG_MON_FRAGMENT  0x02u /* a non-first fragment (no ports) */
#define MSG_MON_NON_IP    0x04u /* EtherType refused on an IPv4-only port */
struct msg_mon_event {
    uint64_t ts_ns;   /* CLOCK_MONOTONIC of the drop */
    uint32_t rule_id; /* 0..MSG_RULE_ID_MAX; 0: no rule decided (malformed, non-IP) */
    uint16_t port;    /* guest port id 1..MSG_PORT_ID_MAX */
    uint8_t dir;      /* MSG_RDIR_FROM_GUEST or MSG_RDIR_TO_GUEST */
    uint8_t proto;
    uint32_t saddr, daddr; /* host order */
    uint16_t sport, dport;
    uint32_t len;       /* bytes of the packet */
    uint16_t flags;     /* MSG_MON_* */
    uint16_t ethertype; /* of the frame */
    uint32_t limited;   /* drops the datapath's rate limit left unreported before this one */
    uint32_t lost;      /* events the core dropped for this domain before this one */
};
/* GUEST_NOTIFY: a note for the guest on a port, in the hypercall channel's
 * terms (docs/hypercall.md, "Note"); the core numbers and timestamps it. */
#define MSG_NOTE_TEXT_MAX 64 /* the note's text field */
enum msg_note_kind { MSG_NOTE_SCAN_BLOCKED = 1, MSG_NOTE_BLOCKED = 2, MSG_NOTE_NOTICE = 3 };
struct msg_guest_notify {
    uint16_t port;   /* guest port id 1..MSG_PORT_ID_MAX */
    uint16_t kind;   /* enum msg_note_kind */
    uint8_t proto;   /* IP protocol of what was blocked, 0 none */
    uint32_t addr;   /* the other end (e.g. the scanner), IPv4 host order, 0 none */
    uint8_t mac[6];  /* its MAC, zeros when unknown */
    uint16_t l4port; /* L4 port blocked, 0 none */
    uint32_t rule;   /* the rule that blocks, 0..MSG_RULE_ID_MAX, 0 none */
    char text[MSG_NOTE_TEXT_MAX + 1]; /* printable ASCII (0x20..0x7e), NUL-terminated */
};
enum msg_shutdown_reason { MSG_SHUT_STOP = 1, MSG_SHUT_RESTART = 2 };
struct msg_shutdown {
    uint8_t reason;
    uint32_t grace_ms;
};
/* Control commands a domain answers (CTL_REQUEST.command). */
enum msg_ctl_cmd { MSG_CTL_STATUS = 1, MSG_CTL_FLOWS = 2, MSG_CTL_CLUSTER = 3 };
struct msg_ctl_request {
    uint8_t command; /* enum msg_ctl_cmd */
    uint8_t json;    /* 0 text, 1 JSON */
    uint64_t dpid;   /* FLOWS: the switch; STATUS: 0 */
};
/* MGMT_QUERY: what the management domain asks the core (the core answers
 * with the same text as its control socket's command of that name). */
enum msg_mgmt_cmd {
    MSG_MQ_STATS = 1,
    MSG_MQ_GUESTS = 2,
    MSG_MQ_DOMAINS = 3,
    MSG_MQ_RELOAD = 4,
};
struct msg_mgmt_query {
    uint8_t command; /* enum msg_mgmt_cmd */
    uint8_t json;    /* 0 text, 1 JSON */
};
/* MGMT_BLOCK and APP_COMMAND: one layout, 12 bytes. */
enum msg_block_cmd { MSG_BLOCK = 1, MSG_UNBLOCK = 2 };
enum msg_block_kind { MSG_BK_IPV4 = 1, MSG_BK_MAC = 2 };
#define MSG_BLOCK_SECONDS_MAX (30u * 86400u) /* --for: at most 30 days */
struct msg_block {
    uint8_t command; /* enum msg_block_cmd */
    uint8_t kind;    /* enum msg_block_kind */
    uint8_t addr[6]; /* IPv4 in the first 4 (network order, the rest zero), or a MAC */
    uint32_t seconds; /* BLOCK: 0 until unblocked, else 1..MSG_BLOCK_SECONDS_MAX; UNBLOCK: 0 */
};
/* "10.0.0.5" / "02:00:00:00:00:01" of a block's target. */
void msg_block_target(const struct msg_block *m, char *dst, size_t cap);

/* TLS_CONFIG. The PEM texts point into the payload (not NUL-terminated);
 * the receiver scrubs the payload once it has built its context. */
struct msg_tls_config {
    uint16_t min_version;                    /* 0x0303 TLS 1.2, 0x0304 TLS 1.3 */
    char ciphers[MSG_TLS_TEXT_MAX + 1];      /* TLS 1.2 list; "" default (and with 1.3) */
    char ciphersuites[MSG_TLS_TEXT_MAX + 1]; /* TLS 1.3 suites; "" default */
    const char *key, *cert, *ca;
    uint32_t key_len, cert_len, ca_len;
};
/* The cluster's messages (msg_cluster.c). */
enum msg_cl_sw_state { MSG_CLS_GONE = 0, MSG_CLS_UP = 1, MSG_CLS_LOST = 2 };
struct msg_cl_switch { /* CL_SWITCH, CL_CONN: 9 bytes */
    uint64_t dpid;
    uint8_t state; /* enum msg_cl_sw_state */
};
struct msg_cl_role { /* CL_ROLE, CL_ROLE_SET: 10 bytes */
    uint64_t dpid;
    uint8_t master;   /* 1 master, 0 slave */
    uint8_t takeover; /* master: the switch had a master before (keep its flows); slave: 0 */
};
#define MSG_CL_KEY_MAX 200  /* an app's key: [A-Za-z0-9_.:/-], not starting with '/' */
#define MSG_CL_VAL_MAX 1024 /* a value: any bytes */
#define MSG_CL_TTL_MAX (30u * 86400u)
enum msg_cl_op { MSG_CL_OP_PUT = 1, MSG_CL_OP_DELETE = 2 };
struct msg_cl_kv { /* CL_WRITE, CL_PUT, CL_EVENT, CL_CHANGE */
    uint8_t op;                     /* enum msg_cl_op */
    char key[MSG_CL_KEY_MAX + 1];   /* NUL-terminated */
    const char *value;              /* points into the payload; PUT only */
    uint32_t value_len;
    uint32_t ttl; /* seconds, 0 none; PUT of a write only, else 0 */
};
struct msg_cl_state { /* CL_STATE, CL_STATE_SET: 1 byte */
    uint8_t connected;
};
/* Is s (n bytes) a key a cluster message may carry? */
int msg_cl_key_ok(const char *s, size_t n);

struct msg_log {
    uint8_t level; /* enum log_level: 0 error .. 3 debug */
    char module[MSG_NAME_MAX + 1];
    char text[MSG_TEXT_MAX + 1];
};
struct msg_heartbeat {
    uint32_t seq;
};
struct msg_status {
    uint16_t count;
    struct {
        char key[MSG_NAME_MAX + 1];
        uint64_t value;
    } stats[MSG_STATS_MAX];
};
struct msg_record {
    char app[MSG_APP_MAX + 1], stream[MSG_APP_MAX + 1];
    char line[MSG_TEXT_MAX + 1];
};
struct msg_ctl_reply {
    uint8_t final;    /* 1: the last chunk of this answer */
    uint8_t error;    /* 1: the answer is an error (same on every chunk) */
    const char *text; /* points into the payload; not NUL-terminated */
    uint32_t text_len;
};
struct msg_app_result {
    uint32_t generation;           /* of the APP_SOURCES set answered */
    char error[MSG_VALUE_MAX + 1]; /* "origin:line: message", "" = loaded */
};
struct msg_sock_listen {
    struct msg_addr addr; /* port 0: the kernel picks one */
    uint16_t backlog;     /* 1..MSG_BACKLOG_MAX */
};
struct msg_sock_connect {
    struct msg_addr addr; /* port 1..65535 */
};
struct msg_sock_id { /* SOCK_CLOSE, SOCK_GETNAME */
    uint32_t sock_id;
};
enum msg_sockopt { MSG_SO_NODELAY = 1, MSG_SO_KEEPALIVE = 2, MSG_SO_SNDBUF = 3, MSG_SO_RCVBUF = 4 };
struct msg_sock_setopt {
    uint32_t sock_id;
    uint8_t opt;    /* enum msg_sockopt */
    uint32_t value; /* 0/1, or MSG_SOCKBUF_MIN..MSG_SOCKBUF_MAX for buffers */
};
struct msg_rule_del {
    uint32_t id;
};
struct msg_rule_list {
    uint32_t start_id;
    uint16_t max; /* 1..MSG_RULES_MAX */
};

/* Storage for any decoded payload (generic code: tests, fuzzing). */
union msg_body {
    struct msg_hello hello;
    struct msg_app_source app_source;
    struct msg_config config;
    struct msg_socket_result socket_result;
    struct msg_sock_accepted sock_accepted;
    struct msg_rule_result rule_result;
    struct msg_shutdown shutdown;
    struct msg_ctl_request ctl_request;
    struct msg_mon_event mon_event;
    struct msg_tls_config tls_config;
    struct msg_log log;
    struct msg_heartbeat heartbeat;
    struct msg_status status;
    struct msg_record record;
    struct msg_ctl_reply ctl_reply;
    struct msg_app_result app_result;
    struct msg_sock_listen sock_listen;
    struct msg_sock_connect sock_connect;
    struct msg_sock_id sock_id;
    struct msg_sock_setopt sock_setopt;
    struct msg_rule rule;
    struct msg_rule_del rule_del;
    struct msg_rule_list rule_list;
    struct msg_guest_notify guest_notify;
    struct msg_mgmt_query mgmt_query;
    struct msg_block block;
    struct msg_cl_switch cl_switch;
    struct msg_cl_role cl_role;
    struct msg_cl_kv cl_kv;
    struct msg_cl_state cl_state;
};

/* ---- payload codecs ---------------------------------------------------------- */

/* Encoders write one payload (MSG_OK, or MSG_FATAL when it does not fit or a
 * string is over its limit; values are checked by msg_send). Decoders read
 * and check every field and that nothing is left (MSG_FATAL, reason in r). */
int msg_enc_addr(struct msg_w *w, const struct msg_addr *a);
int msg_dec_addr(struct msg_r *r, struct msg_addr *a);
int msg_enc_rule(struct msg_w *w, const struct msg_rule *m); /* also RULE_ADD */
int msg_dec_rule(struct msg_r *r, struct msg_rule *m);

int msg_enc_hello(struct msg_w *w, const struct msg_hello *m);
int msg_dec_hello(struct msg_r *r, struct msg_hello *m);
int msg_enc_app_source(struct msg_w *w, const struct msg_app_source *m);
int msg_dec_app_source(struct msg_r *r, struct msg_app_source *m);
int msg_enc_config(struct msg_w *w, const struct msg_config *m);
int msg_dec_config(struct msg_r *r, struct msg_config *m);
int msg_enc_socket_result(struct msg_w *w, const struct msg_socket_result *m);
/* nfds: fds that came with it; exactly 1 iff op is SOCK_CONNECT and error 0. */
int msg_dec_socket_result(struct msg_r *r, int nfds, struct msg_socket_result *m);
int msg_enc_sock_accepted(struct msg_w *w, const struct msg_sock_accepted *m);
int msg_dec_sock_accepted(struct msg_r *r, struct msg_sock_accepted *m);
int msg_enc_rule_result(struct msg_w *w, const struct msg_rule_result *m);
int msg_dec_rule_result(struct msg_r *r, struct msg_rule_result *m);
int msg_enc_shutdown(struct msg_w *w, const struct msg_shutdown *m);
int msg_dec_shutdown(struct msg_r *r, struct msg_shutdown *m);
int msg_enc_ctl_request(struct msg_w *w, const struct msg_ctl_request *m);
int msg_dec_ctl_request(struct msg_r *r, struct msg_ctl_request *m);
int msg_enc_mon_event(struct msg_w *w, const struct msg_mon_event *m);
int msg_dec_mon_event(struct msg_r *r, struct msg_mon_event *m);
int msg_enc_tls_config(struct msg_w *w, const struct msg_tls_config *m); /* msg_tls.c */
int msg_dec_tls_config(struct msg_r *r, struct msg_tls_config *m);

int msg_enc_log(struct msg_w *w, const struct msg_log *m);
int msg_dec_log(struct msg_r *r, struct msg_log *m);
int msg_enc_heartbeat(struct msg_w *w, const struct msg_heartbeat *m);
int msg_dec_heartbeat(struct msg_r *r, struct msg_heartbeat *m);
int msg_enc_status(struct msg_w *w, const struct msg_status *m);
int msg_dec_status(struct msg_r *r, struct msg_status *m);
int msg_enc_record(struct msg_w *w, const struct msg_record *m);
int msg_dec_record(struct msg_r *r, struct msg_record *m);
int msg_enc_ctl_reply(struct msg_w *w, const struct msg_ctl_reply *m);
int msg_dec_ctl_reply(struct msg_r *r, struct msg_ctl_reply *m);
int msg_enc_app_result(struct msg_w *w, const struct msg_app_result *m);
int msg_dec_app_result(struct msg_r *r, struct msg_app_result *m);
int msg_enc_sock_listen(struct msg_w *w, const struct msg_sock_listen *m);
int msg_dec_sock_listen(struct msg_r *r, struct msg_sock_listen *m);
int msg_enc_sock_connect(struct msg_w *w, const struct msg_sock_connect *m);
int msg_dec_sock_connect(struct msg_r *r, struct msg_sock_connect *m);
int msg_enc_sock_id(struct msg_w *w, const struct msg_sock_id *m); /* CLOSE, GETNAME */
int msg_dec_sock_id(struct msg_r *r, struct msg_sock_id *m);
int msg_enc_sock_setopt(struct msg_w *w, const struct msg_sock_setopt *m);
int msg_dec_sock_setopt(struct msg_r *r, struct msg_sock_setopt *m);
int msg_enc_rule_del(struct msg_w *w, const struct msg_rule_del *m);
int msg_dec_rule_del(struct msg_r *r, struct msg_rule_del *m);
int msg_enc_rule_list(struct msg_w *w, const struct msg_rule_list *m);
int msg_dec_rule_list(struct msg_r *r, struct msg_rule_list *m);
int msg_enc_guest_notify(struct msg_w *w, const struct msg_guest_notify *m);
int msg_dec_guest_notify(struct msg_r *r, struct msg_guest_notify *m);
/* msg_mgmt.c; MGMT_REPLY uses the CTL_REPLY codec. */
int msg_enc_mgmt_query(struct msg_w *w, const struct msg_mgmt_query *m);
int msg_dec_mgmt_query(struct msg_r *r, struct msg_mgmt_query *m);
int msg_enc_block(struct msg_w *w, const struct msg_block *m); /* MGMT_BLOCK, APP_COMMAND */
int msg_dec_block(struct msg_r *r, struct msg_block *m);

/* msg_cluster.c */
int msg_enc_cl_switch(struct msg_w *w, const struct msg_cl_switch *m);
int msg_dec_cl_switch(struct msg_r *r, struct msg_cl_switch *m);
int msg_enc_cl_role(struct msg_w *w, const struct msg_cl_role *m);
int msg_dec_cl_role(struct msg_r *r, struct msg_cl_role *m);
int msg_enc_cl_kv(struct msg_w *w, const struct msg_cl_kv *m);
int msg_dec_cl_kv(struct msg_r *r, struct msg_cl_kv *m);
int msg_enc_cl_state(struct msg_w *w, const struct msg_cl_state *m);
int msg_dec_cl_state(struct msg_r *r, struct msg_cl_state *m);

/* By type, through the catalogue (MSG_FATAL for an unknown type). */
int msg_encode(uint16_t type, struct msg_w *w, const union msg_body *b);
int msg_decode(uint16_t type, struct msg_r *r, int nfds, union msg_body *b);
/* Full receiver-side check of one payload: catalogue length and fd rules, then
 * the decoder. The reason in err names the type ("SOCK_CLOSE: socket id 0"). */
int msg_check(uint16_t type, const uint8_t *p, size_t len, int nfds, char *err, size_t errlen);

/* ---- transport --------------------------------------------------------------- */

/* Raise SO_SNDBUF so a datagram of MSG_HDR_LEN + MSG_MAX_PAYLOAD fits
 * (SO_SNDBUFFORCE when privileged), and verify it took; fails with a reason
 * when net.core.wmem_max is set below what that needs. */
int msg_sock_setup(int fd, char *err, size_t errlen);
/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC) with both ends set up. */
int msg_socketpair(int sv[2], char *err, size_t errlen);

/* Send one message with up to MSG_MAX_FDS fds (caller keeps them). The payload
 * is checked with msg_check first: nothing malformed leaves. Retries EINTR.
 * MSG_OK, MSG_AGAIN, MSG_EOF (peer gone) or MSG_FATAL. */
int msg_send(int fd, uint16_t type, uint32_t id, const void *payload, size_t len, const int *fds,
             int nfds, char *err, size_t errlen);

/* Receive one message: payload into buf (cap >= MSG_MAX_PAYLOAD unless the
 * caller knows the largest message it accepts), fds (close-on-exec) into
 * fds[MSG_MAX_FDS]. Framing as msg_hdr_parse, plus: truncated datagram or
 * control data, foreign control messages. On anything but MSG_OK no fd stays
 * open and *nfds is 0. MSG_OK, MSG_AGAIN, MSG_EOF or MSG_FATAL. */
int msg_recv(int fd, struct msg_hdr *h, uint8_t *buf, size_t cap, int fds[MSG_MAX_FDS], int *nfds,
             char *err, size_t errlen);

/* Close the fds that are >= 0 and set them to -1. */
void msg_close_fds(int *fds, int nfds);

/* ---- outgoing queue (msg_queue.c) --------------------------------------------- */

/* Messages a non-blocking link did not take yet, in order. The caller waits
 * for EV_WRITE while msg_outq_len() > 0 and then calls msg_outq_flush. */
struct msg_qitem;
struct msg_outq {
    struct msg_qitem *head, *tail;
    size_t n, bytes, max_bytes;
    uint8_t *scratch; /* MSG_MAX_PAYLOAD bytes to encode into */
};
/* MSG_OK, or MSG_FATAL when out of memory. max_bytes bounds the payload
 * bytes that may wait: a peer that stops reading is a broken peer. */
int msg_outq_init(struct msg_outq *q, size_t max_bytes);
void msg_outq_free(struct msg_outq *q);
/* Drop everything queued (its fds are closed). */
void msg_outq_clear(struct msg_outq *q);
static inline size_t msg_outq_len(const struct msg_outq *q)
{
    return q->n;
}
/* Encode b as type, check it like msg_send, then send it at once when
 * nothing is queued and the socket takes it, else queue it (fds dup'ed; the
 * caller keeps its own). MSG_OK (sent or queued), MSG_EOF (peer gone),
 * MSG_FATAL (does not encode, over the bound, a send error). */
int msg_outq_send(struct msg_outq *q, int fd, uint16_t type, uint32_t id, const union msg_body *b,
                  const int *fds, int nfds, char *err, size_t errlen);
/* Write what is queued while the socket takes it: MSG_OK (queue empty),
 * MSG_AGAIN (some left), MSG_EOF or MSG_FATAL. */
int msg_outq_flush(struct msg_outq *q, int fd, char *err, size_t errlen);

/* ---- dispatch ---------------------------------------------------------------- */

/* A handler reads its payload from r (with a msg_dec_* decoder) and returns
 * MSG_OK or MSG_FATAL (reason via msg_r_fail, or the decoder's). fds it keeps
 * it must set to -1; msg_dispatch closes the rest, whatever the outcome. */
typedef int msg_handler_fn(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds);

/* One row of a side's dispatch table, ended by a row with type 0. Length and
 * fd rules are not repeated here: they come from the catalogue, so the two
 * sides and the transport can never disagree about them. */
struct msg_handler {
    uint16_t type;
    uint32_t permitted; /* MSG_KBIT() of the sender kinds allowed */
    msg_handler_fn *fn;
};

/* Check a table once at startup: known types, no duplicates, handlers set,
 * permissions that match the direction of each type. */
int msg_table_check(const struct msg_handler *tab, char *err, size_t errlen);

/* Dispatch one received message from a sender of the given kind: known type,
 * direction, permitted, exact length, fd count, then the handler, which must
 * consume the whole payload. MSG_OK, or MSG_FATAL with the reason in err:
 * the caller ends that domain (or, in a domain, exits). */
int msg_dispatch(const struct msg_handler *tab, int kind, void *ctx, const struct msg_hdr *h,
                 const uint8_t *payload, int *fds, int nfds, char *err, size_t errlen);

#endif
