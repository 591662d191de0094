-- Scores one reader's buffer cache from pg_stat_database counters.
-- Input: {reader = NAME, blks_hit = N, blks_read = N, threshold = PCT?}
local input = ...
local hit, read = input.blks_hit or 0, input.blks_read or 0
if hit + read == 0 then
  error({Error = "Example.NoTraffic", Cause = "no reads recorded on " .. tostring(input.reader)})
end
local pct = math.floor(hit * 1000 / (hit + read)) / 10
local threshold = input.threshold or 90
prewarm.log("info", string.format("%s: %.1f%% hit ratio (threshold %d%%)", input.reader, pct, threshold))
return {hit_pct = pct, warm = pct >= threshold}
