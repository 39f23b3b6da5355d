/*
 * dom_lsock.h - the Lua socket object, shared by the module (dom_lsock.c),
 * its data calls (dom_lsock_io.c) and socket.select (dom_lselect.c).
 */
#ifndef VF_DOM_LSOCK_H
#define VF_DOM_LSOCK_H

#include <lauxlib.h>
#include <lua.h>
#include <time.h>

#include "domain/dom.h"

#define LSOCK_MT       "vf.socket"
#define LSOCK_RBUF_MAX (64 * 1024) /* a line longer than this is an error */
#define LSOCK_QUEUE    16

/* master: new; connecting/listening: the core has not answered yet */
enum { LS_MASTER, LS_CONNECTING, LS_CLIENT, LS_LISTENING, LS_SERVER, LS_CLOSED };

struct lsock {
    struct dom *d;
    int state, fd, err, timeout_ms, eof;
    uint32_t sock_id, req;
    int have_bind;
    struct msg_addr bind, peer, target;
    struct {
        int fd;
        uint32_t id;
        struct msg_addr peer;
    } q[LSOCK_QUEUE];
    int qn;
    char *rbuf;
    size_t rlen;
};

#define check_sock(L, i) ((struct lsock *)luaL_checkudata(L, i, LSOCK_MT))

/* The wait a call may make: its timeout, or the longest wait. */
static inline int lsock_wait_ms(const struct lsock *s)
{
    return s->timeout_ms < 0 ? DOM_WAIT_MAX_MS : s->timeout_ms;
}

/* A call's timeout covers the whole call, however many waits it takes. */
static inline uint64_t lsock_deadline(const struct lsock *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + (uint64_t)lsock_wait_ms(s);
}

static inline int lsock_left_ms(uint64_t deadline)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    return now >= deadline ? 0 : (int)(deadline - now);
}

/* nil, message (and a third value when given): luasocket's error shape. */
static inline int lsock_fail(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

/* socket.select(recvt, sendt [, timeout]) (dom_lselect.c) */
int dom_lsock_select(lua_State *L);
/* sock:send, sock:receive (dom_lsock_io.c) */
int dom_lsock_send(lua_State *L);
int dom_lsock_receive(lua_State *L);

#endif
