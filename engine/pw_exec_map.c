/*
 * pw_exec_map - Map and Parallel states: items and branches run
 * concurrently on a bounded pool (pw_pool), at most MaxConcurrency at a
 * time (0/absent: config map_max_concurrency), results in item/branch
 * order. The first failure is the state's error and cancels the others:
 * pending ones never start, running ones stop at their next check
 * (pw_cancel_requested: between states, in waits, in a Lua step's hook,
 * host->is_cancelled). ToleratedFailureCount/Percentage (and their Path
 * forms) let a Map go on past failed items until a threshold, then fail
 * with States.ExceedToleratedFailureThreshold.
 *
 * Each iteration/branch gets its own execution context (pw_exec_int.h):
 * deep copies of its input, the context object, the vars and its part of
 * the definition, so no JSON object is reachable from two threads while
 * they run (json-c's reference counts are plain integers).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_dataflow.h"
#include "pw_exec_int.h"
#include "pw_log.h"
#include "pw_path.h"
#include "pw_pool.h"

#define PW_MAP_MAX_CONCURRENCY 1024 /* also map_max_concurrency's bound */

static int default_width = PW_MAP_DEFAULT_CONCURRENCY;

void pw_exec_set_default_concurrency(int n)
{
	default_width = n > 0 ? n : PW_MAP_DEFAULT_CONCURRENCY;
}

int pw_exec_default_concurrency(void)
{
	return default_width;
}

static int max_threads = PW_EXEC_MAX_THREADS;

void pw_exec_set_max_threads(int n)
{
	__atomic_store_n(&max_threads, n > 0 ? n : PW_EXEC_MAX_THREADS, __ATOMIC_RELAXED);
}

int pw_exec_max_threads(void)
{
	return __atomic_load_n(&max_threads, __ATOMIC_RELAXED);
}

/* One iteration or branch: its own context and what it produced. */
struct iter {
	struct exec x;
	struct pw_exec_opts o;  /* the parent's, with vars copied */
	json_object *machine;   /* its own copy of the processor/branch */
	json_object *input;     /* owned */
	json_object *out;       /* NEW on PW_OK */
	pw_error err;
	int rc;
	int64_t sim_advanced;   /* dry run: its simulated time */
	char scope[600];
};

/* One Map/Parallel state being run. */
struct fan {
	struct exec *parent;
	const char *name;
	const char *scope;
	json_object *eff;      /* Parallel: every branch's input */
	json_object *branches; /* Parallel */
	json_object *items;    /* Map (owned) */
	json_object *proc;     /* Map: ItemProcessor / Iterator */
	json_object *sel;      /* Map: ItemSelector / Parameters, or NULL */
	size_t n;
	struct iter *it;
	struct pw_cancel cancel; /* set on the first failure */
	pthread_mutex_t lock;    /* the fields below */
	size_t failed;
	int have_first;
	pw_error first;        /* the state's error */
	/* Tolerated failures (Map): any < 0 means not set. */
	int64_t tol_count;
	double tol_pct;
	/* A JSONata Map: its fields are expressions (pw_jsonata.h). */
	int jx;
	struct pw_jsonata_ctx j;
};

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static json_object *copy_of(json_object *v)
{
	json_object *c = NULL;
	if (v != NULL && json_object_deep_copy(v, &c, NULL) != 0)
		return NULL;
	return c;
}

/* The i-th iteration's scope into out; the length it needs (>= len: cut). */
static int sub_scope(struct fan *f, size_t i, char *out, size_t len)
{
	return snprintf(out, len, "%s%s%s[%zu]", f->scope ? f->scope : "", f->scope ? "/" : "",
			f->name, i);
}

/* The Map's i-th item input (ItemSelector with $$.Map.Item), built in
 * the calling thread: only it touches the parent's context object. */
static int item_input(struct fan *f, size_t i, json_object **in, pw_error *err)
{
	json_object *value = json_object_array_get_idx(f->items, i);
	*in = NULL;
	if (f->sel == NULL) {
		*in = copy_of(value);
		return value == NULL || *in != NULL
			       ? PW_OK
			       : pw_error_set(err, "States.Runtime", "out of memory");
	}
	json_object *ctx = f->parent->ctx, *sel_out = NULL;
	json_object *map = json_object_new_object(), *item = json_object_new_object();
	json_object_object_add(item, "Index", json_object_new_int64((int64_t)i));
	json_object_object_add(item, "Value", json_object_get(value));
	json_object_object_add(map, "Item", item);
	json_object_object_add(ctx, "Map", map);
	int rc = f->jx ? pw_jsonata_value(&f->j, f->sel, "ItemSelector", &sel_out, err)
		       : pw_apply_template(f->sel, f->eff, ctx, &sel_out, err);
	json_object_object_del(ctx, "Map");
	if (rc != 0)
		return PW_ERR;
	*in = copy_of(sel_out); /* no leaf shared with the definition */
	json_object_put(sel_out);
	return *in != NULL ? PW_OK : pw_error_set(err, "States.Runtime", "out of memory");
}

/* Records a failure: the first one becomes the state's error and cancels
 * the others, unless a Map tolerates it. Under f->lock. */
static void record_failure(struct fan *f, const pw_error *e)
{
	f->failed++;
	int tolerant = f->tol_count >= 0 || f->tol_pct >= 0;
	if (tolerant) {
		int over = (f->tol_count >= 0 && (int64_t)f->failed > f->tol_count) ||
			   (f->tol_pct >= 0 && (double)f->failed * 100.0 > f->tol_pct * (double)f->n);
		if (!over)
			return;
		if (!f->have_first)
			pw_error_set(&f->first, "States.ExceedToleratedFailureThreshold",
				     "Map %s: %zu of %zu items failed, more than the tolerated "
				     "failure threshold; the last: %s: %s", f->name, f->failed, f->n,
				     e->name, e->cause);
	} else if (!f->have_first) {
		f->first = *e;
	}
	f->have_first = 1;
	pw_cancel_set(&f->cancel);
}

/* pw_pool prepare: builds job i's context in the calling thread; nonzero
 * stops starting jobs (a failure, a signal, or an outer cancel). */
static int prepare(void *ud, size_t i)
{
	struct fan *f = ud;
	struct iter *it = &f->it[i];
	struct exec *p = f->parent;
	pw_error e = {{0}, {0}};
	if (pw_cancel_requested() || pw_cancel_is_set(&f->cancel))
		return 1;
	if (f->items != NULL ? item_input(f, i, &it->input, &e) != PW_OK
			     : (it->input = copy_of(f->eff)) == NULL && f->eff != NULL) {
		if (e.name[0] == '\0')
			pw_error_set(&e, "States.Runtime", "out of memory");
		pthread_mutex_lock(&f->lock);
		if (!f->have_first) {
			f->first = e;
			f->have_first = 1;
		}
		pw_cancel_set(&f->cancel);
		pthread_mutex_unlock(&f->lock);
		return 1;
	}
	it->x = *p; /* shares sh, j, replay, visits; the rest is its own */
	it->o = *p->o;
	it->o.vars = copy_of(p->o->vars);
	it->x.o = &it->o;
	it->x.ctx = copy_of(p->ctx);
	it->x.state_ctx = field(it->x.ctx, "State");
	it->x.exiting_work_state = 0;
	/* Its own variable scope: reads the parent's (which does not change
	 * while the state runs), its assignments stay inside. */
	it->x.vars = pw_vars_new(p->vars);
	it->x.pending = NULL;
	if (p->o->dry_run) { /* its own simulated time, from the parent's now */
		pw_sim_clock_init(&it->x.sim, p->clk);
		it->x.clk = &it->x.sim.clock;
	}
	it->machine = copy_of(f->items != NULL ? f->proc
					       : json_object_array_get_idx(f->branches, i));
	sub_scope(f, i, it->scope, sizeof(it->scope));
	it->rc = PW_ERR;
	return 0;
}

/* Frees what prepare() built; keeps it->out. */
static void iter_fini(struct iter *it)
{
	json_object_put(it->x.ctx);
	json_object_put((json_object *)it->o.vars);
	json_object_put(it->machine);
	json_object_put(it->input);
	json_object_put(it->x.pending);
	pw_vars_free(it->x.vars);
	it->x.vars = NULL;
	it->x.pending = NULL;
	it->x.ctx = it->machine = it->input = NULL;
	it->o.vars = NULL;
}

/* pw_pool run: one iteration/branch, in a worker thread. Its context
 * is freed at once (a Map of thousands keeps only the outputs). */
static void run(void *ud, size_t i)
{
	struct fan *f = ud;
	struct iter *it = &f->it[i];
	const struct pw_cancel *outer = pw_cancel_enter(&f->cancel);
	const pw_vars *bound = pw_vars_bound(); /* the caller's, when run inline */
	if (it->x.ctx == NULL || it->machine == NULL || it->x.vars == NULL)
		it->rc = pw_error_set(&it->err, "States.Runtime", "out of memory");
	else
		it->rc = pw_exec_machine(&it->x, it->machine, NULL, it->scope, it->input, &it->out,
					 &it->err);
	pw_cancel_enter(outer);
	pw_vars_bind(bound);
	it->sim_advanced = it->x.sim.advanced;
	iter_fini(it);
	if (it->rc == PW_ERR) {
		pthread_mutex_lock(&f->lock);
		record_failure(f, &it->err);
		pthread_mutex_unlock(&f->lock);
	}
}

/* A non-negative integer field or its Path form (on the effective
 * input); *out stays as it is when neither is present. */
/* A *Path's integer: a JSON integer, or a string of decimal digits, which
 * Step Functions takes too (recorded: MaxConcurrencyPath "1"). */
static int path_integer(json_object *v, int64_t *n)
{
	if (json_object_is_type(v, json_type_int)) {
		*n = json_object_get_int64(v);
		return 1;
	}
	if (!json_object_is_type(v, json_type_string))
		return 0;
	const char *s = json_object_get_string(v);
	int64_t acc = 0;
	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || acc > (INT64_MAX - 9) / 10)
			return 0;
		acc = acc * 10 + (*s - '0');
	}
	*n = acc;
	return 1;
}

static int int_or_path(struct fan *f, json_object *state, const char *key, int64_t *out,
		       pw_error *err)
{
	char pkey[64];
	json_object *v = field(state, key);
	snprintf(pkey, sizeof(pkey), "%sPath", key);
	json_object *p = field(state, pkey);
	if (p != NULL) {
		const char *path = json_object_get_string(p);
		if (pw_path_get(path, f->eff, f->parent->ctx, &v, "States.Runtime", err) != 0)
			return PW_ERR;
		int64_t n = -1;
		int ok = path_integer(v, &n) && n >= 0;
		if (!ok) {
			/* Step Functions' words; a string shows as is, anything
			 * else as compact JSON. */
			const char *shown = json_object_is_type(v, json_type_string)
						    ? json_object_get_string(v)
						    : json_object_to_json_string_ext(
							      v, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
			pw_error_set(err, "States.Runtime",
				     "The %s field refers to value \"%s\" which is not a valid integer: %s",
				     pkey, shown ? shown : "null", path);
			json_object_put(v);
			return PW_ERR;
		}
		json_object_put(v);
		*out = n;
	} else if (v != NULL) {
		*out = json_object_get_int64(v);
	}
	return PW_OK;
}

/* ToleratedFailurePercentage(Path): 0 to 100, a number. */
static int tolerated_pct(struct fan *f, json_object *state, pw_error *err)
{
	json_object *v = field(state, "ToleratedFailurePercentage");
	json_object *p = field(state, "ToleratedFailurePercentagePath");
	double pct = -1;
	if (p != NULL) {
		json_object *got = NULL;
		const char *path = json_object_get_string(p);
		if (pw_path_get(path, f->eff, f->parent->ctx, &got, "States.Runtime", err) != 0)
			return PW_ERR;
		int ok = json_object_is_type(got, json_type_int) ||
			 json_object_is_type(got, json_type_double);
		pct = json_object_get_double(got);
		json_object_put(got);
		if (!ok || !(pct >= 0 && pct <= 100))
			return pw_error_set(err, "States.Runtime",
					    "%s: ToleratedFailurePercentagePath %s is not a number "
					    "from 0 to 100", f->name, path);
	} else if (v != NULL) {
		pct = json_object_get_double(v);
	}
	f->tol_pct = pct;
	return PW_OK;
}

/* Runs the fan-out and builds the ordered result. */
static int fan_run(struct fan *f, size_t width, json_object **result, pw_error *err)
{
	int rc = PW_OK;
	char last[sizeof(f->it->scope)];
	/* A cut scope would be shared by two iterations, and resume hands
	 * out journaled Task outputs by scope: refuse rather than mix them. */
	int need = f->n > 0 ? sub_scope(f, f->n - 1, last, sizeof(last)) : 0;
	if (need < 0 || (size_t)need >= sizeof(last))
		return pw_error_set(err, "States.Runtime",
				    "%s: Map/Parallel nested too deep: its iterations' scope (the "
				    "names of the states around them) is %d bytes, over %zu",
				    f->name, need, sizeof(last) - 1);
	f->it = calloc(f->n ? f->n : 1, sizeof(*f->it));
	if (f->it == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	pw_cancel_init(&f->cancel, pw_cancel_current());
	pthread_mutex_init(&f->lock, NULL);
	size_t ran = pw_pool_run(f->n, width, &f->parent->sh->threads, prepare, run, f);
	pthread_mutex_destroy(&f->lock);
	int64_t slowest = 0;
	int cancelled = 0;
	for (size_t i = 0; i < ran; i++) {
		if (f->it[i].rc == CANCELLED)
			cancelled = 1;
		if (f->parent->o->dry_run && f->it[i].sim_advanced > slowest)
			slowest = f->it[i].sim_advanced;
		iter_fini(&f->it[i]); /* prepared but never run (none today) */
	}
	/* A dry run's simulated time moves on by the slowest item, as if all
	 * ran at once. */
	if (f->parent->o->dry_run && f->parent->clk == &f->parent->sim.clock)
		f->parent->sim.advanced += slowest;
	if (f->have_first) {
		*err = f->first;
		rc = PW_ERR;
	} else if (cancelled || ran < f->n || pw_cancel_requested()) {
		rc = CANCELLED; /* a signal, or an enclosing Map/Parallel failed */
	} else {
		json_object *arr = json_object_new_array_ext((int)f->n);
		for (size_t i = 0; i < f->n; i++) {
			struct iter *it = &f->it[i];
			if (it->rc == PW_OK) {
				json_object_array_add(arr, it->out);
				it->out = NULL;
			} else { /* a tolerated failure: its error output */
				json_object *e = json_object_new_object();
				json_object_object_add(e, "Error", json_object_new_string(it->err.name));
				json_object_object_add(e, "Cause", json_object_new_string(it->err.cause));
				json_object_array_add(arr, e);
			}
		}
		*result = arr;
	}
	for (size_t i = 0; i < ran; i++)
		json_object_put(f->it[i].out);
	free(f->it);
	return rc;
}

int pw_exec_parallel(struct exec *x, const char *name, const char *scope, json_object *state,
		     json_object *eff, json_object **result, pw_error *err)
{
	struct fan f;
	memset(&f, 0, sizeof(f));
	f.parent = x;
	f.name = name;
	f.scope = scope;
	f.eff = eff;
	f.branches = field(state, "Branches");
	f.n = json_object_array_length(f.branches);
	f.tol_count = -1;
	f.tol_pct = -1;
	/* Every branch at once, as Step Functions does: their number is
	 * fixed by the definition. */
	return fan_run(&f, f.n, result, err);
}

/* A JSONata Map's fields: MaxConcurrency, ToleratedFailureCount and
 * ToleratedFailurePercentage (literals or expressions), and Items (an
 * expression or array; absent: the input), in AWS's words when wrong. */
static int jx_fields(struct fan *f, json_object *state, int64_t *width, pw_error *err)
{
	double d;
	pw_exec_jx_init(f->parent, f->name, f->eff, &f->j);
	if (field(state, "MaxConcurrency") != NULL) {
		if (pw_jsonata_number(&f->j, state, "MaxConcurrency", 0, 99999999, 1, &d, err) != PW_OK)
			return PW_ERR;
		*width = (int64_t)d;
	}
	if (field(state, "ToleratedFailureCount") != NULL) {
		if (pw_jsonata_number(&f->j, state, "ToleratedFailureCount", 0, 99999999, 1, &d,
				      err) != PW_OK)
			return PW_ERR;
		f->tol_count = (int64_t)d;
	}
	if (field(state, "ToleratedFailurePercentage") != NULL &&
	    pw_jsonata_number(&f->j, state, "ToleratedFailurePercentage", 0, 100, 0, &f->tol_pct,
			      err) != PW_OK)
		return PW_ERR;
	if (pw_jsonata_field(&f->j, state, "Items", f->eff, &f->items, err) != PW_OK)
		return PW_ERR;
	if (json_object_is_type(f->items, json_type_array))
		return PW_OK;
	if (field(state, "Items") != NULL)
		pw_jsonata_type_error(field(state, "Items"), "Items", "array", f->items, err);
	else /* AWS's words */
		pw_error_set(err, PW_QUERY_ERROR, "Map state input must be an array but was: %.300s",
			     json_object_to_json_string_ext(f->items, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(f->items);
	f->items = NULL;
	return PW_ERR;
}

int pw_exec_map(struct exec *x, const char *name, const char *scope, json_object *state,
		json_object *eff, json_object **result, pw_error *err)
{
	struct fan f;
	json_object *v;
	const char *items_path = NULL;
	int64_t width = 0;
	memset(&f, 0, sizeof(f));
	f.parent = x;
	f.name = name;
	f.scope = scope;
	f.eff = eff;
	f.tol_count = -1;
	f.tol_pct = -1;
	f.proc = field(state, "ItemProcessor");
	if (f.proc == NULL)
		f.proc = field(state, "Iterator");
	f.sel = field(state, "ItemSelector");
	f.jx = pw_jsonata_mode(pw_doc_root(x->doc), state);
	if (f.jx) {
		if (jx_fields(&f, state, &width, err) != PW_OK)
			return PW_ERR;
	} else {
		if (f.sel == NULL)
			f.sel = field(state, "Parameters");
		if ((v = field(state, "ItemsPath")) != NULL)
			items_path = json_object_get_string(v);
		if (int_or_path(&f, state, "MaxConcurrency", &width, err) != PW_OK ||
		    int_or_path(&f, state, "ToleratedFailureCount", &f.tol_count, err) != PW_OK ||
		    tolerated_pct(&f, state, err) != PW_OK)
			return PW_ERR;
		if (pw_path_get(items_path ? items_path : "$", eff, x->ctx, &f.items,
				"States.Runtime", err) != 0)
			return PW_ERR;
		if (!json_object_is_type(f.items, json_type_array)) {
			json_object_put(f.items);
			return pw_error_set(err, "States.Runtime",
					    "Map %s: ItemsPath %s is not an array", name,
					    items_path ? items_path : "$");
		}
	}
	f.n = json_object_array_length(f.items);
	if (width <= 0)
		width = default_width;
	if (width > PW_MAP_MAX_CONCURRENCY) /* threads, not a queue: keep it sane */
		width = PW_MAP_MAX_CONCURRENCY;
	int rc = fan_run(&f, (size_t)width, result, err);
	json_object_put(f.items);
	return rc;
}
