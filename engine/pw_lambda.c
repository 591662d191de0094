/*
 * pw_lambda - Lambda integrations through resource_map (see pw_lambda.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "pw_clock.h"
#include "pw_lambda.h"
#include "pw_registry.h"

static int chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static int name_ok(const char *s, size_t n)
{
	return n > 0 && n <= PW_LAMBDA_NAME_MAX && chars_ok(s, n);
}

static int qualifier_ok(const char *s, size_t n)
{
	if (n == 7 && strncmp(s, "$LATEST", 7) == 0)
		return 1;
	return n > 0 && n <= PW_LAMBDA_QUALIFIER_MAX && chars_ok(s, n);
}

static int digits(const char *s, size_t n, size_t want)
{
	if (n != want)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

#define MAX_PARTS 9

int pw_lambda_parse_name(const char *fname, struct pw_lambda_fn *out, char *why, size_t why_len)
{
	const char *p[MAX_PARTS];
	size_t len[MAX_PARTS], n = 0;
	const char *s = fname;
	memset(out, 0, sizeof(*out));
	if (strlen(fname) > 170) {
		snprintf(why, why_len, "a FunctionName is at most 170 characters");
		return -1;
	}
	for (;;) {
		const char *c = strchr(s, ':');
		if (n == MAX_PARTS)
			goto bad;
		p[n] = s;
		len[n] = c ? (size_t)(c - s) : strlen(s);
		n++;
		if (c == NULL)
			break;
		s = c + 1;
	}
	size_t at; /* index of NAME */
	if (n >= 1 && len[0] == 3 && strncmp(p[0], "arn", 3) == 0) {
		if ((n != 7 && n != 8) || len[1] < 3 || strncmp(p[1], "aws", 3) != 0 ||
		    len[2] != 6 || strncmp(p[2], "lambda", 6) != 0 || len[5] != 8 ||
		    strncmp(p[5], "function", 8) != 0 || !digits(p[4], len[4], 12))
			goto bad;
		at = 6;
	} else if (n >= 3 && len[1] == 8 && strncmp(p[1], "function", 8) == 0) {
		if (n > 4 || !digits(p[0], len[0], 12))
			goto bad;
		at = 2;
	} else if (n <= 2) {
		at = 0;
	} else {
		goto bad;
	}
	if (!name_ok(p[at], len[at]))
		goto bad;
	memcpy(out->name, p[at], len[at]);
	if (at + 1 < n) {
		if (!qualifier_ok(p[at + 1], len[at + 1]))
			goto bad;
		memcpy(out->qualifier, p[at + 1], len[at + 1]);
	}
	return 0;
bad:
	snprintf(why, why_len,
		 "not a Lambda function name: expected NAME, NAME:QUALIFIER, "
		 "ACCOUNT:function:NAME[:QUALIFIER] or "
		 "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (NAME: 1-64 of "
		 "[A-Za-z0-9_-]; QUALIFIER: $LATEST, a version or an alias)");
	return -1;
}

int pw_lambda_is_function_arn(const char *resource)
{
	/* arn:PARTITION:lambda:... */
	if (strncmp(resource, "arn:aws", 7) != 0)
		return 0;
	const char *c = strchr(resource + 4, ':');
	return c != NULL && strncmp(c, ":lambda:", 8) == 0;
}

int pw_lambda_is_invoke(const char *resource)
{
	size_t n = strlen(PW_LAMBDA_INVOKE);
	return strncmp(resource, PW_LAMBDA_INVOKE, n) == 0 &&
	       (resource[n] == '\0' || resource[n] == '.');
}

const char *pw_lambda_lookup(json_object *map, const struct pw_lambda_fn *fn, char *why,
			     size_t why_len)
{
	json_object *to = NULL;
	char key[PW_LAMBDA_NAME_MAX + PW_LAMBDA_QUALIFIER_MAX + 2];
	if (fn->qualifier[0] != '\0') {
		snprintf(key, sizeof(key), "%s:%s", fn->name, fn->qualifier);
		if (json_object_object_get_ex(map, key, &to))
			goto found;
	}
	snprintf(key, sizeof(key), "%s", fn->name);
	if (json_object_object_get_ex(map, key, &to))
		goto found;
	snprintf(why, why_len,
		 "Lambda function '%s' is not in the config's resource_map; add it, e.g.:\n"
		 "  resource_map:\n    %s: lua:steps/%s.lua",
		 fn->name, fn->name, fn->name);
	return NULL;
found:
	if (!json_object_is_type(to, json_type_string) ||
	    strncmp(json_object_get_string(to), "arn:", 4) == 0) {
		snprintf(why, why_len,
			 "resource_map: %s must map to a lua: or PLUGIN:Action resource", key);
		return NULL;
	}
	return json_object_get_string(to);
}

int pw_lambda_check_params(json_object *params, struct pw_lambda_fn *fn, int *has_fn, char *why,
			   size_t why_len)
{
	json_object *v;
	*has_fn = 0;
	if (params == NULL || !json_object_is_type(params, json_type_object)) {
		snprintf(why, why_len, "Parameters must be an object with a FunctionName");
		return -1;
	}
	if (json_object_object_get_ex(params, "InvocationType", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), "RequestResponse") != 0)) {
		snprintf(why, why_len,
			 "InvocationType '%s' is not supported: the mapped step runs as "
			 "RequestResponse (leave InvocationType out or set it to RequestResponse)",
			 json_object_get_string(v));
		return -1;
	}
	if (json_object_object_get_ex(params, "InvocationType.$", &v)) {
		snprintf(why, why_len, "InvocationType.$ is not supported: only RequestResponse runs");
		return -1;
	}
	if (json_object_object_get_ex(params, "FunctionName.$", &v))
		return 0; /* resolved when the Task runs */
	if (!json_object_object_get_ex(params, "FunctionName", &v)) {
		snprintf(why, why_len, "Parameters lack 'FunctionName', required by %s",
			 PW_LAMBDA_INVOKE);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, why_len, "FunctionName must be a string");
		return -1;
	}
	if (pw_lambda_parse_name(json_object_get_string(v), fn, why, why_len) != 0)
		return -1;
	/* Invoke's Qualifier parameter: the same as a qualified name */
	if (json_object_object_get_ex(params, "Qualifier", &v)) {
		const char *q = json_object_get_string(v);
		size_t ql = q ? strlen(q) : 0;
		if (!json_object_is_type(v, json_type_string) || !qualifier_ok(q, ql)) {
			snprintf(why, why_len, "Qualifier must be $LATEST, a version or an alias");
			return -1;
		}
		if (fn->qualifier[0] != '\0' && strcmp(fn->qualifier, q) != 0) {
			snprintf(why, why_len, "FunctionName's qualifier '%s' and Qualifier '%s' differ",
				 fn->qualifier, q);
			return -1;
		}
		memcpy(fn->qualifier, q, ql + 1);
	}
	*has_fn = 1;
	return 0;
}

static json_object *one_header(json_object *headers, const char *k, const char *v, int as_list)
{
	if (as_list) {
		json_object *a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(v));
		json_object_object_add(headers, k, a);
	} else {
		json_object_object_add(headers, k, json_object_new_string(v));
	}
	return headers;
}

static json_object *headers(const char *date, const char *version, const char *rid, int as_list)
{
	json_object *h = json_object_new_object();
	one_header(h, "Connection", "keep-alive", as_list);
	one_header(h, "Content-Type", "application/json", as_list);
	one_header(h, "Date", date, as_list);
	one_header(h, "X-Amz-Executed-Version", version, as_list);
	one_header(h, "x-amzn-RequestId", rid, as_list);
	return h;
}

json_object *pw_lambda_response(json_object *payload, const struct pw_lambda_fn *fn,
				int64_t wall_ms)
{
	/* A numeric qualifier is a version and runs as itself; an alias or
	 * none runs what resource_map maps, reported as $LATEST. */
	const char *version = "$LATEST";
	size_t ql = strlen(fn->qualifier);
	if (ql > 0 && strspn(fn->qualifier, "0123456789") == ql)
		version = fn->qualifier;
	char rid[40], date[40];
	uuid_t u;
	uuid_generate_random(u);
	uuid_unparse_lower(u, rid);
	time_t now = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	json_object *http = json_object_new_object();
	json_object_object_add(http, "AllHttpHeaders", headers(date, version, rid, 1));
	json_object_object_add(http, "HttpHeaders", headers(date, version, rid, 0));
	json_object_object_add(http, "HttpStatusCode", json_object_new_int(200));
	json_object *sdk = json_object_new_object();
	json_object_object_add(sdk, "RequestId", json_object_new_string(rid));
	json_object *r = json_object_new_object();
	json_object_object_add(r, "ExecutedVersion", json_object_new_string(version));
	json_object_object_add(r, "Payload", payload);
	json_object_object_add(r, "SdkHttpMetadata", http);
	json_object_object_add(r, "SdkResponseMetadata", sdk);
	json_object_object_add(r, "StatusCode", json_object_new_int(200));
	return r;
}

void pw_lambda_function_error(pw_error *err)
{
	if (strcmp(err->name, "States.Timeout") == 0 || strcmp(err->name, "States.Runtime") == 0)
		return;
	/* A Lua error without a name is what Lambda's runtimes call a plain
	 * Error (Node: "Error"); a named one keeps its name. */
	const char *type = strcmp(err->name, "States.TaskFailed") == 0 ? "Error" : err->name;
	json_object *c = json_object_new_object();
	json_object_object_add(c, "errorMessage", json_object_new_string(err->cause));
	json_object_object_add(c, "errorType", json_object_new_string(type));
	json_object_object_add(c, "trace", json_object_new_array());
	pw_error e;
	pw_error_set(&e, type, "%s", json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
	json_object_put(c);
	*err = e;
}

int pw_lambda_invoke(struct pw_call *call, json_object *map, const char *resource,
		     json_object *params, json_object **result, pw_error *err)
{
	struct pw_lambda_fn fn;
	char why[1024];
	json_object *event = params;
	const char *target;
	int optimized = pw_lambda_is_invoke(resource);
	*result = NULL;
	if (optimized) {
		int has_fn = 0;
		if (strcmp(resource, PW_LAMBDA_INVOKE) != 0)
			return pw_error_set(err, "States.Runtime",
					    "%s: only %s (request-response) runs here", resource,
					    PW_LAMBDA_INVOKE);
		if (pw_lambda_check_params(params, &fn, &has_fn, why, sizeof(why)) != 0)
			return pw_error_set(err, "States.Runtime", "%s: %s", resource, why);
		if (!has_fn) /* Parameters turn FunctionName.$ into FunctionName */
			return pw_error_set(err, "States.Runtime", "%s: FunctionName.$ was not resolved",
					    resource);
		event = NULL;
		json_object_object_get_ex(params, "Payload", &event);
	} else if (pw_lambda_parse_name(resource, &fn, why, sizeof(why)) != 0) {
		return pw_error_set(err, "States.Runtime", "resource '%s': %s", resource, why);
	}
	if ((target = pw_lambda_lookup(map, &fn, why, sizeof(why))) == NULL)
		return pw_error_set(err, "Lambda.ResourceNotFoundException", "%s", why);
	json_object *empty = event == NULL ? json_object_new_object() : NULL;
	json_object *payload = NULL;
	int rc = pw_registry_invoke(call, target, event ? event : empty, &payload, err);
	json_object_put(empty);
	if (rc != PW_OK) {
		pw_lambda_function_error(err);
		return PW_ERR;
	}
	const struct pw_clock *clk = call->clock ? call->clock : pw_clock_system();
	*result = optimized ? pw_lambda_response(payload, &fn, clk->wall_ms(clk->ud)) : payload;
	return PW_OK;
}
