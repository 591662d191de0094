-- The database role aurora-prewarm warms as, with the least privileges the
-- postgres-warm plugin needs (contrib/DEPLOY.md, section 1). Run it once,
-- on the writer (a reader is read-only; extensions and roles reach the
-- readers by replication), in the database prewarm connects to, as a user
-- that may create extensions and roles (rds_superuser on Aurora):
--
--   psql -v ON_ERROR_STOP=1 -h WRITER -U ADMIN -d DBNAME -f prewarm-role.sql
--
-- then give the role its password (\password prewarm, and store it in the
-- Secrets Manager secret) or, for IAM database authentication,
-- GRANT rds_iam TO prewarm. The integration tests create their role with
-- this very file (tests/integration/fixtures/pg_cluster.py), so a grant
-- missing here fails them.
--
-- pg_stat_statements must also be in shared_preload_libraries.
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
CREATE EXTENSION IF NOT EXISTS pg_buffercache;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

CREATE ROLE prewarm LOGIN;
-- pg_buffercache's view and function are granted to pg_monitor only; its
-- pg_read_all_stats part shows every user's statements in
-- pg_stat_statements (the source's top queries).
GRANT pg_monitor TO prewarm;
-- pg_prewarm() checks SELECT on each relation it loads, indexes and TOAST
-- tables included, which cannot be granted one by one (PostgreSQL 14+).
GRANT pg_read_all_data TO prewarm;
-- pg_prewarm() itself is executable by PUBLIC as the extension installs it.
