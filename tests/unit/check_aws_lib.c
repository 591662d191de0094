/*
 * check_aws_lib - units of the AWS library that need no network: XML to
 * json (lists, typing), error names, Step Functions member names, the
 * shared-file INI parser, timestamps, credential_process word splitting
 * (as shlex.split) and the SSO token cache file name.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_config_file.h"
#include "aws_internal.h"

static json_object *xml(const char *text, const char *const *lists)
{
	json_object *out = NULL;
	pw_error e;
	ck_assert_int_eq(pw_aws_xml_to_json(text, strlen(text), lists, &out, &e),
			 PW_OK);
	return out;
}

static void assert_json(json_object *got, const char *want)
{
	json_object *w = json_tokener_parse(want);
	ck_assert_ptr_nonnull(w);
	ck_assert_msg(json_object_equal(got, w), "got %s\nwant %s",
		      json_object_to_json_string(got),
		      json_object_to_json_string(w));
	json_object_put(w);
}

START_TEST(xml_flattened_lists_and_typing)
{
	static const char *const lists[] = { "Contents", "CommonPrefixes",
					     NULL };
	json_object *o = xml("<?xml version='1.0'?><ListBucketResult "
			     "xmlns='http://s3.amazonaws.com/doc/2006-03-01/'>"
			     "<Name>b</Name><KeyCount>1</KeyCount>"
			     "<IsTruncated>true</IsTruncated>"
			     "<Contents><Key>007</Key><Size>12</Size>"
			     "<ETag>\"1e3\"</ETag></Contents>"
			     "<Ratio>0.5</Ratio><Big>1e3</Big>"
			     "<Lead>0123</Lead><Time>2026-01-01T00:00:00Z</Time>"
			     "</ListBucketResult>",
			     lists);
	assert_json(o, "{\"Name\":\"b\",\"KeyCount\":1,\"IsTruncated\":true,"
		       "\"Contents\":[{\"Key\":\"007\",\"Size\":12,"
		       "\"ETag\":\"\\\"1e3\\\"\"}],\"Ratio\":0.5,\"Big\":1000.0,"
		       "\"Lead\":\"0123\",\"Time\":\"2026-01-01T00:00:00Z\","
		       "\"CommonPrefixes\":[]}");
	json_object_put(o);
	/* two Contents: one array of two */
	o = xml("<R><Contents><Key>a</Key></Contents><Contents><Key>b</Key>"
		"</Contents></R>",
		lists);
	assert_json(o, "{\"Contents\":[{\"Key\":\"a\"},{\"Key\":\"b\"}],"
		       "\"CommonPrefixes\":[]}");
	json_object_put(o);
}
END_TEST

START_TEST(xml_wrapped_lists_in_query_results)
{
	static const char *const lists[] = { "DBInstances", "StaticMembers",
					     "Tags[]", NULL };
	static const char *const strings[] = { "Port", NULL };
	xmlDocPtr doc;
	const char *text =
		"<R><DBInstances><DBInstance><Id>a</Id><Port>5432</Port>"
		"<StaticMembers><member>x</member></StaticMembers>"
		"</DBInstance></DBInstances><Tags><K>1</K></Tags>"
		"<Repeat>1</Repeat><Repeat>2</Repeat></R>";
	ck_assert_int_eq(aws_xml_parse(text, strlen(text), &doc, NULL), PW_OK);
	json_object *o = aws_xml_to_json_node(xmlDocGetRootElement(doc), lists,
					      strings);
	assert_json(o, "{\"DBInstances\":[{\"Id\":\"a\",\"Port\":\"5432\","
		       "\"StaticMembers\":[\"x\"]}],\"Tags\":[{\"K\":1}],"
		       "\"Repeat\":[1,2]}");
	json_object_put(o);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(xml_malformed_is_a_named_error)
{
	json_object *out = NULL;
	pw_error e;
	const char *bad = "<a><b></a>";
	ck_assert_int_eq(pw_aws_xml_to_json(bad, strlen(bad), NULL, &out, &e),
			 PW_ERR);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(e.name, "AWS.MalformedResponse");
	ck_assert_ptr_nonnull(strstr(e.cause, "line 1"));
	ck_assert_int_eq(pw_aws_xml_to_json("", 0, NULL, &out, &e), PW_ERR);
	ck_assert_str_eq(e.name, "AWS.MalformedResponse");
	/* an external entity is never fetched */
	const char *xxe = "<!DOCTYPE r [<!ENTITY x SYSTEM "
			  "\"file:///etc/passwd\">]><r><a>&x;</a></r>";
	if (pw_aws_xml_to_json(xxe, strlen(xxe), NULL, &out, &e) == PW_OK) {
		ck_assert_ptr_null(strstr(json_object_to_json_string(out),
					  "root:"));
		json_object_put(out);
	}
}
END_TEST

START_TEST(error_names)
{
	pw_error e;
	aws_error_from_code(&e, "RDS", "DBInstanceNotFound", "gone", 404);
	ck_assert_str_eq(e.name, "RDS.DBInstanceNotFound");
	ck_assert_str_eq(e.cause, "gone");
	aws_error_from_code(&e, "RDS", "InvalidDBClusterEndpointStateFault",
			    "busy", 400);
	ck_assert_str_eq(e.name, "RDS.InvalidDBClusterEndpointStateFault");
	static const char *const map[][2] = {
		{ "Throttling", "AWS.Throttling" },
		{ "ThrottlingException", "AWS.Throttling" },
		{ "RequestLimitExceeded", "AWS.Throttling" },
		{ "TooManyRequestsException", "AWS.Throttling" },
		{ "SlowDown", "AWS.Throttling" },
		{ "AccessDenied", "AWS.AccessDenied" },
		{ "AccessDeniedException", "AWS.AccessDenied" },
		{ "InvalidClientTokenId", "AWS.InvalidClientToken" },
		{ "UnrecognizedClientException", "AWS.InvalidClientToken" },
		{ "ExpiredToken", "AWS.ExpiredToken" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		aws_error_from_code(&e, "SQS", map[i][0], "m", 400);
		ck_assert_str_eq(e.name, map[i][1]);
	}
	ck_assert(aws_error_retryable("AWS.Throttling"));
	ck_assert(aws_error_retryable("AWS.NetworkError"));
	ck_assert(!aws_error_retryable("AWS.AccessDenied"));
	aws_error_from_code(&e, "S3", NULL, NULL, 503);
	ck_assert_str_eq(e.name, "AWS.ServiceError");
	aws_error_from_code(&e, "S3", NULL, NULL, 404);
	ck_assert_str_eq(e.name, "S3.NotFound");

	char code[] = "com.amazonaws.secretsmanager#ResourceNotFoundException";
	aws_error_strip_code(code);
	ck_assert_str_eq(code, "ResourceNotFoundException");
	char code2[] = "InvalidParameter:http://internal.amazon.com/x";
	aws_error_strip_code(code2);
	ck_assert_str_eq(code2, "InvalidParameter");

	snprintf(e.cause, sizeof(e.cause), "tail");
	aws_error_prefix(&e, "head: ");
	ck_assert_str_eq(e.cause, "head: tail");
}
END_TEST

START_TEST(sdk_names)
{
	json_object *in = json_tokener_parse(
		"{\"DBInstanceIdentifier\":\"x\",\"DBInstances\":[{"
		"\"DBClusterIdentifier\":\"c\",\"Iops\":1,\"IOPS\":2,"
		"\"CACertificateIdentifier\":\"ca\",\"VpcSecurityGroups\":[],"
		"\"MultiAZ\":true}]}");
	json_object *out = pw_aws_to_sdk_names(in);
	assert_json(out, "{\"DbInstanceIdentifier\":\"x\",\"DbInstances\":[{"
			 "\"DbClusterIdentifier\":\"c\",\"Iops\":1,\"Iops\":2,"
			 "\"CaCertificateIdentifier\":\"ca\","
			 "\"VpcSecurityGroups\":[],\"MultiAz\":true}]}");
	static const char *const api[] = { "DBInstanceIdentifier",
					   "DBClusterIdentifier", NULL };
	json_object *sdk = json_tokener_parse(
		"{\"DbInstanceIdentifier\":\"x\",\"Other\":{"
		"\"DbClusterIdentifier\":\"c\"}}");
	json_object *back = pw_aws_from_sdk_names(sdk, api);
	assert_json(back, "{\"DBInstanceIdentifier\":\"x\",\"Other\":{"
			  "\"DBClusterIdentifier\":\"c\"}}");
	json_object_put(in);
	json_object_put(out);
	json_object_put(sdk);
	json_object_put(back);
}
END_TEST

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/check_aws_lib_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(ini_parser)
{
	char *p = write_tmp("; comment\n# another\n[default]\nregion = a\n"
			    "region=b\n\n[profile x]\nkey  =  v w  \n"
			    "s3 =\n  max_concurrent_requests = 10\nafter = 1\n");
	struct aws_ini *ini = NULL;
	pw_error e;
	ck_assert_int_eq(aws_ini_load(p, &ini, &e), PW_OK);
	ck_assert_str_eq(aws_ini_get(ini, "default", "region"), "b");
	ck_assert_str_eq(aws_ini_get(ini, "profile x", "key"), "v w");
	ck_assert_str_eq(aws_ini_get(ini, "profile x", "s3"), "");
	ck_assert_ptr_null(aws_ini_get(ini, "profile x",
				       "max_concurrent_requests"));
	ck_assert_str_eq(aws_ini_get(ini, "profile x", "after"), "1");
	ck_assert(aws_ini_has_section(ini, "profile x"));
	ck_assert(!aws_ini_has_section(ini, "x"));
	aws_ini_free(ini);
	unlink(p);
	free(p);

	p = write_tmp("[ok]\na = 1\n[broken\n");
	ck_assert_int_eq(aws_ini_load(p, &ini, &e), PW_ERR);
	ck_assert_str_eq(e.name, "AWS.InvalidConfiguration");
	char want[128];
	snprintf(want, sizeof(want), "%s:3:", p);
	ck_assert_ptr_nonnull(strstr(e.cause, want));
	unlink(p);
	free(p);

	p = write_tmp("key = outside a section\n");
	ck_assert_int_eq(aws_ini_load(p, &ini, &e), PW_ERR);
	ck_assert_ptr_nonnull(strstr(e.cause, ":1:"));
	unlink(p);
	free(p);

	ck_assert_int_eq(aws_ini_load("/nonexistent/aws/config", &ini, &e),
			 PW_OK);
	ck_assert_ptr_null(aws_ini_get(ini, "default", "region"));
	aws_ini_free(ini);
	aws_ini_free(NULL);
}
END_TEST

START_TEST(timestamps_and_staleness)
{
	ck_assert_int_eq(aws_parse_iso8601("2015-08-30T12:36:00Z"), 1440938160);
	ck_assert_int_eq(aws_parse_iso8601("2015-08-30T12:36:00.123Z"),
			 1440938160);
	ck_assert_int_eq(aws_parse_iso8601("2015-08-30T14:36:00+02:00"),
			 1440938160);
	ck_assert_int_eq(aws_parse_iso8601("yesterday"), -1);
	/* The shared parser's AWS profile: no zone means UTC; dates are checked. */
	ck_assert_int_eq(aws_parse_iso8601("2015-08-30T12:36:00"), 1440938160);
	ck_assert_int_eq(aws_parse_iso8601("2015-02-29T12:36:00Z"), -1);
	ck_assert_int_eq(aws_parse_iso8601("2015-08-30T12:36:00Zjunk"), -1);
	struct aws_creds c = { 0 };
	ck_assert(aws_creds_stale(&c, 1000));
	c.access_key_id = strdup("A");
	c.expiration = 0;
	ck_assert(!aws_creds_stale(&c, 1000));
	c.expiration = 1000 + AWS_CREDS_REFRESH_MARGIN_S + 1;
	ck_assert(!aws_creds_stale(&c, 1000));
	c.expiration = 1000 + AWS_CREDS_REFRESH_MARGIN_S;
	ck_assert(aws_creds_stale(&c, 1000));
	aws_creds_clear(&c);
	ck_assert_ptr_null(c.access_key_id);
}
END_TEST

/* Random byte flips, truncations and insertions of valid documents: the
 * parsers answer with a result or a named error, never a crash (ASan and
 * valgrind runs make this a memory-safety check too). */
START_TEST(parsers_survive_mutations)
{
	static const char *const lists[] = { "DBInstances", "Contents", NULL };
	const char *seed_xml =
		"<R><DBInstances><DBInstance><Id>a</Id><Port>5432</Port>"
		"</DBInstance></DBInstances><Contents><Key>k</Key></Contents>"
		"<Error><Code>X</Code><Message>m</Message></Error></R>";
	const char *seed_ini = "[default]\nregion = a\n[profile x]\n"
			       "key = v\n  nested = 1\n";
	unsigned state = 12345;
	size_t xl = strlen(seed_xml), il = strlen(seed_ini);
	char buf[512];
	for (int round = 0; round < 3000; round++) {
		const char *seed = (round & 1) ? seed_ini : seed_xml;
		size_t n = (round & 1) ? il : xl;
		memcpy(buf, seed, n);
		for (int k = 0; k < 4; k++) {
			state = state * 1103515245u + 12345u;
			size_t at = (state >> 8) % n;
			switch ((state >> 4) % 3) {
			case 0: buf[at] = (char)(state >> 16); break;
			case 1: n = at + 1; break;
			default: buf[at] = "<>/=[]\n&\"'"[(state >> 16) % 11];
			}
		}
		pw_error e = { "", "" };
		if (round & 1) {
			char *path = NULL;
			buf[n] = '\0';
			path = write_tmp(buf);
			struct aws_ini *ini = NULL;
			if (aws_ini_load(path, &ini, &e) == PW_OK)
				aws_ini_free(ini);
			else
				ck_assert_str_eq(e.name,
						 "AWS.InvalidConfiguration");
			unlink(path);
			free(path);
		} else {
			json_object *out = NULL;
			if (pw_aws_xml_to_json(buf, n, lists, &out, &e) == PW_OK)
				json_object_put(out);
			else
				ck_assert_str_eq(e.name,
						 "AWS.MalformedResponse");
			struct aws_http_response r;
			aws_http_response_init(&r);
			aws_buf_append(&r.body, buf, n);
			char *code = NULL, *msg = NULL;
			aws_xml_read_error(&r, &code, &msg);
			free(code);
			free(msg);
			aws_http_response_free(&r);
		}
	}
}
END_TEST

START_TEST(client_free_null_and_bad_options)
{
	pw_aws_client_free(NULL);
	pw_aws_client *c = NULL;
	pw_error e;
	struct pw_aws_options o = { .service = NULL };
	ck_assert_int_eq(pw_aws_client_new(&o, &c, &e), PW_ERR);
	ck_assert_str_eq(e.name, "AWS.InvalidConfiguration");
	ck_assert_ptr_null(c);
	char *enc = pw_aws_uri_encode("", 1);
	ck_assert_str_eq(enc, "");
	free(enc);
}
END_TEST

static void assert_split(const char *in, const char *const *want)
{
	char **argv = NULL;
	const char *why = NULL;
	ck_assert_msg(aws_shell_split(in, &argv, &why) == 0, "%s: %s", in, why);
	size_t i = 0;
	for (; want[i] != NULL; i++) {
		ck_assert_ptr_nonnull(argv[i]);
		ck_assert_str_eq(argv[i], want[i]);
	}
	ck_assert_ptr_null(argv[i]);
	aws_argv_free(argv);
}

/* The same answers as Python's shlex.split. */
START_TEST(shell_split_like_shlex)
{
	assert_split("aws-vault  exec\\tprod\tx", (const char *const[]){
		"aws-vault", "exectprod", "x", NULL });
	assert_split("a 'b c' \"d \\\" e\" f\\ g", (const char *const[]){
		"a", "b c", "d \" e", "f g", NULL });
	assert_split("x'y'\"z\" '' \"\\n\"", (const char *const[]){
		"xyz", "", "\\n", NULL });
	assert_split("'$HOME;rm' `id` |cat", (const char *const[]){
		"$HOME;rm", "`id`", "|cat", NULL });
	char **argv = NULL;
	const char *why = NULL;
	ck_assert_int_eq(aws_shell_split("a 'b", &argv, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "no closing quotation"));
	ck_assert_int_eq(aws_shell_split("a \"b", &argv, &why), -1);
	ck_assert_int_eq(aws_shell_split("a\\", &argv, &why), -1);
	ck_assert_int_eq(aws_shell_split("   ", &argv, &why), -1);
	ck_assert_ptr_null(argv);
}
END_TEST

START_TEST(sso_cache_file_name)
{
	setenv("HOME", "/home/u", 1);
	char *p = aws_sso_cache_path("my-sso");
	/* sha1("my-sso"), as hashlib.sha1(b"my-sso").hexdigest() */
	ck_assert_str_eq(p, "/home/u/.aws/sso/cache/"
			    "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_lib");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, xml_flattened_lists_and_typing);
	tcase_add_test(tc, xml_wrapped_lists_in_query_results);
	tcase_add_test(tc, xml_malformed_is_a_named_error);
	tcase_add_test(tc, error_names);
	tcase_add_test(tc, sdk_names);
	tcase_add_test(tc, ini_parser);
	tcase_add_test(tc, timestamps_and_staleness);
	tcase_add_test(tc, client_free_null_and_bad_options);
	tcase_add_test(tc, parsers_survive_mutations);
	tcase_add_test(tc, shell_split_like_shlex);
	tcase_add_test(tc, sso_cache_file_name);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
