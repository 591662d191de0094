/*
 * aws_query - the AWS Query protocol (RDS, CloudWatch, SNS, STS): a
 * form-encoded POST (Action, Version, flattened parameters), an XML
 * response whose <ActionResult> becomes the result object.
 */
#include "aws_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"

#define MAX_PAGES 1000

void aws_form_add(struct aws_buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		aws_buf_putc(b, '&');
	aws_uri_encode_into(b, key, strlen(key), 1);
	aws_buf_putc(b, '=');
	aws_uri_encode_into(b, value, strlen(value), 1);
}

/* The item name of a request list: the pair whose first member is the
 * list's own name, else "member". */
static const char *item_name(const struct pw_aws_query_shape *shape,
			     const char *prefix)
{
	const char *last = strrchr(prefix, '.');
	last = last ? last + 1 : prefix;
	const char *const *pairs = shape ? shape->request_list_item_names
					 : NULL;
	for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
		if (strcmp(pairs[i], last) == 0)
			return pairs[i + 1];
	return "member";
}

static void flatten(struct aws_buf *b, const char *prefix, json_object *v,
		    const struct pw_aws_query_shape *shape)
{
	char *sub = NULL;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			if (prefix == NULL) {
				flatten(b, key, val, shape);
				continue;
			}
			if (asprintf(&sub, "%s.%s", prefix, key) < 0) {
				b->oom = 1;
				return;
			}
			flatten(b, sub, val, shape);
			free(sub);
		}
		return;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		if (prefix == NULL)
			return;
		if (n == 0) {
			aws_form_add(b, prefix, "");
			return;
		}
		const char *item = item_name(shape, prefix);
		for (size_t i = 0; i < n; i++) {
			if (asprintf(&sub, "%s.%s.%zu", prefix, item, i + 1) <
			    0) {
				b->oom = 1;
				return;
			}
			flatten(b, sub, json_object_array_get_idx(v, i), shape);
			free(sub);
		}
		return;
	}
	case json_type_boolean:
		aws_form_add(b, prefix, json_object_get_boolean(v) ? "true"
								   : "false");
		return;
	default:
		if (prefix != NULL)
			aws_form_add(b, prefix, json_object_get_string(v));
		return;
	}
}

int pw_aws_query(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		 const char *action, json_object *params, json_object **result,
		 pw_error *err)
{
	struct aws_buf form;
	struct aws_headers h;
	struct aws_http_response resp;
	char what[160], result_name[160];
	xmlDocPtr doc = NULL;
	int rc = PW_ERR;

	*result = NULL;
	aws_buf_init(&form);
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	if (params != NULL && !json_object_is_type(params, json_type_object)) {
		pw_error_set(err, "AWS.ValidationError",
			     "%s: parameters must be an object", action);
		goto out;
	}
	aws_form_add(&form, "Action", action);
	if (shape && shape->api_version)
		aws_form_add(&form, "Version", shape->api_version);
	if (params != NULL)
		flatten(&form, NULL, params, shape);
	if (form.oom ||
	    aws_headers_add(&h, "Content-Type",
			    "application/x-www-form-urlencoded; charset=utf-8")) {
		pw_error_set(err, "AWS.NetworkError", "out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "%s:%s", c->service, action);
	struct aws_call call = {
		.method = "POST", .path = "/", .headers = &h,
		.body = form.data, .body_len = form.len,
		.error_prefix = shape && shape->error_prefix ? shape->error_prefix
							     : "AWS",
		.what = what, .read_error = aws_xml_read_error,
	};
	if (aws_client_send(c, &call, &resp, err) != PW_OK)
		goto out;
	if (aws_xml_parse(resp.body.data, resp.body.len, &doc, err) != PW_OK) {
		char where[200];
		snprintf(where, sizeof(where), "%s: ", what);
		aws_error_prefix(err, where);
		goto out;
	}
	snprintf(result_name, sizeof(result_name), "%sResult", action);
	xmlNodePtr r = aws_xml_child(xmlDocGetRootElement(doc), result_name);
	json_object *v = r ? aws_xml_to_json_node(
				     r, shape ? shape->list_names : NULL,
				     shape ? shape->string_names : NULL)
			   : NULL;
	if (!json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		v = json_object_new_object();
	}
	aws_xml_add_missing_lists(v, shape ? shape->list_names : NULL, 0);
	*result = v;
	rc = PW_OK;
out:
	if (doc)
		xmlFreeDoc(doc);
	aws_buf_free(&form);
	aws_headers_free(&h);
	aws_http_response_free(&resp);
	return rc;
}

int pw_aws_query_all(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		     const char *action, json_object *params,
		     const char *token_name, const char *items,
		     json_object **result, pw_error *err)
{
	json_object *req = json_object_new_object(), *all = NULL, *page = NULL;
	char *token = NULL;
	int rc = PW_ERR;
	*result = NULL;
	if (params != NULL && json_object_is_type(params, json_type_object)) {
		json_object_object_foreach(params, k, v)
			json_object_object_add(req, k, json_object_get(v));
	}
	all = json_object_new_array();
	for (int pages = 0;; pages++) {
		if (pages >= MAX_PAGES) {
			pw_error_set(err, "AWS.PaginationLimit",
				     "%s: more than %d pages", action,
				     MAX_PAGES);
			goto out;
		}
		json_object_put(page);
		page = NULL;
		if (pw_aws_query(c, shape, action, req, &page, err) != PW_OK)
			goto out;
		json_object *list = NULL, *next = NULL;
		if (json_object_object_get_ex(page, items, &list) &&
		    json_object_is_type(list, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(list);
			     i++)
				json_object_array_add(
					all, json_object_get(
						     json_object_array_get_idx(
							     list, i)));
		}
		if (!json_object_object_get_ex(page, token_name, &next) ||
		    json_object_get_string_len(next) == 0)
			break;
		const char *t = json_object_get_string(next);
		if (token != NULL && strcmp(token, t) == 0) {
			pw_error_set(err, "AWS.MalformedResponse",
				     "%s: the service repeated the %s token",
				     action, token_name);
			goto out;
		}
		free(token);
		token = strdup(t);
		json_object_object_add(req, token_name,
				       json_object_new_string(t));
	}
	json_object_object_del(page, token_name);
	json_object_object_add(page, items, all);
	all = NULL;
	*result = page;
	page = NULL;
	rc = PW_OK;
out:
	free(token);
	json_object_put(all);
	json_object_put(page);
	json_object_put(req);
	return rc;
}

int pw_aws_query_opts(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		      const char *action, json_object *params,
		      struct pw_aws_call_opts *opts, json_object **result,
		      pw_error *err)
{
	if (opts != NULL) {
		/* Until a request goes out, nothing can have been applied. */
		opts->failure = PW_AWS_FAILURE_NOT_APPLIED;
		opts->attempts = 0;
	}
	c->call_opts = opts;
	int rc = pw_aws_query(c, shape, action, params, result, err);
	c->call_opts = NULL;
	/* Accepted (2xx) but the answer did not parse: it was applied, or
	 * may have been; only a read-back tells. */
	if (rc != PW_OK && opts != NULL &&
	    opts->failure == PW_AWS_FAILURE_NONE)
		opts->failure = PW_AWS_FAILURE_AMBIGUOUS;
	return rc;
}
