/*
 * pw_jsonata_fns - the functions Step Functions adds to JSONata
 * ("JSONata functions provided by Step Functions"): $partition, $range,
 * $hash, $uuid and $parse run the intrinsic that does the same job
 * (States.ArrayPartition, ArrayRange, Hash, UUID, StringToJson: the same
 * limits and errors); $random([seed]) is in [0, 1), repeatable with a
 * seed. They reach lib/jsonata through jsonata_limits.natives.
 */
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

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
		snprintf(e->message, sizeof(e->message), "%.200s (%.40s)", err.cause, name);
		return -1;
	}
	return 0;
}

static int sfn_random(void *arg, struct json_object *const *args, int nargs,
		      struct json_object **out, jsonata_error *e)
{
	(void)arg;
	unsigned short xs[3];
	if (nargs >= 1 && args[0] != NULL) {
		if (!json_object_is_type(args[0], json_type_int))
			return fail(e, "$random: the seed must be an integer%s%s", "", "");
		int64_t seed = json_object_get_int64(args[0]);
		xs[0] = (unsigned short)seed;
		xs[1] = (unsigned short)(seed >> 16);
		xs[2] = (unsigned short)(seed >> 32);
	} else {
		uuid_t u;
		uuid_generate_random(u);
		memcpy(xs, u, sizeof(xs));
	}
	*out = json_object_new_double(erand48(xs));
	return 0;
}

static const jsonata_native NATIVES[] = {
	{"partition", "an:a", via_intrinsic, (void *)"States.ArrayPartition"},
	{"range", "nnn:a", via_intrinsic, (void *)"States.ArrayRange"},
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
