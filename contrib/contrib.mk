# contrib module rules (included from the top Makefile.am)

# The pg_cron + aws_s3 job exporting the top queries (postgres-warm).
pgcrondir = $(pkgdatadir)/pg_cron
dist_pgcron_DATA = contrib/pg_cron/export-top-queries.sql

# Deployment files (contrib/DEPLOY.md), installed for reference under
# $(pkgdatadir)/contrib/: the config example, the IAM policy, the
# CloudFormation template and the systemd unit. The container build is
# source-only.
nobase_dist_pkgdata_DATA += contrib/config/prewarm.example.yaml \
	contrib/iam/policy.json contrib/cloudformation/aurora-prewarm.yaml \
	contrib/systemd/prewarm-watch.service
EXTRA_DIST += contrib/DEPLOY.md contrib/container/Dockerfile
