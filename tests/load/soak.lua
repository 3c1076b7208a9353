-- soak.lua - the wrk script of tests/load/soak.sh: sends the requests of
-- a list in turn, checks every answer's status (and, for a redirect, that
-- it is the sign-in redirect of the request's own kind), counts, and stops
-- after a given number of answers. One wrk thread, so the count is exact.
--
-- Environment:
--   SOAK_LIST  the request list, one request a line, tab-separated:
--              KIND  EXPECT  PATH  ACCEPT  COOKIE-HEADER (may be empty)
--              EXPECT is the one status that request may get (200, 302, 401)
--   SOAK_N     stop after this many answers
--   SOAK_DONE  a file written when they are in
-- Prints (done): "soak sent KIND N", "soak got KIND STATUS N", "soak wrong
-- N", "soak answers N", and up to 5 "soak sample ..." lines of wrong answers.

local list, n_list, pos = {}, 0, 0
local expect_of = {}
local N = tonumber(os.getenv("SOAK_N") or "1000000")
answers, wrong, sent, got, samples = 0, 0, {}, {}, {}
local api_kinds = {}

local function split(line)
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do
        f[#f + 1] = field
    end
    return f
end

function init(args)
    local path = os.getenv("SOAK_LIST")
    for line in io.lines(path) do
        local f = split(line)
        local kind, expect, url, accept, cookie = f[1], tonumber(f[2]), f[3], f[4], f[5]
        local headers = { ["Accept"] = accept, ["Host"] = "127.0.0.1" }
        if cookie ~= nil and cookie ~= "" then
            headers["Cookie"] = cookie
        end
        if kind:match("^xhr") then
            headers["X-Requested-With"] = "XMLHttpRequest"
        end
        n_list = n_list + 1
        list[n_list] = { kind = kind, req = wrk.format("GET", url, headers) }
        expect_of[kind] = expect
        if expect == 401 then
            api_kinds[kind] = true
        end
        sent[kind] = 0
    end
end

function request()
    pos = pos % n_list + 1
    local e = list[pos]
    sent[e.kind] = sent[e.kind] + 1
    return e.req
end

local function count(kind, status)
    local k = kind .. " " .. status
    got[k] = (got[k] or 0) + 1
end

local function bad(status, kind, why)
    wrong = wrong + 1
    if #samples < 5 then
        samples[#samples + 1] = status .. " " .. kind .. " " .. why
    end
end

-- The kind a 302's Location names: the sign-in's rd carries the path
-- /app/soak/KIND (encoded or not).
local function kind_of_redirect(loc)
    if not loc then
        return nil
    end
    return loc:match("soak%%2[Ff]([%w]+)") or loc:match("soak/([%w]+)")
end

function response(status, headers, body)
    answers = answers + 1
    local loc = headers["Location"] or headers["location"]
    if status == 302 then
        local kind = kind_of_redirect(loc)
        if not kind or expect_of[kind] ~= 302 or not loc:match("/oauth/") then
            bad(status, kind or "?", "Location " .. tostring(loc):sub(1, 120))
        end
        count(kind or "?", status)
    elseif status == 401 then
        -- an API call: no path in the answer, so the kind is counted as
        -- "api"; soak.sh checks the 401s against the API requests sent
        if loc then
            bad(status, "api", "a 401 with a Location")
        end
        count("api", status)
    elseif status == 200 then
        count("valid", status)
        if expect_of["valid"] ~= 200 then
            bad(status, "?", "200 without a valid session")
        end
    else
        count("?", status)
        bad(status, "?", "unexpected status")
    end
    if answers == N then
        -- wrk's main thread sleeps for -d: soak.sh sees this file and
        -- interrupts it (SIGINT), which ends the run at once
        local f = io.open(os.getenv("SOAK_DONE"), "w")
        if f then
            f:write("done\n")
            f:close()
        end
        wrk.thread:stop()
    end
end

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function done(summary, latency, requests)
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("sent")) do
            io.write(string.format("soak sent %s %d\n", k, v))
        end
        for k, v in pairs(t:get("got")) do
            io.write(string.format("soak got %s %d\n", k, v))
        end
        io.write(string.format("soak answers %d\n", t:get("answers")))
        io.write(string.format("soak wrong %d\n", t:get("wrong")))
        for _, s in ipairs(t:get("samples")) do
            io.write("soak sample " .. s .. "\n")
        end
    end
    io.write(string.format("soak errors connect %d read %d write %d status %d timeout %d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout))
    io.write(string.format("soak duration_us %d\n", summary.duration))
end
