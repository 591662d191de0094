/* The public API: compile once, evaluate many times, each evaluation in
 * its own arena with its own bounds. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jn.h"

struct jsonata_expr {
	jn_arena arena;
	node *ast;
	char *src;
};

#define DEFAULT_DEPTH 1000
#define DEFAULT_MEMORY ((size_t)256 << 20)

static void clear_err(jsonata_error *err)
{
	memset(err, 0, sizeof(*err));
	err->position = -1;
}

jsonata_expr *jsonata_compile(const char *expr, jsonata_error *err)
{
	jsonata_error dummy;
	if (!err)
		err = &dummy;
	clear_err(err);
	jsonata_expr *volatile e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	jn_arena_init(&e->arena, DEFAULT_MEMORY);
	jn_ctx c;
	memset(&c, 0, sizeof(c));
	c.a = &e->arena;
	c.err = err;
	c.src = expr;
	c.max_depth = DEFAULT_DEPTH;
	if (setjmp(c.jb)) {
		jn_arena_free(&e->arena);
		free(e);
		return NULL;
	}
	e->src = jn_strndup(&c, expr, strlen(expr));
	c.src = e->src;
	e->ast = jn_parse(&c, e->src);
	return e;
}

void jsonata_free(jsonata_expr *e)
{
	if (!e)
		return;
	jn_arena_free(&e->arena);
	free(e);
}

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

int jsonata_eval(const jsonata_expr *e, struct json_object *input,
		 struct json_object *bindings, const jsonata_limits *limits,
		 struct json_object **out, jsonata_error *err)
{
	jsonata_error dummy;
	if (!err)
		err = &dummy;
	clear_err(err);
	*out = NULL;
	jn_arena arena;
	jn_arena_init(&arena, limits && limits->max_memory ? limits->max_memory : DEFAULT_MEMORY);
	jn_ctx c;
	memset(&c, 0, sizeof(c));
	c.a = &arena;
	c.err = err;
	c.src = e->src;
	c.max_depth = limits && limits->max_depth ? limits->max_depth : DEFAULT_DEPTH;
	c.max_steps = limits ? limits->max_steps : 0;
	if (limits && limits->timeout_ms)
		c.deadline_ms = jn_now_ms() + limits->timeout_ms;
	if (limits) {
		c.interrupt = limits->interrupt;
		c.interrupt_arg = limits->interrupt_arg;
		c.natives = limits->natives;
	}
	c.now_ms = wall_ms();
	c.rng = (unsigned)((uint64_t)c.now_ms & 0xffffffffu) ^ (unsigned)(uintptr_t)&c;
	if (setjmp(c.jb)) {
		jn_arena_free(&arena);
		return -1;
	}
	jv *in = input ? jv_from_json(&c, input) : NULL;
	if (in && in->t == JT_ARR) {
		jv *w = jv_seq(&c);
		jv_push(&c, w, in);
		w->outer = 1;
		in = w;
	}
	c.root = in;
	env *g = jn_env_new(&c, NULL);
	if (bindings && json_object_is_type(bindings, json_type_object)) {
		json_object_object_foreach(bindings, k, v) {
			jn_env_bind(&c, g, jn_strndup(&c, k, strlen(k)), jv_from_json(&c, v));
		}
	}
	c.genv = g;
	jv *r = jn_eval(&c, e->ast, in, g);
	r = jn_finish_seq(r);
	if (r && r->t == JT_FUNC)
		r = NULL;
	if (!r) {
		jn_arena_free(&arena);
		return 1;
	}
	*out = jv_to_json(r);
	jn_arena_free(&arena);
	return r ? 0 : 1;
}
