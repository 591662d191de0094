/*
 * pw_doc - a workflow or config file loaded as one json-c document, with the
 * source position of every node, whatever the syntax (YAML, JSON, Lua).
 * Owner: engine-language.
 */
#ifndef PW_DOC_H
#define PW_DOC_H

#include <stdio.h>
#include <json-c/json.h>

/* A diagnostic that names where the problem is. line/column are 1-based;
 * 0 when unknown (e.g. a value built by a Lua workflow). */
typedef struct pw_diag {
	char file[512];
	int line;
	int column;
	char message[1024];
} pw_diag;

/* Prints "FILE:LINE:COLUMN: MESSAGE" (omitting unknown parts) to f. */
void pw_diag_print(const pw_diag *d, FILE *f);

typedef struct pw_doc pw_doc;

/*
 * Loads PATH: *.yaml or *.yml through libyaml, *.json through json-c,
 * *.lua by running the chunk in the Lua sandbox (pw_lua_sandbox.h) and converting
 * the table it returns. Anything else is sniffed (JSON if it starts with
 * '{', else YAML). On failure returns -1 and fills *diag with the file,
 * line and column of the syntax error. *out is owned by the caller:
 * pw_doc_free() it.
 */
int pw_doc_load_file(const char *path, pw_doc **out, pw_diag *diag);

/* Same, from memory; `name` is used in diagnostics and to pick the
 * syntax ("x.yaml", "x.json", "x.lua"). */
int pw_doc_load_buffer(const char *name, const char *buf, size_t len,
		       pw_doc **out, pw_diag *diag);

/* The document's root value. Borrowed: valid until pw_doc_free(). */
json_object *pw_doc_root(const pw_doc *doc);

/* The file name the document was loaded from. Borrowed. */
const char *pw_doc_file(const pw_doc *doc);

/* Position of the node at RFC 6901 JSON pointer `pointer` ("" is the root,
 * "/States/Wait/Next"). For an object member, the position of its key.
 * Returns 0 and sets *line and *column, or -1 when unknown (both set to 0). */
int pw_doc_position(const pw_doc *doc, const char *pointer, int *line,
		    int *column);

/* Fills *diag with file and the position of `pointer` and a formatted
 * message. Convenience for validators. */
void pw_doc_diag(const pw_doc *doc, const char *pointer, pw_diag *diag,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* NULL is a no-op. */
void pw_doc_free(pw_doc *doc);

#endif
