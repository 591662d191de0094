/* cli_export - `prewarm export WORKFLOW --to stepfunctions ...`: prints the
 * workflow as a Step Functions definition (engine/SFN.md). */
#include "pw_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_out.h"
#include "sfn_export.h"

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm export WORKFLOW --to stepfunctions (--activity-arn ARN | --lambda-arn ARN)\n"
		"                      [--heartbeat-seconds N] [--worker-retries N] [--config FILE]\n"
		"Prints the workflow as an AWS Step Functions definition (JSON). Tasks whose\n"
		"Resource is lua: or PLUGIN:Action run on `prewarm worker` through the activity\n"
		"(or the Lambda function); every other state is Step Functions' own. The\n"
		"config's non-secret vars travel in those Tasks' input. Constructs Step\n"
		"Functions cannot run are reported as FILE:LINE:COLUMN (exit 2).\n");
}

/* Loads, validates and exports one workflow; prints diagnostics. *out is
 * the definition (NEW) on success. Shared with `validate --target`. */
int pw_cli_export_one(struct pw_cli *cli, const char *path, const struct pw_sfn_export_opts *o,
		      json_object **out)
{
	pw_doc *doc = NULL;
	pw_diag_list diags = {NULL, 0, 0};
	*out = NULL;
	if (pw_cli_load_workflow(cli, path, 1, &doc) != 0)
		return PW_EXIT_USAGE;
	*out = pw_sfn_export(doc, o, &diags);
	for (size_t i = 0; i < diags.count; i++)
		pw_diag_print(&diags.items[i], stderr);
	pw_diag_list_free(&diags);
	pw_doc_free(doc);
	return *out != NULL ? PW_EXIT_OK : PW_EXIT_USAGE;
}

int pw_cli_export(int argc, char **argv)
{
	enum { O_TO = 1, O_ACTIVITY, O_LAMBDA, O_HEARTBEAT, O_RETRIES };
	static const struct option opts[] = {
		{"to", required_argument, NULL, O_TO},
		{"activity-arn", required_argument, NULL, O_ACTIVITY},
		{"lambda-arn", required_argument, NULL, O_LAMBDA},
		{"heartbeat-seconds", required_argument, NULL, O_HEARTBEAT},
		{"worker-retries", required_argument, NULL, O_RETRIES},
		PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	struct pw_sfn_export_opts o = {NULL, NULL, 0, -1, NULL};
	const char *to = NULL;
	int c, rc = PW_EXIT_USAGE;
	json_object *def = NULL;
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (common)
			continue;
		if (c == O_TO)
			to = optarg;
		else if (c == O_ACTIVITY)
			o.activity_arn = optarg;
		else if (c == O_LAMBDA)
			o.lambda_arn = optarg;
		else if (c == O_HEARTBEAT && pw_cli_int_arg("export", "--heartbeat-seconds", optarg, 1,
							      99999999, &o.heartbeat_seconds) == 0)
			continue;
		else if (c == O_RETRIES && pw_cli_int_arg("export", "--worker-retries", optarg, 0, 99999999,
							    &o.worker_retries) == 0)
			continue;
		else
			goto out;
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc - 1 || to == NULL || strcmp(to, "stepfunctions") != 0 ||
	    (o.activity_arn == NULL) == (o.lambda_arn == NULL)) {
		pw_out_printf(stderr, "prewarm export: expected one WORKFLOW, --to stepfunctions and "
			      "one of --activity-arn, --lambda-arn\n");
		usage(stderr);
		goto out;
	}
	const char *arn = o.activity_arn ? o.activity_arn : o.lambda_arn;
	const char *kind = o.activity_arn ? ":activity:" : ":function:";
	if (strncmp(arn, "arn:", 4) != 0 || strstr(arn, kind) == NULL) {
		pw_out_printf(stderr, "prewarm export: '%s' is not an %s ARN (arn:...%s...)\n", arn,
			      o.activity_arn ? "activity" : "Lambda function", kind);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	o.vars = cli.config->vars;
	if ((rc = pw_cli_export_one(&cli, argv[optind], &o, &def)) != 0)
		goto out;
	if (pw_out_puts(stdout, json_object_to_json_string_ext(
		    def, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
	    pw_out_puts(stdout, "\n") < 0)
		rc = PW_EXIT_FAILED;
out:
	json_object_put(def);
	pw_cli_teardown(&cli);
	return rc;
}
