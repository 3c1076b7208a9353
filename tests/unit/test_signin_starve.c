/* test_signin_starve.c - the sign-in path must not starve the gate,
 * through the real login, callback and logout flows against
 * the stand-in provider of flow_fixture.c:
 *   - a state works once: the same callback (URL and state cookie) sent
 *     again is refused with a clear page before any provider request,
 *     whether the first use succeeded or failed, and even while every
 *     provider-call slot is taken;
 *   - over the cap on provider calls a callback or a login that needs
 *     discovery gets the 503 "too many sign-ins" page with Retry-After at
 *     once, without any provider request, and the callback keeps its state
 *     cookie so the retry works; a logout skips only the provider's
 *     end-session; a full used-state table refuses the same way;
 *   - every flow gives its slot back. */
#include "fixture.h"
#include "oa/inflight.h"
#include "oa/replay.h"
#include "tap.h"

#define IDP "https://idp.test"

static struct oa_response r;
static char *jwks, *g_pair, *g_state, *g_nonce;
static struct oa_provider *corp, *gh;

static void canned_idp(void)
{
    fx_reset();
    fx_answer(IDP "/.well-known/openid-configuration", 200,
              "{\"issuer\":\"" IDP "\",\"authorization_endpoint\":\"" IDP "/auth\","
              "\"token_endpoint\":\"" IDP "/token\",\"jwks_uri\":\"" IDP "/jwks\","
              "\"end_session_endpoint\":\"" IDP "/logout\"}",
              NULL);
    fx_answer(IDP "/jwks", 200, jwks, NULL);
}

static void login(const struct oa_provider *p)
{
    free(g_pair);
    free(g_state);
    free(g_nonce);
    g_pair = fx_login(p, "%2Fhome", &g_state, &g_nonce);
}

static void token_ok(void)
{
    char *ans = fx_token_answer(IDP, "u-1", g_nonce ? g_nonce : "", "{\"email\":\"a@x.test\"}");

    fx_answer(IDP "/token", 200, ans, NULL);
    free(ans);
}

/* The callback of the last login, with its state cookie. */
static enum oa_err callback(void)
{
    struct oa_request req;
    char q[512];
    enum oa_err e;

    snprintf(q, sizeof(q), "code=code-XYZ&state=%s", g_state ? g_state : "");
    fx_request(&req, "GET", "/oauth/corp/callback", q, g_pair);
    oa_response_free(&r);
    oa_response_init(&r);
    e = oa_signin_callback(&r, &fx_cfg, &fx_rt, &req, corp);
    printf("#   %d %s\n", r.status, r.log);
    return e;
}

static int state_deleted(void)
{
    const char *sc = fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0);
    return sc && strstr(sc, "Max-Age=0") != NULL;
}

static int busy_page(void)
{
    const char *ra = oa_response_get(&r, "Retry-After");
    return r.status == 503 && fx_body_has(&r, "Too many sign-ins") && ra && atoi(ra) > 0;
}

static void test_replay(void)
{
    canned_idp();
    login(corp);
    token_ok();
    ok(callback() == OA_OK && r.status == 302, "first use of the state signs in");
    is_int(oa_inflight_now(), 0, "the flow gave its slot back");
    fx_reset();
    canned_idp();
    ok(callback() == OA_ERR_DENIED && r.status == 400, "the same callback again: 400");
    ok(fx_body_has(&r, "already used"), "... the page says the link was already used");
    is_int(fx_nseen, 0, "... and no provider request at all (not even discovery)");
    ok(strstr(r.log, "replay") != NULL, "... logged as a replay");
    ok(!strstr(r.log, g_state), "... without the state in the log");
    ok(state_deleted(), "... its state cookie is deleted");

    /* a first use that failed at the token endpoint burns the state too */
    canned_idp();
    login(corp);
    fx_answer(IDP "/token", 500, "{\"error\":\"server_error\"}", NULL);
    ok(callback() != OA_OK && r.status == 502, "first use fails at the token endpoint: 502");
    is_int(fx_count(IDP "/token"), 1, "one token request");
    token_ok();
    ok(callback() == OA_ERR_DENIED && r.status == 400 && fx_body_has(&r, "already used"),
       "its replay: 400 already used");
    is_int(fx_count(IDP "/token"), 1, "... and no second token request");
    is_int(oa_inflight_now(), 0, "slots given back");
}

static void test_cap(void)
{
    canned_idp();
    login(corp);
    token_ok();
    oa_inflight_set_cap(1);
    ok(oa_inflight_enter(), "a slow sign-in holds the only slot");
    fx_reset();
    canned_idp();
    token_ok();
    ok(callback() == OA_ERR_BUSY && busy_page(),
       "a callback over the cap: 503 'too many sign-ins' with Retry-After, at once");
    is_int(fx_nseen, 0, "... without any provider request");
    ok(!state_deleted(), "... and its state cookie is kept for the retry");
    ok(!oa_replay_seen(g_state, (int64_t)time(NULL)), "... and its state is not marked used");
    ok(strstr(r.log, "too many sign-ins") != NULL, "... logged");
    is_int(oa_inflight_now(), 1, "the refused request took no slot");
    oa_inflight_leave();
    ok(callback() == OA_OK && r.status == 302, "the retry once the slot is free: signed in");
    is_int(oa_inflight_now(), 0, "... and the slot is given back");

    /* a replay is a replay even when the slots are taken */
    ok(oa_inflight_enter(), "the slot is taken again");
    ok(callback() == OA_ERR_DENIED && r.status == 400, "a replay while the slots are taken: 400");

    /* login: discovery may wait on the provider (or its cache's lock) */
    fx_reset();
    canned_idp();
    {
        struct oa_request req;

        fx_request(&req, "GET", "/oauth/corp/login", "rd=%2F", NULL);
        oa_response_free(&r);
        oa_response_init(&r);
        ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, corp) == OA_ERR_BUSY && busy_page(),
           "a login that needs discovery, over the cap: 503 with Retry-After");
        is_int(fx_nseen, 0, "... without any provider request");
        ok(!fx_set_cookie(&r, "__Host-oauth2_fcgi_state_", 0), "... and no state cookie");
        fx_request(&req, "GET", "/oauth/github/login", "rd=%2F", NULL);
        oa_response_free(&r);
        oa_response_init(&r);
        ok(oa_signin_login(&r, &fx_cfg, &fx_rt, &req, gh) == OA_OK && r.status == 302,
           "a login with every endpoint configured needs no slot: 302");
        fx_request(&req, "GET", "/oauth/logout", NULL, NULL);
        ok(oa_signin_logout_url(&fx_cfg, &fx_rt, &req, "corp", "/bye") == NULL,
           "logout over the cap: no end-session URL (the local logout goes on)");
        is_int(fx_nseen, 0, "... and no discovery request");
    }
    oa_inflight_leave();
    is_int(oa_inflight_now(), 0, "every slot given back");
    oa_inflight_set_cap(0);
}

static void test_table_full(void)
{
    char s[64];
    unsigned i;
    int64_t now = (int64_t)time(NULL);

    oa_replay_reset(4);
    for (i = 0; i < 4; i++) {
        snprintf(s, sizeof(s), "filler%010u-of-the-used-state-table", i);
        if (oa_replay_claim(s, now) != OA_OK)
            break;
    }
    is_int(i, 4, "the used-state table is full of live entries");
    canned_idp();
    login(corp);
    token_ok();
    fx_reset();
    canned_idp();
    token_ok();
    ok(callback() == OA_ERR_BUSY && busy_page(), "a new callback then: 503 with Retry-After");
    is_int(fx_count(IDP "/token"), 0, "... and no token request");
    ok(!state_deleted(), "... its state cookie kept");
    is_int(oa_inflight_now(), 0, "... its slot given back");
    oa_replay_reset(0);
    ok(callback() == OA_OK && r.status == 302, "with room again, the same callback signs in");
}

int main(void)
{
    fx_config();
    jwks = fx_make_key();
    corp = fx_provider("corp", OA_PROVIDER_OIDC);
    corp->issuer = fx_s(IDP);
    gh = fx_provider("github", OA_PROVIDER_GITHUB);
    gh->authorize_url = fx_s("https://github.test/login/oauth/authorize");
    gh->token_url = fx_s("https://github.test/login/oauth/access_token");
    oa_response_init(&r);
    test_replay();
    test_cap();
    test_table_full();
    oa_response_free(&r);
    fx_reset();
    free(g_pair);
    free(g_state);
    free(g_nonce);
    free(jwks);
    return tap_done();
}
