/*
 * of10_print_int.h - internals shared by the two printer files (of10_print.c,
 * of10_print_stats.c): a bounded output buffer and the pieces both files use.
 * Not part of the of10 API; only the printer includes it.
 */
#ifndef VF_OF10_PRINT_INT_H
#define VF_OF10_PRINT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "of10/of10.h"

/* snprintf-style sink: writes what fits, always keeps buf NUL-terminated
 * (when cap > 0) and counts in len every byte it WANTED to write, so the
 * public printers can return the length a big enough buffer would need. */
struct of10_pb {
    char *buf;
    size_t cap;
    size_t len;
};

void of10_pb_init(struct of10_pb *pb, char *buf, size_t cap);
void of10_pb_puts(struct of10_pb *pb, const char *s);
void of10_pb_printf(struct of10_pb *pb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Untrusted text (port, table and description names): printable ASCII as is,
 * backslash, double quote and every other byte as \xNN, so a log line can
 * never be split or forged by a name. Reads at most max bytes, stops at NUL. */
void of10_pb_escaped(struct of10_pb *pb, const char *s, size_t max);
void of10_pb_mac(struct of10_pb *pb, const uint8_t mac[6]);
void of10_pb_ip(struct of10_pb *pb, uint32_t addr);
/* Port number, reserved ports by their OpenFlow name (IN_PORT, NONE, ...). */
void of10_pb_port(struct of10_pb *pb, uint16_t port);
/* Bit set as NAME|NAME; bits without a name as one trailing 0x..; "0" when empty. */
void of10_pb_flags(struct of10_pb *pb, uint32_t v, const char *const *names, unsigned n);
/* Match with the ovs-style "priority=N," prefix (omitted for the default 32768),
 * lead printed before the first field; prints nothing at all (not even lead)
 * for a catch-all match at default priority. */
void of10_pb_match(struct of10_pb *pb, const char *lead, const struct of10_match *m,
                   bool with_prio, uint16_t prio);
void of10_pb_actions(struct of10_pb *pb, const struct of10_actions *a);
/* Port feature bits (10MB-HD ... AUTO_PAUSE_ASYM) in ovs spelling. */
void of10_pb_features(struct of10_pb *pb, uint32_t f);

/* Stats bodies (of10_print_stats.c); pb already holds "NAME (xid=..):". */
void of10_pb_stats_request(struct of10_pb *pb, const struct of10_stats_request *r);
void of10_pb_stats_reply(struct of10_pb *pb, const struct of10_stats_reply *r);
void of10_pb_queue_config_reply(struct of10_pb *pb,
                                const struct of10_queue_get_config_reply *r);

#endif
