/*
 * pgw_parallel - runs a queue of statements over K libpq connections.
 *
 * K worker threads (pthreads), each with its own read-only connection, take
 * the next job from a shared queue (an atomic index), so the queue order is
 * the load order (hottest first). Every statement runs in its own
 * autocommit transaction: a failure is recorded on its job and the worker
 * goes on. When the deadline passes, or the caller's env says stop, each
 * worker cancels its in-flight statement (PQcancel) and takes no more jobs.
 * Host callbacks (env) are only called from the calling thread.
 */
#ifndef PGW_PARALLEL_H
#define PGW_PARALLEL_H

#include "pgw_conn.h"

enum pgw_job_state {
	PGW_JOB_PENDING = 0, /* never started (deadline, budget, stop) */
	PGW_JOB_OK,
	PGW_JOB_FAILED,
	PGW_JOB_CANCELLED, /* started, cancelled at the deadline */
};

typedef struct pgw_job {
	/* Input, owned by the job (pgw_jobs_free frees them). */
	char *sql;
	int nparams;
	char **params;
	int64_t planned_blocks; /* for progress and the report */
	int tag;                /* caller's index (query, relation...) */
	char *label;            /* what it loads, for progress; may be NULL */
	/* Output, written by the worker that ran it. */
	enum pgw_job_state state;
	char *value; /* first column of the first row, or NULL */
	char *error; /* redacted server message when FAILED */
} pgw_job;

/* Makes a job that owns copies of sql and params; -1 when out of memory
 * (free the half-built job with pgw_jobs_free all the same). */
int pgw_job_init(pgw_job *job, const char *sql, int nparams,
		 const char *const *params, int64_t planned_blocks, int tag);
void pgw_jobs_free(pgw_job *jobs, size_t n);
/* Sets job->label to "database DB, relation REL" (-1: out of memory). */
int pgw_job_label(pgw_job *job, const char *db, const char *rel);

typedef struct pgw_run_opts {
	int parallel;       /* K >= 1 */
	int64_t deadline;   /* absolute pgw_now_ms(); INT64_MAX: none */
	pgw_session_opts session;
} pgw_run_opts;

/* Runs jobs, calling env->progress when they start, every second and at
 * the end: "progress: DONE of PLANNED blocks (P%), R MB/s, ETA S s,
 * LABEL" (the label of the job started last). Returns PW_OK when every job was attempted or the deadline /
 * a stop request ended the run early (*timed_out then says so; pending
 * jobs stay PENDING). PW_ERR only when no connection could be opened
 * (Postgres.ConnectionFailed). */
int pgw_run_jobs(const pgw_env *env, const pgw_conn_spec *spec,
		 const pgw_run_opts *opts, pgw_job *jobs, size_t n,
		 int *timed_out, pw_error *err);

/* Monotonic clock in milliseconds. */
int64_t pgw_now_ms(void);

#endif
