/*
 * of10_msg_switch.c - messages about the switch and its ports: FEATURES_REPLY
 * (with its ofp_phy_port list), PORT_STATUS and PORT_MOD.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

/* ofp_phy_port */
enum {
    PP_PORT_NO = 0,
    PP_HW_ADDR = 2,
    PP_NAME = 8,
    PP_CONFIG = 24,
    PP_STATE = 28,
    PP_CURR = 32,
    PP_ADVERTISED = 36,
    PP_SUPPORTED = 40,
    PP_PEER = 44,
    PP_END = 48,
};
_Static_assert((int)(PP_END) == (int)(OFP10_PHY_PORT_LEN), "ofp_phy_port");
_Static_assert((int)(PP_CONFIG - PP_NAME) == (int)(OFP10_MAX_PORT_NAME_LEN), "port name field");

/* ofp_switch_features */
enum {
    SF_DATAPATH_ID = 8,
    SF_N_BUFFERS = 16,
    SF_N_TABLES = 20, /* 3 pad bytes */
    SF_CAPABILITIES = 24,
    SF_ACTIONS = 28,
    SF_PORTS = 32,
};
_Static_assert((int)(SF_PORTS) == (int)(OFP10_SWITCH_FEATURES_LEN), "ofp_switch_features");

/* ofp_port_status: reason, 7 pad bytes, then the port */
enum { PS_REASON = 8, PS_DESC = 16 };
_Static_assert((int)(PS_DESC + OFP10_PHY_PORT_LEN) == (int)(OFP10_PORT_STATUS_LEN),
               "ofp_port_status");

/* ofp_port_mod */
enum { PM_PORT_NO = 8, PM_HW_ADDR = 10, PM_CONFIG = 16, PM_MASK = 20, PM_ADVERTISE = 24 };
_Static_assert((int)(PM_ADVERTISE + 4 + 4) == (int)(OFP10_PORT_MOD_LEN),
               "ofp_port_mod (4 pad bytes)");

static void phy_port_decode(const uint8_t *p, struct of10_phy_port *pp)
{
    pp->port_no = be_get16(p + PP_PORT_NO);
    memcpy(pp->hw_addr, p + PP_HW_ADDR, OFP10_ETH_ALEN);
    of10_get_str(pp->name, p + PP_NAME, OFP10_MAX_PORT_NAME_LEN);
    pp->config = be_get32(p + PP_CONFIG);
    pp->state = be_get32(p + PP_STATE);
    pp->curr = be_get32(p + PP_CURR);
    pp->advertised = be_get32(p + PP_ADVERTISED);
    pp->supported = be_get32(p + PP_SUPPORTED);
    pp->peer = be_get32(p + PP_PEER);
}

static void phy_port_encode(const struct of10_phy_port *pp, uint8_t *p)
{
    be_put16(p + PP_PORT_NO, pp->port_no);
    memcpy(p + PP_HW_ADDR, pp->hw_addr, OFP10_ETH_ALEN);
    of10_put_str(p + PP_NAME, pp->name, OFP10_MAX_PORT_NAME_LEN);
    be_put32(p + PP_CONFIG, pp->config);
    be_put32(p + PP_STATE, pp->state);
    be_put32(p + PP_CURR, pp->curr);
    be_put32(p + PP_ADVERTISED, pp->advertised);
    be_put32(p + PP_SUPPORTED, pp->supported);
    be_put32(p + PP_PEER, pp->peer);
}

/* FEATURES_REPLY: the table already checked (len - 32) % 48 == 0. Port
 * numbers are not checked: the switch names its own ports, LOCAL included. */
uint32_t of10_features_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                              struct of10_arena *arena)
{
    struct of10_features *f = &m->u.features;
    uint32_t err = OF10_OK;
    f->datapath_id = be_get64(p + SF_DATAPATH_ID);
    f->n_buffers = be_get32(p + SF_N_BUFFERS);
    f->n_tables = p[SF_N_TABLES];
    f->capabilities = be_get32(p + SF_CAPABILITIES);
    f->actions = be_get32(p + SF_ACTIONS);
    size_t n = 0;
    OF10_DECODE_ENTRIES(f->ports, n, p + SF_PORTS, len - SF_PORTS, OFP10_PHY_PORT_LEN,
                        phy_port_decode, arena, &err);
    if (err) return err;
    f->n_ports = n;
    return OF10_OK;
}

uint32_t of10_features_validate(const struct of10_msg *m)
{
    return m->u.features.n_ports && !m->u.features.ports ? OF10_E_BAD_LEN : OF10_OK;
}

size_t of10_features_len(const struct of10_msg *m)
{
    return of10_len_add(OFP10_SWITCH_FEATURES_LEN,
                        of10_len_mul(m->u.features.n_ports, OFP10_PHY_PORT_LEN));
}

void of10_features_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_features *f = &m->u.features;
    be_put64(p + SF_DATAPATH_ID, f->datapath_id);
    be_put32(p + SF_N_BUFFERS, f->n_buffers);
    p[SF_N_TABLES] = f->n_tables;
    be_put32(p + SF_CAPABILITIES, f->capabilities);
    be_put32(p + SF_ACTIONS, f->actions);
    for (size_t i = 0; i < f->n_ports; i++)
        phy_port_encode(&f->ports[i], p + SF_PORTS + i * OFP10_PHY_PORT_LEN);
}

/* PORT_STATUS: the reason is kept as sent (informational, no error to send). */
uint32_t of10_port_status_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                 struct of10_arena *arena)
{
    (void)len, (void)arena;
    m->u.port_status.reason = p[PS_REASON];
    phy_port_decode(p + PS_DESC, &m->u.port_status.desc);
    return OF10_OK;
}

void of10_port_status_encode(const struct of10_msg *m, uint8_t *p)
{
    p[PS_REASON] = m->u.port_status.reason;
    phy_port_encode(&m->u.port_status.desc, p + PS_DESC);
}

/* PORT_MOD may only address a physical port or LOCAL: 0, NONE and the other
 * reserved numbers name no configurable port (OFPPMFC_BAD_PORT). */
static uint32_t port_mod_check(const struct of10_port_mod *pm)
{
    bool ok = of10_port_is_physical(pm->port_no) || pm->port_no == OFPP10_LOCAL;
    return ok ? OF10_OK : OF10_E_PM_BAD_PORT;
}

uint32_t of10_port_mod_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                              struct of10_arena *arena)
{
    (void)len, (void)arena;
    struct of10_port_mod *pm = &m->u.port_mod;
    pm->port_no = be_get16(p + PM_PORT_NO);
    memcpy(pm->hw_addr, p + PM_HW_ADDR, OFP10_ETH_ALEN);
    pm->config = be_get32(p + PM_CONFIG);
    pm->mask = be_get32(p + PM_MASK);
    pm->advertise = be_get32(p + PM_ADVERTISE);
    return port_mod_check(pm);
}

uint32_t of10_port_mod_validate(const struct of10_msg *m)
{
    return port_mod_check(&m->u.port_mod);
}

void of10_port_mod_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_port_mod *pm = &m->u.port_mod;
    be_put16(p + PM_PORT_NO, pm->port_no);
    memcpy(p + PM_HW_ADDR, pm->hw_addr, OFP10_ETH_ALEN);
    be_put32(p + PM_CONFIG, pm->config);
    be_put32(p + PM_MASK, pm->mask);
    be_put32(p + PM_ADVERTISE, pm->advertise);
}
