/*
 * dom_lselect.c - socket.select(recvt, sendt [, timeout]) of the Lua socket
 * module: which of the given sockets can be read (data buffered or waiting,
 * a connection to accept, the peer gone) or written (a connect answered, room
 * in the send buffer). Returns two tables, each both a list and a set (as
 * luasocket does), and "timeout" when nothing was ready. The wait is a nested
 * wait of the domain, bounded like every other (DOM_WAIT_MAX_MS).
 */
#include <string.h>

#include "domain/dom_lsock.h"

#define SELECT_MAX 64

struct sel {
    struct lsock *s[SELECT_MAX];
    int idx[SELECT_MAX]; /* stack index of the object */
    int n;
};

/* Ready without looking at an fd: answered connects, queued connections,
 * buffered bytes. */
static int ready_now(const struct lsock *s, int writing)
{
    if (writing) return s->state == LS_CLIENT && s->req == 0 ? 0 : s->state == LS_CLOSED;
    return s->state == LS_SERVER ? s->qn > 0 : s->state == LS_CLIENT && (s->rlen || s->eof);
}

struct pending {
    struct sel *r, *w;
};

/* Done waiting when something changes that no fd shows. */
static int changed(void *ctx)
{
    struct pending *p = ctx;
    for (int i = 0; i < p->r->n; i++)
        if (ready_now(p->r->s[i], 0)) return 1;
    for (int i = 0; i < p->w->n; i++)
        if (p->w->s[i]->state != LS_CONNECTING && p->w->s[i]->state != LS_CLIENT) return 1;
    return 0;
}

static void collect(lua_State *L, int t, struct sel *sel)
{
    sel->n = 0;
    if (lua_isnoneornil(L, t)) return;
    luaL_checktype(L, t, LUA_TTABLE);
    for (lua_Integer i = 1; sel->n < SELECT_MAX; i++) {
        if (lua_rawgeti(L, t, i) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        struct lsock *s = luaL_testudata(L, -1, LSOCK_MT);
        if (!s) {
            lua_pop(L, 1);
            continue;
        }
        sel->s[sel->n] = s;
        sel->idx[sel->n++] = lua_gettop(L); /* stays on the stack until the end */
    }
}

/* Sockets with an fd to poll, in sel order; -1 entries are skipped. */
static int to_poll(const struct sel *sel, int writing, struct pollfd *pfd, int n)
{
    for (int i = 0; i < sel->n; i++) {
        const struct lsock *s = sel->s[i];
        int fd = s->state == LS_CLIENT ? s->fd : -1;
        pfd[n++] = (struct pollfd){fd, (short)(writing ? POLLOUT : POLLIN), 0};
    }
    return n;
}

static void result(lua_State *L, const struct sel *sel, const struct pollfd *pfd, int writing,
                   int *any)
{
    lua_createtable(L, sel->n, sel->n);
    int k = 0;
    for (int i = 0; i < sel->n; i++) {
        int ok = ready_now(sel->s[i], writing) || (pfd[i].fd >= 0 && pfd[i].revents);
        if (writing && sel->s[i]->state == LS_CONNECTING) ok = 0;
        if (!ok) continue;
        lua_pushvalue(L, sel->idx[i]);
        lua_rawseti(L, -2, ++k);
        lua_pushvalue(L, sel->idx[i]);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
    }
    *any |= k > 0;
}

int dom_lsock_select(lua_State *L)
{
    static struct sel r, w; /* one select at a time: the domain has one thread */
    struct pollfd pfd[2 * SELECT_MAX];
    lua_Number t = luaL_optnumber(L, 3, -1);
    int ms = t < 0 || t * 1000 > DOM_WAIT_MAX_MS ? DOM_WAIT_MAX_MS : (int)(t * 1000);
    lua_settop(L, 3);
    luaL_checkstack(L, 2 * SELECT_MAX + 8, "socket.select"); /* the objects stay on it */
    collect(L, 1, &r);
    collect(L, 2, &w);
    int n = to_poll(&r, 0, pfd, 0);
    n = to_poll(&w, 1, pfd, n);
    struct pending p = {&r, &w};
    struct dom *d = r.n ? r.s[0]->d : w.n ? w.s[0]->d : NULL;
    if (d && !changed(&p)) {
        /* A wait that returns early for a fd needs all revents: poll again. */
        dom_link_wait(d, changed, &p, pfd, n, ms);
    }
    for (int i = 0; i < n; i++)
        pfd[i].revents = 0;
    poll(pfd, (nfds_t)n, 0);
    int any = 0;
    result(L, &r, pfd, 0, &any);
    result(L, &w, pfd + r.n, 1, &any);
    if (any) return 2;
    lua_pushliteral(L, "timeout");
    return 3;
}
