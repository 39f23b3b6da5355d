/*
 * dom_lsock.c - the Lua `socket` module of a protection domain, in the style
 * of luasocket: socket.tcp(), :bind, :listen, :accept, :connect, :send,
 * :receive, :close, :settimeout, :getsockname, :getpeername, :setoption,
 * socket.select. Apps get it only here (lof's open_env hook): the same apps
 * run without it in tests.
 *
 * Every call that makes or names a socket is a request to the core, checked
 * against the domain's policy (listen_allow, connect_allow); the connected
 * socket then comes over fd 3 and data flows on it directly, non-blocking.
 * A domain is one event loop, so "blocking" means a nested wait of at most
 * DOM_WAIT_MAX_MS (1 s) in which the loop's other work pauses: the default
 * timeout is that bound, settimeout(0) makes every call return at once
 * ("timeout"), and an app that must never pause polls with socket.select
 * from a timer (vf.every).
 */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "brk/brk.h"
#include "domain/dom.h"

#include "domain/dom_lsock.h"

static const char *const state_names[] = {"master", "master", "client",
                                          "master", "server", "closed"};

static struct dom *dom_up(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int lsock_fail_errno(lua_State *L, int e, const char *what, const struct msg_addr *a)
{
    char text[BRK_TEXT_MAX];
    brk_addr_format(a, text, sizeof(text));
    switch (e) {
    case EACCES:
        lua_pushnil(L);
        lua_pushfstring(L, "permission denied by the domain's policy (%s %s)", what, text);
        return 2;
    case ECONNREFUSED:
        return lsock_fail(L, "connection refused");
    case ETIMEDOUT:
        return lsock_fail(L, "timeout");
    case EADDRINUSE:
        return lsock_fail(L, "address already in use");
    case EMFILE:
        return lsock_fail(L, "too many sockets for this domain");
    default:
        return lsock_fail(L, strerror(e));
    }
}

/* "127.0.0.1", "::1", "localhost" or "*" with a port, numeric only: the
 * domain has no resolver (no files, no DNS). */
static int addr_arg(lua_State *L, int hi, int listen, struct msg_addr *a)
{
    const char *host = luaL_checkstring(L, hi);
    lua_Integer port = luaL_checkinteger(L, hi + 1);
    luaL_argcheck(L, port >= (listen ? 0 : 1) && port <= 65535, hi + 1, "port out of range");
    if (!strcmp(host, "localhost")) host = "127.0.0.1";
    if (!strcmp(host, "*")) host = "0.0.0.0";
    char text[BRK_TEXT_MAX + 8], why[160];
    snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, (int)port);
    if (strlen(host) > 45 || brk_addr_parse(text, a, why, sizeof(why)) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "bad address '%s' (numeric addresses only)", host);
        return 2;
    }
    return 0;
}

static struct lsock *new_sock(lua_State *L, struct dom *d)
{
    struct lsock *s = lua_newuserdatauv(L, sizeof(*s), 0);
    memset(s, 0, sizeof(*s));
    s->d = d;
    s->fd = -1;
    s->timeout_ms = -1;
    luaL_setmetatable(L, LSOCK_MT);
    return s;
}

/* ---- answers from the core ------------------------------------------------------- */

static void connect_done(void *ctx, const struct msg_socket_result *r, int fd)
{
    struct lsock *s = ctx;
    s->req = 0;
    if (r->error) {
        s->state = LS_CLOSED;
        s->err = (int)r->error;
        return;
    }
    s->state = LS_CLIENT;
    s->fd = fd;
    s->sock_id = r->sock_id;
    s->peer = r->peer;
}

static void accepted(void *ctx, uint32_t sock_id, int fd, const struct msg_addr *peer)
{
    struct lsock *s = ctx;
    if (s->qn == LSOCK_QUEUE) { /* nobody accepts: refuse rather than hoard */
        dom_sock_close(s->d, fd);
        return;
    }
    s->q[s->qn].fd = fd;
    s->q[s->qn].id = sock_id;
    s->q[s->qn++].peer = *peer;
}

static void listen_done(void *ctx, const struct msg_socket_result *r, int fd)
{
    (void)fd;
    struct lsock *s = ctx;
    s->req = 0;
    if (r->error) {
        s->state = LS_CLOSED;
        s->err = (int)r->error;
        return;
    }
    s->state = LS_SERVER;
    s->sock_id = r->sock_id;
    dom_sock_listen_on(s->d, r->sock_id, accepted, s, 1);
}

static int not_pending(void *ctx)
{
    return ((struct lsock *)ctx)->req == 0;
}

static int has_queue(void *ctx)
{
    return ((struct lsock *)ctx)->qn > 0;
}

/* A request whose answer the caller waits for on its stack (GETNAME, SETOPT). */
struct sync {
    int done;
    struct msg_socket_result r;
};

static void sync_done(void *ctx, const struct msg_socket_result *r, int fd)
{
    struct sync *y = ctx;
    if (fd >= 0) close(fd); /* never for these ops */
    y->r = *r;
    y->done = 1;
}

static int sync_ready(void *ctx)
{
    return ((struct sync *)ctx)->done;
}

static int ask(struct lsock *s, uint16_t type, const union msg_body *b, struct sync *y)
{
    y->done = 0;
    uint32_t id = dom_sock_request(s->d, type, b, sync_done, y);
    if (dom_link_wait(s->d, sync_ready, y, NULL, 0, DOM_WAIT_MAX_MS)) return 0;
    dom_sock_cancel(s->d, id); /* y lives on this stack only */
    return -1;
}

/* ---- methods ------------------------------------------------------------------------ */

static int l_connect(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    if (s->state == LS_MASTER) {
        int n = addr_arg(L, 2, 0, &s->target);
        if (n) return n;
        union msg_body b = {.sock_connect = {s->target}};
        s->req = dom_sock_request(s->d, MSG_SOCK_CONNECT, &b, connect_done, s);
        s->state = LS_CONNECTING;
    } else if (s->state != LS_CONNECTING) {
        return lsock_fail(L, s->state == LS_CLIENT ? "already connected" : "closed");
    }
    dom_link_wait(s->d, not_pending, s, NULL, 0, lsock_wait_ms(s));
    if (s->state == LS_CONNECTING) return lsock_fail(L, "timeout");
    if (s->state != LS_CLIENT) return lsock_fail_errno(L, s->err, "connect to", &s->target);
    lua_pushinteger(L, 1);
    return 1;
}

static int l_bind(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    if (s->state != LS_MASTER) return lsock_fail(L, "bind on a socket that is not new");
    int n = addr_arg(L, 2, 1, &s->bind);
    if (n) return n;
    s->have_bind = 1;
    lua_pushinteger(L, 1);
    return 1;
}

static int l_listen(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    lua_Integer backlog = luaL_optinteger(L, 2, 32);
    if (s->state != LS_MASTER || !s->have_bind)
        return lsock_fail(L, "listen needs a bound, new socket");
    union msg_body b = {.sock_listen = {s->bind, (uint16_t)(backlog < 1      ? 1
                                                            : backlog > 1024 ? 1024
                                                                             : backlog)}};
    s->req = dom_sock_request(s->d, MSG_SOCK_LISTEN, &b, listen_done, s);
    s->state = LS_LISTENING;
    /* The core answers a listen at once: wait for it whatever the timeout. */
    dom_link_wait(s->d, not_pending, s, NULL, 0, DOM_WAIT_MAX_MS);
    if (s->state == LS_LISTENING) return lsock_fail(L, "no answer from the core");
    if (s->state != LS_SERVER) return lsock_fail_errno(L, s->err, "listen on", &s->bind);
    lua_pushinteger(L, 1);
    return 1;
}

static int l_accept(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    if (s->state != LS_SERVER) return lsock_fail(L, "accept on a socket that is not a server");
    if (!s->qn && !dom_link_wait(s->d, has_queue, s, NULL, 0, lsock_wait_ms(s)))
        return lsock_fail(L, "timeout");
    struct lsock *c = new_sock(L, s->d);
    c->state = LS_CLIENT;
    c->fd = s->q[0].fd;
    c->sock_id = s->q[0].id;
    c->peer = s->q[0].peer;
    c->timeout_ms = s->timeout_ms;
    memmove(&s->q[0], &s->q[1], sizeof(s->q[0]) * (size_t)--s->qn);
    return 1;
}

static void do_close(struct lsock *s)
{
    switch (s->state) {
    case LS_CLIENT:
        dom_sock_close(s->d, s->fd);
        break;
    case LS_CONNECTING:
    case LS_LISTENING:
        dom_sock_cancel(s->d, s->req);
        break; /* the answer is given back */
    case LS_SERVER:
        dom_sock_unlisten(s->d, s->sock_id);
        dom_sock_forget_id(s->d, s->sock_id);
        for (int i = 0; i < s->qn; i++)
            dom_sock_close(s->d, s->q[i].fd);
        s->qn = 0;
        break;
    default:
        break;
    }
    s->state = LS_CLOSED;
    s->fd = -1;
    free(s->rbuf);
    s->rbuf = NULL;
    s->rlen = 0;
}

static int l_close(lua_State *L)
{
    do_close(check_sock(L, 1));
    lua_pushinteger(L, 1);
    return 1;
}

static int push_addr(lua_State *L, const struct msg_addr *a)
{
    char text[BRK_TEXT_MAX];
    brk_addr_format(a, text, sizeof(text));
    char *colon = strrchr(text, ':');
    if (!colon || a->family == MSG_AF_NONE) return lsock_fail(L, "no address");
    *colon = '\0';
    int v6 = a->family == MSG_AF_INET6;
    if (v6) { /* "[::1]" -> "::1" */
        colon[-1] = '\0';
        lua_pushstring(L, text + 1);
    } else {
        lua_pushstring(L, text);
    }
    lua_pushinteger(L, a->port);
    lua_pushstring(L, v6 ? "inet6" : "inet");
    return 3;
}

static int getname(lua_State *L, int peer)
{
    struct lsock *s = check_sock(L, 1);
    if (s->state != LS_CLIENT && s->state != LS_SERVER) return lsock_fail(L, "closed");
    union msg_body b = {.sock_id = {s->sock_id}};
    struct sync y;
    if (ask(s, MSG_SOCK_GETNAME, &b, &y) != 0) return lsock_fail(L, "no answer from the core");
    if (y.r.error) return lsock_fail(L, strerror((int)y.r.error));
    return push_addr(L, peer ? &y.r.peer : &y.r.local);
}

static int l_getsockname(lua_State *L)
{
    return getname(L, 0);
}

static int l_getpeername(lua_State *L)
{
    return getname(L, 1);
}

static int l_setoption(lua_State *L)
{
    static const char *const names[] = {"tcp-nodelay", "keepalive", "sndbuf", "rcvbuf", NULL};
    static const uint8_t opts[] = {MSG_SO_NODELAY, MSG_SO_KEEPALIVE, MSG_SO_SNDBUF, MSG_SO_RCVBUF};
    struct lsock *s = check_sock(L, 1);
    int o = luaL_checkoption(L, 2, NULL, names);
    lua_Integer v = o < 2 ? lua_toboolean(L, 3) : luaL_checkinteger(L, 3);
    if (o >= 2) luaL_argcheck(L, v >= MSG_SOCKBUF_MIN && v <= MSG_SOCKBUF_MAX, 3, "out of range");
    if (s->state != LS_CLIENT && s->state != LS_SERVER) return lsock_fail(L, "closed");
    union msg_body b = {.sock_setopt = {s->sock_id, opts[o], (uint32_t)v}};
    struct sync y;
    if (ask(s, MSG_SOCK_SETOPT, &b, &y) != 0) return lsock_fail(L, "no answer from the core");
    if (y.r.error) return lsock_fail(L, strerror((int)y.r.error));
    lua_pushinteger(L, 1);
    return 1;
}

static int l_settimeout(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    lua_Number t = luaL_optnumber(L, 2, -1);
    s->timeout_ms = t < 0 ? -1 : t * 1000 > DOM_WAIT_MAX_MS ? DOM_WAIT_MAX_MS : (int)(t * 1000);
    lua_pushinteger(L, 1);
    return 1;
}

static int l_shutdown(lua_State *L)
{
    static const char *const hows[] = {"both", "send", "receive", NULL};
    struct lsock *s = check_sock(L, 1);
    int how = luaL_checkoption(L, 2, "both", hows);
    if (s->state != LS_CLIENT) return lsock_fail(L, "closed");
    shutdown(s->fd, how == 0 ? SHUT_RDWR : how == 1 ? SHUT_WR : SHUT_RD);
    lua_pushinteger(L, 1);
    return 1;
}

static int l_getfd(lua_State *L)
{
    lua_pushinteger(L, check_sock(L, 1)->fd);
    return 1;
}

static int l_dirty(lua_State *L)
{
    lua_pushboolean(L, check_sock(L, 1)->rlen > 0);
    return 1;
}

static int l_tostring(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    lua_pushfstring(L, "tcp{%s}: %p", state_names[s->state], (void *)s);
    return 1;
}

static int l_gc(lua_State *L)
{
    do_close(check_sock(L, 1));
    return 0;
}

/* ---- module functions ------------------------------------------------------------- */

static int l_tcp(lua_State *L)
{
    new_sock(L, dom_up(L));
    return 1;
}

static int l_connect_fn(lua_State *L)
{
    lua_settop(L, 2);
    new_sock(L, dom_up(L)); /* host, port, sock */
    lua_pushcfunction(L, l_connect);
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_call(L, 3, 2); /* host, port, sock, ok, err */
    if (lua_isnil(L, 4)) return 2;
    lua_pushvalue(L, 3);
    return 1;
}

static int l_gettime(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

static const luaL_Reg methods[] = {
    {"connect", l_connect},
    {"bind", l_bind},
    {"listen", l_listen},
    {"accept", l_accept},
    {"send", dom_lsock_send},
    {"receive", dom_lsock_receive},
    {"close", l_close},
    {"getsockname", l_getsockname},
    {"getpeername", l_getpeername},
    {"setoption", l_setoption},
    {"settimeout", l_settimeout},
    {"shutdown", l_shutdown},
    {"getfd", l_getfd},
    {"dirty", l_dirty},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"tcp", l_tcp}, {"connect", l_connect_fn}, {"select", dom_lsock_select}, {"gettime", l_gettime},
    {NULL, NULL},
};

void dom_lsock_open(struct dom *d, lua_State *L)
{
    /* env */
    if (luaL_newmetatable(L, LSOCK_MT)) { /* env, mt: once per Lua state */
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, l_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_gc);
        lua_setfield(L, -2, "__close");
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    luaL_newlibtable(L, funcs); /* env, socket */
    lua_pushlightuserdata(L, d);
    luaL_setfuncs(L, funcs, 1);
    lua_pushliteral(L, "visorflow-socket 1");
    lua_setfield(L, -2, "_VERSION");
    lua_setfield(L, -2, "socket");
}
