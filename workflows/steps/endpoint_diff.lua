-- endpoint_diff.lua: what must change so each managed custom endpoint
-- lists exactly the warmed, available readers of its cluster.
--
-- Aurora leaves static member lists alone on failover and scale-in: a
-- READER endpoint keeps listing the new writer (and routes nothing to it)
-- and keeps listing deleted instances. This step finds those, and the
-- readers missing from an endpoint that should be warmed and added.
--
-- Input:  {"cluster": rds:DescribeDBClusters result (or its item),
--          "instances": rds:DescribeDBInstances result for the cluster (or
--          the list), "endpoints": rds:DescribeDBClusterEndpoints result (or
--          the list), "config": the cluster's settings (or "settings": the
--          whole settings, looked up by the cluster's id), "grace_minutes":
--          skip readers younger than this (an aurora-replica-prewarm
--          execution is on them; default settings.Reconcile.GraceMinutes),
--          "now": optional epoch seconds, "exclusions": true to repair
--          exclusion-list endpoints too (reconcile; see below)}
-- Output: {"DBClusterIdentifier", "Writer", "Config": the cluster's settings,
--          "RemoveCount", "WarmCount" (Lua cannot return an empty JSON
--          array, so Choice states test these before a Map),
--          "Remove": [{"DBClusterEndpointIdentifier", "DBInstanceIdentifier",
--                      "Reason"}],   safe to remove now
--          "Warm": [{"DBInstanceIdentifier", "Endpoints": [...]}],
--                                    available readers to warm, then add
--          "Pending": [ids],         readers not available yet
--          "Urgent": [text],         endpoints with no eligible member
--          "Skipped": [text], "Warnings": [text],
--          "Restored": [text]       warmed members found missing}
-- A removal that would leave a static list empty is held back (an empty
-- list means "every instance" to Aurora): it is made after a warmed reader
-- was added, when the diff runs again.
--
-- The record of intent (rds:AddStaticMember / RemoveStaticMember tag the
-- instance "aurora-prewarm:endpoint:<endpoint>" = "warm <time>" or
-- "removed <time>", DescribeDBInstances returns it in TagList) decides
-- what a missing reader is:
--   "warm"     a warmed member that got lost (a race, a hand edit):
--              restored (warmed again, then added), noted in "Restored";
--   "removed"  taken out on purpose by an operator: never re-added;
--   no tag     never added by this tool (a lost execution, a reader that
--              predates it): warmed and added as before.
-- Scale-in (the instance is gone) and failover (it is the writer) never
-- reach this: only existing non-writer instances are candidates.

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
if type(input) ~= "table" or type(input.cluster) ~= "table" then
  fail("States.Runtime", "endpoint_diff: needs the cluster")
end
local cluster_id = input.cluster.DBClusterIdentifier
local settings = type(input.settings) == "table" and input.settings or {}
local cfg = input.config
if cfg == nil and type(settings.Clusters) == "table" then
  cfg = settings.Clusters[cluster_id]
end
if type(cfg) ~= "table" then
  fail("Prewarm.ClusterNotConfigured", "cluster %s is not in the config's vars.clusters", tostring(cluster_id))
end
local now = math.floor(tonumber(input.now) or os.time())
local grace_minutes = tonumber(input.grace_minutes)
if grace_minutes == nil and type(settings.Reconcile) == "table" then
  grace_minutes = tonumber(settings.Reconcile.GraceMinutes)
end
local grace = (grace_minutes or 0) * 60

-- Whole seconds since the epoch of an RFC 3339 time, or nil (the
-- engine's parser; whole, as the messages print them with %d).
local function epoch(t)
  local s = prewarm.time(t)
  return s and math.floor(s)
end

local GONE = {
  deleting = true, failed = true, stopped = true, stopping = true,
  ["inaccessible-encryption-credentials"] = true, ["incompatible-network"] = true,
  ["incompatible-parameters"] = true, ["incompatible-restore"] = true, ["storage-full"] = true,
}

local writer
for _, m in ipairs(input.cluster.DBClusterMembers or {}) do
  if m.IsClusterWriter == true then
    writer = m.DBInstanceIdentifier
  end
end

local inst = {}
for _, i in ipairs(input.instances or {}) do
  if i.DBClusterIdentifier == nil or i.DBClusterIdentifier == cluster_id then
    inst[i.DBInstanceIdentifier] = i
  end
end

local out = {
  DBClusterIdentifier = cluster_id, Writer = writer,
  Remove = {}, Warm = {}, Pending = {}, Urgent = {}, Skipped = {}, Warnings = {},
}
local function add(list, v)
  list[#list + 1] = v
end

local eps = {}
for _, ep in ipairs(input.endpoints or {}) do
  if ep.DBClusterEndpointIdentifier then -- the cluster's own endpoints have none
    eps[ep.DBClusterEndpointIdentifier] = ep
  end
end

-- The intent recorded on an instance for one endpoint: "warm", "removed"
-- or nil, and the text after it (the time).
local INTENT = "aurora-prewarm:endpoint:"
local function tagged(i, prefix, endpoint)
  local want = prefix .. string.lower(endpoint)
  for _, t in ipairs(i.TagList or {}) do
    if type(t) == "table" and t.Key == want and type(t.Value) == "string" then
      local state, rest = t.Value:match("^(%a+)%s*(.*)$")
      return state, rest
    end
  end
  return nil
end
local function intent(i, endpoint)
  return tagged(i, INTENT, endpoint)
end
-- rds:AddExcludedMember's record: "excluded <time>" while an execution
-- warms the instance, "held <time>" after its warm failed.
local function exclusion(i, endpoint)
  if i == nil then
    return nil
  end
  return tagged(i, "aurora-prewarm:exclusion:", endpoint)
end
out.Restored = {}

local missing = {} -- reader id -> managed endpoints it is missing from
for _, name in ipairs(cfg.Endpoints or {}) do
  local ep = eps[name]
  if ep == nil then
    fail("Prewarm.EndpointNotFound", "custom endpoint %s does not exist in cluster %s", name, tostring(cluster_id))
  end
  local reader_only = ep.CustomEndpointType ~= "ANY"
  if (type(ep.StaticMembers) ~= "table" or #ep.StaticMembers == 0) and not input.exclusions then
    -- Exclusion-list endpoints are reconcile's (input.exclusions): the
    -- failover workflow has nothing to change in them.
  elseif type(ep.StaticMembers) ~= "table" or #ep.StaticMembers == 0 then
    -- An exclusion-list endpoint takes every instance it does not exclude
    -- on its own. What is ours to repair: an exclusion aurora-prewarm
    -- placed while warming a new reader and never lifted (the execution
    -- died, or its warm failed): warm it, then lift it. An operator's own
    -- exclusion (no such tag) stays.
    for _, m in ipairs(type(ep.ExcludedMembers) == "table" and ep.ExcludedMembers or {}) do
      local i = inst[m]
      local state, when = exclusion(i, name)
      if i ~= nil and m ~= writer and (state == "excluded" or state == "held") then
        add(out.Restored, string.format("%s (kept out of %s by aurora-prewarm, %s %s)", m, name, state, when))
        missing[m] = missing[m] or {}
        add(missing[m], name)
      end
    end
  else
    local members = {}
    local eligible, removals = 0, {}
    for _, m in ipairs(ep.StaticMembers or {}) do
      members[m] = true
      local i = inst[m]
      local why
      if i == nil then
        why = "no longer exists"
      elseif reader_only and m == writer then
        why = "is now the writer"
      elseif GONE[i.DBInstanceStatus] then
        why = "is " .. tostring(i.DBInstanceStatus)
      end
      if why then
        add(removals, { DBClusterEndpointIdentifier = name, DBInstanceIdentifier = m, Reason = why })
      elseif i.DBInstanceStatus == "available" then
        eligible = eligible + 1
      end
    end
    if eligible == 0 then
      add(out.Urgent, string.format("endpoint %s of %s has no available eligible member (static members: %s)",
        name, tostring(cluster_id), #(ep.StaticMembers or {}) > 0 and table.concat(ep.StaticMembers, ", ") or "none"))
    end
    local kept = #(ep.StaticMembers or {}) - #removals
    for _, r in ipairs(removals) do
      if kept > 0 then
        add(out.Remove, r)
      else
        add(out.Skipped, string.format("%s stays in %s until a warmed reader replaces it (%s)", r.DBInstanceIdentifier, name, r.Reason))
      end
    end
    for id, i in pairs(inst) do
      if id ~= writer and not members[id] then
        local state, when = intent(i, name)
        if state == "removed" then
          add(out.Skipped, string.format("%s was removed from %s on purpose (%s): not re-added", id, name, when))
        else
          if state == "warm" then
            add(out.Restored, string.format("%s (warmed into %s %s)", id, name, when))
          end
          missing[id] = missing[id] or {}
          add(missing[id], name)
        end
      end
    end
  end
end

local ids = {}
for id in pairs(missing) do
  add(ids, id)
end
table.sort(ids)
for _, id in ipairs(ids) do
  local i = inst[id]
  local created = epoch(i.InstanceCreateTime)
  if GONE[i.DBInstanceStatus] then
    add(out.Skipped, string.format("%s is %s", id, i.DBInstanceStatus))
  elseif created and now - created < grace then
    add(out.Skipped, string.format("%s was created %d s ago (grace %d s): aurora-replica-prewarm handles it", id, now - created, grace))
  elseif i.DBInstanceStatus ~= "available" then
    add(out.Pending, id)
  else
    table.sort(missing[id])
    add(out.Warm, { DBInstanceIdentifier = id, Endpoints = missing[id] })
  end
end
table.sort(out.Remove, function(a, b)
  return a.DBClusterEndpointIdentifier .. "/" .. a.DBInstanceIdentifier < b.DBClusterEndpointIdentifier .. "/" .. b.DBInstanceIdentifier
end)
out.Config = cfg
out.RemoveCount = #out.Remove
out.WarmCount = #out.Warm
out.HasPending = #out.Pending > 0
out.HasUrgent = #out.Urgent > 0
return out
