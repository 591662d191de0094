/* Integer pictures shared by numfmt.c and datetime.c (internal). */
#ifndef JN_NUMFMT_H
#define JN_NUMFMT_H
#include "jn.h"

enum { PK_DECIMAL = 1, PK_LETTER, PK_LETTER_UP, PK_ROMAN, PK_ROMAN_UP, PK_WORDS, PK_WORDS_UP,
       PK_WORDS_TITLE };

typedef struct jn_ipic {
	int kind;
	bool ordinal;
	bool fixed;          /* datetime: read exactly `mandatory` digits */
	long zero;           /* code point of the family's zero */
	int mandatory;       /* mandatory digits */
	int nsep;
	int seppos[16];      /* digits to the right of each separator */
	unsigned sepch[16];
	bool regular;        /* one separator repeated at equal spacing */
} jn_ipic;

void jn_picture_parse(jn_ctx *c, const char *pic, size_t plen, jn_ipic *p);
void jn_format_int(jn_buf *b, double v, const jn_ipic *p);
double jn_parse_int(jn_ctx *c, const char *s, size_t len, const jn_ipic *p, size_t *used);
#endif
