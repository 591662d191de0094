/* cli_executions - `prewarm executions`: the journaled executions in the
 * state directory, newest first, one line each (or one JSON line each). */
#include "pw_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"
#include "pw_history.h"
#include "pw_journal.h"
#include "pw_out.h"

enum { OPT_STATUS = 1, OPT_WORKFLOW, OPT_SINCE, OPT_JSON, OPT_LIMIT };

static void usage(FILE *f)
{
	pw_out_printf(f, "usage: prewarm executions [--status running|succeeded|failed|interrupted]\n"
		         "                          [--workflow NAME] [--since DURATION] [--limit N] [--json]\n"
		         "                          [--state-dir DIR] [--config FILE]\n"
		         "Lists the journaled executions, newest first: id, workflow, status,\n"
		         "start, duration, and the failing (or current) state with its error.\n"
		         "running: a live process holds the journal; interrupted: no end event and\n"
		         "no process (killed or crashed: `prewarm resume ID` continues it).\n"
		         "DURATION: 90s, 15m, 2h, 7d. --limit N: the N newest only.\n"
		         "Each listed journal is read whole: --since and --limit also skip reading\n"
		         "the journals that cannot qualify (by their last write).\n");
}

struct row {
	struct pw_history_summary s; /* its strings point into `own` */
	json_object *own;            /* copies of them: the journal itself is not kept */
	char name[128];
	double duration;
};

/* Keeps the summary's strings in r->own, so the events can go. */
static void keep_strings(struct row *r)
{
	const char **fields[] = {&r->s.id, &r->s.workflow, &r->s.key, &r->s.state, &r->s.error,
				 &r->s.cause};
	r->own = json_object_new_array();
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (*fields[i] == NULL)
			continue;
		json_object *copy = json_object_new_string(*fields[i]);
		json_object_array_add(r->own, copy);
		*fields[i] = json_object_get_string(copy);
	}
}

static int newest_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->s.started != y->s.started)
		return x->s.started < y->s.started ? 1 : -1;
	return strcmp(x->s.id, y->s.id);
}

/* One row, without trailing blanks. */
static void print_row(const char *id, const char *wf, const char *status, const char *started,
		      const char *dur, const char *what)
{
	char line[2000];
	snprintf(line, sizeof(line), "%-36s  %-24s  %-11s  %-20s  %9s  %s", id, wf, status, started,
		 dur, what);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	pw_out_printf(stdout, "%s\n", line);
}

static void print_text(const struct row *r)
{
	char started[40] = "-", dur[32], what[1200] = "";
	if (r->s.started >= 0) {
		pw_clock_format_rfc3339((int64_t)(r->s.started * 1000), started, sizeof(started));
		started[19] = 'Z'; /* to the second is enough in a list */
		started[20] = '\0';
	}
	pw_history_format_duration(r->duration, dur, sizeof(dur));
	if (r->s.state != NULL || r->s.error != NULL)
		snprintf(what, sizeof(what), "%s%s%s", r->s.state ? r->s.state : "",
			 r->s.state && r->s.error ? ": " : "", r->s.error ? r->s.error : "");
	print_row(r->s.id, r->name,
		      pw_history_status_name(r->s.status), started, dur, what);
}

static void print_json(const struct row *r)
{
	json_object *o = json_object_new_object();
	char started[40];
	json_object_object_add(o, "id", json_object_new_string(r->s.id));
	json_object_object_add(o, "workflow", json_object_new_string(r->name));
	json_object_object_add(o, "workflow_file",
			       r->s.workflow ? json_object_new_string(r->s.workflow) : NULL);
	json_object_object_add(o, "status",
			       json_object_new_string(pw_history_status_name(r->s.status)));
	if (r->s.started >= 0) {
		pw_clock_format_rfc3339((int64_t)(r->s.started * 1000), started, sizeof(started));
		json_object_object_add(o, "started", json_object_new_string(started));
	} else {
		json_object_object_add(o, "started", NULL);
	}
	json_object_object_add(o, "duration_seconds",
			       r->duration >= 0 ? json_object_new_double(round(r->duration * 1000) / 1000)
						: NULL);
	json_object_object_add(o, "state", r->s.state ? json_object_new_string(r->s.state) : NULL);
	json_object_object_add(o, "error", r->s.error ? json_object_new_string(r->s.error) : NULL);
	json_object_object_add(o, "cause", r->s.cause ? json_object_new_string(r->s.cause) : NULL);
	json_object_object_add(o, "key", r->s.key ? json_object_new_string(r->s.key) : NULL);
	pw_cli_print_json(o);
	json_object_put(o);
}

int pw_cli_executions(int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, OPT_STATUS},
		{"workflow", required_argument, NULL, OPT_WORKFLOW},
		{"since", required_argument, NULL, OPT_SINCE},
		{"json", no_argument, NULL, OPT_JSON},
		{"limit", required_argument, NULL, OPT_LIMIT},
		PW_CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0}};
	struct pw_cli cli;
	const char *status = NULL, *workflow = NULL;
	double since = -1;
	long limit = -1;
	int c, json = 0, rc = PW_EXIT_USAGE;
	json_object *ids = NULL;
	struct row *rows = NULL;
	size_t n_rows = 0, n_shown = 0;
	pw_error err = {{0}, {0}};
	memset(&cli, 0, sizeof(cli));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (common)
			continue;
		if (c == OPT_STATUS && (strcmp(optarg, "running") == 0 || strcmp(optarg, "succeeded") == 0 ||
					strcmp(optarg, "failed") == 0 || strcmp(optarg, "interrupted") == 0)) {
			status = optarg;
		} else if (c == OPT_STATUS) {
			pw_out_printf(stderr, "prewarm executions: --status must be running, succeeded, "
					      "failed or interrupted, not '%s'\n", optarg);
			goto out;
		} else if (c == OPT_WORKFLOW) {
			workflow = optarg;
		} else if (c == OPT_SINCE) {
			if ((since = pw_history_parse_duration(optarg)) < 0) {
				pw_out_printf(stderr, "prewarm executions: --since: '%s' is not a duration "
						      "(90s, 15m, 2h, 7d)\n", optarg);
				goto out;
			}
		} else if (c == OPT_JSON) {
			json = 1;
		} else if (c == OPT_LIMIT) {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || limit < 1 || limit > 1000000) {
				pw_out_printf(stderr, "prewarm executions: --limit must be a number from 1 "
						      "to 1000000, not '%s'\n", optarg);
				goto out;
			}
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
	if (optind != argc || cli.no_journal) {
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	const char *dir = pw_cli_state_dir(&cli);
	if (pw_history_list(dir, &ids, &err) != PW_OK) {
		pw_out_printf(stderr, "prewarm executions: %s\n", err.cause);
		rc = PW_EXIT_USAGE;
		goto out;
	}
	double now = (double)pw_clock_system()->wall_ms(NULL) / 1000.0;
	size_t n = json_object_array_length(ids);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (rows == NULL) {
		rc = PW_EXIT_FAILED;
		goto out;
	}
	/* Most recently written first. A journal's last write is no earlier
	 * than its start: one written before the --since cutoff cannot
	 * qualify, and neither can any once --limit rows have started after
	 * the next journal's last write. Those are not read. */
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[n_rows];
		json_object *events = NULL, *item = json_object_array_get_idx(ids, i), *v;
		double mtime = json_object_object_get_ex(item, "mtime", &v) ? json_object_get_double(v) : 0;
		if (since >= 0 && mtime < now - since)
			break;
		if (limit > 0 && (long)n_rows >= limit) {
			qsort(rows, n_rows, sizeof(*rows), newest_first);
			if (rows[limit - 1].s.started > mtime)
				break;
		}
		json_object_object_get_ex(item, "id", &v);
		const char *id = json_object_get_string(v);
		if (pw_journal_read(dir, id, &events, &err) != PW_OK) {
			/* One bad journal does not hide the others. */
			pw_out_printf(stderr, "prewarm executions: %s\n", err.cause);
			continue;
		}
		pw_history_summarize(dir, id, events, &r->s);
		keep_strings(r);
		json_object_put(events);
		pw_history_workflow_name(r->s.workflow, r->name, sizeof(r->name));
		double end = r->s.status == PW_HISTORY_RUNNING ? now : r->s.last;
		r->duration = r->s.started >= 0 && end >= r->s.started ? end - r->s.started : -1;
		int keep = (status == NULL || strcmp(status, pw_history_status_name(r->s.status)) == 0) &&
			   (workflow == NULL || strcmp(workflow, r->name) == 0 ||
			    (r->s.workflow && strcmp(workflow, r->s.workflow) == 0)) &&
			   (since < 0 || (r->s.started >= 0 && r->s.started >= now - since));
		if (keep)
			n_rows++;
		else
			json_object_put(r->own);
	}
	qsort(rows, n_rows, sizeof(*rows), newest_first);
	n_shown = limit > 0 && (long)n_rows > limit ? (size_t)limit : n_rows;
	if (!json)
		print_row("ID", "WORKFLOW", "STATUS", "STARTED", "DURATION",
			      "STATE / ERROR");
	for (size_t i = 0; i < n_shown; i++) {
		if (json)
			print_json(&rows[i]);
		else
			print_text(&rows[i]);
	}
	rc = PW_EXIT_OK;
out:
	for (size_t i = 0; i < n_rows; i++)
		json_object_put(rows[i].own);
	free(rows);
	json_object_put(ids);
	pw_cli_teardown(&cli);
	return rc;
}
