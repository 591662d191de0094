/* Paths with focus (@), index (#) bindings and the parent operator (%):
 * evaluated as streams of binding tuples. */
#include "jn.h"

jv *jn_eval_tuple_path(jn_ctx *c, node *n, jv *in, env *e)
{
	(void)in; (void)e;
	jn_fail(c, "S0201", n->pos, "focus and index bindings are not supported yet");
}

jv *jn_eval_parent(jn_ctx *c, node *n, jv *in, env *e)
{
	(void)in; (void)e;
	jn_fail(c, "S0217", n->pos, "The parent operator is not supported yet");
}
