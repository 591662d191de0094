/*
 * bench_validate - how long `prewarm validate` takes on a 50-state
 * workflow: generates one (Tasks with Retry/Catch and Parameters, Choices,
 * Waits, a Parallel), then times load + validate from memory, as YAML and
 * as JSON. Prints milliseconds per run. Usage: bench_validate [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang_fake_resources.h"
#include "pw_doc.h"
#include "pw_validate.h"

#define N_STATES 50

static char *generate_yaml(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fprintf(f, "Comment: generated benchmark workflow\nStartAt: S0\nStates:\n");
	for (int i = 0; i < N_STATES - 1; i++) {
		switch (i % 5) {
		case 0:
		case 1:
			fprintf(f,
				"  S%d:\n    Type: Task\n"
				"    Resource: rds:DescribeDBInstances\n"
				"    Parameters:\n"
				"      DBInstanceIdentifier.$: $.id\n"
				"      Note.$: States.Format('step {} of {}', $.n, $$.Execution.Id)\n"
				"    ResultSelector:\n      Status.$: $.DBInstances[0].DBInstanceStatus\n"
				"    ResultPath: $.r%d\n"
				"    TimeoutSeconds: 30\n"
				"    Retry:\n      - ErrorEquals: [States.Timeout]\n"
				"        IntervalSeconds: 1\n        MaxAttempts: 3\n        BackoffRate: 2\n"
				"    Catch:\n      - ErrorEquals: [States.ALL]\n        ResultPath: $.error\n"
				"        Next: Failed\n"
				"    Next: S%d\n",
				i, i, i + 1);
			break;
		case 2:
			fprintf(f,
				"  S%d:\n    Type: Choice\n    Choices:\n"
				"      - And:\n          - Variable: $.r%d.Status\n            IsPresent: true\n"
				"          - Variable: $.r%d.Status\n            StringEquals: available\n"
				"        Next: S%d\n"
				"      - Variable: $.n\n        NumericGreaterThan: 10\n        Next: Failed\n"
				"    Default: S%d\n",
				i, i - 1, i - 1, i + 1, i + 1);
			break;
		case 3:
			fprintf(f, "  S%d:\n    Type: Wait\n    Seconds: 5\n    Next: S%d\n", i, i + 1);
			break;
		case 4:
			fprintf(f,
				"  S%d:\n    Type: Parallel\n    Branches:\n"
				"      - StartAt: B%d\n        States:\n"
				"          B%d:\n            Type: Pass\n"
				"            Parameters:\n              x.$: $.id\n"
				"            End: true\n"
				"    ResultPath: null\n    Next: S%d\n",
				i, i, i, i + 1);
			break;
		}
	}
	fprintf(f, "  S%d:\n    Type: Succeed\n  Failed:\n    Type: Fail\n"
		   "    Error: Bench.Failed\n",
		N_STATES - 1);
	fclose(f);
	return buf;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double run(const char *name, const char *text, size_t len, int runs)
{
	double start = now_ms();
	for (int r = 0; r < runs; r++) {
		pw_doc *doc = NULL;
		pw_diag d;
		pw_diag_list l = {0};
		if (pw_doc_load_buffer(name, text, len, &doc, &d) != 0) {
			pw_diag_print(&d, stderr);
			exit(1);
		}
		int n = pw_workflow_validate(doc, lt_fake_check, NULL, &l);
		if (n != 0) {
			for (size_t k = 0; k < l.count; k++)
				pw_diag_print(&l.items[k], stderr);
			exit(1);
		}
		pw_diag_list_free(&l);
		pw_doc_free(doc);
	}
	return (now_ms() - start) / runs;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	if (runs < 1)
		runs = 1;
	size_t ylen;
	char *yaml = generate_yaml(&ylen);
	/* the same workflow as JSON, through the loader's own output */
	pw_doc *doc = NULL;
	pw_diag d;
	if (pw_doc_load_buffer("bench.yaml", yaml, ylen, &doc, &d) != 0) {
		pw_diag_print(&d, stderr);
		return 1;
	}
	char *json = strdup(json_object_to_json_string_ext(
		pw_doc_root(doc), JSON_C_TO_STRING_PRETTY));
	pw_doc_free(doc);

	printf("%d states (+%d nested), %zu bytes of YAML, %zu of JSON, %d runs\n",
	       N_STATES + 1, (N_STATES - 1) / 5, ylen, strlen(json), runs);
	printf("load+validate YAML: %.3f ms\n", run("bench.yaml", yaml, ylen, runs));
	printf("load+validate JSON: %.3f ms\n",
	       run("bench.json", json, strlen(json), runs));
	free(yaml);
	free(json);
	return 0;
}
