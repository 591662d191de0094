/* Unit tests: workflows drawn as Graphviz DOT and Mermaid. */
#include <stdio.h>
#include <stdlib.h>

#include "lang_test.h"
#include "pw_doc.h"
#include "pw_graph.h"
#include "pw_redact.h"

/* Draws the fixture (or inline JSON) and returns the text (caller frees). */
static char *draw(const char *fixture, const char *json,
		  enum pw_graph_format fmt)
{
	pw_doc *doc = NULL;
	pw_diag d;
	if (fixture != NULL) {
		char path[1024];
		const char *top = getenv("PW_TOP_SRCDIR");
		snprintf(path, sizeof(path), "%s/tests/data/workflows/%s",
			 top ? top : ".", fixture);
		ck_assert_msg(pw_doc_load_file(path, &doc, &d) == 0, "%s",
			      d.message);
	} else {
		ck_assert(pw_doc_load_buffer("g.json", json, strlen(json), &doc,
					     &d) == 0);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(pw_graph_write(pw_doc_root(doc), fmt, f), 0);
	fclose(f);
	pw_doc_free(doc);
	return buf;
}

static void assert_has(const char *text, const char *needle)
{
	ck_assert_msg(strstr(text, needle) != NULL, "missing <%s> in:\n%s",
		      needle, text);
}

static int count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

START_TEST(test_dot)
{
	char *t = draw("good/all-states.yaml", NULL, PW_GRAPH_DOT);
	ck_assert(strncmp(t, "digraph workflow {\n", 19) == 0);
	/* shapes per type */
	assert_has(t, "n0 [shape=box, style=rounded, label=\"Describe\\nTask: rds:DescribeDBInstances\"];");
	assert_has(t, "n1 [shape=diamond, label=\"IsAvailable\\nChoice\"];");
	assert_has(t, "n2 [shape=ellipse, label=\"Pause\\nWait\"];");
	assert_has(t, "n3 [shape=parallelogram, label=\"Fan\\nParallel\"];");
	assert_has(t, "n4 [shape=box3d, label=\"Each\\nMap\"];");
	assert_has(t, "[shape=doublecircle, label=\"Done\\nSucceed\"];");
	assert_has(t, "[shape=octagon, color=red, label=\"Failed\\nFail\"];");
	assert_has(t, "[shape=box, label=\"Stamp\\nPass\"];");
	/* edges and their labels */
	assert_has(t, "entry0 -> n0 [];");
	assert_has(t, "n0 -> n1 [label=\"Next\"];");
	assert_has(t, "n1 -> n3 [label=\"rule 1: $.db.Status StringEquals \\\"available\\\"\"];");
	assert_has(t, "n1 -> n8 [label=\"rule 2: And(...)\"];");
	assert_has(t, "n1 -> n2 [label=\"Default\"];");
	assert_has(t, "n0 -> n0 [label=\"Retry RDS.Throttling x5\", style=dotted];");
	assert_has(t, "n0 -> n0 [label=\"Retry States.ALL x1\", style=dotted];");
	assert_has(t, "n0 -> n5 [label=\"Catch States.Timeout, States.TaskFailed\", style=dashed];");
	assert_has(t, "n0 -> n8 [label=\"Catch States.ALL\", style=dashed];");
	assert_has(t, "n7 -> exit0 [];");
	/* two Parallel branches and one Map processor as clusters */
	ck_assert_int_eq(count(t, "subgraph cluster_"), 3);
	assert_has(t, "label=\"Fan: branch 2\";");
	assert_has(t, "label=\"Each: each item\";");
	assert_has(t, "n3 -> n10 [label=\"start\", style=dashed];");
	ck_assert_int_eq(count(t, "{"), count(t, "}"));
	free(t);
}
END_TEST

START_TEST(test_mermaid)
{
	char *t = draw("good/all-states.json", NULL, PW_GRAPH_MERMAID);
	ck_assert(strncmp(t, "flowchart TD\n", 13) == 0);
	assert_has(t, "n0(\"Describe<br/>Task: rds:DescribeDBInstances\")");
	assert_has(t, "n1{\"IsAvailable<br/>Choice\"}");
	assert_has(t, "n2([\"Pause<br/>Wait\"])");
	assert_has(t, "n3[/\"Fan<br/>Parallel\"/]");
	assert_has(t, "n4[[\"Each<br/>Map\"]]");
	assert_has(t, "((\"Done<br/>Succeed\"))");
	assert_has(t, "{{\"Failed<br/>Fail\"}}");
	assert_has(t, "entry0 --> n0");
	assert_has(t, "n0 -->|\"Next\"| n1");
	assert_has(t, "n1 -->|\"rule 1: $.db.Status StringEquals #quot;available#quot;\"| n3");
	assert_has(t, "n1 -->|\"Default\"| n2");
	assert_has(t, "n0 -.->|\"Retry RDS.Throttling x5\"| n0");
	assert_has(t, "n0 -.->|\"Catch States.ALL\"| n8");
	ck_assert_int_eq(count(t, "subgraph c"), 3);
	/* every subgraph is closed */
	ck_assert_int_eq(count(t, "\n  end\n"), 3);
	free(t);
}
END_TEST

START_TEST(test_escaping)
{
	const char *wf = "{\"StartAt\":\"Say \\\"hi\\\" <now>\",\"States\":{"
			 "\"Say \\\"hi\\\" <now>\":{\"Type\":\"Task\",\"Resource\":\"lua:a\\\\b.lua\",\"End\":true}}}";
	char *d = draw(NULL, wf, PW_GRAPH_DOT);
	assert_has(d, "label=\"Say \\\"hi\\\" <now>\\nTask: lua:a\\\\b.lua\"");
	free(d);
	char *m = draw(NULL, wf, PW_GRAPH_MERMAID);
	assert_has(m, "n0(\"Say #quot;hi#quot; #lt;now#gt;<br/>Task: lua:a\\b.lua\")");
	free(m);
}
END_TEST

START_TEST(test_bad_input_does_not_crash)
{
	/* unvalidated shapes: dangling targets, non-object states */
	const char *wf = "{\"StartAt\":\"Nope\",\"States\":{\"A\":5,"
			 "\"B\":{\"Type\":\"Choice\",\"Choices\":[7,{\"Next\":\"Z\"}],\"Default\":3},"
			 "\"C\":{\"Type\":\"Weird\",\"Branches\":{},\"Retry\":[1],\"Catch\":[{}]}}}";
	char *t = draw(NULL, wf, PW_GRAPH_DOT);
	assert_has(t, "[shape=box, label=\"C\\nWeird\"]");
	free(t);
	ck_assert_int_eq(pw_graph_write(NULL, PW_GRAPH_DOT, stdout), -1);
}
END_TEST

/* A secret in a state name with a C1 control (U+0085): put_label shows it
 * as \\x85, and the redactor knows that spelling, in both formats. */
START_TEST(test_c1_control_in_a_secret_is_redacted)
{
	const char *wf = "{\"StartAt\":\"ab\\u0085cdef\",\"States\":{"
			 "\"ab\\u0085cdef\":{\"Type\":\"Pass\",\"End\":true}}}";
	pw_secret_clear();
	pw_secret_add("ab\xc2\x85" "cdef");
	for (int fmt = PW_GRAPH_DOT; fmt <= PW_GRAPH_MERMAID; fmt++) {
		char *t = draw(NULL, wf, (enum pw_graph_format)fmt);
		assert_has(t, fmt == PW_GRAPH_DOT ? "ab\\\\x85cdef" : "ab\\x85cdef");
		char *r = pw_redact(t);
		ck_assert_msg(strstr(r, "cdef") == NULL, "secret left in:\n%s", r);
		assert_has(r, "***");
		free(r);
		free(t);
	}
	pw_secret_clear();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("graph");
	TCase *t = tcase_create("core");
	tcase_add_test(t, test_dot);
	tcase_add_test(t, test_mermaid);
	tcase_add_test(t, test_escaping);
	tcase_add_test(t, test_bad_input_does_not_crash);
	tcase_add_test(t, test_c1_control_in_a_secret_is_redacted);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}
