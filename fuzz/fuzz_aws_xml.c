/*
 * fuzz_aws_xml - an AWS XML response body (Query protocol: RDS, STS,
 * CloudWatch, SNS; REST-XML: S3) read the ways the AWS library reads one:
 * as a result converted to JSON with wrapped and flattened lists, and as
 * an <Error> body turned into a named error.
 */
#include <stdlib.h>
#include <string.h>

#include "aws_internal.h"
#include "fuzz_common.h"

/* Lists the plugins declare (rds.c, s3.c, cloudwatch.c): wrapped for the
 * Query protocol, flattened ("Name[]" or plain for REST-XML). */
static const char *const query_lists[] = {
	"DBInstances", "DBClusters", "DBClusterMembers", "StaticMembers",
	"ExcludedMembers", "DBClusterEndpoints", "Events", "Contents[]",
	NULL};
static const char *const query_strings[] = {"DBInstanceIdentifier",
					    "Engine", NULL};
static const char *const rest_lists[] = {"Contents", "CommonPrefixes",
					 NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *xml = (const char *)data;
	pw_error err;
	xmlDocPtr doc;

	if (aws_xml_parse(xml, size, &doc, &err) == PW_OK) {
		/* Query: <ActionResponse><ActionResult>...; any child will do */
		xmlNodePtr root = xmlDocGetRootElement(doc);
		for (xmlNodePtr r = root ? root->children : NULL; r;
		     r = r->next) {
			if (r->type != XML_ELEMENT_NODE)
				continue;
			json_object *v = aws_xml_to_json_node(r, query_lists,
							      query_strings);
			if (!json_object_is_type(v, json_type_object)) {
				json_object_put(v);
				v = json_object_new_object();
			}
			aws_xml_add_missing_lists(v, query_lists, 0);
			json_object_put(v);
		}
		char *t = aws_xml_text(aws_xml_find(root, "NextToken"));
		free(t);
		xmlFreeDoc(doc);
	}

	json_object *out = NULL;
	if (pw_aws_xml_to_json(xml, size, rest_lists, &out, &err) == PW_OK)
		json_object_put(out);

	/* An error response: the body is what the server sent. */
	struct aws_http_response resp;
	aws_http_response_init(&resp);
	resp.status = 400;
	aws_buf_append(&resp.body, data, size);
	char *code = NULL, *message = NULL;
	aws_xml_read_error(&resp, &code, &message);
	aws_error_from_code(&err, "RDS", code, message, resp.status);
	aws_error_prefix(&err, "rds:DescribeDBInstances: ");
	free(code);
	free(message);
	aws_http_response_free(&resp);
	return 0;
}
