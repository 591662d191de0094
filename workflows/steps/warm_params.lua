-- warm_params.lua: the postgres-warm:Warm parameters for a plan, with the
-- credentials of the configured access method:
--   secret  username/password from Secrets Manager (the RDS-managed JSON);
--   iam     a fresh RDS IAM auth token per host (15 minutes, plenty for a
--           bounded warm) as the password, sslmode require;
--   pgpass  nothing here: libpq finds the password in ~/.pgpass or the
--           service file (database.service) of the user prewarm runs as.
--
-- Input:  {"plan": plan_warm output, "config": the cluster's settings,
--          "credentials": {"secret": secrets:GetSecretValue result (auth
--          secret), "tokens": {"Target": rds:GenerateAuthToken result,
--          "Source": ...} (auth iam)}, "queries": s3:GetLatestObject result
--          (when plan.NeedsQueries)}
-- A plan with a Snapshot (plan_warm.lua: no live source, a fresh buffer
-- snapshot) adds "snapshot_s3": {Bucket, Key}: mirror loads it. A plan
-- without a Target (plan_warm's source_only, snapshot-buffers.yaml) gives
-- only "source".
-- Output: {"target"?, "source"?, "snapshot_s3"?, "strategy", "queries"?, "relations"?,
--          "top_n", "parallel", "budget": {"seconds",
--          "statement_timeout_ms", "max_shared_buffers_fraction"}}
-- The password only ever lives in this output and the Warm step's input;
-- the engine redacts registered secrets from logs and the journal.

local input = ...

local function fail(name, fmt, ...)
  error({ Error = name, Cause = string.format(fmt, ...) })
end

if type(input) ~= "table" or type(input.plan) ~= "table" or type(input.config) ~= "table" then
  fail("States.Runtime", "warm_params: needs plan and config")
end
local plan, cfg = input.plan, input.config
local creds = type(input.credentials) == "table" and input.credentials or {}
input.secret = input.secret or creds.secret
input.tokens = input.tokens or creds.tokens
local db = cfg.Database or {}
local warm = cfg.Warm or {}

-- user/password for every host, per the access method.
local user, password
if db.Auth == "secret" then
  local s = input.secret
  local c = type(s) == "table" and s.Credentials or nil
  if type(c) ~= "table" and type(s) == "table" and type(s.SecretString) == "string" then
    local ok, parsed = pcall(prewarm.json.decode, s.SecretString)
    c = ok and type(parsed) == "table" and parsed or nil
  end
  if type(c) ~= "table" or type(c.username) ~= "string" or type(c.password) ~= "string" then
    fail("Config.BadSecret", "secret %s holds no JSON with username and password", tostring(db.SecretId))
  end
  user, password = db.User or c.username, c.password
elseif db.Auth == "iam" then
  user = db.User
else
  user = db.User
end

local function token_for(which)
  local t = type(input.tokens) == "table" and input.tokens[which] or nil
  local tok = type(t) == "table" and (t.AuthToken or t.Token) or t
  if type(tok) ~= "string" then
    fail("Config.BadToken", "no IAM auth token for the %s instance", which:lower())
  end
  return tok
end

-- A libpq conninfo value, quoted ('...' with \\ and \\' escaped).
local function quoted(v)
  return "'" .. tostring(v):gsub("\\", "\\\\"):gsub("'", "\\'") .. "'"
end

local function conn(host, which)
  local c = {
    host = host.Host,
    port = host.Port,
    dbname = db.DBName,
    user = user,
    sslmode = db.SSLMode,
    application_name = "aurora-prewarm",
  }
  if db.Auth == "iam" then
    c.password = token_for(which)
    c.sslmode = db.SSLMode or "require"
  elseif password then
    c.password = password
  end
  if db.Service == nil then
    return c
  end
  -- A service (pg_service.conf) is only reachable through a conninfo
  -- string; the instance's host and port override the service's.
  local parts = { "service=" .. quoted(db.Service) }
  for _, k in ipairs({ "host", "port", "dbname", "user", "password", "sslmode", "application_name" }) do
    if c[k] ~= nil then
      parts[#parts + 1] = k .. "=" .. quoted(c[k])
    end
  end
  return table.concat(parts, " ")
end

local p = {
  target = plan.Target and conn(plan.Target, "Target") or nil,
  top_n = warm.TopN,
  parallel = warm.Parallel,
  budget = {
    seconds = warm.BudgetSeconds,
    statement_timeout_ms = warm.StatementTimeoutMs,
    max_shared_buffers_fraction = warm.MaxBufferFraction,
  },
}
if plan.Source then
  p.source = conn(plan.Source, "Source")
end
if type(plan.Snapshot) == "table" and not plan.Source then
  p.snapshot_s3 = { Bucket = plan.Snapshot.Bucket, Key = plan.Snapshot.Key }
end
local strategy = type(plan.Strategy) == "table" and plan.Strategy or {}
if #strategy > 0 then
  p.strategy = #strategy == 1 and strategy[1] or strategy
end
if plan.NeedsQueries then
  local q = input.queries
  local bucket = warm.QueriesS3 and warm.QueriesS3.Bucket
  if type(q) ~= "table" or type(q.Key) ~= "string" then
    fail("Prewarm.NoWarmSource", "no top-queries export under s3://%s/%s", tostring(bucket), tostring(warm.QueriesS3 and warm.QueriesS3.Prefix))
  end
  p.queries = { s3 = { Bucket = q.Bucket or bucket, Key = q.Key } }
end
if type(warm.Relations) == "table" and #warm.Relations > 0 then
  p.relations = warm.Relations
end
return p
