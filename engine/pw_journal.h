/*
 * pw_journal - durable execution history: one JSON line per event in
 * STATE_DIR/executions/ID.jsonl, written with write()+fsync() before the
 * execution proceeds; idempotency keys in STATE_DIR/keys/.
 *
 * A running execution holds an exclusive flock() on its journal, so other
 * processes can tell "running" from "killed" (pw_journal_is_running).
 * Owner: engine-runtime.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <stddef.h>
#include <prewarm/plugin.h>

#include "pw_clock.h"

typedef struct pw_journal pw_journal;

/* Fills buf with the default state directory: $XDG_STATE_HOME/prewarm,
 * else /var/lib/prewarm for root, else $HOME/.local/state/prewarm. */
void pw_journal_default_dir(char *buf, size_t len);

/* Nonzero when id is a safe file name ([A-Za-z0-9._-], not starting
 * with '.', at most 128 bytes). */
int pw_journal_id_valid(const char *id);

/* Creates STATE_DIR/executions/ID.jsonl exclusively and locks it.
 * clk (borrowed, NULL: system) stamps events. *out: pw_journal_close(). */
int pw_journal_create(const char *state_dir, const char *id,
		      const struct pw_clock *clk, pw_journal **out,
		      pw_error *err);

/* Reopens an existing journal to append (resume). A torn last line (the
 * process died mid-write) is cut off. wait: block until the process that
 * holds it ends; else fail with "Journal.Busy". */
int pw_journal_reopen(const char *state_dir, const char *id,
		      const struct pw_clock *clk, int wait, pw_journal **out,
		      pw_error *err);

/* Appends {"type", "id", "timestamp", "state"?, ...details members} and
 * fsyncs. details (borrowed, may be NULL) is an object whose members are
 * copied in. Registered secrets are redacted from the line; a line that
 * lost one ends with "redacted": true (pw_journal_event_redacted), so its
 * data must not be taken for the real state data. */
int pw_journal_append(pw_journal *j, const char *type, const char *state,
		      json_object *details, pw_error *err);

/* Same, but only write()s: the line reaches the disk with the next
 * fsync (pw_journal_sync or a synced append). For events whose loss a
 * resume tolerates (pure states between side effects). */
int pw_journal_append_nosync(pw_journal *j, const char *type, const char *state,
			     json_object *details, pw_error *err);

/* fsyncs everything appended so far. */
int pw_journal_sync(pw_journal *j, pw_error *err);

/* Releases the lock and closes. NULL is a no-op. */
void pw_journal_close(pw_journal *j);

/* Deletes a journal just created (a lost idempotency-key race) and closes
 * it. */
void pw_journal_discard(pw_journal *j);

/* The execution id this journal belongs to (borrowed). */
const char *pw_journal_id(const pw_journal *j);

/* Reads every event of execution id into *events (NEW reference, a JSON
 * array). A torn last line is skipped. Fails with "Journal.NotFound" or
 * "Journal.Corrupt" (naming the line). */
int pw_journal_read(const char *state_dir, const char *id,
		    json_object **events, pw_error *err);

/* Nonzero when event ev (a journal line) had a secret redacted from it. */
int pw_journal_event_redacted(json_object *ev);

/* Nonzero while a process holds execution id's journal lock. */
int pw_journal_is_running(const char *state_dir, const char *id);

/* What resume needs from a history (all borrowed from `events`). */
struct pw_journal_summary {
	json_object *started;   /* ExecutionStarted event, or NULL */
	json_object *finished;  /* ExecutionSucceeded/Failed, or NULL */
	json_object *last_exit; /* last top-level StateExited, or NULL */
	int64_t last_id;
};
void pw_journal_summarize(json_object *events,
			  struct pw_journal_summary *out);

/*
 * Idempotency keys: atomically binds key -> id (a file created with
 * link(), so it appears complete or not at all). Returns 0 when this call
 * bound it, 1 when the key was already bound (existing_id filled), PW_ERR
 * on failure.
 */
int pw_journal_key_claim(const char *state_dir, const char *key,
			 const char *id, char *existing_id, size_t len,
			 pw_error *err);

#endif
