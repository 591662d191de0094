/* pw_journal - fsync'd JSON-lines history, locks and idempotency keys. */
#include "pw_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_log.h"
#include "pw_out.h"

struct pw_journal {
	int fd;
	int64_t next_id;
	const struct pw_clock *clock;
	char id[160];
	char path[4096];
};

void pw_journal_default_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/prewarm", xdg);
	else if (geteuid() == 0 || home == NULL || home[0] != '/')
		snprintf(buf, len, "/var/lib/prewarm");
	else
		snprintf(buf, len, "%s/.local/state/prewarm", home);
}

int pw_journal_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 128 || id[0] == '.')
		return 0;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* mkdir -p for STATE_DIR/sub (mode 0700: histories may hold data). */
static int ensure_dir(const char *state_dir, const char *sub, char *out, size_t len,
		      pw_error *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", state_dir, sub);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		goto fail;
	snprintf(out, len, "%s", path);
	return PW_OK;
fail:
	return pw_error_set(err, "Journal.Unavailable",
			    "cannot create state directory %s: %s (use --state-dir DIR or --no-journal)", path,
			    strerror(errno));
}

static int journal_path(const char *state_dir, const char *id, char *out, size_t len,
			pw_error *err)
{
	if (!pw_journal_id_valid(id))
		return pw_error_set(err, "Journal.NotFound", "'%s' is not a valid execution id", id);
	snprintf(out, len, "%s/executions/%s.jsonl", state_dir, id);
	return PW_OK;
}

int pw_journal_create(const char *state_dir, const char *id, const struct pw_clock *clk,
		      pw_journal **out, pw_error *err)
{
	char dir[4096];
	*out = NULL;
	if (!pw_journal_id_valid(id))
		return pw_error_set(err, "States.Runtime", "'%s' is not a valid execution id", id);
	if (ensure_dir(state_dir, "executions", dir, sizeof(dir), err) != PW_OK)
		return PW_ERR;
	pw_journal *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	if (snprintf(j->path, sizeof(j->path), "%s/%s.jsonl", dir, id) >= (int)sizeof(j->path)) {
		free(j);
		return pw_error_set(err, "Journal.Unavailable", "state directory path too long");
	}
	snprintf(j->id, sizeof(j->id), "%s", id);
	j->clock = clk ? clk : pw_clock_system();
	j->next_id = 1;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0 || flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		pw_error_set(err, "Journal.Unavailable", "cannot create %s: %s", j->path,
			     strerror(errno));
		if (j->fd >= 0)
			close(j->fd);
		free(j);
		return PW_ERR;
	}
	*out = j;
	return PW_OK;
}

/* Loads a file into a malloc'd NUL-terminated buffer. */
static int slurp_fd(int fd, char **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	char *b = malloc((size_t)st.st_size + 1);
	if (b == NULL)
		return -1;
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = pread(fd, b + n, (size_t)st.st_size - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Parses JSON lines; stops at a torn (unterminated) last line. */
static int parse_lines(const char *path, const char *buf, size_t len, json_object **events,
		       size_t *good_len, pw_error *err)
{
	json_object *arr = json_object_new_array();
	size_t pos = 0;
	int line = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL)
			break; /* torn write: the process died mid-line */
		line++;
		size_t n = (size_t)(nl - (buf + pos));
		json_tokener *tok = json_tokener_new();
		json_object *ev = json_tokener_parse_ex(tok, buf + pos, (int)n);
		int ok = json_tokener_get_error(tok) == json_tokener_success &&
			 json_object_is_type(ev, json_type_object);
		json_tokener_free(tok);
		if (!ok) {
			json_object_put(ev);
			json_object_put(arr);
			return pw_error_set(err, "Journal.Corrupt", "%s:%d: not a JSON event", path,
					    line);
		}
		json_object_array_add(arr, ev);
		pos += n + 1;
	}
	*events = arr;
	if (good_len)
		*good_len = pos;
	return PW_OK;
}

int pw_journal_reopen(const char *state_dir, const char *id, const struct pw_clock *clk,
		      int wait, pw_journal **out, pw_error *err)
{
	*out = NULL;
	pw_journal *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	j->fd = -1;
	if (journal_path(state_dir, id, j->path, sizeof(j->path), err) != PW_OK)
		goto fail;
	snprintf(j->id, sizeof(j->id), "%s", id);
	j->clock = clk ? clk : pw_clock_system();
	j->fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		pw_error_set(err, "Journal.NotFound", "no execution %s in %s/executions", id,
			     state_dir);
		goto fail;
	}
	if (flock(j->fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		pw_error_set(err, "Journal.Busy", "execution %s is running in another process", id);
		goto fail;
	}
	char *buf;
	size_t len, good;
	json_object *events;
	if (slurp_fd(j->fd, &buf, &len) != 0) {
		pw_error_set(err, "Journal.Unavailable", "cannot read %s: %s", j->path,
			     strerror(errno));
		goto fail;
	}
	int rc = parse_lines(j->path, buf, len, &events, &good, err);
	free(buf);
	if (rc != PW_OK)
		goto fail;
	if (good < len && ftruncate(j->fd, (off_t)good) != 0) {
		json_object_put(events);
		pw_error_set(err, "Journal.Unavailable", "cannot repair %s: %s", j->path,
			     strerror(errno));
		goto fail;
	}
	struct pw_journal_summary s;
	pw_journal_summarize(events, &s);
	j->next_id = s.last_id + 1;
	json_object_put(events);
	*out = j;
	return PW_OK;
fail:
	if (j->fd >= 0)
		close(j->fd);
	free(j);
	return PW_ERR;
}

/* A line that lost a secret to redaction says so, so resume knows its
 * data is not the real state data: `{...}` becomes `{...,"redacted":true}`.
 * Takes line (malloc'd, a serialized non-empty object); returns a malloc'd
 * copy, or NULL when out of memory. */
static char *mark_redacted(char *line)
{
	static const char flag[] = ",\"redacted\":true}";
	size_t len = strlen(line);
	char *out = malloc(len + sizeof(flag));
	if (out != NULL) {
		memcpy(out, line, len - 1); /* without the closing brace */
		memcpy(out + len - 1, flag, sizeof(flag));
	}
	free(line);
	return out;
}

static int append(pw_journal *j, const char *type, const char *state, json_object *details,
		  int sync, pw_error *err)
{
	char ts[40];
	pw_clock_format_rfc3339(j->clock->wall_ms(j->clock->ud), ts, sizeof(ts));
	json_object *ev = json_object_new_object();
	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_int64(j->next_id));
	json_object_object_add(ev, "timestamp", json_object_new_string(ts));
	if (state)
		json_object_object_add(ev, "state", json_object_new_string(state));
	if (details) {
		json_object_object_foreach(details, k, v)
			json_object_object_add(ev, k, json_object_get(v));
	}
	int lost = 0;
	char *line = pw_out_json_text(ev, &lost);
	if (line != NULL && lost)
		line = mark_redacted(line);
	json_object_put(ev);
	if (line == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	size_t len = strlen(line);
	char *grown = realloc(line, len + 2);
	if (grown == NULL) {
		free(line);
		return pw_error_set(err, "States.Runtime", "out of memory");
	}
	line = grown;
	memcpy(line + len, "\n", 2);
	int rc = PW_OK;
	if (pw_out_write_all(j->fd, line) != 0) /* already safe, value by value */
		rc = pw_error_set(err, "Journal.Unavailable", "cannot write %s: %s", j->path,
				  strerror(errno));
	free(line);
	if (rc == PW_OK)
		j->next_id++;
	if (rc == PW_OK && sync)
		rc = pw_journal_sync(j, err);
	return rc;
}

int pw_journal_sync(pw_journal *j, pw_error *err)
{
	if (fsync(j->fd) != 0)
		return pw_error_set(err, "Journal.Unavailable", "cannot fsync %s: %s", j->path,
				    strerror(errno));
	return PW_OK;
}

int pw_journal_append(pw_journal *j, const char *type, const char *state, json_object *details,
		      pw_error *err)
{
	return append(j, type, state, details, 1, err);
}

int pw_journal_append_nosync(pw_journal *j, const char *type, const char *state,
			     json_object *details, pw_error *err)
{
	return append(j, type, state, details, 0, err);
}

void pw_journal_close(pw_journal *j)
{
	if (j == NULL)
		return;
	close(j->fd); /* releases the flock */
	free(j);
}

void pw_journal_discard(pw_journal *j)
{
	if (j == NULL)
		return;
	unlink(j->path);
	pw_journal_close(j);
}

const char *pw_journal_id(const pw_journal *j)
{
	return j->id;
}

int pw_journal_read(const char *state_dir, const char *id, json_object **events, pw_error *err)
{
	char path[4096];
	*events = NULL;
	if (journal_path(state_dir, id, path, sizeof(path), err) != PW_OK)
		return PW_ERR;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_error_set(err, "Journal.NotFound", "no execution %s in %s/executions", id,
				    state_dir);
	char *buf;
	size_t len;
	int rc = slurp_fd(fd, &buf, &len);
	close(fd);
	if (rc != 0)
		return pw_error_set(err, "Journal.Unavailable", "cannot read %s", path);
	rc = parse_lines(path, buf, len, events, NULL, err);
	free(buf);
	return rc;
}

int pw_journal_is_running(const char *state_dir, const char *id)
{
	char path[4096];
	pw_error err;
	if (journal_path(state_dir, id, path, sizeof(path), &err) != PW_OK)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

int pw_journal_event_redacted(json_object *ev)
{
	json_object *v;
	return json_object_object_get_ex(ev, "redacted", &v) && json_object_get_boolean(v);
}

void pw_journal_summarize(json_object *events, struct pw_journal_summary *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = json_object_array_length(events);
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		const char *type = str_field(ev, "type");
		json_object *idv, *scope;
		if (json_object_object_get_ex(ev, "id", &idv))
			out->last_id = json_object_get_int64(idv);
		if (type == NULL)
			continue;
		if (strcmp(type, "ExecutionStarted") == 0 && out->started == NULL)
			out->started = ev;
		else if (strcmp(type, "ExecutionSucceeded") == 0 ||
			 strcmp(type, "ExecutionFailed") == 0)
			out->finished = ev;
		else if (strcmp(type, "StateExited") == 0 &&
			 !json_object_object_get_ex(ev, "scope", &scope))
			out->last_exit = ev;
	}
}

/* Key file name: the key with every byte outside [A-Za-z0-9._-]
 * percent-encoded, so any key maps to one safe file name. */
static int key_file(const char *dir, const char *key, char *out, size_t len, pw_error *err)
{
	char enc[700];
	size_t w = 0;
	if (key[0] == '\0' || strlen(key) > 200)
		return pw_error_set(err, "States.Runtime",
				    "an idempotency key must be 1 to 200 bytes");
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    (*p == '.' && p != (const unsigned char *)key))
			enc[w++] = (char)*p;
		else
			w += (size_t)snprintf(enc + w, sizeof(enc) - w, "%%%02X", *p);
	}
	enc[w] = '\0';
	snprintf(out, len, "%s/%s", dir, enc);
	return PW_OK;
}

int pw_journal_key_claim(const char *state_dir, const char *key, const char *id,
			 char *existing_id, size_t len, pw_error *err)
{
	char dir[4096], path[4800], tmp[4900];
	if (ensure_dir(state_dir, "keys", dir, sizeof(dir), err) != PW_OK ||
	    key_file(dir, key, path, sizeof(path), err) != PW_OK)
		return PW_ERR;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, id);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return pw_error_set(err, "Journal.Unavailable", "cannot write %s: %s", tmp,
				    strerror(errno));
	size_t n = strlen(id);
	int ok = write(fd, id, n) == (ssize_t)n && fsync(fd) == 0; /* pw-out-ok: an id */
	close(fd);
	if (!ok) {
		unlink(tmp);
		return pw_error_set(err, "Journal.Unavailable", "cannot write %s", tmp);
	}
	int rc = link(tmp, path); /* atomic: fails with EEXIST if bound */
	int saved = errno;
	unlink(tmp);
	if (rc == 0)
		return 0;
	if (saved != EEXIST)
		return pw_error_set(err, "Journal.Unavailable", "cannot create %s: %s", path,
				    strerror(saved));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, existing_id, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return pw_error_set(err, "Journal.Corrupt", "cannot read key file %s", path);
	existing_id[r] = '\0';
	return 1;
}
