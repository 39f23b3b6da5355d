/*
 * of10_equal.c - deep equality of decoded or constructed messages: fields of
 * the union member the type selects, arrays element by element, byte ranges
 * and strings by content. Derived values (wire lengths, pads) are not compared,
 * so a message equals its own decode(encode()).
 */
#include <string.h>

#include "of10/of10_internal.h"

#define STR_EQ(a, b) (strncmp((a), (b), sizeof(a)) == 0)

static bool bytes_equal(const struct of10_bytes *a, const struct of10_bytes *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

static bool vendor_equal(const struct of10_vendor_msg *a, const struct of10_vendor_msg *b)
{
    return a->vendor == b->vendor && bytes_equal(&a->data, &b->data);
}

static bool phy_port_equal(const struct of10_phy_port *a, const struct of10_phy_port *b)
{
    return a->port_no == b->port_no && !memcmp(a->hw_addr, b->hw_addr, 6) &&
           STR_EQ(a->name, b->name) && a->config == b->config && a->state == b->state &&
           a->curr == b->curr && a->advertised == b->advertised && a->supported == b->supported &&
           a->peer == b->peer;
}

static bool features_equal(const struct of10_features *a, const struct of10_features *b)
{
    if (a->datapath_id != b->datapath_id || a->n_buffers != b->n_buffers ||
        a->n_tables != b->n_tables || a->capabilities != b->capabilities ||
        a->actions != b->actions || a->n_ports != b->n_ports)
        return false;
    for (size_t i = 0; i < a->n_ports; i++)
        if (!phy_port_equal(&a->ports[i], &b->ports[i])) return false;
    return true;
}

static bool flow_removed_equal(const struct of10_flow_removed *a, const struct of10_flow_removed *b)
{
    return of10_match_equal(&a->match, &b->match) && a->cookie == b->cookie &&
           a->priority == b->priority && a->reason == b->reason &&
           a->duration_sec == b->duration_sec && a->duration_nsec == b->duration_nsec &&
           a->idle_timeout == b->idle_timeout && a->packet_count == b->packet_count &&
           a->byte_count == b->byte_count;
}

static bool flow_mod_equal(const struct of10_flow_mod *a, const struct of10_flow_mod *b)
{
    return of10_match_equal(&a->match, &b->match) && a->cookie == b->cookie &&
           a->command == b->command && a->idle_timeout == b->idle_timeout &&
           a->hard_timeout == b->hard_timeout && a->priority == b->priority &&
           a->buffer_id == b->buffer_id && a->out_port == b->out_port && a->flags == b->flags &&
           of10_actions_equal(&a->actions, &b->actions);
}

static bool stats_request_equal(const struct of10_stats_request *a,
                                const struct of10_stats_request *b)
{
    if (a->type != b->type || a->flags != b->flags) return false;
    switch (a->type) {
    case OFPST10_FLOW:
    case OFPST10_AGGREGATE:
        return of10_match_equal(&a->u.flow.match, &b->u.flow.match) &&
               a->u.flow.table_id == b->u.flow.table_id && a->u.flow.out_port == b->u.flow.out_port;
    case OFPST10_PORT:
        return a->u.port.port_no == b->u.port.port_no;
    case OFPST10_QUEUE:
        return a->u.queue.port_no == b->u.queue.port_no &&
               a->u.queue.queue_id == b->u.queue.queue_id;
    case OFPST10_VENDOR:
        return vendor_equal(&a->u.vendor, &b->u.vendor);
    default:
        return true; /* DESC, TABLE: no body */
    }
}

static bool desc_equal(const struct of10_desc_stats *a, const struct of10_desc_stats *b)
{
    if (!a || !b) return a == b;
    return STR_EQ(a->mfr_desc, b->mfr_desc) && STR_EQ(a->hw_desc, b->hw_desc) &&
           STR_EQ(a->sw_desc, b->sw_desc) && STR_EQ(a->serial_num, b->serial_num) &&
           STR_EQ(a->dp_desc, b->dp_desc);
}

static bool flow_stats_equal(const struct of10_flow_stats *a, const struct of10_flow_stats *b)
{
    return a->table_id == b->table_id && of10_match_equal(&a->match, &b->match) &&
           a->duration_sec == b->duration_sec && a->duration_nsec == b->duration_nsec &&
           a->priority == b->priority && a->idle_timeout == b->idle_timeout &&
           a->hard_timeout == b->hard_timeout && a->cookie == b->cookie &&
           a->packet_count == b->packet_count && a->byte_count == b->byte_count &&
           of10_actions_equal(&a->actions, &b->actions);
}

static bool table_stats_equal(const struct of10_table_stats *a, const struct of10_table_stats *b)
{
    return a->table_id == b->table_id && STR_EQ(a->name, b->name) && a->wildcards == b->wildcards &&
           a->max_entries == b->max_entries && a->active_count == b->active_count &&
           a->lookup_count == b->lookup_count && a->matched_count == b->matched_count;
}

static bool port_stats_equal(const struct of10_port_stats *a, const struct of10_port_stats *b)
{
    return a->port_no == b->port_no && a->rx_packets == b->rx_packets &&
           a->tx_packets == b->tx_packets && a->rx_bytes == b->rx_bytes &&
           a->tx_bytes == b->tx_bytes && a->rx_dropped == b->rx_dropped &&
           a->tx_dropped == b->tx_dropped && a->rx_errors == b->rx_errors &&
           a->tx_errors == b->tx_errors && a->rx_frame_err == b->rx_frame_err &&
           a->rx_over_err == b->rx_over_err && a->rx_crc_err == b->rx_crc_err &&
           a->collisions == b->collisions;
}

static bool queue_stats_equal(const struct of10_queue_stats *a, const struct of10_queue_stats *b)
{
    return a->port_no == b->port_no && a->queue_id == b->queue_id && a->tx_bytes == b->tx_bytes &&
           a->tx_packets == b->tx_packets && a->tx_errors == b->tx_errors;
}

/* Element-wise comparison of two {v, n} arrays with an element predicate. */
#define ARRAY_EQUAL(x, y, eq)                                                                      \
    do {                                                                                           \
        if ((x).n != (y).n) return false;                                                          \
        for (size_t i_ = 0; i_ < (x).n; i_++)                                                      \
            if (!eq(&(x).v[i_], &(y).v[i_])) return false;                                         \
        return true;                                                                               \
    } while (0)

static bool stats_reply_equal(const struct of10_stats_reply *a, const struct of10_stats_reply *b)
{
    if (a->type != b->type || a->flags != b->flags) return false;
    switch (a->type) {
    case OFPST10_DESC:
        return desc_equal(a->u.desc, b->u.desc);
    case OFPST10_FLOW:
        ARRAY_EQUAL(a->u.flow, b->u.flow, flow_stats_equal);
    case OFPST10_AGGREGATE:
        return a->u.aggregate.packet_count == b->u.aggregate.packet_count &&
               a->u.aggregate.byte_count == b->u.aggregate.byte_count &&
               a->u.aggregate.flow_count == b->u.aggregate.flow_count;
    case OFPST10_TABLE:
        ARRAY_EQUAL(a->u.table, b->u.table, table_stats_equal);
    case OFPST10_PORT:
        ARRAY_EQUAL(a->u.port, b->u.port, port_stats_equal);
    case OFPST10_QUEUE:
        ARRAY_EQUAL(a->u.queue, b->u.queue, queue_stats_equal);
    case OFPST10_VENDOR:
        return vendor_equal(&a->u.vendor, &b->u.vendor);
    default:
        return true;
    }
}

/* A NONE property has no rate on the wire, so its rate is not compared. */
static bool packet_queue_equal(const struct of10_packet_queue *a, const struct of10_packet_queue *b)
{
    if (a->queue_id != b->queue_id || a->n_props != b->n_props) return false;
    for (size_t i = 0; i < a->n_props; i++) {
        const struct of10_queue_prop *x = &a->props[i], *y = &b->props[i];
        if (x->property != y->property) return false;
        if (x->property == OFPQT10_MIN_RATE && x->rate != y->rate) return false;
    }
    return true;
}

static bool qgc_reply_equal(const struct of10_queue_get_config_reply *a,
                            const struct of10_queue_get_config_reply *b)
{
    if (a->port != b->port || a->n_queues != b->n_queues) return false;
    for (size_t i = 0; i < a->n_queues; i++)
        if (!packet_queue_equal(&a->queues[i], &b->queues[i])) return false;
    return true;
}

static bool body_equal(const struct of10_msg *a, const struct of10_msg *b)
{
    const __typeof__(a->u) *x = &a->u, *y = &b->u;
    switch (a->type) {
    case OFPT10_HELLO:
        return bytes_equal(&x->hello, &y->hello);
    case OFPT10_ERROR:
        return x->error.type == y->error.type && x->error.code == y->error.code &&
               bytes_equal(&x->error.data, &y->error.data);
    case OFPT10_ECHO_REQUEST:
    case OFPT10_ECHO_REPLY:
        return bytes_equal(&x->echo, &y->echo);
    case OFPT10_VENDOR:
        return vendor_equal(&x->vendor, &y->vendor);
    case OFPT10_FEATURES_REPLY:
        return features_equal(&x->features, &y->features);
    case OFPT10_GET_CONFIG_REPLY:
    case OFPT10_SET_CONFIG:
        return x->config.flags == y->config.flags &&
               x->config.miss_send_len == y->config.miss_send_len;
    case OFPT10_PACKET_IN:
        return x->packet_in.buffer_id == y->packet_in.buffer_id &&
               x->packet_in.total_len == y->packet_in.total_len &&
               x->packet_in.in_port == y->packet_in.in_port &&
               x->packet_in.reason == y->packet_in.reason &&
               bytes_equal(&x->packet_in.data, &y->packet_in.data);
    case OFPT10_FLOW_REMOVED:
        return flow_removed_equal(&x->flow_removed, &y->flow_removed);
    case OFPT10_PORT_STATUS:
        return x->port_status.reason == y->port_status.reason &&
               phy_port_equal(&x->port_status.desc, &y->port_status.desc);
    case OFPT10_PACKET_OUT:
        return x->packet_out.buffer_id == y->packet_out.buffer_id &&
               x->packet_out.in_port == y->packet_out.in_port &&
               of10_actions_equal(&x->packet_out.actions, &y->packet_out.actions) &&
               bytes_equal(&x->packet_out.data, &y->packet_out.data);
    case OFPT10_FLOW_MOD:
        return flow_mod_equal(&x->flow_mod, &y->flow_mod);
    case OFPT10_PORT_MOD:
        return x->port_mod.port_no == y->port_mod.port_no &&
               !memcmp(x->port_mod.hw_addr, y->port_mod.hw_addr, 6) &&
               x->port_mod.config == y->port_mod.config && x->port_mod.mask == y->port_mod.mask &&
               x->port_mod.advertise == y->port_mod.advertise;
    case OFPT10_STATS_REQUEST:
        return stats_request_equal(&x->stats_request, &y->stats_request);
    case OFPT10_STATS_REPLY:
        return stats_reply_equal(&x->stats_reply, &y->stats_reply);
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        return x->queue_get_config_request == y->queue_get_config_request;
    case OFPT10_QUEUE_GET_CONFIG_REPLY:
        return qgc_reply_equal(&x->queue_get_config_reply, &y->queue_get_config_reply);
    default:
        return true; /* no body */
    }
}

bool of10_msg_equal(const struct of10_msg *a, const struct of10_msg *b)
{
    return a->version == b->version && a->type == b->type && a->xid == b->xid && body_equal(a, b);
}
