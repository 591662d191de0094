/*
 * pw_validate - static checks of an ASL workflow: fields and their types
 * per state type, transitions, reachability, paths, intrinsic calls,
 * Choice rules, Retry/Catch, Task resources. Every problem is reported
 * with the position of the offending field; nothing stops at the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_choice.h"
#include "pw_intrinsic.h"
#include "pw_jsonata.h"
#include "pw_path.h"
#include "lang_validate.h"
#include "pw_validate.h"
#include "pw_lambda.h"

/* Whether Parameters supply `name` as "name" or "name.$". Case is
 * ignored: through an aws-sdk resource a required DBClusterIdentifier is
 * spelled DbClusterIdentifier. */
static int has_param(json_object *params, const char *name)
{
	size_t n = strlen(name);
	json_object_object_foreach(params, key, val) {
		(void)val;
		if (strncasecmp(key, name, n) == 0 &&
		    (key[n] == '\0' || strcmp(key + n, ".$") == 0))
			return 1;
	}
	return 0;
}

#define MAX_NAME 80 /* ASL: state names are at most 80 characters */

void pw_diag_list_free(pw_diag_list *l)
{
	if (l == NULL)
		return;
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

static void validate_machine(struct lang_vctx *c, const char *ptr,
			     json_object *m, int top);

/* arn:aws:states:::lambda:invoke: the function comes from
 * Parameters.FunctionName and resolves through resource_map (pw_lambda). */
static void check_lambda_invoke(struct lang_sctx *s, json_object *state, const char *p,
				const char *r)
{
	struct pw_lambda_fn fn;
	int has_fn = 0;
	char why[1024] = "";
	if (strcmp(r, PW_LAMBDA_INVOKE) != 0) {
		lang_verr(s->c, p, "state '%s': Resource '%s': only %s (request-response) is "
			  "supported: the engine issues no task tokens and runs the mapped "
			  "function to completion", s->name, r, PW_LAMBDA_INVOKE);
		return;
	}
	const char *pf = s->jsonata ? "Arguments" : "Parameters";
	json_object *params = lang_vfield(state, pf, NULL), *fv = NULL;
	if (s->jsonata && json_object_object_get_ex(params, "FunctionName", &fv) &&
	    json_object_is_type(fv, json_type_string) &&
	    pw_jsonata_is_expr(json_object_get_string(fv)))
		return; /* known at run time only */
	char *pp = lang_pj(s->ptr, pf);
	if (pw_lambda_check_params(params, &fn, &has_fn, why, sizeof(why)) != 0) {
		const char *w = why;
		if (s->jsonata && strncmp(why, "Parameters ", 11) == 0)
			w = why + 11; /* the reason names the JSONPath field */
		lang_verr(s->c, params ? pp : p, "state '%s': %s: %s%s", s->name, r,
			  w == why ? "" : "Arguments ", w);
	} else if (has_fn && s->c->check != NULL) {
		/* the registry resolves functions by their ARN */
		char arn[300];
		snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:000000000000:function:%s%s%s",
			 fn.name, fn.qualifier[0] ? ":" : "", fn.qualifier);
		if (s->c->check(s->c->check_ud, arn, s->c->workflow_dir, NULL, why,
				sizeof(why)) != 0) {
			json_object *fv = NULL;
			json_object_object_get_ex(params, "FunctionName", &fv);
			lang_verr(s->c, pp, "state '%s': FunctionName '%s': %s", s->name,
				  json_object_get_string(fv), why[0] ? why : "does not resolve");
		}
	}
	free(pp);
}

static void check_task(struct lang_sctx *s, json_object *state)
{
	int present;
	json_object *res = lang_vfield(state, "Resource", &present);
	char *p = lang_pj(s->ptr, "Resource");
	if (!present) {
		lang_verr(s->c, s->ptr, "state '%s': a Task needs a Resource",
		    s->name);
	} else if (!json_object_is_type(res, json_type_string) ||
		   json_object_get_string_len(res) == 0) {
		lang_verr(s->c, p, "state '%s': Resource must be a non-empty string",
		    s->name);
	} else if (pw_lambda_is_invoke(json_object_get_string(res))) {
		check_lambda_invoke(s, state, p, json_object_get_string(res));
	} else if (s->c->check != NULL) {
		const char *const *required = NULL;
		char why[512] = "";
		const char *r = json_object_get_string(res);
		if (s->c->check(s->c->check_ud, r, s->c->workflow_dir,
				&required, why, sizeof(why)) != 0) {
			lang_verr(s->c, p, "state '%s': Resource '%s': %s", s->name,
			    r, why[0] ? why : "does not resolve");
		} else if (required != NULL) {
			/* only a literal Parameters object tells statically
			 * what the action receives */
			const char *pf = s->jsonata ? "Arguments" : "Parameters";
			json_object *params = lang_vfield(state, pf, NULL);
			if (json_object_is_type(params, json_type_object)) {
				char *pp = lang_pj(s->ptr, pf);
				for (size_t k = 0; required[k]; k++) {
					if (!has_param(params, required[k]))
						lang_verr(s->c, pp,
						    "state '%s': %s "
						    "lack '%s', required by %s",
						    s->name, pf, required[k], r);
				}
				free(pp);
			}
		}
	}
	free(p);
	static const char *const timeout[] = {"TimeoutSeconds",
					      "TimeoutSecondsPath", NULL};
	static const char *const heartbeat[] = {"HeartbeatSeconds",
						"HeartbeatSecondsPath", NULL};
	lang_one_of(s, state, timeout, 0);
	lang_one_of(s, state, heartbeat, 0);
	if (!s->jsonata) { /* lang_check_jsonata_state checks them */
		lang_check_positive_int(s, state, "TimeoutSeconds", 0);
		lang_check_positive_int(s, state, "HeartbeatSeconds", 0);
	}
	lang_check_path_field(s, state, "TimeoutSecondsPath", 1, 0);
	lang_check_path_field(s, state, "HeartbeatSecondsPath", 1, 0);
	for (size_t k = 0; heartbeat[k]; k++)
		if (json_object_object_get_ex(state, heartbeat[k], NULL)) {
			char *ph = lang_pj(s->ptr, heartbeat[k]);
			lang_vwarn(s->c, ph,
			     "state '%s': %s is accepted but not enforced "
			     "(plugins send no heartbeats); TimeoutSeconds "
			     "bounds the step",
			     s->name, heartbeat[k]);
			free(ph);
		}
	/* A Lua script is the one Task that can spin forever on our own
	 * CPU; without a TimeoutSeconds only the workflow's deadline or the
	 * default budget stops it. */
	const char *rs = json_object_is_type(res, json_type_string) ?
				 json_object_get_string(res) : "";
	if (strncmp(rs, "lua:", 4) == 0 &&
	    !json_object_object_get_ex(state, "TimeoutSeconds", NULL) &&
	    !json_object_object_get_ex(state, "TimeoutSecondsPath", NULL))
		lang_vwarn(s->c, s->ptr,
		     "state '%s': a lua: Task without TimeoutSeconds runs until "
		     "the workflow's TimeoutSeconds or the default Lua budget "
		     "(60 s, config lua_timeout_seconds) stops it; give it a "
		     "TimeoutSeconds",
		     s->name);
	json_object *to = lang_vfield(state, "TimeoutSeconds", NULL);
	json_object *hb = lang_vfield(state, "HeartbeatSeconds", NULL);
	if (lang_is_int_value(to) && lang_is_int_value(hb) &&
	    json_object_get_int64(hb) >= json_object_get_int64(to)) {
		char *ph = lang_pj(s->ptr, "HeartbeatSeconds");
		lang_verr(s->c, ph,
		    "state '%s': HeartbeatSeconds must be smaller than "
		    "TimeoutSeconds",
		    s->name);
		free(ph);
	}
}

static void check_choice(struct lang_sctx *s, json_object *state)
{
	int present;
	json_object *choices = lang_vfield(state, "Choices", &present);
	char *p = lang_pj(s->ptr, "Choices");
	if (!present) {
		lang_verr(s->c, s->ptr, "state '%s': a Choice needs Choices",
		    s->name);
	} else if (!json_object_is_type(choices, json_type_array) ||
		   json_object_array_length(choices) == 0) {
		lang_verr(s->c, p,
		    "state '%s': Choices must be a non-empty array of rules",
		    s->name);
	} else {
		size_t n = json_object_array_length(choices);
		for (size_t i = 0; i < n; i++) {
			json_object *rule = json_object_array_get_idx(choices, i);
			char *pr = lang_pji(p, i);
			char why[400] = "", where[512] = "";
			if (pw_choice_rule_check(rule, why, sizeof(why), where,
						 sizeof(where)) != 0) {
				size_t need = strlen(pr) + strlen(where) + 1;
				char *full = malloc(need);
				if (full != NULL) {
					snprintf(full, need, "%s%s", pr, where);
					lang_verr(s->c, full,
					    "state '%s': Choices[%zu]: %s",
					    s->name, i, why);
					free(full);
				}
			}
			if (json_object_is_type(rule, json_type_object)) {
				lang_check_assign(s, rule, pr);
				int hn;
				json_object *next = lang_vfield(rule, "Next", &hn);
				char *pn = lang_pj(pr, "Next");
				if (!hn)
					lang_verr(s->c, pr,
					    "state '%s': Choices[%zu] needs "
					    "Next",
					    s->name, i);
				else
					lang_check_target(s, pn, "Choice rule Next",
						     next);
				free(pn);
			}
			free(pr);
		}
	}
	free(p);
	json_object *def = lang_vfield(state, "Default", &present);
	if (present) {
		char *pd = lang_pj(s->ptr, "Default");
		lang_check_target(s, pd, "Default", def);
		free(pd);
	}
}

static void check_wait(struct lang_sctx *s, json_object *state)
{
	static const char *const which[] = {"Seconds", "SecondsPath",
					    "Timestamp", "TimestampPath", NULL};
	lang_one_of(s, state, which, 1);
	lang_check_positive_int(s, state, "Seconds", 1);
	lang_check_path_field(s, state, "SecondsPath", 1, 0);
	lang_check_path_field(s, state, "TimestampPath", 1, 0);
	int present;
	json_object *ts = lang_vfield(state, "Timestamp", &present);
	if (present && (!json_object_is_type(ts, json_type_string) ||
			pw_timestamp_parse(json_object_get_string(ts), NULL))) {
		char *p = lang_pj(s->ptr, "Timestamp");
		lang_verr(s->c, p,
		    "state '%s': Timestamp must be an RFC 3339 timestamp such "
		    "as 2026-01-31T12:00:00Z",
		    s->name);
		free(p);
	}
}

static void check_fail(struct lang_sctx *s, json_object *state)
{
	static const char *const e[] = {"Error", "ErrorPath", NULL};
	static const char *const c[] = {"Cause", "CausePath", NULL};
	lang_one_of(s, state, e, 0);
	lang_one_of(s, state, c, 0);
	lang_check_string_field(s, state, "Error");
	lang_check_string_field(s, state, "Cause");
	lang_check_dynamic_field(s, state, "ErrorPath");
	lang_check_dynamic_field(s, state, "CausePath");
}

static void check_parallel(struct lang_sctx *s, json_object *state)
{
	int present;
	json_object *b = lang_vfield(state, "Branches", &present);
	char *p = lang_pj(s->ptr, "Branches");
	if (!present)
		lang_verr(s->c, s->ptr, "state '%s': a Parallel needs Branches",
		    s->name);
	else if (!json_object_is_type(b, json_type_array) ||
		 json_object_array_length(b) == 0)
		lang_verr(s->c, p,
		    "state '%s': Branches must be a non-empty array of state "
		    "machines",
		    s->name);
	else
		for (size_t i = 0; i < json_object_array_length(b); i++) {
			char *pb = lang_pji(p, i);
			validate_machine(s->c, pb,
					 json_object_array_get_idx(b, i), 0);
			free(pb);
		}
	free(p);
}

/* A number from 0 to 100 (ToleratedFailurePercentage). */
static void check_percentage(struct lang_sctx *s, json_object *state, const char *fname)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (!present)
		return;
	double d = json_object_get_double(v);
	if (!(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) ||
	    !(d >= 0 && d <= 100)) {
		char *ptr = lang_pj(s->ptr, fname);
		lang_verr(s->c, ptr, "state '%s': %s must be a number from 0 to 100", s->name,
			  fname);
		free(ptr);
	}
}

static void check_map(struct lang_sctx *s, json_object *state)
{
	static const char *const proc[] = {"ItemProcessor", "Iterator", NULL};
	static const char *const sel[] = {"ItemSelector", "Parameters", NULL};
	static const char *const conc[] = {"MaxConcurrency",
					   "MaxConcurrencyPath", NULL};
	static const char *const tcount[] = {"ToleratedFailureCount",
					     "ToleratedFailureCountPath", NULL};
	static const char *const tpct[] = {"ToleratedFailurePercentage",
					   "ToleratedFailurePercentagePath", NULL};
	lang_one_of(s, state, proc, 1);
	lang_one_of(s, state, sel, 0);
	lang_one_of(s, state, conc, 0);
	lang_one_of(s, state, tcount, 0);
	lang_one_of(s, state, tpct, 0);
	if (!s->jsonata) { /* lang_check_jsonata_state checks them */
		lang_check_positive_int(s, state, "ToleratedFailureCount", 1);
		lang_check_path_field(s, state, "ToleratedFailureCountPath", 1, 0);
		lang_check_path_field(s, state, "ToleratedFailurePercentagePath", 1, 0);
		check_percentage(s, state, "ToleratedFailurePercentage");
		lang_check_template_field(s, state, "ItemSelector");
		lang_check_path_field(s, state, "ItemsPath", 1, 0);
		lang_check_positive_int(s, state, "MaxConcurrency", 1);
		lang_check_path_field(s, state, "MaxConcurrencyPath", 1, 0);
	}
	for (size_t k = 0; proc[k]; k++) {
		json_object *m = lang_vfield(state, proc[k], NULL);
		if (m == NULL)
			continue;
		char *p = lang_pj(s->ptr, proc[k]);
		validate_machine(s->c, p, m, 0);
		free(p);
	}
}

enum { F_IO = 1, F_RESULT = 2, F_PARAMS = 4, F_TRANS = 8, F_ERRH = 16 };

struct state_type {
	const char *type;
	unsigned groups;
	const char *const extra[12];
};

static const struct state_type TYPES[] = {
	{"Task", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"Resource", "TimeoutSeconds", "TimeoutSecondsPath",
	  "HeartbeatSeconds", "HeartbeatSecondsPath", "Assign", NULL}},
	{"Pass", F_IO | F_PARAMS | F_TRANS,
	 {"Result", "ResultPath", "Assign", NULL}},
	{"Choice", F_IO, {"Choices", "Default", "Assign", NULL}},
	{"Wait", F_IO | F_TRANS,
	 {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign",
	  NULL}},
	{"Succeed", F_IO, {NULL}},
	{"Fail", 0, {"Error", "Cause", "ErrorPath", "CausePath", NULL}},
	{"Parallel", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"Branches", "Assign", NULL}},
	{"Map", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector",
	  "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount",
	  "ToleratedFailureCountPath", "ToleratedFailurePercentage",
	  "ToleratedFailurePercentagePath", "Assign", NULL}},
};

static int field_allowed(const struct state_type *t, const char *key)
{
	static const char *const io[] = {"InputPath", "OutputPath", NULL};
	static const char *const result[] = {"ResultPath", "ResultSelector",
					     NULL};
	static const char *const trans[] = {"Next", "End", NULL};
	static const char *const errh[] = {"Retry", "Catch", NULL};
	if (strcmp(key, "Type") == 0 || strcmp(key, "Comment") == 0)
		return 1;
	if ((t->groups & F_PARAMS) && strcmp(key, "Parameters") == 0)
		return 1;
	const struct {
		unsigned g;
		const char *const *names;
	} groups[] = {{F_IO, io}, {F_RESULT, result}, {F_TRANS, trans},
		      {F_ERRH, errh}};
	for (size_t g = 0; g < 4; g++)
		if (t->groups & groups[g].g)
			for (size_t k = 0; groups[g].names[k]; k++)
				if (strcmp(groups[g].names[k], key) == 0)
					return 1;
	for (size_t k = 0; t->extra[k]; k++)
		if (strcmp(t->extra[k], key) == 0)
			return 1;
	return 0;
}

/* A state's QueryLanguage; 1 when the state is in JSONata mode. A
 * JSONata workflow cannot hold JSONPath states (Step Functions refuses
 * them); a JSONPath one may hold JSONata states. */
static int check_query_language(struct lang_vctx *c, const char *ptr, const char *name,
				json_object *state)
{
	int present;
	json_object *q = lang_vfield(state, "QueryLanguage", &present);
	if (present) {
		const char *v = json_object_is_type(q, json_type_string) ? json_object_get_string(q)
									  : "";
		char *p = lang_pj(ptr, "QueryLanguage");
		if (strcmp(v, "JSONata") != 0 && strcmp(v, "JSONPath") != 0)
			lang_verr(c, p, "state '%s': QueryLanguage must be JSONPath or JSONata",
			    name);
		else if (strcmp(v, "JSONPath") == 0 &&
			 pw_jsonata_mode(pw_doc_root(c->doc), NULL))
			lang_verr(c, p, "state '%s': QueryLanguage JSONPath in a JSONata workflow: "
			    "a workflow whose top-level QueryLanguage is JSONata cannot have "
			    "JSONPath states", name);
		free(p);
	}
	/* (a JSONPath state refused above is checked as the JSONata it must be) */
	return pw_jsonata_mode(pw_doc_root(c->doc), state) ||
	       pw_jsonata_mode(pw_doc_root(c->doc), NULL);
}

static void validate_jsonata_state(struct lang_sctx *s, json_object *state,
				   const struct state_type *t)
{
	lang_check_string_field(s, state, "Comment");
	if (t->groups & F_TRANS)
		lang_check_next_end(s, state);
	if (t->groups & F_ERRH) {
		lang_check_retry(s, state);
		lang_check_catch(s, state);
	}
	lang_check_jsonata_state(s, state, t->type);
	if (strcmp(t->type, "Task") == 0)
		check_task(s, state);
	else if (strcmp(t->type, "Parallel") == 0)
		check_parallel(s, state);
	else if (strcmp(t->type, "Map") == 0)
		check_map(s, state);
}

static void validate_state(struct lang_vctx *c, const char *ptr, const char *name,
			   json_object *state, json_object *states,
			   json_object *edges)
{
	struct lang_sctx s = {c, name, ptr, states, edges, 0};
	if (!json_object_is_type(state, json_type_object)) {
		lang_verr(c, ptr, "state '%s' must be an object", name);
		return;
	}
	s.jsonata = check_query_language(c, ptr, name, state);
	int present;
	json_object *type = lang_vfield(state, "Type", &present);
	char *ptype = lang_pj(ptr, "Type");
	const struct state_type *t = NULL;
	if (!present) {
		lang_verr(c, ptr, "state '%s': missing Type", name);
	} else if (!json_object_is_type(type, json_type_string)) {
		lang_verr(c, ptype, "state '%s': Type must be a string", name);
	} else {
		for (size_t k = 0; k < sizeof(TYPES) / sizeof(TYPES[0]); k++)
			if (strcmp(TYPES[k].type, json_object_get_string(type)) ==
			    0)
				t = &TYPES[k];
		if (t == NULL)
			lang_verr(c, ptype,
			    "state '%s': unknown Type '%s' (Task, Choice, "
			    "Wait, Pass, Succeed, Fail, Parallel or Map)",
			    name, json_object_get_string(type));
	}
	free(ptype);
	if (t == NULL)
		return;

	json_object_object_foreach(state, key, val)
	{
		(void)val;
		int ok = s.jsonata ? lang_jsonata_field_allowed(t->type, key)
				   : field_allowed(t, key) || strcmp(key, "QueryLanguage") == 0;
		if (ok == 1)
			continue;
		char *p = lang_pj(ptr, key);
		if (ok < 0)
			lang_verr(c, p, "state '%s': %s is a JSONPath field; a JSONata state "
			    "uses Arguments, Output and Assign with {%% %%} expressions", name, key);
		else if (!s.jsonata && lang_jsonata_only_field(key))
			lang_verr(c, p, "state '%s': %s is a JSONata field: set QueryLanguage "
			    "to JSONata on the state or the workflow", name, key);
		else
			lang_verr(c, p, "state '%s': unknown field '%s' in a %s%s state", name,
			    key, s.jsonata ? "JSONata " : "", t->type);
		free(p);
	}
	if (s.jsonata) {
		validate_jsonata_state(&s, state, t);
		return;
	}

	lang_check_string_field(&s, state, "Comment");
	if (t->groups & F_IO) {
		lang_check_path_field(&s, state, "InputPath", 0, 1);
		lang_check_path_field(&s, state, "OutputPath", 0, 1);
	}
	if (strcmp(t->type, "Pass") == 0 || (t->groups & F_RESULT))
		lang_check_path_field(&s, state, "ResultPath", 2, 1);
	if (t->groups & F_RESULT)
		lang_check_template_field(&s, state, "ResultSelector");
	if (t->groups & F_PARAMS)
		lang_check_template_field(&s, state, "Parameters");
	if (t->groups & F_TRANS)
		lang_check_next_end(&s, state);
	lang_check_assign(&s, state, s.ptr); /* only where field_allowed let it */
	if (t->groups & F_ERRH) {
		lang_check_retry(&s, state);
		lang_check_catch(&s, state);
	}
	if (strcmp(t->type, "Task") == 0)
		check_task(&s, state);
	else if (strcmp(t->type, "Choice") == 0)
		check_choice(&s, state);
	else if (strcmp(t->type, "Wait") == 0)
		check_wait(&s, state);
	else if (strcmp(t->type, "Fail") == 0)
		check_fail(&s, state);
	else if (strcmp(t->type, "Parallel") == 0)
		check_parallel(&s, state);
	else if (strcmp(t->type, "Map") == 0)
		check_map(&s, state);
}

/* Map ItemProcessor.ProcessorConfig: only the inline Map exists here. */
static void check_processor_config(struct lang_vctx *c, const char *ptr,
				   json_object *pc)
{
	if (!json_object_is_type(pc, json_type_object)) {
		lang_verr(c, ptr, "ProcessorConfig must be an object");
		return;
	}
	json_object_object_foreach(pc, key, val)
	{
		char *p = lang_pj(ptr, key);
		if (strcmp(key, "Mode") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    strcmp(json_object_get_string(val), "INLINE") != 0)
				lang_verr(c, p,
				    "ProcessorConfig Mode must be INLINE "
				    "(distributed Map is not supported)");
		} else if (strcmp(key, "ExecutionType") != 0) {
			lang_verr(c, p, "unknown field '%s' in ProcessorConfig", key);
		}
		free(p);
	}
}

static void validate_machine(struct lang_vctx *c, const char *ptr, json_object *m,
			     int top)
{
	static const char *const top_fields[] = {
		"StartAt", "States", "Comment", "Version", "TimeoutSeconds",
		"QueryLanguage", NULL};
	static const char *const nested_fields[] = {
		"StartAt", "States", "Comment", "ProcessorConfig", NULL};
	const char *where = top ? "the workflow" : "a nested state machine";

	if (!json_object_is_type(m, json_type_object)) {
		lang_verr(c, ptr, "%s must be an object with StartAt and States",
		    top ? "the workflow" : "a nested state machine");
		return;
	}
	json_object_object_foreach(m, key, val)
	{
		const char *const *allowed = top ? top_fields : nested_fields;
		int ok = 0;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = strcmp(allowed[k], key) == 0;
		char *p = lang_pj(ptr, key);
		if (!ok)
			lang_verr(c, p, "unknown field '%s' in %s", key, where);
		else if (strcmp(key, "QueryLanguage") == 0 &&
			 (!json_object_is_type(val, json_type_string) ||
			  (strcmp(json_object_get_string(val), "JSONPath") != 0 &&
			   strcmp(json_object_get_string(val), "JSONata") != 0)))
			lang_verr(c, p, "QueryLanguage must be JSONPath or JSONata");
		else if ((strcmp(key, "Comment") == 0 ||
			  strcmp(key, "Version") == 0) &&
			 !json_object_is_type(val, json_type_string))
			lang_verr(c, p, "%s must be a string", key);
		else if (strcmp(key, "TimeoutSeconds") == 0 &&
			 (!lang_is_int_value(val) || json_object_get_int64(val) < 1))
			lang_verr(c, p, "TimeoutSeconds must be a positive integer");
		else if (strcmp(key, "ProcessorConfig") == 0)
			check_processor_config(c, p, val);
		free(p);
	}

	int has_states, has_start;
	json_object *states = lang_vfield(m, "States", &has_states);
	json_object *start = lang_vfield(m, "StartAt", &has_start);
	char *pstates = lang_pj(ptr, "States");
	char *pstart = lang_pj(ptr, "StartAt");
	if (!has_states || !json_object_is_type(states, json_type_object) ||
	    json_object_object_length(states) == 0) {
		lang_verr(c, has_states ? pstates : ptr,
		    "%s needs States: an object with at least one state",
		    where);
		states = NULL;
	}
	if (!has_start)
		lang_verr(c, ptr, "%s needs StartAt", where);
	else if (!json_object_is_type(start, json_type_string))
		lang_verr(c, pstart, "StartAt must be a state name (a string)");
	else if (states != NULL &&
		 !json_object_object_get_ex(states, json_object_get_string(start),
					    NULL))
		lang_verr(c, pstart, "StartAt names no state: '%s'",
		    json_object_get_string(start));

	if (states != NULL) {
		/* edges[i]: the targets of the i-th state, for reachability */
		json_object *graph = json_object_new_object();
		json_object_object_foreach(states, name, st)
		{
			char *p = lang_pj(pstates, name);
			if (strlen(name) == 0 || strlen(name) > MAX_NAME)
				lang_verr(c, p,
				    "state name '%s' must be 1 to %d "
				    "characters long",
				    name, MAX_NAME);
			if (json_object_object_get_ex(c->all_names, name, NULL))
				lang_verr(c, p,
				    "state name '%s' is used twice (names must "
				    "be unique in the whole workflow, nested "
				    "branches included)",
				    name);
			else
				json_object_object_add(c->all_names, name, NULL);
			json_object *edges = json_object_new_array();
			json_object_object_add(graph, name, edges);
			validate_state(c, p, name, st, states, edges);
			free(p);
		}
		/* reachability from StartAt */
		json_object *seen = json_object_new_object();
		json_object *todo = json_object_new_array();
		if (json_object_is_type(start, json_type_string) &&
		    json_object_object_get_ex(states,
					      json_object_get_string(start), NULL))
			json_object_array_add(todo, json_object_get(start));
		for (size_t i = 0; i < json_object_array_length(todo); i++) {
			const char *n = json_object_get_string(
				json_object_array_get_idx(todo, i));
			if (json_object_object_get_ex(seen, n, NULL))
				continue;
			json_object_object_add(seen, n, NULL);
			json_object *edges = NULL;
			if (!json_object_object_get_ex(graph, n, &edges))
				continue;
			for (size_t k = 0; k < json_object_array_length(edges);
			     k++)
				json_object_array_add(
					todo, json_object_get(
						      json_object_array_get_idx(
							      edges, k)));
		}
		/* without a valid StartAt every state would be reported */
		if (json_object_object_length(seen) > 0) {
			json_object_object_foreach(states, name2, st2)
			{
				(void)st2;
				if (json_object_object_get_ex(seen, name2, NULL))
					continue;
				char *p = lang_pj(pstates, name2);
				lang_verr(c, p,
				    "state '%s' is unreachable from StartAt "
				    "'%s'",
				    name2, json_object_get_string(start));
				free(p);
			}
		}
		json_object_put(seen);
		json_object_put(todo);
		json_object_put(graph);
	}
	free(pstates);
	free(pstart);
}

/* Orders the diagnostics added since `from` by line and column (stable:
 * problems at the same place keep the order they were found in). */
static void sort_diags(pw_diag_list *l, size_t from)
{
	if (l == NULL)
		return;
	for (size_t i = from + 1; i < l->count; i++) {
		pw_diag d = l->items[i];
		size_t j = i;
		while (j > from && (l->items[j - 1].line > d.line ||
				    (l->items[j - 1].line == d.line &&
				     l->items[j - 1].column > d.column))) {
			l->items[j] = l->items[j - 1];
			j--;
		}
		l->items[j] = d;
	}
}

int pw_workflow_validate(const pw_doc *doc, pw_resource_check_fn check,
			 void *check_ud, pw_diag_list *out)
{
	struct lang_vctx c = {doc, check, check_ud, out, NULL, 0, NULL};
	size_t first = out ? out->count : 0;
	const char *file = pw_doc_file(doc);
	const char *slash = file ? strrchr(file, '/') : NULL;

	c.workflow_dir = slash ? strndup(file, (size_t)(slash - file) + (slash == file))
			       : strdup(".");
	c.all_names = json_object_new_object();
	if (doc == NULL || pw_doc_root(doc) == NULL ||
	    !json_object_is_type(pw_doc_root(doc), json_type_object))
		lang_verr(&c, "", "the workflow must be an object with StartAt and "
			    "States");
	else {
		validate_machine(&c, "", pw_doc_root(doc), 1);
		lang_check_var_scopes(&c, pw_doc_root(doc));
	}
	json_object_put(c.all_names);
	free(c.workflow_dir);
	sort_diags(out, first);
	return c.errors;
}
