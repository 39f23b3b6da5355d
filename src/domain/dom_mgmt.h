/*
 * dom_mgmt.h - the management domain's files: dom_mgmt.c (listeners, TLS
 * clients, framing) and dom_mgmt_req.c (a parsed request -> messages to the
 * core -> the answer). Included by those two only; dom.h has the entry
 * points the rest of the domain calls.
 */
#ifndef VF_DOM_MGMT_H
#define VF_DOM_MGMT_H

#include "domain/dom.h"
#include "lib/buf.h"
#include "mgmt/mgmt.h"

struct dom_mgmt;
struct tls_conn;

struct mgmt_client {
    struct dom_mgmt *m;
    struct mgmt_client *next;
    int fd;
    struct tls_conn *t;
    char peer[64];
    char cn[130]; /* the certificate's subject CN, "" when it has none usable */
    enum mgmt_role role;
    uint8_t hdr[MGMT_HDR_LEN];
    size_t hlen;
    uint8_t body[MGMT_REQ_MAX];
    uint32_t blen, bhave;
    int busy;    /* a request is with the core: nothing more is read */
    int closing; /* close once the answer is out */
    struct buf out; /* the answer's frame, plaintext, until TLS takes it */
    struct buf acc; /* an answer being gathered (pages, chunks) */
    size_t n_acc;   /* rules listed so far */
    uint64_t timer;
};

/* dom_mgmt.c */
void mgmt_respond(struct mgmt_client *c, unsigned status, const char *text, size_t len);
void mgmt_client_close(struct mgmt_client *c, const char *why);
void mgmt_client_resume(struct mgmt_client *c);

/* dom_mgmt_req.c */
void mgmt_req_start(struct dom *d, struct mgmt_client *c, const struct mgmt_req *rq);
/* The client is going: answers still due for it are dropped when they come. */
void mgmt_req_forget(struct dom *d, struct mgmt_client *c);

#endif
