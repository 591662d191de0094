/*
 * pw_lua_strmatch - string.find/match/gmatch/gsub that a step's deadline
 * can stop: Lua's pattern matcher with a step counter (the count hook
 * cannot interrupt C code).
 * Owner: engine-runtime.
 */
#ifndef PW_LUA_STRMATCH_H
#define PW_LUA_STRMATCH_H

#include <lua.h>

/* Replaces find, match, gmatch and gsub in the global `string` table (also
 * the strings' metatable __index) of a sandboxed state. May raise. */
void pw_lua_strmatch_install(lua_State *L);

#endif
