/*
 * vlua_internal.h - what the sandbox's own files share and nobody else needs.
 */
#ifndef VF_VLUA_INTERNAL_H
#define VF_VLUA_INTERNAL_H

#include <stdint.h>

#include <lua.h>

uint64_t vlua_pattern_budget(lua_State *L);
/* Wrap table.insert/remove/move so a lying __len or a huge range cannot make
 * them loop in C, where the instruction hook never runs. */
void vlua_table_guard(lua_State *L);

#endif
