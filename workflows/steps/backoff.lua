-- backoff.lua: the next delay of a bounded polling loop (a Choice + Wait
-- loop in the workflow), so waits grow instead of sleeping a fixed 300 s.
--
-- Input:  {"poll": <this step's previous output, absent on the first call>,
--          "policy": {"InitialSeconds", "BackoffRate", "MaxDelaySeconds",
--                     "MaxWaitSeconds"}}
-- Output: {"Attempt": n, "WaitSeconds": delay before the next check,
--          "WaitedSeconds": total of all delays so far (this one included),
--          "Exhausted": true when waiting WaitSeconds more would pass
--          MaxWaitSeconds: the loop should give up instead}
-- delay(n) = min(InitialSeconds * BackoffRate^(n-1), MaxDelaySeconds), the
-- same formula as ASL Retry. The total is counted from the delays, not the
-- clock, so a dry run (where Wait does not wait) plans the same loop.

local input = ...

local function bad(fmt, ...)
  error({ Error = "Config.Invalid", Cause = string.format(fmt, ...) })
end

local policy = type(input) == "table" and input.policy or nil
if type(policy) ~= "table" then
  bad("backoff: policy is missing")
end
for _, k in ipairs({ "InitialSeconds", "BackoffRate", "MaxDelaySeconds", "MaxWaitSeconds" }) do
  if type(policy[k]) ~= "number" then
    bad("backoff: policy.%s must be a number", k)
  end
end

local poll = input.poll
local attempt, waited = 1, 0
if type(poll) == "table" and type(poll.Attempt) == "number" then
  attempt = math.tointeger(poll.Attempt + 1) or 1
  waited = poll.WaitedSeconds or 0
end

local delay = policy.InitialSeconds * policy.BackoffRate ^ (attempt - 1)
delay = math.min(delay, policy.MaxDelaySeconds)
-- Never wait past the budget: the last wait is shortened to fit it.
local left = policy.MaxWaitSeconds - waited
local exhausted = left <= 0
if not exhausted and delay > left then
  delay = left
end
delay = math.max(1, math.floor(delay + 0.5))

return {
  Attempt = attempt,
  WaitSeconds = delay,
  WaitedSeconds = exhausted and waited or waited + delay,
  Exhausted = exhausted,
}
