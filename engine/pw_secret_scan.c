/* pw_secret_scan - registers the secrets data shows by its shape. */
#include "pw_secret_scan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_config.h"
#include "pw_path.h"
#include "pw_redact.h"

/* A number is a secret's text only when long enough not to be a count or
 * a year (a short one would be redacted from every timestamp). */
#define MIN_SECRET_NUMBER 6
/* Strings longer than this are not parsed as JSON (a warm plan is data,
 * not a credential document). */
#define MAX_NESTED_JSON (1u << 20)

/* The name's last word, lower-case, in buf: the letters and digits after
 * its last separator (any other character) or camelCase boundary
 * ("userPwd", "DBPwd": "pwd"). */
static const char *last_word(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);
	while (n > 0 && !isalnum((unsigned char)name[n - 1]))
		n--;
	size_t b = n;
	while (b > 0 && isalnum((unsigned char)name[b - 1])) {
		unsigned char c = (unsigned char)name[b - 1], prev = b > 1 ? (unsigned char)name[b - 2] : 0;
		int next_lower = b < n && islower((unsigned char)name[b]);
		b--;
		if (isupper(c) && (islower(prev) || isdigit(prev) || (isupper(prev) && next_lower)))
			break;
	}
	snprintf(buf, len, "%.*s", (int)(n - b), name + b);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

/* Nonzero when name, read lower-case with everything but letters and
 * digits dropped ("PG_PASSWORD ", "client.secret"), ends with a word
 * that names a secret. Only the end: "password_set", "PasswordLastUsed"
 * and "secret_arn" describe one. */
static int ends_with_secret_word(const char *name)
{
	static const char *const words[] = {"password", "passwd", "passphrase", "secret",
					    "token", "privatekey", "apikey", "authorization",
					    "secretaccesskey"};
	char norm[128];
	size_t w = 0;
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p))
			continue;
		if (w + 1 >= sizeof(norm))
			memmove(norm, norm + 1, --w); /* keep the end */
		norm[w++] = (char)tolower((unsigned char)*p);
	}
	norm[w] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		size_t k = strlen(words[i]);
		if (w >= k && strcmp(norm + w - k, words[i]) == 0)
			return 1;
	}
	return 0;
}

int pw_secret_scan_name_is_secret(const char *name)
{
	char word[16];
	if (name == NULL)
		return 0;
	if (pw_config_var_name_is_secret(name) || ends_with_secret_word(name))
		return 1;
	/* "pwd" only as a whole word: "cwd", "pwdx" are not passwords. */
	return strcmp(last_word(name, word, sizeof(word)), "pwd") == 0;
}

/* Registers s[0..len) (copied). */
static void add_span(const char *s, size_t len)
{
	char *copy = strndup(s, len);
	if (copy != NULL)
		pw_secret_add(copy);
	free(copy);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Registers s[0..len) raw and, when it differs, percent-decoded (a URI
 * carries the encoded form, the program using it the plain one). */
static void add_uri_part(const char *s, size_t len)
{
	add_span(s, len);
	char *dec = malloc(len + 1);
	if (dec == NULL)
		return;
	size_t w = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			dec[w++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dec[w++] = s[i];
		}
	}
	dec[w] = '\0';
	if (w != len)
		pw_secret_add(dec);
	free(dec);
}

/* A conninfo value at p (after "password ="): quoted ('...' with \x
 * escapes) or up to the next blank, as libpq reads it. Registers it
 * unescaped (its conninfo-quoted spelling is one the redactor adds) and
 * returns where it ends, so the caller's search goes on after it: every
 * byte is read once however many "password=" a text repeats. */
static const char *conninfo_value(const char *p)
{
	const char *q = p;
	int quoted = *q == '\'';
	if (quoted)
		q++;
	const char *from = q;
	for (; *q && (quoted ? *q != '\'' : !isspace((unsigned char)*q)); q++)
		if (*q == '\\' && q[1])
			q++;
	char *v = malloc((size_t)(q - from) + 1);
	if (v != NULL) {
		size_t w = 0;
		for (const char *r = from; r < q; r++) {
			if (*r == '\\' && r + 1 < q)
				r++;
			v[w++] = *r;
		}
		v[w] = '\0';
		pw_secret_add(v);
		free(v);
	}
	return *q ? q : q - 1;
}

/* Every "password=" (any case, also as the end of db_password=): a URI
 * query parameter after ? or &, else a conninfo keyword. */
static void scan_password_keywords(const char *text)
{
	for (const char *p = strcasestr(text, "password"); p != NULL;
	     p = strcasestr(p + 1, "password")) {
		const char *q = p + 8;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=')
			continue;
		q++;
		if (p > text && (p[-1] == '?' || p[-1] == '&')) {
			size_t n = strcspn(q, "&# \t\r\n");
			add_uri_part(q, n);
			p = q + n - 1;
			continue;
		}
		while (*q == ' ' || *q == '\t')
			q++;
		p = conninfo_value(q);
	}
}

/* Every scheme://user:password@host: the userinfo is in the authority,
 * which ends at the first / ? # or blank (as libpq reads a URI; a raw /
 * in a password must be percent-encoded there), and runs to its last @,
 * so a raw @ is still taken whole. Ending at the first / also keeps a
 * path's "Page:x@2" out, and reads each byte about once. */
static void scan_uri_userinfo(const char *text)
{
	for (const char *p = strstr(text, "://"); p != NULL; p = strstr(p + 3, "://")) {
		const char *start = p + 3;
		size_t end = strcspn(start, "/?# \t\r\n");
		const char *at = NULL;
		for (size_t i = 0; i < end; i++)
			if (start[i] == '@')
				at = start + i;
		if (at == NULL)
			continue;
		const char *colon = memchr(start, ':', (size_t)(at - start));
		if (colon != NULL)
			add_uri_part(colon + 1, (size_t)(at - colon - 1));
	}
}

/* s percent-decoded (malloc'd), or NULL. */
static char *pct_decoded(const char *s)
{
	size_t len = strlen(s), w = 0;
	char *dec = malloc(len + 1);
	if (dec == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			dec[w++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dec[w++] = s[i];
		}
	}
	dec[w] = '\0';
	return dec;
}

void pw_secret_scan_text(const char *text)
{
	if (text == NULL)
		return;
	scan_password_keywords(text);
	scan_uri_userinfo(text);
	/* A conninfo or URI passed percent-encoded (a query parameter's
	 * value): scanned decoded too; its encoded spellings are the
	 * redactor's. */
	if (strcasestr(text, "password%3D") != NULL || strstr(text, "%3A%2F%2F") != NULL ||
	    strstr(text, "%3a%2f%2f") != NULL) {
		char *dec = pct_decoded(text);
		if (dec != NULL) {
			scan_password_keywords(dec);
			scan_uri_userinfo(dec);
		}
		free(dec);
	}
}

static void scan(json_object *v, int depth);

/* Each JSON object a message quotes ("would call x:Y with {...}"): read
 * from its brace to where the object ends, the text after ignored. */
static void scan_quoted_objects(const char *text)
{
	if (strcasestr(text, "pass") == NULL && strcasestr(text, "secret") == NULL &&
	    strcasestr(text, "token") == NULL && strcasestr(text, "key") == NULL &&
	    strcasestr(text, "authorization") == NULL && strcasestr(text, "pwd") == NULL)
		return;
	for (const char *p = strchr(text, '{'); p != NULL; p = strchr(p + 1, '{')) {
		json_tokener *tok = json_tokener_new();
		if (tok == NULL)
			return;
		json_object *doc = json_tokener_parse_ex(tok, p, (int)strnlen(p, MAX_NESTED_JSON));
		size_t used = json_tokener_get_error(tok) == json_tokener_success
				      ? (size_t)json_tokener_get_parse_end(tok) : 0;
		json_tokener_free(tok);
		if (doc != NULL)
			scan(doc, 1);
		json_object_put(doc);
		if (used > 1)
			p += used - 1; /* its inner braces are scanned already */
	}
}

void pw_secret_scan_message(const char *text)
{
	if (text == NULL)
		return;
	pw_secret_scan_text(text);
	scan_quoted_objects(text);
}

/* The value of a secret-named member, when it is a string or a number:
 * an object or array under such a name is a structure (a state named
 * TargetToken, a GetSecretValue result under "secret"), scanned like any
 * other, not a secret whole. */
static void add_value(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_array: /* {"password": ["a", "b"]}: each string or number */
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (!json_object_is_type(e, json_type_array))
				add_value(e);
		}
		break;
	case json_type_string:
		pw_secret_add(json_object_get_string(v));
		break;
	case json_type_int:
	case json_type_double:
		if (strlen(json_object_get_string(v)) >= MIN_SECRET_NUMBER)
			pw_secret_add(json_object_get_string(v));
		break;
	default:
		break;
	}
}

/* A string that is a JSON document: scanned as one. Only when it could
 * hold a secret (a cheap test before parsing). */
static void scan_nested_json(const char *s, size_t len, int depth)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if ((*p != '{' && *p != '[') || len > MAX_NESTED_JSON)
		return;
	if (strcasestr(p, "pass") == NULL && strcasestr(p, "secret") == NULL &&
	    strcasestr(p, "token") == NULL && strcasestr(p, "key") == NULL &&
	    strcasestr(p, "authorization") == NULL && strcasestr(p, "pwd") == NULL)
		return;
	json_object *doc = json_tokener_parse(p);
	if (doc != NULL)
		scan(doc, depth + 1);
	json_object_put(doc);
}

/* A name/value pair whose name says secret (an ECS container's
 * environment {"name": "PGPASSWORD", "value": ...}, an SSM parameter
 * {"Name": "/app/db_password", "Value": ...}, a tag): its value. */
static void add_pair_value(json_object *o)
{
	static const char *const names[] = {"name", "Name", "key", "Key", "ParameterKey"};
	static const char *const values[] = {"value", "Value", "ParameterValue"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		json_object *n = NULL, *v = NULL;
		if (!json_object_object_get_ex(o, names[i], &n) ||
		    !json_object_is_type(n, json_type_string) ||
		    !pw_secret_scan_name_is_secret(json_object_get_string(n)))
			continue;
		for (size_t k = 0; k < sizeof(values) / sizeof(*values); k++)
			if (json_object_object_get_ex(o, values[k], &v))
				add_value(v);
	}
}

static void scan(json_object *v, int depth)
{
	if (v == NULL || depth > PW_SCAN_MAX_DEPTH)
		return;
	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);
		scan_nested_json(s, len, depth);
		/* A string may hold NULs (a Lua step's): each piece is a text. */
		for (size_t at = 0; at <= len; at += strlen(s + at) + 1)
			pw_secret_scan_text(s + at);
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			scan(json_object_array_get_idx(v, i), depth + 1);
		break;
	case json_type_object: {
		add_pair_value(v);
		json_object_object_foreach(v, k, m) {
			if (pw_secret_scan_name_is_secret(k))
				add_value(m);
			scan(m, depth + 1);
		}
		break;
	}
	default:
		break;
	}
}

void pw_secret_scan_json(json_object *v)
{
	scan(v, 0);
}

/* Every string and number under v, as pw_vars registers a secret-named
 * variable's value. */
static void add_value_leaves(json_object *v, int depth)
{
	if (v == NULL || depth > PW_SCAN_MAX_DEPTH)
		return;
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			add_value_leaves(json_object_array_get_idx(v, i), depth + 1);
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, m) {
			(void)k;
			add_value_leaves(m, depth + 1);
		}
	} else {
		add_value(v);
	}
}

/* A JSONata Assign value that only reads the input, "{% $states.input.a.b %}",
 * as the JSONPath "$.a.b" in buf; else NULL. */
static const char *jsonata_input_path(const char *v, char *buf, size_t len)
{
	static const char head[] = "$states.input";
	size_t n = strlen(v);
	if (n < 4 || strncmp(v, "{%", 2) != 0 || strcmp(v + n - 2, "%}") != 0)
		return NULL;
	const char *p = v + 2, *end = v + n - 2;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if ((size_t)(end - p) < sizeof(head) - 1 || strncmp(p, head, sizeof(head) - 1) != 0)
		return NULL;
	p += sizeof(head) - 1;
	for (const char *c = p; c < end; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
			return NULL;
	if ((size_t)(end - p) + 2 > len)
		return NULL;
	snprintf(buf, len, "$%.*s", (int)(end - p), p);
	return buf;
}

/* One Assign object: its secret-named variables' values, read from input
 * where they are paths, taken as they are where they are literals. */
static void scan_assign(json_object *assign, json_object *input)
{
	json_object_object_foreach(assign, key, val) {
		char name[256], buf[512];
		size_t n = strlen(key);
		int is_path = n > 2 && strcmp(key + n - 2, ".$") == 0;
		snprintf(name, sizeof(name), "%.*s", (int)(is_path ? n - 2 : n), key);
		if (!pw_secret_scan_name_is_secret(name))
			continue;
		const char *v = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
		const char *path = NULL;
		if (is_path && v != NULL && v[0] == '$' && (v[1] == '.' || v[1] == '['))
			path = v;
		else if (is_path && v != NULL && strncmp(v, "$$.Execution.Input", 18) == 0 &&
			 snprintf(buf, sizeof(buf), "$%s", v + 18) < (int)sizeof(buf))
			path = buf;
		else if (!is_path && v != NULL)
			path = jsonata_input_path(v, buf, sizeof(buf));
		if (path != NULL) {
			json_object *got = NULL;
			pw_error err;
			if (input != NULL && pw_path_get(path, input, NULL, &got, NULL, &err) == 0)
				add_value_leaves(got, 0);
			json_object_put(got);
		} else if (!is_path && (v == NULL || strncmp(v, "{%", 2) != 0)) {
			add_value_leaves(val, 0);
		}
	}
}

static void scan_definition(json_object *def, json_object *input, int depth)
{
	if (def == NULL || depth > PW_SCAN_MAX_DEPTH)
		return;
	if (json_object_is_type(def, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(def); i++)
			scan_definition(json_object_array_get_idx(def, i), input, depth + 1);
	} else if (json_object_is_type(def, json_type_object)) {
		json_object_object_foreach(def, k, m) {
			if (strcmp(k, "Assign") == 0 && json_object_is_type(m, json_type_object))
				scan_assign(m, input);
			scan_definition(m, input, depth + 1);
		}
	}
}

void pw_secret_scan_assigns(json_object *definition, json_object *input)
{
	scan_definition(definition, input, 0);
}
