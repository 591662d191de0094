/* Natives shared between functions.c (registry) and the files that
 * implement them (internal). */
#ifndef JN_FUNCTIONS_H
#define JN_FUNCTIONS_H
#include "jn.h"

#define JN_NATIVE(name) jv *name(jn_ctx *c, jv **a, int n, jv *in, env *e)
JN_NATIVE(jn_f_substring);
JN_NATIVE(jn_f_substringBefore);
JN_NATIVE(jn_f_substringAfter);
JN_NATIVE(jn_f_lowercase);
JN_NATIVE(jn_f_uppercase);
JN_NATIVE(jn_f_length);
JN_NATIVE(jn_f_trim);
JN_NATIVE(jn_f_pad);
JN_NATIVE(jn_f_match);
JN_NATIVE(jn_f_contains);
JN_NATIVE(jn_f_replace);
JN_NATIVE(jn_f_split);
JN_NATIVE(jn_f_join);
JN_NATIVE(jn_f_base64encode);
JN_NATIVE(jn_f_base64decode);
JN_NATIVE(jn_f_encodeUrlComponent);
JN_NATIVE(jn_f_encodeUrl);
JN_NATIVE(jn_f_decodeUrlComponent);
JN_NATIVE(jn_f_decodeUrl);
JN_NATIVE(jn_f_formatBase);
#endif
