/* aws_endpoint - region and endpoint resolution (see aws_endpoint.h). */
#include "aws_endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : NULL;
}

int aws_resolve_region(const char *explicit_region,
		       const struct aws_profile_files *files,
		       const char *profile, char **region, pw_error *err)
{
	const char *r = explicit_region;
	if (r == NULL || *r == '\0')
		r = env("AWS_REGION");
	if (r == NULL)
		r = env("AWS_DEFAULT_REGION");
	if (r == NULL && files != NULL)
		r = aws_profile_get(files, profile, "region");
	if (r == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "no AWS region: set AWS_REGION or "
				    "AWS_DEFAULT_REGION, or region in profile "
				    "'%s' of %s",
				    profile,
				    files && files->config_path
					    ? files->config_path
					    : "~/.aws/config");
	for (const char *p = r; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "bad AWS region '%s'", r);
	*region = strdup(r);
	return *region ? PW_OK
		       : pw_error_set(err, "AWS.InvalidConfiguration",
				      "out of memory");
}

static int valid_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		 (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

int aws_resolve_endpoint(const char *explicit_url, const char *service,
			 const char *env_name, const char *region, char **url,
			 int *overridden, pw_error *err)
{
	char var[128], name[64];
	const char *src = "options";
	const char *u = explicit_url && *explicit_url ? explicit_url : NULL;
	const char *ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	int use_env = !(ignore && strcasecmp(ignore, "true") == 0);

	snprintf(name, sizeof(name), "%s", env_name ? env_name : service);
	for (char *p = name; *p; p++)
		*p = (*p == ' ' || *p == '-') ? '_'
					      : (char)toupper((unsigned char)*p);
	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", name);
	if (u == NULL && use_env && (u = env(var)) != NULL)
		src = var;
	if (u == NULL && use_env && (u = env("AWS_ENDPOINT_URL")) != NULL)
		src = "AWS_ENDPOINT_URL";
	*overridden = u != NULL;
	if (u != NULL) {
		if (!valid_url(u))
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "%s: '%s' is not an http(s) URL",
					    src, u);
		*url = strdup(u);
	} else {
		const char *suffix = strncmp(region, "cn-", 3) == 0
					     ? "amazonaws.com.cn"
					     : "amazonaws.com";
		if (asprintf(url, "https://%s.%s.%s", service, region,
			     suffix) < 0)
			*url = NULL;
	}
	if (*url == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "out of memory");
	size_t n = strlen(*url);
	while (n > 0 && (*url)[n - 1] == '/')
		(*url)[--n] = '\0';
	return PW_OK;
}

char *aws_url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port,
				 CURLU_NO_DEFAULT_PORT) == CURLUE_OK &&
		    port != NULL) {
			if (asprintf(&out, "%s:%s", host, port) < 0)
				out = NULL;
		} else {
			out = strdup(host);
		}
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}
