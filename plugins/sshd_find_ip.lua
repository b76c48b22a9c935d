-- sshd_find_ip.lua: MozDef's mq/plugins/sshdFindIP.py (spec c.5): when an sshd or fail2ban
-- event has no details.sourceipaddress, the first word of `summary` that is an IPv4 address
-- or CIDR by the test of spec c.1 (four dot-separated decimal octets 0-255, leading zeros
-- accepted, optionally /0-32) becomes it.
local function is_ipv4(w)
  local a, b, c, d, rest = w:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)(.*)$")
  if not a then return false end
  for _, o in ipairs({a, b, c, d}) do
    if tonumber(o) > 255 then return false end
  end
  if rest == "" then return true end
  local n = rest:match("^/(%d+)$")
  return n ~= nil and tonumber(n) <= 32
end

return {
  name = "sshd_find_ip",
  registration = {"sshd", "fail2ban"},
  priority = 5,
  process = function(event)
    local s = event.summary
    if type(s) ~= "string" then return nil end
    local d = event.details
    if type(d) == "table" and d.sourceipaddress ~= nil then return nil end
    for w in s:gmatch("%S+") do
      w = w:gsub('^"+', ""):gsub('"+$', ""):gsub("^'+", ""):gsub("'+$", "")
           :gsub("^,+", ""):gsub(",+$", "")
      if is_ipv4(w) then
        if type(d) ~= "table" then d = {}; event.details = d end
        d.sourceipaddress = w
        return event
      end
    end
    return nil
  end,
}
