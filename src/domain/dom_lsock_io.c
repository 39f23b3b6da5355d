/*
 * dom_lsock_io.c - data on a Lua client socket: send and receive, straight on
 * the fd the core passed (non-blocking), with luasocket's patterns ("*l",
 * "*a", a byte count) and results (data, or nil, err, partial). A timeout
 * covers the whole call, however many waits it takes, and is at most
 * DOM_WAIT_MAX_MS. Received bytes wait in a per-socket buffer of
 * LSOCK_RBUF_MAX bytes, outside the Lua heap but bounded like it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "domain/dom_lsock.h"

int dom_lsock_send(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer i = luaL_optinteger(L, 3, 1), j = luaL_optinteger(L, 4, (lua_Integer)len);
    if (s->state != LS_CLIENT) return lsock_fail(L, "closed");
    if (i < 1) i = 1;
    if (j > (lua_Integer)len) j = (lua_Integer)len;
    size_t at = (size_t)i - 1, end = j < i ? at : (size_t)j;
    struct pollfd pfd = {s->fd, POLLOUT, 0};
    uint64_t deadline = lsock_deadline(s);
    while (at < end) {
        ssize_t n = send(s->fd, data + at, end - at, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            at += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        int left = lsock_left_ms(deadline);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && left &&
            dom_link_wait(s->d, NULL, NULL, &pfd, 1, left))
            continue;
        lua_pushnil(L);
        lua_pushstring(L, n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? "closed" : "timeout");
        lua_pushinteger(L, (lua_Integer)at);
        return 3;
    }
    lua_pushinteger(L, (lua_Integer)end);
    return 1;
}

/* Fill the buffer once: 1 got data, 0 end of file, -1 nothing by the
 * deadline (or the buffer is full). */
static int fill(struct lsock *s, uint64_t deadline)
{
    if (!s->rbuf && !(s->rbuf = malloc(LSOCK_RBUF_MAX))) return -1;
    if (s->rlen == LSOCK_RBUF_MAX) return -1;
    struct pollfd pfd = {s->fd, POLLIN, 0};
    for (;;) {
        ssize_t n = recv(s->fd, s->rbuf + s->rlen, LSOCK_RBUF_MAX - s->rlen, MSG_DONTWAIT);
        if (n > 0) {
            s->rlen += (size_t)n;
            return 1;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            s->eof = 1;
            return 0;
        }
        if (errno == EINTR) continue;
        int left = lsock_left_ms(deadline);
        if (!left || !dom_link_wait(s->d, NULL, NULL, &pfd, 1, left)) return -1;
    }
}

/* Take n bytes off the front of the buffer and push them. */
static void take(lua_State *L, struct lsock *s, size_t n, size_t skip)
{
    if (!s->rbuf) {
        lua_pushliteral(L, "");
        return;
    }
    lua_pushlstring(L, s->rbuf, n);
    memmove(s->rbuf, s->rbuf + n + skip, s->rlen - n - skip);
    s->rlen -= n + skip;
}

int dom_lsock_receive(lua_State *L)
{
    struct lsock *s = check_sock(L, 1);
    const char *pat = "l";
    lua_Integer want = -1;
    if (lua_isinteger(L, 2))
        want = lua_tointeger(L, 2);
    else if (!lua_isnoneornil(L, 2))
        pat = luaL_checkstring(L, 2);
    if (*pat == '*') pat++;
    luaL_argcheck(L, want >= 0 || *pat == 'l' || *pat == 'a', 2, "pattern: l, a or a number");
    luaL_argcheck(L, want <= LSOCK_RBUF_MAX, 2, "at most 65536 bytes at once");
    if (s->state != LS_CLIENT) return lsock_fail(L, "closed");
    uint64_t deadline = lsock_deadline(s);
    for (;;) {
        if (want >= 0 && s->rlen >= (size_t)want) {
            take(L, s, (size_t)want, 0);
            return 1;
        }
        char *nl = want < 0 && *pat == 'l' && s->rlen ? memchr(s->rbuf, '\n', s->rlen) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - s->rbuf);
            take(L, s, n && nl[-1] == '\r' ? n - 1 : n, n && nl[-1] == '\r' ? 2 : 1);
            return 1;
        }
        if (s->eof) break;
        if (fill(s, deadline) < 0) {
            lua_pushnil(L);
            lua_pushstring(L, s->rlen == LSOCK_RBUF_MAX ? "line too long" : "timeout");
            take(L, s, s->rlen, 0); /* partial result */
            return 3;
        }
    }
    if (want < 0 && *pat == 'a') { /* everything up to the end is a success */
        take(L, s, s->rlen, 0);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, "closed");
    take(L, s, s->rlen, 0);
    return 3;
}
