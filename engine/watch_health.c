/*
 * watch_health - the liveness record of `prewarm watch` and its check
 * (`prewarm watch --check-health`, the container's HEALTHCHECK).
 *
 * The service rewrites STATE_DIR/watch/health.json whenever its loop makes
 * progress: after each ReceiveMessage that SQS answered, and on turns where
 * it does not receive (every slot busy, or RDS polling only). A service
 * whose queue calls keep failing (credentials gone, SQS unreachable) or
 * whose loop is stuck stops rewriting it, and the check reports the age.
 */
#include "pw_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pw_clock.h"
#include "pw_out.h"

#define HEALTH_FILE "watch/health.json"

static int health_path(const char *state_dir, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/" HEALTH_FILE, state_dir);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int pw_watch_health_beat(const char *state_dir, const char *why)
{
	char path[4200], tmp[4300];
	if (health_path(state_dir, path, sizeof(path)) != 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	json_object *v = json_object_new_object();
	json_object_object_add(v, "pid", json_object_new_int64((int64_t)getpid()));
	json_object_object_add(v, "at_ms", json_object_new_int64(pw_clock_system()->wall_ms(NULL)));
	json_object_object_add(v, "progress", json_object_new_string(why));
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t len = strlen(text);
		/* No fsync: after a crash a stale or missing file reads as unhealthy,
		 * which is the truth. */
		rc = write(fd, text, len) == (ssize_t)len ? 0 : -1; /* pw-out-ok: pid and time */
		if (close(fd) != 0 || rc != 0 || rename(tmp, path) != 0) {
			unlink(tmp);
			rc = -1;
		}
	}
	json_object_put(v);
	return rc;
}

int pw_watch_health_check(const char *state_dir, int max_age_seconds, FILE *out)
{
	char path[4200];
	if (health_path(state_dir, path, sizeof(path)) != 0) {
		pw_out_printf(out, "unhealthy: state directory path too long\n");
		return 1;
	}
	json_object *v = json_object_from_file(path), *pid_o, *at_o;
	if (v == NULL) {
		pw_out_printf(out, "unhealthy: %s: %s (has the service started?)\n", path,
			errno ? strerror(errno) : "not a JSON object");
		return 1;
	}
	int rc = 1;
	if (!json_object_object_get_ex(v, "pid", &pid_o) || !json_object_is_type(pid_o, json_type_int) ||
	    !json_object_object_get_ex(v, "at_ms", &at_o) || !json_object_is_type(at_o, json_type_int)) {
		pw_out_printf(out, "unhealthy: %s: no pid or at_ms\n", path);
		goto out;
	}
	int64_t pid = json_object_get_int64(pid_o);
	int64_t age_ms = pw_clock_system()->wall_ms(NULL) - json_object_get_int64(at_o);
	if (pid <= 0 || pid > INT32_MAX || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
		pw_out_printf(out, "unhealthy: the service (pid %lld) is not running\n", (long long)pid);
		goto out;
	}
	if (age_ms > (int64_t)max_age_seconds * 1000) {
		pw_out_printf(out, "unhealthy: no progress for %lld s (limit %d s); see the service's log\n",
			(long long)(age_ms / 1000), max_age_seconds);
		goto out;
	}
	pw_out_printf(out, "healthy: pid %lld, last progress %lld s ago\n", (long long)pid,
		(long long)(age_ms < 0 ? 0 : age_ms / 1000));
	rc = 0;
out:
	json_object_put(v);
	return rc;
}
