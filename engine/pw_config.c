/* pw_config - loads and checks the config file. */
#include "pw_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_dataflow.h"
#include "pw_exec.h"
#include "pw_lua_step.h"
#include "pw_redact.h"
#include "pw_resource.h"

static int bad(const pw_doc *doc, const char *ptr, pw_diag *diag, const char *msg, const char *key)
{
	pw_doc_diag(doc, ptr, diag, msg, key);
	return -1;
}

/* Joins a list of directories with ':' (or copies a string). */
static int path_value(json_object *v, char **out)
{
	if (json_object_is_type(v, json_type_string)) {
		*out = strdup(json_object_get_string(v));
		return *out ? 0 : -1;
	}
	if (!json_object_is_type(v, json_type_array))
		return -1;
	size_t n = json_object_array_length(v), len = 1;
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(v, i);
		if (!json_object_is_type(d, json_type_string))
			return -1;
		len += strlen(json_object_get_string(d)) + 1;
	}
	char *s = calloc(1, len);
	if (s == NULL)
		return -1;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(v, i));
		size_t dl = strlen(d);
		if (i)
			s[w++] = ':';
		memcpy(s + w, d, dl);
		w += dl;
	}
	*out = s;
	return 0;
}

static int scalar(json_object *v)
{
	return !json_object_is_type(v, json_type_object) &&
	       !json_object_is_type(v, json_type_array);
}

/* A var is a scalar, or {value: SCALAR, secret: BOOLEAN} (secret optional). */
static int var_value_ok(json_object *v)
{
	if (scalar(v))
		return 1;
	if (!json_object_is_type(v, json_type_object))
		return 0;
	json_object *value = NULL, *secret = NULL;
	if (!json_object_object_get_ex(v, "value", &value) || !scalar(value))
		return 0;
	if (json_object_object_get_ex(v, "secret", &secret) &&
	    !json_object_is_type(secret, json_type_boolean))
		return 0;
	return json_object_object_length(v) == (secret != NULL ? 2 : 1);
}

int pw_config_var_name_is_secret(const char *name)
{
	static const char *const words[] = {"password", "secret", "token"};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		size_t w = strlen(words[i]);
		if (n == w && strcasecmp(name, words[i]) == 0)
			return 1;
		if (n >= w + 1 && strchr("_.-", name[n - w - 1]) != NULL &&
		    strcasecmp(name + n - w, words[i]) == 0)
			return 1;
	}
	return 0;
}

/* Every plugin_path entry is absolute: a relative one would load native
 * code from wherever prewarm happens to be started. Points at the list
 * element when the value is a list. */
static int check_plugin_path(const pw_doc *doc, json_object *v, pw_diag *diag)
{
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(
			json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v);
		char ptr[64] = "/plugin_path";
		if (json_object_is_type(v, json_type_array))
			snprintf(ptr, sizeof(ptr), "/plugin_path/%zu", i);
		for (const char *p = s; *p;) {
			size_t len = strcspn(p, ":");
			if (len > 0 && p[0] != '/') {
				char msg[600];
				snprintf(msg, sizeof(msg),
					 "plugin_path: entry '%.*s' is a relative path: plugin "
					 "directories must be absolute", (int)(len > 400 ? 400 : len), p);
				return bad(doc, ptr, diag, "%s", msg);
			}
			p += len;
			if (*p == ':')
				p++;
		}
	}
	return 0;
}

/* Registers a var's value as a secret (its text, for a number or boolean). */
static void register_secret_var(json_object *value)
{
	if (value != NULL)
		pw_secret_add(json_object_get_string(value));
}

/* Replaces each {value, secret} var by its value; registers the values
 * marked secret and those whose name says so. */
static void unwrap_vars(json_object *vars)
{
	json_object_object_foreach(vars, name, v) {
		int secret = pw_config_var_name_is_secret(name);
		if (json_object_is_type(v, json_type_object)) {
			json_object *value = NULL, *mark = NULL;
			json_object_object_get_ex(v, "value", &value);
			if (json_object_object_get_ex(v, "secret", &mark))
				secret = secret || json_object_get_boolean(mark);
			json_object_get(value);
			json_object_object_add(vars, name, value); /* drops v */
			v = value;
		}
		if (secret)
			register_secret_var(v);
	}
}

static int check(struct pw_config *c, int64_t *lua_timeout_ms_out, pw_diag *diag)
{
	int64_t lua_timeout_ms = 0;
	const pw_doc *doc = c->doc;
	json_object *root = c->root;
	char ptr[600];
	if (!json_object_is_type(root, json_type_object))
		return bad(doc, "", diag, "%s", "the config must be a mapping of keys");
	json_object_object_foreach(root, key, v) {
		snprintf(ptr, sizeof(ptr), "/%s", key);
		if (strcmp(key, "plugin_path") == 0) {
			if (path_value(v, &c->plugin_path) != 0)
				return bad(doc, ptr, diag,
					   "%s: expected a directory list (\"/a:/b\" or [\"/a\", \"/b\"])",
					   key);
			if (check_plugin_path(doc, v, diag) != 0)
				return -1;
		} else if (strcmp(key, "state_dir") == 0) {
			if (!json_object_is_type(v, json_type_string))
				return bad(doc, ptr, diag, "%s: expected a directory", key);
			c->state_dir = json_object_get_string(v);
		} else if (strcmp(key, "log_format") == 0) {
			const char *f = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    (strcmp(f, "text") && strcmp(f, "json") && strcmp(f, "auto")))
				return bad(doc, ptr, diag, "%s: expected text, json or auto", key);
			c->log_format = f;
		} else if (strcmp(key, "vars") == 0) {
			if (!json_object_is_type(v, json_type_object))
				return bad(doc, ptr, diag, "%s: expected a mapping of NAME: VALUE", key);
			json_object_object_foreach(v, vk, vv) {
				char sub[700];
				snprintf(sub, sizeof(sub), "/vars/%s", vk);
				if (!var_value_ok(vv))
					return bad(doc, sub, diag,
						   "vars.%s: expected a string, number or boolean, "
						   "or {value: VALUE, secret: true|false}", vk);
			}
		} else if (strcmp(key, "plugins") == 0) {
			if (!json_object_is_type(v, json_type_object))
				return bad(doc, ptr, diag, "%s: expected a mapping of plugin names", key);
			json_object_object_foreach(v, pk, pv) {
				if (pv != NULL && !json_object_is_type(pv, json_type_object)) {
					char sub[700];
					snprintf(sub, sizeof(sub), "/plugins/%s", pk);
					return bad(doc, sub, diag, "plugins.%s: expected a mapping", pk);
				}
			}
		} else if (strcmp(key, "resource_map") == 0) {
			if (!json_object_is_type(v, json_type_object))
				return bad(doc, ptr, diag, "%s: expected a mapping of ARN: RESOURCE", key);
			json_object_object_foreach(v, rk, rv) {
				char sub[700];
				snprintf(sub, sizeof(sub), "/resource_map/%s", rk);
				if (!json_object_is_type(rv, json_type_string))
					return bad(doc, sub, diag,
						   "resource_map: %s must map to a lua: or PLUGIN:Action string",
						   rk);
				struct pw_resource_ref ref;
				char why[600], msg[1400];
				if (pw_resource_parse(json_object_get_string(rv), &ref, why,
						      sizeof(why)) != 0) {
					snprintf(msg, sizeof(msg), "resource_map: %.600s: %s", rk, why);
					return bad(doc, sub, diag, "%s", msg);
				}
			}
		} else if (strcmp(key, "lua_timeout_seconds") == 0) {
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
			    json_object_get_int64(v) > 86400 * 365)
				return bad(doc, ptr, diag,
					   "%s: expected a positive whole number of seconds", key);
			lua_timeout_ms = json_object_get_int64(v) * 1000;
		} else if (strcmp(key, "payload_limit_bytes") == 0) {
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
			    json_object_get_int64(v) > ((int64_t)1 << 40))
				return bad(doc, ptr, diag,
					   "%s: expected a positive whole number of bytes", key);
		} else if (strcmp(key, "map_max_concurrency") == 0) {
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
			    json_object_get_int64(v) > 1024)
				return bad(doc, ptr, diag,
					   "%s: expected a whole number from 1 to 1024", key);
		} else if (strcmp(key, "watch") == 0) {
			/* `prewarm watch` checks it (pw_watch_config_load). */
		} else {
			return bad(doc, ptr, diag,
				   "unknown key '%s' (known: plugin_path, state_dir, log_format, vars, "
				   "plugins, resource_map, lua_timeout_seconds, payload_limit_bytes, "
				   "map_max_concurrency, watch)",
				   key);
		}
	}
	*lua_timeout_ms_out = lua_timeout_ms;
	return 0;
}

int pw_config_load(const char *path, struct pw_config **out, pw_diag *diag)
{
	*out = NULL;
	struct pw_config *c = calloc(1, sizeof(*c));
	int64_t lua_timeout_ms = 0; /* 0: the built-in default */
	if (c == NULL)
		return -1;
	if (path != NULL) {
		if (pw_doc_load_file(path, &c->doc, diag) != 0) {
			free(c);
			return -1;
		}
		c->root = json_object_get(pw_doc_root(c->doc));
		if (c->root == NULL)
			c->root = json_object_new_object();
		if (check(c, &lua_timeout_ms, diag) != 0) {
			pw_config_free(c);
			return -1;
		}
	} else {
		c->root = json_object_new_object();
	}
	json_object *vars;
	if (!json_object_object_get_ex(c->root, "vars", &vars) || vars == NULL) {
		vars = json_object_new_object();
		json_object_object_add(c->root, "vars", vars);
	}
	c->vars = vars;
	unwrap_vars(vars);
	/* The Lua step budget is process-wide: the loaded config sets it. */
	pw_lua_step_set_default_timeout_ms(lua_timeout_ms);
	json_object *limit = NULL;
	json_object_object_get_ex(c->root, "payload_limit_bytes", &limit);
	pw_payload_limit_set(limit ? (size_t)json_object_get_int64(limit) : 0);
	json_object *width = NULL;
	json_object_object_get_ex(c->root, "map_max_concurrency", &width);
	pw_exec_set_default_concurrency(width ? (int)json_object_get_int64(width) : 0);
	*out = c;
	return 0;
}

int pw_config_set_var(struct pw_config *c, const char *key, const char *value)
{
	if (key[0] == '\0')
		return -1;
	if (pw_config_var_name_is_secret(key))
		pw_secret_add(value);
	return json_object_object_add(c->vars, key, json_object_new_string(value));
}

void pw_config_free(struct pw_config *c)
{
	if (c == NULL)
		return;
	json_object_put(c->root);
	pw_doc_free(c->doc);
	free(c->plugin_path);
	free(c);
}
