/*
 * mgmt.h - the management API's protocol (docs/mgmt.md): framing, the one
 * parser of requests, and the authorisation rule. Used by the management
 * domain (the server) and visorflowctl (the client), and fuzzed.
 *
 *   mgmt_proto.c   frame headers both ways; request text -> struct mgmt_req
 *   mgmt_auth.c    who may do what: a certificate CN's role, an op's need
 *
 * A frame is a 10-byte header then the body: "VFM1", u16 code, u32 length,
 * big-endian. A request's code is 0 and its body 1..MGMT_REQ_MAX bytes of
 * printable ASCII (a command line); a response's code is its status and its
 * body 0..MGMT_RESP_MAX bytes of text (or JSON). Limits live here and only
 * here.
 */
#ifndef VF_MGMT_H
#define VF_MGMT_H

#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

#define MGMT_HDR_LEN   10
#define MGMT_MAGIC     "VFM1"
#define MGMT_REQ_MAX   4096         /* request body bytes */
#define MGMT_RESP_MAX  (16u << 20)  /* response body bytes */
#define MGMT_WORDS_MAX 32           /* words of a request */
#define MGMT_ERR_MAX   200          /* a reason */

/* Status codes (HTTP's numbers, for familiarity; nothing else of HTTP). */
enum mgmt_status {
    MGMT_ST_OK = 200,
    MGMT_ST_BAD = 400,       /* malformed request or frame */
    MGMT_ST_FORBIDDEN = 403, /* the certificate's CN may not do this */
    MGMT_ST_NOT_FOUND = 404, /* no such rule */
    MGMT_ST_CONFLICT = 409,  /* the same rule exists */
    MGMT_ST_TOO_LARGE = 413, /* a frame over its limit */
    MGMT_ST_FAILED = 500,    /* understood, allowed, and it failed (the reason says why) */
    MGMT_ST_UNAVAILABLE = 503, /* too many clients; the core or the of domain not answering */
};
int mgmt_status_known(unsigned code);
const char *mgmt_status_name(unsigned code); /* "forbidden" */

/* ---- frames ---------------------------------------------------------------- */

void mgmt_frame_put(uint8_t hdr[MGMT_HDR_LEN], uint16_t code, uint32_t len);
/* Check a header: magic, then a request (code 0, length 1..MGMT_REQ_MAX) or a
 * response (a known status, length <= MGMT_RESP_MAX). Returns MGMT_ST_OK, or
 * MGMT_ST_BAD / MGMT_ST_TOO_LARGE with the reason in err. */
int mgmt_frame_parse(const uint8_t hdr[MGMT_HDR_LEN], int request, uint16_t *code, uint32_t *len,
                     char *err, size_t errcap);

/* ---- requests ---------------------------------------------------------------- */

enum mgmt_op {
    MGMT_OP_RULE_ADD = 1,
    MGMT_OP_RULE_DEL,
    MGMT_OP_RULE_LIST,
    MGMT_OP_STATS,
    MGMT_OP_GUESTS,
    MGMT_OP_DOMAINS,
    MGMT_OP_RELOAD,
    MGMT_OP_BLOCK,
    MGMT_OP_UNBLOCK,
};

struct mgmt_req {
    enum mgmt_op op;
    int json;              /* --json was given */
    struct msg_rule rule;  /* RULE_ADD, checked as RULE_ADD's decoder would */
    uint32_t rule_id;      /* RULE_DEL: 1..MSG_RULE_ID_MAX */
    struct msg_block block; /* BLOCK / UNBLOCK, checked as MGMT_BLOCK's decoder would */
};

/* One request body: printable ASCII, words separated by single spaces:
 *   rule add RULE... | rule del ID | rule list | stats | guests | domains
 *   reload | block ADDR|MAC [--for SECONDS] | unblock ADDR|MAC
 * and --json anywhere after the first word, where a JSON form exists.
 * MGMT_ST_OK, or MGMT_ST_BAD with a reason naming what was wrong. */
int mgmt_req_parse(const uint8_t *p, size_t n, struct mgmt_req *rq, char *err, size_t errcap);
const char *mgmt_op_name(enum mgmt_op op); /* "rule add" */
/* A block target: a dotted quad or a MAC (aa:bb:cc:dd:ee:ff); not all zero.
 * Sets kind and addr of m; 0 or -1. */
int mgmt_target_parse(const char *s, struct msg_block *m);

/* ---- who may do what (mgmt_auth.c) --------------------------------------------- */

enum mgmt_role { MGMT_ROLE_NONE = 0, MGMT_ROLE_VIEWER = 1, MGMT_ROLE_ADMIN = 2 };
const char *mgmt_role_name(enum mgmt_role r);
/* The role of a CN: exact, case-sensitive comparison with the configured
 * names; a NULL or empty CN (no usable certificate name) has none. */
enum mgmt_role mgmt_role_of(const char *cn, const char *const *admins, size_t n_admins,
                            const char *const *viewers, size_t n_viewers);
/* Does op change anything (rules, apps, blocks)? Those need admin. */
int mgmt_op_changes(enum mgmt_op op);
/* MGMT_ST_OK or MGMT_ST_FORBIDDEN with the reason. */
int mgmt_authorise(enum mgmt_role role, const char *cn, enum mgmt_op op, char *err,
                   size_t errcap);

#endif
