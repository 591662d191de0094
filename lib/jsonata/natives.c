/* Host functions (jsonata_limits.natives): looked up by name before the
 * built-ins, called with json-c copies of their checked arguments. */
#include <string.h>
#include "jn.h"

jv *jn_ext_lookup(jn_ctx *c, const char *name)
{
	if (!c->natives)
		return NULL;
	for (const jsonata_native *n = c->natives; n->name; n++) {
		if (strcmp(n->name, name) != 0)
			continue;
		jfunc *f = jn_alloc(c, sizeof(*f));
		memset(f, 0, sizeof(*f));
		f->kind = JF_NATIVE;
		f->name = n->name;
		f->ext = n;
		f->sig = n->signature ? jn_sig_parse(c, n->signature, -1) : NULL;
		return jv_func(c, f);
	}
	return NULL;
}

/* jv_from_json keeps json-c's key strings; the result of a host function
 * is freed at once, so its keys are copied into the arena. */
static jv *own_copy(jn_ctx *c, struct json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		jv *a = jv_arr(c);
		for (size_t i = 0; i < json_object_array_length(o); i++)
			jv_push(c, a, own_copy(c, json_object_array_get_idx(o, i)));
		return a;
	}
	if (json_object_is_type(o, json_type_object)) {
		jv *r = jv_obj(c);
		json_object_object_foreach(o, k, val) {
			size_t n = strlen(k);
			jv_set(c, r, jn_strndup(c, k, n), n, own_copy(c, val));
		}
		return r;
	}
	return jv_from_json(c, o); /* scalars: strings are copied */
}

jv *jn_ext_call(jn_ctx *c, jfunc *f, jv **args, int nargs, int pos)
{
	struct json_object **jargs = jn_alloc(c, (size_t)(nargs + 1) * sizeof(*jargs));
	struct json_object *out = NULL;
	jsonata_error err;
	memset(&err, 0, sizeof(err));
	err.position = -1;
	for (int i = 0; i < nargs; i++)
		jargs[i] = jv_to_json(args[i]);
	int rc = f->ext->fn(f->ext->arg, jargs, nargs, &out, &err);
	for (int i = 0; i < nargs; i++)
		json_object_put(jargs[i]);
	if (rc < 0) {
		json_object_put(out);
		jn_fail(c, err.code[0] ? err.code : "D3137", pos, "%s",
			err.message[0] ? err.message : "the function failed");
	}
	if (rc > 0) {
		json_object_put(out);
		return NULL;
	}
	jv *r = out ? own_copy(c, out) : &jn_null;
	json_object_put(out);
	return r;
}
