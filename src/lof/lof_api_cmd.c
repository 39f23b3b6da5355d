/*
 * lof_api_cmd.c - operators' commands to the apps: `visorflowctl block ADDR
 * --for 60` (local socket or management API) reaches the of domain as
 * APP_COMMAND and becomes command(name, args) of the apps, in chain order,
 * until one returns something other than nil:
 *
 *   "text"             done; text is the answer
 *   true [, "text"]    done
 *   false, "why"       refused; the request fails with why
 *
 * Returning nil (or having no command handler) passes it on; when no app
 * answers, the caller says so. One call per app, each with its own
 * instruction budget; a handler that errors counts as not answering (and is
 * logged as any handler error).
 */
#include <stdio.h>
#include <string.h>

#include "lof/lof_internal.h"

static int build_args(lua_State *L)
{
    const struct lof_command *cmd = lua_touserdata(L, 1);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, cmd->target);
    lua_setfield(L, -2, "target");
    lua_pushstring(L, cmd->target);
    lua_setfield(L, -2, cmd->is_mac ? "mac" : "addr");
    if (cmd->seconds) {
        lua_pushinteger(L, cmd->seconds);
        lua_setfield(L, -2, "seconds");
    }
    return 1;
}

/* One line of what the app said: up to the first newline, control bytes
 * replaced (it goes into the core's log and the client's answer). */
static void one_line(const char *s, char *text, size_t cap)
{
    size_t i = 0;
    for (; s[i] && s[i] != '\n' && i + 1 < cap; i++)
        text[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    text[i] = '\0';
}

int lof_command(struct lof *l, const struct lof_command *cmd, int *error, char *text, size_t cap)
{
    struct lof_state *st = l->cur;
    if (!st) return 0;
    lua_State *L = st->L;
    int base = lua_gettop(L);
    int answered = 0;
    for (size_t i = 0; i < st->n_apps && !answered; i++) {
        struct lof_app *a = &st->apps[i];
        if (a->href[LOF_H_COMMAND] == LUA_NOREF) continue;
        lua_rawgeti(L, LUA_REGISTRYINDEX, a->href[LOF_H_COMMAND]); /* fn */
        if (!lua_checkstack(L, 4)) break;
        lua_pushstring(L, cmd->name); /* fn, name */
        if (lof_protected(st, build_args, (void *)cmd, 1, NULL, 0) != 0) { /* fn, name, args */
            lua_settop(L, base);
            break;
        }
        if (lof_call(st, a, 2, 2, "command", NULL, 0) != 0) continue; /* r1, r2 */
        int t1 = lua_type(L, -2);
        const char *s2 = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        answered = t1 != LUA_TNIL;
        if (t1 == LUA_TSTRING) {
            *error = 0;
            one_line(lua_tostring(L, -2), text, cap);
        } else if (t1 == LUA_TBOOLEAN) {
            *error = !lua_toboolean(L, -2);
            one_line(s2 ? s2 : *error ? "refused" : "done", text, cap);
        } else if (answered) {
            *error = 1;
            snprintf(text, cap, "app %s: command returned a %s (a string, true or false, why)",
                     a->name, lua_typename(L, t1));
        }
        lua_settop(L, base);
    }
    return answered;
}
