/* pgw_csv.c - parse CSV with libcsv: records with line numbers, and the
 * top-queries file on top of that. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_csv.h"

struct record_state {
	int line;     /* line being fed */
	int row_line; /* line where the current record started */
	int in_row;
	char **fields;
	size_t nfields, capfields;
	int oom;
	int stop; /* nonzero value returned by the callback */
	pgw_csv_record_fn cb;
	void *ud;
};

static void on_field(void *data, size_t len, void *ud)
{
	struct record_state *st = ud;
	if (st->oom || st->stop)
		return;
	if (!st->in_row) {
		st->in_row = 1;
		st->row_line = st->line;
	}
	if (st->nfields == st->capfields) {
		size_t cap = st->capfields ? st->capfields * 2 : 16;
		char **f = realloc(st->fields, cap * sizeof(*f));
		if (f == NULL) {
			st->oom = 1;
			return;
		}
		st->fields = f;
		st->capfields = cap;
	}
	char *s = malloc(len + 1);
	if (s == NULL) {
		st->oom = 1;
		return;
	}
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';
	st->fields[st->nfields++] = s;
}

static void clear_fields(struct record_state *st)
{
	for (size_t i = 0; i < st->nfields; i++)
		free(st->fields[i]);
	st->nfields = 0;
	st->in_row = 0;
}

static void on_row(int term, void *ud)
{
	struct record_state *st = ud;
	(void)term;
	if (!st->oom && !st->stop && st->nfields > 0)
		st->stop = st->cb(st->fields, st->nfields, st->row_line, st->ud);
	clear_fields(st);
}

int pgw_csv_each_record(const char *text, size_t len, pgw_csv_record_fn cb,
			void *ud)
{
	struct record_state st = {.line = 1, .cb = cb, .ud = ud};
	struct csv_parser p;
	int rc = 0;
	if (csv_init(&p, 0) != 0)
		return -1;
	/* Fed line by line so each record knows the line it starts on. */
	size_t off = 0;
	while (off < len && !st.oom && !st.stop) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t chunk = nl != NULL ? (size_t)(nl - (text + off)) + 1
					  : len - off;
		if (csv_parse(&p, text + off, chunk, on_field, on_row, &st) !=
		    chunk) {
			rc = csv_error(&p) == CSV_ENOMEM ? -1 : -2;
			break;
		}
		off += chunk;
		if (nl != NULL)
			st.line++;
	}
	if (rc == 0 && !st.stop)
		csv_fini(&p, on_field, on_row, &st);
	if (rc == 0 && st.oom)
		rc = -1;
	if (rc == 0)
		rc = st.stop;
	clear_fields(&st);
	free(st.fields);
	csv_free(&p);
	return rc;
}

enum { COL_QUERYID, COL_QUERY, COL_CALLS, COL_TOTAL, COL_COUNT };

struct query_state {
	const char *name;
	int header_done;
	size_t ncols;
	int col[COL_COUNT]; /* header position of each known column, or -1 */
	pgw_query_set *set;
};

static void add_malformed(struct query_state *st, int line, const char *why)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s:%d: %s", st->name, line, why);
	json_object_array_add(st->set->malformed, json_object_new_string(buf));
}

static int parse_number(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || v < 0)
		return -1;
	*out = v;
	return 0;
}

static void take_header(struct query_state *st, char **f, size_t n)
{
	static const char *const names[COL_COUNT] = {"queryid", "query",
						     "calls", "total_exec_time"};
	for (int c = 0; c < COL_COUNT; c++)
		st->col[c] = -1;
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < COL_COUNT; c++)
			if (strcmp(f[i], names[c]) == 0)
				st->col[c] = (int)i;
		if (st->col[COL_TOTAL] < 0 && strcmp(f[i], "total_time") == 0)
			st->col[COL_TOTAL] = (int)i;
	}
	st->ncols = n;
	st->header_done = 1;
}

static int take_row(struct query_state *st, char **f, size_t n, int line)
{
	char why[160];
	if (n != st->ncols) {
		snprintf(why, sizeof(why),
			 "malformed row: %zu fields, the header has %zu; "
			 "skipped",
			 n, st->ncols);
		add_malformed(st, line, why);
		return 0;
	}
	pgw_query_row row = {.line = line};
	const char *q = f[st->col[COL_QUERY]];
	if (q[0] == '\0') {
		add_malformed(st, line, "field query: empty; skipped");
		return 0;
	}
	static const char *const numeric[] = {"calls", "total_exec_time"};
	int numcols[] = {COL_CALLS, COL_TOTAL};
	double *dst[] = {&row.calls, &row.total_time};
	for (int i = 0; i < 2; i++) {
		if (st->col[numcols[i]] < 0)
			continue;
		const char *v = f[st->col[numcols[i]]];
		if (parse_number(v, dst[i]) != 0) {
			snprintf(why, sizeof(why),
				 "field %s: '%.40s' is not a number; skipped",
				 numeric[i], v);
			add_malformed(st, line, why);
			return 0;
		}
	}
	row.query = strdup(q);
	row.queryid = strdup(st->col[COL_QUERYID] >= 0 ? f[st->col[COL_QUERYID]]
						       : "");
	pgw_query_row *rows =
		realloc(st->set->rows, (st->set->n + 1) * sizeof(*rows));
	if (rows != NULL)
		st->set->rows = rows;
	if (row.query == NULL || row.queryid == NULL || rows == NULL) {
		free(row.query);
		free(row.queryid);
		return -1;
	}
	st->set->rows[st->set->n++] = row;
	return 0;
}

static int on_query_record(char **f, size_t n, int line, void *ud)
{
	struct query_state *st = ud;
	if (!st->header_done) {
		take_header(st, f, n);
		return st->col[COL_QUERY] < 0 ? 1 : 0; /* reported below */
	}
	return take_row(st, f, n, line);
}

void pgw_query_set_free(pgw_query_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->rows[i].query);
		free(set->rows[i].queryid);
	}
	free(set->rows);
	json_object_put(set->malformed);
	free(set);
}

int pgw_csv_parse_queries(const char *text, size_t len, const char *name,
			  pgw_query_set **out, pw_error *err)
{
	*out = NULL;
	struct query_state st = {.name = name};
	st.set = calloc(1, sizeof(*st.set));
	if (st.set == NULL ||
	    (st.set->malformed = json_object_new_array()) == NULL) {
		pgw_query_set_free(st.set);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "out of memory");
	}
	int rc = pgw_csv_each_record(text, len, on_query_record, &st);
	if (rc != 0 && rc != 1) {
		pgw_query_set_free(st.set);
		if (rc == -2)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "%s: malformed CSV", name);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "out of memory");
	}
	if (!st.header_done || st.col[COL_QUERY] < 0) {
		pgw_query_set_free(st.set);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s:1: %s; expected a CSV header with a "
				    "'query' column",
				    name,
				    st.header_done ? "the header has no 'query' "
						     "column"
						   : "empty file");
	}
	*out = st.set;
	return PW_OK;
}

int pgw_read_file(const char *path, char **text, size_t *len, pw_error *err)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot open: %s", path,
				    strerror(errno));
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (buf == NULL || bad) {
		free(buf);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot read", path);
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return PW_OK;
}

int pgw_write_file(const char *path, const char *param, const char *text,
		   size_t len, pw_error *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: path too long", param);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot create: %s", tmp,
				    strerror(errno));
	size_t w = fwrite(text, 1, len, f);
	if (fclose(f) != 0 || w != len || rename(tmp, path) != 0) {
		int e = errno;
		remove(tmp);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot write: %s", path, strerror(e));
	}
	return PW_OK;
}
