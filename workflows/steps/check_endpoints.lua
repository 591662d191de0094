-- check_endpoints.lua: are a cluster's managed custom endpoints usable by
-- aurora-prewarm? (the check-config workflow).
--
-- A managed endpoint must exist and be a CUSTOM endpoint. With a static
-- member list a new instance joins only when aurora-prewarm adds it; an
-- exclusion-list endpoint (ExcludedMembers, or no static list) takes every
-- new instance on its own, so aurora-prewarm keeps the new one in its
-- ExcludedMembers until it is warm (a note says so). The cluster's own
-- reader endpoint (cluster-ro) has no member lists at all: it takes every
-- new reader cold and nothing can exclude one (a note says so, always).
--
-- Input:  {"DBClusterIdentifier", "config": the cluster's settings (or
--          "settings"), "endpoints": rds:DescribeDBClusterEndpoints result}
-- Output: {"DBClusterIdentifier", "Endpoints": [{"DBClusterEndpointIdentifier",
--          "CustomEndpointType", "StaticMembers", "ExcludedMembers",
--          "Status"}], "Warnings", "Notes", "Problems", "ProblemCount",
--          "WarningCount"}

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

local found, reader_endpoint = {}, nil
for _, ep in ipairs(type(list) == "table" and list or {}) do
  if ep.DBClusterEndpointIdentifier then -- the cluster's own endpoints have none
    found[ep.DBClusterEndpointIdentifier] = ep
  elseif ep.EndpointType == "READER" then
    reader_endpoint = ep.Endpoint
  end
end

local out = { DBClusterIdentifier = id, Endpoints = {}, Warnings = {}, Notes = {}, Problems = {} }
local function add(t, fmt, ...)
  t[#t + 1] = string.format(fmt, ...)
end
add(out.Notes, "the cluster's reader endpoint %s takes every new reader at once, cold, and cannot exclude one (it has no member lists): applications that must not meet a cold reader must use a managed custom endpoint",
  reader_endpoint or ("of " .. tostring(id)))

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
      ExcludedMembers = excluded,
      Status = ep.Status,
    }
    if #static == 0 then
      add(out.Notes, "endpoint %s has no static member list (ExcludedMembers: %s): it takes every new instance on its own, so aurora-prewarm keeps a new one in its ExcludedMembers until it is warm, then lifts that; exclusions of your own stay",
        name, #excluded > 0 and table.concat(excluded, ", ") or "none")
    end
    if ep.CustomEndpointType == "ANY" then
      add(out.Warnings, "endpoint %s is of type ANY: the writer may be a member; aurora-prewarm removes writers only from READER endpoints", name)
    end
  end
end
out.ProblemCount = #out.Problems
out.WarningCount = #out.Warnings
return out
