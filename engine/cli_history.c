/* cli_history - `prewarm history ID` (the journal, one event per line)
 * and `prewarm resume ID` (continue a killed execution). */
#include "pw_cli.h"

#include <stdio.h>
#include <string.h>

#include "pw_journal.h"
#include "pw_log.h"
#include "pw_out.h"

/* Parses the options shared by history and resume; leaves the ID at
 * argv[optind]. 0, or an exit code. */
static int parse(struct pw_cli *cli, int argc, char **argv, const char *cmd, int *text)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		/* --format is history's only */
		if (c == 'f' && text != NULL && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
			*text = strcmp(optarg, "text") == 0;
			continue;
		}
		if (c == 'f') {
			pw_out_printf(stderr, "prewarm %s: %s\n", cmd,
				      text ? "--format must be json or text" : "no --format here");
			return PW_EXIT_USAGE;
		}
		if (pw_cli_common_option(cli, c, optarg) <= 0)
			return PW_EXIT_USAGE;
	}
	if (cli->help || optind != argc - 1) {
		FILE *f = cli->help ? stdout : stderr;
		pw_out_printf(f, "usage: prewarm %s ID%s [--state-dir DIR] [--config FILE]\n", cmd,
			      text ? " [--format json|text]" : "");
		if (strcmp(cmd, "history") == 0)
			pw_out_printf(f, "Prints execution ID's history events as JSON lines, or with\n"
				         "--format text as a timeline: each state's start, duration,\n"
				         "result size and error.\n");
		else
			pw_out_printf(f, "Continues execution ID from its last finished state: no finished\n"
				          "mutating Task runs again; a Task that was in flight runs again.\n"
				          "If the saved state data held a secret (journaled as ***), the\n"
				          "read-only steps since the last clean state run again to fetch it;\n"
				          "a finished mutating Task in that stretch ends the resume with\n"
				          "Prewarm.ResumeLostSecret.\n");
		return cli->help ? -1 : PW_EXIT_USAGE;
	}
	if (cli->no_journal) {
		pw_out_printf(stderr, "prewarm %s: --no-journal makes no sense here\n", cmd);
		return PW_EXIT_USAGE;
	}
	return pw_cli_setup(cli);
}

int pw_cli_history(int argc, char **argv)
{
	struct pw_cli cli;
	json_object *events = NULL;
	pw_error err = {{0}, {0}};
	int text = 0;
	memset(&cli, 0, sizeof(cli));
	int rc = parse(&cli, argc, argv, "history", &text);
	if (rc != 0) {
		rc = rc < 0 ? PW_EXIT_OK : rc;
		goto out;
	}
	if (pw_journal_read(pw_cli_state_dir(&cli), argv[optind], &events, &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm history: %s\n", err.cause);
		rc = PW_EXIT_USAGE;
		goto out;
	}
	if (text) {
		rc = pw_cli_history_text(pw_cli_state_dir(&cli), argv[optind], events);
		goto out;
	}
	size_t n = json_object_array_length(events);
	for (size_t i = 0; i < n; i++)
		pw_cli_print_json(json_object_array_get_idx(events, i));
out:
	json_object_put(events);
	pw_cli_teardown(&cli);
	return rc;
}

int pw_cli_resume(int argc, char **argv)
{
	struct pw_cli cli;
	pw_error err = {{0}, {0}};
	pw_doc *doc = NULL;
	char workflow[4096];
	memset(&cli, 0, sizeof(cli));
	int rc = parse(&cli, argc, argv, "resume", NULL);
	if (rc != 0) {
		rc = rc < 0 ? PW_EXIT_OK : rc;
		goto out;
	}
	const char *id = argv[optind];
	const char *dir = pw_cli_state_dir(&cli);
	if (pw_exec_workflow_of(dir, id, workflow, sizeof(workflow), &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm resume: %s\n", err.cause);
		rc = PW_EXIT_USAGE;
		goto out;
	}
	if ((rc = pw_cli_load_workflow(&cli, workflow, 1, &doc)) != 0)
		goto out;
	struct pw_exec_opts eo;
	struct pw_exec_result res;
	memset(&eo, 0, sizeof(eo));
	eo.registry = cli.registry;
	eo.state_dir = dir;
	pw_cli_signals();
	if (pw_exec_resume(doc, id, &eo, &res, &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm resume: %s\n", err.cause);
		rc = PW_EXIT_USAGE;
		goto out;
	}
	rc = pw_cli_finish(&res);
	pw_exec_result_clear(&res);
out:
	pw_doc_free(doc);
	pw_cli_teardown(&cli);
	return rc;
}
