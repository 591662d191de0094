/* Internal declarations of the JSONata evaluator (not installed). */
#ifndef JN_H
#define JN_H

#include <setjmp.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jsonata.h"

/* ---- arena: every allocation of one compile or evaluation ---- */
typedef struct jn_chunk jn_chunk;
typedef struct jn_arena {
	jn_chunk *head;
	size_t used, limit;
} jn_arena;

/* ---- values; a NULL jv* is JSONata's "undefined" ---- */
enum { JT_NULL = 1, JT_BOOL, JT_NUM, JT_STR, JT_ARR, JT_OBJ, JT_FUNC };

typedef struct jv jv;
typedef struct jkv { const char *k; size_t klen; jv *v; } jkv;
typedef struct jfunc jfunc;

struct jv {
	uint8_t t;
	uint8_t seq;   /* a result sequence, not a JSON array */
	uint8_t keep;  /* keep a singleton sequence as an array ([] in a path) */
	uint8_t cons;  /* built by an array constructor: never flattened */
	uint8_t outer; /* the wrapper around an array input */
	uint8_t tuple; /* a stream of binding tuples (see eval.c) */
	uint16_t nest; /* nesting depth of arrays/objects inside, bounded */
	union {
		int b;
		double n;
		struct { char *p; size_t len; } s;
		struct { jv **v; size_t n, cap; } a;
		struct { jkv *e; size_t n, cap; } o;
		jfunc *f;
	} u;
};

typedef struct jn_ctx jn_ctx;
typedef struct node node;
typedef struct env env;

typedef jv *(*jn_native)(jn_ctx *c, jv **args, int nargs, jv *input, env *e);

typedef struct jsig jsig;

enum { JF_NATIVE = 1, JF_LAMBDA, JF_PARTIAL, JF_REGEX, JF_TRANSFORM, JF_COMPOSE, JF_NEXT };
struct jfunc {
	int kind;
	const char *name;
	jn_native fn;
	jsig *sig;
	/* lambda */
	node *lam;
	env *closure;
	jv *input;
	/* partial application: NULL arg slots are the ? placeholders */
	jfunc *target;
	jv **pargs;
	int npargs;
	/* regex */
	struct jn_regex *re;
	/* a host function (natives.c) */
	const jsonata_native *ext;
};

/* ---- AST ---- */
enum {
	N_NUM = 1, N_STR, N_VAL /* true/false/null */, N_REGEX,
	N_NAME, N_VAR, N_WILD, N_DESC, N_PARENT, N_PATH,
	N_BIN, N_NEG, N_ARRAY, N_OBJECT, N_BLOCK, N_COND, N_BIND,
	N_CALL, N_PARTIAL, N_LAMBDA, N_PLACEHOLDER, N_APPLY, N_SORT,
	N_TRANSFORM, N_FILTER, N_INDEX, N_GROUP_TMP
};

struct node {
	int type;
	int op;          /* binary operator (token kind) */
	int pos;         /* character position in the expression */
	double num;
	jv *val;         /* literal value */
	char *str;       /* name, variable, operator text */
	size_t slen;
	node *lhs, *rhs, *cond, *els;
	node **kids; int nkids;    /* steps, items, args, block exprs, pairs (2n) */
	node **stages; int nstages; /* predicates / index bindings on a step */
	node **preds; int npreds;   /* predicates on a non-path expression */
	node **group; int ngroup;   /* group-by pairs (2n) */
	bool has_group;
	char *focus, *index;        /* @$focus, #$index */
	char **params; int nparams; /* lambda parameters */
	jsig *sig;
	int ascending;              /* sort term */
	bool keep_array, cons_array, tuple, keep_single;
	int slot_level;             /* % parent: how many ancestors up */
	char *slot_label;
	node **ancestors; int nanc; /* labels this step must bind for % */
	node *upd, *del;            /* transform */
	struct jn_regex *re;
};

/* ---- evaluation context ---- */
struct env {
	env *parent;
	const char **names;
	jv **vals;
	int n, cap;
};

struct jn_ctx {
	jn_arena *a;
	jmp_buf jb;
	jsonata_error *err;
	const char *src;
	int depth, max_depth;
	uint64_t steps, max_steps;
	uint64_t deadline_ms;
	int (*interrupt)(void *);
	void *interrupt_arg;
	jv *root;
	env *genv;
	unsigned rng;
	double now_ms;
	int label_seq;
	jv **bicache;
	const jsonata_native *natives;
};

/* arena.c */
void jn_arena_init(jn_arena *a, size_t limit);
void jn_arena_free(jn_arena *a);
void *jn_alloc(jn_ctx *c, size_t n);
void *jn_arena_alloc(jn_arena *a, size_t n);
char *jn_strndup(jn_ctx *c, const char *s, size_t n);

/* errors (arena.c): never return */
_Noreturn void jn_fail(jn_ctx *c, const char *code, int pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void jn_tick(jn_ctx *c);
uint64_t jn_now_ms(void);

/* value.c; values nest at most this deep, so every recursive walk of a
 * value (conversion, equality, JSON text, clone) has a bounded C stack */
#define JN_MAX_NEST 1000
extern jv jn_null, jn_true, jn_false;
jv *jv_bool(bool b);
jv *jv_num(jn_ctx *c, double d);
jv *jv_str(jn_ctx *c, const char *s, size_t n);
jv *jv_cstr(jn_ctx *c, const char *s);
jv *jv_arr(jn_ctx *c);
jv *jv_seq(jn_ctx *c);
jv *jv_obj(jn_ctx *c);
jv *jv_func(jn_ctx *c, jfunc *f);
void jv_push(jn_ctx *c, jv *arr, jv *v);
void jv_set(jn_ctx *c, jv *obj, const char *k, size_t klen, jv *v);
jv *jv_get(jv *obj, const char *k, size_t klen);
bool jv_del(jv *obj, const char *k, size_t klen);
bool jv_isarr(jv *v);
bool jv_equal(jv *a, jv *b);
bool jv_isint(jv *v);
jv *jv_from_json(jn_ctx *c, struct json_object *o);
struct json_object *jv_to_json(jv *v);
jv *jv_clone(jn_ctx *c, jv *v);
/* JSON text (no functions), for $string and errors; prec15 as $string. */
typedef struct jn_buf { char *p; size_t n, cap; jn_ctx *c; } jn_buf;
void jb_add(jn_buf *b, const char *s, size_t n);
void jb_adds(jn_buf *b, const char *s);
void jb_addc(jn_buf *b, char ch);
void jn_num_fmt(double d, bool prec15, char out[40]);
void jn_stringify(jn_buf *b, jv *v, bool prec15, int indent, int level);
const char *jn_typename(jv *v);

/* lexer/parser */
node *jn_parse(jn_ctx *c, const char *src);

/* eval.c */
jv *jn_eval(jn_ctx *c, node *n, jv *input, env *e);
jv *jn_apply(jn_ctx *c, jv *fn, jv **args, int nargs, jv *input, env *e, int pos);
env *jn_env_new(jn_ctx *c, env *parent);
void jn_env_bind(jn_ctx *c, env *e, const char *name, jv *v);
jv *jn_env_lookup(env *e, const char *name, bool *found);
bool jn_truthy(jv *v);   /* undefined -> false */
jv *jn_boolean(jv *v);   /* $boolean (undefined stays undefined) */
jv *jn_finish_seq(jv *v);
int jn_func_arity(jv *f);

/* functions.c */
void jn_install_builtins(jn_ctx *c, env *e);
jv *jn_to_string(jn_ctx *c, jv *v, int pos);
jsig *jn_sig_parse(jn_ctx *c, const char *s, int pos);
int jn_sig_arity(jsig *s);
jv *jn_builtin(jn_ctx *c, const char *name);
extern jv jn_placeholder;
typedef int (*jv_cmp)(void *ctx, jv *a, jv *b);
void jn_msort(jn_ctx *c, jv **v, size_t n, jv_cmp cmp, void *ctx);
jv **jn_sig_validate(jn_ctx *c, jsig *s, jv **args, int *nargs, jv *input, int pos, const char *fname, bool compact);

/* natives.c: host functions from jsonata_limits.natives */
jv *jn_ext_lookup(jn_ctx *c, const char *name);
jv *jn_ext_call(jn_ctx *c, jfunc *f, jv **args, int nargs, int pos);

/* regex.c: JavaScript-flavoured backtracking regex with bounded steps */
typedef struct jn_regex jn_regex;
jn_regex *jn_regex_compile(jn_ctx *c, const char *pat, size_t len, const char *flags, int pos);
/* Finds the first match at or after start (byte offsets); caps receives
 * 2*(ngroups+1) offsets (-1 unset). Returns 1 on match, 0 otherwise. */
int jn_regex_exec(jn_ctx *c, jn_regex *re, const char *s, size_t len, size_t start, long *caps);
int jn_regex_ngroups(jn_regex *re);
/* a regex called as a function: the match object of its first match */
jv *jn_regex_call(jn_ctx *c, jn_regex *re, jv *s, int pos);
jv *jn_match_object(jn_ctx *c, jn_regex *re, const char *s, size_t len, size_t start, int pos);

/* utf8 helpers (value.c) */
size_t jn_utf8_len(const char *s, size_t n);
size_t jn_utf8_off(const char *s, size_t n, size_t cp); /* byte offset of code point cp */

/* datetime.c / numfmt.c */
jv *jn_fn_fromMillis(jn_ctx *c, jv **a, int n, jv *in, env *e);
jv *jn_fn_toMillis(jn_ctx *c, jv **a, int n, jv *in, env *e);
jv *jn_fn_formatNumber(jn_ctx *c, jv **a, int n, jv *in, env *e);
jv *jn_fn_formatInteger(jn_ctx *c, jv **a, int n, jv *in, env *e);
jv *jn_fn_parseInteger(jn_ctx *c, jv **a, int n, jv *in, env *e);
jv *jn_fn_now(jn_ctx *c, jv **a, int n, jv *in, env *e);

#endif
