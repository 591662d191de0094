/* aws_plugin - glue shared by the AWS plugins; see aws_plugin.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_plugin.h"

static int dup_config(json_object *config, const char *key, char **out,
		      pw_error *err)
{
	json_object *v;

	*out = NULL;
	if (config == NULL || !json_object_object_get_ex(config, key, &v))
		return PW_OK;
	if (!json_object_is_type(v, json_type_string))
		return pw_error_set(err, "States.Runtime",
				    "plugin config: %s must be a string", key);
	*out = strdup(json_object_get_string(v));
	if (*out == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	return PW_OK;
}

/* Thread exit: the slot's client waits for the next thread. */
static void slot_release(void *v)
{
	struct awsp_slot *slot = v;
	pthread_mutex_lock(&slot->conn->lock);
	slot->idle = 1;
	pthread_mutex_unlock(&slot->conn->lock);
}

int awsp_conn_init(struct awsp_conn *conn, const struct pw_host_api *host,
		   json_object *config, const char *service,
		   const char *signing_name, const char *env_name, pw_error *err)
{
	memset(conn, 0, sizeof(*conn));
	conn->host = host;
	if (pthread_key_create(&conn->mine, slot_release) != 0)
		return pw_error_set(err, "States.Runtime", "out of thread-specific keys");
	pthread_mutex_init(&conn->lock, NULL);
	conn->key_ok = 1;
	if (dup_config(config, "region", &conn->region, err) != PW_OK ||
	    dup_config(config, "profile", &conn->profile, err) != PW_OK ||
	    dup_config(config, "endpoint_url", &conn->endpoint_url, err) != PW_OK) {
		awsp_conn_fini(conn);
		return PW_ERR;
	}
	conn->opts.service = service;
	conn->opts.signing_name = signing_name;
	conn->opts.env_name = env_name;
	conn->opts.region = conn->region;
	conn->opts.profile = conn->profile;
	conn->opts.endpoint_url = conn->endpoint_url;
	conn->opts.host = host;
	return PW_OK;
}

void awsp_conn_fini(struct awsp_conn *conn)
{
	if (conn == NULL || !conn->key_ok)
		return;
	/* Threads that used it have ended (a Map joins its workers); the
	 * calling thread's slot is freed below with the others. */
	pthread_key_delete(conn->mine);
	while (conn->all != NULL) {
		struct awsp_slot *slot = conn->all;
		conn->all = slot->next;
		pw_aws_client_free(slot->client);
		free(slot);
	}
	pthread_mutex_destroy(&conn->lock);
	free(conn->region);
	free(conn->profile);
	free(conn->endpoint_url);
	memset(conn, 0, sizeof(*conn));
}

int awsp_client(struct awsp_conn *conn, pw_call *call, pw_aws_client **out,
		pw_error *err)
{
	*out = NULL;
	struct awsp_slot *slot = pthread_getspecific(conn->mine);
	if (slot == NULL) { /* this thread's first call: an idle client? */
		pthread_mutex_lock(&conn->lock);
		for (slot = conn->all; slot != NULL && !slot->idle; slot = slot->next)
			;
		if (slot != NULL)
			slot->idle = 0;
		pthread_mutex_unlock(&conn->lock);
	}
	if (slot == NULL) {
		slot = calloc(1, sizeof(*slot));
		if (slot == NULL)
			return pw_error_set(err, "States.Runtime", "out of memory");
		if (pw_aws_client_new(&conn->opts, &slot->client, err) != PW_OK) {
			free(slot);
			return PW_ERR;
		}
		slot->conn = conn;
		pthread_mutex_lock(&conn->lock);
		slot->next = conn->all;
		conn->all = slot;
		pthread_mutex_unlock(&conn->lock);
	}
	pthread_setspecific(conn->mine, slot);
	pw_aws_client_set_call(slot->client, call);
	*out = slot->client;
	return PW_OK;
}

int awsp_run(const struct pw_host_api *host, const char *const *api_names,
	     awsp_body_fn body, void *state, pw_call *call, json_object *params,
	     json_object **result, pw_error *err)
{
	json_object *api_params, *api_result = NULL;
	int sdk = host != NULL && host->sdk_names != NULL && host->sdk_names(call);
	int rc;

	*result = NULL;
	if (!sdk)
		return body(state, call, params, result, err);
	api_params = pw_aws_from_sdk_names(params, api_names);
	if (api_params == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	rc = body(state, call, api_params, &api_result, err);
	json_object_put(api_params);
	if (rc != PW_OK)
		return rc;
	*result = pw_aws_to_sdk_names(api_result);
	json_object_put(api_result);
	if (*result == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	return PW_OK;
}

/* "<prefix>.InvalidParameter" with the formatted cause. */
static int param_error(pw_error *err, const char *prefix, const char *fmt,
		       const char *key)
{
	char name[PW_ERROR_NAME_MAX];

	snprintf(name, sizeof(name), "%s.InvalidParameter", prefix);
	return pw_error_set(err, name, fmt, key);
}

const char *awsp_get_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int awsp_str(json_object *params, const char *key, int required,
	     const char *prefix, const char **out, pw_error *err)
{
	json_object *v;

	if (!json_object_object_get_ex(params, key, &v) || v == NULL) {
		if (!required)
			return PW_OK;
		*out = NULL;
		return param_error(err, prefix, "missing required parameter %s", key);
	}
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return param_error(err, prefix, "parameter %s must be a non-empty string",
				   key);
	*out = json_object_get_string(v);
	return PW_OK;
}

int awsp_int(json_object *params, const char *key, int required,
	     const char *prefix, int64_t *out, pw_error *err)
{
	json_object *v;

	if (!json_object_object_get_ex(params, key, &v) || v == NULL) {
		if (!required)
			return PW_OK;
		return param_error(err, prefix, "missing required parameter %s", key);
	}
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return PW_OK;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0') {
			*out = n;
			return PW_OK;
		}
	}
	return param_error(err, prefix, "parameter %s must be an integer", key);
}

int awsp_bool(json_object *params, const char *key, const char *prefix,
	      int *out, pw_error *err)
{
	json_object *v;

	if (!json_object_object_get_ex(params, key, &v) || v == NULL)
		return PW_OK;
	if (!json_object_is_type(v, json_type_boolean))
		return param_error(err, prefix, "parameter %s must be true or false",
				   key);
	*out = json_object_get_boolean(v);
	return PW_OK;
}

json_object *awsp_without(json_object *params, const char *const *drop)
{
	json_object *copy = json_object_new_object();

	json_object_object_foreach(params, k, v)
	{
		int skip = 0;

		for (const char *const *d = drop; d && *d && !skip; d++)
			skip = strcmp(*d, k) == 0;
		if (!skip)
			json_object_object_add(copy, k, json_object_get(v));
	}
	return copy;
}

static int listed(const char *const *keys, const char *k)
{
	for (; keys && *keys; keys++)
		if (strcmp(*keys, k) == 0)
			return 1;
	return 0;
}

static json_object *coerce_scalar(json_object *v, int as_int, int as_bool)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (as_bool && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
		return json_object_new_boolean(s[0] == 't');
	if (as_int) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0')
			return json_object_new_int64(n);
	}
	return NULL;
}

void awsp_coerce(json_object *v, const char *const *int_keys,
		 const char *const *bool_keys)
{
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++)
			awsp_coerce(json_object_array_get_idx(v, i), int_keys,
				    bool_keys);
		return;
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	json_object_object_foreach(v, k, child)
	{
		json_object *repl = coerce_scalar(child, listed(int_keys, k),
						  listed(bool_keys, k));

		if (repl != NULL)
			json_object_object_add(v, k, repl); /* replaces child */
		else
			awsp_coerce(child, int_keys, bool_keys);
	}
}
