-- reload.lua - the wrk script of tests/e2e/reload.sh: a signed-in user
-- asking for a page every rule lets her see, for a page whose rule the
-- test changes while the load runs, and a request without a cookie, in
-- turn. One connection per wrk thread (-tN -cN), so each answer is the
-- answer to that thread's last request.
--
-- Environment:
--   RELOAD_COOKIE  the Cookie header of the signed-in user
--   RELOAD_USER    the page she may always see   (expects 200)
--   RELOAD_RULED   the page whose rule changes   (403 before, 200 after)
--   RELOAD_ANON    a page asked for without a cookie (expects 401)
-- Every other answer, and every socket error, is failed.
-- Prints (done), one figure a line: "reload KEY VALUE"; last_403 and
-- first_200 are the wall-clock times (date +%s.%N) of the last refusal
-- and the first answer of the ruled page's new rule.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } oa_reload_ts;
int clock_gettime(int clk, oa_reload_ts *ts);
]]
local ts = ffi.new("oa_reload_ts")
local function now()
    ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME: the shell's date compares
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local reqs, kinds = {}, { "user", "ruled", "anon" }
local allowed = { user = { [200] = true }, ruled = { [403] = true, [200] = true },
                  anon = { [401] = true } }
local pos, last = 0, nil
-- per thread, read by done()
answers, failed, last_403, first_200 = 0, 0, 0, 0
counts, samples = {}, {}

function init(args)
    local json = "application/json"
    local cookie = os.getenv("RELOAD_COOKIE")
    reqs.user = wrk.format("GET", os.getenv("RELOAD_USER"), { ["Cookie"] = cookie, ["Accept"] = json })
    reqs.ruled = wrk.format("GET", os.getenv("RELOAD_RULED"), { ["Cookie"] = cookie, ["Accept"] = json })
    reqs.anon = wrk.format("GET", os.getenv("RELOAD_ANON"), { ["Accept"] = json })
end

function request()
    pos = pos % #kinds + 1
    last = kinds[pos]
    return reqs[last]
end

function response(status, headers, body)
    local kind, t = last, now()
    local k = kind .. " " .. status
    answers = answers + 1
    counts[k] = (counts[k] or 0) + 1
    if not allowed[kind][status] then
        failed = failed + 1
        if #samples < 5 then
            samples[#samples + 1] = string.format("%.3f %s %d %s", t, kind, status,
                (body or ""):sub(1, 80):gsub("%s", " "))
        end
    end
    if kind == "ruled" and status == 403 and t > last_403 then
        last_403 = t
    end
    if kind == "ruled" and status == 200 and (first_200 == 0 or t < first_200) then
        first_200 = t
    end
end

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function done(summary, latency, requests)
    local a, f, l403, f200, c = 0, 0, 0, 0, {}
    for _, t in ipairs(threads) do
        a = a + t:get("answers")
        f = f + t:get("failed")
        l403 = math.max(l403, t:get("last_403"))
        local x = t:get("first_200")
        if x > 0 and (f200 == 0 or x < f200) then
            f200 = x
        end
        for k, v in pairs(t:get("counts")) do
            c[k] = (c[k] or 0) + v
        end
        for _, s in ipairs(t:get("samples")) do
            io.write("reload sample " .. s .. "\n")
        end
    end
    local e = summary.errors
    local sockerr = e.connect + e.read + e.write + e.timeout
    io.write(string.format("reload answers %d\n", a))
    io.write(string.format("reload failed %d\n", f + sockerr))
    io.write(string.format("reload sockerr %d\n", sockerr))
    io.write(string.format("reload last_403 %.3f\n", l403))
    io.write(string.format("reload first_200 %.3f\n", f200))
    for k, v in pairs(c) do
        io.write(string.format("reload got %s %d\n", k, v))
    end
end
