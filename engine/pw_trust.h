/*
 * pw_trust - may the engine load native code from this path?
 *
 * The rule (plugin directories and plugin files alike):
 *   - the path is resolved first (realpath: no symlink, "." or ".." left);
 *   - the object itself (the plugin directory, or the .so file) must be
 *     owned by root or by the user running prewarm, and must not be
 *     writable by group or others;
 *   - every directory above it, up to "/", must be owned by root or by
 *     the running user, and must not be writable by group or others,
 *     UNLESS it has the sticky bit (like /tmp, mode 1777): in a sticky
 *     directory nobody but the entry's owner, the directory's owner and
 *     root can rename or remove an entry, so another user cannot swap the
 *     trusted directory below it for their own. (The sticky directory
 *     itself must still be owned by root or the running user.) This is the
 *     rule Perl's File::Temp applies at its "medium" safety level; OpenSSH's
 *     stricter safe_path() has no sticky exception because it checks paths
 *     under home directories, where a sticky ancestor does not occur.
 *   - the final object is never accepted writable by group or others, sticky
 *     or not: anyone who can write into it can add a .so or change one.
 */
#ifndef PW_TRUST_H
#define PW_TRUST_H

#include <stddef.h>

/* want_dir: the object must be a directory (else a regular file).
 * 0 with the resolved path in resolved[resolved_len] (may be NULL), or -1
 * with why: one sentence naming the offending component and the fix;
 * errno_out (may be NULL) gets realpath's errno when resolving failed
 * (ENOENT: the object does not exist), else 0. */
int pw_trust_path(const char *path, int want_dir, char *resolved, size_t resolved_len,
		  char *why, size_t why_len, int *errno_out);

#endif
