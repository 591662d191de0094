/*
 * watch_metrics - `prewarm watch`'s Prometheus metrics, as a textfile for
 * a node exporter's textfile collector (watch.metrics_file). The file is
 * written to PATH.tmp and renamed over PATH, so the collector never reads
 * half a file; it is written only when a value changed.
 *
 * Counters count since the service started (Prometheus takes a restart as
 * a counter reset); gauges are the service's current view.
 */
#include "pw_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_clock.h"
#include "pw_history.h"
#include "pw_log.h"
#include "pw_out.h"

struct pw_watch_metrics {
	char *path;
	json_object *executions; /* "workflow\x1foutcome" -> count */
	json_object *warms;      /* cluster -> {seconds, quality, filled, blocks, at} */
	double last_poll, last_reconcile; /* epoch s; 0: never */
	int in_flight, running;
	int dirty, failing;
};

static const char *const outcomes[] = {"succeeded", "failed", "interrupted"};

static void count_key(char *buf, size_t len, const char *workflow, const char *outcome)
{
	snprintf(buf, len, "%s\x1f%s", workflow, outcome);
}

struct pw_watch_metrics *pw_watch_metrics_new(const char *path, const struct pw_watch_config *wc)
{
	if (path == NULL)
		return NULL;
	struct pw_watch_metrics *m = calloc(1, sizeof(*m));
	if (m == NULL || (m->path = strdup(path)) == NULL) {
		free(m);
		return NULL;
	}
	m->executions = json_object_new_object();
	m->warms = json_object_new_object();
	m->dirty = 1;
	/* Every route's series exist from the start: rate() needs the zero. */
	for (int i = 0; i < PW_WATCH_N_ROUTES; i++) {
		char name[256], key[300];
		pw_history_workflow_name(wc->workflows[i], name, sizeof(name));
		for (size_t k = 0; k < sizeof(outcomes) / sizeof(outcomes[0]); k++) {
			count_key(key, sizeof(key), name, outcomes[k]);
			json_object_object_add(m->executions, key, json_object_new_int64(0));
		}
	}
	return m;
}

void pw_watch_metrics_free(struct pw_watch_metrics *m)
{
	if (m == NULL)
		return;
	json_object_put(m->executions);
	json_object_put(m->warms);
	free(m->path);
	free(m);
}

static double now_s(void)
{
	return (double)pw_clock_system()->wall_ms(NULL) / 1000.0;
}

static double number(json_object *o, const char *k)
{
	json_object *v;
	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return NAN;
	return json_object_get_double(v);
}

void pw_watch_metrics_execution(struct pw_watch_metrics *m, const char *workflow, int is_reconcile,
				const char *outcome, json_object *output)
{
	char name[256], key[300];
	json_object *v, *report, *cluster;
	if (m == NULL)
		return;
	pw_history_workflow_name(workflow, name, sizeof(name));
	count_key(key, sizeof(key), name, outcome);
	int64_t n = json_object_object_get_ex(m->executions, key, &v) ? json_object_get_int64(v) : 0;
	json_object_object_add(m->executions, key, json_object_new_int64(n + 1));
	m->dirty = 1;
	if (strcmp(outcome, "succeeded") != 0)
		return;
	if (is_reconcile)
		m->last_reconcile = now_s();
	/* A warm report: aurora-replica-prewarm's output {DBClusterIdentifier, Report}. */
	if (!json_object_object_get_ex(output, "Report", &report) ||
	    !json_object_object_get_ex(output, "DBClusterIdentifier", &cluster) ||
	    !json_object_is_type(cluster, json_type_string) || isnan(number(report, "seconds")))
		return;
	json_object *w = json_object_new_object();
	static const char *const fields[] = {"seconds", "source_hot_resident", "shared_buffers_filled",
					     "blocks_loaded"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!isnan(number(report, fields[i])))
			json_object_object_add(w, fields[i], json_object_new_double(number(report, fields[i])));
	json_object_object_add(w, "at", json_object_new_double(now_s()));
	json_object_object_add(m->warms, json_object_get_string(cluster), w);
}

void pw_watch_metrics_polled(struct pw_watch_metrics *m)
{
	if (m == NULL)
		return;
	m->last_poll = now_s();
	m->dirty = 1;
}

/* A label value (n bytes) as the exposition format wants it: \\, \" and
 * \n escaped. */
static void put_label_n(FILE *f, const char *s, size_t n)
{
	for (const char *end = s + n; s < end; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_label(FILE *f, const char *s)
{
	put_label_n(f, s, strlen(s));
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample value as the exposition format spells it: C's printf writes
 * an infinity as "inf", which Prometheus refuses (the whole file with it). */
static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.15g", v);
}

/* One gauge per cluster from field of each cluster's last warm. */
static void warm_gauge(FILE *f, json_object *warms, const char *name, const char *field,
		       const char *help)
{
	int any = 0;
	json_object_object_foreach(warms, cluster, w) {
		double v = number(w, field);
		if (isnan(v))
			continue;
		if (!any++)
			header(f, name, "gauge", help);
		fprintf(f, "%s{cluster=\"", name);
		put_label(f, cluster);
		fputs("\"} ", f);
		put_value(f, v);
		fputc('\n', f);
	}
}

static void render(struct pw_watch_metrics *m, FILE *f)
{
	header(f, "prewarm_executions_total", "counter",
	       "Executions the watch service saw end, by workflow and outcome (interrupted: did not finish).");
	json_object_object_foreach(m->executions, key, count) {
		const char *sep = strchr(key, '\x1f');
		fputs("prewarm_executions_total{workflow=\"", f);
		put_label_n(f, key, (size_t)(sep - key));
		fputs("\",outcome=\"", f);
		put_label(f, sep + 1);
		fprintf(f, "\"} %lld\n", (long long)json_object_get_int64(count));
	}
	header(f, "prewarm_queue_messages_in_flight", "gauge",
	       "SQS messages received and not yet deleted (their executions are running).");
	fprintf(f, "prewarm_queue_messages_in_flight %d\n", m->in_flight);
	header(f, "prewarm_executions_running", "gauge", "Executions running now (children of the service).");
	fprintf(f, "prewarm_executions_running %d\n", m->running);
	header(f, "prewarm_last_successful_poll_timestamp_seconds", "gauge",
	       "When SQS (or RDS polling) last answered the service; 0: not yet.");
	fprintf(f, "prewarm_last_successful_poll_timestamp_seconds %.3f\n", m->last_poll);
	header(f, "prewarm_last_successful_reconcile_timestamp_seconds", "gauge",
	       "When a reconcile execution last succeeded; 0: not since the service started.");
	fprintf(f, "prewarm_last_successful_reconcile_timestamp_seconds %.3f\n", m->last_reconcile);
	warm_gauge(f, m->warms, "prewarm_last_warm_seconds", "seconds",
		   "How long the cluster's last successful warm took (the warm report's seconds).");
	warm_gauge(f, m->warms, "prewarm_last_warm_source_hot_resident_ratio", "source_hot_resident",
		   "Quality of the cluster's last warm: share of the source's hot blocks resident on the new reader.");
	warm_gauge(f, m->warms, "prewarm_last_warm_shared_buffers_filled_ratio", "shared_buffers_filled",
		   "Share of the new reader's shared_buffers the cluster's last warm filled.");
	warm_gauge(f, m->warms, "prewarm_last_warm_blocks_loaded", "blocks_loaded",
		   "Blocks the cluster's last warm loaded.");
	warm_gauge(f, m->warms, "prewarm_last_warm_timestamp_seconds", "at",
		   "When the cluster's last successful warm ended.");
}

int pw_watch_metrics_flush(struct pw_watch_metrics *m, int in_flight, int running)
{
	if (m == NULL)
		return 0;
	if (in_flight != m->in_flight || running != m->running) {
		m->in_flight = in_flight;
		m->running = running;
		m->dirty = 1;
	}
	if (!m->dirty)
		return 0;
	char *text = NULL, tmp[4200];
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (mem == NULL)
		return -1;
	render(m, mem);
	int ok = fclose(mem) == 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", m->path);
	/* 0644: the node exporter runs as another user. Not .prom: the
	 * collector ignores the temporary file. */
	int fd = ok ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	ok = fd >= 0 && pw_out_write_fd(fd, text) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, m->path) != 0)
		ok = 0;
	free(text);
	if (!ok) {
		if (!m->failing)
			pw_log(PW_LOG_WARN, "watch", "cannot write the metrics file %s: %s", m->path,
			       strerror(errno));
		m->failing = 1;
		unlink(tmp);
		return -1;
	}
	if (m->failing)
		pw_log(PW_LOG_INFO, "watch", "metrics file %s written again", m->path);
	m->failing = 0;
	m->dirty = 0;
	return 0;
}
