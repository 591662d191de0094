/*
 * pw_cli - what the `prewarm` subcommands share: common options, config,
 * plugin registry, loading+validating a workflow, printing results.
 * Exit codes: 0 success, 1 the execution (or call) failed, 2 usage, load
 * or validation error.
 * Owner: engine-runtime.
 */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <getopt.h>

#include "pw_config.h"
#include "pw_doc.h"
#include "pw_exec.h"
#include "pw_registry.h"

#define PW_EXIT_OK 0
#define PW_EXIT_FAILED 1
#define PW_EXIT_USAGE 2

/* Option codes of the common options (beyond any short option). */
enum {
	PW_OPT_CONFIG = 1000,
	PW_OPT_PLUGIN_PATH,
	PW_OPT_STATE_DIR,
	PW_OPT_NO_JOURNAL,
	PW_OPT_LOG_FORMAT,
	PW_OPT_LOG_LEVEL,
	PW_OPT_HELP,
};

/* Spliced into each subcommand's getopt_long table. */
#define PW_CLI_COMMON_OPTIONS                                             \
	{"config", required_argument, NULL, PW_OPT_CONFIG},               \
	{"plugin-path", required_argument, NULL, PW_OPT_PLUGIN_PATH},     \
	{"state-dir", required_argument, NULL, PW_OPT_STATE_DIR},         \
	{"no-journal", no_argument, NULL, PW_OPT_NO_JOURNAL},             \
	{"log-format", required_argument, NULL, PW_OPT_LOG_FORMAT},       \
	{"log-level", required_argument, NULL, PW_OPT_LOG_LEVEL},         \
	{"help", no_argument, NULL, PW_OPT_HELP}

struct pw_cli {
	const char *config_path;
	const char *plugin_path;
	const char *state_dir;
	int no_journal;
	const char *log_format;
	const char *log_level;
	int help;
	struct pw_config *config; /* after pw_cli_setup */
	pw_registry *registry;    /* after pw_cli_setup */
	char state_dir_buf[4096];
};

/* Handles a common option; returns 1 if c was one, 0 if not, -1 on a bad
 * value (message printed). */
int pw_cli_common_option(struct pw_cli *cli, int c, const char *arg);

/* Loads the config, sets up logging and opens the registry. Returns 0 or
 * PW_EXIT_USAGE (message printed). */
int pw_cli_setup(struct pw_cli *cli);
void pw_cli_teardown(struct pw_cli *cli);

/* The state directory to use (option > config > default), or NULL when
 * --no-journal. Borrowed. */
const char *pw_cli_state_dir(struct pw_cli *cli);

/* Loads and validates a workflow (plugins resolved through the registry
 * when check_resources). Prints diagnostics to stderr. 0 or PW_EXIT_USAGE. */
int pw_cli_load_workflow(struct pw_cli *cli, const char *path, int check_resources,
			 pw_doc **out);

/* An integer option value in [min, max]: 0 with *out, or -1 after
 * "prewarm CMD: FLAG expects an integer from MIN to MAX, got 'ARG'". */
int pw_cli_int_arg(const char *cmd, const char *flag, const char *arg, long min, long max,
		   int *out);

/* Prints json (redacted) as one line on stdout. */
void pw_cli_print_json(json_object *v);
/* Prints {"Error": name, "Cause": cause} (redacted) on stdout. */
void pw_cli_print_error(const pw_error *e);
/* Prints an execution's result and returns its exit code. */
int pw_cli_finish(const struct pw_exec_result *res);

/* Installs SIGINT/SIGTERM handlers that request cancellation. */
void pw_cli_signals(void);

int pw_cli_run(int argc, char **argv);
int pw_cli_validate(int argc, char **argv);
int pw_cli_plugins(int argc, char **argv);
int pw_cli_graph(int argc, char **argv);
int pw_cli_history(int argc, char **argv);
int pw_cli_resume(int argc, char **argv);
int pw_cli_warm(int argc, char **argv);
int pw_cli_executions(int argc, char **argv);
/* `history --format text` (cli_history_text.c): prints the timeline. */
int pw_cli_history_text(const char *state_dir, const char *id, json_object *events);
/* `graph --format svg` (cli_graph_svg.c): DOT text rendered by Graphviz's
 * dot into *svg (malloc'd). 0; else why is filled and the exit code
 * returned: PW_EXIT_USAGE when dot is not installed, PW_EXIT_FAILED when
 * it failed (its messages relayed to stderr). */
int pw_cli_graph_svg(const char *dot_text, char **svg, char *why, size_t why_len);

int pw_cli_export(int argc, char **argv);
int pw_cli_worker(int argc, char **argv);

/* `export --to stepfunctions` of one workflow (engine/SFN.md): loads,
 * validates, exports; prints diagnostics. *out NEW on PW_EXIT_OK. */
struct pw_sfn_export_opts;
int pw_cli_export_one(struct pw_cli *cli, const char *path, const struct pw_sfn_export_opts *o,
		      json_object **out);

#endif
