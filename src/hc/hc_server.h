/*
 * hc_server.h - the monitor's side of guest hypercalls, without I/O: a frame
 * that arrived from a guest port goes in, the reply frame comes out. The rule
 * table is reached through callbacks (hc_mon.h binds them to src/mon), so the
 * logic is tested with fakes and the caller owns the sockets.
 *
 * Identity is the port id the caller passes (where the datapath saw the frame
 * arrive), never anything inside the frame: the requester is "guest:PORT".
 */
#ifndef VF_HC_SERVER_H
#define VF_HC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "hc/hc.h"

#define HC_PORT_ID_MAX   4095u /* guest port ids 1..4095, as the monitor's */
#define HC_BACKLOG       16u   /* notifications kept per port for EVENTS */
#define HC_QUOTA_DEFAULT 64u   /* rules a guest may own */
#define HC_OWNER_LEN     40u

struct hc_rule_info {
    uint32_t id;
    struct hc_rule rule;
    uint16_t port_id; /* the rule's port; 0 = every port */
    char owner[HC_OWNER_LEN];
    uint64_t packets, bytes;
};
/* Returns non-zero to stop the walk. */
typedef int (*hc_rule_cb)(const struct hc_rule_info *ri, void *cbctx);

/* The rule table as the server needs it. Each returns 0 or -errno; add and del
 * write a one-line reason into msg when they refuse. list walks rules with
 * id >= start in ascending order; it may leave packets/bytes zero (the server
 * asks get for the counters of the few rules it returns). */
struct hc_ops {
    int (*add)(void *ctx, const struct hc_rule *r, uint16_t port_id, const char *owner,
               uint32_t *id, char *msg, size_t msglen);
    int (*del)(void *ctx, uint32_t id, const char *owner, char *msg, size_t msglen);
    int (*get)(void *ctx, uint32_t id, struct hc_rule_info *out);
    int (*list)(void *ctx, uint32_t start, hc_rule_cb cb, void *cbctx);
};

struct hc_port_stats {
    uint64_t frames;     /* given to hc_handle for this port */
    uint64_t requests;   /* well-formed requests carried out */
    uint64_t malformed;  /* refused by the parser */
    uint64_t unanswered; /* malformed without even a header: dropped, no reply */
    uint64_t refused;    /* answered with a status other than OK */
    uint64_t retries;    /* a repeated request answered from the reply cache */
    uint64_t notes;      /* notifications made by hc_notify */
};

struct hc_server;

/* NULL when out of memory. ctx is passed to every callback. */
struct hc_server *hc_server_new(const struct hc_ops *ops, void *ctx);
void hc_server_free(struct hc_server *s);
/* Rules one guest may own (default HC_QUOTA_DEFAULT; 1..100000). */
int hc_server_quota(struct hc_server *s, unsigned rules);
/* Source MAC of the monitor's frames (default 02:56:46:48:43:00). */
void hc_server_mac(struct hc_server *s, const uint8_t mac[6]);

/* Handles one frame that came from guest port port_id. Writes the reply frame
 * into out (cap >= HC_FRAME_MAX) and returns its length; 0 when there is
 * nothing to answer (not even an intact header, a bad port id, or no memory).
 * A request byte-for-byte equal to the port's previous one (a retry) gets the
 * previous reply again without being carried out twice. */
int hc_handle(struct hc_server *s, const uint8_t *frame, size_t len, uint16_t port_id, uint8_t *out,
              size_t cap);

/* Records a notification for port_id (seq assigned here; time filled when 0)
 * in its backlog and writes the NOTIFY frame (broadcast destination) into out.
 * Returns the length, or -EINVAL (bad port, kind or text) / -ENOMEM / -ENOSPC. */
int hc_notify(struct hc_server *s, uint16_t port_id, const struct hc_note *note, uint8_t *out,
              size_t cap);

/* A port was detached or given to another guest: forget its backlog, reply
 * cache and statistics. */
void hc_server_port_reset(struct hc_server *s, uint16_t port_id);
/* -ENOENT when the port has seen nothing. */
int hc_server_stats(const struct hc_server *s, uint16_t port_id, struct hc_port_stats *st);

#endif
