-- SPDX-License-Identifier: Apache-2.0
-- wrk script of bench/sign-bench.py: POST /1.0/sign with pre-made bodies
-- (one JSON body per line of the file named by the first script argument;
-- the second is wrk's thread count). Thread k takes lines k, k+T, k+2T...
-- and every request is formatted once, before the clock starts. A thread
-- that has used all its bodies asks for /health instead (the bench counts
-- issuances in the CA's database, so those do not count).
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
end

local reqs, n, i = {}, 0, 0
local fallback

function init(args)
   local threads = tonumber(args[2])
   local k = 0
   local headers = { ["Content-Type"] = "application/json", ["Host"] = "localhost" }
   for line in io.lines(args[1]) do
      if k % threads == id then
         n = n + 1
         reqs[n] = wrk.format("POST", "/1.0/sign", headers, line)
      end
      k = k + 1
   end
   fallback = wrk.format("GET", "/health", { ["Host"] = "localhost" })
end

function request()
   i = i + 1
   if i > n then
      return fallback
   end
   return reqs[i]
end
