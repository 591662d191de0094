/* rt_test.h - helpers shared by the runtime's Check tests. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

/* A fresh temporary directory (malloc'd path); removed by rt_rmdir. */
static inline char *rt_tmpdir(void)
{
	char tmpl[] = "/tmp/pwrt-XXXXXX";
	char *d = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static inline void rt_rmdir(char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

/* Writes text to dir/name; returns the malloc'd path. */
static inline char *rt_write(const char *dir, const char *name, const char *text)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Reads a whole file (malloc'd, "" when missing). */
static inline char *rt_read(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return strdup("");
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Number of lines of text equal to line. */
static inline int rt_count_lines(const char *text, const char *line)
{
	int n = 0;
	size_t len = strlen(line);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l == len && strncmp(p, line, len) == 0)
			n++;
		p += l + (nl ? 1 : 0);
	}
	return n;
}

static inline const char *rt_str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static inline int64_t rt_int(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing %s in %s", key,
		      json_object_to_json_string(o));
	return json_object_get_int64(v);
}

#endif
