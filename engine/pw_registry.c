/*
 * pw_registry - plugin search path, dlopen with ABI checks, resource
 * resolution, the host API given to plugins, and the call path shared by
 * Tasks, Lua's prewarm.call and `prewarm warm`.
 */
#include "pw_registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pw_log.h"
#include "pw_lambda.h"
#include "pw_lua_step.h"
#include "pw_resource.h"
#include "pw_trust.h"

#define MAX_DEPTH 8 /* nested prewarm.call / host invoke */

struct loaded {
	char *path;
	void *dl;
	const struct pw_plugin *desc;
	void *state;
	int initialized;
	/* Held around each call of an action without PW_ACTION_THREAD_SAFE:
	 * such a plugin sees one call at a time, whatever Map/Parallel do.
	 * Recursive: an action may invoke() another of its own plugin. */
	pthread_mutex_t serial;
};

struct pw_registry {
	char **dirs;
	size_t n_dirs;
	json_object *config; /* own reference, may be NULL */
	/* Loading, resolving and init() under `lock`: Map iterations and
	 * Parallel branches resolve resources from several threads. Each
	 * loaded plugin has its own allocation, so a pointer to it stays
	 * valid while another thread loads more. */
	pthread_mutex_t lock;
	struct loaded **plugins;
	size_t n, cap;
	int scanned;
	/* Files tried already (loaded or refused), so a scan never dlopens
	 * one twice. */
	char **tried;
	size_t n_tried;
};

/* What a resource names once resolved. */
struct target {
	int is_lua;
	const char *lua_path;      /* into the resource string */
	struct loaded *plugin;
	const struct pw_action *action;
	int sdk_names;
};

static _Thread_local const char *init_component = "plugin";

/* ---- search path and loading -------------------------------------- */

/* Adds one search path entry: an absolute path, resolved, and trusted
 * (pw_trust.h). A directory that does not exist is skipped (the
 * compiled-in default need not exist); an empty entry is skipped too (it
 * never means the current directory). `from` names where the entry came
 * from, for the error. */
static int add_dir(pw_registry *r, const char *dir, size_t len, const char *from,
		   pw_error *err)
{
	if (len == 0)
		return PW_OK;
	char entry[PATH_MAX], real[PATH_MAX], why[PATH_MAX + 200];
	int e = 0;
	if (len >= sizeof(entry))
		return pw_error_set(err, "Plugin.Refused", "%s: an entry is longer than %d bytes",
				    from, PATH_MAX - 1);
	memcpy(entry, dir, len);
	entry[len] = '\0';
	if (entry[0] != '/')
		return pw_error_set(err, "Plugin.Refused",
				    "%s: entry '%s' is a relative path: plugin directories must be "
				    "absolute (plugins never load relative to the current directory)",
				    from, entry);
	if (pw_trust_path(entry, 1, real, sizeof(real), why, sizeof(why), &e) != 0) {
		if (e == ENOENT) {
			pw_log(PW_LOG_DEBUG, "engine", "plugin directory %s does not exist", entry);
			return PW_OK;
		}
		return pw_error_set(err, "Plugin.Refused", "%s: plugin directory %s refused: %s",
				    from, entry, why);
	}
	char **grown = realloc(r->dirs, (r->n_dirs + 1) * sizeof(*grown));
	if (grown == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	r->dirs = grown;
	r->dirs[r->n_dirs] = strdup(real);
	if (r->dirs[r->n_dirs] == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	r->n_dirs++;
	return PW_OK;
}

int pw_registry_open(const char *search_path, json_object *config,
		     pw_registry **out, pw_error *err)
{
	return pw_registry_open_from(search_path, "plugin path", config, out, err);
}

int pw_registry_open_from(const char *search_path, const char *from, json_object *config,
			  pw_registry **out, pw_error *err)
{
	*out = NULL;
	pw_registry *r = calloc(1, sizeof(*r));
	if (r != NULL) {
		/* Recursive: resolving may scan, and scanning is public. */
		pthread_mutexattr_t attr;
		pthread_mutexattr_init(&attr);
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&r->lock, &attr);
		pthread_mutexattr_destroy(&attr);
	}
	if (r == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	if (search_path == NULL || search_path[0] == '\0') {
		search_path = getenv("PREWARM_PLUGIN_PATH");
		from = "PREWARM_PLUGIN_PATH";
	}
	if (search_path == NULL || search_path[0] == '\0') {
		search_path = PW_PLUGIN_DIR;
		from = "the compiled-in plugin directory";
	}
	for (const char *p = search_path;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		if (add_dir(r, p, len, from, err) != PW_OK) {
			pw_registry_close(r);
			return PW_ERR;
		}
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	r->config = config ? json_object_get(config) : NULL;
	*out = r;
	return PW_OK;
}

void pw_registry_close(pw_registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = r->n; i-- > 0;) {
		struct loaded *lp = r->plugins[i];
		if (lp->initialized && lp->desc->fini)
			lp->desc->fini(lp->state);
		dlclose(lp->dl);
		free(lp->path);
		pthread_mutex_destroy(&lp->serial);
		free(lp);
	}
	for (size_t i = 0; i < r->n_dirs; i++)
		free(r->dirs[i]);
	for (size_t i = 0; i < r->n_tried; i++)
		free(r->tried[i]);
	free(r->tried);
	free(r->dirs);
	free(r->plugins);
	json_object_put(r->config);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int was_tried(pw_registry *r, const char *path)
{
	for (size_t i = 0; i < r->n_tried; i++)
		if (strcmp(r->tried[i], path) == 0)
			return 1;
	char **grown = realloc(r->tried, (r->n_tried + 1) * sizeof(*grown));
	if (grown != NULL) {
		r->tried = grown;
		r->tried[r->n_tried] = strdup(path);
		if (r->tried[r->n_tried] != NULL)
			r->n_tried++;
	}
	return 0;
}

#define MAX_ACTIONS 1024   /* more is a corrupt descriptor, not a plugin */
#define MAX_LIST 256       /* sdk_services, an action's required list */

/* A NULL-terminated list of non-empty strings, each passing `ok` when it
 * is given. NULL list: fine. */
static int list_ok(const char *const *list, int (*ok)(const char *, size_t), char *bad,
		   size_t bad_len)
{
	for (size_t i = 0; list != NULL; i++) {
		if (i >= MAX_LIST) {
			snprintf(bad, bad_len, "has more than %d entries (missing NULL end?)", MAX_LIST);
			return 0;
		}
		if (list[i] == NULL)
			return 1;
		if (list[i][0] == '\0' || (ok != NULL && !ok(list[i], strlen(list[i])))) {
			snprintf(bad, bad_len, "entry %zu ('%.80s') is not a valid name", i, list[i]);
			return 0;
		}
	}
	return 1;
}

/* The whole descriptor, before anything uses it: a NULL where a string is
 * due, an unknown flag or two actions with one name would crash or confuse
 * the engine later (find_action, `prewarm plugins`). */
static int descriptor_ok(const char *path, const struct pw_plugin *d, pw_error *err)
{
	char bad[200];
	if (d->name == NULL || !pw_plugin_name_ok(d->name, strlen(d->name)))
		return pw_error_set(err, "Plugin.Refused",
				    "%s: plugin name %s%.80s%s is not 1 to %d of a-z, 0-9 and '-'",
				    path, d->name ? "'" : "", d->name ? d->name : "NULL",
				    d->name ? "'" : "", PW_PLUGIN_NAME_MAX);
	if (d->version == NULL || d->summary == NULL)
		return pw_error_set(err, "Plugin.Refused", "%s: plugin %s has no %s", path, d->name,
				    d->version == NULL ? "version" : "summary");
	if (!list_ok(d->sdk_services, pw_plugin_name_ok, bad, sizeof(bad)))
		return pw_error_set(err, "Plugin.Refused", "%s: plugin %s: sdk_services %s", path,
				    d->name, bad);
	if (d->n_actions == 0 || d->actions == NULL || d->n_actions > MAX_ACTIONS)
		return pw_error_set(err, "Plugin.Refused",
				    "%s: plugin %s has %s action table (1 to %d actions)", path,
				    d->name, d->actions == NULL ? "no" : "an empty or oversized",
				    MAX_ACTIONS);
	for (size_t i = 0; i < d->n_actions; i++) {
		const struct pw_action *a = &d->actions[i];
		if (a->name == NULL || !pw_action_name_ok(a->name, strlen(a->name)))
			return pw_error_set(err, "Plugin.Refused",
					    "%s: plugin %s: action %zu has %s name %s%.80s%s (1 to %d "
					    "of A-Z, a-z, 0-9, '_' and '-')", path, d->name, i,
					    a->name ? "an invalid" : "a NULL", a->name ? "'" : "",
					    a->name ? a->name : "", a->name ? "'" : "",
					    PW_ACTION_NAME_MAX);
		if (a->summary == NULL)
			return pw_error_set(err, "Plugin.Refused",
					    "%s: plugin %s: action %s has no summary (help line)", path,
					    d->name, a->name);
		if (a->flags & ~PW_ACTION_KNOWN_FLAGS)
			return pw_error_set(err, "Plugin.Refused",
					    "%s: plugin %s: action %s has unknown flags 0x%x", path,
					    d->name, a->name, a->flags & ~PW_ACTION_KNOWN_FLAGS);
		if (a->run == NULL)
			return pw_error_set(err, "Plugin.Refused",
					    "%s: plugin %s: action %s has no run function", path,
					    d->name, a->name);
		if (!list_ok(a->required, NULL, bad, sizeof(bad)))
			return pw_error_set(err, "Plugin.Refused",
					    "%s: plugin %s: action %s: required list %s", path,
					    d->name, a->name, bad);
		/* find_action falls back to a case-insensitive match (aws-sdk
		 * spells actions in lowerCamelCase), so names must differ in
		 * more than case. */
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(d->actions[j].name, a->name) == 0)
				return pw_error_set(err, "Plugin.Refused",
						    "%s: plugin %s: two actions are named %s", path,
						    d->name, a->name);
	}
	return PW_OK;
}

/* dlopen()s one file and checks its descriptor. On success appends it to
 * r->plugins (not initialized yet) and returns its index. Only a file the
 * trust rule accepts (pw_trust.h) is opened, by its resolved path. */
static int load_file(pw_registry *r, const char *path, pw_error *err)
{
	char real[PATH_MAX], why[PATH_MAX + 200];
	int e = 0;
	if (pw_trust_path(path, 0, real, sizeof(real), why, sizeof(why), &e) != 0) {
		if (e == ENOENT)
			return pw_error_set(err, "Plugin.NotFound", "%s: no such file", path);
		return pw_error_set(err, "Plugin.Refused", "plugin %s refused: %s", path, why);
	}
	void *dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL)
		return pw_error_set(err, "Plugin.Refused",
				    "cannot load %s: %s (check its dependencies with ldd %s)",
				    path, dlerror(), path);
	pw_plugin_entry_fn entry;
	void *sym = dlsym(dl, PW_PLUGIN_ENTRY_SYMBOL);
	memcpy(&entry, &sym, sizeof(entry));
	const struct pw_plugin *d = NULL;
	if (sym == NULL) {
		pw_error_set(err, "Plugin.Refused",
			     "%s does not export %s(): not an aurora-prewarm plugin",
			     path, PW_PLUGIN_ENTRY_SYMBOL);
		goto refuse;
	}
	d = entry();
	if (d == NULL) {
		pw_error_set(err, "Plugin.Refused", "%s: %s() returned NULL", path,
			     PW_PLUGIN_ENTRY_SYMBOL);
		goto refuse;
	}
	if (d->abi_major != PW_PLUGIN_ABI_MAJOR) {
		pw_error_set(err, "Plugin.Refused",
			     "%s was built for plugin ABI %u.%u, but this prewarm speaks ABI %d.%d: "
			     "rebuild the plugin against this prewarm/plugin.h",
			     path, (unsigned)d->abi_major, (unsigned)d->abi_minor,
			     PW_PLUGIN_ABI_MAJOR, PW_PLUGIN_ABI_MINOR);
		goto refuse;
	}
	if (d->struct_size < sizeof(struct pw_plugin)) {
		pw_error_set(err, "Plugin.Refused",
			     "%s: descriptor is %zu bytes, expected at least %zu: rebuild the plugin",
			     path, d->struct_size, sizeof(struct pw_plugin));
		goto refuse;
	}
	if (descriptor_ok(path, d, err) != PW_OK)
		goto refuse;
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->plugins[i]->desc->name, d->name) == 0) {
			/* Earlier directories win; keep the first. */
			pw_log(PW_LOG_DEBUG, "engine", "plugin %s from %s shadowed by %s",
			       d->name, path, r->plugins[i]->path);
			dlclose(dl);
			return (int)i;
		}
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct loaded **grown = realloc(r->plugins, cap * sizeof(*grown));
		if (grown == NULL) {
			pw_error_set(err, "States.Runtime", "out of memory");
			goto refuse;
		}
		r->plugins = grown;
		r->cap = cap;
	}
	struct loaded *lp = calloc(1, sizeof(*lp));
	if (lp == NULL || (lp->path = strdup(path)) == NULL) {
		free(lp);
		pw_error_set(err, "States.Runtime", "out of memory");
		goto refuse;
	}
	lp->dl = dl;
	lp->desc = d;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lp->serial, &attr);
	pthread_mutexattr_destroy(&attr);
	r->plugins[r->n] = lp;
	return (int)r->n++;
refuse:
	dlclose(dl);
	return PW_ERR;
}

static int has_so_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.so of one directory in name order. */
static void scan_dir(pw_registry *r, const char *dir,
		     void (*on_refused)(const char *, const pw_error *, void *),
		     void *ud)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!has_so_suffix(e->d_name))
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (grown == NULL)
			break;
		names = grown;
		if ((names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if (was_tried(r, path))
			continue;
		pw_error e2 = {{0}, {0}};
		if (load_file(r, path, &e2) < 0 && on_refused)
			on_refused(path, &e2, ud);
	}
	free(names);
}

void pw_registry_scan(pw_registry *r,
		      void (*on_refused)(const char *, const pw_error *, void *),
		      void *ud)
{
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n_dirs; i++)
		scan_dir(r, r->dirs[i], on_refused, ud);
	r->scanned = 1;
	pthread_mutex_unlock(&r->lock);
}

size_t pw_registry_count(const pw_registry *r)
{
	return r->n;
}

const struct pw_plugin *pw_registry_plugin_at(const pw_registry *r, size_t i,
					      const char **path)
{
	if (i >= r->n)
		return NULL;
	if (path)
		*path = r->plugins[i]->path;
	return r->plugins[i]->desc;
}

static struct loaded *find_loaded(pw_registry *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->plugins[i]->desc->name, name) == 0)
			return r->plugins[i];
	return NULL;
}

/* Finds plugin `name`: NAME.so in each directory first, then a scan of
 * all files (a plugin's file name need not match its name). A refusal of
 * NAME.so is reported as such, not as "not found". */
static struct loaded *find_plugin(pw_registry *r, const char *name, pw_error *err)
{
	if (!pw_plugin_name_ok(name, strlen(name))) { /* resolve() checked: never a path */
		pw_error_set(err, "Plugin.NotFound", "'%.80s' is not a plugin name", name);
		return NULL;
	}
	struct loaded *lp = find_loaded(r, name);
	if (lp != NULL)
		return lp;
	pw_error refusal = {{0}, {0}};
	for (size_t i = 0; i < r->n_dirs; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.so", r->dirs[i], name);
		if (access(path, F_OK) != 0)
			continue;
		if (load_file(r, path, &refusal) >= 0 && (lp = find_loaded(r, name)))
			return lp;
	}
	if (!r->scanned)
		pw_registry_scan(r, NULL, NULL);
	if ((lp = find_loaded(r, name)) != NULL)
		return lp;
	if (refusal.name[0] != '\0') {
		*err = refusal;
		return NULL;
	}
	pw_error_set(err, "Plugin.NotFound",
		     "no plugin named '%s' in the plugin path (%s%s): check plugin_path "
		     "or PREWARM_PLUGIN_PATH", name, r->n_dirs ? r->dirs[0] : "",
		     r->n_dirs > 1 ? ":..." : "");
	return NULL;
}

static struct loaded *find_service(pw_registry *r, const char *service, pw_error *err)
{
	pw_error ignored;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			find_plugin(r, service, &ignored); /* cheap guess: rds.so */
		else if (!r->scanned)
			pw_registry_scan(r, NULL, NULL);
		for (size_t i = 0; i < r->n; i++) {
			const char *const *s = r->plugins[i]->desc->sdk_services;
			for (; s && *s; s++)
				if (strcmp(*s, service) == 0)
					return r->plugins[i];
		}
	}
	pw_error_set(err, "Plugin.NotFound",
		     "no plugin serves AWS service '%s' (none lists it in sdk_services)", service);
	return NULL;
}

static const struct pw_action *find_action(const struct loaded *lp, const char *name)
{
	const struct pw_plugin *d = lp->desc;
	for (size_t i = 0; i < d->n_actions; i++)
		if (strcmp(d->actions[i].name, name) == 0)
			return &d->actions[i];
	for (size_t i = 0; i < d->n_actions; i++)
		if (strcasecmp(d->actions[i].name, name) == 0)
			return &d->actions[i];
	return NULL;
}

/* ---- resource resolution ------------------------------------------ */

static json_object *resource_map(pw_registry *r)
{
	json_object *map = NULL;
	if (r->config)
		json_object_object_get_ex(r->config, "resource_map", &map);
	return map;
}

/* A Lambda Task resource the engine serves through resource_map (unless
 * the map names that exact resource). */
static int lambda_served(pw_registry *r, const char *resource)
{
	json_object *to;
	if (!pw_lambda_is_invoke(resource) && !pw_lambda_is_function_arn(resource))
		return 0;
	return !json_object_object_get_ex(resource_map(r), resource, &to);
}

static const char *mapped(pw_registry *r, const char *resource)
{
	json_object *map, *to;
	if (r->config && json_object_object_get_ex(r->config, "resource_map", &map) &&
	    json_object_object_get_ex(map, resource, &to) &&
	    json_object_is_type(to, json_type_string))
		return json_object_get_string(to);
	return resource;
}

static int resolve_locked(pw_registry *r, const char *resource, struct target *t,
			  pw_error *err)
{
	memset(t, 0, sizeof(*t));
	resource = mapped(r, resource);
	/* The name rule (pw_resource.c) runs before any file is looked at. */
	struct pw_resource_ref ref;
	struct loaded *lp;
	char why[PW_ERROR_CAUSE_MAX];
	if (pw_resource_parse(resource, &ref, why, sizeof(why)) != 0)
		return pw_error_set(err, "States.Runtime", "resource '%s': %s", resource, why);
	switch (ref.kind) {
	case PW_RESOURCE_LUA:
		t->is_lua = 1;
		t->lua_path = ref.lua_path;
		return PW_OK;
	case PW_RESOURCE_OTHER_ARN:
		return pw_error_set(err, "States.Runtime",
				    "resource '%s' is not supported: map it to a lua: or "
				    "PLUGIN:Action resource in the config's resource_map", resource);
	case PW_RESOURCE_AWS_SDK:
	case PW_RESOURCE_AWS_OPT:
		if ((lp = find_service(r, ref.name, err)) == NULL)
			return PW_ERR;
		t->sdk_names = ref.kind == PW_RESOURCE_AWS_SDK;
		break;
	default:
		if ((lp = find_plugin(r, ref.name, err)) == NULL)
			return PW_ERR;
		break;
	}
	t->plugin = lp;
	t->action = find_action(lp, ref.action);
	if (t->action == NULL)
		return pw_error_set(err, "States.Runtime", "plugin '%s' (%s) has no action '%s'",
				    lp->desc->name, lp->path, ref.action);
	return PW_OK;
}

/* Resolves (and may load) under the registry's lock. */
static int resolve(pw_registry *r, const char *resource, struct target *t, pw_error *err)
{
	pthread_mutex_lock(&r->lock);
	int rc = resolve_locked(r, resource, t, err);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* ---- the host API ------------------------------------------------- */

static const struct pw_clock *clock_of(const pw_call *c)
{
	return (c && c->clock) ? c->clock : pw_clock_system();
}

static int64_t host_remaining_ms(pw_call *c)
{
	/* A Map iteration / Parallel branch cancelled by a sibling's failure
	 * has no time left: a plugin that only watches its deadline (a
	 * statement timeout, a curl timeout) stops too. */
	if (c != NULL && pw_cancel_is_set(c->cancel))
		return 0;
	if (c == NULL || c->deadline == INT64_MAX)
		return INT64_MAX;
	const struct pw_clock *clk = clock_of(c);
	return c->deadline - clk->mono_ms(clk->ud);
}

static void host_vlog(pw_call *c, enum pw_log_level level, const char *fmt, va_list ap)
{
	char component[300];
	if (c == NULL)
		snprintf(component, sizeof(component), "%s", init_component);
	else if (c->state)
		snprintf(component, sizeof(component), "%s:%s [%s]", c->plugin ? c->plugin : "?",
			 c->action ? c->action : "?", c->state);
	else
		snprintf(component, sizeof(component), "%s:%s", c->plugin ? c->plugin : "?",
			 c->action ? c->action : "?");
	pw_logv(level, component, fmt, ap);
}

static void host_log(pw_call *c, enum pw_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	host_vlog(c, level, fmt, ap);
	va_end(ap);
}

static void host_add_secret(const char *secret)
{
	pw_secret_add(secret);
}

static int host_is_dry_run(pw_call *c)
{
	return c ? c->dry_run : 0;
}

/* Also true in a plugin's own threads, which have no current token:
 * the call carries its iteration's token. */
static int host_is_cancelled(pw_call *c)
{
	return pw_cancel_requested() || host_remaining_ms(c) <= 0;
}

static int host_sleep_ms(pw_call *c, int64_t ms)
{
	if (c != NULL && c->dry_run)
		return PW_OK; /* a dry run does not wait */
	int64_t left = host_remaining_ms(c);
	int cut = 0;
	if (ms > left) {
		ms = left > 0 ? left : 0;
		cut = 1;
	}
	const struct pw_clock *clk = clock_of(c);
	if (ms > 0 && clk->sleep_ms(clk->ud, ms) != 0)
		return PW_ERR;
	return cut ? PW_ERR : PW_OK;
}

static void host_progress(pw_call *c, const char *fmt, ...)
{
	const struct pw_clock *clk = clock_of(c);
	int64_t now = clk->mono_ms(clk->ud);
	if (c != NULL) {
		if (c->last_progress != 0 && now - c->last_progress < 1000)
			return;
		c->last_progress = now;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	host_log(c, PW_LOG_INFO, "%s", msg);
	if (c != NULL && c->on_progress != NULL)
		c->on_progress(c->progress_ud, msg);
}

static int host_sdk_names(pw_call *c)
{
	return c ? c->sdk_names : 0;
}

static int host_invoke(pw_call *c, const char *resource, json_object *params,
		       json_object **result, pw_error *err)
{
	if (result)
		*result = NULL;
	if (c == NULL || c->reg == NULL)
		return pw_error_set(err, "States.Runtime", "invoke() outside an action call");
	return pw_registry_invoke(c, resource, params, result, err);
}

static const char *host_var(pw_call *c, const char *name)
{
	json_object *v;
	if (c == NULL || c->vars == NULL || !json_object_object_get_ex(c->vars, name, &v))
		return NULL;
	return json_object_get_string(v);
}

static const struct pw_host_api host_api = {
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
	.redact = pw_redact,
};

const struct pw_host_api *pw_registry_host_api(void)
{
	return &host_api;
}

/* ---- calling ------------------------------------------------------ */

static int ensure_init_locked(pw_registry *r, struct loaded *lp, pw_error *err)
{
	if (lp->initialized)
		return PW_OK;
	json_object *plugins, *conf = NULL;
	if (r->config && json_object_object_get_ex(r->config, "plugins", &plugins))
		json_object_object_get_ex(plugins, lp->desc->name, &conf);
	if (lp->desc->init) {
		pw_error e = {{0}, {0}};
		init_component = lp->desc->name;
		int rc = lp->desc->init(&host_api, conf, &lp->state, &e);
		init_component = "plugin";
		if (rc != PW_OK)
			return pw_error_set(err, e.name[0] ? e.name : "Plugin.InitFailed",
					    "plugin %s failed to start: %s", lp->desc->name,
					    e.cause);
	}
	lp->initialized = 1;
	return PW_OK;
}

/* init() runs once, whichever thread calls the plugin first. */
static int ensure_init(pw_registry *r, struct loaded *lp, pw_error *err)
{
	pthread_mutex_lock(&r->lock);
	int rc = ensure_init_locked(r, lp, err);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static json_object *default_dry_run_result(const struct pw_action *a, json_object *params)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "DryRun", json_object_new_boolean(1));
	json_object_object_add(o, "Action", json_object_new_string(a->name));
	json_object_object_add(o, "Parameters", json_object_get(params));
	return o;
}

int pw_registry_invoke(struct pw_call *call, const char *resource, json_object *params,
		       json_object **result, pw_error *err)
{
	*result = NULL;
	struct target t;
	json_object *empty = NULL;
	int rc = PW_ERR;
	if (call->depth >= MAX_DEPTH)
		return pw_error_set(err, "States.Runtime",
				    "calls nested deeper than %d (a loop of prewarm.call?)", MAX_DEPTH);
	if (lambda_served(call->reg, resource))
		return pw_lambda_invoke(call, resource_map(call->reg), resource, params, result,
					err);
	if (resolve(call->reg, resource, &t, err) != PW_OK)
		return PW_ERR;
	if (params == NULL)
		params = empty = json_object_new_object();
	struct pw_call child = *call;
	child.depth++;
	if (child.cancel == NULL) /* the Map iteration / Parallel branch running it */
		child.cancel = pw_cancel_current();
	child.last_progress = 0;
	child.sdk_names = t.sdk_names;
	if (host_remaining_ms(&child) <= 0) {
		pw_error_set(err, "States.Timeout", "deadline passed before %s was called", resource);
		goto out;
	}
	if (t.is_lua) {
		child.plugin = "lua";
		child.action = t.lua_path;
		rc = pw_lua_step_run(&child, t.lua_path, params, result, err);
		goto out;
	}
	child.plugin = t.plugin->desc->name;
	child.action = t.action->name;
	if ((rc = ensure_init(call->reg, t.plugin, err)) != PW_OK)
		goto out;
	pw_error e = {{0}, {0}};
	int serial = !(t.action->flags & PW_ACTION_THREAD_SAFE);
	if (serial)
		pthread_mutex_lock(&t.plugin->serial);
	if ((t.action->flags & PW_ACTION_MUTATES) && child.dry_run) {
		const char *ptxt = json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN);
		pw_log(PW_LOG_INFO, "dry-run", "would call %s:%s%s%s with %s", child.plugin,
		       child.action, child.state ? " in state " : "", child.state ? child.state : "",
		       ptxt);
		if (t.action->dry_run)
			rc = t.action->dry_run(t.plugin->state, &child, params, result, &e);
		else {
			*result = default_dry_run_result(t.action, params);
			rc = PW_OK;
		}
	} else {
		rc = t.action->run(t.plugin->state, &child, params, result, &e);
	}
	if (serial)
		pthread_mutex_unlock(&t.plugin->serial);
	if (rc != PW_OK) {
		json_object_put(*result);
		*result = NULL;
		if (e.name[0] == '\0')
			pw_error_set(err, "States.TaskFailed", "%s:%s failed without an error name%s%s",
				     child.plugin, child.action, e.cause[0] ? ": " : "", e.cause);
		else
			*err = e;
		rc = PW_ERR;
		goto out;
	}
	if (*result == NULL)
		*result = json_object_new_object();
	if (host_remaining_ms(&child) <= 0) {
		/* The action ran past its deadline: the step timed out even
		 * though the action finished (Step Functions does the same). */
		json_object_put(*result);
		*result = NULL;
		rc = pw_error_set(err, "States.Timeout", "%s:%s ran past the step's deadline",
				  child.plugin, child.action);
	}
out:
	json_object_put(empty);
	return rc;
}

int pw_registry_call(pw_registry *r, const char *resource, json_object *params,
		     const struct pw_call_opts *opts, json_object **result, pw_error *err)
{
	struct pw_call call;
	memset(&call, 0, sizeof(call));
	call.reg = r;
	call.clock = pw_clock_system();
	call.deadline = INT64_MAX;
	if (opts != NULL) {
		call.dry_run = opts->dry_run;
		call.state = opts->label;
		if (opts->timeout_ms > 0)
			call.deadline = call.clock->mono_ms(call.clock->ud) + opts->timeout_ms;
	}
	return pw_registry_invoke(&call, resource, params, result, err);
}

/* A Lambda function (the legacy ARN, or a lambda:invoke Task's
 * FunctionName that pw_validate hands over as an ARN) resolves through
 * resource_map to a target that must itself check out. */
static int lambda_check(pw_registry *r, const char *resource, const char *workflow_dir,
			char *why, size_t why_len)
{
	struct pw_lambda_fn fn;
	const char *target;
	if (pw_lambda_is_invoke(resource)) {
		snprintf(why, why_len, "the function is named by Parameters.FunctionName");
		return -1;
	}
	if (pw_lambda_parse_name(resource, &fn, why, why_len) != 0 ||
	    (target = pw_lambda_lookup(resource_map(r), &fn, why, why_len)) == NULL)
		return -1;
	char sub[512] = "";
	if (pw_registry_check_resource(r, target, workflow_dir, NULL, sub, sizeof(sub)) != 0) {
		snprintf(why, why_len, "resource_map target '%s': %s", target, sub);
		return -1;
	}
	return 0;
}

int pw_registry_check_resource(void *ud, const char *resource, const char *workflow_dir,
			       const char *const **required, char *why, size_t why_len)
{
	pw_registry *r = ud;
	struct target t;
	pw_error err = {{0}, {0}};
	if (required)
		*required = NULL;
	struct pw_resource_ref ref; /* validate quotes the resource itself */
	if (lambda_served(r, resource))
		return lambda_check(r, resource, workflow_dir, why, why_len);
	if (pw_resource_parse(resource, &ref, why, why_len) != 0)
		return -1;
	if (resolve(r, resource, &t, &err) != PW_OK) {
		snprintf(why, why_len, "%s", err.cause);
		return -1;
	}
	if (t.is_lua)
		return pw_lua_step_check(workflow_dir, t.lua_path, why, why_len);
	if (required)
		*required = t.action->required;
	return 0;
}

int pw_registry_mutates(pw_registry *r, const char *resource)
{
	struct target t;
	pw_error err;
	if (lambda_served(r, resource)) {
		/* lambda:invoke names its function in Parameters: it may mutate */
		struct pw_lambda_fn fn;
		char why[1024];
		const char *target;
		if (pw_lambda_is_invoke(resource))
			return 1;
		if (pw_lambda_parse_name(resource, &fn, why, sizeof(why)) != 0 ||
		    (target = pw_lambda_lookup(resource_map(r), &fn, why, sizeof(why))) == NULL)
			return 0;
		resource = target;
	}
	if (resolve(r, resource, &t, &err) != PW_OK || t.is_lua)
		return 0;
	return (t.action->flags & PW_ACTION_MUTATES) != 0;
}
