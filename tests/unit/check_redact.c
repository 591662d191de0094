/* check_redact - the redactor over every spelling an output can give a
 * secret. The expected spellings were produced by other encoders (Python's
 * json, urllib.parse and base64; tests/unit/check_redact.c's table was
 * generated once, see the comment above it), not by pw_redact itself. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "pw_out.h"
#include "pw_redact.h"
#include "pw_secret_scan.h"

struct spelling {
	const char *secret, *how, *text;
};

struct embedded {
	const char *secret;
	int pad_before, url_safe;
	const char *text, *expected;
};

/* S1 mixes /, ", \, +, %, space and '; S2 is "Aa1" and the whole default
 * punctuation set of Secrets Manager's GetRandomPassword
 * (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) plus space (IncludeSpace); S3 has
 * control characters. Rows: json.dumps (with .replace("/", "\\/") for
 * json-c's default), libpq conninfo quoting, urllib.parse.quote/quote_plus
 * with the safe sets of curl, WHATWG forms, quote(), encodeURIComponent
 * and encodeURI (and lower-case hex), base64.b64encode/urlsafe_b64encode;
 * embedded: base64 of b"k"*n + secret + b"tail". */
#define S1 "p/w\"d\\x+y% z~*'q"
#define S2 "Aa1!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
#define S3 "ab\001c\012d/e\011f"
/* S4 holds a C1 control (U+0085, UTF-8 C2 85). */
#define S4 "ab\302\205cdef"
static const struct spelling spellings[] = {
	{S1, "plain", "p/w\"d\\x+y% z~*'q"},
	{S1, "json, / kept", "p/w\\\"d\\\\x+y% z~*'q"},
	{S1, "json, / as \\/", "p\\/w\\\"d\\\\x+y% z~*'q"},
	{S1, "conninfo-quoted", "p/w\"d\\\\x+y% z~*\\'q"},
	{S1, "conninfo-quoted in json", "p/w\\\"d\\\\\\\\x+y% z~*\\\\'q"},
	{S1, "conninfo-quoted in json, \\/", "p\\/w\\\"d\\\\\\\\x+y% z~*\\\\'q"},
	{S1, "json in json (inner \\/)", "p\\\\/w\\\\\\\"d\\\\\\\\x+y% z~*'q"},
	{S1, "json in json, both \\/", "p\\\\\\/w\\\\\\\"d\\\\\\\\x+y% z~*'q"},
	{S1, "json in json (no \\/)", "p/w\\\\\\\"d\\\\\\\\x+y% z~*'q"},
	{S1, "quote(safe='')", "p%2Fw%22d%5Cx%2By%25%20z~%2A%27q"},
	{S1, "quote(safe='') lower hex", "p%2fw%22d%5cx%2by%25%20z~%2a%27q"},
	{S1, "quote_plus", "p%2Fw%22d%5Cx%2By%25+z~%2A%27q"},
	{S1, "quote_plus lower hex", "p%2fw%22d%5cx%2by%25+z~%2a%27q"},
	{S1, "WHATWG form", "p%2Fw%22d%5Cx%2By%25+z%7E*%27q"},
	{S1, "WHATWG form lower hex", "p%2fw%22d%5cx%2by%25+z%7e*%27q"},
	{S1, "quote() path", "p/w%22d%5Cx%2By%25%20z~%2A%27q"},
	{S1, "quote() path lower hex", "p/w%22d%5cx%2by%25%20z~%2a%27q"},
	{S1, "quote() path in json \\/", "p\\/w%22d%5Cx%2By%25%20z~%2A%27q"},
	{S1, "encodeURIComponent", "p%2Fw%22d%5Cx%2By%25%20z~*'q"},
	{S1, "encodeURIComponent lower hex", "p%2fw%22d%5cx%2by%25%20z~*'q"},
	{S1, "encodeURI", "p/w%22d%5Cx+y%25%20z~*'q"},
	{S1, "encodeURI lower hex", "p/w%22d%5cx+y%25%20z~*'q"},
	{S1, "encodeURI in json \\/", "p\\/w%22d%5Cx+y%25%20z~*'q"},
	{S1, "prewarm graph Mermaid label", "p/w#quot;d\\x+y% z~*'q"},
	{S1, "Graphviz SVG text (dot -Tsvg)", "p/w&quot;d\\x+y% z~*&#39;q"},
	{S1, "base64", "cC93ImRceCt5JSB6fioncQ=="},
	{S1, "base64 unpadded", "cC93ImRceCt5JSB6fioncQ"},
	{S2, "plain", "Aa1!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "},
	{S2, "json, / kept", "Aa1!\\\"#$%&'()*+,-./:;<=>?@[\\\\]^_`{|}~ "},
	{S2, "json, / as \\/", "Aa1!\\\"#$%&'()*+,-.\\/:;<=>?@[\\\\]^_`{|}~ "},
	{S2, "conninfo-quoted", "Aa1!\"#$%&\\'()*+,-./:;<=>?@[\\\\]^_`{|}~ "},
	{S2, "conninfo-quoted in json", "Aa1!\\\"#$%&\\\\'()*+,-./:;<=>?@[\\\\\\\\]^_`{|}~ "},
	{S2, "conninfo-quoted in json, \\/", "Aa1!\\\"#$%&\\\\'()*+,-.\\/:;<=>?@[\\\\\\\\]^_`{|}~ "},
	{S2, "json in json (inner \\/)", "Aa1!\\\\\\\"#$%&'()*+,-.\\\\/:;<=>?@[\\\\\\\\]^_`{|}~ "},
	{S2, "json in json, both \\/", "Aa1!\\\\\\\"#$%&'()*+,-.\\\\\\/:;<=>?@[\\\\\\\\]^_`{|}~ "},
	{S2, "json in json (no \\/)", "Aa1!\\\\\\\"#$%&'()*+,-./:;<=>?@[\\\\\\\\]^_`{|}~ "},
	{S2, "quote(safe='')", "Aa1%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "quote(safe='') lower hex", "Aa1%21%22%23%24%25%26%27%28%29%2a%2b%2c-.%2f%3a%3b%3c%3d%3e%3f%40%5b%5c%5d%5e_%60%7b%7c%7d~%20"},
	{S2, "quote_plus", "Aa1%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~+"},
	{S2, "quote_plus lower hex", "Aa1%21%22%23%24%25%26%27%28%29%2a%2b%2c-.%2f%3a%3b%3c%3d%3e%3f%40%5b%5c%5d%5e_%60%7b%7c%7d~+"},
	{S2, "WHATWG form", "Aa1%21%22%23%24%25%26%27%28%29*%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D%7E+"},
	{S2, "WHATWG form lower hex", "Aa1%21%22%23%24%25%26%27%28%29*%2b%2c-.%2f%3a%3b%3c%3d%3e%3f%40%5b%5c%5d%5e_%60%7b%7c%7d%7e+"},
	{S2, "quote() path", "Aa1%21%22%23%24%25%26%27%28%29%2A%2B%2C-./%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "quote() path lower hex", "Aa1%21%22%23%24%25%26%27%28%29%2a%2b%2c-./%3a%3b%3c%3d%3e%3f%40%5b%5c%5d%5e_%60%7b%7c%7d~%20"},
	{S2, "quote() path in json \\/", "Aa1%21%22%23%24%25%26%27%28%29%2A%2B%2C-.\\/%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "prewarm graph Mermaid label", "Aa1!#quot;#$%&'()*+,-./:;#lt;=#gt;?@[\\]^_`{|}~ "},
	{S2, "Graphviz SVG text (dot -Tsvg)", "Aa1!&quot;#$%&amp;&#39;()*+,&#45;./:;&lt;=&gt;?@[\\]^_`{|}~ "},
	{S3, "prewarm graph Mermaid label", "ab\\x01c<br/>d/e\\x09f"},
	{S3, "DOT label", "ab\\\\x01c\\nd/e\\\\x09f"},
	{S4, "prewarm graph Mermaid label", "ab\\x85cdef"},
	{S4, "DOT label", "ab\\\\x85cdef"},
	{S4, "Graphviz SVG text (dot -Tsvg)", "ab\\x85cdef"},
	{S2, "encodeURIComponent", "Aa1!%22%23%24%25%26'()*%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "encodeURIComponent lower hex", "Aa1!%22%23%24%25%26'()*%2b%2c-.%2f%3a%3b%3c%3d%3e%3f%40%5b%5c%5d%5e_%60%7b%7c%7d~%20"},
	{S2, "encodeURI", "Aa1!%22#$%25&'()*+,-./:;%3C=%3E?@%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "encodeURI lower hex", "Aa1!%22#$%25&'()*+,-./:;%3c=%3e?@%5b%5c%5d%5e_%60%7b%7c%7d~%20"},
	{S2, "encodeURI in json \\/", "Aa1!%22#$%25&'()*+,-.\\/:;%3C=%3E?@%5B%5C%5D%5E_%60%7B%7C%7D~%20"},
	{S2, "base64", "QWExISIjJCUmJygpKissLS4vOjs8PT4/QFtcXV5fYHt8fX4g"},
	{S2, "base64 in json \\/", "QWExISIjJCUmJygpKissLS4vOjs8PT4\\/QFtcXV5fYHt8fX4g"},
	{S2, "base64url", "QWExISIjJCUmJygpKissLS4vOjs8PT4_QFtcXV5fYHt8fX4g"},
	{S3, "plain", "ab\001c\012d/e\011f"},
	{S3, "json, / kept", "ab\\u0001c\\nd/e\\tf"},
	{S3, "json, / as \\/", "ab\\u0001c\\nd\\/e\\tf"},
	{S3, "json in json (inner \\/)", "ab\\\\u0001c\\\\nd\\\\/e\\\\tf"},
	{S3, "json in json, both \\/", "ab\\\\u0001c\\\\nd\\\\\\/e\\\\tf"},
	{S3, "json in json (no \\/)", "ab\\\\u0001c\\\\nd/e\\\\tf"},
	{S3, "quote(safe='')", "ab%01c%0Ad%2Fe%09f"},
	{S3, "quote(safe='') lower hex", "ab%01c%0ad%2fe%09f"},
	{S3, "quote() path", "ab%01c%0Ad/e%09f"},
	{S3, "quote() path lower hex", "ab%01c%0ad/e%09f"},
	{S3, "quote() path in json \\/", "ab%01c%0Ad\\/e%09f"},
	{S3, "base64", "YWIBYwpkL2UJZg=="},
	{S3, "base64 unpadded", "YWIBYwpkL2UJZg"},
};
static const struct embedded embedded[] = {
	{S1, 0, 0, "cC93ImRceCt5JSB6fioncXRhaWw=", "***XRhaWw="},
	{S1, 0, 1, "cC93ImRceCt5JSB6fioncXRhaWw=", "***XRhaWw="},
	{S1, 1, 0, "a3AvdyJkXHgreSUgen4qJ3F0YWls", "a3***F0YWls"},
	{S1, 1, 1, "a3AvdyJkXHgreSUgen4qJ3F0YWls", "a3***F0YWls"},
	{S1, 2, 0, "a2twL3ciZFx4K3klIHp+KidxdGFpbA==", "a2t***dGFpbA=="},
	{S1, 2, 1, "a2twL3ciZFx4K3klIHp-KidxdGFpbA==", "a2t***dGFpbA=="},
	{S2, 0, 0, "QWExISIjJCUmJygpKissLS4vOjs8PT4/QFtcXV5fYHt8fX4gdGFpbA==", "***dGFpbA=="},
	{S2, 0, 1, "QWExISIjJCUmJygpKissLS4vOjs8PT4_QFtcXV5fYHt8fX4gdGFpbA==", "***dGFpbA=="},
	{S2, 1, 0, "a0FhMSEiIyQlJicoKSorLC0uLzo7PD0+P0BbXF1eX2B7fH1+IHRhaWw=", "a0***HRhaWw="},
	{S2, 1, 1, "a0FhMSEiIyQlJicoKSorLC0uLzo7PD0-P0BbXF1eX2B7fH1-IHRhaWw=", "a0***HRhaWw="},
	{S2, 2, 0, "a2tBYTEhIiMkJSYnKCkqKywtLi86Ozw9Pj9AW1xdXl9ge3x9fiB0YWls", "a2t***B0YWls"},
	{S2, 2, 1, "a2tBYTEhIiMkJSYnKCkqKywtLi86Ozw9Pj9AW1xdXl9ge3x9fiB0YWls", "a2t***B0YWls"},
};

START_TEST(every_spelling_of_a_secret_is_redacted)
{
	const struct spelling *s = &spellings[_i];
	pw_secret_clear();
	pw_secret_add(s->secret);
	char text[1024], want[1024];
	snprintf(text, sizeof(text), "before<%s>after", s->text);
	snprintf(want, sizeof(want), "before<***>after");
	char *got = pw_redact(text);
	ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s -> %s", s->how, text,
		      got ? got : "(null)");
	free(got);
	pw_secret_clear();
}
END_TEST

/* A secret base64-encoded inside a longer text (a basic-auth header, a
 * token) starts at any of the 3 byte alignments: the characters that
 * depend on the secret alone are redacted, the 0-2 next to it that also
 * hold neighbouring bits are kept. */
START_TEST(a_secret_inside_a_longer_base64_text_is_redacted)
{
	const struct embedded *e = &embedded[_i];
	pw_secret_clear();
	pw_secret_add(e->secret);
	char *got = pw_redact(e->text);
	ck_assert_msg(got != NULL && strcmp(got, e->expected) == 0,
		      "alignment %d%s: %s -> %s (want %s)", e->pad_before,
		      e->url_safe ? " url-safe" : "", e->text, got ? got : "(null)", e->expected);
	free(got);
	pw_secret_clear();
}
END_TEST

/* Text serialized by json-c, as the engine's outputs are: a conninfo
 * holding the password inside a JSON string, and a dry-run line (the
 * parameters serialized with \/ escapes) inside a JSON log line. Redacted
 * output equals the same document built with "***" for the secret. */
static char *conninfo_doc(const char *password, int quote, int flags)
{
	char *quoted = malloc(2 * strlen(password) + 1), *w = quoted;
	for (const char *p = password; *p; p++) {
		if (quote && (*p == '\\' || *p == '\''))
			*w++ = '\\';
		*w++ = *p;
	}
	*w = '\0';
	char *conninfo = NULL;
	ck_assert_int_ge(asprintf(&conninfo, "host=db user=app password='%s' dbname=shop", quoted),
			 0);
	json_object *params = json_object_new_object();
	json_object_object_add(params, "Target", json_object_new_string(conninfo));
	json_object_object_add(params, "Password", json_object_new_string(password));
	/* The dry-run log: parameters serialized with json-c's defaults... */
	char *line = NULL;
	ck_assert_int_ge(asprintf(&line, "would call postgres-warm:Warm with %s",
				  json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN)),
			 0);
	/* ...inside a JSON log line or journal event. */
	json_object *log = json_object_new_object();
	json_object_object_add(log, "msg", json_object_new_string(line));
	json_object_object_add(log, "params", params);
	char *out = strdup(json_object_to_json_string_ext(log, flags));
	json_object_put(log);
	free(line);
	free(conninfo);
	free(quoted);
	return out;
}

START_TEST(a_password_in_a_conninfo_in_json_in_json_is_redacted)
{
	static const char *const secrets[] = {S1, S2, S3};
	static const int flags[] = {JSON_C_TO_STRING_PLAIN,
				    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE};
	for (size_t i = 0; i < 3; i++) {
		for (size_t f = 0; f < 2; f++) {
			pw_secret_clear();
			pw_secret_add(secrets[i]);
			char *text = conninfo_doc(secrets[i], 1, flags[f]);
			char *want = conninfo_doc("***", 0, flags[f]);
			char *got = pw_redact(text);
			ck_assert_msg(strcmp(got, want) == 0, "secret %zu flags %d:\n%s\n-> %s", i,
				      flags[f], text, got);
			free(got);
			free(want);
			free(text);
		}
	}
	pw_secret_clear();
}
END_TEST

/* Redaction is not over-eager: text without the secret is unchanged,
 * even text made of other secrets' spellings, and no spelling is shorter
 * than 4 bytes. */
START_TEST(text_without_the_secret_is_left_alone)
{
	pw_secret_clear();
	pw_secret_add(S1);
	for (size_t i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
		if (strcmp(spellings[i].secret, S1) == 0)
			continue;
		char *got = pw_redact(spellings[i].text);
		ck_assert_str_eq(got, spellings[i].text);
		free(got);
	}
	char *got = pw_redact("p/w\"d and z~*'q and cC93 are parts, not the secret");
	ck_assert_str_eq(got, "p/w\"d and z~*'q and cC93 are parts, not the secret");
	free(got);
	pw_secret_clear();
	char **sp = pw_secret_spellings(S2);
	ck_assert_ptr_nonnull(sp);
	size_t n = 0;
	for (; sp[n] != NULL; n++) {
		ck_assert_uint_ge(strlen(sp[n]), 4);
		if (n > 0)
			ck_assert_uint_ge(strlen(sp[n - 1]), strlen(sp[n])); /* longest first */
	}
	ck_assert_uint_ge(n, 20);
	pw_spellings_free(sp);
	sp = pw_secret_spellings("abc");
	ck_assert_ptr_nonnull(sp);
	ck_assert_ptr_null(sp[0]);
	pw_spellings_free(sp);
}
END_TEST

/* pw_out writes redacted text whatever the way in: printf arguments that
 * split a secret, a JSON document, a file descriptor. */
START_TEST(every_pw_out_writer_redacts)
{
	pw_secret_clear();
	pw_secret_add(S1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pw_out_printf(f, "a %.4s%s b\n", S1, S1 + 4);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "p", json_object_new_string(S1));
	pw_out_json(f, o);
	pw_out_puts(f, "x " S1 "\n");
	fclose(f);
	ck_assert_str_eq(buf, "a *** b\n{\"p\":\"***\"}\nx ***\n");
	free(buf);
	int changed = 0;
	char *t = pw_out_json_text(o, &changed);
	ck_assert_str_eq(t, "{\"p\":\"***\"}");
	ck_assert_int_eq(changed, 1);
	free(t);
	json_object_put(o);
	FILE *tf = tmpfile();
	ck_assert_int_eq(pw_out_write_fd(fileno(tf), "fd " S1 " end"), 0);
	char back[64] = {0};
	rewind(tf);
	ck_assert_uint_gt(fread(back, 1, sizeof(back) - 1, tf), 0);
	fclose(tf);
	ck_assert_str_eq(back, "fd *** end");
	pw_secret_clear();
}
END_TEST

/* Secrets no plugin registered, known by their shape (pw_secret_scan.h):
 * pw_out_json_text finds and hides them in the document it writes. */
START_TEST(secrets_known_by_their_shape_are_redacted)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{"{\"dsn\":\"host=db password=s3cr\\\"et dbname=x\"}",
		 "{\"dsn\":\"host=db password=*** dbname=x\"}"},
		{"{\"dsn\":\"password = 'a \\\\'b\\\\\\\\c' host=h\"}",
		 "{\"dsn\":\"password = '***' host=h\"}"},
		{"{\"u\":\"postgresql://app:p%40ss%2Fw@h:5432/db\",\"also\":\"p@ss/w\"}",
		 "{\"u\":\"postgresql://app:***@h:5432/db\",\"also\":\"***\"}"},
		{"{\"u\":\"postgres://h/db?user=a&password=qu%3Dery&ssl=1\"}",
		 "{\"u\":\"postgres://h/db?user=a&password=***&ssl=1\"}"},
		{"{\"a\":{\"db_password\":\"m3mber\",\"n\":[{\"Password\":12345678}]}}",
		 "{\"a\":{\"db_password\":\"***\",\"n\":[{\"Password\":\"***\"}]}}"},
		/* A secret that looks like JSON's syntax hides only itself: each
		 * value is redacted apart, so the line stays one valid document. */
		{"{\"dsn\":\"host=h password='\\\",\\\"id'\",\"id\":7,\"t\":\"a\\\",\\\"idb\"}",
		 "{\"dsn\":\"host=h password='***'\",\"id\":7,\"t\":\"a***b\"}"},
		{"{\"SessionToken\":\"camelT0k\",\"clientSecret\":\"cl1ent-s\"}",
		 "{\"SessionToken\":\"***\",\"clientSecret\":\"***\"}"},
		/* A structure under such a name is scanned, not a secret whole
		 * (a state named TargetToken). */
		{"{\"TargetToken\":{\"Type\":\"Task\",\"Resource\":\"rds:GenerateAuthToken\"},"
		 "\"secret\":{\"Name\":\"red/db\",\"SecretString\":\"{\\\"password\\\":\\\"d33per\\\"}\"}}",
		 "{\"TargetToken\":{\"Type\":\"Task\",\"Resource\":\"rds:GenerateAuthToken\"},"
		 "\"secret\":{\"Name\":\"red/db\",\"SecretString\":\"{\\\"password\\\":\\\"***\\\"}\"}}"},
		{"{\"SecretString\":\"{\\\"password\\\":\\\"inn3r\\\\\\\"x\\\"}\"}",
		 "{\"SecretString\":\"{\\\"password\\\":\\\"***\\\"}\"}"},
		/* A conninfo and a URI passed percent-encoded. */
		{"{\"next\":\"/cb?dsn=host%3Ddb%20password%3Dp%25ct-pw%20x%3D1&u=pg%3A%2F%2Fa%3Au-pct-pw%40h\"}",
		 "{\"next\":\"/cb?dsn=host%3Ddb%20password%3D***%20x%3D1&u=pg%3A%2F%2Fa%3A***%40h\"}"},
		/* A secret that is also a member name leaves the name alone (the
		 * journal's "type"); a NUL hides nothing after it; a path's
		 * "Page:state@2" is no URI userinfo. */
		{"{\"dsn\":\"host=h password=type\",\"type\":\"a type\"}",
		 "{\"dsn\":\"host=h password=***\",\"type\":\"a ***\"}"},
		{"{\"s\":\"a\\u0000password=NulSecret2\",\"t\":\"x NulSecret2\"}",
		 "{\"s\":\"a\\u0000password=***\",\"t\":\"x ***\"}"},
		{"{\"note\":\"see http://wiki/Page:state@2\",\"state\":\"P\"}",
		 "{\"note\":\"see http://wiki/Page:state@2\",\"state\":\"P\"}"},
		/* Names the shape rule reads ignoring case and separators. */
		{"{\"PGPASSWORD\":\"pg-env-pw\",\"dbpassword\":\"db-lc-pw\",\"pwd\":\"sh0rt-pw\","
		 "\"passphrase\":\"pass-phr\",\"private_key\":\"pk-under\",\"privateKey\":\"pk-camel\","
		 "\"password \":\"trail-sp\",\"CLIENT-SECRET\":\"cl-dash\",\"client.secret\":\"cl-dot\"}",
		 "{\"PGPASSWORD\":\"***\",\"dbpassword\":\"***\",\"pwd\":\"***\","
		 "\"passphrase\":\"***\",\"private_key\":\"***\",\"privateKey\":\"***\","
		 "\"password \":\"***\",\"CLIENT-SECRET\":\"***\",\"client.secret\":\"***\"}"},
		/* A name/value pair (ECS environment, SSM parameters, tags) whose
		 * name says secret; an array of strings under a secret name. */
		{"{\"environment\":[{\"name\":\"PGPASSWORD\",\"value\":\"ecs-env-pw\"},"
		 "{\"name\":\"PGHOST\",\"value\":\"dbhost\"}],"
		 "\"Parameter\":{\"Name\":\"/prod/app/db_password\",\"Value\":\"ssm-v4lue\"},"
		 "\"Tags\":[{\"Key\":\"api_token\",\"Value\":\"t4g-tok\"}],"
		 "\"password\":[\"arr-one\",\"arr-two\"]}",
		 "{\"environment\":[{\"name\":\"PGPASSWORD\",\"value\":\"***\"},"
		 "{\"name\":\"PGHOST\",\"value\":\"dbhost\"}],"
		 "\"Parameter\":{\"Name\":\"/prod/app/db_password\",\"Value\":\"***\"},"
		 "\"Tags\":[{\"Key\":\"api_token\",\"Value\":\"***\"}],"
		 "\"password\":[\"***\",\"***\"]}"},
		/* Left alone: no secret shape, short counts, booleans. */
		{"{\"tokens_used\":12,\"password_set\":true,\"host\":\"db\",\"Token\":42}",
		 "{\"tokens_used\":12,\"password_set\":true,\"host\":\"db\",\"Token\":42}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		pw_secret_clear();
		json_object *doc = json_tokener_parse(cases[i].doc);
		ck_assert_msg(doc != NULL, "case %zu does not parse", i);
		int changed = -1;
		char *got = pw_out_json_text(doc, &changed);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu:\n%s\n-> %s", i, cases[i].doc,
			      got);
		ck_assert_int_eq(changed, strcmp(cases[i].doc, cases[i].want) != 0);
		free(got);
		json_object_put(doc);
	}
	/* A log message quoting a JSON object, then text after it. */
	char *got;
	pw_secret_clear();
	pw_secret_scan_message("would call x:Y with {\"Name\":\"a\",\"Auth\":{\"api_key\":\"k3y-quoted\"}}"
			       " (dry run) and {\"token\": \"sec0nd-obj\"} then {broken");
	got = pw_redact("k3y-quoted sec0nd-obj");
	ck_assert_str_eq(got, "*** ***");
	free(got);
		/* Registered: later text outputs hide them too. */
	pw_secret_clear();
	json_object *doc = json_tokener_parse("{\"c\":\"host=h password=l4ter-on\"}");
	free(pw_out_json_text(doc, NULL));
	json_object_put(doc);
	got = pw_redact("log: l4ter-on, url l4ter-on");
	ck_assert_str_eq(got, "log: ***, url ***");
	free(got);
	pw_secret_clear();
}
END_TEST

START_TEST(member_names_that_say_secret)
{
	static const char *const yes[] = {"password", "PASSWORD", "db_password", "slack-token",
					  "secret", "dbPassword", "SessionToken", "clientSecret",
					  "passwd", "api_key", "Authorization", "SecretAccessKey",
					  "PGPASSWORD", "dbpassword", "pwd", "PWD", "db_pwd", "userPwd",
					  "passphrase", "KeyPassphrase", "private_key", "privateKey",
					  "PRIVATE-KEY", "password ", " Password\t", "client_secret",
					  "CLIENT_SECRET", "client-secret", "client.secret",
					  "Client Secret", "clientsecret", "openai_api_key",
					  "proxy-authorization", "/prod/app/db_password"};
	static const char *const no[] = {"passwords_rotated", "token_count", "Tokens", "SecretString",
					 "PasswordLastUsed", "host", "xToken2", "Password1",
					 "pwd_changed", "cwd", "pwdx", "private_key_id", "secret_arn",
					 "", "_ -."};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		ck_assert_msg(pw_secret_scan_name_is_secret(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ck_assert_msg(!pw_secret_scan_name_is_secret(no[i]), "%s", no[i]);
}
END_TEST

/* A secret-named workflow variable assigned from the input: its value is
 * a secret before ExecutionStarted journals the input. */
START_TEST(what_a_secret_variable_takes_from_the_input_is_registered)
{
	pw_secret_clear();
	json_object *def = json_tokener_parse(
		"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true,"
		"\"Assign\":{\"db_password.$\":\"$.in.pw\",\"n.$\":\"$.in.n\",\"api_token\":\"l1teral\"},"
		"\"Catch\":[{\"ErrorEquals\":[\"X\"],\"Next\":\"A\",\"Assign\":{"
		"\"x_secret.$\":\"$$.Execution.Input.other\"}}]},"
		"\"J\":{\"Type\":\"Pass\",\"End\":true,\"Assign\":{\"j_token\":\"{% $states.input.j %}\"}}}}");
	json_object *input = json_tokener_parse(
		"{\"in\":{\"pw\":\"fr0m-input\",\"n\":\"not-secret\"},\"other\":\"ctx-v4lue\","
		"\"j\":\"jsonata-v\"}");
	ck_assert(def != NULL && input != NULL);
	pw_secret_scan_assigns(def, input);
	char *got = pw_redact("fr0m-input not-secret l1teral ctx-v4lue jsonata-v");
	ck_assert_str_eq(got, "*** not-secret *** *** ***");
	free(got);
	json_object_put(def);
	json_object_put(input);
	pw_secret_clear();
}
END_TEST

/* Registers n secrets PREFIX%05dSUFFIX, i = 0..n-1, after clearing. */
static void add_numbered_secrets(const char *prefix, const char *suffix, int n)
{
	pw_secret_clear();
	char secret[64];
	for (int i = 0; i < n; i++) {
		snprintf(secret, sizeof(secret), "%s%05d%s", prefix, i, suffix);
		pw_secret_add(secret);
	}
}

/* Thousands of secrets (one per Map item's conninfo): each is redacted
 * where it appears, and a spelling that only appears once a longer one
 * was replaced by "***" is still found (the index of what a text holds
 * is asked first). */
START_TEST(many_secrets_and_one_made_by_a_replacement)
{
	add_numbered_secrets("pw-", "-x", 3000);
	char *got = pw_redact("a pw-00007-x b pw-02999-x c pw-03000-x d cHctMDAwMDcteA==");
	ck_assert_str_eq(got, "a *** b *** c pw-03000-x d ***");
	free(got);
	pw_secret_add("Q***R0");
	pw_secret_add("SECRETB");
	got = pw_redact("<QSECRETBR0>");
	ck_assert_str_eq(got, "<***>");
	free(got);
	pw_secret_clear();
	got = pw_redact("pw-00007-x");
	ck_assert_str_eq(got, "pw-00007-x");
	free(got);
}
END_TEST

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Valgrind runs this unit too, about 20x slower; ASan's and TSan's
 * string interceptors check whole texts at each call (see SCAN_REPEATS). */
static double time_bound(double native)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return native * 20;
#else
	const char *pre = getenv("LD_PRELOAD");
	return pre != NULL && strstr(pre, "vgpreload") != NULL ? native * 20 : native;
#endif
}

/* Secrets of 397 distinct lengths cost one pass over the text, not one
 * per length: 260 KB holding them redact in 0.03 s here (1.0 s when the
 * index read the text once per length; bound 0.5 s). Secret L is
 * "%03d" of L then letters: none holds another. */
START_TEST(secrets_of_many_lengths_are_found_in_one_pass)
{
	pw_secret_clear();
	size_t cap = 260000;
	char *text = malloc(cap), *want = malloc(cap), secret[401];
	size_t tn = 0, wn = 0;
	for (int round = 0; round < 2; round++) {
		for (int len = 4; len <= 400; len++) {
			snprintf(secret, sizeof(secret), "%03d", len);
			for (int j = 3; j < len; j++)
				secret[j] = (char)('a' + (j * 7 + len) % 26);
			secret[len] = '\0';
			if (round == 0)
				pw_secret_add(secret);
			tn += (size_t)snprintf(text + tn, cap - tn, "host=h%d password=%s x\n", len,
					       secret);
			wn += (size_t)snprintf(want + wn, cap - wn, "host=h%d password=*** x\n", len);
		}
	}
	/* filler the index must read past: near misses of the secrets */
	while (tn + 64 < cap - 1000) {
		tn += (size_t)snprintf(text + tn, cap - tn, "004 005a 123abc no secret here\n");
		wn += (size_t)snprintf(want + wn, cap - wn, "004 005a 123abc no secret here\n");
	}
	ck_assert_str_ne(text, want);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *got = pw_redact(text);
	double secs = seconds_since(&t0);
	ck_assert_str_eq(got, want);
	ck_assert_msg(secs < time_bound(0.5), "%zu bytes: %.2f s", tn, secs);
	free(got);
	free(text);
	free(want);
	pw_secret_clear();
}
END_TEST

/* Spellings holding "***" are tried only where one can be: 1500 of them
 * cost little on a text without "***": 20 outputs of 200 KB in 0.12 s
 * here (2.5 s when each was tried by strstr on every output). */
START_TEST(star_secrets_cost_little_on_a_text_without_stars)
{
	add_numbered_secrets("p***", "", 1500);
	size_t cap = 200000;
	char *text = malloc(cap);
	size_t tn = 0;
	while (tn + 64 < cap)
		tn += (size_t)snprintf(text + tn, cap - tn, "host=h password=p*%05zu x\n", tn);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20; i++) {
		char *got = pw_redact(text);
		ck_assert_str_eq(got, text);
		free(got);
	}
	double secs = seconds_since(&t0);
	ck_assert_msg(secs < time_bound(1.0), "20 x %zu bytes: %.2f s", tn, secs);
	char *got = pw_redact("a p***00042 b p***01499 c p***01500");
	ck_assert_str_eq(got, "a *** b *** c p***01500");
	free(got);
	free(text);
	pw_secret_clear();
}
END_TEST

/* A text repeating "password=" or "a://" is read about once: 20,000
 * repetitions scan in well under a second (3,200 took 12 s and 440 MB
 * when each occurrence copied the rest of the text, so 20,000 would take
 * minutes). Valgrind runs this unit too, about 20x slower: the bound
 * stretches there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* ASan's and TSan's strstr/strcspn interceptors check the whole rest of
 * the text at every call, which is quadratic by itself (2.7 s here under
 * ASan): a smaller text there, whose bound still holds. The plain build
 * runs the full size. */
#define SCAN_REPEATS 2000
#else
#define SCAN_REPEATS 20000
#endif

START_TEST(repeated_shapes_scan_in_linear_time)
{
	static const char *const units[] = {"password=", "a://", "x://u:p@"};
	for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
		size_t n = SCAN_REPEATS, ul = strlen(units[u]);
		char *text = malloc(n * ul + 1);
		for (size_t i = 0; i < n; i++)
			memcpy(text + i * ul, units[u], ul);
		text[n * ul] = '\0';
		pw_secret_clear();
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pw_secret_scan_text(text);
		pw_secret_scan_message(text);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		/* Linear: 0.07 s natively; the quadratic scan took minutes. */
		printf("%s x %zu: %.3f s\n", units[u], n, secs);
		ck_assert_msg(secs < time_bound(2.0), "%s x %zu: %.2f s", units[u], n, secs);
		free(text);
	}
	pw_secret_clear();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("redact");
	tcase_add_loop_test(tc, every_spelling_of_a_secret_is_redacted, 0,
			    (int)(sizeof(spellings) / sizeof(*spellings)));
	tcase_add_loop_test(tc, a_secret_inside_a_longer_base64_text_is_redacted, 0,
			    (int)(sizeof(embedded) / sizeof(*embedded)));
	tcase_add_test(tc, a_password_in_a_conninfo_in_json_in_json_is_redacted);
	tcase_add_test(tc, text_without_the_secret_is_left_alone);
	tcase_add_test(tc, every_pw_out_writer_redacts);
	tcase_add_test(tc, secrets_known_by_their_shape_are_redacted);
	tcase_add_test(tc, repeated_shapes_scan_in_linear_time);
	tcase_add_test(tc, member_names_that_say_secret);
	tcase_add_test(tc, what_a_secret_variable_takes_from_the_input_is_registered);
	tcase_add_test(tc, many_secrets_and_one_made_by_a_replacement);
	tcase_add_test(tc, secrets_of_many_lengths_are_found_in_one_pass);
	tcase_add_test(tc, star_secrets_cost_little_on_a_text_without_stars);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
