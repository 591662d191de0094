/*
 * sfn_export - a workflow as an AWS Step Functions definition, with the
 * Tasks Step Functions cannot run itself (`lua:` scripts and plugin
 * actions) handed to `prewarm worker` through an activity (or a Lambda
 * function). The wire format between the two is in engine/SFN.md.
 * Owner: engine-runtime.
 */
#ifndef SFN_EXPORT_H
#define SFN_EXPORT_H

#include <json-c/json.h>

#include "pw_doc.h"
#include "pw_validate.h"

/* Member names of a worker Task's input (engine/SFN.md). */
#define PW_SFN_WORKFLOW "Workflow"
#define PW_SFN_STATE "State"
#define PW_SFN_RESOURCE "Resource"
#define PW_SFN_PARAMETERS "Parameters"
#define PW_SFN_VARS "Vars"
#define PW_SFN_HEARTBEAT "HeartbeatSeconds"
/* {"Prewarm.Var": "<path after $$.Vars>"}: a var the worker fills in. */
#define PW_SFN_VAR_REF "Prewarm.Var"
/* {"Prewarm.SecretRef": {...}}: an output that held a secret, by recipe. */
#define PW_SFN_SECRET_REF "Prewarm.SecretRef"
/* The error a worker stopped by SIGTERM hands an unfinished task back with. */
#define PW_SFN_WORKER_STOPPED "Prewarm.WorkerStopped"

struct pw_sfn_export_opts {
	const char *activity_arn; /* exactly one of these two */
	const char *lambda_arn;
	int heartbeat_seconds;    /* activity Tasks; <= 0: 60 */
	int worker_retries;       /* MaxAttempts after a lost worker; < 0: 2 */
	json_object *vars;        /* the config's vars (borrowed, may be NULL);
				     secret ones are left out */
};

/* The workflow's name as the worker matches it: the file's base name
 * without its extension. */
void pw_sfn_workflow_name(const char *file, char *out, size_t len);

/* Returns the definition (NEW reference) or NULL after appending one
 * diagnostic per construct Step Functions cannot run to *diags. doc must
 * be a validated workflow. */
json_object *pw_sfn_export(const pw_doc *doc, const struct pw_sfn_export_opts *o,
			   pw_diag_list *diags);

#endif
