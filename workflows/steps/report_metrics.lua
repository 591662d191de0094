-- report_metrics.lua: the warm report as CloudWatch metrics, so operators
-- can graph how long warming takes and how much of the cache it fills.
--
-- Input:  {"report": postgres-warm:Warm output, "DBInstanceIdentifier",
--          "DBClusterIdentifier", "namespace": optional (AuroraPrewarm)}
-- Output: cloudwatch:PutMetricData parameters {"Namespace", "MetricData"}
--         with WarmSeconds, BlocksLoaded, BytesLoaded,
--         SharedBuffersFilledPercent, SourceHotBlocksResidentPercent (those
--         the report has), each with DBClusterIdentifier and
--         DBInstanceIdentifier dimensions.

local input = ...

if type(input) ~= "table" or type(input.report) ~= "table" then
  error({ Error = "States.Runtime", Cause = "report_metrics: needs the warm report" })
end
local r = input.report
-- A dry run's Warm result is the call it would have made: publish zeros,
-- so the plan shows the PutMetricData call (which a dry run does not make).
if r.DryRun == true then
  r = { seconds = 0, blocks_loaded = 0, bytes_loaded = 0 }
end

-- The first of several names a report field may go by, as a number.
local function field(...)
  for _, path in ipairs({ ... }) do
    local v = r
    for part in path:gmatch("[^.]+") do
      v = type(v) == "table" and v[part] or nil
    end
    if type(v) == "number" then
      return v
    end
  end
  return nil
end

local dims = {
  { Name = "DBClusterIdentifier", Value = tostring(input.DBClusterIdentifier) },
  { Name = "DBInstanceIdentifier", Value = tostring(input.DBInstanceIdentifier) },
}
local data = {}
local function metric(name, value, unit)
  if value ~= nil then
    data[#data + 1] = { MetricName = name, Dimensions = dims, Value = value, Unit = unit }
  end
end

metric("WarmSeconds", field("seconds", "elapsed_seconds", "duration_seconds"), "Seconds")
metric("BlocksLoaded", field("blocks_loaded", "blocks.loaded", "blocks"), "Count")
metric("BytesLoaded", field("bytes_loaded", "bytes.loaded", "bytes"), "Bytes")
local filled = field("shared_buffers_filled", "shared_buffers_fraction", "shared_buffers.filled_fraction")
metric("SharedBuffersFilledPercent", filled and filled * 100, "Percent")
local resident = field("source_hot_resident", "source_resident_fraction", "source.hot_resident_fraction")
metric("SourceHotBlocksResidentPercent", resident and resident * 100, "Percent")
if #data == 0 then
  error({ Error = "Prewarm.BadReport", Cause = "the warm report has no seconds, blocks or bytes to publish" })
end

return { Namespace = input.namespace or "AuroraPrewarm", MetricData = data }
