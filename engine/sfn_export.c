/*
 * sfn_export - a validated workflow as a Step Functions definition
 * (engine/SFN.md). Every state is copied as it is; only Tasks whose
 * Resource is `lua:` or `PLUGIN:Action` change: they run on the worker's
 * activity (or Lambda function), their original Resource and Parameters
 * wrapped in the Task's input. `$$.Vars` exists only in this engine, so a
 * reference to it is kept for the worker inside a worker Task's Parameters
 * and refused anywhere else.
 */
#include "sfn_export.h"

#include <stdlib.h>
#include <string.h>

#include "lang_validate.h"
#include "pw_out.h"
#include "pw_resource.h"

#define VARS_PREFIX "$$.Vars"
#define DEFAULT_HEARTBEAT 60
#define DEFAULT_RETRIES 2

struct ex {
	struct lang_vctx v;
	const struct pw_sfn_export_opts *o;
	char workflow[256];
	json_object *vars; /* the non-secret vars every worker Task carries */
	int jsonata;       /* the top level's QueryLanguage is JSONata */
};

/* A state's query language: its own QueryLanguage, else the top level's. */
static int state_is_jsonata(const struct ex *x, json_object *st)
{
	json_object *ql = NULL;
	if (json_object_object_get_ex(st, "QueryLanguage", &ql) &&
	    json_object_is_type(ql, json_type_string))
		return strcmp(json_object_get_string(ql), "JSONata") == 0;
	return x->jsonata;
}

void pw_sfn_workflow_name(const char *file, char *out, size_t len)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	const char *dot = strrchr(base, '.');
	snprintf(out, len, "%.*s", dot && dot != base ? (int)(dot - base) : (int)strlen(base), base);
}

/* "$$.Vars", "$$.Vars.x", "$$.Vars['x']": a path into the vars. */
static int is_vars_path(const char *s)
{
	size_t n = strlen(VARS_PREFIX);
	return strncmp(s, VARS_PREFIX, n) == 0 && (s[n] == '\0' || s[n] == '.' || s[n] == '[');
}

/* Refuses every "$$.Vars" left in v (Comments aside): Step Functions'
 * context object has no Vars. */
static void refuse_vars(struct ex *x, json_object *v, const char *ptr, const char *state)
{
	if (json_object_is_type(v, json_type_string)) {
		if (strstr(json_object_get_string(v), VARS_PREFIX) != NULL)
			lang_verr(&x->v, ptr, "state '%s': Step Functions has no $$.Vars: only the "
				  "Parameters of a Task the worker runs (lua: or PLUGIN:Action) may "
				  "read vars, as a plain path (\"k.$\": \"$$.Vars.x\")", state);
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			if (strcmp(key, "Comment") == 0)
				continue;
			char *p = lang_pj(ptr, key);
			refuse_vars(x, val, p, state);
			free(p);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = lang_pji(ptr, i);
			refuse_vars(x, json_object_array_get_idx(v, i), p, state);
			free(p);
		}
	}
}

/* In a worker Task's Parameters template: "k.$": "$$.Vars.x" becomes
 * "k": {"Prewarm.Var": ".x"} (the worker fills it in); any other use of
 * $$.Vars (inside an intrinsic) is refused. Returns the rewritten copy. */
static json_object *rewrite_vars(struct ex *x, json_object *v, const char *ptr, const char *state)
{
	if (json_object_is_type(v, json_type_array)) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = lang_pji(ptr, i);
			json_object_array_add(a, rewrite_vars(x, json_object_array_get_idx(v, i), p, state));
			free(p);
		}
		return a;
	}
	if (!json_object_is_type(v, json_type_object)) {
		json_object *copy = NULL;
		json_object_deep_copy(v, &copy, NULL);
		return copy;
	}
	json_object *o = json_object_new_object();
	json_object_object_foreach(v, key, val) {
		char *p = lang_pj(ptr, key);
		size_t kl = strlen(key);
		const char *s = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
		if (kl > 2 && strcmp(key + kl - 2, ".$") == 0 && s != NULL && is_vars_path(s)) {
			char *name = strndup(key, kl - 2);
			json_object *ref = json_object_new_object();
			json_object_object_add(ref, PW_SFN_VAR_REF,
					       json_object_new_string(s + strlen(VARS_PREFIX)));
			json_object_object_add(o, name, ref);
			free(name);
		} else if (s != NULL) {
			refuse_vars(x, val, p, state);
			json_object_object_add(o, key, json_object_get(val));
		} else {
			json_object_object_add(o, key, rewrite_vars(x, val, p, state));
		}
		free(p);
	}
	return o;
}

/* The worker Task: Resource -> the activity/function; Parameters -> the
 * wrapper the worker reads; a heartbeat and a retrier for a lost worker. */
static void to_worker(struct ex *x, json_object *st, const char *name, const char *ptr,
		      const char *resource)
{
	json_object *w = json_object_new_object(), *params = NULL, *t = NULL;
	json_object_object_add(w, PW_SFN_WORKFLOW, json_object_new_string(x->workflow));
	json_object_object_add(w, PW_SFN_STATE, json_object_new_string(name));
	json_object_object_add(w, PW_SFN_RESOURCE, json_object_new_string(resource));
	/* A JSONata state's template is Arguments, whose {% %} strings Step
	 * Functions evaluates at any depth: the wrapper goes there, the
	 * template inside it as is. */
	const char *tmpl = state_is_jsonata(x, st) ? "Arguments" : "Parameters";
	if (tmpl[0] == 'A') {
		if (json_object_object_get_ex(st, "Arguments", &params))
			json_object_object_add(w, PW_SFN_PARAMETERS, json_object_get(params));
		else
			json_object_object_add(w, PW_SFN_PARAMETERS,
					       json_object_new_string("{% $states.input %}"));
	} else if (json_object_object_get_ex(st, "Parameters", &params)) {
		char *p = lang_pj(ptr, "Parameters");
		json_object_object_add(w, PW_SFN_PARAMETERS, rewrite_vars(x, params, p, name));
		free(p);
	} else {
		/* No template: the effective parameters are the state's input. */
		json_object_object_add(w, PW_SFN_PARAMETERS ".$", json_object_new_string("$"));
	}
	json_object_object_add(w, PW_SFN_VARS, json_object_get(x->vars));
	json_object_object_add(st, tmpl, w);
	json_object_object_add(st, "Resource", json_object_new_string(
		x->o->activity_arn ? x->o->activity_arn : x->o->lambda_arn));
	if (x->o->activity_arn == NULL)
		return;
	/* A heartbeat shorter than the step's timeout (Step Functions
	 * requires it), so a dead worker is noticed long before. */
	int hb = x->o->heartbeat_seconds > 0 ? x->o->heartbeat_seconds : DEFAULT_HEARTBEAT;
	if (json_object_object_get_ex(st, "TimeoutSeconds", &t) && json_object_get_int(t) <= hb)
		hb = json_object_get_int(t) - 1;
	json_object *own = NULL;
	if (json_object_object_get_ex(st, "HeartbeatSeconds", &own))
		hb = json_object_get_int(own);
	else if (json_object_object_get_ex(st, "HeartbeatSecondsPath", NULL))
		hb = 0; /* known at run time only: the worker's default pace */
	else if (hb >= 1)
		json_object_object_add(st, "HeartbeatSeconds", json_object_new_int(hb));
	/* So the worker knows how often to beat. */
	if (hb >= 1)
		json_object_object_add(w, PW_SFN_HEARTBEAT, json_object_new_int(hb));
	int retries = x->o->worker_retries >= 0 ? x->o->worker_retries : DEFAULT_RETRIES;
	if (retries == 0)
		return;
	/* First, so that no States.ALL retrier or catcher takes a lost
	 * worker for the step's own failure. */
	json_object *r = json_object_new_object(), *eq = json_object_new_array(), *old = NULL;
	json_object_array_add(eq, json_object_new_string("States.HeartbeatTimeout"));
	json_object_array_add(eq, json_object_new_string(PW_SFN_WORKER_STOPPED));
	json_object_object_add(r, "ErrorEquals", eq);
	json_object_object_add(r, "IntervalSeconds", json_object_new_int(1));
	json_object_object_add(r, "MaxAttempts", json_object_new_int(retries));
	json_object_object_add(r, "BackoffRate", json_object_new_double(1.0));
	json_object *list = json_object_new_array();
	json_object_array_add(list, r);
	if (json_object_object_get_ex(st, "Retry", &old))
		for (size_t i = 0; i < json_object_array_length(old); i++)
			json_object_array_add(list, json_object_get(json_object_array_get_idx(old, i)));
	json_object_object_add(st, "Retry", list);
}

static void export_machine(struct ex *x, json_object *m, const char *ptr);

static void export_state(struct ex *x, json_object *st, const char *name, const char *ptr)
{
	json_object *type = NULL, *res = NULL, *sub = NULL;
	json_object_object_get_ex(st, "Type", &type);
	const char *t = type ? json_object_get_string(type) : "";
	if (strcmp(t, "Task") == 0 && json_object_object_get_ex(st, "Resource", &res) &&
	    json_object_is_type(res, json_type_string)) {
		struct pw_resource_ref ref;
		char why[256];
		const char *r = json_object_get_string(res);
		if (pw_resource_parse(r, &ref, why, sizeof(why)) == 0 &&
		    (ref.kind == PW_RESOURCE_LUA || ref.kind == PW_RESOURCE_PLUGIN)) {
			/* The template is checked by rewrite_vars, the rest here. */
			json_object *params = NULL;
			if (json_object_object_get_ex(st, "Parameters", &params))
				json_object_get(params);
			json_object_object_del(st, "Parameters");
			refuse_vars(x, st, ptr, name);
			if (params != NULL) {
				json_object_object_add(st, "Parameters", params);
			}
			char *rs = strdup(r);
			to_worker(x, st, name, ptr, rs);
			free(rs);
			return;
		}
		refuse_vars(x, st, ptr, name);
		return;
	}
	if (strcmp(t, "Map") == 0) {
		const char *key = json_object_object_get_ex(st, "ItemProcessor", &sub) ? "ItemProcessor"
				  : json_object_object_get_ex(st, "Iterator", &sub) ? "Iterator" : NULL;
		json_object_object_foreach(st, k, v) {
			char *p = lang_pj(ptr, k);
			if (key != NULL && strcmp(k, key) == 0)
				export_machine(x, v, p);
			else if (strcmp(k, "Comment") != 0)
				refuse_vars(x, v, p, name);
			free(p);
		}
		return;
	}
	if (strcmp(t, "Parallel") == 0) {
		json_object_object_foreach(st, k, v) {
			char *p = lang_pj(ptr, k);
			if (strcmp(k, "Branches") == 0 && json_object_is_type(v, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(v); i++) {
					char *bp = lang_pji(p, i);
					export_machine(x, json_object_array_get_idx(v, i), bp);
					free(bp);
				}
			} else if (strcmp(k, "Comment") != 0) {
				refuse_vars(x, v, p, name);
			}
			free(p);
		}
		return;
	}
	refuse_vars(x, st, ptr, name);
}

static void export_machine(struct ex *x, json_object *m, const char *ptr)
{
	json_object *states = NULL;
	if (!json_object_object_get_ex(m, "States", &states) ||
	    !json_object_is_type(states, json_type_object))
		return;
	char *sp = lang_pj(ptr, "States");
	json_object_object_foreach(states, name, st) {
		char *p = lang_pj(sp, name);
		export_state(x, st, name, p);
		free(p);
	}
	free(sp);
}

/* The vars a worker Task carries: every var whose value is not a
 * registered secret (secret vars stay with the workers' own config). */
static json_object *public_vars(json_object *vars)
{
	json_object *out = json_object_new_object();
	if (vars == NULL || !json_object_is_type(vars, json_type_object))
		return out;
	json_object_object_foreach(vars, key, val) {
		int changed = 0;
		char *text = pw_out_json_text(val, &changed);
		free(text);
		if (!changed)
			json_object_object_add(out, key, json_object_get(val));
	}
	return out;
}

json_object *pw_sfn_export(const pw_doc *doc, const struct pw_sfn_export_opts *o,
			   pw_diag_list *diags)
{
	struct ex x;
	json_object *def = NULL;
	memset(&x, 0, sizeof(x));
	x.v.doc = doc;
	x.v.out = diags;
	x.o = o;
	pw_sfn_workflow_name(pw_doc_file(doc) ? pw_doc_file(doc) : "workflow", x.workflow,
			     sizeof(x.workflow));
	x.vars = public_vars(o->vars);
	if (json_object_deep_copy(pw_doc_root(doc), &def, NULL) != 0) {
		json_object_put(x.vars);
		return NULL;
	}
	json_object *ql = NULL;
	x.jsonata = json_object_object_get_ex(def, "QueryLanguage", &ql) &&
		    json_object_is_type(ql, json_type_string) &&
		    strcmp(json_object_get_string(ql), "JSONata") == 0;
	/* Top-level fields other than States (TimeoutSeconds, Comment...)
	 * cannot name vars either. */
	json_object_object_foreach(def, key, val) {
		if (strcmp(key, "States") != 0 && strcmp(key, "Comment") != 0) {
			char *p = lang_pj("", key);
			refuse_vars(&x, val, p, "(top level)");
			free(p);
		}
	}
	export_machine(&x, def, "");
	/* A secret written into the workflow itself would reach the state
	 * machine's definition: refuse rather than print it redacted. */
	int changed = 0;
	char *text = pw_out_json_text(def, &changed);
	free(text);
	if (changed)
		lang_verr(&x.v, "", "the workflow holds a secret (a literal password or token, or a "
			  "secret var's value) that would be written into the definition");
	json_object_put(x.vars);
	if (x.v.errors > 0) {
		json_object_put(def);
		return NULL;
	}
	return def;
}
