-- killload.lua - the wrk script of tests/load/killlib.sh: a signed-in user
-- asking for a protected page, mixed with requests without a cookie, while
-- the test kills the authorizer. Every answer is classified and the time of
-- every good one is kept (1 ms buckets), so done() can print the longest
-- stretch without a single good answer.
--
-- Environment:
--   KILL_OK_PATH    the protected page asked for with the session cookie;
--                   its body contains KILL_OK_BODY
--   KILL_ANON_PATH  another protected page, asked for without a cookie; its
--                   body (never to be seen) contains KILL_ANON_BODY
--   KILL_COOKIE     the Cookie header of the signed-in user
--   KILL_ANON_EVERY every Nth request goes without a cookie (default 5)
--   KILL_SECONDS    wrk's -d (the run ends that long after the first request)
-- An answer is good when it is a 200 with KILL_OK_BODY (the user), or the
-- sign-in 302 naming KILL_ANON_PATH in rd. A 200 with KILL_ANON_BODY, or any 200 without KILL_OK_BODY,
-- is "wrongly passed". Everything else (5xx, a 302 for the user, ...) and
-- every socket error is "failed".
-- Prints (done), one figure a line, "kill KEY VALUE".

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } oa_kill_ts;
int clock_gettime(int clk, oa_kill_ts *ts);
]]
local ts = ffi.new("oa_kill_ts")
-- CLOCK_REALTIME, so the shell's kill times (date +%s.%N) compare
local function now()
    ffi.C.clock_gettime(0, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local ok_path = os.getenv("KILL_OK_PATH")
local anon_path = os.getenv("KILL_ANON_PATH")
local ok_body = os.getenv("KILL_OK_BODY")
local anon_body = os.getenv("KILL_ANON_BODY")
local cookie = os.getenv("KILL_COOKIE")
local every = tonumber(os.getenv("KILL_ANON_EVERY") or "5")
local page = "text/html,application/xhtml+xml"
local anon_key = anon_path:match("([^/]+)$"):gsub("%.", "%%.")

local n = 0
local req_ok, req_anon
-- Per thread, read by done(): counters, the 1 ms buckets with a good
-- answer, the first request's time, and a few samples of bad answers.
started, answers, good, wrongly, failed = 0, 0, 0, 0, 0
statuses, buckets, samples = {}, {}, {}
sent_anon = 0

function init(args)
    req_ok = wrk.format("GET", ok_path, { ["Cookie"] = cookie, ["Accept"] = page })
    req_anon = wrk.format("GET", anon_path, { ["Accept"] = page })
end

function request()
    if started == 0 then
        started = now()
    end
    n = n + 1
    if n % every == 0 then
        sent_anon = sent_anon + 1
        return req_anon
    end
    return req_ok
end

local function sample(s)
    if #samples < 8 then
        samples[#samples + 1] = string.format("%.3f %s", now(), s)
    end
end

function response(status, headers, body)
    answers = answers + 1
    statuses[status] = (statuses[status] or 0) + 1
    body = body or ""
    local loc = headers["Location"] or headers["location"] or ""
    local is_good = false
    if status == 200 then
        if body:find(ok_body, 1, true) and not body:find(anon_body, 1, true) then
            is_good = true
        else
            wrongly = wrongly + 1
            sample("WRONGLY 200 " .. body:sub(1, 60):gsub("%s", " "))
        end
    elseif status == 302 and loc:find("/oauth/", 1, true) and loc:find(anon_key) then
        is_good = true
    else
        -- (a 401 too: both kinds are page loads, so a refusal is the
        -- sign-in 302 on every set-up; a 401 cannot be told apart from the
        -- user refused)
        failed = failed + 1
        sample(status .. " " .. loc:sub(1, 80) .. " " .. body:sub(1, 60):gsub("%s", " "))
    end
    if is_good then
        good = good + 1
        buckets[math.floor(now() * 1000)] = true
    end
end

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function done(summary, latency, requests)
    local stop = now()
    local first, all = nil, {}
    local seconds = tonumber(os.getenv("KILL_SECONDS") or "0")
    local t_answers, t_good, t_wrongly, t_failed, t_anon = 0, 0, 0, 0, 0
    local st = {}
    for _, t in ipairs(threads) do
        local s = t:get("started")
        if s > 0 and (first == nil or s < first) then
            first = s
        end
        t_answers = t_answers + t:get("answers")
        t_good = t_good + t:get("good")
        t_wrongly = t_wrongly + t:get("wrongly")
        t_failed = t_failed + t:get("failed")
        t_anon = t_anon + t:get("sent_anon")
        for k, v in pairs(t:get("statuses")) do
            st[k] = (st[k] or 0) + v
        end
        for k, _ in pairs(t:get("buckets")) do
            all[#all + 1] = k
        end
        for _, s in ipairs(t:get("samples")) do
            io.write("kill sample " .. s .. "\n")
        end
    end
    table.sort(all)
    -- The run ends -d seconds after its first request: wrk calls done()
    -- some time after that (it drops the requests in flight), which is no gap.
    if first and seconds > 0 and first + seconds < stop then
        stop = first + seconds
    end
    -- The gaps: from the first request to the first good answer, between
    -- good answers, and from the last one to the end of the run. The
    -- longest, and every one over 50 ms (with its start, for the kill times).
    local edges = { math.floor((first or stop) * 1000) }
    for _, k in ipairs(all) do
        edges[#edges + 1] = k
    end
    edges[#edges + 1] = math.floor(stop * 1000)
    local max_gap, max_at = 0, edges[1]
    for i = 2, #edges do
        local g = edges[i] - edges[i - 1]
        if g > max_gap then
            max_gap, max_at = g, edges[i - 1]
        end
        if g > 50 then
            io.write(string.format("kill gap %.3f %d\n", edges[i - 1] / 1000, g))
        end
    end
    local e = summary.errors
    local sockerr = e.connect + e.read + e.write + e.timeout
    io.write(string.format("kill answers %d\n", t_answers))
    io.write(string.format("kill good %d\n", t_good))
    io.write(string.format("kill wrongly %d\n", t_wrongly))
    io.write(string.format("kill bad %d\n", t_failed))
    io.write(string.format("kill sockerr %d\n", sockerr))
    io.write(string.format("kill failed %d\n", t_failed + sockerr))
    io.write(string.format("kill total %d\n", t_answers + sockerr))
    io.write(string.format("kill anon_sent %d\n", t_anon))
    io.write(string.format("kill gap_max_ms %d\n", max_gap))
    io.write(string.format("kill gap_max_at %.3f\n", max_at / 1000))
    io.write(string.format("kill start %.3f\n", first or stop))
    io.write(string.format("kill stop %.3f\n", stop))
    io.write(string.format("kill errors connect %d read %d write %d timeout %d\n",
        e.connect, e.read, e.write, e.timeout))
    for k, v in pairs(st) do
        io.write(string.format("kill status %d %d\n", k, v))
    end
end
