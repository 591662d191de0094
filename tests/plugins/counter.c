/*
 * counter - a test-only plugin. Every action appends one line to the file
 * named by $PW_COUNTER_LOG (when set), so tests can see exactly which
 * actions ran and how often:
 *   Bump   (mutates)   "Bump <Name>"  -> {"Name": ..., "Count": n}
 *   Read   (read-only) "Read <Name>"  -> {"Name": ..., "DryRun": bool}
 *   Sleep  (read-only) sleeps Ms on the host clock, then "Sleep <Name>"
 *   Nap    (read-only, PW_ACTION_THREAD_SAFE) the same as Sleep, but may
 *          run in several threads at once ("NapStart", "Nap <Name>")
 *   Fail   (read-only) fails with Error/Cause the first Times calls per
 *          Name, then succeeds with {"Attempts": n}
 *   Secret (read-only) "Secret <Name>": registers Secret (or, with
 *          Generate, a secret of its own) with the host, logs it, returns
 *          it as {"Token": ...}
 *   Echo   (read-only) returns its parameters
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <prewarm/plugin.h>

struct counter {
	const struct pw_host_api *host;
	json_object *fails; /* Name -> calls so far */
	int bumps;
};

static const char *str_param(json_object *p, const char *key, const char *dflt)
{
	json_object *v;
	return json_object_object_get_ex(p, key, &v) ? json_object_get_string(v) : dflt;
}

static int64_t int_param(json_object *p, const char *key, int64_t dflt)
{
	json_object *v;
	return json_object_object_get_ex(p, key, &v) ? json_object_get_int64(v) : dflt;
}

static void record(const char *what, const char *name)
{
	const char *path = getenv("PW_COUNTER_LOG");
	if (path == NULL)
		return;
	FILE *f = fopen(path, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s %s\n", what, name);
	fclose(f);
}

static int init(const struct pw_host_api *host, json_object *config, void **state, pw_error *err)
{
	(void)config;
	struct counter *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return pw_error_set(err, "Counter.NoMemory", "out of memory");
	c->host = host;
	c->fails = json_object_new_object();
	*state = c;
	return PW_OK;
}

static void fini(void *state)
{
	struct counter *c = state;
	json_object_put(c->fails);
	free(c);
}

static int bump(void *state, pw_call *call, json_object *params, json_object **result,
		pw_error *err)
{
	struct counter *c = state;
	(void)call;
	(void)err;
	const char *name = str_param(params, "Name", "-");
	record("Bump", name);
	*result = json_object_new_object();
	json_object_object_add(*result, "Name", json_object_new_string(name));
	json_object_object_add(*result, "Count", json_object_new_int(++c->bumps));
	return PW_OK;
}

static int read_action(void *state, pw_call *call, json_object *params, json_object **result,
		       pw_error *err)
{
	struct counter *c = state;
	(void)err;
	const char *name = str_param(params, "Name", "-");
	record("Read", name);
	*result = json_object_new_object();
	json_object_object_add(*result, "Name", json_object_new_string(name));
	json_object_object_add(*result, "DryRun", json_object_new_boolean(c->host->is_dry_run(call)));
	return PW_OK;
}

/* Sleep and Nap: records START NAME, sleeps Ms on the host clock, then
 * records DONE NAME and returns {KEY: NAME}. */
static int sleep_as(void *state, pw_call *call, json_object *params, json_object **result,
		    pw_error *err, const char *start, const char *done, const char *key)
{
	struct counter *c = state;
	const char *name = str_param(params, "Name", "-");
	record(start, name);
	if (c->host->sleep_ms(call, int_param(params, "Ms", 1000)) != PW_OK)
		return pw_error_set(err, "States.Timeout", "%s %s interrupted", done, name);
	record(done, name);
	*result = json_object_new_object();
	json_object_object_add(*result, key, json_object_new_string(name));
	return PW_OK;
}

static int sleep_action(void *state, pw_call *call, json_object *params, json_object **result,
			pw_error *err)
{
	return sleep_as(state, call, params, result, err, "SleepStart", "Sleep", "Slept");
}

/* Touches nothing shared (each record() opens the file O_APPEND itself). */
static int nap_action(void *state, pw_call *call, json_object *params, json_object **result,
		      pw_error *err)
{
	return sleep_as(state, call, params, result, err, "NapStart", "Nap", "Napped");
}

static int fail_action(void *state, pw_call *call, json_object *params, json_object **result,
		       pw_error *err)
{
	struct counter *c = state;
	(void)call;
	const char *name = str_param(params, "Name", "-");
	json_object *n;
	int64_t calls = json_object_object_get_ex(c->fails, name, &n) ? json_object_get_int64(n) : 0;
	json_object_object_add(c->fails, name, json_object_new_int64(++calls));
	record("Fail", name);
	if (calls <= int_param(params, "Times", 1))
		return pw_error_set(err, str_param(params, "Error", "Counter.Failed"), "%s",
				    str_param(params, "Cause", "asked to fail"));
	*result = json_object_new_object();
	json_object_object_add(*result, "Attempts", json_object_new_int64(calls));
	return PW_OK;
}

static int secret_action(void *state, pw_call *call, json_object *params, json_object **result,
			 pw_error *err)
{
	struct counter *c = state;
	(void)err;
	/* Like a secrets plugin: the secret comes from outside the workflow
	 * (Generate) or from the parameters (Secret). */
	const char *secret = json_object_object_get_ex(params, "Generate", NULL)
				     ? "gen-s3cr3t-from-the-vault"
				     : str_param(params, "Secret", "");
	record("Secret", str_param(params, "Name", "-"));
	c->host->add_secret(secret);
	c->host->log(call, PW_LOG_INFO, "using secret %s", secret);
	*result = json_object_new_object();
	json_object_object_add(*result, "Token", json_object_new_string(secret));
	return PW_OK;
}

static int echo(void *state, pw_call *call, json_object *params, json_object **result,
		pw_error *err)
{
	(void)state;
	(void)call;
	(void)err;
	*result = json_object_get(params);
	return PW_OK;
}

static const char *const bump_required[] = {"Name", NULL};

static const struct pw_action actions[] = {
	{"Bump", "count one mutating call", PW_ACTION_MUTATES, bump, NULL, bump_required},
	{"Read", "record one read-only call", 0, read_action, NULL, NULL},
	{"Sleep", "sleep Ms milliseconds on the host clock", 0, sleep_action, NULL, NULL},
	{"Nap", "sleep Ms milliseconds, in any number of threads at once",
	 PW_ACTION_THREAD_SAFE, nap_action, NULL, NULL},
	{"Fail", "fail the first Times calls per Name", 0, fail_action, NULL, NULL},
	{"Secret", "register and log a secret", 0, secret_action, NULL, NULL},
	{"Echo", "return the parameters", 0, echo, NULL, NULL},
};

static const char *const services[] = {"counterservice", NULL};

static const struct pw_plugin plugin = {
	PW_PLUGIN_HEADER,
	.name = "counter",
	.version = "1.0",
	.summary = "test plugin that records its calls",
	.sdk_services = services,
	.init = init,
	.fini = fini,
	.actions = actions,
	.n_actions = sizeof(actions) / sizeof(actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &plugin;
}
