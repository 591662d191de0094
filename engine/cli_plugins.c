/* cli_plugins - `prewarm plugins`: every plugin on the search path, its
 * actions, whether each mutates, and one line of help. */
#include "pw_cli.h"

#include <stdio.h>
#include <string.h>

#include "pw_out.h"

static void on_refused(const char *path, const pw_error *e, void *ud)
{
	int *refused = ud;
	(*refused)++;
	(void)path;
	pw_out_printf(stderr, "prewarm plugins: refused: %s\n", e->cause);
}

int pw_cli_plugins(int argc, char **argv)
{
	static const struct option opts[] = {PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	int c, rc = PW_EXIT_USAGE, refused = 0;
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (pw_cli_common_option(&cli, c, optarg) <= 0)
			goto out;
	}
	if (cli.help) {
		pw_out_printf(stdout, "usage: prewarm plugins [--plugin-path DIRS] [--config FILE]\n"
		              "Lists every plugin found on the plugin search path and its actions.\n");
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc) {
		pw_out_printf(stderr, "usage: prewarm plugins [--plugin-path DIRS]\n");
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	pw_registry_scan(cli.registry, on_refused, &refused);
	size_t n = pw_registry_count(cli.registry);
	for (size_t i = 0; i < n; i++) {
		const char *path;
		const struct pw_plugin *p = pw_registry_plugin_at(cli.registry, i, &path);
		pw_out_printf(stdout, "%s %s - %s\n  file: %s\n", p->name, p->version ? p->version : "?",
		              p->summary ? p->summary : "", path);
		if (p->sdk_services && p->sdk_services[0]) {
			pw_out_printf(stdout, "  aws-sdk services:");
			for (const char *const *s = p->sdk_services; *s; s++)
				pw_out_printf(stdout, " %s", *s);
			pw_out_printf(stdout, "\n");
		}
		for (size_t a = 0; a < p->n_actions; a++) {
			const struct pw_action *act = &p->actions[a];
			char res[300];
			snprintf(res, sizeof(res), "%s:%s", p->name, act->name);
			pw_out_printf(stdout, "  %-36s %-9s %s%s\n", res,
			              (act->flags & PW_ACTION_MUTATES) ? "mutates" : "read-only",
			              act->summary ? act->summary : "",
			              (act->flags & PW_ACTION_THREAD_SAFE) ? ""
								   : " [one call at a time]");
		}
	}
	if (n == 0)
		pw_out_printf(stderr, "prewarm plugins: no plugins found (set --plugin-path or "
				"PREWARM_PLUGIN_PATH)\n");
	rc = PW_EXIT_OK;
out:
	pw_cli_teardown(&cli);
	return rc;
}
