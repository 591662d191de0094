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
	jv *r = out ? jv_from_json(c, out) : &jn_null;
	json_object_put(out);
	return r;
}
