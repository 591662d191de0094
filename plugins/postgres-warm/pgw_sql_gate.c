/*
 * pgw_sql_gate.c - the plain-SELECT gate, on libpg_query's parse tree.
 *
 * libpg_query parses with the server's own grammar and returns the raw
 * parse tree as JSON. A node is an object with one key, its type name
 * ({"SelectStmt": {...}}); a field typed as one specific struct
 * (SelectStmt.larg, FuncCall.over, TypeCast.typeName) is written without
 * that wrapper. The walk visits every value of the tree: every node type
 * must be on allowed_nodes (so every statement but SELECT, and every
 * construct not listed, is refused), and the nodes that name a function,
 * an operator, a type or a sampling method have that name checked against
 * its allow-list. Allow-lists, not deny-lists: what is not known to be
 * read-only and side-effect-free does not run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <pg_query.h>

#include "pgw_sql_gate.h"

/* Parse trees nested deeper than this are refused, not walked: it bounds
 * json-c's parser and this file's recursion. */
#define MAX_TREE_DEPTH 1000
/* PQexecParams takes at most 65535 parameters. */
#define MAX_PARAM 65535

/* Raw parse-tree nodes a plain SELECT is made of. Not here, so refused:
 * every other statement (INSERT/UPDATE/DELETE/MERGE also inside WITH),
 * LockingClause (FOR UPDATE/SHARE/...), XML constructs (XmlExpr,
 * XmlSerialize, XMLTABLE), column definition lists (ColumnDef). */
static const char *const allowed_nodes[] = {
	"A_ArrayExpr",	  "A_Const",	     "A_Expr",
	"A_Indices",	  "A_Indirection",   "A_Star",
	"Alias",	  "BitString",	     "BoolExpr",
	"Boolean",	  "BooleanTest",     "CaseExpr",
	"CaseWhen",	  "CoalesceExpr",    "CollateClause",
	"ColumnRef",	  "CommonTableExpr", "Float",
	"FuncCall",	  "GroupingFunc",    "GroupingSet",
	"Integer",	  "JoinExpr",	     "List",
	"MinMaxExpr",	  "NullTest",	     "ParamRef",
	"RangeFunction",  "RangeSubselect",  "RangeTableSample",
	"RangeVar",	  "ResTarget",	     "RowExpr",
	"SQLValueFunction", "SelectStmt",    "SortBy",
	"String",	  "SubLink",	     "TypeCast",
	"TypeName",	  "WindowDef",	     NULL,
};

/* Functions a replayed query may call, unqualified or as pg_catalog.NAME.
 * Each is, in PostgreSQL 15's pg_catalog, immutable or stable under every
 * signature with this name, and only computes a value: no I/O, no locks,
 * no settings, no signals, no sequences, no queries of its own (so not
 * query_to_xml, ts_stat, nextval, set_config, dblink*, lo_*, pg_*).
 * Aggregates and window functions are function calls and are listed. The
 * parser turns SQL syntax into some of these calls (EXTRACT -> extract,
 * SUBSTRING -> substring, AT TIME ZONE -> timezone, SIMILAR TO ->
 * similar_to_escape, TRIM -> btrim/ltrim/rtrim, OVERLAY -> overlay,
 * POSITION -> position). */
static const char *const allowed_functions[] = {
	"abs", "acos", "age", "array_agg", "array_append", "array_cat",
	"array_dims", "array_length", "array_lower", "array_ndims",
	"array_position", "array_positions", "array_prepend", "array_remove",
	"array_replace", "array_to_json", "array_to_string", "array_upper",
	"ascii", "asin", "atan", "atan2", "avg", "bit_and", "bit_length",
	"bit_or", "bit_xor", "bool_and", "bool_or", "btrim", "cardinality",
	"cbrt", "ceil", "ceiling", "char_length", "character_length", "chr",
	"concat", "concat_ws", "corr", "cos", "count", "covar_pop",
	"covar_samp", "cume_dist", "current_schemas", "date_bin",
	"date_part", "date_trunc", "decode", "degrees", "dense_rank", "div",
	"encode", "every", "exp", "extract", "first_value", "floor",
	"format", "generate_series",
	"generate_subscripts", "initcap", "isfinite", "json_agg",
	"json_array_elements", "json_array_elements_text",
	"json_array_length", "json_build_array", "json_build_object",
	"json_each", "json_each_text", "json_extract_path",
	"json_extract_path_text", "json_object_agg", "json_object_keys",
	"json_typeof", "jsonb_agg", "jsonb_array_elements",
	"jsonb_array_elements_text", "jsonb_array_length",
	"jsonb_build_array", "jsonb_build_object", "jsonb_each",
	"jsonb_each_text", "jsonb_extract_path", "jsonb_extract_path_text",
	"jsonb_object_agg", "jsonb_object_keys", "jsonb_path_exists",
	"jsonb_path_match", "jsonb_path_query", "jsonb_path_query_array",
	"jsonb_path_query_first", "jsonb_pretty", "jsonb_set",
	"jsonb_strip_nulls", "jsonb_typeof", "justify_days", "justify_hours",
	"justify_interval", "lag", "last_value", "lead", "left", "length",
	"ln", "log", "log10", "lower", "lpad", "ltrim", "make_date",
	"make_interval", "make_time", "make_timestamp", "make_timestamptz",
	"max", "md5", "min", "mod", "mode", "now", "nth_value", "ntile",
	"num_nonnulls", "num_nulls", "octet_length", "overlay",
	"percent_rank", "percentile_cont", "percentile_disc",
	"phraseto_tsquery", "pi", "plainto_tsquery", "position", "power",
	"quote_ident", "quote_literal", "quote_nullable", "radians", "rank",
	"regexp_count", "regexp_instr", "regexp_like", "regexp_match",
	"regexp_matches", "regexp_replace", "regexp_split_to_array",
	"regexp_split_to_table", "regexp_substr", "repeat", "replace",
	"reverse", "right", "round", "row_number", "row_to_json", "rpad",
	"rtrim", "sign", "similar_to_escape", "sin", "split_part", "sqrt",
	"starts_with", "statement_timestamp", "stddev", "stddev_pop",
	"stddev_samp", "string_agg", "string_to_array", "strpos", "substr",
	"substring", "sum", "tan", "timezone", "to_char", "to_date",
	"to_json", "to_jsonb", "to_number", "to_timestamp", "to_tsquery",
	"to_tsvector", "transaction_timestamp", "translate", "trim_array",
	"trunc", "ts_headline", "ts_rank", "ts_rank_cd", "unnest", "upper",
	"var_pop", "var_samp", "variance", "websearch_to_tsquery",
	"width_bucket", NULL,
};

/* Every operator name PostgreSQL 15 defines in pg_catalog (SELECT DISTINCT
 * oprname FROM pg_operator), plus "!=" which the parser reads as "<>". A
 * name that is not built in (===) can only be a user-defined operator. */
static const char *const allowed_operators[] = {
	"!!", "!=", "!~", "!~*", "!~~", "!~~*", "#", "##", "#-", "#>",
	"#>>", "%", "&", "&&", "&<", "&<|", "&>", "*", "*<", "*<=", "*<>",
	"*=", "*>", "*>=", "+", "-", "->", "->>", "-|-", "/", "<", "<->",
	"<<", "<<=", "<<|", "<=", "<>", "<@", "<^", "=", ">", ">=", ">>",
	">>=", ">^", "?", "?#", "?&", "?-", "?-|", "?|", "?||", "@", "@-@",
	"@>", "@?", "@@", "@@@", "^", "^@", "|", "|&>", "|/", "|>>", "||",
	"||/", "~", "~*", "~<=~", "~<~", "~=", "~>=~", "~>~", "~~", "~~*",
	NULL,
};

/* Types a query may cast to: casting runs the type's input function (and
 * a domain's CHECK expressions), so only built-in base types whose input
 * only parses text. The parser spells INT, DOUBLE PRECISION, ... as
 * pg_catalog.int4, pg_catalog.float8, .... */
static const char *const allowed_types[] = {
	"bit", "bool", "boolean", "bpchar", "bytea", "char", "cidr", "date",
	"float4", "float8", "inet", "int", "int2", "int4", "int8",
	"integer", "interval", "json", "jsonb", "jsonpath", "macaddr",
	"money", "name", "numeric", "oid", "regclass", "regconfig",
	"regnamespace", "regproc", "regprocedure", "regtype", "text", "time",
	"timestamp", "timestamptz", "timetz", "tsquery", "tsvector", "uuid",
	"varbit", "varchar", NULL,
};

/* TABLESAMPLE methods built into PostgreSQL. */
static const char *const allowed_sampling[] = {"bernoulli", "system", NULL};

/* Statements that change data, named as a user writes them. */
static const char *const dml[][2] = {
	{"InsertStmt", "INSERT"},
	{"UpdateStmt", "UPDATE"},
	{"DeleteStmt", "DELETE"},
	{"MergeStmt", "MERGE"},
};

/* Locking clause strengths as written in SQL. */
static const char *const lock_names[][2] = {
	{"LCS_FORKEYSHARE", "FOR KEY SHARE"},
	{"LCS_FORSHARE", "FOR SHARE"},
	{"LCS_FORNOKEYUPDATE", "FOR NO KEY UPDATE"},
	{"LCS_FORUPDATE", "FOR UPDATE"},
};

struct gate {
	char *why;
	size_t whysize;
	int maxparam;
};

static int walk(struct gate *g, json_object *v);

static int refuse(struct gate *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(struct gate *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->why, g->whysize, fmt, ap);
	va_end(ap);
	return 0;
}

static int listed(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* When o is a node ({"Type": {...}}), its type and body. */
static int node_of(json_object *o, const char **type, json_object **body)
{
	if (json_object_object_length(o) != 1)
		return 0;
	json_object_object_foreach(o, key, val)
	{
		if (key[0] < 'A' || key[0] > 'Z' ||
		    !json_object_is_type(val, json_type_object))
			return 0;
		*type = key;
		*body = val;
		return 1;
	}
	return 0;
}

/* The text of a String node ({"String": {"sval": "x"}}), or NULL. */
static const char *string_node(json_object *o)
{
	const char *type;
	json_object *body, *s;
	if (o == NULL || !node_of(o, &type, &body) ||
	    strcmp(type, "String") != 0 || (s = field(body, "sval")) == NULL)
		return NULL;
	return json_object_get_string(s);
}

/* A qualified name (a list of String nodes: ["pg_catalog", "count"] or
 * ["count"]). Writes its spelling into shown and returns its last part,
 * or NULL when it is malformed. *catalog is 1 when it is unqualified or
 * qualified by pg_catalog alone. */
static const char *name_of(json_object *names, int *catalog, char *shown,
			   size_t size)
{
	size_t n = json_object_is_type(names, json_type_array)
			   ? json_object_array_length(names)
			   : 0;
	const char *last = NULL;
	shown[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		last = string_node(json_object_array_get_idx(names, i));
		if (last == NULL)
			return NULL;
		size_t used = strlen(shown);
		snprintf(shown + used, size - used, "%s%.64s",
			 i > 0 ? "." : "", last);
	}
	*catalog = n == 1 ||
		   (n == 2 && strcmp(string_node(json_object_array_get_idx(
						 names, 0)),
				     "pg_catalog") == 0);
	return last;
}

static int check_function(struct gate *g, json_object *names)
{
	char shown[256];
	int catalog;
	const char *name = name_of(names, &catalog, shown, sizeof(shown));
	if (name == NULL)
		return refuse(g, "a function call without a plain name");
	if (!catalog)
		return refuse(g,
			      "calls %s(): only unqualified or pg_catalog "
			      "functions can be allowed",
			      shown);
	if (!listed(allowed_functions, name))
		return refuse(g,
			      "calls %s(), which is not on the allow-list of "
			      "read-only functions",
			      shown);
	return 1;
}

static int check_operator(struct gate *g, json_object *names)
{
	char shown[256];
	int catalog;
	const char *name = name_of(names, &catalog, shown, sizeof(shown));
	if (name == NULL || !catalog || !listed(allowed_operators, name))
		return refuse(g, "uses operator %s, which is not built in",
			      name != NULL ? shown : "(unnamed)");
	return 1;
}

/* body is a TypeName: {"names": [...], "typmods": [...], ...}. */
static int check_type(struct gate *g, json_object *body)
{
	char shown[256];
	int catalog;
	const char *name =
		name_of(field(body, "names"), &catalog, shown, sizeof(shown));
	if (name == NULL)
		return refuse(g, "a type without a plain name (%%TYPE?)");
	if (!catalog || !listed(allowed_types, name))
		return refuse(g,
			      "casts to %s, which is not a built-in type on "
			      "the allow-list",
			      shown);
	return 1;
}

static int refuse_locking(struct gate *g, json_object *clauses)
{
	const char *strength = "";
	const char *type;
	json_object *body;
	json_object *first = json_object_array_get_idx(clauses, 0);
	if (first != NULL && node_of(first, &type, &body))
		strength = json_object_get_string(field(body, "strength"));
	for (size_t i = 0; i < sizeof(lock_names) / sizeof(lock_names[0]);
	     i++)
		if (strength != NULL && strcmp(strength, lock_names[i][0]) == 0)
			return refuse(g, "locks rows (%s)", lock_names[i][1]);
	return refuse(g, "locks rows (a locking clause)");
}

/* The fields of a node body or of an unwrapped struct. */
static int walk_fields(struct gate *g, json_object *body)
{
	json_object_object_foreach(body, key, val)
	{
		if (strcmp(key, "intoClause") == 0)
			return refuse(g, "SELECT INTO creates a table");
		if (strcmp(key, "lockingClause") == 0)
			return refuse_locking(g, val);
		if (strcmp(key, "typeName") == 0 && !check_type(g, val))
			return 0;
		if (!walk(g, val))
			return 0;
	}
	return 1;
}

static int check_node(struct gate *g, const char *type, json_object *body)
{
	if (!listed(allowed_nodes, type)) {
		for (size_t i = 0; i < sizeof(dml) / sizeof(dml[0]); i++)
			if (strcmp(type, dml[i][0]) == 0)
				return refuse(g,
					      "contains %s: not a plain SELECT",
					      dml[i][1]);
		return refuse(g, "uses %s, which is not allowed in a plain "
				 "SELECT", type);
	}
	json_object *v;
	if (strcmp(type, "FuncCall") == 0) {
		if (!check_function(g, field(body, "funcname")))
			return 0;
	} else if (strcmp(type, "A_Expr") == 0) {
		/* BETWEEN's name is the keyword; it uses <= and >=. */
		const char *kind = json_object_get_string(field(body, "kind"));
		if ((kind == NULL || strstr(kind, "BETWEEN") == NULL) &&
		    !check_operator(g, field(body, "name")))
			return 0;
	} else if (strcmp(type, "SubLink") == 0) {
		if ((v = field(body, "operName")) != NULL &&
		    !check_operator(g, v))
			return 0;
	} else if (strcmp(type, "SortBy") == 0) {
		if ((v = field(body, "useOp")) != NULL && !check_operator(g, v))
			return 0;
	} else if (strcmp(type, "TypeName") == 0) {
		if (!check_type(g, body))
			return 0;
	} else if (strcmp(type, "RangeTableSample") == 0) {
		char shown[256];
		int catalog;
		const char *m = name_of(field(body, "method"), &catalog, shown,
					sizeof(shown));
		if (m == NULL || !catalog || !listed(allowed_sampling, m))
			return refuse(g, "samples with %s, which is not built in",
				      m != NULL ? shown : "(unnamed)");
	} else if (strcmp(type, "ParamRef") == 0) {
		int n = json_object_get_int(field(body, "number"));
		if (n < 1 || n > MAX_PARAM)
			return refuse(g, "parameter $%d out of range", n);
		if (n > g->maxparam)
			g->maxparam = n;
	}
	return walk_fields(g, body);
}

static int walk(struct gate *g, json_object *v)
{
	const char *type;
	json_object *body;
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!walk(g, json_object_array_get_idx(v, i)))
				return 0;
		return 1;
	}
	if (!json_object_is_type(v, json_type_object))
		return 1;
	if (node_of(v, &type, &body))
		return check_node(g, type, body);
	return walk_fields(g, v);
}

/* The parse tree's JSON: {"version": N, "stmts": [{"stmt": NODE}, ...]}. */
static int check_tree(struct gate *g, const char *tree)
{
	json_tokener *tok = json_tokener_new_ex(MAX_TREE_DEPTH);
	if (tok == NULL)
		return refuse(g, "out of memory");
	json_object *doc = json_tokener_parse_ex(tok, tree, (int)strlen(tree));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (doc == NULL || jerr != json_tokener_success) {
		json_object_put(doc);
		return refuse(g, jerr == json_tokener_error_depth
					 ? "nested too deeply"
					 : "unreadable parse tree");
	}
	int ok;
	json_object *stmts = field(doc, "stmts"), *stmt;
	size_t n = json_object_is_type(stmts, json_type_array)
			   ? json_object_array_length(stmts)
			   : 0;
	const char *type;
	json_object *body;
	if (n == 0)
		ok = refuse(g, "empty statement");
	else if (n > 1)
		ok = refuse(g, "more than one statement");
	else if ((stmt = field(json_object_array_get_idx(stmts, 0), "stmt")) ==
			 NULL ||
		 !node_of(stmt, &type, &body))
		ok = refuse(g, "unreadable parse tree");
	else if (strcmp(type, "SelectStmt") != 0)
		ok = refuse(g, "not a SELECT (%s)", type);
	else
		ok = check_node(g, type, body);
	json_object_put(doc);
	return ok;
}

int pgw_sql_plain_select(const char *sql, int *nparams, char *why,
			 size_t whysize)
{
	struct gate g = {why, whysize, 0};
	*nparams = 0;
	PgQueryParseResult r = pg_query_parse(sql);
	int ok;
	if (r.error != NULL)
		ok = refuse(&g, "does not parse: %.200s (at character %d)",
			    r.error->message, r.error->cursorpos);
	else
		ok = check_tree(&g, r.parse_tree);
	/* libpg_query keeps a small memory context per thread, freed when
	 * the thread ends. Not pg_query_exit(): in libpg_query 15-4.0 a parse
	 * after it uses freed memory. */
	pg_query_free_parse_result(r);
	if (ok)
		*nparams = g.maxparam;
	return ok;
}
