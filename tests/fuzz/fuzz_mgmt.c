/*
 * fuzz_mgmt.c - libFuzzer target for the management API's parser (src/mgmt):
 * the first 10 bytes as a request frame header and as a response header,
 * the rest as a request body. What parses must be a request the core would
 * accept as it is: its rule through RULE_ADD's decoder, its block target
 * through MGMT_BLOCK's, and it must be authorised exactly per its op.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mgmt/mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) __builtin_trap();                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[MGMT_ERR_MAX];
    if (size >= MGMT_HDR_LEN) {
        uint16_t code;
        uint32_t len;
        int st = mgmt_frame_parse(data, 1, &code, &len, err, sizeof(err));
        CHECK(st == MGMT_ST_OK || st == MGMT_ST_BAD || st == MGMT_ST_TOO_LARGE);
        if (st == MGMT_ST_OK) CHECK(code == 0 && len >= 1 && len <= MGMT_REQ_MAX);
        st = mgmt_frame_parse(data, 0, &code, &len, err, sizeof(err));
        if (st == MGMT_ST_OK) CHECK(mgmt_status_known(code) && len <= MGMT_RESP_MAX);
        data += MGMT_HDR_LEN;
        size -= MGMT_HDR_LEN;
    }
    struct mgmt_req rq;
    int st = mgmt_req_parse(data, size, &rq, err, sizeof(err));
    CHECK(st == MGMT_ST_OK || st == MGMT_ST_BAD);
    CHECK(strlen(err) < sizeof(err));
    if (st != MGMT_ST_OK) return 0;
    CHECK(rq.op >= MGMT_OP_RULE_ADD && rq.op <= MGMT_OP_UNBLOCK);
    uint8_t raw[16];
    struct msg_w w;
    struct msg_r r;
    if (rq.op == MGMT_OP_RULE_ADD) {
        struct msg_rule back;
        msg_w_init(&w, raw, sizeof(raw));
        CHECK(msg_enc_rule(&w, &rq.rule) == MSG_OK);
        msg_r_init(&r, raw, w.len);
        CHECK(msg_dec_rule(&r, &back) == MSG_OK);
    }
    if (rq.op == MGMT_OP_RULE_DEL) CHECK(rq.rule_id >= 1 && rq.rule_id <= MSG_RULE_ID_MAX);
    if (rq.op == MGMT_OP_BLOCK || rq.op == MGMT_OP_UNBLOCK) {
        struct msg_block back;
        msg_w_init(&w, raw, sizeof(raw));
        CHECK(msg_enc_block(&w, &rq.block) == MSG_OK);
        msg_r_init(&r, raw, w.len);
        CHECK(msg_dec_block(&r, &back) == MSG_OK);
    }
    CHECK(mgmt_authorise(MGMT_ROLE_ADMIN, "a", rq.op, err, sizeof(err)) == MGMT_ST_OK);
    CHECK((mgmt_authorise(MGMT_ROLE_VIEWER, "v", rq.op, err, sizeof(err)) == MGMT_ST_OK) ==
          !mgmt_op_changes(rq.op));
    CHECK(mgmt_authorise(MGMT_ROLE_NONE, "n", rq.op, err, sizeof(err)) == MGMT_ST_FORBIDDEN);
    return 0;
}
