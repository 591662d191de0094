/* cli_validate - `prewarm validate WORKFLOW...`: checks without running. */
#include "pw_cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: prewarm validate WORKFLOW... [--config FILE] [--plugin-path DIRS]\n"
		"Checks each workflow without running it: syntax, states, paths, Choice rules,\n"
		"that every Task resource resolves (loading only the plugins named) and that\n"
		"Lua step scripts compile. Errors name FILE:LINE:COLUMN on stderr.\n"
		"Exit status: 0 all valid, 2 otherwise.\n");
}

int pw_cli_validate(int argc, char **argv)
{
	static const struct option opts[] = {PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	int c, rc = PW_EXIT_USAGE;
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common <= 0) {
			if (common == 0)
				usage(stderr);
			goto out;
		}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind >= argc) {
		fprintf(stderr, "prewarm validate: expected at least one WORKFLOW\n");
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	for (int i = optind; i < argc; i++) {
		pw_doc *doc = NULL;
		if (pw_cli_load_workflow(&cli, argv[i], 1, &doc) != 0) {
			rc = PW_EXIT_USAGE;
			continue;
		}
		printf("%s: valid\n", argv[i]);
		pw_doc_free(doc);
	}
out:
	pw_cli_teardown(&cli);
	return rc;
}
