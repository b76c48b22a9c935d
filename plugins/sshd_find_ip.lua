-- sshd_find_ip.lua: MozDef's mq/plugins/sshdFindIP.py (spec c.5): when an sshd or fail2ban
-- event has no details.sourceipaddress, the first word of `summary` that is an IPv4 address
-- (inet_aton rule) becomes it.
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
      if ward.is_ipv4(w) then
        if type(d) ~= "table" then d = {}; event.details = d end
        d.sourceipaddress = w
        return event
      end
    end
    return nil
  end,
}
