-- classify.lua: is this instance one aurora-prewarm should warm? Only
-- readers of a configured cluster are; anything else ends the execution
-- with an "ignored" output (not a failure).
--
-- Input:  {"target": normalize_event output, "instance": one DBInstances
--          item, or "described": the whole rds:DescribeDBInstances result,
--          "settings": settings output,
--          "cluster": optional DBClusters item (adds the writer check)}
-- Output: {"Ignore": bool, "Reason": text, "DBInstanceIdentifier",
--          "DBClusterIdentifier", "Cluster": the cluster's settings}

local input = ...

if type(input) == "table" and input.instance == nil and type(input.described) == "table" then
  local list = input.described.DBInstances
  input.instance = type(list) == "table" and list[1] or nil
  if input.instance == nil then
    error({ Error = "RDS.DBInstanceNotFound", Cause = "DescribeDBInstances returned no instance" })
  end
end
if type(input) ~= "table" or type(input.instance) ~= "table" or type(input.settings) ~= "table" then
  error({ Error = "States.Runtime", Cause = "classify: needs instance and settings" })
end
local inst, settings = input.instance, input.settings
local id = inst.DBInstanceIdentifier
local cluster_id = inst.DBClusterIdentifier

local out = { Ignore = false, DBInstanceIdentifier = id }

local function ignore(fmt, ...)
  out.Ignore = true
  out.Reason = string.format(fmt, ...)
  return out
end

local function run()
  if type(cluster_id) ~= "string" then
    return ignore("%s is not part of an Aurora cluster", tostring(id))
  end
  out.DBClusterIdentifier = cluster_id
  local cfg = settings.Clusters and settings.Clusters[cluster_id]
  if cfg == nil then
    return ignore("%s belongs to cluster %s, which is not configured (configured: %s)",
      id, cluster_id, table.concat(settings.ClusterIds or {}, ", "))
  end
  if type(inst.Engine) == "string" and inst.Engine ~= "aurora-postgresql" then
    return ignore("%s runs %s, not aurora-postgresql", id, inst.Engine)
  end
  out.Cluster = cfg
  local cluster = input.cluster
  if type(cluster) == "table" then
    for _, m in ipairs(cluster.DBClusterMembers or {}) do
      if m.DBInstanceIdentifier == id and m.IsClusterWriter == true then
        return ignore("%s is the writer of %s: only readers are warmed and added to reader endpoints", id, cluster_id)
      end
    end
  end
  out.Reason = string.format("%s is a reader of %s", id, cluster_id)
  return out
end

return run()
