/*
 * lang_intrinsic - what the intrinsic parser (pw_intrinsic.c) and the
 * function table (lang_intrinsic_fns.c) share. Not part of the engine's
 * contract.
 * Owner: engine-language.
 */
#ifndef LANG_INTRINSIC_H
#define LANG_INTRINSIC_H

#include <prewarm/plugin.h>

#define LANG_IF_ERR "States.IntrinsicFailure"
#define LANG_IF_MAX_ARGS 64
#define LANG_IF_MAX_NEST 16
#define LANG_IF_MAX_STRING 10000 /* Step Functions' limit for Base64/Hash */
#define LANG_IF_MAX_RANGE 1000	     /* Step Functions' limit for ArrayRange */

enum lang_iarg {
	LANG_IA_STRING,
	LANG_IA_NUMBER,
	LANG_IA_BOOL,
	LANG_IA_NULL,
	LANG_IA_PATH,
	LANG_IA_CALL,
};

struct lang_inode {
	enum lang_iarg kind;
	char *raw;	   /* string: text between the quotes, escapes kept */
	json_object *lit;  /* string (unescaped), number, bool */
	char *path;	   /* LANG_IA_PATH */
	const struct lang_ifn *fn; /* LANG_IA_CALL */
	struct lang_inode **args;
	size_t nargs;
};

typedef int (*lang_ifn_eval)(struct lang_inode *call, json_object **argv,
		       json_object **out, pw_error *err);

struct lang_ifn {
	const char *name;
	int min_args, max_args; /* max -1: unlimited */
	lang_ifn_eval eval;
};

/* The function named name[0..len), or NULL. */
const struct lang_ifn *lang_intrinsic_find(const char *name, size_t len);

#endif
