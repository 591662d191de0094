/*
 * aws_sdk_names - Step Functions' aws-sdk member naming: the AWS API's
 * "DBInstanceIdentifier" is "DbInstanceIdentifier" there (a run of
 * capitals keeps its first letter upper and lowers the rest; the last
 * capital of a run that starts a word stays upper).
 */
#include "aws_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *sdk_name(const char *api)
{
	size_t n = strlen(api);
	char *out = strdup(api);
	if (out == NULL)
		return NULL;
	for (size_t i = 1; i < n; i++) {
		if (!isupper((unsigned char)api[i]) ||
		    !isupper((unsigned char)api[i - 1]))
			continue;
		int next_lower = i + 1 < n && islower((unsigned char)api[i + 1]);
		if (!next_lower)
			out[i] = (char)tolower((unsigned char)api[i]);
	}
	return out;
}

typedef char *(*rename_fn)(const char *key, const char *const *names);

static json_object *convert(json_object *v, rename_fn rename,
			    const char *const *names)
{
	if (json_object_is_type(v, json_type_object)) {
		json_object *o = json_object_new_object();
		json_object_object_foreach(v, key, val)
		{
			char *k = rename(key, names);
			json_object_object_add(o, k ? k : key,
					       convert(val, rename, names));
			free(k);
		}
		return o;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		json_object *a = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(
				a, convert(json_object_array_get_idx(v, i),
					   rename, names));
		return a;
	}
	return json_object_get(v);
}

static char *to_sdk(const char *key, const char *const *names)
{
	(void)names;
	return sdk_name(key);
}

static char *from_sdk(const char *key, const char *const *names)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strcasecmp(names[i], key) == 0)
			return strdup(names[i]);
	return strdup(key);
}

json_object *pw_aws_to_sdk_names(json_object *v)
{
	return convert(v, to_sdk, NULL);
}

json_object *pw_aws_from_sdk_names(json_object *v,
				   const char *const *api_names)
{
	return convert(v, from_sdk, api_names);
}
