/* cli_graph - `prewarm graph WORKFLOW [--format dot|mermaid|svg]
 * [--execution ID]`: the state machine, with one execution's path drawn
 * over it (pw_graph_marks) when --execution names one. */
#include "pw_cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_graph.h"
#include "pw_history.h"
#include "pw_journal.h"
#include "pw_out.h"

enum { OPT_EXECUTION = 1 };

static void usage(FILE *f)
{
	pw_out_printf(f, "usage: prewarm graph WORKFLOW [--format dot|mermaid|svg] [--execution ID]\n"
		          "                     [--state-dir DIR] [--config FILE]\n"
		          "Prints the state machine as Graphviz DOT (default), a Mermaid flowchart,\n"
		          "or SVG (rendered by Graphviz's dot, which must be installed). With\n"
		          "--execution, execution ID's path is drawn over it: the states it went\n"
		          "through and the transitions it took in green, the state it failed in red,\n"
		          "the state it is in (running or interrupted) blue.\n");
}

/* Reads execution id's journal into marks (its strings borrow *events). */
static int load_marks(struct pw_cli *cli, const char *id, const char *workflow,
		      json_object **events, struct pw_graph_marks *marks, char *title, size_t len)
{
	pw_error err = {{0}, {0}};
	struct pw_history_summary s;
	const char *dir = pw_cli_state_dir(cli);
	if (dir == NULL || pw_journal_read(dir, id, events, &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm graph: %s\n", dir ? err.cause : "--execution needs a journal");
		return PW_EXIT_USAGE;
	}
	pw_history_summarize(dir, id, *events, &s);
	char mine[PATH_MAX];
	if (s.workflow != NULL && realpath(workflow, mine) != NULL && strcmp(mine, s.workflow) != 0)
		pw_out_printf(stderr, "prewarm graph: warning: execution %s ran %s, not %s\n", id,
			      s.workflow, mine);
	marks->visited = json_object_new_object();
	marks->edges = json_object_new_object();
	pw_history_path(*events, marks->visited, marks->edges);
	if (s.status == PW_HISTORY_FAILED)
		marks->failed = s.state;
	else if (s.status != PW_HISTORY_SUCCEEDED)
		marks->current = s.state;
	snprintf(title, len, "execution %s: %s%s%s%s%s", id, pw_history_status_name(s.status),
		 s.state ? " in " : "", s.state ? s.state : "", s.error ? ", " : "",
		 s.error ? s.error : "");
	marks->title = title;
	return 0;
}

int pw_cli_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"execution", required_argument, NULL, OPT_EXECUTION},
		PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	enum pw_graph_format fmt = PW_GRAPH_DOT;
	int c, svg = 0, rc = PW_EXIT_USAGE;
	const char *execution = NULL;
	pw_doc *doc = NULL;
	json_object *events = NULL;
	struct pw_graph_marks marks;
	char title[1024];
	memset(&marks, 0, sizeof(marks));
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
		} else if (c == 'f' && strcmp(optarg, "svg") == 0) {
			fmt = PW_GRAPH_DOT;
			svg = 1;
		} else if (c == OPT_EXECUTION) {
			execution = optarg;
		} else if (c == 'f') {
			pw_out_printf(stderr, "prewarm graph: --format must be dot, mermaid or svg\n");
			goto out;
		} else {
			usage(stderr);
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
	if (execution != NULL &&
	    (rc = load_marks(&cli, execution, argv[optind], &events, &marks, title, sizeof(title))) != 0)
		goto out;
	/* Drawn in memory, then written through pw_out like every output. */
	char *drawing = NULL, *rendered = NULL, why[512];
	size_t drawing_len = 0;
	FILE *mem = open_memstream(&drawing, &drawing_len);
	rc = PW_EXIT_FAILED;
	if (mem != NULL) {
		int drawn = pw_graph_write_marked(pw_doc_root(doc), fmt, execution ? &marks : NULL, mem);
		if (fclose(mem) == 0 && drawn == 0) {
			int svg_rc = svg ? pw_cli_graph_svg(drawing, &rendered, why, sizeof(why)) : 0;
			if (svg_rc != 0) {
				pw_out_printf(stderr, "prewarm graph: %s\n", why);
				rc = svg_rc;
			} else if (pw_out_puts(stdout, svg ? rendered : drawing) >= 0) {
				rc = PW_EXIT_OK;
			}
		}
	}
	free(drawing);
	free(rendered);
out:
	json_object_put(marks.visited);
	json_object_put(marks.edges);
	json_object_put(events);
	pw_doc_free(doc);
	pw_cli_teardown(&cli);
	return rc;
}
