# contrib module rules (included from the top Makefile.am)

# The pg_cron + aws_s3 job exporting the top queries (postgres-warm).
pgcrondir = $(pkgdatadir)/pg_cron
dist_pgcron_DATA = contrib/pg_cron/export-top-queries.sql
