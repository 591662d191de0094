/*
 * aws_endpoint - where requests go and which region signs them: the
 * region from options, AWS_REGION, AWS_DEFAULT_REGION or the profile; the
 * endpoint from options, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, or
 * the regional AWS endpoint. Internal to libpwaws.
 */
#ifndef AWS_ENDPOINT_H
#define AWS_ENDPOINT_H

#include <prewarm/plugin.h>

#include "aws_config_file.h"

/* *region (malloc'd) or AWS.InvalidConfiguration naming what was
 * looked at. files may be NULL. */
int aws_resolve_region(const char *explicit_region,
		       const struct aws_profile_files *files,
		       const char *profile, char **region, pw_error *err);

/* *url (malloc'd, no trailing slash); *overridden says whether it came
 * from the options or the environment rather than the AWS default. */
int aws_resolve_endpoint(const char *explicit_url, const char *service,
			 const char *env_name, const char *region, char **url,
			 int *overridden, pw_error *err);

/* The Host header value for a URL ("host" or "host:port" when the port
 * is not the scheme's default). malloc'd, NULL if the URL is bad. */
char *aws_url_host(const char *url);

#endif
