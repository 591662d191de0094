/* check_jsonata_mode - Step Functions' JSONata mode (engine/pw_jsonata.c,
 * the executor's JSONata states, lang_validate_jsonata.c): every field
 * that takes an expression, $states and where each member exists,
 * Assign and scopes, Step Functions' functions, errors and bounds,
 * validation with positions, mixed JSONPath/JSONata workflows, journal,
 * dry run and secrets. Workflows are JSON written with ` for ". */
#include "../plugins/rt_test.h"
#include "pw_exec.h"
#include "pw_jsonata.h"
#include "pw_log.h"
#include "pw_redact.h"
#include "pw_validate.h"
#include "pw_vars.h"

#include "wf_fixture.h"

/* text with every ` turned into " (JSON inside C without the escapes) */
static char *q(const char *text)
{
	char *s = strdup(text);
	for (char *p = s; *p; p++)
		if (*p == '`')
			*p = '"';
	return s;
}

static pw_doc *load(const char *name, const char *text)
{
	char *body = q(text);
	pw_doc *doc = eh_load(tmp, name, body);
	free(body);
	return doc;
}

/* Validates (no error allowed), runs wf on input, checks the status. */
static struct pw_exec_result run_wf(const char *wf, const char *input, enum pw_exec_status st)
{
	pw_doc *doc = load("wf.json", wf);
	pw_diag_list dl = {0};
	int errors = pw_workflow_validate(doc, NULL, NULL, &dl);
	ck_assert_msg(errors == 0, "%d errors, first: %d:%d: %s", errors,
		      dl.count ? dl.items[0].line : 0, dl.count ? dl.items[0].column : 0,
		      dl.count ? dl.items[0].message : "");
	pw_diag_list_free(&dl);
	char *inq = q(input);
	json_object *in = json_tokener_parse(inq);
	free(inq);
	struct pw_exec_opts o = opts(NULL);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_msg(res.status == st, "status %d: %s: %s", res.status, res.error.name,
		      res.error.cause);
	json_object_put(in);
	pw_doc_free(doc);
	return res;
}

static void assert_json(json_object *got, const char *want)
{
	char *wq = q(want);
	json_object *w = json_tokener_parse(wq);
	ck_assert_msg(w != NULL, "bad test JSON %s", wq);
	ck_assert_msg(json_object_equal(got, w), "got %s, want %s",
		      json_object_to_json_string(got), wq);
	json_object_put(w);
	free(wq);
}

/* Each state type and each field that takes an expression. */
START_TEST(every_field)
{
	struct pw_exec_result r = run_wf(
		"{`QueryLanguage`:`JSONata`,`StartAt`:`T`,`States`:{"
		"`T`:{`Type`:`Task`,`Resource`:`counter:Echo`,`TimeoutSeconds`:`{% $states.input.t %}`,"
		"`Arguments`:{`E`:`{% $states.input.n * 2 %}`,`lit`:`$.not_a_path`,`arr`:[`{% 1+1 %}`,3]},"
		"`Output`:{`res`:`{% $states.result %}`,`in`:`{% $states.input.n %}`},"
		"`Assign`:{`e`:`{% $states.result.E %}`},`Next`:`P`},"
		"`P`:{`Type`:`Pass`,`Output`:`{% $merge([$states.input, {'e': $e}]) %}`,`Next`:`C`},"
		"`C`:{`Type`:`Choice`,`Choices`:[{`Condition`:`{% $e > 100 %}`,`Next`:`Bad`},"
		"{`Condition`:`{% $e = 6 %}`,`Assign`:{`rule`:1},`Output`:{`picked`:`{% $e %}`},"
		"`Next`:`W`}],`Default`:`Bad`},"
		"`W`:{`Type`:`Wait`,`Seconds`:`{% $e - 4 %}`,`Next`:`W2`},"
		"`W2`:{`Type`:`Wait`,`Timestamp`:`{% '2025-01-01T00:00:00Z' %}`,`Next`:`M`},"
		"`M`:{`Type`:`Map`,`Items`:`{% [1,2,3] %}`,`MaxConcurrency`:`{% 1 %}`,"
		"`ItemSelector`:{`v`:`{% $states.context.Map.Item.Value %}`,"
		"`i`:`{% $states.context.Map.Item.Index %}`},"
		"`ItemProcessor`:{`StartAt`:`I`,`States`:{`I`:{`Type`:`Pass`,"
		"`Output`:`{% $states.input.v * 10 + $states.input.i %}`,`End`:true}}},"
		"`Assign`:{`m`:`{% $states.result %}`},`Output`:`{% $states.input %}`,`Next`:`Par`},"
		"`Par`:{`Type`:`Parallel`,`Arguments`:{`x`:`{% $sum($m) %}`},"
		"`Branches`:[{`StartAt`:`B`,`States`:{`B`:{`Type`:`Pass`,"
		"`Output`:`{% $states.input.x + $rule %}`,`End`:true}}}],"
		"`Output`:{`par`:`{% $states.result[0] %}`,`picked`:`{% $states.input.picked %}`},"
		"`Next`:`S`},"
		"`S`:{`Type`:`Succeed`,`Output`:{`all`:`{% $states.input %}`,"
		"`name`:`{% $states.context.State.Name %}`}},"
		"`Bad`:{`Type`:`Fail`,`Error`:`Bad`}}}",
		"{`n`:3,`t`:5}", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "{`all`:{`par`:64,`picked`:6},`name`:`S`}");
	ck_assert_int_eq(fc.n_slept, 1); /* Seconds 2; the Timestamp is in the past */
	ck_assert_int_eq(fc.slept[0], 2000);
	pw_exec_result_clear(&r);
	/* Task Output's default is the result; Arguments' the input; Pass and
	 * Choice pass the input on. */
	r = run_wf("{`QueryLanguage`:`JSONata`,`StartAt`:`T`,`States`:{"
		   "`T`:{`Type`:`Task`,`Resource`:`counter:Echo`,`Next`:`P`},"
		   "`P`:{`Type`:`Pass`,`Next`:`C`},"
		   "`C`:{`Type`:`Choice`,`Choices`:[{`Condition`:true,`Next`:`E`}]},"
		   "`E`:{`Type`:`Succeed`}}}",
		   "{`a`:[1,{`b`:null}]}", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "{`a`:[1,{`b`:null}]}");
	pw_exec_result_clear(&r);
	/* Fail: Error and Cause from expressions. */
	r = run_wf("{`QueryLanguage`:`JSONata`,`StartAt`:`F`,`States`:{`F`:{`Type`:`Fail`,"
		   "`Error`:`{% 'App.' & $states.input.kind %}`,"
		   "`Cause`:`{% 'n=' & $string($states.input.n) %}`}}}",
		   "{`kind`:`Broken`,`n`:4}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "App.Broken");
	ck_assert_str_eq(r.error.cause, "n=4");
	pw_exec_result_clear(&r);
}
END_TEST

/* $states.result only after the work, $states.errorOutput only in a
 * catcher (its Output defaults to it), the state's Assign not applied
 * when a catcher takes over. */
START_TEST(states_members_and_catch)
{
	struct pw_exec_result r = run_wf(
		"{`QueryLanguage`:`JSONata`,`StartAt`:`F`,`States`:{"
		"`F`:{`Type`:`Task`,`Resource`:`counter:Fail`,"
		"`Arguments`:{`Name`:`f`,`Times`:9,`Error`:`Boom`,`Cause`:`why`},`Assign`:{`own`:1},"
		"`Catch`:[{`ErrorEquals`:[`Boom`],`Assign`:{`err`:`{% $states.errorOutput.Error %}`,"
		"`in`:`{% $states.input.k %}`},`Output`:{`o`:`{% $states.errorOutput %}`},"
		"`Next`:`G`}],`End`:true},"
		"`G`:{`Type`:`Task`,`Resource`:`counter:Fail`,"
		"`Arguments`:{`Name`:`g`,`Times`:9,`Error`:`Boom`},"
		"`Catch`:[{`ErrorEquals`:[`States.ALL`],`Next`:`O`}],`End`:true},"
		"`O`:{`Type`:`Pass`,`Output`:{`default`:`{% $states.input %}`,`err`:`{% $err %}`,"
		"`in`:`{% $in %}`,`own`:`{% $exists($own) %}`},`End`:true}}}",
		"{`k`:`v`}", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "{`default`:{`Error`:`Boom`,`Cause`:`asked to fail`},"
			      "`err`:`Boom`,`in`:`v`,`own`:false}");
	pw_exec_result_clear(&r);
	/* Not validated (run_wf validates): $states.result in Arguments is
	 * undefined at run time. */
	pw_doc *doc = load("wf.json", "{`QueryLanguage`:`JSONata`,`StartAt`:`T`,`States`:{"
				      "`T`:{`Type`:`Task`,`Resource`:`counter:Echo`,"
				      "`Arguments`:{`x`:`{% $states.result %}`},`End`:true}}}");
	json_object *in = json_object_new_object();
	struct pw_exec_opts o = opts(NULL);
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &r, &err), PW_OK);
	ck_assert_int_eq(r.status, PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.QueryEvaluationError");
	ck_assert_msg(strstr(r.error.cause, "An error occurred while executing the state 'T' "
					    "(entered at the event id #2). The JSONata expression "
					    "'$states.result' specified for the field 'Arguments/x' "
					    "returned nothing (undefined)."), "%s", r.error.cause);
	pw_exec_result_clear(&r);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* Assign reads the values from before the state (a swap), Map
 * iterations read the outer scope and keep their own, and JSONPath and
 * JSONata states of one (JSONPath) workflow share the variables. */
START_TEST(assign_scopes_and_mixed_workflows)
{
	struct pw_exec_result r = run_wf(
		"{`StartAt`:`A`,`States`:{"
		"`A`:{`Type`:`Pass`,`Assign`:{`x`:1,`y`:2,`list`:[1,2]},`Next`:`B`},"
		"`B`:{`Type`:`Pass`,`QueryLanguage`:`JSONata`,"
		"`Assign`:{`x`:`{% $y %}`,`y`:`{% $x %}`},`Output`:{`x`:`{% $x %}`},`Next`:`M`},"
		"`M`:{`Type`:`Map`,`QueryLanguage`:`JSONata`,`Items`:`{% $list %}`,"
		"`ItemProcessor`:{`StartAt`:`I`,`States`:{"
		"`I`:{`Type`:`Pass`,`QueryLanguage`:`JSONata`,`Assign`:{`mine`:`{% $states.input * $y %}`},"
		"`Next`:`J`},"
		"`J`:{`Type`:`Pass`,`QueryLanguage`:`JSONata`,`Output`:`{% $mine + $x %}`,`End`:true}}},"
		"`Assign`:{`res`:`{% $states.result %}`},`Output`:`{% $states.input %}`,`Next`:`C`},"
		"`C`:{`Type`:`Pass`,`Parameters`:{`in.$`:`$`,`x.$`:`$x`,`y.$`:`$y`,`res.$`:`$res`},"
		"`End`:true}}}",
		"{}", PW_EXEC_SUCCEEDED);
	/* B's Output read the old x (1); the iterations see x=2, y=1 */
	assert_json(r.output, "{`in`:{`x`:1},`x`:2,`y`:1,`res`:[3,4]}");
	pw_exec_result_clear(&r);
	/* A variable too big is States.DataLimitExceeded, as in JSONPath. */
	r = run_wf("{`QueryLanguage`:`JSONata`,`StartAt`:`A`,`States`:{`A`:{`Type`:`Pass`,"
		   "`Assign`:{`big`:`{% $join([1..30000].$pad('', 10, 'x')) %}`},`End`:true}}}",
		   "{}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.DataLimitExceeded");
	pw_exec_result_clear(&r);
}
END_TEST

/* A JSONata Map's MaxConcurrency and tolerated failures, as expressions. */
START_TEST(map_concurrency_and_tolerated_failures)
{
	static const char head[] =
		"{`QueryLanguage`:`JSONata`,`StartAt`:`M`,`States`:{`M`:{`Type`:`Map`,"
		"`Items`:`{% [1,2,3] %}`,`MaxConcurrency`:`{% $states.input.width %}`,";
	static const char tail[] =
		"`ItemProcessor`:{`StartAt`:`C`,`States`:{"
		"`C`:{`Type`:`Choice`,`Choices`:[{`Condition`:`{% $states.input = 2 %}`,"
		"`Next`:`F`}],`Default`:`P`},"
		"`F`:{`Type`:`Fail`,`Error`:`Two`,`Cause`:`{% 'item ' & $string($states.input) %}`},"
		"`P`:{`Type`:`Pass`,`Output`:`{% $states.input * 10 %}`,`End`:true}}},`End`:true}}}";
	char def[2048];
	snprintf(def, sizeof(def), "%s%s%s", head, "`ToleratedFailureCount`:`{% $states.input.ok %}`,",
		 tail);
	struct pw_exec_result r = run_wf(def, "{`width`:2,`ok`:1}", PW_EXEC_SUCCEEDED);
	assert_json(r.output, "[10,{`Error`:`Two`,`Cause`:`item 2`},30]");
	pw_exec_result_clear(&r);
	snprintf(def, sizeof(def), "%s%s%s", head, "`ToleratedFailurePercentage`:`{% 10 %}`,", tail);
	r = run_wf(def, "{`width`:2}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.ExceedToleratedFailureThreshold");
	pw_exec_result_clear(&r);
	r = run_wf(def, "{`width`:-1}", PW_EXEC_FAILED);
	ck_assert_str_eq(r.error.name, "States.QueryEvaluationError");
	ck_assert_msg(strstr(r.error.cause, "The field 'MaxConcurrency' must be an integer from 0"),
		      "%s", r.error.cause);
	pw_exec_result_clear(&r);
}
END_TEST

/* Evaluation errors: the JSONata code and position in the cause,
 * catchable by name; wrong types for Condition, Items, Seconds, Error. */
START_TEST(query_evaluation_errors)
{
	static const struct {
		const char *state, *input, *want;
	} cases[] = {
		{"`Type`:`Pass`,`Output`:`{% 'a' + 1 %}`,`End`:true", "{}",
		 "The JSONata expression ''a' + 1' specified for the field 'Output' threw an error "
		 "during evaluation. T2001: The left side of the \"+\" operator must evaluate to a "
		 "number"},
		{"`Type`:`Choice`,`Choices`:[{`Condition`:`{% 'yes' %}`,`Next`:`S`}]", "{}",
		 "The JSONata expression ''yes'' specified for the field 'Condition' returned an "
		 "unexpected result type. Expected 'boolean', but was 'string' for value: \"yes\""},
		{"`Type`:`Map`,`Items`:`{% $states.input %}`,`ItemProcessor`:{`StartAt`:`I`,"
		 "`States`:{`I`:{`Type`:`Pass`,`End`:true}}},`End`:true", "{`a`:1}",
		 "The JSONata expression '$states.input' specified for the field 'Items' returned an "
		 "unexpected result type. Expected 'array', but was 'object' for value: {\"a\":1}"},
		{"`Type`:`Map`,`ItemProcessor`:{`StartAt`:`I`,"
		 "`States`:{`I`:{`Type`:`Pass`,`End`:true}}},`End`:true", "{`a`:1}",
		 "Map state input must be an array but was: {\"a\":1}"},
		{"`Type`:`Map`,`Items`:[],`MaxConcurrency`:`{% 'x' %}`,`ItemProcessor`:{`StartAt`:`I`,"
		 "`States`:{`I`:{`Type`:`Pass`,`End`:true}}},`End`:true", "{}",
		 "field 'MaxConcurrency' returned an unexpected result type. Expected 'number', but "
		 "was 'string' for value: \"x\""},
		{"`Type`:`Wait`,`Seconds`:`{% -1 %}`,`End`:true", "{}",
		 "The field 'Seconds' must be an integer from 0 to 99999999"},
		{"`Type`:`Wait`,`Timestamp`:`{% 'soon' %}`,`End`:true", "{}",
		 "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
		 "format string: soon"},
		{"`Type`:`Fail`,`Error`:`{% 42 %}`", "{}", "The JSONata expression '42' specified for "
		 "the field 'Error' returned an unexpected result type. Expected 'string', but was "
		 "'number' for value: 42"},
		{"`Type`:`Wait`,`Seconds`:`{% 'x' %}`,`End`:true", "{}",
		 "field 'Seconds' returned an unexpected result type. Expected 'number'"},
		{"`Type`:`Task`,`Resource`:`counter:Echo`,`TimeoutSeconds`:`{% 0 %}`,`End`:true",
		 "{}", "The field 'TimeoutSeconds' must be an integer from 1 to 99999999"},
		{"`Type`:`Pass`,`Output`:`{% $range(0, 10, 0) %}`,`End`:true", "{}",
		 "SF001"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char wf[2048];
		snprintf(wf, sizeof(wf),
			 "{`QueryLanguage`:`JSONata`,`StartAt`:`S`,`States`:{`S`:{%s}}}",
			 cases[i].state);
		struct pw_exec_result r = run_wf(wf, cases[i].input, PW_EXEC_FAILED);
		ck_assert_msg(strcmp(r.error.name, "States.QueryEvaluationError") == 0,
			      "case %zu: %s: %s", i, r.error.name, r.error.cause);
		ck_assert_msg(strstr(r.error.cause, cases[i].want), "case %zu: %s", i,
			      r.error.cause);
		pw_exec_result_clear(&r);
	}
	/* caught by name, and by States.ALL */
	struct pw_exec_result r = run_wf(
		"{`QueryLanguage`:`JSONata`,`StartAt`:`T`,`States`:{"
		"`T`:{`Type`:`Task`,`Resource`:`counter:Echo`,`Output`:`{% $undefinedThing %}`,"
		"`Catch`:[{`ErrorEquals`:[`States.QueryEvaluationError`],`Next`:`U`}],`End`:true},"
		"`U`:{`Type`:`Task`,`Resource`:`counter:Echo`,`Arguments`:`{% $error('mine') %}`,"
		"`Catch`:[{`ErrorEquals`:[`States.ALL`],`Output`:`{% $states.errorOutput.Cause %}`,"
		"`Next`:`E`}],`End`:true},"
		"`E`:{`Type`:`Succeed`}}}",
		"{}", PW_EXEC_SUCCEEDED);
	ck_assert_msg(json_object_is_type(r.output, json_type_string) &&
		      strstr(json_object_get_string(r.output), "D3137") &&
		      strstr(json_object_get_string(r.output), "mine"),
		      "%s", json_object_to_json_string(r.output));
	pw_exec_result_clear(&r);
}
END_TEST

/* The step's deadline interrupts a runaway expression; depth and
 * memory are bounded. */
static int64_t ticking_mono(void *ud)
{
	int64_t *t = ud;
	return *t += 10; /* each look at the clock is 10 ms later */
}

START_TEST(deadline_and_bounds)
{
	int64_t t = 0;
	struct pw_clock clk = {ticking_mono, ticking_mono, NULL, &t};
	struct pw_jsonata_ctx j;
	memset(&j, 0, sizeof(j));
	j.state = "S";
	j.clk = &clk;
	j.deadline_ms = 1000;
	json_object *out = NULL, *e;
	pw_error err = {{0}, {0}};
	e = json_object_new_string("{% ($f := function($n){ $f($n + 1) }; $f(0)) %}");
	ck_assert_int_eq(pw_jsonata_value(&j, e, "Output", &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Timeout");
	ck_assert_msg(t >= 1000 && t < 5000, "clock at %lld", (long long)t);
	json_object_put(e);
	j.clk = NULL;
	e = json_object_new_string("{% ($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; "
				   "$f(100000)) %}");
	ck_assert_int_eq(pw_jsonata_value(&j, e, "Output", &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.QueryEvaluationError");
	ck_assert_msg(strstr(err.cause, "U1001"), "%s", err.cause);
	json_object_put(e);
	e = json_object_new_string("{% $count([1..9000000].$string()) %}");
	ck_assert_int_eq(pw_jsonata_value(&j, e, "Output", &out, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "U1003") || strstr(err.cause, "D2014"), "%s", err.cause);
	json_object_put(e);
}
END_TEST

/* $partition, $range, $hash, $random, $uuid, $parse. */
START_TEST(step_functions_functions)
{
	struct pw_exec_result r = run_wf(
		"{`QueryLanguage`:`JSONata`,`StartAt`:`P`,`States`:{`P`:{`Type`:`Pass`,`Output`:{"
		"`part`:`{% $partition([1,2,3,4,5], 2) %}`,`range`:`{% $range(0, 10, 5) %}`,`one`:`{% $range(1, 1, 1) %}`,"
		"`hash`:`{% $hash('abc', 'SHA-256') %}`,"
		"`same`:`{% $random(7) = $random(7) and $random(7) >= 0 and $random(7) < 1 %}`,"
		"`rnd`:`{% $random() < 1 %}`,"
		"`uuid`:`{% $contains($uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/) %}`,"
		"`parse`:`{% $parse($states.input.text).a[1] %}`},`End`:true}}}",
		"{`text`:`{\\`a\\`:[1,{\\`b\\`:true}]}`}", PW_EXEC_SUCCEEDED);
	assert_json(r.output,
		    "{`part`:[[1,2],[3,4],[5]],`range`:[0,5,10],`one`:1,"
		    "`hash`:`ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad`,"
		    "`same`:true,`rnd`:true,`uuid`:true,`parse`:{`b`:true}}");
	pw_exec_result_clear(&r);
}
END_TEST

/* `prewarm validate` on JSONata states: each problem at its line:column
 * (a syntax error with its offset in the string). */
START_TEST(validation_with_positions)
{
	pw_doc *doc = load("bad.yaml",
			   "QueryLanguage: JSONata\n"                           /* 1 */
			   "StartAt: A\n"                                       /* 2 */
			   "States:\n"                                          /* 3 */
			   "  A:\n"                                             /* 4 */
			   "    Type: Task\n"                                   /* 5 */
			   "    Resource: counter:Echo\n"                       /* 6 */
			   "    InputPath: $.x\n"                               /* 7 */
			   "    Arguments:\n"                                   /* 8 */
			   "      a: '{% $states.input.( %}'\n"                 /* 9 */
			   "      b: '{% $states.result %}'\n"                  /* 10 */
			   "      c: '{% 1'\n"                                  /* 11 */
			   "    Output: '{% $states.errorOutput %}'\n"          /* 12 */
			   "    TimeoutSeconds: 0\n"                            /* 13 */
			   "    Catch:\n"                                       /* 14 */
			   "      - ErrorEquals: [States.ALL]\n"                /* 15 */
			   "        ResultPath: $.e\n"                          /* 16 */
			   "        Next: B\n"                                  /* 17 */
			   "    Next: B\n"                                      /* 18 */
			   "  B:\n"                                             /* 19 */
			   "    Type: Choice\n"                                 /* 20 */
			   "    QueryLanguage: JSONPath\n"                      /* 21 */
			   "    Choices:\n"                                     /* 22 */
			   "      - Condition: 3\n"                             /* 23 */
			   "        Next: W\n"                                  /* 24 */
			   "      - Next: W\n"                                  /* 25 */
			   "  W:\n"                                             /* 26 */
			   "    Type: Wait\n"                                   /* 27 */
			   "    Timestamp: yesterday\n"                         /* 28 */
			   "    Assign: {x.$: '{% 1 %}', states: 1}\n"          /* 29 */
			   "    End: true\n");                                  /* 30 */
	pw_diag_list out = {0};
	int errors = pw_workflow_validate(doc, NULL, NULL, &out);
	static const char *const want[] = {
		"7:5: state 'A': InputPath is a JSONPath field; a JSONata state uses Arguments",
		"9:7: state 'A': Arguments: JSONata syntax error at offset 19 of '{% $states.input.( "
		"%}': S0207",
		"10:7: state 'A': Arguments reads $states.result, which only Output and Assign",
		"11:7: state 'A': Arguments: '{% 1' starts with {% but does not end with %}",
		"12:5: state 'A': Output reads $states.errorOutput, which only a catcher's",
		"13:5: state 'A': TimeoutSeconds must be a positive integer or a {% JSONata",
		"16:9: state 'A': unknown field 'ResultPath' in a catcher",
		"21:5: state 'B': QueryLanguage JSONPath in a JSONata workflow",
		"23:9: state 'B': Condition must be true, false or a {% JSONata expression %}",
		"25:9: state 'B': Choices[1] needs a Condition",
		"28:5: state 'W': Timestamp must be an RFC 3339 timestamp",
		"29:14: state 'W': Assign: 'x.$' is not a variable name",
		"29:30: state 'W': Assign: $states is reserved",
	};
	size_t n = sizeof(want) / sizeof(*want);
	assert_diags(&out, want, n, errors, (int)n);
	pw_diag_list_free(&out);
	pw_doc_free(doc);
	/* A $name no visible state assigns is a warning, as in JSONPath;
	 * local names, functions, $states and string contents are not. */
	doc = load("refs.yaml",
		   "QueryLanguage: JSONata\n"
		   "StartAt: A\n"
		   "States:\n"
		   "  A:\n"
		   "    Type: Pass\n"
		   "    Assign: {x: 1}\n"
		   "    Output: \"{% ($y := $x + $nobody; $map([1], function($v){ $v + $y })"
		   " ~> $string) & '$no' & $states.input.a %}\"\n"
		   "    End: true\n");
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(pw_workflow_validate(doc, NULL, NULL, &out), 0);
	ck_assert_uint_eq(out.count, 1);
	ck_assert_int_eq(out.items[0].line, 7);
	ck_assert_msg(strstr(out.items[0].message, "warning: state 'A': Output reads $nobody, but "
						   "no state this one can see assigns it (JSONata"),
		      "%s", out.items[0].message);
	pw_diag_list_free(&out);
	pw_doc_free(doc);
	/* JSONata fields in a JSONPath state are named as such. */
	doc = load("mixed.yaml", "StartAt: A\n"
				 "States:\n"
				 "  A: {Type: Pass, Output: {a: 1}, End: true}\n");
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(pw_workflow_validate(doc, NULL, NULL, &out), 1);
	ck_assert_int_eq(out.items[0].line, 3);
	ck_assert_msg(strstr(out.items[0].message, "Output is a JSONata field: set QueryLanguage"),
		      "%s", out.items[0].message);
	pw_diag_list_free(&out);
	pw_doc_free(doc);
}
END_TEST

/* History, dry run and secrets work as for JSONPath states. */
START_TEST(journal_dry_run_and_secrets)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load("wf.json",
			   "{`QueryLanguage`:`JSONata`,`StartAt`:`G`,`States`:{"
			   "`G`:{`Type`:`Pass`,`Assign`:{`db_password`:`{% 'hunter2' & '-pw' %}`,"
			   "`n`:`{% 2 %}`},`Next`:`B`},"
			   "`B`:{`Type`:`Task`,`Resource`:`counter:Bump`,`Arguments`:{`Name`:`b`},"
			   "`Output`:{`dry`:`{% $states.result.DryRun = true %}`,"
			   "`len`:`{% $length($db_password) %}`},`Next`:`W`},"
			   "`W`:{`Type`:`Wait`,`Seconds`:`{% $n %}`,`End`:true}}}");
	json_object *in = json_object_new_object();
	struct pw_exec_opts o = opts(sd);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	assert_json(res.output, "{`dry`:false,`len`:10}");
	char jpath[800];
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, res.id);
	char *text = rt_read(jpath);
	ck_assert_msg(strstr(text, "hunter2-pw") == NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"assignedVariables\":{\"db_password\":\"***\",\"n\":2}") ||
		      strstr(text, "\"variablesRedacted\":[\"db_password\"]"), "%s", text);
	ck_assert_msg(strstr(text, "StateExited") && strstr(text, "\"state\":\"W\""), "%s", text);
	free(text);
	pw_exec_result_clear(&res);
	/* dry run: the mutating Task does not run, Wait does not sleep */
	int slept = fc.n_slept;
	o = opts(NULL);
	o.dry_run = 1;
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	assert_json(res.output, "{`dry`:true,`len`:10}");
	ck_assert_int_eq(fc.n_slept, slept);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* A cancel (SIGTERM) stops a running evaluation with an error no
 * catcher sees: the executor stops resumably. Last: the flag stays set. */
START_TEST(cancel_interrupts_an_evaluation)
{
	struct pw_jsonata_ctx j;
	memset(&j, 0, sizeof(j));
	j.state = "S";
	j.deadline_ms = INT64_MAX;
	json_object *out = NULL;
	json_object *e = json_object_new_string("{% $sum([1..20000].($ + 1)) %}");
	pw_error err = {{0}, {0}};
	pw_cancel_request();
	ck_assert_int_eq(pw_jsonata_value(&j, e, "Output", &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, PW_JSONATA_CANCELLED);
	json_object_put(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsonata_mode");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_field);
	tcase_add_test(tc, states_members_and_catch);
	tcase_add_test(tc, assign_scopes_and_mixed_workflows);
	tcase_add_test(tc, map_concurrency_and_tolerated_failures);
	tcase_add_test(tc, query_evaluation_errors);
	tcase_add_test(tc, deadline_and_bounds);
	tcase_add_test(tc, step_functions_functions);
	tcase_add_test(tc, validation_with_positions);
	tcase_add_test(tc, journal_dry_run_and_secrets);
	tcase_add_test(tc, cancel_interrupts_an_evaluation); /* last: sets the flag */
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
