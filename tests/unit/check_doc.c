/* Unit tests: loading YAML and JSON documents with node positions,
 * syntax errors with line:column, and robustness on garbage input. */
#include <stdio.h>
#include <stdlib.h>

#include "lang_fake_resources.h"
#include "lang_test.h"
#include "pw_doc.h"
#include "pw_graph.h"
#include "pw_validate.h"

static json_object *load_ok(const char *name, const char *text, pw_doc **doc)
{
	pw_diag d = {0};
	int rc = pw_doc_load_buffer(name, text, strlen(text), doc, &d);
	ck_assert_msg(rc == 0, "%s: %d:%d: %s", text, d.line, d.column,
		      d.message);
	return pw_doc_root(*doc);
}

struct scalar_case {
	const char *yaml;
	const char *want; /* JSON of the value */
};

/* YAML 1.2 core schema for plain scalars; quoted scalars are strings. */
static const struct scalar_case scalars[] = {
	{"true", "true"},	  {"True", "true"},	  {"FALSE", "false"},
	{"yes", "\"yes\""},	  {"on", "\"on\""},	  {"~", "null"},
	{"null", "null"},	  {"", "null"},		  {"42", "42"},
	{"-7", "-7"},		  {"+3", "3"},		  {"012", "12"},
	{"0o17", "15"},		  {"0x1F", "31"},	  {"1.5", "1.5"},
	{"-.5", "-0.5"},	  {"1e3", "1000.0"},	  {"2.5E-1", "0.25"},
	{"1_000", "\"1_000\""},	  {".inf", "\".inf\""},	  {"0x", "\"0x\""},
	{"'true'", "\"true\""},	  {"\"42\"", "\"42\""},	  {"!!str 42", "\"42\""},
	{"db-1", "\"db-1\""},	  {"$.a.b", "\"$.a.b\""}, {"1.2.3", "\"1.2.3\""},
	{"99999999999999999999", "1e+20"},
	{"|\n  two\n  lines\n", "\"two\\nlines\\n\""},
};

START_TEST(test_yaml_scalars)
{
	char text[256];
	snprintf(text, sizeof(text), "v: %s", scalars[_i].yaml);
	pw_doc *doc = NULL;
	json_object *root = load_ok("t.yaml", text, &doc);
	json_object *v = NULL;
	ck_assert(json_object_object_get_ex(root, "v", &v));
	if (strcmp(scalars[_i].want, "1e+20") == 0) {
		ck_assert(json_object_is_type(v, json_type_double));
		ck_assert(json_object_get_double(v) == 1e20);
	} else {
		lt_assert_json(v, scalars[_i].want);
		/* integers stay integers, floats stay floats */
		json_object *w = lt_json(scalars[_i].want);
		ck_assert_int_eq(json_object_get_type(v), json_object_get_type(w));
		json_object_put(w);
	}
	pw_doc_free(doc);
}
END_TEST

static const char *YAML_DOC =
	"# comment\n"
	"StartAt: A\n"
	"States:\n"
	"  A:\n"
	"    Type: Pass\n"
	"    Result: [1, {k: v}]\n"
	"    \"a/b~c\": 1\n"
	"    End: true\n";

static const char *JSON_DOC =
	"{\n"
	"  \"StartAt\": \"A\",\n"
	"  \"States\": {\n"
	"    \"A\": {\"Type\": \"Pass\",\n"
	"      \"Result\": [1, {\"k\": \"v\"}],\n"
	"      \"a/b~c\": 1, \"u\\u00e9\": 2,\n"
	"      \"End\": true}\n"
	"  }\n"
	"}\n";

struct pos_case {
	const char *ptr;
	int yline, ycol, jline, jcol;
};

static const struct pos_case positions[] = {
	{"", 2, 1, 1, 1},
	{"/StartAt", 2, 1, 2, 3},
	{"/States", 3, 1, 3, 3},
	{"/States/A", 4, 3, 4, 5},
	{"/States/A/Type", 5, 5, 4, 11},
	{"/States/A/Result", 6, 5, 5, 7},
	{"/States/A/Result/0", 6, 14, 5, 18},
	{"/States/A/Result/1", 6, 17, 5, 21},
	{"/States/A/Result/1/k", 6, 18, 5, 22},
	{"/States/A/a~1b~0c", 7, 5, 6, 7},
	{"/States/A/End", 8, 5, 7, 7},
};

START_TEST(test_positions)
{
	const struct pos_case *p = &positions[_i];
	pw_doc *y = NULL, *j = NULL;
	int line, col;
	load_ok("w.yaml", YAML_DOC, &y);
	load_ok("w.json", JSON_DOC, &j);
	ck_assert_int_eq(pw_doc_position(y, p->ptr, &line, &col), 0);
	ck_assert_msg(line == p->yline && col == p->ycol, "yaml %s: %d:%d",
		      p->ptr, line, col);
	ck_assert_int_eq(pw_doc_position(j, p->ptr, &line, &col), 0);
	ck_assert_msg(line == p->jline && col == p->jcol, "json %s: %d:%d",
		      p->ptr, line, col);
	pw_doc_free(y);
	pw_doc_free(j);
}
END_TEST

START_TEST(test_position_misc)
{
	pw_doc *j = NULL;
	int line = 9, col = 9;
	load_ok("w.json", JSON_DOC, &j);
	/* \u escapes in keys are decoded like json-c decodes them */
	ck_assert_int_eq(pw_doc_position(j, "/States/A/u\xc3\xa9", &line, &col), 0);
	ck_assert_int_eq(line, 6);
	ck_assert_int_eq(pw_doc_position(j, "/States/Nope", &line, &col), -1);
	ck_assert_int_eq(line, 0);
	ck_assert_int_eq(col, 0);
	/* a missing node takes its nearest ancestor's position */
	pw_diag d;
	pw_doc_diag(j, "/States/A/Missing/Deeper", &d, "x %d", 1);
	ck_assert_str_eq(d.file, "w.json");
	ck_assert_int_eq(d.line, 4);
	ck_assert_int_eq(d.column, 5);
	ck_assert_str_eq(d.message, "x 1");
	ck_assert_str_eq(pw_doc_file(j), "w.json");
	ck_assert_ptr_null(pw_doc_root(NULL));
	pw_doc_free(j);
	pw_doc_free(NULL);
}
END_TEST

START_TEST(test_same_document_from_yaml_and_json)
{
	pw_doc *y = NULL, *j = NULL;
	json_object *ry = load_ok("w.yaml", YAML_DOC, &y);
	json_object *rj = load_ok("w.json", JSON_DOC, &j);
	json_object *a = NULL;
	json_object_object_get_ex(json_object_object_get(rj, "States"), "A", &a);
	json_object_object_del(a, "u\xc3\xa9");
	ck_assert(json_object_equal(ry, rj));
	pw_doc_free(y);
	pw_doc_free(j);
}
END_TEST

START_TEST(test_sniffing)
{
	pw_doc *d1 = NULL, *d2 = NULL;
	json_object *r1 = load_ok("workflow.asl", "  {\"a\": [1]}", &d1);
	json_object *r2 = load_ok("workflow.wf", "a: [1]", &d2);
	ck_assert(json_object_equal(r1, r2));
	pw_doc_free(d1);
	pw_doc_free(d2);
}
END_TEST

struct bad_case {
	const char *name;
	const char *text;
	int line, col;
	const char *needle;
};

static const struct bad_case bad[] = {
	{"b.yaml", "a: 1\nb: [1, 2\n", 3, 1, "YAML syntax error"},
	{"b.yaml", "a: 'open\n", 2, 1, "YAML syntax error"},
	{"b.yaml", "a:\n\t- 1\n", 2, 1, "YAML syntax error"},
	{"b.yaml", "a: 1\na: 2\n", 2, 1, "duplicate key 'a'"},
	{"b.yaml", "x:\n  y: 1\n  y: 2\n", 3, 3, "duplicate key 'y'"},
	{"b.yaml", "a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document"},
	{"b.yaml", "a: *nope\n", 1, 4, "unknown alias"},
	{"b.yaml", "base: &b {x: 1}\nc:\n  <<: *b\n", 3, 3, "merge keys"},
	{"b.yaml", "? [1, 2]\n: v\n", 1, 3, "mapping keys must be plain strings"},
	{"b.yaml", "# only a comment\n", 1, 1, "empty document"},
	{"b.json", "", 1, 1, "unexpected end of input"},
	{"b.json", "{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}'"},
	{"b.json", "{\"a\": 1,}", 1, 9, "expected a string key"},
	{"b.json", "{\n  // comment\n  \"a\": 1}", 2, 3, "expected a string key"},
	{"b.json", "{\"a\": 'x'}", 1, 7, "unexpected character"},
	{"b.json", "{\"a\": NaN}", 1, 7, "unexpected character"},
	{"b.json", "{\"a\": 01}", 1, 8, "expected ',' or '}'"},
	{"b.json", "{\"a\": 1.}", 1, 7, "invalid number"},
	{"b.json", "{\"a\": \"x\ny\"}", 1, 9, "control character"},
	{"b.json", "{\"a\": \"\\q\"}", 1, 8, "invalid escape"},
	{"b.json", "{\"a\": 1}\n{\"b\": 2}", 2, 1, "unexpected text after"},
	{"b.json", "{\"a\": [1, 2}", 1, 12, "expected ',' or ']'"},
	{"b.json", "{\"a\": tru}", 1, 7, "unexpected character"},
	{"b.json", "{\"a\": \"abc", 1, 11, "unterminated string"},
	{"b.json", "{\"a\"\n\n  1}", 3, 3, "expected ':'"},
	{"b.json", "{\"x\": 1, \"x\": 2}", 1, 10, "duplicate key \"x\""},
	{"b.json", "{\"x\": 1e400}", 1, 7, "number out of range"},
	{"b.json", "{\"x\":\n 99999999999999999999}", 2, 2, "number out of range"},
	{"b.lua", "return {\n  StartAt = 'A',\n  States = {\n", 4, 0,
	 "Lua workflow: unexpected symbol near <eof>"},
	{"b.lua", "local x = 1\nerror('broken here')\n", 2, 0,
	 "Lua workflow: broken here"},
	{"b.lua", "return 42", 0, 0, "must return a table"},
	{"b.lua", "return io.open('/etc/passwd')", 1, 0, "io"},
	{"b.lua", "return { f = function() end }", 0, 0, "function"},
};

START_TEST(test_syntax_errors)
{
	const struct bad_case *b = &bad[_i];
	pw_doc *doc = (pw_doc *)1;
	pw_diag d = {0};
	ck_assert_int_eq(pw_doc_load_buffer(b->name, b->text, strlen(b->text),
					    &doc, &d), -1);
	ck_assert_ptr_null(doc);
	ck_assert_str_eq(d.file, b->name);
	ck_assert_msg(d.line == b->line && d.column == b->col,
		      "%s: at %d:%d, want %d:%d (%s)", b->text, d.line,
		      d.column, b->line, b->col, d.message);
	ck_assert_msg(strstr(d.message, b->needle) != NULL, "%s: %s", b->text,
		      d.message);
}
END_TEST

/* A Lua workflow loads to the same document as its JSON twin. */
START_TEST(test_lua_workflow)
{
	char lua[1024], json[1024];
	const char *top = getenv("PW_TOP_SRCDIR");
	snprintf(lua, sizeof(lua), "%s/tests/data/workflows/good/wait-and-notify.lua",
		 top ? top : ".");
	snprintf(json, sizeof(json), "%s/tests/data/workflows/good/wait-and-notify.json",
		 top ? top : ".");
	pw_doc *l = NULL, *j = NULL;
	pw_diag d;
	ck_assert_msg(pw_doc_load_file(lua, &l, &d) == 0, "%d: %s", d.line, d.message);
	ck_assert_int_eq(pw_doc_load_file(json, &j, &d), 0);
	ck_assert_msg(json_object_equal(pw_doc_root(l), pw_doc_root(j)), "%s",
		      json_object_to_json_string(pw_doc_root(l)));
	/* no positions in a Lua document */
	int line = 5, col = 5;
	ck_assert_int_eq(pw_doc_position(l, "/States", &line, &col), -1);
	ck_assert_int_eq(line, 0);
	pw_doc_free(l);
	pw_doc_free(j);
}
END_TEST

START_TEST(test_lua_runaway_is_stopped)
{
	const char *src = "while true do end";
	pw_doc *doc = NULL;
	pw_diag d = {0};
	ck_assert_int_eq(pw_doc_load_buffer("loop.lua", src, strlen(src), &doc, &d), -1);
	ck_assert_msg(strstr(d.message, "too long") != NULL, "%s", d.message);
}
END_TEST

START_TEST(test_deep_nesting_is_an_error_not_a_crash)
{
	size_t depth = 100000;
	char *text = malloc(2 * depth + 1);
	for (size_t i = 0; i < depth; i++) {
		text[i] = '[';
		text[depth + i] = ']';
	}
	text[2 * depth] = '\0';
	const char *names[] = {"deep.json", "deep.yaml"};
	for (int k = 0; k < 2; k++) {
		pw_doc *doc = NULL;
		pw_diag d = {0};
		ck_assert_int_eq(pw_doc_load_buffer(names[k], text, 2 * depth,
						    &doc, &d), -1);
		ck_assert(d.message[0] != '\0');
	}
	free(text);
}
END_TEST

START_TEST(test_alias_bomb_is_refused)
{
	/* each level doubles: 2^40 nodes if expanded */
	char text[8192];
	size_t len = 0;
	len += (size_t)snprintf(text, sizeof(text), "a0: &a0 [x, x]\n");
	for (int i = 1; i <= 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1,
					i - 1);
	pw_doc *doc = NULL;
	pw_diag d = {0};
	ck_assert_int_eq(pw_doc_load_buffer("bomb.yaml", text, len, &doc, &d), -1);
	ck_assert(strstr(d.message, "too many nodes") != NULL);
	/* small aliases expand like copies */
	const char *ok = "r: &r {ErrorEquals: [X], MaxAttempts: 2}\nuse: [*r, *r]\n";
	ck_assert_int_eq(pw_doc_load_buffer("ok.yaml", ok, strlen(ok), &doc, &d), 0);
	json_object *use = json_object_object_get(pw_doc_root(doc), "use");
	lt_assert_json(use, "[{\"ErrorEquals\":[\"X\"],\"MaxAttempts\":2},"
			    "{\"ErrorEquals\":[\"X\"],\"MaxAttempts\":2}]");
	pw_doc_free(doc);
}
END_TEST

START_TEST(test_file_errors_and_print)
{
	pw_doc *doc = NULL;
	pw_diag d = {0};
	ck_assert_int_eq(pw_doc_load_file("/nonexistent/w.yaml", &doc, &d), -1);
	ck_assert_str_eq(d.file, "/nonexistent/w.yaml");
	ck_assert(strstr(d.message, "cannot open") != NULL);

	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	pw_diag full = {"w.yaml", 3, 7, "boom"};
	pw_diag noline = {"w.yaml", 0, 0, "cannot open"};
	pw_diag nocol = {"w.lua", 4, 0, "bad"};
	pw_diag_print(&full, f);
	pw_diag_print(&noline, f);
	pw_diag_print(&nocol, f);
	fclose(f);
	ck_assert_str_eq(buf, "w.yaml:3:7: boom\nw.yaml: cannot open\nw.lua:4: bad\n");
}
END_TEST

/* Robustness: every prefix of the fixtures, and random byte mutations,
 * load (or fail with a message) and validate without crashing. */
static char *read_fixture(const char *rel, size_t *len)
{
	char path[1024];
	const char *top = getenv("PW_TOP_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/workflows/%s",
		 top ? top : ".", rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void load_and_validate(const char *name, const char *buf, size_t len,
			      int draw)
{
	pw_doc *doc = NULL;
	pw_diag d = {0};
	if (pw_doc_load_buffer(name, buf, len, &doc, &d) != 0) {
		ck_assert_msg(d.message[0] != '\0', "no message for a failed load");
		ck_assert_ptr_null(doc);
		return;
	}
	pw_diag_list l = {0};
	pw_workflow_validate(doc, lt_fake_check, NULL, &l);
	pw_diag_list_free(&l);
	if (draw) {
		/* drawing needs no validation to be safe */
		FILE *sink = fopen("/dev/null", "w");
		pw_graph_write(pw_doc_root(doc), PW_GRAPH_DOT, sink);
		pw_graph_write(pw_doc_root(doc), PW_GRAPH_MERMAID, sink);
		fclose(sink);
	}
	pw_doc_free(doc);
}

static const char *const fuzz_files[] = {"good/all-states.yaml",
					 "good/all-states.json"};

START_TEST(test_every_prefix)
{
	size_t len;
	char *buf = read_fixture(fuzz_files[_i], &len);
	if (_i == 1) {
		/* JSON: the compact form cuts at every token at half the cost
		 * (this test is quadratic, and valgrind runs it too) */
		json_object *o = lt_json(buf);
		free(buf);
		buf = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		len = strlen(buf);
		json_object_put(o);
	}
	for (size_t n = 0; n <= len; n++) {
		/* exact-size copy so ASan sees any read past the end */
		char *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		load_and_validate(fuzz_files[_i], copy, n, 0);
		free(copy);
	}
	free(buf);
}
END_TEST

START_TEST(test_random_mutations)
{
	size_t len;
	char *buf = read_fixture(fuzz_files[_i], &len);
	static const char junk[] = "{}[]:,\"'\\-&*!|>#%@`\n\t \x01\xff$.0";
	unsigned short seed[3] = {1, 2, (unsigned short)_i};
	for (int round = 0; round < 800; round++) {
		char *copy = malloc(len);
		memcpy(copy, buf, len);
		int edits = 1 + (int)(nrand48(seed) % 4);
		for (int e = 0; e < edits; e++)
			copy[nrand48(seed) % len] =
				junk[nrand48(seed) % (sizeof(junk) - 1)];
		load_and_validate(fuzz_files[_i], copy, len, 1);
		free(copy);
	}
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("doc");
	TCase *t = tcase_create("core");
	tcase_add_loop_test(t, test_yaml_scalars, 0, sizeof(scalars) / sizeof(scalars[0]));
	tcase_add_loop_test(t, test_positions, 0, sizeof(positions) / sizeof(positions[0]));
	tcase_add_test(t, test_position_misc);
	tcase_add_test(t, test_same_document_from_yaml_and_json);
	tcase_add_test(t, test_sniffing);
	tcase_add_loop_test(t, test_syntax_errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(t, test_lua_workflow);
	tcase_add_test(t, test_lua_runaway_is_stopped);
	tcase_add_test(t, test_deep_nesting_is_an_error_not_a_crash);
	tcase_add_test(t, test_alias_bomb_is_refused);
	tcase_add_test(t, test_file_errors_and_print);
	suite_add_tcase(s, t);
	TCase *fz = tcase_create("fuzz");
	tcase_set_timeout(fz, 120);
	tcase_add_loop_test(fz, test_every_prefix, 0, 2);
	tcase_add_loop_test(fz, test_random_mutations, 0, 2);
	suite_add_tcase(s, fz);
	return s;
}

int main(void)
{
	return lt_run(suite());
}
