/*
 * msg_fixtures.h - a valid sample of every message type in three variants
 * (0 typical, 1 smallest / empty, 2 every field at its maximum), and the
 * exact wire bytes of variant 0 (written from docs/messages.md by hand, not
 * by the encoder). Shared by tests/unit/test_msg.c and tests/tools/msg_corpus.c.
 */
#ifndef VF_TEST_MSG_FIXTURES_H
#define VF_TEST_MSG_FIXTURES_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msg/msg.h"

#define MSGFX_VARIANTS 3

/* Fill s with n bytes of c (n < cap) and a NUL. */
static inline void msgfx_rep(char *s, size_t n, char c)
{
    memset(s, c, n);
    s[n] = '\0';
}

static inline struct msg_addr msgfx_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    struct msg_addr x = {.family = MSG_AF_INET, .port = port, .addr = {a, b, c, d}};
    return x;
}

static inline struct msg_addr msgfx_v6_last(uint8_t first, uint8_t last, uint16_t port)
{
    struct msg_addr x = {.family = MSG_AF_INET6, .port = port};
    x.addr[0] = first;
    x.addr[15] = last;
    return x;
}

/* Domain -> core types only the cluster domain may send. */
static inline int msgfx_cluster_only(uint16_t type)
{
    return type == MSG_CL_ROLE_SET || type == MSG_CL_CHANGE || type == MSG_CL_STATE_SET;
}

/* The cluster's four layouts, shared by their C2D and D2C types. */
static inline void msgfx_cl_switch(int v, struct msg_cl_switch *m)
{
    m->dpid = v == 0 ? 0x0000000000000abcull : v == 1 ? 0 : UINT64_MAX;
    m->state = v == 0 ? MSG_CLS_UP : v == 1 ? MSG_CLS_GONE : MSG_CLS_LOST;
}

static inline void msgfx_cl_role(int v, struct msg_cl_role *m)
{
    m->dpid = v == 0 ? 0x0000000000000abcull : v == 1 ? 0 : UINT64_MAX;
    m->master = v != 1;
    m->takeover = v == 2;
}

static inline void msgfx_cl_kv(int v, struct msg_cl_kv *m)
{
    static char big[MSG_CL_VAL_MAX];
    if (v == 0) {
        *m = (struct msg_cl_kv){.op = MSG_CL_OP_PUT, .value = "10.0.0.9", .value_len = 8, .ttl = 60};
        strcpy(m->key, "portscan/block/02:00:00:00:00:09");
    } else if (v == 1) {
        *m = (struct msg_cl_kv){.op = MSG_CL_OP_DELETE};
        strcpy(m->key, "a");
    } else {
        memset(big, 0, sizeof(big)); /* any bytes: NULs too */
        big[MSG_CL_VAL_MAX - 1] = '\xff';
        *m = (struct msg_cl_kv){.op = MSG_CL_OP_PUT, .value = big, .value_len = MSG_CL_VAL_MAX,
                                .ttl = MSG_CL_TTL_MAX};
        msgfx_rep(m->key, MSG_CL_KEY_MAX, 'k');
        m->key[5] = '/';
    }
}

static inline void msgfx_block(int v, struct msg_block *m)
{
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01}, ones[6] = {255, 255, 255, 255, 255, 255};
    m->command = v == 1 ? MSG_UNBLOCK : MSG_BLOCK;
    m->kind = v == 0 ? MSG_BK_IPV4 : MSG_BK_MAC;
    if (v == 0)
        memcpy(m->addr, (const uint8_t[6]){10, 0, 0, 5, 0, 0}, 6);
    else
        memcpy(m->addr, v == 1 ? mac : ones, 6);
    m->seconds = v == 0 ? 60 : v == 1 ? 0 : MSG_BLOCK_SECONDS_MAX;
}

/* Core -> domain samples. Returns the fds the message carries. */
static inline int msgfx_c2d(uint16_t type, int v, union msg_body *b)
{
    static char source[MSG_SOURCE_MAX + 1];
    switch (type) {
    case MSG_HELLO: {
        struct msg_hello *m = &b->hello;
        m->version = MSG_VERSION;
        m->kind = v == 1 ? MSG_KIND_MGMT : MSG_KIND_OF;
        if (v == 2)
            msgfx_rep(m->name, MSG_NAME_MAX, 'd');
        else
            strcpy(m->name, v ? "mgmt-api_1.x:y" : "of");
        m->mem_kib = v == 0 ? 65536 : v == 1 ? 1 : UINT32_MAX;
        m->instr_budget = v == 0 ? 1000000 : v == 1 ? 1 : UINT32_MAX;
        m->max_socks = v == 0 ? 64 : v == 1 ? 0 : UINT16_MAX;
        m->max_rules = v == 0 ? 256 : v == 1 ? 0 : UINT16_MAX;
        m->heartbeat_ms = v == 0 ? 1000 : v == 1 ? 10 : 3600000;
        return 0;
    }
    case MSG_APP_SOURCES: {
        struct msg_app_source *m = &b->app_source;
        m->set = (struct msg_set_pos){v == 2 ? UINT32_MAX : 7, v == 2 ? 255 : 0,
                                      v == 0   ? 2
                                      : v == 1 ? 0
                                               : 256};
        if (v == 0) {
            strcpy(m->name, "l2_learning");
            strcpy(m->origin, "apps/l2_learning.lua");
            m->source = "return {}\n";
            m->source_len = 10;
        } else if (v == 2) {
            msgfx_rep(m->name, MSG_APP_MAX, 'n');
            msgfx_rep(m->origin, MSG_ORIGIN_MAX, '/');
            for (size_t i = 0; i < MSG_SOURCE_MAX; i++)
                source[i] = i % 64 == 63 ? '\n' : '-';
            m->source = source;
            m->source_len = MSG_SOURCE_MAX;
        } else {
            m->source = "";
        }
        return 0;
    }
    case MSG_CONFIG: {
        struct msg_config *m = &b->config;
        m->set = (struct msg_set_pos){3, v == 0 ? 1 : 0, v == 0 ? 3 : v == 1 ? 0 : 1};
        if (v == 0) {
            strcpy(m->key, "portscan.threshold");
            strcpy(m->value, "20");
        } else if (v == 2) {
            msgfx_rep(m->key, MSG_APP_MAX, 'k');
            msgfx_rep(m->value, MSG_VALUE_MAX, '\xe2'); /* any byte but NUL */
            m->value[0] = '\n';
        }
        return 0;
    }
    case MSG_SOCKET_RESULT: {
        struct msg_socket_result *m = &b->socket_result;
        m->op = v == 0 ? MSG_SOCK_CONNECT : v == 1 ? MSG_SOCK_LISTEN : MSG_SOCK_GETNAME;
        m->error = v == 1 ? EACCES : 0;
        m->sock_id = v == 0 ? 5 : v == 1 ? 0 : UINT32_MAX;
        if (v == 0) {
            m->local = msgfx_v4(127, 0, 0, 1, 40000);
            m->peer = msgfx_v4(127, 0, 0, 1, 6653);
        } else if (v == 2) {
            m->local = msgfx_v6_last(0, 1, 65535);
            m->peer = msgfx_v6_last(0xfe, 0xff, 1);
        }
        return v == 0;
    }
    case MSG_SOCK_ACCEPTED: {
        struct msg_sock_accepted *m = &b->sock_accepted;
        m->listener_id = v == 2 ? UINT32_MAX : 1;
        m->sock_id = v == 2 ? UINT32_MAX : 2;
        m->peer = v == 1 ? msgfx_v6_last(0xfe, 1, 1) : msgfx_v4(10, 0, 0, 2, 51000);
        return 1;
    }
    case MSG_RULE_RESULT: {
        static const char *const owners[] = {"admin", "guest:4095",
                                             "domain:ddddddddddddddddddddddddddddddd"};
        struct msg_rule_result *m = &b->rule_result;
        m->op = v == 0 ? MSG_RULE_ADD : v == 1 ? MSG_RULE_DEL : MSG_RULE_LIST;
        m->error = v == 1 ? ENOENT : 0;
        if (v == 1) strcpy(m->reason, "no rule 42");
        m->next_id = v == 2 ? 1000 : 0;
        m->count = v == 0 ? 1 : v == 1 ? 0 : MSG_RULES_MAX;
        for (unsigned i = 0; i < m->count; i++) {
            struct msg_rule_entry *e = &m->rules[i];
            e->id = v == 0 ? 42 : 900 + i;
            if (v == 0) {
                e->rule = (struct msg_rule){0x0a000000u, 8, 6, 22, MSG_RDIR_FROM_GUEST,
                                            MSG_RACT_DROP, 0};
                strcpy(e->owner, "domain:of");
                continue;
            }
            e->rule = (struct msg_rule){0x0a000000u + (i << 8), 24, 17, (uint16_t)(65535 - i),
                                        MSG_RDIR_BOTH, MSG_RACT_PASS, MSG_PORT_ID_MAX};
            strcpy(e->owner, owners[i % 3]);
            e->packets = UINT64_MAX - i;
            e->bytes = UINT64_MAX;
        }
        return 0;
    }
    case MSG_SHUTDOWN:
        b->shutdown.reason = v == 1 ? MSG_SHUT_RESTART : MSG_SHUT_STOP;
        b->shutdown.grace_ms = v == 0 ? 5000 : v == 1 ? 0 : 600000;
        return 0;
    case MSG_CTL_REQUEST:
        b->ctl_request.command = v == 1 ? MSG_CTL_STATUS : MSG_CTL_FLOWS;
        b->ctl_request.json = v != 0;
        b->ctl_request.dpid = v == 0 ? 1 : v == 1 ? 0 : UINT64_MAX;
        return 0;
    case MSG_MON_EVENT: {
        struct msg_mon_event *m = &b->mon_event;
        if (v == 0) {
            *m = (struct msg_mon_event){1000000000u, 5,      1,      MSG_RDIR_FROM_GUEST,
                                        6,           0x0a4d0001u, 0x0a4d0002u, 40000,
                                        5001,        74,     0,      0x0800,
                                        0,           0};
        } else if (v == 1) { /* a malformed packet: no rule, no addresses */
            m->port = 1;
            m->dir = MSG_RDIR_TO_GUEST;
            m->flags = MSG_MON_MALFORMED;
            m->ethertype = 0x0800;
        } else {
            *m = (struct msg_mon_event){UINT64_MAX, MSG_RULE_ID_MAX,  MSG_PORT_ID_MAX,
                                        MSG_RDIR_TO_GUEST, 255, UINT32_MAX, UINT32_MAX,
                                        65535,      65535,  UINT32_MAX, 7, 0xffff, UINT32_MAX,
                                        UINT32_MAX};
        }
        return 0;
    }
    case MSG_TLS_CONFIG: {
        /* The codec checks the form of the PEM texts only (a BEGIN line). */
        static char key[MSG_TLS_KEY_MAX + 1], cert[MSG_TLS_CERT_MAX + 1], ca[MSG_TLS_CA_MAX + 1];
        struct msg_tls_config *m = &b->tls_config;
        m->min_version = v == 0 ? 0x0304 : 0x0303;
        if (v == 2) {
            msgfx_rep(m->ciphers, MSG_TLS_TEXT_MAX, 'C');
            msgfx_rep(m->ciphersuites, MSG_TLS_TEXT_MAX, 'S');
            msgfx_rep(key, MSG_TLS_KEY_MAX, '\n');
            msgfx_rep(cert, MSG_TLS_CERT_MAX, '=');
            msgfx_rep(ca, MSG_TLS_CA_MAX, 'A');
            memcpy(key + 100, "-----BEGIN ", 11);
            memcpy(cert, "-----BEGIN ", 11);
            memcpy(ca + MSG_TLS_CA_MAX - 11, "-----BEGIN ", 11);
            m->key = key, m->cert = cert, m->ca = ca;
            m->key_len = MSG_TLS_KEY_MAX, m->cert_len = MSG_TLS_CERT_MAX;
            m->ca_len = MSG_TLS_CA_MAX;
        } else {
            strcpy(m->ciphersuites, v == 0 ? "TLS_AES_128_GCM_SHA256" : "");
            m->key = v == 0 ? "-----BEGIN k" : "-----BEGIN ";
            m->cert = v == 0 ? "-----BEGIN c" : "-----BEGIN ";
            m->ca = v == 0 ? "-----BEGIN a" : "-----BEGIN ";
            m->key_len = m->cert_len = m->ca_len = v == 0 ? 12 : 11;
        }
        return 0;
    }
    case MSG_MGMT_REPLY: {
        static char chunk[MSG_CHUNK_MAX + 1];
        struct msg_ctl_reply *m = &b->ctl_reply;
        m->final = v != 1;
        m->error = v == 2;
        if (v == 2) msgfx_rep(chunk, MSG_CHUNK_MAX, 'r');
        m->text = v == 0 ? "rules: 3\n" : v == 1 ? "" : chunk;
        m->text_len = v == 0 ? 9 : v == 1 ? 0 : MSG_CHUNK_MAX;
        return 0;
    }
    case MSG_APP_COMMAND:
        msgfx_block(v, &b->block);
        return 0;
    case MSG_CL_SWITCH:
        msgfx_cl_switch(v, &b->cl_switch);
        return 0;
    case MSG_CL_ROLE:
        msgfx_cl_role(v, &b->cl_role);
        return 0;
    case MSG_CL_WRITE:
    case MSG_CL_EVENT:
        msgfx_cl_kv(v, &b->cl_kv);
        if (type == MSG_CL_EVENT) b->cl_kv.ttl = 0;
        return 0;
    case MSG_CL_STATE:
        b->cl_state.connected = v != 1;
        return 0;
    }
    return -1;
}

/* Domain -> core samples. */
static inline int msgfx_d2c(uint16_t type, int v, union msg_body *b)
{
    switch (type) {
    case MSG_LOG: {
        struct msg_log *m = &b->log;
        m->level = v == 0 ? 2 : v == 1 ? 0 : 3;
        if (v == 2) {
            msgfx_rep(m->module, MSG_NAME_MAX, 'm');
            msgfx_rep(m->text, MSG_TEXT_MAX, '\x1b'); /* escapes are the logger's job */
        } else {
            strcpy(m->module, v ? "a" : "ofc");
            strcpy(m->text, v ? "" : "switch 1 up");
        }
        return 0;
    }
    case MSG_HEARTBEAT:
        b->heartbeat.seq = v == 0 ? 1 : v == 1 ? 0 : UINT32_MAX;
        return 0;
    case MSG_STATUS: {
        struct msg_status *m = &b->status;
        m->count = v == 0 ? 2 : v == 1 ? 0 : MSG_STATS_MAX;
        for (unsigned i = 0; i < m->count; i++) {
            if (v == 2) {
                msgfx_rep(m->stats[i].key, MSG_NAME_MAX, 'c');
                m->stats[i].key[0] = (char)('0' + i / 10);
                m->stats[i].key[1] = (char)('0' + i % 10);
            }
            m->stats[i].value = v == 2 ? UINT64_MAX - i : i ? 2048 : 12;
        }
        if (v == 0) {
            strcpy(m->stats[0].key, "flows");
            strcpy(m->stats[1].key, "lua_kib");
        }
        return 0;
    }
    case MSG_RECORD: {
        struct msg_record *m = &b->record;
        if (v == 2) {
            msgfx_rep(m->app, MSG_APP_MAX, 'a');
            msgfx_rep(m->stream, MSG_APP_MAX, 's');
            msgfx_rep(m->line, MSG_TEXT_MAX, 'x');
        } else {
            strcpy(m->app, v ? "a" : "portscan");
            strcpy(m->stream, v ? "b" : "alerts");
            strcpy(m->line, v ? "" : "10.0.0.3 scanned");
        }
        return 0;
    }
    case MSG_CTL_REPLY: {
        static char chunk[MSG_CHUNK_MAX + 1];
        struct msg_ctl_reply *m = &b->ctl_reply;
        m->final = v != 1;
        m->error = v == 2;
        if (v == 2) msgfx_rep(chunk, MSG_CHUNK_MAX, '\t'); /* any byte but NUL */
        m->text = v == 0 ? "switches: 1\n" : v == 1 ? "" : chunk;
        m->text_len = v == 0 ? 12 : v == 1 ? 0 : MSG_CHUNK_MAX;
        return 0;
    }
    case MSG_APP_RESULT: {
        struct msg_app_result *m = &b->app_result;
        m->generation = v == 0 ? 3 : v == 1 ? 1 : UINT32_MAX;
        if (v == 0)
            strcpy(m->error, "hub.lua:3: oops");
        else if (v == 2)
            msgfx_rep(m->error, MSG_VALUE_MAX, 'e');
        return 0;
    }
    case MSG_SOCK_LISTEN:
        b->sock_listen.addr = v == 0   ? msgfx_v4(0, 0, 0, 0, 6653)
                              : v == 1 ? msgfx_v6_last(0, 0, 0)
                                       : msgfx_v6_last(0, 1, 65535);
        b->sock_listen.backlog = v == 0 ? 16 : v == 1 ? 1 : MSG_BACKLOG_MAX;
        return 0;
    case MSG_SOCK_CONNECT:
        b->sock_connect.addr = v == 0   ? msgfx_v4(127, 0, 0, 1, 6653)
                               : v == 1 ? msgfx_v6_last(0, 1, 1)
                                        : msgfx_v4(255, 255, 255, 255, 65535);
        return 0;
    case MSG_SOCK_CLOSE:
    case MSG_SOCK_GETNAME:
        b->sock_id.sock_id = v == 0 ? 1 : v == 1 ? 7 : UINT32_MAX;
        return 0;
    case MSG_SOCK_SETOPT:
        b->sock_setopt.sock_id = v == 2 ? UINT32_MAX : 3;
        b->sock_setopt.opt = v == 0 ? MSG_SO_NODELAY : v == 1 ? MSG_SO_KEEPALIVE : MSG_SO_SNDBUF;
        b->sock_setopt.value = v == 0 ? 1 : v == 1 ? 0 : MSG_SOCKBUF_MAX;
        return 0;
    case MSG_RULE_ADD:
        b->rule = v == 0   ? (struct msg_rule){0, 0, 0, 0, MSG_RDIR_BOTH, MSG_RACT_PASS, 0}
                  : v == 1 ? (struct msg_rule){0xc0a80105u, 32, 17, 53, MSG_RDIR_FROM_GUEST,
                                               MSG_RACT_DROP, 7}
                           : (struct msg_rule){0x0a000000u, 8, 255, 0, MSG_RDIR_TO_GUEST,
                                               MSG_RACT_DROP, MSG_PORT_ID_MAX};
        return 0;
    case MSG_RULE_DEL:
        b->rule_del.id = v == 0 ? 1 : v == 1 ? 42 : UINT32_MAX;
        return 0;
    case MSG_RULE_LIST:
        b->rule_list.start_id = v == 0 ? 0 : v == 1 ? 100 : UINT32_MAX;
        b->rule_list.max = v == 0 ? 1 : v == 1 ? MSG_RULES_MAX : 32;
        return 0;
    case MSG_GUEST_NOTIFY: {
        struct msg_guest_notify *m = &b->guest_notify;
        if (v == 0) {
            *m = (struct msg_guest_notify){1, MSG_NOTE_SCAN_BLOCKED, 6, 0x0a000042,
                                           {2, 0, 0, 0, 0, 0x42}, 22, 5, ""};
            strcpy(m->text, "port scan from 10.0.0.66");
        } else if (v == 1) {
            *m = (struct msg_guest_notify){.port = 1, .kind = MSG_NOTE_NOTICE};
        } else {
            *m = (struct msg_guest_notify){MSG_PORT_ID_MAX, MSG_NOTE_BLOCKED, 255, UINT32_MAX,
                                           {255, 255, 255, 255, 255, 255}, 65535,
                                           MSG_RULE_ID_MAX, ""};
            msgfx_rep(m->text, MSG_NOTE_TEXT_MAX, '~');
            m->text[0] = ' ';
        }
        return 0;
    }
    case MSG_MGMT_QUERY:
        b->mgmt_query.command = v == 0 ? MSG_MQ_STATS : v == 1 ? MSG_MQ_RELOAD : MSG_MQ_DOMAINS;
        b->mgmt_query.json = v == 2;
        return 0;
    case MSG_MGMT_BLOCK:
        msgfx_block(v, &b->block);
        return 0;
    case MSG_CL_CONN:
        msgfx_cl_switch(v, &b->cl_switch);
        return 0;
    case MSG_CL_ROLE_SET:
        msgfx_cl_role(v, &b->cl_role);
        return 0;
    case MSG_CL_PUT:
    case MSG_CL_CHANGE:
        msgfx_cl_kv(v, &b->cl_kv);
        if (type == MSG_CL_CHANGE) b->cl_kv.ttl = 0;
        return 0;
    case MSG_CL_STATE_SET:
        b->cl_state.connected = v != 1;
        return 0;
    }
    return -1;
}

/* Fill b (zeroed first) with variant v of type; returns its fd count, -1 if
 * type is unknown. */
static inline int msgfx_fill(uint16_t type, int v, union msg_body *b)
{
    memset(b, 0, sizeof(*b));
    int n = msgfx_c2d(type, v, b);
    return n >= 0 ? n : msgfx_d2c(type, v, b);
}

/* Variant 0 on the wire, payload only (hex, see docs/messages.md). */
static const struct {
    uint16_t type;
    const char *hex;
} msgfx_golden[] = {
    {MSG_HELLO, "00030200026f6600010000000f424000400100000003e8"},
    {MSG_APP_SOURCES, "0000000700000002000b6c325f6c6561726e696e670014617070732f6c325f6c"
                      "6561726e696e672e6c75610000000a72657475726e207b7d0a"},
    {MSG_CONFIG, "00000003000100030012706f72747363616e2e7468726573686f6c6400023230"},
    {MSG_SOCKET_RESULT, "02110000000000000005049c407f0000010000000000000000000000000419fd"
                        "7f000001000000000000000000000000"},
    {MSG_SOCK_ACCEPTED, "000000010000000204c7380a000002000000000000000000000000"},
    {MSG_RULE_RESULT, "02200000000000000000000000010000002a0a00000008060016010200000009"
                      "646f6d61696e3a6f6600000000000000000000000000000000"},
    {MSG_SHUTDOWN, "0100001388"},
    {MSG_CTL_REQUEST, "02000000000000000001"},
    {MSG_MON_EVENT, "000000003b9aca0000000005000101060a4d00010a4d00029c4013890000004a"
                    "000008000000000000000000"},
    {MSG_TLS_CONFIG, "0304"
                     "0000"
                     "0016544c535f4145535f3132385f47434d5f534841323536"
                     "0000000c2d2d2d2d2d424547494e206b"
                     "0000000c2d2d2d2d2d424547494e2063"
                     "0000000c2d2d2d2d2d424547494e2061"},
    {MSG_LOG, "0200036f6663000b7377697463682031207570"},
    {MSG_HEARTBEAT, "00000001"},
    {MSG_STATUS, "00020005666c6f7773000000000000000c00076c75615f6b6962000000000000"
                 "0800"},
    {MSG_RECORD, "0008706f72747363616e0006616c65727473001031302e302e302e3320736361"
                 "6e6e6564"},
    {MSG_CTL_REPLY, "01000000000c73776974636865733a20310a"},
    {MSG_APP_RESULT, "00000003000f6875622e6c75613a333a206f6f7073"},
    {MSG_SOCK_LISTEN, "0419fd000000000000000000000000000000000010"},
    {MSG_SOCK_CONNECT, "0419fd7f000001000000000000000000000000"},
    {MSG_SOCK_CLOSE, "00000001"},
    {MSG_SOCK_GETNAME, "00000001"},
    {MSG_SOCK_SETOPT, "000000030100000001"},
    {MSG_RULE_ADD, "00000000000000000301" "0000"},
    {MSG_RULE_DEL, "00000001"},
    {MSG_RULE_LIST, "000000000001"},
    {MSG_GUEST_NOTIFY, "0001000106180a000042020000000042001600000005"
                       "706f7274207363616e2066726f6d2031302e302e302e3636"
                       "0000000000000000000000000000000000000000000000000000000000000000"
                       "0000000000000000"},
    {MSG_MGMT_REPLY, "01000000000972756c65733a20330a"},
    {MSG_APP_COMMAND, "01010a00000500000000003c"},
    {MSG_MGMT_QUERY, "0100"},
    {MSG_MGMT_BLOCK, "01010a00000500000000003c"},
    {MSG_CL_SWITCH, "0000000000000abc01"},
    {MSG_CL_ROLE, "0000000000000abc0100"},
    {MSG_CL_WRITE, "010020706f72747363616e2f626c6f636b2f30323a30303a30303a30303a30303a3039" "0000000831302e302e302e39" "0000003c"},
    {MSG_CL_EVENT, "010020706f72747363616e2f626c6f636b2f30323a30303a30303a30303a30303a3039" "0000000831302e302e302e39" "00000000"},
    {MSG_CL_STATE, "01"},
    {MSG_CL_CONN, "0000000000000abc01"},
    {MSG_CL_ROLE_SET, "0000000000000abc0100"},
    {MSG_CL_PUT, "010020706f72747363616e2f626c6f636b2f30323a30303a30303a30303a30303a3039" "0000000831302e302e302e39" "0000003c"},
    {MSG_CL_CHANGE, "010020706f72747363616e2f626c6f636b2f30323a30303a30303a30303a30303a3039" "0000000831302e302e302e39" "00000000"},
    {MSG_CL_STATE_SET, "01"},
};

#endif
