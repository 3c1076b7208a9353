/* test_authorizer.c - the decision table of DESIGN section 4: session state
 * (none, valid, expired, tampered, state-as-session, refused by the rules)
 * x client (page load, XHR, JSON, HEAD), checked on the wire: exact Status
 * line, only Variable-* on 200, no Location on 401/403, rd carried and
 * validated; path normalisation before the rules. */
#include "fixture.h"
#include "oa/authorizer.h"
#include "oa/seal.h"
#include "tap.h"

static struct oa_config cfg;
static struct oa_response r; /* large: off the stack */

enum client { PAGE, XHR, JSON, HEAD, NCLIENTS };
static const char *client_name[] = {"page load", "XHR", "JSON client", "HEAD"};

static struct oa_request rq(enum client c, const char *uri, const char *cookie)
{
    struct oa_request q = {.role = OA_ROLE_AUTHORIZER,
                           .method = "GET",
                           .request_uri = uri,
                           .host = "app.example.com",
                           .https = "on",
                           .cookie = cookie,
                           .now = CFX_NOW};
    switch (c) {
    case PAGE:
        q.accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        q.sec_fetch_mode = "navigate";
        q.sec_fetch_dest = "document";
        break;
    case XHR:
        q.accept = "*/*";
        q.x_requested_with = "XMLHttpRequest";
        break;
    case JSON:
        q.accept = "application/json";
        q.sec_fetch_mode = "cors";
        q.sec_fetch_dest = "empty";
        break;
    case HEAD:
        q.method = "HEAD";
        q.accept = "text/html";
        break;
    default: break;
    }
    return q;
}

static const char *status_line(int status)
{
    switch (status) {
    case 200: return "Status: 200 OK\r\n";
    case 302: return "Status: 302 Found\r\n";
    case 401: return "Status: 401 Unauthorized\r\n";
    case 403: return "Status: 403 Forbidden\r\n";
    }
    return "?";
}

static int only_variables(const struct oa_response *resp)
{
    size_t i;

    for (i = 0; i < resp->nheaders; i++)
        if (strncmp(resp->headers[i].name, "Variable-", 9) != 0)
            return 0;
    return resp->nheaders > 0;
}

/* One cell of the table: answer, then check the wire. */
static void cell(const char *what, enum client c, const char *uri, const char *cookie, int want)
{
    struct oa_request q = rq(c, uri, cookie);
    struct oa_buf w;
    enum oa_err e;

    oa_response_free(&r); /* what an earlier run() left */
    oa_response_init(&r);
    e = oa_authorizer_answer(&cfg, &q, &r);
    w = cfx_wire(&r);
    ok(strncmp(w.p, status_line(want), strlen(status_line(want))) == 0,
       "%s, %s: first line is Status: %d", what, client_name[c], want);
    if (want == 200) {
        ok(only_variables(&r) && r.body.len == 0 && e == OA_OK,
           "%s, %s: only Variable-* headers, no body", what, client_name[c]);
    } else if (want == 302) {
        ok(oa_response_get(&r, "Location") && r.body.len > 0 && !only_variables(&r),
           "%s, %s: Location, a small body, no Variable-*", what, client_name[c]);
    } else {
        ok(!oa_response_get(&r, "Location") && cfx_count(&r, "Variable-REMOTE_USER") == 0,
           "%s, %s: no Location, no identity", what, client_name[c]);
        if (c == JSON || c == XHR)
            ok(r.body.p && strncmp(r.body.p, "{\"error\": ", 10) == 0, "%s, %s: JSON body", what,
               client_name[c]);
        else
            ok(r.body.p && strncmp(r.body.p, "<!DOCTYPE html>", 15) == 0, "%s, %s: HTML body", what,
               client_name[c]);
    }
    /* the audit record: a denial (401/403) has one, an allow or a sign-in redirect none */
    if (want == 401)
        ok(r.audit.event == OA_AUDIT_DENIED && r.audit.status == 401 && !r.audit.user[0],
           "%s, %s: audited as a 401 denial, nobody named", what, client_name[c]);
    else if (want == 403)
        ok(r.audit.event == OA_AUDIT_DENIED && r.audit.status == 403 &&
               !strcmp(r.audit.user, "alice@example.com") && r.audit.subject[0] &&
               !strncmp(r.audit.rule, "/admin", 6) && strstr(r.audit.rule, "(line ") &&
               r.audit.reason[0],
           "%s, %s: audited as a 403 denial with user, subject, rule (%s) and reason", what,
           client_name[c], r.audit.rule);
    else
        ok(r.audit.event == OA_AUDIT_NONE, "%s, %s: not audited", what, client_name[c]);
    oa_buf_free(&w);
    oa_response_free(&r);
}

static void table(void)
{
    struct oa_identity alice = cfx_alice();
    const char *valid = cfx_cookie(&cfg, &alice, CFX_NOW - 60, "");
    const char *expired = cfx_cookie(&cfg, &alice, CFX_NOW - 7200, "");
    static char tampered[sizeof(cfx_cookie_buf[0])];
    static char state_cookie[8192], gone[sizeof(cfx_cookie_buf[0])];
    struct oa_identity ghost = cfx_alice();
    unsigned char plain[OA_SESSION_PLAIN_MAX];
    char sealed[4096];
    size_t plen, slen, mid;
    int c;

    /* tampered: one character of the sealed text changed */
    snprintf(tampered, sizeof(tampered), "%s", valid);
    mid = strlen(tampered) - 10;
    tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
    /* the same identity sealed as a login state: must not pass for a session */
    alice.iat = CFX_NOW - 60;
    alice.exp = CFX_NOW + 3600;
    ok(oa_session_encode(plain, sizeof(plain), &plen, &alice) == OA_OK, "encode");
    ok(oa_seal(sealed, sizeof(sealed), &slen, plain, plen, "state", &cfg.keys) == OA_OK,
       "seal as state");
    snprintf(state_cookie, sizeof(state_cookie), "__Host-oauth2_fcgi=%s", sealed);
    /* sealed for a provider that is no longer in the config */
    ghost.provider = "retired-idp";
    snprintf(gone, sizeof(gone), "%s", cfx_cookie(&cfg, &ghost, CFX_NOW - 60, ""));

    for (c = 0; c < NCLIENTS; c++) {
        int deny = (c == PAGE || c == HEAD) ? 302 : 401;
        cell("no cookie", c, "/app/page?x=1", NULL, deny);
        cell("other cookies only", c, "/app/page", "a=b; theme=dark", deny);
        cell("valid", c, "/app/page?x=1", valid, 200);
        cell("expired", c, "/app/page", expired, deny);
        cell("tampered", c, "/app/page", tampered, deny);
        cell("state as session", c, "/app/page", state_cookie, deny);
        cell("provider removed", c, "/app/page", gone, deny);
        cell("rules refuse", c, "/admin/panel", valid, 403);
    }
}

/* Answers one request into r (kept for inspection). */
static int run(const struct oa_request *q)
{
    oa_response_free(&r);
    oa_response_init(&r);
    (void)oa_authorizer_answer(&cfg, q, &r);
    return r.status;
}

/* A target that would make the Location too long for a header is left
 * out (sign in without it), at the exact boundary: Location shorter than
 * half the header arena. */
static void sign_in_target_too_long(void)
{
    const size_t keep = OA_RESPONSE_HEADER_SPACE / 2 - 1 - strlen("/oauth/sign_in?rd=");
    struct oa_request q = rq(PAGE, "/app/page", NULL);
    char rd[8192];
    size_t k = 3000, m = keep - 4 * k; /* "/a" encodes to 4 bytes, "b" to 1 */

    for (size_t i = 0; i < k; i++)
        memcpy(rd + 2 * i, "/a", 2);
    memset(rd + 2 * k, 'b', m);
    rd[2 * k + m] = '\0';
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_sign_in_redirect(&r, &cfg, &q, rd) == OA_OK, "rd at the limit: answered");
    is_int(strlen(oa_response_get(&r, "Location") ? oa_response_get(&r, "Location") : ""),
           OA_RESPONSE_HEADER_SPACE / 2 - 1, "rd at the limit: carried whole");
    rd[2 * k + m] = 'b';
    rd[2 * k + m + 1] = '\0';
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_sign_in_redirect(&r, &cfg, &q, rd) == OA_OK, "rd one byte over: answered");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in", "rd one byte over: left out");
    is_int(r.status, 302, "still the 302 to sign in");
}

static void sign_in_target(void)
{
    struct oa_request q = rq(PAGE, "/app/page?x=1&y=a%20b", NULL);

    is_int(run(&q), 302, "page load without session: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/sign_in?rd=https%3A%2F%2Fapp.example.com%2Fapp%2Fpage%3Fx%3D1%26y%3Da%2520b",
           "Location: sign-in with rd = the original URL");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "302 not cached");
    ok(cfx_has(r.body.p, "href=\"/oauth/sign_in?rd="), "302 body links to sign-in");

    q.host = "evil.example.net";
    is_int(run(&q), 302, "foreign Host: still 302");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in?rd=%2Fapp%2Fpage%3Fx%3D1%26y%3Da%2520b",
           "foreign Host: rd is the path alone (back on our origin)");

    q = rq(PAGE, "/app/page", NULL);
    q.host = NULL;
    is_int(run(&q), 302, "no Host: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/sign_in?rd=https%3A%2F%2Fapp.example.com%2Fapp%2Fpage",
           "no Host: public_url is the origin");

    q = rq(PAGE, "//evil.example.net/x", NULL);
    is_int(run(&q), 302, "REQUEST_URI //host: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/sign_in?rd=https%3A%2F%2Fapp.example.com%2F%2Fevil.example.net%2Fx",
           "//host is only ever a path on our origin");
    q.host = "evil.example.net";
    is_int(run(&q), 302, "REQUEST_URI //host, foreign Host: 302");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in", "//host alone is never rd");

    cfg.nproviders = 1;
    q = rq(PAGE, "/app/page", NULL);
    is_int(run(&q), 302, "one provider: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/github/login?rd=https%3A%2F%2Fapp.example.com%2Fapp%2Fpage",
           "one provider: straight to its login");
    cfg.nproviders = 2;

    cfg.public_url = NULL;
    cfg.public_host = NULL;
    q = rq(PAGE, "/app/page", NULL);
    is_int(run(&q), 302, "no public_url: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/sign_in?rd=https%3A%2F%2Fapp.example.com%2Fapp%2Fpage",
           "no public_url: the request's scheme and Host");
    q.https = NULL;
    is_int(run(&q), 302, "plain http request: 302");
    is_str(oa_response_get(&r, "Location"), "/oauth/sign_in?rd=%2Fapp%2Fpage",
           "http without allow_http_redirect: rd is the path");
    cfg.allow_http_redirect = true;
    is_int(run(&q), 302, "plain http, allow_http_redirect: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/sign_in?rd=http%3A%2F%2Fapp.example.com%2Fapp%2Fpage",
           "allow_http_redirect: the http origin is kept");
    cfg.allow_http_redirect = false;
    cfg.public_url = cfx_str("https://app.example.com");
    cfg.public_host = cfx_str("app.example.com");

    q = rq(PAGE, "/app/page", NULL);
    q.method = "POST";
    is_int(run(&q), 401, "a POST is never a page load: 401");
    q = rq(PAGE, "/app/page", NULL);
    q.accept = "application/json, text/html";
    is_int(run(&q), 401, "JSON first: 401");
    q = rq(XHR, "/app/page", NULL);
    q.accept = "text/html";
    is_int(run(&q), 401, "XHR asking text/html: still 401, never a redirect");
    q = rq(PAGE, "/app/page", NULL);
    q.sec_fetch_mode = NULL;
    q.sec_fetch_dest = NULL;
    q.accept = "text/html";
    is_int(run(&q), 302, "old browser (Accept text/html only): 302");
    q.accept = NULL;
    is_int(run(&q), 401, "curl (no Accept): 401");
    q.sec_fetch_dest = "document";
    is_int(run(&q), 302, "Sec-Fetch-Dest document: 302");
}

static void variables(void)
{
    struct oa_identity id = cfx_alice();
    struct oa_request q = rq(PAGE, "/app", cfx_cookie(&cfg, &id, CFX_NOW, ""));
    struct oa_buf w;

    is_int(run(&q), 200, "allowed");
    w = cfx_wire(&r);
    is_str(w.p,
           "Status: 200 OK\r\n"
           "Variable-REMOTE_USER: alice@example.com\r\n"
           "Variable-OAUTH2_USER: alice\r\n"
           "Variable-OAUTH2_SUB: 42\r\n"
           "Variable-OAUTH2_EMAIL: alice@example.com\r\n"
           "Variable-OAUTH2_NAME: Alice <A>\r\n"
           "Variable-OAUTH2_PROVIDER: github\r\n"
           "Variable-OAUTH2_GROUPS: ops,eng\r\n"
           "Variable-OAUTH2_WORKSPACES: argilla\r\n"
           "\r\n",
           "the whole 200 answer, byte for byte");
    oa_buf_free(&w);

    id.roles = "admin,annotator";
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    is_int(run(&q), 200, "with roles: allowed");
    is_str(oa_response_get(&r, "Variable-OAUTH2_ROLES"), "admin,annotator",
           "the session's roles in Variable-OAUTH2_ROLES");
    id.roles = NULL;

    id.email = "";
    id.name = "Eve\r\nVariable-REMOTE_USER: admin@example.com";
    id.groups = "ops\nadmins";
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW, "");
    is_int(run(&q), 200, "identity with control bytes: allowed");
    is_str(oa_response_get(&r, "Variable-REMOTE_USER"), "github:42",
           "no email: REMOTE_USER is provider:subject");
    ok(!oa_response_get(&r, "Variable-OAUTH2_NAME"), "a name with CR LF is left out");
    ok(!oa_response_get(&r, "Variable-OAUTH2_GROUPS"), "groups with LF left out");
    ok(!oa_response_get(&r, "Variable-OAUTH2_EMAIL"), "empty email left out");
    is_int(cfx_count(&r, "Variable-REMOTE_USER"), 1, "exactly one REMOTE_USER");
    is_str(oa_response_get(&r, "Variable-OAUTH2_USER"), "alice", "the rest is there");
    ok(only_variables(&r), "still only Variable-*");

    /* not_before revokes older sessions */
    id = cfx_alice();
    q.cookie = cfx_cookie(&cfg, &id, CFX_NOW - 600, "");
    cfg.session.not_before = CFX_NOW - 300;
    is_int(run(&q), 302, "session sealed before not_before: sign in again");
    cfg.session.not_before = 0;
    is_int(run(&q), 200, "without not_before: allowed");

    /* key rotation: a session sealed with a key the config no longer has */
    q.cookie = "__Host-oauth2_fcgi=AQAAAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    is_int(run(&q), 302, "garbage session cookie: sign in");
    q.cookie = "__Host-oauth2_fcgi=";
    is_int(run(&q), 302, "empty session cookie: sign in");
}

static void paths(void)
{
    struct oa_identity id = cfx_alice();
    const char *valid = cfx_cookie(&cfg, &id, CFX_NOW, "");
    struct oa_request q = rq(PAGE, "/", valid);
    static const struct {
        const char *uri;
        int want;
    } cases[] = {
        {"/app/page", 200},
        {"/admin/", 403},
        {"/admin", 403},
        {"/admin/x?y=1", 403},
        {"/admin%2Fsecret", 403},
        {"/%61dmin/x", 403},
        {"/app/../admin/x", 403},
        {"/app/%2e%2e/admin/x", 403},
        {"/./admin/x", 403},
        {"//admin/x", 403},
        {"/administrator", 200},
        {"/private", 403},
        {"/private?x=/public", 403},
        {"/private#/public", 403},
        {"/private/x", 403},
        {"/privateer", 200},
        {"/public?x=/private", 200},
        {"/a%00b", 403},
        {"/a%0d%0ab", 403},
        {"/bad%zzescape", 403},
        {"no-slash", 403},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        q.request_uri = cases[i].uri;
        is_int(run(&q), cases[i].want, "signed in, %s", cases[i].uri);
    }
    q.request_uri = NULL;
    is_int(run(&q), 403, "signed in, no REQUEST_URI: 403");
    q.cookie = NULL;
    q.request_uri = "/a%00b";
    is_int(run(&q), 302, "no session, unparsable path: sign in first");
    ok(!cfx_has(oa_response_get(&r, "Location"), "%00"), "and the bad path is no rd");

    q = rq(PAGE, "/admin/x", valid);
    is_int(run(&q), 403, "forbidden page");
    ok(cfx_has(r.body.p, "alice@example.com"), "403 names the signed-in user");
    ok(cfx_has(r.log, "alice@example.com") && cfx_has(r.log, "/admin/x"),
       "log line: who and where");
    ok(!cfx_has(r.log, "__Host") && !cfx_has(r.log, valid + 20), "log line: no cookie");
}

/* The soft limit (DESIGN.md 14.3): a valid session past refresh_at sends a
 * page load through <base_path>/refresh, before the rules; an API call
 * passes until exp; expired is still sign-in. */
static void refresh(void)
{
    struct oa_identity alice = cfx_alice(), got;
    static struct oa_session_buf sb;
    static char stale[sizeof(cfx_cookie_buf[0])], fresh[sizeof(cfx_cookie_buf[0])];
    struct oa_request q;
    int c;

    cfg.session.refresh_after = 600;
    snprintf(stale, sizeof(stale), "%s", cfx_cookie(&cfg, &alice, CFX_NOW - 600, ""));
    snprintf(fresh, sizeof(fresh), "%s", cfx_cookie(&cfg, &alice, CFX_NOW - 599, ""));
    for (c = 0; c < NCLIENTS; c++) {
        int page = c == PAGE || c == HEAD;
        cell("stale", c, "/app/page?x=1", stale, page ? 302 : 200);
        cell("fresh (599 s old)", c, "/app/page?x=1", fresh, 200);
        cell("stale, rules refuse", c, "/admin/panel", stale, page ? 302 : 403);
    }
    q = rq(PAGE, "/app/page?x=1&y=a%20b", stale);
    is_int(run(&q), 302, "stale page load: 302");
    is_str(oa_response_get(&r, "Location"),
           "/oauth/refresh?rd=https%3A%2F%2Fapp.example.com%2Fapp%2Fpage%3Fx%3D1%26y%3Da%2520b",
           "Location: <base_path>/refresh with rd = the original URL");
    is_str(oa_response_get(&r, "Cache-Control"), "no-store", "refresh redirect not cached");
    ok(!oa_response_get(&r, "Set-Cookie"), "the session cookie is left alone");
    q.host = "evil.example.net";
    is_int(run(&q), 302, "stale, foreign Host: 302");
    is_str(oa_response_get(&r, "Location"), "/oauth/refresh?rd=%2Fapp%2Fpage%3Fx%3D1%26y%3Da%2520b",
           "foreign Host: rd is the path alone");
    q = rq(PAGE, "/app/page", stale);
    is_int(oa_authorize(&got, &sb, &cfg, &q), OA_DECISION_REFRESH,
           "oa_authorize: stale page load is REFRESH");
    is_str(got.email, "alice@example.com", "REFRESH: the identity is read");
    q = rq(JSON, "/app/page", stale);
    is_int(oa_authorize(&got, &sb, &cfg, &q), OA_DECISION_ALLOW, "oa_authorize: stale API: ALLOW");
    q = rq(PAGE, "/bad%zzescape", stale);
    is_int(oa_authorize(&got, &sb, &cfg, &q), OA_DECISION_FORBIDDEN,
           "stale, unparsable path: FORBIDDEN (a refresh cannot help)");
    /* past exp: expired wins over stale */
    q = rq(PAGE, "/app/page", cfx_cookie(&cfg, &alice, CFX_NOW - 3600, ""));
    is_int(run(&q), 302, "stale and expired: 302");
    ok(cfx_has(oa_response_get(&r, "Location"), "/oauth/sign_in"), "to sign in, not refresh");
    q = rq(XHR, "/app/page", cfx_cookie(&cfg, &alice, CFX_NOW - 3600, ""));
    is_int(run(&q), 401, "stale and expired API call: 401");
    /* refresh off: the same old session is simply valid */
    cfg.session.refresh_after = 0;
    q = rq(PAGE, "/app/page", cfx_cookie(&cfg, &alice, CFX_NOW - 3000, ""));
    is_int(run(&q), 200, "refresh_after 0: a 3000 s old session passes a page load");
}

static void decide(void)
{
    struct oa_identity id = cfx_alice(), got;
    static struct oa_session_buf sb;
    struct oa_request q = rq(XHR, "/app", cfx_cookie(&cfg, &id, CFX_NOW, ""));

    is_int(oa_authorize(&got, &sb, &cfg, &q), OA_DECISION_ALLOW, "oa_authorize: allow");
    is_str(got.email, "alice@example.com", "identity points into the buffer");
    q.cookie = NULL;
    is_int(oa_authorize(&got, &sb, &cfg, &q), OA_DECISION_UNAUTH, "oa_authorize: unauth");
    is_str(got.email, "", "no session: empty identity");
}

int main(void)
{
    cfx_config(&cfg, 2);
    cfx_rule(&cfg, "/admin/", "boss@example.com", "", "", "", "");
    cfx_rule(&cfg, "/private", "boss@example.com", "", "", "", "");
    table();
    sign_in_target();
    sign_in_target_too_long();
    variables();
    paths();
    decide();
    refresh();
    oa_response_free(&r);
    cfx_free();
    return tap_done();
}
