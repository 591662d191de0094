/* notify_template - "{Key}" substitution for notification messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_template.h"

/* Looks up a dotted path ("Error.Cause") in data; NULL when absent. */
static json_object *lookup(json_object *data, const char *path, size_t len)
{
	json_object *cur = data;
	const char *end = path + len;

	while (cur != NULL && path < end) {
		const char *dot = memchr(path, '.', (size_t)(end - path));
		size_t seg = dot ? (size_t)(dot - path) : (size_t)(end - path);
		char key[256];

		if (seg == 0 || seg >= sizeof(key) ||
		    !json_object_is_type(cur, json_type_object))
			return NULL;
		memcpy(key, path, seg);
		key[seg] = '\0';
		if (!json_object_object_get_ex(cur, key, &cur))
			return NULL;
		path += seg + (dot ? 1 : 0);
	}
	return cur;
}

static const char *value_text(json_object *v)
{
	if (v == NULL)
		return "null";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
}

char *notify_render(const char *tmpl, json_object *data)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	const char *p = tmpl;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			fputc(p[0], out);
			p += 2;
			continue;
		}
		if (p[0] == '{') {
			const char *close = strchr(p + 1, '}');
			json_object *v = NULL;
			int found = 0;

			if (close != NULL && close > p + 1 && data != NULL) {
				size_t len = (size_t)(close - p - 1);
				/* json_object_object_get_ex cannot tell a JSON
				 * null from a missing key, so look twice. */
				v = lookup(data, p + 1, len);
				found = v != NULL;
				if (!found) {
					const char *dot = memrchr(p + 1, '.', len);
					json_object *parent =
						dot ? lookup(data, p + 1,
							     (size_t)(dot - p - 1))
						    : data;
					char key[256];
					const char *k = dot ? dot + 1 : p + 1;
					size_t klen = (size_t)(close - k);

					if (parent != NULL && klen < sizeof(key) &&
					    json_object_is_type(parent, json_type_object)) {
						memcpy(key, k, klen);
						key[klen] = '\0';
						found = json_object_object_get_ex(
							parent, key, NULL);
					}
				}
			}
			if (found) {
				fputs(value_text(v), out);
				p = close + 1;
				continue;
			}
		}
		fputc(*p, out);
		p++;
	}
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
