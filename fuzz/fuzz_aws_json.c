/*
 * fuzz_aws_json - an AWS JSON-protocol response body (Secrets Manager,
 * SQS) read the ways the AWS library reads one: as a result (then renamed
 * to the aws-sdk spelling and back, as aws-sdk: Task states do), and as an
 * error body ({"__type": ..., "message": ...}) turned into a named error.
 */
#include <stdlib.h>

#include "aws_internal.h"
#include "fuzz_common.h"

static const char *const api_names[] = {"SecretId", "SecretString",
					"QueueUrl", "MessageBody",
					"DBInstanceIdentifier", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pw_error err;
	json_object *v = NULL;

	if (aws_json_parse((const char *)data, size, &v, &err) == PW_OK) {
		json_object *sdk = pw_aws_to_sdk_names(v);
		json_object *api = pw_aws_from_sdk_names(sdk, api_names);
		json_object *exp;
		if (json_object_object_get_ex(v, "Expiration", &exp))
			(void)aws_parse_iso8601(json_object_get_string(exp));
		json_object_put(api);
		json_object_put(sdk);
		json_object_put(v);
	}

	struct aws_http_response resp;
	aws_http_response_init(&resp);
	resp.status = 400;
	aws_buf_append(&resp.body, data, size);
	char *code = NULL, *message = NULL;
	aws_json_read_error(&resp, &code, &message);
	aws_error_from_code(&err, "SecretsManager", code, message,
			    resp.status);
	aws_error_prefix(&err, "secretsmanager:GetSecretValue: ");
	free(code);
	free(message);
	aws_http_response_free(&resp);
	return 0;
}
