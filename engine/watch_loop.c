/*
 * watch_loop - the `prewarm watch` service (engine/WATCH.md).
 *
 * One process receives from SQS; each execution runs in a child process
 * (`prewarm watch --execute RECORD`, a fresh exec of this binary, so a
 * crash or a leak in a plugin never reaches the service) that runs the
 * workflow with the event id as idempotency key. The service extends the
 * message's visibility while the child runs, and deletes the message only
 * when the child reports the execution journaled as finished.
 *
 * STATE_DIR/watch/inflight/NAME.json is the record of one execution the
 * service started (key, workflow, input, message): written before the
 * child starts, removed once the message is dealt with. Records left by a
 * crash are resumed at the next start.
 */
#include "pw_watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_journal.h"
#include "pw_log.h"
#include "pw_out.h"

#define STOP_GRACE_MS 60000 /* children still running then are killed */
#define RECORD_MARGIN_MS 2000 /* see resume_records() */

struct job {
	pid_t pid;
	int out_fd;           /* the child's stdout: one JSON result line */
	char record[4400];    /* its in-flight record */
	char name[256];       /* the record's base name (message id or timer key) */
	char key[201];
	char message_id[128]; /* "" for timer executions */
	char *receipt;        /* current receipt handle; NULL: none */
	int receipt_stale;    /* from a record left by a crash: do not extend */
	int from_record;      /* resumed at start from a record */
	char *body;           /* the message body (for moving it aside) */
	enum pw_watch_kind kind;
	char *workflow;       /* the workflow file (for the metrics) */
	int64_t started_ms;
	int64_t extend_at_ms;
};

struct watcher {
	struct pw_cli *cli;
	const struct pw_watch_config *wc;
	char *const *self_argv;
	const char *state_dir;
	char inflight_dir[4096];
	char rejected_dir[4096];
	struct job *jobs;
	int n_jobs, cap_jobs;
	int64_t next_timer_ms;
	int64_t next_rds_poll_ms;
	struct pw_watch_metrics *metrics; /* NULL: no metrics file */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int64_t now_ms(void)
{
	return pw_clock_system()->mono_ms(NULL);
}

/* ---- SQS calls --------------------------------------------------------- */

static void add_queue(json_object *p, const char *queue)
{
	int is_url = strncmp(queue, "https://", 8) == 0 || strncmp(queue, "http://", 7) == 0;
	json_object_object_add(p, is_url ? "QueueUrl" : "QueueName", json_object_new_string(queue));
}

/* Calls sqs:ACTION with params (consumed). *result NEW ref (may be NULL). */
static int sqs(struct watcher *w, const char *action, json_object *params, int64_t timeout_ms,
	       json_object **result, pw_error *err)
{
	char resource[64];
	json_object *res = NULL;
	struct pw_call_opts o = {0, timeout_ms, "watch"};
	snprintf(resource, sizeof(resource), "sqs:%s", action);
	int rc = pw_registry_call(w->cli->registry, resource, params, &o, &res, err);
	json_object_put(params);
	if (result)
		*result = res;
	else
		json_object_put(res);
	return rc;
}

static int delete_message(struct watcher *w, const char *message_id, const char *receipt)
{
	pw_error err = {{0}, {0}};
	json_object *p = json_object_new_object();
	add_queue(p, w->wc->queue_url);
	json_object_object_add(p, "ReceiptHandle", json_object_new_string(receipt));
	if (sqs(w, "DeleteMessage", p, 30000, NULL, &err) != PW_OK) {
		pw_log(PW_LOG_WARN, "watch",
		       "could not delete message %s (%s: %s); it comes back after its visibility "
		       "timeout and is deleted then (its execution's result is reused)",
		       message_id, err.name, err.cause);
		return -1;
	}
	pw_log(PW_LOG_INFO, "watch", "deleted message %s", message_id);
	return 0;
}

static int change_visibility(struct watcher *w, const char *receipt, int seconds, pw_error *err)
{
	json_object *p = json_object_new_object();
	add_queue(p, w->wc->queue_url);
	json_object_object_add(p, "ReceiptHandle", json_object_new_string(receipt));
	json_object_object_add(p, "VisibilityTimeout", json_object_new_int(seconds));
	return sqs(w, "ChangeMessageVisibility", p, 30000, NULL, err);
}

/* ---- files ------------------------------------------------------------- */

static int make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* A file name from any string: bytes outside [A-Za-z0-9_-] as %XX. */
static void safe_name(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-') {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

/* Writes v to path atomically (temp file, fsync, rename). 0 or -1. */
static int write_json_file(const char *path, json_object *v)
{
	char tmp[4500];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	char *text = pw_out_json_text(v, NULL);
	int fd = text != NULL ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	int written = fd >= 0 && pw_out_write_fd(fd, text) == 0;
	free(text);
	if (fd < 0)
		return -1;
	if (!written) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- poison messages ---------------------------------------------------- */

/* Moves a message aside: to watch.aside_queue_url, else a file in
 * STATE_DIR/rejected/; then deletes it. Left in the queue (and retried)
 * only when moving it failed. */
static void move_aside(struct watcher *w, const char *message_id, const char *receipt,
		       const char *body, const char *reason)
{
	pw_error err = {{0}, {0}};
	pw_log(PW_LOG_WARN, "watch", "message %s rejected: %s", message_id, reason);
	if (w->wc->aside_queue_url != NULL) {
		json_object *p = json_object_new_object(), *attrs = json_object_new_object();
		json_object *a = json_object_new_object(), *b = json_object_new_object();
		add_queue(p, w->wc->aside_queue_url);
		json_object_object_add(p, "MessageBody", json_object_new_string(body));
		json_object_object_add(a, "DataType", json_object_new_string("String"));
		json_object_object_add(a, "StringValue", json_object_new_string(reason));
		json_object_object_add(b, "DataType", json_object_new_string("String"));
		json_object_object_add(b, "StringValue", json_object_new_string(message_id));
		json_object_object_add(attrs, "PrewarmRejectReason", a);
		json_object_object_add(attrs, "PrewarmSourceMessageId", b);
		json_object_object_add(p, "MessageAttributes", attrs);
		if (sqs(w, "SendMessage", p, 30000, NULL, &err) != PW_OK) {
			pw_log(PW_LOG_ERROR, "watch",
			       "could not move message %s to the aside queue (%s: %s); left in the queue",
			       message_id, err.name, err.cause);
			return;
		}
		pw_log(PW_LOG_INFO, "watch", "message %s moved to the aside queue", message_id);
	} else {
		char name[400], path[4600], when[40];
		safe_name(message_id, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s.json", w->rejected_dir, name);
		pw_clock_format_rfc3339(pw_clock_system()->wall_ms(NULL), when, sizeof(when));
		json_object *r = json_object_new_object();
		json_object_object_add(r, "MessageId", json_object_new_string(message_id));
		json_object_object_add(r, "Reason", json_object_new_string(reason));
		json_object_object_add(r, "RejectedAt", json_object_new_string(when));
		json_object_object_add(r, "Body", json_object_new_string(body));
		int rc = write_json_file(path, r);
		json_object_put(r);
		if (rc != 0) {
			pw_log(PW_LOG_ERROR, "watch", "could not write %s (%s); message %s left in the queue",
			       path, strerror(errno), message_id);
			return;
		}
		pw_log(PW_LOG_INFO, "watch", "message %s moved aside to %s", message_id, path);
	}
	delete_message(w, message_id, receipt);
}

/* ---- children ---------------------------------------------------------- */

static int spawn(struct watcher *w, struct job *j)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	int n = 0;
	while (w->self_argv[n] != NULL)
		n++;
	char **argv = calloc((size_t)n + 5, sizeof(*argv));
	if (argv == NULL) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	argv[0] = "prewarm";
	argv[1] = "watch";
	argv[2] = "--execute";
	argv[3] = j->record;
	for (int i = 0; i < n; i++)
		argv[4 + i] = w->self_argv[i];
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		/* Nothing of the service's (its SQS connection) reaches the child. */
		close_range(3, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	free(argv);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->pid = pid;
	j->out_fd = p[0];
	j->started_ms = now_ms();
	return 0;
}

/* Writes the record and starts the child; on failure the job is dropped
 * (the message comes back after its visibility timeout). */
static void start_job(struct watcher *w, struct job *j, json_object *input, const char *workflow)
{
	snprintf(j->record, sizeof(j->record), "%s/%s.json", w->inflight_dir, j->name);
	json_object *r = json_object_new_object();
	json_object_object_add(r, "key", json_object_new_string(j->key));
	json_object_object_add(r, "workflow", json_object_new_string(workflow));
	json_object_object_add(r, "kind", json_object_new_string(pw_watch_kind_name(j->kind)));
	json_object_object_add(r, "message_id", json_object_new_string(j->message_id));
	if (j->receipt)
		json_object_object_add(r, "receipt_handle", json_object_new_string(j->receipt));
	if (j->body)
		json_object_object_add(r, "body", json_object_new_string(j->body));
	json_object_object_add(r, "input", json_object_get(input));
	int rc = write_json_file(j->record, r);
	json_object_put(r);
	if (w->n_jobs >= w->cap_jobs) {
		rc = -1;
		errno = EAGAIN;
	}
	if (rc != 0 || spawn(w, j) != 0) {
		pw_log(PW_LOG_ERROR, "watch", "could not start the execution for key %s: %s", j->key,
		       strerror(errno));
		unlink(j->record);
		free(j->receipt);
		free(j->body);
		return;
	}
	j->workflow = strdup(workflow);
	w->jobs[w->n_jobs++] = *j;
	pw_log(PW_LOG_INFO, "watch", "started %s for %s (key %s, message %s, pid %d)", workflow,
	       pw_watch_kind_name(j->kind), j->key, j->message_id[0] ? j->message_id : "-",
	       (int)j->pid);
}

static int cluster_known(const struct pw_watch_config *wc, const char *cluster)
{
	if (cluster[0] == '\0' || wc->clusters == NULL)
		return 1;
	for (size_t i = 0; i < json_object_array_length(wc->clusters); i++)
		if (strcasecmp(json_object_get_string(json_object_array_get_idx(wc->clusters, i)),
			       cluster) == 0)
			return 1;
	return 0;
}

/* One received message: ignore, reject or start its execution. */
static void handle_message(struct watcher *w, json_object *msg)
{
	json_object *v;
	const char *id = json_object_object_get_ex(msg, "MessageId", &v) ? json_object_get_string(v) : NULL;
	const char *receipt =
		json_object_object_get_ex(msg, "ReceiptHandle", &v) ? json_object_get_string(v) : NULL;
	const char *body = json_object_object_get_ex(msg, "Body", &v) ? json_object_get_string(v) : "";
	int receives = 1;
	json_object *attrs;
	if (json_object_object_get_ex(msg, "Attributes", &attrs) &&
	    json_object_object_get_ex(attrs, "ApproximateReceiveCount", &v))
		receives = (int)strtol(json_object_get_string(v), NULL, 10);
	if (id == NULL || receipt == NULL) {
		pw_log(PW_LOG_ERROR, "watch", "ReceiveMessage returned a message without MessageId or "
					      "ReceiptHandle; skipped");
		return;
	}
	struct pw_watch_event ev;
	pw_watch_classify(body, strlen(body), id, &ev);
	if (ev.kind == PW_WATCH_MALFORMED) {
		move_aside(w, id, receipt, body, ev.reason);
		goto out;
	}
	if (ev.kind == PW_WATCH_IGNORED || !cluster_known(w->wc, ev.cluster)) {
		if (ev.kind != PW_WATCH_IGNORED)
			snprintf(ev.reason, sizeof(ev.reason), "cluster %s is not managed here", ev.cluster);
		pw_log(PW_LOG_INFO, "watch", "message %s (event %s) ignored: %s", id, ev.key, ev.reason);
		delete_message(w, id, receipt);
		goto out;
	}
	if (receives > w->wc->max_receives) {
		char why[600];
		snprintf(why, sizeof(why), "delivered %d times without its execution finishing (max_receives %d)",
			 receives, w->wc->max_receives);
		move_aside(w, id, receipt, body, why);
		goto out;
	}
	for (int i = 0; i < w->n_jobs; i++) {
		struct job *r = &w->jobs[i];
		if (strcmp(r->key, ev.key) != 0 || strcmp(r->message_id, id) != 0 ||
		    (r->receipt != NULL && !r->receipt_stale))
			continue;
		/* The message of an execution resumed at start came back: that
		 * execution now owns the fresh receipt (extends, deletes it). */
		free(r->receipt);
		r->receipt = strdup(receipt);
		r->receipt_stale = 0;
		r->extend_at_ms = now_ms() + (int64_t)w->wc->visibility_timeout * 500;
		pw_log(PW_LOG_INFO, "watch", "message %s is back: it belongs to the resumed execution "
					     "for key %s", id, ev.key);
		goto out;
	}
	struct job j;
	memset(&j, 0, sizeof(j));
	j.kind = ev.kind;
	snprintf(j.key, sizeof(j.key), "%s", ev.key);
	snprintf(j.message_id, sizeof(j.message_id), "%s", id);
	safe_name(id, j.name, sizeof(j.name));
	j.receipt = strdup(receipt);
	j.body = strdup(body);
	j.extend_at_ms = now_ms() + (int64_t)w->wc->visibility_timeout * 500;
	start_job(w, &j, ev.body, w->wc->workflows[ev.kind]);
out:
	pw_watch_event_clear(&ev);
}

static void receive(struct watcher *w, int max, int wait)
{
	pw_error err = {{0}, {0}};
	json_object *p = json_object_new_object(), *res = NULL, *msgs;
	json_object *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("ApproximateReceiveCount"));
	add_queue(p, w->wc->queue_url);
	json_object_object_add(p, "MaxNumberOfMessages", json_object_new_int(max > 10 ? 10 : max));
	json_object_object_add(p, "WaitTimeSeconds", json_object_new_int(wait));
	json_object_object_add(p, "VisibilityTimeout", json_object_new_int(w->wc->visibility_timeout));
	json_object_object_add(p, "AttributeNames", names);
	if (sqs(w, "ReceiveMessage", p, (int64_t)(wait + 20) * 1000, &res, &err) != PW_OK) {
		pw_log(PW_LOG_WARN, "watch", "ReceiveMessage failed (%s: %s); retrying in 2 s", err.name,
		       err.cause);
		for (int i = 0; i < 20 && !stop_signal; i++)
			usleep(100000);
		return;
	}
	pw_watch_health_beat(w->state_dir, "receive");
	pw_watch_metrics_polled(w->metrics);
	if (json_object_object_get_ex(res, "Messages", &msgs) &&
	    json_object_is_type(msgs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(msgs); i++) {
			json_object *m = json_object_array_get_idx(msgs, i), *h;
			if (!stop_signal) {
				handle_message(w, m);
				continue;
			}
			/* Received while stopping: hand it back at once, untouched. */
			if (json_object_object_get_ex(m, "ReceiptHandle", &h))
				change_visibility(w, json_object_get_string(h), 0, &err);
		}
	json_object_put(res);
}

/* Reads what the child printed (one JSON object), NEW ref or NULL. */
static json_object *child_result(struct job *j)
{
	char buf[16384];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(j->out_fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (n += (size_t)r) == sizeof(buf) - 1)
			break;
	}
	buf[n] = '\0';
	return n ? json_tokener_parse(buf) : NULL;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int flag(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

/* Counts an ended execution in the metrics, with its journaled result (a
 * warm report in it feeds the per-cluster gauges). */
static void count_execution(struct watcher *w, struct job *j, json_object *r, const char *exec_id)
{
	json_object *events = NULL, *output = NULL;
	pw_error err;
	/* A duplicate's result is the first run's: counted once. */
	if (w->metrics == NULL || (flag(r, "reused") && !flag(r, "resumed")))
		return;
	const char *st = flag(r, "finished") ? str(r, "status") : NULL;
	const char *outcome = st == NULL ? "interrupted"
			      : strcmp(st, "SUCCEEDED") == 0 ? "succeeded"
							     : "failed";
	if (strcmp(outcome, "succeeded") == 0 &&
	    pw_journal_read(w->state_dir, exec_id, &events, &err) == PW_OK) {
		struct pw_journal_summary s;
		pw_journal_summarize(events, &s);
		if (s.finished != NULL)
			json_object_object_get_ex(s.finished, "output", &output);
	}
	pw_watch_metrics_execution(w->metrics, j->workflow ? j->workflow : "?",
				   j->kind == PW_WATCH_RECONCILE, outcome, output);
	json_object_put(events);
}

/* A child ended: delete (or move aside) its message if the execution is
 * journaled as finished; otherwise leave the message to come back. */
static void job_done(struct watcher *w, struct job *j, int status)
{
	json_object *r = child_result(j);
	close(j->out_fd);
	const char *exec_id = str(r, "execution") ? str(r, "execution") : "?";
	double secs = (double)(now_ms() - j->started_ms) / 1000.0;
	if (!stop_signal || flag(r, "finished"))
		count_execution(w, j, r, exec_id);
	if (flag(r, "finished")) {
		const char *st = str(r, "status") ? str(r, "status") : "?";
		const char *error = str(r, "error");
		pw_log(PW_LOG_INFO, "watch", "execution %s (%s, key %s) %s%s%s in %.1f s%s%s", exec_id,
		       pw_watch_kind_name(j->kind), j->key, st, error ? ": " : "", error ? error : "", secs,
		       flag(r, "reused") ? " (an earlier execution's result)" : "",
		       flag(r, "resumed") ? " (resumed)" : "");
		if (j->receipt != NULL) {
			if (error != NULL && strcmp(error, "Event.Malformed") == 0 && j->body != NULL)
				move_aside(w, j->message_id, j->receipt, j->body,
					   str(r, "cause") ? str(r, "cause") : error);
			else
				delete_message(w, j->message_id, j->receipt);
		}
		unlink(j->record);
	} else {
		char how[64];
		if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
		else
			snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
		pw_log(PW_LOG_WARN, "watch", "execution %s (key %s) did not finish (%s%s%s%s); %s", exec_id,
		       j->key, how, str(r, "error") ? ", " : "", str(r, "error") ? str(r, "error") : "",
		       "",
		       stop_signal ? "resumable: resumed at the next start or by another watcher"
				   : "its message comes back after the visibility timeout");
		if (stop_signal && j->receipt != NULL && !j->receipt_stale) {
			/* Let another watcher take it over now rather than later; the
			 * record's mtime at 0 says the message is visible (handed back). */
			pw_error err = {{0}, {0}};
			change_visibility(w, j->receipt, 0, &err);
			static const struct timespec epoch[2] = {{0, 0}, {0, 0}};
			utimensat(AT_FDCWD, j->record, epoch, 0);
		}
		if (!stop_signal)
			unlink(j->record);
	}
	json_object_put(r);
	free(j->receipt);
	free(j->body);
	free(j->workflow);
}

static void reap(struct watcher *w)
{
	for (int i = 0; i < w->n_jobs;) {
		int status;
		pid_t pid = waitpid(w->jobs[i].pid, &status, WNOHANG);
		if (pid == 0 || (pid < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		struct job j = w->jobs[i];
		w->jobs[i] = w->jobs[--w->n_jobs];
		job_done(w, &j, pid < 0 ? 0 : status);
	}
}

/* Renews the visibility of running jobs' messages at half-time. */
static void extend(struct watcher *w)
{
	int64_t now = now_ms();
	for (int i = 0; i < w->n_jobs; i++) {
		struct job *j = &w->jobs[i];
		if (j->receipt == NULL || j->receipt_stale || now < j->extend_at_ms)
			continue;
		pw_error err = {{0}, {0}};
		if (change_visibility(w, j->receipt, w->wc->visibility_timeout, &err) != PW_OK) {
			pw_log(PW_LOG_WARN, "watch", "could not extend message %s's visibility (%s: %s)",
			       j->message_id, err.name, err.cause);
			j->extend_at_ms = now + 1000;
			/* A recorded receipt that no longer works: when the message
			 * comes back, this execution takes over the new receipt. */
			j->receipt_stale = j->from_record;
		} else {
			pw_log(PW_LOG_DEBUG, "watch", "message %s hidden for %d s more", j->message_id,
			       w->wc->visibility_timeout);
			j->extend_at_ms = now + (int64_t)w->wc->visibility_timeout * 500;
			/* The record's mtime: the message is hidden until mtime +
			 * visibility timeout (what resume_records() trusts). */
			utimensat(AT_FDCWD, j->record, NULL, 0);
		}
	}
}

/* Resumes what a crash left: every record in the in-flight directory. */
static void resume_records(struct watcher *w)
{
	DIR *d = opendir(w->inflight_dir);
	struct dirent *de;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && w->n_jobs < w->cap_jobs - 1) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
		    len - 5 >= sizeof(((struct job *)0)->name))
			continue;
		char path[4500];
		snprintf(path, sizeof(path), "%s/%s", w->inflight_dir, de->d_name);
		json_object *r = json_object_from_file(path);
		const char *key = str(r, "key"), *wf = str(r, "workflow");
		if (key == NULL || wf == NULL) {
			pw_log(PW_LOG_WARN, "watch", "%s is not an in-flight record; removed", path);
			unlink(path);
			json_object_put(r);
			continue;
		}
		struct job j;
		memset(&j, 0, sizeof(j));
		snprintf(j.name, sizeof(j.name), "%.*s", (int)(len - 5), de->d_name);
		snprintf(j.key, sizeof(j.key), "%s", key);
		snprintf(j.message_id, sizeof(j.message_id), "%s", str(r, "message_id") ? str(r, "message_id") : "");
		/* A message is hidden until the record's mtime + the visibility
		 * timeout. Past that, another watcher (another host) may have
		 * received it and be running or have finished the event: running
		 * it here too would repeat the warm and the alert. It is left to
		 * come back: if it does, its keyed run resumes this journal. */
		/* The record is written (and touched) just after SQS hid the
		 * message: a margin covers that moment and the mtime's rounding. */
		struct stat st;
		int64_t hidden_until = stat(path, &st) == 0
					       ? (int64_t)st.st_mtime * 1000 +
							 (int64_t)w->wc->visibility_timeout * 1000 - RECORD_MARGIN_MS
					       : 0;
		if (j.message_id[0] != '\0' && pw_clock_system()->wall_ms(NULL) >= hidden_until) {
			pw_log(PW_LOG_INFO, "watch", "not resuming key %s here: message %s has been visible "
						     "to other watchers since; if it comes back, its run resumes "
						     "the journal", key, j.message_id);
			unlink(path);
			json_object_put(r);
			continue;
		}
		j.receipt = str(r, "receipt_handle") ? strdup(str(r, "receipt_handle")) : NULL;
		/* Still hidden: nobody has received it since, so the recorded
		 * receipt is the latest one. Keep it hidden from now on. */
		j.receipt_stale = j.receipt == NULL;
		j.from_record = 1;
		j.extend_at_ms = now_ms();
		j.body = str(r, "body") ? strdup(str(r, "body")) : NULL;
		const char *kind = str(r, "kind");
		j.kind = PW_WATCH_INSTANCE_CREATED;
		for (int k = 0; kind && k < PW_WATCH_N_ROUTES; k++)
			if (strcmp(kind, pw_watch_kind_name((enum pw_watch_kind)k)) == 0)
				j.kind = (enum pw_watch_kind)k;
		json_object *input = NULL;
		json_object_object_get_ex(r, "input", &input);
		pw_log(PW_LOG_INFO, "watch", "resuming the execution for key %s, left unfinished by an "
					     "earlier run", key);
		char workflow[4096];
		snprintf(workflow, sizeof(workflow), "%s", wf);
		start_job(w, &j, input, workflow);
		json_object_put(r);
	}
	closedir(d);
}

/* The periodic reconcile: one execution per interval (its slot is the
 * key, so watchers sharing a state directory run it once). */
static void timer(struct watcher *w)
{
	if (w->wc->reconcile_interval <= 0 || now_ms() < w->next_timer_ms)
		return;
	w->next_timer_ms = now_ms() + (int64_t)w->wc->reconcile_interval * 1000;
	int64_t slot = pw_clock_system()->wall_ms(NULL) / 1000 / w->wc->reconcile_interval;
	struct job j;
	memset(&j, 0, sizeof(j));
	j.kind = PW_WATCH_RECONCILE;
	snprintf(j.key, sizeof(j.key), "reconcile-%d-%lld", w->wc->reconcile_interval, (long long)slot);
	snprintf(j.name, sizeof(j.name), "timer-%s", j.key);
	json_object *input = json_object_new_object();
	start_job(w, &j, input, w->wc->workflows[PW_WATCH_RECONCILE]);
	json_object_put(input);
}

/* An event RDS polling found: an execution without a message. */
static void rds_found(void *ud, enum pw_watch_kind kind, const char *key, json_object *input)
{
	struct watcher *w = ud;
	struct job j;
	char name[sizeof(j.name) - 8];
	memset(&j, 0, sizeof(j));
	j.kind = kind;
	snprintf(j.key, sizeof(j.key), "%s", key);
	safe_name(key, name, sizeof(name));
	snprintf(j.name, sizeof(j.name), "rds-%s", name);
	start_job(w, &j, input, w->wc->workflows[kind]);
}

static void rds_poll(struct watcher *w)
{
	if (w->wc->rds_poll_interval <= 0 || now_ms() < w->next_rds_poll_ms)
		return;
	w->next_rds_poll_ms = now_ms() + (int64_t)w->wc->rds_poll_interval * 1000;
	if (pw_watch_rds_poll(w->cli->registry, w->state_dir, w->wc->clusters, rds_found, w) == 0)
		pw_watch_metrics_polled(w->metrics);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Messages being worked on: jobs that hold a receipt. */
static int in_flight(const struct watcher *w)
{
	int n = 0;
	for (int i = 0; i < w->n_jobs; i++)
		n += w->jobs[i].receipt != NULL;
	return n;
}

static void stop_jobs(struct watcher *w)
{
	pw_log(PW_LOG_INFO, "watch", "stopping (signal %d): no new messages; %d execution%s to stop",
	       (int)stop_signal, w->n_jobs, w->n_jobs == 1 ? "" : "s");
	for (int i = 0; i < w->n_jobs; i++)
		kill(w->jobs[i].pid, SIGTERM);
	int64_t deadline = now_ms() + STOP_GRACE_MS;
	while (w->n_jobs > 0) {
		reap(w);
		extend(w);
		if (w->n_jobs == 0)
			break;
		if (now_ms() > deadline) {
			for (int i = 0; i < w->n_jobs; i++)
				kill(w->jobs[i].pid, SIGKILL);
			deadline = INT64_MAX;
		}
		sleep_ms(50);
	}
}

int pw_watch_serve(struct pw_cli *cli, const struct pw_watch_config *wc, char *const *self_argv)
{
	struct watcher w;
	memset(&w, 0, sizeof(w));
	w.cli = cli;
	w.wc = wc;
	w.self_argv = self_argv;
	w.state_dir = pw_cli_state_dir(cli);
	if (w.state_dir == NULL) {
		pw_out_printf(stderr, "prewarm watch: needs a state directory (not --no-journal)\n");
		return PW_EXIT_USAGE;
	}
	char watch_dir[4096];
	snprintf(watch_dir, sizeof(watch_dir), "%s/watch", w.state_dir);
	snprintf(w.inflight_dir, sizeof(w.inflight_dir), "%s/watch/inflight", w.state_dir);
	snprintf(w.rejected_dir, sizeof(w.rejected_dir), "%s/rejected", w.state_dir);
	if (make_dir(w.state_dir) != 0 || make_dir(watch_dir) != 0 || make_dir(w.inflight_dir) != 0 ||
	    make_dir(w.rejected_dir) != 0) {
		pw_out_printf(stderr, "prewarm watch: cannot create %s: %s\n", w.inflight_dir, strerror(errno));
		return PW_EXIT_USAGE;
	}
	w.cap_jobs = wc->max_concurrent * 4 + 16;
	w.jobs = calloc((size_t)w.cap_jobs, sizeof(*w.jobs));
	if (w.jobs == NULL)
		return PW_EXIT_FAILED;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	w.next_timer_ms = now_ms() + (int64_t)wc->reconcile_interval * 1000;
	pw_log(PW_LOG_INFO, "watch", "watching %s%s (at most %d executions, visibility %d s, state %s)",
	       wc->queue_url ? wc->queue_url : "RDS", wc->queue_url && wc->rds_poll_interval ? " and RDS" : "",
	       wc->max_concurrent, wc->visibility_timeout, w.state_dir);
	w.metrics = pw_watch_metrics_new(wc->metrics_file, wc);
	resume_records(&w);
	while (!stop_signal) {
		pw_watch_metrics_flush(w.metrics, in_flight(&w), w.n_jobs);
		reap(&w);
		extend(&w);
		timer(&w);
		rds_poll(&w);
		if (stop_signal)
			break;
		if (wc->queue_url == NULL) {
			pw_watch_health_beat(w.state_dir, "rds-poll");
			sleep_ms(200);
		} else if (w.n_jobs < wc->max_concurrent) {
			/* While executions run, short polls: their ends are seen within 1 s. */
			receive(&w, wc->max_concurrent - w.n_jobs, w.n_jobs > 0 ? 1 : wc->receive_wait);
		} else {
			pw_watch_health_beat(w.state_dir, "busy");
			sleep_ms(100);
		}
	}
	stop_jobs(&w);
	pw_watch_metrics_flush(w.metrics, in_flight(&w), w.n_jobs);
	pw_watch_metrics_free(w.metrics);
	free(w.jobs);
	pw_log(PW_LOG_INFO, "watch", "stopped");
	return PW_EXIT_OK;
}
