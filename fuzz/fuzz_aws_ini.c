/*
 * fuzz_aws_ini - the shared AWS config and credentials files (INI,
 * ~/.aws/config and ~/.aws/credentials): parsed, then profiles looked up
 * as the credential chain does (the same text serves as both files).
 */
#include <stdlib.h>

#include "aws_config_file.h"
#include "fuzz_common.h"

static const char *const profiles[] = {"default", "prod", "dev", NULL};
static const char *const keys[] = {
	"aws_access_key_id", "aws_secret_access_key", "role_arn",
	"source_profile",    "credential_source",     "region", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_file("aws-config", data, size);
	if (path == NULL)
		return 0;
	pw_error err;
	struct aws_ini *ini = NULL;
	if (aws_ini_load(path, &ini, &err) == PW_OK) {
		(void)aws_ini_has_section(ini, "profile prod");
		(void)aws_ini_get(ini, "default", "region");
		aws_ini_free(ini);
	}
	/* Both files from the environment, as aws_creds.c reads them (the
	 * scratch path is the same for the whole run). */
	static int env_set;
	if (!env_set) {
		setenv("AWS_CONFIG_FILE", path, 1);
		setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
		env_set = 1;
	}
	struct aws_profile_files f;
	if (aws_profile_files_load(&f, &err) == PW_OK) {
		for (int p = 0; profiles[p]; p++) {
			if (!aws_profile_exists(&f, profiles[p]))
				continue;
			for (int k = 0; keys[k]; k++)
				(void)aws_profile_get(&f, profiles[p],
						      keys[k]);
		}
		aws_profile_files_free(&f);
	}
	return 0;
}
