/*
 * watch_execute - the child side of `prewarm watch`: one execution, run
 * with the event's idempotency key, reported to the service as one JSON
 * line on stdout. "finished" is true only when the journal holds the
 * execution's end, which is what lets the service delete the message.
 */
#include "pw_watch.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pw_cli.h"
#include "pw_journal.h"
#include "pw_log.h"

static void on_signal(int sig)
{
	(void)sig;
	pw_cancel_request(); /* every signal, not just the first: stop resumably */
}

static const char *status_name(enum pw_exec_status s)
{
	return s == PW_EXEC_SUCCEEDED ? "SUCCEEDED" : s == PW_EXEC_FAILED ? "FAILED" : "INTERRUPTED";
}

/* Nonzero when execution id's journal records its end. */
static int journaled_finished(const char *state_dir, const char *id)
{
	json_object *events = NULL;
	pw_error err;
	struct pw_journal_summary s;
	if (pw_journal_read(state_dir, id, &events, &err) != PW_OK)
		return 0;
	pw_journal_summarize(events, &s);
	int done = s.finished != NULL;
	json_object_put(events);
	return done;
}

int pw_watch_execute(struct pw_cli *cli, const char *record)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	json_object *out = json_object_new_object();
	json_object *r = json_object_from_file(record), *v;
	pw_doc *doc = NULL;
	int rc = 2;
	const char *key = NULL, *workflow = NULL;
	if (json_object_object_get_ex(r, "key", &v))
		key = json_object_get_string(v);
	if (json_object_object_get_ex(r, "workflow", &v))
		workflow = json_object_get_string(v);
	json_object *input = NULL;
	json_object_object_get_ex(r, "input", &input);
	pw_error err = {{0}, {0}};
	const char *state_dir = pw_cli_state_dir(cli);
	json_object_object_add(out, "finished", json_object_new_boolean(0));
	if (key == NULL || workflow == NULL || state_dir == NULL) {
		pw_error_set(&err, "Watch.BadRecord", "%s is not an in-flight record", record);
		goto fail;
	}
	if (pw_cli_load_workflow(cli, workflow, 1, &doc) != 0) {
		pw_error_set(&err, "Watch.BadWorkflow", "%s did not load or validate (see the log)",
			     workflow);
		goto fail;
	}
	struct pw_exec_opts eo;
	memset(&eo, 0, sizeof(eo));
	eo.registry = cli->registry;
	eo.state_dir = state_dir;
	eo.vars = cli->config->vars;
	eo.wait_for_running = 1; /* a duplicate waits for the first one's result */
	/* $$.Execution.Name is the event's key: each host's execution of one
	 * event (a watcher that died, the one that took it over) has the same
	 * name, while ids stay per journal. */
	eo.name = key;
	struct pw_exec_result res;
	if (pw_exec_run_keyed(doc, input, key, &eo, &res, &err) != PW_OK)
		goto fail;
	int finished = res.status != PW_EXEC_INTERRUPTED && journaled_finished(state_dir, res.id);
	json_object_object_add(out, "execution", json_object_new_string(res.id));
	json_object_object_add(out, "finished", json_object_new_boolean(finished));
	json_object_object_add(out, "status", json_object_new_string(status_name(res.status)));
	if (res.status != PW_EXEC_SUCCEEDED) {
		json_object_object_add(out, "error", json_object_new_string(res.error.name));
		json_object_object_add(out, "cause", json_object_new_string(res.error.cause));
	}
	json_object_object_add(out, "reused", json_object_new_boolean(res.reused));
	json_object_object_add(out, "resumed", json_object_new_boolean(res.resumed));
	pw_exec_result_clear(&res);
	rc = finished ? 0 : 3;
	goto out;
fail:
	pw_log(PW_LOG_ERROR, "watch", "key %s: %s: %s", key ? key : "?", err.name, err.cause);
	json_object_object_add(out, "error", json_object_new_string(err.name));
	json_object_object_add(out, "cause", json_object_new_string(err.cause));
out:
	pw_cli_print_json(out); /* redacted */
	json_object_put(out);
	json_object_put(r);
	pw_doc_free(doc);
	return rc;
}
