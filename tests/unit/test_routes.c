/* test_routes.c - public rules, methods and hosts (access.c, the decision
 * in authorizer.c, nginx's /auth): a rule applies only to its methods and
 * hosts; public lets a request without a session pass only when EVERY
 * reading of its path meets a public rule (the least privilege decides);
 * the identity still goes along when there is a session. */
#include "fixture.h"
#include "oa/access.h"
#include "oa/authorizer.h"
#include "oa/endpoints.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_response r; /* large: off the stack */

/* A list from "a|b" that lives as long as the test. */
static struct oa_strlist list(const char *s)
{
    static char *items[64];
    static size_t used;
    struct oa_strlist l = {.v = &items[used], .n = 0};
    char *dup = strdup(s), *tok, *save = NULL;

    for (tok = strtok_r(dup, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
        items[used++] = tok, l.n++;
    used++; /* NULL after each list */
    return l;
}

static struct oa_access_rule *last(void)
{
    return &cfg.access[cfg.naccess - 1];
}

static struct oa_request rq(const char *method, const char *host, const char *uri,
                            const char *cookie, bool page)
{
    struct oa_request q = {.role = OA_ROLE_AUTHORIZER,
                           .method = method,
                           .request_uri = uri,
                           .host = host,
                           .https = "on",
                           .cookie = cookie,
                           .now = CFX_NOW};
    if (page) {
        q.accept = "text/html";
        q.sec_fetch_mode = "navigate";
        q.sec_fetch_dest = "document";
    } else {
        q.accept = "application/json";
    }
    return q;
}

/* The lighttpd/Apache answer's status for method host uri (cookie or NULL). */
static int answer(const char *method, const char *host, const char *uri, const char *cookie)
{
    struct oa_request q = rq(method, host, uri, cookie, false);

    oa_response_init(&r);
    (void)oa_authorizer_answer(&cfg, &q, &r);
    oa_response_free(&r);
    return r.status;
}

static enum oa_decision decide(const char *method, const char *host, const char *uri,
                               const char *cookie, bool page)
{
    static struct oa_session_buf sb;
    struct oa_request q = rq(method, host, uri, cookie, page);
    struct oa_identity id;

    return oa_authorize(&id, &sb, &cfg, &q);
}

static void access_level(void)
{
    struct oa_access_req q;
    const struct oa_access_rule *m;
    struct oa_identity a = cfx_alice();

    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/api/", "", "", "", "", "");
    last()->methods = list("OPTIONS");
    last()->is_public = true;
    cfx_rule(&cfg, "/api/", "", "", "", "", "");
    last()->methods = list("GET|PUT");
    last()->hosts = list("app.example.com|*.example.org");
    cfx_rule(&cfg, "/api/", "boss@example.com", "", "", "", "");

    oa_access_req_init(&q, "OPTIONS", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[0],
       "OPTIONS: the public rule");
    ok(oa_access_allowed_req(&cfg, &q, "/api/x", NULL, &m), "OPTIONS passes without a session");
    oa_access_req_init(&q, "GET", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[1],
       "GET skips the OPTIONS rule, meets the GET rule");
    ok(!oa_access_allowed_req(&cfg, &q, "/api/x", NULL, &m), "GET needs a session");
    ok(oa_access_allowed_req(&cfg, &q, "/api/x", &a, &m), "GET with a session passes rule 2");
    oa_access_req_init(&q, "HEAD", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[1], "GET covers HEAD");
    oa_access_req_init(&q, "POST", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2],
       "POST: neither method rule, the third");
    ok(!oa_access_allowed_req(&cfg, &q, "/api/x", &a, &m), "POST: alice is not boss");
    oa_access_req_init(&q, "options", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) != &cfg.access[0],
       "'options' is not OPTIONS as written");
    ok(!oa_access_allowed_req(&cfg, &q, "/api/x", NULL, &m),
       "'options' without a session: not public (the stricter reading)");
    oa_access_req_init(&q, "put", "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", true) == &cfg.access[1],
       "folded pass: 'put' meets the PUT rule");
    oa_access_req_init(&q, NULL, "app.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2],
       "no method: method rules skipped");

    /* hosts */
    oa_access_req_init(&q, "GET", "APP.Example.COM:8443");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[1],
       "host: case-insensitive, port cut");
    oa_access_req_init(&q, "GET", "app.example.com.");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[1], "host: trailing dot cut");
    oa_access_req_init(&q, "GET", "other.example.com");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2], "another host: skipped");
    oa_access_req_init(&q, "GET", "app.example.com.evil.net");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2],
       "app.example.com.evil.net is not app.example.com");
    oa_access_req_init(&q, "GET", "a.b.example.org:80");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[1],
       "*.example.org: a subdomain");
    oa_access_req_init(&q, "GET", "example.org");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2],
       "*.example.org is not example.org itself");
    oa_access_req_init(&q, "GET", "evilexample.org");
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2],
       "*.example.org is not evilexample.org");
    oa_access_req_init(&q, "GET", NULL);
    ok(oa_access_match_req(&cfg, &q, "/api/x", false) == &cfg.access[2], "no Host: skipped");
    oa_access_req_init(&q, "GET", "[::1]:8080");
    ok(q.host_len == 5 && strncmp(q.host, "[::1]", 5) == 0, "IPv6 literal: port cut after ']'");
    ok(!oa_access_match_req(&cfg, NULL, "/other", false), "no rule: NULL");
    ok(!oa_access_allowed_req(&cfg, NULL, "/other", NULL, &m), "no rule and no session: refused");
}

/* Rules: /health public; /admin/ for boss only; /public/ public; /api/
 * OPTIONS public, then /api/ for any session; / public on
 * open.example.com only; the rest needs a session. */
static void decision_level(void)
{
    struct oa_identity a = cfx_alice();
    const char *ck;
    struct oa_request q;
    static const char *const bypass[] = {"/public/../admin/x",
                                         "/public/%2e%2e/admin/x",
                                         "/public/%2E%2E/admin/x",
                                         "/public/..%2fadmin/x",
                                         "/public/..%2Fadmin/x",
                                         "/public/..;/admin/x",
                                         "/public/%252e%252e/admin/x",
                                         "/public/..%5cadmin/x",
                                         "/public\\..\\admin/x",
                                         "/public/x/../../admin/x",
                                         "//admin/x",
                                         "/public/.%2e/admin/x",
                                         "/public/..%00/admin/x",
                                         "/public/.. /admin/x",
                                         "/public/..%20/admin/x",
                                         "/public;/../admin/x",
                                         "/public/../ADMIN/x",
                                         "/public/%2e%2e%2fadmin/x"};

    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/health", "", "", "", "", "");
    last()->is_public = true;
    cfx_rule(&cfg, "/admin/", "boss@example.com", "", "", "", "");
    cfx_rule(&cfg, "/public/", "", "", "", "", "");
    last()->is_public = true;
    cfx_rule(&cfg, "/api/", "", "", "", "", "");
    last()->methods = list("OPTIONS");
    last()->is_public = true;
    cfx_rule(&cfg, "/api/", "", "", "", "", "");
    cfx_rule(&cfg, "/", "", "", "", "", "");
    last()->hosts = list("open.example.com");
    last()->is_public = true;
    ck = cfx_cookie(&cfg, &a, CFX_NOW, "");

    ok(answer("GET", "app.example.com", "/health", NULL) == 200, "public path, no cookie: 200");
    ok(answer("GET", "app.example.com", "/health?x=1", NULL) == 200, "with a query: 200");
    oa_response_init(&r);
    q = rq("GET", "app.example.com", "/health", NULL, true);
    (void)oa_authorizer_answer(&cfg, &q, &r);
    ok(r.status == 200 && r.nheaders == 0, "public, no session: 200 and no Variable-* at all");
    oa_response_free(&r);
    oa_response_init(&r);
    q = rq("GET", "app.example.com", "/health", ck, true);
    (void)oa_authorizer_answer(&cfg, &q, &r);
    ok(r.status == 200 && cfx_has(oa_response_get(&r, "Variable-OAUTH2_EMAIL"), "alice@"),
       "public with a session: the identity still goes along");
    oa_response_free(&r);
    ok(answer("GET", "app.example.com", "/health", "__Host-oauth2_fcgi=garbage") == 200,
       "public with a broken cookie: 200");
    ok(answer("GET", "app.example.com", "/healthz", NULL) == 401,
       "/healthz is not /health (segment boundary)");
    ok(decide("GET", "app.example.com", "/elsewhere", NULL, true) == OA_DECISION_SIGN_IN,
       "a protected page without a session: sign in");
    ok(answer("GET", "app.example.com", "/admin/x", ck) == 403, "/admin/ refuses alice");

    for (size_t i = 0; i < sizeof(bypass) / sizeof(bypass[0]); i++) {
        int s = answer("GET", "app.example.com", bypass[i], NULL);
        ok(s == 401, "no public pass: %s (got %d)", bypass[i], s);
    }
    /* case: a case-insensitive backend serves /PUBLIC/ as /public/, but the
     * written reading meets no public rule: the stricter reading wins */
    ok(answer("GET", "app.example.com", "/PUBLIC/x", NULL) == 401,
       "/PUBLIC/x: not public as written");
    ok(answer("GET", "app.example.com", "/public/x", NULL) == 200, "/public/x: public");
    ok(answer("GET", "app.example.com", "/public/a%20b", NULL) == 200,
       "/public/a%%20b: public in every reading");
    /* nginx's $uri (served path) under /admin/ while REQUEST_URI is public */
    oa_response_init(&r);
    q = rq("GET", "app.example.com", "/public/x", NULL, false);
    q.served_path = "/admin/x";
    (void)oa_authorizer_answer(&cfg, &q, &r);
    ok(r.status == 401, "served path /admin/x behind a public REQUEST_URI: 401");
    oa_response_free(&r);
    oa_response_init(&r);
    q = rq("GET", "app.example.com", "/public/x", NULL, false);
    q.served_uri = "/admin/x";
    (void)oa_authorizer_answer(&cfg, &q, &r);
    ok(r.status == 401, "lighttpd's rewritten URI /admin/x behind a public one: 401");
    oa_response_free(&r);

    /* methods */
    ok(answer("OPTIONS", "app.example.com", "/api/items", NULL) == 200, "OPTIONS preflight: 200");
    ok(answer("GET", "app.example.com", "/api/items", NULL) == 401, "GET on /api/: 401");
    ok(decide("GET", "app.example.com", "/api/items", NULL, true) == OA_DECISION_SIGN_IN,
       "GET page load on /api/: sign in");
    ok(answer("options", "app.example.com", "/api/items", NULL) == 401,
       "'options' (lower case) is not the public OPTIONS");
    ok(answer("GET", "app.example.com", "/api/items", ck) == 200, "GET with a session: 200");

    /* hosts */
    ok(answer("GET", "open.example.com", "/anything", NULL) == 200, "open host: public");
    ok(answer("GET", "OPEN.example.com:8080", "/anything", NULL) == 200,
       "open host, case and port: public");
    ok(answer("GET", "app.example.com", "/anything", NULL) == 401, "other host: needs a session");
    ok(answer("GET", NULL, "/anything", NULL) == 401, "no Host: needs a session");
    ok(answer("GET", "open.example.com", "/admin/x", NULL) == 401,
       "open host, /admin/ before it still protects");
}

/* nginx's /auth: 200 without X-Auth-Request-User for a public path */
static void nginx_level(void)
{
    struct oa_request q = rq("GET", "app.example.com", "/health", NULL, false);

    q.role = OA_ROLE_RESPONDER;
    oa_response_init(&r);
    (void)oa_endpoint_auth(&r, &cfg, &q);
    ok(r.status == 200 && !oa_response_get(&r, "X-Auth-Request-User"),
       "nginx /auth: public, no session: 200 without identity headers");
    oa_response_free(&r);
    q.request_uri = "/public/..%2fadmin/x";
    oa_response_init(&r);
    (void)oa_endpoint_auth(&r, &cfg, &q);
    ok(r.status == 401, "nginx /auth: a reading under /admin/: 401");
    oa_response_free(&r);
    q.request_uri = "/api/x";
    q.method = "OPTIONS";
    oa_response_init(&r);
    (void)oa_endpoint_auth(&r, &cfg, &q);
    ok(r.status == 200, "nginx /auth: OPTIONS preflight: 200");
    oa_response_free(&r);
}

int main(void)
{
    access_level();
    decision_level();
    nginx_level();
    cfx_free();
    return tap_done();
}
