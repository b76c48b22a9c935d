-- drop_elb_healthcheck.lua: drops the health checks an AWS Elastic Load Balancer sends
-- (user agent "ELB-HealthChecker/2.0" and the like), which flood web access logs, as
-- MozDef's mq/plugins/filterlinks-style drop plugins do. Example plugin: docs/plugins.md.
return {
  name = "drop_elb_healthcheck",
  -- a token is a whole key or string value of the event, compared lower-cased
  registration = {"elb-healthchecker/1.0", "elb-healthchecker/2.0", "useragent",
                  "http_user_agent", "user_agent"},
  priority = 1,
  process = function(event)
    local d = event.details
    if type(d) ~= "table" then return nil end
    local ua = d.useragent or d.http_user_agent or d.user_agent or event.useragent
    if type(ua) == "string" and ua:lower():find("^elb%-healthchecker/") then
      return "drop"
    end
    return nil -- unchanged
  end,
}
