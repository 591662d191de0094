/*
 * pw_lua_loops - table.insert/remove/move and string.rep that a step's
 * deadline can stop. From Lua 5.4.4's ltablib.c and lstrlib.c (MIT
 * licence, Copyright (C) 1994-2022 Lua.org, PUC-Rio; the notice is in
 * pw_lua_strmatch.c), with a deadline check every CHECK_EVERY iterations.
 *
 * Why: `#t` can be anything a __len returns (os.time of the table's own
 * date fields is 1e9 and more), and moving nil over absent keys allocates
 * nothing, so table.remove(t, 1) or table.move({}, 1, 1e15, 1) loop in C
 * for hours with no memory growth and no call the hook could see;
 * string.rep('', 1e18) copies nothing 1e18 times.
 */
#include "pw_lua_loops.h"

#include <lauxlib.h>

#include "pw_lua_sandbox.h"

#define CHECK_EVERY 4096

#define TAB_R 1 /* read */
#define TAB_W 2 /* write */
#define TAB_L 4 /* length */
#define TAB_RW (TAB_R | TAB_W)

static int checkfield(lua_State *L, const char *key, int n)
{
	lua_pushstring(L, key);
	return lua_rawget(L, -n) != LUA_TNIL;
}

/* arg is a table or has the metamethods that make it behave like one. */
static void checktab(lua_State *L, int arg, int what)
{
	if (lua_type(L, arg) != LUA_TTABLE) {
		int n = 1;
		if (lua_getmetatable(L, arg) &&
		    (!(what & TAB_R) || checkfield(L, "__index", ++n)) &&
		    (!(what & TAB_W) || checkfield(L, "__newindex", ++n)) &&
		    (!(what & TAB_L) || checkfield(L, "__len", ++n)))
			lua_pop(L, n);
		else
			luaL_checktype(L, arg, LUA_TTABLE);
	}
}

static lua_Integer aux_getn(lua_State *L, int n, int w)
{
	checktab(L, n, w | TAB_L);
	return luaL_len(L, n);
}

/* Every CHECK_EVERY calls: raises the step's timeout once it is due. */
static void tick(lua_State *L, unsigned *count)
{
	if (++*count % CHECK_EVERY == 0)
		pw_lua_check_deadline(L);
}

static int tinsert(lua_State *L)
{
	lua_Integer pos;
	lua_Integer e = aux_getn(L, 1, TAB_RW);
	unsigned count = 0;
	e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
	switch (lua_gettop(L)) {
	case 2:
		pos = e;
		break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
			      "position out of bounds");
		for (lua_Integer i = e; i > pos; i--) { /* move up elements */
			tick(L, &count);
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
		}
		break;
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

static int tremove(lua_State *L)
{
	lua_Integer size = aux_getn(L, 1, TAB_RW);
	lua_Integer pos = luaL_optinteger(L, 2, size);
	unsigned count = 0;
	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 1,
			      "position out of bounds");
	lua_geti(L, 1, pos);
	for (; pos < size; pos++) {
		tick(L, &count);
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

static int tmove(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);
	lua_Integer t = luaL_checkinteger(L, 4);
	int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* destination table */
	unsigned count = 0;
	checktab(L, 1, TAB_R);
	checktab(L, tt, TAB_W);
	if (e >= f) {
		lua_Integer n, i;
		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		n = e - f + 1;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
		if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
			for (i = 0; i < n; i++) {
				tick(L, &count);
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		} else {
			for (i = n - 1; i >= 0; i--) {
				tick(L, &count);
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		}
	}
	lua_pushvalue(L, tt);
	return 1;
}

/* string.rep: an empty result needs no loop; anything else is bounded by
 * the memory cap, so the original does the work. */
static int str_rep(lua_State *L)
{
	size_t l, lsep;
	luaL_checklstring(L, 1, &l);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || l + lsep == 0 || (n == 1 && l == 0)) {
		lua_pushliteral(L, "");
		return 1;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

void pw_lua_loops_install(lua_State *L)
{
	static const luaL_Reg table_fns[] = {
		{"insert", tinsert}, {"remove", tremove}, {"move", tmove}, {NULL, NULL}};
	lua_getglobal(L, "table");
	luaL_setfuncs(L, table_fns, 0);
	lua_pop(L, 1);
	lua_getglobal(L, "string");
	lua_getfield(L, -1, "rep");
	lua_pushcclosure(L, str_rep, 1);
	lua_setfield(L, -2, "rep");
	lua_pop(L, 1);
}
