/*
 * pw_intrinsic - ASL intrinsic functions: States.Format, StringToJson,
 * JsonToString, Array, ArrayPartition, ArrayContains, ArrayRange,
 * ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode, Base64Decode, Hash,
 * JsonMerge, MathRandom, MathAdd, StringSplit, UUID.
 * Owner: engine-language.
 */
#ifndef PW_INTRINSIC_H
#define PW_INTRINSIC_H

#include <prewarm/plugin.h>

/* Nonzero if s looks like an intrinsic call ("States.Name(...)"). */
int pw_intrinsic_is_call(const char *s);

/* Checks syntax, function names and argument counts without evaluating.
 * Returns 0, or -1 with a reason in why. */
int pw_intrinsic_check(const char *expr, char *why, size_t why_len);

/* Evaluates expr. Arguments may be literals ('text', numbers, null,
 * true/false), paths ($.x, $$.x) and nested calls. *out is a NEW
 * reference. Failures raise States.IntrinsicFailure (bad arguments) or
 * States.Runtime (bad syntax). */
int pw_intrinsic_eval(const char *expr, json_object *input,
		      json_object *context, json_object **out, pw_error *err);

#endif
