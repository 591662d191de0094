/* cli_watch - `prewarm watch [--config FILE] ...`: the long-running
 * service (engine/WATCH.md). `--execute RECORD` is the internal mode in
 * which the service runs each execution as a child process. */
#include "pw_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_watch.h"
#include "pw_out.h"

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm watch [--config FILE] [--state-dir DIR] [--plugin-path DIRS]\n"
		"                     [--log-format text|json] [--log-level LEVEL]\n"
		"       prewarm watch --check-health [--max-age SECONDS] [--config FILE]\n"
		"                     [--state-dir DIR]\n"
		"Consumes EventBridge events from the SQS queue named in the config's watch:\n"
		"section and runs one execution per event (the event id is its idempotency\n"
		"key): CreateDBInstance / RDS-EVENT-0005 -> aurora-replica-prewarm,\n"
		"RDS-EVENT-0071 -> aurora-failover-adjust, Scheduled Event or the\n"
		"reconcile_interval_seconds timer -> reconcile. A message is deleted once its\n"
		"execution is journaled as finished; malformed ones are moved aside.\n"
		"SIGTERM/SIGINT stop it (exit 0), leaving running executions resumable;\n"
		"the next start resumes them. See WATCH.md.\n"
		"--check-health exits 0 when the service of that state directory is running\n"
		"and its loop made progress (SQS answered a receive, or every slot is busy)\n"
		"within --max-age seconds (default: 3 x (receive_wait_seconds + 20)), else 1.\n");
}

static int check_health_of(struct pw_cli *cli, int max_age)
{
	const char *dir = pw_cli_state_dir(cli);
	if (dir == NULL) {
		pw_out_printf(stderr, "prewarm watch: --check-health needs a state directory\n");
		return PW_EXIT_USAGE;
	}
	return pw_watch_health_check(dir, max_age, stdout);
}

int pw_cli_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{"execute", required_argument, NULL, 'x'},
		{"check-health", no_argument, NULL, 'H'},
		{"max-age", required_argument, NULL, 'A'},
		PW_CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0}};
	struct pw_cli cli;
	struct pw_watch_config wc;
	const char *record = NULL;
	int c, rc = PW_EXIT_USAGE, check_health = 0, max_age = -1;
	/* What each child gets: the options that shaped this process. */
	char **pass = calloc((size_t)argc * 2 + 4, sizeof(*pass));
	int n_pass = 0;
	memset(&cli, 0, sizeof(cli));
	memset(&wc, 0, sizeof(wc));
	if (pass == NULL)
		return PW_EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (c == 'x') {
			record = optarg;
			continue;
		}
		if (c == 'H') {
			check_health = 1;
			continue;
		}
		if (c == 'A') {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 86400) {
				pw_out_printf(stderr, "prewarm watch: --max-age: expected seconds (1..86400), got '%s'\n",
					optarg);
				goto out;
			}
			max_age = (int)v;
			continue;
		}
		if (!common) {
			usage(stderr);
			goto out;
		}
		for (size_t i = 0; opts[i].name != NULL; i++)
			if (opts[i].val == c && c != PW_OPT_HELP && c != PW_OPT_STATE_DIR) {
				char *opt = malloc(strlen(opts[i].name) + 3);
				if (opt == NULL)
					goto out;
				snprintf(opt, strlen(opts[i].name) + 3, "--%s", opts[i].name);
				pass[n_pass++] = opt;
				if (opts[i].has_arg)
					pass[n_pass++] = strdup(optarg);
			}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc) {
		pw_out_printf(stderr, "prewarm watch: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	if (record != NULL) {
		rc = pw_watch_execute(&cli, record);
		goto out;
	}
	pw_diag diag;
	if (check_health && max_age > 0) { /* the config only gives the default age */
		rc = check_health_of(&cli, max_age);
		goto out;
	}
	if (pw_watch_config_load(cli.config, cli.config_path ? cli.config_path : getenv("PREWARM_CONFIG"),
				 &wc, &diag) != 0) {
		pw_diag_print(&diag, stderr);
		rc = PW_EXIT_USAGE;
		goto out;
	}
	if (check_health) {
		rc = check_health_of(&cli, 3 * (wc.receive_wait + 20));
		goto out;
	}
	/* Every workflow must load and validate before anything is received. */
	for (int i = 0; i < PW_WATCH_N_ROUTES; i++) {
		pw_doc *doc = NULL;
		if (pw_cli_load_workflow(&cli, wc.workflows[i], 1, &doc) != 0) {
			pw_out_printf(stderr, "prewarm watch: workflow for %s events (watch.workflows.%s) is "
					"not usable\n",
				pw_watch_kind_name((enum pw_watch_kind)i),
				pw_watch_kind_name((enum pw_watch_kind)i));
			rc = PW_EXIT_USAGE;
			goto out;
		}
		pw_doc_free(doc);
	}
	/* The children use the same state directory, however it was chosen. */
	const char *state = pw_cli_state_dir(&cli);
	if (state != NULL) {
		pass[n_pass++] = strdup("--state-dir");
		pass[n_pass++] = strdup(state);
	}
	rc = pw_watch_serve(&cli, &wc, pass);
out:
	pw_watch_config_clear(&wc);
	pw_cli_teardown(&cli);
	for (int i = 0; i < n_pass; i++)
		free(pass[i]);
	free(pass);
	return rc;
}
