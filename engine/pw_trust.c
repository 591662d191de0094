/* pw_trust - ownership and permission checks before dlopen (see pw_trust.h). */
#include "pw_trust.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Checks one component; `last` is the object itself. */
static int check_component(const char *path, int last, int want_dir, char *why,
			   size_t why_len)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		snprintf(why, why_len, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) { /* replaced since realpath() */
		snprintf(why, why_len, "%s became a symbolic link while it was checked", path);
		return -1;
	}
	uid_t me = geteuid();
	if (st.st_uid != 0 && st.st_uid != me) {
		snprintf(why, why_len,
			 "%s is owned by uid %lu, neither root nor the user running prewarm "
			 "(uid %lu): chown it", path, (unsigned long)st.st_uid, (unsigned long)me);
		return -1;
	}
	if (!last && !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "%s is not a directory", path);
		return -1;
	}
	if (last && want_dir && !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "%s is not a directory", path);
		return -1;
	}
	if (last && !want_dir && !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "%s is not a regular file", path);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (!last && (st.st_mode & S_ISVTX))
		return 0; /* sticky ancestor: see the rule in pw_trust.h */
	snprintf(why, why_len, "%s is %s-writable: refused (chmod go-w %s)", path,
		 (st.st_mode & S_IWOTH) ? "world" : "group", path);
	return -1;
}

int pw_trust_path(const char *path, int want_dir, char *resolved, size_t resolved_len,
		  char *why, size_t why_len, int *errno_out)
{
	char real[PATH_MAX];
	if (errno_out)
		*errno_out = 0;
	if (path == NULL || path[0] != '/') {
		snprintf(why, why_len, "%s is not an absolute path", path ? path : "(null)");
		return -1;
	}
	if (realpath(path, real) == NULL) {
		if (errno_out)
			*errno_out = errno;
		snprintf(why, why_len, "cannot resolve %s: %s", path, strerror(errno));
		return -1;
	}
	/* Every prefix ending before a '/' (the root is "/"), then the whole. */
	char prefix[PATH_MAX];
	size_t len = strlen(real);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && real[i] != '/')
			continue;
		size_t plen = (i == 0) ? 1 : i;
		if (i == 0 && len == 1)
			break; /* real is "/": checked as the last component */
		memcpy(prefix, real, plen);
		prefix[plen] = '\0';
		if (check_component(prefix, i == len, want_dir, why, why_len) != 0)
			return -1;
	}
	if (len == 1 && check_component("/", 1, want_dir, why, why_len) != 0)
		return -1;
	if (resolved != NULL) {
		if (len >= resolved_len) {
			snprintf(why, why_len, "%s: path too long", real);
			return -1;
		}
		memcpy(resolved, real, len + 1);
	}
	return 0;
}
