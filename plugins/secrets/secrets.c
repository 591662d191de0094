/*
 * secrets - AWS Secrets Manager GetSecretValue for database credentials.
 * Everything secret it returns is registered with the host for redaction
 * before the result leaves the plugin. See plugins/PLUGINS.md.
 */
#include <stdlib.h>
#include <string.h>

#include "aws_plugin.h"

struct secrets_state {
	const struct pw_host_api *host;
	struct awsp_conn conn;
};

static const char *const api_names[] = {"SecretId", "VersionId", "VersionStage",
					NULL};

/* The members of an RDS-managed secret's JSON; username and password are
 * what makes it credentials, the rest is optional. */
static const char *const cred_keys[] = {"username", "password", "host", "port",
					"dbname", "engine",
					"dbClusterIdentifier",
					"dbInstanceIdentifier", NULL};

static void register_secret(struct secrets_state *st, const char *s)
{
	if (s != NULL && st->host->add_secret != NULL)
		st->host->add_secret(s);
}

/* {"username","password",...} -> "Credentials" object (port as a number). */
static json_object *parse_credentials(const char *secret_string)
{
	json_object *doc = json_tokener_parse(secret_string), *creds = NULL;

	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    awsp_get_str(doc, "username") == NULL ||
	    awsp_get_str(doc, "password") == NULL)
		goto out;
	creds = json_object_new_object();
	for (const char *const *k = cred_keys; *k; k++) {
		json_object *v;

		if (!json_object_object_get_ex(doc, *k, &v))
			continue;
		if (strcmp(*k, "port") == 0 && json_object_is_type(v, json_type_string))
			json_object_object_add(creds, *k,
					       json_object_new_int64(strtoll(
						       json_object_get_string(v), NULL, 10)));
		else
			json_object_object_add(creds, *k, json_object_get(v));
	}
out:
	json_object_put(doc);
	return creds;
}

static int get_secret_value(void *state, pw_call *call, json_object *params,
			    json_object **result, pw_error *err)
{
	struct secrets_state *st = state;
	const char *id = NULL, *secret_string;
	pw_aws_client *c;
	json_object *res = NULL, *creds;

	*result = NULL;
	if (awsp_str(params, "SecretId", 1, "SecretsManager", &id, err) != PW_OK ||
	    awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_json(c, "secretsmanager", "1.1", "SecretsManager",
			"GetSecretValue", params, &res, err) != PW_OK)
		return PW_ERR;
	/* Register before anything could print the result. */
	secret_string = awsp_get_str(res, "SecretString");
	register_secret(st, secret_string);
	register_secret(st, awsp_get_str(res, "SecretBinary"));
	if (secret_string != NULL && (creds = parse_credentials(secret_string)) != NULL) {
		register_secret(st, awsp_get_str(creds, "password"));
		json_object_object_add(res, "Credentials", creds);
	}
	*result = res;
	return PW_OK;
}

static int act_get_secret_value(void *state, pw_call *call, json_object *params,
				json_object **result, pw_error *err)
{
	struct secrets_state *st = state;

	return awsp_run(st->host, api_names, get_secret_value, state, call,
			params, result, err);
}

static const char *const req_get[] = {"SecretId", NULL};

static const struct pw_action secrets_actions[] = {
	{"GetSecretValue",
	 "read a secret; RDS credentials also parsed as Credentials", PW_ACTION_THREAD_SAFE,
	 act_get_secret_value, NULL, req_get},
};

static int secrets_init(const struct pw_host_api *host, json_object *config,
			void **state, pw_error *err)
{
	struct secrets_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	st->host = host;
	if (awsp_conn_init(&st->conn, host, config, "secretsmanager", NULL,
			   "SECRETS_MANAGER", err) != PW_OK) {
		free(st);
		return PW_ERR;
	}
	*state = st;
	return PW_OK;
}

static void secrets_fini(void *state)
{
	struct secrets_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->conn);
	free(st);
}

static const char *const secrets_sdk_services[] = {"secretsmanager", NULL};

static const struct pw_plugin secrets_plugin = {
	PW_PLUGIN_HEADER,
	.name = "secrets",
	.version = "0.1.0",
	.summary = "AWS Secrets Manager: database credentials, redacted",
	.sdk_services = secrets_sdk_services,
	.init = secrets_init,
	.fini = secrets_fini,
	.actions = secrets_actions,
	.n_actions = sizeof(secrets_actions) / sizeof(secrets_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &secrets_plugin;
}
