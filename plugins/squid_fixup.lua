-- squid_fixup.lua: MozDef's mq/plugins/squidFixup.py (spec c.6): squid access-log lines that
-- arrive through a custom endpoint (customendpoint set, category "proxy", MESSAGE = the line)
-- become a new event of type "squid" with the log format
--   %ts.%03tu %6tr %>a %>p %<a %<p %Ss %<Hs %>st %<st %rm %ru %>rs %<A %mt
-- parsed into details. A line with fewer than 15 fields raises an error: the plugin failure
-- is counted and the event continues as received (MozDef loses it).

local function int(s)
  if s == "-" then return 0 end
  local n = tonumber(s)
  if not n or n ~= math.floor(n) then error("not an integer: " .. tostring(s)) end
  return n
end

-- the host name without scheme, slashes, path or port, empty labels dropped
local function host_of(s)
  s = s:gsub("^%a[%w+.-]*://", ""):gsub("^/+", "")
  s = s:match("^[^/]*"):gsub(":.*$", "")
  local labels = {}
  for l in s:gmatch("[^.]+") do labels[#labels + 1] = l end
  return table.concat(labels, ".")
end

local function parse_access(line, d)
  local t = {}
  for w in line:gmatch("%S+") do t[#t + 1] = w end
  if #t < 15 then error("squid access line has " .. #t .. " fields, want 15") end
  local ts, ms = tonumber(t[1]), tonumber(t[2])
  if not ts or not ms then error("squid access line: bad time or duration") end
  d.duration = ms / 1000
  d.sourceipaddress = t[3]
  d.sourceport = int(t[4])
  d.destinationipaddress = ward.is_ipv4(t[5]) and t[5] or "0.0.0.0"
  d.proxyaction = t[7]
  if t[7] ~= "TCP_DENIED" then
    d.destinationport = int(t[6])
    d.host = t[14]
  else
    local parts = {}
    for p in (t[12] .. ":"):gmatch("([^:]*):") do parts[#parts + 1] = p end
    if parts[1] == "http" then
      d.destinationport = 80
      if #parts > 2 then d.destinationport = int(parts[3]:match("^[^/]*")) end
      d.host = host_of(parts[2])
    elseif parts[1] == "https" then
      d.destinationport = 443
      d.host = host_of(parts[1]) -- MozDef quirk: the host becomes "https"
    else
      d.destinationport = int(parts[#parts])
      d.host = host_of(parts[1])
    end
  end
  d.status = t[8]
  d.requestsize = int(t[9])
  d.responsesize = int(t[10])
  d.method = t[11]
  d.destination = t[12]
  d.proto = t[13]
  if t[13] == "-" and t[11] == "CONNECT" then d.proto = "ssl" end
  d.mimetype = t[15]
  return ward.time_iso(ts - ms / 1000)
end

return {
  name = "squid_fixup",
  registration = "squid",
  priority = 5,
  process = function(e)
    if e.customendpoint == nil or e.category == nil or e.category ~= "proxy" then
      return nil
    end
    local n = {type = "squid", details = {}, category = e.category,
               customendpoint = e.customendpoint, source = e.source or "unknown"}
    if e.HOST_FROM ~= nil then n.hostname = e.HOST_FROM end
    if e.TAGS ~= nil and e.tags ~= nil then n.tags = e.tags end
    if e.MESSAGE ~= nil then
      n.summary = e.MESSAGE
      if n.source == "access" then
        local ts = parse_access(tostring(e.MESSAGE), n.details)
        n.utctimestamp = ts
        n.timestamp = ts
      end
    end
    n.receivedtimestamp = ward.time_iso()
    n.eventsource = "squid"
    n.severity = "INFO"
    return n
  end,
}
