/*
 * fuzz_workflow - a workflow file as `prewarm validate` reads it: loaded
 * by the loader its name picks (FUZZ_WORKFLOW_NAME: fuzz.yaml, fuzz.json
 * or fuzz.lua; the Lua one runs in the sandbox with the loader's own
 * memory and time caps), then validated against a fake resource resolver,
 * and a valid one drawn as a graph in both formats.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "lang_fake_resources.h"
#include "pw_doc.h"
#include "pw_graph.h"
#include "pw_validate.h"

#ifndef FUZZ_WORKFLOW_NAME
#error "define FUZZ_WORKFLOW_NAME (fuzz.yaml, fuzz.json or fuzz.lua)"
#endif

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pw_doc *doc = NULL;
	pw_diag diag;
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if (pw_doc_load_buffer(FUZZ_WORKFLOW_NAME, (const char *)data, size,
			       &doc, &diag) != 0) {
		pw_diag_print(&diag, devnull);
		return 0;
	}
	pw_diag_list diags = {0};
	int errors = pw_workflow_validate(doc, lt_fake_check, NULL, &diags);
	for (size_t i = 0; i < diags.count; i++)
		pw_diag_print(&diags.items[i], devnull);
	if (errors == 0) {
		pw_graph_write(pw_doc_root(doc), PW_GRAPH_DOT, devnull);
		pw_graph_write(pw_doc_root(doc), PW_GRAPH_MERMAID, devnull);
	}
	pw_diag_list_free(&diags);
	pw_doc_free(doc);
	return 0;
}
