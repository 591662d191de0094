# workflows module rules (included from the top Makefile.am)
# The example workflow of the README's first command, installed under
# $(pkgdatadir)/examples.
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = workflows/examples/hello.yaml workflows/examples/score.lua \
	workflows/examples/hello-input.json

# The shipped workflows and their Lua step scripts (workflows/WORKFLOWS.md),
# installed as $(pkgdatadir)/workflows/*.yaml and .../workflows/steps/*.lua:
# lua: paths are relative to the workflow file, so the layout is kept.
nobase_dist_pkgdata_DATA = \
	workflows/aurora-replica-prewarm.yaml workflows/aurora-failover-adjust.yaml \
	workflows/reconcile.yaml workflows/check-config.yaml \
	workflows/snapshot-buffers.yaml workflows/steps/snapshot_plan.lua \
	workflows/vars-check.lua workflows/steps/normalize_event.lua \
	workflows/steps/classify.lua workflows/steps/backoff.lua \
	workflows/steps/lag_query.lua workflows/steps/lag_window.lua \
	workflows/steps/plan_warm.lua workflows/steps/warm_params.lua \
	workflows/steps/report_metrics.lua workflows/steps/notification.lua \
	workflows/steps/endpoint_diff.lua workflows/steps/check_endpoints.lua \
	workflows/steps/config_report.lua
EXTRA_DIST += workflows/WORKFLOWS.md
# Step scripts through prewarm (no AWS), the workflows for real on
# moto + PostgreSQL, and the deployment files of contrib/.
TESTS += tests/integration/test_workflow_steps.py \
	tests/integration/test_workflow_runs.py tests/integration/test_deploy_files.py \
	tests/integration/test_endpoint_workflows.py \
	tests/integration/test_endpoint_exclusion.py \
	tests/integration/test_snapshot_fallback.py
EXTRA_DIST += tests/integration/test_workflow_steps.py \
	tests/integration/test_workflow_runs.py tests/integration/test_deploy_files.py \
	tests/integration/test_endpoint_workflows.py \
	tests/integration/test_endpoint_exclusion.py \
	tests/integration/test_snapshot_fallback.py \
	tests/data/events/cloudtrail-create-db-instance.json \
	tests/data/events/cloudtrail-failed-call.json \
	tests/data/events/cloudtrail-other-cluster.json \
	tests/data/events/direct-cluster.json \
	tests/data/events/direct-instance.json \
	tests/data/events/malformed-cloudtrail-no-request.json \
	tests/data/events/malformed-identifier-type.json \
	tests/data/events/malformed-identifier.json \
	tests/data/events/malformed-not-an-object.json \
	tests/data/events/malformed-rds-event-no-id.json \
	tests/data/events/malformed-unknown-shape.json \
	tests/data/events/rds-event-0005.json \
	tests/data/events/rds-event-0006.json \
	tests/data/events/rds-event-0071.json \
	tests/data/events/scheduled-event.json
# The original Step Functions definition this project started from, byte
# for byte, with Lua ports of its two Lambdas (WORKFLOWS.md, worked example).
EXTRA_DIST += workflows/examples/stepfunction-original/README.md \
	workflows/examples/stepfunction-original/StepFunction.json \
	workflows/examples/stepfunction-original/StepFunction-JSONata.json \
	workflows/examples/stepfunction-original/prewarm.yaml \
	workflows/examples/stepfunction-original/steps/warming.lua \
	workflows/examples/stepfunction-original/steps/update_static_members.lua
TESTS += tests/integration/test_stepfunction_original.py
EXTRA_DIST += tests/integration/test_stepfunction_original.py
