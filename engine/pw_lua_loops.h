/*
 * pw_lua_loops - the library functions whose C loops run a count the
 * script chooses without calling back into Lua (so neither the count nor
 * the call hook fires): table.insert, table.remove, table.move and
 * string.rep. Lua 5.4.4's own code with a deadline check in the loop.
 * Owner: engine-runtime.
 */
#ifndef PW_LUA_LOOPS_H
#define PW_LUA_LOOPS_H

#include <lua.h>

/* Replaces them in the global `table` and `string` tables of a sandboxed
 * state. May raise. */
void pw_lua_loops_install(lua_State *L);

#endif
