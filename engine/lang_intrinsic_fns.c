/*
 * lang_intrinsic_fns - the ASL intrinsic functions themselves. Each gets
 * its evaluated arguments (argv, borrowed; NULL is JSON null) and returns
 * a NEW reference in *out, or States.IntrinsicFailure.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <uuid/uuid.h>

#include "lang_intrinsic.h"

/* --- helpers for the functions ------------------------------------------- */

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_double:
	case json_type_int: return "number";
	case json_type_string: return "string";
	case json_type_array: return "array";
	case json_type_object: return "object";
	}
	return "value";
}

static int want_type(const char *fn, int argno, json_object *v,
		     json_type t, pw_error *err)
{
	if (json_object_is_type(v, t))
		return 0;
	const char *want = t == json_type_string  ? "a string"
			   : t == json_type_array ? "an array"
			   : t == json_type_object ? "an object"
						   : "a boolean";
	return pw_error_set(err, LANG_IF_ERR, "%s: argument %d must be %s, not %s",
			    fn, argno, want, type_name(v));
}

/* An integer argument: an int, or a double with no fraction. */
static int want_int(const char *fn, int argno, json_object *v, int64_t *out,
		    pw_error *err)
{
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (d == floor(d) && fabs(d) < 9.0e15) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return pw_error_set(err, LANG_IF_ERR,
			    "%s: argument %d must be an integer, not %s", fn,
			    argno, type_name(v));
}

/*
 * A number argument made integral by rule: 'r' rounds half up as Java's
 * Math.round does (1.5 -> 2, -1.5 -> -1, -2.5 -> -2; what States.MathAdd
 * does with decimals), 't' truncates toward zero (2.9 -> 2, -2.9 -> -2; what
 * States.MathRandom does with decimal bounds and seed).
 */
static int want_number_as_int(const char *fn, int argno, json_object *v,
			      char rule, int64_t *out, pw_error *err)
{
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (isfinite(d) && fabs(d) < 9.0e18) {
			double fl = floor(d);
			if (rule == 'r')
				d = d - fl >= 0.5 ? fl + 1 : fl;
			else
				d = trunc(d);
			*out = (int64_t)d;
			return 0;
		}
		return pw_error_set(err, LANG_IF_ERR,
				    "%s: argument %d is out of the integer "
				    "range", fn, argno);
	}
	return pw_error_set(err, LANG_IF_ERR,
			    "%s: argument %d must be a number, not %s", fn,
			    argno, type_name(v));
}

/* json_object_equal treats int 1 and double 1.0 as different; ASL values
 * compare as JSON numbers. */
static int json_equal(json_object *a, json_object *b)
{
	int an = json_object_is_type(a, json_type_int) ||
		 json_object_is_type(a, json_type_double);
	int bn = json_object_is_type(b, json_type_int) ||
		 json_object_is_type(b, json_type_double);
	if (an && bn) {
		if (json_object_is_type(a, json_type_int) &&
		    json_object_is_type(b, json_type_int))
			return json_object_get_int64(a) ==
			       json_object_get_int64(b);
		return json_object_get_double(a) == json_object_get_double(b);
	}
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	if (json_object_is_type(a, json_type_array)) {
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!json_equal(json_object_array_get_idx(a, i),
					json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	}
	if (json_object_is_type(a, json_type_object)) {
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return 0;
		json_object_object_foreach(a, k, va)
		{
			json_object *vb = NULL;
			if (!json_object_object_get_ex(b, k, &vb) ||
			    !json_equal(va, vb))
				return 0;
		}
		return 1;
	}
	return json_object_equal(a, b);
}

/* --- the functions ------------------------------------------------------- */

/* Appends n bytes of s to a growing buffer. */
static int buf_add(const char *s, size_t n, char **buf, size_t *len,
		   size_t *cap)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 64;
		while (c < *len + n + 1)
			c *= 2;
		char *b = realloc(*buf, c);
		if (b == NULL)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/*
 * Appends v's text form to a growing buffer, as States.Format does. Step
 * Functions runs on Java and prints an object or array argument the way
 * java.util.Map/List toString does: {k1=v1, k2=v2} and [a, b], with
 * strings unquoted at every depth and null as "null".
 */
static int format_value(json_object *v, char **buf, size_t *len,
			size_t *cap)
{
	const char *s;
	if (v == NULL)
		s = "null";
	else if (json_object_is_type(v, json_type_string))
		return buf_add(json_object_get_string(v),
			       (size_t)json_object_get_string_len(v), buf, len,
			       cap);
	else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (buf_add("[", 1, buf, len, cap) != 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if ((i > 0 && buf_add(", ", 2, buf, len, cap) != 0) ||
			    format_value(json_object_array_get_idx(v, i), buf,
					 len, cap) != 0)
				return -1;
		return buf_add("]", 1, buf, len, cap);
	} else if (json_object_is_type(v, json_type_object)) {
		int first = 1;
		if (buf_add("{", 1, buf, len, cap) != 0)
			return -1;
		json_object_object_foreach(v, key, val)
		{
			if ((!first && buf_add(", ", 2, buf, len, cap) != 0) ||
			    buf_add(key, strlen(key), buf, len, cap) != 0 ||
			    buf_add("=", 1, buf, len, cap) != 0 ||
			    format_value(val, buf, len, cap) != 0)
				return -1;
			first = 0;
		}
		return buf_add("}", 1, buf, len, cap);
	} else {
		/* numbers: shortest round-trip text, like JSON serializers */
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	}
	return buf_add(s, strlen(s), buf, len, cap);
}

static int fn_format(struct lang_inode *call, json_object **argv,
		     json_object **out, pw_error *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, used = 1;
	int rc = PW_ERR;
	/* with a literal template the escapes decide what {} means; a
	 * template from a path has no escapes */
	const char *t = call->args[0]->kind == LANG_IA_STRING
				? call->args[0]->raw
				: json_object_get_string(argv[0]);
	int escapes = call->args[0]->kind == LANG_IA_STRING;

	if (call->args[0]->kind != LANG_IA_STRING &&
	    want_type("States.Format", 1, argv[0], json_type_string, err))
		return PW_ERR;
	for (size_t i = 0; t[i] != '\0'; i++) {
		char ch[2] = {t[i], '\0'};
		if (escapes && t[i] == '\\' && t[i + 1] != '\0') {
			ch[0] = t[++i];
		} else if (t[i] == '{' && t[i + 1] == '}') {
			if (used >= call->nargs) {
				pw_error_set(err, LANG_IF_ERR,
					     "States.Format: more {} in the "
					     "template than arguments (%zu)",
					     call->nargs - 1);
				goto out;
			}
			if (format_value(argv[used++], &buf, &len, &cap) != 0)
				goto oom;
			i++;
			continue;
		}
		if (buf_add(ch, 1, &buf, &len, &cap) != 0)
			goto oom;
	}
	if (used != call->nargs) {
		pw_error_set(err, LANG_IF_ERR,
			     "States.Format: %zu argument(s) but only %zu {} "
			     "in the template",
			     call->nargs - 1, used - 1);
		goto out;
	}
	*out = json_object_new_string_len(buf ? buf : "", (int)len);
	rc = PW_OK;
	goto out;
oom:
	pw_error_set(err, LANG_IF_ERR, "States.Format: out of memory");
out:
	free(buf);
	return rc;
}

static int fn_string_to_json(struct lang_inode *call, json_object **argv,
			     json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.StringToJson", 1, argv[0], json_type_string,
		      err))
		return PW_ERR;
	enum json_tokener_error e = json_tokener_success;
	const char *s = json_object_get_string(argv[0]);
	/* Step Functions returns null for an empty or all-blank string */
	if (s[strspn(s, " \t\r\n")] == '\0') {
		*out = NULL;
		return PW_OK;
	}
	json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return pw_error_set(err, LANG_IF_ERR, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	size_t n = (size_t)json_object_get_string_len(argv[0]);
	json_object *v = json_tokener_parse_ex(tok, s, (int)n);
	e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (v == NULL && e == json_tokener_continue) {
		/* a bare number needs a delimiter to end */
		v = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		end = n;
	}
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(v);
		return pw_error_set(err, LANG_IF_ERR,
				    "States.StringToJson: not JSON: %s",
				    json_tokener_error_desc(e));
	}
	for (; end < n; end++)
		if (!isspace((unsigned char)s[end])) {
			json_object_put(v);
			return pw_error_set(err, LANG_IF_ERR,
					    "States.StringToJson: text after "
					    "the JSON value");
		}
	*out = v;
	return PW_OK;
}

static int fn_json_to_string(struct lang_inode *call, json_object **argv,
			     json_object **out, pw_error *err)
{
	(void)call;
	(void)err;
	*out = json_object_new_string(json_object_to_json_string_ext(
		argv[0], JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return PW_OK;
}

static int fn_array(struct lang_inode *call, json_object **argv, json_object **out,
		    pw_error *err)
{
	(void)err;
	json_object *arr = json_object_new_array_ext((int)call->nargs);
	for (size_t k = 0; k < call->nargs; k++)
		json_object_array_add(arr, json_object_get(argv[k]));
	*out = arr;
	return PW_OK;
}

static int fn_array_partition(struct lang_inode *call, json_object **argv,
			      json_object **out, pw_error *err)
{
	(void)call;
	int64_t size;
	if (want_type("States.ArrayPartition", 1, argv[0], json_type_array,
		      err) ||
	    want_int("States.ArrayPartition", 2, argv[1], &size, err))
		return PW_ERR;
	if (size <= 0)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.ArrayPartition: chunk size must "
				    "be positive, not %lld",
				    (long long)size);
	size_t n = json_object_array_length(argv[0]);
	json_object *res = json_object_new_array();
	json_object *chunk = NULL;
	for (size_t i = 0; i < n; i++) {
		if (chunk == NULL) {
			chunk = json_object_new_array();
			json_object_array_add(res, chunk);
		}
		json_object_array_add(
			chunk,
			json_object_get(json_object_array_get_idx(argv[0], i)));
		if ((int64_t)json_object_array_length(chunk) == size)
			chunk = NULL;
	}
	*out = res;
	return PW_OK;
}

static int fn_array_contains(struct lang_inode *call, json_object **argv,
			     json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.ArrayContains", 1, argv[0], json_type_array,
		      err))
		return PW_ERR;
	int found = 0;
	size_t n = json_object_array_length(argv[0]);
	for (size_t i = 0; i < n && !found; i++)
		found = json_equal(json_object_array_get_idx(argv[0], i),
				   argv[1]);
	*out = json_object_new_boolean(found);
	return PW_OK;
}

static int fn_array_range(struct lang_inode *call, json_object **argv,
			  json_object **out, pw_error *err)
{
	(void)call;
	int64_t a, b, step;
	if (want_int("States.ArrayRange", 1, argv[0], &a, err) ||
	    want_int("States.ArrayRange", 2, argv[1], &b, err) ||
	    want_int("States.ArrayRange", 3, argv[2], &step, err))
		return PW_ERR;
	if (step == 0)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.ArrayRange: step must not be 0");
	int64_t count = (step > 0 ? (b >= a ? (b - a) / step + 1 : 0)
				  : (a >= b ? (a - b) / -step + 1 : 0));
	if (count > LANG_IF_MAX_RANGE)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.ArrayRange: %lld items, more than "
				    "the limit of %d",
				    (long long)count, LANG_IF_MAX_RANGE);
	json_object *res = json_object_new_array_ext((int)count);
	for (int64_t k = 0; k < count; k++)
		json_object_array_add(res, json_object_new_int64(a + k * step));
	*out = res;
	return PW_OK;
}

static int fn_array_get_item(struct lang_inode *call, json_object **argv,
			     json_object **out, pw_error *err)
{
	(void)call;
	int64_t idx;
	if (want_type("States.ArrayGetItem", 1, argv[0], json_type_array,
		      err) ||
	    want_int("States.ArrayGetItem", 2, argv[1], &idx, err))
		return PW_ERR;
	int64_t n = (int64_t)json_object_array_length(argv[0]);
	if (idx < 0 || idx >= n)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.ArrayGetItem: index %lld out of "
				    "range (array has %lld items)",
				    (long long)idx, (long long)n);
	*out = json_object_get(json_object_array_get_idx(argv[0], (size_t)idx));
	return PW_OK;
}

static int fn_array_length(struct lang_inode *call, json_object **argv,
			   json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.ArrayLength", 1, argv[0], json_type_array, err))
		return PW_ERR;
	*out = json_object_new_int64((int64_t)json_object_array_length(argv[0]));
	return PW_OK;
}

static int fn_array_unique(struct lang_inode *call, json_object **argv,
			   json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.ArrayUnique", 1, argv[0], json_type_array, err))
		return PW_ERR;
	json_object *res = json_object_new_array();
	size_t n = json_object_array_length(argv[0]);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(argv[0], i);
		int dup = 0;
		size_t m = json_object_array_length(res);
		for (size_t j = 0; j < m && !dup; j++)
			dup = json_equal(json_object_array_get_idx(res, j), v);
		if (!dup)
			json_object_array_add(res, json_object_get(v));
	}
	*out = res;
	return PW_OK;
}

static int want_short_string(const char *fn, json_object *v, pw_error *err)
{
	if (want_type(fn, 1, v, json_type_string, err))
		return PW_ERR;
	if (json_object_get_string_len(v) > LANG_IF_MAX_STRING)
		return pw_error_set(err, LANG_IF_ERR,
				    "%s: input longer than %d characters", fn,
				    LANG_IF_MAX_STRING);
	return PW_OK;
}

static int fn_base64_encode(struct lang_inode *call, json_object **argv,
			    json_object **out, pw_error *err)
{
	(void)call;
	if (want_short_string("States.Base64Encode", argv[0], err))
		return PW_ERR;
	int n = json_object_get_string_len(argv[0]);
	unsigned char enc[4 * ((LANG_IF_MAX_STRING + 2) / 3) + 1];
	int m = EVP_EncodeBlock(
		enc, (const unsigned char *)json_object_get_string(argv[0]), n);
	*out = json_object_new_string_len((const char *)enc, m);
	return PW_OK;
}

static int fn_base64_decode(struct lang_inode *call, json_object **argv,
			    json_object **out, pw_error *err)
{
	(void)call;
	if (want_short_string("States.Base64Decode", argv[0], err))
		return PW_ERR;
	const char *s = json_object_get_string(argv[0]);
	int n = json_object_get_string_len(argv[0]);
	unsigned char dec[3 * (LANG_IF_MAX_STRING / 4) + 3];
	if (n % 4 != 0)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.Base64Decode: input is not base64 "
				    "(length not a multiple of 4)");
	int m = EVP_DecodeBlock(dec, (const unsigned char *)s, n);
	if (m < 0)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.Base64Decode: input is not base64");
	/* EVP_DecodeBlock counts the bytes that '=' padding stands for */
	if (n >= 1 && s[n - 1] == '=')
		m--;
	if (n >= 2 && s[n - 2] == '=')
		m--;
	*out = json_object_new_string_len((const char *)dec, m);
	return PW_OK;
}

static int fn_hash(struct lang_inode *call, json_object **argv, json_object **out,
		   pw_error *err)
{
	(void)call;
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {{"MD5", EVP_md5},	    {"SHA-1", EVP_sha1},
		    {"SHA-256", EVP_sha256}, {"SHA-384", EVP_sha384},
		    {"SHA-512", EVP_sha512}};
	if (want_short_string("States.Hash", argv[0], err) ||
	    want_type("States.Hash", 2, argv[1], json_type_string, err))
		return PW_ERR;
	const char *alg = json_object_get_string(argv[1]);
	const EVP_MD *md = NULL;
	for (size_t k = 0; k < sizeof(algs) / sizeof(algs[0]); k++)
		if (strcmp(alg, algs[k].name) == 0)
			md = algs[k].md();
	if (md == NULL)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.Hash: unknown algorithm '%s' (MD5, "
				    "SHA-1, SHA-256, SHA-384 or SHA-512)",
				    alg);
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	if (EVP_Digest(json_object_get_string(argv[0]),
		       (size_t)json_object_get_string_len(argv[0]), digest,
		       &dlen, md, NULL) != 1)
		return pw_error_set(err, LANG_IF_ERR, "States.Hash: digest failed");
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned k = 0; k < dlen; k++)
		snprintf(hex + 2 * k, 3, "%02x", digest[k]);
	*out = json_object_new_string_len(hex, (int)(2 * dlen));
	return PW_OK;
}

static int fn_json_merge(struct lang_inode *call, json_object **argv,
			 json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.JsonMerge", 1, argv[0], json_type_object, err) ||
	    want_type("States.JsonMerge", 2, argv[1], json_type_object, err) ||
	    want_type("States.JsonMerge", 3, argv[2], json_type_boolean, err))
		return PW_ERR;
	if (json_object_get_boolean(argv[2]))
		return pw_error_set(err, LANG_IF_ERR,
				    "States.JsonMerge: only shallow merging "
				    "is supported (the third argument must be "
				    "false), as in Step Functions");
	json_object *res = json_object_new_object();
	for (int k = 0; k < 2; k++) {
		json_object_object_foreach(argv[k], key, v)
		{
			json_object_object_add(res, key, json_object_get(v));
		}
	}
	*out = res;
	return PW_OK;
}

static int fn_math_random(struct lang_inode *call, json_object **argv,
			  json_object **out, pw_error *err)
{
	int64_t a, b, seed = 0;
	if (want_number_as_int("States.MathRandom", 1, argv[0], 't', &a, err) ||
	    want_number_as_int("States.MathRandom", 2, argv[1], 't', &b, err))
		return PW_ERR;
	if (call->nargs == 3 &&
	    want_number_as_int("States.MathRandom", 3, argv[2], 't', &seed,
			       err))
		return PW_ERR;
	if (b <= a)
		return pw_error_set(err, LANG_IF_ERR,
				    "States.MathRandom: end (%lld) must be "
				    "greater than start (%lld)",
				    (long long)b, (long long)a);
	unsigned short xs[3];
	if (call->nargs == 3) {
		xs[0] = (unsigned short)seed;
		xs[1] = (unsigned short)(seed >> 16);
		xs[2] = (unsigned short)(seed >> 32);
	} else {
		uuid_t u;
		uuid_generate_random(u);
		memcpy(xs, u, sizeof(xs));
	}
	/* start inclusive, end exclusive */
	uint64_t span = (uint64_t)(b - a);
	uint64_t r = ((uint64_t)nrand48(xs) << 31) ^ (uint64_t)nrand48(xs);
	*out = json_object_new_int64(a + (int64_t)(r % span));
	return PW_OK;
}

/* Decimal arguments are rounded (half up, as Java's Math.round) before
 * adding, as Step Functions does: MathAdd(1.5, 1.51) is 4. */
static int fn_math_add(struct lang_inode *call, json_object **argv,
		       json_object **out, pw_error *err)
{
	(void)call;
	int64_t a, b, s;
	if (want_number_as_int("States.MathAdd", 1, argv[0], 'r', &a, err) ||
	    want_number_as_int("States.MathAdd", 2, argv[1], 'r', &b, err))
		return PW_ERR;
	if (__builtin_add_overflow(a, b, &s))
		return pw_error_set(err, LANG_IF_ERR,
				    "States.MathAdd: integer overflow");
	*out = json_object_new_int64(s);
	return PW_OK;
}

static int fn_string_split(struct lang_inode *call, json_object **argv,
			   json_object **out, pw_error *err)
{
	(void)call;
	if (want_type("States.StringSplit", 1, argv[0], json_type_string,
		      err) ||
	    want_type("States.StringSplit", 2, argv[1], json_type_string, err))
		return PW_ERR;
	const char *s = json_object_get_string(argv[0]);
	const char *delims = json_object_get_string(argv[1]);
	json_object *res = json_object_new_array();
	/* every character of the second argument is a delimiter; empty
	 * pieces are dropped */
	size_t i = 0;
	while (s[i] != '\0') {
		size_t n = *delims ? strcspn(s + i, delims) : strlen(s + i);
		if (n > 0)
			json_object_array_add(
				res, json_object_new_string_len(s + i, (int)n));
		i += n;
		if (s[i] != '\0')
			i++;
	}
	*out = res;
	return PW_OK;
}

static int fn_uuid(struct lang_inode *call, json_object **argv, json_object **out,
		   pw_error *err)
{
	(void)call;
	(void)argv;
	(void)err;
	uuid_t u;
	char text[37];
	uuid_generate_random(u);
	uuid_unparse_lower(u, text);
	*out = json_object_new_string(text);
	return PW_OK;
}

static const struct lang_ifn FUNCTIONS[] = {
	{"States.Format", 1, -1, fn_format},
	{"States.StringToJson", 1, 1, fn_string_to_json},
	{"States.JsonToString", 1, 1, fn_json_to_string},
	{"States.Array", 0, -1, fn_array},
	{"States.ArrayPartition", 2, 2, fn_array_partition},
	{"States.ArrayContains", 2, 2, fn_array_contains},
	{"States.ArrayRange", 3, 3, fn_array_range},
	{"States.ArrayGetItem", 2, 2, fn_array_get_item},
	{"States.ArrayLength", 1, 1, fn_array_length},
	{"States.ArrayUnique", 1, 1, fn_array_unique},
	{"States.Base64Encode", 1, 1, fn_base64_encode},
	{"States.Base64Decode", 1, 1, fn_base64_decode},
	{"States.Hash", 2, 2, fn_hash},
	{"States.JsonMerge", 3, 3, fn_json_merge},
	{"States.MathRandom", 2, 3, fn_math_random},
	{"States.MathAdd", 2, 2, fn_math_add},
	{"States.StringSplit", 2, 2, fn_string_split},
	{"States.UUID", 0, 0, fn_uuid},
};

const struct lang_ifn *lang_intrinsic_find(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(FUNCTIONS) / sizeof(FUNCTIONS[0]); k++)
		if (strlen(FUNCTIONS[k].name) == len &&
		    strncmp(FUNCTIONS[k].name, name, len) == 0)
			return &FUNCTIONS[k];
	return NULL;
}

