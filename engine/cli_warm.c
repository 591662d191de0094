/* cli_warm - `prewarm warm`: builds postgres-warm:Warm parameters from
 * flags and calls the action once; the JSON report goes to stdout. */
#include "pw_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_log.h"
#include "pw_out.h"

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm warm --target CONNINFO [--source CONNINFO]\n"
		"          [--strategy queries|relations|mirror]... [--queries FILE]\n"
		"          [--queries-s3 s3://BUCKET/KEY] [--relations a,b,...] [--top N]\n"
		"          [--parallel K] [--budget-seconds N] [--statement-timeout-ms N]\n"
		"          [--max-buffer-fraction F] [--snapshot FILE] [--force] [--dry-run]\n"
		"Warms one PostgreSQL instance's buffer cache (postgres-warm:Warm) and prints\n"
		"the report as JSON. Exit status: 0 ok, 1 the warm failed, 2 usage (bad\n"
		"flags or parameters, found before any connection).\n");
}

static int parse_long(const char *s, const char *flag, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		pw_out_printf(stderr, "prewarm warm: %s expects a non-negative integer, got '%s'\n", flag, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Splits "a,b,c" into a JSON array of non-empty strings. */
static json_object *comma_list(const char *s, json_object *into)
{
	json_object *arr = into ? into : json_object_new_array();
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len > 0)
			json_object_array_add(arr, json_object_new_string_len(p, (int)len));
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return arr;
}

static json_object *sub_object(json_object *params, const char *key)
{
	json_object *o;
	if (!json_object_object_get_ex(params, key, &o)) {
		o = json_object_new_object();
		json_object_object_add(params, key, o);
	}
	return o;
}

int pw_cli_warm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"source", required_argument, NULL, 's'},
		{"strategy", required_argument, NULL, 'S'},
		{"queries", required_argument, NULL, 'q'},
		{"queries-s3", required_argument, NULL, 'Q'},
		{"relations", required_argument, NULL, 'r'},
		{"top", required_argument, NULL, 'T'},
		{"parallel", required_argument, NULL, 'p'},
		{"budget-seconds", required_argument, NULL, 'b'},
		{"statement-timeout-ms", required_argument, NULL, 'm'},
		{"max-buffer-fraction", required_argument, NULL, 'F'},
		{"force", no_argument, NULL, 'f'},
		{"snapshot", required_argument, NULL, 'x'},
		{"dry-run", no_argument, NULL, 'n'},
		PW_CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0}};
	struct pw_cli cli;
	json_object *params = json_object_new_object(), *strategies = NULL, *result = NULL;
	int c, rc = PW_EXIT_USAGE, dry_run = 0;
	long long n;
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (common)
			continue;
		switch (c) {
		case 't':
			json_object_object_add(params, "target", json_object_new_string(optarg));
			break;
		case 's':
			json_object_object_add(params, "source", json_object_new_string(optarg));
			break;
		case 'S':
			strategies = comma_list(optarg, strategies);
			break;
		case 'q': {
			json_object *q = json_object_new_object();
			json_object_object_add(q, "file", json_object_new_string(optarg));
			json_object_object_add(params, "queries", q);
			break;
		}
		case 'Q': {
			const char *rest = strncmp(optarg, "s3://", 5) == 0 ? optarg + 5 : NULL;
			const char *slash = rest ? strchr(rest, '/') : NULL;
			if (slash == NULL || slash == rest || slash[1] == '\0') {
				pw_out_printf(stderr, "prewarm warm: --queries-s3 expects s3://BUCKET/KEY\n");
				goto out;
			}
			json_object *s3 = json_object_new_object();
			json_object_object_add(s3, "Bucket",
					       json_object_new_string_len(rest, (int)(slash - rest)));
			json_object_object_add(s3, "Key", json_object_new_string(slash + 1));
			json_object *q = json_object_new_object();
			json_object_object_add(q, "s3", s3);
			json_object_object_add(params, "queries", q);
			break;
		}
		case 'r':
			json_object_object_add(params, "relations", comma_list(optarg, NULL));
			break;
		case 'T':
			if (parse_long(optarg, "--top", &n) != 0)
				goto out;
			json_object_object_add(params, "top_n", json_object_new_int64(n));
			break;
		case 'p':
			if (parse_long(optarg, "--parallel", &n) != 0)
				goto out;
			json_object_object_add(params, "parallel", json_object_new_int64(n));
			break;
		case 'b':
			if (parse_long(optarg, "--budget-seconds", &n) != 0)
				goto out;
			json_object_object_add(sub_object(params, "budget"), "seconds",
					       json_object_new_int64(n));
			break;
		case 'm':
			if (parse_long(optarg, "--statement-timeout-ms", &n) != 0)
				goto out;
			json_object_object_add(sub_object(params, "budget"), "statement_timeout_ms",
					       json_object_new_int64(n));
			break;
		case 'F': {
			char *end;
			errno = 0;
			double f = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(f > 0 && f <= 1)) {
				pw_out_printf(stderr, "prewarm warm: --max-buffer-fraction expects a number "
						"in (0, 1], got '%s'\n", optarg);
				goto out;
			}
			json_object_object_add(sub_object(params, "budget"),
					       "max_shared_buffers_fraction", json_object_new_double(f));
			break;
		}
		case 'f':
			json_object_object_add(params, "force", json_object_new_boolean(1));
			break;
		case 'x':
			json_object_object_add(params, "snapshot_file", json_object_new_string(optarg));
			break;
		case 'n':
			dry_run = 1;
			break;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc || !json_object_object_get_ex(params, "target", NULL)) {
		pw_out_printf(stderr, "prewarm warm: --target CONNINFO is required\n");
		usage(stderr);
		goto out;
	}
	if (strategies != NULL) {
		json_object *s = strategies;
		if (json_object_array_length(strategies) == 1)
			s = json_object_get(json_object_array_get_idx(strategies, 0));
		else
			json_object_get(s);
		json_object_object_add(params, "strategy", s);
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	pw_error err = {{0}, {0}};
	struct pw_call_opts co = {dry_run, 0, "warm"};
	pw_cli_signals();
	if (pw_registry_call(cli.registry, "postgres-warm:Warm", params, &co, &result, &err) != PW_OK) {
		pw_log(PW_LOG_ERROR, "warm", "%s: %s", err.name, err.cause);
		pw_cli_print_error(&err);
		/* The plugin checks every parameter before it connects: a
		 * bad one is a usage error, like a bad flag. */
		rc = strcmp(err.name, "Postgres.InvalidParameter") == 0 ? PW_EXIT_USAGE
									: PW_EXIT_FAILED;
		goto out;
	}
	pw_cli_print_json(result);
	rc = PW_EXIT_OK;
out:
	json_object_put(strategies);
	json_object_put(params);
	json_object_put(result);
	pw_cli_teardown(&cli);
	return rc;
}
