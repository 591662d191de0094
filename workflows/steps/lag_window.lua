-- lag_window.lua: decides whether the new reader has kept up with the
-- writer for the whole lag window, so warming does not start on an
-- instance still replaying (its reads would be stale and slow).
--
-- Input:  {"metrics": the cloudwatch:GetMetricStatistics result (or
--          "Datapoints" directly), "lag": settings.Lag}
-- Output: {"Ok": bool, "Reason": text, "MaxLagMs": number or absent,
--          "Datapoints": count, "Required": count}
-- Ok means: at least lag.MinDatapoints datapoints in the window, and every
-- one (its Maximum, else Average) below lag.ThresholdMs. Missing data is
-- "not yet", never "ok": a brand-new instance publishes its first
-- AuroraReplicaLag only after a minute or two.

local input = ...

if type(input) ~= "table" or type(input.lag) ~= "table" then
  error({ Error = "Config.Invalid", Cause = "lag_window: needs lag settings" })
end
local lag = input.lag
local points = input.Datapoints
if points == nil and type(input.metrics) == "table" then
  points = input.metrics.Datapoints
end
if type(points) ~= "table" then
  points = {}
end
local threshold = lag.ThresholdMs or 100
local required = lag.MinDatapoints or 1

local count, worst = 0, nil
for i, p in ipairs(points) do
  local v = type(p) == "table" and (tonumber(p.Maximum) or tonumber(p.Average)) or nil
  if v == nil then
    error({ Error = "CloudWatch.MalformedResponse", Cause = string.format("Datapoints[%d] has neither Maximum nor Average", i - 1) })
  end
  count = count + 1
  if worst == nil or v > worst then
    worst = v
  end
end

local out = { Datapoints = count, Required = required, MaxLagMs = worst }
if count < required then
  out.Ok = false
  out.Reason = string.format("%d of %d AuroraReplicaLag datapoints in the window so far", count, required)
elseif worst >= threshold then
  out.Ok = false
  out.Reason = string.format("AuroraReplicaLag reached %g ms in the window (threshold %g ms)", worst, threshold)
else
  out.Ok = true
  out.Reason = string.format("AuroraReplicaLag stayed below %g ms (max %g ms over %d datapoints)", threshold, worst, count)
end
return out
