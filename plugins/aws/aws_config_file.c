/* aws_config_file - INI parser for the shared AWS files (see header). */
#include "aws_config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_buf.h"

struct ini_entry {
	char *section;
	char *key;
	char *value;
};

struct aws_ini {
	struct ini_entry *v;
	size_t n, cap;
	char **sections;
	size_t nsections, capsections;
};

void aws_ini_free(struct aws_ini *ini)
{
	if (ini == NULL)
		return;
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->v[i].section);
		free(ini->v[i].key);
		/* values may be secret keys */
		if (ini->v[i].value)
			memset(ini->v[i].value, 0, strlen(ini->v[i].value));
		free(ini->v[i].value);
	}
	for (size_t i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->sections);
	free(ini->v);
	free(ini);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int add_section(struct aws_ini *ini, const char *name)
{
	if (ini->nsections == ini->capsections) {
		size_t cap = ini->capsections ? ini->capsections * 2 : 8;
		char **v = realloc(ini->sections, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		ini->sections = v;
		ini->capsections = cap;
	}
	ini->sections[ini->nsections] = strdup(name);
	return ini->sections[ini->nsections++] ? 0 : -1;
}

static int add_entry(struct aws_ini *ini, const char *section, const char *key,
		     const char *value)
{
	if (ini->n == ini->cap) {
		size_t cap = ini->cap ? ini->cap * 2 : 16;
		struct ini_entry *v = realloc(ini->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		ini->v = v;
		ini->cap = cap;
	}
	struct ini_entry *e = &ini->v[ini->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	ini->n++;
	return (e->section && e->key && e->value) ? 0 : -1;
}

int aws_ini_load(const char *path, struct aws_ini **out, pw_error *err)
{
	*out = NULL;
	struct aws_ini *ini = calloc(1, sizeof(*ini));
	if (ini == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "out of memory");
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*out = ini;
			return PW_OK;
		}
		aws_ini_free(ini);
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "%s: cannot read: %s", path,
				    strerror(errno));
	}
	char *line = NULL, *section = NULL;
	size_t cap = 0;
	int lineno = 0, rc = PW_ERR;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		/* An indented line continues a nested block ("s3 =\n
		 * max_concurrent_requests = 10"): not used here. */
		int indented = isspace((unsigned char)line[0]);
		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL) {
				pw_error_set(err, "AWS.InvalidConfiguration",
					     "%s:%d: section header without ']'",
					     path, lineno);
				goto out;
			}
			*close = '\0';
			free(section);
			section = strdup(trim(s + 1));
			if (section == NULL || add_section(ini, section) != 0)
				goto oom;
			continue;
		}
		if (indented && section != NULL)
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL || section == NULL) {
			pw_error_set(err, "AWS.InvalidConfiguration",
				     "%s:%d: expected 'key = value'%s", path,
				     lineno,
				     section == NULL ? " inside a [section]"
						     : "");
			goto out;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (*key == '\0') {
			pw_error_set(err, "AWS.InvalidConfiguration",
				     "%s:%d: empty key", path, lineno);
			goto out;
		}
		if (add_entry(ini, section, key, value) != 0)
			goto oom;
	}
	*out = ini;
	ini = NULL;
	rc = PW_OK;
	goto out;
oom:
	pw_error_set(err, "AWS.InvalidConfiguration", "%s: out of memory",
		     path);
out:
	if (line)
		memset(line, 0, cap);
	free(line);
	free(section);
	fclose(f);
	aws_ini_free(ini);
	return rc;
}

int aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	for (size_t i = 0; ini && i < ini->nsections; i++)
		if (strcmp(ini->sections[i], section) == 0)
			return 1;
	return 0;
}

const char *aws_ini_get(const struct aws_ini *ini, const char *section,
			const char *key)
{
	const char *found = NULL;
	/* The last assignment wins, as in the SDKs. */
	for (size_t i = 0; ini && i < ini->n; i++)
		if (strcmp(ini->v[i].section, section) == 0 &&
		    strcmp(ini->v[i].key, key) == 0)
			found = ini->v[i].value;
	return found;
}

static char *default_path(const char *env, const char *file)
{
	const char *p = getenv(env);
	if (p != NULL && *p != '\0')
		return strdup(p);
	const char *home = getenv("HOME");
	char *out = NULL;
	if (asprintf(&out, "%s/.aws/%s", home ? home : "", file) < 0)
		return NULL;
	return out;
}

int aws_profile_files_load(struct aws_profile_files *f, pw_error *err)
{
	memset(f, 0, sizeof(*f));
	f->credentials_path =
		default_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	f->config_path = default_path("AWS_CONFIG_FILE", "config");
	if (f->credentials_path == NULL || f->config_path == NULL) {
		aws_profile_files_free(f);
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "out of memory");
	}
	if (aws_ini_load(f->credentials_path, &f->credentials, err) != PW_OK ||
	    aws_ini_load(f->config_path, &f->config, err) != PW_OK) {
		aws_profile_files_free(f);
		return PW_ERR;
	}
	return PW_OK;
}

void aws_profile_files_free(struct aws_profile_files *f)
{
	if (f == NULL)
		return;
	aws_ini_free(f->credentials);
	aws_ini_free(f->config);
	free(f->credentials_path);
	free(f->config_path);
	memset(f, 0, sizeof(*f));
}

static void config_section(const char *profile, char *out, size_t n)
{
	if (strcmp(profile, "default") == 0)
		snprintf(out, n, "default");
	else
		snprintf(out, n, "profile %s", profile);
}

int aws_profile_exists(const struct aws_profile_files *f, const char *profile)
{
	char sec[512];
	config_section(profile, sec, sizeof(sec));
	return aws_ini_has_section(f->credentials, profile) ||
	       aws_ini_has_section(f->config, sec) ||
	       /* the SDKs accept [profile default] too */
	       (strcmp(profile, "default") == 0 &&
		aws_ini_has_section(f->config, "profile default"));
}

const char *aws_profile_get(const struct aws_profile_files *f,
			    const char *profile, const char *key)
{
	const char *v = aws_ini_get(f->credentials, profile, key);
	if (v != NULL)
		return v;
	char sec[512];
	config_section(profile, sec, sizeof(sec));
	v = aws_ini_get(f->config, sec, key);
	if (v == NULL && strcmp(profile, "default") == 0)
		v = aws_ini_get(f->config, "profile default", key);
	return v;
}

const char *aws_profile_name(const char *explicit_profile, int *explicit_out)
{
	if (explicit_profile != NULL && *explicit_profile != '\0') {
		*explicit_out = 1;
		return explicit_profile;
	}
	const char *env = getenv("AWS_PROFILE");
	if (env != NULL && *env != '\0') {
		*explicit_out = 1;
		return env;
	}
	*explicit_out = 0;
	return "default";
}
