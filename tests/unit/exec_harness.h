/* exec_harness.h - the setup the executor's Check units share: a
 * temporary directory, the counter plugin's call log in it, the test
 * plugins open, and loading and running workflow text. Static inline like
 * rt_test.h, so each unit takes only what it uses.
 * Needs RT_CHECK_CPPFLAGS (engine/runtime.mk) for PW_TEST_PLUGIN_DIR. */
#ifndef EXEC_HARNESS_H
#define EXEC_HARNESS_H

#include "../plugins/rt_test.h"
#include "pw_exec.h"

/* *dir: a fresh temporary directory; *calls (when calls is not NULL):
 * dir/calls, exported as PW_COUNTER_LOG for the counter plugin; *reg: the
 * test plugins opened with config cfg (may be NULL). */
static inline void eh_open(char **dir, char **calls, pw_registry **reg, json_object *cfg)
{
	pw_error err = {{0}, {0}};
	*dir = rt_tmpdir();
	if (calls != NULL) {
		size_t len = strlen(*dir) + 16;
		*calls = malloc(len);
		snprintf(*calls, len, "%s/calls", *dir);
		setenv("PW_COUNTER_LOG", *calls, 1);
	}
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, cfg, reg, &err), PW_OK);
}

/* Undoes eh_open (calls may be NULL) and frees dir and calls. */
static inline void eh_close(char *dir, char *calls, pw_registry *reg)
{
	pw_registry_close(reg);
	if (calls != NULL) {
		unsetenv("PW_COUNTER_LOG");
		free(calls);
	}
	rt_rmdir(dir);
}

/* Writes text to dir/name and loads it; a load error fails the test with
 * its position. */
static inline pw_doc *eh_load(const char *dir, const char *name, const char *text)
{
	char *path = rt_write(dir, name, text);
	pw_doc *doc = NULL;
	pw_diag diag;
	int rc = pw_doc_load_file(path, &doc, &diag);
	ck_assert_msg(rc == 0, "%s:%d:%d: %s", diag.file, diag.line, diag.column, diag.message);
	free(path);
	return doc;
}

/* Runs doc (freed here) on the JSON text input; the run itself must
 * return PW_OK. Returns the result (caller clears). */
static inline struct pw_exec_result eh_run(pw_doc *doc, const char *input,
					   const struct pw_exec_opts *o)
{
	json_object *in = json_tokener_parse(input);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, o, &res, &err), PW_OK);
	json_object_put(in);
	pw_doc_free(doc);
	return res;
}

/* How many lines of the call log at path are exactly line. */
static inline int eh_calls(const char *path, const char *line)
{
	char *log = rt_read(path);
	int n = rt_count_lines(log, line);
	free(log);
	return n;
}

/* Keeps the journal of execution id up to (and with) the first line
 * containing `upto`: as if the process died right after writing it. */
static inline void eh_cut_journal(const char *sd, const char *id, const char *upto)
{
	char jpath[800];
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, id);
	char *text = rt_read(jpath);
	char *cut = strstr(text, upto);
	ck_assert_msg(cut != NULL, "no %s in %s", upto, text);
	*(strchr(cut, '\n') + 1) = '\0';
	FILE *f = fopen(jpath, "w");
	fputs(text, f);
	fclose(f);
	free(text);
}

#endif
