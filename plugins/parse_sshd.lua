-- parse_sshd.lua: MozDef's mq/plugins/parse_sshd.py (spec c.3) for normalized syslog events
-- of sshd: reads `summary` and sets details.username, sourceipaddress, ... Captured values
-- are strings (ports too); groups that did not participate are left out (MozDef: null).
local IP = "(%d%d?%d?%.%d%d?%d?%.%d%d?%d?%.%d%d?%d?)"
local USER = "([%w@%._%-]+)"
local PORT = "(%d%d?%d?%d?%d?)"

local function set(d, t)
  for k, v in pairs(t) do d[k] = v end
end

local function parse(s)
  local st, m, u, ip, port, rest
  st, m, u, ip, port, rest = s:match("^(%w+) (%w+) for " .. USER .. " from " .. IP ..
                                     " port " .. PORT .. " ssh2(.*)$")
  if st then
    local fp = rest:match("^: RSA (%S+)$")
    if rest == "" or fp then
      return {authstatus = st, authmethod = m, username = u, sourceipaddress = ip,
              sourceport = port, rsakeyfingerprint = fp}
    end
  end
  u = s:match("^pam_unix%(sshd:session%): session opened for user " .. USER .. "$")
      or s:match("^pam_unix%(sshd:session%): session closed for user " .. USER .. "$")
      or s:match("^pam_unix%(sshd:session%): session opened for user " .. USER ..
                 " by %(uid=%d*%)$")
      or s:match("^pam_unix%(sshd:session%): session closed for user " .. USER ..
                 " by %(uid=%d*%)$")
  if u then return {username = u} end
  m, u = s:match("^Postponed (%w+) for " .. USER .. " from " .. IP .. " port " .. PORT ..
                 " ssh2")
  if m then return {authmethod = m, username = u} end
  u, ip = s:match("^Invalid user " .. USER .. " from " .. IP .. "$")
  if u then return {username = u, sourceipaddress = ip} end
  u = s:match("^input_userauth_request: invalid user " .. USER .. " %[preauth%]")
  if u then return {username = u} end
  ip, port = s:match("^Received disconnect from " .. IP .. ": " .. PORT .. ": ")
  if ip then return {sourceipaddress = ip, sourceport = port} end
  return nil
end

return {
  name = "parse_sshd",
  registration = "sshd",
  priority = 5,
  process = function(event)
    if event.processname ~= "sshd" or type(event.summary) ~= "string" then return nil end
    local t = parse(event.summary)
    if not t then return nil end
    if type(event.details) ~= "table" then event.details = {} end
    set(event.details, t)
    return event
  end,
}
