-- A Lua workflow returns the state machine as a table. Computed parts
-- are the point: here one Retry policy is shared by every Task.
local retry = { { ErrorEquals = { "States.TaskFailed" }, MaxAttempts = 2 } }

local function task(resource, next_state)
  return { Type = "Task", Resource = resource, Retry = retry,
           ResultPath = null, Next = next_state }
end

return {
  Comment = "Lua workflow",
  StartAt = "Describe",
  States = {
    Describe = task("rds:DescribeDBInstances", "Pause"),
    Pause = { Type = "Wait", Seconds = 2 * 5, Next = "Notify" },
    Notify = task("notify:Publish", "Done"),
    Done = { Type = "Succeed" },
  },
}
