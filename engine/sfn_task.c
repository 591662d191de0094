/*
 * sfn_task - one activity task of an exported workflow (engine/SFN.md).
 * The step runs as a one-state workflow through pw_exec_run, so errors,
 * timeouts, limits and the Lua sandbox are exactly `prewarm run`'s; Retry
 * and Catch are the state machine's.
 */
#include "sfn_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_exec.h"
#include "pw_log.h"
#include "pw_out.h"
#include "pw_path.h"
#include "pw_resource.h"
#include "pw_validate.h"
#include "sfn_export.h"

/* Secret recipes may nest (a step built from a fetched secret); deeper
 * than this is a hostile input. */
#define MAX_REF_DEPTH 8
#define MAX_JSON_DEPTH 64

static json_object *member(json_object *o, const char *name)
{
	json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, name, &v))
		return NULL;
	return v;
}

static const char *string_member(json_object *o, const char *name)
{
	json_object *v = member(o, name);
	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int pw_sfn_task_heartbeat(const char *input)
{
	json_object *in = json_tokener_parse(input), *hb;
	int v = 0;
	if (in != NULL && (hb = member(in, PW_SFN_HEARTBEAT)) != NULL &&
	    json_object_is_type(hb, json_type_int))
		v = json_object_get_int(hb);
	json_object_put(in);
	return v > 0 ? v : 0;
}

/* The Task named `name` in machine m or in a Map/Parallel inside it. */
static json_object *find_state(json_object *m, const char *name, int depth)
{
	json_object *states = member(m, "States"), *hit;
	if (states == NULL || !json_object_is_type(states, json_type_object) || depth > MAX_JSON_DEPTH)
		return NULL;
	if ((hit = member(states, name)) != NULL)
		return hit;
	json_object_object_foreach(states, key, st) {
		json_object *sub, *branches;
		(void)key;
		if ((sub = member(st, "ItemProcessor")) != NULL || (sub = member(st, "Iterator")) != NULL)
			if ((hit = find_state(sub, name, depth + 1)) != NULL)
				return hit;
		if ((branches = member(st, "Branches")) != NULL && json_object_is_type(branches, json_type_array))
			for (size_t i = 0; i < json_object_array_length(branches); i++)
				if ((hit = find_state(json_object_array_get_idx(branches, i), name, depth + 1)))
					return hit;
	}
	return NULL;
}

struct task {
	const struct pw_sfn_task_env *env;
	const pw_doc *doc;
	json_object *state; /* borrowed from doc */
	const char *name, *resource;
	json_object *vars;  /* owned: the input's vars under the worker's own */
};

/* Checks that in (Workflow, State, Resource) names a Task of these
 * workflows (the state machine and the workers run the same files). */
static int locate(const struct pw_sfn_task_env *env, json_object *in, struct task *t, pw_error *err)
{
	const char *wf = string_member(in, PW_SFN_WORKFLOW);
	t->name = string_member(in, PW_SFN_STATE);
	t->resource = string_member(in, PW_SFN_RESOURCE);
	if (wf == NULL || t->name == NULL || t->resource == NULL)
		return pw_error_set(err, "Prewarm.BadTaskInput", "the task input has no %s, %s or %s "
				    "string: was the state machine made by prewarm export?",
				    PW_SFN_WORKFLOW, PW_SFN_STATE, PW_SFN_RESOURCE);
	for (size_t i = 0; i < env->n_docs; i++) {
		char name[256];
		pw_sfn_workflow_name(pw_doc_file(env->docs[i]), name, sizeof(name));
		if (strcmp(name, wf) != 0)
			continue;
		json_object *st = find_state(pw_doc_root(env->docs[i]), t->name, 0);
		const char *type = string_member(st, "Type"), *res = string_member(st, "Resource");
		if (type == NULL || strcmp(type, "Task") != 0 || res == NULL || strcmp(res, t->resource) != 0)
			return pw_error_set(err, "Prewarm.UnknownTask",
					    "the worker's %s has no Task '%.80s' with Resource '%.200s': "
					    "deploy the same workflow to the state machine and the workers",
					    pw_doc_file(env->docs[i]), t->name, t->resource);
		t->doc = env->docs[i];
		t->state = st;
		return PW_OK;
	}
	return pw_error_set(err, "Prewarm.UnknownTask", "this worker does not serve workflow '%.200s'", wf);
}

static int run_step(struct task *t, json_object *params, json_object **out, pw_error *err);

/* Replaces each {"Prewarm.Var": P} by $$.Vars P and each
 * {"Prewarm.SecretRef": R} by R's step run again; returns a NEW value. */
static int resolve(struct task *t, json_object *v, int depth, json_object **out, pw_error *err)
{
	*out = NULL;
	if (depth > MAX_JSON_DEPTH)
		return pw_error_set(err, "Prewarm.BadTaskInput", "the task input nests too deep");
	if (json_object_is_type(v, json_type_array)) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *r;
			if (resolve(t, json_object_array_get_idx(v, i), depth + 1, &r, err) != PW_OK) {
				json_object_put(a);
				return PW_ERR;
			}
			json_object_array_add(a, r);
		}
		*out = a;
		return PW_OK;
	}
	if (!json_object_is_type(v, json_type_object)) {
		*out = json_object_get(v);
		return PW_OK;
	}
	const char *var = string_member(v, PW_SFN_VAR_REF);
	json_object *ref = member(v, PW_SFN_SECRET_REF);
	if (json_object_object_length(v) == 1 && var != NULL) {
		char path[1024];
		json_object *ctx = json_object_new_object();
		json_object_object_add(ctx, "Vars", json_object_get(t->vars));
		snprintf(path, sizeof(path), "$$.Vars%s", var);
		int rc = pw_path_get(path, NULL, ctx, out, "States.Runtime", err);
		json_object_put(ctx);
		return rc == 0 ? PW_OK : PW_ERR;
	}
	if (json_object_object_length(v) == 1 && ref != NULL) {
		if (depth > MAX_REF_DEPTH)
			return pw_error_set(err, "Prewarm.BadTaskInput", "secret references nest too deep");
		struct task sub = *t;
		json_object *p = NULL;
		if (locate(t->env, ref, &sub, err) != PW_OK)
			return PW_ERR;
		/* Only a step that changes nothing may run again to get a
		 * secret back (a lua: step counts as read-only, as in resume). */
		if (pw_registry_mutates(t->env->registry, sub.resource))
			return pw_error_set(err, "Prewarm.BadTaskInput", "a secret reference names '%.80s', "
					    "a mutating step, which does not run again", sub.name);
		if (resolve(t, member(ref, PW_SFN_PARAMETERS), depth + 1, &p, err) != PW_OK)
			return PW_ERR;
		pw_log(PW_LOG_INFO, "worker", "%s: fetching the secret its output held again", sub.name);
		int rc = run_step(&sub, p, out, err);
		json_object_put(p);
		return rc;
	}
	json_object *o = json_object_new_object();
	json_object_object_foreach(v, key, val) {
		json_object *r;
		if (resolve(t, val, depth + 1, &r, err) != PW_OK) {
			json_object_put(o);
			return PW_ERR;
		}
		json_object_object_add(o, key, r);
	}
	*out = o;
	return PW_OK;
}

/* The step alone: a one-state workflow next to the original (lua: paths
 * and $$.StateMachine.Name are the same), run on params as its input. */
static int run_step(struct task *t, json_object *params, json_object **out, pw_error *err)
{
	char path[4096], wf[256];
	const char *file = pw_doc_file(t->doc);
	const char *slash = strrchr(file, '/');
	pw_sfn_workflow_name(file, wf, sizeof(wf));
	snprintf(path, sizeof(path), "%.*s%s.json", slash ? (int)(slash - file + 1) : 0, file, wf);
	json_object *root = json_object_new_object(), *states = json_object_new_object();
	json_object *st = json_object_new_object(), *timeout = member(t->state, "TimeoutSeconds");
	json_object_object_add(st, "Type", json_object_new_string("Task"));
	json_object_object_add(st, "Resource", json_object_new_string(t->resource));
	if (timeout != NULL)
		json_object_object_add(st, "TimeoutSeconds", json_object_get(timeout));
	json_object_object_add(st, "End", json_object_new_boolean(1));
	json_object_object_add(states, t->name, st);
	json_object_object_add(root, "StartAt", json_object_new_string(t->name));
	json_object_object_add(root, "States", states);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	pw_doc *doc = NULL;
	pw_diag diag;
	pw_diag_list diags = {NULL, 0, 0};
	int rc = PW_ERR;
	*out = NULL;
	if (pw_doc_load_buffer(path, text, strlen(text), &doc, &diag) != 0) {
		pw_error_set(err, "Prewarm.UnknownTask", "%s", diag.message);
		goto out;
	}
	if (pw_workflow_validate(doc, pw_registry_check_resource, t->env->registry, &diags) > 0) {
		for (size_t i = 0; i < diags.count; i++)
			if (strncmp(diags.items[i].message, "warning: ", 9) != 0) {
				pw_error_set(err, "Prewarm.UnknownTask", "%s", diags.items[i].message);
				break;
			}
		goto out;
	}
	struct pw_exec_opts o;
	struct pw_exec_result res;
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	o.registry = t->env->registry;
	o.vars = t->vars;
	if (pw_exec_run(doc, params, &o, &res, err) != PW_OK)
		goto out;
	if (res.status == PW_EXEC_SUCCEEDED) {
		*out = json_object_get(res.output);
		rc = PW_OK;
	} else if (res.status == PW_EXEC_INTERRUPTED) {
		pw_error_set(err, PW_SFN_WORKER_STOPPED, "the worker stopped before %.80s finished: "
			     "another worker runs it again", t->name);
	} else {
		*err = res.error;
	}
	pw_exec_result_clear(&res);
out:
	pw_diag_list_free(&diags);
	pw_doc_free(doc);
	json_object_put(root);
	return rc;
}

/* The output as Step Functions may keep it: unchanged when it holds no
 * secret; else, for a step that changes nothing, the recipe to get it
 * again (its own input, which holds no secret either). */
static int seal(struct task *t, json_object *in, json_object **out, pw_error *err)
{
	int changed = 0;
	free(pw_out_json_text(*out, &changed));
	if (!changed)
		return PW_OK;
	json_object_put(*out);
	*out = NULL;
	if (pw_registry_mutates(t->env->registry, t->resource))
		return pw_error_set(err, "Prewarm.SecretInOutput", "%.80s (%.200s) returned a secret, "
				    "which Step Functions would keep in its history; a mutating step "
				    "cannot be run again to fetch it", t->name, t->resource);
	json_object *recipe = json_object_new_object(), *params = member(in, PW_SFN_PARAMETERS);
	json_object_object_add(recipe, PW_SFN_WORKFLOW, json_object_get(member(in, PW_SFN_WORKFLOW)));
	json_object_object_add(recipe, PW_SFN_STATE, json_object_new_string(t->name));
	json_object_object_add(recipe, PW_SFN_RESOURCE, json_object_new_string(t->resource));
	json_object_object_add(recipe, PW_SFN_PARAMETERS, json_object_get(params));
	*out = json_object_new_object();
	json_object_object_add(*out, PW_SFN_SECRET_REF, recipe);
	pw_log(PW_LOG_INFO, "worker", "%s: its output holds a secret: Step Functions gets a "
	       "reference the next worker step resolves", t->name);
	return PW_OK;
}

/* The execution's vars: what the Task carries, under the worker's own
 * config vars (the secret ones exist only there). */
static json_object *merged_vars(json_object *in, json_object *own)
{
	json_object *v = json_object_new_object(), *carried = member(in, PW_SFN_VARS);
	if (carried != NULL && json_object_is_type(carried, json_type_object)) {
		json_object_object_foreach(carried, key, val)
			json_object_object_add(v, key, json_object_get(val));
	}
	if (own != NULL && json_object_is_type(own, json_type_object)) {
		json_object_object_foreach(own, key, val)
			json_object_object_add(v, key, json_object_get(val));
	}
	return v;
}

int pw_sfn_task_run(const struct pw_sfn_task_env *env, const char *input, json_object **output,
		    pw_error *err)
{
	struct task t;
	json_object *params = NULL;
	enum json_tokener_error jerr = json_tokener_success;
	json_object *in = json_tokener_parse_verbose(input, &jerr);
	int rc = PW_ERR;
	*output = NULL;
	memset(&t, 0, sizeof(t));
	t.env = env;
	if (in == NULL || !json_object_is_type(in, json_type_object)) {
		pw_error_set(err, "Prewarm.BadTaskInput", "the task input is not a JSON object (%s)",
			     in == NULL ? json_tokener_error_desc(jerr) : "another JSON value");
		goto out;
	}
	if (locate(env, in, &t, err) != PW_OK)
		goto out;
	t.vars = merged_vars(in, env->vars);
	if (resolve(&t, member(in, PW_SFN_PARAMETERS), 0, &params, err) != PW_OK)
		goto out;
	if (run_step(&t, params, output, err) != PW_OK)
		goto out;
	rc = seal(&t, in, output, err);
out:
	json_object_put(params);
	json_object_put(t.vars);
	json_object_put(in);
	return rc;
}
