/*
 * aws_json - the AWS JSON protocol (Secrets Manager, SQS): POST / with
 * X-Amz-Target = prefix.Action and a JSON body; the JSON response is the
 * result as it is (member names are the API's already).
 */
#include "aws_internal.h"

#include <stdlib.h>
#include <string.h>

int aws_json_parse(const char *text, size_t len, json_object **out,
		   pw_error *err)
{
	*out = NULL;
	json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return pw_error_set(err, "AWS.MalformedResponse",
				    "out of memory");
	json_object *v = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (v == NULL || je != json_tokener_success) {
		json_object_put(v);
		return pw_error_set(err, "AWS.MalformedResponse",
				    "malformed JSON response at offset %zu: %s",
				    end,
				    je == json_tokener_continue
					    ? "unexpected end of input"
					    : json_tokener_error_desc(je));
	}
	for (; end < len; end++)
		if (text[end] != ' ' && text[end] != '\n' &&
		    text[end] != '\r' && text[end] != '\t') {
			json_object_put(v);
			return pw_error_set(err, "AWS.MalformedResponse",
					    "malformed JSON response: trailing "
					    "data at offset %zu",
					    end);
		}
	*out = v;
	return PW_OK;
}

static char *member(json_object *o, const char *a, const char *b)
{
	json_object *v;
	if (json_object_object_get_ex(o, a, &v) ||
	    (b && json_object_object_get_ex(o, b, &v)))
		return strdup(json_object_get_string(v));
	return NULL;
}

void aws_json_read_error(const struct aws_http_response *resp, char **code,
			 char **message)
{
	json_object *doc = NULL;
	*code = *message = NULL;
	if (resp->body.len > 0 &&
	    aws_json_parse(resp->body.data, resp->body.len, &doc, NULL) == PW_OK &&
	    json_object_is_type(doc, json_type_object)) {
		*code = member(doc, "__type", "code");
		*message = member(doc, "message", "Message");
	}
	json_object_put(doc);
	if (*code == NULL) {
		const char *h = aws_headers_get(&resp->headers,
						"x-amzn-errortype");
		if (h != NULL)
			*code = strdup(h);
	}
	aws_error_strip_code(*code);
}

int pw_aws_json(pw_aws_client *c, const char *target_prefix,
		const char *json_version, const char *error_prefix,
		const char *action, json_object *params, json_object **result,
		pw_error *err)
{
	struct aws_headers h;
	struct aws_http_response resp;
	char what[160], target[256], ctype[64];
	int rc = PW_ERR;

	*result = NULL;
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	const char *body = params ? json_object_to_json_string_ext(
					    params, JSON_C_TO_STRING_PLAIN)
				  : "{}";
	snprintf(what, sizeof(what), "%s:%s", c->service, action);
	snprintf(target, sizeof(target), "%s.%s", target_prefix, action);
	snprintf(ctype, sizeof(ctype), "application/x-amz-json-%s",
		 json_version ? json_version : "1.0");
	if (aws_headers_add(&h, "Content-Type", ctype) != 0 ||
	    aws_headers_add(&h, "X-Amz-Target", target) != 0) {
		pw_error_set(err, "AWS.NetworkError", "out of memory");
		goto out;
	}
	struct aws_call call = {
		.method = "POST", .path = "/", .headers = &h, .body = body,
		.body_len = strlen(body),
		.error_prefix = error_prefix ? error_prefix : "AWS",
		.what = what, .read_error = aws_json_read_error,
	};
	if (aws_client_send(c, &call, &resp, err) != PW_OK)
		goto out;
	if (resp.body.len == 0) {
		*result = json_object_new_object();
		rc = PW_OK;
		goto out;
	}
	json_object *v;
	if (aws_json_parse(resp.body.data, resp.body.len, &v, err) != PW_OK) {
		char where[200];
		snprintf(where, sizeof(where), "%s: ", what);
		aws_error_prefix(err, where);
		goto out;
	}
	if (!json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		pw_error_set(err, "AWS.MalformedResponse",
			     "%s: the JSON response is not an object", what);
		goto out;
	}
	*result = v;
	rc = PW_OK;
out:
	aws_headers_free(&h);
	aws_http_response_free(&resp);
	return rc;
}
