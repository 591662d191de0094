/* cli_graph_svg - `prewarm graph --format svg`: the DOT drawing rendered
 * by Graphviz's `dot`, found in PATH (a clear error when it is missing). */
#include "pw_cli.h"
#include "pw_out.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The first executable `dot` in PATH into buf; 0, or -1 when there is none. */
static int find_dot(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		struct stat st;
		/* an empty or relative entry would mean the current directory: skipped */
		if (n > 0 && path[0] == '/' && (size_t)snprintf(buf, len, "%.*s/dot", (int)n, path) < len &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* dot's complaints, read back from errfd and passed on through pw_out. */
static void relay_errors(int errfd)
{
	char buf[4096];
	ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		pw_out_printf(stderr, "%s", buf);
	}
}

int pw_cli_graph_svg(const char *dot_text, char **svg, char *why, size_t why_len)
{
	char dot[4200], tmp[] = "/tmp/prewarm-graph-XXXXXX", errs[] = "/tmp/prewarm-graph-err-XXXXXX";
	int out[2] = {-1, -1}, rc = PW_EXIT_FAILED, errfd = -1;
	*svg = NULL;
	if (find_dot(dot, sizeof(dot)) != 0) {
		snprintf(why, why_len, "--format svg needs Graphviz's `dot` in PATH (Debian: apt-get "
				       "install graphviz); --format dot or mermaid work without it");
		return PW_EXIT_USAGE;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(why, why_len, "cannot create a temporary file: %s", strerror(errno));
		return PW_EXIT_FAILED;
	}
	size_t len = strlen(dot_text);
	int written = write(fd, dot_text, len) == (ssize_t)len; /* pw-out-ok: DOT for dot, already redacted */
	if (close(fd) != 0 || !written || pipe2(out, O_CLOEXEC) != 0 ||
	    (errfd = mkostemp(errs, O_CLOEXEC)) < 0) {
		snprintf(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	unlink(errs);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	char *argv[] = {"dot", "-Tsvg", tmp, NULL};
	pid_t pid;
	int err = posix_spawn(&pid, dot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	out[1] = -1;
	if (err != 0) {
		snprintf(why, why_len, "cannot run %s: %s", dot, strerror(err));
		goto done;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf != NULL && n + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				buf = NULL;
			} else {
				buf = bigger;
				cap *= 2;
			}
		}
		char sink[4096];
		ssize_t r = buf ? read(out[0], buf + n, cap - 1 - n) : read(out[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf)
			n += (size_t)r;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	relay_errors(errfd);
	if (buf == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_len, "%s -Tsvg failed (%s)", dot, buf ? "see its message above" : "out of memory");
		free(buf);
		goto done;
	}
	buf[n] = '\0';
	*svg = buf;
	rc = 0;
done:
	if (errfd >= 0)
		close(errfd);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	unlink(tmp);
	return rc;
}
