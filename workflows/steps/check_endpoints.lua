-- check_endpoints.lua: are a cluster's managed custom endpoints usable by
-- aurora-prewarm? (the check-config workflow).
--
-- A managed endpoint must exist and be a CUSTOM endpoint. It should be a
-- READER endpoint with a static member list: an endpoint that uses
-- ExcludedMembers, or lists no static members, gets every new instance
-- automatically - cold - and aurora-prewarm cannot keep it out.
--
-- Input:  {"DBClusterIdentifier", "config": the cluster's settings (or
--          "settings"), "endpoints": rds:DescribeDBClusterEndpoints result}
-- Output: {"DBClusterIdentifier", "Endpoints": [{"DBClusterEndpointIdentifier",
--          "CustomEndpointType", "StaticMembers", "Status"}], "Warnings",
--          "Problems", "ProblemCount", "WarningCount"}

local input = ...

if type(input) ~= "table" then
  error({ Error = "States.Runtime", Cause = "check_endpoints: input must be an object" })
end
local id = input.DBClusterIdentifier
local cfg = input.config
if cfg == nil and type(input.settings) == "table" and type(input.settings.Clusters) == "table" then
  cfg = input.settings.Clusters[id]
end
if type(cfg) ~= "table" then
  error({ Error = "Prewarm.ClusterNotConfigured", Cause = string.format("cluster %s is not in vars.clusters", tostring(id)) })
end
local list = input.endpoints
if type(list) == "table" and list.DBClusterEndpoints ~= nil then
  list = list.DBClusterEndpoints
end

local found = {}
for _, ep in ipairs(type(list) == "table" and list or {}) do
  if ep.DBClusterEndpointIdentifier then -- the cluster's own endpoints have none
    found[ep.DBClusterEndpointIdentifier] = ep
  end
end

local out = { DBClusterIdentifier = id, Endpoints = {}, Warnings = {}, Problems = {} }
local function add(t, fmt, ...)
  t[#t + 1] = string.format(fmt, ...)
end

for _, name in ipairs(cfg.Endpoints or {}) do
  local ep = found[name]
  if ep == nil then
    add(out.Problems, "vars.clusters.%s.endpoints: %s does not exist in cluster %s", id, name, id)
  elseif ep.EndpointType ~= nil and ep.EndpointType ~= "CUSTOM" then
    add(out.Problems, "vars.clusters.%s.endpoints: %s is a %s endpoint, not a custom one", id, name, tostring(ep.EndpointType))
  else
    local static = type(ep.StaticMembers) == "table" and ep.StaticMembers or {}
    local excluded = type(ep.ExcludedMembers) == "table" and ep.ExcludedMembers or {}
    out.Endpoints[#out.Endpoints + 1] = {
      DBClusterEndpointIdentifier = name,
      CustomEndpointType = ep.CustomEndpointType,
      StaticMembers = static,
      Status = ep.Status,
    }
    if #excluded > 0 then
      add(out.Warnings, "endpoint %s uses ExcludedMembers: Aurora adds every new instance to it at once, cold. Give it a static member list (modify-db-cluster-endpoint --static-members ...)", name)
    elseif #static == 0 then
      add(out.Warnings, "endpoint %s has no static member list, so it includes every instance, new ones cold. Give it a static member list", name)
    end
    if ep.CustomEndpointType == "ANY" then
      add(out.Warnings, "endpoint %s is of type ANY: the writer may be a member; aurora-prewarm removes writers only from READER endpoints", name)
    end
  end
end
out.ProblemCount = #out.Problems
out.WarningCount = #out.Warnings
return out
