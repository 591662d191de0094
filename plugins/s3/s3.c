/*
 * s3 - Amazon S3 objects for workflows: list a prefix, read an object as
 * text, find the newest object under a prefix (the pg_stat_statements
 * export), write an object. Path-style requests (/bucket/key), which AWS
 * and emulators both accept. See plugins/PLUGINS.md.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_plugin.h"

struct s3_state {
	const struct pw_host_api *host;
	struct awsp_conn conn;
};

static const char *const api_names[] = {
	"Bucket", "Key", "Prefix", "Delimiter", "MaxKeys", "ContinuationToken",
	"StartAfter", "Body", "ContentType", "WithBody", "Suffix", "PageSize",
	NULL,
};
static const char *const list_names[] = {"Contents", "CommonPrefixes", NULL};
static const char *const int_keys[] = {"Size", "KeyCount", "MaxKeys", NULL};
static const char *const bool_keys[] = {"IsTruncated", NULL};

/* "/bucket/key" with the key URI-encoded (slashes kept). Caller frees. */
static char *object_path(const char *bucket, const char *key)
{
	char *b = pw_aws_uri_encode(bucket, 1), *k = key ? pw_aws_uri_encode(key, 0) : NULL;
	char *path = NULL;

	if (b != NULL && (key == NULL || k != NULL) &&
	    asprintf(&path, "/%s/%s", b, k ? k : "") < 0)
		path = NULL;
	free(b);
	free(k);
	return path;
}

/* Appends "&name=value" (value encoded) to a query string being built. */
static void add_query(FILE *q, const char *name, const char *value)
{
	char *v = pw_aws_uri_encode(value, 1);

	if (v != NULL)
		fprintf(q, "&%s=%s", name, v);
	free(v);
}

/* One ListObjectsV2 page; *page NEW. */
static int list_page(struct s3_state *st, pw_call *call, json_object *params,
		     const char *token, json_object **page, pw_error *err)
{
	const char *bucket = awsp_get_str(params, "Bucket");
	char *path = object_path(bucket, NULL), *query = NULL, *body = NULL;
	size_t qlen = 0, blen = 0;
	FILE *q = open_memstream(&query, &qlen);
	static const char *const opt[][2] = {
		{"Prefix", "prefix"},         {"Delimiter", "delimiter"},
		{"StartAfter", "start-after"},
	};
	pw_aws_client *c;
	int64_t max_keys = 0;
	int rc = PW_ERR;

	*page = NULL;
	if (path == NULL || q == NULL) {
		if (q != NULL)
			fclose(q);
		free(query);
		free(path);
		return pw_error_set(err, "States.Runtime", "out of memory");
	}
	fputs("list-type=2", q);
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		const char *v = awsp_get_str(params, opt[i][0]);

		if (v != NULL)
			add_query(q, opt[i][1], v);
	}
	/* MaxKeys: one page of that size; PageSize: that size per request,
	 * every page. */
	if (awsp_int(params, "MaxKeys", 0, "S3", &max_keys, err) != PW_OK ||
	    (max_keys == 0 &&
	     awsp_int(params, "PageSize", 0, "S3", &max_keys, err) != PW_OK)) {
		fclose(q);
		goto out;
	}
	if (max_keys > 0)
		fprintf(q, "&max-keys=%lld", (long long)max_keys);
	if (token != NULL)
		add_query(q, "continuation-token", token);
	fclose(q);
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_rest(c, "GET", path, query, NULL, NULL, 0, &body, &blen, NULL,
			err) != PW_OK ||
	    pw_aws_xml_to_json(body, blen, list_names, page, err) != PW_OK)
		goto out;
	awsp_coerce(*page, int_keys, bool_keys);
	rc = PW_OK;
out:
	free(body);
	free(query);
	free(path);
	return rc;
}

/* ListObjectsV2: every page (PageSize keys per request, default 1000)
 * unless MaxKeys or ContinuationToken is given (then one page, as the API
 * returns it). */
static int list_objects(void *state, pw_call *call, json_object *params,
			json_object **result, pw_error *err)
{
	struct s3_state *st = state;
	const char *bucket = NULL, *token = NULL;
	json_object *all = NULL, *contents;
	int one_page;

	*result = NULL;
	if (awsp_str(params, "Bucket", 1, "S3", &bucket, err) != PW_OK ||
	    awsp_str(params, "ContinuationToken", 0, "S3", &token, err) != PW_OK)
		return PW_ERR;
	one_page = token != NULL || json_object_object_get_ex(params, "MaxKeys", NULL);
	contents = json_object_new_array();
	for (;;) {
		json_object *page = NULL, *items;
		const char *next;

		if (list_page(st, call, params, token, &page, err) != PW_OK) {
			json_object_put(all);
			json_object_put(contents);
			return PW_ERR;
		}
		if (json_object_object_get_ex(page, "Contents", &items))
			for (size_t i = 0; i < json_object_array_length(items); i++)
				json_object_array_add(contents, json_object_get(
					json_object_array_get_idx(items, i)));
		json_object_put(all);
		all = page; /* the last page carries the final fields */
		next = awsp_get_str(page, "NextContinuationToken");
		if (one_page || next == NULL)
			break;
		token = next;
		if (st->host->is_cancelled(call)) {
			json_object_put(all);
			json_object_put(contents);
			return pw_error_set(err, "States.Timeout",
					    "cancelled while listing s3://%s", bucket);
		}
	}
	json_object_object_add(all, "Contents", contents);
	if (!one_page) {
		json_object_object_add(all, "KeyCount",
				       json_object_new_int64((int64_t)json_object_array_length(contents)));
		json_object_object_del(all, "NextContinuationToken");
		json_object_object_del(all, "ContinuationToken");
	}
	*result = all;
	return PW_OK;
}

static void copy_header(json_object *headers, const char *from, json_object *to,
			const char *name, int as_int)
{
	const char *v = awsp_get_str(headers, from);

	if (v == NULL)
		return;
	if (as_int)
		json_object_object_add(to, name, json_object_new_int64(strtoll(v, NULL, 10)));
	else
		json_object_object_add(to, name, json_object_new_string(v));
}

/* GET one object; the body must be text (no NUL bytes). *out NEW. */
static int get_object_body(struct s3_state *st, pw_call *call, const char *bucket,
			   const char *key, json_object **out, pw_error *err)
{
	char *path = object_path(bucket, key), *body = NULL;
	json_object *headers = NULL, *r;
	pw_aws_client *c;
	size_t len = 0;
	int rc = PW_ERR;

	*out = NULL;
	if (path == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_rest(c, "GET", path, NULL, NULL, NULL, 0, &body, &len, &headers,
			err) != PW_OK)
		goto out;
	if (memchr(body, '\0', len) != NULL) {
		pw_error_set(err, "S3.BinaryObject",
			     "s3://%s/%s is not text (it contains NUL bytes)",
			     bucket, key);
		goto out;
	}
	/* json-c strings take an int length; the client's body cap keeps
	 * len below INT_MAX, and this says so rather than truncate. */
	if (len > (size_t)INT_MAX - 1) {
		pw_error_set(err, "AWS.ResponseTooLarge",
			     "s3://%s/%s: %zu bytes is too large for a Body",
			     bucket, key, len);
		goto out;
	}
	r = json_object_new_object();
	json_object_object_add(r, "Bucket", json_object_new_string(bucket));
	json_object_object_add(r, "Key", json_object_new_string(key));
	json_object_object_add(r, "Body", json_object_new_string_len(body, (int)len));
	json_object_object_add(r, "ContentLength", json_object_new_int64((int64_t)len));
	copy_header(headers, "content-type", r, "ContentType", 0);
	copy_header(headers, "etag", r, "ETag", 0);
	copy_header(headers, "last-modified", r, "LastModified", 0);
	*out = r;
	rc = PW_OK;
out:
	json_object_put(headers);
	free(body);
	free(path);
	return rc;
}

static int get_object(void *state, pw_call *call, json_object *params,
		      json_object **result, pw_error *err)
{
	const char *bucket = NULL, *key = NULL;

	*result = NULL;
	if (awsp_str(params, "Bucket", 1, "S3", &bucket, err) != PW_OK ||
	    awsp_str(params, "Key", 1, "S3", &key, err) != PW_OK)
		return PW_ERR;
	return get_object_body(state, call, bucket, key, result, err);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/*
 * GetLatestObject {Bucket, Prefix, Suffix?, WithBody?}: the object under
 * Prefix (ending in Suffix) with the newest LastModified (ties: the
 * greatest Key), with its Body unless WithBody is false.
 */
static int get_latest_object(void *state, pw_call *call, json_object *params,
			     json_object **result, pw_error *err)
{
	static const char *const keep[] = {"Bucket", "Prefix", "PageSize", NULL};
	const char *bucket = NULL, *prefix = NULL, *suffix = NULL;
	json_object *lp = NULL, *listing = NULL, *contents, *best = NULL, *r;
	int with_body = 1, rc = PW_ERR;

	*result = NULL;
	if (awsp_str(params, "Bucket", 1, "S3", &bucket, err) != PW_OK ||
	    awsp_str(params, "Prefix", 0, "S3", &prefix, err) != PW_OK ||
	    awsp_str(params, "Suffix", 0, "S3", &suffix, err) != PW_OK ||
	    awsp_bool(params, "WithBody", "S3", &with_body, err) != PW_OK)
		return PW_ERR;
	lp = json_object_new_object();
	for (const char *const *k = keep; *k; k++) {
		json_object *v;

		if (json_object_object_get_ex(params, *k, &v))
			json_object_object_add(lp, *k, json_object_get(v));
	}
	if (list_objects(state, call, lp, &listing, err) != PW_OK)
		goto out;
	json_object_object_get_ex(listing, "Contents", &contents);
	for (size_t i = 0; i < json_object_array_length(contents); i++) {
		json_object *o = json_object_array_get_idx(contents, i);
		const char *key = awsp_get_str(o, "Key"), *lm = awsp_get_str(o, "LastModified");
		int cmp;

		if (key == NULL || lm == NULL || (suffix && !ends_with(key, suffix)))
			continue;
		if (best == NULL) {
			best = o;
			continue;
		}
		/* S3 writes LastModified in one ISO 8601 form: text order is
		 * time order. */
		cmp = strcmp(lm, awsp_get_str(best, "LastModified"));
		if (cmp > 0 || (cmp == 0 && strcmp(key, awsp_get_str(best, "Key")) > 0))
			best = o;
	}
	if (best == NULL) {
		pw_error_set(err, "S3.NoSuchKey", "no object under s3://%s/%s%s%s",
			     bucket, prefix ? prefix : "", suffix ? "*" : "",
			     suffix ? suffix : "");
		goto out;
	}
	if (with_body) {
		if (get_object_body(state, call, bucket, awsp_get_str(best, "Key"), &r,
				    err) != PW_OK)
			goto out;
	} else {
		r = json_object_new_object();
		json_object_object_add(r, "Bucket", json_object_new_string(bucket));
		json_object_object_add(r, "Key", json_object_new_string(awsp_get_str(best, "Key")));
	}
	/* The listing's LastModified is ISO 8601, easier to use than the
	 * header's HTTP date. */
	json_object_object_add(r, "LastModified",
			       json_object_new_string(awsp_get_str(best, "LastModified")));
	{
		json_object *v;

		if (json_object_object_get_ex(best, "Size", &v))
			json_object_object_add(r, "Size", json_object_get(v));
	}
	*result = r;
	rc = PW_OK;
out:
	json_object_put(listing);
	json_object_put(lp);
	return rc;
}

static int put_object(void *state, pw_call *call, json_object *params,
		      json_object **result, pw_error *err)
{
	struct s3_state *st = state;
	const char *bucket = NULL, *key = NULL, *ctype = "text/plain; charset=utf-8";
	json_object *body_v, *headers = NULL, *r;
	char *path, *resp = NULL;
	size_t rlen = 0;
	pw_aws_client *c;
	int rc = PW_ERR;

	*result = NULL;
	if (awsp_str(params, "Bucket", 1, "S3", &bucket, err) != PW_OK ||
	    awsp_str(params, "Key", 1, "S3", &key, err) != PW_OK ||
	    awsp_str(params, "ContentType", 0, "S3", &ctype, err) != PW_OK)
		return PW_ERR;
	if (!json_object_object_get_ex(params, "Body", &body_v) ||
	    !json_object_is_type(body_v, json_type_string))
		return pw_error_set(err, "S3.InvalidParameter",
				    "Body must be a string");
	path = object_path(bucket, key);
	if (path == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_rest(c, "PUT", path, NULL, ctype, json_object_get_string(body_v),
			(size_t)json_object_get_string_len(body_v), &resp, &rlen,
			&headers, err) != PW_OK)
		goto out;
	r = json_object_new_object();
	json_object_object_add(r, "Bucket", json_object_new_string(bucket));
	json_object_object_add(r, "Key", json_object_new_string(key));
	copy_header(headers, "etag", r, "ETag", 0);
	*result = r;
	rc = PW_OK;
out:
	json_object_put(headers);
	free(resp);
	free(path);
	return rc;
}

#define S3_ACTION(fn, body)                                                   \
	static int fn(void *state, pw_call *call, json_object *params,        \
		      json_object **result, pw_error *err)                    \
	{                                                                     \
		struct s3_state *st = state;                                  \
		return awsp_run(st->host, api_names, body, state, call, params, \
				result, err);                                 \
	}

S3_ACTION(act_list_objects, list_objects)
S3_ACTION(act_get_object, get_object)
S3_ACTION(act_get_latest_object, get_latest_object)
S3_ACTION(act_put_object, put_object)

static const char *const req_bucket[] = {"Bucket", NULL};
static const char *const req_object[] = {"Bucket", "Key", NULL};
static const char *const req_put[] = {"Bucket", "Key", "Body", NULL};

static const struct pw_action s3_actions[] = {
	{"ListObjectsV2", "list objects (all pages unless MaxKeys)",
	 PW_ACTION_THREAD_SAFE,
	 act_list_objects, NULL, req_bucket},
	{"GetObject", "read an object; its text as Body",
	 PW_ACTION_THREAD_SAFE, act_get_object, NULL,
	 req_object},
	{"GetLatestObject", "the newest object under a Prefix, with its Body",
	 PW_ACTION_THREAD_SAFE,
	 act_get_latest_object, NULL, req_bucket},
	{"PutObject", "write a text object",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_put_object,
	 NULL, req_put},
};

static int s3_init(const struct pw_host_api *host, json_object *config,
		   void **state, pw_error *err)
{
	struct s3_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	st->host = host;
	if (awsp_conn_init(&st->conn, host, config, "s3", NULL, "S3", err) != PW_OK) {
		free(st);
		return PW_ERR;
	}
	*state = st;
	return PW_OK;
}

static void s3_fini(void *state)
{
	struct s3_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->conn);
	free(st);
}

static const char *const s3_sdk_services[] = {"s3", NULL};

static const struct pw_plugin s3_plugin = {
	PW_PLUGIN_HEADER,
	.name = "s3",
	.version = "0.1.0",
	.summary = "Amazon S3: list, read (latest under a prefix), write objects",
	.sdk_services = s3_sdk_services,
	.init = s3_init,
	.fini = s3_fini,
	.actions = s3_actions,
	.n_actions = sizeof(s3_actions) / sizeof(s3_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &s3_plugin;
}
