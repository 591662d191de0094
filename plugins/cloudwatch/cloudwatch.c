/*
 * cloudwatch - Amazon CloudWatch metrics for workflows: read a metric
 * (e.g. AuroraReplicaLag before warming) and publish ours (warm-up
 * duration and quality). See plugins/PLUGINS.md.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_plugin.h"

struct cw_state {
	const struct pw_host_api *host;
	struct awsp_conn conn;
};

static const char *const list_names[] = {"Datapoints", "Dimensions",
					 "MetricDataResults", NULL};
static const struct pw_aws_query_shape cw_shape = {
	.error_prefix = "CloudWatch",
	.api_version = "2010-08-01",
	.list_names = list_names,
	.request_list_item_names = NULL,
};

static const char *const api_names[] = {
	"Namespace", "MetricName", "Dimensions", "Name", "Value", "StartTime",
	"EndTime", "Period", "Statistics", "ExtendedStatistics", "Unit",
	"MetricData", "Timestamp", "StatisticValues", "SampleCount", "Sum",
	"Minimum", "Maximum", "Values", "Counts", "StorageResolution",
	"LookbackSeconds", NULL,
};

static const char *const number_keys[] = {"Average", "Sum", "Minimum",
					  "Maximum", "SampleCount", NULL};

static int query(struct cw_state *st, pw_call *call, const char *action,
		 json_object *params, json_object **result, pw_error *err)
{
	pw_aws_client *c;

	*result = NULL;
	if (awsp_client(&st->conn, call, &c, err) != PW_OK)
		return PW_ERR;
	return pw_aws_query(c, &cw_shape, action, params, result, err);
}

static void iso8601(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Datapoint statistics arrive as text; make them numbers. */
static void type_datapoint(json_object *dp)
{
	for (const char *const *k = number_keys; *k; k++) {
		json_object *v;

		if (json_object_object_get_ex(dp, *k, &v) &&
		    json_object_is_type(v, json_type_string)) {
			char *end;
			double d = strtod(json_object_get_string(v), &end);

			if (*end == '\0')
				json_object_object_add(dp, *k, json_object_new_double(d));
		}
	}
}

static int by_timestamp(const void *a, const void *b)
{
	const char *ta = awsp_get_str(*(json_object *const *)a, "Timestamp");
	const char *tb = awsp_get_str(*(json_object *const *)b, "Timestamp");

	return strcmp(ta ? ta : "", tb ? tb : "");
}

/*
 * GetMetricStatistics. Defaults a workflow would otherwise have to
 * compute: EndTime now, StartTime now - LookbackSeconds (600),
 * Period 60, Statistics ["Average"]. Datapoints come back sorted by
 * Timestamp (AWS returns them unordered), plus "Latest": the newest one.
 */
static int get_metric_statistics(void *state, pw_call *call, json_object *params,
				 json_object **result, pw_error *err)
{
	static const char *const drop[] = {"LookbackSeconds", NULL};
	struct cw_state *st = state;
	const char *ns = NULL, *name = NULL;
	int64_t lookback = 600;
	json_object *req, *res = NULL, *dps;
	char buf[32];

	*result = NULL;
	if (awsp_str(params, "Namespace", 1, "CloudWatch", &ns, err) != PW_OK ||
	    awsp_str(params, "MetricName", 1, "CloudWatch", &name, err) != PW_OK ||
	    awsp_int(params, "LookbackSeconds", 0, "CloudWatch", &lookback, err) !=
		    PW_OK)
		return PW_ERR;
	if (lookback <= 0)
		return pw_error_set(err, "CloudWatch.InvalidParameter",
				    "LookbackSeconds must be positive");
	req = awsp_without(params, drop);
	if (!json_object_object_get_ex(req, "EndTime", NULL)) {
		iso8601(time(NULL), buf, sizeof(buf));
		json_object_object_add(req, "EndTime", json_object_new_string(buf));
	}
	if (!json_object_object_get_ex(req, "StartTime", NULL)) {
		/* Relative to now, whatever EndTime is. */
		iso8601(time(NULL) - (time_t)lookback, buf, sizeof(buf));
		json_object_object_add(req, "StartTime", json_object_new_string(buf));
	}
	if (!json_object_object_get_ex(req, "Period", NULL))
		json_object_object_add(req, "Period", json_object_new_int(60));
	if (!json_object_object_get_ex(req, "Statistics", NULL) &&
	    !json_object_object_get_ex(req, "ExtendedStatistics", NULL)) {
		json_object *s = json_object_new_array();

		json_object_array_add(s, json_object_new_string("Average"));
		json_object_object_add(req, "Statistics", s);
	}
	if (query(st, call, "GetMetricStatistics", req, &res, err) != PW_OK) {
		json_object_put(req);
		return PW_ERR;
	}
	json_object_put(req);
	if (!json_object_object_get_ex(res, "Datapoints", &dps) ||
	    !json_object_is_type(dps, json_type_array)) {
		dps = json_object_new_array();
		json_object_object_add(res, "Datapoints", dps);
	}
	for (size_t i = 0; i < json_object_array_length(dps); i++)
		type_datapoint(json_object_array_get_idx(dps, i));
	json_object_array_sort(dps, by_timestamp);
	if (json_object_array_length(dps) > 0)
		json_object_object_add(res, "Latest", json_object_get(json_object_array_get_idx(
						      dps, json_object_array_length(dps) - 1)));
	*result = res;
	return PW_OK;
}

static int put_metric_data(void *state, pw_call *call, json_object *params,
			   json_object **result, pw_error *err)
{
	struct cw_state *st = state;
	const char *ns = NULL;
	json_object *data, *res = NULL;

	*result = NULL;
	if (awsp_str(params, "Namespace", 1, "CloudWatch", &ns, err) != PW_OK)
		return PW_ERR;
	if (!json_object_object_get_ex(params, "MetricData", &data) ||
	    !json_object_is_type(data, json_type_array) ||
	    json_object_array_length(data) == 0)
		return pw_error_set(err, "CloudWatch.InvalidParameter",
				    "MetricData must be a non-empty list");
	if (query(st, call, "PutMetricData", params, &res, err) != PW_OK)
		return PW_ERR;
	json_object_put(res);
	*result = json_object_new_object();
	return PW_OK;
}

#define CW_ACTION(fn, body)                                                   \
	static int fn(void *state, pw_call *call, json_object *params,        \
		      json_object **result, pw_error *err)                    \
	{                                                                     \
		struct cw_state *st = state;                                  \
		return awsp_run(st->host, api_names, body, state, call, params, \
				result, err);                                 \
	}

CW_ACTION(act_get_metric_statistics, get_metric_statistics)
CW_ACTION(act_put_metric_data, put_metric_data)

static const char *const req_get[] = {"Namespace", "MetricName", NULL};
static const char *const req_put[] = {"Namespace", "MetricData", NULL};

static const struct pw_action cw_actions[] = {
	{"GetMetricStatistics",
	 "statistics of a metric, Datapoints sorted by Timestamp", PW_ACTION_THREAD_SAFE,
	 act_get_metric_statistics, NULL, req_get},
	{"PutMetricData", "publish metric values",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_put_metric_data, NULL, req_put},
};

static int cw_init(const struct pw_host_api *host, json_object *config,
		   void **state, pw_error *err)
{
	struct cw_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	st->host = host;
	if (awsp_conn_init(&st->conn, host, config, "monitoring", NULL,
			   "CLOUDWATCH", err) != PW_OK) {
		free(st);
		return PW_ERR;
	}
	*state = st;
	return PW_OK;
}

static void cw_fini(void *state)
{
	struct cw_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->conn);
	free(st);
}

static const char *const cw_sdk_services[] = {"cloudwatch", NULL};

static const struct pw_plugin cw_plugin = {
	PW_PLUGIN_HEADER,
	.name = "cloudwatch",
	.version = "0.1.0",
	.summary = "Amazon CloudWatch metrics: read (replica lag) and publish",
	.sdk_services = cw_sdk_services,
	.init = cw_init,
	.fini = cw_fini,
	.actions = cw_actions,
	.n_actions = sizeof(cw_actions) / sizeof(cw_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &cw_plugin;
}
