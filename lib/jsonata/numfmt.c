/* $formatNumber, $formatInteger and $parseInteger (XPath F&O pictures). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "jn.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

jv *jn_fn_formatNumber(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e; (void)a; (void)n;
	jn_fail(c, "D3080", -1, "$formatNumber is not supported yet");
}

jv *jn_fn_formatInteger(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e; (void)a; (void)n;
	jn_fail(c, "D3130", -1, "$formatInteger is not supported yet");
}

jv *jn_fn_parseInteger(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e; (void)a; (void)n;
	jn_fail(c, "D3130", -1, "$parseInteger is not supported yet");
}
