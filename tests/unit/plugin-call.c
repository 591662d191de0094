/*
 * plugin-call - a test-only loader: dlopen one plugin, give it a minimal
 * host API, call one action with JSON parameters, print the result.
 *
 *   plugin-call [--dry-run] [--sdk] [--repeat N] [--timeout-ms N]
 *               [--get KEY[.KEY...]] [--config JSON] PLUGIN ACTION
 *               [PARAMS-JSON]
 *
 * PLUGIN is a path to a .so or a plugin name looked up as NAME.so in
 * $PREWARM_PLUGIN_PATH. Prints the result JSON on stdout and exits 0, or
 * {"Error": ..., "Cause": ...} on stdout and exits 1 (2 for usage and
 * loading errors). Registered secrets are replaced by "***" in everything
 * it prints. --repeat calls the action N times (benchmarks) and prints
 * the last result; --get prints only that member of the result (so a
 * test can look at one field of a result that redaction would hide);
 * --config passes the plugin its config object (as `plugins: NAME:` in a
 * prewarm config file would).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <prewarm/plugin.h>

struct pw_call {
	int dry_run;
	int sdk;
	int64_t deadline_ms; /* monotonic; INT64_MAX: none */
	const char *action;
};

static char **secrets;
static size_t n_secrets;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns a malloc'd copy of s with every registered secret replaced. */
static char *redact(const char *s)
{
	char *out = strdup(s);

	for (size_t i = 0; out != NULL && i < n_secrets; i++) {
		const char *sec = secrets[i];
		size_t sl = strlen(sec);
		char *hit;

		while ((hit = strstr(out, sec)) != NULL) {
			size_t pre = (size_t)(hit - out), rest = strlen(hit + sl);
			char *n = malloc(pre + 3 + rest + 1);

			if (n == NULL)
				break;
			memcpy(n, out, pre);
			memcpy(n + pre, "***", 3);
			memcpy(n + pre + 3, hit + sl, rest + 1);
			free(out);
			out = n;
		}
	}
	return out;
}

static void emit(FILE *f, const char *s)
{
	char *r = redact(s);

	fputs(r ? r : "(out of memory)", f);
	fputc('\n', f);
	fflush(f);
	free(r);
}

static void PW_PRINTF(3, 4) host_log(pw_call *call, enum pw_log_level level,
				     const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char line[8192];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "[%s] %s: ",
		     (unsigned)level < 4 ? names[level] : "?",
		     call && call->action ? call->action : "-");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	emit(stderr, line);
}

/* Kept longest first: a secret that contains another (a token and its
 * signature) must be replaced whole before its parts are. */
static void host_add_secret(const char *secret)
{
	char **grown, *copy;
	size_t at, len;

	if (secret == NULL || (len = strlen(secret)) < 4)
		return;
	grown = realloc(secrets, (n_secrets + 1) * sizeof(*secrets));
	if (grown == NULL)
		return;
	secrets = grown;
	copy = strdup(secret);
	if (copy == NULL)
		return;
	for (at = 0; at < n_secrets && strlen(secrets[at]) >= len; at++)
		;
	memmove(secrets + at + 1, secrets + at, (n_secrets - at) * sizeof(*secrets));
	secrets[at] = copy;
	n_secrets++;
}

static int host_is_dry_run(pw_call *call)
{
	return call ? call->dry_run : 0;
}

static int64_t host_remaining_ms(pw_call *call)
{
	if (call == NULL || call->deadline_ms == INT64_MAX)
		return INT64_MAX;
	return call->deadline_ms - now_ms();
}

static int host_is_cancelled(pw_call *call)
{
	return host_remaining_ms(call) <= 0;
}

static int host_sleep_ms(pw_call *call, int64_t ms)
{
	int64_t left = host_remaining_ms(call);
	struct timespec ts;

	if (call != NULL && call->dry_run)
		return PW_OK;
	if (ms > left)
		ms = left;
	if (ms > 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return host_remaining_ms(call) > 0 ? PW_OK : PW_ERR;
}

static void PW_PRINTF(2, 3) host_progress(pw_call *call, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(stderr, line);
}

static int host_sdk_names(pw_call *call)
{
	return call ? call->sdk : 0;
}

static int host_invoke(pw_call *call, const char *resource, json_object *params,
		       json_object **result, pw_error *err)
{
	(void)call;
	(void)params;
	*result = NULL;
	return pw_error_set(err, "States.Runtime",
			    "plugin-call cannot invoke %s", resource);
}

static const char *host_var(pw_call *call, const char *name)
{
	(void)call;
	(void)name;
	return NULL;
}

static const struct pw_host_api host = {
	.abi_major = PW_PLUGIN_ABI_MAJOR,
	.abi_minor = PW_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct pw_host_api),
	.log = host_log,
	.add_secret = host_add_secret,
	.is_dry_run = host_is_dry_run,
	.remaining_ms = host_remaining_ms,
	.is_cancelled = host_is_cancelled,
	.sleep_ms = host_sleep_ms,
	.progress = host_progress,
	.sdk_names = host_sdk_names,
	.invoke = host_invoke,
	.var = host_var,
	.redact = redact,
};

/* NAME -> first DIR/NAME.so on $PREWARM_PLUGIN_PATH; a path stays. */
static char *resolve(const char *plugin)
{
	const char *path = getenv("PREWARM_PLUGIN_PATH");
	char *copy, *save = NULL, *found = NULL;

	if (strchr(plugin, '/') != NULL || path == NULL)
		return strdup(plugin);
	copy = strdup(path);
	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char buf[4096];

		snprintf(buf, sizeof(buf), "%s/%s.so", dir, plugin);
		if (access(buf, R_OK) == 0)
			found = strdup(buf);
	}
	free(copy);
	return found ? found : strdup(plugin);
}

static int print_error(const char *name, const char *cause)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Error", json_object_new_string(name));
	json_object_object_add(o, "Cause", json_object_new_string(cause));
	emit(stdout, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: plugin-call [--dry-run] [--sdk] [--repeat N] "
			"[--timeout-ms N] [--get KEY[.KEY...]] [--config JSON] PLUGIN ACTION "
			"[PARAMS-JSON]\n");
	return 2;
}

/* result["a"]["b"] for "a.b"; borrowed; NULL when absent. */
static json_object *get_path(json_object *v, const char *path)
{
	char *copy = strdup(path), *save = NULL;

	for (char *k = strtok_r(copy, ".", &save); k && v;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, k, &v))
			v = NULL;
	free(copy);
	return v;
}

static int parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct pw_call call = {.deadline_ms = INT64_MAX};
	long repeat = 1, timeout = -1;
	const char *get = NULL;
	const struct pw_plugin *plugin;
	const struct pw_action *action = NULL;
	pw_plugin_entry_fn entry;
	json_object *params = NULL, *result = NULL, *config = NULL;
	void *handle = NULL, *state = NULL;
	pw_error err = {{0}, {0}};
	char *so;
	int i, rc = 2;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			call.dry_run = 1;
		else if (strcmp(argv[i], "--sdk") == 0)
			call.sdk = 1;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc &&
			 parse_long(argv[i + 1], &repeat) == 0 && repeat > 0)
			i++;
		else if (strcmp(argv[i], "--get") == 0 && i + 1 < argc)
			get = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc &&
			 config == NULL &&
			 json_object_is_type(config = json_tokener_parse(argv[i + 1]),
					     json_type_object))
			i++;
		else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc &&
			 parse_long(argv[i + 1], &timeout) == 0)
			i++;
		else
			return usage();
	}
	if (argc - i < 2 || argc - i > 3)
		return usage();
	if (timeout >= 0)
		call.deadline_ms = now_ms() + timeout;
	params = argc - i == 3 ? json_tokener_parse(argv[i + 2])
			       : json_object_new_object();
	if (!json_object_is_type(params, json_type_object)) {
		fprintf(stderr, "plugin-call: PARAMS-JSON must be a JSON object\n");
		goto out;
	}
	so = resolve(argv[i]);
	handle = so ? dlopen(so, RTLD_NOW | RTLD_LOCAL) : NULL;
	free(so);
	if (handle == NULL) {
		fprintf(stderr, "plugin-call: cannot load %s: %s\n", argv[i],
			dlerror());
		goto out;
	}
	*(void **)&entry = dlsym(handle, PW_PLUGIN_ENTRY_SYMBOL);
	plugin = entry ? entry() : NULL;
	if (plugin == NULL || plugin->abi_major != PW_PLUGIN_ABI_MAJOR) {
		fprintf(stderr, "plugin-call: %s is not a plugin of ABI %d\n",
			argv[i], PW_PLUGIN_ABI_MAJOR);
		goto out;
	}
	/* The aws-sdk form spells actions in camelCase (describeDBInstances). */
	for (size_t a = 0; a < plugin->n_actions; a++)
		if (strcasecmp(plugin->actions[a].name, argv[i + 1]) == 0)
			action = &plugin->actions[a];
	call.action = argv[i + 1];
	if (action == NULL) {
		rc = print_error("States.Runtime", "no such action");
		goto out;
	}
	for (const char *const *r = action->required; r && *r; r++) {
		if (!json_object_object_get_ex(params, *r, NULL)) {
			char cause[256];

			snprintf(cause, sizeof(cause),
				 "missing required parameter %s", *r);
			rc = print_error("States.ValidationError", cause);
			goto out;
		}
	}
	if (plugin->init && plugin->init(&host, config, &state, &err) != PW_OK) {
		rc = print_error(err.name, err.cause);
		goto out;
	}
	rc = 0;
	for (long n = 0; n < repeat && rc == 0; n++) {
		int st;

		json_object_put(result);
		result = NULL;
		if (call.dry_run && (action->flags & PW_ACTION_MUTATES)) {
			if (action->dry_run) {
				st = action->dry_run(state, &call, params, &result, &err);
			} else {
				result = json_object_new_object();
				json_object_object_add(result, "DryRun",
						       json_object_new_boolean(1));
				st = PW_OK;
			}
		} else {
			st = action->run(state, &call, params, &result, &err);
		}
		if (st != PW_OK)
			rc = print_error(err.name, err.cause);
	}
	if (rc == 0)
		emit(stdout, json_object_to_json_string_ext(
				     get ? get_path(result, get) : result,
				     JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	if (plugin->fini)
		plugin->fini(state);
out:
	json_object_put(result);
	json_object_put(params);
	json_object_put(config);
	/* Plugins are not unloaded: libraries they pull in (curl, OpenSSL)
	 * register exit handlers, and tools like ASan want symbols. */
	for (size_t s = 0; s < n_secrets; s++)
		free(secrets[s]);
	free(secrets);
	return rc;
}
