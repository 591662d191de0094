-- vars-check.lua: checks the config file's `vars:` and fills in defaults, so
-- every later state reads one well-formed settings object. One file, two
-- uses: each workflow's first state (LoadSettings, `lua:vars-check.lua`),
-- and `prewarm validate --config FILE` (engine/RUNTIME.md, "Vars checker"),
-- which runs it with the config's vars and reports a raised error at the
-- config line of the var it names. Unknown var keys are refused.
--
-- Input:  {"vars": $$.Vars (config `vars:` and --var KEY=VALUE)}; without
--          it the top-level names are read one by one with prewarm.var.
-- Output: see contrib/config/prewarm.example.yaml for the input side and
--         workflows/WORKFLOWS.md ("Settings") for this output:
--   {"Region", "ClusterIds": [...], "Clusters": {ID: {"DBClusterIdentifier",
--    "Endpoints", "Database", "Warm"}}, "Available", "Lag", "Reconcile",
--    "Notify"}
-- Errors: Config.Invalid, naming the offending field (vars.clusters.X.endpoints),
--         including an unknown one ("vars.lag.treshold_ms: unknown setting
--         (did you mean lag.threshold_ms?)").
--
-- Vars are scalars: nesting is spelled with dots (clusters.app-prod.endpoints)
-- and lists as "a,b". --var values arrive as strings: numbers are converted,
-- and a value that starts with "{" or "[" is read as JSON.

local input = ...

local function invalid(field, fmt, ...)
  error({ Error = "Config.Invalid", Cause = "vars." .. field .. ": " .. string.format(fmt, ...) })
end

local function present(v)
  return v ~= nil and type(v) ~= "userdata"
end

local function decoded(v, field)
  if type(v) == "string" and (v:match("^%s*[%[{]")) then
    local ok, value = pcall(prewarm.json.decode, v)
    if not ok then
      invalid(field, "not valid JSON: %s", tostring(value))
    end
    return value
  end
  return v
end

local function number(v, field, default, min, max)
  if not present(v) then
    return default
  end
  local n = tonumber(v)
  if n == nil then
    invalid(field, "expected a number, got %q", tostring(v))
  end
  if (min and n < min) or (max and n > max) then
    invalid(field, "%s is out of range [%s, %s]", tostring(v), tostring(min or "-inf"), tostring(max or "inf"))
  end
  return n
end

local function integer(v, field, default, min, max)
  local n = number(v, field, default, min, max)
  if n ~= nil and math.type(n) ~= "integer" then
    if n ~= math.floor(n) then
      invalid(field, "expected a whole number, got %s", tostring(v))
    end
    n = math.tointeger(n)
  end
  return n
end

local function boolean(v, field, default)
  if not present(v) then
    return default
  end
  if v == true or v == "true" or v == "yes" or v == "on" then
    return true
  end
  if v == false or v == "false" or v == "no" or v == "off" then
    return false
  end
  invalid(field, "expected true or false, got %q", tostring(v))
end

local function str(v, field, default)
  if not present(v) then
    return default
  end
  if type(v) ~= "string" and type(v) ~= "number" then
    invalid(field, "expected a string")
  end
  return tostring(v)
end

local function object(v, field)
  v = decoded(v, field)
  if not present(v) then
    return {}
  end
  if type(v) ~= "table" then
    invalid(field, "expected a mapping")
  end
  return v
end

local function identifier(v, field)
  if type(v) ~= "string" or not v:lower():match("^[a-z][a-z0-9%-]*$") or #v > 63 then
    invalid(field, "%q is not a valid RDS identifier", tostring(v))
  end
  return v:lower()
end

-- A list given as a YAML sequence, a JSON string or "a,b" text.
local function list(v, field)
  v = decoded(v, field)
  if not present(v) then
    return {}
  end
  if type(v) == "string" then
    local items = {}
    for item in v:gmatch("[^,%s]+") do
      items[#items + 1] = item
    end
    return items
  end
  if type(v) ~= "table" or (next(v) ~= nil and v[1] == nil) then
    invalid(field, "expected a list")
  end
  return v
end

-- Per-cluster settings override the global ones key by key.
local function merged(global, specific)
  local out = {}
  for k, v in pairs(global) do
    out[k] = v
  end
  for k, v in pairs(specific) do
    out[k] = v
  end
  return out
end

-- Exponential backoff policy for a bounded wait (see steps/backoff.lua).
local function backoff(v, field, d)
  v = object(v, field)
  local p = {
    InitialSeconds = integer(v.initial_seconds, field .. ".initial_seconds", d.initial, 1, 3600),
    BackoffRate = number(v.backoff_rate, field .. ".backoff_rate", d.rate, 1, 10),
    MaxDelaySeconds = integer(v.max_delay_seconds, field .. ".max_delay_seconds", d.max_delay, 1, 3600),
    MaxWaitSeconds = integer(v.max_wait_seconds, field .. ".max_wait_seconds", d.max_wait, 0, 86400),
  }
  if p.MaxDelaySeconds < p.InitialSeconds then
    invalid(field .. ".max_delay_seconds", "must be at least initial_seconds (%d)", p.InitialSeconds)
  end
  return p
end

local STRATEGIES = { mirror = true, queries = true, relations = true }

local function warm(v, field)
  local w = {}
  if present(v.strategy) then
    local s = decoded(v.strategy, field .. ".strategy")
    if s == "auto" then
      w.Strategy = "auto"
    else
      w.Strategy = {}
      for i, name in ipairs(list(s, field .. ".strategy")) do
        if not STRATEGIES[name] then
          invalid(field .. ".strategy", "%q is not auto, mirror, queries or relations", tostring(name))
        end
        w.Strategy[i] = name
      end
      if #w.Strategy == 0 then
        invalid(field .. ".strategy", "is empty")
      end
    end
  end
  w.TopN = integer(v.top_n, field .. ".top_n", nil, 1, 100000)
  w.Parallel = integer(v.parallel, field .. ".parallel", nil, 1, 64)
  -- The Warm Task's TimeoutSeconds is 3600: the budget must end the warm first.
  w.BudgetSeconds = integer(v.budget_seconds, field .. ".budget_seconds", nil, 1, 3000)
  w.StatementTimeoutMs = integer(v.statement_timeout_ms, field .. ".statement_timeout_ms", nil, 1, 3600000)
  w.MaxBufferFraction = number(v.max_buffer_fraction, field .. ".max_buffer_fraction", nil, 0.01, 1)
  w.WriterAsSource = boolean(v.writer_as_source, field .. ".writer_as_source", nil)
  if present(v.relations) then
    w.Relations = list(v.relations, field .. ".relations")
  end
  if present(v.queries_s3) then
    local q = object(v.queries_s3, field .. ".queries_s3")
    w.QueriesS3 = {
      Bucket = str(q.bucket, field .. ".queries_s3.bucket"),
      Prefix = str(q.prefix, field .. ".queries_s3.prefix", ""),
    }
    if w.QueriesS3.Bucket == nil then
      invalid(field .. ".queries_s3.bucket", "is required")
    end
  end
  -- Buffer snapshots of a reader (workflows/snapshot-buffers.yaml), mirrored
  -- when no reader is in service. max_age_seconds defaults to one day
  -- (WORKFLOWS.md, "Buffer snapshots": why).
  if present(v.snapshot_s3) then
    local q = object(v.snapshot_s3, field .. ".snapshot_s3")
    w.SnapshotS3 = {
      Bucket = str(q.bucket, field .. ".snapshot_s3.bucket"),
      Prefix = str(q.prefix, field .. ".snapshot_s3.prefix", ""),
      MaxAgeSeconds = integer(q.max_age_seconds, field .. ".snapshot_s3.max_age_seconds", 86400, 1, 31 * 86400),
    }
    if w.SnapshotS3.Bucket == nil or w.SnapshotS3.Bucket == "" then
      invalid(field .. ".snapshot_s3.bucket", "is required")
    end
  end
  return w
end

local AUTH = { secret = true, iam = true, pgpass = true }

local function database(v, field)
  local d = {
    Auth = str(v.auth, field .. ".auth"),
    SecretId = str(v.secret_id, field .. ".secret_id"),
    User = str(v.user, field .. ".user"),
    DBName = str(v.dbname, field .. ".dbname"),
    Port = integer(v.port, field .. ".port", nil, 1, 65535),
    SSLMode = str(v.sslmode, field .. ".sslmode"),
    Service = str(v.service, field .. ".service"),
  }
  -- hosts: instance id -> "host:port" used instead of the instance's
  -- endpoint (a tunnel, a proxy, or the local demo's PostgreSQL servers).
  if present(v.hosts) then
    d.Hosts = {}
    for iid, addr in pairs(object(v.hosts, field .. ".hosts")) do
      local host, port = tostring(addr):match("^%[?([^%]]-)%]?:(%d+)$")
      if host == nil or host == "" then
        invalid(field .. ".hosts." .. tostring(iid), "expected \"host:port\", got %q", tostring(addr))
      end
      d.Hosts[tostring(iid):lower()] = { Host = host, Port = math.tointeger(tonumber(port)) }
    end
  end
  return d
end

local function check_database(d, field)
  if not AUTH[d.Auth] then
    invalid(field .. ".auth", "%q is not secret, iam or pgpass", tostring(d.Auth))
  end
  if d.Auth == "secret" and d.SecretId == nil then
    invalid(field .. ".secret_id", "is required with auth: secret")
  end
  if d.Auth == "iam" and d.User == nil then
    invalid(field .. ".user", "is required with auth: iam")
  end
end

local function notify_targets(v, field)
  local targets = {}
  for i, t in ipairs(list(v, field)) do
    if type(t) == "string" then
      if t ~= "log" then
        invalid(string.format("%s[%d]", field, i), "only \"log\" may be given by name; use {Target: sns, TopicArn: ...} or {Target: webhook, Url: ...}")
      end
      targets[i] = t
    elseif type(t) == "table" then
      local kind = t.Target or t.target
      if kind == "sns" and not present(t.TopicArn or t.topic_arn) then
        invalid(string.format("%s[%d].TopicArn", field, i), "is required for an sns target")
      elseif kind == "webhook" and not present(t.Url or t.url) then
        invalid(string.format("%s[%d].Url", field, i), "is required for a webhook target")
      elseif kind ~= "sns" and kind ~= "webhook" and kind ~= "log" then
        invalid(string.format("%s[%d].Target", field, i), "%q is not log, sns or webhook", tostring(kind))
      end
      targets[i] = { Target = kind, TopicArn = t.TopicArn or t.topic_arn, Url = t.Url or t.url }
    else
      invalid(string.format("%s[%d]", field, i), "expected a target name or mapping")
    end
  end
  if #targets == 0 then
    targets[1] = "log"
  end
  return targets
end

-- The engine's config file takes scalar vars only, so structure is spelled
-- with dotted names (clusters.app-prod.endpoints: app-prod-readers) and
-- rebuilt here. --var lag.threshold_ms=50 overrides one field the same way.
-- A var whose value is JSON text ({...} or [...]) is read as that value.
local function unflatten(flat)
  local keys = {}
  for k in pairs(flat) do
    keys[#keys + 1] = k
  end
  -- Whole values first, then dotted fields (shorter before longer) on top.
  table.sort(keys, function(a, b)
    local da, db = select(2, a:gsub("%.", "")), select(2, b:gsub("%.", ""))
    if da ~= db then
      return da < db
    end
    return a < b
  end)
  local out = {}
  for _, k in ipairs(keys) do
    local node, parts = out, {}
    for part in k:gmatch("[^.]+") do
      parts[#parts + 1] = part
    end
    for i = 1, #parts - 1 do
      local p = parts[i]
      if node[p] == nil then
        node[p] = {}
      elseif type(node[p]) ~= "table" then
        invalid(table.concat(parts, ".", 1, i), "is a value, so %s cannot set a field inside it", k)
      end
      node = node[p]
    end
    node[parts[#parts]] = decoded(flat[k], k)
  end
  return out
end

-- Every setting this file reads: true is a value, a table its fields,
-- ["*"] any name (a cluster id, an instance id).
local BACKOFF = { initial_seconds = true, backoff_rate = true, max_delay_seconds = true, max_wait_seconds = true }
local WARM = {
  strategy = true, top_n = true, parallel = true, budget_seconds = true,
  statement_timeout_ms = true, max_buffer_fraction = true, writer_as_source = true,
  relations = true, queries_s3 = { bucket = true, prefix = true },
  snapshot_s3 = { bucket = true, prefix = true, max_age_seconds = true },
}
local DATABASE = {
  auth = true, secret_id = true, user = true, dbname = true, port = true,
  sslmode = true, service = true, hosts = { ["*"] = true },
}
local CLUSTER = { endpoints = true, warm = WARM, database = DATABASE }
local LAG = merged(BACKOFF, { threshold_ms = true, window_seconds = true, period_seconds = true, min_datapoints = true })
local SCHEMA = {
  region = true,
  clusters = { ["*"] = CLUSTER },
  database = DATABASE,
  warm = WARM,
  available_wait = BACKOFF,
  lag = LAG,
  reconcile = { grace_minutes = true },
  notify = { targets = true, sns_topic_arn = true, webhook_url = true, on_success = true, on_ignored = true },
}
-- The list form of clusters: [{id: ..., endpoints: ..., ...}].
local CLUSTER_ITEM = merged(CLUSTER, { id = true, cluster = true })

-- Edit distance, for "did you mean".
local function distance(a, b)
  local prev = {}
  for j = 0, #b do
    prev[j] = j
  end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function unknown(prefix, name, schema)
  local best, best_d
  for _, k in ipairs(sorted_keys(schema)) do
    if k ~= "*" then
      local d = distance(name, k)
      if d <= (#k >= 4 and math.max(2, #k // 3) or 1) and (best_d == nil or d < best_d) then
        best, best_d = k, d
      end
    end
  end
  local field = prefix .. name
  if best then
    invalid(field, "unknown setting (did you mean %s%s?)", prefix, best)
  end
  local names = {}
  for _, k in ipairs(sorted_keys(schema)) do
    if k ~= "*" then
      names[#names + 1] = k
    end
  end
  invalid(field, "unknown setting (known here: %s)", table.concat(names, ", "))
end

-- Refuses any field the schema does not name; values are checked later.
local function known(node, schema, prefix)
  if schema == true or type(node) ~= "table" then
    return
  end
  if schema == SCHEMA.clusters and node[1] ~= nil then
    for i, item in ipairs(node) do
      known(item, CLUSTER_ITEM, string.format("%s[%d].", prefix:sub(1, -2), i))
    end
    return
  end
  for _, k in ipairs(sorted_keys(node)) do
    if type(k) == "string" then
      local sub = schema[k] or schema["*"]
      if sub == nil then
        unknown(prefix, k, schema)
      end
      known(node[k], sub, prefix .. k .. ".")
    end
  end
end

local KEYS = { "region", "clusters", "database", "warm", "available_wait", "lag", "reconcile", "notify" }
local flat
if type(input) == "table" and type(input.vars) == "table" then
  flat = input.vars
else
  -- No $$.Vars given: ask for the top-level names one by one.
  flat = {}
  for _, k in ipairs(KEYS) do
    flat[k] = prewarm.var(k)
  end
end
local vars = unflatten(flat)
known(vars, SCHEMA, "")

local settings = {
  Region = str(vars.region, "region"),
  ClusterIds = {},
  Clusters = {},
}

local global_warm = warm(object(vars.warm, "warm"), "warm")
local global_db = database(object(vars.database, "database"), "database")

-- clusters: a mapping (id -> settings) or a list of {id: ..., ...}.
local clusters = object(vars.clusters, "clusters")
local entries = {}
if clusters[1] ~= nil then
  for i, c in ipairs(clusters) do
    if type(c) ~= "table" then
      invalid(string.format("clusters[%d]", i), "expected a mapping")
    end
    entries[#entries + 1] = { id = c.id or c.cluster, field = string.format("clusters[%d]", i), value = c }
  end
else
  for id, c in pairs(clusters) do
    entries[#entries + 1] = { id = id, field = "clusters." .. tostring(id), value = object(c, "clusters." .. tostring(id)) }
  end
end
if #entries == 0 then
  invalid("clusters", "name at least one cluster and its custom endpoint(s)")
end

for _, e in ipairs(entries) do
  local id = identifier(e.id, e.field .. ".id")
  if settings.Clusters[id] then
    invalid(e.field, "cluster %s is listed twice", id)
  end
  local endpoints = {}
  for i, ep in ipairs(list(e.value.endpoints, e.field .. ".endpoints")) do
    endpoints[i] = identifier(ep, string.format("%s.endpoints[%d]", e.field, i))
  end
  if #endpoints == 0 then
    invalid(e.field .. ".endpoints", "name at least one custom reader endpoint to manage")
  end
  local w = merged(global_warm, warm(object(e.value.warm, e.field .. ".warm"), e.field .. ".warm"))
  w.Strategy = w.Strategy or "auto"
  w.TopN = w.TopN or 100
  w.Parallel = w.Parallel or 2
  w.BudgetSeconds = w.BudgetSeconds or 900
  w.StatementTimeoutMs = w.StatementTimeoutMs or 30000
  -- MaxBufferFraction stays unset unless configured: the plugin's default
  -- budget (the target's free buffers) measured best (postgres-warm README).
  if w.WriterAsSource == nil then
    w.WriterAsSource = false
  end
  -- Each cluster's snapshots live under PREFIX<cluster id>/: a prefix
  -- shared by several clusters never hands one cluster another's blocks.
  if w.SnapshotS3 then
    w.SnapshotS3 = {
      Bucket = w.SnapshotS3.Bucket,
      Prefix = w.SnapshotS3.Prefix,
      MaxAgeSeconds = w.SnapshotS3.MaxAgeSeconds,
      KeyPrefix = w.SnapshotS3.Prefix .. id .. "/",
    }
  end
  local db = merged(global_db, database(object(e.value.database, e.field .. ".database"), e.field .. ".database"))
  db.Auth = db.Auth or "pgpass"
  db.DBName = db.DBName or "postgres"
  check_database(db, e.field .. ".database")
  settings.Clusters[id] = {
    DBClusterIdentifier = id,
    Endpoints = endpoints,
    Database = db,
    Warm = w,
  }
  settings.ClusterIds[#settings.ClusterIds + 1] = id
end
table.sort(settings.ClusterIds)

-- One cluster's snapshot folder must not hold another's: the warm takes
-- the newest object under PREFIX<cluster id>/, so prefix x/ for cluster a
-- and x/a/ for cluster b would hand a b's blocks (plan_warm.lua also
-- rejects a key that is not its own). Named: the setting of the cluster
-- that sets its own prefix (the global one cannot nest by itself).
local entry_of = {}
for _, e in ipairs(entries) do
  entry_of[identifier(e.id, e.field .. ".id")] = e
end
local function own_snapshot_prefix(id)
  local w = entry_of[id].value.warm
  return type(w) == "table" and type(w.snapshot_s3) == "table" and present(w.snapshot_s3.prefix)
end
for _, a in ipairs(settings.ClusterIds) do
  for _, b in ipairs(settings.ClusterIds) do
    local sa, sb = settings.Clusters[a].Warm.SnapshotS3, settings.Clusters[b].Warm.SnapshotS3
    if a ~= b and sa and sb and sa.Bucket == sb.Bucket and sb.KeyPrefix:sub(1, #sa.KeyPrefix) == sa.KeyPrefix then
      local named = own_snapshot_prefix(b) and b or own_snapshot_prefix(a) and a or nil
      invalid(named and entry_of[named].field .. ".warm.snapshot_s3.prefix" or "warm.snapshot_s3.prefix",
        "snapshots of cluster %s (s3://%s/%s) would be inside those of cluster %s (s3://%s/%s), which would read them: use prefixes that do not nest",
        b, sb.Bucket, sb.KeyPrefix, a, sa.Bucket, sa.KeyPrefix)
    end
  end
end

settings.Available = backoff(vars.available_wait, "available_wait",
  { initial = 15, rate = 1.5, max_delay = 120, max_wait = 2700 })

local lag = object(vars.lag, "lag")
settings.Lag = backoff(lag, "lag", { initial = 30, rate = 1.5, max_delay = 120, max_wait = 900 })
settings.Lag.ThresholdMs = number(lag.threshold_ms, "lag.threshold_ms", 100, 0)
settings.Lag.WindowSeconds = integer(lag.window_seconds, "lag.window_seconds", 120, 0, 86400)
settings.Lag.PeriodSeconds = integer(lag.period_seconds, "lag.period_seconds", 60, 1, 3600)
settings.Lag.MinDatapoints = integer(lag.min_datapoints, "lag.min_datapoints",
  math.max(1, settings.Lag.WindowSeconds // settings.Lag.PeriodSeconds), 1, 1440)
settings.Lag.Enabled = settings.Lag.WindowSeconds > 0

local rec = object(vars.reconcile, "reconcile")
settings.Reconcile = {
  GraceMinutes = integer(rec.grace_minutes, "reconcile.grace_minutes", 30, 0, 10080),
}

local notify = object(vars.notify, "notify")
local targets = notify_targets(notify.targets, "notify.targets")
-- Flat spellings: notify.sns_topic_arn and notify.webhook_url (comma lists).
for i, arn in ipairs(list(notify.sns_topic_arn, "notify.sns_topic_arn")) do
  if not tostring(arn):match("^arn:[^:]+:sns:") then
    invalid(string.format("notify.sns_topic_arn[%d]", i), "%q is not an SNS topic ARN", tostring(arn))
  end
  targets[#targets + 1] = { Target = "sns", TopicArn = arn }
end
for i, url in ipairs(list(notify.webhook_url, "notify.webhook_url")) do
  if not tostring(url):match("^https?://") then
    invalid(string.format("notify.webhook_url[%d]", i), "%q is not an http(s) URL", tostring(url))
  end
  targets[#targets + 1] = { Target = "webhook", Url = url }
end
settings.Notify = {
  Targets = targets,
  OnSuccess = boolean(notify.on_success, "notify.on_success", true),
  OnIgnored = boolean(notify.on_ignored, "notify.on_ignored", false),
}

return settings
