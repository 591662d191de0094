/*
 * aws_config_file - the shared AWS config and credentials files (INI):
 * ~/.aws/credentials ([name] sections) and ~/.aws/config ([default],
 * [profile name] sections), or the files AWS_SHARED_CREDENTIALS_FILE and
 * AWS_CONFIG_FILE name. Internal to libpwaws.
 */
#ifndef AWS_CONFIG_FILE_H
#define AWS_CONFIG_FILE_H

#include <prewarm/plugin.h>

struct aws_ini;

/* Parses the file at path. A missing file is not an error: *out is an
 * empty document. A malformed line is AWS.InvalidConfiguration naming
 * path:line. *out is freed with aws_ini_free. */
int aws_ini_load(const char *path, struct aws_ini **out, pw_error *err);
void aws_ini_free(struct aws_ini *ini); /* NULL is a no-op */
/* Nonzero if section [name] exists. */
int aws_ini_has_section(const struct aws_ini *ini, const char *section);
/* The value of key in [section], or NULL. Borrowed from ini. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section,
			const char *key);

/* Both shared files, loaded once per lookup. */
struct aws_profile_files {
	struct aws_ini *credentials;
	struct aws_ini *config;
	char *credentials_path;
	char *config_path;
};

/* Loads the credentials and config files from the environment's paths. */
int aws_profile_files_load(struct aws_profile_files *f, pw_error *err);
void aws_profile_files_free(struct aws_profile_files *f);
/* Nonzero if the profile appears in either file. */
int aws_profile_exists(const struct aws_profile_files *f, const char *profile);
/* key of the profile: the credentials file first, then the config file's
 * [profile NAME] (or [default] for "default"). Borrowed, or NULL. */
const char *aws_profile_get(const struct aws_profile_files *f,
			    const char *profile, const char *key);

/* The profile in effect: explicit (may be NULL), else AWS_PROFILE, else
 * "default". *explicit_out says whether it was chosen by someone. */
const char *aws_profile_name(const char *explicit_profile, int *explicit_out);

#endif
