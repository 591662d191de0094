/*
 * lang_yaml - YAML -> json-c through libyaml events, recording the
 * line/column of every node (mapping members at their key). Plain scalars
 * resolve by the YAML 1.2 core schema; quoted and block scalars are
 * strings. Anchors/aliases are expanded (with a node budget against
 * "billion laughs"); duplicate keys and non-scalar keys are errors.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lang_doc.h"

#define YAML_MAX_NODES 1000000L

struct yctx {
	const char *name;
	yaml_parser_t parser;
	json_object *pos;
	pw_diag *diag;
	struct lang_ptr ptr;
	json_object *anchors; /* anchor name -> node */
	long nodes;
	int failed;
};

static int fail_at(struct yctx *c, yaml_mark_t m, const char *fmt,
		   const char *arg)
{
	if (!c->failed)
		lang_diag_set(c->diag, c->name, (int)m.line + 1,
			      (int)m.column + 1, fmt, arg);
	c->failed = 1;
	return -1;
}

static int next_event(struct yctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev)) {
		yaml_parser_t *p = &c->parser;
		char msg[600];
		yaml_mark_t m = p->problem_mark;
		if (p->context)
			snprintf(msg, sizeof(msg), "%s %s",
				 p->problem ? p->problem : "syntax error",
				 p->context);
		else
			snprintf(msg, sizeof(msg), "%s",
				 p->problem ? p->problem : "syntax error");
		if (p->error == YAML_MEMORY_ERROR)
			snprintf(msg, sizeof(msg), "out of memory");
		return fail_at(c, m, "YAML syntax error: %s", msg);
	}
	return 0;
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static json_object *resolve_plain(const char *s, size_t len)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const trues[] = {"true", "True", "TRUE"};
	static const char *const falses[] = {"false", "False", "FALSE"};
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(s, nulls[i]) == 0)
			return NULL;
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, trues[i]) == 0)
			return json_object_new_boolean(1);
		if (strcmp(s, falses[i]) == 0)
			return json_object_new_boolean(0);
	}
	if (len == 0 || strlen(s) != len)
		return json_object_new_string_len(s, (int)len);

	const char *p = s;
	/* integers: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
	int base = 10;
	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		p = s + 2;
	}
	const char *q = p;
	if (base == 10 && (*q == '-' || *q == '+'))
		q++;
	int digits = 0;
	for (; *q; q++, digits++) {
		int ok = base == 16 ? (strchr("0123456789abcdefABCDEF", *q) &&
				       *q != '\0')
			 : base == 8 ? (*q >= '0' && *q <= '7')
				     : (*q >= '0' && *q <= '9');
		if (!ok)
			break;
	}
	if (*q == '\0' && digits > 0) {
		errno = 0;
		char *end = NULL;
		long long v = strtoll(p, &end, base);
		if (errno == 0 && end && *end == '\0')
			return json_object_new_int64(v);
		/* out of range: fall through to a float */
		if (base == 10)
			return json_object_new_double(strtod(s, NULL));
		return json_object_new_string_len(s, (int)len);
	}

	/* floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	q = s;
	if (*q == '-' || *q == '+')
		q++;
	if (strcmp(q, ".inf") == 0 || strcmp(q, ".Inf") == 0 ||
	    strcmp(q, ".INF") == 0 || strcmp(s, ".nan") == 0 ||
	    strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
		/* JSON has no infinities or NaN: keep the text */
		return json_object_new_string_len(s, (int)len);
	int mant = 0;
	while (*q >= '0' && *q <= '9') {
		q++;
		mant++;
	}
	if (*q == '.') {
		q++;
		while (*q >= '0' && *q <= '9') {
			q++;
			mant++;
		}
	}
	if (mant > 0 && (*q == 'e' || *q == 'E')) {
		q++;
		if (*q == '-' || *q == '+')
			q++;
		int ed = 0;
		while (*q >= '0' && *q <= '9') {
			q++;
			ed++;
		}
		if (ed == 0)
			mant = 0;
	}
	if (mant > 0 && *q == '\0') {
		double d = strtod(s, NULL);
		if (isfinite(d))
			return json_object_new_double(d);
	}
	return json_object_new_string_len(s, (int)len);
}

static int parse_node(struct yctx *c, yaml_event_t *ev, int depth,
		      json_object **out);

static int remember_anchor(struct yctx *c, const yaml_char_t *anchor,
			   json_object *node)
{
	if (anchor == NULL)
		return 0;
	json_object_object_add(c->anchors, (const char *)anchor,
			       json_object_get(node));
	return 0;
}

static int parse_mapping(struct yctx *c, yaml_event_t *start, int depth,
			 json_object **out)
{
	json_object *obj = json_object_new_object();
	yaml_event_t ev;
	const yaml_char_t *anchor = start->data.mapping_start.anchor;
	char *anchor_copy = anchor ? strdup((const char *)anchor) : NULL;

	for (;;) {
		if (next_event(c, &ev) != 0)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			fail_at(c, ev.start_mark, "%s",
				"mapping keys must be plain strings, not "
				"collections or aliases");
			yaml_event_delete(&ev);
			goto fail;
		}
		const char *key = (const char *)ev.data.scalar.value;
		size_t keylen = ev.data.scalar.length;
		if (strlen(key) != keylen) {
			fail_at(c, ev.start_mark, "%s",
				"mapping key contains a NUL character");
			yaml_event_delete(&ev);
			goto fail;
		}
		if (keylen == 2 && strcmp(key, "<<") == 0 &&
		    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			fail_at(c, ev.start_mark, "%s",
				"YAML merge keys (<<) are not supported");
			yaml_event_delete(&ev);
			goto fail;
		}
		size_t saved = lang_ptr_push_key(&c->ptr, key, keylen);
		if (saved == (size_t)-1) {
			fail_at(c, ev.start_mark, "%s", "out of memory");
			yaml_event_delete(&ev);
			goto fail;
		}
		if (lang_pos_record(c->pos, &c->ptr,
				    (int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1)) {
			fail_at(c, ev.start_mark, "duplicate key '%s'", key);
			yaml_event_delete(&ev);
			goto fail;
		}
		char *k = strdup(key);
		yaml_event_delete(&ev);
		if (k == NULL)
			goto fail;
		json_object *val = NULL;
		if (next_event(c, &ev) != 0) {
			free(k);
			goto fail;
		}
		/* a member records its key's position; the value's own
		 * position is not needed */
		int rc = parse_node(c, &ev, depth + 1, &val);
		if (rc != 0) {
			free(k);
			goto fail;
		}
		json_object_object_add(obj, k, val);
		free(k);
		lang_ptr_trunc(&c->ptr, saved);
	}
	if (anchor_copy)
		remember_anchor(c, (yaml_char_t *)anchor_copy, obj);
	free(anchor_copy);
	*out = obj;
	return 0;
fail:
	free(anchor_copy);
	json_object_put(obj);
	return -1;
}

static int parse_sequence(struct yctx *c, yaml_event_t *start, int depth,
			  json_object **out)
{
	json_object *arr = json_object_new_array();
	yaml_event_t ev;
	const yaml_char_t *anchor = start->data.sequence_start.anchor;
	char *anchor_copy = anchor ? strdup((const char *)anchor) : NULL;
	size_t index = 0;

	for (;;) {
		if (next_event(c, &ev) != 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		size_t saved = lang_ptr_push_index(&c->ptr, index++);
		if (saved == (size_t)-1) {
			yaml_event_delete(&ev);
			goto fail;
		}
		lang_pos_record(c->pos, &c->ptr, (int)ev.start_mark.line + 1,
				(int)ev.start_mark.column + 1);
		json_object *val = NULL;
		if (parse_node(c, &ev, depth + 1, &val) != 0)
			goto fail;
		json_object_array_add(arr, val);
		lang_ptr_trunc(&c->ptr, saved);
	}
	if (anchor_copy)
		remember_anchor(c, (yaml_char_t *)anchor_copy, arr);
	free(anchor_copy);
	*out = arr;
	return 0;
fail:
	free(anchor_copy);
	json_object_put(arr);
	return -1;
}

/* Counts nodes of v (bounded), so aliases cannot blow up memory. */
static long count_nodes(json_object *v, long limit)
{
	long n = 1;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, child)
		{
			(void)k;
			n += count_nodes(child, limit - n);
			if (n > limit)
				return n;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t len = json_object_array_length(v);
		for (size_t i = 0; i < len && n <= limit; i++)
			n += count_nodes(json_object_array_get_idx(v, i),
					 limit - n);
	}
	return n;
}

/* Consumes the node that starts with *ev (and deletes ev). */
static int parse_node(struct yctx *c, yaml_event_t *ev, int depth,
		      json_object **out)
{
	int rc = -1;
	*out = NULL;
	if (depth > LANG_MAX_DEPTH) {
		fail_at(c, ev->start_mark, "nesting deeper than %s levels",
			"128");
		goto out;
	}
	if (++c->nodes > YAML_MAX_NODES) {
		fail_at(c, ev->start_mark, "%s", "document has too many nodes");
		goto out;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		const char *tag = (const char *)ev->data.scalar.tag;
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (tag == NULL || strcmp(tag, "!") != 0) &&
		    (tag == NULL ||
		     strcmp(tag, "tag:yaml.org,2002:str") != 0))
			*out = resolve_plain(s, len);
		else
			*out = json_object_new_string_len(s, (int)len);
		if (ev->data.scalar.anchor)
			remember_anchor(c, ev->data.scalar.anchor, *out);
		rc = 0;
		break;
	}
	case YAML_MAPPING_START_EVENT:
		rc = parse_mapping(c, ev, depth, out);
		break;
	case YAML_SEQUENCE_START_EVENT:
		rc = parse_sequence(c, ev, depth, out);
		break;
	case YAML_ALIAS_EVENT: {
		json_object *target = NULL;
		const char *a = (const char *)ev->data.alias.anchor;
		if (!json_object_object_get_ex(c->anchors, a, &target)) {
			fail_at(c, ev->start_mark, "unknown alias '*%s'", a);
			goto out;
		}
		c->nodes += count_nodes(target, YAML_MAX_NODES);
		if (c->nodes > YAML_MAX_NODES) {
			fail_at(c, ev->start_mark, "%s",
				"document has too many nodes (aliases)");
			goto out;
		}
		if (target != NULL &&
		    json_object_deep_copy(target, out, NULL) != 0) {
			fail_at(c, ev->start_mark, "%s", "out of memory");
			goto out;
		}
		rc = 0;
		break;
	}
	default:
		fail_at(c, ev->start_mark, "%s", "unexpected YAML event");
		break;
	}
out:
	yaml_event_delete(ev);
	return rc;
}

int lang_yaml_load(const char *name, const char *buf, size_t len,
		   json_object **root, json_object *pos, pw_diag *diag)
{
	struct yctx c;
	yaml_event_t ev;
	json_object *doc = NULL;
	int rc = -1, seen_doc = 0;

	*root = NULL;
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.pos = pos;
	c.diag = diag;
	c.anchors = json_object_new_object();
	if (!yaml_parser_initialize(&c.parser)) {
		lang_diag_set(diag, name, 0, 0, "out of memory");
		json_object_put(c.anchors);
		return -1;
	}
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)buf,
				     len);
	for (;;) {
		if (next_event(&c, &ev) != 0)
			goto out;
		yaml_event_type_t t = ev.type;
		yaml_mark_t m = ev.start_mark;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_STREAM_START_EVENT ||
		    t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (t == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			if (seen_doc) {
				fail_at(&c, m, "%s",
					"more than one YAML document in the "
					"file");
				goto out;
			}
			seen_doc = 1;
			continue;
		}
		/* the root node */
		lang_pos_record(pos, &c.ptr, (int)m.line + 1,
				(int)m.column + 1);
		if (parse_node(&c, &ev, 0, &doc) != 0)
			goto out;
	}
	if (!seen_doc) {
		lang_diag_set(diag, name, 1, 1, "empty document");
		goto out;
	}
	*root = doc;
	doc = NULL;
	rc = 0;
out:
	json_object_put(doc);
	json_object_put(c.anchors);
	lang_ptr_free(&c.ptr);
	yaml_parser_delete(&c.parser);
	return rc;
}
