-- contrib/pg_cron/export-top-queries.sql
--
-- Exports the top 100 SELECTs of pg_stat_statements to S3 once an hour, as
-- CSV with a header, for aurora-prewarm's `queries` strategy
-- (postgres-warm:Warm with "queries": {"s3": {"Bucket": ..., "Key": ...}}).
-- postgres-warm:ExportTopQueries writes exactly the same CSV for clusters
-- without aws_s3.
--
-- Columns (in this order):
--   queryid          pg_stat_statements.queryid (int8)
--   query            normalized text: constants are $1, $2, ... (RFC 4180
--                    quoted when it holds commas, quotes or newlines)
--   calls            number of executions
--   total_exec_time  milliseconds, summed (weights queries when warming)
--   mean_exec_time   milliseconds
--   rows             rows returned, summed
--   shared_blks_hit  buffer hits
--   shared_blks_read buffer misses
--
-- Run on the WRITER (pg_cron runs there) as a user allowed to create
-- extensions, once per application database. Requires on Aurora: the
-- cluster parameter group has shared_preload_libraries containing
-- pg_stat_statements and pg_cron, and cron.database_name naming the
-- database pg_cron lives in; the cluster has an IAM role allowed to
-- s3:PutObject on the bucket (aws_s3 uses it).
--
-- Objects: one per hour, s3://BUCKET/top-queries/DBNAME/YYYY/MM/DD/HH.csv
-- (UTC). aws_s3 cannot set an expiry: add an S3 lifecycle rule expiring
-- the prefix top-queries/ after 7 days (warming only reads the newest).
-- Replace my-prewarm-bucket, us-east-1 and appdb below.

CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS aws_s3 CASCADE;

-- BEGIN top-queries view (tests run this part; keep it in step with
-- plugins/postgres-warm/pgw_export.c)
CREATE OR REPLACE VIEW aurora_prewarm_top_queries AS
SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time,
       s.rows, s.shared_blks_hit, s.shared_blks_read
FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_database
                WHERE datname = current_database())
  AND s.query ~* '^\s*select\M'
  AND s.query !~* '(pg_stat_statements|pg_buffercache|pg_prewarm|aurora_prewarm_top_queries)'
ORDER BY s.total_exec_time DESC, s.queryid;
-- END top-queries view

-- The hourly export. cron.schedule_in_database runs the command in the
-- application database, so current_database() above is that database.
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT cron.schedule_in_database(
  'aurora-prewarm-top-queries',
  '0 * * * *',
  $cmd$
  SELECT * FROM aws_s3.query_export_to_s3(
    'SELECT * FROM aurora_prewarm_top_queries LIMIT 100',
    aws_commons.create_s3_uri(
      'my-prewarm-bucket',
      'top-queries/' || current_database() || '/' ||
        to_char(now() AT TIME ZONE 'UTC', 'YYYY/MM/DD/HH24') || '.csv',
      'us-east-1'),
    options := 'format csv, header true')
  $cmd$,
  'appdb');
