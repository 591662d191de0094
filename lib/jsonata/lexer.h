/* JSONata tokenizer (internal). */
#ifndef JN_LEXER_H
#define JN_LEXER_H
#include "jn.h"

enum { TK_NONE = 0, TK_END, TK_NUM, TK_STR, TK_NAME, TK_VAR, TK_OP, TK_VALUE, TK_REGEX };

typedef struct jn_tok {
	int kind;
	int pos;
	const char *text; /* operator/name text, or the decoded string */
	size_t len;
	double num;
	const char *flags; /* regex flags */
} jn_tok;

typedef struct jn_lexer {
	jn_ctx *c;
	const char *src;
	size_t pos;
	jn_tok prev;
} jn_lexer;

void jn_lex(jn_lexer *lx, jn_tok *t);
#endif
