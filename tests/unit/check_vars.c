/* check_vars - workflow variables (engine/pw_vars.c and their use by the
 * executor and the validator): Assign in each state type, parallel
 * assignment, `$name` in each field, Map/Parallel scopes, size limits,
 * validation with positions, journal, history and resume. */
#include <pthread.h>

#include "exec_harness.h"
#include "pw_exec.h"
#include "pw_ident.h"
#include "pw_journal.h"
#include "pw_log.h"
#include "pw_out.h"
#include "pw_redact.h"
#include "pw_validate.h"
#include "pw_vars.h"

#include "wf_fixture.h"

static pw_doc *load(const char *name, const char *text)
{
	return eh_load(tmp, name, text);
}

/* Runs wf (JSON) on input and checks it ends with status. */
static struct pw_exec_result run_wf(const char *wf, const char *input, enum pw_exec_status st)
{
	struct pw_exec_opts o = opts(NULL);
	struct pw_exec_result res = eh_run(load("wf.json", wf), input, &o);
	ck_assert_msg(res.status == st, "status %d: %s: %s", res.status, res.error.name,
		      res.error.cause);
	return res;
}

static void assert_json(json_object *got, const char *want)
{
	json_object *w = json_tokener_parse(want);
	ck_assert_msg(json_object_equal(got, w), "got %s, want %s",
		      json_object_to_json_string(got), want);
	json_object_put(w);
}

/* Every state type that has Assign: what "$" is in each, and that the
 * values are there for the next states. */
START_TEST(assign_in_each_state_type)
{
	struct pw_exec_result r = run_wf(
		"{\"StartAt\":\"P\",\"States\":{"
		"\"P\":{\"Type\":\"Pass\",\"Parameters\":{\"n.$\":\"$.in\"},\"ResultPath\":\"$.p\","
		"\"Assign\":{\"pass.$\":\"$.n\",\"lit\":{\"a\":[1,{\"b.$\":\"$.n\"}]}},\"Next\":\"T\"},"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\",\"Parameters\":{\"E\":5},"
		"\"ResultSelector\":{\"sel.$\":\"$.E\"},\"ResultPath\":null,"
		"\"Assign\":{\"task.$\":\"$.sel\"},\"Next\":\"C\"},"
		"\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$task\",\"NumericEquals\":5,"
		"\"Assign\":{\"rule\":\"matched\"},\"Next\":\"D\"}],\"Default\":\"D\","
		"\"Assign\":{\"rule\":\"default\"}},"
		"\"D\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$task\",\"NumericEquals\":0,"
		"\"Assign\":{\"dflt\":\"matched\"},\"Next\":\"W\"}],\"Default\":\"W\","
		"\"Assign\":{\"dflt.$\":\"$.in\"}},"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":1,\"Assign\":{\"wait.$\":\"$$.State.Name\"},"
		"\"Next\":\"M\"},"
		"\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$.items\",\"ItemProcessor\":{\"StartAt\":\"I\","
		"\"States\":{\"I\":{\"Type\":\"Pass\",\"Parameters\":{\"v.$\":\"States.MathAdd($, $task)\"},"
		"\"End\":true}}},\"Assign\":{\"map.$\":\"$\"},\"ResultPath\":null,\"Next\":\"Par\"},"
		"\"Par\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{\"B\":"
		"{\"Type\":\"Pass\",\"Result\":\"b\",\"End\":true}}}],\"Assign\":{\"par.$\":\"$[0]\"},"
		"\"ResultPath\":null,\"Next\":\"F\"},"
		"\"F\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\",\"Parameters\":"
		"{\"Name\":\"f\",\"Times\":9,\"Error\":\"Boom\"},\"Assign\":{\"notme\":1},"
		"\"Catch\":[{\"ErrorEquals\":[\"Boom\"],\"ResultPath\":null,"
		"\"Assign\":{\"caught.$\":\"$.Error\",\"ctx.$\":\"$$.State.Name\"},\"Next\":\"Out\"}],"
		"\"End\":true},"
		"\"Out\":{\"Type\":\"Pass\",\"Parameters\":{\"pass.$\":\"$pass\",\"lit.$\":\"$lit\","
		"\"task.$\":\"$task\",\"rule.$\":\"$rule\",\"dflt.$\":\"$dflt\",\"wait.$\":\"$wait\","
		"\"map.$\":\"$map\",\"par.$\":\"$par\",\"caught.$\":\"$caught\",\"ctx.$\":\"$ctx\","
		"\"notme\":false},\"End\":true}}}",
		"{\"in\":3,\"items\":[1,2]}", PW_EXEC_SUCCEEDED);
	assert_json(r.output,
		    "{\"pass\":3,\"lit\":{\"a\":[1,{\"b\":3}]},\"task\":5,\"rule\":\"matched\","
		    "\"dflt\":3,\"wait\":\"W\",\"map\":[{\"v\":6},{\"v\":7}],\"par\":\"b\","
		    "\"caught\":\"Boom\",\"ctx\":\"F\",\"notme\":false}");
	pw_exec_result_clear(&r);
	/* The state's own Assign does not apply when a catcher takes over. */
	r = run_wf("{\"StartAt\":\"F\",\"States\":{"
		   "\"F\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\",\"Parameters\":"
		   "{\"Name\":\"g\",\"Times\":9,\"Error\":\"Boom\"},\"Assign\":{\"own\":1},"
		   "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"O\"}],\"End\":true},"
		   "\"O\":{\"Type\":\"Pass\",\"Parameters\":{\"o.$\":\"$own\"},\"End\":true}}}",
		   "{}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.Runtime");
	ck_assert_msg(strstr(r.error.cause, "no variable named $own"), "%s", r.error.cause);
	pw_exec_result_clear(&r);
	/* A matched rule without Assign assigns nothing: the state's Assign
	 * is only for Default. */
	r = run_wf("{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":["
		   "{\"Variable\":\"$\",\"IsPresent\":true,\"Next\":\"O\"}],\"Default\":\"O\","
		   "\"Assign\":{\"d\":1}},"
		   "\"O\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$d\",\"IsPresent\":true,"
		   "\"Next\":\"Y\"}],\"Default\":\"N\"},"
		   "\"Y\":{\"Type\":\"Fail\",\"Error\":\"Y\"},\"N\":{\"Type\":\"Succeed\"}}}",
		   "{}", PW_EXEC_SUCCEEDED);
	pw_exec_result_clear(&r);
}
END_TEST

/* All assignments of one Assign read the values from before it, and so
 * does every other field of the state (OutputPath included). */
START_TEST(parallel_assignment_reads_values_before_the_state)
{
	struct pw_exec_result r = run_wf(
		"{\"StartAt\":\"A\",\"States\":{"
		"\"A\":{\"Type\":\"Pass\",\"Assign\":{\"x\":1,\"y\":2},\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Pass\",\"Assign\":{\"x.$\":\"$y\",\"y.$\":\"$x\",\"old.$\":\"$x\"},"
		"\"Parameters\":{\"x.$\":\"$x\"},\"OutputPath\":\"$x\",\"Next\":\"C\"},"
		"\"C\":{\"Type\":\"Pass\",\"Parameters\":{\"in.$\":\"$\",\"x.$\":\"$x\",\"y.$\":\"$y\","
		"\"old.$\":\"$old\"},\"End\":true}}}",
		"{}", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "{\"in\":1,\"x\":2,\"y\":1,\"old\":1}");
	pw_exec_result_clear(&r);
}
END_TEST

/* `$name` and `$name.path` in every field that reads a path. */
START_TEST(references_in_every_path_field)
{
	struct pw_exec_result r = run_wf(
		"{\"StartAt\":\"S\",\"States\":{"
		"\"S\":{\"Type\":\"Pass\",\"Assign\":{\"o\":{\"a\":{\"b\":[10,20]},\"items\":[\"p\",\"q\"],"
		"\"s\":\"x\",\"t\":\"2025-01-01T00:00:00Z\",\"secs\":2,\"e\":\"Err.X\",\"c\":\"why\"}},"
		"\"Next\":\"In\"},"
		"\"In\":{\"Type\":\"Pass\",\"InputPath\":\"$o.a\",\"ResultPath\":\"$.r\","
		"\"OutputPath\":\"$o.a.b[1]\",\"Next\":\"Ch\"},"
		"\"Ch\":{\"Type\":\"Choice\",\"Choices\":[{\"And\":[{\"Variable\":\"$o.s\","
		"\"StringEqualsPath\":\"$o.s\"},{\"Variable\":\"$\",\"NumericEqualsPath\":\"$o.a.b[1]\"}],"
		"\"Next\":\"W1\"}],\"Default\":\"Bad\"},"
		"\"W1\":{\"Type\":\"Wait\",\"SecondsPath\":\"$o.secs\",\"Next\":\"W2\"},"
		"\"W2\":{\"Type\":\"Wait\",\"TimestampPath\":\"$o.t\",\"Next\":\"M\"},"
		"\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$o.items\",\"ItemSelector\":"
		"{\"i.$\":\"$$.Map.Item.Value\",\"s.$\":\"$o.s\"},\"ItemProcessor\":{\"StartAt\":\"I\","
		"\"States\":{\"I\":{\"Type\":\"Pass\",\"Parameters\":{\"f.$\":"
		"\"States.Format('{}-{}-{}', $.i, $.s, $o.a.b[0])\"},\"End\":true}}},\"Next\":\"T\"},"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\",\"TimeoutSecondsPath\":\"$o.secs\","
		"\"Parameters\":{\"m.$\":\"$\"},\"ResultSelector\":{\"m.$\":\"$.m\",\"k.$\":\"$o.s\"},"
		"\"Next\":\"Fail\"},"
		"\"Bad\":{\"Type\":\"Succeed\"},"
		"\"Fail\":{\"Type\":\"Fail\",\"ErrorPath\":\"$o.e\","
		"\"CausePath\":\"States.Format('{} {}', $o.c, $o.a.b[0])\"}}}",
		"{}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "Err.X");
	ck_assert_str_eq(r.error.cause, "why 10");
	ck_assert_int_eq(fc.n_slept, 1); /* W1; W2's timestamp is past */
	ck_assert_int_eq(fc.slept[0], 2000);
	pw_exec_result_clear(&r);
	/* An undefined variable: States.Runtime, worded as Step Functions does. */
	r = run_wf("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
		   "\"InputPath\":\"$nope.x\",\"End\":true}}}",
		   "{}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.Runtime");
	ck_assert_msg(strstr(r.error.cause, "An error occurred while executing the state 'P'") ==
			      r.error.cause && strstr(r.error.cause, "$nope"),
		      "%s", r.error.cause);
	pw_exec_result_clear(&r);
	/* IsPresent on an undefined variable is false, not an error. */
	r = run_wf("{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":["
		   "{\"Variable\":\"$nope\",\"IsPresent\":true,\"Next\":\"Y\"}],\"Default\":\"N\"},"
		   "\"Y\":{\"Type\":\"Fail\",\"Error\":\"Y\"},\"N\":{\"Type\":\"Succeed\"}}}",
		   "{}", PW_EXEC_SUCCEEDED);
	pw_exec_result_clear(&r);
}
END_TEST

/* Iterations read outer variables, keep their own to themselves, cannot
 * assign outer names; the Map/Parallel's own Assign is the outer scope's. */
START_TEST(map_and_parallel_scopes)
{
	struct pw_exec_result r = run_wf(
		"{\"StartAt\":\"S\",\"States\":{"
		"\"S\":{\"Type\":\"Pass\",\"Assign\":{\"k\":10},\"Next\":\"M\"},"
		"\"M\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{"
		"\"I\":{\"Type\":\"Pass\",\"Assign\":{\"mine.$\":\"States.MathAdd($, $k)\"},"
		"\"Next\":\"J\"},\"J\":{\"Type\":\"Pass\",\"OutputPath\":\"$mine\",\"End\":true}}},"
		"\"Assign\":{\"k\":0,\"sum.$\":\"$\"},\"Next\":\"O\"},"
		"\"O\":{\"Type\":\"Pass\",\"Parameters\":{\"k.$\":\"$k\",\"sum.$\":\"$sum\"},"
		"\"End\":true}}}",
		"[1,2,3]", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "{\"k\":0,\"sum\":[11,12,13]}");
	pw_exec_result_clear(&r);
	/* What an iteration assigns is gone after it. */
	r = run_wf("{\"StartAt\":\"M\",\"States\":{"
		   "\"M\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{"
		   "\"I\":{\"Type\":\"Pass\",\"Assign\":{\"mine\":1},\"End\":true}}},\"Next\":\"O\"},"
		   "\"O\":{\"Type\":\"Pass\",\"InputPath\":\"$mine\",\"End\":true}}}",
		   "[1]", PW_EXEC_FAILED);
	ck_assert_msg(strstr(r.error.cause, "no variable named $mine"), "%s", r.error.cause);
	pw_exec_result_clear(&r);
	/* A branch does not see its sibling's variables. */
	r = run_wf("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Parallel\",\"Branches\":["
		   "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Assign\":{\"a\":1},"
		   "\"End\":true}}},"
		   "{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\",\"InputPath\":\"$a\","
		   "\"End\":true}}}],\"End\":true}}}",
		   "{}", PW_EXEC_FAILED);
	ck_assert_msg(strstr(r.error.cause, "no variable named $a"), "%s", r.error.cause);
	pw_exec_result_clear(&r);
	/* An iteration assigning an outer name (validate refuses it too). */
	r = run_wf("{\"StartAt\":\"S\",\"States\":{"
		   "\"S\":{\"Type\":\"Pass\",\"Assign\":{\"k\":1},\"Next\":\"M\"},"
		   "\"M\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{"
		   "\"I\":{\"Type\":\"Pass\",\"Assign\":{\"k\":2},\"End\":true}}},\"End\":true}}}",
		   "[1]", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.Runtime");
	ck_assert_msg(strstr(r.error.cause, "belongs to an outer scope"), "%s", r.error.cause);
	pw_exec_result_clear(&r);
}
END_TEST

static char *big_string(size_t n)
{
	char *s = malloc(n + 1);
	memset(s, 'v', n);
	s[n] = '\0';
	return s;
}

/* 256 KiB per value and per Assign, 10 MiB per execution (all scopes). */
START_TEST(size_limits)
{
	pw_error err = {{0}, {0}};
	pw_vars *top = pw_vars_new(NULL);
	char *s = big_string(PW_VARS_MAX_VALUE - 2); /* with its quotes: exactly the limit */
	json_object *in = json_object_new_object();
	json_object_object_add(in, "s", json_object_new_string(s));
	json_object *ok = json_tokener_parse("{\"a.$\":\"$.s\"}");
	json_object *pending = NULL;
	ck_assert_int_eq(pw_vars_eval(top, ok, in, NULL, "Assign", &pending, &err), PW_OK);
	ck_assert_int_eq(pw_vars_commit(top, pending, NULL, &err), PW_OK);
	ck_assert_uint_eq(pw_vars_size(top), PW_VARS_MAX_VALUE);
	json_object_put(pending);
	/* one byte more */
	json_object_object_add(in, "s", json_object_new_string_len(s, PW_VARS_MAX_VALUE - 1));
	ck_assert_int_eq(pw_vars_eval(top, ok, in, NULL, "Assign", &pending, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.DataLimitExceeded");
	ck_assert_msg(strstr(err.cause, "$a"), "%s", err.cause);
	/* two values under the limit, over it together */
	json_object_object_add(in, "s", json_object_new_string_len(s, 140000));
	json_object *two = json_tokener_parse("{\"a.$\":\"$.s\",\"b.$\":\"$.s\"}");
	ck_assert_int_eq(pw_vars_eval(top, two, in, NULL, "Assign", &pending, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.DataLimitExceeded");
	ck_assert_msg(strstr(err.cause, "together"), "%s", err.cause);
	/* 10 MiB for the execution: 39 more values fit, the 41st does not;
	 * reassigning replaces a value's size, an inner scope counts too. */
	json_object_object_add(in, "s", json_object_new_string_len(s, PW_VARS_MAX_VALUE - 2));
	pw_vars *inner = pw_vars_new(top);
	for (int i = 1; i <= 40; i++) { /* t1..t19 in top (t1 twice), n1..n20 inner */
		char tmpl[64];
		pw_vars *sc = i <= 20 ? top : inner;
		snprintf(tmpl, sizeof(tmpl), "{\"%c%d.$\":\"$.s\"}", i <= 20 ? 't' : 'n',
			 i == 20 ? 1 : i <= 20 ? i : i - 20);
		json_object *a = json_tokener_parse(tmpl);
		ck_assert_int_eq(pw_vars_eval(sc, a, in, NULL, "Assign", &pending, &err), PW_OK);
		int rc = pw_vars_commit(sc, pending, NULL, &err);
		json_object_put(pending);
		json_object_put(a);
		ck_assert_int_eq(rc, PW_OK);
	}
	ck_assert_uint_eq(pw_vars_total(top), 40u * PW_VARS_MAX_VALUE);
	json_object *more = json_tokener_parse("{\"last.$\":\"$.s\"}");
	ck_assert_int_eq(pw_vars_eval(inner, more, in, NULL, "Assign", &pending, &err), PW_OK);
	ck_assert_int_eq(pw_vars_commit(inner, pending, NULL, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.DataLimitExceeded");
	ck_assert_uint_eq(pw_vars_total(top), 40u * PW_VARS_MAX_VALUE);
	pw_vars_free(inner); /* its 20 values are released */
	ck_assert_uint_eq(pw_vars_total(top), 20u * PW_VARS_MAX_VALUE);
	ck_assert_int_eq(pw_vars_commit(top, pending, NULL, &err), PW_OK);
	json_object_put(pending);
	json_object_put(more);
	json_object_put(two);
	json_object_put(ok);
	json_object_put(in);
	free(s);
	pw_vars_free(top);
	/* Through the executor: terminal, States.ALL does not catch it. y is
	 * 40 arrays of 1..1000 (3,893 bytes each): twice y is over 256 KiB. */
	char wf[4096], fmt[256] = "", args[1024] = "";
	for (int i = 0; i < 40; i++) {
		strcat(fmt, "{}");
		strcat(args, ", $.x");
	}
	snprintf(wf, sizeof(wf),
		 "{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\",\"Parameters\":"
		 "{\"x.$\":\"States.ArrayRange(1, 1000, 1)\"},\"Next\":\"P\"},"
		 "\"P\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\",\"Parameters\":"
		 "{\"y.$\":\"States.Format('%s'%s)\"},\"Assign\":{\"a.$\":"
		 "\"States.Format('{}{}', $.y, $.y)\"},\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],"
		 "\"Next\":\"P2\"}],\"End\":true},\"P2\":{\"Type\":\"Succeed\"}}}",
		 fmt, args);
	struct pw_exec_result r = run_wf(wf, "{}", PW_EXEC_FAILED);
	ck_assert_msg(strcmp(r.error.name, "States.DataLimitExceeded") == 0, "%s: %s",
		      r.error.name, r.error.cause);
	pw_exec_result_clear(&r);
}
END_TEST

/* `prewarm validate`: each problem at its line:column. */
START_TEST(validation_errors_with_positions)
{
	pw_doc *doc = load("bad.yaml",
			   "StartAt: A\n"                                  /* 1 */
			   "States:\n"                                     /* 2 */
			   "  A:\n"                                        /* 3 */
			   "    Type: Pass\n"                              /* 4 */
			   "    Assign:\n"                                 /* 5 */
			   "      1bad: 1\n"                               /* 6 */
			   "      states: 2\n"                             /* 7 */
			   "      ok: 3\n"                                 /* 8 */
			   "      ok.$: $.x\n"                             /* 9 */
			   "      p.$: $.[\n"                              /* 10 */
			   "    ResultPath: $ok\n"                         /* 11 */
			   "    Next: C\n"                                 /* 12 */
			   "  B:\n"                                        /* 13 */
			   "    Type: Succeed\n"                           /* 14 */
			   "    Assign: {x: 1}\n"                          /* 15 */
			   "    InputPath: $ghost\n"                       /* 16 */
			   "  C:\n"                                        /* 17 */
			   "    Type: Map\n"                               /* 18 */
			   "    ItemProcessor:\n"                          /* 19 */
			   "      StartAt: I\n"                            /* 20 */
			   "      States:\n"                               /* 21 */
			   "        I: {Type: Pass, Assign: {ok: 1}, End: true}\n" /* 22 */
			   "    Catch: [{ErrorEquals: [States.ALL], Next: B, Assign: [1]}]\n" /* 23 */
			   "    End: true\n");                             /* 24 */
	pw_diag_list out = {0};
	int errors = pw_workflow_validate(doc, NULL, NULL, &out);
	static const char *const want[] = {
		"6:7: state 'A': Assign: '1bad' is not a variable name",
		"7:7: state 'A': Assign: $states is reserved",
		"9:7: state 'A': Assign: 'ok' and 'ok.$' both assign $ok",
		"10:7: state 'A': Assign: 'p.$': bad path '$.['",
		"11:5: state 'A': ResultPath must be a reference path",
		"15:5: state 'B': unknown field 'Assign' in a Succeed state",
		"16:5: warning: state 'B': InputPath reads $ghost, but no state this one can see",
		"22:34: state 'I': Assign: $ok is assigned in an outer scope (state 'A')",
		"23:50: state 'C': Assign must be an object",
	};
	size_t n = sizeof(want) / sizeof(*want);
	assert_diags(&out, want, n, errors, (int)n - 1); /* one warning */
	pw_diag_list_free(&out);
	pw_doc_free(doc);
	/* A clean workflow with variables everywhere has no problem. */
	doc = load("good.json",
		   "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Assign\":{\"n\":1,"
		   "\"\xc3\xa9t\xc3\xa9_2\":2},\"Next\":\"C\"},"
		   "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$n\",\"NumericEqualsPath\":"
		   "\"$\xc3\xa9t\xc3\xa9_2\",\"Assign\":{\"r\":1},\"Next\":\"D\"}],\"Default\":\"D\","
		   "\"Assign\":{\"r\":2}},"
		   "\"D\":{\"Type\":\"Pass\",\"Parameters\":{\"v.$\":\"States.Format('{}', $r)\"},"
		   "\"End\":true}}}");
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(pw_workflow_validate(doc, NULL, NULL, &out), 0);
	ck_assert_uint_eq(out.count, 0);
	pw_diag_list_free(&out);
	pw_doc_free(doc);
}
END_TEST

static const char *journal_wf =
	"{\"StartAt\":\"A\",\"States\":{"
	"\"A\":{\"Type\":\"Pass\",\"Assign\":{\"x\":1,\"keep\":\"k\"},\"Next\":\"B\"},"
	"\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"b\"},"
	"\"Assign\":{\"x.$\":\"States.MathAdd($x, 1)\",\"count.$\":\"$.Count\"},\"Next\":\"C\"},"
	"\"C\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"c\"},"
	"\"ResultSelector\":{\"x.$\":\"$x\",\"keep.$\":\"$keep\",\"count.$\":\"$count\"},"
	"\"End\":true}}}";

/* The journal keeps each state's assignments; resume rebuilds the scope
 * from them (and a second resume from ExecutionResumed's snapshot). */
START_TEST(resume_restores_variables)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load("wf.json", journal_wf);
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(sd);
	struct pw_exec_result res, r2, r3;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	assert_json(res.output, "{\"x\":2,\"keep\":\"k\",\"count\":1}");
	json_object *ev = NULL;
	ck_assert_int_eq(pw_journal_read(sd, res.id, &ev, &err), PW_OK);
	json_object *exitb = json_object_array_get_idx(ev, 6);
	ck_assert_str_eq(rt_str(exitb, "type"), "StateExited");
	assert_json(json_object_object_get(exitb, "assignedVariables"), "{\"x\":2,\"count\":1}");
	json_object_put(ev);
	/* Killed in C: resume continues after B with x=2, keep, count. */
	eh_cut_journal(sd, res.id, "\"TaskScheduled\",\"id\":9");
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_int_eq(r2.status, PW_EXEC_SUCCEEDED);
	ck_assert(json_object_equal(r2.output, res.output));
	ck_assert_int_eq(eh_calls(calls, "Bump b"), 1);
	/* Killed again right after ExecutionResumed: its snapshot serves. */
	eh_cut_journal(sd, res.id, "\"type\":\"ExecutionResumed\"");
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r3, &err), PW_OK);
	ck_assert_int_eq(r3.status, PW_EXEC_SUCCEEDED);
	ck_assert(json_object_equal(r3.output, res.output));
	ck_assert_int_eq(eh_calls(calls, "Bump b"), 1);
	pw_exec_result_clear(&r3);
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* A variable named like a secret is redacted from every output; the
 * journal says its value is lost, and resume runs the read-only state
 * that assigned it again rather than go on with "***". */
START_TEST(secret_variable_is_redacted_and_fetched_again_on_resume)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(
		"wf.json",
		"{\"StartAt\":\"G\",\"States\":{"
		"\"G\":{\"Type\":\"Pass\",\"Assign\":{\"db_password.$\":"
		"\"States.Format('{}-{}', 'hunter2', 'pw')\"},\"Next\":\"U\"},"
		"\"U\":{\"Type\":\"Task\",\"Resource\":\"counter:Read\",\"Parameters\":{\"Name\":\"u\"},"
		"\"ResultPath\":null,\"Next\":\"L\"},"
		"\"L\":{\"Type\":\"Pass\",\"Parameters\":{\"len.$\":\"States.ArrayLength("
		"States.StringSplit($db_password, '-'))\"},\"End\":true}}}");
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(sd);
	struct pw_exec_result res, r2;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	assert_json(res.output, "{\"len\":2}");
	char jpath[800];
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, res.id);
	char *text = rt_read(jpath);
	ck_assert_msg(strstr(text, "hunter2-pw") == NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"variablesRedacted\":[\"db_password\"]"), "%s", text);
	free(text);
	/* Killed after U: continuing there would read "***"; G runs again. */
	eh_cut_journal(sd, res.id, "\"state\":\"U\",\"output\"");
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_msg(r2.status == PW_EXEC_SUCCEEDED, "%s: %s", r2.error.name, r2.error.cause);
	assert_json(r2.output, "{\"len\":2}");
	ck_assert_int_eq(eh_calls(calls, "Read u"), 2);
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* Runs a workflow that succeeds; its output, as the journal and the CLI
 * write it (redacted), is want. */
static void expect_written_output(const char *wf, const char *want)
{
	struct pw_exec_result r = run_wf(wf, "{}", PW_EXEC_SUCCEEDED);
	int changed = 0;
	char *text = pw_out_json_text(r.output, &changed);
	ck_assert_str_eq(text, want);
	free(text);
	pw_exec_result_clear(&r);
}

/* A secret-named variable holding a boolean (or null) registers no
 * secret: "true" and "false" are no one's password, and redacting them
 * broke every later output (`{"ok":***}` is not JSON). Its strings (and
 * numbers) still are secrets. */
START_TEST(secret_variable_booleans_are_not_secrets)
{
	expect_written_output(
		"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Assign\":{"
		"\"use_token\":true,\"no_password\":false,\"api_token\":[null,\"tok-hunter2\"]},"
		"\"Result\":{\"ok\":true,\"bad\":false,\"t\":\"tok-hunter2\"},\"End\":true}}}",
		"{\"ok\":true,\"bad\":false,\"t\":\"***\"}");
}
END_TEST

/* Workflow variables follow the member-name rule of the shape scan
 * (pw_secret_scan_name_is_secret): PGPASSWORD and db_pwd are secrets
 * however their value was made (here by an expression the input pre-scan
 * cannot read); PasswordLastUsed describes one and is kept. */
START_TEST(secret_variable_names_follow_the_member_name_rule)
{
	expect_written_output(
		"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Assign\":{"
		"\"PGPASSWORD.$\":\"States.Format('{}-{}', 'hunter3', 'pg')\","
		"\"db_pwd.$\":\"States.Format('{}-{}', 'hunter4', 'db')\","
		"\"PasswordLastUsed.$\":\"States.Format('{}-{}', '2026', 'when')\"},\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Pass\",\"Parameters\":{\"p.$\":\"$PGPASSWORD\",\"d.$\":\"$db_pwd\","
		"\"w.$\":\"$PasswordLastUsed\"},\"End\":true}}}",
		"{\"p\":\"***\",\"d\":\"***\",\"w\":\"2026-when\"}");
}
END_TEST

/* Names follow UAX #31: ID_Start then ID_Continue, at most 80. */
START_TEST(variable_names)
{
	ck_assert(pw_ident_valid("a"));
	ck_assert(pw_ident_valid("camelCase_2"));
	ck_assert(pw_ident_valid("\xc3\xa9l\xc3\xa8ve"));  /* élève */
	ck_assert(pw_ident_valid("\xe5\x90\x8d\xe5\x89\x8d")); /* 名前 */
	ck_assert(!pw_ident_valid("_lead"));   /* '_' is not ID_Start */
	ck_assert(!pw_ident_valid("2x"));
	ck_assert(!pw_ident_valid("a-b"));
	ck_assert(!pw_ident_valid(""));
	ck_assert(!pw_ident_valid("a\xff"));
	char n[90];
	memset(n, 'a', 80);
	n[80] = '\0';
	ck_assert(pw_ident_valid(n));
	n[80] = 'a';
	n[81] = '\0';
	ck_assert(!pw_ident_valid(n));
}
END_TEST

/* Dry run evaluates Assign like a run. */
START_TEST(dry_run_assigns)
{
	pw_doc *doc = load("wf.json",
			   "{\"StartAt\":\"B\",\"States\":{"
			   "\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":"
			   "{\"Name\":\"b\"},\"Assign\":{\"x.$\":\"States.MathAdd(1, 1)\","
			   "\"dry.$\":\"$.DryRun\"},\"Next\":\"O\"},"
			   "\"O\":{\"Type\":\"Pass\",\"Parameters\":{\"x.$\":\"$x\",\"dry.$\":\"$dry\"},"
			   "\"End\":true}}}");
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(NULL);
	o.dry_run = 1;
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	assert_json(res.output, "{\"x\":2,\"dry\":true}");
	ck_assert_int_eq(eh_calls(calls, "Bump b"), 0);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* One iteration per thread (sfn-concurrency): each reads the shared outer
 * scope while the others assign in their own; nothing writes the outer
 * one meanwhile. Run under TSan to see it is race-free. */
struct iter {
	const pw_vars *outer;
	int id, ok;
};

static void *iterate(void *arg)
{
	struct iter *it = arg;
	pw_error err = {{0}, {0}};
	pw_vars *mine = pw_vars_new(it->outer);
	json_object *in = json_object_new_int(it->id);
	json_object *a = json_tokener_parse(
		"{\"mine.$\":\"States.Format('{}-{}', $shared.k, $)\",\"n.$\":\"$shared.list[1]\"}");
	it->ok = 1;
	for (int i = 0; i < 200 && it->ok; i++) {
		json_object *pending = NULL, *got = NULL;
		pw_vars_bind(mine);
		if (pw_vars_eval(mine, a, in, NULL, "Assign", &pending, &err) != PW_OK ||
		    pw_vars_commit(mine, pending, NULL, &err) != PW_OK)
			it->ok = 0;
		json_object_put(pending);
		char want[32];
		snprintf(want, sizeof(want), "v-%d", it->id);
		if (!pw_vars_get(mine, "mine", &got) || strcmp(json_object_get_string(got), want) != 0)
			it->ok = 0;
		json_object_put(got);
	}
	pw_vars_bind(NULL);
	json_object_put(a);
	json_object_put(in);
	pw_vars_free(mine);
	return NULL;
}

START_TEST(scopes_on_threads)
{
	pw_error err = {{0}, {0}};
	pw_vars *outer = pw_vars_new(NULL);
	json_object *shared = json_tokener_parse("{\"shared\":{\"k\":\"v\",\"list\":[1,2.5,3]}}");
	ck_assert_int_eq(pw_vars_commit(outer, shared, NULL, &err), PW_OK);
	size_t before = pw_vars_total(outer);
	pthread_t th[4];
	struct iter it[4];
	for (int i = 0; i < 4; i++) {
		it[i] = (struct iter){outer, i, 0};
		ck_assert_int_eq(pthread_create(&th[i], NULL, iterate, &it[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(it[i].ok, "iteration %d", i);
	}
	ck_assert_uint_eq(pw_vars_total(outer), before); /* the inner scopes are gone */
	json_object_put(shared);
	pw_vars_free(outer);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vars");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, assign_in_each_state_type);
	tcase_add_test(tc, parallel_assignment_reads_values_before_the_state);
	tcase_add_test(tc, references_in_every_path_field);
	tcase_add_test(tc, map_and_parallel_scopes);
	tcase_add_test(tc, size_limits);
	tcase_add_test(tc, validation_errors_with_positions);
	tcase_add_test(tc, resume_restores_variables);
	tcase_add_test(tc, secret_variable_is_redacted_and_fetched_again_on_resume);
	tcase_add_test(tc, secret_variable_booleans_are_not_secrets);
	tcase_add_test(tc, secret_variable_names_follow_the_member_name_rule);
	tcase_add_test(tc, variable_names);
	tcase_add_test(tc, dry_run_assigns);
	tcase_add_test(tc, scopes_on_threads);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
