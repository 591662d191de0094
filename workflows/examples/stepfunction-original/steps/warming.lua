-- warming.lua: the Lua port of the original's
-- 02_Lambda/WarmingDBInstance/WarmingDBInstance.py (function
-- AuroraReadReplicaWarmingFunction in StepFunction.json).
--
-- What the Python did: read username/password from Secrets Manager
-- (DB_SECRET), connect to the new reader, take the newest top-queries CSV
-- under s3://S3_BUCKET/S3_KEY_PREFIX and run every query in it. What it
-- actually did under Step Functions: nothing. It read the address from
-- event["Payload"]["Address"], but Step Functions sends Parameters.Payload
-- itself as the event, so the address was always missing and the function
-- returned {"statusCode": 400} -- which the state machine ignored before
-- adding the cold reader to the endpoint. It also swallowed every error
-- into a statusCode 500 the same way.
--
-- This port reads the event as Step Functions sends it and warms for
-- real with postgres-warm:Warm, strategy "queries" on the same S3 CSV
-- (the file contrib/pg_cron/export-top-queries.sql writes), within the
-- plugin's budget and safety rules (read-only, planned, the writer
-- refused). Any failure raises, so the Task fails and the reader is NOT
-- added to the endpoint.
--
-- Settings (config `vars:`; the Lambda's environment variables):
--   aurora_prewarming.db_secret      DB_SECRET: secret with username/password
--   aurora_prewarming.db_name        DB_NAME
--   aurora_prewarming.db_port        DB_PORT (5432)
--   aurora_prewarming.s3_bucket      S3_BUCKET
--   aurora_prewarming.s3_key_prefix  S3_KEY_PREFIX
--   aurora_prewarming.sslmode        libpq sslmode (require)
--   aurora_prewarming.hosts.INSTANCE host:port to use instead of the
--                                    event's Address (tests, tunnels)
-- Event: {"DbInstanceIdentifier": "...", "Address": "..."}
-- Result: {"statusCode": 200, "body": "DB warming done: R/P queries run",
--          "report": the Warm report}

local event = ...

local function setting(name, default)
  local v = prewarm.var("aurora_prewarming." .. name)
  if v == nil or v == "" then
    if default == nil then
      error({ Error = "ValueError",
              Cause = "config vars: aurora_prewarming." .. name .. " is not set" })
    end
    return default
  end
  return v
end

if type(event) ~= "table" or type(event.DbInstanceIdentifier) ~= "string" then
  error({ Error = "ValueError", Cause = "the event has no DbInstanceIdentifier" })
end
local id = event.DbInstanceIdentifier
local host, port = event.Address, tonumber(setting("db_port", "5432"))
local override = prewarm.var("aurora_prewarming.hosts." .. id)
if override ~= nil and override ~= "" then
  host, port = override:match("^(.+):(%d+)$")
  port = tonumber(port)
end
if type(host) ~= "string" or host == "" or port == nil then
  error({ Error = "ValueError", Cause = "no DB endpoint for " .. id .. " (Address missing)" })
end

local secret = prewarm.call("secrets:GetSecretValue", { SecretId = setting("db_secret") })
local creds = secret.Credentials
if type(creds) ~= "table" or type(creds.username) ~= "string" or type(creds.password) ~= "string" then
  error({ Error = "ValueError", Cause = "the secret holds no JSON username and password" })
end

local bucket = setting("s3_bucket")
local latest = prewarm.call("s3:GetLatestObject",
                            { Bucket = bucket, Prefix = setting("s3_key_prefix"), WithBody = false })
prewarm.log("info", "newest query file: s3://" .. bucket .. "/" .. latest.Key)

local report = prewarm.call("postgres-warm:Warm", {
  target = {
    host = host, port = port, dbname = setting("db_name"), user = creds.username,
    password = creds.password, sslmode = setting("sslmode", "require"),
  },
  strategy = "queries",
  queries = { s3 = { Bucket = bucket, Key = latest.Key } },
})

local q = type(report.queries) == "table" and report.queries or {}
return {
  statusCode = 200,
  body = string.format("DB warming done: %s/%s queries run", tostring(q.run or 0),
                       tostring(q.planned or 0)),
  report = report,
}
