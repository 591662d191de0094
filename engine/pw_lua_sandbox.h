/*
 * pw_lua_sandbox - a restricted Lua 5.4 state: only base (minus dofile,
 * loadfile, collectgarbage, load of binary chunks, __gc metamethods),
 * string (minus dump; a pattern matcher the deadline can stop), table,
 * math, utf8 and os.time/os.clock/os.date; a memory cap through a custom
 * allocator and a time budget through a count hook. Plus conversion
 * between Lua values and json-c that never runs user code.
 * No call into Lua made here can abort the process: everything that can
 * raise runs under lua_pcall.
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

/* Error name of a step that exceeded its memory cap (a task error that
 * States.ALL and States.TaskFailed catch, like a Lambda out of memory). */
#define PW_LUA_MEMORY_LIMIT "Lua.MemoryLimit"

/* Deepest table nesting converted either way (the loaders' limit). */
#define PW_LUA_MAX_DEPTH 128

/* Creates a sandboxed state. NULL on allocation failure. A state created
 * while another one runs a chunk on this thread (a nested prewarm.call of
 * a lua: step) shares that one's memory budget: the cap holds for all
 * nesting levels together. */
pw_lua *pw_lua_new(const struct pw_lua_limits *limits);
void pw_lua_free(pw_lua *L); /* NULL is a no-op */
lua_State *pw_lua_state(pw_lua *L);

/*
 * Loads text chunk `src` (binary chunks are refused) named `chunkname`
 * (shown in errors as "@file"), calls it with `arg` (converted to a Lua
 * value; may be NULL for no argument) and converts its first return value
 * to *result (NEW reference; JSON null when it returns nothing).
 * Errors: error({Error=..., Cause=...}) -> that name and cause; exceeded
 * time (also a chunk that returns after its deadline) -> States.Timeout;
 * exceeded memory (also while converting arg) -> Lua.MemoryLimit; syntax
 * error -> States.Runtime with "file:line:"; any other error ->
 * States.TaskFailed with the message as cause. Reads error objects raw:
 * no metamethod of the script runs after it returned.
 */
int pw_lua_run_chunk(pw_lua *L, const char *chunkname, const char *src,
		     size_t len, json_object *arg, json_object **result,
		     pw_error *err);

/* Runs fn(L) with ud as its only argument (a light userdata) under
 * lua_pcall; an error becomes *err as pw_lua_run_chunk names it. For
 * setting up a state (globals, the prewarm table) without risking a panic. */
int pw_lua_protected(pw_lua *L, lua_CFunction fn, void *ud, pw_error *err);

/* Lua value at stack index idx -> json (NEW reference). Tables with keys
 * 1..n become arrays (an empty table becomes {}), other tables objects.
 * Raw access only (no metamethod runs) and never raises. Fails on
 * functions, userdata, cycles, nesting deeper than PW_LUA_MAX_DEPTH, a
 * result much larger than the memory cap (Lua.MemoryLimit) and a passed
 * deadline (States.Timeout). */
int pw_lua_to_json(lua_State *L, int idx, json_object **out, pw_error *err);

/* Pushes a json value as a Lua value (null -> a light userdata sentinel
 * exposed as prewarm.json.null). May raise (memory, nesting deeper than
 * PW_LUA_MAX_DEPTH): call it from Lua or under pw_lua_protected. */
void pw_lua_push_json(lua_State *L, json_object *v);

/* Pushes the sandbox's tostring of the value at idx: __tostring when it
 * has one, else Lua's text for nil/boolean/number/string, "null" for
 * prewarm.json.null and the bare type name ("table", "function") for the
 * rest: no addresses. May raise; call it from Lua. */
void pw_lua_tostring(lua_State *L, int idx);

/* Raises {Error = "Lua.MemoryLimit"} when parsing the JSON text s with
 * json-c (whose memory the Lua allocator does not see) would likely take
 * more than what is left of the sandbox's memory budget. Call it from Lua
 * before json_tokener_parse. */
void pw_lua_check_json_text(lua_State *L, const char *s, size_t len);

/* For C functions running inside a sandboxed state (the pattern matcher):
 * raises the step's timeout error when its deadline passed or a signal
 * asked the process to stop. */
void pw_lua_check_deadline(lua_State *L);

#endif
