/* Runs JSONata's own test suite (tests/jsonata-suite, copied from
 * jsonata-js; see its README) against lib/jsonata: every case of every
 * group, per-group pass counts and a total. Exits non-zero when the pass
 * rate falls below the floor (JSONATA_SUITE_FLOOR, per mille).
 * Usage: jsonata_suite [suite-dir] ; JSONATA_SUITE_VERBOSE=1 lists the
 * failing cases, JSONATA_SUITE_GROUP=name runs one group. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonata.h"

/* measured pass rate, rounded down with a small margin (per mille) */
#define FLOOR_PERMILLE 990

static int verbose;

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *path, int *n)
{
	DIR *d = opendir(path);
	char **v = NULL;
	*n = 0;
	if (!d)
		return NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		v = realloc(v, (size_t)(*n + 1) * sizeof(*v));
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(v, (size_t)*n, sizeof(*v), cmpstr);
	return v;
}

static int deep_eq(struct json_object *a, struct json_object *b, int unordered);

static int num_eq(double x, double y)
{
	if (x == y)
		return 1;
	return fabs(x - y) <= 1e-13 * fmax(fabs(x), fabs(y));
}

static int arr_unordered(struct json_object *a, struct json_object *b)
{
	size_t n = json_object_array_length(a);
	if (n != json_object_array_length(b))
		return 0;
	char *used = calloc(n + 1, 1);
	int ok = 1;
	for (size_t i = 0; i < n && ok; i++) {
		int found = 0;
		for (size_t j = 0; j < n && !found; j++)
			if (!used[j] && deep_eq(json_object_array_get_idx(a, i), json_object_array_get_idx(b, j), 0))
				used[j] = found = 1;
		ok = found;
	}
	free(used);
	return ok;
}

static int deep_eq(struct json_object *a, struct json_object *b, int unordered)
{
	if (!a || !b)
		return a == b;
	json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
	int na = ta == json_type_int || ta == json_type_double;
	int nb = tb == json_type_int || tb == json_type_double;
	if (na && nb)
		return num_eq(json_object_get_double(a), json_object_get_double(b));
	if (ta != tb)
		return 0;
	switch (ta) {
	case json_type_boolean: return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_string: return strcmp(json_object_get_string(a), json_object_get_string(b)) == 0;
	case json_type_array: {
		if (unordered)
			return arr_unordered(a, b);
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!deep_eq(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i), 0))
				return 0;
		return 1;
	}
	case json_type_object: {
		if (json_object_object_length(a) != json_object_object_length(b))
			return 0;
		json_object_object_foreach(a, k, v) {
			struct json_object *w;
			if (!json_object_object_get_ex(b, k, &w) || !deep_eq(v, w, 0))
				return 0;
		}
		return 1;
	}
	default: return 1;
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = 0;
	fclose(f);
	return s;
}

/* Returns 1 when the case passes. */
static int run_case(const char *suite, const char *gdir, const char *name, struct json_object *tc)
{
	struct json_object *v, *input = NULL, *owned_input = NULL;
	char *expr = NULL;
	if (json_object_object_get_ex(tc, "expr", &v)) {
		expr = strdup(json_object_get_string(v));
	} else if (json_object_object_get_ex(tc, "expr-file", &v)) {
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", gdir, json_object_get_string(v));
		expr = read_file(p);
	}
	if (!expr) {
		printf("  %s: no expression\n", name);
		return 0;
	}
	if (json_object_object_get_ex(tc, "data", &v)) {
		input = v;
	} else if (json_object_object_get_ex(tc, "dataset", &v) && v) {
		char p[1024];
		snprintf(p, sizeof p, "%s/datasets/%s.json", suite, json_object_get_string(v));
		owned_input = input = json_object_from_file(p);
	}
	struct json_object *bindings = NULL;
	json_object_object_get_ex(tc, "bindings", &bindings);
	jsonata_limits lim = { 0 };
	if (json_object_object_get_ex(tc, "timelimit", &v)) {
		/* the suite bounds these long or runaway cases by time alone:
		 * give them room so the clock, not the arena, stops them */
		lim.timeout_ms = (uint64_t)json_object_get_int64(v);
		lim.max_memory = (size_t)768 << 20;
	}
	if (json_object_object_get_ex(tc, "depth", &v))
		lim.max_depth = json_object_get_int(v);
	const char *want_code = NULL;
	if (json_object_object_get_ex(tc, "code", &v))
		want_code = json_object_get_string(v);
	else if (json_object_object_get_ex(tc, "error", &v)) {
		struct json_object *cv;
		if (json_object_object_get_ex(v, "code", &cv))
			want_code = json_object_get_string(cv);
	}
	int unordered = json_object_object_get_ex(tc, "unordered", &v) && json_object_get_boolean(v);
	int want_undef = json_object_object_get_ex(tc, "undefinedResult", &v) && json_object_get_boolean(v);
	struct json_object *want = NULL;
	int has_result = json_object_object_get_ex(tc, "result", &want);

	jsonata_error err;
	struct json_object *out = NULL;
	int ok = 0;
	const char *why = "";
	jsonata_expr *e = jsonata_compile(expr, &err);
	int rc = -1;
	int undef = 0;
	if (e) {
		rc = jsonata_eval(e, input, bindings, &lim, &out, &err);
		if (rc == 1) {
			undef = 1;
			rc = 0;
		}
	}
	if (want_code) {
		ok = rc != 0 && strcmp(err.code, want_code) == 0;
		why = rc == 0 ? "no error" : "wrong error";
	} else if (rc != 0) {
		why = "error";
	} else if (want_undef) {
		ok = undef;
		why = "not undefined";
	} else if (has_result) {
		ok = !undef && deep_eq(out, want, unordered);
		why = "wrong result";
	} else {
		ok = undef;
		why = "no expectation";
	}
	if (!ok && verbose)
		printf("  FAIL %s: %s\n    expr: %.300s\n    want: %s%s\n    got:  %s %s\n", name, why, expr,
		       want_code ? want_code : "", want_code ? "" : want_undef ? "undefined" : json_object_to_json_string(want),
		       rc == 0 ? (undef ? "undefined" : json_object_to_json_string(out)) : err.code,
		       rc == 0 ? "" : err.message);
	json_object_put(out);
	json_object_put(owned_input);
	jsonata_free(e);
	free(expr);
	return ok;
}

int main(int argc, char **argv)
{
	char suite[1024];
	const char *top = getenv("PW_TOP_SRCDIR");
	if (argc > 1)
		snprintf(suite, sizeof suite, "%s", argv[1]);
	else
		snprintf(suite, sizeof suite, "%s/tests/jsonata-suite", top ? top : ".");
	verbose = getenv("JSONATA_SUITE_VERBOSE") != NULL;
	const char *only = getenv("JSONATA_SUITE_GROUP");
	const char *fl = getenv("JSONATA_SUITE_FLOOR");
	int floor_pm = fl ? atoi(fl) : FLOOR_PERMILLE;
	char gpath[1200];
	snprintf(gpath, sizeof gpath, "%s/groups", suite);
	int ng;
	char **groups = list_dir(gpath, &ng);
	if (!groups) {
		fprintf(stderr, "jsonata_suite: cannot read %s\n", gpath);
		return 1;
	}
	int total = 0, passed = 0;
	for (int g = 0; g < ng; g++) {
		if (only && strcmp(only, groups[g]) != 0) {
			free(groups[g]);
			continue;
		}
		char gdir[1400];
		snprintf(gdir, sizeof gdir, "%s/%s", gpath, groups[g]);
		int nf;
		char **files = list_dir(gdir, &nf);
		int gt = 0, gp = 0;
		for (int f = 0; f < nf; f++) {
			size_t l = strlen(files[f]);
			if (l < 5 || strcmp(files[f] + l - 5, ".json") != 0) {
				free(files[f]);
				continue;
			}
			char p[1700];
			snprintf(p, sizeof p, "%s/%s", gdir, files[f]);
			struct json_object *doc = json_object_from_file(p);
			if (!doc) {
				printf("  %s/%s: unreadable\n", groups[g], files[f]);
				gt++;
				free(files[f]);
				continue;
			}
			if (json_object_is_type(doc, json_type_array)) {
				size_t n = json_object_array_length(doc);
				for (size_t i = 0; i < n; i++) {
					char nm[300];
					snprintf(nm, sizeof nm, "%s/%s[%zu]", groups[g], files[f], i);
					gt++;
					gp += run_case(suite, gdir, nm, json_object_array_get_idx(doc, i));
				}
			} else {
				char nm[300];
				snprintf(nm, sizeof nm, "%s/%s", groups[g], files[f]);
				gt++;
				gp += run_case(suite, gdir, nm, doc);
			}
			json_object_put(doc);
			free(files[f]);
		}
		free(files);
		printf("%-32s %4d/%-4d%s\n", groups[g], gp, gt, gp == gt ? "" : "  *");
		total += gt;
		passed += gp;
		free(groups[g]);
	}
	free(groups);
	int pm = total ? (int)((long)passed * 1000 / total) : 0;
	printf("TOTAL %d/%d passed (%d.%d%%), floor %d.%d%%\n", passed, total, pm / 10, pm % 10,
	       floor_pm / 10, floor_pm % 10);
	if (total == 0 || pm < floor_pm) {
		printf("FAIL: pass rate below the floor\n");
		return 1;
	}
	return 0;
}
