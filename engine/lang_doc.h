/*
 * lang_doc - private helpers shared by the document loaders (YAML, JSON,
 * Lua) behind pw_doc. Not part of the engine's contract.
 * Owner: engine-language.
 */
#ifndef LANG_DOC_H
#define LANG_DOC_H

#include <stddef.h>
#include <json-c/json.h>

#include "pw_doc.h"

/* Deepest nesting a loader accepts: bounds recursion on hostile input. */
#define LANG_MAX_DEPTH 128

/* A JSON pointer under construction ("/States/Wait/Next"). */
struct lang_ptr {
	char *buf;
	size_t len;
	size_t cap;
};

/* Appends "/" + key (escaped per RFC 6901). Returns the previous length
 * (pass it to lang_ptr_trunc to pop), or (size_t)-1 when out of memory. */
size_t lang_ptr_push_key(struct lang_ptr *p, const char *key, size_t keylen);
size_t lang_ptr_push_index(struct lang_ptr *p, size_t index);
void lang_ptr_trunc(struct lang_ptr *p, size_t len);
void lang_ptr_free(struct lang_ptr *p);

/* Records the position of the node at pointer p in map pos (a json object
 * used as a hash table). Returns 1 when the pointer was already recorded
 * (a duplicate key), 0 otherwise. */
int lang_pos_record(json_object *pos, const struct lang_ptr *p, int line,
		    int column);

/* Fills diag with file/line/column and a formatted message. */
void lang_diag_set(pw_diag *diag, const char *file, int line, int column,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Loaders: on success *root is a NEW reference and positions are recorded
 * into pos; on failure return -1 with diag filled and *root NULL. */
int lang_yaml_load(const char *name, const char *buf, size_t len,
		   json_object **root, json_object *pos, pw_diag *diag);
int lang_json_load(const char *name, const char *buf, size_t len,
		   json_object **root, json_object *pos, pw_diag *diag);
/* Lua: records no positions. */
int lang_lua_load(const char *name, const char *buf, size_t len,
		  json_object **root, pw_diag *diag);

#endif
