/*
 * of10_wire.h - OpenFlow 1.0.0 wire layouts, exactly as they travel.
 * Every multi-byte field is big-endian on the wire; these structs are only ever
 * read and written through the of10 codec, never cast onto untrusted memory by
 * other modules. Sizes are asserted so a stray field cannot shift a layout.
 */
#ifndef VF_OF10_WIRE_H
#define VF_OF10_WIRE_H

#include <stdint.h>

#define OFP10_VERSION 0x01
#define OFP10_TCP_PORT 6653 /* IANA; 6633 is the historical default */

/* Fixed sizes of the wire structures (spec section 5). Each is asserted in
 * of10_wire_check.c against a packed struct of the same layout. */
enum {
    OFP10_HEADER_LEN = 8,
    OFP10_PHY_PORT_LEN = 48,
    OFP10_MATCH_LEN = 40,
    OFP10_SWITCH_FEATURES_LEN = 32,  /* header + fixed part, ports follow */
    OFP10_SWITCH_CONFIG_LEN = 12,
    OFP10_FLOW_MOD_LEN = 72,         /* actions follow */
    OFP10_PORT_MOD_LEN = 32,
    OFP10_PACKET_IN_LEN = 18,        /* sizeof() is 20 with tail pad; data at 18 */
    OFP10_FLOW_REMOVED_LEN = 88,
    OFP10_PORT_STATUS_LEN = 64,
    OFP10_PACKET_OUT_LEN = 16,       /* actions, then data follow */
    OFP10_ERROR_MSG_LEN = 12,        /* data follows */
    OFP10_VENDOR_HEADER_LEN = 12,
    OFP10_STATS_MSG_LEN = 12,        /* header + type + flags, body follows */
    OFP10_DESC_STATS_LEN = 1056,
    OFP10_FLOW_STATS_REQUEST_LEN = 44,
    OFP10_FLOW_STATS_LEN = 88,       /* actions follow */
    OFP10_AGGREGATE_STATS_REPLY_LEN = 24,
    OFP10_TABLE_STATS_LEN = 64,
    OFP10_PORT_STATS_REQUEST_LEN = 8,
    OFP10_PORT_STATS_LEN = 104,
    OFP10_QUEUE_STATS_REQUEST_LEN = 8,
    OFP10_QUEUE_STATS_LEN = 32,
    OFP10_QUEUE_GET_CONFIG_REQUEST_LEN = 12,
    OFP10_QUEUE_GET_CONFIG_REPLY_LEN = 16, /* queues follow */
    OFP10_PACKET_QUEUE_LEN = 8,            /* properties follow */
    OFP10_QUEUE_PROP_HEADER_LEN = 8,
    OFP10_QUEUE_PROP_MIN_RATE_LEN = 16,
    OFP10_ACTION_HEADER_LEN = 8,
};

enum ofp10_type {
    OFPT10_HELLO = 0,
    OFPT10_ERROR = 1,
    OFPT10_ECHO_REQUEST = 2,
    OFPT10_ECHO_REPLY = 3,
    OFPT10_VENDOR = 4,
    OFPT10_FEATURES_REQUEST = 5,
    OFPT10_FEATURES_REPLY = 6,
    OFPT10_GET_CONFIG_REQUEST = 7,
    OFPT10_GET_CONFIG_REPLY = 8,
    OFPT10_SET_CONFIG = 9,
    OFPT10_PACKET_IN = 10,
    OFPT10_FLOW_REMOVED = 11,
    OFPT10_PORT_STATUS = 12,
    OFPT10_PACKET_OUT = 13,
    OFPT10_FLOW_MOD = 14,
    OFPT10_PORT_MOD = 15,
    OFPT10_STATS_REQUEST = 16,
    OFPT10_STATS_REPLY = 17,
    OFPT10_BARRIER_REQUEST = 18,
    OFPT10_BARRIER_REPLY = 19,
    OFPT10_QUEUE_GET_CONFIG_REQUEST = 20,
    OFPT10_QUEUE_GET_CONFIG_REPLY = 21,
    OFPT10_N_TYPES = 22,
};

/* Reserved port numbers. Physical ports are 1..OFPP10_MAX-1. */
enum {
    OFPP10_MAX = 0xff00,
    OFPP10_IN_PORT = 0xfff8,
    OFPP10_TABLE = 0xfff9,
    OFPP10_NORMAL = 0xfffa,
    OFPP10_FLOOD = 0xfffb,
    OFPP10_ALL = 0xfffc,
    OFPP10_CONTROLLER = 0xfffd,
    OFPP10_LOCAL = 0xfffe,
    OFPP10_NONE = 0xffff,
};

enum { OFP10_NO_BUFFER = 0xffffffffu };

/* ofp_port_config */
enum {
    OFPPC10_PORT_DOWN = 1 << 0,
    OFPPC10_NO_STP = 1 << 1,
    OFPPC10_NO_RECV = 1 << 2,
    OFPPC10_NO_RECV_STP = 1 << 3,
    OFPPC10_NO_FLOOD = 1 << 4,
    OFPPC10_NO_FWD = 1 << 5,
    OFPPC10_NO_PACKET_IN = 1 << 6,
    OFPPC10_ALL = (1 << 7) - 1,
};

/* ofp_port_state: LINK_DOWN plus a 2-bit STP state field */
enum {
    OFPPS10_LINK_DOWN = 1 << 0,
    OFPPS10_STP_LISTEN = 0 << 8,
    OFPPS10_STP_LEARN = 1 << 8,
    OFPPS10_STP_FORWARD = 2 << 8,
    OFPPS10_STP_BLOCK = 3 << 8,
    OFPPS10_STP_MASK = 3 << 8,
};

/* ofp_port_features */
enum {
    OFPPF10_10MB_HD = 1 << 0,
    OFPPF10_10MB_FD = 1 << 1,
    OFPPF10_100MB_HD = 1 << 2,
    OFPPF10_100MB_FD = 1 << 3,
    OFPPF10_1GB_HD = 1 << 4,
    OFPPF10_1GB_FD = 1 << 5,
    OFPPF10_10GB_FD = 1 << 6,
    OFPPF10_COPPER = 1 << 7,
    OFPPF10_FIBER = 1 << 8,
    OFPPF10_AUTONEG = 1 << 9,
    OFPPF10_PAUSE = 1 << 10,
    OFPPF10_PAUSE_ASYM = 1 << 11,
};

/* ofp_capabilities */
enum {
    OFPC10_FLOW_STATS = 1 << 0,
    OFPC10_TABLE_STATS = 1 << 1,
    OFPC10_PORT_STATS = 1 << 2,
    OFPC10_STP = 1 << 3,
    OFPC10_RESERVED = 1 << 4,
    OFPC10_IP_REASM = 1 << 5,
    OFPC10_QUEUE_STATS = 1 << 6,
    OFPC10_ARP_MATCH_IP = 1 << 7,
};

/* ofp_config_flags */
enum {
    OFPC10_FRAG_NORMAL = 0,
    OFPC10_FRAG_DROP = 1,
    OFPC10_FRAG_REASM = 2,
    OFPC10_FRAG_MASK = 3,
};

/* ofp_flow_wildcards */
enum {
    OFPFW10_IN_PORT = 1 << 0,
    OFPFW10_DL_VLAN = 1 << 1,
    OFPFW10_DL_SRC = 1 << 2,
    OFPFW10_DL_DST = 1 << 3,
    OFPFW10_DL_TYPE = 1 << 4,
    OFPFW10_NW_PROTO = 1 << 5,
    OFPFW10_TP_SRC = 1 << 6,
    OFPFW10_TP_DST = 1 << 7,
    OFPFW10_NW_SRC_SHIFT = 8,
    OFPFW10_NW_SRC_BITS = 6,
    OFPFW10_NW_SRC_MASK = ((1 << 6) - 1) << 8,
    OFPFW10_NW_SRC_ALL = 32 << 8,
    OFPFW10_NW_DST_SHIFT = 14,
    OFPFW10_NW_DST_BITS = 6,
    OFPFW10_NW_DST_MASK = ((1 << 6) - 1) << 14,
    OFPFW10_NW_DST_ALL = 32 << 14,
    OFPFW10_DL_VLAN_PCP = 1 << 20,
    OFPFW10_NW_TOS = 1 << 21,
    OFPFW10_ALL = (1 << 22) - 1,
};

enum { OFP10_VLAN_NONE = 0xffff }; /* dl_vlan value: no 802.1Q header */

enum ofp10_action_type {
    OFPAT10_OUTPUT = 0,
    OFPAT10_SET_VLAN_VID = 1,
    OFPAT10_SET_VLAN_PCP = 2,
    OFPAT10_STRIP_VLAN = 3,
    OFPAT10_SET_DL_SRC = 4,
    OFPAT10_SET_DL_DST = 5,
    OFPAT10_SET_NW_SRC = 6,
    OFPAT10_SET_NW_DST = 7,
    OFPAT10_SET_NW_TOS = 8,
    OFPAT10_SET_TP_SRC = 9,
    OFPAT10_SET_TP_DST = 10,
    OFPAT10_ENQUEUE = 11,
    OFPAT10_VENDOR = 0xffff,
};

enum ofp10_flow_mod_command {
    OFPFC10_ADD = 0,
    OFPFC10_MODIFY = 1,
    OFPFC10_MODIFY_STRICT = 2,
    OFPFC10_DELETE = 3,
    OFPFC10_DELETE_STRICT = 4,
};

enum {
    OFPFF10_SEND_FLOW_REM = 1 << 0,
    OFPFF10_CHECK_OVERLAP = 1 << 1,
    OFPFF10_EMERG = 1 << 2,
};

enum { OFPR10_NO_MATCH = 0, OFPR10_ACTION = 1 };                 /* packet_in */
enum { OFPRR10_IDLE_TIMEOUT = 0, OFPRR10_HARD_TIMEOUT = 1, OFPRR10_DELETE = 2 };
enum { OFPPR10_ADD = 0, OFPPR10_DELETE = 1, OFPPR10_MODIFY = 2 };  /* port_status */

enum ofp10_stats_type {
    OFPST10_DESC = 0,
    OFPST10_FLOW = 1,
    OFPST10_AGGREGATE = 2,
    OFPST10_TABLE = 3,
    OFPST10_PORT = 4,
    OFPST10_QUEUE = 5,
    OFPST10_VENDOR = 0xffff,
};
enum { OFPSF10_REPLY_MORE = 1 << 0 };

enum { OFPQ10_ALL = 0xffffffffu };
enum { OFPQT10_NONE = 0, OFPQT10_MIN_RATE = 1 };

/* Error types and codes (section 5.4.4). */
enum ofp10_error_type {
    OFPET10_HELLO_FAILED = 0,
    OFPET10_BAD_REQUEST = 1,
    OFPET10_BAD_ACTION = 2,
    OFPET10_FLOW_MOD_FAILED = 3,
    OFPET10_PORT_MOD_FAILED = 4,
    OFPET10_QUEUE_OP_FAILED = 5,
};

#define OFP10_MAX_TABLE_NAME_LEN 32
#define OFP10_MAX_PORT_NAME_LEN 16
#define OFP10_DESC_STR_LEN 256
#define OFP10_SERIAL_NUM_LEN 32
#define OFP10_ETH_ALEN 6

#endif
