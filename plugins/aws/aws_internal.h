/*
 * aws_internal - what the files of libpwaws share and the plugins do not
 * see: the client structure, credentials, the signed-request core with
 * retries, XML helpers and error mapping.
 */
#ifndef AWS_INTERNAL_H
#define AWS_INTERNAL_H

#include <time.h>

#include <curl/curl.h>
#include <libxml/tree.h>

#include "aws_buf.h"
#include "aws_http.h"
#include "aws_retry.h"
#include "pw_aws.h"

/* ---- credentials (aws_creds.c) ---- */

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;   /* NULL for long-term keys */
	time_t expiration;     /* 0: never expires */
	char source[64];       /* "environment", "profile prod", "ecs", ... */
};

/* Wipes and frees the strings; c may hold nothing. */
void aws_creds_clear(struct aws_creds *c);

/* Temporary credentials are refreshed this long before they expire. */
#define AWS_CREDS_REFRESH_MARGIN_S 300

/* What the credential chain needs from its client. */
struct aws_creds_ctx {
	const char *profile;
	int profile_explicit;
	const char *region;  /* for the regional STS endpoint; may be NULL */
	CURL *curl;
	const struct pw_host_api *host;
	pw_call *call;
};

/* Runs the chain (environment, web identity, shared files, ECS, IMDSv2)
 * and fills *out from the first source that has credentials. Errors:
 * AWS.NoCredentials (the cause names every source tried and why it had
 * none), AWS.ProfileNotFound, or the error of a source that is configured
 * but failed (e.g. STS refused the web identity token). */
int aws_creds_resolve(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		      pw_error *err);

/* Replaces *out with copies of the strings. 0, or -1 out of memory. */
int aws_creds_set(struct aws_creds *out, const char *source, const char *ak,
		  const char *sk, const char *token, time_t expiration);

/* An STS action answering <Credentials> (AssumeRole,
 * AssumeRoleWithWebIdentity): params are key, value pairs (NULL-
 * terminated); signer NULL sends it unsigned. Endpoint:
 * AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else sts.REGION.amazonaws.com.
 * Errors name the source and the STS error (STS.Code, AWS.*). */
int aws_sts_credentials(const struct aws_creds_ctx *ctx, const char *action,
			const char *const *params, const struct aws_creds *signer,
			const char *source, struct aws_creds *out, pw_error *err);

/* A profile's credential_process (aws_creds_process.c): command split
 * as shlex.split does, run without a shell, at most
 * AWS_CREDENTIAL_PROCESS_TIMEOUT_MS (PREWARM_CREDENTIAL_PROCESS_TIMEOUT_MS
 * overrides) and 64 KiB of output; its Version 1 JSON fills *out.
 * Errors name the profile: AWS.CredentialProcessFailed (cannot run,
 * non-zero exit with an excerpt of stderr, killed, too slow, too much
 * output), AWS.InvalidCredentials (bad output), AWS.InvalidConfiguration
 * (the command does not split). */
#define AWS_CREDENTIAL_PROCESS_TIMEOUT_MS 30000
int aws_creds_process(const struct aws_creds_ctx *ctx, const char *profile,
		      const char *command, struct aws_creds *out, pw_error *err);
/* Python shlex.split (POSIX mode, no comments): *argv is NULL-terminated,
 * freed with aws_argv_free. -1 with *why on a bad or empty string. */
int aws_shell_split(const char *s, char ***argv, const char **why);
void aws_argv_free(char **argv);

struct aws_profile_files;
/* Nonzero when the profile has any sso_* setting (aws_creds_sso.c). */
int aws_profile_is_sso(const struct aws_profile_files *f, const char *profile);
/* An SSO profile's role credentials (see aws_creds_sso.c). Errors name
 * the profile and the missing piece: AWS.InvalidConfiguration (settings),
 * AWS.NoCredentials (no cached token), AWS.ExpiredToken (token expired),
 * SSO.<Type> or AWS.InvalidCredentials (the portal refused). */
int aws_creds_sso(const struct aws_creds_ctx *ctx,
		  const struct aws_profile_files *f, const char *profile,
		  struct aws_creds *out, pw_error *err);
/* ~/.aws/sso/cache/<sha1 hex of key>.json (malloc'd). */
char *aws_sso_cache_path(const char *key);

/* Nonzero when c is empty or expires within the refresh margin. */
int aws_creds_stale(const struct aws_creds *c, time_t now);

/* ISO 8601 ("2026-01-02T03:04:05Z", fractions and offsets accepted) to
 * time_t; -1 if unparseable. */
time_t aws_parse_iso8601(const char *s);

/* ---- the client (aws_client.c) ---- */

struct pw_aws_client {
	char *service;
	char *signing_name;
	char *env_name;
	char *region;
	char *profile;
	int profile_explicit;
	char *endpoint;          /* base URL, no trailing slash */
	int endpoint_overridden; /* from options or AWS_ENDPOINT_URL* */
	long connect_timeout_ms;
	long request_timeout_ms;
	int max_attempts;        /* in effect: retry.max_attempts, or set */
	long retry_base_ms;
	long retry_cap_ms;
	struct aws_retry_config retry; /* mode and attempts as resolved */
	struct aws_retry_quota quota;  /* standard and adaptive */
	struct aws_rate_limiter limiter; /* adaptive */
	struct pw_aws_call_opts *call_opts; /* the current call's, or NULL */
	size_t max_response_bytes;
	const struct pw_host_api *host;
	pw_call *call;
	CURL *curl;
	struct aws_creds creds;
};

/* How to read an error body: fills code and message (malloc'd, may stay
 * NULL) from a non-2xx response. */
typedef void (*aws_error_reader)(const struct aws_http_response *resp,
				 char **code, char **message);

/* One logical API call: signed, sent, retried. */
struct aws_call {
	const char *method;
	const char *path;          /* URI-encoded; "/" for Query and JSON */
	const char *query;         /* encoded, or NULL */
	const char *host_override; /* S3 virtual-hosted bucket host, or NULL */
	const struct aws_headers *headers; /* extra headers, signed */
	const void *body;
	size_t body_len;
	int s3;                    /* no path normalization, signed body */
	const char *error_prefix;  /* "RDS", "S3", ... */
	const char *what;          /* for logs: "rds:DescribeDBInstances" */
	aws_error_reader read_error;
};

/* Sends call with fresh credentials and a new signature per attempt.
 * Retries what the SDKs retry (aws_retry_classify) by the client's retry
 * mode: capped exponential backoff with full jitter, the retry quota,
 * the adaptive rate limiter; max_attempts in all, or c->call_opts's;
 * refreshes credentials once on ExpiredToken. A not_idempotent call is
 * never resent after an ambiguous failure. Fills c->call_opts's out
 * fields. Returns 0 with a 2xx *resp (caller frees), or -1 with the
 * named error. */
int aws_client_send(pw_aws_client *c, const struct aws_call *call,
		    struct aws_http_response *resp, pw_error *err);

/* Makes sure c->creds holds usable credentials (force: fetch again). */
int aws_client_credentials(pw_aws_client *c, int force, pw_error *err);

/* Logging through the host, if any. Never pass secrets. */
void aws_log(const pw_aws_client *c, enum pw_log_level level, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));

/* ---- errors (aws_errors.c) ---- */

/* Sets err to the error name for an AWS error code under prefix
 * ("Throttling" -> AWS.Throttling, "DBInstanceNotFound" ->
 * RDS.DBInstanceNotFound) with the message as cause. */
void aws_error_from_code(pw_error *err, const char *prefix, const char *code,
			 const char *message, long status);
/* Puts prefix in front of err's cause (truncating the end). */
void aws_error_prefix(pw_error *err, const char *prefix);
/* Nonzero for error names worth retrying (throttling, 5xx, network). */
int aws_error_retryable(const char *name);
/* The bare code from "com.amazon...#Code", "Code:http://..." (in place). */
void aws_error_strip_code(char *code);

/* ---- XML (aws_xml.c) ---- */

/* Parses an XML document (no network, no entities). */
int aws_xml_parse(const char *xml, size_t len, xmlDocPtr *doc, pw_error *err);
/* First child element named name, or NULL. */
xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name);
/* First descendant element named name (depth first), or NULL. */
xmlNodePtr aws_xml_find(xmlNodePtr root, const char *name);
/* The text of an element (malloc'd, caller frees), or NULL. */
char *aws_xml_text(xmlNodePtr node);
/* An element and its children as json (NEW ref). list_names as in
 * pw_aws_xml_to_json; string_names: members never typed as numbers or
 * booleans (may be NULL). */
json_object *aws_xml_to_json_node(xmlNodePtr node,
				  const char *const *list_names,
				  const char *const *string_names);
/* Adds [] for each flattened list of list_names absent from obj's top
 * level (flat: plain names are flattened lists too). */
void aws_xml_add_missing_lists(json_object *obj, const char *const *list_names,
			       int flat);
/* aws_error_reader for XML bodies (<Error><Code/><Message/></Error>). */
void aws_xml_read_error(const struct aws_http_response *resp, char **code,
			char **message);

/* ---- JSON (aws_json.c) ---- */

/* Parses a whole JSON response body (nothing but whitespace after the
 * value); AWS.MalformedResponse naming the offset. *out NEW. */
int aws_json_parse(const char *text, size_t len, json_object **out,
		   pw_error *err);
/* aws_error_reader for JSON bodies ({"__type": ..., "message": ...}, or
 * the x-amzn-errortype header). */
void aws_json_read_error(const struct aws_http_response *resp, char **code,
			 char **message);

/* ---- form encoding (aws_query.c) ---- */

/* Appends "&key=value" with both parts encoded. */
void aws_form_add(struct aws_buf *b, const char *key, const char *value);

#endif
