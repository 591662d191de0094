-- lag_query.lua: the CloudWatch query for the instance's AuroraReplicaLag
-- over the last lag window (the Task after it passes it on unchanged).
--
-- Input:  {"DBInstanceIdentifier", "lag": settings.Lag, "now": optional
--          epoch seconds (tests pin the clock)}
-- Output: cloudwatch:GetMetricStatistics parameters: Namespace AWS/RDS,
--         MetricName AuroraReplicaLag, the instance dimension, StartTime/
--         EndTime (RFC 3339, UTC), Period, Statistics [Maximum].

local input = ...

if type(input) ~= "table" or type(input.DBInstanceIdentifier) ~= "string" or type(input.lag) ~= "table" then
  error({ Error = "Config.Invalid", Cause = "lag_query: needs DBInstanceIdentifier and lag settings" })
end
local lag = input.lag
local now = tonumber(input.now) or os.time()
now = math.floor(now)
local window = math.max(lag.WindowSeconds or 0, lag.PeriodSeconds or 60)

local function rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

return {
  Namespace = "AWS/RDS",
  MetricName = "AuroraReplicaLag",
  Dimensions = { { Name = "DBInstanceIdentifier", Value = input.DBInstanceIdentifier } },
  StartTime = rfc3339(now - window),
  EndTime = rfc3339(now),
  Period = lag.PeriodSeconds or 60,
  Statistics = { "Maximum" },
}
