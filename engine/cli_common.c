/* cli_common - options, setup and output shared by the subcommands. */
#include "pw_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_clock.h"
#include "pw_journal.h"
#include "pw_log.h"
#include "pw_validate.h"
#include "pw_out.h"

int pw_cli_common_option(struct pw_cli *cli, int c, const char *arg)
{
	switch (c) {
	case PW_OPT_CONFIG: cli->config_path = arg; return 1;
	case PW_OPT_PLUGIN_PATH: cli->plugin_path = arg; return 1;
	case PW_OPT_STATE_DIR: cli->state_dir = arg; return 1;
	case PW_OPT_NO_JOURNAL: cli->no_journal = 1; return 1;
	case PW_OPT_HELP: cli->help = 1; return 1;
	case PW_OPT_LOG_FORMAT: {
		enum pw_log_format f;
		if (pw_log_format_parse(arg, &f) != 0) {
			pw_out_printf(stderr, "prewarm: --log-format must be text, json or auto, not '%s'\n", arg);
			return -1;
		}
		cli->log_format = arg;
		return 1;
	}
	case PW_OPT_LOG_LEVEL: {
		enum pw_log_level l;
		if (pw_log_level_parse(arg, &l) != 0) {
			pw_out_printf(stderr, "prewarm: --log-level must be debug, info, warn or error, not '%s'\n",
				arg);
			return -1;
		}
		cli->log_level = arg;
		return 1;
	}
	default:
		return 0;
	}
}

int pw_cli_setup(struct pw_cli *cli)
{
	pw_diag diag;
	pw_error err = {{0}, {0}};
	const char *cfg = cli->config_path ? cli->config_path : getenv("PREWARM_CONFIG");
	if (cfg != NULL && cfg[0] == '\0')
		cfg = NULL;
	if (pw_config_load(cfg, &cli->config, &diag) != 0) {
		pw_diag_print(&diag, stderr);
		return PW_EXIT_USAGE;
	}
	enum pw_log_format fmt = PW_LOG_AUTO;
	enum pw_log_level level = PW_LOG_INFO;
	const char *f = cli->log_format ? cli->log_format : cli->config->log_format;
	if (f)
		pw_log_format_parse(f, &fmt);
	if (cli->log_level)
		pw_log_level_parse(cli->log_level, &level);
	pw_log_setup(fmt, level);
	const char *path = cli->plugin_path ? cli->plugin_path : cli->config->plugin_path;
	/* errors say which setting named a refused directory */
	char from[4200];
	if (cli->plugin_path)
		snprintf(from, sizeof(from), "--plugin-path");
	else
		snprintf(from, sizeof(from), "%s: plugin_path", cfg ? cfg : "config");
	if (pw_registry_open_from(path, from, cli->config->root, &cli->registry, &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm: %s\n", err.cause);
		return PW_EXIT_USAGE;
	}
	return 0;
}

void pw_cli_teardown(struct pw_cli *cli)
{
	pw_registry_close(cli->registry);
	cli->registry = NULL;
	pw_config_free(cli->config);
	cli->config = NULL;
}

const char *pw_cli_state_dir(struct pw_cli *cli)
{
	if (cli->no_journal)
		return NULL;
	if (cli->state_dir)
		return cli->state_dir;
	if (cli->config && cli->config->state_dir)
		return cli->config->state_dir;
	pw_journal_default_dir(cli->state_dir_buf, sizeof(cli->state_dir_buf));
	return cli->state_dir_buf;
}

int pw_cli_load_workflow(struct pw_cli *cli, const char *path, int check_resources,
			 pw_doc **out)
{
	pw_diag diag;
	pw_diag_list diags = {NULL, 0, 0};
	*out = NULL;
	if (pw_doc_load_file(path, out, &diag) != 0) {
		pw_diag_print(&diag, stderr);
		return PW_EXIT_USAGE;
	}
	int errors = pw_workflow_validate(*out, check_resources ? pw_registry_check_resource : NULL,
					  cli->registry, &diags);
	for (size_t i = 0; i < diags.count; i++)
		pw_diag_print(&diags.items[i], stderr);
	pw_diag_list_free(&diags);
	if (errors > 0) {
		pw_doc_free(*out);
		*out = NULL;
		return PW_EXIT_USAGE;
	}
	return 0;
}

int pw_cli_int_arg(const char *cmd, const char *flag, const char *arg, long min, long max,
		   int *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
		pw_out_printf(stderr, "prewarm %s: %s expects an integer from %ld to %ld, got '%s'\n", cmd,
			      flag, min, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

void pw_cli_print_json(json_object *v)
{
	pw_out_json(stdout, v);
}

void pw_cli_print_error(const pw_error *e)
{
	json_object *o = json_object_new_object();
	/* a Fail state without Error has no error name: null, as AWS leaves it out */
	json_object_object_add(o, "Error", e->name[0] ? json_object_new_string(e->name) : NULL);
	json_object_object_add(o, "Cause", json_object_new_string(e->cause));
	pw_cli_print_json(o);
	json_object_put(o);
}

int pw_cli_finish(const struct pw_exec_result *res)
{
	if (res->status == PW_EXEC_SUCCEEDED) {
		pw_log(PW_LOG_INFO, "engine", "execution %s succeeded%s", res->id,
		       res->reused ? " (an earlier run with this key)" : "");
		pw_cli_print_json(res->output);
		return PW_EXIT_OK;
	}
	pw_log(PW_LOG_ERROR, "engine", "execution %s failed: %s: %s", res->id,
	       res->error.name[0] ? res->error.name : "(no error name)", res->error.cause);
	pw_cli_print_error(&res->error);
	return PW_EXIT_FAILED;
}

static void on_signal(int sig)
{
	(void)sig;
	pw_cancel_request();
}

void pw_cli_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second signal ends the process */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
