/*
 * pw_graph - a workflow drawn as Graphviz DOT or a Mermaid flowchart: one
 * node per state (shape by type), edges labelled Next, Default, Choice rule
 * number, Catch (with error names) and Retry (a self-loop note); Parallel
 * branches and Map item processors are nested clusters/subgraphs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_graph.h"

struct g {
	FILE *f;
	enum pw_graph_format fmt;
	int next_id;
	int next_cluster;
	const struct pw_graph_marks *marks; /* NULL: a plain drawing */
	int n_edges;                        /* Mermaid numbers links for linkStyle */
	json_object *classes;               /* Mermaid: class -> [node numbers] */
	json_object *taken;                 /* Mermaid: indexes of the links taken */
};

enum mark { M_NONE, M_VISITED, M_FAILED, M_CURRENT };

static enum mark state_mark(const struct g *g, const char *name)
{
	const struct pw_graph_marks *m = g->marks;
	if (m == NULL || name == NULL)
		return M_NONE;
	if (m->failed && strcmp(m->failed, name) == 0)
		return M_FAILED;
	if (m->current && strcmp(m->current, name) == 0)
		return M_CURRENT;
	return m->visited && json_object_object_get_ex(m->visited, name, NULL) ? M_VISITED : M_NONE;
}

/* Nonzero when the execution went from state `from` to `to` (NULL: the end). */
static int edge_taken(const struct g *g, const char *from, const char *to)
{
	char key[600];
	if (g->marks == NULL || g->marks->edges == NULL || from == NULL)
		return 0;
	snprintf(key, sizeof(key), "%s\x1f%s", from, to ? to : "");
	return json_object_object_get_ex(g->marks->edges, key, NULL);
}

static const char *const mark_class[] = {NULL, "visited", "failed", "current"};
static const char *const mark_dot[] = {
	NULL, "fillcolor=\"#d4edda\", color=\"#2e7d32\", penwidth=2",
	"fillcolor=\"#f8d7da\", color=\"#c62828\", penwidth=3",
	"fillcolor=\"#cce5ff\", color=\"#1565c0\", penwidth=3"};

enum edge_style { E_SOLID, E_DASHED, E_DOTTED };

/* Writes s as the inside of a quoted label. */
static void put_label(struct g *g, const char *s)
{
	for (; *s; s++) {
		if (g->fmt == PW_GRAPH_DOT) {
			if (*s == '"' || *s == '\\')
				fprintf(g->f, "\\%c", *s);
			else if (*s == '\n')
				fputs("\\n", g->f);
			else
				fputc(*s, g->f);
		} else {
			if (*s == '"')
				fputs("#quot;", g->f);
			else if (*s == '\n')
				fputs("<br/>", g->f);
			else if (*s == '<')
				fputs("#lt;", g->f);
			else if (*s == '>')
				fputs("#gt;", g->f);
			else
				fputc(*s, g->f);
		}
	}
}

static const char *str_field(json_object *o, const char *name)
{
	json_object *v = NULL;
	if (json_object_object_get_ex(o, name, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static void node(struct g *g, int id, const char *name, json_object *state)
{
	const char *type = str_field(state, "Type");
	const char *res = str_field(state, "Resource");
	char label[512];
	if (type == NULL)
		type = "?";
	snprintf(label, sizeof(label), "%s\n%s%s%s", name, type,
		 res ? ": " : "", res ? res : "");

	static const struct {
		const char *type, *dot, *open, *close;
	} shapes[] = {
		{"Task", "shape=box, style=rounded", "(\"", "\")"},
		{"Pass", "shape=box", "[\"", "\"]"},
		{"Choice", "shape=diamond", "{\"", "\"}"},
		{"Wait", "shape=ellipse", "([\"", "\"])"},
		{"Succeed", "shape=doublecircle", "((\"", "\"))"},
		{"Fail", "shape=octagon, color=red", "{{\"", "\"}}"},
		{"Parallel", "shape=parallelogram", "[/\"", "\"/]"},
		{"Map", "shape=box3d", "[[\"", "\"]]"},
	};
	size_t k = 0;
	while (k + 1 < sizeof(shapes) / sizeof(shapes[0]) &&
	       strcmp(shapes[k].type, type) != 0)
		k++;
	if (strcmp(shapes[k].type, type) != 0)
		k = 1; /* unknown: a plain box */
	enum mark mk = state_mark(g, name);
	if (g->fmt == PW_GRAPH_DOT) {
		fprintf(g->f, "  n%d [%s, label=\"", id, shapes[k].dot);
		put_label(g, label);
		if (mk != M_NONE)
			fprintf(g->f, "\", style=\"filled%s\", %s", k == 0 ? ",rounded" : "",
				mark_dot[mk]);
		else
			fputs("\"", g->f);
		fputs("];\n", g->f);
	} else {
		fprintf(g->f, "  n%d%s", id, shapes[k].open);
		put_label(g, label);
		fprintf(g->f, "%s\n", shapes[k].close);
		if (mk != M_NONE) {
			json_object *l = NULL;
			if (!json_object_object_get_ex(g->classes, mark_class[mk], &l)) {
				l = json_object_new_array();
				json_object_object_add(g->classes, mark_class[mk], l);
			}
			json_object_array_add(l, json_object_new_int(id));
		}
	}
}

/* An edge between node ids; taken: the execution went along it. */
static void edge(struct g *g, const char *from, const char *to,
		 const char *label, enum edge_style style, int taken)
{
	int index = g->n_edges++;
	if (g->fmt == PW_GRAPH_DOT) {
		fprintf(g->f, "  %s -> %s [", from, to);
		if (label && *label) {
			fputs("label=\"", g->f);
			put_label(g, label);
			fputs("\"", g->f);
		}
		if (style != E_SOLID)
			fprintf(g->f, "%sstyle=%s", label && *label ? ", " : "",
				style == E_DASHED ? "dashed" : "dotted");
		if (taken)
			fprintf(g->f, "%scolor=\"#2e7d32\", penwidth=3",
				(label && *label) || style != E_SOLID ? ", " : "");
		fputs("];\n", g->f);
	} else {
		if (taken)
			json_object_array_add(g->taken, json_object_new_int(index));
		fprintf(g->f, "  %s %s", from,
			style == E_SOLID ? "-->" : "-.->");
		if (label && *label) {
			fputs("|\"", g->f);
			put_label(g, label);
			fputs("\"|", g->f);
		}
		fprintf(g->f, " %s\n", to);
	}
}

/* "N1, N2" from an ErrorEquals array. */
static void error_names(json_object *rule, char *buf, size_t len)
{
	json_object *ee = NULL;
	buf[0] = '\0';
	if (!json_object_object_get_ex(rule, "ErrorEquals", &ee) ||
	    !json_object_is_type(ee, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(ee); i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? ", " : "",
			 json_object_get_string(
				 json_object_array_get_idx(ee, i)));
	}
}

/* A short text for a Choice rule: "1: $.x StringEquals available". */
static void rule_label(json_object *rule, size_t index, char *buf, size_t len)
{
	const char *var = str_field(rule, "Variable");
	snprintf(buf, len, "rule %zu", index + 1);
	if (!json_object_is_type(rule, json_type_object))
		return;
	json_object_object_foreach(rule, key, val)
	{
		if (!strcmp(key, "Variable") || !strcmp(key, "Next") ||
		    !strcmp(key, "Comment"))
			continue;
		char text[160];
		if (!strcmp(key, "Condition")) /* JSONata: the expression itself */
			snprintf(text, sizeof(text), "%s",
				 json_object_is_type(val, json_type_string)
					 ? json_object_get_string(val)
					 : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
		else if (var != NULL)
			snprintf(text, sizeof(text), "%s %s %s", var, key,
				 json_object_to_json_string_ext(
					 val, JSON_C_TO_STRING_PLAIN));
		else
			snprintf(text, sizeof(text), "%s(...)", key);
		if (strlen(text) > 48)
			memcpy(text + 45, "...", 4);
		snprintf(buf, len, "rule %zu: %s", index + 1, text);
		break;
	}
}

static int lookup(json_object *ids, const char *name, char *out, size_t len)
{
	json_object *v = NULL;
	if (name == NULL || !json_object_object_get_ex(ids, name, &v))
		return -1;
	snprintf(out, len, "n%d", json_object_get_int(v));
	return 0;
}

static void machine(struct g *g, json_object *m, const char *parent,
		    const char *title, int depth);

static void nested(struct g *g, const char *self, const char *name,
		   json_object *state, int depth)
{
	json_object *v = NULL;
	char title[256];
	if (json_object_object_get_ex(state, "Branches", &v) &&
	    json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(title, sizeof(title), "%s: branch %zu", name,
				 i + 1);
			machine(g, json_object_array_get_idx(v, i), self, title,
				depth + 1);
		}
	}
	if ((json_object_object_get_ex(state, "ItemProcessor", &v) ||
	     json_object_object_get_ex(state, "Iterator", &v)) &&
	    json_object_is_type(v, json_type_object)) {
		snprintf(title, sizeof(title), "%s: each item", name);
		machine(g, v, self, title, depth + 1);
	}
}

static void machine(struct g *g, json_object *m, const char *parent,
		    const char *title, int depth)
{
	json_object *states = NULL;
	char end_id[32], start_id[32], from[32], to[32], label[512];
	int cluster = g->next_cluster++;

	if (depth > 32 || !json_object_is_type(m, json_type_object) ||
	    !json_object_object_get_ex(m, "States", &states) ||
	    !json_object_is_type(states, json_type_object))
		return;
	json_object *ids = json_object_new_object();
	json_object_object_foreach(states, n0, s0)
	{
		(void)s0;
		json_object_object_add(ids, n0, json_object_new_int(g->next_id++));
	}

	snprintf(start_id, sizeof(start_id), "entry%d", cluster);
	/* not "end...": a Mermaid keyword */
	snprintf(end_id, sizeof(end_id), "exit%d", cluster);
	if (parent != NULL) {
		if (g->fmt == PW_GRAPH_DOT) {
			fprintf(g->f, "  subgraph cluster_%d {\n  label=\"",
				cluster);
			put_label(g, title);
			fputs("\";\n  style=dashed;\n", g->f);
		} else {
			fprintf(g->f, "  subgraph c%d [\"", cluster);
			put_label(g, title);
			fputs("\"]\n", g->f);
		}
	}
	if (g->fmt == PW_GRAPH_DOT) {
		if (parent == NULL)
			fprintf(g->f, "  %s [shape=circle, style=filled, "
				      "fillcolor=black, label=\"\", width=0.2];\n",
				start_id);
		fprintf(g->f, "  %s [shape=doublecircle, style=filled, "
			      "fillcolor=black, label=\"\", width=0.1];\n",
			end_id);
	} else {
		if (parent == NULL)
			fprintf(g->f, "  %s((start))\n", start_id);
		fprintf(g->f, "  %s((end))\n", end_id);
	}

	json_object_object_foreach(states, name, state)
	{
		lookup(ids, name, from, sizeof(from));
		node(g, atoi(from + 1), name, state);
		nested(g, from, name, state, depth);
	}

	if (lookup(ids, str_field(m, "StartAt"), to, sizeof(to)) == 0)
		edge(g, parent ? parent : start_id, to,
		     parent ? "start" : "", parent ? E_DASHED : E_SOLID,
		     state_mark(g, str_field(m, "StartAt")) != M_NONE);

	json_object_object_foreach(states, name2, st)
	{
		json_object *v = NULL;
		lookup(ids, name2, from, sizeof(from));
		if (!json_object_is_type(st, json_type_object))
			continue;
		const char *type = str_field(st, "Type");
		if (lookup(ids, str_field(st, "Next"), to, sizeof(to)) == 0)
			edge(g, from, to, "Next", E_SOLID,
			     edge_taken(g, name2, str_field(st, "Next")));
		if ((json_object_object_get_ex(st, "End", &v) &&
		     json_object_get_boolean(v)) ||
		    (type && strcmp(type, "Succeed") == 0))
			edge(g, from, end_id, "", E_SOLID, edge_taken(g, name2, NULL));
		if (type && strcmp(type, "Fail") == 0)
			edge(g, from, end_id, "fails", E_DOTTED,
			     state_mark(g, name2) != M_NONE);
		if (json_object_object_get_ex(st, "Choices", &v) &&
		    json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *rule = json_object_array_get_idx(v, i);
				if (lookup(ids, str_field(rule, "Next"), to,
					   sizeof(to)) != 0)
					continue;
				rule_label(rule, i, label, sizeof(label));
				edge(g, from, to, label, E_SOLID,
				     edge_taken(g, name2, str_field(rule, "Next")));
			}
		}
		if (lookup(ids, str_field(st, "Default"), to, sizeof(to)) == 0)
			edge(g, from, to, "Default", E_SOLID,
			     edge_taken(g, name2, str_field(st, "Default")));
		if (json_object_object_get_ex(st, "Retry", &v) &&
		    json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *r = json_object_array_get_idx(v, i);
				json_object *ma = NULL;
				char names[300];
				error_names(r, names, sizeof(names));
				int attempts = 3; /* the ASL default */
				if (json_object_object_get_ex(r, "MaxAttempts", &ma))
					attempts = json_object_get_int(ma);
				snprintf(label, sizeof(label), "Retry %s x%d",
					 names, attempts);
				edge(g, from, from, label, E_DOTTED,
				     edge_taken(g, name2, name2));
			}
		}
		if (json_object_object_get_ex(st, "Catch", &v) &&
		    json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *c = json_object_array_get_idx(v, i);
				char names[300];
				if (lookup(ids, str_field(c, "Next"), to,
					   sizeof(to)) != 0)
					continue;
				error_names(c, names, sizeof(names));
				snprintf(label, sizeof(label), "Catch %s", names);
				edge(g, from, to, label, E_DASHED,
				     edge_taken(g, name2, str_field(c, "Next")));
			}
		}
	}
	if (parent != NULL)
		fputs(g->fmt == PW_GRAPH_DOT ? "  }\n" : "  end\n", g->f);
	json_object_put(ids);
}

int pw_graph_write(json_object *root, enum pw_graph_format fmt, FILE *f)
{
	return pw_graph_write_marked(root, fmt, NULL, f);
}

/* Mermaid: the marks as classes and link styles, after every node and link. */
static void mermaid_marks(struct g *g)
{
	static const char *const defs[] = {
		NULL, "fill:#d4edda,stroke:#2e7d32,stroke-width:2px",
		"fill:#f8d7da,stroke:#c62828,stroke-width:3px",
		"fill:#cce5ff,stroke:#1565c0,stroke-width:3px"};
	for (int k = M_VISITED; k <= M_CURRENT; k++) {
		json_object *l = NULL;
		fprintf(g->f, "  classDef %s %s\n", mark_class[k], defs[k]);
		if (!json_object_object_get_ex(g->classes, mark_class[k], &l))
			continue;
		fputs("  class ", g->f);
		for (size_t i = 0; i < json_object_array_length(l); i++)
			fprintf(g->f, "%sn%d", i ? "," : "",
				json_object_get_int(json_object_array_get_idx(l, i)));
		fprintf(g->f, " %s\n", mark_class[k]);
	}
	size_t n = json_object_array_length(g->taken);
	if (n == 0)
		return;
	fputs("  linkStyle ", g->f);
	for (size_t i = 0; i < n; i++)
		fprintf(g->f, "%s%d", i ? "," : "",
			json_object_get_int(json_object_array_get_idx(g->taken, i)));
	fputs(" stroke:#2e7d32,stroke-width:3px\n", g->f);
}

int pw_graph_write_marked(json_object *root, enum pw_graph_format fmt,
			  const struct pw_graph_marks *marks, FILE *f)
{
	struct g g = {f, fmt, 0, 0, marks, 0, NULL, NULL};
	if (f == NULL || !json_object_is_type(root, json_type_object))
		return -1;
	if (fmt == PW_GRAPH_DOT) {
		fputs("digraph workflow {\n  rankdir=TB;\n"
		      "  node [fontname=\"Helvetica\"];\n"
		      "  edge [fontname=\"Helvetica\", fontsize=10];\n",
		      f);
		if (marks && marks->title) {
			fputs("  labelloc=t;\n  label=\"", f);
			put_label(&g, marks->title);
			fputs("\";\n", f);
		}
	} else {
		if (marks && marks->title) {
			/* Mermaid front matter: the diagram's title */
			fputs("---\ntitle: \"", f);
			put_label(&g, marks->title);
			fputs("\"\n---\n", f);
		}
		fputs("flowchart TD\n", f);
	}
	g.classes = json_object_new_object();
	g.taken = json_object_new_array();
	machine(&g, root, NULL, NULL, 0);
	if (fmt == PW_GRAPH_DOT)
		fputs("}\n", f);
	else if (marks != NULL)
		mermaid_marks(&g);
	json_object_put(g.classes);
	json_object_put(g.taken);
	return ferror(f) ? -1 : 0;
}
