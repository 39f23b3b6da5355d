/*
 * mgmt_proto.c - the management API's frames and its one request parser.
 *
 * The body of a request is checked before it is split: printable ASCII
 * only (no control byte, no NUL, nothing above 0x7e), no leading, trailing or
 * double space, so a request has exactly one spelling and a log line of it
 * cannot be forged. What a request carries is then checked with the same
 * rules the core applies to the message it becomes (a rule through the
 * monitor's own text parser and RULE_ADD's decoder, a block target through
 * MGMT_BLOCK's decoder): a request the domain accepts is never one the core
 * would refuse as malformed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/mgmt.h"
#include "mon/mon.h"

static const struct {
    unsigned code;
    const char *name;
} statuses[] = {
    {MGMT_ST_OK, "ok"},
    {MGMT_ST_BAD, "bad request"},
    {MGMT_ST_FORBIDDEN, "forbidden"},
    {MGMT_ST_NOT_FOUND, "not found"},
    {MGMT_ST_CONFLICT, "conflict"},
    {MGMT_ST_TOO_LARGE, "too large"},
    {MGMT_ST_FAILED, "failed"},
    {MGMT_ST_UNAVAILABLE, "unavailable"},
};

int mgmt_status_known(unsigned code)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (statuses[i].code == code) return 1;
    return 0;
}

const char *mgmt_status_name(unsigned code)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (statuses[i].code == code) return statuses[i].name;
    return "?";
}

/* ---- frames -------------------------------------------------------------------- */

void mgmt_frame_put(uint8_t hdr[MGMT_HDR_LEN], uint16_t code, uint32_t len)
{
    memcpy(hdr, MGMT_MAGIC, 4);
    hdr[4] = (uint8_t)(code >> 8);
    hdr[5] = (uint8_t)code;
    for (int i = 0; i < 4; i++)
        hdr[6 + i] = (uint8_t)(len >> (24 - 8 * i));
}

int mgmt_frame_parse(const uint8_t hdr[MGMT_HDR_LEN], int request, uint16_t *code, uint32_t *len,
                     char *err, size_t errcap)
{
    if (memcmp(hdr, MGMT_MAGIC, 4) != 0) {
        snprintf(err, errcap, "not a management API frame (the first 4 bytes are not \"VFM1\")");
        return MGMT_ST_BAD;
    }
    *code = (uint16_t)(hdr[4] << 8 | hdr[5]);
    *len = (uint32_t)hdr[6] << 24 | (uint32_t)hdr[7] << 16 | (uint32_t)hdr[8] << 8 | hdr[9];
    if (request) {
        if (*code != 0) {
            snprintf(err, errcap, "a request's code must be 0, not %u", *code);
            return MGMT_ST_BAD;
        }
        if (*len == 0) {
            snprintf(err, errcap, "empty request");
            return MGMT_ST_BAD;
        }
        if (*len > MGMT_REQ_MAX) {
            snprintf(err, errcap, "request of %u bytes, more than %d", *len, MGMT_REQ_MAX);
            return MGMT_ST_TOO_LARGE;
        }
        return MGMT_ST_OK;
    }
    if (!mgmt_status_known(*code) || *code == 0) {
        snprintf(err, errcap, "response status %u unknown", *code);
        return MGMT_ST_BAD;
    }
    if (*len > MGMT_RESP_MAX) {
        snprintf(err, errcap, "response of %u bytes, more than %u", *len, MGMT_RESP_MAX);
        return MGMT_ST_TOO_LARGE;
    }
    return MGMT_ST_OK;
}

/* ---- requests -------------------------------------------------------------------- */

static const char *const op_names[] = {
    [MGMT_OP_RULE_ADD] = "rule add", [MGMT_OP_RULE_DEL] = "rule del",
    [MGMT_OP_RULE_LIST] = "rule list", [MGMT_OP_STATS] = "stats",
    [MGMT_OP_GUESTS] = "guests",     [MGMT_OP_DOMAINS] = "domains",
    [MGMT_OP_RELOAD] = "reload",     [MGMT_OP_BLOCK] = "block",
    [MGMT_OP_UNBLOCK] = "unblock",
};

const char *mgmt_op_name(enum mgmt_op op)
{
    return op >= MGMT_OP_RULE_ADD && op <= MGMT_OP_UNBLOCK ? op_names[op] : "?";
}

int mgmt_target_parse(const char *s, struct msg_block *m)
{
    struct in_addr a;
    unsigned x[6];
    char tail;
    memset(m->addr, 0, sizeof(m->addr));
    if (inet_pton(AF_INET, s, &a) == 1) {
        m->kind = MSG_BK_IPV4;
        memcpy(m->addr, &a, 4);
    } else if (strlen(s) == 17 && s[2] == ':' && s[5] == ':' && s[8] == ':' && s[11] == ':' &&
               s[14] == ':' &&
               sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &x[0], &x[1], &x[2], &x[3], &x[4], &x[5],
                      &tail) == 6) {
        for (int i = 0; i < 17; i++) /* sscanf would take a sign or a space */
            if (i % 3 != 2 && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                                (s[i] >= 'A' && s[i] <= 'F')))
                return -1;
        m->kind = MSG_BK_MAC;
        for (int i = 0; i < 6; i++)
            m->addr[i] = (uint8_t)x[i];
    } else {
        return -1;
    }
    for (int i = 0; i < 6; i++)
        if (m->addr[i]) return 0;
    return -1; /* 0.0.0.0 or 00:00:00:00:00:00 */
}

/* A decimal number lo..hi without sign, leading zero or anything after it. */
static int number(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    if (*s < '1' || *s > '9' || strlen(s) > 10) return -1;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

#define BAD(...) (snprintf(err, errcap, __VA_ARGS__), MGMT_ST_BAD)

static int parse_rule(char **w, int n, struct mgmt_req *rq, char *err, size_t errcap)
{
    char text[MGMT_REQ_MAX + 1] = "", why[160];
    size_t o = 0;
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", i ? " " : "", w[i]);
    struct mon_rule r;
    if (mon_rule_parse(text, &r, why, sizeof(why)) != 0) return BAD("rule: %s", why);
    rq->rule = (struct msg_rule){.addr = ntohl(r.addr),
                                 .plen = r.plen,
                                 .proto = r.proto,
                                 .port = r.l4port,
                                 .dir = r.dirs,
                                 .action = r.action == MON_DROP ? MSG_RACT_DROP : MSG_RACT_PASS,
                                 .on = r.port_id};
    /* the core's own check of RULE_ADD, so that nothing we send is malformed */
    uint8_t raw[MSG_RULE_LEN];
    struct msg_w wr;
    struct msg_r rd;
    struct msg_rule back;
    msg_w_init(&wr, raw, sizeof(raw));
    msg_enc_rule(&wr, &rq->rule);
    msg_r_init(&rd, raw, wr.len);
    if (wr.failed || msg_dec_rule(&rd, &back) != MSG_OK || msg_get_end(&rd) != MSG_OK)
        return BAD("rule: %s", rd.err[0] ? rd.err : "does not fit RULE_ADD");
    return MGMT_ST_OK;
}

static int parse_block(char **w, int n, struct mgmt_req *rq, char *err, size_t errcap)
{
    const char *what = rq->op == MGMT_OP_BLOCK ? "block" : "unblock";
    struct msg_block *m = &rq->block;
    memset(m, 0, sizeof(*m));
    m->command = rq->op == MGMT_OP_BLOCK ? MSG_BLOCK : MSG_UNBLOCK;
    if (n < 1) return BAD("usage: %s ADDR|MAC%s", what, m->command == MSG_BLOCK ? " [--for SECONDS]" : "");
    if (mgmt_target_parse(w[0], m) != 0)
        return BAD("%s: '%.64s' is not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)", what, w[0]);
    if (n == 3 && m->command == MSG_BLOCK && !strcmp(w[1], "--for")) {
        unsigned long v;
        if (number(w[2], 1, MSG_BLOCK_SECONDS_MAX, &v) != 0)
            return BAD("block: --for '%.32s' is not a number of seconds 1..%u", w[2],
                       MSG_BLOCK_SECONDS_MAX);
        m->seconds = (uint32_t)v;
    } else if (n != 1) {
        return BAD("usage: %s ADDR|MAC%s", what, m->command == MSG_BLOCK ? " [--for SECONDS]" : "");
    }
    return MGMT_ST_OK;
}

int mgmt_req_parse(const uint8_t *p, size_t n, struct mgmt_req *rq, char *err, size_t errcap)
{
    char line[MGMT_REQ_MAX + 1], *w[MGMT_WORDS_MAX];
    int nw = 0;
    memset(rq, 0, sizeof(*rq));
    if (n == 0) return BAD("empty request");
    if (n > MGMT_REQ_MAX) return BAD("request of %zu bytes, more than %d", n, MGMT_REQ_MAX);
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) return BAD("byte 0x%02x at %zu: requests are printable ASCII", p[i], i);
        if (p[i] == ' ' && (i == 0 || i == n - 1 || p[i - 1] == ' '))
            return BAD("stray space at %zu: words are separated by one space", i);
    }
    memcpy(line, p, n);
    line[n] = '\0';
    for (char *save = NULL, *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (nw == MGMT_WORDS_MAX) return BAD("more than %d words", MGMT_WORDS_MAX);
        if (nw > 0 && !strcmp(t, "--json")) {
            rq->json = 1;
            continue;
        }
        w[nw++] = t;
    }
    if (nw == 0) return BAD("empty request");
    const char *c = w[0];
    if (!strcmp(c, "rule")) {
        const char *sub = nw > 1 ? w[1] : "";
        if (!strcmp(sub, "add") && nw > 2) {
            rq->op = MGMT_OP_RULE_ADD;
            return parse_rule(w + 2, nw - 2, rq, err, errcap);
        }
        if (!strcmp(sub, "del") && nw == 3) {
            unsigned long id;
            rq->op = MGMT_OP_RULE_DEL;
            if (number(w[2], 1, MSG_RULE_ID_MAX, &id) != 0)
                return BAD("rule del: '%.32s' is not a rule id (1..%u)", w[2], MSG_RULE_ID_MAX);
            rq->rule_id = (uint32_t)id;
            return MGMT_ST_OK;
        }
        if (!strcmp(sub, "list") && nw == 2) {
            rq->op = MGMT_OP_RULE_LIST;
            return MGMT_ST_OK;
        }
        return BAD("usage: rule add RULE... | rule del ID | rule list");
    }
    static const struct {
        const char *name;
        enum mgmt_op op;
        int json;
    } plain[] = {{"stats", MGMT_OP_STATS, 1},
                 {"guests", MGMT_OP_GUESTS, 1},
                 {"domains", MGMT_OP_DOMAINS, 1},
                 {"reload", MGMT_OP_RELOAD, 0}};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (strcmp(c, plain[i].name) != 0) continue;
        rq->op = plain[i].op;
        if (nw != 1) return BAD("%s takes no arguments", c);
        if (rq->json && !plain[i].json) return BAD("%s has no JSON form", c);
        return MGMT_ST_OK;
    }
    if (!strcmp(c, "block") || !strcmp(c, "unblock")) {
        rq->op = c[0] == 'b' ? MGMT_OP_BLOCK : MGMT_OP_UNBLOCK;
        if (rq->json) return BAD("%s has no JSON form", c);
        return parse_block(w + 1, nw - 1, rq, err, errcap);
    }
    return BAD("unknown command '%.32s' (rule, stats, guests, domains, reload, block, unblock)", c);
}
