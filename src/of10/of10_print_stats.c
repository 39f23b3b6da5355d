/*
 * of10_print_stats.c - one-line text for OpenFlow 1.0 stats requests/replies
 * and queue configuration replies. Arrays print as "kind=N [entry] [entry]",
 * each entry in the order ovs-ofctl lists its fields.
 */
#include <inttypes.h>
#include <string.h>

#include "of10/of10_print_int.h"

static void pb_flags(struct of10_pb *pb, uint16_t flags, bool reply)
{
    /* REPLY_MORE is the only flag OpenFlow 1.0 defines, and only in replies;
     * any other bit is shown raw so that nothing received goes unseen. */
    if (!flags) return;
    if (reply && flags == OFPSF10_REPLY_MORE) of10_pb_puts(pb, " flags=more");
    else of10_pb_printf(pb, " flags=0x%04x", flags);
}

static void pb_vendor(struct of10_pb *pb, const struct of10_vendor_msg *v)
{
    of10_pb_printf(pb, " vendor=0x%08" PRIx32 " data_len=%zu", v->vendor,
                   v->data.p ? v->data.len : (size_t)0);
}

static void pb_queue_id(struct of10_pb *pb, uint32_t q)
{
    if (q == OFPQ10_ALL) of10_pb_puts(pb, "ALL");
    else of10_pb_printf(pb, "%" PRIu32, q);
}

void of10_pb_stats_request(struct of10_pb *pb, const struct of10_stats_request *r)
{
    switch (r->type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        of10_pb_match(pb, " ", &r->u.flow.match, false, 0);
        /* ovs leaves out the "any" values: all tables, no out_port filter. */
        if (r->u.flow.table_id != 0xff) of10_pb_printf(pb, " table=%u", r->u.flow.table_id);
        if (r->u.flow.out_port != OFPP10_NONE) {
            of10_pb_puts(pb, " out_port=");
            of10_pb_port(pb, r->u.flow.out_port);
        }
        break;
    case OFPST10_PORT:
        of10_pb_puts(pb, " port_no=");
        of10_pb_port(pb, r->u.port.port_no);
        break;
    case OFPST10_QUEUE:
        of10_pb_puts(pb, " port=");
        of10_pb_port(pb, r->u.queue.port_no);
        of10_pb_puts(pb, " queue=");
        pb_queue_id(pb, r->u.queue.queue_id);
        break;
    case OFPST10_VENDOR: pb_vendor(pb, &r->u.vendor); break;
    default: break; /* DESC, TABLE: no body */
    }
    pb_flags(pb, r->flags, false);
}

static void pb_desc_field(struct of10_pb *pb, const char *key, const char *s, size_t max)
{
    of10_pb_printf(pb, " %s=\"", key);
    of10_pb_escaped(pb, s, max);
    of10_pb_puts(pb, "\"");
}

static void pb_desc(struct of10_pb *pb, const struct of10_desc_stats *d)
{
    if (!d) return;
    pb_desc_field(pb, "mfr", d->mfr_desc, sizeof d->mfr_desc);
    pb_desc_field(pb, "hw", d->hw_desc, sizeof d->hw_desc);
    pb_desc_field(pb, "sw", d->sw_desc, sizeof d->sw_desc);
    pb_desc_field(pb, "serial", d->serial_num, sizeof d->serial_num);
    pb_desc_field(pb, "dp", d->dp_desc, sizeof d->dp_desc);
}

static void pb_flow_stats(struct of10_pb *pb, const struct of10_flow_stats *f)
{
    of10_pb_printf(pb, " [cookie=0x%" PRIx64 " duration=%" PRIu32 ".%09" PRIu32 "s table=%u",
                   f->cookie, f->duration_sec, f->duration_nsec, f->table_id);
    of10_pb_printf(pb, " n_packets=%" PRIu64 " n_bytes=%" PRIu64, f->packet_count,
                   f->byte_count);
    if (f->idle_timeout) of10_pb_printf(pb, " idle_timeout=%u", f->idle_timeout);
    if (f->hard_timeout) of10_pb_printf(pb, " hard_timeout=%u", f->hard_timeout);
    of10_pb_match(pb, " ", &f->match, true, f->priority);
    of10_pb_puts(pb, " actions=");
    of10_pb_actions(pb, &f->actions);
    of10_pb_puts(pb, "]");
}

static void pb_table_stats(struct of10_pb *pb, const struct of10_table_stats *t)
{
    of10_pb_printf(pb, " [table=%u name=\"", t->table_id);
    of10_pb_escaped(pb, t->name, sizeof t->name);
    of10_pb_printf(pb, "\" wild=0x%06" PRIx32 " max=%" PRIu32 " active=%" PRIu32, t->wildcards,
                   t->max_entries, t->active_count);
    of10_pb_printf(pb, " lookup=%" PRIu64 " matched=%" PRIu64 "]", t->lookup_count,
                   t->matched_count);
}

static void pb_port_stats(struct of10_pb *pb, const struct of10_port_stats *p)
{
    of10_pb_puts(pb, " [port=");
    of10_pb_port(pb, p->port_no);
    /* ovs's grouping: rx pkts/bytes/drop/errs/frame/over/crc, then tx. */
    of10_pb_printf(pb, " rx_pkts=%" PRIu64 " rx_bytes=%" PRIu64 " rx_drop=%" PRIu64,
                   p->rx_packets, p->rx_bytes, p->rx_dropped);
    of10_pb_printf(pb, " rx_errs=%" PRIu64 " rx_frame=%" PRIu64 " rx_over=%" PRIu64,
                   p->rx_errors, p->rx_frame_err, p->rx_over_err);
    of10_pb_printf(pb, " rx_crc=%" PRIu64 " tx_pkts=%" PRIu64 " tx_bytes=%" PRIu64,
                   p->rx_crc_err, p->tx_packets, p->tx_bytes);
    of10_pb_printf(pb, " tx_drop=%" PRIu64 " tx_errs=%" PRIu64 " coll=%" PRIu64 "]",
                   p->tx_dropped, p->tx_errors, p->collisions);
}

static void pb_queue_stats(struct of10_pb *pb, const struct of10_queue_stats *q)
{
    of10_pb_puts(pb, " [port=");
    of10_pb_port(pb, q->port_no);
    of10_pb_puts(pb, " queue=");
    pb_queue_id(pb, q->queue_id);
    of10_pb_printf(pb, " bytes=%" PRIu64 " pkts=%" PRIu64 " errors=%" PRIu64 "]", q->tx_bytes,
                   q->tx_packets, q->tx_errors);
}

/* A NULL array is printed as empty whatever n says: the printer must cope
 * with any struct a caller hands it, not only with decoder output. */
#define PB_ARRAY(pb, key, arr, fn)                                     \
    do {                                                               \
        size_t n_ = (arr).v ? (arr).n : 0;                             \
        of10_pb_printf((pb), " %s=%zu", (key), n_);                    \
        for (size_t i_ = 0; i_ < n_; i_++) fn((pb), &(arr).v[i_]);     \
    } while (0)

void of10_pb_stats_reply(struct of10_pb *pb, const struct of10_stats_reply *r)
{
    switch (r->type) {
    case OFPST10_DESC: pb_desc(pb, r->u.desc); break;
    case OFPST10_FLOW: PB_ARRAY(pb, "flows", r->u.flow, pb_flow_stats); break;
    case OFPST10_AGGREGATE:
        of10_pb_printf(pb, " packet_count=%" PRIu64 " byte_count=%" PRIu64
                           " flow_count=%" PRIu32,
                       r->u.aggregate.packet_count, r->u.aggregate.byte_count,
                       r->u.aggregate.flow_count);
        break;
    case OFPST10_TABLE: PB_ARRAY(pb, "tables", r->u.table, pb_table_stats); break;
    case OFPST10_PORT: PB_ARRAY(pb, "ports", r->u.port, pb_port_stats); break;
    case OFPST10_QUEUE: PB_ARRAY(pb, "queues", r->u.queue, pb_queue_stats); break;
    case OFPST10_VENDOR: pb_vendor(pb, &r->u.vendor); break;
    default: break;
    }
    pb_flags(pb, r->flags, true);
}

static void pb_packet_queue(struct of10_pb *pb, const struct of10_packet_queue *q)
{
    of10_pb_printf(pb, " [queue=%" PRIu32, q->queue_id);
    size_t n = q->props ? q->n_props : 0;
    for (size_t i = 0; i < n; i++) {
        const struct of10_queue_prop *p = &q->props[i];
        if (p->property == OFPQT10_MIN_RATE && p->rate > 1000) {
            of10_pb_puts(pb, " min_rate=disabled"); /* spec: > 1000 disables it */
        } else if (p->property == OFPQT10_MIN_RATE) {
            of10_pb_printf(pb, " min_rate=%u.%u%%", p->rate / 10, p->rate % 10);
        } else if (p->property == OFPQT10_NONE) {
            of10_pb_puts(pb, " none");
        } else {
            of10_pb_printf(pb, " property=%u", p->property);
        }
    }
    of10_pb_puts(pb, "]");
}

void of10_pb_queue_config_reply(struct of10_pb *pb,
                                const struct of10_queue_get_config_reply *r)
{
    of10_pb_puts(pb, " port=");
    of10_pb_port(pb, r->port);
    size_t n = r->queues ? r->n_queues : 0;
    of10_pb_printf(pb, " queues=%zu", n);
    for (size_t i = 0; i < n; i++) pb_packet_queue(pb, &r->queues[i]);
}
