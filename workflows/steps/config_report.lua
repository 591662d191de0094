-- config_report.lua: the check-config result; fails when an endpoint check
-- found a problem (warnings alone pass, and are logged).
--
-- Input:  {"settings", "clusters": check_endpoints outputs}
-- Output: {"Settings", "Clusters", "Warnings": [...], "Notes": [...]}
-- Errors: Config.Invalid with every problem, one per line.

local input = ...

local problems, warnings, notes = {}, {}, {}
for _, c in ipairs(type(input) == "table" and input.clusters or {}) do
  for _, p in ipairs(type(c.Problems) == "table" and c.Problems or {}) do
    problems[#problems + 1] = p
  end
  for _, w in ipairs(type(c.Warnings) == "table" and c.Warnings or {}) do
    warnings[#warnings + 1] = w
    prewarm.log("warn", w)
  end
  for _, n in ipairs(type(c.Notes) == "table" and c.Notes or {}) do
    notes[#notes + 1] = n
    prewarm.log("info", n)
  end
end
if #problems > 0 then
  error({ Error = "Config.Invalid", Cause = table.concat(problems, "\n") })
end
return { Settings = input.settings, Clusters = input.clusters, Warnings = warnings, Notes = notes }
