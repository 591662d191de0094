-- normalize_event.lua: turns whatever started the execution into one shape.
--
-- Input:  {"event": <the execution input>, "accept": "instance-created" |
--          "failover" | "any", "clusters": optional list of the configured
--          cluster ids: an event that names another cluster is ignored
--          before any AWS call}
-- Output: {"Kind": "instance-created" | "failover" | "cluster",
--          "DBInstanceIdentifier": id or absent, "DBClusterIdentifier": id or
--          absent, "Source": "cloudtrail" | "rds-event" | "direct" |
--          "periodic", "EventId": id or absent,
--          "Ignore": bool, "Reason": text when ignored}
--
-- Event shapes understood:
--   * EventBridge "AWS API Call via CloudTrail" for rds CreateDBInstance
--     (detail.requestParameters.dBInstanceIdentifier / dBClusterIdentifier);
--   * EventBridge "RDS DB Instance Event" RDS-EVENT-0005 (instance created:
--     SourceIdentifier, maybe "rds:"-prefixed, names no cluster);
--   * EventBridge "RDS DB Cluster Event" RDS-EVENT-0071 (failover completed);
--   * {"DBInstanceIdentifier": ...} (a person or a test), with an optional
--     "DBClusterIdentifier";
--   * {"DBClusterIdentifier": ...} or {} or an EventBridge "Scheduled Event"
--     (a periodic run: every cluster).
-- Anything else that is an RDS event is ignored with a reason; input that
-- is not an event at all raises Event.Malformed.

local input = ...

local function malformed(fmt, ...)
  error({ Error = "Event.Malformed", Cause = string.format(fmt, ...) })
end

if type(input) ~= "table" or type(input.event) ~= "table" or input.event[1] ~= nil then
  malformed("the execution input must be a JSON object (an EventBridge event or {\"DBInstanceIdentifier\": ...})")
end
local event = input.event
local accept = input.accept or "any"

-- RDS identifiers: 1-63 letters, digits and hyphens, starting with a letter.
-- RDS stores them in lower case, so compare in lower case.
local function identifier(value, field)
  if type(value) ~= "string" then
    malformed("%s: expected a string, got %s", field, type(value) == "userdata" and "null" or type(value))
  end
  local id = value:lower()
  if #id == 0 or #id > 63 or not id:match("^[a-z][a-z0-9%-]*$") then
    malformed("%s: %q is not a valid RDS identifier", field, value)
  end
  return id
end

-- "rds:app-prod" and "arn:aws:rds:eu-west-1:123:cluster:app-prod" both name app-prod.
local function strip_source(value, field)
  if type(value) ~= "string" then
    return identifier(value, field)
  end
  local tail = value:match("^arn:[^:]*:rds:[^:]*:[^:]*:[^:]+:(.+)$")
  if tail then
    return identifier(tail, field)
  end
  return identifier((value:gsub("^rds:", "")), field)
end

-- JSON null arrives as a userdata sentinel: treat it like an absent field.
local function present(v)
  return v ~= nil and type(v) ~= "userdata"
end

local out = { Ignore = false }

local function ignore(reason)
  out.Ignore = true
  out.Reason = reason
end

local detail = event.detail
if present(event["detail-type"]) or present(detail) then
  if type(detail) ~= "table" then
    malformed("detail: expected an object in the EventBridge event")
  end
  if type(event.id) == "string" then
    out.EventId = event.id
  end
  local dtype = event["detail-type"]
  if dtype == "AWS API Call via CloudTrail" then
    out.Source = "cloudtrail"
    out.Kind = "instance-created"
    if detail.eventName ~= "CreateDBInstance" then
      ignore(string.format("CloudTrail event %s is not CreateDBInstance", tostring(detail.eventName)))
      out.Kind = "other"
    elseif present(detail.errorCode) then
      ignore(string.format("CreateDBInstance failed (%s): no instance was created", tostring(detail.errorCode)))
    else
      local rp = detail.requestParameters
      if type(rp) ~= "table" then
        malformed("detail.requestParameters: expected an object in the CloudTrail event")
      end
      out.DBInstanceIdentifier = identifier(rp.dBInstanceIdentifier, "detail.requestParameters.dBInstanceIdentifier")
      if present(rp.dBClusterIdentifier) then
        out.DBClusterIdentifier = identifier(rp.dBClusterIdentifier, "detail.requestParameters.dBClusterIdentifier")
      end
    end
  elseif dtype == "RDS DB Instance Event" or dtype == "RDS DB Cluster Event" then
    out.Source = "rds-event"
    local code = detail.EventID
    if type(code) ~= "string" then
      malformed("detail.EventID: expected a string such as \"RDS-EVENT-0005\"")
    end
    if code == "RDS-EVENT-0005" then
      out.Kind = "instance-created"
      out.DBInstanceIdentifier = strip_source(detail.SourceIdentifier, "detail.SourceIdentifier")
    elseif code == "RDS-EVENT-0071" then
      out.Kind = "failover"
      out.DBClusterIdentifier = strip_source(detail.SourceIdentifier or detail.SourceArn, "detail.SourceIdentifier")
      -- "Completed failover to DB instance: app-prod-2" names the new writer.
      if type(detail.Message) == "string" then
        local writer = detail.Message:match("DB instance:%s*([%w%-]+)")
        if writer then
          out.NewWriter = writer:lower()
        end
      end
    else
      out.Kind = "other"
      ignore(string.format("%s is neither RDS-EVENT-0005 (instance created) nor RDS-EVENT-0071 (failover completed)", code))
    end
  elseif dtype == "Scheduled Event" then
    -- An EventBridge schedule: a periodic run over every configured cluster.
    out.Source = "periodic"
    out.Kind = "cluster"
  else
    malformed("detail-type: %q is not an event this workflow understands", tostring(dtype))
  end
elseif present(event.DBInstanceIdentifier) then
  out.Source = "direct"
  out.Kind = "instance-created"
  out.DBInstanceIdentifier = identifier(event.DBInstanceIdentifier, "DBInstanceIdentifier")
  if present(event.DBClusterIdentifier) then
    out.DBClusterIdentifier = identifier(event.DBClusterIdentifier, "DBClusterIdentifier")
  end
elseif present(event.DBClusterIdentifier) then
  out.Source = "direct"
  out.Kind = "cluster"
  out.DBClusterIdentifier = identifier(event.DBClusterIdentifier, "DBClusterIdentifier")
elseif next(event) == nil then
  out.Source = "periodic"
  out.Kind = "cluster"
else
  malformed("the input is neither an EventBridge event nor {\"DBInstanceIdentifier\": ...} nor {\"DBClusterIdentifier\": ...}")
end

-- A workflow only acts on the kinds it was written for.
if not out.Ignore and accept ~= "any" then
  if accept == "instance-created" and out.Kind ~= "instance-created" then
    ignore(string.format("a %s event is not a new instance (aurora-failover-adjust handles it)", out.Kind))
  elseif accept == "failover" and out.Kind == "instance-created" then
    ignore("a new instance is not a failover (aurora-replica-prewarm handles it)")
  end
end

-- An event that names its cluster can be judged without asking AWS.
if not out.Ignore and out.DBClusterIdentifier and type(input.clusters) == "table" then
  local known = false
  for _, c in ipairs(input.clusters) do
    known = known or c == out.DBClusterIdentifier
  end
  if not known then
    ignore(string.format("cluster %s is not configured (configured: %s)", out.DBClusterIdentifier,
      table.concat(input.clusters, ", ")))
  end
end

return out
