-- wrk script for benches/http_load.py: POSTs a reply into one of the conversations given
-- after `--` (form token, origin, cookie, then the conversations' paths), in turn. The
-- headers are given here in full: wrk.format's headers replace those of -H.
local token, origin, cookie, paths, n = nil, nil, nil, {}, 0

function init(args)
  token, origin, cookie = args[1], args[2], args[3]
  for i = 4, #args do
    paths[#paths + 1] = args[i]
  end
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  local body = "csrf=" .. token .. "&body=A+benchmark+reply+" .. n
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
    ["Cookie"] = cookie,
  }, body)
end
