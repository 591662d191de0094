/*
 * aws_xml - AWS XML responses to json-c, with libxml2.
 *
 * Rules (the same for Query and REST-XML responses):
 *  - an element with element children becomes an object of its children;
 *  - in Query responses (pw_aws_query) a name in list_names is a wrapped
 *    list: its children (<member>, <DBInstance>) become an array, even
 *    with one child or none;
 *  - in REST-XML bodies (pw_aws_xml_to_json) a name in list_names is a
 *    flattened list: repeated <Name> siblings (S3's <Contents>) become one
 *    array "Name", even with one, and [] when there is none;
 *  - "Name[]" declares a flattened list in either;
 *  - an undeclared element that repeats becomes an array too;
 *  - text becomes a number or boolean when it is exactly a JSON number or
 *    true/false, except for members known to be strings (Key, ETag,
 *    Marker, ... and the caller's string_names); everything else (dates,
 *    identifiers, ARNs) stays a string, as AWS sends it.
 */
#include "aws_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

/* Members that look numeric but are strings in the AWS models. */
static const char *const builtin_strings[] = {
	"Key", "Prefix", "StartAfter", "Delimiter", "ContinuationToken",
	"NextContinuationToken", "Marker", "NextMarker", "NextToken", "ETag",
	"Message", "MessageId", "Body", "Value", "Name", "Description",
	"Subject", "VersionId", "UploadId", "RequestId", "Id", "DBName",
	"MasterUsername", "EngineVersion", "DbiResourceId", "Address",
	"SecretString", "ReceiptHandle", "MD5OfBody", "MessageBody", NULL,
};

int aws_xml_parse(const char *xml, size_t len, xmlDocPtr *doc, pw_error *err)
{
	*doc = NULL;
	if (xml == NULL || len == 0)
		return pw_error_set(err, "AWS.MalformedResponse",
				    "empty XML response");
	if (len > (size_t)INT32_MAX)
		return pw_error_set(err, "AWS.MalformedResponse",
				    "XML response too large");
	xmlResetLastError();
	*doc = xmlReadMemory(xml, (int)len, "response.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOBLANKS |
				     XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (*doc == NULL || xmlDocGetRootElement(*doc) == NULL) {
		const xmlError *e = xmlGetLastError();
		if (*doc)
			xmlFreeDoc(*doc);
		*doc = NULL;
		return pw_error_set(err, "AWS.MalformedResponse",
				    "malformed XML response at line %d: %s",
				    e ? e->line : 0,
				    e && e->message ? e->message : "no root");
	}
	return PW_OK;
}

static int named(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

xmlNodePtr aws_xml_find(xmlNodePtr root, const char *name)
{
	if (root == NULL)
		return NULL;
	if (named(root, name))
		return root;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		xmlNodePtr f = aws_xml_find(c, name);
		if (f)
			return f;
	}
	return NULL;
}

char *aws_xml_text(xmlNodePtr node)
{
	if (node == NULL)
		return NULL;
	xmlChar *t = xmlNodeGetContent(node);
	char *s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

static int in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

static int flattened(const char *const *list, const char *name, int flat)
{
	if (flat && in_list(list, name))
		return 1;
	size_t n = strlen(name);
	for (size_t i = 0; list && list[i]; i++)
		if (strncmp(list[i], name, n) == 0 &&
		    strcmp(list[i] + n, "[]") == 0)
			return 1;
	return 0;
}

static int has_element_children(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return 1;
	return 0;
}

/* Exactly a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s, int *is_int)
{
	const char *p = s;
	*is_int = 1;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return 0;
	if (*p == '.') {
		*is_int = 0;
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		*is_int = 0;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

static json_object *scalar(const char *name, const char *text,
			   const char *const *string_names)
{
	if (in_list(builtin_strings, name) || in_list(string_names, name))
		return json_object_new_string(text);
	if (strcmp(text, "true") == 0)
		return json_object_new_boolean(1);
	if (strcmp(text, "false") == 0)
		return json_object_new_boolean(0);
	int is_int;
	if (json_number(text, &is_int)) {
		errno = 0;
		if (is_int) {
			long long v = strtoll(text, NULL, 10);
			if (errno == 0)
				return json_object_new_int64(v);
		} else {
			double d = strtod(text, NULL);
			if (errno == 0)
				return json_object_new_double(d);
		}
	}
	return json_object_new_string(text);
}

static json_object *convert(xmlNodePtr node, const char *const *list_names,
			    const char *const *string_names, int flat)
{
	const char *name = (const char *)node->name;
	if (!flat && in_list(list_names, name)) {
		json_object *arr = json_object_new_array();
		for (xmlNodePtr c = node->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				json_object_array_add(
					arr, convert(c, list_names,
						     string_names, flat));
		return arr;
	}
	if (!has_element_children(node)) {
		xmlChar *t = xmlNodeGetContent(node);
		json_object *v = scalar(name, t ? (const char *)t : "",
					string_names);
		xmlFree(t);
		return v;
	}
	json_object *obj = json_object_new_object();
	for (xmlNodePtr c = node->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		const char *cname = (const char *)c->name;
		json_object *v = convert(c, list_names, string_names, flat);
		json_object *prev = NULL;
		int have = json_object_object_get_ex(obj, cname, &prev);
		if (flattened(list_names, cname, flat)) {
			if (!have) {
				prev = json_object_new_array();
				json_object_object_add(obj, cname, prev);
			}
			json_object_array_add(prev, v);
		} else if (!have) {
			json_object_object_add(obj, cname, v);
		} else if (json_object_is_type(prev, json_type_array) &&
			   (flat || !in_list(list_names, cname))) {
			json_object_array_add(prev, v);
		} else {
			/* an undeclared repeat: make it a list */
			json_object *arr = json_object_new_array();
			json_object_array_add(arr, json_object_get(prev));
			json_object_array_add(arr, v);
			json_object_object_add(obj, cname, arr);
		}
	}
	return obj;
}

json_object *aws_xml_to_json_node(xmlNodePtr node,
				  const char *const *list_names,
				  const char *const *string_names)
{
	return convert(node, list_names, string_names, 0);
}

/* Flattened lists that are absent from obj are still lists: []. */
void aws_xml_add_missing_lists(json_object *obj, const char *const *list_names,
			       int flat)
{
	if (!json_object_is_type(obj, json_type_object))
		return;
	for (size_t i = 0; list_names && list_names[i]; i++) {
		size_t n = strlen(list_names[i]);
		if (n < 3 || strcmp(list_names[i] + n - 2, "[]") != 0) {
			if (flat && n > 0 &&
			    !json_object_object_get_ex(obj, list_names[i], NULL))
				json_object_object_add(obj, list_names[i],
						       json_object_new_array());
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 2),
			 list_names[i]);
		if (!json_object_object_get_ex(obj, name, NULL))
			json_object_object_add(obj, name,
					       json_object_new_array());
	}
}

int pw_aws_xml_to_json(const char *xml, size_t len,
		       const char *const *list_names, json_object **out,
		       pw_error *err)
{
	xmlDocPtr doc;
	*out = NULL;
	if (aws_xml_parse(xml, len, &doc, err) != PW_OK)
		return PW_ERR;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	json_object *v = convert(root, list_names, NULL, 1);
	if (!json_object_is_type(v, json_type_object) &&
	    !json_object_is_type(v, json_type_array)) {
		/* an empty root element: no members */
		json_object_put(v);
		v = json_object_new_object();
	}
	aws_xml_add_missing_lists(v, list_names, 1);
	xmlFreeDoc(doc);
	*out = v;
	return PW_OK;
}

void aws_xml_read_error(const struct aws_http_response *resp, char **code,
			char **message)
{
	xmlDocPtr doc;
	*code = *message = NULL;
	if (resp->body.len == 0 ||
	    aws_xml_parse(resp->body.data, resp->body.len, &doc, NULL) != PW_OK)
		return;
	xmlNodePtr e = aws_xml_find(xmlDocGetRootElement(doc), "Error");
	if (e != NULL) {
		*code = aws_xml_text(aws_xml_child(e, "Code"));
		xmlNodePtr m = aws_xml_child(e, "Message");
		*message = aws_xml_text(m ? m : aws_xml_child(e, "message"));
	}
	xmlFreeDoc(doc);
	aws_error_strip_code(*code);
}
