/*
 * aws_plugin - glue shared by the AWS plugins (rds, cloudwatch, s3,
 * notify's SNS target, secrets, sqs): lazily created pw_aws_clients, one
 * per thread (its own curl handle and credentials), the Step Functions
 * aws-sdk member-name conversion around an action, and typed parameter
 * getters with clear errors.
 *
 * Compiled into each plugin (not a library of its own); all symbols are
 * hidden by -fvisibility=hidden and the plugins' export list.
 */
#ifndef AWS_PLUGIN_H
#define AWS_PLUGIN_H

#include <pthread.h>

#include <prewarm/plugin.h>

#include "pw_aws.h"

struct awsp_conn;

/* One client and the connection it belongs to. */
struct awsp_slot {
	struct awsp_conn *conn;
	pw_aws_client *client;
	struct awsp_slot *next; /* in conn->all */
	int idle;               /* its thread ended: another may take it */
};

/* A plugin's AWS connection: clients are created on first use so that
 * loading the plugin (e.g. for `prewarm validate`) needs no region or
 * credentials. Each thread that calls an action gets its own client (a
 * curl handle is not to be shared between threads); when the thread
 * ends (a Map's worker) its client goes idle and the next new thread
 * takes it, keeping its connections and credentials warm. */
struct awsp_conn {
	const struct pw_host_api *host;
	struct pw_aws_options opts; /* strings below are owned */
	char *region, *profile, *endpoint_url;
	pthread_mutex_t lock;       /* all, idle */
	pthread_key_t mine;         /* this thread's struct awsp_slot */
	int key_ok;
	struct awsp_slot *all;
};

/*
 * Fills conn from the plugin's config object (borrowed, may be NULL):
 * optional string keys "region", "profile", "endpoint_url" override the
 * environment. service/signing_name/env_name are static strings.
 */
int awsp_conn_init(struct awsp_conn *conn, const struct pw_host_api *host,
		   json_object *config, const char *service,
		   const char *signing_name, const char *env_name, pw_error *err);
/* Frees what conn owns (not conn itself). */
void awsp_conn_fini(struct awsp_conn *conn);
/* The calling thread's client, created on its first call; borrowed
 * (conn owns it). */
int awsp_client(struct awsp_conn *conn, pw_call *call, pw_aws_client **out,
		pw_error *err);

/* An action body with API member names in and out. */
typedef int (*awsp_body_fn)(void *state, pw_call *call, json_object *params,
			    json_object **result, pw_error *err);

/*
 * Runs body; when the host says the call came through an aws-sdk ARN,
 * params are first converted from Step Functions names to the API names
 * in api_names and the result back to aws-sdk names.
 */
int awsp_run(const struct pw_host_api *host, const char *const *api_names,
	     awsp_body_fn body, void *state, pw_call *call, json_object *params,
	     json_object **result, pw_error *err);

/* Parameter getters. Missing: *out untouched (or NULL for required) and,
 * when required, an error "<prefix>.InvalidParameter" naming the key.
 * Wrong type is always an error. */
int awsp_str(json_object *params, const char *key, int required,
	     const char *prefix, const char **out, pw_error *err);
int awsp_int(json_object *params, const char *key, int required,
	     const char *prefix, int64_t *out, pw_error *err);
int awsp_bool(json_object *params, const char *key, const char *prefix,
	      int *out, pw_error *err);

/* A string member of o, or NULL. */
const char *awsp_get_str(json_object *o, const char *key);

/* A copy of params without the listed keys (NULL-terminated); NEW. Used
 * to pass only the API's own members to AWS. */
json_object *awsp_without(json_object *params, const char *const *drop);

/* Query/XML responses carry every value as text; converts strings in the
 * listed keys (deeply) to integers / booleans so workflows can compare
 * them as numbers and booleans. Keys not listed stay strings. */
void awsp_coerce(json_object *v, const char *const *int_keys,
		 const char *const *bool_keys);

#endif
