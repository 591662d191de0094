/*
 * aws_client - the client every protocol goes through: resolves region
 * and endpoint, keeps credentials (refreshed before they expire), and
 * sends signed requests over one reused curl handle, retrying per call as
 * the AWS SDKs do (aws_retry.h: standard, adaptive or legacy mode).
 */
#include "aws_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <prewarm/backoff.h>

#include "aws_config_file.h"
#include "aws_endpoint.h"
#include "aws_sigv4.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_REQUEST_TIMEOUT_MS 30000
#define DEFAULT_RETRY_BASE_MS AWS_RETRY_DEFAULT_BASE_MS
#define DEFAULT_RETRY_CAP_MS AWS_RETRY_DEFAULT_CAP_MS

/* Seconds on a clock that never jumps (the adaptive limiter's). */
static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void aws_log(const pw_aws_client *c, enum pw_log_level level, const char *fmt,
	     ...)
{
	if (c == NULL || c->host == NULL || c->host->log == NULL)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->host->log(c->call, level, "%s", line);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int pw_aws_client_new(const struct pw_aws_options *opts, pw_aws_client **out,
		      pw_error *err)
{
	struct aws_profile_files files;
	int have_files = 0, rc = PW_ERR;
	*out = NULL;
	if (opts == NULL || opts->service == NULL || opts->service[0] == '\0')
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "pw_aws_client_new: no service name");
	pw_aws_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "out of memory");
	c->host = opts->host;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0
					? opts->connect_timeout_ms
					: DEFAULT_CONNECT_TIMEOUT_MS;
	c->request_timeout_ms = opts->request_timeout_ms > 0
					? opts->request_timeout_ms
					: DEFAULT_REQUEST_TIMEOUT_MS;
	c->retry_base_ms = opts->retry_base_ms > 0 ? opts->retry_base_ms
						   : DEFAULT_RETRY_BASE_MS;
	c->retry_cap_ms = opts->retry_cap_ms > 0 ? opts->retry_cap_ms
						 : DEFAULT_RETRY_CAP_MS;
	c->max_response_bytes = opts->max_response_bytes > 0
					? opts->max_response_bytes
					: AWS_HTTP_DEFAULT_MAX_BODY;
	if (c->max_response_bytes > (size_t)INT_MAX - 1)
		c->max_response_bytes = (size_t)INT_MAX - 1;
	c->service = strdup(opts->service);
	c->signing_name = strdup(opts->signing_name ? opts->signing_name
						    : opts->service);
	c->env_name = dup_or_null(opts->env_name);
	c->profile = strdup(aws_profile_name(opts->profile,
					     &c->profile_explicit));
	c->curl = curl_easy_init();
	if (c->service == NULL || c->signing_name == NULL ||
	    c->profile == NULL || c->curl == NULL ||
	    (opts->env_name && c->env_name == NULL)) {
		pw_error_set(err, "AWS.InvalidConfiguration", "out of memory");
		goto out;
	}
	if (aws_profile_files_load(&files, err) != PW_OK)
		goto out;
	have_files = 1;
	if (c->profile_explicit && !aws_profile_exists(&files, c->profile)) {
		pw_error_set(err, "AWS.ProfileNotFound",
			     "AWS profile '%s' (from %s) is in neither %s nor %s",
			     c->profile,
			     opts->profile && *opts->profile ? "options"
							     : "AWS_PROFILE",
			     files.credentials_path, files.config_path);
		goto out;
	}
	if (aws_resolve_region(opts->region, &files, c->profile, &c->region,
			       err) != PW_OK)
		goto out;
	if (aws_retry_config_resolve(&files, c->profile, opts->retry_mode,
				     opts->max_attempts, &c->retry,
				     err) != PW_OK)
		goto out;
	c->max_attempts = c->retry.max_attempts;
	aws_retry_quota_init(&c->quota);
	aws_rate_limiter_init(&c->limiter, mono_s());
	if (aws_resolve_endpoint(opts->endpoint_url, c->service, c->env_name,
				 c->region, &c->endpoint,
				 &c->endpoint_overridden, err) != PW_OK)
		goto out;
	*out = c;
	c = NULL;
	rc = PW_OK;
out:
	if (have_files)
		aws_profile_files_free(&files);
	pw_aws_client_free(c);
	return rc;
}

void pw_aws_client_free(pw_aws_client *c)
{
	if (c == NULL)
		return;
	aws_creds_clear(&c->creds);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->service);
	free(c->signing_name);
	free(c->env_name);
	free(c->region);
	free(c->profile);
	free(c->endpoint);
	free(c);
}

const char *pw_aws_client_region(const pw_aws_client *c)
{
	return c ? c->region : NULL;
}

const char *pw_aws_client_endpoint(const pw_aws_client *c)
{
	return c ? c->endpoint : NULL;
}

void pw_aws_client_set_call(pw_aws_client *c, pw_call *call)
{
	if (c != NULL)
		c->call = call;
}

int pw_aws_client_set_max_attempts(pw_aws_client *c, int max_attempts)
{
	int old = c->max_attempts;
	c->max_attempts = max_attempts >= 1 ? max_attempts : 1;
	return old;
}

int pw_aws_client_max_attempts(const pw_aws_client *c)
{
	return c->max_attempts;
}

enum pw_aws_retry_mode pw_aws_client_retry_mode(const pw_aws_client *c)
{
	return c->retry.mode;
}

int pw_aws_error_is_transient(const pw_error *e)
{
	return e != NULL && aws_error_retryable(e->name);
}

static void register_secret(const pw_aws_client *c, const char *s)
{
	if (s != NULL && c->host != NULL && c->host->add_secret != NULL)
		c->host->add_secret(s);
}

int aws_client_credentials(pw_aws_client *c, int force, pw_error *err)
{
	time_t now = time(NULL);
	if (!force && !aws_creds_stale(&c->creds, now))
		return PW_OK;
	struct aws_creds fresh = { 0 };
	struct aws_creds_ctx ctx = {
		.profile = c->profile, .profile_explicit = c->profile_explicit,
		.region = c->region, .curl = c->curl, .host = c->host,
		.call = c->call,
	};
	pw_error e;
	if (aws_creds_resolve(&ctx, &fresh, &e) != PW_OK) {
		/* Keep using credentials that have not expired yet. */
		if (!force && c->creds.access_key_id != NULL &&
		    (c->creds.expiration == 0 || now < c->creds.expiration)) {
			aws_log(c, PW_LOG_WARN,
				"could not refresh AWS credentials (%s: %s); "
				"using the current ones until they expire",
				e.name, e.cause);
			return PW_OK;
		}
		if (err != NULL)
			*err = e;
		return PW_ERR;
	}
	register_secret(c, fresh.secret_access_key);
	register_secret(c, fresh.session_token);
	aws_creds_clear(&c->creds);
	c->creds = fresh;
	if (c->creds.expiration != 0)
		aws_log(c, PW_LOG_DEBUG,
			"AWS credentials from %s (expire in %ld s)",
			c->creds.source, (long)(c->creds.expiration - now));
	else
		aws_log(c, PW_LOG_DEBUG, "AWS credentials from %s",
			c->creds.source);
	return PW_OK;
}

static double rand01(void)
{
	uint32_t r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint32_t)rand();
	return (double)r / 4294967295.0;
}

/* Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
long pw_aws_client_backoff_ms(const pw_aws_client *c, int attempt)
{
	return (long)pw_backoff_ms((double)c->retry_base_ms, 2.0,
				   (double)c->retry_cap_ms, attempt, rand01());
}

/* Sleeps through the host when it can (cancellable, fake clocks in
 * tests); PW_ERR when the host says stop. */
static int pause_ms(const pw_aws_client *c, long ms)
{
	if (c->host != NULL && c->host->sleep_ms != NULL && c->call != NULL)
		return c->host->sleep_ms(c->call, ms);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	return PW_OK;
}

/* Milliseconds before the step's deadline: LONG_MAX without one, 0 when
 * it has passed. */
static long remaining_ms(const pw_aws_client *c)
{
	if (c->host == NULL || c->host->remaining_ms == NULL || c->call == NULL)
		return LONG_MAX;
	int64_t left = c->host->remaining_ms(c->call);
	if (left <= 0)
		return 0;
	return left > (int64_t)LONG_MAX ? LONG_MAX : (long)left;
}

/* URL and Host header for one call. */
static int build_target(const pw_aws_client *c, const struct aws_call *call,
			char **url, char **host)
{
	struct aws_buf b;
	aws_buf_init(&b);
	if (call->host_override != NULL) {
		/* virtual-hosted S3: scheme://bucket.host */
		const char *sep = strstr(c->endpoint, "://");
		aws_buf_printf(&b, "%.*s://%s",
			       sep ? (int)(sep - c->endpoint) : 5,
			       sep ? c->endpoint : "https", call->host_override);
	} else {
		aws_buf_puts(&b, c->endpoint);
	}
	/* The path is already encoded (pw_aws_uri_encode); the signer
	 * decodes it and encodes it again the same way. */
	aws_buf_puts(&b, call->path && *call->path ? call->path : "/");
	if (call->query != NULL && *call->query != '\0')
		aws_buf_printf(&b, "?%s", call->query);
	*url = aws_buf_steal(&b);
	*host = *url ? aws_url_host(*url) : NULL;
	return (*url && *host) ? 0 : -1;
}

/* The path the service sees: the endpoint's own path (if any) + path. */
static char *signed_path(const char *url)
{
	CURLU *u = curl_url();
	char *p = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE) == CURLUE_OK)
		out = strdup(p);
	curl_free(p);
	curl_url_cleanup(u);
	return out;
}

static int attempt_once(pw_aws_client *c, const struct aws_call *call,
			const char *url, const char *host, const char *path,
			struct aws_http_response *resp, pw_error *err,
			int *unsent)
{
	*unsent = 1;
	struct aws_headers h;
	aws_headers_init(&h);
	int rc = -1;
	if (aws_headers_add(&h, "Host", host) != 0)
		goto oom;
	for (size_t i = 0; call->headers && i < call->headers->n; i++)
		if (aws_headers_add(&h, call->headers->v[i].name,
				    call->headers->v[i].value) != 0)
			goto oom;
	struct aws_sigv4_params sp = {
		.access_key_id = c->creds.access_key_id,
		.secret_access_key = c->creds.secret_access_key,
		.session_token = c->creds.session_token,
		.region = c->region,
		.service = c->signing_name,
		.when = time(NULL),
		.normalize_path = !call->s3,
		.sign_body = call->s3,
	};
	struct aws_sigv4_request sr = {
		.method = call->method, .path = path, .query = call->query,
		.headers = &h, .body = call->body, .body_len = call->body_len,
	};
	if (aws_sigv4_sign(&sp, &sr, NULL) != 0)
		goto oom;
	long timeout = c->request_timeout_ms, left = remaining_ms(c);
	if (left == 0) {
		pw_error_set(err, "States.Timeout",
			     "%s: the step's deadline passed", call->what);
		goto out;
	}
	if (left < timeout)
		timeout = left;
	struct aws_http_request rq = {
		.method = call->method, .url = url, .headers = &h,
		.body = call->body, .body_len = call->body_len,
		.connect_timeout_ms = c->connect_timeout_ms,
		.timeout_ms = timeout,
		.max_body = c->max_response_bytes,
	};
	rc = aws_http_perform_ex(c->curl, &rq, resp, err, unsent);
	goto out;
oom:
	pw_error_set(err, "AWS.NetworkError", "%s: out of memory", call->what);
out:
	/* h holds the Authorization header: wipe it. */
	for (size_t i = 0; i < h.n; i++)
		memset(h.v[i].value, 0, strlen(h.v[i].value));
	aws_headers_free(&h);
	return rc;
}

/* Waits for the adaptive limiter's token, if it has to. */
static int rate_limit(pw_aws_client *c)
{
	if (c->retry.mode != PW_AWS_RETRY_ADAPTIVE)
		return PW_OK;
	double wait = aws_rate_limiter_acquire(&c->limiter, mono_s());
	if (wait <= 0)
		return PW_OK;
	long ms = (long)(wait * 1000.0 + 0.5);
	aws_log(c, PW_LOG_DEBUG, "adaptive retry mode: waiting %ld ms (%.2f "
		"requests/s allowed)", ms, aws_rate_limiter_rate(&c->limiter));
	return pause_ms(c, ms);
}

static void append_cause(pw_error *err, const char *text)
{
	size_t len = strlen(err->cause);
	snprintf(err->cause + len, sizeof(err->cause) - len, "%s", text);
}

int aws_client_send(pw_aws_client *c, const struct aws_call *call,
		    struct aws_http_response *resp, pw_error *err)
{
	char *url = NULL, *host = NULL, *path = NULL;
	int refreshed = 0, rc = PW_ERR, attempt = 0, taken = 0;
	int ambiguous_seen = 0, quota_out = 0;
	enum pw_aws_failure failure = PW_AWS_FAILURE_NOT_APPLIED;
	struct pw_aws_call_opts *co = c->call_opts;
	int max_attempts = co && co->max_attempts > 0 ? co->max_attempts
						      : c->max_attempts;
	int not_idempotent = co && co->not_idempotent;
	int quota = c->retry.mode != PW_AWS_RETRY_LEGACY;
	pw_error e;
	aws_http_response_init(resp);
	if (build_target(c, call, &url, &host) != 0 ||
	    (path = signed_path(url)) == NULL) {
		pw_error_set(err, "AWS.InvalidConfiguration",
			     "%s: cannot build a request URL from endpoint %s",
			     call->what, c->endpoint);
		goto out;
	}
	for (attempt = 1;; attempt++) {
		if (c->host && c->host->is_cancelled && c->call &&
		    c->host->is_cancelled(c->call)) {
			pw_error_set(err, "States.Timeout",
				     "%s: cancelled before attempt %d",
				     call->what, attempt);
			goto out;
		}
		if (aws_client_credentials(c, 0, err) != PW_OK)
			goto out;
		if (rate_limit(c) != PW_OK) {
			pw_error_set(err, "States.Timeout",
				     "%s: cancelled before attempt %d",
				     call->what, attempt);
			goto out;
		}
		struct aws_attempt_failure f = { 0 };
		char *code = NULL;
		int unsent = 1;
		if (attempt_once(c, call, url, host, path, resp, &e,
				 &unsent) != 0) {
			f.net_error = e.name;
			f.unsent = unsent;
		} else if (resp->status / 100 == 2) {
			aws_log(c, PW_LOG_DEBUG, "%s: HTTP %ld (attempt %d)",
				call->what, resp->status, attempt);
			if (quota)
				aws_retry_quota_release(&c->quota, taken);
			if (c->retry.mode == PW_AWS_RETRY_ADAPTIVE)
				aws_rate_limiter_update(&c->limiter, mono_s(), 0);
			failure = PW_AWS_FAILURE_NONE;
			rc = PW_OK;
			goto out;
		} else {
			char *msg = NULL;
			f.status = resp->status;
			call->read_error(resp, &code, &msg);
			f.code = code;
			aws_error_from_code(&e, call->error_prefix, code, msg,
					    f.status);
			free(msg);
			aws_http_response_free(resp);
			if (strcmp(e.name, "AWS.ExpiredToken") == 0 &&
			    !refreshed) {
				free(code);
				refreshed = 1;
				aws_log(c, PW_LOG_INFO,
					"%s: credentials expired; fetching new "
					"ones",
					call->what);
				if (aws_client_credentials(c, 1, err) != PW_OK)
					goto out;
				continue;
			}
		}
		enum aws_retry_kind kind = aws_retry_classify(&f);
		enum pw_aws_failure cls = aws_retry_failure_class(&f);
		free(code);
		if (cls == PW_AWS_FAILURE_AMBIGUOUS)
			ambiguous_seen = 1;
		failure = cls;
		if (c->retry.mode == PW_AWS_RETRY_ADAPTIVE)
			aws_rate_limiter_update(&c->limiter, mono_s(),
						kind == AWS_RETRY_THROTTLE);
		int retry = kind != AWS_RETRY_NO && attempt < max_attempts;
		if (retry && not_idempotent && cls == PW_AWS_FAILURE_AMBIGUOUS) {
			/* It may have been applied: the caller reads back. */
			aws_log(c, PW_LOG_WARN,
				"%s: %s after the request was sent; not "
				"resending a call that changes something",
				call->what, e.name);
			retry = 0;
		}
		if (retry && quota) {
			taken = aws_retry_quota_acquire(&c->quota, kind);
			if (taken == 0)
				retry = 0, quota_out = 1;
		}
		if (!retry) {
			if (err != NULL) {
				*err = e;
				char note[64];
				snprintf(note, sizeof(note),
					 " (gave up after %d attempts)", attempt);
				if (attempt > 1)
					append_cause(err, note);
				if (quota_out)
					append_cause(err, " (retry quota "
							  "exhausted)");
			}
			goto out;
		}
		long delay = pw_aws_client_backoff_ms(c, attempt);
		aws_log(c, PW_LOG_WARN,
			"%s: %s (attempt %d of %d, HTTP %ld: %.200s); retrying "
			"in %ld ms",
			call->what, e.name, attempt, max_attempts, f.status,
			e.cause, delay);
		if (pause_ms(c, delay) != PW_OK) {
			if (err != NULL)
				*err = e;
			goto out;
		}
	}
out:
	if (co != NULL) {
		co->failure = rc == PW_OK ? PW_AWS_FAILURE_NONE
			      : ambiguous_seen ? PW_AWS_FAILURE_AMBIGUOUS
					       : failure;
		co->attempts = attempt;
	}
	free(url);
	free(host);
	free(path);
	return rc;
}
