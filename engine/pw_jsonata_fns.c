/*
 * pw_jsonata_fns - the functions Step Functions adds to JSONata
 * ("JSONata functions provided by Step Functions"): $partition, $range,
 * $hash, $uuid and $parse run the intrinsic that does the same job
 * (States.ArrayPartition, ArrayRange, Hash, UUID, StringToJson: the same
 * limits and errors); $random([seed]) is States.MathRandom scaled to
 * [0, 1), repeatable with a seed. They reach lib/jsonata through jsonata_limits.natives.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonata.h"
#include "lang_intrinsic.h"
#include "pw_jsonata.h"

/* Code of a failed Step Functions function in the JSONata error. */
#define SFN_CODE "SF001"

static int fail(jsonata_error *e, const char *fmt, const char *a, const char *b)
{
	snprintf(e->code, sizeof(e->code), SFN_CODE);
	snprintf(e->message, sizeof(e->message), fmt, a, b);
	return -1;
}

/* Runs intrinsic `name` (its arg names the intrinsic) on args. */
static int via_intrinsic(void *arg, struct json_object *const *args, int nargs,
			 struct json_object **out, jsonata_error *e)
{
	const char *name = arg;
	const struct lang_ifn *fn = lang_intrinsic_find(name, strlen(name));
	struct lang_inode call;
	pw_error err;
	if (fn == NULL)
		return fail(e, "%s%s is missing", name, "");
	memset(&call, 0, sizeof(call));
	call.kind = LANG_IA_CALL;
	call.fn = fn;
	call.nargs = (size_t)nargs;
	if (fn->eval(&call, (json_object **)args, out, &err) != PW_OK) {
		snprintf(e->code, sizeof(e->code), SFN_CODE);
		snprintf(e->message, sizeof(e->message), "%.200s", err.cause); /* names it */
		return -1;
	}
	return 0;
}

/* $random([seed]): States.MathRandom over 2^53 integers, scaled to
 * [0, 1), so a seed repeats as it does for the intrinsic. */
static int sfn_random(void *arg, struct json_object *const *args, int nargs,
		      struct json_object **out, jsonata_error *e)
{
	(void)arg;
	const double span = 9007199254740992.0; /* 2^53: every double step */
	json_object *argv[3] = {json_object_new_int64(0), json_object_new_int64((int64_t)span),
				nargs >= 1 ? args[0] : NULL};
	if (nargs >= 1 && !json_object_is_type(args[0], json_type_int)) {
		json_object_put(argv[0]);
		json_object_put(argv[1]);
		return fail(e, "$random: the seed must be an integer%s%s", "", "");
	}
	json_object *n = NULL;
	int rc = via_intrinsic((void *)"States.MathRandom", argv, nargs >= 1 ? 3 : 2, &n, e);
	json_object_put(argv[0]);
	json_object_put(argv[1]);
	if (rc == 0)
		*out = json_object_new_double((double)json_object_get_int64(n) / span);
	json_object_put(n);
	return rc;
}

/* $range: Step Functions returns a JSONata sequence, so a range of one
 * number is that number (AWS recordings: $range(1, 1, 1) is 1). */
static int sfn_range(void *arg, struct json_object *const *args, int nargs,
		     struct json_object **out, jsonata_error *e)
{
	(void)arg;
	int rc = via_intrinsic((void *)"States.ArrayRange", args, nargs, out, e);
	if (rc == 0 && json_object_array_length(*out) == 1) {
		json_object *one = json_object_get(json_object_array_get_idx(*out, 0));
		json_object_put(*out);
		*out = one;
	}
	return rc;
}

static const jsonata_native NATIVES[] = {
	{"partition", "an:a", via_intrinsic, (void *)"States.ArrayPartition"},
	{"range", "nnn:x", sfn_range, NULL},
	{"hash", "ss:s", via_intrinsic, (void *)"States.Hash"},
	{"uuid", ":s", via_intrinsic, (void *)"States.UUID"},
	{"parse", "s:x", via_intrinsic, (void *)"States.StringToJson"},
	{"random", "n?:n", sfn_random, NULL},
	{NULL, NULL, NULL, NULL},
};

const struct jsonata_native *pw_jsonata_sfn_natives(void)
{
	return NATIVES;
}
