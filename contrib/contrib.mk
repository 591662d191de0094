# contrib module rules (included from the top Makefile.am)

# The pg_cron + aws_s3 job exporting the top queries (postgres-warm).
pgcrondir = $(pkgdatadir)/pg_cron
dist_pgcron_DATA = contrib/pg_cron/export-top-queries.sql

# The least-privilege database role (contrib/DEPLOY.md; the integration
# tests' clusters create their role with it too).
sqldir = $(pkgdatadir)/sql
dist_sql_DATA = contrib/sql/prewarm-role.sql

# Deployment files (contrib/DEPLOY.md), installed for reference under
# $(pkgdatadir)/contrib/: the config example, the IAM policy, the
# CloudFormation template and the systemd unit. The container build is
# source-only (contrib/container/build.sh).
nobase_dist_pkgdata_DATA += contrib/config/prewarm.example.yaml \
	contrib/iam/policy.json contrib/cloudformation/aurora-prewarm.yaml \
	contrib/cloudformation/aurora-prewarm-stepfunctions.yaml \
	contrib/systemd/prewarm-watch.service contrib/systemd/prewarm-snapshot.service \
	contrib/systemd/prewarm-snapshot.timer
EXTRA_DIST += contrib/DEPLOY.md contrib/container/Dockerfile contrib/container/build.sh \
	.dockerignore
# The image's own tests: run by tests/run-all.sh after build.sh, not by
# make check (they need the built image).
EXTRA_DIST += tests/integration/test_container_image.py

# The local demo (contrib/demo/README.md): source-only, run from the tree.
# Its end-to-end tests and the simulation fixtures they share with it.
EXTRA_DIST += contrib/demo/README.md contrib/demo/run-demo.sh contrib/demo/demo.py \
	tests/integration/fixtures/aurora_sim.py \
	tests/integration/fixtures/moto_aurora_sim.py \
	tests/integration/test_e2e_replica.py tests/integration/test_e2e_demo.py
TESTS += tests/integration/test_e2e_replica.py tests/integration/test_e2e_demo.py
