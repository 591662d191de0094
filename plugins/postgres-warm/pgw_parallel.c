/* pgw_parallel.c - K connections draining one job queue. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgw_parallel.h"

int64_t pgw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pgw_job_init(pgw_job *job, const char *sql, int nparams,
		 const char *const *params, int64_t planned_blocks, int tag)
{
	memset(job, 0, sizeof(*job));
	job->sql = strdup(sql);
	job->planned_blocks = planned_blocks;
	job->tag = tag;
	if (job->sql == NULL)
		return -1;
	if (nparams > 0) {
		job->params = calloc((size_t)nparams, sizeof(char *));
		if (job->params == NULL)
			return -1;
		job->nparams = nparams;
		for (int i = 0; i < nparams; i++)
			if (params[i] != NULL &&
			    (job->params[i] = strdup(params[i])) == NULL)
				return -1;
	}
	return 0;
}

void pgw_jobs_free(pgw_job *jobs, size_t n)
{
	if (jobs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(jobs[i].sql);
		for (int p = 0; p < jobs[i].nparams; p++)
			free(jobs[i].params[p]);
		free(jobs[i].params);
		free(jobs[i].value);
		free(jobs[i].error);
		free(jobs[i].label);
	}
	free(jobs);
}

int pgw_job_label(pgw_job *job, const char *db, const char *rel)
{
	size_t len = strlen(db) + strlen(rel) + 32;
	free(job->label);
	if ((job->label = malloc(len)) == NULL)
		return -1;
	snprintf(job->label, len, "database %s, relation %s", db, rel);
	return 0;
}

struct shared {
	pgw_job *jobs;
	size_t n;
	atomic_size_t next;
	atomic_int stop;     /* set by the caller thread: cancel and quit */
	atomic_int finished; /* workers done */
	atomic_llong blocks_done;
	int64_t deadline;
	const pgw_conn_spec *spec;
};

struct worker {
	struct shared *sh;
	PGconn *conn;
	pthread_t thread;
	int started;
};

static int should_stop(struct shared *sh)
{
	return atomic_load(&sh->stop) || pgw_now_ms() >= sh->deadline;
}

static void cancel_running(PGconn *conn)
{
	PGcancel *c = PQgetCancel(conn);
	char buf[256];
	if (c != NULL) {
		PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

/* Runs one job asynchronously so the deadline can cancel it. */
static void run_job(struct worker *w, pgw_job *job)
{
	struct shared *sh = w->sh;
	PGconn *conn = w->conn;
	if (!PQsendQueryParams(conn, job->sql, job->nparams, NULL,
			       (const char *const *)job->params, NULL, NULL,
			       0)) {
		char msg[1024];
		pgw_redact(sh->spec, PQerrorMessage(conn), msg, sizeof(msg));
		job->error = strdup(msg);
		job->state = PGW_JOB_FAILED;
		return;
	}
	int cancelled = 0;
	for (;;) {
		if (!cancelled && should_stop(sh)) {
			cancel_running(conn);
			cancelled = 1;
		}
		if (!PQconsumeInput(conn))
			break;
		if (!PQisBusy(conn))
			break;
		struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
		if (poll(&pfd, 1, 50) < 0 && errno != EINTR)
			break;
	}
	PGresult *r;
	int failed = 0;
	while ((r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK) {
			if (job->value == NULL && PQntuples(r) > 0 &&
			    PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
				job->value = strdup(PQgetvalue(r, 0, 0));
		} else if (st != PGRES_COMMAND_OK && !failed) {
			char msg[1024];
			pgw_redact(sh->spec, PQresultErrorMessage(r), msg,
				   sizeof(msg));
			free(job->error);
			job->error = strdup(msg);
			failed = 1;
		}
		PQclear(r);
	}
	if (cancelled && failed)
		job->state = PGW_JOB_CANCELLED;
	else if (failed || PQstatus(conn) != CONNECTION_OK)
		job->state = PGW_JOB_FAILED;
	else
		job->state = PGW_JOB_OK;
	if (job->state == PGW_JOB_FAILED && job->error == NULL) {
		char msg[1024];
		pgw_redact(sh->spec, PQerrorMessage(conn), msg, sizeof(msg));
		job->error = strdup(msg);
	}
	if (job->state == PGW_JOB_OK)
		atomic_fetch_add(&sh->blocks_done, job->planned_blocks);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	while (!should_stop(sh) && PQstatus(w->conn) == CONNECTION_OK) {
		size_t i = atomic_fetch_add(&sh->next, 1);
		if (i >= sh->n)
			break;
		run_job(w, &sh->jobs[i]);
	}
	atomic_fetch_add(&sh->finished, 1);
	return NULL;
}

static int env_wants_stop(const pgw_env *env)
{
	if (env == NULL)
		return 0;
	if (env->is_cancelled != NULL && env->is_cancelled(env->ud))
		return 1;
	return env->remaining_ms != NULL && env->remaining_ms(env->ud) <= 0;
}

/* One progress line (the host rate-limits them). */
static void progress(const pgw_env *env, struct shared *sh, int64_t total,
		     int64_t t0)
{
	if (env == NULL || env->progress == NULL)
		return;
	int64_t done = atomic_load(&sh->blocks_done);
	size_t started = atomic_load(&sh->next);
	if (started > sh->n)
		started = sh->n;
	const char *label = started > 0 && sh->jobs[started - 1].label != NULL
				    ? sh->jobs[started - 1].label
			    : sh->jobs[0].label != NULL ? sh->jobs[0].label
							: "";
	double secs = (double)(pgw_now_ms() - t0) / 1000.0;
	double mbs = secs > 0 ? (double)done * 8192.0 / 1048576.0 / secs : 0;
	char eta[32];
	if (done >= total)
		snprintf(eta, sizeof(eta), "0 s");
	else if (done > 0)
		snprintf(eta, sizeof(eta), "%.0f s",
			 secs * (double)(total - done) / (double)done);
	else
		snprintf(eta, sizeof(eta), "unknown");
	char msg[512];
	snprintf(msg, sizeof(msg),
		 "progress: %lld of %lld blocks (%d%%), %.1f MB/s, ETA %s, %s",
		 (long long)done, (long long)total,
		 total > 0 ? (int)(100 * done / total) : 100, mbs, eta, label);
	env->progress(env->ud, msg);
}

int pgw_run_jobs(const pgw_env *env, const pgw_conn_spec *spec,
		 const pgw_run_opts *opts, pgw_job *jobs, size_t n,
		 int *timed_out, pw_error *err)
{
	*timed_out = 0;
	if (n == 0)
		return PW_OK;
	int k = opts->parallel < 1 ? 1 : opts->parallel;
	if ((size_t)k > n)
		k = (int)n;
	struct shared sh = {.jobs = jobs,
			    .n = n,
			    .deadline = opts->deadline,
			    .spec = spec};
	atomic_init(&sh.next, 0);
	atomic_init(&sh.stop, 0);
	atomic_init(&sh.finished, 0);
	atomic_init(&sh.blocks_done, 0);
	struct worker *w = calloc((size_t)k, sizeof(*w));
	if (w == NULL)
		return pw_error_set(err, "Postgres.ConnectionFailed",
				    "out of memory");
	int nconn = 0, rc = PW_OK;
	for (int i = 0; i < k; i++) {
		pw_error cerr;
		if (pgw_connect(spec, &opts->session, &w[i].conn, &cerr) !=
		    PW_OK) {
			if (nconn == 0) {
				*err = cerr;
				rc = PW_ERR;
				goto out;
			}
			pgw_log(env, PW_LOG_WARN,
				"connection %d of %d failed, going on with %d: "
				"%s",
				i + 1, k, nconn, cerr.cause);
			break;
		}
		nconn++;
	}
	int nstarted = 0;
	for (int i = 0; i < nconn; i++) {
		w[i].sh = &sh;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) == 0) {
			w[i].started = 1;
			nstarted++;
		}
	}
	if (nstarted == 0) {
		rc = pw_error_set(err, "Postgres.ConnectionFailed",
				  "cannot start worker threads");
		goto out;
	}
	int64_t total = 0, t0 = pgw_now_ms(), last_progress = t0;
	for (size_t i = 0; i < n; i++)
		total += jobs[i].planned_blocks;
	progress(env, &sh, total, t0);
	while (atomic_load(&sh.finished) < nstarted) {
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
		if (env_wants_stop(env))
			atomic_store(&sh.stop, 1);
		if (pgw_now_ms() - last_progress >= 1000) {
			progress(env, &sh, total, t0);
			last_progress = pgw_now_ms();
		}
	}
	for (int i = 0; i < nconn; i++)
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
	progress(env, &sh, total, t0);
	*timed_out = atomic_load(&sh.stop) || pgw_now_ms() >= sh.deadline;
	if (!*timed_out) {
		/* Finished early only because every job ran. */
		*timed_out = 0;
	} else {
		int any_left = 0;
		for (size_t i = 0; i < n; i++)
			if (jobs[i].state == PGW_JOB_PENDING ||
			    jobs[i].state == PGW_JOB_CANCELLED)
				any_left = 1;
		*timed_out = any_left;
	}
out:
	for (int i = 0; i < k; i++)
		PQfinish(w[i].conn);
	free(w);
	return rc;
}
