-- http_surge.lua: the wrk script of bench/http_load.sh, a booking surge on
-- slotbook-server (examples/booking-server/API.md).
--
-- Every request is made here (wrk calls request() for each one):
--   book          POST /api/book {"bsn", "location", "date", "window"} for a
--                 new person: a valid BSN (9 digits passing the 11-check)
--                 made from a per-thread counter, so that no BSN repeats in
--                 a run, on a random slot of the run's list;
--   availability  GET /api/availability for a location of the list, over the
--                 days its slots lie on;
--   lookup        POST /api/lookup {"bsn"} of a person this thread saw
--                 booked (a new BSN, answered 404, until there is one).
-- The mix is a percentage for book and for availability, the rest lookup.
-- A booking answered 409 SB_FULL is retried: the thread's next booking is
-- that person's retry, on the slot the thread's last availability answer
-- named as next free (else the next slot of the list), so retries take the
-- place of new people in the booking share and the mix stays the same
-- after a sell-out.  A retry is made with a new BSN: wrk does not tell
-- which request a response answers, and an error answer names no BSN; a
-- person never booked costs the server the same work.  At most MAX_RETRIES
-- wait per thread.
--
-- Arguments (after wrk's "--"):
--   MODE        book | surge | availability ("book" and "availability" are
--               the mixes 100/0 and 0/100; "surge" takes MIX)
--   THREADS     wrk's -t, the stride of the per-thread BSN counters
--   MIX         "BOOK,AVAILABILITY" percentages, e.g. "80,10"
--   SLOTS       "LOCATION/DATE/WINDOW,..." the slots to book
--   AVAIL       "PATH,..." one availability path per location of the slots
--   FIRST       optional: the first 8-digit BSN prefix (default 10000000),
--               so that runs on the same server can use BSNs apart
--
-- done() prints lines that http_load.sh parses:
--   http_surge requests=N seconds=X requests_per_s=X p50_us=N p90_us=N
--     p99_us=N p999_us=N max_us=N mean_us=X connect_errors=N read_errors=N
--     write_errors=N timeouts=N
--   http_surge_sent book=N retries=N availability=N lookup=N (book counts
--     the retries too)
--   http_surge_status 200=N 409=N ...      (responses by HTTP status)
--   http_surge_answers book_ok=N availability_ok=N lookup_ok=N SB_FULL=N ...
--     (200 answers by the request they answer, told apart by their fields;
--     the others by their "status" name)

local MAX_RETRIES = 1024 -- per thread; a retry queue never grows past it
local LOOKUP_RING = 4096 -- booked BSNs a thread remembers for lookups
local first_prefix = 10000000 -- the 8 digits before the check digit: 10^7 up
-- to 10^8 - 1, room for some 80 million bookings a run (a surge of 30k/s
-- over 15 s takes half a million)

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

-- ---- per thread ------------------------------------------------------------

local nthreads, book_pct, avail_pct = 1, 100, 0
local slots, avail = {}, {}
local counter = 0
local retries_waiting = 0
local next_free = nil -- the last next_free answered, as an index in slots
local booked, booked_n = {}, 0
sent = { book = 0, retries = 0, availability = 0, lookup = 0 }
statuses = {}
answers = {}

local function split(s, sep)
   local out = {}
   for part in string.gmatch(s, "[^" .. sep .. "]+") do
      table.insert(out, part)
   end
   return out
end

function init(args)
   local mode = args[1]
   nthreads = tonumber(args[2])
   local mix = split(args[3], ",")
   if mode == "book" then
      book_pct, avail_pct = 100, 0
   elseif mode == "availability" then
      book_pct, avail_pct = 0, 100
   else
      book_pct, avail_pct = tonumber(mix[1]), tonumber(mix[2])
   end
   for _, spec in ipairs(split(args[4], ",")) do
      local f = split(spec, "/")
      table.insert(slots, { location = tonumber(f[1]), date = f[2], window = tonumber(f[3]) })
   end
   avail = split(args[5], ",")
   first_prefix = tonumber(args[6]) or first_prefix
   math.randomseed(7919 * (tid + 1))
   wrk.headers["Content-Type"] = "application/json"
end

-- A new valid BSN: the prefix tid, tid + THREADS, ... (8 digits) and the
-- check digit that makes 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11; a
-- prefix whose check digit would be 10 is skipped (one in eleven).
local function new_bsn()
   while true do
      local prefix = first_prefix + tid + nthreads * counter
      counter = counter + 1
      local sum, rest = 0, prefix
      for weight = 2, 9 do
         sum = sum + weight * (rest % 10)
         rest = math.floor(rest / 10)
      end
      local check = sum % 11
      if check < 10 then
         return tostring(prefix * 10 + check)
      end
   end
end

local function book_request(slot)
   local body = string.format('{"bsn":"%s","location":%d,"date":"%s","window":%d}',
      new_bsn(), slot.location, slot.date, slot.window)
   sent.book = sent.book + 1
   return wrk.format("POST", "/api/book", nil, body)
end

local function retry_request()
   retries_waiting = retries_waiting - 1
   sent.retries = sent.retries + 1
   local i = next_free or (sent.retries % #slots) + 1
   return book_request(slots[i])
end

function request()
   local r = math.random(100)
   if r <= book_pct and retries_waiting > 0 then
      return retry_request()
   elseif r <= book_pct then
      return book_request(slots[math.random(#slots)])
   elseif r <= book_pct + avail_pct then
      sent.availability = sent.availability + 1
      return wrk.format("GET", avail[math.random(#avail)])
   end
   sent.lookup = sent.lookup + 1
   local bsn = booked_n > 0 and booked[math.random(math.min(booked_n, LOOKUP_RING))] or new_bsn()
   return wrk.format("POST", "/api/lookup", nil, '{"bsn":"' .. bsn .. '"}')
end

local function bump(t, key)
   t[key] = (t[key] or 0) + 1
end

-- The slot index of an availability answer's next_free, or nil.
local function find_next_free(body)
   local date, window = string.match(body,
      '"next_free"%s*:%s*{%s*"date"%s*:%s*"([%d-]+)"%s*,%s*"window"%s*:%s*(%d+)')
   if not date then
      return nil
   end
   local location = tonumber(string.match(body, '"location"%s*:%s*(%d+)'))
   for i, s in ipairs(slots) do
      if s.location == location and s.date == date and s.window == tonumber(window) then
         return i
      end
   end
   return nil
end

function response(status, headers, body)
   bump(statuses, status)
   if status ~= 200 then
      local name = string.match(body, '"status"%s*:%s*"([%w_]+)"') or "no_status"
      bump(answers, name)
      if name == "SB_FULL" and retries_waiting < MAX_RETRIES then
         retries_waiting = retries_waiting + 1
      end
   elseif string.find(body, '"days"', 1, true) then
      bump(answers, "availability_ok")
      next_free = find_next_free(body)
   elseif string.find(body, '"code"', 1, true) then
      bump(answers, "book_ok")
      if avail_pct < 100 and book_pct < 100 then
         local bsn = string.match(body, '"bsn"%s*:%s*"(%d+)"')
         if bsn then
            booked[booked_n % LOOKUP_RING + 1] = bsn
            booked_n = booked_n + 1
         end
      end
   elseif string.find(body, '"booking"', 1, true) then
      bump(answers, "lookup_ok")
   else
      bump(answers, "other_ok")
   end
end

-- ---- after the run (the setup environment) ---------------------------------

local function add_into(total, t)
   for k, v in pairs(t) do
      total[k] = (total[k] or 0) + v
   end
end

local function line(prefix, t)
   local keys = {}
   for k in pairs(t) do
      table.insert(keys, tostring(k))
   end
   table.sort(keys)
   local parts = { prefix }
   for _, k in ipairs(keys) do
      table.insert(parts, k .. "=" .. (t[k] or t[tonumber(k)]))
   end
   io.write(table.concat(parts, " "), "\n")
end

function done(summary, latency, requests)
   local total_sent, total_status, total_answers = {}, {}, {}
   for _, t in ipairs(threads) do
      add_into(total_sent, t:get("sent"))
      add_into(total_status, t:get("statuses"))
      add_into(total_answers, t:get("answers"))
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("http_surge requests=%d seconds=%.2f requests_per_s=%.0f "
      .. "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.0f "
      .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean,
      e.connect, e.read, e.write, e.timeout))
   line("http_surge_sent", total_sent)
   line("http_surge_status", total_status)
   line("http_surge_answers", total_answers)
end
