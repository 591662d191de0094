/*
 * lang_validate_vars - `prewarm validate` for workflow variables: Assign
 * fields (names, reserved names, their templates), `$name` references a
 * state cannot see (warnings), and inner scopes assigning outer names.
 */
#include <stdlib.h>
#include <string.h>

#include "lang_validate.h"
#include "pw_ident.h"
#include "pw_intrinsic.h"
#include "pw_jsonata.h"

int lang_path_reads_other(const char *expr)
{
	return expr != NULL && expr[0] == '$' && expr[1] != '\0' && expr[1] != '.' &&
	       expr[1] != '[';
}

void lang_check_assign(struct lang_sctx *s, json_object *obj, const char *ptr)
{
	int present;
	json_object *a = lang_vfield(obj, "Assign", &present);
	if (!present)
		return;
	struct lang_sctx sub = *s;
	sub.ptr = ptr;
	lang_check_template_field(&sub, obj, "Assign"); /* object, "k.$" values */
	if (!json_object_is_type(a, json_type_object))
		return;
	char *pa = lang_pj(ptr, "Assign");
	json_object_object_foreach(a, key, val) {
		(void)val;
		size_t klen = strlen(key);
		int dyn = klen > 2 && strcmp(key + klen - 2, ".$") == 0;
		char *name = strndup(key, dyn ? klen - 2 : klen);
		char *pk = lang_pj(pa, key);
		if (name == NULL || pk == NULL) {
			free(name);
			free(pk);
			break;
		}
		if (strcmp(name, "states") == 0)
			lang_verr(s->c, pk,
			    "state '%s': Assign: $states is reserved (JSONata's state "
			    "data): choose another variable name", s->name);
		else if (!pw_ident_valid(name))
			lang_verr(s->c, pk,
			    "state '%s': Assign: '%s' is not a variable name (a letter, "
			    "then letters, digits or '_': Unicode ID_Start then ID_Continue "
			    "characters, at most %d)", s->name, name, PW_IDENT_MAX_CHARS);
		else if (dyn && json_object_object_get_ex(a, name, NULL))
			lang_verr(s->c, pk,
			    "state '%s': Assign: '%s' and '%s' both assign $%s", s->name,
			    name, key, name);
		free(name);
		free(pk);
	}
	free(pa);
}

/* ---- scopes ------------------------------------------------------------ */

struct scope {
	const struct scope *outer;
	json_object *assigned; /* name -> {"ptr", "state"} of its first Assign */
};

static const struct scope *assigner(const struct scope *sc, const char *name)
{
	for (; sc != NULL; sc = sc->outer)
		if (json_object_object_get_ex(sc->assigned, name, NULL))
			return sc;
	return NULL;
}

static void add_assigns(json_object *names, json_object *obj, const char *ptr,
			const char *state)
{
	json_object *a = lang_vfield(obj, "Assign", NULL);
	if (!json_object_is_type(a, json_type_object))
		return;
	char *pa = lang_pj(ptr, "Assign");
	json_object_object_foreach(a, key, val) {
		(void)val;
		size_t klen = strlen(key);
		char *name = strndup(key, klen > 2 && strcmp(key + klen - 2, ".$") == 0
						  ? klen - 2 : klen);
		if (name != NULL && !json_object_object_get_ex(names, name, NULL)) {
			json_object *at = json_object_new_object();
			char *pk = lang_pj(pa, key);
			json_object_object_add(at, "ptr", json_object_new_string(pk ? pk : pa));
			json_object_object_add(at, "state", json_object_new_string(state));
			json_object_object_add(names, name, at);
			free(pk);
		}
		free(name);
	}
	free(pa);
}

/* Every Assign of a state: its own, its Choice rules', its catchers'. */
static void for_each_assigner(json_object *state, const char *sptr, const char *name,
			      json_object *names)
{
	add_assigns(names, state, sptr, name);
	static const char *const lists[] = {"Choices", "Catch"};
	for (size_t l = 0; l < 2; l++) {
		json_object *arr = lang_vfield(state, lists[l], NULL);
		if (!json_object_is_type(arr, json_type_array))
			continue;
		char *pl = lang_pj(sptr, lists[l]);
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			char *pi = lang_pji(pl, i);
			json_object *o = json_object_array_get_idx(arr, i);
			if (json_object_is_type(o, json_type_object))
				add_assigns(names, o, pi, name);
			free(pi);
		}
		free(pl);
	}
}

struct refctx {
	struct lang_vctx *c;
	const struct scope *sc;
	const char *state;
	int jsonata; /* the state is in JSONata mode */
};

/* One variable name read at ptr by field `what`. */
static void check_ref(struct refctx *r, const char *ptr, const char *what, const char *s,
		      size_t len)
{
	size_t chars, n = pw_ident_span(s, len, &chars);
	if (n == 0)
		return;
	char *name = strndup(s, n);
	if (name == NULL)
		return;
	if (strcmp(name, "states") == 0)
		lang_verr(r->c, ptr,
		    "state '%s': %s reads $states, which only JSONata states have", r->state,
		    what);
	else if (assigner(r->sc, name) == NULL)
		lang_vwarn(r->c, ptr,
		    "state '%s': %s reads $%s, but no state this one can see assigns it "
		    "(%s unless a variable of that name exists)", r->state, what, name,
		    r->jsonata ? "JSONata reads it as undefined"
			       : "it fails with States.Runtime");
	free(name);
}

/* The variables a path or an intrinsic call reads. */
static void scan_expr(struct refctx *r, const char *ptr, const char *what, const char *s)
{
	if (s == NULL)
		return;
	if (!pw_intrinsic_is_call(s)) {
		if (lang_path_reads_other(s) && s[1] != '$')
			check_ref(r, ptr, what, s + 1, strlen(s + 1));
		return;
	}
	char quote = 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (quote) {
			if (s[i] == '\\' && s[i + 1] != '\0')
				i++;
			else if (s[i] == '\'')
				quote = 0;
		} else if (s[i] == '\'') {
			quote = 1;
		} else if (s[i] == '$' && s[i + 1] == '$') {
			i++;
		} else if (s[i] == '$' && lang_path_reads_other(s + i)) {
			check_ref(r, ptr, what, s + i + 1, strlen(s + i + 1));
		}
	}
}

/* "key.$" values of a template (any depth). */
static void scan_template(struct refctx *r, const char *ptr, const char *what,
			  json_object *t, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(t, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(t); i++) {
			char *p = lang_pji(ptr, i);
			scan_template(r, p, what, json_object_array_get_idx(t, i), depth + 1);
			free(p);
		}
		return;
	}
	if (!json_object_is_type(t, json_type_object))
		return;
	json_object_object_foreach(t, key, val) {
		char *p = lang_pj(ptr, key);
		size_t klen = strlen(key);
		if (klen > 2 && strcmp(key + klen - 2, ".$") == 0) {
			if (json_object_is_type(val, json_type_string))
				scan_expr(r, p, what, json_object_get_string(val));
		} else {
			scan_template(r, p, what, val, depth + 1);
		}
		free(p);
	}
}

/* Choice rules: Variable and the *Path operands, in And/Or/Not too. */
static void scan_rule(struct refctx *r, const char *ptr, json_object *rule, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(rule, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(rule); i++) {
			char *p = lang_pji(ptr, i);
			scan_rule(r, p, json_object_array_get_idx(rule, i), depth + 1);
			free(p);
		}
		return;
	}
	if (!json_object_is_type(rule, json_type_object))
		return;
	json_object_object_foreach(rule, key, val) {
		char *p = lang_pj(ptr, key);
		size_t klen = strlen(key);
		if (strcmp(key, "And") == 0 || strcmp(key, "Or") == 0 || strcmp(key, "Not") == 0)
			scan_rule(r, p, val, depth + 1);
		else if (strcmp(key, "Assign") == 0)
			scan_template(r, p, "Assign", val, 0);
		else if ((strcmp(key, "Variable") == 0 ||
			  (klen > 4 && strcmp(key + klen - 4, "Path") == 0)) &&
			 json_object_is_type(val, json_type_string))
			scan_expr(r, p, key, json_object_get_string(val));
		free(p);
	}
}

/* ---- JSONata expressions ------------------------------------------------ */

/* JSONata's and Step Functions' functions: `$string` passed as a value
 * is not a variable. */
static const char *const JSONATA_FNS[] = {
	"sum", "count", "max", "min", "average", "string", "number", "floor", "ceil", "abs",
	"sqrt", "power", "round", "random", "boolean", "not", "exists", "type", "append",
	"reverse", "shuffle", "distinct", "zip", "sort", "map", "filter", "single", "reduce",
	"keys", "lookup", "spread", "merge", "each", "sift", "clone", "error", "assert", "eval",
	"millis", "substring", "substringBefore", "substringAfter", "lowercase", "uppercase",
	"length", "trim", "pad", "match", "contains", "replace", "split", "join",
	"base64encode", "base64decode", "encodeUrlComponent", "encodeUrl",
	"decodeUrlComponent", "decodeUrl", "formatNumber", "formatBase", "formatInteger",
	"parseInteger", "now", "fromMillis", "toMillis", "partition", "range", "hash", "uuid",
	"parse", NULL};

/* Where the token at s[i] ends when it is a string, a `name` or a
 * comment: the index after it (i itself when it is none of them). */
static size_t skip_quoted(const char *s, size_t i)
{
	char q = s[i];
	if (q == '/' && s[i + 1] == '*') {
		const char *e = strstr(s + i + 2, "*/");
		return e ? (size_t)(e - s) + 2 : strlen(s);
	}
	if (q != '\'' && q != '"' && q != '`')
		return i;
	for (i++; s[i] != '\0' && s[i] != q; i++)
		if (s[i] == '\\' && q != '`' && s[i + 1] != '\0')
			i++;
	return s[i] ? i + 1 : i;
}

/* The names an expression binds itself: `$x :=` and lambda parameters. */
static void local_names(const char *s, json_object *local)
{
	int in_params = 0;
	for (size_t i = 0; s[i] != '\0';) {
		size_t j = skip_quoted(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if (strncmp(s + i, "function", 8) == 0 || strncmp(s + i, "\xce\xbb", 2) == 0)
			in_params = 1; /* until the parameter list closes */
		else if (s[i] == ')' && in_params)
			in_params = 0;
		if (s[i] != '$') {
			i++;
			continue;
		}
		size_t chars, n = pw_ident_span(s + i + 1, strlen(s + i + 1), &chars);
		size_t k = i + 1 + n;
		while (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
			k++;
		if (n > 0 && (in_params || strncmp(s + k, ":=", 2) == 0)) {
			char *name = strndup(s + i + 1, n);
			if (name != NULL)
				json_object_object_add(local, name, NULL);
			free(name);
		}
		i += 1 + n;
	}
}

/* The workflow variables a "{% %}" expression reads: every `$name` that
 * is not $states, a function, a call, nor bound in the expression. */
static void scan_jsonata(struct refctx *r, const char *ptr, const char *what, const char *s)
{
	json_object *local = json_object_new_object();
	local_names(s, local);
	for (size_t i = 0; s[i] != '\0';) {
		size_t j = skip_quoted(s, i);
		if (j != i || s[i] != '$') {
			i = j != i ? j : i + 1;
			continue;
		}
		size_t chars, n = pw_ident_span(s + i + 1, strlen(s + i + 1), &chars);
		size_t k = i + 1 + n;
		while (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
			k++;
		char *name = n ? strndup(s + i + 1, n) : NULL;
		int skip = name == NULL || s[k] == '(' || strcmp(name, "states") == 0 ||
			   json_object_object_get_ex(local, name, NULL);
		for (size_t f = 0; !skip && JSONATA_FNS[f]; f++)
			skip = strcmp(JSONATA_FNS[f], name) == 0;
		if (!skip)
			check_ref(r, ptr, what, s + i + 1, n);
		free(name);
		i += 1 + n;
	}
	json_object_put(local);
}

/* Every "{% %}" string of v, at any depth. */
static void scan_jsonata_value(struct refctx *r, const char *ptr, const char *what,
			       json_object *v, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(v, json_type_string)) {
		if (pw_jsonata_is_expr(json_object_get_string(v)))
			scan_jsonata(r, ptr, what, json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = lang_pji(ptr, i);
			scan_jsonata_value(r, p, what, json_object_array_get_idx(v, i), depth + 1);
			free(p);
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			char *p = lang_pj(ptr, key);
			scan_jsonata_value(r, p, what, val, depth + 1);
			free(p);
		}
	}
}

/* A JSONata state: the fields that take expressions. */
static void scan_jsonata_state(struct refctx *r, json_object *state, const char *sptr)
{
	static const char *const fields[] = {
		"Arguments", "Output", "Assign", "Items", "ItemSelector", "Seconds", "Timestamp",
		"TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "Error", "Cause",
		"Choices", "Catch", NULL};
	for (size_t i = 0; fields[i]; i++) {
		json_object *v = lang_vfield(state, fields[i], NULL);
		if (v == NULL)
			continue;
		char *p = lang_pj(sptr, fields[i]);
		scan_jsonata_value(r, p, fields[i], v, 0);
		free(p);
	}
}

static void scan_state(struct refctx *r, json_object *state, const char *sptr)
{
	if (pw_jsonata_mode(pw_doc_root(r->c->doc), state) ||
	    pw_jsonata_mode(pw_doc_root(r->c->doc), NULL)) {
		r->jsonata = 1;
		scan_jsonata_state(r, state, sptr);
		return;
	}
	static const char *const paths[] = {
		"InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath",
		"TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
		"ErrorPath", "CausePath", NULL};
	static const char *const templates[] = {"Parameters", "ResultSelector",
						"ItemSelector", "Assign", NULL};
	for (size_t i = 0; paths[i]; i++) {
		json_object *v = lang_vfield(state, paths[i], NULL);
		if (json_object_is_type(v, json_type_string)) {
			char *p = lang_pj(sptr, paths[i]);
			scan_expr(r, p, paths[i], json_object_get_string(v));
			free(p);
		}
	}
	for (size_t i = 0; templates[i]; i++) {
		char *p = lang_pj(sptr, templates[i]);
		scan_template(r, p, templates[i], lang_vfield(state, templates[i], NULL), 0);
		free(p);
	}
	static const char *const lists[] = {"Choices", "Catch"};
	for (size_t l = 0; l < 2; l++) {
		char *p = lang_pj(sptr, lists[l]);
		scan_rule(r, p, lang_vfield(state, lists[l], NULL), 0);
		free(p);
	}
}

static void walk(struct lang_vctx *c, json_object *machine, const char *ptr,
		 const struct scope *outer, int depth)
{
	json_object *states = lang_vfield(machine, "States", NULL);
	if (depth > 64 || !json_object_is_type(states, json_type_object))
		return;
	char *pst = lang_pj(ptr, "States");
	struct scope sc = {outer, json_object_new_object()};
	json_object_object_foreach(states, n1, st1) {
		char *sp = lang_pj(pst, n1);
		if (json_object_is_type(st1, json_type_object))
			for_each_assigner(st1, sp, n1, sc.assigned);
		free(sp);
	}
	json_object_object_foreach(sc.assigned, name, at) {
		const struct scope *o = assigner(outer, name);
		if (o == NULL)
			continue;
		json_object *oat = lang_vfield(o->assigned, name, NULL);
		lang_verr(c, json_object_get_string(lang_vfield(at, "ptr", NULL)),
		    "state '%s': Assign: $%s is assigned in an outer scope (state '%s'): a "
		    "Map iteration or Parallel branch reads the variables around it but "
		    "cannot assign them", json_object_get_string(lang_vfield(at, "state", NULL)),
		    name, json_object_get_string(lang_vfield(oat, "state", NULL)));
	}
	json_object_object_foreach(states, n2, st2) {
		if (!json_object_is_type(st2, json_type_object))
			continue;
		char *sp = lang_pj(pst, n2);
		struct refctx r = {c, &sc, n2, 0};
		scan_state(&r, st2, sp);
		static const char *const nested[] = {"ItemProcessor", "Iterator"};
		for (size_t k = 0; k < 2; k++) {
			json_object *m = lang_vfield(st2, nested[k], NULL);
			if (json_object_is_type(m, json_type_object)) {
				char *mp = lang_pj(sp, nested[k]);
				walk(c, m, mp, &sc, depth + 1);
				free(mp);
			}
		}
		json_object *br = lang_vfield(st2, "Branches", NULL);
		if (json_object_is_type(br, json_type_array)) {
			char *bp = lang_pj(sp, "Branches");
			for (size_t i = 0; i < json_object_array_length(br); i++) {
				char *ip = lang_pji(bp, i);
				walk(c, json_object_array_get_idx(br, i), ip, &sc, depth + 1);
				free(ip);
			}
			free(bp);
		}
		free(sp);
	}
	json_object_put(sc.assigned);
	free(pst);
}

void lang_check_var_scopes(struct lang_vctx *c, json_object *root)
{
	walk(c, root, "", NULL, 0);
}
