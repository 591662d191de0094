/*
 * pw_aws - the static library the AWS plugins link: credentials, region,
 * endpoints, SigV4, HTTP with retries, and the Query / REST-XML / JSON
 * protocols, returning json-c objects with the AWS API's member names.
 * Owner: aws-lib. Users: the rds, cloudwatch, s3, notify, secrets and sqs
 * plugins.
 *
 * Ownership: json_object arguments are borrowed; json_object ** results
 * are NEW references. A pw_aws_client is not thread-safe; one per plugin
 * state (it reuses its HTTP connection).
 */
#ifndef PW_AWS_H
#define PW_AWS_H

#include <stdint.h>
#include <prewarm/plugin.h>

typedef struct pw_aws_client pw_aws_client;

/* Retry modes, as the AWS SDKs name them (retry_mode / AWS_RETRY_MODE).
 * standard: at most max_attempts (default 3) per call; waits
 *   rand * min(base * 2^(n-1), cap) before retry n (full jitter, base 1 s,
 *   cap 20 s); a retry quota (500 tokens, 5 per retry, 10 after a
 *   timeout, refunded on success) stops retrying when most calls fail.
 * adaptive: standard, plus a client-side rate limiter that starts after
 *   the first throttling answer and adapts its rate with CUBIC; it may
 *   delay a first attempt too.
 * legacy: this library before retry modes: 5 attempts, no quota.
 * See plugins/aws/README.md "Retries". */
enum pw_aws_retry_mode {
	PW_AWS_RETRY_DEFAULT = 0, /* in options: standard */
	PW_AWS_RETRY_STANDARD,
	PW_AWS_RETRY_ADAPTIVE,
	PW_AWS_RETRY_LEGACY,
};

/* What a failed call means for the resource it wanted to change. */
enum pw_aws_failure {
	PW_AWS_FAILURE_NONE = 0, /* the call succeeded */
	/* The service answered with an error below 500 (validation, state
	 * fault, access denied, throttling in any status) or the request
	 * never left this host (no connection, no credentials, deadline
	 * already passed): nothing was applied. */
	PW_AWS_FAILURE_NOT_APPLIED,
	/* A 5xx, a timeout or a connection lost after the request was sent:
	 * it may or may not have been applied. Resolve by reading back. */
	PW_AWS_FAILURE_AMBIGUOUS,
};

struct pw_aws_options {
	const char *service;      /* endpoint/config name: "rds", "monitoring"
				     (CloudWatch), "s3", "sns", "sqs",
				     "secretsmanager", "sts" */
	const char *signing_name; /* SigV4 service name; NULL = service */
	const char *env_name;     /* AWS_ENDPOINT_URL_<ENV_NAME>, e.g. "RDS",
				     "CLOUDWATCH", "S3"; NULL = upper(service) */
	const char *region;       /* NULL: AWS_REGION, AWS_DEFAULT_REGION,
				     profile */
	const char *profile;      /* NULL: AWS_PROFILE, else "default" */
	const char *endpoint_url; /* NULL: AWS_ENDPOINT_URL_<SVC>,
				     AWS_ENDPOINT_URL, else regional */
	long connect_timeout_ms;  /* 0: 3000 */
	long request_timeout_ms;  /* 0: 30000 */
	/* The tool's default attempts per call (throttling, 5xx, network);
	 * AWS_MAX_ATTEMPTS or the profile's max_attempts wins over it.
	 * 0: the SDKs' default, 3 (legacy mode: 5). */
	int max_attempts;
	const struct pw_host_api *host; /* for logging, secret registration,
					   cancellable sleeps; may be NULL */
	/* Appended: retry backoff is full jitter, uniform in
	 * [0, min(retry_cap_ms, retry_base_ms * 2^(attempt-1))]. */
	long retry_base_ms;       /* 0: 1000 (the SDKs' standard mode) */
	long retry_cap_ms;        /* 0: 20000 */
	/* Appended: a response body longer than this fails the request with
	 * AWS.ResponseTooLarge (never retried). 0: 64 MiB; values above
	 * INT_MAX - 1 are lowered to it (json-c and libxml2 take int
	 * lengths). */
	size_t max_response_bytes;
	/* Appended: the tool's default retry mode; AWS_RETRY_MODE or the
	 * profile's retry_mode wins over it. 0: standard. */
	enum pw_aws_retry_mode retry_mode;
};

/* Creates a client; resolves region and endpoint now, credentials lazily
 * (first request; cached, refreshed 5 minutes before they expire).
 * Errors: AWS.InvalidConfiguration (no region, bad endpoint URL, malformed
 * shared file), AWS.ProfileNotFound (a profile named by the options or
 * AWS_PROFILE exists in neither shared file). *out is freed with
 * pw_aws_client_free. See plugins/aws/README.md. */
int pw_aws_client_new(const struct pw_aws_options *opts, pw_aws_client **out,
		      pw_error *err);
void pw_aws_client_free(pw_aws_client *c); /* NULL is a no-op */

const char *pw_aws_client_region(const pw_aws_client *c);
const char *pw_aws_client_endpoint(const pw_aws_client *c);

/* The per-call context the host passed the action (for cancellable
 * sleeps and logging); may be NULL. Set before each call. */
void pw_aws_client_set_call(pw_aws_client *c, pw_call *call);

/* Sets how many attempts a request gets (>= 1), over the config and the
 * environment, and returns the previous value. For one call, prefer
 * pw_aws_query_opts with struct pw_aws_call_opts (below), which also
 * tells whether a failed write was applied. */
int pw_aws_client_set_max_attempts(pw_aws_client *c, int max_attempts);

/* Attempts a call gets now (after options, config, environment and
 * pw_aws_client_set_max_attempts), and the retry mode in effect. */
int pw_aws_client_max_attempts(const pw_aws_client *c);
enum pw_aws_retry_mode pw_aws_client_retry_mode(const pw_aws_client *c);

/* The wait before retry number `attempt` (1 = first) of a caller's own
 * loop (e.g. read-modify-write rounds), by the same full-jitter formula
 * as the library's retries: uniform in [0, min(cap, base * 2^(n-1))]. */
long pw_aws_client_backoff_ms(const pw_aws_client *c, int attempt);

/*
 * Per-call retry control. in: max_attempts (0: the client's; a value set
 * here is the tool's own choice for this call and wins over the config,
 * e.g. more attempts for the endpoint-membership calls), not_idempotent
 * (the call changes something and a resend could repeat or undo it:
 * the library then resends only after a failure that proves nothing was
 * applied (throttling, a refused connection); never after a 5xx, a
 * timeout or a connection dropped after sending). out, filled when the
 * call returns: failure (NONE on success; else NOT_APPLIED or AMBIGUOUS,
 * see enum pw_aws_failure) and attempts (how many were sent or tried).
 *
 * A read-modify-write caller sets not_idempotent and max_attempts 1 on
 * its write, and on PW_AWS_FAILURE_NOT_APPLIED reads again, rebuilds and
 * writes after pw_aws_client_backoff_ms; on PW_AWS_FAILURE_AMBIGUOUS it
 * reads back to learn whether the write landed, and never resends the
 * old request, unless the write sets an absolute value under a lock that
 * keeps every other writer out (then resending it is right either way;
 * the rds plugin's member actions, plugins/PLUGINS.md).
 */
struct pw_aws_call_opts {
	int max_attempts;
	int not_idempotent;
	enum pw_aws_failure failure; /* out */
	int attempts;                /* out */
};
const char *pw_aws_failure_name(enum pw_aws_failure f); /* "not-applied"... */

/* Nonzero for a failure that the same request might not meet again
 * (AWS.Throttling, AWS.ServiceError (5xx), AWS.NetworkError, AWS.Timeout). */
int pw_aws_error_is_transient(const pw_error *e);

/*
 * Query protocol (RDS, CloudWatch, SNS, STS). `params` is a structured
 * object with API member names; it is flattened to the form encoding
 * (lists as Name.member.N or Name.ListName.N as `list_members` says).
 * The XML response's <ActionResult> becomes *result; element names listed
 * in `list_names` (NULL-terminated, e.g. {"DBInstances", "StaticMembers",
 * NULL}) are wrapped lists and always arrays (even with one item or
 * none). Text that is exactly a JSON number or true/false is typed,
 * except members known to be strings (see string_names). Errors become
 * "<PREFIX>.<Code>" with the code exactly as AWS sends it (e.g.
 * "RDS.DBInstanceNotFound", "RDS.InvalidDBClusterEndpointStateFault") and
 * the AWS message as cause; common codes map to AWS.* (AWS.AccessDenied,
 * AWS.Throttling (retried), AWS.InvalidClientToken, AWS.ExpiredToken
 * (credentials refreshed once, then retried), AWS.ValidationError,
 * AWS.ServiceError (5xx, retried)); AWS.NetworkError and AWS.Timeout
 * (retried); AWS.MalformedResponse for a body that does not parse;
 * AWS.NoCredentials, AWS.ProfileNotFound from the credential chain.
 */
struct pw_aws_query_shape {
	const char *error_prefix;        /* "RDS" */
	const char *api_version;         /* "2014-10-31" */
	const char *const *list_names;   /* response elements that are lists */
	/* request lists: "Member" style per list, e.g. {"StaticMembers",
	 * "member"} pairs, NULL-terminated; unlisted lists use ".member.N" */
	const char *const *request_list_item_names;
	/* Appended: response members whose text stays a string even when it
	 * looks like a number or boolean (NULL-terminated, may be NULL). A
	 * built-in set (Key, ETag, Marker, NextToken, Value, Name, ...) always
	 * applies. "Name[]" in list_names declares a flattened list
	 * (repeated <Name> siblings, as S3 sends <Contents>). */
	const char *const *string_names;
};
int pw_aws_query(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		 const char *action, json_object *params, json_object **result,
		 pw_error *err);

/* pw_aws_query with per-call retry control (opts may be NULL). */
int pw_aws_query_opts(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		      const char *action, json_object *params,
		      struct pw_aws_call_opts *opts, json_object **result,
		      pw_error *err);

/* Same, following a pagination token (Marker or NextToken, as named)
 * until exhausted, concatenating the array member `items` of each page. */
int pw_aws_query_all(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		     const char *action, json_object *params,
		     const char *token_name, const char *items,
		     json_object **result, pw_error *err);

/* JSON protocol (SQS, Secrets Manager): X-Amz-Target = target_prefix +
 * "." + action, content type application/x-amz-json-1.0 or 1.1. */
int pw_aws_json(pw_aws_client *c, const char *target_prefix,
		const char *json_version, const char *error_prefix,
		const char *action, json_object *params, json_object **result,
		pw_error *err);

/* REST (S3): a raw HTTP call. path is URI-encoded by the caller
 * ("/bucket/" + pw_aws_uri_encode(key, 0)); for S3 it always starts with
 * the bucket: the library switches to virtual-hosted addressing against
 * AWS when the bucket name allows it, and keeps path-style when an
 * endpoint override is set. query is "a=b&c=d" (unencoded values are
 * encoded by the caller with pw_aws_uri_encode) or NULL. body may be NULL.
 * The response body is returned raw in *body (malloc'd, NUL-terminated,
 * caller frees) with its length; response headers as a json object of
 * lower-case names (NEW ref, may pass NULL). Non-2xx responses become
 * errors with the S3 error code ("S3.NoSuchKey"). */
int pw_aws_rest(pw_aws_client *c, const char *method, const char *path,
		const char *query, const char *content_type, const void *body,
		size_t body_len, char **resp_body, size_t *resp_len,
		json_object **resp_headers, pw_error *err);

/* XML text -> json (for REST-XML bodies): the root element's members.
 * Here a name in list_names is a FLATTENED list, as S3 sends them:
 * repeated <Contents> siblings become one array "Contents" (even with
 * one; [] when absent at the top level). Errors: AWS.MalformedResponse
 * naming the line. *out NEW. */
int pw_aws_xml_to_json(const char *xml, size_t len,
		       const char *const *list_names, json_object **out,
		       pw_error *err);

/* RFC 3986 encoding as SigV4 wants it (encode_slash 0 for paths).
 * Returns malloc'd string. */
char *pw_aws_uri_encode(const char *s, int encode_slash);

/* A presigned URL for RDS IAM database authentication (the "token" is the
 * URL without its scheme), valid expires_s seconds (max 900). *token is
 * malloc'd; the caller frees and should register it as a secret. */
int pw_aws_rds_auth_token(pw_aws_client *c, const char *hostname, int port,
			  const char *db_user, int expires_s, char **token,
			  pw_error *err);

/* Step Functions aws-sdk naming: "DBInstanceIdentifier" ->
 * "DbInstanceIdentifier" (runs of capitals keep their first letter
 * upper and the rest lower). Deep-converts every object key; *out NEW. */
json_object *pw_aws_to_sdk_names(json_object *v);
/* The reverse, for incoming parameters: keys are matched against the
 * known API names in `api_names` (NULL-terminated) case-insensitively;
 * unknown keys pass through unchanged. *out NEW. */
json_object *pw_aws_from_sdk_names(json_object *v,
				   const char *const *api_names);

#endif
