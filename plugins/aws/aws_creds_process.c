/*
 * aws_creds_process - a profile's credential_process, as the AWS CLI runs
 * it: the command line is split like Python's shlex.split (POSIX rules),
 * run without a shell (posix_spawnp: PATH lookup, inherited environment,
 * stdin from /dev/null), bounded in time and output, and its stdout must
 * be the JSON document of Version 1 (AccessKeyId, SecretAccessKey,
 * SessionToken?, Expiration?).
 */
#include "aws_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROCESS_MAX_STDOUT (64 * 1024)
#define PROCESS_STDERR_EXCERPT 200

/* ---- shlex.split (posix=True, comments=False) ---- */

void aws_argv_free(char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static int push_word(char ***argv, size_t *n, struct aws_buf *w)
{
	char **v = realloc(*argv, (*n + 2) * sizeof(*v));
	if (v == NULL)
		return -1;
	*argv = v;
	v[*n] = aws_buf_steal(w);
	if (v[*n] == NULL)
		return -1;
	v[++*n] = NULL;
	aws_buf_init(w);
	return 0;
}

int aws_shell_split(const char *s, char ***out, const char **why)
{
	struct aws_buf w;
	char **argv = calloc(1, sizeof(*argv));
	size_t n = 0;
	int in_word = 0;
	*out = NULL;
	*why = "out of memory";
	if (argv == NULL)
		return -1;
	aws_buf_init(&w);
	for (const char *p = s;; p++) {
		char ch = *p;
		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' ||
		    ch == '\r') {
			if (in_word) {
				aws_buf_puts(&w, "");
				if (w.oom || push_word(&argv, &n, &w) != 0)
					goto fail;
				in_word = 0;
			}
			if (ch == '\0')
				break;
			continue;
		}
		in_word = 1;
		if (ch == '\\') {
			if (p[1] == '\0') {
				*why = "no character after the final backslash";
				goto fail;
			}
			aws_buf_append(&w, ++p, 1);
		} else if (ch == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (end == NULL) {
				*why = "no closing quotation (')";
				goto fail;
			}
			aws_buf_append(&w, p + 1, (size_t)(end - p - 1));
			aws_buf_puts(&w, ""); /* an empty '' is still a word */
			p = end;
		} else if (ch == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*why = "no closing quotation (\")";
					goto fail;
				}
				/* Inside "", a backslash escapes only " and
				 * itself (shlex's escapedquotes). */
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				aws_buf_append(&w, p, 1);
			}
			aws_buf_puts(&w, "");
		} else {
			aws_buf_append(&w, &ch, 1);
		}
	}
	aws_buf_free(&w);
	if (n == 0) {
		*why = "the command is empty";
		aws_argv_free(argv);
		return -1;
	}
	*out = argv;
	return 0;
fail:
	aws_buf_free(&w);
	aws_argv_free(argv);
	return -1;
}

/* ---- running it ---- */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long process_timeout_ms(void)
{
	const char *v = getenv("PREWARM_CREDENTIAL_PROCESS_TIMEOUT_MS");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	return ms > 0 ? ms : AWS_CREDENTIAL_PROCESS_TIMEOUT_MS;
}

/* Printable excerpt of the process's stderr for the error message. */
static void excerpt(const char *s, size_t len, char *out, size_t cap)
{
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < cap; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : ' ';
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
}

enum run_end { RUN_EXITED, RUN_TIMEOUT, RUN_TOO_BIG };

/* Reads stdout (at most PROCESS_MAX_STDOUT) and the start of stderr until
 * both close or the deadline passes. */
static enum run_end collect(int ofd, int efd, long deadline, struct aws_buf *out,
			    char *errtext, size_t *errlen, size_t errcap)
{
	struct pollfd fds[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	int open_fds = 2;
	char chunk[4096];
	while (open_fds > 0) {
		long left = deadline - now_ms();
		if (left <= 0)
			return RUN_TIMEOUT;
		int r = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return RUN_TIMEOUT;
		for (int i = 0; r > 0 && i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (out->len + (size_t)n > PROCESS_MAX_STDOUT)
					return RUN_TOO_BIG;
				aws_buf_append(out, chunk, (size_t)n);
			} else if (*errlen < errcap) {
				size_t take = (size_t)n < errcap - *errlen
						      ? (size_t)n
						      : errcap - *errlen;
				memcpy(errtext + *errlen, chunk, take);
				*errlen += take;
			}
		}
	}
	return RUN_EXITED;
}

/* Runs argv; fills *out with its stdout when it exits 0. */
static int run(const char *profile, char **argv, struct aws_buf *out,
	       pw_error *err)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, rc = PW_ERR, st = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	char errtext[PROCESS_STDERR_EXCERPT], why[PROCESS_STDERR_EXCERPT + 1];
	size_t errlen = 0;
	long timeout = process_timeout_ms();

	if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process: pipe: %s",
			     profile, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* As Python's subprocess (close_fds): the helper sees none of our
	 * sockets or files, even those opened without O_CLOEXEC. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* Default signal dispositions and an empty mask in the helper, even
	 * when we ignore SIGPIPE (prewarm watch) or block signals. */
	posix_spawnattr_t sa;
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigdefault(&sa, &all);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETSIGMASK);
	int serr = posix_spawnp(&pid, argv[0], &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	if (serr != 0) {
		pid = -1;
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process: cannot run "
			     "'%.200s': %s",
			     profile, argv[0], strerror(serr));
		goto out;
	}
	enum run_end end = collect(op[0], ep[0], now_ms() + timeout, out,
				   errtext, &errlen, sizeof(errtext));
	if (end != RUN_EXITED)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	excerpt(errtext, errlen, why, sizeof(why));
	if (end == RUN_TIMEOUT)
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process '%.200s' did not "
			     "finish within %ld ms (stopped)",
			     profile, argv[0], timeout);
	else if (end == RUN_TOO_BIG)
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process '%.200s' wrote "
			     "more than %d bytes (stopped)",
			     profile, argv[0], PROCESS_MAX_STDOUT);
	else if (WIFSIGNALED(st))
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process '%.200s' was "
			     "killed by signal %d%s%s",
			     profile, argv[0], WTERMSIG(st), *why ? ": " : "",
			     why);
	else if (WEXITSTATUS(st) != 0)
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process '%.200s' exited "
			     "with status %d%s%s",
			     profile, argv[0], WEXITSTATUS(st), *why ? ": " : "",
			     why);
	else if (out->oom)
		pw_error_set(err, "AWS.CredentialProcessFailed",
			     "profile '%s': credential_process: out of memory",
			     profile);
	else
		rc = PW_OK;
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return rc;
}

/* The Version 1 document; error messages name fields, never values. */
static int parse_output(const char *profile,
			const char *text, struct aws_creds *out, pw_error *err)
{
	json_object *doc = json_tokener_parse(text), *v;
	const char *ak = NULL, *sk = NULL, *tok = NULL;
	time_t exp = 0;
	int rc = PW_ERR;
	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': credential_process output is not a "
			     "JSON object",
			     profile);
		goto out;
	}
	if (!json_object_object_get_ex(doc, "Version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != 1) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': credential_process output needs "
			     "\"Version\": 1",
			     profile);
		goto out;
	}
	static const char *const names[] = { "AccessKeyId", "SecretAccessKey",
					     "SessionToken", "Expiration" };
	const char **slots[] = { &ak, &sk, &tok, NULL };
	const char *expiration = NULL;
	slots[3] = &expiration;
	for (int i = 0; i < 4; i++) {
		if (!json_object_object_get_ex(doc, names[i], &v) ||
		    json_object_is_type(v, json_type_null))
			continue;
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0) {
			pw_error_set(err, "AWS.InvalidCredentials",
				     "profile '%s': credential_process output: "
				     "%s must be a non-empty string",
				     profile, names[i]);
			goto out;
		}
		*slots[i] = json_object_get_string(v);
	}
	if (ak == NULL || sk == NULL) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': credential_process output has no "
			     "%s",
			     profile, ak == NULL ? "AccessKeyId" : "SecretAccessKey");
		goto out;
	}
	if (expiration != NULL) {
		exp = aws_parse_iso8601(expiration);
		if (exp < 0) {
			pw_error_set(err, "AWS.InvalidCredentials",
				     "profile '%s': credential_process output: "
				     "Expiration is not an ISO 8601 time",
				     profile);
			goto out;
		}
		if (exp <= time(NULL)) {
			pw_error_set(err, "AWS.InvalidCredentials",
				     "profile '%s': credential_process returned "
				     "credentials that have expired (%s)",
				     profile, expiration);
			goto out;
		}
	}
	/* The client registers the key and token as secrets. */
	char source[128];
	snprintf(source, sizeof(source), "profile %s (credential_process)",
		 profile);
	if (aws_creds_set(out, source, ak, sk, tok, exp) != 0) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	rc = PW_OK;
out:
	json_object_put(doc);
	return rc;
}

int aws_creds_process(const struct aws_creds_ctx *ctx, const char *profile,
		      const char *command, struct aws_creds *out, pw_error *err)
{
	(void)ctx; /* runs locally: no HTTP handle or host needed */
	char **argv = NULL;
	const char *why = NULL;
	struct aws_buf text;
	int rc;
	if (aws_shell_split(command, &argv, &why) != 0)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s': credential_process cannot be "
				    "split into words: %s",
				    profile, why);
	aws_buf_init(&text);
	rc = run(profile, argv, &text, err);
	if (rc == PW_OK) {
		aws_buf_puts(&text, "");
		rc = text.oom ? pw_error_set(err, "AWS.NoCredentials",
					     "out of memory")
			      : parse_output(profile, text.data, out, err);
	}
	/* stdout held the secret key: wipe it. */
	if (text.data != NULL)
		memset(text.data, 0, text.len);
	aws_buf_free(&text);
	aws_argv_free(argv);
	return rc;
}
