/*
 * pw_graph - a workflow as Graphviz DOT or Mermaid flowchart text.
 * Owner: engine-language.
 */
#ifndef PW_GRAPH_H
#define PW_GRAPH_H

#include <stdio.h>
#include <json-c/json.h>

enum pw_graph_format { PW_GRAPH_DOT, PW_GRAPH_MERMAID };

/* Writes the state machine `root` (a validated workflow) to f. 0 or -1. */
int pw_graph_write(json_object *root, enum pw_graph_format fmt, FILE *f);

/* What one execution did, drawn over the workflow as the Step Functions
 * console does: visited states and transitions taken in green, the state
 * it failed in red, the state it is in (running or interrupted) blue.
 * States are matched by name at any depth. All members borrowed. */
struct pw_graph_marks {
	json_object *visited; /* object: state name -> anything */
	json_object *edges;   /* object: "FROM\x1fTO" -> anything ("FROM\x1f": to the end) */
	const char *failed;   /* NULL: none */
	const char *current;  /* NULL: none */
	const char *title;    /* a caption (the execution and its status), or NULL */
};

/* pw_graph_write with an execution's marks (NULL: none). */
int pw_graph_write_marked(json_object *root, enum pw_graph_format fmt,
			  const struct pw_graph_marks *marks, FILE *f);

#endif
