-- plan_warm.lua: picks where the hot data comes from and how to warm.
--
-- A reader already in service (a static member of a managed custom
-- endpoint, available, not the writer) has the cache the application
-- needs: mirror it block for block. Without one, replay the top queries
-- exported to S3 by the pg_cron job (contrib/pg_cron/), or prewarm the
-- configured relations. The writer is a source only when allowed
-- (warm.writer_as_source): its workload differs from the readers'.
-- Without a live source, a buffer snapshot that workflows/snapshot-buffers.yaml
-- took of a reader (warm.snapshot_s3) is mirrored instead, if it is younger
-- than warm.snapshot_s3.max_age_seconds. Order of preference: a reader in
-- service, the writer (writer_as_source), a fresh snapshot, the top
-- queries, the relations.
--
-- Two passes when a snapshot may be needed: the first returns
-- NeedsSnapshot (no live source, warm.snapshot_s3 set, mirror wanted); the
-- workflow then looks up the newest object (s3:GetLatestObject) and runs
-- this step again with "snapshot" (that result, or the lookup's
-- {Error, Cause}) and "now" ($$.State.EnteredTime). The object is used
-- only if its key is this cluster's (snapshot-buffers.yaml's pattern) and
-- its LastModified is neither too old nor beyond the clock skew ahead.
-- With "source_only": true (snapshot-buffers.yaml) there is no target:
-- only the in-service reader to snapshot is picked (Source, or none).
--
-- Input:  {"DBInstanceIdentifier", "config": the cluster's settings,
--          "cluster": rds:DescribeDBClusters result (or its DBClusters item),
--          "instances": rds:DescribeDBInstances result for the cluster (or
--          the DBInstances list), "endpoints": rds:DescribeDBClusterEndpoints
--          result (or the DBClusterEndpoints list), "rewarm": optional
--          true to plan even when the instance is already in every managed
--          endpoint (else that is ignored as a repeated event),
--          "snapshot": second pass, see above, "now": RFC 3339 time (absent:
--          os.time()), "source_only": see above}
-- Output: {"Ignore", "Reason", "Target": {"DBInstanceIdentifier", "Host",
--          "Port"}, "Source": same or absent, "Strategy": [...],
--          "NeedsSnapshot": bool (first pass only), "Snapshot": {"Bucket",
--          "Key", "LastModified", "AgeSeconds"} when mirrored from it,
--          "NeedsQueries": bool, "Endpoints": the managed endpoints,
--          "Static": those with a static member list, "StaticCount",
--          "AddTo": those with a static list not listing the instance yet
--          (the only ones the rollback may touch), "AddCount": #AddTo,
--          "Exclusion": the exclusion-list endpoints (no static list: they
--          take every new instance on their own), "ExclusionCount",
--          "Excluded": how many of them exclude the instance (absent: 0),
--          "Warnings": [...]}
-- Errors: Prewarm.EndpointNotFound (a managed endpoint does not exist),
--         Prewarm.NoWarmSource, Prewarm.InstanceNotFound.

local input = ...

local function fail(name, fmt, ...)
  error({ Error = name, Cause = string.format(fmt, ...) })
end

-- Whole describe results or just their lists/items.
local function unwrap(v, key, first)
  if type(v) == "table" and v[key] ~= nil then
    v = v[key]
    if first then
      v = type(v) == "table" and v[1] or nil
    end
  end
  return v
end
if type(input) == "table" then
  input.cluster = unwrap(input.cluster, "DBClusters", true)
  input.instances = unwrap(input.instances, "DBInstances")
  input.endpoints = unwrap(input.endpoints, "DBClusterEndpoints")
end
if type(input) ~= "table" or type(input.config) ~= "table" or type(input.cluster) ~= "table" then
  fail("States.Runtime", "plan_warm: needs config and cluster")
end
local source_only = input.source_only == true
local id = not source_only and input.DBInstanceIdentifier or nil
local cfg = input.config
local warm = cfg.Warm or {}

local out = { Ignore = false, Warnings = {}, Endpoints = {}, AddTo = {}, Static = {}, Exclusion = {} }

-- Who is the writer now (a failover may have happened while we waited)?
local writer
for _, m in ipairs(input.cluster.DBClusterMembers or {}) do
  if m.IsClusterWriter == true then
    writer = m.DBInstanceIdentifier
  end
end
if writer == id and not source_only then
  out.Ignore = true
  out.Reason = string.format("%s is now the writer of %s: only readers are warmed", id, tostring(input.cluster.DBClusterIdentifier))
  return out
end

local by_id = {}
for _, inst in ipairs(input.instances or {}) do
  by_id[inst.DBInstanceIdentifier] = inst
end

local hosts = cfg.Database and cfg.Database.Hosts or {}
local function address(inst)
  local ep = type(inst.Endpoint) == "table" and inst.Endpoint or {}
  -- database.hosts overrides where an instance is reached.
  local override = hosts[inst.DBInstanceIdentifier]
  if type(override) == "table" then
    ep = { Address = override.Host, Port = override.Port }
  end
  return {
    DBInstanceIdentifier = inst.DBInstanceIdentifier,
    Host = ep.Address,
    Port = ep.Port or cfg.Database and cfg.Database.Port or 5432,
  }
end

if not source_only then
  local target = by_id[id]
  if target == nil then
    fail("Prewarm.InstanceNotFound", "%s is not among the instances of cluster %s", tostring(id), tostring(input.cluster.DBClusterIdentifier))
  end
  out.Target = address(target)
  if type(out.Target.Host) ~= "string" then
    fail("Prewarm.InstanceNotFound", "%s has no endpoint address yet", id)
  end
end

-- The managed endpoints, and how many of them each instance serves.
local serving = {}
local found = {}
for _, ep in ipairs(input.endpoints or {}) do
  if ep.DBClusterEndpointIdentifier then -- the cluster's own endpoints have none
    found[ep.DBClusterEndpointIdentifier] = ep
  end
end
for _, name in ipairs(cfg.Endpoints or {}) do
  local ep = found[name]
  if ep == nil then
    fail("Prewarm.EndpointNotFound", "custom endpoint %s does not exist in cluster %s", name, tostring(input.cluster.DBClusterIdentifier))
  end
  out.Endpoints[#out.Endpoints + 1] = name
  if type(ep.StaticMembers) ~= "table" or #ep.StaticMembers == 0 then
    -- An exclusion-list endpoint takes every new instance on its own: the
    -- workflow keeps this one excluded until it is warm, then lifts that
    -- (ExcludeFromOpenEndpoints, LiftExclusions); nothing to add here. Its
    -- in-service readers are all the others it does not exclude.
    out.Exclusion[#out.Exclusion + 1] = name
    local excluded = {}
    for _, m in ipairs(type(ep.ExcludedMembers) == "table" and ep.ExcludedMembers or {}) do
      excluded[m] = true
    end
    if excluded[id] then
      out.Excluded = (out.Excluded or 0) + 1
    end
    for _, inst in ipairs(input.instances or {}) do
      local iid = inst.DBInstanceIdentifier
      if not excluded[iid] and iid ~= id then
        serving[iid] = (serving[iid] or 0) + 1
      end
    end
  else
    out.Static[#out.Static + 1] = name
    local listed = false
    for _, m in ipairs(ep.StaticMembers) do
      serving[m] = (serving[m] or 0) + 1
      listed = listed or m == id
    end
    if not listed then
      out.AddTo[#out.AddTo + 1] = name
    end
  end
end
out.AddCount = #out.AddTo
out.ExclusionCount = #out.Exclusion
out.StaticCount = #out.Static
-- A repeated event (SQS delivers at least once; both instance events may be
-- routed) finds the reader already in service: nothing to do.
-- (In an exclusion-list endpoint it is in service unless excluded: the
-- workflow excludes a new reader first, and leaves one it let in before.)
if out.AddCount == 0 and (out.Excluded or 0) == 0 and not input.rewarm and not source_only then
  out.Ignore = true
  out.Reason = string.format("%s is already a member of every managed endpoint (%s)", id, table.concat(out.Endpoints, ", "))
  return out
end

-- The in-service reader that serves the most managed endpoints (ties: by name).
local best
for _, inst in ipairs(input.instances or {}) do
  local iid = inst.DBInstanceIdentifier
  if iid ~= id and iid ~= writer and inst.DBInstanceStatus == "available" and (serving[iid] or 0) > 0 then
    if best == nil or serving[iid] > serving[best.DBInstanceIdentifier]
        or (serving[iid] == serving[best.DBInstanceIdentifier] and iid < best.DBInstanceIdentifier) then
      best = inst
    end
  end
end
-- The source's connection, or nil when it has no address to connect to.
local function source_of(inst)
  local src = inst and address(inst)
  return src and type(src.Host) == "string" and src or nil
end
if source_only then
  -- A snapshot is of a reader in service only: the writer's cache holds
  -- the write workload, which is what writer_as_source is for.
  out.Source = source_of(best)
  out.Reason = out.Source and string.format("snapshot %s", out.Source.DBInstanceIdentifier)
    or string.format("no reader of %s is in service: no snapshot taken", tostring(input.cluster.DBClusterIdentifier))
  return out
end
if best == nil and warm.WriterAsSource and writer and by_id[writer] then
  best = by_id[writer]
  out.Warnings[#out.Warnings + 1] = "no reader in service: mirroring the writer (warm.writer_as_source)"
end
out.Source = source_of(best)

local has_queries = type(warm.QueriesS3) == "table"
local has_relations = type(warm.Relations) == "table" and #warm.Relations > 0

-- ---- A buffer snapshot, when no live source: is mirror wanted at all? ----
local snap_cfg = type(warm.SnapshotS3) == "table" and warm.SnapshotS3 or nil
local mirror_wanted = warm.Strategy == nil or warm.Strategy == "auto"
for _, s in ipairs(type(warm.Strategy) == "table" and warm.Strategy or {}) do
  mirror_wanted = mirror_wanted or s == "mirror"
end

-- Whole seconds since the epoch of an RFC 3339 time, or nil (the
-- engine's parser; whole, as the messages print them with %d).
local function epoch(t)
  local s = prewarm.time(t)
  return s and math.floor(s)
end

local function duration(secs)
  secs = math.floor(secs + 0.5)
  if secs >= 86400 then
    return string.format("%dd %02dh %02dm", secs // 86400, secs % 86400 // 3600, secs % 3600 // 60)
  elseif secs >= 3600 then
    return string.format("%dh %02dm", secs // 3600, secs % 3600 // 60)
  elseif secs >= 60 then
    return string.format("%dm %02ds", secs // 60, secs % 60)
  end
  return string.format("%ds", secs)
end

-- An RDS instance identifier: 1 to 63 letters, digits and hyphens, a
-- letter first, no hyphen last or twice in a row (stored lower case).
local function rds_identifier(s)
  return #s <= 63 and s:match("^[a-z][a-z0-9%-]*$") ~= nil and not s:find("--", 1, true) and s:sub(-1) ~= "-"
end

-- Why a snapshot's key is not one snapshot-buffers.yaml wrote for this
-- cluster (KEYPREFIX<YYYYMMDDTHHMMSSZ>-<reader>.csv), or nil. The lookup
-- returns the newest object under the prefix, and a prefix can hold other
-- clusters' folders (a configured prefix that is another cluster's
-- folder, or other accounts' objects in a shared bucket): their blocks
-- would be loaded into the wrong database.
local function foreign_key(key, key_prefix)
  if key:sub(1, #key_prefix) ~= key_prefix then
    return "is not under " .. key_prefix
  end
  local stamp, reader = key:sub(#key_prefix + 1):match("^(%d%d%d%d%d%d%d%dT%d%d%d%d%d%dZ)%-(.+)%.csv$")
  if stamp == nil or not rds_identifier(reader) then
    return string.format("is not %s<YYYYMMDDTHHMMSSZ>-<reader>.csv", key_prefix)
  end
  return nil
end

-- A LastModified this far ahead of our clock is not trusted (clocks of
-- S3 and this host differ by seconds, not minutes): a bad or forged time
-- would otherwise pass as brand new.
local SKEW_SECONDS = 300

if out.Source == nil and snap_cfg ~= nil and mirror_wanted then
  local cluster_id = tostring(cfg.DBClusterIdentifier or input.cluster.DBClusterIdentifier)
  local key_prefix = type(snap_cfg.KeyPrefix) == "string" and snap_cfg.KeyPrefix
    or tostring(snap_cfg.Prefix or "") .. cluster_id .. "/"
  local where = string.format("s3://%s/%s", tostring(snap_cfg.Bucket), key_prefix)
  local snap = input.snapshot
  if snap == nil or type(snap) == "userdata" then
    -- First pass: the workflow looks the newest snapshot up, then asks again.
    out.NeedsSnapshot = true
    out.Strategy = {}
    out.NeedsQueries = false
    out.Reason = string.format("no live source for %s: looking for a buffer snapshot under %s", tostring(id), where)
    return out
  end
  local max_age = tonumber(snap_cfg.MaxAgeSeconds) or 86400
  if type(snap) ~= "table" then
    out.Warnings[#out.Warnings + 1] = string.format("buffer snapshot lookup under %s returned nothing usable: not used", where)
  elseif snap.Error ~= nil then
    if snap.Error == "S3.NoSuchKey" then
      out.Warnings[#out.Warnings + 1] = string.format("no buffer snapshot under %s: not used", where)
    else
      out.Warnings[#out.Warnings + 1] = string.format("buffer snapshot lookup under %s failed (%s): not used",
        where, tostring(snap.Error))
    end
  elseif type(snap.Key) ~= "string" then
    out.Warnings[#out.Warnings + 1] = string.format("no buffer snapshot under %s: not used", where)
  else
    local url = string.format("s3://%s/%s", tostring(snap.Bucket or snap_cfg.Bucket), snap.Key)
    local taken = epoch(snap.LastModified)
    local now = epoch(input.now) or os.time()
    local foreign = foreign_key(snap.Key, key_prefix)
    if snap.Bucket ~= nil and snap.Bucket ~= snap_cfg.Bucket then
      foreign = "is not in bucket " .. tostring(snap_cfg.Bucket)
    end
    if foreign ~= nil then
      out.Warnings[#out.Warnings + 1] = string.format(
        "buffer snapshot %s %s: not a snapshot of %s, not used", url, foreign, cluster_id)
    elseif taken == nil then
      out.Warnings[#out.Warnings + 1] = string.format("buffer snapshot %s has no readable LastModified (%s): not used",
        url, tostring(snap.LastModified))
    else
      local age = now - taken
      if age < -SKEW_SECONDS then
        out.Warnings[#out.Warnings + 1] = string.format(
          "buffer snapshot %s is from the future: taken %s, %s after now (%s), more than the %s clock skew allowed: not used",
          url, tostring(snap.LastModified), duration(-age), tostring(input.now or os.date("!%Y-%m-%dT%H:%M:%SZ", now)),
          duration(SKEW_SECONDS))
      elseif age > max_age then
        out.Warnings[#out.Warnings + 1] = string.format(
          "buffer snapshot %s is too old: taken %s, %s ago, %s over warm.snapshot_s3.max_age_seconds (%s): not used",
          url, tostring(snap.LastModified), duration(age), duration(age - max_age), duration(max_age))
      else
        out.Snapshot = { Bucket = snap.Bucket or snap_cfg.Bucket, Key = snap.Key,
          LastModified = snap.LastModified, AgeSeconds = math.max(0, math.floor(age)) }
      end
    end
  end
end

-- Which strategies can run with what we have.
local function usable(s)
  if s == "mirror" then
    return out.Source ~= nil or out.Snapshot ~= nil
  elseif s == "queries" then
    return has_queries or out.Source ~= nil
  elseif s == "relations" then
    return has_relations or out.Source ~= nil
  end
  return false
end

local wanted = warm.Strategy
if wanted == nil or wanted == "auto" then
  -- Mirror alone, even with queries/relations configured: postgres-warm's
  -- Warm stops at the first strategy that fails (run_warm in pgw_warm.c),
  -- so listing them after mirror would not make them a fallback for a
  -- deleted or corrupt snapshot. Such a warm fails to ReportFailure with
  -- the endpoint untouched (WORKFLOWS.md, "Buffer snapshots").
  if out.Source or out.Snapshot then
    wanted = { "mirror" }
  elseif has_queries then
    wanted = { "queries" }
  elseif has_relations then
    wanted = { "relations" }
  else
    wanted = {}
  end
end
out.Strategy = {}
for _, s in ipairs(wanted) do
  if usable(s) then
    out.Strategy[#out.Strategy + 1] = s
  else
    out.Warnings[#out.Warnings + 1] = string.format("strategy %s skipped: no source instance%s", s,
      s == "queries" and " and no warm.queries_s3" or s == "relations" and " and no warm.relations"
      or " and no fresh buffer snapshot")
  end
end
if #out.Strategy == 0 then
  fail("Prewarm.NoWarmSource", "nothing to warm %s from: no reader in service to mirror, no fresh buffer snapshot (warm.snapshot_s3), no warm.queries_s3, no warm.relations%s",
    id, #out.Warnings > 0 and " (" .. table.concat(out.Warnings, "; ") .. ")" or "")
end
-- The S3 export is fetched only when queries run without a live source.
out.NeedsQueries = false
for _, s in ipairs(out.Strategy) do
  if s == "queries" and has_queries then
    out.NeedsQueries = true
  end
end
out.NeedsSnapshot = false
if out.Source then
  out.Reason = string.format("warm %s with %s from %s", id, table.concat(out.Strategy, "+"), out.Source.DBInstanceIdentifier)
elseif out.Snapshot then
  out.Reason = string.format("warm %s with %s from the buffer snapshot s3://%s/%s (%s old)", id,
    table.concat(out.Strategy, "+"), tostring(out.Snapshot.Bucket), out.Snapshot.Key, duration(out.Snapshot.AgeSeconds))
else
  out.Reason = string.format("warm %s with %s", id, table.concat(out.Strategy, "+"))
end
return out
