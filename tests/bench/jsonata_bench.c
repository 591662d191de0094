/* Expressions per second of lib/jsonata for a typical Step Functions
 * Arguments template over a realistic event input (compiled once, as the
 * engine will). Usage: tests/bench/jsonata_bench [seconds] (default 2). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "jsonata.h"

static const char *tmpl =
	"{\"Id\": $states.input.detail.SourceIdentifier,"
	" \"Port\": $number($states.input.port),"
	" \"Tags\": $states.input.tags[Key=\"env\"].Value}";

static const char *input_json =
	"{\"version\":\"0\",\"id\":\"6a7e8feb-b491-4cf7-a9f1-bf3703467718\","
	"\"detail-type\":\"RDS DB Instance Event\",\"source\":\"aws.rds\","
	"\"account\":\"123456789012\",\"time\":\"2026-12-03T14:00:00Z\",\"region\":\"eu-west-1\","
	"\"resources\":[\"arn:aws:rds:eu-west-1:123456789012:db:orders-reader-3\"],"
	"\"detail\":{\"EventCategories\":[\"availability\"],\"SourceType\":\"DB_INSTANCE\","
	"\"SourceArn\":\"arn:aws:rds:eu-west-1:123456789012:db:orders-reader-3\","
	"\"Date\":\"2026-12-03T14:00:00.000Z\",\"Message\":\"DB instance restarted\","
	"\"SourceIdentifier\":\"orders-reader-3\",\"EventID\":\"RDS-EVENT-0006\"},"
	"\"port\":\"5432\",\"tags\":[{\"Key\":\"team\",\"Value\":\"payments\"},"
	"{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"cost-center\",\"Value\":\"cc-42\"},"
	"{\"Key\":\"owner\",\"Value\":\"dba@example.com\"}]}";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	jsonata_error err;
	jsonata_expr *e = jsonata_compile(tmpl, &err);
	if (!e) {
		fprintf(stderr, "compile: %s\n", err.message);
		return 1;
	}
	struct json_object *states = json_object_new_object();
	json_object_object_add(states, "input", json_tokener_parse(input_json));
	struct json_object *bindings = json_object_new_object();
	json_object_object_add(bindings, "states", states);
	long n = 0;
	double t0 = now(), t;
	do {
		for (int i = 0; i < 1000; i++) {
			struct json_object *out = NULL;
			if (jsonata_eval(e, NULL, bindings, NULL, &out, &err) < 0) {
				fprintf(stderr, "eval: %s\n", err.message);
				return 1;
			}
			json_object_put(out);
		}
		n += 1000;
		t = now() - t0;
	} while (t < secs);
	struct json_object *out = NULL;
	jsonata_eval(e, NULL, bindings, NULL, &out, &err);
	printf("result: %s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	printf("%.0f evaluations/s (%ld in %.2f s)\n", (double)n / t, n, t);
	json_object_put(out);
	json_object_put(bindings);
	jsonata_free(e);
	return 0;
}
