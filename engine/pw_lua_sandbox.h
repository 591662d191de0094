/*
 * pw_lua_sandbox - a restricted Lua 5.4 state: only base (minus dofile,
 * loadfile, load of binary chunks), string (minus dump), table, math, utf8
 * and os.time/os.clock/os.date; a memory cap through a custom allocator and
 * an instruction/time budget through a count hook. Plus conversion between
 * Lua values and json-c.
 * Owner: engine-runtime.
 */
#ifndef PW_LUA_SANDBOX_H
#define PW_LUA_SANDBOX_H

#include <stdint.h>
#include <lua.h>
#include <prewarm/plugin.h>

typedef struct pw_lua pw_lua;

struct pw_lua_limits {
	size_t memory_bytes;  /* 0: default 64 MiB */
	int64_t deadline_ms;  /* wall-clock budget from now; <= 0: none */
};

/* Creates a sandboxed state. NULL on allocation failure. */
pw_lua *pw_lua_new(const struct pw_lua_limits *limits);
void pw_lua_free(pw_lua *L); /* NULL is a no-op */
lua_State *pw_lua_state(pw_lua *L);

/*
 * Loads text chunk `src` (binary chunks are refused) named `chunkname`
 * (shown in errors as "@file"), calls it with `arg` (converted to a Lua
 * value; may be NULL for no argument) and converts its first return value
 * to *result (NEW reference; JSON null when it returns nothing).
 * Errors: error({Error=..., Cause=...}) -> that name and cause; exceeded
 * time -> States.Timeout; exceeded memory -> States.Runtime (cause says
 * "memory limit"); syntax error -> States.Runtime with "file:line:"; any
 * other error -> States.TaskFailed with the message as cause.
 */
int pw_lua_run_chunk(pw_lua *L, const char *chunkname, const char *src,
		     size_t len, json_object *arg, json_object **result,
		     pw_error *err);

/* Lua value at stack index idx -> json (NEW reference). Tables with keys
 * 1..n become arrays (an empty table becomes {}), other tables objects.
 * Fails on functions, userdata and cycles. */
int pw_lua_to_json(lua_State *L, int idx, json_object **out, pw_error *err);

/* Pushes a json value as a Lua value (null -> a light userdata sentinel
 * exposed as prewarm.json.null). */
void pw_lua_push_json(lua_State *L, json_object *v);

#endif
