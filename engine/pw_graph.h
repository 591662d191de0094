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

#endif
