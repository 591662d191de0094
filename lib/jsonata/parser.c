/* JSONata parser: top-down operator precedence into an AST, then a pass
 * that turns '.' chains into paths with steps, predicates, group-bys,
 * sort steps and focus/index bindings, the shape eval.c walks. */
#include <string.h>
#include "lexer.h"

typedef struct P {
	jn_ctx *c;
	jn_lexer lx;
	jn_tok t; /* current token */
} P;

static void adv(P *p) { jn_lex(&p->lx, &p->t); }

static bool is_op(const jn_tok *t, const char *op)
{
	return t->kind == TK_OP && t->len == strlen(op) && memcmp(t->text, op, t->len) == 0;
}

static const char *tokdesc(P *p, char *buf, size_t n)
{
	if (p->t.kind == TK_END) return "(end)";
	size_t l = p->t.len < n - 1 ? p->t.len : n - 1;
	memcpy(buf, p->t.text ? p->t.text : "", l);
	buf[l] = 0;
	return buf;
}

static void tokfail(P *p, const char *code, const char *fmt)
{
	char b[48];
	const char *d = tokdesc(p, b, sizeof b);
	snprintf(p->c->err->token, sizeof(p->c->err->token), "%s", d);
	jn_fail(p->c, code, p->t.pos, fmt, d);
}

static void expect(P *p, const char *op)
{
	if (!is_op(&p->t, op)) {
		char b[48];
		if (p->t.kind == TK_END)
			jn_fail(p->c, "S0203", p->t.pos, "Expected \"%s\" before end of expression", op);
		snprintf(p->c->err->token, sizeof(p->c->err->token), "%s", tokdesc(p, b, sizeof b));
		jn_fail(p->c, "S0202", p->t.pos, "Expected \"%s\", got \"%s\"", op, tokdesc(p, b, sizeof b));
	}
	adv(p);
}

static node *mk(P *p, int type, int pos)
{
	node *n = jn_alloc(p->c, sizeof(*n));
	n->type = type;
	n->pos = pos;
	(void)p;
	return n;
}

static void addkid(jn_ctx *c, node ***arr, int *n, node *k)
{
	node **na = jn_alloc(c, (size_t)(*n + 1) * sizeof(*na));
	if (*n)
		memcpy(na, *arr, (size_t)*n * sizeof(*na));
	na[(*n)++] = k;
	*arr = na;
}

static int lbp(const jn_tok *t)
{
	if (t->kind != TK_OP) return 0;
	static const struct { const char *op; int bp; } tab[] = {
		{ ".", 75 }, { "[", 80 }, { "{", 70 }, { "(", 80 }, { "@", 80 }, { "#", 80 },
		{ "?", 20 }, { "?:", 40 }, { "??", 40 }, { "+", 50 }, { "-", 50 }, { "*", 60 },
		{ "/", 60 }, { "%", 60 }, { "=", 40 }, { "<", 40 }, { ">", 40 }, { "^", 40 },
		{ "**", 60 }, { "..", 20 }, { ":=", 10 }, { "!=", 40 }, { "<=", 40 }, { ">=", 40 },
		{ "~>", 40 }, { "and", 30 }, { "or", 25 }, { "in", 40 }, { "&", 50 }, { NULL, 0 } };
	for (int i = 0; tab[i].op; i++)
		if (is_op(t, tab[i].op))
			return tab[i].bp;
	return 0;
}

static node *expr(P *p, int rbp);

static node *parse_object_pairs(P *p, node *n)
{
	/* after '{' */
	if (!is_op(&p->t, "}")) {
		for (;;) {
			node *k = expr(p, 0);
			expect(p, ":");
			node *v = expr(p, 0);
			addkid(p->c, &n->group, &n->ngroup, k);
			addkid(p->c, &n->group, &n->ngroup, v);
			if (!is_op(&p->t, ","))
				break;
			adv(p);
		}
	}
	expect(p, "}");
	return n;
}

static char *signature_text(P *p)
{
	/* p->t is '<' : read raw text up to the matching '>' */
	const char *s = p->lx.src;
	size_t i = (size_t)p->t.pos, j = i;
	int depth = 0;
	for (;; j++) {
		if (!s[j])
			jn_fail(p->c, "S0401", (int)i, "Unterminated function signature");
		if (s[j] == '<') depth++;
		else if (s[j] == '>' && --depth == 0) break;
	}
	char *sig = jn_strndup(p->c, s + i + 1, j - i - 1);
	p->lx.pos = j + 1;
	p->lx.prev.kind = TK_OP;
	p->lx.prev.text = ">";
	p->lx.prev.len = 1;
	adv(p);
	return sig;
}

static node *nud(P *p)
{
	jn_tok t = p->t;
	jn_ctx *c = p->c;
	node *n;
	switch (t.kind) {
	case TK_END:
		jn_fail(c, "S0207", t.pos, "Unexpected end of expression");
	case TK_NUM:
		adv(p);
		n = mk(p, N_NUM, t.pos);
		n->num = t.num;
		n->val = jv_num(c, t.num);
		return n;
	case TK_STR:
		adv(p);
		n = mk(p, N_STR, t.pos);
		n->val = jv_str(c, t.text, t.len);
		n->str = n->val->u.s.p;
		n->slen = t.len;
		return n;
	case TK_VALUE:
		adv(p);
		n = mk(p, N_VAL, t.pos);
		n->val = t.text[0] == 't' ? &jn_true : t.text[0] == 'f' ? &jn_false : &jn_null;
		return n;
	case TK_REGEX:
		adv(p);
		n = mk(p, N_REGEX, t.pos);
		n->re = jn_regex_compile(c, t.text, t.len, t.flags, t.pos);
		return n;
	case TK_NAME:
		adv(p);
		n = mk(p, N_NAME, t.pos);
		n->str = jn_strndup(c, t.text, t.len);
		n->slen = t.len;
		return n;
	case TK_VAR:
		adv(p);
		n = mk(p, N_VAR, t.pos);
		n->str = jn_strndup(c, t.text, t.len);
		n->slen = t.len;
		return n;
	default:
		break;
	}
	/* operators in prefix position */
	if (is_op(&t, "and") || is_op(&t, "or") || is_op(&t, "in")) {
		adv(p);
		n = mk(p, N_NAME, t.pos);
		n->str = jn_strndup(c, t.text, t.len);
		n->slen = t.len;
		return n;
	}
	if (is_op(&t, "-")) {
		adv(p);
		n = mk(p, N_NEG, t.pos);
		n->lhs = expr(p, 70);
		return n;
	}
	if (is_op(&t, "*")) { adv(p); return mk(p, N_WILD, t.pos); }
	if (is_op(&t, "**")) { adv(p); return mk(p, N_DESC, t.pos); }
	if (is_op(&t, "%")) { adv(p); return mk(p, N_PARENT, t.pos); }
	if (is_op(&t, "(")) {
		adv(p);
		n = mk(p, N_BLOCK, t.pos);
		while (!is_op(&p->t, ")")) {
			addkid(c, &n->kids, &n->nkids, expr(p, 0));
			if (!is_op(&p->t, ";"))
				break;
			adv(p);
		}
		expect(p, ")");
		return n;
	}
	if (is_op(&t, "[")) {
		adv(p);
		n = mk(p, N_ARRAY, t.pos);
		if (!is_op(&p->t, "]")) {
			for (;;) {
				addkid(c, &n->kids, &n->nkids, expr(p, 0));
				if (!is_op(&p->t, ","))
					break;
				adv(p);
			}
		}
		expect(p, "]");
		return n;
	}
	if (is_op(&t, "{")) {
		adv(p);
		n = mk(p, N_OBJECT, t.pos);
		return parse_object_pairs(p, n);
	}
	if (is_op(&t, "|")) {
		adv(p);
		n = mk(p, N_TRANSFORM, t.pos);
		n->lhs = expr(p, 0);
		expect(p, "|");
		n->upd = expr(p, 0);
		if (is_op(&p->t, ",")) {
			adv(p);
			n->del = expr(p, 0);
		}
		expect(p, "|");
		return n;
	}
	size_t q = p->lx.pos;
	while (p->lx.src[q] == ' ' || p->lx.src[q] == '\t' || p->lx.src[q] == '\n' || p->lx.src[q] == '\r')
		q++;
	if ((is_op(&t, "function") || is_op(&t, "\xce\xbb")) && p->lx.src[q] != '(') {
		adv(p);
		n = mk(p, N_NAME, t.pos);
		n->str = jn_strndup(c, t.text, t.len);
		n->slen = t.len;
		return n;
	}
	if (is_op(&t, "function") || is_op(&t, "\xce\xbb")) {
		adv(p);
		n = mk(p, N_LAMBDA, t.pos);
		expect(p, "(");
		while (!is_op(&p->t, ")")) {
			if (p->t.kind != TK_VAR) {
				char b[48];
				snprintf(c->err->token, sizeof(c->err->token), "%s", tokdesc(p, b, sizeof b));
				jn_fail(c, "S0208", p->t.pos, "Parameter %s of function definition must be a variable name (start with $)", tokdesc(p, b, sizeof b));
			}
			char **np = jn_alloc(c, (size_t)(n->nparams + 1) * sizeof(char *));
			if (n->nparams)
				memcpy(np, n->params, (size_t)n->nparams * sizeof(char *));
			np[n->nparams++] = jn_strndup(c, p->t.text, p->t.len);
			n->params = np;
			adv(p);
			if (!is_op(&p->t, ","))
				break;
			adv(p);
		}
		expect(p, ")");
		if (is_op(&p->t, "<")) {
			int spos = p->t.pos;
			char *s = signature_text(p);
			n->sig = jn_sig_parse(c, s, spos);
		}
		expect(p, "{");
		n->lhs = expr(p, 0);
		expect(p, "}");
		return n;
	}
	tokfail(p, "S0211", "The symbol %s cannot be used as a unary operator");
	return NULL;
}

static node *led(P *p, node *left)
{
	jn_tok t = p->t;
	jn_ctx *c = p->c;
	node *n;
	adv(p);
	if (is_op(&t, "(")) {
		n = mk(p, N_CALL, t.pos);
		n->lhs = left;
		while (!is_op(&p->t, ")")) {
			if (is_op(&p->t, "?")) {
				int pp = p->t.pos;
				adv(p);
				addkid(c, &n->kids, &n->nkids, mk(p, N_PLACEHOLDER, pp));
				n->type = N_PARTIAL;
			} else {
				addkid(c, &n->kids, &n->nkids, expr(p, 0));
			}
			if (!is_op(&p->t, ","))
				break;
			adv(p);
		}
		expect(p, ")");
		return n;
	}
	if (is_op(&t, "[")) {
		n = mk(p, N_BIN, t.pos);
		n->op = '[';
		n->lhs = left;
		if (is_op(&p->t, "]")) {
			adv(p);
			return n; /* keep-array marker: rhs NULL */
		}
		n->rhs = expr(p, 0);
		expect(p, "]");
		return n;
	}
	if (is_op(&t, "{")) {
		n = mk(p, N_GROUP_TMP, t.pos);
		n->lhs = left;
		return parse_object_pairs(p, n);
	}
	if (is_op(&t, "?")) {
		n = mk(p, N_COND, t.pos);
		n->cond = left;
		n->lhs = expr(p, 0);
		if (is_op(&p->t, ":")) {
			adv(p);
			n->els = expr(p, 0);
		}
		return n;
	}
	if (is_op(&t, ":=")) {
		if (left->type != N_VAR)
			jn_fail(c, "S0212", t.pos, "The left side of := must be a variable name (start with $)");
		n = mk(p, N_BIND, t.pos);
		n->lhs = left;
		n->rhs = expr(p, 9);
		return n;
	}
	if (is_op(&t, "@") || is_op(&t, "#")) {
		if (p->t.kind != TK_VAR) {
			char b[48];
			snprintf(c->err->token, sizeof(c->err->token), "%s", tokdesc(p, b, sizeof b));
			jn_fail(c, "S0214", p->t.pos, "The right side of %c must be a variable name (start with $)", t.text[0]);
		}
		n = mk(p, N_BIN, t.pos);
		n->op = t.text[0];
		n->lhs = left;
		n->str = jn_strndup(c, p->t.text, p->t.len);
		adv(p);
		return n;
	}
	if (is_op(&t, "^")) {
		expect(p, "(");
		n = mk(p, N_SORT, t.pos);
		n->lhs = left;
		for (;;) {
			int asc = 1;
			if (is_op(&p->t, "<")) adv(p);
			else if (is_op(&p->t, ">")) { asc = 0; adv(p); }
			node *term = mk(p, N_SORT, p->t.pos);
			term->lhs = expr(p, 0);
			term->ascending = asc;
			addkid(c, &n->kids, &n->nkids, term);
			if (!is_op(&p->t, ","))
				break;
			adv(p);
		}
		expect(p, ")");
		return n;
	}
	int bp = lbp(&t);
	if (!bp) {
		p->t = t;
		tokfail(p, "S0201", "Syntax error: %s");
	}
	n = mk(p, N_BIN, t.pos);
	n->lhs = left;
	n->str = jn_strndup(c, t.text, t.len);
	n->op = t.len == 1 ? t.text[0] : 0;
	if (is_op(&t, "~>")) n->type = N_APPLY;
	n->rhs = expr(p, bp);
	return n;
}

static node *expr(P *p, int rbp)
{
	jn_tick(p->c);
	if (++p->c->depth > 500) /* bounds the parser's C stack */
		jn_fail(p->c, "U1001", p->t.pos, "expression nested more than 500 deep");
	node *left = nud(p);
	while (rbp < lbp(&p->t))
		left = led(p, left);
	p->c->depth--;
	return left;
}

/* ---- AST processing ---- */

static node *proc(jn_ctx *c, node *n);

static node *as_path(jn_ctx *c, node *n)
{
	if (n->type == N_PATH)
		return n;
	node *pth = jn_alloc(c, sizeof(*pth));
	pth->type = N_PATH;
	pth->pos = n->pos;
	addkid(c, &pth->kids, &pth->nkids, n);
	return pth;
}

static node *last_step(node *n)
{
	return n->type == N_PATH ? n->kids[n->nkids - 1] : n;
}

static void proc_all(jn_ctx *c, node **k, int n)
{
	for (int i = 0; i < n; i++)
		k[i] = proc(c, k[i]);
}

static node *proc(jn_ctx *c, node *n)
{
	if (!n)
		return NULL;
	switch (n->type) {
	case N_NAME:
	case N_WILD:
	case N_DESC:
	case N_PARENT:
		return as_path(c, n);
	case N_NEG:
		n->lhs = proc(c, n->lhs);
		if (n->lhs->type == N_NUM) {
			n->lhs->num = -n->lhs->num;
			n->lhs->val = jv_num(c, n->lhs->num);
			n->lhs->pos = n->pos;
			return n->lhs;
		}
		return n;
	case N_BLOCK:
	case N_ARRAY:
		proc_all(c, n->kids, n->nkids);
		return n;
	case N_OBJECT:
		proc_all(c, n->group, n->ngroup);
		return n;
	case N_GROUP_TMP: {
		node *l = proc(c, n->lhs);
		if (l->has_group)
			jn_fail(c, "S0210", n->pos, "Each step can only have one grouping expression");
		proc_all(c, n->group, n->ngroup);
		l->has_group = true;
		l->group = n->group;
		l->ngroup = n->ngroup;
		return l;
	}
	case N_CALL:
	case N_PARTIAL:
		n->lhs = proc(c, n->lhs);
		proc_all(c, n->kids, n->nkids);
		return n;
	case N_LAMBDA:
		n->lhs = proc(c, n->lhs);
		return n;
	case N_COND:
		n->cond = proc(c, n->cond);
		n->lhs = proc(c, n->lhs);
		n->els = proc(c, n->els);
		return n;
	case N_BIND:
		n->rhs = proc(c, n->rhs);
		return n;
	case N_APPLY:
		n->lhs = proc(c, n->lhs);
		n->rhs = proc(c, n->rhs);
		return n;
	case N_TRANSFORM:
		n->lhs = proc(c, n->lhs);
		n->upd = proc(c, n->upd);
		n->del = proc(c, n->del);
		return n;
	case N_SORT: {
		node *l = as_path(c, proc(c, n->lhs));
		for (int i = 0; i < n->nkids; i++)
			n->kids[i]->lhs = proc(c, n->kids[i]->lhs);
		n->lhs = NULL;
		addkid(c, &l->kids, &l->nkids, n);
		return l;
	}
	case N_BIN:
		break;
	default:
		return n;
	}
	/* binary operators */
	if (n->op == '.' && n->str && strcmp(n->str, ".") == 0) {
		node *l = proc(c, n->lhs);
		node *pth = l->type == N_PATH ? l : as_path(c, l);
		if (l->type == N_PATH && l->has_group) {
			/* a grouped path as a step: keep it whole */
			pth = as_path(c, jn_alloc(c, sizeof(node)));
			*pth->kids[0] = *l;
		}
		node *r = proc(c, n->rhs);
		if (r->type == N_PATH && !r->has_group) {
			for (int i = 0; i < r->nkids; i++)
				addkid(c, &pth->kids, &pth->nkids, r->kids[i]);
			if (r->keep_single)
				pth->keep_single = true;
		} else {
			addkid(c, &pth->kids, &pth->nkids, r);
		}
		for (int i = 0; i < pth->nkids; i++) {
			node *s = pth->kids[i];
			if (s->type == N_NUM || s->type == N_VAL)
				jn_fail(c, "S0213", s->pos, "The literal value %s cannot be used as a step within a path expression",
					s->type == N_NUM ? "number" : "value");
			if (s->type == N_STR)
				s->type = N_NAME;
		}
		for (int i = 0; i < pth->nkids; i++) {
			if (pth->kids[i]->keep_array)
				pth->keep_single = true;
			if (pth->kids[i]->tuple)
				pth->tuple = true;
		}
		if (pth->kids[0]->type == N_ARRAY)
			pth->kids[0]->cons_array = true;
		if (pth->kids[pth->nkids - 1]->type == N_ARRAY)
			pth->kids[pth->nkids - 1]->cons_array = true;
		return pth;
	}
	if (n->op == '[') {
		node *l = proc(c, n->lhs);
		if (!n->rhs) {
			if (l->type == N_PATH) {
				l->keep_single = true;
				last_step(l)->keep_array = true;
			} else {
				l->keep_array = true;
			}
			return l;
		}
		node *step = last_step(l);
		if (step->has_group || l->has_group)
			jn_fail(c, "S0209", n->pos, "A predicate cannot follow a grouping expression in a step");
		node *f = jn_alloc(c, sizeof(node));
		f->type = N_FILTER;
		f->pos = n->pos;
		f->lhs = proc(c, n->rhs);
		if (l->type == N_PATH)
			addkid(c, &step->stages, &step->nstages, f);
		else
			addkid(c, &l->preds, &l->npreds, f);
		return l;
	}
	if (n->op == '@' || n->op == '#') {
		node *l = as_path(c, proc(c, n->lhs));
		node *step = last_step(l);
		if (n->op == '@') {
			if (step->type == N_SORT)
				jn_fail(c, "S0216", n->pos, "A focus variable cannot follow a sort expression in a step");
			for (int i = 0; i < step->nstages; i++)
				if (step->stages[i]->type == N_FILTER)
					jn_fail(c, "S0215", n->pos, "A context variable binding must precede any predicates on a step");
			step->focus = n->str;
		} else {
			node *ix = jn_alloc(c, sizeof(node));
			ix->type = N_INDEX;
			ix->pos = n->pos;
			ix->str = n->str;
			if (step->nstages)
				addkid(c, &step->stages, &step->nstages, ix);
			else
				step->index = n->str;
		}
		step->tuple = true;
		l->tuple = true;
		return l;
	}
	n->lhs = proc(c, n->lhs);
	n->rhs = proc(c, n->rhs);
	return n;
}

/* ---- parent (%) resolution ----
 * Each % refers to an ancestor of its context. Walking a path, a step's
 * output is one level deeper than its input; a % slot L levels above the
 * output of step j is the input of the latest name/wildcard step whose
 * input sits at that depth, and that step binds the slot's label in the
 * tuple stream. Slots reaching above a path's own context are handed to
 * the enclosing expression. */
typedef struct plist { node **v; int n; } plist;

static void padd(jn_ctx *c, plist *l, node *x) { addkid(c, &l->v, &l->n, x); }

static void resolve(jn_ctx *c, node *n, plist *out);

static void resolve_kids(jn_ctx *c, node *n, plist *out)
{
	resolve(c, n->lhs, out);
	resolve(c, n->rhs, out);
	resolve(c, n->cond, out);
	resolve(c, n->els, out);
	resolve(c, n->upd, out);
	resolve(c, n->del, out);
	for (int i = 0; i < n->nkids; i++) resolve(c, n->kids[i], out);
	for (int i = 0; i < n->ngroup; i++) resolve(c, n->group[i], out);
	for (int i = 0; i < n->npreds; i++) resolve(c, n->preds[i]->lhs, out);
}

static void place(jn_ctx *c, node *path, int *depth, int j, node *slot, plist *out)
{
	int d = depth[j + 1] - slot->slot_level;
	if (d < 0) {
		slot->slot_level = -d;
		padd(c, out, slot);
		return;
	}
	for (int i = j; i >= 0; i--) {
		node *s = path->kids[i];
		if (s->type == N_PARENT || depth[i] != d)
			continue;
		if (s->type != N_NAME && s->type != N_WILD)
			return; /* not a navigation step: found at run time (tuple.c) */
		addkid(c, &s->ancestors, &s->nanc, slot);
		s->tuple = true;
		path->tuple = true;
		return;
	}
	(void)slot; /* found at run time (tuple.c), or S0217 then */
}

static void resolve(jn_ctx *c, node *n, plist *out)
{
	if (!n)
		return;
	if (n->type == N_PARENT) {
		if (!n->slot_label) {
			char lab[16];
			snprintf(lab, sizeof lab, "!%d", ++c->label_seq);
			n->slot_label = jn_strndup(c, lab, strlen(lab));
		}
		n->slot_level = 1;
		padd(c, out, n);
		return;
	}
	if (n->type == N_LAMBDA) {
		plist inner = { 0 };
		resolve(c, n->lhs, &inner);
		return; /* slots left over are found at run time */
	}
	if (n->type != N_PATH) {
		resolve_kids(c, n, out);
		for (int i = 0; i < n->nstages; i++)
			if (n->stages[i]->type == N_FILTER) resolve(c, n->stages[i]->lhs, out);
		return;
	}
	int *depth = jn_alloc(c, (size_t)(n->nkids + 1) * sizeof(int));
	depth[0] = 0;
	for (int k = 0; k < n->nkids; k++) {
		node *s = n->kids[k];
		if (s->type == N_PARENT) {
			resolve(c, s, &(plist){ 0 });
			s->slot_level = 1;
			place(c, n, depth, k - 1, s, out);
			depth[k + 1] = depth[k] - 1;
			plist st = { 0 };
			for (int i = 0; i < s->nstages; i++)
				if (s->stages[i]->type == N_FILTER) resolve(c, s->stages[i]->lhs, &st);
			for (int i = 0; i < st.n; i++) place(c, n, depth, k, st.v[i], out);
			continue;
		}
		plist own = { 0 }, st = { 0 };
		if (s->type == N_SORT) {
			for (int t = 0; t < s->nkids; t++) resolve(c, s->kids[t]->lhs, &own);
		} else {
			resolve_kids(c, s, &own);
		}
		depth[k + 1] = depth[k] + 1;
		for (int i = 0; i < own.n; i++) place(c, n, depth, k - 1, own.v[i], out);
		for (int i = 0; i < s->nstages; i++)
			if (s->stages[i]->type == N_FILTER) resolve(c, s->stages[i]->lhs, &st);
		for (int i = 0; i < st.n; i++) place(c, n, depth, k, st.v[i], out);
	}
	for (int i = 0; i < n->ngroup; i++) resolve(c, n->group[i], out);
}

node *jn_parse(jn_ctx *c, const char *src)
{
	P p = { .c = c };
	p.lx.c = c;
	p.lx.src = src;
	adv(&p);
	node *n = expr(&p, 0);
	if (p.t.kind != TK_END) {
		char b[48];
		snprintf(c->err->token, sizeof(c->err->token), "%s", tokdesc(&p, b, sizeof b));
		jn_fail(c, "S0201", p.t.pos, "Syntax error: %s", tokdesc(&p, b, sizeof b));
	}
	c->depth = 0;
	n = proc(c, n);
	plist out = { 0 };
	resolve(c, n, &out);
	return n; /* slots left in out are found at run time */
}
