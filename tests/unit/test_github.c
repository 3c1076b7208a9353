/* test_github.c - the GitHub callback against a stand-in API: token
 * request (client_secret_post + PKCE verifier), /user, the primary verified
 * email, paginated orgs and teams (Link rel="next", same origin only, page
 * cap), allowed_orgs / allowed_teams, and API failures. */
#include "fixture.h"
#include "tap.h"

#define TOKEN_URL "https://github.test/login/oauth/access_token"
#define API "https://api.github.test"

static struct oa_response r;
static struct oa_provider *gh;

static void canned_ok(void)
{
    fx_reset();
    fx_answer(TOKEN_URL, 200, "{\"access_token\":\"at-SECRET-1\",\"token_type\":\"bearer\"}", NULL);
    fx_answer(API "/user", 200, "{\"id\":42,\"login\":\"octo\",\"name\":\"Octo Cat\"}", NULL);
    fx_answer(API "/user/emails?per_page=100", 200,
              "[{\"email\":\"old@example.com\",\"primary\":false,\"verified\":true},"
              "{\"email\":\"octo@example.com\",\"primary\":true,\"verified\":true}]",
              NULL);
    fx_answer(API "/user/orgs?per_page=100", 200, "[{\"login\":\"foo\"}]",
              "<" API "/user/orgs?per_page=100&page=2>; rel=\"next\", <" API
              "/user/orgs?per_page=100&page=2>; rel=\"last\"");
    fx_answer(API "/user/orgs?per_page=100&page=2", 200, "[{\"login\":\"acme\"}]",
              "<" API "/user/orgs?per_page=100&page=1>; rel=\"first\"");
    fx_answer(API "/user/teams?per_page=100", 200,
              "[{\"slug\":\"core\",\"organization\":{\"login\":\"other\"}}]", NULL);
}

/* A login then its callback with code-XYZ; returns the callback's code. */
static enum oa_err sign_in(const char *rd)
{
    struct oa_request req;
    char *pair, *state, query[256];
    enum oa_err e;

    pair = fx_login(gh, rd, &state, NULL);
    snprintf(query, sizeof(query), "code=code-XYZ&state=%s", state ? state : "");
    fx_request(&req, "GET", "/oauth/github/callback", query, pair);
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, gh);
    if (e != OA_OK)
        printf("#   log: %s\n", r.log);
    free(pair);
    free(state);
    return e;
}

static void test_happy(void)
{
    struct oa_identity id;
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));
    const struct fx_seen *tok;

    canned_ok();
    ok(sign_in("%2Fafter%3Fx%3D1") == OA_OK, "github sign-in succeeds");
    is_int(r.status, 302, "302");
    is_str(oa_response_get(&r, "Location"), "/after?x=1", "back to the stored rd");
    ok(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0) &&
           strstr(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "Max-Age=0"),
       "state cookie deleted");
    ok(fx_session(&r, &id, sb), "a session cookie that opens");
    is_str(id.provider, "github", "provider");
    is_str(id.subject, "42", "subject = numeric id");
    is_str(id.username, "octo", "username = login");
    is_str(id.name, "Octo Cat", "name");
    is_str(id.email, "octo@example.com", "the primary verified email");
    is_str(id.groups, "foo,acme,other/core", "orgs of both pages and org/team");
    is_str(id.workspaces, "argilla", "workspaces from the config");
    is_str(id.issuer, "https://github.test", "issuer = base_url");
    tok = fx_last(TOKEN_URL);
    ok(tok && !strcmp(tok->method, "POST"), "token request is a POST");
    ok(tok && tok->body && strstr(tok->body, "grant_type=authorization_code") &&
           strstr(tok->body, "code=code-XYZ") &&
           strstr(tok->body,
                  "redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fgithub%2Fcallback") &&
           strstr(tok->body, "code_verifier="),
       "token body: grant_type, code, redirect_uri, verifier");
    ok(tok && tok->body && strstr(tok->body, "client_id=cid-123") &&
           strstr(tok->body, "client_secret=s3cret") && !tok->basic_user,
       "GitHub: client_secret_post");
    ok(fx_last(API "/user") && fx_last(API "/user")->auth_header &&
           !strcmp(fx_last(API "/user")->auth_header, "Authorization: Bearer at-SECRET-1"),
       "API calls carry the bearer token");
    is_int(fx_count(API "/user/orgs*"), 2, "two pages of orgs fetched");
    ok(fx_log_clean(&r), "log line clean: %s", r.log);
    free(sb);
}

static void test_denied(void)
{
    canned_ok();
    fx_answer(API "/user/orgs?per_page=100", 200, "[{\"login\":\"foo\"}]", NULL);
    fx_answer(API "/user/teams?per_page=100", 200,
              "[{\"slug\":\"other\",\"organization\":{\"login\":\"acme-not\"}}]", NULL);
    ok(sign_in(NULL) == OA_ERR_DENIED, "not in an allowed org or team: refused");
    is_int(r.status, 403, "403");
    ok(fx_body_has(&r, "not a member"), "page says not a member");
    ok(!fx_set_cookie(&r, "__Host-oauth2_fcgi=", 0), "no session cookie");
    ok(fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0) != NULL, "state still deleted");
    ok(fx_log_clean(&r), "log clean: %s", r.log);

    canned_ok();
    fx_answer(API "/user/orgs?per_page=100", 200, "[]", NULL);
    fx_answer(API "/user/teams?per_page=100", 200,
              "[{\"slug\":\"core\",\"organization\":{\"login\":\"OTHER\"}}]", NULL);
    ok(sign_in(NULL) == OA_OK, "a member of an allowed team passes (case-insensitive)");
}

static void test_email(void)
{
    struct oa_identity id;
    struct oa_session_buf *sb = calloc(1, sizeof(*sb));

    canned_ok();
    fx_answer(API "/user/emails?per_page=100", 200,
              "[{\"email\":\"x@example.com\",\"primary\":true,\"verified\":false},"
              "{\"email\":\"y@example.com\",\"primary\":false,\"verified\":true}]",
              NULL);
    ok(sign_in(NULL) == OA_OK && fx_session(&r, &id, sb), "signed in without a verified primary");
    is_str(id.email, "", "no primary AND verified email: none kept");
    free(sb);
}

static void test_pages(void)
{
    canned_ok();
    fx_answer(API "/user/orgs?per_page=100", 200, "[{\"login\":\"acme\"}]",
              "<https://evil.test/user/orgs?page=2>; rel=\"next\"");
    ok(sign_in(NULL) == OA_OK, "a next link to another origin");
    is_int(fx_count("https://evil.test/*"), 0, "... is not followed (the token stays home)");

    canned_ok();
    fx_answer(API "/user/orgs?per_page=100*", 200, "[{\"login\":\"acme\"}]",
              "<" API "/user/orgs?per_page=100&page=9999>; rel=\"next\"");
    ok(sign_in(NULL) == OA_OK, "endless next links");
    is_int(fx_count(API "/user/orgs*"), 10, "at most 10 pages");
}

static void test_faults(void)
{
    canned_ok();
    fx_answer(API "/user", 500, "oops", NULL);
    ok(sign_in(NULL) == OA_ERR_PROVIDER && r.status == 502, "/user 500 -> 502");
    ok(strstr(r.log, "api.github.test/user") && strstr(r.log, "500"),
       "log names endpoint and status: %s", r.log);
    ok(fx_log_clean(&r), "log clean");

    canned_ok();
    fx_answer(TOKEN_URL, 200, "{\"error\":\"bad_verification_code\",\"error_description\":\"x\"}",
              NULL);
    ok(sign_in(NULL) == OA_ERR_PROVIDER && r.status == 502, "token error in a 200 -> 502");
    ok(strstr(r.log, "bad_verification_code") != NULL, "log has the error code: %s", r.log);
    is_int(fx_count(API "/*"), 0, "no API call after a failed token request");

    canned_ok();
    fx_answer(API "/user/emails?per_page=100", 200, "{\"not\":\"an array\"}", NULL);
    ok(sign_in(NULL) == OA_ERR_PROVIDER && r.status == 502, "emails not an array -> 502");

    canned_ok();
    fx_answer(API "/user", 200, "{\"login\":\"octo\"}", NULL);
    ok(sign_in(NULL) == OA_ERR_PROVIDER && r.status == 502, "/user without id -> 502");

    canned_ok();
    fx_fail(API "/user/teams?per_page=100", OA_ERR_PROVIDER);
    ok(sign_in(NULL) == OA_ERR_PROVIDER && r.status == 502, "transport failure -> 502");
    ok(strstr(r.log, "canned transport failure") != NULL, "log has the transport error");
}

int main(void)
{
    fx_config();
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    gh->base_url = fx_s("https://github.test");
    gh->api_url = fx_s(API);
    gh->authorize_url = fx_s("https://github.test/login/oauth/authorize");
    gh->token_url = fx_s(TOKEN_URL);
    fx_strlist(&gh->allowed_orgs, "acme", NULL);
    fx_strlist(&gh->allowed_teams, "other/core", NULL);
    oa_response_init(&r);
    test_happy();
    test_denied();
    test_email();
    test_pages();
    test_faults();
    oa_response_free(&r);
    fx_reset();
    return tap_done();
}
