/*
 * vlua_pattern.c - keeps C-level string and table functions within budget.
 * The instruction hook only counts VM instructions, so a single call into
 * lstrlib can spin for hours: Lua patterns backtrack polynomially (each
 * quantifier multiplies the work by the run it can cover), and string.rep of an
 * empty string or table.move over a huge range loop without allocating. Each is
 * wrapped here with a worst-case estimate checked before the stock function runs.
 */
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/vlua.h"
#include "lua/vlua_internal.h"

#define L_ESC '%'
#define SPECIALS "^$*+?.([%-"
/* table.move copies element by element in C; bigger moves are refused. */
#define VLUA_MAX_MOVE (1 << 24)

static int class_match(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    default: return cl == c;
    }
    return isupper(cl) ? !res : res;
}

/* p at '[', end at the closing ']'. */
static int set_match(int c, const char *p, const char *end)
{
    int neg = 0;
    p++;
    if (*p == '^') {
        neg = 1;
        p++;
    }
    for (; p < end; p++) {
        if (*p == L_ESC && p + 1 < end) {
            p++;
            if (class_match(c, (unsigned char)*p)) return !neg;
        } else if (p + 2 < end && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return !neg;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return !neg;
        }
    }
    return neg;
}

/* One single-character class starting at p: returns its end, or NULL when the
 * pattern is malformed (the stock function will then raise the proper error). */
static const char *class_end(const char *p, const char *pe)
{
    if (p >= pe) return NULL;
    if (*p == L_ESC) return p + 1 < pe ? p + 2 : NULL;
    if (*p != '[') return p + 1;
    p++;
    if (p < pe && *p == '^') p++;
    do { /* the first character after [ or [^ may be a literal ']' */
        if (p >= pe) return NULL;
        if (*p++ == L_ESC && p < pe) p++;
    } while (p < pe && *p != ']');
    return p < pe ? p + 1 : NULL;
}

static int single_match(int c, const char *p, const char *ep)
{
    if (*p == '.') return 1;
    if (*p == L_ESC) return class_match(c, (unsigned char)p[1]);
    if (*p == '[') return set_match(c, p, ep - 1);
    return (unsigned char)*p == c;
}

static uint64_t longest_run(const char *s, size_t ls, const char *p, const char *ep)
{
    uint64_t best = 0, cur = 0;
    for (size_t i = 0; i < ls; i++) {
        cur = single_match((unsigned char)s[i], p, ep) ? cur + 1 : 0;
        if (cur > best) best = cur;
    }
    return best;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    if (a && b > UINT64_MAX / a) return UINT64_MAX;
    return a * b;
}

uint64_t vlua_pattern_cost(const char *s, size_t ls, const char *p, size_t lp)
{
    const char *pe = p + lp;
    uint64_t cost = ls + 1; /* start positions of an unanchored search */
    if (p < pe && *p == '^') {
        cost = 1;
        p++;
    }
    while (p < pe) {
        if (*p == '(' || *p == ')' || (*p == '$' && p + 1 == pe)) {
            p++;
            continue;
        }
        if (*p == L_ESC && p + 1 < pe && (p[1] == 'b' || p[1] == 'f' || isdigit((unsigned char)p[1]))) {
            /* %bxy, %f[set], %1: linear scans per attempt, no backtracking */
            if (p[1] == 'b') p += 4;
            else if (p[1] == 'f') p = class_end(p + 2, pe);
            else p += 2;
            if (!p || p > pe) return 0;
            cost = mul_sat(cost, 2);
            continue;
        }
        const char *ep = class_end(p, pe);
        if (!ep) return 0;
        if (ep < pe && (*ep == '*' || *ep == '+' || *ep == '-'))
            cost = mul_sat(cost, longest_run(s, ls, p, ep) + 1);
        else if (ep < pe && *ep == '?')
            cost = mul_sat(cost, 2);
        p = (ep < pe && strchr("*+-?", *ep)) ? ep + 1 : ep;
    }
    return cost;
}

/* upvalue 1: the stock function; arguments are passed through unchanged. */
static int guarded_pattern(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int plain = lua_toboolean(L, 4) && lua_isboolean(L, 4); /* only find has it */
    if (!plain && strpbrk(p, SPECIALS) != NULL) {
        uint64_t cost = vlua_pattern_cost(s, ls, p, lp), lim = vlua_pattern_budget(L);
        if (cost > lim)
            return luaL_error(L,
                              "pattern too complex for a %d-byte subject "
                              "(worst case ~%f steps, limit %f)",
                              (int)ls, (double)cost, (double)lim);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep("", 2^62) copies nothing 2^62 times; answer "" at once. */
static int guarded_rep(lua_State *L)
{
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.insert/remove shift #t elements in C: a __len that lies would make that
 * loop unbounded. A real table cannot hold more elements than the memory cap
 * allows, so anything longer is refused. */
static int guarded_shift(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    if (n < 0 || (lua_Unsigned)n > vlua_mem_cap(vlua_from_state(L)) / 16)
        return luaL_error(L, "table length %I out of range for insert/remove", n);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= VLUA_MAX_MOVE)
        return luaL_error(L, "table.move of more than %d elements", VLUA_MAX_MOVE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Replace lib[name] by wrapper(stock). The library table is on the stack top. */
static void wrap(lua_State *L, const char *name, lua_CFunction wrapper)
{
    lua_getfield(L, -1, name); /* lib, stock */
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, -2, name);
}

void vlua_pattern_guard(lua_State *L)
{
    lua_getglobal(L, "string");
    wrap(L, "find", guarded_pattern);
    wrap(L, "match", guarded_pattern);
    wrap(L, "gmatch", guarded_pattern);
    wrap(L, "gsub", guarded_pattern);
    wrap(L, "rep", guarded_rep);
    lua_pop(L, 1);
}

void vlua_table_guard(lua_State *L)
{
    lua_getglobal(L, "table");
    wrap(L, "insert", guarded_shift);
    wrap(L, "remove", guarded_shift);
    wrap(L, "move", guarded_move);
    lua_pop(L, 1);
}
