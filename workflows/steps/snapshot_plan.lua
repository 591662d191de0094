-- snapshot_plan.lua: what snapshot-buffers.yaml does for one cluster: its
-- settings, whether it takes snapshots at all (warm.snapshot_s3), and the
-- time stamp of the object's key, so keys sort by time:
--   s3://BUCKET/PREFIX<cluster id>/20261203T170000Z-<reader>.csv
-- (plan_warm.lua reads the newest object under PREFIX<cluster id>/).
--
-- Input:  {"DBClusterIdentifier", "settings": vars-check.lua output,
--          "now": RFC 3339 UTC time ($$.State.EnteredTime)}
-- Output: {"Skip": bool, "Reason", "Config": the cluster's settings,
--          "Bucket", "KeyPrefix", "Stamp": "YYYYMMDDTHHMMSSZ"}

local input = ...

local function fail(name, fmt, ...)
  error({ Error = name, Cause = string.format(fmt, ...) })
end

if type(input) ~= "table" or type(input.settings) ~= "table" or type(input.DBClusterIdentifier) ~= "string" then
  fail("States.Runtime", "snapshot_plan: needs DBClusterIdentifier and settings")
end
local id = input.DBClusterIdentifier
local clusters = type(input.settings.Clusters) == "table" and input.settings.Clusters or {}
local cfg = clusters[id]
if type(cfg) ~= "table" then
  fail("Config.Invalid", "cluster %s is not configured", id)
end
local snap = type(cfg.Warm) == "table" and cfg.Warm.SnapshotS3 or nil
if type(snap) ~= "table" then
  return { Skip = true, Reason = string.format("%s: no warm.snapshot_s3 configured", id), Config = cfg }
end

local y, mo, d, h, mi, s = tostring(input.now or ""):match("^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)")
if y == nil then
  -- Not an engine time (a hand-made input): the host's UTC clock.
  y, mo, d, h, mi, s = os.date("!%Y-%m-%dT%H:%M:%S"):match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
end
return {
  Skip = false,
  Config = cfg,
  Bucket = snap.Bucket,
  KeyPrefix = snap.KeyPrefix,
  Stamp = string.format("%s%s%sT%s%s%sZ", y, mo, d, h, mi, s),
}
