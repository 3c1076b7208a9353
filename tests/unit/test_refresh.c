/* test_refresh.c - <base_path>/refresh (src/flow/refresh.c) against the
 * stand-in provider of flow_fixture.c (a fake struct oa_http_ops answering
 * from a table): the refresh_token grant (rotation, no rotation, no
 * id_token, invalid_grant, another sub, UserInfo 401), the defer on 5xx
 * and network failures, GitHub's re-check (an org removed), prompt=none
 * without a token cookie, POST (same origin, navigation_required, 204),
 * no session, and the token cookie's binding (token_cookie.c). */
#include "fixture.h"
#include "oa/metrics.h"
#include "oa/token_cookie.h"
#include "tap.h"

#define IDP "https://idp.test"
#define GH_API "https://api.github.test"
#define TOK "__Secure-oauth2_fcgi_tok="

static struct oa_response r;
static char *jwks;
static struct oa_provider *corp, *gh;

static void canned_idp(void)
{
    fx_reset();
    fx_answer(IDP "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" IDP "\",\"authorization_endpoint\":\"" IDP "/auth\","
              "\"token_endpoint\":\"" IDP "/token\",\"userinfo_endpoint\":\"" IDP "/me\","
              "\"jwks_uri\":\"" IDP "/jwks\","
              "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"]}",
              NULL);
    fx_answer(IDP "/jwks", 200, jwks, NULL);
    fx_answer(IDP "/me", 200,
              "{\"sub\":\"u-1\",\"email\":\"alice@example.com\",\"email_verified\":true,"
              "\"preferred_username\":\"alice\",\"groups\":[\"admins\",\"qa\"]}",
              NULL);
}

/* A refresh answer: new access token, refresh token rt (NULL: none), an
 * id_token for sub (NULL: none) carrying the sign-in's nonce as
 * oidc-provider does. */
static const char *g_refresh_nonce = "n-of-the-sign-in";

static void token_answer(const char *rt, const char *sub)
{
    json_t *a = json_pack("{s:s,s:s,s:i}", "access_token", "at-SECRET-2", "token_type", "Bearer",
                          "expires_in", 600);
    char *out, *tok, *ans;

    if (rt)
        json_object_set_new(a, "refresh_token", json_string(rt));
    if (sub) {
        ans = fx_token_answer(IDP, sub, g_refresh_nonce, NULL);
        json_t *o = json_loads(ans, 0, NULL);
        tok = strdup(json_string_value(json_object_get(o, "id_token")));
        json_object_set_new(a, "id_token", json_string(tok));
        free(tok);
        json_decref(o);
        free(ans);
    }
    out = json_dumps(a, JSON_COMPACT);
    fx_answer(IDP "/token", 200, out, NULL);
    free(out);
    json_decref(a);
}

static struct oa_identity alice_at(const struct oa_provider *p, const char *sub)
{
    struct oa_identity id = {0};

    id.provider = p->name;
    id.issuer = p->kind == OA_PROVIDER_GITHUB ? "https://github.test" : IDP;
    id.subject = sub;
    id.username = "alice";
    id.email = "alice@example.com";
    id.groups = "old";
    return id;
}

static char cookies[8192];
static struct oa_session_buf sbuf;

/* The Cookie header of a browser signed in as id `age` seconds ago, with a
 * token cookie (rt, at; both NULL: none) bound to bind (NULL: the session). */
static const char *browser(const struct oa_identity *id, int64_t age, const char *rt,
                           const char *at, const struct oa_identity *bind)
{
    struct oa_response m;
    struct oa_request req;
    struct oa_identity opened;
    char *pair, *tpair = NULL;

    fx_request(&req, "GET", "/", NULL, NULL);
    req.now -= age;
    oa_response_init(&m);
    if (oa_session_issue(&m, &fx_cfg, &req, id) != OA_OK)
        printf("# issue failed\n");
    pair = fx_cookie_pair(fx_set_cookie(&m, "__Host-oauth2_fcgi=", 0));
    /* the token cookie binds to the sid the session really has */
    if (oa_session_read(&opened, &sbuf, &fx_cfg, pair, req.now) != OA_OK)
        printf("# session does not open\n");
    if (rt || at) {
        struct oa_identity b = bind ? *bind : opened;
        if (bind)
            memcpy(b.sid, opened.sid, sizeof(b.sid));
        oa_response_free(&m);
        oa_response_init(&m);
        if (oa_token_cookie_set(&m, &fx_cfg, &b, rt, at) != OA_OK)
            printf("# token cookie not set\n");
        tpair = fx_cookie_pair(fx_set_cookie(&m, TOK, 0));
    }
    snprintf(cookies, sizeof(cookies), "%s%s%s", pair, tpair ? "; " : "", tpair ? tpair : "");
    free(pair);
    free(tpair);
    oa_response_free(&m);
    return cookies;
}

static enum oa_err refresh(const char *method, const char *cookie, const char *site)
{
    struct oa_request req;
    enum oa_err e;

    fx_request(&req, method, "/oauth/refresh", "rd=%2Fpage", cookie);
    req.sec_fetch_site = site;
    if (!strcmp(method, "POST"))
        req.accept = "application/json";
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_refresh(&r, &fx_cfg, &fx_rt, &req);
    printf("#   %d log: %s\n", r.status, r.log);
    return e;
}

/* The identity of the session r set (sb static). */
static int new_session(struct oa_identity *id)
{
    return fx_session(&r, id, &sbuf);
}

/* The token cookie r set, opened for id. */
static int new_tokens(struct oa_token_cookie *tc, const struct oa_identity *id)
{
    char *pair = fx_cookie_pair(fx_set_cookie(&r, TOK, 0));
    int ok_ = pair && oa_token_cookie_read(tc, &fx_cfg, pair, id) == OA_OK;

    free(pair);
    return ok_;
}

static bool deleted(const char *prefix)
{
    const char *c = fx_set_cookie(&r, prefix, 0);

    return c && strstr(c, "Max-Age=0");
}

static void test_rotation(void)
{
    struct oa_identity id = alice_at(corp, "u-1"), got;
    struct oa_token_cookie tc;
    const struct fx_seen *t;
    const char *c;

    canned_idp();
    token_answer("rt-NEW", "u-1");
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK, "stale session + refresh token: refreshed");
    is_int(r.status, 302, "302");
    is_str(oa_response_get(&r, "Location"), "/page", "back to rd");
    t = fx_last(IDP "/token");
    ok(t && t->body && strstr(t->body, "grant_type=refresh_token") &&
           strstr(t->body, "refresh_token=rt-OLD") && !strstr(t->body, "code_verifier"),
       "refresh_token grant with the cookie's token");
    ok(t && t->basic_user && !strcmp(t->basic_user, "cid-123") && !strcmp(t->basic_pass, "s3cret"),
       "client authenticated as for the code (basic)");
    ok(fx_last(IDP "/me") &&
           !strcmp(fx_last(IDP "/me")->auth_header, "Authorization: Bearer at-SECRET-2"),
       "UserInfo again with the new access token");
    is_int(fx_count(IDP "/auth*"), 0, "no browser round trip");
    ok(new_session(&got), "a new session cookie");
    is_str(got.groups, "admins,qa", "groups fetched again");
    is_str(got.subject, "u-1", "same subject");
    ok(new_tokens(&tc, &got) && tc.refresh_token && !strcmp(tc.refresh_token, "rt-NEW"),
       "the rotated refresh token replaced the cookie's");
    oa_token_cookie_free(&tc);
    c = fx_set_cookie(&r, TOK, 0);
    ok(c && strstr(c, "Path=/oauth/") && strstr(c, "HttpOnly") && strstr(c, "Secure"),
       "token cookie: Path=<base_path>/, HttpOnly, Secure");
    ok(fx_log_clean(&r) && !strstr(r.log, "rt-"), "log clean");
    is_int(r.audit.event, OA_AUDIT_REFRESH, "audited as refresh");

    canned_idp();
    token_answer(NULL, "u-1");
    c = browser(&id, 120, "rt-KEEP", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302, "no new refresh token: refreshed");
    ok(new_session(&got) && new_tokens(&tc, &got) && !strcmp(tc.refresh_token, "rt-KEEP"),
       "RFC 6749 6: the old refresh token kept");
    oa_token_cookie_free(&tc);

    canned_idp();
    g_refresh_nonce = ""; /* Google's refreshed id_token: no nonce */
    token_answer("rt-3", "u-1");
    g_refresh_nonce = "n-of-the-sign-in";
    c = browser(&id, 120, "rt-X", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302 && new_session(&got) &&
           !strcmp(got.groups, "admins,qa") && fx_count(IDP "/me") == 1,
       "an id_token without a nonce (Google's refresh): checked, accepted");
    canned_idp();
    fx_answer(IDP "/me", 200, "{\"sub\":\"u-2\"}", NULL);
    g_refresh_nonce = "";
    token_answer("rt-3", "u-1");
    g_refresh_nonce = "n-of-the-sign-in";
    c = browser(&id, 120, "rt-X", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403,
       "... and UserInfo of another sub: refused");

    canned_idp();
    token_answer("rt-3", NULL);
    c = browser(&id, 120, "rt-X", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302 && new_session(&got) &&
           !strcmp(got.groups, "admins,qa"),
       "no id_token in the answer: UserInfo alone (same sub) refreshes");
}

static void test_refusals(void)
{
    struct oa_identity id = alice_at(corp, "u-1");
    const char *c;
    uint64_t out0 = oa_metrics_block()->refreshes[0][OA_MX_REFRESH_SIGNED_OUT],
             rev0 = oa_metrics_block()->revocations[OA_MX_REV_REFRESH];

    canned_idp();
    fx_answer(IDP "/token", 400, "{\"error\":\"invalid_grant\"}", NULL);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED, "invalid_grant: refused");
    ok(oa_metrics_block()->refreshes[0][OA_MX_REFRESH_SIGNED_OUT] == out0 + 1 &&
           oa_metrics_block()->revocations[OA_MX_REV_REFRESH] == rev0 + 1,
       "counted: a refresh signed out, a revocation by refresh");
    is_int(r.status, 403, "403 page");
    ok(fx_body_has(&r, "You were signed out: corp no longer accepts this account"),
       "the page says so");
    ok(deleted("__Host-oauth2_fcgi=") && deleted(TOK), "session and token cookies deleted");
    ok(strstr(r.log, "invalid_grant") && strstr(r.log, "revoked"), "log names the cause");
    is_int(r.audit.event, OA_AUDIT_SIGN_OUT, "audited as a sign-out");
    is_int(fx_count(IDP "/me"), 0, "no UserInfo after the refusal");

    canned_idp();
    fx_answer(IDP "/token", 400, "{\"error\":\"invalid_grant\"}", NULL);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("POST", c, "same-origin") == OA_ERR_DENIED && r.status == 401 &&
           fx_body_has(&r, "no longer accepts") && deleted("__Host-oauth2_fcgi="),
       "POST: 401 JSON, cookies deleted");

    canned_idp();
    token_answer("rt-2", "u-2");
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403 && strstr(r.log, "sub"),
       "id_token of another sub: refused");

    canned_idp();
    {
        char *ans = fx_token_answer("https://evil.test", "u-1", "", NULL);
        fx_answer(IDP "/token", 200, ans, NULL);
        free(ans);
    }
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403 && strstr(r.log, "id_token") &&
           fx_count(IDP "/me") == 0,
       "a refreshed id_token from another issuer: refused, no UserInfo");

    canned_idp();
    token_answer("rt-2", "u-1");
    fx_answer(IDP "/me", 401, "{\"error\":\"invalid_token\"}", NULL);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403 && deleted(TOK),
       "UserInfo 401: refused");
}

static void test_defer(void)
{
    struct oa_identity id = alice_at(corp, "u-1"), got;
    const char *c;
    int64_t now = (int64_t)time(NULL);
    uint64_t d0 = oa_metrics_block()->refreshes[0][OA_MX_REFRESH_DEFERRED];

    canned_idp();
    fx_answer(IDP "/token", 503, "<html>down</html>", NULL);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK, "token endpoint 503: deferred");
    ok(oa_metrics_block()->refreshes[0][OA_MX_REFRESH_DEFERRED] == d0 + 1, "counted as deferred");
    is_int(r.status, 302, "the page goes on (302 rd)");
    is_str(oa_response_get(&r, "Location"), "/page", "to rd");
    ok(new_session(&got) && !strcmp(got.groups, "old"), "the same identity sealed again");
    ok(got.refresh_at == 0 || (got.refresh_at >= now + 55 && got.refresh_at <= now + 65),
       "refresh_at about a minute ahead (when the session carries it)");
    ok(!fx_set_cookie(&r, TOK, 0), "token cookie untouched");
    ok(strstr(r.log, "deferred") != NULL, "log: deferred");

    canned_idp();
    fx_answer(IDP "/token", 400, "{\"error\":\"invalid_grant\"}", NULL);
    fx_fail(IDP "/token", OA_ERR_IO);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302 && strstr(r.log, "deferred"),
       "network failure: deferred");

    canned_idp();
    token_answer("rt-2", "u-1");
    fx_answer(IDP "/me", 500, "x", NULL);
    c = browser(&id, 120, "rt-OLD", NULL, NULL);
    ok(refresh("POST", c, "same-origin") == OA_OK && r.status == 204 && strstr(r.log, "deferred") &&
           fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0),
       "UserInfo 500 on POST: 204 with the deferred session");
}

static void canned_github(const char *orgs)
{
    fx_reset();
    fx_answer(GH_API "/user", 200, "{\"id\":42,\"login\":\"octo\",\"name\":\"Octo\"}", NULL);
    fx_answer(GH_API "/user/emails?per_page=100", 200,
              "[{\"email\":\"alice@example.com\",\"primary\":true,\"verified\":true}]", NULL);
    fx_answer(GH_API "/user/orgs?per_page=100", 200, orgs, NULL);
    fx_answer(GH_API "/user/teams?per_page=100", 200, "[]", NULL);
}

static void test_github(void)
{
    struct oa_identity id = alice_at(gh, "42"), got;
    const char *c;

    canned_github("[{\"login\":\"acme\"},{\"login\":\"other\"}]");
    c = browser(&id, 120, NULL, "gho-SECRET", NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302, "GitHub: access token re-check");
    ok(fx_last(GH_API "/user") &&
           !strcmp(fx_last(GH_API "/user")->auth_header, "Authorization: Bearer gho-SECRET"),
       "the stored access token");
    ok(new_session(&got) && !strcmp(got.groups, "acme,other"), "orgs fetched again");

    canned_github("[{\"login\":\"other\"}]");
    c = browser(&id, 120, NULL, "gho-SECRET", NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403 &&
           fx_body_has(&r, "github no longer accepts this account") && deleted(TOK),
       "removed from the allowed org: signed out");

    canned_github("[]");
    fx_answer(GH_API "/user", 401, "{\"message\":\"Bad credentials\"}", NULL);
    c = browser(&id, 120, NULL, "gho-SECRET", NULL);
    ok(refresh("GET", c, NULL) == OA_ERR_DENIED && r.status == 403, "token revoked (401): out");

    canned_github("[]");
    fx_answer(GH_API "/user", 502, "bad gateway", NULL);
    c = browser(&id, 120, NULL, "gho-SECRET", NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302 && strstr(r.log, "deferred"),
       "API 502: deferred");
}

static void test_browser_and_post(void)
{
    struct oa_identity id = alice_at(corp, "u-1"), other = alice_at(corp, "u-9");
    char *prompt, *state;
    const char *c;

    canned_idp();
    c = browser(&id, 120, NULL, NULL, NULL);
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302,
       "no token cookie, GET: to the provider");
    ok(!strncmp(oa_response_get(&r, "Location"), IDP "/auth?", strlen(IDP "/auth?")),
       "the authorization endpoint");
    prompt = fx_location_param(&r, "prompt");
    state = fx_location_param(&r, "state");
    is_str(prompt, "none", "prompt=none");
    ok(state && fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "a state cookie");
    is_int(fx_count(IDP "/token"), 0, "no token request");
    free(prompt);
    free(state);

    canned_idp();
    c = browser(&id, 120, NULL, NULL, NULL);
    ok(refresh("POST", c, "cross-site") == OA_ERR_DENIED && r.status == 403,
       "POST from another site: 403");
    ok(refresh("POST", c, NULL) == OA_ERR_DENIED && r.status == 403,
       "POST that names no origin: 403");
    ok(refresh("POST", c, "same-origin") != OA_OK && r.status == 401 &&
           fx_body_has(&r, "{\"error\":\"navigation_required\"}"),
       "POST without a token cookie: 401 navigation_required");

    canned_idp();
    token_answer("rt-2", "u-1");
    c = browser(&id, 120, "rt-1", NULL, NULL);
    ok(refresh("POST", c, "same-origin") == OA_OK && r.status == 204 &&
           fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0) && fx_set_cookie(&r, TOK, 0),
       "POST with a refresh token: 204 + both cookies");

    canned_idp();
    token_answer("rt-2", "u-1");
    c = browser(&id, 120, "rt-1", NULL, &other);
    ok(refresh("GET", c, NULL) == OA_OK && fx_count(IDP "/token") == 0 &&
           !strncmp(oa_response_get(&r, "Location"), IDP "/auth?", strlen(IDP "/auth?")),
       "a token cookie bound to another subject is not used (prompt=none instead)");

    canned_idp();
    ok(refresh("GET", NULL, NULL) != OA_OK && r.status == 302 &&
           strstr(oa_response_get(&r, "Location"), "/oauth/sign_in?rd=") &&
           strstr(oa_response_get(&r, "Location"), "%2Fpage"),
       "no session, GET: to sign in, rd kept");
    ok(refresh("POST", "__Host-oauth2_fcgi=garbage", "same-origin") != OA_OK && r.status == 401,
       "no valid session, POST: 401");
    is_int(fx_count("*"), 0, "no provider call without a session");
}

static void test_not_stale(void)
{
    struct oa_identity id = alice_at(corp, "u-1"), got;
    const char *c;

    canned_idp();
    c = browser(&id, 0, "rt-1", NULL, NULL);
    if (oa_session_read(&got, &sbuf, &fx_cfg, c, (int64_t)time(NULL)) != OA_OK ||
        got.refresh_at == 0) {
        printf("# not stale: skipped, the session carries no refresh_at yet (session v2)\n");
        return;
    }
    ok(refresh("GET", c, NULL) == OA_OK && r.status == 302 && fx_count("*") == 0,
       "not stale: 302 rd, no provider call");
    ok(refresh("POST", c, "same-origin") == OA_OK && r.status == 204 && fx_count("*") == 0,
       "not stale, POST: 204, no provider call");
}

static void test_token_cookie(void)
{
    struct oa_identity id = alice_at(corp, "u-1"), other = id;
    struct oa_token_cookie tc;
    char big[4000], *pair;

    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_token_cookie_set(&r, &fx_cfg, &id, "rt-A", NULL) == OA_OK, "set");
    pair = fx_cookie_pair(fx_set_cookie(&r, TOK, 0));
    ok(pair && oa_token_cookie_read(&tc, &fx_cfg, pair, &id) == OA_OK &&
           !strcmp(tc.refresh_token, "rt-A") && !tc.access_token,
       "opens for its session");
    oa_token_cookie_free(&tc);
    other.sid[0] ^= 1;
    ok(oa_token_cookie_read(&tc, &fx_cfg, pair, &other) == OA_ERR_DENIED, "another sid: refused");
    other = id;
    other.provider = "github";
    ok(oa_token_cookie_read(&tc, &fx_cfg, pair, &other) == OA_ERR_DENIED,
       "another provider: refused");
    other = id;
    other.subject = "u-10";
    ok(oa_token_cookie_read(&tc, &fx_cfg, pair, &other) == OA_ERR_DENIED,
       "another subject: refused");
    pair[strlen(pair) - 3] ^= 1;
    ok(oa_token_cookie_read(&tc, &fx_cfg, pair, &id) == OA_ERR_CRYPTO, "tampered: refused");
    free(pair);
    {
        /* a session cookie is no token cookie (its own purpose) */
        struct oa_response m;
        struct oa_request req;
        char *s, hdr[8192];
        fx_request(&req, "GET", "/", NULL, NULL);
        oa_response_init(&m);
        if (oa_session_issue(&m, &fx_cfg, &req, &id) != OA_OK)
            printf("# issue\n");
        s = fx_cookie_pair(fx_set_cookie(&m, "__Host-oauth2_fcgi=", 0));
        snprintf(hdr, sizeof(hdr), "%s%s", TOK, strchr(s, '=') + 1);
        ok(oa_token_cookie_read(&tc, &fx_cfg, hdr, &id) == OA_ERR_CRYPTO,
           "a session cookie's value does not open as a token cookie");
        free(s);
        oa_response_free(&m);
    }
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_token_cookie_set(&r, &fx_cfg, &id, big, NULL) == OA_ERR_TOO_LARGE &&
           !fx_set_cookie(&r, TOK, 0),
       "too large: not stored");
    ok(oa_token_cookie_set(&r, &fx_cfg, &id, NULL, NULL) == OA_ERR_BAD_INPUT, "nothing to keep");
    ok(oa_token_cookie_read(&tc, &fx_cfg, "a=b", &id) == OA_ERR_NOT_FOUND, "absent");
    {
        char *bp = fx_cfg.base_path;
        fx_cfg.base_path = fx_s("");
        oa_response_free(&r);
        oa_response_init(&r);
        ok(oa_token_cookie_set(&r, &fx_cfg, &id, "rt", NULL) == OA_ERR_DENIED &&
               !fx_set_cookie(&r, TOK, 0),
           "base_path \"\" (Path=/, the application's): not stored");
        free(fx_cfg.base_path);
        fx_cfg.base_path = bp;
    }
    fx_cfg.session.secure = false;
    oa_response_free(&r);
    oa_response_init(&r);
    ok(oa_token_cookie_set(&r, &fx_cfg, &id, "rt", NULL) == OA_OK &&
           fx_set_cookie(&r, "oauth2_fcgi_tok=", 0) &&
           !strstr(fx_set_cookie(&r, "oauth2_fcgi_tok=", 0), "Secure"),
       "plain http: no prefix, no Secure");
    fx_cfg.session.secure = true;
}

/* Single flight: while the token request of one refresh is on the wire,
 * a second /refresh of the same session (another tab) is deferred, never
 * a second use of the refresh token; another session is not held up. */
static const struct oa_http_ops *real_http;
static const char *nested_cookie;
static struct oa_response nested_r;
static enum oa_err nested_e;
static int nested_runs;

static enum oa_err nesting_send(void *ctx, const struct oa_http_opts *opts,
                                const struct oa_http_request *hr, struct oa_http_response *resp,
                                struct oa_error *err)
{
    struct oa_request req;

    (void)ctx;
    if (nested_cookie && !strcmp(hr->url, IDP "/token") && nested_runs++ == 0) {
        fx_request(&req, "GET", "/oauth/refresh", "rd=%2Fother", nested_cookie);
        oa_response_init(&nested_r);
        nested_e = oa_signin_refresh(&nested_r, &fx_cfg, &fx_rt, &req);
    }
    return real_http->send(real_http->ctx, opts, hr, resp, err);
}

static void test_single_flight(void)
{
    /* the other session: the same user in another browser (its own sid) */
    struct oa_identity id = alice_at(corp, "u-1"), other = alice_at(corp, "u-1");
    struct oa_http_ops nesting;
    char first[8192];

    real_http = fx_rt.http;
    nesting = *real_http;
    nesting.send = nesting_send;
    fx_rt.http = &nesting;

    canned_idp();
    token_answer("rt-NEW", "u-1");
    snprintf(first, sizeof(first), "%s", browser(&id, 120, "rt-OLD", NULL, NULL));
    nested_cookie = first;
    nested_runs = 0;
    ok(refresh("GET", first, NULL) == OA_OK && r.status == 302 && strstr(r.log, "refreshed"),
       "the first refresh goes through");
    ok(nested_e == OA_OK && nested_r.status == 302 && strstr(nested_r.log, "deferred") &&
           strstr(nested_r.log, "running"),
       "the same session at the same time: deferred (not a second refresh)");
    is_int(fx_count(IDP "/token"), 1, "one token request for the two");
    ok(!strcmp(oa_response_get(&nested_r, "Location"), "/other"), "the deferred one goes on to rd");
    oa_response_free(&nested_r);

    canned_idp();
    token_answer("rt-NEW", "u-1");
    snprintf(first, sizeof(first), "%s", browser(&id, 120, "rt-OLD", NULL, NULL));
    nested_cookie = browser(&other, 120, "rt-B", NULL, NULL);
    nested_runs = 0;
    ok(refresh("GET", first, NULL) == OA_OK && strstr(nested_r.log, "refreshed") &&
           fx_count(IDP "/token") == 2,
       "another session at the same time: not held up");
    oa_response_free(&nested_r);
    nested_cookie = NULL;
    fx_rt.http = real_http;
}

int main(void)
{
    fx_config();
    fx_cfg.session.refresh_after = 60;
    jwks = fx_make_key();
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s(IDP);
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    gh->api_url = fx_s(GH_API);
    gh->base_url = fx_s("https://github.test");
    fx_strlist(&gh->allowed_orgs, "acme", NULL);
    oa_response_init(&r);
    test_rotation();
    test_refusals();
    test_defer();
    test_github();
    test_browser_and_post();
    test_not_stale();
    test_token_cookie();
    test_single_flight();
    oa_response_free(&r);
    fx_reset();
    free(jwks);
    return tap_done();
}
