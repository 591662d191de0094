-- notification.lua: the text people read, for every outcome of every
-- workflow, and the notify:Publish parameters to send it.
--
-- Input:  {"kind": "warmed" | "failed" | "ignored" | "urgent" | "adjusted",
--          "workflow": name, "execution": $$.Execution.Id,
--          "DBInstanceIdentifier"?, "DBClusterIdentifier"?,
--          "endpoints"?: [...], "reason"?: text, "report"?: warm report,
--          "changes"?: [{"Action", "DBClusterEndpointIdentifier",
--          "DBInstanceIdentifier", "Reason"}], "failed"?: {STATE: {Error,
--          Cause}} (what each Catch wrote), "notify"?: settings.Notify,
--          "endpoints_unchanged"?: true when the failure path leaves every
--          endpoint as it was (the replica workflow: its only change comes
--          last and is rolled back), "data"?: the whole state data: fills in what is not given
--          (settings.Notify, failed, target, classified, plan, warm.report),
--          so a failure path works whatever was known when it failed}
-- Output: {"Send": bool, "Targets", "Subject", "Message", "Level",
--          "Error", "Cause", "State", "FailureCause" (failed only: the first
--          failure; FailureCause is the Fail state's one-line cause)}
-- Failures name the execution id, the failing state and the cause, so the
-- journal (`prewarm history ID`) can be found from the message alone.

local input = ...

if type(input) ~= "table" then
  error({ Error = "States.Runtime", Cause = "notification: input must be an object" })
end
-- A field of the state data by path, or nil.
local data = type(input.data) == "table" and input.data or {}
local function from_data(...)
  for _, path in ipairs({ ... }) do
    local v = data
    for part in path:gmatch("[^.]+") do
      v = type(v) == "table" and v[part] or nil
    end
    if v ~= nil and type(v) ~= "userdata" then
      return v
    end
  end
  return nil
end

input.notify = input.notify or from_data("settings.Notify")
input.failed = input.failed or from_data("failed")
input.report = input.report or from_data("warm.report")
input.endpoints = input.endpoints or from_data("plan.Endpoints", "classified.Cluster.Endpoints")
input.reason = input.reason or from_data("ignored.Reason")
input.warnings = input.warnings or from_data("plan.Warnings")
input.DBInstanceIdentifier = input.DBInstanceIdentifier
  or from_data("classified.DBInstanceIdentifier", "target.DBInstanceIdentifier")
input.DBClusterIdentifier = input.DBClusterIdentifier
  or from_data("classified.DBClusterIdentifier", "target.DBClusterIdentifier")

local notify = type(input.notify) == "table" and input.notify or {}
local kind = input.kind or "failed"
local who = input.DBInstanceIdentifier or input.DBClusterIdentifier or "?"
local exec = tostring(input.execution or "?")
local wf = input.workflow or "prewarm"

local function num(v, fmt)
  return type(v) == "number" and string.format(fmt, v) or nil
end

local out = {
  Targets = notify.Targets or { "log" },
  Level = "info",
}
local lines = {}
local function say(fmt, ...)
  lines[#lines + 1] = string.format(fmt, ...)
end

if kind == "failed" then
  -- Catch writes each error under the failing state's name; report the
  -- first (a second one is a failed compensation, e.g. the rollback).
  local states = {}
  for state, _ in pairs(type(input.failed) == "table" and input.failed or {}) do
    states[#states + 1] = state
  end
  table.sort(states)
  local first = states[1]
  local err = first and input.failed[first] or {}
  out.State = first or "?"
  out.Error = type(err.Error) == "string" and err.Error or "States.Unknown"
  out.Cause = type(err.Cause) == "string" and err.Cause or ""
  out.Level = "error"
  out.Subject = string.format("[aurora-prewarm] %s FAILED for %s", wf, who)
  say("%s failed for %s in state %s: %s", wf, who, out.State, out.Error)
  if out.Cause ~= "" then
    say("Cause: %s", out.Cause)
  end
  for i = 2, #states do
    local e = input.failed[states[i]]
    say("Also failed: %s: %s %s", states[i], tostring(e.Error), tostring(e.Cause or ""))
  end
  if input.failed.Rollback ~= nil then
    say("The rollback failed too: check the custom endpoint(s) %s for %s.",
      type(input.endpoints) == "table" and table.concat(input.endpoints, ", ") or "", who)
  elseif input.endpoints_unchanged then
    say("The custom endpoint(s) were left as they were.")
  end
  -- Exclusion-list endpoints (no static list) take every new instance on
  -- their own: the replica workflow keeps it excluded after a failure.
  local held = {}
  for _, r in ipairs(type(data.held) == "table" and data.held or {}) do
    if type(r) == "table" and r.Skipped == nil and r.DBClusterEndpointIdentifier then
      held[#held + 1] = r.DBClusterEndpointIdentifier
    end
  end
  if #held > 0 then
    say("%s stays excluded from the exclusion-list endpoint(s) %s, so it does not join them cold; once the cause is fixed, reconcile (or aurora-replica-prewarm run again for it) warms it and lifts the exclusion.",
      who, table.concat(held, ", "))
  elseif type(data.hold_failed) == "table" then
    say("Keeping %s excluded failed too (%s: %s): check the exclusion-list endpoint(s) among %s; it may serve cold.",
      who, tostring(data.hold_failed.Error), tostring(data.hold_failed.Cause or ""),
      type(input.endpoints) == "table" and table.concat(input.endpoints, ", ") or "")
  end
  -- The execution's own Cause: one line that still says where it failed.
  out.FailureCause = string.format("%s failed in state %s: %s (execution %s)", wf, out.State, out.Cause, exec)
  out.Send = true
elseif kind == "ignored" then
  out.Subject = string.format("[aurora-prewarm] %s ignored %s", wf, who)
  say("%s ignored %s: %s", wf, who, tostring(input.reason or ""))
  out.Send = notify.OnIgnored == true
elseif kind == "urgent" then
  out.Level = "error"
  out.Subject = string.format("[aurora-prewarm] URGENT: reader endpoint of %s routes nowhere", who)
  local urgent = from_data("diff.Urgent")
  if input.reason == nil and type(urgent) == "table" and #urgent > 0 then
    input.reason = table.concat(urgent, "\n")
  end
  say("%s", tostring(input.reason or "a managed reader endpoint has no eligible member"))
  say("Aurora keeps static member lists unchanged on failover: an endpoint whose members all became ineligible (the new writer, or gone) routes no connections.")
  out.Send = true
elseif kind == "adjusted" then
  local c = type(input.changes) == "table" and input.changes or nil
  if c == nil then
    -- From the state data: removals of both diff rounds, then additions.
    c = {}
    for _, path in ipairs({ "first.Remove", "diff.Remove" }) do
      for _, r in ipairs(from_data(path) or {}) do
        c[#c + 1] = { Action = "remove", DBClusterEndpointIdentifier = r.DBClusterEndpointIdentifier,
          DBInstanceIdentifier = r.DBInstanceIdentifier, Reason = r.Reason }
      end
    end
    for _, w in ipairs(from_data("warmed") or {}) do
      for _, ep in ipairs(type(w) == "table" and type(w.AddedTo) == "table" and w.AddedTo or {}) do
        c[#c + 1] = { Action = "add", DBClusterEndpointIdentifier = ep, DBInstanceIdentifier = w.DBInstanceIdentifier,
          Reason = "warmed" }
      end
    end
  end
  local skipped = from_data("diff.Skipped") or {}
  out.Subject = string.format("[aurora-prewarm] %s adjusted endpoints of %s", wf, who)
  say("%s changed the custom endpoints of %s:", wf, who)
  for _, ch in ipairs(c) do
    say("  %s %s %s %s (%s)", ch.Action == "remove" and "removed" or "added", tostring(ch.DBInstanceIdentifier),
      ch.Action == "remove" and "from" or "to", tostring(ch.DBClusterEndpointIdentifier), tostring(ch.Reason or ""))
  end
  if #c == 0 then
    say("  nothing to change")
  end
  for _, text in ipairs(skipped) do
    say("Skipped: %s", tostring(text))
  end
  -- How each reader was warmed may need a look (a buffer snapshot too old).
  for _, w in ipairs(from_data("warmed") or {}) do
    for _, text in ipairs(type(w) == "table" and type(w.Warnings) == "table" and w.Warnings or {}) do
      say("Warning (%s): %s", tostring(w.DBInstanceIdentifier), tostring(text))
    end
  end
  out.Send = notify.OnSuccess ~= false and #c > 0
  out.Changes = c
  out.ChangeCount = #c
else -- warmed
  local r = type(input.report) == "table" and input.report or {}
  out.Subject = string.format("[aurora-prewarm] %s warmed and in service", who)
  local eps = type(input.endpoints) == "table" and table.concat(input.endpoints, ", ") or "?"
  say("%s (cluster %s) was warmed and added to %s.", who, tostring(input.DBClusterIdentifier), eps)
  local parts = {}
  local function part(p)
    if p then
      parts[#parts + 1] = p
    end
  end
  if r.strategy ~= nil then
    part("strategy " .. (type(r.strategy) == "table" and table.concat(r.strategy, "+") or tostring(r.strategy)))
  end
  part(num(r.seconds, "%.1f s"))
  part(num(r.blocks_loaded, "%.0f blocks"))
  part(num(type(r.bytes_loaded) == "number" and r.bytes_loaded / 1048576, "%.1f MiB"))
  part(num(type(r.shared_buffers_filled) == "number" and r.shared_buffers_filled * 100, "%.0f%% of shared_buffers"))
  part(num(type(r.source_hot_resident) == "number" and r.source_hot_resident * 100, "%.0f%% of the source's hot blocks resident"))
  if #parts > 0 then
    say("Warm: %s.", table.concat(parts, ", "))
  end
  -- No live source: say which buffer snapshot was mirrored (and so how old
  -- the picture of the cache was).
  local step1 = type(r.steps) == "table" and r.steps[1] or nil
  if type(step1) == "table" and type(step1.snapshot) == "string" then
    say("Source: the buffer snapshot %s (no reader was in service).", step1.snapshot)
  end
  for _, w in ipairs(type(input.warnings) == "table" and input.warnings or {}) do
    say("Warning: %s", tostring(w))
  end
  for state, e in pairs(type(data.warnings) == "table" and data.warnings or {}) do
    if type(e) == "table" then
      say("Warning: %s failed (not fatal): %s %s", state, tostring(e.Error), tostring(e.Cause or ""))
    end
  end
  out.Send = notify.OnSuccess ~= false
end
say("Execution: %s", exec)
out.Message = table.concat(lines, "\n")
out.Who = who
return out
