/*
 * cli_worker - `prewarm worker WORKFLOW... --activity-arn ARN`: the worker
 * fleet of an exported workflow (engine/SFN.md). Polls GetActivityTask,
 * runs each task with sfn_task (as `prewarm run` runs the step), beats
 * SendTaskHeartbeat from a second thread while it works, and answers
 * SendTaskSuccess or SendTaskFailure. --concurrency N runs N such pollers
 * as child processes (each with its own plugins and Lua states).
 *
 * SIGTERM: a poller waiting for a task exits at once; one running a task
 * lets it finish for --drain-seconds, then stops it and hands it back
 * (SendTaskFailure Prewarm.WorkerStopped, which the exported Retry gives
 * to another worker); a step stuck in C code that ignores the cancel is
 * handed back HANDBACK_GRACE_S later without waiting for it. Exit 0.
 */
#include "pw_cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pw_aws.h"
#include "pw_log.h"
#include "pw_out.h"
#include "pw_redact.h"
#include "sfn_export.h"
#include "sfn_task.h"

/* AWS: GetActivityTask holds the request up to 60 s; clients should wait
 * at least 65 s. */
#define POLL_TIMEOUT_MS 70000
#define DEFAULT_BEAT_SECONDS 10
#define CAUSE_MAX 32768 /* SendTaskFailure's cause limit */
/* After --drain-seconds the step is cancelled; one that has not returned
 * this much later is handed back without waiting for it. */
#define HANDBACK_GRACE_S 3

static volatile sig_atomic_t g_stop, g_in_task;
static volatile sig_atomic_t g_stop_at; /* monotonic seconds of the SIGTERM */

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_term(int sig)
{
	(void)sig;
	if (!g_in_task)
		_exit(PW_EXIT_OK); /* nothing in hand: a poll is safe to drop */
	g_stop_at = (sig_atomic_t)mono_s();
	g_stop = 1;
}

struct worker {
	const char *activity_arn;
	char name[200];
	int drain_seconds;
	struct pw_sfn_task_env env;
};

static int sfn_client(pw_aws_client **c, long timeout_ms, pw_error *err)
{
	struct pw_aws_options o;
	memset(&o, 0, sizeof(o));
	o.service = "states";
	o.env_name = "SFN";
	o.request_timeout_ms = timeout_ms;
	o.host = pw_registry_host_api();
	return pw_aws_client_new(&o, c, err);
}

static int sfn_call(pw_aws_client *c, const char *action, json_object *params, json_object **res,
		    pw_error *err)
{
	json_object *r = NULL;
	int rc = pw_aws_json(c, "AWSStepFunctions", "1.0", "SFN", action, params, res ? res : &r, err);
	json_object_put(r);
	json_object_put(params);
	return rc;
}

/* SendTaskSuccess / SendTaskFailure; the cause is redacted and bounded. */
static void answer(pw_aws_client *c, const char *token, json_object *output, const pw_error *e)
{
	pw_error err;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "taskToken", json_object_new_string(token));
	if (output != NULL) {
		/* seal() left no secret in it; pw_out_json_text redacts anyway. */
		char *text = pw_out_json_text(output, NULL);
		json_object_object_add(p, "output", json_object_new_string(text ? text : "null"));
		free(text);
	} else {
		char *cause = pw_redact(e->cause);
		char *name = pw_redact(e->name);
		if (cause != NULL && strlen(cause) > CAUSE_MAX)
			cause[CAUSE_MAX] = '\0';
		json_object_object_add(p, "error", json_object_new_string(name ? name : ""));
		json_object_object_add(p, "cause", json_object_new_string(cause ? cause : ""));
		free(cause);
		free(name);
	}
	const char *action = output ? "SendTaskSuccess" : "SendTaskFailure";
	if (sfn_call(c, action, p, NULL, &err) != PW_OK)
		pw_log(PW_LOG_ERROR, "worker", "%s: %s: %s (Step Functions retries the task after its "
		       "heartbeat or timeout)", action, err.name, err.cause);
}

/* The heartbeat thread of one task. */
struct beat {
	struct worker *w;
	const char *token;
	int interval_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int lost; /* the task is no longer ours (TaskTimedOut) */
};

static void *beat_main(void *arg)
{
	struct beat *b = arg;
	pw_aws_client *c = NULL;
	pw_error err;
	if (sfn_client(&c, 10000, &err) != PW_OK) {
		pw_log(PW_LOG_ERROR, "worker", "no heartbeat: %s: %s", err.name, err.cause);
		return NULL;
	}
	pthread_mutex_lock(&b->mu);
	int64_t next_beat = mono_ms() + b->interval_ms;
	while (!b->done) {
		/* Short slices: a signal does not wake the condition variable,
		 * and the drain must be watched closely. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->cv, &b->mu, &until);
		if (b->done)
			break;
		if (g_stop && mono_s() - g_stop_at >= b->w->drain_seconds && !pw_cancel_requested()) {
			pw_log(PW_LOG_WARN, "worker", "stopping: the task did not finish within %d s: "
			       "handing it back", b->w->drain_seconds);
			pw_cancel_request();
		}
		if (g_stop && mono_s() - g_stop_at >= b->w->drain_seconds + HANDBACK_GRACE_S) {
			/* Stuck in a plugin's C code that does not look at the
			 * cancel flag (a blocking connect): hand back from here. */
			pw_error e;
			pw_error_set(&e, PW_SFN_WORKER_STOPPED, "the worker stopped before the step "
				     "finished: another worker runs it again");
			pw_log(PW_LOG_WARN, "worker", "the step does not stop: handed back, exiting");
			answer(c, b->token, NULL, &e);
			_exit(PW_EXIT_OK);
		}
		if (mono_ms() < next_beat)
			continue;
		next_beat = mono_ms() + b->interval_ms;
		pthread_mutex_unlock(&b->mu);
		json_object *p = json_object_new_object();
		json_object_object_add(p, "taskToken", json_object_new_string(b->token));
		if (sfn_call(c, "SendTaskHeartbeat", p, NULL, &err) != PW_OK) {
			pw_log(PW_LOG_WARN, "worker", "SendTaskHeartbeat: %s: %s", err.name, err.cause);
			if (strcmp(err.name, "SFN.TaskTimedOut") == 0 ||
			    strcmp(err.name, "SFN.TaskDoesNotExist") == 0 ||
			    strcmp(err.name, "SFN.InvalidToken") == 0) {
				/* Given to another worker meanwhile: stop working on it. */
				pthread_mutex_lock(&b->mu);
				b->lost = 1;
				pthread_mutex_unlock(&b->mu);
				pw_cancel_request();
			}
		}
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	pw_aws_client_free(c);
	return NULL;
}

static void run_task(struct worker *w, pw_aws_client *c, const char *token, const char *input)
{
	struct beat b;
	pthread_t th;
	json_object *out = NULL;
	pw_error e = {{0}, {0}};
	int hb = pw_sfn_task_heartbeat(input);
	memset(&b, 0, sizeof(b));
	b.w = w;
	b.token = token;
	/* Three beats per HeartbeatSeconds: one lost request is no timeout. */
	b.interval_ms = hb > 0 ? hb * 1000 / 3 : DEFAULT_BEAT_SECONDS * 1000;
	if (b.interval_ms < 200)
		b.interval_ms = 200;
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	int beating = pthread_create(&th, NULL, beat_main, &b) == 0;
	int rc = pw_sfn_task_run(&w->env, input, &out, &e);
	if (beating) {
		pthread_mutex_lock(&b.mu);
		b.done = 1;
		pthread_cond_signal(&b.cv);
		pthread_mutex_unlock(&b.mu);
		pthread_join(th, NULL);
	}
	if (b.lost) {
		pw_log(PW_LOG_WARN, "worker", "the task timed out at Step Functions (given to another "
		       "worker): its result is dropped");
	} else if (rc == PW_OK) {
		answer(c, token, out, NULL);
	} else {
		pw_log(PW_LOG_INFO, "worker", "task failed: %s: %s", e.name, e.cause);
		answer(c, token, NULL, &e);
	}
	json_object_put(out);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	if (!g_stop)
		pw_cancel_reset(); /* a lost task's stop is not the worker's */
}

/* One poller: until SIGTERM. */
static int poll_loop(struct worker *w)
{
	pw_aws_client *c = NULL;
	pw_error err;
	int failures = 0;
	if (sfn_client(&c, POLL_TIMEOUT_MS, &err) != PW_OK) {
		pw_log(PW_LOG_ERROR, "worker", "%s: %s", err.name, err.cause);
		return PW_EXIT_USAGE;
	}
	pw_log(PW_LOG_INFO, "worker", "%s polling %s", w->name, w->activity_arn);
	while (!g_stop) {
		json_object *p = json_object_new_object(), *res = NULL;
		json_object_object_add(p, "activityArn", json_object_new_string(w->activity_arn));
		json_object_object_add(p, "workerName", json_object_new_string(w->name));
		if (sfn_call(c, "GetActivityTask", p, &res, &err) != PW_OK) {
			pw_log(PW_LOG_WARN, "worker", "GetActivityTask: %s: %s", err.name, err.cause);
			if (strcmp(err.name, "SFN.ActivityDoesNotExist") == 0 ||
			    strcmp(err.name, "SFN.InvalidArn") == 0) {
				pw_aws_client_free(c);
				return PW_EXIT_USAGE;
			}
			/* The library retried already; back off before the next poll. */
			sleep((unsigned)(failures < 5 ? 1 << failures++ : 30));
			continue;
		}
		failures = 0;
		g_in_task = 1;
		json_object *tok = NULL, *in = NULL;
		json_object_object_get_ex(res, "taskToken", &tok);
		json_object_object_get_ex(res, "input", &in);
		if (tok != NULL && json_object_is_type(tok, json_type_string) &&
		    json_object_get_string_len(tok) > 0)
			run_task(w, c, json_object_get_string(tok), in ? json_object_get_string(in) : "{}");
		json_object_put(res);
		g_in_task = 0;
	}
	pw_aws_client_free(c);
	pw_log(PW_LOG_INFO, "worker", "%s stopped", w->name);
	return PW_EXIT_OK;
}

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm worker WORKFLOW... --activity-arn ARN [--concurrency N]\n"
		"                      [--drain-seconds N] [--name NAME] [--config FILE]\n"
		"Runs the activity tasks of state machines made by `prewarm export --to\n"
		"stepfunctions` from these workflows: each step as `prewarm run` runs it,\n"
		"with heartbeats; Retry and Catch are the state machine's. SIGTERM finishes\n"
		"(or after --drain-seconds, default 30, hands back) the tasks in hand and\n"
		"exits 0. See engine/SFN.md.\n");
}

/* Everything a poller needs, in the process that polls. */
static int serve(struct pw_cli *cli, struct worker *w, char **files, int n)
{
	pw_doc **docs = calloc((size_t)n, sizeof(*docs));
	int rc = PW_EXIT_USAGE, loaded = 0;
	if (docs == NULL || pw_cli_setup(cli) != 0)
		goto out;
	for (; loaded < n; loaded++)
		if (pw_cli_load_workflow(cli, files[loaded], 1, &docs[loaded]) != 0)
			goto out;
	w->env.registry = cli->registry;
	w->env.vars = cli->config->vars;
	w->env.docs = docs;
	w->env.n_docs = (size_t)n;
	rc = poll_loop(w);
out:
	for (int i = 0; i < loaded; i++)
		pw_doc_free(docs[i]);
	free(docs);
	pw_cli_teardown(cli);
	return rc;
}

static volatile sig_atomic_t g_parent_stop;

static void on_parent_term(int sig)
{
	(void)sig;
	g_parent_stop = 1;
}

/* N pollers as children (a child that dies is replaced); SIGTERM is
 * passed on and waited for. */
static int supervise(struct pw_cli *cli, struct worker *w, char **files, int n, int count)
{
	pid_t *kids = calloc((size_t)count, sizeof(*kids));
	pid_t parent = getpid();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_parent_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (kids == NULL)
		return PW_EXIT_USAGE;
	int rc = PW_EXIT_OK, alive = 0;
	for (;;) {
		for (int i = 0; i < count && !g_parent_stop; i++) {
			if (kids[i] > 0)
				continue;
			pid_t pid = fork();
			if (pid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the worker */
				if (getppid() != parent)
					_exit(PW_EXIT_OK);
				struct sigaction t;
				memset(&t, 0, sizeof(t));
				t.sa_handler = on_term;
				sigaction(SIGTERM, &t, NULL);
				sigaction(SIGINT, &t, NULL);
				char base[sizeof(w->name)];
				memcpy(base, w->name, sizeof(base));
				snprintf(w->name, sizeof(w->name), "%.180s/%d", base, i + 1);
				free(kids);
				_exit(serve(cli, w, files, n));
			}
			if (pid > 0) {
				kids[i] = pid;
				alive++;
			}
		}
		if (alive == 0)
			break;
		int status;
		pid_t done = waitpid(-1, &status, 0);
		if (done < 0) {
			if (errno == EINTR) {
				if (g_parent_stop)
					for (int i = 0; i < count; i++)
						if (kids[i] > 0)
							kill(kids[i], SIGTERM);
				continue;
			}
			break;
		}
		for (int i = 0; i < count; i++)
			if (kids[i] == done) {
				kids[i] = 0;
				alive--;
			}
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code == PW_EXIT_USAGE) {
			/* A setup error repeats: stop them all. */
			rc = PW_EXIT_USAGE;
			g_parent_stop = 1;
			for (int i = 0; i < count; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGTERM);
		} else if (!g_parent_stop) {
			pw_log(PW_LOG_WARN, "worker", "poller %d ended (%s %d): starting another", (int)done,
			       code >= 0 ? "exit" : "signal", code >= 0 ? code : WTERMSIG(status));
			sleep(1);
		}
	}
	free(kids);
	return rc;
}

int pw_cli_worker(int argc, char **argv)
{
	enum { O_ACTIVITY = 1, O_CONCURRENCY, O_DRAIN, O_NAME };
	static const struct option opts[] = {
		{"activity-arn", required_argument, NULL, O_ACTIVITY},
		{"concurrency", required_argument, NULL, O_CONCURRENCY},
		{"drain-seconds", required_argument, NULL, O_DRAIN},
		{"name", required_argument, NULL, O_NAME},
		PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	struct worker w;
	int c, concurrency = 1;
	char host[100] = "worker";
	memset(&cli, 0, sizeof(cli));
	memset(&w, 0, sizeof(w));
	w.drain_seconds = 30;
	gethostname(host, sizeof(host) - 1);
	snprintf(w.name, sizeof(w.name), "%s-%d", host, (int)getpid());
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			return PW_EXIT_USAGE;
		if (common)
			continue;
		if (c == O_ACTIVITY) {
			w.activity_arn = optarg;
		} else if (c == O_NAME && strlen(optarg) > 0 && strlen(optarg) < 80) {
			snprintf(w.name, sizeof(w.name), "%s", optarg);
		} else if (c == O_CONCURRENCY) {
			if (pw_cli_int_arg("worker", "--concurrency", optarg, 1, 256, &concurrency) != 0)
				return PW_EXIT_USAGE;
		} else if (c == O_DRAIN) {
			if (pw_cli_int_arg("worker", "--drain-seconds", optarg, 0, 86400, &w.drain_seconds) != 0)
				return PW_EXIT_USAGE;
		} else {
			pw_out_printf(stderr, "prewarm worker: bad option (--name takes 1 to 79 characters)\n");
			usage(stderr);
			return PW_EXIT_USAGE;
		}
	}
	if (cli.help) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (optind >= argc || w.activity_arn == NULL || strncmp(w.activity_arn, "arn:", 4) != 0 ||
	    strstr(w.activity_arn, ":activity:") == NULL) {
		pw_out_printf(stderr, "prewarm worker: expected WORKFLOW... and --activity-arn "
			      "arn:aws:states:REGION:ACCOUNT:activity:NAME\n");
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	/* Check everything once here, so a bad config or workflow is exit 2
	 * at once and not N children failing. */
	struct pw_cli check = cli;
	int n = argc - optind;
	for (int i = 0; i < n; i++) {
		pw_doc *doc = NULL;
		if (i == 0 && pw_cli_setup(&check) != 0)
			return PW_EXIT_USAGE;
		if (pw_cli_load_workflow(&check, argv[optind + i], 1, &doc) != 0) {
			pw_cli_teardown(&check);
			return PW_EXIT_USAGE;
		}
		pw_doc_free(doc);
	}
	pw_cli_teardown(&check);
	if (concurrency == 1) {
		struct sigaction t;
		memset(&t, 0, sizeof(t));
		t.sa_handler = on_term;
		sigaction(SIGTERM, &t, NULL);
		sigaction(SIGINT, &t, NULL);
		return serve(&cli, &w, argv + optind, n);
	}
	return supervise(&cli, &w, argv + optind, n, concurrency);
}
