-- update_static_members.lua: the Lua port of the original's
-- 02_Lambda/UpdateStaticMembers/UpdateStaticMembers.py (function
-- junwoo-ReturnStaticMembers in StepFunction.json).
--
-- Event (the Task's Parameters.Payload):
--   {"StaticMembers": [...], "DbInstanceIdentifier": "..."}
-- Result: {"updatedStaticMembers": [...]}: StaticMembers with the instance
-- appended unless it is already there (order kept).

local event = ...
if type(event) ~= "table" then
  error({ Error = "ValueError", Cause = "the event is not an object" })
end
local members = event.StaticMembers
if members == nil or members == prewarm.json.null then
  members = {}
end
if type(members) ~= "table" then
  error({ Error = "ValueError", Cause = "StaticMembers is not a list" })
end
local id = event.DbInstanceIdentifier
local out = {}
local present = false
for i, m in ipairs(members) do
  out[i] = m
  if m == id then
    present = true
  end
end
if type(id) == "string" and id ~= "" and not present then
  out[#out + 1] = id
end
prewarm.log("info", "updated StaticMembers: " .. prewarm.json.encode(out))
-- An empty table would cross as {}; the endpoint needs a list.
if #out == 0 then
  return { updatedStaticMembers = prewarm.json.decode("[]") }
end
return { updatedStaticMembers = out }
