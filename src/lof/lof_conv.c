/*
 * lof_conv.c - Lua values <-> OpenFlow 1.0 fields: MAC and IPv4 strings, port
 * names, dpids and matches (action lists are in lof_actions.c). The Lua side is untrusted input
 * written by hand, so every parser is strict (unknown fields, wrong types, out-of-range numbers are
 * errors) and every error names the field it is about, e.g. "flow_mod: actions[2].set_vlan_vid:
 * expected an integer 0..4095, got 5000".
 */
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

/* ---- scalars -------------------------------------------------------------- */

/* A lazy table (the packet tables of lof_api_pkt.c) becomes the plain table
 * it stands for before anything here reads it raw (vlua_sandbox.c). */
void lof_settle(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return;
    lua_pushliteral(L, "__vf_settle");
    if (lua_rawget(L, -2) == LUA_TFUNCTION) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 0);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
    }
}

void lof_check_fields(lua_State *L, int idx, const char *path, const char *const *known)
{
    idx = lua_absindex(L, idx);
    lof_settle(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) { /* key, value */
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: unexpected %s key (fields are named)", path, luaL_typename(L, -2));
        const char *k = lua_tostring(L, -2);
        int ok = 0;
        for (int i = 0; known[i] && !ok; i++) /* first byte first: strcmp only on a likely hit */
            ok = known[i][0] == k[0] && strcmp(k, known[i]) == 0;
        if (!ok) luaL_error(L, "%s: unknown field '%s'", path, k);
        lua_pop(L, 1);
    }
}

lua_Integer lof_check_int(lua_State *L, int idx, const char *path, lua_Integer min, lua_Integer max)
{
    int isint = 0;
    lua_Integer v = 0;
    /* Only real numbers: "10" from a typo'd table should not slip through. */
    if (lua_type(L, idx) == LUA_TNUMBER) v = lua_tointegerx(L, idx, &isint);
    if (!isint || v < min || v > max) {
        if (lua_type(L, idx) == LUA_TNUMBER)
            luaL_error(L, "%s: expected an integer %I..%I, got %s", path, min, max,
                       luaL_tolstring(L, idx, NULL));
        else
            luaL_error(L, "%s: expected an integer %I..%I, got %s", path, min, max,
                       luaL_typename(L, idx));
    }
    return v;
}

static const struct {
    const char *name;
    uint16_t port;
} port_names[] = {
    {"in_port", OFPP10_IN_PORT}, {"table", OFPP10_TABLE}, {"normal", OFPP10_NORMAL},
    {"flood", OFPP10_FLOOD},     {"all", OFPP10_ALL},     {"controller", OFPP10_CONTROLLER},
    {"local", OFPP10_LOCAL},     {"none", OFPP10_NONE},
};

uint16_t lof_check_port(lua_State *L, int idx, const char *path)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (size_t i = 0; i < sizeof port_names / sizeof port_names[0]; i++)
            if (strcmp(s, port_names[i].name) == 0) return port_names[i].port;
        luaL_error(L,
                   "%s: unknown port name '%s' (in_port, table, normal, flood, all, "
                   "controller, local, none)",
                   path, s);
    }
    return (uint16_t)lof_check_int(L, idx, path, 0, 0xffff);
}

/* The reserved port's name, or NULL for a physical port number. */
const char *lof_port_name(uint16_t port)
{
    for (size_t i = 0; i < sizeof port_names / sizeof port_names[0]; i++)
        if (port_names[i].port == port) return port_names[i].name;
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void lof_check_mac(lua_State *L, int idx, const char *path, uint8_t mac[6])
{
    size_t len = 0;
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
    int ok = s && len == 17;
    for (int i = 0; ok && i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
        char sep = i < 5 ? s[3 * i + 2] : ':';
        ok = hi >= 0 && lo >= 0 && (sep == ':' || sep == '-');
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!ok)
        luaL_error(L, "%s: expected a MAC address \"aa:bb:cc:dd:ee:ff\", got %s", path,
                   s ? s : luaL_typename(L, idx));
}

static const char hexdig[] = "0123456789abcdef";

/* "aa:bb:cc:dd:ee:ff" into b (17 bytes, no terminator): per packet, so no printf. */
static void mac_str(const uint8_t m[6], char *b)
{
    for (int i = 0; i < 6; i++) {
        b[3 * i] = hexdig[m[i] >> 4];
        b[3 * i + 1] = hexdig[m[i] & 15];
        if (i < 5) b[3 * i + 2] = ':';
    }
}

void lof_push_mac(lua_State *L, const uint8_t m[6])
{
    char b[17];
    mac_str(m, b);
    lua_pushlstring(L, b, 17);
}

/* Strict dotted quad: four decimal parts 0..255, nothing else. */
static int parse_dotted(const char *s, const char *end, uint32_t *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (s < end && *s >= '0' && *s <= '9' && digits < 4)
            v = v * 10 + (unsigned)(*s++ - '0'), digits++;
        if (!digits || digits > 3 || v > 255) return -1;
        a = a << 8 | v;
        if (part < 3 && (s >= end || *s++ != '.')) return -1;
    }
    if (s != end) return -1;
    *out = a;
    return 0;
}

uint32_t lof_check_ipv4(lua_State *L, int idx, const char *path, unsigned *plen)
{
    if (plen) *plen = 32;
    if (lua_type(L, idx) == LUA_TNUMBER)
        return (uint32_t)lof_check_int(L, idx, path, 0, 0xffffffff);
    size_t len = 0;
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
    uint32_t addr = 0;
    if (s) {
        const char *slash = memchr(s, '/', len);
        const char *end = slash ? slash : s + len;
        int ok = parse_dotted(s, end, &addr) == 0;
        if (ok && slash) {
            unsigned p = 0, digits = 0;
            const char *q = slash + 1;
            for (; q < s + len && *q >= '0' && *q <= '9' && digits < 3; q++, digits++)
                p = p * 10 + (unsigned)(*q - '0');
            ok = plen && digits && q == s + len && p <= 32;
            if (ok) *plen = p;
        }
        if (ok) return addr;
    }
    luaL_error(L, "%s: expected an IPv4 address%s, got %s", path,
               plen ? " or prefix (\"10.0.0.0/24\")" : " (\"10.0.0.1\")",
               s ? s : luaL_typename(L, idx));
    return 0;
}

/* Decimal 0..255 at p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
    if (v >= 100) *p++ = (char)('0' + v / 100);
    if (v >= 10) *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* "10.0.0.1", or "10.0.0.0/24" when plen < 32 (lua_pushfstring would call
 * snprintf for each number: this runs for every packet). */
void lof_push_ipv4(lua_State *L, uint32_t a, unsigned plen)
{
    char b[24], *p = b;
    for (int i = 3; i >= 0; i--) {
        p = put_dec(p, a >> (8 * i) & 255);
        if (i) *p++ = '.';
    }
    if (plen < 32) {
        *p++ = '/';
        p = put_dec(p, plen);
    }
    lua_pushlstring(L, b, (size_t)(p - b));
}

void lof_dpid_str(uint64_t d, char buf[24])
{
    for (int i = 0; i < 8; i++) {
        unsigned byte = (unsigned)(d >> (56 - 8 * i) & 255);
        buf[3 * i] = hexdig[byte >> 4];
        buf[3 * i + 1] = hexdig[byte & 15];
        buf[3 * i + 2] = i < 7 ? ':' : '\0';
    }
}

int lof_dpid_parse(const char *s, uint64_t *out)
{
    uint64_t d = 0;
    int digits = 0;
    size_t n = strlen(s);
    /* "00:00:00:00:00:00:00:01" or "0000000000000001" */
    int colons = n == 23;
    if (!colons && n != 16) return -1;
    for (size_t i = 0; i < n; i++) {
        if (colons && i % 3 == 2) {
            if (s[i] != ':') return -1;
            continue;
        }
        int v = hexval(s[i]);
        if (v < 0) return -1;
        d = d << 4 | (uint64_t)v;
        digits++;
    }
    if (digits != 16) return -1;
    *out = d;
    return 0;
}

/* ---- match ------------------------------------------------------------- */

enum mkind { MK_PORT, MK_MAC, MK_VLAN, MK_U8, MK_ETHTYPE, MK_TOS, MK_PROTO, MK_IP, MK_U16 };

#define MNAME(s) s, sizeof s - 1
static const struct mfield {
    const char *name;
    size_t len;
    uint32_t wbit; /* 0 for the prefix fields */
    unsigned kind;
    size_t off;
    const char *needs; /* why normalisation would drop it */
} mfields[] = {
    {MNAME("in_port"), OFPFW10_IN_PORT, MK_PORT, offsetof(struct of10_match, in_port), NULL},
    {MNAME("dl_src"), OFPFW10_DL_SRC, MK_MAC, offsetof(struct of10_match, dl_src), NULL},
    {MNAME("dl_dst"), OFPFW10_DL_DST, MK_MAC, offsetof(struct of10_match, dl_dst), NULL},
    {MNAME("dl_vlan"), OFPFW10_DL_VLAN, MK_VLAN, offsetof(struct of10_match, dl_vlan), NULL},
    {MNAME("dl_vlan_pcp"), OFPFW10_DL_VLAN_PCP, MK_U8, offsetof(struct of10_match, dl_vlan_pcp),
     "cannot be matched on untagged frames (dl_vlan 0xffff)"},
    {MNAME("dl_type"), OFPFW10_DL_TYPE, MK_ETHTYPE, offsetof(struct of10_match, dl_type), NULL},
    {MNAME("nw_tos"), OFPFW10_NW_TOS, MK_TOS, offsetof(struct of10_match, nw_tos),
     "needs dl_type 0x0800 (\"ip\")"},
    {MNAME("nw_proto"), OFPFW10_NW_PROTO, MK_PROTO, offsetof(struct of10_match, nw_proto),
     "needs dl_type 0x0800 (\"ip\") or 0x0806 (\"arp\")"},
    {MNAME("nw_src"), 0, MK_IP, OFPFW10_NW_SRC_SHIFT,
     "needs dl_type 0x0800 (\"ip\") or 0x0806 (\"arp\")"},
    {MNAME("nw_dst"), 0, MK_IP, OFPFW10_NW_DST_SHIFT,
     "needs dl_type 0x0800 (\"ip\") or 0x0806 (\"arp\")"},
    {MNAME("tp_src"), OFPFW10_TP_SRC, MK_U16, offsetof(struct of10_match, tp_src),
     "needs dl_type \"ip\" and nw_proto 6, 17 or 1 (\"tcp\", \"udp\", \"icmp\")"},
    {MNAME("tp_dst"), OFPFW10_TP_DST, MK_U16, offsetof(struct of10_match, tp_dst),
     "needs dl_type \"ip\" and nw_proto 6, 17 or 1 (\"tcp\", \"udp\", \"icmp\")"},
};
#define N_MFIELDS (sizeof mfields / sizeof mfields[0])

static const char *const match_keys[] = {"in_port", "dl_src", "dl_dst",   "dl_vlan", "dl_vlan_pcp",
                                         "dl_type", "nw_tos", "nw_proto", "nw_src",  "nw_dst",
                                         "tp_src",  "tp_dst", NULL};

static const struct {
    const char *name;
    unsigned kind;
    unsigned value;
} value_names[] = {
    {"ip", MK_ETHTYPE, 0x0800},   {"arp", MK_ETHTYPE, 0x0806}, {"rarp", MK_ETHTYPE, 0x8035},
    {"ipv6", MK_ETHTYPE, 0x86dd}, {"icmp", MK_PROTO, 1},       {"tcp", MK_PROTO, 6},
    {"udp", MK_PROTO, 17},
};

/* A number, or one of the names above for dl_type / nw_proto. */
static lua_Integer named_int(lua_State *L, int idx, const char *path, unsigned kind,
                             lua_Integer max)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (size_t i = 0; i < sizeof value_names / sizeof value_names[0]; i++)
            if (value_names[i].kind == kind && strcmp(s, value_names[i].name) == 0)
                return value_names[i].value;
        luaL_error(L, "%s: unknown name '%s'", path, s);
    }
    return lof_check_int(L, idx, path, 0, max);
}

static void set_u8(struct of10_match *m, size_t off, lua_Integer v)
{
    *((uint8_t *)m + off) = (uint8_t)v;
}

static void set_u16(struct of10_match *m, size_t off, lua_Integer v)
{
    uint16_t x = (uint16_t)v;
    memcpy((uint8_t *)m + off, &x, sizeof x);
}

/* Parse the field at vidx into m and clear its wildcard; errors name path. */
static void match_field(lua_State *L, const struct mfield *f, int vidx, const char *path,
                        struct of10_match *m)
{
    unsigned plen;
    switch (f->kind) {
    case MK_PORT:
        set_u16(m, f->off, lof_check_port(L, vidx, path));
        break;
    case MK_MAC:
        lof_check_mac(L, vidx, path, (uint8_t *)m + f->off);
        break;
    case MK_VLAN: {
        lua_Integer v = lua_type(L, vidx) == LUA_TNUMBER && lua_tointeger(L, vidx) == 0xffff
                            ? 0xffff
                            : lof_check_int(L, vidx, path, 0, 4095);
        set_u16(m, f->off, v);
        break;
    }
    case MK_U8:
        set_u8(m, f->off, lof_check_int(L, vidx, path, 0, 7));
        break;
    case MK_ETHTYPE:
        set_u16(m, f->off, named_int(L, vidx, path, MK_ETHTYPE, 0xffff));
        break;
    case MK_PROTO:
        set_u8(m, f->off, named_int(L, vidx, path, MK_PROTO, 255));
        break;
    case MK_TOS: {
        lua_Integer v = lof_check_int(L, vidx, path, 0, 255);
        if (v & 3) luaL_error(L, "%s: the low 2 bits (ECN) cannot be matched, got %I", path, v);
        set_u8(m, f->off, v);
        break;
    }
    case MK_U16:
        set_u16(m, f->off, lof_check_int(L, vidx, path, 0, 0xffff));
        break;
    case MK_IP: {
        uint32_t a = lof_check_ipv4(L, vidx, path, &plen);
        if (f->off == OFPFW10_NW_SRC_SHIFT)
            of10_match_set_nw_src_prefix(m, a, plen);
        else
            of10_match_set_nw_dst_prefix(m, a, plen);
        return;
    }
    }
    m->wildcards &= ~f->wbit;
}

/* ---- the fast path of match parsing ---------------------------------------
 * Matches are parsed for every FLOW_MOD an app sends (l2_learning: one per
 * packet), so the common case must not format anything. The checks below
 * accept exactly what the lof_check_* functions accept, without building the
 * field's path; when one says no, the field is parsed again by match_field
 * with its path formatted, which raises the error (the same message as ever). */

bool lof_int_ok(lua_State *L, int idx, lua_Integer min, lua_Integer max, lua_Integer *v)
{
    int isint = 0;
    if (lua_type(L, idx) != LUA_TNUMBER) return false;
    *v = lua_tointegerx(L, idx, &isint);
    return isint && *v >= min && *v <= max;
}

int lof_soft_fail(lua_State *L, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

const char *lof_shown(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : luaL_typename(L, idx);
}

int lof_fields_known(lua_State *L, int t, const char *const *known, size_t n, const char *what,
                     char *why, size_t cap)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) { /* key, value */
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (size_t i = 0; i < n; i++) ok |= !strcmp(lua_tostring(L, -1), known[i]);
        if (!ok) {
            char list[128] = "";
            for (size_t i = 0, len = 0; i < n && len < sizeof(list); i++)
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
                                        known[i]);
            int str = lua_type(L, -1) == LUA_TSTRING;
            snprintf(why, cap, "%s: unknown field %s%s%s (known: %s)", what, str ? "'" : "(a ",
                     lof_shown(L, -1), str ? "'" : " key)", list);
            lua_pop(L, 1);
            return -1;
        }
    }
    return 0;
}

/* What lof_check_port accepts: a number 0..0xffff or a reserved port's name. */
bool lof_port_ok(lua_State *L, int idx, uint16_t *port)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (uint32_t p = OFPP10_IN_PORT; p <= OFPP10_NONE; p++) {
            const char *n = lof_port_name((uint16_t)p);
            if (n && n[0] == s[0] && strcmp(n, s) == 0) {
                *port = (uint16_t)p;
                return true;
            }
        }
        return false;
    }
    lua_Integer v;
    if (!lof_int_ok(L, idx, 0, 0xffff, &v)) return false;
    *port = (uint16_t)v;
    return true;
}

static bool port_ok(lua_State *L, int idx, lua_Integer *v)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (size_t i = 0; i < sizeof port_names / sizeof port_names[0]; i++)
            if (port_names[i].name[0] == s[0] && strcmp(s, port_names[i].name) == 0) {
                *v = port_names[i].port;
                return true;
            }
        return false;
    }
    return lof_int_ok(L, idx, 0, 0xffff, v);
}

static bool named_ok(lua_State *L, int idx, unsigned kind, lua_Integer max, lua_Integer *v)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (size_t i = 0; i < sizeof value_names / sizeof value_names[0]; i++)
            if (value_names[i].kind == kind && strcmp(s, value_names[i].name) == 0) {
                *v = value_names[i].value;
                return true;
            }
        return false;
    }
    return lof_int_ok(L, idx, 0, max, v);
}

static bool mac_ok(lua_State *L, int idx, uint8_t mac[6])
{
    size_t len = 0;
    if (lua_type(L, idx) != LUA_TSTRING) return false;
    const char *s = lua_tolstring(L, idx, &len);
    if (len != 17) return false;
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
        char sep = i < 5 ? s[3 * i + 2] : ':';
        if (hi < 0 || lo < 0 || (sep != ':' && sep != '-')) return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool ipv4_ok(lua_State *L, int idx, uint32_t *addr, unsigned *plen)
{
    *plen = 32;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer v;
        if (!lof_int_ok(L, idx, 0, 0xffffffff, &v)) return false;
        *addr = (uint32_t)v;
        return true;
    }
    if (lua_type(L, idx) != LUA_TSTRING) return false;
    size_t len = 0;
    const char *s = lua_tolstring(L, idx, &len);
    const char *slash = memchr(s, '/', len);
    if (parse_dotted(s, slash ? slash : s + len, addr) != 0) return false;
    if (!slash) return true;
    unsigned p = 0, digits = 0;
    const char *q = slash + 1;
    for (; q < s + len && *q >= '0' && *q <= '9' && digits < 3; q++, digits++)
        p = p * 10 + (unsigned)(*q - '0');
    if (!digits || q != s + len || p > 32) return false;
    *plen = p;
    return true;
}

/* match_field without a path: false (m possibly half-written) when the value
 * is not acceptable, for match_field to raise the error. */
static bool match_field_fast(lua_State *L, const struct mfield *f, int vidx, struct of10_match *m)
{
    lua_Integer v = 0;
    bool ok;
    switch (f->kind) {
    case MK_PORT:
        ok = port_ok(L, vidx, &v);
        break;
    case MK_MAC:
        ok = mac_ok(L, vidx, (uint8_t *)m + f->off);
        break;
    case MK_VLAN:
        ok = lof_int_ok(L, vidx, 0, 0xffff, &v) && (v <= 4095 || v == 0xffff);
        break;
    case MK_U8:
        ok = lof_int_ok(L, vidx, 0, 7, &v);
        break;
    case MK_ETHTYPE:
        ok = named_ok(L, vidx, MK_ETHTYPE, 0xffff, &v);
        break;
    case MK_PROTO:
        ok = named_ok(L, vidx, MK_PROTO, 255, &v);
        break;
    case MK_TOS:
        ok = lof_int_ok(L, vidx, 0, 255, &v) && !(v & 3);
        break;
    case MK_U16:
        ok = lof_int_ok(L, vidx, 0, 0xffff, &v);
        break;
    default: { /* MK_IP */
        uint32_t a;
        unsigned plen;
        if (!ipv4_ok(L, vidx, &a, &plen)) return false;
        if (f->off == OFPFW10_NW_SRC_SHIFT)
            of10_match_set_nw_src_prefix(m, a, plen);
        else
            of10_match_set_nw_dst_prefix(m, a, plen);
        return true;
    }
    }
    if (!ok) return false;
    if (f->kind == MK_U8 || f->kind == MK_PROTO || f->kind == MK_TOS)
        set_u8(m, f->off, v);
    else if (f->kind != MK_MAC)
        set_u16(m, f->off, v);
    m->wildcards &= ~f->wbit;
    return true;
}

/* The match field named by the string key k (length len), or -1. The first
 * and last bytes tell the names of one length apart, so at most one memcmp. */
static int mfield_index(const char *k, size_t len)
{
    for (int i = 0; i < (int)N_MFIELDS; i++) {
        const struct mfield *f = &mfields[i];
        if (f->len == len && f->name[0] == k[0] && f->name[len - 1] == k[len - 1] &&
            memcmp(f->name, k, len) == 0)
            return i;
    }
    return -1;
}

/* Steps 2 and 3 of parsing a match: the given fields (values at slot+i for
 * mfields[i] with bit i of given), then the prerequisite check. */
static void match_finish(lua_State *L, int slot, uint32_t given, const char *path,
                         struct of10_match *m)
{
    for (size_t i = 0; i < N_MFIELDS; i++) {
        if (!(given & 1u << i)) continue;
        if (match_field_fast(L, &mfields[i], slot + (int)i, m)) continue;
        char fp[128];
        snprintf(fp, sizeof fp, "%s.%s", path, mfields[i].name);
        match_field(L, &mfields[i], slot + (int)i, fp, m); /* raises */
    }
    /* Normalisation silently wildcards fields whose prerequisites are missing
     * (nw_src without dl_type...): such a rule would match far more than its
     * author meant, so it is refused instead, naming the field. */
    struct of10_match n = *m;
    of10_match_normalize(&n);
    for (size_t i = 0; i < N_MFIELDS; i++) {
        if (!(given & 1u << i)) continue;
        const struct mfield *f = &mfields[i];
        bool dropped;
        if (f->kind == MK_IP)
            dropped = f->off == OFPFW10_NW_SRC_SHIFT
                          ? of10_match_nw_src_wild_bits(&n) > of10_match_nw_src_wild_bits(m)
                          : of10_match_nw_dst_wild_bits(&n) > of10_match_nw_dst_wild_bits(m);
        else
            dropped = (n.wildcards & f->wbit) != 0;
        if (dropped) luaL_error(L, "%s.%s: %s", path, f->name, f->needs);
    }
    *m = n;
}

void lof_match_from_lua(lua_State *L, int idx, const char *path, struct of10_match *m)
{
    of10_match_init_catchall(m);
    if (lua_isnoneornil(L, idx)) return;
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expected a table, got %s", path, luaL_typename(L, idx));
    int top = lua_gettop(L);
    luaL_checkstack(L, (int)N_MFIELDS + 4, "match");
    if (lua_getmetatable(L, idx)) {
        /* A pkt.match nobody wrote to (lof_api_pkt.c): the match it stands
         * for is the very one parsing its fields would give back. */
        lua_settop(L, top);
        const struct of10_match *lazy = lof_lazy_match(L, idx);
        if (lazy) {
            *m = *lazy;
            return;
        }
        lof_settle(L, idx);
    }
    uint32_t given = 0; /* bit i: mfields[i] was in the table */
    if (lua_getmetatable(L, idx)) {
        /* __index may supply fields: ask the table for each, as a user would */
        lua_pop(L, 1);
        lof_check_fields(L, idx, path, match_keys);
        for (size_t i = 0; i < N_MFIELDS; i++)
            if (lua_getfield(L, idx, mfields[i].name) != LUA_TNIL) given |= 1u << i;
    } else {
        /* One raw walk: the keys checked as lof_check_fields does, each value
         * parked in its field's stack slot (top + 1 + i). */
        lua_settop(L, top + (int)N_MFIELDS);
        lua_pushnil(L);
        while (lua_next(L, idx)) { /* key, value */
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_error(L, "%s: unexpected %s key (fields are named)", path,
                           luaL_typename(L, -2));
            size_t kl;
            const char *k = lua_tolstring(L, -2, &kl);
            int i = mfield_index(k, kl);
            if (i >= 0) {
                lua_replace(L, top + 1 + i);
                given |= 1u << i;
                continue;
            }
            /* as in lof_check_fields: "dl_src\0x" passes (a C-string
             * comparison) but names no field a lookup would find */
            int known = 0;
            for (int j = 0; match_keys[j] && !known; j++)
                known = strcmp(k, match_keys[j]) == 0;
            if (!known) luaL_error(L, "%s: unknown field '%s'", path, k);
            lua_pop(L, 1);
        }
    }
    match_finish(L, top + 1, given, path, m);
    lua_settop(L, top);
}

void lof_push_match(lua_State *L, const struct of10_match *m)
{
    lua_createtable(L, 0, 12);
    lof_set_match_fields(L, m);
}

static void field_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void field_mac(lua_State *L, const char *k, const uint8_t mac[6])
{
    lof_push_mac(L, mac);
    lua_setfield(L, -2, k);
}

static void field_ip(lua_State *L, const char *k, uint32_t addr, unsigned wild)
{
    lof_push_ipv4(L, addr, 32 - wild);
    lua_setfield(L, -2, k);
}

void lof_set_match_fields(lua_State *L, const struct of10_match *m)
{
    uint32_t w = m->wildcards;
    unsigned ws = of10_match_nw_src_wild_bits(m), wd = of10_match_nw_dst_wild_bits(m);
    if (!(w & OFPFW10_IN_PORT)) field_int(L, "in_port", m->in_port);
    if (!(w & OFPFW10_DL_SRC)) field_mac(L, "dl_src", m->dl_src);
    if (!(w & OFPFW10_DL_DST)) field_mac(L, "dl_dst", m->dl_dst);
    if (!(w & OFPFW10_DL_VLAN)) field_int(L, "dl_vlan", m->dl_vlan);
    if (!(w & OFPFW10_DL_VLAN_PCP)) field_int(L, "dl_vlan_pcp", m->dl_vlan_pcp);
    if (!(w & OFPFW10_DL_TYPE)) field_int(L, "dl_type", m->dl_type);
    if (!(w & OFPFW10_NW_TOS)) field_int(L, "nw_tos", m->nw_tos);
    if (!(w & OFPFW10_NW_PROTO)) field_int(L, "nw_proto", m->nw_proto);
    if (ws < 32) field_ip(L, "nw_src", m->nw_src, ws);
    if (wd < 32) field_ip(L, "nw_dst", m->nw_dst, wd);
    if (!(w & OFPFW10_TP_SRC)) field_int(L, "tp_src", m->tp_src);
    if (!(w & OFPFW10_TP_DST)) field_int(L, "tp_dst", m->tp_dst);
}
