/* A small backtracking regex engine for JSONata's JavaScript-flavoured
 * regular expressions: alternation, groups (capturing, (?:), lookahead),
 * greedy and lazy quantifiers, classes, \d\w\s\b, backreferences, anchors
 * and the i/m flags. Matching works on UTF-8 code points, uses
 * continuation frames on the C stack and is bounded in steps and depth so
 * a pathological pattern fails cleanly instead of running away. */
#include <ctype.h>
#include <string.h>
#include "jn.h"

enum { R_CHAR = 1, R_ANY, R_CLASS, R_GROUP, R_BOL, R_EOL, R_WORDB, R_NWORDB, R_BACKREF, R_LOOK };

typedef struct rseq { struct rnode **v; int n; } rseq;
typedef struct range { unsigned lo, hi; } range;

typedef struct rnode {
	int kind;
	int min, max; /* max -1: unbounded */
	bool lazy, neg;
	unsigned ch;
	range *r; int nr;   /* class */
	int cap;            /* group: capture index, -1 none; backref index */
	rseq *alts; int nalts;
} rnode;

struct jn_regex {
	rnode *root;
	int ngroups;
	bool icase, multiline;
};

typedef struct RP {
	jn_ctx *c;
	const char *p;
	size_t i, n;
	int pos;
	int ngroups;
} RP;

static _Noreturn void rfail(RP *r, const char *what)
{
	jn_fail(r->c, "S0303", r->pos, "Invalid regular expression: %s", what);
}

static unsigned decode(const char *s, size_t n, size_t *i)
{
	unsigned char ch = (unsigned char)s[*i];
	unsigned cp;
	int k;
	if (ch < 0x80) { (*i)++; return ch; }
	if ((ch & 0xE0) == 0xC0) { cp = ch & 0x1F; k = 1; }
	else if ((ch & 0xF0) == 0xE0) { cp = ch & 0x0F; k = 2; }
	else if ((ch & 0xF8) == 0xF0) { cp = ch & 0x07; k = 3; }
	else { (*i)++; return ch; }
	(*i)++;
	/* stop at a byte that does not continue the sequence (invalid UTF-8) */
	for (int j = 0; j < k && *i < n && ((unsigned char)s[*i] & 0xC0) == 0x80; j++, (*i)++)
		cp = cp << 6 | ((unsigned char)s[*i] & 0x3F);
	return cp;
}

static void addrange(RP *r, rnode *nd, unsigned lo, unsigned hi)
{
	range *nr = jn_alloc(r->c, (size_t)(nd->nr + 1) * sizeof(range));
	if (nd->nr) memcpy(nr, nd->r, (size_t)nd->nr * sizeof(range));
	nr[nd->nr].lo = lo;
	nr[nd->nr].hi = hi;
	nd->r = nr;
	nd->nr++;
}

/* \d \w \s as ranges; negated ones as their complements */
static void add_shorthand(RP *r, rnode *nd, char k)
{
	switch (k) {
	case 'd': addrange(r, nd, '0', '9'); break;
	case 'D': addrange(r, nd, 0, '0' - 1); addrange(r, nd, '9' + 1, 0x10FFFF); break;
	case 'w': addrange(r, nd, '0', '9'); addrange(r, nd, 'A', 'Z'); addrange(r, nd, 'a', 'z'); addrange(r, nd, '_', '_'); break;
	case 'W':
		addrange(r, nd, 0, '0' - 1); addrange(r, nd, '9' + 1, 'A' - 1); addrange(r, nd, 'Z' + 1, '_' - 1);
		addrange(r, nd, '_' + 1, 'a' - 1); addrange(r, nd, 'z' + 1, 0x10FFFF); break;
	case 's':
		addrange(r, nd, 9, 13); addrange(r, nd, ' ', ' '); addrange(r, nd, 0xA0, 0xA0);
		addrange(r, nd, 0x2028, 0x2029); addrange(r, nd, 0xFEFF, 0xFEFF); break;
	case 'S':
		addrange(r, nd, 0, 8); addrange(r, nd, 14, ' ' - 1); addrange(r, nd, ' ' + 1, 0x9F);
		addrange(r, nd, 0xA1, 0x2027); addrange(r, nd, 0x202A, 0xFEFE); addrange(r, nd, 0xFF00, 0x10FFFF); break;
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* an escaped character (after '\\') that stands for one code point */
static unsigned escape_char(RP *r)
{
	char ch = r->p[r->i++];
	switch (ch) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case '0': return 0;
	case 'x':
		if (r->i + 2 <= r->n && hexval(r->p[r->i]) >= 0 && hexval(r->p[r->i + 1]) >= 0) {
			unsigned v = (unsigned)(hexval(r->p[r->i]) * 16 + hexval(r->p[r->i + 1]));
			r->i += 2;
			return v;
		}
		return 'x';
	case 'u':
		if (r->i + 4 <= r->n) {
			unsigned v = 0;
			for (int k = 0; k < 4; k++) {
				int h = hexval(r->p[r->i + (size_t)k]);
				if (h < 0) return 'u';
				v = v * 16 + (unsigned)h;
			}
			r->i += 4;
			return v;
		}
		return 'u';
	default:
		r->i--;
		return decode(r->p, r->n, &r->i);
	}
}

static rnode *newnode(RP *r, int kind)
{
	rnode *nd = jn_alloc(r->c, sizeof(*nd));
	nd->kind = kind;
	nd->min = nd->max = 1;
	nd->cap = -1;
	return nd;
}

static rnode *parse_alt(RP *r, int cap);

static rnode *parse_class(RP *r)
{
	rnode *nd = newnode(r, R_CLASS);
	if (r->i < r->n && r->p[r->i] == '^') { nd->neg = true; r->i++; }
	bool first = true;
	while (r->i < r->n && (r->p[r->i] != ']' || (first && 0))) {
		first = false;
		unsigned lo;
		if (r->p[r->i] == '\\') {
			r->i++;
			if (r->i >= r->n) rfail(r, "trailing backslash");
			char k = r->p[r->i];
			if (strchr("dDwWsS", k)) { r->i++; add_shorthand(r, nd, k); continue; }
			if (k == 'b') { r->i++; lo = '\b'; }
			else lo = escape_char(r);
		} else {
			lo = decode(r->p, r->n, &r->i);
		}
		unsigned hi = lo;
		if (r->i + 1 < r->n && r->p[r->i] == '-' && r->p[r->i + 1] != ']') {
			r->i++;
			if (r->p[r->i] == '\\') { r->i++; hi = escape_char(r); }
			else hi = decode(r->p, r->n, &r->i);
			if (hi < lo) rfail(r, "range out of order in character class");
		}
		addrange(r, nd, lo, hi);
	}
	if (r->i >= r->n) rfail(r, "unterminated character class");
	r->i++;
	return nd;
}

static rnode *parse_atom(RP *r)
{
	char ch = r->p[r->i];
	rnode *nd;
	switch (ch) {
	case '.': r->i++; return newnode(r, R_ANY);
	case '^': r->i++; return newnode(r, R_BOL);
	case '$': r->i++; return newnode(r, R_EOL);
	case '[': r->i++; return parse_class(r);
	case '(': {
		r->i++;
		int cap = -1, look = 0;
		bool neg = false;
		if (r->i + 1 < r->n && r->p[r->i] == '?') {
			char k = r->p[r->i + 1];
			if (k == ':') r->i += 2;
			else if (k == '=' || k == '!') { look = 1; neg = k == '!'; r->i += 2; }
			else rfail(r, "unsupported group");
		} else {
			cap = ++r->ngroups;
		}
		nd = parse_alt(r, cap);
		if (r->i >= r->n || r->p[r->i] != ')') rfail(r, "missing )");
		r->i++;
		if (look) { nd->kind = R_LOOK; nd->neg = neg; }
		return nd;
	}
	case '\\': {
		r->i++;
		if (r->i >= r->n) rfail(r, "trailing backslash");
		char k = r->p[r->i];
		if (strchr("dDwWsS", k)) {
			r->i++;
			nd = newnode(r, R_CLASS);
			add_shorthand(r, nd, k);
			return nd;
		}
		if (k == 'b') { r->i++; return newnode(r, R_WORDB); }
		if (k == 'B') { r->i++; return newnode(r, R_NWORDB); }
		if (k >= '1' && k <= '9') {
			int g = 0;
			while (r->i < r->n && isdigit((unsigned char)r->p[r->i])) g = g * 10 + (r->p[r->i++] - '0');
			nd = newnode(r, R_BACKREF);
			nd->cap = g;
			return nd;
		}
		nd = newnode(r, R_CHAR);
		nd->ch = escape_char(r);
		return nd;
	}
	case '*': case '+': case '?':
		rfail(r, "nothing to repeat");
	default:
		nd = newnode(r, R_CHAR);
		nd->ch = decode(r->p, r->n, &r->i);
		return nd;
	}
}

static bool parse_int(RP *r, int *out)
{
	if (r->i >= r->n || !isdigit((unsigned char)r->p[r->i])) return false;
	long v = 0;
	while (r->i < r->n && isdigit((unsigned char)r->p[r->i])) {
		v = v * 10 + (r->p[r->i++] - '0');
		if (v > 100000) rfail(r, "repetition count too large");
	}
	*out = (int)v;
	return true;
}

static rseq parse_seq(RP *r)
{
	rseq s = { 0 };
	int cap = 0;
	while (r->i < r->n && r->p[r->i] != '|' && r->p[r->i] != ')') {
		rnode *a = parse_atom(r);
		if (r->i < r->n) {
			char q = r->p[r->i];
			size_t save = r->i;
			if (q == '*') { a->min = 0; a->max = -1; r->i++; }
			else if (q == '+') { a->min = 1; a->max = -1; r->i++; }
			else if (q == '?') { a->min = 0; a->max = 1; r->i++; }
			else if (q == '{') {
				r->i++;
				int lo, hi;
				if (parse_int(r, &lo)) {
					hi = lo;
					if (r->i < r->n && r->p[r->i] == ',') {
						r->i++;
						if (!parse_int(r, &hi)) hi = -1;
					}
					if (r->i < r->n && r->p[r->i] == '}') {
						r->i++;
						a->min = lo;
						a->max = hi;
					} else {
						r->i = save; /* a literal '{' */
					}
				} else {
					r->i = save;
				}
				if (r->i == save) {
					rnode *lit = newnode(r, R_CHAR);
					lit->ch = '{';
					r->i++;
					/* push a, then the literal */
					if (s.n == cap) { cap = cap ? cap * 2 : 8; rnode **nv = jn_alloc(r->c, (size_t)cap * sizeof(*nv)); if (s.n) memcpy(nv, s.v, (size_t)s.n * sizeof(*nv)); s.v = nv; }
					s.v[s.n++] = a;
					a = lit;
				}
			}
			if (r->i > save && r->i < r->n && r->p[r->i] == '?' && (a->min != 1 || a->max != 1)) {
				a->lazy = true;
				r->i++;
			}
		}
		if (s.n == cap) {
			cap = cap ? cap * 2 : 8;
			rnode **nv = jn_alloc(r->c, (size_t)cap * sizeof(*nv));
			if (s.n) memcpy(nv, s.v, (size_t)s.n * sizeof(*nv));
			s.v = nv;
		}
		s.v[s.n++] = a;
	}
	return s;
}

static rnode *parse_alt(RP *r, int cap)
{
	rnode *g = newnode(r, R_GROUP);
	g->cap = cap;
	for (;;) {
		rseq s = parse_seq(r);
		rseq *na = jn_alloc(r->c, (size_t)(g->nalts + 1) * sizeof(rseq));
		if (g->nalts) memcpy(na, g->alts, (size_t)g->nalts * sizeof(rseq));
		na[g->nalts++] = s;
		g->alts = na;
		if (r->i < r->n && r->p[r->i] == '|') { r->i++; continue; }
		break;
	}
	return g;
}

jn_regex *jn_regex_compile(jn_ctx *c, const char *pat, size_t len, const char *flags, int pos)
{
	RP r = { .c = c, .p = pat, .n = len, .pos = pos };
	jn_regex *re = jn_alloc(c, sizeof(*re));
	re->root = parse_alt(&r, 0);
	if (r.i < r.n) rfail(&r, "unmatched )");
	re->ngroups = r.ngroups;
	re->icase = flags && strchr(flags, 'i');
	re->multiline = flags && strchr(flags, 'm');
	return re;
}

int jn_regex_ngroups(jn_regex *re) { return re->ngroups; }

/* ---- matching ---- */
enum { K_SEQ = 1, K_REP, K_CAPEND, K_LOOK };

typedef struct K {
	int type;
	rseq *seq; int idx;
	rnode *node; int count; long start;
	struct K *next;
} K;

typedef struct M {
	jn_ctx *c;
	jn_regex *re;
	const char *s;
	long n;
	long *caps;
	long steps;
	int depth;
} M;

#define MAX_STEPS 5000000L
#define MAX_DEPTH 4000

static bool run(M *m, K *k, long pos);
static bool seqm(M *m, rseq *s, int i, long pos, K *k);

static unsigned fold(unsigned ch) { return ch < 128 ? (unsigned)tolower((int)ch) : ch; }

static bool isword(M *m, long i)
{
	if (i < 0 || i >= m->n) return false;
	unsigned char ch = (unsigned char)m->s[i];
	return isalnum(ch) || ch == '_';
}

static bool class_has(M *m, rnode *nd, unsigned cp)
{
	bool in = false;
	for (int i = 0; i < nd->nr && !in; i++) {
		if (cp >= nd->r[i].lo && cp <= nd->r[i].hi) in = true;
		else if (m->re->icase && cp < 128) {
			unsigned a = (unsigned)tolower((int)cp), b = (unsigned)toupper((int)cp);
			in = (a >= nd->r[i].lo && a <= nd->r[i].hi) || (b >= nd->r[i].lo && b <= nd->r[i].hi);
		}
	}
	return in != nd->neg;
}

/* one code point at pos matched by a char/any/class node; *next after it */
static bool single(M *m, rnode *nd, long pos, long *next)
{
	if (pos >= m->n) return false;
	size_t i = (size_t)pos;
	unsigned cp = decode(m->s, (size_t)m->n, &i);
	bool ok;
	if (nd->kind == R_CHAR) ok = m->re->icase ? fold(cp) == fold(nd->ch) : cp == nd->ch;
	else if (nd->kind == R_ANY) ok = cp != '\n' && cp != '\r' && cp != 0x2028 && cp != 0x2029;
	else ok = class_has(m, nd, cp);
	*next = (long)i;
	return ok;
}

static bool once(M *m, rnode *nd, long pos, K *k)
{
	switch (nd->kind) {
	case R_CHAR: case R_ANY: case R_CLASS: {
		long next;
		return single(m, nd, pos, &next) && run(m, k, next);
	}
	case R_BOL:
		if (pos == 0 || (m->re->multiline && (m->s[pos - 1] == '\n' || m->s[pos - 1] == '\r')))
			return run(m, k, pos);
		return false;
	case R_EOL:
		if (pos == m->n || (m->re->multiline && (m->s[pos] == '\n' || m->s[pos] == '\r')))
			return run(m, k, pos);
		return false;
	case R_WORDB: case R_NWORDB: {
		bool b = isword(m, pos - 1) != isword(m, pos);
		return (b == (nd->kind == R_WORDB)) && run(m, k, pos);
	}
	case R_BACKREF: {
		if (nd->cap > m->re->ngroups) return run(m, k, pos);
		long s0 = m->caps[2 * nd->cap], s1 = m->caps[2 * nd->cap + 1];
		if (s0 < 0 || s1 < 0) return run(m, k, pos);
		long len = s1 - s0;
		if (pos + len > m->n || memcmp(m->s + s0, m->s + pos, (size_t)len) != 0) return false;
		return run(m, k, pos + len);
	}
	case R_GROUP:
		for (int a = 0; a < nd->nalts; a++) {
			if (nd->cap >= 0) {
				K ce = { .type = K_CAPEND, .node = nd, .start = pos, .next = k };
				if (seqm(m, &nd->alts[a], 0, pos, &ce)) return true;
			} else if (seqm(m, &nd->alts[a], 0, pos, k)) {
				return true;
			}
		}
		return false;
	case R_LOOK: {
		bool found = false;
		for (int a = 0; a < nd->nalts && !found; a++) {
			K lk = { .type = K_LOOK };
			found = seqm(m, &nd->alts[a], 0, pos, &lk);
		}
		return found != nd->neg && run(m, k, pos);
	}
	}
	return false;
}

/* A repeated single character (.*, \d+, [a-z]{2,}) loops here instead of
 * recursing once per character, so long strings stay shallow. */
static bool rep_single(M *m, rnode *nd, long pos, K *after)
{
	long p = pos, next;
	int cnt = 0;
	if (nd->lazy) {
		for (;;) {
			if (cnt >= nd->min && run(m, after, p)) return true;
			if ((nd->max >= 0 && cnt >= nd->max) || !single(m, nd, p, &next)) return false;
			if (++m->steps > MAX_STEPS)
				jn_fail(m->c, "D1010", -1, "regular expression exceeded %ld matching steps", MAX_STEPS);
			p = next;
			cnt++;
		}
	}
	while ((nd->max < 0 || cnt < nd->max) && single(m, nd, p, &next)) {
		p = next;
		cnt++;
	}
	for (;;) {
		if (++m->steps > MAX_STEPS)
			jn_fail(m->c, "D1010", -1, "regular expression exceeded %ld matching steps", MAX_STEPS);
		if (cnt >= nd->min && run(m, after, p)) return true;
		if (cnt == 0 || cnt <= nd->min) return false;
		p--; /* back one code point (never before where the loop began) */
		while (p > pos && ((unsigned char)m->s[p] & 0xC0) == 0x80) p--;
		cnt--;
		if (p <= pos) {
			p = pos;
			cnt = 0;
		}
	}
}

static bool rep(M *m, rnode *nd, int count, long pos, K *after)
{
	if (count == 0 && (nd->kind == R_CHAR || nd->kind == R_ANY || nd->kind == R_CLASS))
		return rep_single(m, nd, pos, after);
	K it = { .type = K_REP, .node = nd, .count = count + 1, .start = pos, .next = after };
	bool more = nd->max < 0 || count < nd->max;
	if (nd->lazy) {
		if (count >= nd->min && run(m, after, pos)) return true;
		return more && once(m, nd, pos, &it);
	}
	if (more && once(m, nd, pos, &it)) return true;
	return count >= nd->min && run(m, after, pos);
}

static bool seqm(M *m, rseq *s, int i, long pos, K *k)
{
	if (++m->steps > MAX_STEPS)
		jn_fail(m->c, "D1010", -1, "regular expression exceeded %ld matching steps", MAX_STEPS);
	if ((m->steps & 1023) == 0)
		jn_tick(m->c);
	if (i == s->n) return run(m, k, pos);
	if (++m->depth > MAX_DEPTH)
		jn_fail(m->c, "D1010", -1, "regular expression backtracking too deep");
	rnode *nd = s->v[i];
	K after = { .type = K_SEQ, .seq = s, .idx = i + 1, .next = k };
	bool r = (nd->min == 1 && nd->max == 1) ? once(m, nd, pos, &after) : rep(m, nd, 0, pos, &after);
	m->depth--;
	return r;
}

static bool run(M *m, K *k, long pos)
{
	if (!k) return true;
	switch (k->type) {
	case K_SEQ: return seqm(m, k->seq, k->idx, pos, k->next);
	case K_REP:
		if (pos == k->start && k->count > k->node->min) return false; /* empty iteration */
		return rep(m, k->node, k->count, pos, k->next);
	case K_CAPEND: {
		int g = k->node->cap;
		long o0 = m->caps[2 * g], o1 = m->caps[2 * g + 1];
		m->caps[2 * g] = k->start;
		m->caps[2 * g + 1] = pos;
		if (run(m, k->next, pos)) return true;
		m->caps[2 * g] = o0;
		m->caps[2 * g + 1] = o1;
		return false;
	}
	case K_LOOK: return true;
	}
	return false;
}

int jn_regex_exec(jn_ctx *c, jn_regex *re, const char *s, size_t len, size_t start, long *caps)
{
	M m = { .c = c, .re = re, .s = s, .n = (long)len, .caps = caps };
	for (long p = (long)start; p <= (long)len;) {
		for (int i = 0; i < 2 * (re->ngroups + 1); i++) caps[i] = -1;
		if (once(&m, re->root, p, NULL))
			return 1;
		if (p == (long)len) break;
		p++;
		while (p < (long)len && ((unsigned char)s[p] & 0xC0) == 0x80) p++;
	}
	return 0;
}
