/*
 * aws_errors - AWS error codes to the error names workflows match in
 * Retry/Catch: a few common codes become AWS.* names, every other code
 * becomes PREFIX.Code exactly as AWS spells it (a trailing "Fault" stays:
 * RDS.InvalidDBClusterEndpointStateFault).
 */
#include "aws_internal.h"

#include <string.h>

static const struct {
	const char *code;
	const char *name;
} common[] = {
	{ "Throttling", "AWS.Throttling" },
	{ "ThrottlingException", "AWS.Throttling" },
	{ "ThrottledException", "AWS.Throttling" },
	{ "RequestThrottled", "AWS.Throttling" },
	{ "RequestThrottledException", "AWS.Throttling" },
	{ "RequestLimitExceeded", "AWS.Throttling" },
	{ "TooManyRequestsException", "AWS.Throttling" },
	{ "ProvisionedThroughputExceededException", "AWS.Throttling" },
	{ "SlowDown", "AWS.Throttling" },
	{ "BandwidthLimitExceeded", "AWS.Throttling" },
	{ "AccessDenied", "AWS.AccessDenied" },
	{ "AccessDeniedException", "AWS.AccessDenied" },
	{ "UnauthorizedOperation", "AWS.AccessDenied" },
	{ "InvalidClientTokenId", "AWS.InvalidClientToken" },
	{ "UnrecognizedClientException", "AWS.InvalidClientToken" },
	{ "InvalidAccessKeyId", "AWS.InvalidClientToken" },
	{ "SignatureDoesNotMatch", "AWS.SignatureDoesNotMatch" },
	{ "IncompleteSignature", "AWS.SignatureDoesNotMatch" },
	{ "ExpiredToken", "AWS.ExpiredToken" },
	{ "ExpiredTokenException", "AWS.ExpiredToken" },
	{ "RequestExpired", "AWS.ExpiredToken" },
	{ "ValidationError", "AWS.ValidationError" },
	{ "ValidationException", "AWS.ValidationError" },
	{ "InternalFailure", "AWS.ServiceError" },
	{ "InternalError", "AWS.ServiceError" },
	{ "ServiceUnavailable", "AWS.ServiceError" },
	{ "ServiceUnavailableException", "AWS.ServiceError" },
};

void aws_error_strip_code(char *code)
{
	if (code == NULL)
		return;
	char *hash = strrchr(code, '#');
	if (hash != NULL)
		memmove(code, hash + 1, strlen(hash + 1) + 1);
	code[strcspn(code, ":")] = '\0';
	/* trim surrounding whitespace */
	size_t n = strlen(code);
	while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\n'))
		code[--n] = '\0';
	size_t lead = strspn(code, " \n\t");
	if (lead > 0)
		memmove(code, code + lead, strlen(code + lead) + 1);
}

void aws_error_from_code(pw_error *err, const char *prefix, const char *code,
			 const char *message, long status)
{
	const char *msg = (message && *message) ? message : "";
	if (code == NULL || *code == '\0') {
		if (status >= 500)
			pw_error_set(err, "AWS.ServiceError",
				     "HTTP %ld from the service%s%s", status,
				     *msg ? ": " : "", msg);
		else if (status == 403)
			pw_error_set(err, "AWS.AccessDenied",
				     "HTTP 403 from the service%s%s",
				     *msg ? ": " : "", msg);
		else if (status == 404) {
			pw_error_set(err, "", "HTTP 404 from the service%s%s",
				     *msg ? ": " : "", msg);
			if (err != NULL)
				snprintf(err->name, sizeof(err->name),
					 "%s.NotFound", prefix ? prefix : "AWS");
		}
		else
			pw_error_set(err, "AWS.HttpError",
				     "HTTP %ld from the service%s%s", status,
				     *msg ? ": " : "", msg);
		return;
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (strcmp(common[i].code, code) == 0) {
			pw_error_set(err, common[i].name, "%s: %s", code,
				     *msg ? msg : "(no message)");
			return;
		}
	}
	pw_error_set(err, "", "%s", *msg ? msg : code);
	if (err != NULL)
		snprintf(err->name, sizeof(err->name), "%s.%s",
			 prefix ? prefix : "AWS", code);
}

int aws_error_retryable(const char *name)
{
	return strcmp(name, "AWS.Throttling") == 0 ||
	       strcmp(name, "AWS.ServiceError") == 0 ||
	       strcmp(name, "AWS.NetworkError") == 0 ||
	       strcmp(name, "AWS.Timeout") == 0;
}

void aws_error_prefix(pw_error *err, const char *prefix)
{
	if (err == NULL)
		return;
	size_t max = sizeof(err->cause) - 1;
	size_t pl = strlen(prefix), cl = strlen(err->cause);
	if (pl > max)
		pl = max;
	if (pl + cl > max)
		cl = max - pl;
	memmove(err->cause + pl, err->cause, cl);
	memcpy(err->cause, prefix, pl);
	err->cause[pl + cl] = '\0';
}
