/* prewarm - the command: dispatches to a subcommand (engine/cli_*.c). */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "pw_cli.h"
#include "pw_watch.h"
#include "pw_out.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{"run", pw_cli_run, "run one execution of a workflow"},
	{"validate", pw_cli_validate, "check workflows without running them"},
	{"plugins", pw_cli_plugins, "list plugins and their actions"},
	{"graph", pw_cli_graph, "print a workflow as Graphviz DOT or Mermaid"},
	{"executions", pw_cli_executions, "list the journaled executions and their status"},
	{"history", pw_cli_history, "print an execution's history (JSON lines or a timeline)"},
	{"resume", pw_cli_resume, "continue an interrupted execution"},
	{"warm", pw_cli_warm, "warm one PostgreSQL instance's cache (postgres-warm:Warm)"},
	{"watch", pw_cli_watch, "run as a service: executions for the events in an SQS queue"},
	{"export", pw_cli_export, "print a workflow as an AWS Step Functions definition"},
	{"worker", pw_cli_worker, "run the Step Functions activity tasks of exported workflows"},
};

static void usage(FILE *f)
{
	pw_out_printf(f, "usage: prewarm COMMAND [OPTIONS] [ARGS]\n\n"
		          "Warms the buffer cache of a new Aurora PostgreSQL reader, driven by\n"
		          "workflows in Amazon States Language (YAML, JSON or Lua).\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		pw_out_printf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	pw_out_printf(f, "\nprewarm COMMAND --help shows a command's options; man prewarm has more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		pw_out_printf(stdout, "prewarm %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, PW_PLUGIN_ABI_MAJOR,
		              PW_PLUGIN_ABI_MINOR);
		return PW_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	pw_out_printf(stderr, "prewarm: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PW_EXIT_USAGE;
}
