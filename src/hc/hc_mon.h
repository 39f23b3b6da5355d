/*
 * hc_mon.h - the hypercall server bound to the monitor (src/mon): the rule
 * callbacks over mon_rule_*, and the three calls the core makes. The whole
 * glue in the core's event loop:
 *
 *   hm->srv = hc_server_new(&hc_mon_ops, m);  // after mon_open as the writer
 *   hm->mon = m;
 *   mon_hc_send_open(m);                      // before dropping CAP_NET_RAW
 *   poll mon_hc_fd(m) for input; when readable:
 *   mon_hc_poll(m, hc_mon_frame, hm, 0);      // each frame handled, reply sent
 */
#ifndef VF_HC_MON_H
#define VF_HC_MON_H

#include "hc/hc_server.h"
#include "mon/mon.h"

/* ctx: a struct mon * opened as the writer. */
extern const struct hc_ops hc_mon_ops;

struct hc_mon {
    struct hc_server *srv;
    struct mon *mon;
    uint64_t send_errors; /* replies the socket refused (port gone, no buffer) */
};

/* A mon_hc_cb: handles one frame and writes the reply onto the port it came
 * from. ctx is a struct hc_mon *. */
void hc_mon_frame(const struct mon_hc_frame *f, void *ctx);
/* Records a notification for a port and sends it; 0 or -errno. */
int hc_mon_notify(struct hc_mon *hm, uint16_t port_id, const struct hc_note *note);
/* A port is gone or given to another guest: delete its guest's rules (so a
 * new guest does not inherit them) and forget its backlog. Returns the number
 * of rules deleted. */
int hc_mon_port_reset(struct hc_mon *hm, uint16_t port_id);

#endif
