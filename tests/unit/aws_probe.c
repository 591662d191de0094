/*
 * aws-probe - drives libpwaws from the command line for the integration
 * tests (tests/integration/test_aws_lib*.py). Prints results as JSON on
 * stdout; an error prints {"Error": NAME, "Cause": ...} and exits 1.
 *
 *   aws-probe [OPTIONS] creds [N]          resolve credentials N times
 *   aws-probe [OPTIONS] config             region and endpoint
 *   aws-probe [OPTIONS] query ACTION PARAMS_JSON
 *   aws-probe [OPTIONS] query-all ACTION PARAMS_JSON TOKEN ITEMS
 *   aws-probe [OPTIONS] json TARGET_PREFIX VERSION ACTION PARAMS_JSON
 *   aws-probe [OPTIONS] rest METHOD PATH [QUERY [BODY]]
 *   aws-probe [OPTIONS] xml2json FILE
 *   aws-probe [OPTIONS] rds-token HOST PORT USER
 *   aws-probe sdk-names JSON | from-sdk-names JSON NAME,NAME...
 *   aws-probe bench-sign N                 time N SigV4 signatures
 *
 * OPTIONS: --service S (default rds), --prefix P (error prefix), --version
 * V (Query API version), --lists A,B (response list names), --items
 * A,B,C,D (request list item pairs), --max-attempts N, --retry-base-ms N,
 * --timeout-ms N, --connect-timeout-ms N, --max-response-bytes N,
 * --profile P, --region R, --retry-mode standard|adaptive|legacy (the
 * tool default), --call-attempts N and --not-idempotent (per-call
 * options of a query: the outcome's failure class and attempts are
 * printed on stderr as "probe: call failure=F attempts=N"),
 * --no-host (no host API: direct sleeps, no logging), --repeat N (run a
 * query N times on one client and report the mean time per call).
 *
 * With a host (the default) every log line goes to stderr unredacted, so
 * a test can check that the library never logs a secret; the host's
 * add_secret calls and sleeps are counted and reported on stderr at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_internal.h"
#include "aws_sigv4.h"

static int secrets_registered;
static long slept_ms;
static int sleeps;

static PW_PRINTF(3, 4) void host_log(pw_call *call, enum pw_log_level level,
				     const char *fmt, ...)
{
	static const char *names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	(void)call;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "log %s ", names[level & 3]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void host_add_secret(const char *s)
{
	if (s != NULL && strlen(s) >= 4)
		secrets_registered++;
}

static int host_sleep_ms(pw_call *call, int64_t ms)
{
	(void)call;
	slept_ms += (long)ms;
	sleeps++;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	return PW_OK;
}

static int64_t host_remaining_ms(pw_call *call)
{
	(void)call;
	return INT64_MAX;
}

static int host_is_cancelled(pw_call *call)
{
	(void)call;
	return 0;
}

static const struct pw_host_api host = {
	.abi_major = PW_PLUGIN_ABI_MAJOR,
	.abi_minor = PW_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct pw_host_api),
	.log = host_log,
	.add_secret = host_add_secret,
	.remaining_ms = host_remaining_ms,
	.is_cancelled = host_is_cancelled,
	.sleep_ms = host_sleep_ms,
};

static int dummy_call;

/* Arrays made by split(), freed at exit. */
static char *split_copies[8];
static const char **split_arrays[8];
static int nsplit;

static void free_splits(void)
{
	for (int k = 0; k < nsplit; k++) {
		free(split_copies[k]);
		free(split_arrays[k]);
	}
}

/* "a,b,c" -> NULL-terminated array, valid until exit. */
static const char **split(const char *s)
{
	if (nsplit == 8) {
		fprintf(stderr, "aws-probe: too many list options\n");
		exit(2);
	}
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	const char **v = calloc(n + 1, sizeof(*v));
	char *copy = strdup(s);
	size_t i = 0;
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
		v[i++] = tok;
	split_copies[nsplit] = copy;
	split_arrays[nsplit++] = v;
	return v;
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(
			       o, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int fail(const pw_error *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "Error", json_object_new_string(e->name));
	json_object_object_add(o, "Cause", json_object_new_string(e->cause));
	print_json(o);
	json_object_put(o);
	return 1;
}

static json_object *parse_arg(const char *s, pw_error *e)
{
	json_object *o = json_tokener_parse(s);
	if (o == NULL)
		pw_error_set(e, "Probe.BadArgument", "not JSON: %s", s);
	return o;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs n typical Query requests; prints the mean time per signature. */
static int bench_sign(long n)
{
	struct aws_sigv4_params p = {
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.session_token = "FwoGZXIvYXdzEXAMPLE",
		.region = "us-east-1", .service = "rds", .when = time(NULL),
		.normalize_path = 1,
	};
	const char *body = "Action=DescribeDBInstances&Version=2014-10-31&"
			   "DBInstanceIdentifier=reader-1";
	double t0 = now_s();
	for (long k = 0; k < n; k++) {
		struct aws_headers h;
		aws_headers_init(&h);
		aws_headers_add(&h, "Host", "rds.us-east-1.amazonaws.com");
		aws_headers_add(&h, "Content-Type",
				"application/x-www-form-urlencoded");
		struct aws_sigv4_request r = { .method = "POST", .path = "/",
					       .headers = &h, .body = body,
					       .body_len = strlen(body) };
		if (aws_sigv4_sign(&p, &r, NULL) != 0)
			return 1;
		aws_headers_free(&h);
	}
	double dt = now_s() - t0;
	printf("{\"signatures\": %ld, \"us_per_signature\": %.2f}\n", n,
	       dt * 1e6 / (double)(n > 0 ? n : 1));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: aws-probe [OPTIONS] creds|config|query|"
			"query-all|json|rest|xml2json|rds-token|sdk-names|"
			"from-sdk-names ARGS (see the source's header)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct pw_aws_options opts = { .service = "rds", .host = &host };
	atexit(free_splits);
	struct pw_aws_query_shape shape = { .error_prefix = "RDS",
					    .api_version = "2014-10-31" };
	long repeat = 1;
	struct pw_aws_call_opts call_opts = { 0 };
	int use_call_opts = 0;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--no-host") == 0) {
			opts.host = NULL;
			continue;
		}
		if (strcmp(o, "--not-idempotent") == 0) {
			call_opts.not_idempotent = 1;
			use_call_opts = 1;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(o, "--service") == 0)
			opts.service = v;
		else if (strcmp(o, "--prefix") == 0)
			shape.error_prefix = v;
		else if (strcmp(o, "--version") == 0)
			shape.api_version = v;
		else if (strcmp(o, "--lists") == 0)
			shape.list_names = split(v);
		else if (strcmp(o, "--items") == 0)
			shape.request_list_item_names = split(v);
		else if (strcmp(o, "--max-attempts") == 0)
			opts.max_attempts = (int)strtol(v, NULL, 10);
		else if (strcmp(o, "--retry-base-ms") == 0)
			opts.retry_base_ms = strtol(v, NULL, 10);
		else if (strcmp(o, "--timeout-ms") == 0)
			opts.request_timeout_ms = strtol(v, NULL, 10);
		else if (strcmp(o, "--connect-timeout-ms") == 0)
			opts.connect_timeout_ms = strtol(v, NULL, 10);
		else if (strcmp(o, "--max-response-bytes") == 0)
			opts.max_response_bytes = strtoull(v, NULL, 10);
		else if (strcmp(o, "--profile") == 0)
			opts.profile = v;
		else if (strcmp(o, "--region") == 0)
			opts.region = v;
		else if (strcmp(o, "--call-attempts") == 0) {
			call_opts.max_attempts = (int)strtol(v, NULL, 10);
			use_call_opts = 1;
		} else if (strcmp(o, "--retry-mode") == 0)
			opts.retry_mode = strcmp(v, "adaptive") == 0
						  ? PW_AWS_RETRY_ADAPTIVE
					  : strcmp(v, "legacy") == 0
						  ? PW_AWS_RETRY_LEGACY
						  : PW_AWS_RETRY_STANDARD;
		else if (strcmp(o, "--repeat") == 0)
			repeat = strtol(v, NULL, 10);
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	const char *cmd = argv[i++];
	int nargs = argc - i;
	char **a = argv + i;
	pw_error e = { "", "" };
	json_object *params = NULL, *result = NULL;
	pw_aws_client *c = NULL;
	int rc = 1;

	if (strcmp(cmd, "bench-sign") == 0 && nargs == 1)
		return bench_sign(strtol(a[0], NULL, 10));
	if (strcmp(cmd, "sdk-names") == 0 && nargs == 1) {
		if ((params = parse_arg(a[0], &e)) == NULL)
			return fail(&e);
		result = pw_aws_to_sdk_names(params);
		print_json(result);
		rc = 0;
		goto out;
	}
	if (strcmp(cmd, "from-sdk-names") == 0 && nargs == 2) {
		if ((params = parse_arg(a[0], &e)) == NULL)
			return fail(&e);
		result = pw_aws_from_sdk_names(params, split(a[1]));
		print_json(result);
		rc = 0;
		goto out;
	}
	if (strcmp(cmd, "xml2json") == 0 && nargs == 1) {
		size_t len = 0;
		int errnum = 0;
		char *text = aws_buf_read_file(a[0], SIZE_MAX, &len, &errnum);
		if (text == NULL) {
			pw_error_set(&e, "Probe.BadArgument", "cannot read %s",
				     a[0]);
			return fail(&e);
		}
		int r = pw_aws_xml_to_json(text, len, shape.list_names, &result,
					   &e);
		free(text);
		if (r != PW_OK)
			return fail(&e);
		print_json(result);
		rc = 0;
		goto out;
	}

	if (pw_aws_client_new(&opts, &c, &e) != PW_OK) {
		rc = fail(&e);
		goto out;
	}
	pw_aws_client_set_call(c, (pw_call *)&dummy_call);

	if (strcmp(cmd, "config") == 0) {
		result = json_object_new_object();
		json_object_object_add(
			result, "region",
			json_object_new_string(pw_aws_client_region(c)));
		json_object_object_add(
			result, "endpoint",
			json_object_new_string(pw_aws_client_endpoint(c)));
	} else if (strcmp(cmd, "creds") == 0) {
		int n = nargs > 0 ? (int)strtol(a[0], NULL, 10) : 1;
		result = json_object_new_array();
		for (int k = 0; k < n; k++) {
			if (aws_client_credentials(c, 0, &e) != PW_OK) {
				rc = fail(&e);
				goto out;
			}
			char hash[65];
			aws_sha256_hex(c->creds.secret_access_key,
				       strlen(c->creds.secret_access_key), hash);
			json_object *o = json_object_new_object();
			json_object_object_add(
				o, "source",
				json_object_new_string(c->creds.source));
			json_object_object_add(
				o, "access_key_id",
				json_object_new_string(c->creds.access_key_id));
			json_object_object_add(o, "secret_sha256",
					       json_object_new_string(hash));
			json_object_object_add(
				o, "has_session_token",
				json_object_new_boolean(
					c->creds.session_token != NULL));
			json_object_object_add(
				o, "expiration",
				json_object_new_int64(
					(int64_t)c->creds.expiration));
			json_object_array_add(result, o);
		}
	} else if (strcmp(cmd, "query") == 0 && nargs == 2) {
		if ((params = parse_arg(a[1], &e)) == NULL) {
			rc = fail(&e);
			goto out;
		}
		double t0 = now_s();
		for (long k = 0; k < repeat; k++) {
			json_object_put(result);
			result = NULL;
			int qrc = pw_aws_query_opts(c, &shape, a[0], params,
						    use_call_opts ? &call_opts
								  : NULL,
						    &result, &e);
			if (use_call_opts)
				fprintf(stderr,
					"probe: call failure=%s attempts=%d\n",
					pw_aws_failure_name(call_opts.failure),
					call_opts.attempts);
			if (qrc != PW_OK) {
				rc = fail(&e);
				goto out;
			}
		}
		if (repeat > 1)
			fprintf(stderr, "probe: requests=%ld ms_per_request=%.3f\n",
				repeat, (now_s() - t0) * 1e3 / (double)repeat);
	} else if (strcmp(cmd, "query-all") == 0 && nargs == 4) {
		if ((params = parse_arg(a[1], &e)) == NULL ||
		    pw_aws_query_all(c, &shape, a[0], params, a[2], a[3],
				     &result, &e) != PW_OK) {
			rc = fail(&e);
			goto out;
		}
	} else if (strcmp(cmd, "json") == 0 && nargs == 4) {
		if ((params = parse_arg(a[3], &e)) == NULL ||
		    pw_aws_json(c, a[0], a[1], shape.error_prefix, a[2], params,
				&result, &e) != PW_OK) {
			rc = fail(&e);
			goto out;
		}
	} else if (strcmp(cmd, "rest") == 0 && nargs >= 2) {
		char *body = NULL;
		size_t len = 0;
		json_object *headers = NULL;
		const char *in = nargs > 3 ? a[3] : NULL;
		if (pw_aws_rest(c, a[0], a[1], nargs > 2 ? a[2] : NULL,
				in ? "application/octet-stream" : NULL, in,
				in ? strlen(in) : 0, &body, &len, &headers,
				&e) != PW_OK) {
			rc = fail(&e);
			goto out;
		}
		result = json_object_new_object();
		json_object_object_add(result, "Body",
				       json_object_new_string_len(body, (int)len));
		json_object_object_add(result, "Headers", headers);
		free(body);
	} else if (strcmp(cmd, "rds-token") == 0 && nargs == 3) {
		char *token = NULL;
		if (pw_aws_rds_auth_token(c, a[0], (int)strtol(a[1], NULL, 10),
					  a[2], 900, &token, &e) != PW_OK) {
			rc = fail(&e);
			goto out;
		}
		result = json_object_new_object();
		json_object_object_add(result, "Token",
				       json_object_new_string(token));
		free(token);
	} else {
		rc = usage();
		goto out;
	}
	print_json(result);
	rc = 0;
out:
	if (opts.host != NULL)
		fprintf(stderr, "probe: secrets_registered=%d sleeps=%d "
				"slept_ms=%ld\n",
			secrets_registered, sleeps, slept_ms);
	json_object_put(params);
	json_object_put(result);
	pw_aws_client_free(c);
	return rc;
}
