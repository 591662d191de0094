/*
 * pgwarm-cli - test driver for the warming core (libpgwarm) without the
 * engine: pgwarm-cli ACTION 'JSON-PARAMS' | @FILE
 * Prints the action's result JSON on stdout and exits 0, or prints
 * {"Error": NAME, "Cause": ...} on stdout and exits 1 (2 on bad usage).
 * Logs go to stderr. Nothing is redacted here on purpose: tests read this
 * output to prove the core itself never emits the password.
 * PGWARM_CLI_REMAINING_MS sets the host deadline the core sees.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw.h"
#include "pgw_csv.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void cli_log(void *ud, enum pw_log_level level, const char *msg)
{
	(void)ud;
	fprintf(stderr, "pgwarm-cli [%s] %s\n",
		level_names[level >= 0 && level <= 3 ? level : 1], msg);
}

static void cli_progress(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "pgwarm-cli [progress] %s\n", msg);
}

static int64_t cli_remaining(void *ud)
{
	(void)ud;
	const char *v = getenv("PGWARM_CLI_REMAINING_MS");
	return v != NULL ? strtoll(v, NULL, 10) : INT64_MAX;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pgwarm-cli ACTION 'JSON' | @FILE\n"
				"actions: Warm CacheStats SnapshotBuffers "
				"RestoreBuffers ExportTopQueries\n");
		return 2;
	}
	static const struct {
		const char *name;
		int (*fn)(const pgw_env *, json_object *, json_object **,
			  pw_error *);
	} table[] = {
		{"Warm", pgw_action_warm},
		{"CacheStats", pgw_action_cache_stats},
		{"SnapshotBuffers", pgw_action_snapshot_buffers},
		{"RestoreBuffers", pgw_action_restore_buffers},
		{"ExportTopQueries", pgw_action_export_top_queries},
	};
	int (*fn)(const pgw_env *, json_object *, json_object **,
		  pw_error *) = NULL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, argv[1]) == 0)
			fn = table[i].fn;
	if (fn == NULL) {
		fprintf(stderr, "pgwarm-cli: unknown action %s\n", argv[1]);
		return 2;
	}
	json_object *params;
	if (argv[2][0] == '@') {
		char *text;
		size_t len;
		pw_error e;
		if (pgw_read_file(argv[2] + 1, &text, &len, &e) != PW_OK) {
			fprintf(stderr, "pgwarm-cli: %s\n", e.cause);
			return 2;
		}
		params = json_tokener_parse(text);
		free(text);
	} else {
		params = json_tokener_parse(argv[2]);
	}
	if (params == NULL || !json_object_is_type(params, json_type_object)) {
		fprintf(stderr, "pgwarm-cli: parameters must be a JSON object\n");
		json_object_put(params);
		return 2;
	}
	pgw_env env = {.log = cli_log,
		       .progress = cli_progress,
		       .remaining_ms = cli_remaining};
	json_object *result = NULL;
	pw_error err = {{0}, {0}};
	int rc = fn(&env, params, &result, &err);
	if (rc == PW_OK) {
		printf("%s\n", json_object_to_json_string_ext(
				       result, JSON_C_TO_STRING_PRETTY));
	} else {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "Error",
				       json_object_new_string(err.name));
		json_object_object_add(e, "Cause",
				       json_object_new_string(err.cause));
		printf("%s\n", json_object_to_json_string_ext(
				       e, JSON_C_TO_STRING_PRETTY));
		json_object_put(e);
	}
	json_object_put(result);
	json_object_put(params);
	return rc == PW_OK ? 0 : 1;
}
