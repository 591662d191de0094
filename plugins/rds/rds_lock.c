/*
 * rds_lock - one writer per custom endpoint at a time on this host.
 *
 * ModifyDBClusterEndpoint replaces the whole static list and RDS has no
 * conditional write, so a read-modify-write whose read was overtaken
 * loses the other writer's member. Every prewarm process that changes an
 * endpoint's members takes an exclusive flock(2) on
 * LOCK_DIR/<region>.<endpoint>.lock for the whole read-modify-verify.
 *
 * Why flock first: the kernel releases it the moment the holder dies
 * (kill -9, OOM, crash), so processes of one host never wait for a lease
 * to expire. It covers one host; with the plugin config's "lock" (a
 * DynamoDB table) the holder then also takes a lease that every host
 * honours (rds_lease.c), renewed while held and checked (fenced) before
 * each write.
 *
 * LOCK_DIR: the plugin config's "lock_dir", else $PREWARM_LOCK_DIR, else
 * $XDG_RUNTIME_DIR/aurora-prewarm, else /tmp/aurora-prewarm-<uid>. It is
 * host-wide on purpose (not the state directory, which differs between
 * runs with --state-dir), created 0700 and refused when it is a symlink or
 * owned by another user.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rds.h"

static int lock_dir(const struct rds_state *st, char *buf, size_t len,
		    pw_error *err)
{
	const char *d = st->lock_dir;
	struct stat sb;
	int n;

	if (d == NULL || d[0] == '\0')
		d = getenv("PREWARM_LOCK_DIR");
	if (d != NULL && d[0] != '\0') {
		n = snprintf(buf, len, "%s", d);
	} else {
		const char *run = getenv("XDG_RUNTIME_DIR");

		if (run != NULL && run[0] == '/')
			n = snprintf(buf, len, "%s/aurora-prewarm", run);
		else
			n = snprintf(buf, len, "/tmp/aurora-prewarm-%lu",
				     (unsigned long)geteuid());
	}
	if (n < 0 || (size_t)n >= len)
		return pw_error_set(err, "RDS.LockFailed", "lock directory path too long");
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return pw_error_set(err, "RDS.LockFailed", "cannot create lock directory %s: %s",
				    buf, strerror(errno));
	if (lstat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return pw_error_set(err, "RDS.LockFailed",
				    "lock directory %s is not a directory", buf);
	if (sb.st_uid != geteuid())
		return pw_error_set(err, "RDS.LockFailed",
				    "lock directory %s belongs to another user", buf);
	return PW_OK;
}

/* RDS identifiers are letters, digits and hyphens; anything else would
 * not name one endpoint's file. */
static int safe_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

int rds_lock_endpoint(struct rds_state *st, pw_call *call, const char *region,
		      const char *endpoint_id, int64_t wait_ms,
		      struct rds_lock *lk, pw_error *err)
{
	char dir[512], path[768];
	int64_t waited = 0;
	int fd;

	memset(lk, 0, sizeof(*lk));
	lk->fd = -1;
	if (!safe_name(endpoint_id) || (region != NULL && !safe_name(region)))
		return pw_error_set(err, "RDS.InvalidParameter",
				    "endpoint identifier \"%s\" is not an RDS identifier",
				    endpoint_id);
	if (lock_dir(st, dir, sizeof(dir), err) != PW_OK)
		return PW_ERR;
	snprintf(path, sizeof(path), "%s/%s.", dir, region ? region : "default");
	snprintf(lk->key, sizeof(lk->key), "%s/", region ? region : "default");
	/* RDS identifiers are case-insensitive: one file (and one lease
	 * item) per endpoint. */
	for (const char *p = endpoint_id; *p && strlen(path) + 6 < sizeof(path); p++) {
		size_t l = strlen(path), k = strlen(lk->key);
		char c = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);

		path[l] = c;
		path[l + 1] = '\0';
		if (k + 1 < sizeof(lk->key)) {
			lk->key[k] = c;
			lk->key[k + 1] = '\0';
		}
	}
	strcat(path, ".lock");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pw_error_set(err, "RDS.LockFailed", "cannot open %s: %s", path,
				    strerror(errno));
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			pw_error_set(err, "RDS.LockFailed", "cannot lock %s: %s", path,
				     strerror(errno));
			close(fd);
			return PW_ERR;
		}
		if (waited == 0)
			st->host->log(call, PW_LOG_INFO,
				      "endpoint %s: another prewarm process is changing it; waiting",
				      endpoint_id);
		if (waited >= wait_ms || st->host->remaining_ms(call) <= 100 ||
		    st->host->sleep_ms(call, 100) != PW_OK) {
			close(fd);
			return pw_error_set(err, "RDS.EndpointLocked",
					    "endpoint %s: another prewarm process held "
					    "its lock (%s) for %lld s",
					    endpoint_id, path, (long long)(waited / 1000));
		}
		waited += 100;
	}
	lk->fd = fd;
	if (st->lock_table != NULL &&
	    rds_lease_acquire(st, call, lk, endpoint_id,
			      wait_ms > waited ? wait_ms - waited : 0, err) != PW_OK) {
		rds_unlock_endpoint(st, call, lk);
		return PW_ERR;
	}
	return PW_OK;
}

void rds_unlock_endpoint(struct rds_state *st, pw_call *call, struct rds_lock *lk)
{
	if (lk->leased)
		rds_lease_release(st, call, lk);
	if (lk->fd >= 0)
		close(lk->fd); /* closing the only descriptor releases the flock */
	lk->fd = -1;
}

int rds_lock_fence(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		   pw_error *err)
{
	return lk != NULL && lk->leased ? rds_lease_renew(st, call, lk, err) : PW_OK;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rds_lock_sleep(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		   int64_t ms, const char *what, pw_error *err)
{
	while (ms > 0) {
		/* Renew at a third of the lease: two renewals may fail
		 * (transiently) before it could expire. */
		int64_t slice = ms, every = st->lease_ms / 3;

		if (lk != NULL && lk->leased) {
			int64_t due = lk->renewed_ms + every - mono_ms();

			if (due <= 0) {
				if (rds_lease_renew(st, call, lk, err) != PW_OK)
					return PW_ERR;
				due = every;
			}
			if (slice > due)
				slice = due;
		}
		if (st->host->sleep_ms(call, slice) != PW_OK)
			return pw_error_set(err, "States.Timeout",
					    "deadline reached while %s", what);
		ms -= slice;
	}
	return PW_OK;
}
