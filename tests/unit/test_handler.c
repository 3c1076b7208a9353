/* test_handler.c - routing (SCRIPT_NAME+PATH_INFO, REQUEST_URI only, mounted
 * at '/', base_path variants), 404/405, the endpoints, ErrorDocument 401. */
#include "fixture.h"
#include "oa/handler.h"
#include "oa/state.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_runtime rt; /* the run-time state beside cfg, as the edge makes it */
static struct oa_response r;

static struct oa_request rq(const char *method, const char *sn, const char *pi, const char *uri)
{
    struct oa_request q = {.method = method,
                           .script_name = sn,
                           .path_info = pi,
                           .request_uri = uri,
                           .host = "app.example.com",
                           .https = "on",
                           .accept = "text/html",
                           .sec_fetch_mode = "navigate",
                           .now = CFX_NOW};
    return q;
}

/* Answers q; returns the status (r kept for inspection until the next call). */
static int answer(const struct oa_request *q)
{
    oa_response_free(&r);
    oa_response_init(&r);
    (void)oa_handle(&cfg, &rt, q, &r);
    return r.status;
}

static void routing(void)
{
    static const struct {
        const char *method, *sn, *pi, *uri;
        int want;
        const char *what;
    } cases[] = {
        {"GET", "/oauth", "/health", "/oauth/health", 200, "SCRIPT_NAME=/oauth PATH_INFO=/health"},
        {"GET", "", "/oauth/health", "/oauth/health", 200, "mounted at '/': PATH_INFO"},
        {"GET", "/oauth/health", NULL, "/oauth/health", 200, "SCRIPT_NAME only (nginx)"},
        {"GET", NULL, NULL, "/oauth/health?x=1", 200, "REQUEST_URI only"},
        {"GET", "", "", "/oauth/./x/../health", 200, "REQUEST_URI only, dot-segments"},
        {"GET", NULL, NULL, "/oauth/%68ealth", 200, "REQUEST_URI only, decoded once"},
        {"GET", "/oauth", NULL, "/oauth", 200, "/oauth: sign-in page"},
        {"GET", "/oauth", "/", "/oauth/", 200, "/oauth/: sign-in page"},
        {"GET", "/oauth", "/sign_in", "/oauth/sign_in", 200, "/oauth/sign_in"},
        {"HEAD", "/oauth", "/sign_in", "/oauth/sign_in", 200, "HEAD /oauth/sign_in"},
        {"GET", "/oauth", "/nope", "/oauth/nope", 404, "unknown endpoint"},
        {"GET", "/oauth", "/nope/login", "/oauth/nope/login", 404, "unknown provider"},
        {"GET", "/oauth", "/github/nope", "/oauth/github/nope", 404, "unknown provider action"},
        {"GET", "/oauth", "/github/login/", "/oauth/github/login/", 404, "trailing slash"},
        {"GET", "/oauth", "/GitHub/login", "/oauth/GitHub/login", 404, "provider names exact"},
        {"GET", "/oauth", "//login", "/oauth//login", 404, "empty provider"},
        {"GET", "/oauth", "/sign_in/", "/oauth/sign_in/", 404, "/sign_in/"},
        {"GET", "/oauthx", "/health", "/oauthx/health", 404, "/oauthx is not /oauth"},
        {"GET", "", "/other/health", "/other/health", 404, "not under base_path"},
        {"GET", NULL, NULL, NULL, 404, "nothing at all"},
        {"GET", NULL, NULL, "/oauth/a%00b", 404, "REQUEST_URI with %00"},
        {"POST", "/oauth", "/health", "/oauth/health", 405, "POST /health"},
        {"POST", "/oauth", "/sign_in", "/oauth/sign_in", 405, "POST /sign_in"},
        {"PUT", "/oauth", "/logout", "/oauth/logout", 405, "PUT /logout"},
        {"DELETE", "/oauth", "/userinfo", "/oauth/userinfo", 405, "DELETE /userinfo"},
        {"POST", "/oauth", "/github/login", "/oauth/github/login", 405, "POST login"},
        {"PUT", "/oauth", "/github/callback", "/oauth/github/callback", 405, "PUT callback"},
        {"HEAD", "/oauth", "/github/callback", "/oauth/github/callback", 405, "HEAD callback"},
        {"PUT", "/oauth", "/refresh", "/oauth/refresh", 405, "PUT /refresh"},
        {"GET", "/oauth", "/refresh/", "/oauth/refresh/", 404, "/refresh/"},
        {"GET", "/oauth", "/github/backchannel-logout", "/oauth/github/backchannel-logout", 405,
         "GET backchannel-logout"},
        {"HEAD", "/oauth", "/github/backchannel-logout", "/oauth/github/backchannel-logout", 405,
         "HEAD backchannel-logout"},
        {"POST", "/oauth", "/nope/backchannel-logout", "/oauth/nope/backchannel-logout", 404,
         "backchannel-logout of an unknown provider"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oa_request q = rq(cases[i].method, cases[i].sn, cases[i].pi, cases[i].uri);
        is_int(answer(&q), cases[i].want, "%s: %d", cases[i].what, cases[i].want);
    }
}

/* /refresh and /<p>/backchannel-logout reach their flows (whatever those
 * answer: the router's own 404 page is not it), with the methods they take. */
static void lifecycle_routes(void)
{
    static const char *const methods[] = {"GET", "HEAD", "POST"};
    size_t i;

    for (i = 0; i < 3; i++) {
        struct oa_request q = rq(methods[i], "/oauth", "/refresh", "/oauth/refresh");
        answer(&q);
        ok(r.status != 405 && (!r.body.p || !cfx_has(r.body.p, "nothing at this address")),
           "%s /refresh reaches the refresh flow (%d)", methods[i], r.status);
    }
    {
        struct oa_request q = rq("PUT", "/oauth", "/refresh", "/oauth/refresh");
        answer(&q);
        is_str(oa_response_get(&r, "Allow"), "GET, HEAD, POST", "/refresh Allow: GET, HEAD, POST");
        q = rq("POST", "/oauth", "/corp/backchannel-logout", "/oauth/corp/backchannel-logout");
        answer(&q);
        ok(r.status != 405 && (!r.body.p || !cfx_has(r.body.p, "nothing at this address")),
           "POST /corp/backchannel-logout reaches the back-channel flow (%d)", r.status);
        q = rq("GET", "/oauth", "/corp/backchannel-logout", "/oauth/corp/backchannel-logout");
        answer(&q);
        is_str(oa_response_get(&r, "Allow"), "POST", "backchannel-logout Allow: POST");
    }
}

/* <base_path>/error, an ErrorDocument's target (contrib/apache fcgid): the
 * status Apache had (REDIRECT_STATUS, 400..599), else 404; any method; no
 * Variable-* and nothing of the original URL on the page. */
static void error_endpoint(void)
{
    static const struct {
        const char *redirect_status;
        int want;
    } t[] = {{"404", 404}, {"403", 403}, {"500", 500},  {"502", 502}, {"503", 503},  {"413", 413},
             {"599", 599}, {"400", 400}, {NULL, 404},   {"", 404},    {"200", 404},  {"302", 404},
             {"600", 404}, {"40", 404},  {"4044", 404}, {"4x4", 404}, {"-404", 404}, {" 404", 404}};
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct oa_request q = rq("GET", "/oauth", "/error", "/oauth/error");
        q.redirect_status = t[i].redirect_status;
        q.redirect_url = "/app/<script>alert(1)</script>";
        is_int(answer(&q), t[i].want, "/error with REDIRECT_STATUS '%s': %d",
               t[i].redirect_status ? t[i].redirect_status : "(none)", t[i].want);
        ok(r.body.p && !cfx_has(r.body.p, "<script>alert") && !cfx_has(r.body.p, "/app/"),
           "/error '%s': the page says nothing of the original URL",
           t[i].redirect_status ? t[i].redirect_status : "(none)");
        ok(!oa_response_get(&r, "Variable-REMOTE_USER") && !oa_response_get(&r, "Location"),
           "/error '%s': no Variable-*, no redirect",
           t[i].redirect_status ? t[i].redirect_status : "(none)");
    }
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        struct oa_request q = rq(methods[i], "/oauth", "/error", "/oauth/error");
        q.redirect_status = "503";
        is_int(answer(&q), 503, "%s /error (an ErrorDocument keeps the method): 503", methods[i]);
    }
    {
        struct oa_request q = rq("GET", "/oauth", "/error", "/oauth/error");
        q.redirect_status = "404";
        q.accept = "application/json";
        q.sec_fetch_mode = NULL;
        is_int(answer(&q), 404, "/error for an API client: 404");
        ok(r.body.p && cfx_has(r.body.p, "\"status\""), "... as JSON");
    }
}

static void details(void)
{
    struct oa_request q;

    q = rq("GET", "/oauth", "/health", NULL);
    answer(&q);
    is_str(r.body.p, "ok", "health says ok");
    is_str(oa_response_get(&r, "Content-Type"), "text/plain; charset=utf-8", "health text/plain");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "health no-store");
    is_str(oa_response_get(&r, "X-Content-Type-Options"), "nosniff", "health nosniff");
    q.method = "HEAD";
    is_int(answer(&q), 200, "HEAD health");
    is_int(r.body.len, 0, "HEAD: no body");

    q = rq("POST", "/oauth", "/health", NULL);
    answer(&q);
    is_str(oa_response_get(&r, "Allow"), "GET, HEAD", "405 Allow: GET, HEAD");
    q = rq("PUT", "/oauth", "/logout", NULL);
    answer(&q);
    is_str(oa_response_get(&r, "Allow"), "GET, POST", "405 Allow: GET, POST");
    q = rq("PUT", "/oauth", "/github/callback", NULL);
    answer(&q);
    is_str(oa_response_get(&r, "Allow"), "GET, POST", "callback Allow: GET, POST");

    q = rq("GET", "/oauth", "/nope", NULL);
    q.accept = "application/json";
    is_int(answer(&q), 404, "404 for a JSON client");
    is_str(r.body.p, "{\"error\": \"There is nothing at this address.\", \"status\": 404}\n",
           "404 JSON body");
    q = rq("GET", "/oauth", "/nope<script>", NULL);
    answer(&q);
    ok(!cfx_has(r.body.p, "<script>"), "404 page never echoes the path");

    q = rq("GET", "/oauth", "/sign_in", NULL);
    q.query_string = "rd=%2Freports%3Fa%3D1";
    is_int(answer(&q), 200, "sign-in with rd");
    ok(cfx_has(r.body.p, "href=\"/oauth/github/login?rd=%2Freports%3Fa%3D1\""),
       "rd from the query string carried to each login");
    ok(cfx_has(r.body.p, "href=\"/oauth/corp/login?rd=%2Freports%3Fa%3D1\""), "and corp's");
    ok(cfx_has(oa_response_get(&r, "Content-Security-Policy"), "frame-ancestors 'none'"),
       "sign-in CSP");
    q.query_string = "rd=https%3A%2F%2Fevil.example.net%2F";
    is_int(answer(&q), 200, "sign-in with a foreign rd");
    ok(!cfx_has(r.body.p, "evil") && !cfx_has(r.body.p, "rd="), "foreign rd left out");
    q.query_string = "rd=%2Fa&rd=%2Fb";
    is_int(answer(&q), 200, "sign-in with a duplicated rd");
    ok(!cfx_has(r.body.p, "rd="), "duplicated rd left out");

    q = rq("GET", "/oauth", "/github/login", NULL);
    answer(&q);
    ok(r.status != 404 && r.status != 405, "login reaches the flow (%d)", r.status);
    q = rq("POST", "/oauth", "/github/callback", NULL);
    answer(&q);
    ok(r.status != 404 && r.status != 405, "POST callback reaches the flow (%d)", r.status);

    q = rq("GET", "/oauth", "/health", NULL);
    q.role = OA_ROLE_AUTHORIZER;
    q.request_uri = "/app";
    is_int(answer(&q), 302, "role AUTHORIZER: the authorizer answers, not the router");
}

static void base_paths(void)
{
    struct oa_request q;

    cfg.base_path = cfx_str("");
    q = rq("GET", "", "/health", NULL);
    is_int(answer(&q), 200, "base_path '': /health");
    q = rq("GET", NULL, NULL, "/github/nope");
    is_int(answer(&q), 404, "base_path '': unknown");
    q = rq("GET", "", "/", NULL);
    is_int(answer(&q), 200, "base_path '': / is sign-in");
    ok(cfx_has(r.body.p, "href=\"/github/login\""), "base_path '': links at the root");
    cfg.base_path = cfx_str("/");
    q = rq("GET", "/health", NULL, NULL);
    is_int(answer(&q), 200, "base_path '/': /health");
    cfg.base_path = cfx_str("/sso/auth");
    q = rq("GET", "/sso/auth", "/health", NULL);
    is_int(answer(&q), 200, "base_path /sso/auth");
    q = rq("GET", "/sso", "/health", NULL);
    is_int(answer(&q), 404, "base_path /sso/auth: /sso/health is not ours");
    q = rq("GET", "/sso/auth", "", NULL);
    is_int(answer(&q), 200, "base_path /sso/auth: sign-in");
    ok(cfx_has(r.body.p, "href=\"/sso/auth/github/login\""), "links under /sso/auth");
    cfg.base_path = cfx_str("/oauth");
}

static void userinfo(void)
{
    struct oa_identity id = cfx_alice();
    struct oa_request q = rq("GET", "/oauth", "/userinfo", NULL);
    char want[512];

    is_int(answer(&q), 401, "userinfo without session: 401");
    is_str(oa_response_get(&r, "Content-Type"), "application/json", "401 is JSON even for HTML");
    is_str(r.body.p, "{\"error\": \"Not signed in.\", \"status\": 401}\n", "401 JSON body");
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 10, "a=b; ");
    is_int(answer(&q), 200, "userinfo with session");
    snprintf(want, sizeof(want),
             "{\"provider\": \"github\", \"sub\": \"42\", \"user\": \"alice\", "
             "\"email\": \"alice@example.com\", \"name\": \"Alice \\u003cA\\u003e\", "
             "\"groups\": [\"ops\", \"eng\"], \"workspaces\": [\"argilla\"], \"session\": \"");
    ok(r.body.p && !strncmp(r.body.p, want, strlen(want)), "userinfo JSON: %s", r.body.p);
    {
        const char *sid = r.body.p ? r.body.p + strlen(want) : "";
        size_t n = strspn(sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
        is_int(n, 22, "\"session\": the session id in 22 base64url characters");
        snprintf(want, sizeof(want), "\", \"refresh_at\": %lld, \"exp\": %lld}\n",
                 (long long)(CFX_NOW - 10 + 3600), (long long)(CFX_NOW - 10 + 3600));
        is_str(sid + n, want, "then refresh_at (= exp: refresh off) and exp");
    }
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "userinfo not cached");
    id.groups = "";
    id.workspaces = " a , ,b";
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    is_int(answer(&q), 200, "userinfo, odd lists");
    ok(cfx_has(r.body.p, "\"groups\": [], \"workspaces\": [\"a\", \"b\"]"), "lists trimmed");
    cfg.session.refresh_after = 600;
    id = cfx_alice();
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 700, "");
    is_int(answer(&q), 200, "userinfo with a stale session: 200 (an API call)");
    snprintf(want, sizeof(want), "\"refresh_at\": %lld, \"exp\": %lld}", (long long)(CFX_NOW - 100),
             (long long)(CFX_NOW - 700 + 3600));
    ok(cfx_has(r.body.p, want), "refresh_at = iat + refresh_after: %s", r.body.p);
    cfg.session.refresh_after = 0;
}

static void auth(void)
{
    struct oa_identity id = cfx_alice();
    const char *valid = cfx_cookie(&cfg, &id, CFX_NOW, "");
    struct oa_request q = rq("GET", "/oauth/auth", NULL, "/app/page");
    int i;

    is_int(answer(&q), 401, "auth, page load without session: 401, never 302");
    ok(!oa_response_get(&r, "Location"), "auth 401: no Location");
    q.cookie = valid;
    is_int(answer(&q), 200, "auth with session: 200");
    is_str(oa_response_get(&r, "X-Auth-Request-User"), "alice@example.com", "X-Auth-Request-User");
    is_str(oa_response_get(&r, "X-Auth-Request-Email"), "alice@example.com", "-Email");
    is_str(oa_response_get(&r, "X-Auth-Request-Groups"), "ops,eng", "-Groups");
    is_str(oa_response_get(&r, "X-Auth-Request-Preferred-Username"), "alice",
           "-Preferred-Username");
    q.method = "POST";
    is_int(answer(&q), 200, "auth keeps the original method (POST): 200");
    q.request_uri = "/admin/x";
    is_int(answer(&q), 403, "auth, rules refuse: 403");
    ok(!oa_response_get(&r, "Location") && !oa_response_get(&r, "X-Auth-Request-User"),
       "auth 403: no Location, no identity");
    /* past refresh_at: a page load is a 401 (nginx's error_page then asks
     * the ErrorDocument path, which redirects to /refresh); an API call passes */
    cfg.session.refresh_after = 600;
    q = rq("GET", "/oauth/auth", NULL, "/app/page");
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 600, "");
    is_int(answer(&q), 401, "auth, stale session, page load: 401");
    ok(!oa_response_get(&r, "Location") && !oa_response_get(&r, "X-Auth-Request-User"),
       "auth stale 401: no Location, no identity");
    ok(r.audit.event == OA_AUDIT_NONE, "auth stale 401: not audited as a denial");
    q.accept = "application/json";
    q.sec_fetch_mode = "cors";
    is_int(answer(&q), 200, "auth, stale session, API call: 200 until exp");
    q = rq("GET", "/oauth/auth", NULL, "/app/page");
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 599, "");
    is_int(answer(&q), 200, "auth, a second before refresh_at: 200");
    cfg.session.refresh_after = 0;
    for (i = 0; i < 3; i++) {
        static const char *bad[] = {NULL, "garbage=1", "__Host-oauth2_fcgi=xyz"};
        q = rq(i == 1 ? "HEAD" : "GET", "/oauth/auth", NULL, "/app");
        q.cookie = bad[i];
        q.accept = i == 2 ? "application/json" : "text/html";
        is_int(answer(&q), 401, "auth never redirects (%d)", i);
    }
}

/* The attributes of a Set-Cookie value, without Max-Age/Expires, sorted
 * into one string for comparison. */
static void attrs_of(char *out, size_t cap, const char *sc)
{
    const char *p = strchr(sc, ';');
    size_t n = 0;

    out[0] = '\0';
    while (p && *p) {
        const char *a = p + 1 + strspn(p + 1, " ");
        const char *e = strchr(a, ';');
        size_t len = e ? (size_t)(e - a) : strlen(a);
        if (strncasecmp(a, "Max-Age", 7) != 0 && strncasecmp(a, "Expires", 7) != 0 &&
            n + len + 2 < cap) {
            memcpy(out + n, a, len);
            n += len;
            out[n++] = '|';
            out[n] = '\0';
        }
        p = e;
    }
}

static void logout(void)
{
    struct oa_identity id = cfx_alice();
    struct oa_request q = rq("GET", "/oauth", "/logout", NULL);
    char set_attrs[256], del_attrs[256];
    const char *sc;
    size_t i, found = 0, state_found = 0;

    /* the attributes the session cookie is set with */
    (void)cfx_cookie(&cfg, &id, CFX_NOW, "");
    oa_response_init(&cfx_mint_resp);
    {
        struct oa_request mq = {
            .method = "GET", .host = "app.example.com", .https = "on", .now = CFX_NOW};
        ok(oa_session_issue(&cfx_mint_resp, &cfg, &mq, &id) == OA_OK, "issue for attributes");
    }
    sc = oa_response_get(&cfx_mint_resp, "Set-Cookie");
    attrs_of(set_attrs, sizeof(set_attrs), sc ? sc : "");
    oa_response_free(&cfx_mint_resp);

    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "__Host-oauth2_fcgi_state_ABCDEFGH=x; a=b; ");
    q.query_string = "rd=%2Fbye";
    q.sec_fetch_site = "same-origin"; /* a link on our own pages */
    is_int(answer(&q), 302, "logout: 302");
    is_str(oa_response_get(&r, "Location"), "/bye", "logout to the validated rd");
    ok(r.audit.event == OA_AUDIT_SIGN_OUT && !strcmp(r.audit.user, "alice@example.com") &&
           r.audit.subject[0] && r.audit.provider[0],
       "audited: sign_out of alice@example.com");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "logout not cached");
    for (i = 0; i < r.nheaders; i++) {
        const char *v = r.headers[i].value;
        if (strcasecmp(r.headers[i].name, "Set-Cookie") != 0)
            continue;
        if (strncmp(v, "__Host-oauth2_fcgi=;", 20) == 0) {
            found++;
            ok(cfx_has(v, "Max-Age=0"), "session deletion: Max-Age=0");
            attrs_of(del_attrs, sizeof(del_attrs), v);
            is_str(del_attrs, set_attrs, "deleted with the attributes it was set with");
        }
        if (strncmp(v, "__Host-oauth2_fcgi_state_ABCDEFGH=;", 35) == 0) {
            state_found++;
            ok(cfx_has(v, "Path=/;") && cfx_has(v, "Secure") && cfx_has(v, "Max-Age=0"),
               "state cookie deleted with its path (/, __Host-) and Secure");
        }
        ok(!cfx_has(v, "a=;"), "unrelated cookie untouched");
    }
    is_int(found, 1, "session cookie deleted once");
    is_int(state_found, 1, "state cookie deleted");
    {
        const char *t = NULL;
        for (i = 0; i < r.nheaders && !t; i++)
            if (!strcasecmp(r.headers[i].name, "Set-Cookie") &&
                !strncmp(r.headers[i].value, "__Secure-oauth2_fcgi_tok=;", 26))
                t = r.headers[i].value;
        ok(t && cfx_has(t, "Max-Age=0") && cfx_has(t, "Path=/oauth/"),
           "the provider-token cookie deleted too, with its path (DESIGN.md 14.4)");
    }

    /* a tossed cookie under the state prefix that we never set, and many
     * state cookies: the logout still clears the session */
    {
        struct oa_buf jar = {0};

        ok(oa_buf_puts(&jar, "__Host-oauth2_fcgi_state_A(B)C=1; ") == OA_OK, "odd name");
        for (i = 0; i < 30; i++)
            ok(oa_buf_printf(&jar, "__Host-oauth2_fcgi_state_K%07zu=x; ", i) == OA_OK,
               "state cookie %zu", i);
        q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, jar.p);
        is_int(answer(&q), 302, "logout with a hostile cookie jar: 302");
        for (i = 0, found = 0, state_found = 0; i < r.nheaders; i++) {
            const char *v = r.headers[i].value;
            if (strcasecmp(r.headers[i].name, "Set-Cookie") != 0)
                continue;
            found += strncmp(v, "__Host-oauth2_fcgi=;", 20) == 0;
            state_found += strncmp(v, "__Host-oauth2_fcgi_state_", 25) == 0;
        }
        is_int(found, 1, "... the session cookie is still deleted");
        is_int(state_found, OA_STATE_PRUNE_MAX, "... and a bounded number of state cookies");
        oa_buf_free(&jar);
    }

    q.query_string = "rd=https%3A%2F%2Fevil.example.net%2F";
    is_int(answer(&q), 302, "logout, foreign rd");
    is_str(oa_response_get(&r, "Location"), "/", "foreign rd replaced by /");
    q.query_string = NULL;
    q.cookie = NULL;
    is_int(answer(&q), 302, "logout without a session still works");
    is_str(oa_response_get(&r, "Location"), "/", "default /");
    ok(r.audit.event == OA_AUDIT_NONE, "nobody signed out: not audited");
    ok(oa_response_get(&r, "Set-Cookie") != NULL, "and clears anyway");

    q = rq("POST", "/oauth", "/logout", NULL);
    q.content_type = "application/x-www-form-urlencoded";
    q.body = "rd=%2Fposted";
    q.body_len = strlen(q.body);
    q.origin = "https://app.example.com";
    is_int(answer(&q), 302, "POST logout");
    is_str(oa_response_get(&r, "Location"), "/posted", "POST body rd");
}

/* Which logouts sign out at once, which ask first. */
static int logs_out(const char *method, const char *site, const char *origin, const char *referer)
{
    static struct oa_identity id;
    struct oa_request q = rq(method, "/oauth", "/logout", NULL);
    const char *sc;

    id = cfx_alice();
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    q.query_string = "rd=%2Fbye";
    q.sec_fetch_site = site;
    q.origin = origin;
    q.referer = referer;
    if (!strcmp(method, "POST")) {
        q.content_type = "application/x-www-form-urlencoded";
        q.body = "rd=%2Fbye";
        q.body_len = strlen(q.body);
    }
    (void)answer(&q);
    sc = oa_response_get(&r, "Set-Cookie");
    if (r.status == 302 && sc && !strncmp(sc, "__Host-oauth2_fcgi=;", 20))
        return 1;
    if (r.status == 200 && !oa_response_get(&r, "Set-Cookie") && !oa_response_get(&r, "Location"))
        return 0; /* the confirmation, nothing cleared */
    return -1;
}

static void logout_csrf(void)
{
    static const struct {
        const char *method, *site, *origin, *referer;
        int out;
        const char *what;
    } cases[] = {
        {"GET", "same-origin", NULL, NULL, 1, "GET, Sec-Fetch-Site same-origin"},
        {"GET", "none", NULL, NULL, 1, "GET, Sec-Fetch-Site none (typed, bookmark)"},
        {"GET", "cross-site", NULL, NULL, 0, "GET, Sec-Fetch-Site cross-site"},
        {"GET", "same-site", NULL, NULL, 0, "GET, Sec-Fetch-Site same-site (a sibling subdomain)"},
        {"GET", "cross-site", "https://app.example.com", "https://app.example.com/x", 0,
         "GET cross-site with our Origin and Referer: Fetch Metadata wins"},
        {"GET", "CROSS-SITE", NULL, NULL, 0, "GET, Sec-Fetch-Site in capitals"},
        {"GET", "bogus", NULL, NULL, 0, "GET, an unknown Sec-Fetch-Site"},
        {"GET", NULL, NULL, NULL, 0, "GET without Sec-Fetch-Site, Origin or Referer"},
        {"GET", NULL, NULL, "https://app.example.com/app/page", 1, "GET, our Referer"},
        {"GET", NULL, NULL, "https://app.example.com", 1, "GET, our Referer without a path"},
        {"GET", NULL, NULL, "https://app.example.com:443/x", 1, "GET, our Referer with :443"},
        {"GET", NULL, NULL, "https://evil.example.net/", 0, "GET, a foreign Referer"},
        {"GET", NULL, NULL, "https://app.example.com.evil.example.net/", 0,
         "GET, a Referer whose host starts with ours"},
        {"GET", NULL, NULL, "https://app.example.com@evil.example.net/", 0,
         "GET, a Referer with our name as user info"},
        {"GET", NULL, NULL, "http://app.example.com/x", 0, "GET, our host over http"},
        {"GET", NULL, NULL, "https://app.example.com:8443/x", 0, "GET, our host, another port"},
        {"GET", NULL, "https://app.example.com", NULL, 1, "GET, our Origin"},
        {"GET", NULL, "null", "https://app.example.com/x", 0, "GET, Origin null (Referer ignored)"},
        {"POST", NULL, "https://app.example.com", NULL, 1, "POST, our Origin"},
        {"POST", NULL, "https://APP.example.com", NULL, 1, "POST, our Origin in capitals"},
        {"POST", NULL, "https://evil.example.net", NULL, 0, "POST, a foreign Origin"},
        {"POST", NULL, "null", NULL, 0, "POST, Origin null"},
        {"POST", "same-origin", "https://app.example.com", NULL, 1, "POST same-origin"},
        {"POST", "cross-site", "https://evil.example.net", NULL, 0, "POST cross-site"},
        {"POST", NULL, NULL, NULL, 0, "POST without any origin header"},
        {"POST", NULL, NULL, "https://app.example.com/oauth/logout", 1, "POST, our Referer"},
    };
    struct oa_request q;
    const char *csp;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_int(logs_out(cases[i].method, cases[i].site, cases[i].origin, cases[i].referer),
               cases[i].out, "%s: %s", cases[i].what,
               cases[i].out ? "signed out" : "asked to confirm");

    /* the confirmation page */
    q = rq("GET", "/oauth", "/logout", NULL);
    q.query_string = "rd=%2Fapp%2F%3Fa%3D1%26b%3D%22x%22";
    q.sec_fetch_site = "cross-site";
    is_int(answer(&q), 200, "cross-site GET: the confirmation page (200)");
    ok(cfx_has(r.body.p, "<form method=\"post\" action=\"/oauth/logout\">"),
       "a form that POSTs to the logout endpoint");
    ok(cfx_has(r.body.p, "name=\"rd\" value=\"/app/?a=1&amp;b=&quot;x&quot;\""),
       "rd in a hidden field, HTML-escaped");
    ok(!cfx_has(r.body.p, "oauth2_fcgi=") && !cfx_has(r.body.p, "state"),
       "no cookie or state in the page");
    csp = oa_response_get(&r, "Content-Security-Policy");
    ok(csp && cfx_has(csp, "form-action 'self'") && cfx_has(csp, "frame-ancestors 'none'"),
       "CSP: the form may post to us, the page is not framable");
    is_str(oa_response_get(&r, "X-Frame-Options"), "DENY", "X-Frame-Options DENY");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "not cached");
    is_str(oa_response_get(&r, "Referrer-Policy"), "same-origin",
           "Referrer-Policy same-origin: the POST names us even without Origin");
    q.query_string = "rd=https%3A%2F%2Fevil.example.net%2F";
    is_int(answer(&q), 200, "confirmation with a foreign rd");
    ok(cfx_has(r.body.p, "value=\"/\"") && !cfx_has(r.body.p, "evil"),
       "a foreign rd is replaced by /");
}

static void error_document(void)
{
    struct oa_request q = rq("GET", "/oauth/sign_in", NULL, "/app/page?a=1");

    q.redirect_status = "401";
    q.redirect_url = "/app/page";
    q.redirect_query_string = "a=1&b=%2F";
    is_int(answer(&q), 302, "ErrorDocument 401: 302");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in?rd=%2Fapp%2Fpage%3Fa%3D1%26b%3D%252F",
           "rd from REDIRECT_URL and REDIRECT_QUERY_STRING");
    q.redirect_query_string = NULL;
    q.redirect_url = "/app/a b";
    answer(&q);
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in?rd=%2Fapp%2Fa%2520b",
           "decoded REDIRECT_URL encoded back");
    q.redirect_url = "//evil.example.net/x";
    is_int(answer(&q), 302, "ErrorDocument with //host");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in", "//host rd refused");
    q.redirect_url = "/app\\..\\x";
    answer(&q);
    ok(!cfx_has(oa_response_get(&r, "Location"), "%5C"), "backslash never in rd unencoded");
    cfg.nproviders = 1;
    q.redirect_url = "/app/page";
    answer(&q);
    is_str(oa_response_get(&r, "Location"), "/oauth/github/login?rd=%2Fapp%2Fpage",
           "one provider: straight to its login");
    cfg.nproviders = 2;
    q = rq("GET", "/oauth/health", NULL, "/x");
    q.redirect_status = "401";
    q.redirect_url = "/x";
    is_int(answer(&q), 302, "any endpoint hit that way redirects");
    q.accept = "application/json";
    q.sec_fetch_mode = "cors";
    is_int(answer(&q), 401, "ErrorDocument for a JSON client: 401");
    ok(cfx_has(r.body.p, "\"status\": 401"), "JSON 401 body");
    /* mod_fcgid sends the rules' 403 this way too: a valid session gets 403 */
    {
        struct oa_identity who = {.provider = "github", .subject = "7", .email = "eve@example.com"};
        q = rq("GET", "/oauth/sign_in", NULL, "/admin/x");
        q.redirect_status = "401";
        q.redirect_url = "/admin/x";
        q.cookie = cfx_cookie(&cfg, &who, CFX_NOW, "");
        is_int(answer(&q), 403, "ErrorDocument 401 with a valid session: 403, not sign-in again");
        ok(cfx_has(r.body.p, "eve@example.com"), "the 403 page names the user");
        ok(oa_response_get(&r, "Location") == NULL, "no redirect");
        q.cookie = "__Host-oauth2_fcgi=garbage";
        is_int(answer(&q), 302, "ErrorDocument 401 with a bad cookie: sign in");
        /* a valid session past refresh_at: the 401 was the authorizer's
         * REFRESH (mod_fcgid) or /auth's (nginx): a page load refreshes */
        cfg.session.refresh_after = 600;
        q.redirect_url = "/app/page";
        q.redirect_query_string = "a=1";
        q.cookie = cfx_cookie(&cfg, &who, CFX_NOW - 600, "");
        is_int(answer(&q), 302, "ErrorDocument 401, stale session, page load: 302");
        is_str(oa_response_get(&r, "Location"), "/oauth/refresh?rd=%2Fapp%2Fpage%3Fa%3D1",
               "to <base_path>/refresh with rd from REDIRECT_URL and REDIRECT_QUERY_STRING");
        q.redirect_url = "/admin/x";
        q.redirect_query_string = NULL;
        is_int(answer(&q), 302,
               "stale, a path the rules refuse: refresh first (groups may change)");
        q.accept = "application/json";
        q.sec_fetch_mode = "cors";
        is_int(answer(&q), 403, "stale, API call: the 401 was the rules' 403");
        q = rq("GET", "/oauth/sign_in", NULL, "/admin/x");
        q.redirect_status = "401";
        q.redirect_url = "/app/page";
        q.cookie = cfx_cookie(&cfg, &who, CFX_NOW - 3600, "");
        is_int(answer(&q), 302, "stale and expired: 302");
        ok(cfx_has(oa_response_get(&r, "Location"), "/oauth/sign_in?rd="), "to sign in");
        cfg.session.refresh_after = 0;
    }
    q = rq("GET", "/oauth/sign_in", NULL, "/x");
    q.redirect_status = "404";
    q.redirect_url = "/x";
    is_int(answer(&q), 200, "REDIRECT_STATUS 404: the plain sign-in page");
}

int main(void)
{
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/admin/", "boss@example.com", "", "", "", "");
    if (oa_runtime_init(&rt, &cfg, NULL) != OA_OK) {
        printf("Bail out! oa_runtime_init\n");
        return 1;
    }
    oa_response_init(&r);
    routing();
    lifecycle_routes();
    details();
    error_endpoint();
    base_paths();
    userinfo();
    auth();
    logout();
    logout_csrf();
    error_document();
    oa_response_free(&r);
    oa_runtime_free(&rt);
    cfx_free();
    return tap_done();
}
