/* cli_graph - `prewarm graph WORKFLOW [--format dot|mermaid]`. */
#include "pw_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_graph.h"
#include "pw_out.h"

static void usage(FILE *f)
{
	pw_out_printf(f, "usage: prewarm graph WORKFLOW [--format dot|mermaid]\n"
		          "Prints the state machine as Graphviz DOT (default) or a Mermaid flowchart.\n");
}

int pw_cli_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	enum pw_graph_format fmt = PW_GRAPH_DOT;
	int c, rc = PW_EXIT_USAGE;
	pw_doc *doc = NULL;
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (common)
			continue;
		if (c == 'f' && strcmp(optarg, "dot") == 0) {
			fmt = PW_GRAPH_DOT;
		} else if (c == 'f' && strcmp(optarg, "mermaid") == 0) {
			fmt = PW_GRAPH_MERMAID;
		} else {
			pw_out_printf(stderr, "prewarm graph: --format must be dot or mermaid\n");
			goto out;
		}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc - 1) {
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	/* A drawing needs a sound state machine, not loadable plugins. */
	if ((rc = pw_cli_load_workflow(&cli, argv[optind], 0, &doc)) != 0)
		goto out;
	/* Drawn in memory, then written through pw_out like every output. */
	char *drawing = NULL;
	size_t drawing_len = 0;
	FILE *mem = open_memstream(&drawing, &drawing_len);
	rc = PW_EXIT_FAILED;
	if (mem != NULL) {
		int drawn = pw_graph_write(pw_doc_root(doc), fmt, mem);
		if (fclose(mem) == 0 && drawn == 0 && pw_out_puts(stdout, drawing) >= 0)
			rc = PW_EXIT_OK;
	}
	free(drawing);
out:
	pw_doc_free(doc);
	pw_cli_teardown(&cli);
	return rc;
}
